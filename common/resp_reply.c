/* resp_reply.c - the client's RESP2 reply parser.
 *
 * A reply is one value of any RESP2 type; arrays nest. The parser keeps no
 * state between calls and makes two passes over a reply:
 *
 *  1. validate it and count the array elements it holds in all, storing
 *     nothing (so an incomplete or bad reply costs no allocation);
 *  2. grow the arena once to that count, then parse again, filling it.
 *
 * Growing the arena with realloc moves it, so no element pointer may be
 * taken before the last growth; the count pass is what makes a single growth
 * enough. Each array's elements are contiguous: the array takes its n slots
 * from the arena first, then each child takes its own as it is parsed.
 *
 * Lines (+, -) and bulk strings are bounded by max_bulk, arrays by max_elems
 * and nesting by REPLY_MAX_DEPTH, so a hostile server cannot make the client
 * buffer or recurse without bound. Number syntax is strict (see
 * resp__number), and a line may not hold a bare CR or LF.
 */
#include "common/resp.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Arrays nested in arrays: at most this many levels, the outermost is 1. */
#define REPLY_MAX_DEPTH 8

#define ERR_TYPE "Protocol error: unknown reply type"
#define ERR_LINE "Protocol error: invalid line"
#define ERR_LINE_BIG "Protocol error: line too long"
#define ERR_INT "Protocol error: invalid integer"
#define ERR_BULK_LEN "Protocol error: invalid bulk length"
#define ERR_BULK_BIG "Protocol error: bulk string too large"
#define ERR_BULK_CRLF "Protocol error: bulk string not followed by CRLF"
#define ERR_ARRAY_LEN "Protocol error: invalid multibulk length"
#define ERR_DEPTH "Protocol error: arrays nested too deep"
#define ERR_ELEMS "Protocol error: too many array elements"

struct reply_parse {
	const char *buf;
	size_t len;
	size_t max_bulk;
	size_t max_elems;
	size_t elems;              /* array elements met so far */
	struct resp_value *arena;  /* NULL in the counting pass */
	size_t next;               /* first free arena slot */
	const char **err;
};

static long reply_fail(struct reply_parse *p, const char *msg)
{
	*p->err = msg;
	return RESP_ERROR;
}

/* "+text\r\n" or "-text\r\n" at pos. */
static long reply_line(struct reply_parse *p, size_t pos, struct resp_value *v)
{
	size_t start = pos + 1, avail = p->len - start;
	size_t window = p->max_bulk < avail ? p->max_bulk + 1 : avail;
	const char *cr = memchr(p->buf + start, '\r', window);
	size_t n = cr != NULL ? (size_t)(cr - (p->buf + start)) : window;

	if (memchr(p->buf + start, '\n', n) != NULL)
		return reply_fail(p, ERR_LINE);
	if (cr == NULL)
		return p->max_bulk < avail ? reply_fail(p, ERR_LINE_BIG)
					   : RESP_INCOMPLETE;
	if (start + n + 1 == p->len)
		return RESP_INCOMPLETE;
	if (p->buf[start + n + 1] != '\n')
		return reply_fail(p, ERR_LINE);
	v->str = p->buf + start;
	v->len = n;
	return (long)(start + n + 2);
}

static long reply_int(struct reply_parse *p, size_t pos, struct resp_value *v)
{
	long r = resp__number(p->buf, p->len, pos + 1, &v->integer);

	return r == RESP_ERROR ? reply_fail(p, ERR_INT) : r;
}

static long reply_bulk(struct reply_parse *p, size_t pos, struct resp_value *v)
{
	long long n;
	size_t start, end;
	long r;

	r = resp__number(p->buf, p->len, pos + 1, &n);
	if (r == RESP_INCOMPLETE)
		return r;
	if (r == RESP_ERROR || n < -1)
		return reply_fail(p, ERR_BULK_LEN);
	if (n == -1) {
		v->type = RESP_T_NIL;
		return r;
	}
	if ((unsigned long long)n > p->max_bulk)
		return reply_fail(p, ERR_BULK_BIG);
	start = (size_t)r;
	end = start + (size_t)n + 2;
	if (p->len < end)
		return RESP_INCOMPLETE;
	if (p->buf[end - 2] != '\r' || p->buf[end - 1] != '\n')
		return reply_fail(p, ERR_BULK_CRLF);
	v->str = p->buf + start;
	v->len = (size_t)n;
	return (long)end;
}

static long reply_value(struct reply_parse *p, size_t pos, int depth,
			struct resp_value *v);

