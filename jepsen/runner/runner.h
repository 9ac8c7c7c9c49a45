/* runner.h - jepsen-runner: one fault-test run against a fresh raftd cluster.
 *
 * The runner lives inside the harness's control network namespace, which
 * jepsen/run has created together with one namespace per node, all joined
 * to a bridge (jepsen/netns.sh). It
 *   1. starts raftd in every node namespace (node.c) and waits for a leader;
 *   2. runs client threads (worker.c), each with its own libraftd handle,
 *      that perform a workload's operations (wl_*.c) and record every
 *      invocation and completion in history.jsonl (hist.c);
 *   3. meanwhile injects faults on a schedule (nemesis.c): partitions as
 *      iptables rules inside node namespaces (net.c), kill -9 and restart,
 *      SIGSTOP/SIGCONT, membership changes (member.c: remove a node, wipe
 *      it, add it back as a new member);
 *   4. at the time limit stops the clients, heals everything, waits for the
 *      cluster to recover, performs final reads, and compares the
 *      replicas' state digests (replicas.c).
 * Checking is a separate program (jepsen-check), so that a stored history
 * can be checked again.
 *
 * Threads: the main thread owns the nodes and the nemesis; workers only
 * talk to the cluster through libraftd and append to the history, which
 * has its own lock.
 */
#ifndef JEPSEN_RUNNER_H
#define JEPSEN_RUNNER_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/buf.h"
#include "raftd/client.h"

#define JR_MAX_NODES 9
#define JR_MAX_FLAGS 32
#define JR_PATH 1024

/* Fault kinds; --nemesis takes these names or their categories. */
enum jr_fault_kind {
	JR_PART_HALVES,   /* two random halves */
	JR_PART_ONE,      /* one random node isolated */
	JR_PART_LEADER,   /* the leader isolated */
	JR_PART_RING,     /* every node sees a majority, no two the same one */
	JR_PART_BRIDGE,   /* two halves joined only through one node */
	JR_KILL_ONE,      /* kill -9 of one node, restarted on its data later */
	JR_KILL_MINORITY,
	JR_KILL_LEADER,
	JR_KILL_ALL,
	JR_PAUSE_ONE,     /* SIGSTOP, SIGCONT later */
	JR_PAUSE_LEADER,
	JR_MEMBER_ONE,    /* remove a random node, wipe it, add it back */
	JR_MEMBER_LEADER, /* the same with the leader (it hands over first) */
	JR_FAULT_KINDS
};

struct jr_opts {
	int nodes;
	char workload[16];
	unsigned faults;            /* bit per enum jr_fault_kind */
	int snapshot_churn;         /* run nodes with a tiny snapshot threshold */
	double time_limit;          /* seconds of client operations */
	double interval;            /* mean seconds of a fault, and between faults */
	double recovery;            /* seconds between healing and final reads */
	int concurrency;            /* client threads */
	int threads_per_key;
	int ops_per_key;            /* operations on a key before moving on */
	double rate;                /* operations per second, all threads */
	unsigned op_timeout_ms;
	int sessions;               /* append: issue appends in exactly-once sessions */
	double lose_replies;        /* append with sessions: probability of treating
				       an append's reply as lost and retrying it */
	int stale_reads;            /* register: read with RDC_STALE (known bad) */
	int fresh_clients;          /* a new connection for every operation */
	const char *dir;            /* run directory to write */
	const char *raftd;          /* daemon binary */
	const char *flags[JR_MAX_FLAGS]; /* extra daemon flags */
	int nflags;
	uint64_t seed;
	char ns_prefix[24];         /* namespace names: <prefix>-n<i> */
	char net_prefix[16];        /* node i has address <net_prefix>.<i> */
};

/* Parse argv into o (defaults for what is not given). Returns 0, or -1
 * after printing a message to stderr. */
int jr_opts_parse(int argc, char **argv, struct jr_opts *o);
/* Write o as test.json in o->dir. Returns 0 or -1. */
int jr_opts_write(const struct jr_opts *o, const char *path);
const char *jr_fault_name(enum jr_fault_kind k);

