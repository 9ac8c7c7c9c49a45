/* test_apply_length.c - an acknowledged entry survives a restart, whatever
 * its length.
 *
 * Covers raft/fix_apply_length.c.  This one runs raft on its real disk
 * backend (raft_uv in a fresh directory, single voter, a transport that
 * never connects), because the loss happens in the on-disk format, which the
 * in-memory fixture does not have.  The node applies a 13-byte command and a
 * 16-byte one, shuts down cleanly and starts again on the same directory.
 *
 * Raft assumes a server's log survives a restart.  Unpatched 0.15 accepts
 * the 13-byte entry, applies it, reports success, and writes it unpadded;
 * at start-up the segment fails its checksum, auto-recovery sets it aside
 * as corrupt and both acknowledged commands are gone.  With the fix,
 * raft_apply refuses the 13-byte entry up front (RAFT_INVALID) and the
 * acknowledged 16-byte command is there after the restart.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <raft.h>
#include <raft/uv.h>
#include <uv.h>

#define MAX_ENTRIES 8
#define MAX_LEN 32

/* A command as the FSM saw it, or as the test submitted it. */
struct command {
	size_t len;
	unsigned char data[MAX_LEN];
};

struct node {
	uv_loop_t loop;
	struct raft_uv_transport transport;
	struct raft_io io;
	struct raft_fsm fsm;
	struct raft raft;
	uv_timer_t tick;     /* polls the condition run_until waits for */
	uv_timer_t deadline; /* ends run_until when it takes too long */
	struct command applied[MAX_ENTRIES];
	unsigned n_applied;
	bool closed;
};

/* --- the FSM: remembers what it applied ------------------------------ */

static int fsm_apply(struct raft_fsm *fsm, const struct raft_buffer *buf,
		     void **result)
{
	struct node *n = fsm->data;
	struct command *cmd;

	*result = NULL;
	if (n->n_applied == MAX_ENTRIES || buf->len > MAX_LEN)
		return RAFT_TOOBIG;
	cmd = &n->applied[n->n_applied++];
	cmd->len = buf->len;
	memcpy(cmd->data, buf->base, buf->len);
	return 0;
}

/* The snapshot is the array of applied commands, in this process's own
 * struct layout (it never leaves the process). */
static int fsm_snapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[],
			unsigned *n_bufs)
{
	struct node *n = fsm->data;
	size_t len = n->n_applied * sizeof n->applied[0];

	*bufs = raft_malloc(sizeof **bufs);
	if (*bufs == NULL)
		return RAFT_NOMEM;
	(*bufs)[0].len = len;
	(*bufs)[0].base = raft_malloc(len ? len : 1);
	if ((*bufs)[0].base == NULL) {
		raft_free(*bufs);
		return RAFT_NOMEM;
	}
	memcpy((*bufs)[0].base, n->applied, len);
	*n_bufs = 1;
	return 0;
}

static int fsm_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
	struct node *n = fsm->data;
	size_t count = buf->len / sizeof n->applied[0];

	if (buf->len % sizeof n->applied[0] != 0 || count > MAX_ENTRIES) {
		raft_free(buf->base);
		return RAFT_MALFORMED;
	}
	memcpy(n->applied, buf->base, buf->len);
	n->n_applied = (unsigned)count;
	raft_free(buf->base);
	return 0;
}

/* --- a transport for a single voter: nothing to connect to ----------- */

static int transport_init(struct raft_uv_transport *t, raft_id id,
			  const char *address)
{
	(void)t;
	(void)id;
	(void)address;
	return 0;
}

static int transport_listen(struct raft_uv_transport *t, raft_uv_accept_cb cb)
{
	(void)t;
	(void)cb;
	return 0;
}

static int transport_connect(struct raft_uv_transport *t,
			     struct raft_uv_connect *req, raft_id id,
			     const char *address, raft_uv_connect_cb cb)
{
	(void)req;
	(void)id;
	(void)address;
	(void)cb;
	snprintf(t->errmsg, sizeof t->errmsg, "single-voter test: no peers");
	return RAFT_NOCONNECTION;
}

static void transport_close(struct raft_uv_transport *t,
			    raft_uv_transport_close_cb cb)
{
	cb(t);
}

/* --- driving the loop ------------------------------------------------ */

struct wait {
	struct node *n;
	bool (*done)(struct node *n);
	bool met;
};

static void wait_tick(uv_timer_t *timer)
{
	struct wait *w = timer->data;

	if (w->done(w->n)) {
		w->met = true;
		uv_stop(timer->loop);
	}
}

static void wait_expired(uv_timer_t *timer)
{
	uv_stop(timer->loop);
}

/* Run the loop until done(n) or max_ms pass; returns whether done. */
static bool run_until(struct node *n, bool (*done)(struct node *n),
		      unsigned max_ms)
{
	struct wait w = {n, done, false};

	if (done(n))
		return true;
	n->tick.data = &w;
	uv_timer_start(&n->tick, wait_tick, 5, 5);
	uv_timer_start(&n->deadline, wait_expired, max_ms, 0);
	uv_run(&n->loop, UV_RUN_DEFAULT);
	uv_timer_stop(&n->tick);
	uv_timer_stop(&n->deadline);
	return w.met;
}

static bool is_leader_caught_up(struct node *n)
{
	return raft_state(&n->raft) == RAFT_LEADER &&
	       raft_last_applied(&n->raft) == raft_last_index(&n->raft);
}

