/* harness.h - deterministic raft_fixture clusters for the consensus tests.
 *
 * Every test in tests/raft/ is built twice from the same source: linked with
 * raftd's patched raft (RAFT_LINK) and with the unpatched Debian archive
 * (RAFT_LINK_UNPATCHED).  The harness is what lets one scenario tell the two
 * apart: it wraps libraft's in-memory fixture (simulated time, one event per
 * step) and, after every step, checks the Raft safety properties that
 * Debian's NDEBUG build of the library no longer asserts:
 *
 *   - Election Safety, over time: one leader per term, ever (the fixture
 *     only compares the leaders alive at the same moment);
 *   - Log Matching: two logs holding an entry with the same index and term
 *     are identical up to that index;
 *   - committed entries are final: once any node has an index committed,
 *     every node that commits that index holds the same entry there, and a
 *     leader of a later term holds it (Leader Completeness);
 *   - State Machine Safety: every node that applies index i applies the
 *     same command, and an applied entry is never truncated away;
 *   - durable votes: a RequestVote advertises only entries on the sender's
 *     disk (checked on the message, through a tap on io->send);
 *   - term, commit index and last applied index never go backwards.
 *
 * Violations are recorded, printed once to stderr as they happen, and
 * reported by rt_violations(); the scenario keeps running, so that a test
 * can show where an unpatched library ends up.
 *
 * The harness drives one cluster at a time (the io taps find it through a
 * static pointer).  The test FSM records every applied command with its
 * index; payloads are short strings in 16-byte buffers (a multiple of 8, as
 * raft's disk format needs).
 */
#ifndef RAFTD_TESTS_RAFT_HARNESS_H
#define RAFTD_TESTS_RAFT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include <raft.h>
#include <raft/fixture.h>

#define RT_PAYLOAD_SIZE 16 /* bytes per command; text up to 15 chars */
#define RT_NEVER 100000000u /* an election timeout that never expires */

/* One command the test FSM applied. */
struct rt_applied {
	raft_index index;
	char text[RT_PAYLOAD_SIZE];
};

/* The first command applied at an index, and by which node. */
struct rt_first_apply {
	bool seen;
	unsigned node;
	char text[RT_PAYLOAD_SIZE];
};

/* Pending disk write seen by the append tap. */
struct rt_pending_append {
	struct raft_io_append *req;
	raft_io_append_cb cb;
};

#define RT_MAX_PENDING 256

struct rt_cluster;

/* Per-node state: test FSM, io taps, last values seen by the checker. */
struct rt_node {
	struct rt_cluster *cluster;
	unsigned i;
	struct raft_fsm fsm;
	struct rt_applied *applied; /* in index order */
	unsigned n_applied;
	unsigned cap_applied;

	int (*orig_append)(struct raft_io *io,
			   struct raft_io_append *req,
			   const struct raft_entry entries[],
			   unsigned n,
			   raft_io_append_cb cb);
	int (*orig_send)(struct raft_io *io,
			 struct raft_io_send *req,
			 const struct raft_message *message,
			 raft_io_send_cb cb);
	struct rt_pending_append pending[RT_MAX_PENDING];
	unsigned n_pending;
	unsigned fail_appends; /* report the next n completed writes failed */

	raft_term seen_term;
	raft_index seen_commit;
	raft_index seen_applied;
};

/* An entry the checker saw committed somewhere. */
struct rt_committed {
	bool known;
	raft_term term;       /* entry term */
	raft_term seen_in;    /* term of the node that first had it committed */
	unsigned short type;
	size_t len;
	void *data;
};

#define RT_MAX_VIOLATIONS 64
#define RT_MAX_TERMS 4096

struct rt_cluster {
	struct raft_fixture f; /* first: the fixture hook gets &f */
	unsigned n;
	struct rt_node nodes[RAFT_FIXTURE_MAX_SERVERS];

	struct rt_committed *committed; /* by index; [0] unused */
	raft_index n_committed;         /* highest index recorded */
	raft_index cap_committed;
	struct rt_first_apply *first_applied; /* by index */
	raft_index cap_first_applied;
	raft_id leader_of_term[RT_MAX_TERMS];

	char *violations[RT_MAX_VIOLATIONS];
	unsigned n_violations;
};

/* cmocka-style setup and teardown: rt_setup allocates a cluster into
 * *state (for rt_cluster_init); rt_teardown closes it if it was
 * initialized, even after a failed assertion, and frees it.  Both return 0
 * or -1. */
int rt_setup(void **state);
int rt_teardown(void **state);

