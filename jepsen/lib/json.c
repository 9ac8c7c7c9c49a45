/* json.c - a strict, bounded recursive-descent JSON parser and a string
 * escaper. Every read checks the remaining length first; nesting is limited
 * to JJ_MAX_DEPTH so that a hostile file cannot exhaust the stack. */
#include "jepsen/lib/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jj_parser {
	const char *p;
	size_t len;
	size_t pos;
	char *err;
	size_t errlen;
};

static int jj_fail(struct jj_parser *ps, const char *what)
{
	if (ps->errlen > 0)
		snprintf(ps->err, ps->errlen, "%s at byte %zu", what, ps->pos);
	return -1;
}

static void jj_skip_ws(struct jj_parser *ps)
{
	while (ps->pos < ps->len) {
		char c = ps->p[ps->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		ps->pos++;
	}
}

static int jj_literal(struct jj_parser *ps, const char *word)
{
	size_t n = strlen(word);

	if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, word, n) != 0)
		return jj_fail(ps, "invalid literal");
	ps->pos += n;
	return 0;
}

static size_t jj_digits(struct jj_parser *ps)
{
	size_t start = ps->pos;

	while (ps->pos < ps->len && ps->p[ps->pos] >= '0' && ps->p[ps->pos] <= '9')
		ps->pos++;
	return ps->pos - start;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; an integer without
 * fraction or exponent must fit int64. */
static int jj_number(struct jj_parser *ps, struct jj_value *v)
{
	size_t start = ps->pos;
	int real = 0;
	char tmp[64];
	char *end;

	if (ps->pos < ps->len && ps->p[ps->pos] == '-')
		ps->pos++;
	if (ps->pos >= ps->len || ps->p[ps->pos] < '0' || ps->p[ps->pos] > '9')
		return jj_fail(ps, "invalid number");
	if (ps->p[ps->pos] == '0' && ps->pos + 1 < ps->len &&
	    ps->p[ps->pos + 1] >= '0' && ps->p[ps->pos + 1] <= '9')
		return jj_fail(ps, "leading zero in number");
	jj_digits(ps);
	if (ps->pos < ps->len && ps->p[ps->pos] == '.') {
		ps->pos++;
		real = 1;
		if (jj_digits(ps) == 0)
			return jj_fail(ps, "invalid fraction");
	}
	if (ps->pos < ps->len && (ps->p[ps->pos] == 'e' || ps->p[ps->pos] == 'E')) {
		ps->pos++;
		real = 1;
		if (ps->pos < ps->len && (ps->p[ps->pos] == '+' || ps->p[ps->pos] == '-'))
			ps->pos++;
		if (jj_digits(ps) == 0)
			return jj_fail(ps, "invalid exponent");
	}
	if (ps->pos - start >= sizeof tmp)
		return jj_fail(ps, "number too long");
	memcpy(tmp, ps->p + start, ps->pos - start);
	tmp[ps->pos - start] = '\0';
	errno = 0;
	if (real) {
		v->type = JJ_REAL;
		v->d = strtod(tmp, &end);
	} else {
		v->type = JJ_INT;
		v->i = strtoll(tmp, &end, 10);
	}
	if (*end != '\0' || (!real && errno != 0))
		return jj_fail(ps, "integer out of range");
	return 0;
}

static int jj_hex4(struct jj_parser *ps, unsigned *out)
{
	unsigned x = 0;

	if (ps->len - ps->pos < 4)
		return jj_fail(ps, "truncated \\u escape");
	for (int k = 0; k < 4; k++) {
		char c = ps->p[ps->pos++];

		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x |= (unsigned)(c - 'A' + 10);
		else
			return jj_fail(ps, "bad \\u escape");
	}
	*out = x;
	return 0;
}

static int jj_put_utf8(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return buf_append(b, u, n);
}

/* After a backslash and 'u': one code point, joining a surrogate pair. */
static int jj_unicode(struct jj_parser *ps, struct buf *b)
{
	unsigned cp, lo;

	if (jj_hex4(ps, &cp) != 0)
		return -1;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return jj_fail(ps, "unpaired low surrogate");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (ps->len - ps->pos < 2 || ps->p[ps->pos] != '\\' ||
		    ps->p[ps->pos + 1] != 'u')
			return jj_fail(ps, "unpaired high surrogate");
		ps->pos += 2;
		if (jj_hex4(ps, &lo) != 0)
			return -1;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return jj_fail(ps, "bad surrogate pair");
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	return jj_put_utf8(b, cp) == 0 ? 0 : jj_fail(ps, "out of memory");
}

static int jj_escape(struct jj_parser *ps, struct buf *b)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	char c;

	if (ps->pos >= ps->len)
		return jj_fail(ps, "truncated escape");
	c = ps->p[ps->pos++];
	if (c == 'u')
		return jj_unicode(ps, b);
	hit = c != '\0' ? strchr(from, c) : NULL;
	if (hit == NULL)
		return jj_fail(ps, "bad escape");
	return buf_append(b, &to[hit - from], 1) == 0 ? 0 : jj_fail(ps, "out of memory");
}

