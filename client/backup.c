/* backup.c - rdc_snapshot_save and rdc_snapshot_inspect (docs/backup.md).
 *
 * A backup is a conversation with one node, the leader: RD.BACKUP BEGIN
 * (answered once the leader has the file ready), RD.BACKUP READ for each
 * chunk, RD.BACKUP END. The file exists only on the node that began it, so
 * all of it must go over one connection to one address; the asynchronous
 * core (async.c) routes each request on its own and may hop nodes. This
 * file therefore speaks RESP itself over one blocking socket with poll()
 * deadlines: simple, and a multi-MiB bulk reply is just bytes to read.
 * Finding the leader follows the library's rules: endpoints in turn,
 * -MOVED followed at once, -TRYAGAIN and -BUSY retried after a backoff,
 * until the deadline.
 *
 * The file is written to PATH.tmp, checked completely (backup_decode:
 * checksum, frame, every field of the state), fsync'd and renamed over
 * PATH, and the directory fsync'd: PATH is either absent, the old file, or
 * a complete, valid backup.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/backoff.h"
#include "client/command.h"
#include "client/endpoint.h"
#include "common/resp.h"
#include "raftd/client.h"
#include "snapshot/backup.h"

#define BK_CHUNK (4u << 20)         /* the server's largest chunk */
#define BK_MAX_BULK (BK_CHUNK + 1024)
#define BK_BEGIN_WAIT_MS 600000     /* the leader encodes and compresses */
#define BK_DEFAULT_DEADLINE_MS 30000
#define BK_MAX_REDIRECTS 16
/* inspect reads what the machine can hold; restore has its own limit */
#define BK_INSPECT_MAX_RAW ((uint64_t)64 << 30)

struct bk {
	char *err;
	size_t errlen;
	unsigned deadline_ms;        /* finding the leader; each chunk */
	unsigned connect_timeout_ms;
	unsigned backoff_ms;
	int fd;
	struct rdc__addr addr;       /* the node fd talks to */
	struct buf in;               /* bytes received, not yet consumed */
	size_t used;                 /* bytes of in the last reply took */
	struct resp_reply reply;
};

static int bk_fail(struct bk *b, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bk_fail(struct bk *b, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
	return status;
}

static uint64_t bk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void bk_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void bk_disconnect(struct bk *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	buf_reset(&b->in);
	b->used = 0;
}

/* Wait for fd to be ready for events until deadline (bk_now_ms). */
static int bk_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		uint64_t now = bk_now_ms();
		int r;

		if (now >= deadline)
			return -1;
		r = poll(&p, 1, (int)(deadline - now > 60000 ? 60000
							     : deadline - now));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int bk_connect(struct bk *b, const struct rdc__addr *a)
{
	uint64_t deadline = bk_now_ms() + b->connect_timeout_ms;
	int fd, soerr = 0;
	socklen_t sl = sizeof soerr;

	bk_disconnect(b);
	b->addr = *a;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return bk_fail(b, RDC_UNAVAILABLE, "socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)&a->sa, sizeof a->sa) != 0 &&
	    errno != EINPROGRESS) {
		soerr = errno;
	} else if (bk_wait(fd, POLLOUT, deadline) != 0) {
		soerr = ETIMEDOUT;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
		soerr = errno;
	}
	if (soerr != 0) {
		close(fd);
		return bk_fail(b, RDC_UNAVAILABLE, "%s: %s", a->text,
			       strerror(soerr));
	}
	b->fd = fd;
	return RDC_OK;
}

static int bk_send(struct bk *b, size_t argc, const struct resp_arg *argv,
		   uint64_t deadline)
{
	struct buf out;
	size_t off = 0;
	int rc = RDC_OK;

	buf_init(&out);
	if (resp_w_command(&out, argc, argv) != 0) {
		buf_free(&out);
		return bk_fail(b, RDC_NOMEM, "out of memory");
	}
	while (off < out.len && rc == RDC_OK) {
		ssize_t n = send(b->fd, out.data + off, out.len - off,
				 MSG_NOSIGNAL);

		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN &&
			 bk_wait(b->fd, POLLOUT, deadline) == 0)
			continue;
		else
			rc = bk_fail(b, RDC_UNAVAILABLE, "%s: sending: %s",
				     b->addr.text,
				     n < 0 ? strerror(errno) : "closed");
	}
	buf_free(&out);
	return rc;
}