/* ---- the history file ---------------------------------------------------- */

struct jr_hist {
	FILE *f, *details;
	pthread_mutex_t mu;
	int64_t t0;     /* CLOCK_MONOTONIC ns at the start */
	int64_t last;   /* last time written: times strictly increase */
	size_t lines;
	int failed;     /* a write failed: the run cannot be trusted */
};

#define JR_NEMESIS (-1)

int jr_hist_open(struct jr_hist *h, const char *dir);
int jr_hist_close(struct jr_hist *h);
/* Append one event. value is JSON text ("null" when NULL); error, when not
 * NULL, goes to details.jsonl beside the line. Thread-safe. */
void jr_hist_write(struct jr_hist *h, int64_t process, const char *type, const char *f,
		   int has_key, int64_t key, const char *value, const char *error);

/* ---- nodes ----------------------------------------------------------------- */

struct jr_node {
	int id;
	char ip[32];
	pid_t pid;       /* 0 when not running */
	int paused;
	int join;        /* start with --join: wiped once, never bootstrap again */
	int fresh;       /* wiped, not yet back in the configuration */
	char dir[JR_PATH];
};

struct jr_crash {
	int id;
	int status;      /* as from waitpid */
	int64_t when_ns;
};

struct jr_cluster {
	const struct jr_opts *o;
	struct jr_hist *h;
	struct jr_node n[JR_MAX_NODES + 1];  /* 1-based */
	struct jr_crash crashes[64];
	int ncrashes;
};

#define JR_CLIENT_PORT 7001
#define JR_RAFT_PORT 7101

int jr_cluster_init(struct jr_cluster *c, const struct jr_opts *o, struct jr_hist *h);
int jr_node_start(struct jr_cluster *c, int id);
/* SIGKILL and reap. */
void jr_node_kill(struct jr_cluster *c, int id);
/* SIGTERM (after SIGCONT), SIGKILL if it is still running after grace_s;
 * reaped either way. */
void jr_node_stop(struct jr_cluster *c, int id, double grace_s);
/* The value of field in node n's RD.NODEINFO ("state", "applied_index"...)
 * into out. 0, or -1 when the node does not answer or lacks the field. */
int jr_node_info(const struct jr_node *n, const char *field, char *out, size_t len);
void jr_node_pause(struct jr_cluster *c, int id);
void jr_node_resume(struct jr_cluster *c, int id);
/* SIGTERM (then SIGKILL after a grace period) every node, and reap. */
void jr_cluster_stop(struct jr_cluster *c);
/* Notice nodes that exited on their own; each is recorded as a crash (in
 * the history too) and marked down. */
void jr_cluster_reap(struct jr_cluster *c);
/* The id of the node that says it leads in the highest term, or 0. Asks
 * every running, unpaused node. */
int jr_cluster_leader(struct jr_cluster *c);
/* Wait up to timeout_s for a leader; returns its id or 0. */
int jr_cluster_wait_leader(struct jr_cluster *c, double timeout_s);
/* "ip:port,ip:port,..." of every node's client port, starting at node
 * first (so clients spread over the nodes). */
void jr_cluster_endpoints(const struct jr_cluster *c, int first, char *out, size_t len);

/* Run argv inside node id's network namespace, with stdin_text on its
 * standard input (may be NULL). Returns the exit status, or -1. */
int jr_ns_run(const struct jr_opts *o, int id, char *const argv[], const char *stdin_text);
/* The path of node id's namespace handle (/run/netns/<prefix>-n<id>). */
void jr_ns_path(const struct jr_opts *o, int id, char *out, size_t len);
/* Enter the namespace at path. Only async-signal-safe calls: for a child
 * between fork and exec (everything it needs is prepared before fork). */
int jr_ns_enter(const char *path);

/* ---- raw RESP for the harness's own questions ------------------------------ */

