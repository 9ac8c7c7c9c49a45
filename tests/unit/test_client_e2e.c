/* test_client_e2e.c - libraftd's sessions, locks and read modes against a
 * real three-node raftd cluster.
 *
 * The cluster is started once, by scripts/raftd-cluster, on free ports in a
 * temp directory, with the raftd of this build. A watchdog shell stops it
 * and removes the directory when this process ends, however it ends (a
 * failed assertion or a sanitizer abort included). KEEP=1 keeps the
 * directory and prints where it is.
 *
 * What is checked is what a user of sessions relies on, with the real
 * server's answers: a sequenced increment retried across a leader kill is
 * applied once and every caller gets the result of its own single
 * application; a repeated sequence number returns the first result, also
 * from a new leader; an expired session is told so and nothing is applied;
 * a paused lock holder's fenced write is refused once another holder has
 * the lock; session reads from any node always include the client's own
 * writes.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "raftd/client.h"

#ifndef TOP_SRCDIR
#error "TOP_SRCDIR and TOP_BUILDDIR come from tests/unit/client.mk"
#endif

#define SESSION_MS 1000 /* the shortest timeout the server accepts */

static char g_dir[64];
static char g_endpoints[128];
static int g_base;

/* ---- the cluster --------------------------------------------------------- */

/* Run "raftd-cluster ARGS" for our cluster; its exit status. */
static int cluster(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int cluster(const char *fmt, ...)
{
	char args[256], cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd),
		 "RAFTD=%s/raftd/raftd RAFTD_CLUSTER_DIR=%s/cluster %s/scripts/raftd-cluster %s",
		 TOP_BUILDDIR, g_dir, TOP_SRCDIR, args);
	rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* The id of the leader, once one is elected (fails the test otherwise). */
static int leader(void)
{
	char cmd[1024];
	FILE *p;
	int id = 0;

	snprintf(cmd, sizeof(cmd),
		 "RAFTD_CLUSTER_DIR=%s/cluster %s/scripts/raftd-cluster wait-leader --timeout 20",
		 g_dir, TOP_SRCDIR);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fscanf(p, "%d", &id) != 1)
		id = 0;
	pclose(p);
	assert_true(id >= 1 && id <= 3);
	return id;
}

static bool port_free(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* A base port whose client (base+i) and raft (base+100+i) ports are free,
 * below the kernel's ephemeral range and apart from tests/e2e/lib.sh's. */
static int pick_base(void)
{
	srand((unsigned)getpid());
	for (int tries = 0; tries < 100; tries++) {
		int base = 22000 + (rand() % 50) * 200;
		bool ok = true;

		for (int i = 1; i <= 3 && ok; i++)
			ok = port_free(base + i) && port_free(base + 100 + i);
		if (ok)
			return base;
	}
	return -1;
}

/* Stop the cluster and remove its directory once this process is gone. In
 * the watchdog's sh, $0 is the directory and $1 the cluster script. */
static void start_watchdog(void)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "setsid sh -c 'while kill -0 %d 2>/dev/null; do sleep 0.5; done; "
		 "RAFTD_CLUSTER_DIR=\"$0/cluster\" \"$1\" stop all; %s' "
		 "%s %s/scripts/raftd-cluster </dev/null >/dev/null 2>&1 &",
		 (int)getpid(), getenv("KEEP") ? "true" : "rm -rf -- \"$0\"",
		 g_dir, TOP_SRCDIR);
	assert_int_equal(system(cmd), 0);
}

static int cluster_up(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/raftd-client-e2e.XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	g_base = pick_base();
	if (g_base < 0)
		return -1;
	start_watchdog();
	if (cluster("start --base-port %d >/dev/null", g_base) != 0)
		return -1;
	snprintf(g_endpoints, sizeof(g_endpoints),
		 "127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d", g_base + 1,
		 g_base + 2, g_base + 3);
	if (getenv("KEEP"))
		fprintf(stderr, "cluster in %s, endpoints %s\n", g_dir,
			g_endpoints);
	return 0;
}

static int cluster_down(void **state)
{
	(void)state;
	cluster("stop all >/dev/null 2>&1");
	return 0;
}

static rdc_client *client(unsigned deadline_ms)
{
	struct rdc_options o = {.deadline_ms = deadline_ms};
	rdc_client *c = rdc_open(g_endpoints, &o);

	assert_non_null(c);
	assert_int_equal(rdc_errcode(c), RDC_OK);
	return c;
}

/* ---- tests --------------------------------------------------------------- */

static int64_t get_int(rdc_client *c, const char *key)
{
	struct rdc_kv *kv;
	int64_t v;

	assert_int_equal(rdc_get(c, key, strlen(key), RDC_LINEARIZABLE, &kv, NULL), RDC_OK);
	v = strtoll(kv->value, NULL, 10);
	rdc_free(kv);
	return v;
}

