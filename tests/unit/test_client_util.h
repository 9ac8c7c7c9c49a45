/* test_client_util.h - helpers the client test programs share: envelopes as
 * raftd sends them, scripting the fake server, checking what it received.
 *
 * Include after <cmocka.h>. Functions are static inline so that a program
 * using only some of them compiles warning-free.
 */
#ifndef TEST_CLIENT_UTIL_H
#define TEST_CLIENT_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "raftd/client.h"
#include "test_client_fake.h"

/* "*3 <result> :term :index", and the session/stale read form with lag and
 * last contact. */
#define ENV(result, term, index) "*3\r\n" result ":" #term "\r\n:" #index "\r\n"
#define ENV5(result, term, index, lag, contact)                              \
	"*5\r\n" result ":" #term "\r\n:" #index "\r\n:" #lag "\r\n:" #contact \
	"\r\n"
#define ONE ":1\r\n"
#define ZERO ":0\r\n"
#define NIL "$-1\r\n"

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A blocking client with short backoffs, so retries do not slow tests. */
static inline rdc_client *client(const char *endpoints, unsigned deadline_ms)
{
	struct rdc_options o = {.deadline_ms = deadline_ms,
				.backoff_base_ms = 5,
				.backoff_cap_ms = 40};
	rdc_client *c = rdc_open(endpoints, &o);

	assert_non_null(c);
	assert_int_equal(rdc_errcode(c), RDC_OK);
	return c;
}

/* script(f, node, n, action, reply, action, reply, ...) */
static inline void script(struct fake *f, size_t node, size_t n, ...)
{
	struct fake_step steps[16];
	va_list ap;

	assert_true(n <= 16);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		steps[i].action = va_arg(ap, enum fake_action);
		steps[i].reply = va_arg(ap, const char *);
	}
	va_end(ap);
	fake_script(f, node, steps, n);
}

static inline void assert_request(struct fake *f, size_t node, size_t i,
				  const char *want)
{
	char got[256];

	assert_int_equal(fake_request(f, node, i, got, sizeof(got)), 0);
	assert_string_equal(got, want);
}

/* How many of node's requests so far start with prefix. */
static inline size_t count_requests(struct fake *f, size_t node,
				    const char *prefix)
{
	char got[256];
	size_t n = 0;

	for (size_t i = 0; fake_request(f, node, i, got, sizeof(got)) == 0; i++)
		n += strncmp(got, prefix, strlen(prefix)) == 0;
	return n;
}

static inline int fake_setup(void **state)
{
	*state = fake_start(3);
	return 0;
}

static inline int fake_teardown(void **state)
{
	fake_stop(*state);
	return 0;
}

#endif