/* One reply's worth of what the harness asks nodes (RD.NODEINFO, RD.DIGEST,
 * probes). Returns 0 with out holding the reply rendered as text (errors as
 * "-ERR ...", integers as ":n", bulk strings raw, arrays flattened with
 * '\n' between elements), or -1 on a connection error or timeout. */
int jr_resp_call(const char *ip, int port, int timeout_ms, int argc, const char **argv,
		 char *out, size_t outlen);

/* ---- partitions ------------------------------------------------------------ */

/* Partition plans (grudge.c) over the nodes ids[0..n) in a random order:
 * drop[i] (1-based, zeroed by the caller) receives the set of node ids, as
 * bits, whose packets node i drops. halves: ids[0..n/2) against the rest;
 * isolate: ids[0] alone; bridge: ids[0..(n-1)/2) against
 * ids[(n-1)/2+1..n), with ids[(n-1)/2] hearing both; ring: each node hears
 * its neighbours within (n/2+1)/2 on the ring, a majority with itself. */
void jr_plan_halves(const int *ids, int n, unsigned *drop);
void jr_plan_isolate(const int *ids, int n, unsigned *drop);
void jr_plan_bridge(const int *ids, int n, unsigned *drop);
void jr_plan_ring(const int *ids, int n, unsigned *drop);

/* drop[i] (1-based) is the set of node ids, as bits, whose packets node i
 * drops. Replaces every node's rules. Returns 0 or -1. */
int jr_net_apply(struct jr_cluster *c, const unsigned drop[JR_MAX_NODES + 1]);
int jr_net_heal(struct jr_cluster *c);

/* ---- the run --------------------------------------------------------------- */

struct jr_run;

enum jr_outcome { JR_OK, JR_FAIL, JR_INFO };

struct jr_worker {
	struct jr_run *run;
	int id;
	int64_t process;
	rdc_client *c;
	unsigned gen;        /* bumped by every new connection */
	char endpoints[JR_MAX_NODES * 24];
	uint64_t rng;
	pthread_t thread;
	void *wl;            /* the workload's per-worker state */
};

struct jr_workload {
	const char *name;
	/* 0 when the cluster supports the workload, else 1 with the reason. */
	int (*probe)(struct jr_run *r, char *why, size_t len);
	int (*init)(struct jr_run *r);
	/* One operation, recorded through jr_invoke / jr_complete. */
	void (*op)(struct jr_worker *w);
	/* Final reads after healing, by w (a fresh process). 0, or -1 when some
	 * key could not be read before the deadline. */
	int (*final)(struct jr_worker *w);
	void (*destroy)(struct jr_run *r);
};

extern const struct jr_workload jr_wl_register, jr_wl_set, jr_wl_append, jr_wl_lock;

/* Lists of unique integers as appended bytes (lists.c). The key on the
 * server is "<prefix>/<key>"; both calls record their operation. A list
 * value that does not parse shows -1 where it breaks, which no append
 * carries (the checkers report it). */
void jr_list_parse(struct buf *b, const char *s, size_t len);
void jr_list_append(struct jr_worker *w, const char *prefix, int64_t key, int64_t e,
		    const struct rdc_write_opts *opts);
enum jr_outcome jr_list_read(struct jr_worker *w, const char *prefix, int64_t key);

/* Final reads: read(w, key) for every key, each retried until ok or the
 * final phase's minute is up. 0 when all were read. */
int jr_read_each(struct jr_worker *w, const int64_t *keys, size_t n,
		 enum jr_outcome (*read)(struct jr_worker *w, int64_t key));

/* 1 when the nodes answer cmd (sent without arguments) with "unknown
 * command": this raftd does not have it. */
int jr_command_unknown(struct jr_run *r, const char *cmd);

/* Keys shared by groups of workers (keys.c). */
struct jr_key_group {
	int64_t key;   /* -1 before the first */
	int used;      /* operations issued on it */
};

struct jr_keys {
	pthread_mutex_t mu;
	struct jr_key_group *groups;
	int ngroups, tpk, per_key;
	int64_t next;
	int64_t *used;  /* every key handed out, in order */
	size_t nused, cap;
};

