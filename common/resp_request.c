/* resp_request.c - the server's RESP2 request parser.
 *
 * A request is either an array of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
 * or an inline command: one line of words as telnet and redis-cli send it.
 * A request that starts with '*' is an array; anything else is inline.
 *
 * The parser keeps no state between calls: it starts from buf[0] every time.
 * What keeps that cheap is that it never scans a bulk payload: the header
 * gives its length, so the parser jumps over it, and when the payload is not
 * all there yet it reports through *need where the payload ends. A caller
 * waiting for a 1 MiB value therefore parses only the short headers again,
 * and only once *need bytes have arrived. Inline lines are scanned, but they
 * are bounded by max_inline.
 *
 * Inline quoting follows redis (sdssplitargs): "..." takes \xHH, \n, \r, \t,
 * \b, \a and \<any> escapes; '...' takes \' only; a closing quote must be
 * followed by a space or the end of the line. An unescaped argument is never
 * longer than its quoted form, so it is rewritten in place inside the line
 * (this is why buf is not const), and only after the whole line has been
 * validated and argv has room: a call that does not consume the line leaves
 * buf untouched, so the caller may simply call again.
 *
 * Number syntax is strict (no '+', no leading zeros, no "-0", within int64),
 * so a header can never be longer than 22 bytes and scanning it is bounded.
 */
#include "common/resp.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_MBULK_LEN "Protocol error: invalid multibulk length"
#define ERR_BULK_LEN "Protocol error: invalid bulk length"
#define ERR_BULK_BIG "Protocol error: bulk string too large"
#define ERR_BULK_CRLF "Protocol error: bulk string not followed by CRLF"
#define ERR_ARGS "Protocol error: too many arguments"
#define ERR_INLINE_BIG "Protocol error: too big inline request"
#define ERR_REQUEST_BIG "Protocol error: request too large"
#define ERR_QUOTES "Protocol error: unbalanced quotes in request"

/* "Protocol error: expected '$', got 'x'" for every byte x. err must be a
 * static string, so the 256 messages are built once, before main runs, and
 * only read afterwards (which keeps the parser safe to use from threads). */
static char dollar_errs[256][48];

__attribute__((constructor)) static void dollar_errs_init(void)
{
	for (int c = 0; c < 256; c++) {
		if (c > ' ' && c < 0x7f)
			snprintf(dollar_errs[c], sizeof dollar_errs[c],
				 "Protocol error: expected '$', got '%c'", c);
		else
			snprintf(dollar_errs[c], sizeof dollar_errs[c],
				 "Protocol error: expected '$', got byte 0x%02x",
				 c);
	}
}

long resp__number(const char *buf, size_t len, size_t pos, long long *out)
{
	unsigned long long v = 0;
	size_t i = pos, ndigits = 0;
	int neg = 0;

	if (i < len && buf[i] == '-') {
		neg = 1;
		i++;
	}
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		unsigned d = (unsigned)(buf[i] - '0');

		if (ndigits > 0 && v == 0)
			return RESP_ERROR; /* leading zero */
		if (v > (unsigned long long)(LLONG_MAX - d) / 10)
			return RESP_ERROR;
		v = v * 10 + d;
		ndigits++;
	}
	if (i == len)
		return RESP_INCOMPLETE;
	if (ndigits == 0 || buf[i] != '\r' || (neg && v == 0))
		return RESP_ERROR;
	if (i + 1 == len)
		return RESP_INCOMPLETE;
	if (buf[i + 1] != '\n')
		return RESP_ERROR;
	*out = neg ? -(long long)v : (long long)v;
	return (long)(i + 2);
}

void resp_req_init(struct resp_req *req)
{
	req->argc = 0;
	req->argv = NULL;
	req->cap = 0;
}

void resp_req_free(struct resp_req *req)
{
	free(req->argv);
	resp_req_init(req);
}

/* Make room for n arguments in all. */
static int req_reserve(struct resp_req *req, size_t n)
{
	struct resp_arg *p;
	size_t cap;

	if (n <= req->cap)
		return 0;
	cap = req->cap < 8 ? 8 : req->cap;
	while (cap < n)
		cap = cap > SIZE_MAX / 2 ? n : cap * 2;
	if (cap > SIZE_MAX / sizeof *p)
		return -1;
	p = realloc(req->argv, cap * sizeof *p);
	if (p == NULL)
		return -1;
	req->argv = p;
	req->cap = cap;
	return 0;
}

