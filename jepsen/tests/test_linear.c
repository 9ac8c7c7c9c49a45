/* test_linear.c - the linearizability checker on hand-written histories
 * (valid ones, and the anomalies it exists to catch), its bounds, and a
 * cross-check of the search against brute force on random small histories.
 *
 * Histories are written in a compact form, one op per line in time order:
 *   "p i f v"   process p invokes f (r, w, cas) with value v ("-" for a
 *               read, "a>b" for a cas from a to b)
 *   "p ok v" / "p fail" / "p info"   process p completes (v: a read's result,
 *               "-" for absent)
 * and turned into history.jsonl text, so the tests exercise the parser too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "jepsen/check/linear.h"
#include "jepsen/lib/history.h"

static const char *fname_of(char c)
{
	return c == 'r' ? "read" : c == 'w' ? "write" : "cas";
}

static void emit(struct buf *b, int p, const char *type, const char *f, int key,
		 const char *value, long t)
{
	buf_printf(b, "{\"process\":%d,\"type\":\"%s\",\"f\":\"%s\",\"key\":%d,"
		   "\"value\":%s,\"time\":%ld}\n", p, type, f, key, value, t);
}

/* One compact line: "p i r", "p i w 3", "p i cas 1>2", "p ok [v]",
 * "p fail", "p info". f remembers each process's open operation. */
static void compact_line(struct buf *b, int key, long t, const char *line, char f[][8])
{
	int p, a, c;
	char kind[8], what[16] = "", arg[16] = "-", value[32];

	assert_true(sscanf(line, "%d %7s %15s %15s", &p, kind, what, arg) >= 2);
	assert_true(p >= 0 && p < 64);
	if (strcmp(kind, "i") != 0) {
		int read_ok = strcmp(f[p], "read") == 0 && strcmp(kind, "ok") == 0;

		emit(b, p, kind, f[p], key,
		     read_ok && strcmp(what, "-") != 0 && what[0] ? what : "null", t);
		return;
	}
	strcpy(f[p], fname_of(what[0]));
	if (what[0] == 'r') {
		emit(b, p, "invoke", "read", key, "null", t);
	} else if (what[0] == 'w') {
		emit(b, p, "invoke", "write", key, arg, t);
	} else {
		assert_int_equal(sscanf(arg, "%d>%d", &a, &c), 2);
		snprintf(value, sizeof value, "[%d,%d]", a, c);
		emit(b, p, "invoke", "cas", key, value, t);
	}
}

/* Translate a compact history (lines separated by ';') for key, with event
 * times t0 + 10, t0 + 20, ... */
static void compact_to_jsonl(struct buf *b, int key, long t0, const char *spec)
{
	char f[64][8] = {{0}};
	char line[64];

	while (*spec) {
		const char *end = strchr(spec, ';');
		size_t n = end ? (size_t)(end - spec) : strlen(spec);

		assert_true(n < sizeof line);
		memcpy(line, spec, n);
		line[n] = '\0';
		t0 += 10;
		compact_line(b, key, t0, line, f);
		spec += n + (end != NULL);
	}
}

struct outcome {
	enum jl_verdict v;
	char json[8192];
};

static void check_text(const char *text, const struct jl_options *o, struct outcome *out)
{
	struct jh_history h;
	struct buf b;
	char err[256];
	struct jl_options def = {0, 0, 4};

	buf_init(&b);
	if (jh_load_text(text, strlen(text), &h, err, sizeof err) != 0)
		fail_msg("history did not load: %s", err);
	out->v = jl_check_history(&h, &jm_register, o ? o : &def, &b);
	snprintf(out->json, sizeof out->json, "%.*s", (int)b.len, b.data);
	buf_free(&b);
	jh_free(&h);
}

static enum jl_verdict check_compact(const char *spec, struct outcome *out)
{
	struct buf b;
	struct outcome local;

	if (out == NULL)
		out = &local;
	buf_init(&b);
	compact_to_jsonl(&b, 1, 0, spec);
	buf_append(&b, "", 1);
	check_text(b.data, NULL, out);
	buf_free(&b);
	return out->v;
}

static void sequential_history_is_valid(void **state)
{
	assert_int_equal(check_compact("0 i r;0 ok -;0 i w 1;0 ok;1 i r;1 ok 1;"
				       "1 i cas 1>2;1 ok;0 i r;0 ok 2", NULL), JL_VALID);
}