int jr_keys_init(struct jr_keys *k, const struct jr_opts *o);
void jr_keys_destroy(struct jr_keys *k);
/* The key worker should use for its next operation. */
int64_t jr_keys_next(struct jr_keys *k, int worker);

struct jr_run {
	const struct jr_opts *o;
	struct jr_hist *h;
	struct jr_cluster *c;
	const struct jr_workload *wl;
	void *wl_state;
	atomic_int stop;
	atomic_int interrupted;
};

/* Open w's client on its endpoints (process ids are kept). 0 or -1. */
int jr_worker_connect(struct jr_worker *w);
/* Record an invocation by w. */
void jr_invoke(struct jr_worker *w, const char *f, int has_key, int64_t key,
	       const char *value);
/* Record w's completion. type JR_INFO also moves w to a new process with a
 * new connection, as a Jepsen client does. err may be NULL. */
void jr_complete(struct jr_worker *w, enum jr_outcome type, const char *f, int has_key,
		 int64_t key, const char *value, const char *err);
/* How a libraftd status maps onto an outcome. */
enum jr_outcome jr_outcome_of(int status, int is_write);
uint64_t jr_rand(struct jr_worker *w);
/* Sleep as Jepsen's stagger does: uniform in [0, 2 * concurrency / rate). */
void jr_stagger(struct jr_worker *w);
int64_t jr_now_ns(void);
/* For final reads: pause briefly and return 1 while deadline has not
 * passed and the run was not interrupted, else 0. */
int jr_retry(struct jr_worker *w, int64_t deadline);
void jr_sleep(double seconds);

/* ---- nemesis ---------------------------------------------------------------- */

/* Inject faults until the time limit (or an interrupt), then heal all. */
void jr_nemesis_run(struct jr_run *r, int64_t until_ns);
void jr_nemesis_heal_all(struct jr_run *r);
/* One nemesis event: f (e.g. "member-add"), type "invoke" or "info", what
 * a string for the value, or NULL for null. */
void jr_nemesis_event(struct jr_run *r, const char *f, const char *type, const char *what);

/* ---- membership (member.c) ---------------------------------------------------- */

/* A node's place in the configuration, as RD.MEMBER LIST says. */
enum jr_role { JR_ROLE_UNKNOWN = -1, JR_ROLE_NONE, JR_ROLE_SPARE, JR_ROLE_STANDBY, JR_ROLE_VOTER };

/* Node id's role in an RD.MEMBER LIST reply as jr_resp_call renders it
 * (member_list.c): JR_ROLE_NONE only when the whole reply was understood
 * and id is not in it; JR_ROLE_UNKNOWN for an error reply or anything
 * malformed or cut short. */
enum jr_role jr_member_list_role(const char *text, int id);

/* Remove node id from the configuration through the leader (the leader
 * hands over first when it is the one), then stop it, wipe its data and
 * mark it to start in --join mode. A summary is appended to what. 0, or -1
 * when it could not be removed (it is then left running, untouched) or
 * wiped. */
int jr_member_remove(struct jr_run *r, int id, char *what, size_t len);
/* Bring node id back as a voter from wherever it stands: out of the
 * configuration (wiped first if it still has data, started empty with
 * --join, RD.MEMBER ADD), a standby (wait until it has caught up, PROMOTE).
 * 0 once it is a voter, -1 when that did not happen in time. */
int jr_member_rejoin(struct jr_run *r, int id, char *what, size_t len);
/* jr_member_rejoin for every node that is not a voter. 0 when all are. */
int jr_member_heal(struct jr_run *r, char *what, size_t len);

/* ---- convergence -------------------------------------------------------------- */

/* Poll RD.DIGEST on every node until all agree or timeout_s passes; write
 * the outcome (and the crashes seen) to path as replicas.json. 0 or -1. */
int jr_replicas_check(struct jr_cluster *c, double timeout_s, const char *path);

/* printf to stderr with the time since start, for runner.log */
void jr_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