/* A quoted string at ps->pos; the result is a malloc'd NUL-terminated copy. */
static int jj_string(struct jj_parser *ps, char **out, size_t *outlen)
{
	struct buf b;
	size_t len;

	buf_init(&b);
	ps->pos++; /* the opening quote */
	for (;;) {
		char c;

		if (ps->pos >= ps->len) {
			buf_free(&b);
			return jj_fail(ps, "unterminated string");
		}
		c = ps->p[ps->pos++];
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20) {
			buf_free(&b);
			return jj_fail(ps, "control character in string");
		}
		if (c == '\\' ? jj_escape(ps, &b) != 0 : buf_append(&b, &c, 1) != 0) {
			buf_free(&b);
			return -1;
		}
	}
	if (buf_append(&b, "", 1) != 0) {
		buf_free(&b);
		return jj_fail(ps, "out of memory");
	}
	*out = buf_detach(&b, &len);
	*outlen = len - 1;
	return 0;
}

static int jj_value_at(struct jj_parser *ps, struct jj_value *v, int depth);

/* Grow a container by one zeroed element (and key slot for objects). */
static struct jj_value *jj_push(struct jj_value *v, size_t *cap)
{
	if (v->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct jj_value *e = realloc(v->elems, ncap * sizeof *e);

		if (e == NULL)
			return NULL;
		v->elems = e;
		if (v->type == JJ_OBJ) {
			char **k = realloc(v->keys, ncap * sizeof *k);

			if (k == NULL)
				return NULL;
			v->keys = k;
		}
		*cap = ncap;
	}
	memset(&v->elems[v->n], 0, sizeof v->elems[0]);
	if (v->type == JJ_OBJ)
		v->keys[v->n] = NULL;
	return &v->elems[v->n++];
}

/* Arrays and objects: '[' or '{' at ps->pos; members are parsed into v as
 * they come, so that jj_free can release a half-built container. */
static int jj_container(struct jj_parser *ps, struct jj_value *v, int depth)
{
	char close = ps->p[ps->pos] == '[' ? ']' : '}';
	size_t cap = 0;

	v->type = close == ']' ? JJ_ARR : JJ_OBJ;
	if (depth >= JJ_MAX_DEPTH)
		return jj_fail(ps, "nesting too deep");
	ps->pos++;
	jj_skip_ws(ps);
	if (ps->pos < ps->len && ps->p[ps->pos] == close) {
		ps->pos++;
		return 0;
	}
	for (;;) {
		struct jj_value *e = jj_push(v, &cap);

		if (e == NULL)
			return jj_fail(ps, "out of memory");
		jj_skip_ws(ps);
		if (v->type == JJ_OBJ) {
			size_t klen;

			if (ps->pos >= ps->len || ps->p[ps->pos] != '"')
				return jj_fail(ps, "expected a member name");
			if (jj_string(ps, &v->keys[v->n - 1], &klen) != 0)
				return -1;
			jj_skip_ws(ps);
			if (ps->pos >= ps->len || ps->p[ps->pos] != ':')
				return jj_fail(ps, "expected ':'");
			ps->pos++;
		}
		if (jj_value_at(ps, e, depth + 1) != 0)
			return -1;
		jj_skip_ws(ps);
		if (ps->pos < ps->len && ps->p[ps->pos] == ',') {
			ps->pos++;
			continue;
		}
		if (ps->pos < ps->len && ps->p[ps->pos] == close) {
			ps->pos++;
			return 0;
		}
		return jj_fail(ps, "expected ',' or end of container");
	}
}

static int jj_value_at(struct jj_parser *ps, struct jj_value *v, int depth)
{
	jj_skip_ws(ps);
	if (ps->pos >= ps->len)
		return jj_fail(ps, "unexpected end of text");
	switch (ps->p[ps->pos]) {
	case '{':
	case '[':
		return jj_container(ps, v, depth);
	case '"':
		v->type = JJ_STR;
		return jj_string(ps, &v->s, &v->len);
	case 't':
		v->type = JJ_BOOL;
		v->i = 1;
		return jj_literal(ps, "true");
	case 'f':
		v->type = JJ_BOOL;
		return jj_literal(ps, "false");
	case 'n':
		v->type = JJ_NULL;
		return jj_literal(ps, "null");
	default:
		return jj_number(ps, v);
	}
}

int jj_parse(const char *text, size_t len, struct jj_value *out, char *err,
	     size_t errlen)
{
	struct jj_parser ps = {text, len, 0, err, errlen};

	memset(out, 0, sizeof *out);
	if (jj_value_at(&ps, out, 0) != 0) {
		jj_free(out);
		return -1;
	}
	jj_skip_ws(&ps);
	if (ps.pos != len) {
		jj_free(out);
		return jj_fail(&ps, "trailing characters");
	}
	return 0;
}

void jj_free(struct jj_value *v)
{
	if (v->type == JJ_STR)
		free(v->s);
	if (v->type == JJ_ARR || v->type == JJ_OBJ) {
		for (size_t k = 0; k < v->n; k++) {
			jj_free(&v->elems[k]);
			if (v->type == JJ_OBJ)
				free(v->keys[k]);
		}
		free(v->elems);
		free(v->keys);
	}
	memset(v, 0, sizeof *v);
}

const struct jj_value *jj_get(const struct jj_value *v, const char *name)
{
	if (v->type != JJ_OBJ)
		return NULL;
	for (size_t k = 0; k < v->n; k++)
		if (v->keys[k] != NULL && strcmp(v->keys[k], name) == 0)
			return &v->elems[k];
	return NULL;
}

int jj_write_str(struct buf *b, const char *s, size_t len)
{
	if (buf_append(b, "\"", 1) != 0)
		return -1;
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)s[k];
		int rv;

		if (c == '"' || c == '\\')
			rv = buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7F)
			rv = buf_printf(b, "\\u%04x", c);
		else
			rv = buf_append(b, &s[k], 1);
		if (rv != 0)
			return -1;
	}
	return buf_append(b, "\"", 1);
}
