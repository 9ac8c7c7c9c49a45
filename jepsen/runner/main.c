/* main.c - jepsen-runner: start the cluster, run clients and nemesis, heal,
 * read finally, compare replicas, stop. See runner.h for the whole picture
 * and jepsen/README.md for how to use it (through jepsen/run).
 *
 * Exit status: 0 the run completed and its history is written; 77 the
 * workload needs a command this raftd does not have (nothing was run);
 * 130 interrupted (the history so far is kept); 3 the harness could not
 * do its job (no leader at the start, cannot write files...).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jepsen/runner/runner.h"

#define JR_EXIT_HARNESS 3
#define JR_EXIT_SKIP 77
#define JR_EXIT_INTERRUPTED 130

static struct jr_run *jr_current;

static void jr_on_signal(int sig)
{
	if (jr_current != NULL) {
		atomic_store(&jr_current->interrupted, 1);
		atomic_store(&jr_current->stop, 1);
	}
}

static const struct jr_workload *jr_workload_named(const char *name)
{
	if (strcmp(name, "set") == 0)
		return &jr_wl_set;
	if (strcmp(name, "append") == 0)
		return &jr_wl_append;
	if (strcmp(name, "lock") == 0)
		return &jr_wl_lock;
	return &jr_wl_register;
}

static void *jr_worker_main(void *arg)
{
	struct jr_worker *w = arg;

	while (!atomic_load(&w->run->stop)) {
		if (w->run->o->fresh_clients)
			jr_worker_connect(w);
		w->run->wl->op(w);
		jr_stagger(w);
	}
	return NULL;
}

static void jr_worker_setup(struct jr_run *r, struct jr_worker *w, int id, int64_t process)
{
	memset(w, 0, sizeof *w);
	w->run = r;
	w->id = id;
	w->process = process;
	w->rng = (r->o->seed + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)(id + 1) * 0xBF58476D1CE4E5B9ull;
	if (w->rng == 0)
		w->rng = 1;
	jr_cluster_endpoints(r->c, 1 + id % r->o->nodes, w->endpoints, sizeof w->endpoints);
	jr_worker_connect(w);
}

static void jr_worker_teardown(struct jr_worker *w)
{
	rdc_close(w->c); /* frees sessions opened on it */
	w->c = NULL;
	free(w->wl);
	w->wl = NULL;
}

/* Clients and nemesis for the time limit; then the clients stop. */
static int jr_run_phase(struct jr_run *r, struct jr_worker *ws)
{
	int64_t until = jr_now_ns() + (int64_t)(r->o->time_limit * 1e9);
	int started = 0, rv = 0;

	for (int k = 0; k < r->o->concurrency; k++) {
		jr_worker_setup(r, &ws[k], k, k);
		if (pthread_create(&ws[k].thread, NULL, jr_worker_main, &ws[k]) != 0) {
			jr_log("cannot start client thread %d", k);
			rv = -1;
			break;
		}
		started++;
	}
	jr_log("%d clients running %s for %.0f s", started, r->wl->name, r->o->time_limit);
	if (rv == 0)
		jr_nemesis_run(r, until);
	atomic_store(&r->stop, 1);
	for (int k = 0; k < started; k++)
		pthread_join(ws[k].thread, NULL);
	jr_log("clients stopped");
	return rv;
}

/* Heal, let the cluster recover, read finally with a fresh process. */
static void jr_final_phase(struct jr_run *r, struct jr_worker *ws)
{
	struct jr_worker fin;
	int64_t next = 0;

	jr_nemesis_heal_all(r);
	if (jr_cluster_wait_leader(r->c, 30) == 0)
		jr_log("no leader within 30 s of healing; final reads will likely fail");
	jr_sleep(r->o->recovery);
	for (int k = 0; k < r->o->concurrency; k++)
		if (ws[k].process >= next)
			next = ws[k].process + 1;
	jr_worker_setup(r, &fin, r->o->concurrency, next);
	jr_log("final reads as process %lld", (long long)next);
	if (r->wl->final(&fin) != 0)
		jr_log("some final reads failed: the checkers will say what they could not judge");
	jr_worker_teardown(&fin);
}