/* "*n\r\n" and n values at pos; depth counts the arrays around this one. */
static long reply_array(struct reply_parse *p, size_t pos, int depth,
			struct resp_value *v)
{
	struct resp_value scratch;
	long long n;
	long r;

	r = resp__number(p->buf, p->len, pos + 1, &n);
	if (r == RESP_INCOMPLETE)
		return r;
	if (r == RESP_ERROR || n < -1)
		return reply_fail(p, ERR_ARRAY_LEN);
	if (n == -1) {
		v->type = RESP_T_NIL;
		return r;
	}
	if (depth >= REPLY_MAX_DEPTH)
		return reply_fail(p, ERR_DEPTH);
	if ((unsigned long long)n > p->max_elems - p->elems)
		return reply_fail(p, ERR_ELEMS);
	p->elems += (size_t)n;
	v->n = (size_t)n;
	if (p->arena != NULL && n > 0) {
		v->elems = p->arena + p->next;
		p->next += (size_t)n;
	}
	for (size_t i = 0; i < v->n; i++) {
		r = reply_value(p, (size_t)r, depth + 1,
				v->elems != NULL ? &v->elems[i] : &scratch);
		if (r <= 0)
			return r;
	}
	return r;
}

static long reply_value(struct reply_parse *p, size_t pos, int depth,
			struct resp_value *v)
{
	memset(v, 0, sizeof *v);
	if (pos == p->len)
		return RESP_INCOMPLETE;
	switch (p->buf[pos]) {
	case '+':
		v->type = RESP_T_SIMPLE;
		return reply_line(p, pos, v);
	case '-':
		v->type = RESP_T_ERROR;
		return reply_line(p, pos, v);
	case ':':
		v->type = RESP_T_INT;
		return reply_int(p, pos, v);
	case '$':
		v->type = RESP_T_BULK;
		return reply_bulk(p, pos, v);
	case '*':
		v->type = RESP_T_ARRAY;
		return reply_array(p, pos, depth, v);
	default:
		return reply_fail(p, ERR_TYPE);
	}
}

void resp_reply_init(struct resp_reply *r)
{
	memset(&r->root, 0, sizeof r->root);
	r->arena = NULL;
	r->arena_cap = 0;
}

void resp_reply_free(struct resp_reply *r)
{
	free(r->arena);
	resp_reply_init(r);
}

static int arena_reserve(struct resp_reply *r, size_t n)
{
	struct resp_value *a;
	size_t cap;

	if (n <= r->arena_cap)
		return 0;
	cap = r->arena_cap * 2 > n ? r->arena_cap * 2 : n;
	if (cap > SIZE_MAX / sizeof *a)
		return -1;
	a = realloc(r->arena, cap * sizeof *a);
	if (a == NULL)
		return -1;
	r->arena = a;
	r->arena_cap = cap;
	return 0;
}

long resp_parse_reply(const char *buf, size_t len, size_t max_bulk,
		      size_t max_elems, struct resp_reply *r, const char **err)
{
	const char *err_unused;
	struct reply_parse p = {
		.buf = buf,
		.len = len,
		.max_bulk = max_bulk,
		.max_elems = max_elems,
		.err = err != NULL ? err : &err_unused,
	};
	struct resp_value scratch;
	long rv;

	rv = reply_value(&p, 0, 0, &scratch);
	if (rv <= 0)
		return rv;
	if (arena_reserve(r, p.elems) != 0)
		return RESP_NOMEM;
	p.arena = r->arena;
	p.elems = 0;
	return reply_value(&p, 0, 0, &r->root);
}

/* ASCII-only, so the answer does not depend on the locale. */
static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int resp_value_is(const struct resp_value *v, const char *s)
{
	size_t n = strlen(s);

	if ((v->type != RESP_T_SIMPLE && v->type != RESP_T_BULK) || v->len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(v->str[i]) != ascii_lower(s[i]))
			return 0;
	return 1;
}

int resp_value_u64(const struct resp_value *v, uint64_t *out)
{
	uint64_t x = 0;

	if (v->type == RESP_T_INT) {
		if (v->integer < 0)
			return -1;
		*out = (uint64_t)v->integer;
		return 0;
	}
	if ((v->type != RESP_T_SIMPLE && v->type != RESP_T_BULK) || v->len == 0)
		return -1;
	for (size_t i = 0; i < v->len; i++) {
		unsigned d = (unsigned)(v->str[i] - '0');

		if (v->str[i] < '0' || v->str[i] > '9' ||
		    x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}