static void concurrent_read_may_see_the_write_in_flight(void **state)
{
	/* the read overlaps the write: seeing either value is fine */
	assert_int_equal(check_compact("0 i w 1;1 i r;1 ok 1;0 ok", NULL), JL_VALID);
	assert_int_equal(check_compact("0 i w 1;1 i r;1 ok -;0 ok", NULL), JL_VALID);
}

static void stale_read_is_invalid_with_a_two_op_window(void **state)
{
	struct outcome o;

	assert_int_equal(check_compact("0 i w 1;0 ok;0 i w 2;0 ok;1 i r;1 ok 1", &o), JL_INVALID);
	assert_non_null(strstr(o.json, "\"valid\":false"));
	assert_non_null(strstr(o.json, "\"invalid_keys\":[1]"));
	/* the culprit is the read, the window the second write and the read */
	assert_non_null(strstr(o.json, "\"op\":{\"process\":1,\"f\":\"read\""));
	assert_non_null(strstr(o.json, "\"window\":[{\"process\":0,\"f\":\"write\",\"key\":1,\"type\":\"ok\",\"value\":2"));
	assert_null(strstr(o.json, "\"value\":1,\"result\""));
	assert_non_null(strstr(o.json, "\"window_from_start\":false"));
}

static void lost_write_is_invalid(void **state)
{
	/* acknowledged, then gone */
	assert_int_equal(check_compact("0 i w 3;0 ok;1 i r;1 ok -", NULL), JL_INVALID);
	assert_int_equal(check_compact("0 i w 3;0 ok;0 i w 4;0 ok;1 i r;1 ok 3", NULL), JL_INVALID);
}

static void duplicated_cas_is_invalid(void **state)
{
	assert_int_equal(check_compact("0 i w 0;0 ok;0 i cas 0>1;0 ok;1 i cas 0>1;1 ok", NULL),
			 JL_INVALID);
	/* concurrent with a write of 0 in between, both may succeed */
	assert_int_equal(check_compact("0 i w 0;0 ok;0 i cas 0>1;0 ok;2 i w 0;1 i cas 0>1;1 ok;2 ok",
				       NULL), JL_VALID);
}

static void failed_write_later_read_is_invalid(void **state)
{
	assert_int_equal(check_compact("0 i w 3;0 fail;1 i r;1 ok 3", NULL), JL_INVALID);
	/* a failed cas never took effect either */
	assert_int_equal(check_compact("0 i w 1;0 ok;0 i cas 1>2;0 fail;1 i r;1 ok 2", NULL),
			 JL_INVALID);
}

static void unknown_write_may_or_may_not_happen(void **state)
{
	assert_int_equal(check_compact("0 i w 3;0 info;1 i r;1 ok 3", NULL), JL_VALID);
	assert_int_equal(check_compact("0 i w 3;0 info;1 i r;1 ok -", NULL), JL_VALID);
	/* ... even long after the client gave up */
	assert_int_equal(check_compact("0 i w 3;0 info;1 i r;1 ok -;1 i r;1 ok -;1 i r;1 ok 3", NULL),
			 JL_VALID);
	/* but once seen, it cannot be undone */
	assert_int_equal(check_compact("1 i w 1;1 ok;0 i w 2;0 info;2 i r;2 ok 2;2 i r;2 ok 1", NULL),
			 JL_INVALID);
	/* nor take effect before it was invoked */
	assert_int_equal(check_compact("1 i r;1 ok 5;0 i w 5;0 info", NULL), JL_INVALID);
}

static void new_then_old_reads_are_invalid(void **state)
{
	/* two sequential reads during one write see new, then old */
	assert_int_equal(check_compact("0 i w 1;0 ok;0 i w 2;1 i r;1 ok 2;1 i r;1 ok 1;0 ok", NULL),
			 JL_INVALID);
}

static void keys_are_checked_independently(void **state)
{
	struct buf b;
	struct outcome o;

	buf_init(&b);
	compact_to_jsonl(&b, 7, 0, "0 i w 1;0 ok;1 i r;1 ok 1");
	compact_to_jsonl(&b, 9, 1000, "2 i w 1;2 ok;3 i r;3 ok 5");
	buf_append(&b, "", 1);
	check_text(b.data, NULL, &o);
	buf_free(&b);
	assert_int_equal(o.v, JL_INVALID);
	assert_non_null(strstr(o.json, "\"keys\":2"));
	assert_non_null(strstr(o.json, "\"invalid_keys\":[9]"));
}

