/* cmd_backup.c - RD.BACKUP BEGIN | READ id offset length | END id: an
 * online, consistent backup of the whole state, taken on the leader and
 * downloaded in chunks (docs/backup.md).
 *
 * BEGIN is a linearizable read of everything: it waits for a shared barrier
 * proposed after it arrived (read.c), exactly like GET, so the backup holds
 * every write acknowledged before BEGIN was sent. The barrier's callback
 * runs inside libraft's apply loop with every entry before the barrier
 * applied and none after it, so the state at that instant is the state at
 * the barrier's index. There the fsm is forked (snapfork.h): the child
 * encodes the frozen state, compresses it into the backup format
 * (snapshot/backup.h) and writes it to a memfd, while the loop goes on
 * serving. A uv_poll on the child's status pipe says when it is done; the
 * reaping (waitpid) then runs in the threadpool, so nothing blocks the
 * loop. BEGIN is answered "*4 :id :bytes :term :index" once the file is
 * ready. READ returns bulk chunks of at most BACKUP_CHUNK_MAX bytes from
 * it; END frees it.
 *
 * Bounds: one backup per node at a time (BEGIN answers -BUSY meanwhile);
 * the finished file lives in the memfd (its compressed size) until END, or
 * until BACKUP_IDLE_MS pass without a READ. The child needs the encoded
 * snapshot plus its compressed copy while it runs, and copy-on-write pages
 * of the parent.
 *
 * The job is a single static: the daemon runs one node. Its libuv handles
 * (an idle timer, a check handle watching for shutdown, the poll) are
 * unreferenced so that they never keep a stopping daemon alive; the check
 * handle sees the node closing and frees everything (killing a child still
 * at work).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "raftd/cmd.h"
#include "raftd/snapfork.h"
#include "snapshot/backup.h"

#define BACKUP_CHUNK_MAX (4u << 20)
#define BACKUP_IDLE_MS 60000

enum job_state {
	JOB_IDLE,      /* nothing in progress */
	JOB_BARRIER,   /* BEGIN waits for its barrier */
	JOB_PRODUCING, /* the child is writing the file */
	JOB_REAPING,   /* the threadpool reaps the child */
	JOB_READY      /* the file is mapped; READ and END work */
};

/* What the child needs besides the fsm (it reads its own copy). */
struct job_meta {
	uint64_t created_ms;
	uint64_t node_id;
};

struct backup_job {
	enum job_state state;
	struct rd_node *n;
	struct rd_req *req;     /* BEGIN, until answered */
	uint64_t id;
	uint64_t term, index;
	struct job_meta meta;
	struct rd_snapfork fork;
	int reap_rv;
	uv_poll_t poll;
	uv_work_t work;
	uv_timer_t idle;
	uv_check_t watch;
	bool handles;           /* idle and watch exist */
	unsigned closing;       /* handles whose close callback is due */
};

static struct backup_job job = {.fork = {.memfd = -1, .status_fd = -1}};
static uint64_t backup_next_id;

/* ---- the child ------------------------------------------------------------ */

static int backup_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int backup_produce(const fsm *f, uint64_t term, uint64_t index, int fd,
			  void *arg)
{
	const struct job_meta *m = arg;
	struct backup_header h = {.term = term, .index = index,
				  .created_ms = m->created_ms,
				  .node_id = m->node_id};
	struct buf snap, out;
	int rv;

	buf_init(&snap);
	buf_init(&out);
	rv = snap_encode(f, term, index, &snap);
	if (rv == 0)
		rv = backup_encode(snap.data, snap.len, &h, &out);
	buf_free(&snap);
	if (rv == 0)
		rv = backup_write_all(fd, out.data, out.len);
	buf_free(&out);
	return rv;
}

/* ---- the job's life ------------------------------------------------------- */

static void backup_handle_closed(uv_handle_t *h)
{
	(void)h;
	job.closing--;
}

static void backup_close_handle(uv_handle_t *h)
{
	job.closing++;
	uv_close(h, backup_handle_closed);
}

/* Back to idle: free the file, and on a closing node the handles too. */
static void backup_finish(void)
{
	rd_snapfork_release(&job.fork);
	job.state = JOB_IDLE;
	job.req = NULL;
	if (job.handles) {
		uv_timer_stop(&job.idle);
		if (job.n->closing) {
			backup_close_handle((uv_handle_t *)&job.idle);
			backup_close_handle((uv_handle_t *)&job.watch);
			job.handles = false;
		}
	}
}

