/* raftctl_member.c - raftctl's membership commands:
 *
 *     raftctl member add ID RAFT-ADDRESS CLIENT-ADDRESS
 *     raftctl member promote ID | demote ID | remove ID
 *     raftctl member list
 *     raftctl transfer [ID]
 *
 * Each is one library call (rdc_member_*, rdc_transfer), so redirects to
 * the leader, retries of -TRYAGAIN while another change is in progress, and
 * the meaning of the exit codes are those of every other write: a change
 * whose answer was lost exits 4 ("outcome unknown"; member list shows what
 * happened). transfer prints the node that leads afterwards, and fails
 * (exit 3) when leadership did not move before the deadline, or (exit 5)
 * when it moved to another node than the one asked for.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "client/raftctl.h"

/* what: the command, for the message ("member promote", "transfer"). */
static int parse_id(const char *what, const char *verb, const char *s,
		    uint64_t *id)
{
	if (parse_u64(s, id) != 0 || *id == 0)
		return usage_error("%s%s%s: ID must be a positive integer, not '%s'",
				   what, verb ? " " : "", verb ? verb : "", s);
	return EXIT_OK;
}

/* The client address of server id in the configuration, copied to out
 * ("" when it is not known or the list cannot be read). */
static void client_addr_of(struct cli *cli, uint64_t id, char *out,
			   size_t size)
{
	struct rdc_server *ss;
	size_t n;

	out[0] = '\0';
	if (rdc_member_list(cli->c, &ss, &n, NULL) != RDC_OK)
		return;
	for (size_t i = 0; i < n; i++)
		if (ss[i].id == id)
			snprintf(out, size, "%s", ss[i].client_addr);
	rdc_member_list_free(ss);
}

static void print_servers(const struct cli *cli, const struct rdc_server *ss,
			  size_t n, const struct rdc_meta *m)
{
	if (!cli->json) {
		printf("%-4s  %-21s  %-21s  %s\n", "ID", "RAFT ADDRESS",
		       "CLIENT ADDRESS", "ROLE");
		for (size_t i = 0; i < n; i++)
			printf("%-4" PRIu64 "  %-21s  %-21s  %s\n", ss[i].id,
			       ss[i].raft_addr, ss[i].client_addr, ss[i].role);
		return;
	}
	printf("{");
	json_meta(m);
	printf(",\"members\":[");
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"id\":%" PRIu64 ",\"raft_addr\":", i ? "," : "",
		       ss[i].id);
		json_str(ss[i].raft_addr, strlen(ss[i].raft_addr));
		printf(",\"client_addr\":");
		json_str(ss[i].client_addr, strlen(ss[i].client_addr));
		printf(",\"role\":");
		json_str(ss[i].role, strlen(ss[i].role));
		printf("}");
	}
	printf("]}\n");
}

static int member_list(struct cli *cli)
{
	struct rdc_server *ss;
	struct rdc_meta m;
	size_t n;
	int rc;

	if (cli->argc != 1)
		return usage_error("member list: expected no arguments");
	rc = rdc_member_list(cli->c, &ss, &n, &m);
	if (rc != RDC_OK)
		return fail(cli, rc);
	print_servers(cli, ss, n, &m);
	rdc_member_list_free(ss);
	return EXIT_OK;
}

static int member_add(struct cli *cli, uint64_t id)
{
	struct rdc_meta m;
	int rc;

	if (cli->argc != 4)
		return usage_error("member add: expected ID RAFT-ADDRESS CLIENT-ADDRESS");
	rc = rdc_member_add(cli->c, id, cli->argv[2], cli->argv[3], &m);
	if (rc != RDC_OK)
		return fail(cli, rc);
	print_ok(cli, &m);
	return EXIT_OK;
}

/* promote, demote, remove: "member VERB ID". */
static int member_change(struct cli *cli, const char *verb, uint64_t id)
{
	struct rdc_meta m;
	int rc;

	if (cli->argc != 2)
		return usage_error("member %s: expected ID", verb);
	if (strcmp(verb, "promote") == 0)
		rc = rdc_member_promote(cli->c, id, &m);
	else if (strcmp(verb, "demote") == 0)
		rc = rdc_member_demote(cli->c, id, &m);
	else
		rc = rdc_member_remove(cli->c, id, &m);
	if (rc != RDC_OK)
		return fail(cli, rc);
	print_ok(cli, &m);
	return EXIT_OK;
}

int cmd_member(struct cli *cli)
{
	const char *verb = cli->argv[0];
	uint64_t id;
	int rc;

	if (strcmp(verb, "list") == 0)
		return member_list(cli);
	if (strcmp(verb, "add") != 0 && strcmp(verb, "promote") != 0 &&
	    strcmp(verb, "demote") != 0 && strcmp(verb, "remove") != 0)
		return usage_error("member: expected add, promote, demote, remove or list, not '%s'",
				   verb);
	if (cli->argc < 2)
		return usage_error("member %s: expected ID", verb);
	rc = parse_id("member", verb, cli->argv[1], &id);
	if (rc != EXIT_OK)
		return rc;
	if (strcmp(verb, "add") == 0)
		return member_add(cli, id);
	return member_change(cli, verb, id);
}

int cmd_transfer(struct cli *cli)
{
	uint64_t want = 0, leader;
	struct rdc_meta m;
	char addr[RDC_ADDR_MAX];
	int rc;

	if (cli->argc == 1) {
		rc = parse_id("transfer", NULL, cli->argv[0], &want);
		if (rc != EXIT_OK)
			return rc;
	}
	rc = rdc_transfer(cli->c, want, &leader, &m);
	if (rc == RDC_UNAVAILABLE) {
		fprintf(stderr, "raftctl: transfer: leadership did not move: %s\n",
			rdc_errmsg(cli->c));
		return EXIT_UNAVAILABLE;
	}
	if (rc == RDC_UNCERTAIN) {
		fprintf(stderr, "raftctl: transfer: outcome unknown: leadership may or may not have moved (%s); see raftctl status\n",
			rdc_errmsg(cli->c));
		return EXIT_UNKNOWN;
	}
	if (rc != RDC_OK)
		return fail(cli, rc);
	client_addr_of(cli, leader, addr, sizeof(addr));
	if (cli->json) {
		printf("{\"leader\":%" PRIu64 ",\"client_addr\":", leader);
		json_str(addr, strlen(addr));
		printf(",");
		json_meta(&m);
		printf("}\n");
	} else {
		printf("node %" PRIu64 "%s%s%s leads now (term=%" PRIu64 ")\n",
		       leader, addr[0] ? " (" : "", addr, addr[0] ? ")" : "",
		       m.term);
	}
	if (want != 0 && leader != want) {
		fprintf(stderr, "raftctl: transfer: leadership moved to node %" PRIu64 ", not to node %" PRIu64 "\n",
			leader, want);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}