static bool is_closed(struct node *n)
{
	return n->closed;
}

/* --- start and stop --------------------------------------------------- */

static int node_start(struct node *n, const char *dir, bool bootstrap)
{
	struct raft_configuration conf;
	int rv;

	memset(n, 0, sizeof *n);
	n->fsm.version = 1;
	n->fsm.data = n;
	n->fsm.apply = fsm_apply;
	n->fsm.snapshot = fsm_snapshot;
	n->fsm.restore = fsm_restore;
	n->transport.init = transport_init;
	n->transport.listen = transport_listen;
	n->transport.connect = transport_connect;
	n->transport.close = transport_close;
	if ((rv = uv_loop_init(&n->loop)) != 0)
		return rv;
	uv_timer_init(&n->loop, &n->tick);
	uv_timer_init(&n->loop, &n->deadline);
	if ((rv = raft_uv_init(&n->io, &n->loop, dir, &n->transport)) != 0 ||
	    (rv = raft_init(&n->raft, &n->io, &n->fsm, 1, "1")) != 0)
		return rv;
	if (bootstrap) {
		raft_configuration_init(&conf);
		rv = raft_configuration_add(&conf, 1, "1", RAFT_VOTER);
		if (rv == 0)
			rv = raft_bootstrap(&n->raft, &conf);
		raft_configuration_close(&conf);
		if (rv != 0)
			return rv;
	}
	rv = raft_start(&n->raft);
	if (rv != 0)
		return rv;
	return run_until(n, is_leader_caught_up, 5000) ? 0 : RAFT_NOTLEADER;
}

static void closed_cb(struct raft *r)
{
	struct node *n = r->data;

	raft_uv_close(&n->io);
	n->closed = true;
}

static void node_stop(struct node *n)
{
	n->raft.data = n;
	raft_close(&n->raft, closed_cb);
	assert_true(run_until(n, is_closed, 5000));
	uv_close((uv_handle_t *)&n->tick, NULL);
	uv_close((uv_handle_t *)&n->deadline, NULL);
	uv_run(&n->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&n->loop), 0);
}

/* --- the test ----------------------------------------------------------- */

struct submit {
	struct raft_apply req;
	struct command cmd;
	bool done;
	int status;
};

static void submit_done(struct raft_apply *req, int status, void *result)
{
	struct submit *s = (struct submit *)req;

	(void)result;
	s->done = true;
	s->status = status;
}

/* Submit cmd; returns raft_apply's code (0: the callback will report). */
static int submit(struct node *n, struct submit *s, const char *text,
		  size_t len)
{
	struct raft_buffer buf;
	int rv;

	memset(s, 0, sizeof *s);
	s->cmd.len = len;
	memcpy(s->cmd.data, text, len);
	buf.len = len;
	buf.base = raft_malloc(len);
	if (buf.base == NULL)
		return RAFT_NOMEM;
	memcpy(buf.base, text, len);
	rv = raft_apply(&n->raft, &s->req, &buf, 1, submit_done);
	if (rv != 0)
		raft_free(buf.base);
	return rv;
}

static struct submit *pending_submit;

static bool submit_finished(struct node *n)
{
	(void)n;
	return pending_submit->done;
}

static bool has_applied(struct node *n, const struct command *cmd)
{
	for (unsigned k = 0; k < n->n_applied; k++)
		if (n->applied[k].len == cmd->len &&
		    memcmp(n->applied[k].data, cmd->data, cmd->len) == 0)
			return true;
	return false;
}

static void acknowledged_entries_survive_restart(void **state)
{
	const char *dir = *state;
	struct node *n = calloc(1, sizeof *n);
	struct submit *subs = calloc(2, sizeof *subs);
	const char *texts[] = {"thirteen byte", "sixteen bytes..."};
	const size_t lens[] = {13, 16};
	unsigned lost = 0;

	assert_non_null(n);
	assert_non_null(subs);
	assert_int_equal(node_start(n, dir, true), 0);
	for (unsigned k = 0; k < 2; k++) {
		int rv = submit(n, &subs[k], texts[k], lens[k]);

		if (rv != 0) {
			/* Refusing is fine: nothing was acknowledged. */
			assert_int_equal(rv, RAFT_INVALID);
			continue;
		}
		pending_submit = &subs[k];
		assert_true(run_until(n, submit_finished, 5000));
	}
	/* The 16-byte command must go through either way. */
	assert_true(subs[1].done);
	assert_int_equal(subs[1].status, 0);
	node_stop(n);

	assert_int_equal(node_start(n, dir, false), 0);
	for (unsigned k = 0; k < 2; k++) {
		if (!subs[k].done || subs[k].status != 0 ||
		    has_applied(n, &subs[k].cmd))
			continue;
		fprintf(stderr, "acknowledged '%s' (%zu bytes) is gone after the restart\n",
			texts[k], lens[k]);
		lost++;
	}
	node_stop(n);
	free(subs);
	free(n);
	assert_int_equal(lost, 0);
}

/* Each run gets a fresh data directory under the current one. */
static int make_dir(void **state)
{
	static char dir[] = "raftd-apply-length-XXXXXX";

	strcpy(dir, "raftd-apply-length-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int remove_dir(void **state)
{
	return nftw(*state, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(acknowledged_entries_survive_restart,
						make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
