/* member_list.c - reading RD.MEMBER LIST as jr_resp_call renders it.
 *
 * The membership nemesis deletes a node's data only when this says the node
 * is out of the configuration, so it is strict: anything it does not fully
 * understand (an error, a reply cut short, a role it does not know) is
 * JR_ROLE_UNKNOWN, never JR_ROLE_NONE. Kept apart from member.c, with no
 * I/O, so that the unit tests reach it.
 *
 * The reply is one array of [id, raft address, client address (may be
 * empty), role] per server, optionally followed by raftd's envelope (term
 * and applied index); rendered flattened, one element a line.
 */
#include <stdlib.h>
#include <string.h>

#include "jepsen/runner/runner.h"

#define JR_LIST_MAX_LINES (4 * 64 + 2)

static int jr_all_digits(const char *s, size_t len)
{
	if (len == 0 || len > 19)
		return 0;
	for (size_t k = 0; k < len; k++)
		if (s[k] < '0' || s[k] > '9')
			return 0;
	return 1;
}

static enum jr_role jr_role_named(const char *s, size_t len)
{
	if (len == 5 && memcmp(s, "voter", 5) == 0)
		return JR_ROLE_VOTER;
	if (len == 7 && memcmp(s, "standby", 7) == 0)
		return JR_ROLE_STANDBY;
	if (len == 5 && memcmp(s, "spare", 5) == 0)
		return JR_ROLE_SPARE;
	return JR_ROLE_UNKNOWN;
}

enum jr_role jr_member_list_role(const char *text, int id)
{
	const char *line[JR_LIST_MAX_LINES];
	size_t len[JR_LIST_MAX_LINES], n = 0, groups;
	const char *p = text;
	enum jr_role found = JR_ROLE_NONE;

	if (text == NULL || text[0] == '-')
		return JR_ROLE_UNKNOWN;
	for (;;) { /* split on '\n', keeping empty lines */
		const char *nl = strchr(p, '\n');

		if (n == JR_LIST_MAX_LINES)
			return JR_ROLE_UNKNOWN;
		line[n] = p;
		len[n] = nl != NULL ? (size_t)(nl - p) : strlen(p);
		n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (n % 4 == 2) { /* the envelope: term, applied index */
		if (!jr_all_digits(line[n - 2], len[n - 2]) || !jr_all_digits(line[n - 1], len[n - 1]))
			return JR_ROLE_UNKNOWN;
		n -= 2;
	}
	if (n == 0 || n % 4 != 0)
		return JR_ROLE_UNKNOWN;
	groups = n / 4;
	for (size_t g = 0; g < groups; g++) {
		const size_t k = 4 * g;
		enum jr_role role = jr_role_named(line[k + 3], len[k + 3]);

		if (!jr_all_digits(line[k], len[k]) || len[k + 1] == 0 || role == JR_ROLE_UNKNOWN)
			return JR_ROLE_UNKNOWN;
		if (strtol(line[k], NULL, 10) == id)
			found = role;
	}
	return found;
}