static void repeated_seq_returns_the_first_result(void **state)
{
	struct rdc_write_opts w = {0};
	struct rdc_meta m1, m2;
	rdc_client *c = client(10000);
	rdc_session *s, *again;
	uint64_t sid;
	int64_t v1, v2;
	int old;

	(void)state;
	assert_int_equal(rdc_session_open(c, 30000, &s, NULL), RDC_OK);
	sid = rdc_session_id(s);
	rdc_session_free(s);
	/* Sequence number 5, sent twice by hand: applied once. */
	w.session = rdc_session_attach(c, sid, 30000, 5);
	assert_int_equal(rdc_incrby(c, "e2e/seq", 7, 10, &w, &v1, &m1), RDC_OK);
	rdc_session_free(w.session);
	/* Again after the leader is killed: the new leader answers from the
	 * replicated session table. */
	old = leader();
	assert_int_equal(cluster("kill %d >/dev/null", old), 0);
	w.session = again = rdc_session_attach(c, sid, 30000, 5);
	assert_int_equal(rdc_incrby(c, "e2e/seq", 7, 10, &w, &v2, &m2), RDC_OK);
	assert_int_equal(v2, v1);
	assert_int_equal(m2.index, m1.index);
	assert_int_equal(get_int(c, "e2e/seq"), v1);
	rdc_session_free(again);
	rdc_close(c);
	assert_int_equal(cluster("restart %d >/dev/null", old), 0);
	leader();
}

/* ---- many sequenced increments across a leader kill (asynchronous) ---- */

#define INCRS 300
#define WINDOW 16

struct incr_run {
	uv_loop_t loop;
	rdc_async *a;
	rdc_session *s;
	int sent, done, ok, uncertain, other;
	int64_t value[INCRS];
	int killed;        /* the leader killed, 0 before */
	int other_status;
};

static void send_incr(struct incr_run *t);

static void on_incr(rdc_async_req *req, int status, const struct rdc_reply *r)
{
	struct incr_run *t = rdc_async_req_data(req);

	t->done++;
	if (status == RDC_OK) {
		assert_true(r->integer >= 1 && r->integer <= INCRS);
		t->value[t->ok++] = r->integer;
	} else if (status == RDC_UNCERTAIN) {
		t->uncertain++;
	} else {
		t->other++;
		t->other_status = status;
		fprintf(stderr, "incr: %s: %s\n", rdc_strerror(status), r->errmsg);
	}
	if (t->done == INCRS / 3 && !t->killed) {
		t->killed = leader();
		assert_int_equal(cluster("kill %d >/dev/null", t->killed), 0);
	}
	send_incr(t);
}

static void send_incr(struct incr_run *t)
{
	struct rdc_write_opts w = {.session = t->s};

	while (t->sent < INCRS && t->sent - t->done < WINDOW) {
		assert_int_equal(rdc_async_incrby(t->a, "e2e/ctr", 7, 1, &w,
						  on_incr, t), RDC_OK);
		t->sent++;
	}
}

