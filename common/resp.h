/* resp.h - RESP2, the Redis serialization protocol, for both ends.
 *
 * Three pieces:
 *  - resp_parse_request: the server's request parser (arrays of bulk
 *    strings, and inline commands as redis-cli and telnet send them);
 *  - resp_w_*: writers that append RESP values to a struct buf;
 *  - resp_parse_reply: the client's reply parser (every RESP2 type, nested).
 *
 * Both parsers are stateless: they look at buf[0..len) and either consume one
 * whole message, ask for more bytes, or report a protocol error. Nothing they
 * return points outside buf, so the caller must keep buf unchanged while it
 * uses the result. Error messages are static strings such as
 * "Protocol error: invalid bulk length"; a server replies "-ERR <message>"
 * and closes the connection, since the stream cannot be resynchronised.
 */
#ifndef RD_COMMON_RESP_H
#define RD_COMMON_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct resp_limits {
	size_t max_args;    /* most elements in one request array */
	size_t max_bulk;    /* largest bulk string */
	size_t max_inline;  /* longest inline command line, without its CRLF */
	size_t max_request; /* largest whole request, in bytes */
};

struct resp_arg {
	const char *p;
	size_t len;
};

/* Storage for the parsed arguments; argv grows as needed (up to max_args)
 * and is owned by the struct: resp_req_free releases it. */
struct resp_req {
	size_t argc;
	struct resp_arg *argv;
	size_t cap;
};

enum {
	RESP_INCOMPLETE = 0, /* need more bytes; *need: at least how many in all */
	RESP_ERROR = -1,     /* protocol error; *err says what (static string) */
	RESP_NOMEM = -2
};

void resp_req_init(struct resp_req *req);
void resp_req_free(struct resp_req *req);

/* Parse one request at the start of buf. Returns the number of bytes consumed
 * (> 0) with req filled in, RESP_INCOMPLETE, RESP_ERROR with *err set, or
 * RESP_NOMEM when argv could not grow (buf is then unchanged: call again).
 *
 * On RESP_INCOMPLETE, *need is a byte count the request needs at least (for
 * instance the end of a bulk payload whose header has arrived): the caller
 * need not call again before len reaches it. 0 when nothing is known.
 *
 * An empty inline line, "*0\r\n" and "*-1\r\n" are consumed and yield
 * argc == 0; the caller skips them.
 *
 * buf is not const because inline arguments with quotes or escapes are
 * unescaped in place, inside the line being consumed; this happens only when
 * the call returns > 0, so bytes past the returned count are never touched.
 * need and err may be NULL. */
long resp_parse_request(const struct resp_limits *lim, char *buf, size_t len,
			struct resp_req *req, size_t *need, const char **err);

/* Writers: each returns 0, or -1 when memory runs out (then b is unchanged).
 * resp_w_simple and resp_w_error turn any CR or LF in the text into a space,
 * so that a reply can never be split in two. */
int resp_w_simple(struct buf *b, const char *s);            /* +s */
int resp_w_error(struct buf *b, const char *fmt, ...)       /* -... */
	__attribute__((format(printf, 2, 3)));
int resp_w_int(struct buf *b, long long v);                 /* :v */
int resp_w_bulk(struct buf *b, const void *p, size_t n);    /* $n p */
int resp_w_bulk_str(struct buf *b, const char *s);
int resp_w_bulk_u64(struct buf *b, unsigned long long v);   /* decimal */
int resp_w_nil(struct buf *b);                              /* $-1 */
int resp_w_array(struct buf *b, long long n);               /* *n, -1 nil */
/* A whole request: *argc then argc bulk strings. */
int resp_w_command(struct buf *b, size_t argc, const struct resp_arg *argv);

enum resp_type {
	RESP_T_SIMPLE = '+',
	RESP_T_ERROR = '-',
	RESP_T_INT = ':',
	RESP_T_BULK = '$',
	RESP_T_ARRAY = '*',
	RESP_T_NIL = 'n' /* $-1 or *-1 */
};

/* A parsed reply. Strings point into the parsed buffer (not NUL-terminated);
 * array elements live in the resp_reply arena. */
struct resp_value {
	enum resp_type type;
	long long integer;
	const char *str;
	size_t len;
	size_t n;                  /* array length */
	struct resp_value *elems;  /* n elements */
};

struct resp_reply {
	struct resp_value root;
	struct resp_value *arena;  /* owned; reused across parses */
	size_t arena_cap;
};

void resp_reply_init(struct resp_reply *r);
void resp_reply_free(struct resp_reply *r);
/* Parse one reply at the start of buf into r->root; same return convention
 * as resp_parse_request (there is no *need). Nesting deeper than 8 levels of
 * arrays, more than max_elems array elements in all, or a bulk string or
 * +/- line longer than max_bulk is a protocol error. Array elements stay
 * valid until the next parse into r or resp_reply_free; an empty array has
 * elems == NULL. err may be NULL. */
long resp_parse_reply(const char *buf, size_t len, size_t max_bulk,
		      size_t max_elems, struct resp_reply *r, const char **err);

/* Helpers for the common shapes. */
/* 1 when v is a simple or bulk string equal to s ignoring ASCII case, else 0. */
int resp_value_is(const struct resp_value *v, const char *s);
/* Parse v (integer, or a string holding a decimal) as an unsigned 64-bit
 * integer; -1 when it is not one. */
int resp_value_u64(const struct resp_value *v, uint64_t *out);

/* Internal to the two parsers: parse the strict decimal that starts at
 * buf[pos] and ends with CRLF (optional '-', digits, no leading zeros, no
 * "-0", within a long long). Returns the offset just past the CRLF, or
 * RESP_INCOMPLETE while the bytes so far could still start one, or
 * RESP_ERROR. */
long resp__number(const char *buf, size_t len, size_t pos, long long *out);

#endif
