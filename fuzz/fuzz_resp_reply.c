/* fuzz_resp_reply.c - libFuzzer target for the client's reply parser.
 *
 * The first input byte picks max_bulk and max_elems (small ones, so that the
 * limits are reachable); the rest is a stream of pipelined replies, parsed
 * one after another as the client would. Besides the sanitizers, the target
 * aborts when one of these does not hold:
 *
 *  - a parsed reply respects the nesting, element and length limits, and
 *    every string lies inside the bytes it consumed;
 *  - proper prefixes of a parsed reply are INCOMPLETE;
 *  - the reply, written back with the resp_w_* writers, parses to the same
 *    value, and (since the parser accepts only the canonical form of each
 *    number) to the very same bytes unless a nil is involved: "$-1" and
 *    "*-1" both read as RESP_T_NIL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/resp.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


struct limits {
	size_t max_bulk;
	size_t max_elems;
};

/* Walk v: check the limits and bounds; count elements; note any nil. */
static void check_value(const struct resp_value *v, const char *buf, size_t n,
			int depth, size_t *elems, int *has_nil)
{
	switch (v->type) {
	case RESP_T_SIMPLE:
	case RESP_T_ERROR:
		CHECK(memchr(v->str, '\r', v->len) == NULL);
		CHECK(memchr(v->str, '\n', v->len) == NULL);
		/* fall through */
	case RESP_T_BULK:
		CHECK(v->str >= buf && v->len <= n &&
		      (size_t)(v->str - buf) <= n - v->len);
		break;
	case RESP_T_NIL:
		*has_nil = 1;
		break;
	case RESP_T_INT:
		break;
	case RESP_T_ARRAY:
		CHECK(depth < 8);
		CHECK(v->n == 0 || v->elems != NULL);
		*elems += v->n;
		for (size_t i = 0; i < v->n; i++)
			check_value(&v->elems[i], buf, n, depth + 1, elems,
				    has_nil);
		break;
	default:
		CHECK(!"unknown type");
	}
}

/* Write a +/- line through the writers, which take C strings; a line that
 * holds a NUL byte is appended raw, since it must survive the round trip. */
static int write_line(struct buf *b, const struct resp_value *v)
{
	char type = v->type == RESP_T_SIMPLE ? '+' : '-';
	char *text;
	int rv;

	if (memchr(v->str, '\0', v->len) != NULL) {
		if (buf_append(b, &type, 1) != 0 ||
		    buf_append(b, v->str, v->len) != 0)
			return -1;
		return buf_append(b, "\r\n", 2);
	}
	text = malloc(v->len + 1);
	if (text == NULL)
		return -1;
	memcpy(text, v->str, v->len);
	text[v->len] = '\0';
	rv = v->type == RESP_T_SIMPLE ? resp_w_simple(b, text)
				      : resp_w_error(b, "%s", text);
	free(text);
	return rv;
}

static int write_value(struct buf *b, const struct resp_value *v)
{
	switch (v->type) {
	case RESP_T_SIMPLE:
	case RESP_T_ERROR:
		return write_line(b, v);
	case RESP_T_INT:
		return resp_w_int(b, v->integer);
	case RESP_T_BULK:
		return resp_w_bulk(b, v->str, v->len);
	case RESP_T_NIL:
		return resp_w_nil(b);
	case RESP_T_ARRAY:
		if (resp_w_array(b, (long long)v->n) != 0)
			return -1;
		for (size_t i = 0; i < v->n; i++)
			if (write_value(b, &v->elems[i]) != 0)
				return -1;
		return 0;
	}
	return -1;
}

static void check_same(const struct resp_value *a, const struct resp_value *b)
{
	CHECK(a->type == b->type);
	switch (a->type) {
	case RESP_T_SIMPLE:
	case RESP_T_ERROR:
	case RESP_T_BULK:
		CHECK(a->len == b->len && memcmp(a->str, b->str, a->len) == 0);
		break;
	case RESP_T_INT:
		CHECK(a->integer == b->integer);
		break;
	case RESP_T_ARRAY:
		CHECK(a->n == b->n);
		for (size_t i = 0; i < a->n; i++)
			check_same(&a->elems[i], &b->elems[i]);
		break;
	case RESP_T_NIL:
		break;
	}
}

static void check_round_trip(const struct limits *lim, const char *orig,
			     size_t n, const struct resp_value *v, int has_nil)
{
	struct resp_reply again;
	struct buf b;
	long r;

	buf_init(&b);
	resp_reply_init(&again);
	if (write_value(&b, v) == 0) {
		r = resp_parse_reply(b.data, b.len, lim->max_bulk,
				     lim->max_elems, &again, NULL);
		CHECK(r > 0 && (size_t)r == b.len);
		check_same(v, &again.root);
		if (!has_nil)
			CHECK(b.len == n && memcmp(b.data, orig, n) == 0);
	}
	resp_reply_free(&again);
	buf_free(&b);
}

static void check_prefixes(const struct limits *lim, const char *orig,
			   size_t n)
{
	size_t ks[] = {0, n / 3, n / 2, n - 1};
	struct resp_reply r;

	resp_reply_init(&r);
	for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
		char *copy = malloc(ks[i] > 0 ? ks[i] : 1);

		CHECK(copy != NULL);
		memcpy(copy, orig, ks[i]);
		CHECK(resp_parse_reply(copy, ks[i], lim->max_bulk,
				       lim->max_elems, &r, NULL) ==
		      RESP_INCOMPLETE);
		free(copy);
	}
	resp_reply_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resp_reply reply;
	struct limits lim;
	size_t off = 0, len, elems;
	const char *err;
	char *buf;
	int has_nil;
	long r;

	if (size < 1)
		return 0;
	lim.max_bulk = (data[0] & 0xf) == 0 ? 1024 * 1024 : (data[0] & 0xf) * 4u;
	lim.max_elems = (data[0] >> 4) == 0 ? 100000 : (data[0] >> 4) * 3u;
	len = size - 1;
	buf = malloc(len > 0 ? len : 1);
	CHECK(buf != NULL);
	memcpy(buf, data + 1, len);
	resp_reply_init(&reply);
	while (off < len) {
		err = NULL;
		r = resp_parse_reply(buf + off, len - off, lim.max_bulk,
				     lim.max_elems, &reply, &err);
		if (r <= 0) {
			if (r == RESP_ERROR)
				CHECK(err != NULL &&
				      strncmp(err, "Protocol error: ", 16) == 0);
			break;
		}
		CHECK((size_t)r <= len - off);
		elems = 0;
		has_nil = 0;
		check_value(&reply.root, buf + off, (size_t)r, 0, &elems,
			    &has_nil);
		CHECK(elems <= lim.max_elems);
		check_round_trip(&lim, buf + off, (size_t)r, &reply.root,
				 has_nil);
		check_prefixes(&lim, buf + off, (size_t)r);
		off += (size_t)r;
	}
	resp_reply_free(&reply);
	free(buf);
	return 0;
}