static void on_open(rdc_async_req *req, int status, const struct rdc_reply *r)
{
	struct incr_run *t = rdc_async_req_data(req);

	assert_int_equal(status, RDC_OK);
	t->s = r->session;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void increments_across_a_leader_kill_apply_once(void **state)
{
	struct rdc_options o = {.deadline_ms = 15000};
	struct incr_run *t = calloc(1, sizeof(*t));
	rdc_client *c;

	(void)state;
	assert_non_null(t);
	uv_loop_init(&t->loop);
	t->a = rdc_async_open(&t->loop, g_endpoints, &o);
	assert_int_equal(rdc_async_session_open(t->a, 30000, on_open, t), RDC_OK);
	while (t->s == NULL)
		uv_run(&t->loop, UV_RUN_ONCE);
	send_incr(t);
	while (t->done < INCRS)
		uv_run(&t->loop, UV_RUN_ONCE);
	assert_true(t->killed > 0);
	assert_int_equal(t->other, 0);
	/* Sequenced writes are retried through the kill, not left
	 * uncertain. */
	assert_int_equal(t->uncertain, 0);
	assert_int_equal(t->ok, INCRS);
	/* Each caller got the result of one application of its own: the
	 * results are 1..INCRS, each once, and the counter is INCRS. */
	qsort(t->value, (size_t)t->ok, sizeof(t->value[0]), cmp64);
	for (int i = 0; i < t->ok; i++)
		assert_int_equal(t->value[i], i + 1);
	c = client(10000);
	assert_int_equal(get_int(c, "e2e/ctr"), INCRS);
	rdc_close(c);
	rdc_async_close(t->a, NULL, NULL);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	uv_loop_close(&t->loop);
	assert_int_equal(cluster("restart %d >/dev/null", t->killed), 0);
	free(t);
	leader();
}

static void expired_session_is_reported_and_nothing_applied(void **state)
{
	struct rdc_write_opts w = {0};
	rdc_client *c = client(10000), *other = client(10000);
	struct rdc_kv *kv;

	(void)state;
	assert_int_equal(rdc_session_open(c, SESSION_MS, &w.session, NULL), RDC_OK);
	assert_int_equal(rdc_put(c, "e2e/exp", 7, "first", 5, 0, &w, NULL), RDC_OK);
	/* Idle past the timeout; cluster time moves with entries, so
	 * another client writes. */
	usleep(1500 * 1000);
	assert_int_equal(rdc_put(other, "e2e/tick", 8, "1", 1, 0, NULL, NULL), RDC_OK);
	assert_int_equal(rdc_put(c, "e2e/exp", 7, "second", 6, 0, &w, NULL),
			 RDC_SESSION_EXPIRED);
	assert_non_null(strstr(rdc_errmsg(c), "expired session"));
	assert_true(rdc_session_expired(w.session));
	assert_int_equal(rdc_get(c, "e2e/exp", 7, RDC_LINEARIZABLE, &kv, NULL), RDC_OK);
	assert_string_equal(kv->value, "first");
	rdc_free(kv);
	rdc_session_free(w.session);
	rdc_close(other);
	rdc_close(c);
}

static void paused_holder_is_fenced(void **state)
{
	rdc_client *a = client(10000), *b = client(10000);
	struct rdc_write_opts wa = {.fence_lock = "e2e/jobs", .fence_len = 8};
	struct rdc_write_opts wb = wa;
	rdc_session *sa, *sb;
	struct rdc_kv *kv;

	(void)state;
	assert_int_equal(rdc_session_open(a, SESSION_MS, &sa, NULL), RDC_OK);
	assert_int_equal(rdc_lock(sa, "e2e/jobs", 8, 0, &wa.fence_token, NULL), RDC_OK);
	assert_int_equal(rdc_put(a, "e2e/result", 10, "A1", 2, 0, &wa, NULL), RDC_OK);
	/* A pauses past its session's timeout (it makes no calls, so
	 * nothing keeps the session alive); B waits for the lock. */
	assert_int_equal(rdc_session_open(b, 30000, &sb, NULL), RDC_OK);
	assert_int_equal(rdc_lock(sb, "e2e/jobs", 8, 0, NULL, NULL), RDC_CONDITION);
	usleep(1500 * 1000);
	assert_int_equal(rdc_lock(sb, "e2e/jobs", 8, 5000, &wb.fence_token, NULL), RDC_OK);
	assert_true(wb.fence_token > wa.fence_token);
	/* B's write is fenced and sequenced (RD.SEQ ... RD.FENCE ...). */
	wb.session = sb;
	assert_int_equal(rdc_put(b, "e2e/result", 10, "B1", 2, 0, &wb, NULL), RDC_OK);
	/* A wakes up and writes with its old token: refused. */
	assert_int_equal(rdc_put(a, "e2e/result", 10, "A2", 2, 0, &wa, NULL), RDC_FENCED);
	assert_int_equal(rdc_get(b, "e2e/result", 10, RDC_LINEARIZABLE, &kv, NULL), RDC_OK);
	assert_string_equal(kv->value, "B1");
	rdc_free(kv);
	assert_int_equal(rdc_unlock(sb, "e2e/jobs", 8, NULL), RDC_OK);
	assert_int_equal(rdc_session_close(sb, NULL), RDC_OK);
	rdc_session_free(sa);
	rdc_close(a);
	rdc_close(b);
}

static void session_reads_include_own_writes(void **state)
{
	rdc_client *c = client(10000);
	char v[16];

	(void)state;
	/* Write at the leader, read right away from whichever node is next:
	 * a stale read could miss the write; a session read may not. */
	for (int i = 0; i < 60; i++) {
		struct rdc_meta wm, rm;
		struct rdc_kv *kv;

		snprintf(v, sizeof(v), "%d", i);
		assert_int_equal(rdc_put(c, "e2e/ryw", 7, v, strlen(v), 0, NULL, &wm), RDC_OK);
		assert_int_equal(rdc_get(c, "e2e/ryw", 7, RDC_SESSION, &kv, &rm), RDC_OK);
		assert_string_equal(kv->value, v);
		assert_true(rm.index >= wm.index);
		rdc_free(kv);
	}
	rdc_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(session_reads_include_own_writes),
		cmocka_unit_test(expired_session_is_reported_and_nothing_applied),
		cmocka_unit_test(paused_holder_is_fenced),
		cmocka_unit_test(repeated_seq_returns_the_first_result),
		cmocka_unit_test(increments_across_a_leader_kill_apply_once),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, cluster_up, cluster_down);
}