/* Answer BEGIN with an error and give up the job. */
static void backup_fail_begin(int status, const char *msg)
{
	struct rd_req *req = job.req;

	if (msg != NULL)
		resp_w_error(&req->out, "%s", msg);
	else
		rd_cmd_reply_status(req, status, job.term);
	backup_finish();
	rd_req_done(req);
}

static void backup_idle_cb(uv_timer_t *t)
{
	(void)t;
	if (job.state != JOB_READY)
		return;
	rd_warn("backup %" PRIu64 " abandoned: freed after %d s without a READ",
		job.id, BACKUP_IDLE_MS / 1000);
	backup_finish();
}

/* Every loop iteration: a closing node frees what it can at once; a job
 * whose barrier or reaping is still due finishes when that callback comes. */
static void backup_watch_cb(uv_check_t *c)
{
	(void)c;
	if (!job.n->closing)
		return;
	switch (job.state) {
	case JOB_IDLE:
		backup_finish();
		break;
	case JOB_PRODUCING:
		backup_close_handle((uv_handle_t *)&job.poll);
		backup_fail_begin(RD_ESHUTDOWN, NULL);
		break;
	case JOB_READY:
		backup_finish();
		break;
	default:
		break;
	}
}

static int backup_handles_init(struct rd_node *n)
{
	if (job.handles)
		return 0;
	if (uv_timer_init(n->loop, &job.idle) != 0)
		return -1;
	if (uv_check_init(n->loop, &job.watch) != 0) {
		backup_close_handle((uv_handle_t *)&job.idle);
		return -1;
	}
	uv_unref((uv_handle_t *)&job.idle);
	uv_unref((uv_handle_t *)&job.watch);
	uv_check_start(&job.watch, backup_watch_cb);
	job.handles = true;
	return 0;
}

static void backup_reap_work(uv_work_t *w)
{
	(void)w;
	job.reap_rv = rd_snapfork_wait(&job.fork);
}

static void backup_reap_done(uv_work_t *w, int status)
{
	struct rd_req *req = job.req;

	(void)w;
	(void)status;
	if (job.n->closing) {
		backup_fail_begin(RD_ESHUTDOWN, NULL);
		return;
	}
	if (job.reap_rv != 0) {
		backup_fail_begin(0, "ERR the backup failed: its child process "
				  "did not finish (out of memory?); see the "
				  "node's log");
		return;
	}
	job.state = JOB_READY;
	job.req = NULL;
	rd_info("backup %" PRIu64 " ready: %zu bytes at index %" PRIu64
		" (term %" PRIu64 ")", job.id, job.fork.len, job.index,
		job.term);
	resp_w_array(&req->out, 4);
	resp_w_int(&req->out, (long long)job.id);
	resp_w_int(&req->out, (long long)job.fork.len);
	resp_w_int(&req->out, (long long)job.term);
	resp_w_int(&req->out, (long long)job.index);
	uv_timer_start(&job.idle, backup_idle_cb, BACKUP_IDLE_MS, 0);
	rd_req_done(req);
}

/* The child wrote its status byte (or died): reap it off the loop. */
static void backup_poll_cb(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	uv_poll_stop(p);
	backup_close_handle((uv_handle_t *)p);
	job.state = JOB_REAPING;
	if (uv_queue_work(job.n->loop, &job.work, backup_reap_work,
			  backup_reap_done) != 0)
		backup_fail_begin(0, "ERR the backup failed: cannot queue work");
}

static uint64_t backup_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The barrier is applied and nothing after it: the state is the state at
 * index. Fork the child now. */
static void backup_barrier_cb(void *arg, int status, uint64_t term,
			      uint64_t index)
{
	struct rd_node *n = job.n;

	(void)arg;
	job.term = term;
	if (status != RD_OK || n->closing) {
		backup_fail_begin(status != RD_OK ? status : RD_ESHUTDOWN, NULL);
		return;
	}
	job.index = index;
	job.id = ++backup_next_id;
	job.meta.created_ms = backup_wall_ms();
	job.meta.node_id = n->cfg->id;
	if (rd_snapfork_start(&job.fork, rd_node_fsm(n), term, index,
			      backup_produce, &job.meta) != 0) {
		rd_error("backup at index %" PRIu64 " not started: fork: %s",
			 index, strerror(errno));
		backup_fail_begin(0, "ERR the backup could not start: fork "
				  "failed; see the node's log");
		return;
	}
	if (uv_poll_init(n->loop, &job.poll, job.fork.status_fd) != 0) {
		backup_fail_begin(0, "ERR the backup could not start: poll");
		return;
	}
	uv_unref((uv_handle_t *)&job.poll);
	uv_poll_start(&job.poll, UV_READABLE | UV_DISCONNECT, backup_poll_cb);
	job.state = JOB_PRODUCING;
	rd_info("backup %" PRIu64 " started at index %" PRIu64 ": %" PRIu64
		" keys (fork %" PRIu64 " us)", job.id, index,
		fsm_count(rd_node_fsm(n)), job.fork.fork_us);
}