/* Start every node and wait for a leader. */
static int jr_boot(struct jr_cluster *c)
{
	int leader;

	for (int i = 1; i <= c->o->nodes; i++)
		if (jr_node_start(c, i) != 0)
			return -1;
	leader = jr_cluster_wait_leader(c, 30);
	if (leader == 0) {
		jr_log("no leader elected within 30 s; see %s/n*/raftd.log", c->o->dir);
		return -1;
	}
	jr_log("cluster of %d up, leader n%d", c->o->nodes, leader);
	return 0;
}

/* The membership nemesis needs RD.MEMBER: without it, those faults are
 * left out (and test.json says so). */
static void jr_drop_unsupported(struct jr_run *r, struct jr_opts *o)
{
	const unsigned member = 1u << JR_MEMBER_ONE | 1u << JR_MEMBER_LEADER;
	char path[JR_PATH + 32];

	if (!(o->faults & member) || !jr_command_unknown(r, "RD.MEMBER"))
		return;
	o->faults &= ~member;
	jr_log("this raftd has no RD.MEMBER: the membership nemesis is left out");
	snprintf(path, sizeof path, "%s/test.json", o->dir);
	if (jr_opts_write(o, path) != 0)
		jr_log("cannot rewrite %s", path);
}

static int jr_execute(struct jr_run *r)
{
	struct jr_worker *ws = calloc((size_t)r->o->concurrency, sizeof *ws);
	char why[256], path[JR_PATH + 32];
	int code = 0;

	if (ws == NULL)
		return JR_EXIT_HARNESS;
	if (r->wl->probe(r, why, sizeof why) != 0) {
		printf("SKIP: workload %s: %s\n", r->wl->name, why);
		fflush(stdout);
		free(ws);
		return JR_EXIT_SKIP;
	}
	if (r->wl->init(r) != 0) {
		free(ws);
		return JR_EXIT_HARNESS;
	}
	if (jr_run_phase(r, ws) != 0)
		code = JR_EXIT_HARNESS;
	if (!atomic_load(&r->interrupted))
		jr_final_phase(r, ws);
	else
		jr_nemesis_heal_all(r);
	snprintf(path, sizeof path, "%s/replicas.json", r->o->dir);
	if (!atomic_load(&r->interrupted) && jr_replicas_check(r->c, 60, path) != 0)
		code = JR_EXIT_HARNESS;
	for (int k = 0; k < r->o->concurrency; k++)
		jr_worker_teardown(&ws[k]);
	r->wl->destroy(r);
	free(ws);
	return atomic_load(&r->interrupted) ? JR_EXIT_INTERRUPTED : code;
}

static void jr_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = jr_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	static struct jr_opts o;
	static struct jr_hist h;
	static struct jr_cluster c;
	static struct jr_run r;
	char path[JR_PATH + 32];
	int code;

	if (jr_opts_parse(argc, argv, &o) != 0)
		return JR_EXIT_HARNESS;
	jr_signals();
	snprintf(path, sizeof path, "%s/test.json", o.dir);
	if ((mkdir(o.dir, 0755) != 0 && errno != EEXIST) || jr_opts_write(&o, path) != 0 ||
	    jr_hist_open(&h, o.dir) != 0) {
		fprintf(stderr, "jepsen-runner: cannot write in %s: %s\n", o.dir, strerror(errno));
		return JR_EXIT_HARNESS;
	}
	r.o = &o;
	r.h = &h;
	r.c = &c;
	r.wl = jr_workload_named(o.workload);
	jr_current = &r;
	jr_log("seed %llu", (unsigned long long)o.seed);
	if (jr_cluster_init(&c, &o, &h) != 0 || jr_boot(&c) != 0) {
		code = JR_EXIT_HARNESS;
	} else {
		jr_drop_unsupported(&r, &o);
		code = jr_execute(&r);
	}
	jr_cluster_stop(&c);
	if (jr_hist_close(&h) != 0 && code == 0) {
		jr_log("writing the history failed: the run cannot be checked");
		code = JR_EXIT_HARNESS;
	}
	jr_log("done (exit %d)", code);
	return code;
}