/* One parse: the inputs plus where the outcome goes. */
struct req_parse {
	const struct resp_limits *lim;
	char *buf;
	size_t len;
	struct resp_req *req;
	size_t *need;
	const char **err;
};

static long req_fail(struct req_parse *p, const char *msg)
{
	*p->err = msg;
	return RESP_ERROR;
}

/* Not all there yet. Every byte in buf belongs to this request, so if buf
 * already holds max_request bytes the request is over the limit. */
static long req_incomplete(struct req_parse *p, size_t need)
{
	if (p->len >= p->lim->max_request)
		return req_fail(p, ERR_REQUEST_BIG);
	*p->need = need;
	return RESP_INCOMPLETE;
}

/* One "$<len>\r\n<payload>\r\n" at *pos; on success it is argv[argc]. */
static long req_bulk(struct req_parse *p, size_t *pos)
{
	const struct resp_limits *lim = p->lim;
	long long blen;
	size_t start, end;
	long r;

	if (*pos == p->len)
		return req_incomplete(p, 0);
	if (p->buf[*pos] != '$')
		return req_fail(p, dollar_errs[(unsigned char)p->buf[*pos]]);
	r = resp__number(p->buf, p->len, *pos + 1, &blen);
	if (r == RESP_INCOMPLETE)
		return req_incomplete(p, 0);
	if (r == RESP_ERROR || blen < 0)
		return req_fail(p, ERR_BULK_LEN);
	if ((unsigned long long)blen > lim->max_bulk)
		return req_fail(p, ERR_BULK_BIG);
	start = (size_t)r;
	/* blen < 2^63 and start is small, so this cannot wrap. */
	end = start + (size_t)blen + 2;
	if (end > lim->max_request)
		return req_fail(p, ERR_REQUEST_BIG);
	if (p->len < end)
		return req_incomplete(p, end);
	if (p->buf[end - 2] != '\r' || p->buf[end - 1] != '\n')
		return req_fail(p, ERR_BULK_CRLF);
	if (req_reserve(p->req, p->req->argc + 1) != 0)
		return RESP_NOMEM;
	p->req->argv[p->req->argc].p = p->buf + start;
	p->req->argv[p->req->argc].len = (size_t)blen;
	p->req->argc++;
	*pos = end;
	return 1;
}

static long req_multibulk(struct req_parse *p)
{
	long long count;
	size_t pos;
	long r;

	r = resp__number(p->buf, p->len, 1, &count);
	if (r == RESP_INCOMPLETE)
		return req_incomplete(p, 0);
	if (r == RESP_ERROR || count < -1)
		return req_fail(p, ERR_MBULK_LEN);
	if (count > 0 && (unsigned long long)count > p->lim->max_args)
		return req_fail(p, ERR_ARGS);
	pos = (size_t)r;
	if (pos > p->lim->max_request)
		return req_fail(p, ERR_REQUEST_BIG);
	/* *0 and *-1 carry no command; like redis, consume them quietly. */
	for (long long i = 0; i < count; i++) {
		r = req_bulk(p, &pos);
		if (r <= 0)
			return r;
	}
	return (long)pos;
}

static int inline_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte that "\c" inside double quotes stands for (after \x was handled). */
static char unescape_char(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'b': return '\b';
	case 'a': return '\a';
	default: return c;
	}
}

/* Inside "...": consume one unit at line[*i] and produce at most one byte in
 * *c. Returns 1 for a byte, 0 for the closing quote, -1 at a bad end. */
static int dquote_step(const char *line, size_t n, size_t *i, char *c)
{
	size_t j = *i;

	if (j == n)
		return -1;
	if (line[j] == '"') {
		if (j + 1 < n && !inline_is_space(line[j + 1]))
			return -1;
		*i = j + 1;
		return 0;
	}
	if (line[j] == '\\' && j + 3 < n && line[j + 1] == 'x' &&
	    hex_value(line[j + 2]) >= 0 && hex_value(line[j + 3]) >= 0) {
		*c = (char)(hex_value(line[j + 2]) * 16 + hex_value(line[j + 3]));
		*i = j + 4;
		return 1;
	}
	if (line[j] == '\\' && j + 1 < n) {
		*c = unescape_char(line[j + 1]);
		*i = j + 2;
		return 1;
	}
	*c = line[j];
	*i = j + 1;
	return 1;
}