static void limits_give_unknown_never_valid(void **state)
{
	struct buf b;
	struct outcome o;
	struct jl_options tiny = {0, 1, 4}; /* a one-byte memo budget */

	buf_init(&b);
	compact_to_jsonl(&b, 1, 0, "0 i w 1;0 ok;1 i r;1 ok 1");
	buf_append(&b, "", 1);
	check_text(b.data, &tiny, &o);
	assert_int_equal(o.v, JL_UNKNOWN);
	assert_non_null(strstr(o.json, "\"unknown_keys\":[1]"));
	/* a deadline already passed is unknown too, once the search is long
	 * enough to look at the clock */
	buf_reset(&b);
	for (int k = 0; k < 14; k++)
		buf_printf(&b, "{\"process\":%d,\"type\":\"invoke\",\"f\":\"write\",\"key\":1,\"value\":%d,\"time\":%d}\n",
			   k, k % 3, k);
	buf_printf(&b, "{\"process\":99,\"type\":\"invoke\",\"f\":\"read\",\"key\":1,\"value\":null,\"time\":50}\n");
	buf_printf(&b, "{\"process\":99,\"type\":\"ok\",\"f\":\"read\",\"key\":1,\"value\":7,\"time\":51}\n");
	for (int k = 0; k < 14; k++)
		buf_printf(&b, "{\"process\":%d,\"type\":\"info\",\"f\":\"write\",\"key\":1,\"value\":%d,\"time\":%d}\n",
			   k, k % 3, 60 + k);
	buf_append(&b, "", 1);
	{
		struct jl_options late = {1, 0, 4};

		check_text(b.data, &late, &o);
		assert_int_equal(o.v, JL_UNKNOWN);
	}
	/* without a deadline the same history is decided: nobody wrote 7 */
	check_text(b.data, NULL, &o);
	assert_int_equal(o.v, JL_INVALID);
	buf_free(&b);
}

static void malformed_register_ops_are_not_valid(void **state)
{
	struct outcome o;

	check_text("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"key\":1,\"value\":null,\"time\":1}\n"
		   "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"key\":1,\"value\":[1,2],\"time\":2}\n",
		   NULL, &o);
	assert_int_equal(o.v, JL_UNKNOWN);
	assert_non_null(strstr(o.json, "\"error\""));
}

/* ---- cross-check against brute force ---------------------------------- */

struct bop {
	char f;        /* r w c */
	int a, b;      /* w: a; c: a>b */
	int result;    /* read result, -1 absent */
	int outcome;   /* 0 ok, 1 info */
	int call, ret; /* positions; ret unused for info */
};

static unsigned rng_state = 12345;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 16) % n;
}

/* Does some order of a subset (all ok ops, any info ops) respect real time
 * and the register? Exhaustive over permutations by depth-first search. */
static int brute(const struct bop *ops, int n, int used, int value, int last_done_mask)
{
	int all_ok = 1;

	(void)last_done_mask;
	for (int k = 0; k < n; k++)
		if (!(used & (1 << k)) && ops[k].outcome == 0)
			all_ok = 0;
	if (all_ok)
		return 1;
	for (int k = 0; k < n; k++) {
		int minimal = 1, next = value;

		if (used & (1 << k))
			continue;
		/* k may go next only if no unplaced ok op completed before k began */
		for (int j = 0; j < n; j++)
			if (j != k && !(used & (1 << j)) && ops[j].outcome == 0 &&
			    ops[j].ret < ops[k].call)
				minimal = 0;
		if (!minimal)
			continue;
		if (ops[k].f == 'r' && ops[k].result != value)
			continue;
		if (ops[k].f == 'w')
			next = ops[k].a;
		if (ops[k].f == 'c') {
			if (value != ops[k].a)
				continue;
			next = ops[k].b;
		}
		if (brute(ops, n, used | (1 << k), next, 0))
			return 1;
	}
	return 0;
}

