/* test_member_list.c - the membership nemesis reads RD.MEMBER LIST right,
 * and never takes a reply it does not fully understand for "the node is
 * out of the configuration" (which is when it deletes the node's data). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jepsen/runner/runner.h"

/* Three servers as jr_resp_call renders them; the third has no client
 * address in the member table yet. */
#define SERVERS                                                            \
	"1\n10.213.0.1:7101\n10.213.0.1:7001\nvoter\n"                     \
	"2\n10.213.0.2:7101\n10.213.0.2:7001\nstandby\n"                   \
	"4\n10.213.0.4:7101\n\nspare"

static void roles_are_read(void **state)
{
	(void)state;
	assert_int_equal(jr_member_list_role(SERVERS, 1), JR_ROLE_VOTER);
	assert_int_equal(jr_member_list_role(SERVERS, 2), JR_ROLE_STANDBY);
	assert_int_equal(jr_member_list_role(SERVERS, 4), JR_ROLE_SPARE);
	assert_int_equal(jr_member_list_role(SERVERS, 3), JR_ROLE_NONE);
}

static void the_envelope_is_skipped(void **state)
{
	(void)state;
	/* raftd's envelope: term and applied index after the servers */
	assert_int_equal(jr_member_list_role(SERVERS "\n7\n1234", 4), JR_ROLE_SPARE);
	assert_int_equal(jr_member_list_role(SERVERS "\n7\n1234", 7), JR_ROLE_NONE);
	/* a term equal to an absent id is not a server */
	assert_int_equal(jr_member_list_role(SERVERS "\n3\n1234", 3), JR_ROLE_NONE);
}

static void errors_are_unknown(void **state)
{
	(void)state;
	assert_int_equal(jr_member_list_role("-TRYAGAIN no leader", 3), JR_ROLE_UNKNOWN);
	assert_int_equal(jr_member_list_role("-ERR unknown command 'RD.MEMBER'", 3),
			 JR_ROLE_UNKNOWN);
	assert_int_equal(jr_member_list_role("", 3), JR_ROLE_UNKNOWN);
	assert_int_equal(jr_member_list_role(NULL, 3), JR_ROLE_UNKNOWN);
}

/* A reply cut short never reads as a wrong role, and one whose last entry
 * lacks its role, or ends inside it, is unknown. (Two all-digit lines at
 * the end read as the envelope, so a cut such as "...\n4\n10" cannot be
 * told from a whole reply, nor can a cut between entries: jr_member_role
 * refuses any text that filled its buffer, the only way a reply is cut.) */
static void cut_replies_are_unknown(void **state)
{
	const char *full = SERVERS "\n7\n1234";
	char cut[256];

	(void)state;
	for (size_t len = 0; len < strlen(full); len++) {
		enum jr_role role;

		memcpy(cut, full, len);
		cut[len] = '\0';
		role = jr_member_list_role(cut, 4);
		assert_true(role == JR_ROLE_UNKNOWN || role == JR_ROLE_SPARE || role == JR_ROLE_NONE);
	}
	assert_int_equal(jr_member_list_role(
		"1\n10.213.0.1:7101\n10.213.0.1:7001\nvoter\n4\n10.213.0.4:7101\n", 4),
		JR_ROLE_UNKNOWN);
	assert_int_equal(jr_member_list_role(
		"1\n10.213.0.1:7101\n10.213.0.1:7001\nvoter\n4\n10.213.0.4:7101\n\nspa", 4),
		JR_ROLE_UNKNOWN);
	assert_int_equal(jr_member_list_role(
		"1\n10.213.0.1:7101\n10.213.0.1:7001\nvoter\n4\n10.213.0.4:7101\n\nspare\n7", 4),
		JR_ROLE_UNKNOWN);
}

static void malformed_is_unknown(void **state)
{
	(void)state;
	/* an unknown role, a non-numeric id, a missing raft address */
	assert_int_equal(jr_member_list_role("1\na:1\nb:2\nvoter\n2\na:1\nb:2\nlearner", 3),
			 JR_ROLE_UNKNOWN);
	assert_int_equal(jr_member_list_role("x\na:1\nb:2\nvoter", 3), JR_ROLE_UNKNOWN);
	assert_int_equal(jr_member_list_role("1\n\nb:2\nvoter", 3), JR_ROLE_UNKNOWN);
	/* an envelope that is not two numbers */
	assert_int_equal(jr_member_list_role("1\na:1\nb:2\nvoter\nOK\n5", 3), JR_ROLE_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roles_are_read),
		cmocka_unit_test(the_envelope_is_skipped),
		cmocka_unit_test(errors_are_unknown),
		cmocka_unit_test(cut_replies_are_unknown),
		cmocka_unit_test(malformed_is_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