/* Inside '...': as dquote_step, with \' as the only escape. */
static int squote_step(const char *line, size_t n, size_t *i, char *c)
{
	size_t j = *i;

	if (j == n)
		return -1;
	if (line[j] == '\'') {
		if (j + 1 < n && !inline_is_space(line[j + 1]))
			return -1;
		*i = j + 1;
		return 0;
	}
	if (line[j] == '\\' && j + 1 < n && line[j + 1] == '\'') {
		*c = '\'';
		*i = j + 2;
		return 1;
	}
	*c = line[j];
	*i = j + 1;
	return 1;
}

/* Read the next word of line[0..n) from *i. With write set, the unescaped
 * word is stored over its own text, which is safe because the output never
 * gets ahead of the input. Returns 1 with *arg set, 0 at the end of the line,
 * -1 for unbalanced quotes. */
static int inline_word(char *line, size_t n, size_t *i, int write,
		       struct resp_arg *arg)
{
	enum { PLAIN, DQUOTE, SQUOTE } state = PLAIN;
	size_t j = *i, start, out;
	char c = 0;
	int r;

	while (j < n && inline_is_space(line[j]))
		j++;
	if (j == n)
		return 0;
	start = out = j;
	for (;;) {
		if (state == PLAIN) {
			if (j == n || inline_is_space(line[j]))
				break;
			if (line[j] == '"' || line[j] == '\'') {
				state = line[j] == '"' ? DQUOTE : SQUOTE;
				j++;
				continue;
			}
			c = line[j++];
		} else {
			r = state == DQUOTE ? dquote_step(line, n, &j, &c)
					    : squote_step(line, n, &j, &c);
			if (r < 0)
				return -1;
			if (r == 0) {
				state = PLAIN;
				break;
			}
		}
		if (write)
			line[out] = c;
		out++;
	}
	arg->p = line + start;
	arg->len = out - start;
	*i = j;
	return 1;
}

/* Split line[0..n) into req. A first pass validates and counts without
 * writing, so that an error or a failed allocation leaves buf as it was. */
static long inline_split(struct req_parse *p, size_t n)
{
	struct resp_arg arg;
	size_t i = 0, argc = 0;
	int r;

	while ((r = inline_word(p->buf, n, &i, 0, &arg)) > 0)
		if (++argc > p->lim->max_args)
			return req_fail(p, ERR_ARGS);
	if (r < 0)
		return req_fail(p, ERR_QUOTES);
	if (req_reserve(p->req, argc) != 0)
		return RESP_NOMEM;
	i = 0;
	while (inline_word(p->buf, n, &i, 1, &arg) > 0)
		p->req->argv[p->req->argc++] = arg;
	return 1;
}

static long req_inline(struct req_parse *p)
{
	const struct resp_limits *lim = p->lim;
	/* A line may take max_inline bytes and its "\r\n". */
	size_t window = lim->max_inline > SIZE_MAX - 2 ? SIZE_MAX
						       : lim->max_inline + 2;
	const char *nl;
	size_t eol, n;
	long r;

	nl = memchr(p->buf, '\n', p->len < window ? p->len : window);
	if (nl == NULL) {
		if (p->len >= window)
			return req_fail(p, ERR_INLINE_BIG);
		return req_incomplete(p, 0);
	}
	eol = (size_t)(nl - p->buf);
	n = eol > 0 && p->buf[eol - 1] == '\r' ? eol - 1 : eol;
	if (n > lim->max_inline)
		return req_fail(p, ERR_INLINE_BIG);
	if (eol + 1 > lim->max_request)
		return req_fail(p, ERR_REQUEST_BIG);
	r = inline_split(p, n);
	if (r <= 0)
		return r;
	return (long)(eol + 1);
}

long resp_parse_request(const struct resp_limits *lim, char *buf, size_t len,
			struct resp_req *req, size_t *need, const char **err)
{
	size_t need_unused;
	const char *err_unused;
	struct req_parse p = {
		.lim = lim,
		.buf = buf,
		.len = len,
		.req = req,
		.need = need != NULL ? need : &need_unused,
		.err = err != NULL ? err : &err_unused,
	};

	*p.need = 0;
	req->argc = 0;
	if (len == 0)
		return RESP_INCOMPLETE;
	if (buf[0] == '*')
		return req_multibulk(&p);
	return req_inline(&p);
}