/* Read one reply into b->reply.root (valid until the next call). */
static int bk_recv(struct bk *b, uint64_t deadline)
{
	const char *perr = NULL;

	buf_consume(&b->in, b->used);
	b->used = 0;
	for (;;) {
		long r = resp_parse_reply(b->in.data, b->in.len, BK_MAX_BULK, 16,
					  &b->reply, &perr);
		ssize_t n;

		if (r > 0) {
			b->used = (size_t)r;
			return RDC_OK;
		}
		if (r == RESP_ERROR)
			return bk_fail(b, RDC_PROTOCOL, "%s: unreadable reply: %s",
				       b->addr.text, perr ? perr : "?");
		if (r == RESP_NOMEM || buf_reserve(&b->in, 256 * 1024) != 0)
			return bk_fail(b, RDC_NOMEM, "out of memory");
		n = recv(b->fd, b->in.data + b->in.len, b->in.cap - b->in.len, 0);
		if (n > 0) {
			b->in.len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (bk_wait(b->fd, POLLIN, deadline) == 0)
				continue;
			return bk_fail(b, RDC_TIMEOUT, "%s: no reply in time",
				       b->addr.text);
		}
		return bk_fail(b, RDC_UNAVAILABLE, "%s: connection %s",
			       b->addr.text, n == 0 ? "closed" : strerror(errno));
	}
}

static int bk_call(struct bk *b, size_t argc, const struct resp_arg *argv,
		   unsigned wait_ms)
{
	uint64_t deadline = bk_now_ms() + wait_ms;
	int rc = bk_send(b, argc, argv, deadline);

	return rc != RDC_OK ? rc : bk_recv(b, deadline);
}

static int bk_u64_at(const struct resp_value *v, size_t i, uint64_t *out)
{
	return i < v->n ? resp_value_u64(&v->elems[i], out) : -1;
}

/* ---- save: BEGIN on the leader -------------------------------------------- */

struct bk_job {
	uint64_t id, size, term, index;
};

/* What to do after an error reply to BEGIN: 1 go on (b->addr holds the
 * next address when moved), or a final status. */
static int bk_begin_error(struct bk *b, const struct resp_value *v,
			  struct rdc__addr *next, bool *moved)
{
	*moved = false;
	switch (rdc__err_classify(v)) {
	case RDC__ERR_MOVED:
		if (rdc__moved_addr(v, next) != 0)
			break;
		*moved = true;
		return 1;
	case RDC__ERR_TRYAGAIN:
	case RDC__ERR_BUSY:
		bk_fail(b, RDC_UNAVAILABLE, "%s: %.*s", b->addr.text,
			(int)v->len, v->str);
		return 1;
	default:
		break;
	}
	return bk_fail(b, RDC_BADREQUEST, "%s: %.*s", b->addr.text, (int)v->len,
		       v->str);
}

static int bk_begin_reply(struct bk *b, struct bk_job *job)
{
	const struct resp_value *v = &b->reply.root;

	if (v->type != RESP_T_ARRAY || v->n != 4 || bk_u64_at(v, 0, &job->id) ||
	    bk_u64_at(v, 1, &job->size) || bk_u64_at(v, 2, &job->term) ||
	    bk_u64_at(v, 3, &job->index) ||
	    job->size < BACKUP_HDR_LEN + BACKUP_CRC_LEN)
		return bk_fail(b, RDC_PROTOCOL, "%s: unexpected reply to "
			       "RD.BACKUP BEGIN", b->addr.text);
	return RDC_OK;
}

/* Ask endpoints in turn (and the leaders they name) until one begins a
 * backup; on RDC_OK b is connected to it. */
static int bk_begin(struct bk *b, const struct rdc__addr *eps, size_t neps,
		    struct bk_job *job)
{
	const struct resp_arg begin[2] = {{"RD.BACKUP", 9}, {"BEGIN", 5}};
	uint64_t deadline = bk_now_ms() + b->deadline_ms;
	struct rdc__addr next = eps[0];
	size_t ep = 0;
	unsigned redirects = 0, attempt = 0;
	uint64_t rnd;
	int rc = RDC_UNAVAILABLE;

	rdc__rand_seed(&rnd, bk_now_ms());