/* ---- the commands --------------------------------------------------------- */

static void backup_begin(struct rd_req *req)
{
	struct rd_node *n = rd_req_node(req);
	int rv;

	if (!rd_node_is_leader(n)) {
		rd_cmd_reply_status(req, RD_ENOTLEADER, 0);
		rd_req_done(req);
		return;
	}
	if (job.state != JOB_IDLE || job.closing > 0) {
		resp_w_error(&req->out, "BUSY another backup is in progress on "
			     "this node; retry when it has ended (at most %d s "
			     "after its last READ)", BACKUP_IDLE_MS / 1000);
		rd_req_done(req);
		return;
	}
	job.n = n;
	if (backup_handles_init(n) != 0) {
		resp_w_error(&req->out, "ERR out of memory");
		rd_req_done(req);
		return;
	}
	rv = rd_read_submit(n, backup_barrier_cb, NULL);
	if (rv != RD_OK) {
		rd_cmd_reply_status(req, rv, n->raft.current_term);
		rd_req_done(req);
		return;
	}
	job.req = req;
	job.state = JOB_BARRIER;
}

static int backup_parse_u64(const struct resp_arg *a, uint64_t *out)
{
	int64_t v;

	if (rd_cmd_parse_i64(a, &v) != 0 || v < 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* Is the ready job the one named by arg? Replies with an error if not. */
static bool backup_find(struct rd_req *req, const struct resp_arg *arg)
{
	uint64_t id;

	if (backup_parse_u64(arg, &id) != 0) {
		resp_w_error(&req->out, "ERR syntax error: the backup id must be "
			     "a non-negative integer");
		return false;
	}
	if (job.state != JOB_READY || job.id != id) {
		resp_w_error(&req->out, "ERR no backup %" PRIu64 " on this node "
			     "(ended, freed after %d s without a READ, not "
			     "finished yet, or begun on another node)", id,
			     BACKUP_IDLE_MS / 1000);
		return false;
	}
	return true;
}

static void backup_read(struct rd_req *req, const struct resp_arg *argv)
{
	uint64_t off, len;

	if (!backup_find(req, &argv[2]))
		return;
	if (backup_parse_u64(&argv[3], &off) != 0 ||
	    backup_parse_u64(&argv[4], &len) != 0) {
		resp_w_error(&req->out, "ERR syntax error: RD.BACKUP READ id "
			     "offset length (non-negative integers)");
		return;
	}
	if (off > job.fork.len) {
		resp_w_error(&req->out, "ERR offset %" PRIu64 " is past the end "
			     "of backup %" PRIu64 " (%zu bytes)", off, job.id,
			     job.fork.len);
		return;
	}
	if (len > BACKUP_CHUNK_MAX)
		len = BACKUP_CHUNK_MAX;
	if (len > job.fork.len - off)
		len = job.fork.len - off;
	if (resp_w_bulk(&req->out, (const char *)job.fork.base + off,
			(size_t)len) != 0)
		resp_w_error(&req->out, "ERR out of memory");
	uv_timer_start(&job.idle, backup_idle_cb, BACKUP_IDLE_MS, 0);
}

static void backup_end(struct rd_req *req, const struct resp_arg *argv)
{
	if (!backup_find(req, &argv[2]))
		return;
	rd_info("backup %" PRIu64 " ended", job.id);
	backup_finish();
	resp_w_simple(&req->out, "OK");
}

static bool backup_is(const struct resp_arg *a, const char *word)
{
	return a->len == strlen(word) && strncasecmp(a->p, word, a->len) == 0;
}

void rd_cmd_backup(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	if (argc == 2 && backup_is(&argv[1], "BEGIN")) {
		backup_begin(req);
		return;
	}
	if (argc == 5 && backup_is(&argv[1], "READ"))
		backup_read(req, argv);
	else if (argc == 3 && backup_is(&argv[1], "END"))
		backup_end(req, argv);
	else
		resp_w_error(&req->out, "ERR syntax error: RD.BACKUP BEGIN | "
			     "READ id offset length | END id");
	rd_req_done(req);
}
