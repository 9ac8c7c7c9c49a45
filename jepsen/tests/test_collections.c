/* test_collections.c - the set checker, the append order checker and the
 * lock workload's fencing checker on hand-written histories: each anomaly
 * they report, and the valid cases that must not be reported (unknown adds
 * that did or did not happen). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "jepsen/check/append.h"
#include "jepsen/check/fencing.h"
#include "jepsen/check/set.h"
#include "jepsen/lib/history.h"

/* A history built line by line; times increase by 10 per event. */
struct hb {
	struct buf b;
	long t;
};

static void hb_add(struct hb *h, int p, const char *type, const char *f, int key,
		   const char *value)
{
	h->t += 10;
	buf_printf(&h->b, "{\"process\":%d,\"type\":\"%s\",\"f\":\"%s\",\"key\":%d,\"value\":%s,\"time\":%ld}\n",
		   p, type, f, key, value, h->t);
}

/* Whole operations with nothing concurrent: invoke then complete. */
static void hb_op(struct hb *h, int p, const char *f, int key, const char *arg,
		  const char *type, const char *result)
{
	hb_add(h, p, "invoke", f, key, arg);
	hb_add(h, p, type, f, key, result);
}

struct verdict {
	enum jl_verdict v;
	char json[4096];
};

static void run(struct hb *h, int append, struct verdict *out)
{
	struct jh_history hist;
	struct buf o;
	char err[200];

	buf_init(&o);
	buf_append(&h->b, "", 1);
	if (jh_load_text(h->b.data, h->b.len - 1, &hist, err, sizeof err) != 0)
		fail_msg("bad test history: %s", err);
	if (append == 3)
		out->v = jf_check_history(&hist, &o);
	else if (append == 2)
		out->v = ja_check_history(&hist, &o);
	else
		out->v = js_check_history(&hist, append ? JH_F_APPEND : JH_F_ADD, &o);
	snprintf(out->json, sizeof out->json, "%.*s", (int)o.len, o.data);
	buf_free(&o);
	jh_free(&hist);
	buf_free(&h->b);
	memset(h, 0, sizeof *h);
}

static void set_valid_with_unknown_adds(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_op(&h, 0, "add", 1, "1", "ok", "1");
	hb_op(&h, 1, "add", 1, "2", "info", "2");  /* happened */
	hb_op(&h, 2, "add", 1, "3", "info", "3");  /* did not */
	hb_op(&h, 3, "add", 1, "4", "fail", "4");
	hb_op(&h, 0, "read", 1, "null", "ok", "[1,2]");
	hb_op(&h, 0, "read", 1, "null", "ok", "[2,1]");
	run(&h, 0, &v);
	assert_int_equal(v.v, JL_VALID);
	assert_non_null(strstr(v.json, "\"recovered\":1"));
	assert_non_null(strstr(v.json, "\"adds\":{\"ok\":1,\"fail\":1,\"info\":2}"));
}

static void set_lost_element(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_op(&h, 0, "add", 1, "1", "ok", "1");
	hb_op(&h, 0, "add", 1, "2", "ok", "2");
	hb_op(&h, 1, "read", 1, "null", "ok", "[1,2]");
	hb_op(&h, 1, "read", 1, "null", "ok", "[1]");
	run(&h, 0, &v);
	assert_int_equal(v.v, JL_INVALID);
	assert_non_null(strstr(v.json, "\"lost\":[2],\"lost_count\":1"));
}

static void set_stale_read(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_op(&h, 0, "add", 1, "5", "ok", "5");
	hb_op(&h, 1, "read", 1, "null", "ok", "[]");   /* began after the ack */
	hb_op(&h, 1, "read", 1, "null", "ok", "[5]");
	run(&h, 0, &v);
	assert_int_equal(v.v, JL_INVALID);
	assert_non_null(strstr(v.json, "\"stale\":[5],\"stale_count\":1"));
	assert_non_null(strstr(v.json, "\"lost\":[],\"lost_count\":0"));
}

static void set_concurrent_read_may_miss(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_add(&h, 0, "invoke", "add", 1, "5");
	hb_op(&h, 1, "read", 1, "null", "ok", "[]");
	hb_add(&h, 0, "ok", "add", 1, "5");
	hb_op(&h, 1, "read", 1, "null", "ok", "[5]");
	run(&h, 0, &v);
	assert_int_equal(v.v, JL_VALID);
}

static void set_failed_add_seen_is_unexpected(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_op(&h, 0, "add", 1, "7", "fail", "7");
	hb_op(&h, 1, "read", 1, "null", "ok", "[7,8]"); /* 8 was never added */
	run(&h, 0, &v);
	assert_int_equal(v.v, JL_INVALID);
	assert_non_null(strstr(v.json, "\"unexpected\":[7,8],\"unexpected_count\":2"));
}

static void set_duplicate_in_read(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_op(&h, 0, "add", 1, "7", "ok", "7");
	hb_op(&h, 1, "read", 1, "null", "ok", "[7,7]");
	run(&h, 0, &v);
	assert_int_equal(v.v, JL_INVALID);
	assert_non_null(strstr(v.json, "\"duplicated\":[7],\"duplicated_count\":1"));
}