static void random_history(struct bop *ops, int n, struct buf *b)
{
	int pos = 0, t = 0;
	int events[32][3]; /* time, op, is_ret */
	int ne = 0;

	for (int k = 0; k < n; k++) {
		int f = (int)rnd(3);

		ops[k].f = f == 0 ? 'r' : f == 1 ? 'w' : 'c';
		ops[k].a = (int)rnd(3);
		ops[k].b = (int)rnd(3);
		ops[k].result = (int)rnd(4) - 1;
		ops[k].outcome = ops[k].f != 'r' && rnd(5) == 0;
		ops[k].call = (int)rnd(20);
		ops[k].ret = ops[k].call + 1 + (int)rnd(8);
	}
	/* distinct positions: order events by time, ties broken by index */
	for (int k = 0; k < n; k++) {
		events[ne][0] = ops[k].call * 2;
		events[ne][1] = k;
		events[ne++][2] = 0;
		if (ops[k].outcome == 0) {
			events[ne][0] = ops[k].ret * 2 + 1;
			events[ne][1] = k;
			events[ne++][2] = 1;
		}
	}
	for (int i = 1; i < ne; i++)
		for (int j = i; j > 0 && (events[j][0] < events[j - 1][0] ||
					  (events[j][0] == events[j - 1][0] && events[j][1] < events[j - 1][1])); j--) {
			int tmp[3];

			memcpy(tmp, events[j], sizeof tmp);
			memcpy(events[j], events[j - 1], sizeof tmp);
			memcpy(events[j - 1], tmp, sizeof tmp);
		}
	for (int i = 0; i < ne; i++) {
		struct bop *o = &ops[events[i][1]];
		int p = events[i][1];

		t += 1;
		if (!events[i][2]) {
			o->call = pos++;
			if (o->f == 'r')
				buf_printf(b, "{\"process\":%d,\"type\":\"invoke\",\"f\":\"read\",\"key\":1,\"value\":null,\"time\":%d}\n", p, t);
			else if (o->f == 'w')
				buf_printf(b, "{\"process\":%d,\"type\":\"invoke\",\"f\":\"write\",\"key\":1,\"value\":%d,\"time\":%d}\n", p, o->a, t);
			else
				buf_printf(b, "{\"process\":%d,\"type\":\"invoke\",\"f\":\"cas\",\"key\":1,\"value\":[%d,%d],\"time\":%d}\n", p, o->a, o->b, t);
		} else {
			o->ret = pos++;
			if (o->f == 'r' && o->result < 0)
				buf_printf(b, "{\"process\":%d,\"type\":\"ok\",\"f\":\"read\",\"key\":1,\"value\":null,\"time\":%d}\n", p, t);
			else
				buf_printf(b, "{\"process\":%d,\"type\":\"ok\",\"f\":\"%s\",\"key\":1,\"value\":%d,\"time\":%d}\n",
					   p, fname_of(o->f == 'c' ? 'x' : o->f), o->f == 'r' ? o->result : o->a, t);
		}
	}
}

static void search_agrees_with_brute_force(void **state)
{
	int valid = 0, invalid = 0;

	for (int round = 0; round < 3000; round++) {
		struct bop ops[8];
		int n = 2 + (int)rnd(6);
		struct buf b;
		struct outcome o;
		int expect;

		buf_init(&b);
		random_history(ops, n, &b);
		buf_append(&b, "", 1);
		expect = brute(ops, n, 0, -1, 0);
		check_text(b.data, NULL, &o);
		if (o.v != (expect ? JL_VALID : JL_INVALID))
			fail_msg("round %d: brute force says %s, checker %s:\n%s", round,
				 expect ? "valid" : "invalid", jl_verdict_name(o.v), b.data);
		expect ? valid++ : invalid++;
		buf_free(&b);
	}
	/* both answers must have been exercised */
	assert_true(valid > 300);
	assert_true(invalid > 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sequential_history_is_valid),
		cmocka_unit_test(concurrent_read_may_see_the_write_in_flight),
		cmocka_unit_test(stale_read_is_invalid_with_a_two_op_window),
		cmocka_unit_test(lost_write_is_invalid),
		cmocka_unit_test(duplicated_cas_is_invalid),
		cmocka_unit_test(failed_write_later_read_is_invalid),
		cmocka_unit_test(unknown_write_may_or_may_not_happen),
		cmocka_unit_test(new_then_old_reads_are_invalid),
		cmocka_unit_test(keys_are_checked_independently),
		cmocka_unit_test(limits_give_unknown_never_valid),
		cmocka_unit_test(malformed_register_ops_are_not_valid),
		cmocka_unit_test(search_agrees_with_brute_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
