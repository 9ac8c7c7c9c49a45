/* fuzz_resp_request.c - libFuzzer target for the server's request parser.
 *
 * The first input byte picks the limits (small ones, so that every limit is
 * reachable from short inputs); the rest is a stream of pipelined requests,
 * parsed one after another as a connection would. Besides the sanitizers,
 * the target checks what callers rely on and aborts when it does not hold:
 *
 *  - a parsed request lies inside the input and within every limit, and
 *    each argument points inside the bytes it consumed;
 *  - a call that does not consume a request leaves the bytes unchanged, and
 *    its *need is a true lower bound;
 *  - proper prefixes of a parsed request are INCOMPLETE, with a *need no
 *    larger than the request;
 *  - the arguments, written back with resp_w_command, parse to themselves.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/resp.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* 0 means "the default": a large limit, as the server configures it. */
static size_t pick(unsigned bits, size_t unit, size_t dflt)
{
	return bits == 0 ? dflt : bits * unit;
}

static struct resp_limits limits_from(uint8_t b)
{
	struct resp_limits lim = {
		.max_args = pick(b & 3, 2, 1024),
		.max_bulk = pick((b >> 2) & 3, 8, 1024 * 1024),
		.max_inline = pick((b >> 4) & 3, 16, 64 * 1024),
		.max_request = pick((b >> 6) & 3, 64, 4 * 1024 * 1024),
	};
	return lim;
}

/* Parse a fresh exact-size copy of s[0..k) (so that ASan sees any overread). */
static long parse_copy(const struct resp_limits *lim, const char *s, size_t k,
		       struct resp_req *req, size_t *need)
{
	char *copy = malloc(k > 0 ? k : 1);
	const char *err;
	long r;

	CHECK(copy != NULL);
	memcpy(copy, s, k);
	r = resp_parse_request(lim, copy, k, req, need, &err);
	free(copy);
	return r;
}

static void check_prefixes(const struct resp_limits *lim, const char *orig,
			   size_t n)
{
	size_t ks[] = {0, n / 3, n / 2, n - 1};
	struct resp_req req;
	size_t need;

	resp_req_init(&req);
	for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
		CHECK(parse_copy(lim, orig, ks[i], &req, &need) ==
		      RESP_INCOMPLETE);
		CHECK(need == 0 || (need > ks[i] && need <= n));
	}
	resp_req_free(&req);
}

static void check_round_trip(const struct resp_req *req)
{
	const struct resp_limits big = {SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};
	struct resp_req again;
	struct buf b;
	char *copy;
	long r;

	buf_init(&b);
	if (resp_w_command(&b, req->argc, req->argv) != 0) {
		buf_free(&b);
		return;
	}
	copy = malloc(b.len);
	CHECK(copy != NULL);
	memcpy(copy, b.data, b.len);
	resp_req_init(&again);
	r = resp_parse_request(&big, copy, b.len, &again, NULL, NULL);
	CHECK(r > 0 && (size_t)r == b.len && again.argc == req->argc);
	for (size_t i = 0; i < req->argc; i++) {
		CHECK(again.argv[i].len == req->argv[i].len);
		CHECK(memcmp(again.argv[i].p, req->argv[i].p,
			     req->argv[i].len) == 0);
	}
	resp_req_free(&again);
	free(copy);
	buf_free(&b);
}

/* multibulk: whether the request was an array (buf[0] may since have been
 * rewritten by inline unescaping). */
static void check_request(const struct resp_limits *lim, const char *buf,
			  size_t r, const struct resp_req *req, int multibulk)
{
	CHECK(r <= lim->max_request);
	CHECK(req->argc <= lim->max_args);
	for (size_t i = 0; i < req->argc; i++) {
		const struct resp_arg *a = &req->argv[i];

		CHECK(a->p >= buf && a->len <= r &&
		      (size_t)(a->p - buf) <= r - a->len);
		CHECK(a->len <= (multibulk ? lim->max_bulk : lim->max_inline));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resp_limits lim;
	struct resp_req req;
	char *buf, *orig;
	size_t off = 0, len, need;
	const char *err;
	long r;

	if (size < 1)
		return 0;
	lim = limits_from(data[0]);
	len = size - 1;
	buf = malloc(len > 0 ? len : 1);
	orig = malloc(len > 0 ? len : 1);
	CHECK(buf != NULL && orig != NULL);
	memcpy(buf, data + 1, len);
	memcpy(orig, data + 1, len);
	resp_req_init(&req);
	while (off < len) {
		err = NULL;
		r = resp_parse_request(&lim, buf + off, len - off, &req, &need,
				       &err);
		if (r <= 0) {
			CHECK(memcmp(buf + off, orig + off, len - off) == 0);
			if (r == RESP_INCOMPLETE)
				CHECK(need == 0 || (need > len - off &&
						    need <= lim.max_request));
			if (r == RESP_ERROR)
				CHECK(err != NULL &&
				      strncmp(err, "Protocol error: ", 16) == 0);
			break;
		}
		CHECK((size_t)r <= len - off);
		check_request(&lim, buf + off, (size_t)r, &req, orig[off] == '*');
		check_round_trip(&req);
		check_prefixes(&lim, orig + off, (size_t)r);
		off += (size_t)r;
	}
	resp_req_free(&req);
	free(orig);
	free(buf);
	return 0;
}