static void set_without_reads_is_unknown(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_op(&h, 0, "add", 3, "1", "ok", "1");
	hb_op(&h, 1, "read", 3, "null", "fail", "null");
	run(&h, 0, &v);
	assert_int_equal(v.v, JL_UNKNOWN);
	assert_non_null(strstr(v.json, "\"unjudged_sets\":[3]"));
}

static void append_valid_lists(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_op(&h, 0, "append", 1, "1", "ok", "1");
	hb_op(&h, 1, "read", 1, "null", "ok", "[1]");
	hb_add(&h, 0, "invoke", "append", 1, "2");
	hb_add(&h, 1, "invoke", "append", 1, "3");
	hb_add(&h, 1, "ok", "append", 1, "3");
	hb_add(&h, 0, "ok", "append", 1, "2");
	hb_op(&h, 2, "read", 1, "null", "ok", "[1,3,2]"); /* concurrent: any order */
	run(&h, 2, &v);
	assert_int_equal(v.v, JL_VALID);
	assert_non_null(strstr(v.json, "\"lists\":1"));
}

static void append_incompatible_reads(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_add(&h, 0, "invoke", "append", 1, "1");
	hb_add(&h, 1, "invoke", "append", 1, "2");
	hb_add(&h, 0, "ok", "append", 1, "1");
	hb_add(&h, 1, "ok", "append", 1, "2");
	hb_op(&h, 2, "read", 1, "null", "ok", "[2,1]");
	hb_op(&h, 2, "read", 1, "null", "ok", "[1,2]");
	run(&h, 2, &v);
	assert_int_equal(v.v, JL_INVALID);
	assert_non_null(strstr(v.json, "\"incompatible_count\":1"));
}

static void append_reordered(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_op(&h, 0, "append", 1, "1", "ok", "1");
	hb_op(&h, 0, "append", 1, "2", "ok", "2");
	hb_op(&h, 1, "read", 1, "null", "ok", "[2,1]");
	run(&h, 2, &v);
	assert_int_equal(v.v, JL_INVALID);
	assert_non_null(strstr(v.json, "\"reordered\":[[1,2]],\"reordered_count\":1"));
}

static void append_lost_and_duplicated_use_the_set_rules(void **state)
{
	struct hb h = {0};
	struct verdict v;

	hb_op(&h, 0, "append", 1, "1", "ok", "1");
	hb_op(&h, 0, "append", 1, "2", "ok", "2");
	hb_op(&h, 1, "read", 1, "null", "ok", "[1,1]");
	run(&h, 1, &v);
	assert_int_equal(v.v, JL_INVALID);
	assert_non_null(strstr(v.json, "\"lost\":[2]"));
	assert_non_null(strstr(v.json, "\"duplicated\":[1]"));
}

/* Two holders of one lock: tokens 5 then 9. */
static void two_holders(struct hb *h, const char *final_list)
{
	hb_op(h, 0, "acquire", 1, "null", "ok", "5");
	hb_op(h, 0, "append", 1, "1", "ok", "1");
	hb_op(h, 0, "release", 1, "null", "ok", "null");
	hb_op(h, 1, "acquire", 1, "null", "ok", "9");
	hb_op(h, 1, "append", 1, "2", "ok", "2");
	hb_op(h, 1, "append", 1, "3", "fail", "3"); /* fenced: not applied */
	hb_op(h, 2, "read", 1, "null", "ok", final_list);
}

static void fencing_tokens_in_order(void **state)
{
	struct hb h = {0};
	struct verdict v;

	two_holders(&h, "[1,2]");
	run(&h, 3, &v);
	assert_int_equal(v.v, JL_VALID);
	assert_non_null(strstr(v.json, "\"guarded\":3"));
}

static void fencing_older_token_applied_later(void **state)
{
	struct hb h = {0};
	struct verdict v;

	two_holders(&h, "[2,1]");
	run(&h, 3, &v);
	assert_int_equal(v.v, JL_INVALID);
	assert_non_null(strstr(v.json, "\"out_of_order\":[[2,1]],\"out_of_order_count\":1"));
	/* a refused write that shows up is the elements checker's find */
	two_holders(&h, "[1,2,3]");
	run(&h, 1, &v);
	assert_int_equal(v.v, JL_INVALID);
	assert_non_null(strstr(v.json, "\"unexpected\":[3]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_valid_with_unknown_adds),
		cmocka_unit_test(set_lost_element),
		cmocka_unit_test(set_stale_read),
		cmocka_unit_test(set_concurrent_read_may_miss),
		cmocka_unit_test(set_failed_add_seen_is_unexpected),
		cmocka_unit_test(set_duplicate_in_read),
		cmocka_unit_test(set_without_reads_is_unknown),
		cmocka_unit_test(append_valid_lists),
		cmocka_unit_test(append_incompatible_reads),
		cmocka_unit_test(append_reordered),
		cmocka_unit_test(append_lost_and_duplicated_use_the_set_rules),
		cmocka_unit_test(fencing_tokens_in_order),
		cmocka_unit_test(fencing_older_token_applied_later),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