	bk_fail(b, RDC_UNAVAILABLE, "no endpoint answered");
	while (bk_now_ms() < deadline) {
		bool moved = false;

		rc = bk_connect(b, &next);
		if (rc == RDC_OK)
			rc = bk_call(b, 2, begin, BK_BEGIN_WAIT_MS);
		if (rc == RDC_OK && b->reply.root.type != RESP_T_ERROR)
			return bk_begin_reply(b, job);
		if (rc == RDC_OK) {
			rc = bk_begin_error(b, &b->reply.root, &next, &moved);
			if (rc != 1)
				return rc;
			rc = RDC_UNAVAILABLE;
		} else if (rc == RDC_NOMEM || rc == RDC_PROTOCOL) {
			return rc;
		}
		bk_disconnect(b);
		if (moved && ++redirects <= BK_MAX_REDIRECTS)
			continue;
		redirects = 0;
		next = eps[++ep % neps];
		if (ep % neps == 0 || !moved)
			bk_sleep_ms((unsigned)rdc__backoff_ms(++attempt,
							      b->backoff_ms,
							      1000, &rnd));
	}
	return rc;
}

/* ---- save: the download --------------------------------------------------- */

static int bk_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int bk_download(struct bk *b, const struct bk_job *job, int fd,
		       const char *tmp)
{
	char ids[24], offs[24], lens[24];
	uint64_t off = 0;
	int rc;

	snprintf(ids, sizeof ids, "%" PRIu64, job->id);
	while (off < job->size) {
		uint64_t want = job->size - off < BK_CHUNK ? job->size - off
							   : BK_CHUNK;
		struct resp_arg read[5] = {{"RD.BACKUP", 9}, {"READ", 4},
					   {ids, strlen(ids)}, {offs, 0},
					   {lens, 0}};
		const struct resp_value *v = &b->reply.root;

		read[3].len = (size_t)snprintf(offs, sizeof offs, "%" PRIu64, off);
		read[4].len = (size_t)snprintf(lens, sizeof lens, "%" PRIu64, want);
		rc = bk_call(b, 5, read, b->deadline_ms);
		if (rc != RDC_OK)
			return rc;
		if (v->type == RESP_T_ERROR)
			return bk_fail(b, RDC_UNAVAILABLE, "%s: %.*s", b->addr.text,
				       (int)v->len, v->str);
		if (v->type != RESP_T_BULK || v->len == 0 || v->len > want)
			return bk_fail(b, RDC_PROTOCOL, "%s: unexpected reply to "
				       "RD.BACKUP READ", b->addr.text);
		if (bk_write_all(fd, v->str, v->len) != 0)
			return bk_fail(b, RDC_INVALID, "%s: %s", tmp,
				       strerror(errno));
		off += v->len;
	}
	return RDC_OK;
}

static void bk_end(struct bk *b, const struct bk_job *job)
{
	char ids[24];
	struct resp_arg end[3] = {{"RD.BACKUP", 9}, {"END", 3}, {ids, 0}};
	char *saved = b->err;
	char scratch[64];

	/* best effort: the node frees an abandoned backup by itself */
	end[2].len = (size_t)snprintf(ids, sizeof ids, "%" PRIu64, job->id);
	b->err = scratch;
	b->errlen = sizeof scratch;
	bk_call(b, 3, end, 2000);
	b->err = saved;
}

static void bk_info_fill(struct rdc_snapshot_info *info,
			 const struct backup_header *h,
			 const struct snap_info *si, uint64_t file_bytes)
{
	memset(info, 0, sizeof *info);
	info->format_version = h->version;
	info->term = h->term;
	info->index = h->index;
	info->created_ms = h->created_ms;
	info->node_id = h->node_id;
	info->file_bytes = file_bytes;
	info->raw_bytes = h->raw_len;
	info->keys = si->keys;
	info->data_bytes = si->data_bytes;
	info->sessions = si->sessions;
	info->locks = si->locks;
	info->members = si->members;
}

/* Validate the file at path completely and describe it. */
static int bk_check_file(const char *path, uint64_t max_raw,
			 struct rdc_snapshot_info *info, char *err,
			 size_t errlen)
{
	struct backup_header h;
	struct backup_err berr;
	struct snap_info si;
	struct stat st;
	struct buf raw;
	void *p = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rv;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return RDC_INVALID;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return RDC_INVALID;
		}
	}
	close(fd);
	buf_init(&raw);
	rv = backup_decode(p, (size_t)st.st_size, max_raw, &h, &raw, &si, &berr);
	buf_free(&raw);
	if (p != NULL)
		munmap(p, (size_t)st.st_size);
	if (rv != 0) {
		snprintf(err, errlen, "%s: %s", path, berr.msg);
		return RDC_INVALID;
	}
	if (info != NULL)
		bk_info_fill(info, &h, &si, (uint64_t)st.st_size);
	return RDC_OK;
}

