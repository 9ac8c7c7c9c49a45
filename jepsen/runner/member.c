/* member.c - the membership nemesis: remove a node, wipe it, add it back as
 * a new member.
 *
 * Removal goes through the leader (RD.MEMBER REMOVE; removing the leader
 * makes it hand leadership over first and redirect us to the new one).
 * Only once the configuration no longer holds the node is it stopped and
 * its data directory deleted: wiping a node that still votes would be a
 * fault of the harness, not of raftd (it forgets its votes and its log).
 * From then on the node always starts with --join, so that an empty data
 * directory never bootstraps a second cluster.
 *
 * Adding it back follows docs/membership.md: start it empty in --join mode,
 * RD.MEMBER ADD (a standby that receives the log or a snapshot), wait until
 * it has applied what the leader had committed, RD.MEMBER PROMOTE. Every
 * step is driven by what RD.MEMBER LIST on the leader says, so a step whose
 * reply was lost (a timeout, an -UNCERTAIN) is neither repeated blindly nor
 * skipped: the next round sees where the node stands.
 *
 * Each step is a pair of nemesis events in the history (f member-remove,
 * member-stop, member-wipe, member-start, member-add, member-promote).
 * Everything here runs on the main thread, which owns the nodes.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jepsen/runner/runner.h"

#define JR_MEMBER_CALL_MS 10000 /* one RD.MEMBER exchange (PROMOTE catches up) */
#define JR_MEMBER_STEP_S 45.0   /* one removal or one re-addition */

static int jr_stopped(struct jr_run *r)
{
	return atomic_load(&r->interrupted);
}

/* 1 when a reply says OK: "+OK", or an envelope ["OK", term, index]
 * (rendered one element a line). */
static int jr_reply_ok(const char *reply)
{
	return strncmp(reply, "OK", 2) == 0 && (reply[2] == '\0' || reply[2] == '\n');
}

