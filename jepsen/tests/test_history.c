/* test_history.c - reading history.jsonl: pairing, the rules a history must
 * follow, and damaged input (every bad line is refused with its number;
 * random corruption never crashes the reader). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jepsen/lib/history.h"
#include "jepsen/lib/json.h"

static const char good[] =
	"{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":1,\"value\":3,\"time\":1}\n"
	"{\"process\":\"nemesis\",\"type\":\"invoke\",\"f\":\"start-partition\",\"key\":null,\"value\":null,\"time\":2}\n"
	"{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":1,\"value\":null,\"time\":3}\n"
	"{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start-partition\",\"key\":null,\"value\":\"n1 | n2 n3\",\"time\":4}\n"
	"\n"
	"{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"key\":1,\"value\":null,\"time\":5}\n"
	"{\"process\":0,\"type\":\"info\",\"f\":\"write\",\"key\":1,\"value\":3,\"time\":6}\n"
	"{\"process\":2,\"type\":\"invoke\",\"f\":\"cas\",\"key\":1,\"value\":[3,4],\"time\":7}\n";

static void pairs_invocations_with_completions(void **state)
{
	struct jh_history h;
	char err[160];

	assert_int_equal(jh_load_text(good, strlen(good), &h, err, sizeof err), 0);
	assert_int_equal(h.nev, 7);
	assert_int_equal(h.nops, 3);
	/* in invocation order; nemesis events are not operations */
	assert_int_equal(h.ops[0].process, 0);
	assert_int_equal(h.ops[0].type, JH_INFO);
	assert_int_equal(h.ops[0].done, 6);
	assert_int_equal(h.ops[1].f, JH_F_READ);
	assert_int_equal(h.ops[1].type, JH_OK);
	assert_int_equal(h.ops[1].ret->kind, JH_V_NIL);
	assert_int_equal(h.ev[h.ops[1].comp].line, 6); /* the blank line counts */
	/* never completed: unknown, completion at infinity */
	assert_int_equal(h.ops[2].type, JH_INFO);
	assert_int_equal(h.ops[2].done, JH_NEVER);
	assert_null(h.ops[2].ret);
	assert_int_equal(h.ops[2].arg->n, 2);
	assert_int_equal(h.ev[3].process, JH_NEMESIS);
	assert_string_equal(h.ev[3].value.str, "n1 | n2 n3");
	jh_free(&h);
}

static void expect_error(const char *text, const char *needle)
{
	struct jh_history h;
	char err[160] = "";

	assert_int_equal(jh_load_text(text, strlen(text), &h, err, sizeof err), -1);
	if (strstr(err, needle) == NULL)
		fail_msg("error '%s' does not mention '%s'", err, needle);
	jh_free(&h);
}

#define OP(p, t, f, v, time) \
	"{\"process\":" #p ",\"type\":\"" t "\",\"f\":\"" f "\",\"key\":1,\"value\":" v ",\"time\":" #time "}\n"

static void refuses_broken_histories(void **state)
{
	expect_error(OP(0, "invoke", "read", "null", 1) "garbage\n", "line 2");
	expect_error("[1,2]\n", "not a JSON object");
	expect_error("{\"type\":\"ok\",\"f\":\"read\",\"time\":1}\n", "process");
	expect_error("{\"process\":-3,\"type\":\"ok\",\"f\":\"read\",\"time\":1}\n", "process");
	expect_error("{\"process\":0,\"type\":\"done\",\"f\":\"read\",\"time\":1}\n", "type");
	expect_error("{\"process\":0,\"type\":\"invoke\",\"f\":\"\",\"time\":1}\n", "f must");
	expect_error("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n", "time");
	expect_error(OP(0, "invoke", "write", "1.5", 1), "value");
	expect_error("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"time\":1e3}\n", "time");
	expect_error(OP(0, "invoke", "write", "99999999999999999999", 1), "range");
	expect_error(OP(0, "invoke", "write", "\"x\"", 1), "value");
	expect_error(OP(0, "invoke", "cas", "[1]", 1), "cas");
	expect_error(OP(0, "invoke", "read", "5", 1), "null");
	expect_error(OP(0, "invoke", "read", "null", 5) OP(1, "invoke", "read", "null", 4), "backwards");
	expect_error(OP(0, "invoke", "read", "null", 1) OP(0, "invoke", "read", "null", 2), "second invocation");
	expect_error(OP(0, "ok", "read", "null", 1), "no open invocation");
	expect_error(OP(0, "invoke", "read", "null", 1) OP(0, "ok", "write", "1", 2), "differs");
	expect_error("{\"process\":0,\"type\":\"invoke\",\"f\":\"r\\q\",\"time\":1}\n", "escape");
	expect_error("{\"process\":0,\"type\":\"invoke\",\"f\":\"r\",\"time\":1", "expected");
	expect_error("{\"process\":0,\"type\":\"invoke\",\"f\":\"r\",\"time\":1} x\n", "trailing");
}

static void json_limits_and_escapes(void **state)
{
	struct jj_value v;
	char err[100], deep[200];
	const char *s = "{\"a\":\"\\u00e9\\ud83d\\ude00\\n\",\"b\":[true,false,null,-0,12]}";

	assert_int_equal(jj_parse(s, strlen(s), &v, err, sizeof err), 0);
	assert_string_equal(jj_get(&v, "a")->s, "\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_int_equal(jj_get(&v, "b")->n, 5);
	assert_null(jj_get(&v, "c"));
	jj_free(&v);
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(jj_parse(deep, sizeof deep, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "deep"));
	assert_int_equal(jj_parse("\"\\ud83d\"", 8, &v, err, sizeof err), -1);
	assert_int_equal(jj_parse("01", 2, &v, err, sizeof err), -1);
	assert_int_equal(jj_parse("1.", 2, &v, err, sizeof err), -1);
	assert_int_equal(jj_parse("1e", 2, &v, err, sizeof err), -1);
	assert_int_equal(jj_parse("-2.5e1", 6, &v, err, sizeof err), 0);
	assert_int_equal(v.type, JJ_REAL);
	assert_true(v.d == -25.0);
	assert_int_equal(jj_parse("\"a\tb\"", 5, &v, err, sizeof err), -1);
	assert_int_equal(jj_parse("", 0, &v, err, sizeof err), -1);
}

static void random_damage_never_crashes(void **state)
{
	size_t len = strlen(good);
	char *copy = malloc(len);
	unsigned seed = 7;
	int loaded = 0;

	assert_non_null(copy);
	for (int round = 0; round < 20000; round++) {
		struct jh_history h;
		char err[160];
		size_t cut;

		memcpy(copy, good, len);
		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % len] = (char)(seed >> 20);
		}
		seed = seed * 1103515245u + 12345u;
		cut = round % 3 == 0 ? (seed >> 8) % len : len;
		loaded += jh_load_text(copy, cut, &h, err, sizeof err) == 0;
		jh_free(&h);
	}
	free(copy);
	/* some survive (damage inside a string), most are refused */
	assert_true(loaded < 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pairs_invocations_with_completions),
		cmocka_unit_test(refuses_broken_histories),
		cmocka_unit_test(json_limits_and_escapes),
		cmocka_unit_test(random_damage_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