static int bk_sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rv = -1;

	if (copy == NULL)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rv = fsync(fd);
		close(fd);
	}
	free(copy);
	return rv;
}

/* Download into tmp, check it, and put it in place. */
static int bk_save_file(struct bk *b, const struct bk_job *job,
			const char *path, const char *tmp,
			struct rdc_snapshot_info *info)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc;

	if (fd < 0)
		return bk_fail(b, RDC_INVALID, "%s: %s", tmp, strerror(errno));
	rc = bk_download(b, job, fd, tmp);
	if (rc == RDC_OK && fsync(fd) != 0)
		rc = bk_fail(b, RDC_INVALID, "%s: fsync: %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == RDC_OK)
		rc = bk_fail(b, RDC_INVALID, "%s: %s", tmp, strerror(errno));
	bk_end(b, job);
	if (rc == RDC_OK) {
		rc = bk_check_file(tmp, BK_INSPECT_MAX_RAW, info, b->err,
				   b->errlen);
		if (rc != RDC_OK)
			rc = RDC_PROTOCOL; /* the bytes were damaged on the way */
	}
	if (rc == RDC_OK && (info->index != job->index || info->term != job->term))
		rc = bk_fail(b, RDC_PROTOCOL, "the file holds index %" PRIu64
			     ", the leader announced %" PRIu64, info->index,
			     job->index);
	if (rc == RDC_OK && rename(tmp, path) != 0)
		rc = bk_fail(b, RDC_INVALID, "%s: %s", path, strerror(errno));
	if (rc != RDC_OK) {
		unlink(tmp);
		return rc;
	}
	if (bk_sync_dir(path) != 0)
		return bk_fail(b, RDC_INVALID, "%s: syncing its directory: %s",
			       path, strerror(errno));
	return RDC_OK;
}

int rdc_snapshot_save(const char *endpoints, const struct rdc_options *opts,
		      const char *path, struct rdc_snapshot_info *info,
		      char *errmsg, size_t errlen)
{
	struct rdc_snapshot_info scratch;
	struct rdc__addr *eps = NULL;
	struct bk b = {.err = errmsg, .errlen = errlen, .fd = -1};
	struct bk_job job;
	char *tmp;
	size_t neps;
	int rc;

	if (info == NULL)
		info = &scratch;
	memset(info, 0, sizeof *info);
	if (errmsg == NULL || errlen == 0 || path == NULL || path[0] == '\0' ||
	    endpoints == NULL)
		return RDC_INVALID;
	errmsg[0] = '\0';
	rc = rdc__addr_list_parse(endpoints, &eps, &neps, errmsg, errlen);
	if (rc != 0)
		return rc == -2 ? RDC_NOMEM : RDC_INVALID;
	b.deadline_ms = opts && opts->deadline_ms ? opts->deadline_ms
						  : BK_DEFAULT_DEADLINE_MS;
	b.connect_timeout_ms = opts && opts->connect_timeout_ms
				       ? opts->connect_timeout_ms : 1000;
	b.backoff_ms = opts && opts->backoff_base_ms ? opts->backoff_base_ms : 20;
	buf_init(&b.in);
	resp_reply_init(&b.reply);
	tmp = malloc(strlen(path) + 5);
	if (tmp == NULL) {
		rc = bk_fail(&b, RDC_NOMEM, "out of memory");
		goto out;
	}
	sprintf(tmp, "%s.tmp", path);
	rc = bk_begin(&b, eps, neps, &job);
	if (rc == RDC_OK)
		rc = bk_save_file(&b, &job, path, tmp, info);
out:
	bk_disconnect(&b);
	buf_free(&b.in);
	resp_reply_free(&b.reply);
	free(tmp);
	free(eps);
	return rc;
}

int rdc_snapshot_inspect(const char *path, struct rdc_snapshot_info *info,
			 char *errmsg, size_t errlen)
{
	if (info != NULL)
		memset(info, 0, sizeof *info);
	if (errmsg == NULL || errlen == 0 || path == NULL)
		return RDC_INVALID;
	errmsg[0] = '\0';
	return bk_check_file(path, BK_INSPECT_MAX_RAW, info, errmsg, errlen);
}