/* A reply on one line, for the history. */
static void jr_one_line(char *reply)
{
	for (char *p = reply; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
}

/* Send args to the leader until the answer is neither a redirect nor a
 * "try again" (-TRYAGAIN, -BUSY), or the deadline passes. Redirects
 * (-MOVED 0 ip:port) are followed at once. 0 with the reply in out, or -1. */
static int jr_member_call(struct jr_run *r, int argc, const char **argv, int64_t deadline,
			  char *out, size_t len)
{
	char moved[32] = "";

	snprintf(out, len, "(no answer)");
	while (jr_now_ns() < deadline && !jr_stopped(r)) {
		const char *ip = moved;
		int leader;

		if (moved[0] == '\0') {
			leader = jr_cluster_leader(r->c);
			if (leader == 0) {
				jr_sleep(0.2);
				continue;
			}
			ip = r->c->n[leader].ip;
		}
		if (jr_resp_call(ip, JR_CLIENT_PORT, JR_MEMBER_CALL_MS, argc, argv, out, len) != 0) {
			snprintf(out, len, "(no answer from %s)", ip);
			moved[0] = '\0';
			jr_sleep(0.3);
			continue;
		}
		if (strncmp(out, "-MOVED 0 ", 9) == 0) {
			size_t n = strcspn(out + 9, ":");

			snprintf(moved, sizeof moved, "%.*s", (int)(n < 31 ? n : 31), out + 9);
			continue;
		}
		moved[0] = '\0';
		if (strncmp(out, "-TRYAGAIN", 9) == 0 || strncmp(out, "-BUSY", 5) == 0 ||
		    strncmp(out, "-UNCERTAIN", 10) == 0) {
			jr_sleep(0.3);
			continue;
		}
		return 0;
	}
	return -1;
}

/* Node id's role in the leader's configuration (member_list.c reads it). */
static enum jr_role jr_member_role(struct jr_run *r, int id, int64_t deadline)
{
	const char *list[] = {"RD.MEMBER", "LIST"};
	char text[8192];

	/* a text that filled the buffer may have been cut between entries */
	if (jr_member_call(r, 2, list, deadline, text, sizeof text) != 0 ||
	    strlen(text) >= sizeof text - 1)
		return JR_ROLE_UNKNOWN;
	return jr_member_list_role(text, id);
}

/* A step as a nemesis invoke, then an info saying how it went. */
static void jr_step_begin(struct jr_run *r, const char *f, int id)
{
	char who[16];

	snprintf(who, sizeof who, "n%d", id);
	jr_nemesis_event(r, f, "invoke", who);
}

static void jr_step_end(struct jr_run *r, const char *f, const char *what)
{
	jr_nemesis_event(r, f, "info", what);
	jr_log("nemesis: %s: %s", f, what);
}

/* Append to a summary string. */
static void jr_add(char *what, size_t len, const char *text)
{
	size_t used = strlen(what);

	snprintf(what + used, len - used, "%s%s", used ? "; " : "", text);
}

static int jr_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Stop node id (SIGTERM, SIGKILL after 5 s), delete its data directory and
 * mark it to start in --join mode from now on. 0 or -1. */
static int jr_member_wipe(struct jr_run *r, int id)
{
	struct jr_node *n = &r->c->n[id];
	char data[JR_PATH + 8], note[JR_PATH + 64];
	int rv;

	jr_step_begin(r, "member-stop", id);
	jr_node_stop(r->c, id, 5.0);
	jr_step_end(r, "member-stop", n->pid == 0 ? "stopped (SIGTERM)" : "still running");
	jr_step_begin(r, "member-wipe", id);
	snprintf(data, sizeof data, "%s/data", n->dir);
	rv = nftw(data, jr_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (rv != 0 && errno == ENOENT)
		rv = 0;
	n->join = 1;
	n->fresh = rv == 0;
	snprintf(note, sizeof note, rv == 0 ? "deleted %s" : "could not delete %s: %s", data,
		 strerror(errno));
	jr_step_end(r, "member-wipe", note);
	return rv == 0 ? 0 : -1;
}

int jr_member_remove(struct jr_run *r, int id, char *what, size_t len)
{
	char arg[16], reply[512], note[600];
	const char *argv[] = {"RD.MEMBER", "REMOVE", arg};
	int64_t deadline = jr_now_ns() + (int64_t)(JR_MEMBER_STEP_S * 1e9);
	int was_leader = jr_cluster_leader(r->c) == id, done = 0;
	enum jr_role role;

	snprintf(arg, sizeof arg, "%d", id);
	jr_step_begin(r, "member-remove", id);
	while (!done && jr_now_ns() < deadline && !jr_stopped(r)) {
		int answered;

		if (jr_member_call(r, 3, argv, deadline, reply, sizeof reply) != 0)
			break;
		/* OK comes once the removal is committed; "no member" once an
		 * earlier attempt whose reply was lost has been (an uncommitted
		 * change answers TRYAGAIN). The leader's list must agree. */
		answered = jr_reply_ok(reply) || strstr(reply, "no member") != NULL;
		role = jr_member_role(r, id, deadline);
		done = answered && role == JR_ROLE_NONE;
		if (!done)
			jr_sleep(0.5);
	}
	if (!done) {
		jr_one_line(reply);
		snprintf(note, sizeof note, "n%d not removed (last answer: %.300s); left as it is", id,
			 reply);
		jr_step_end(r, "member-remove", note);
		jr_add(what, len, note);
		return -1;
	}
	snprintf(note, sizeof note, "n%d removed%s", id,
		 was_leader ? " (it led: leadership handed over first)" : "");
	jr_step_end(r, "member-remove", note);
	jr_add(what, len, note);
	if (jr_member_wipe(r, id) != 0) {
		jr_add(what, len, "wiping failed");
		return -1;
	}
	snprintf(note, sizeof note, "n%d stopped and wiped", id);
	jr_add(what, len, note);
	return 0;
}

/* "field" out of node id's RD.NODEINFO, as an unsigned number; -1 when the
 * node does not answer. */
static long long jr_info_num(struct jr_run *r, int id, const char *field)
{
	char value[64];

	if (jr_node_info(&r->c->n[id], field, value, sizeof value) != 0)
		return -1;
	return strtoll(value, NULL, 10);
}

/* Wait (until deadline) for the standby to apply what the leader had
 * committed when it was added. 1 when it did. */
static int jr_member_caught_up(struct jr_run *r, int id, int64_t deadline)
{
	int leader = jr_cluster_leader(r->c);
	long long target = leader ? jr_info_num(r, leader, "commit_index") : -1;

	while (target >= 0 && jr_now_ns() < deadline && !jr_stopped(r)) {
		if (jr_info_num(r, id, "applied_index") >= target)
			return 1;
		jr_cluster_reap(r->c);
		jr_sleep(0.2);
	}
	return 0;
}

/* One move towards voter from where node id stands. 1 when it is a voter. */
static int jr_member_advance(struct jr_run *r, int id, enum jr_role role, int64_t deadline)
{
	struct jr_node *n = &r->c->n[id];
	char arg[16], raft[48], client[48], reply[512], note[700];
	const char *add[] = {"RD.MEMBER", "ADD", arg, raft, client};
	const char *promote[] = {"RD.MEMBER", "PROMOTE", arg};
	const char *demote[] = {"RD.MEMBER", "DEMOTE", arg};
	int caught;

	snprintf(arg, sizeof arg, "%d", id);
	snprintf(raft, sizeof raft, "%s:%d", n->ip, JR_RAFT_PORT);
	snprintf(client, sizeof client, "%s:%d", n->ip, JR_CLIENT_PORT);
	switch (role) {
	case JR_ROLE_VOTER:
		return 1;
	case JR_ROLE_NONE:
		if (!n->fresh) { /* out of the configuration with old data */
			if (jr_member_wipe(r, id) != 0)
				return 0;
		}
		if (n->pid == 0) {
			jr_step_begin(r, "member-start", id);
			jr_node_start(r->c, id);
			jr_step_end(r, "member-start", "started with an empty data directory, --join");
		}
		jr_step_begin(r, "member-add", id);
		jr_member_call(r, 5, add, deadline, reply, sizeof reply);
		jr_one_line(reply);
		snprintf(note, sizeof note, "RD.MEMBER ADD %s %s %s: %.300s", arg, raft, client, reply);
		jr_step_end(r, "member-add", note);
		return 0;
	case JR_ROLE_SPARE: /* added, not yet assigned standby */
		jr_member_call(r, 3, demote, deadline, reply, sizeof reply);
		return 0;
	case JR_ROLE_STANDBY:
		n->fresh = 0;
		caught = jr_member_caught_up(r, id, deadline);
		jr_step_begin(r, "member-promote", id);
		jr_member_call(r, 3, promote, deadline, reply, sizeof reply);
		jr_one_line(reply);
		snprintf(note, sizeof note, "%s; RD.MEMBER PROMOTE %s: %.300s",
			 caught ? "caught up with the leader's commit index"
				: "not caught up in time, promoted anyway (raft catches it up)",
			 arg, reply);
		jr_step_end(r, "member-promote", note);
		return 0;
	default:
		jr_sleep(0.3);
		return 0;
	}
}

int jr_member_rejoin(struct jr_run *r, int id, char *what, size_t len)
{
	int64_t deadline = jr_now_ns() + (int64_t)(JR_MEMBER_STEP_S * 1e9);
	char note[128];

	while (jr_now_ns() < deadline && !jr_stopped(r)) {
		enum jr_role role = jr_member_role(r, id, deadline);

		if (jr_member_advance(r, id, role, deadline)) {
			snprintf(note, sizeof note, "n%d is a voter again", id);
			jr_add(what, len, note);
			return 0;
		}
		jr_cluster_reap(r->c);
	}
	snprintf(note, sizeof note, "n%d could not be made a voter again within %.0f s", id,
		 JR_MEMBER_STEP_S);
	jr_add(what, len, note);
	jr_log("nemesis: %s", note);
	return -1;
}

int jr_member_heal(struct jr_run *r, char *what, size_t len)
{
	int rv = 0;

	for (int id = 1; id <= r->o->nodes && !jr_stopped(r); id++) {
		enum jr_role role = jr_member_role(r, id, jr_now_ns() + 30 * (int64_t)1000000000);

		if (role == JR_ROLE_VOTER)
			continue;
		if (role == JR_ROLE_UNKNOWN) {
			jr_add(what, len, "membership unknown: no leader answered RD.MEMBER LIST");
			return -1;
		}
		rv |= jr_member_rejoin(r, id, what, len);
	}
	return rv;
}