/* Set up c as n (1..8) bootstrapped voters, started, all followers in term
 * 1 with the configuration entry at index 1, checker installed.  The
 * caller owns c and must call rt_cluster_close.  Returns 0 or a raft error
 * code. */
int rt_cluster_init(struct rt_cluster *c, unsigned n);

/* Like rt_cluster_init, but only the first n_voters servers are in the
 * bootstrap configuration; the others start with an empty log, to be
 * added with raft_add. */
int rt_cluster_init_partial(struct rt_cluster *c, unsigned n,
			    unsigned n_voters);

/* Turn pre-vote on for every node, as raftd runs them (raftd/node.c). */
void rt_pre_vote(struct rt_cluster *c);

/* Close the fixture and free everything rt_cluster_init allocated. */
void rt_cluster_close(struct rt_cluster *c);

/* The raft instance of node i. */
struct raft *rt_raft(struct rt_cluster *c, unsigned i);

/* Number of safety violations recorded so far; prints them all to stderr
 * when there are any, under the given scenario title. */
unsigned rt_violations(struct rt_cluster *c, const char *title);

/* One fixture step (the checker runs after it). */
void rt_step(struct rt_cluster *c);

/* Step until pred returns true or max_ms of simulated time pass; returns
 * whether pred became true. */
bool rt_step_until(struct rt_cluster *c,
		   bool (*pred)(struct rt_cluster *c, void *arg),
		   void *arg,
		   unsigned max_ms);

/* Step for ms of simulated time. */
void rt_step_for(struct rt_cluster *c, unsigned ms);

/* Keep node i from starting elections until rt_release or rt_elect. */
void rt_hold(struct rt_cluster *c, unsigned i);

/* Let node i start elections again with the given randomized timeout. */
void rt_release(struct rt_cluster *c, unsigned i, unsigned timeout_ms);

/* Hold every other node (and make it forget its leader, as if its timeout
 * had passed), make node i's election timer expire at once and
 * step until i is the fixture's stable leader (retrying the election if it
 * splits).  Returns whether i won within 10 s of simulated time. */
bool rt_elect(struct rt_cluster *c, unsigned i);

/* Make follower i forget its leader, as if its election timeout had passed
 * without news from it (a 0.15 follower refuses all votes until then). */
void rt_forget_leader(struct rt_cluster *c, unsigned i);

/* The fixture's stable leader, or c->n if there is none. */
unsigned rt_leader(struct rt_cluster *c);

/* Drop messages from node a to node b / let them through again. */
void rt_cut(struct rt_cluster *c, unsigned a, unsigned b);
void rt_heal(struct rt_cluster *c, unsigned a, unsigned b);

/* Drop all messages to and from node i / let them through again.  Unlike
 * raft_fixture_kill the node keeps ticking, so a leader steps down. */
void rt_isolate(struct rt_cluster *c, unsigned i);
void rt_rejoin(struct rt_cluster *c, unsigned i);

/* Submit text (at most 15 chars) as one command on node i.  Returns the
 * command's log index, or 0 if raft_apply refused it (*rv gets its return
 * code when rv is not NULL). */
raft_index rt_apply(struct rt_cluster *c, unsigned i, const char *text,
		    int *rv);

/* Submit a barrier on node i.  Returns its log index, or 0 if raft_barrier
 * refused it. */
raft_index rt_barrier(struct rt_cluster *c, unsigned i);

/* What node i applied at index, or NULL if it did not apply a command
 * there. */
const char *rt_applied_at(struct rt_cluster *c, unsigned i, raft_index index);

/* Whether node i has stored (written to its disk) the entry at index with
 * the given term. */
bool rt_stored(struct rt_cluster *c, unsigned i, raft_index index,
	       raft_term term);

/* Step until node i has stored the entry at index with the given term. */
bool rt_step_until_stored(struct rt_cluster *c, unsigned i, raft_index index,
			  raft_term term, unsigned max_ms);

/* Step until node i's state is state. */
bool rt_step_until_state(struct rt_cluster *c, unsigned i, int state,
			 unsigned max_ms);

/* Step until node i's commit index reaches index. */
bool rt_step_until_committed(struct rt_cluster *c, unsigned i,
			     raft_index index, unsigned max_ms);

/* Report the next n disk writes of node i that complete as failed
 * (RAFT_IOERR) to raft.  The in-memory "disk" keeps the data, as a real
 * disk may after a failed fsync. */
void rt_fail_appends(struct rt_cluster *c, unsigned i, unsigned n);

#endif /* RAFTD_TESTS_RAFT_HARNESS_H */
