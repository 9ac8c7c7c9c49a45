/* snapfork.c - fsm serialisation in a fork()ed child (see snapfork.h).
 *
 * Protocol between the two processes: the child writes its output to the
 * memfd, then one byte to the status pipe ('k' for success, 'e' for
 * failure) and exits. The parent reads that byte; end of file without a
 * byte means the child died (killed, out of memory). The child exits with
 * _exit() so that no atexit handler, stdio buffer or libuv state of the
 * parent runs twice.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "raftd/snapfork.h"
#include "snapshot/snap.h"

static uint64_t snapfork_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int snapfork_write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len > 0) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Encode straight into the memfd, mapped: no buffer of the state's size
 * to allocate and fault in, and no copy into the file afterwards. */
int rd_snapfork_produce_snap(const fsm *f, uint64_t term, uint64_t index,
			     int fd, void *arg)
{
	uint64_t size = snap_encoded_size(f);
	void *p;

	(void)arg;
	if (size > SIZE_MAX || size > (uint64_t)INT64_MAX ||
	    ftruncate(fd, (off_t)size) != 0)
		return -1;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	snap_encode_into(f, term, index, p);
	return munmap(p, (size_t)size);
}

/* Close every descriptor above stderr except a and b. */
static void snapfork_close_others(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 3)
		close_range(3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0u, 0);
}

static void snapfork_child(const fsm *f, uint64_t term, uint64_t index,
			   rd_snapfork_produce_fn produce, void *arg,
			   int memfd, int status_wr, pid_t parent)
{
	char st;

	/* The child must not outlive the daemon nor keep its sockets open: a
	 * daemon killed with -9 and restarted at once would otherwise find
	 * its ports still held, and peers would not see its connections
	 * close. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* yield the CPU to the daemon and its peers when they need it */
	setpriority(PRIO_PROCESS, 0, 10);
	if (getppid() != parent)
		_exit(4); /* the daemon died before the line above */
	snapfork_close_others(memfd, status_wr);
	st = produce(f, term, index, memfd, arg) == 0 ? 'k' : 'e';
	if (snapfork_write_all(status_wr, &st, 1) != 0)
		_exit(3);
	_exit(st == 'k' ? 0 : 2);
}

static void snapfork_reset(struct rd_snapfork *s)
{
	memset(s, 0, sizeof *s);
	s->memfd = -1;
	s->status_fd = -1;
}

int rd_snapfork_start(struct rd_snapfork *s, const fsm *f, uint64_t term,
		      uint64_t index, rd_snapfork_produce_fn produce,
		      void *arg)
{
	int pipefd[2];
	uint64_t t0;
	pid_t pid, parent;
	int saved;

	snapfork_reset(s);
	s->memfd = memfd_create("raftd-snapshot", MFD_CLOEXEC);
	if (s->memfd < 0)
		return -1;
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		goto fail;
	parent = getpid();
	t0 = snapfork_now_us();
	pid = fork();
	if (pid < 0) {
		saved = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		errno = saved;
		goto fail;
	}
	if (pid == 0) {
		close(pipefd[0]);
		snapfork_child(f, term, index, produce, arg, s->memfd,
			       pipefd[1], parent);
	}
	s->fork_us = snapfork_now_us() - t0;
	close(pipefd[1]);
	s->pid = pid;
	s->status_fd = pipefd[0];
	return 0;
fail:
	saved = errno;
	close(s->memfd);
	snapfork_reset(s);
	errno = saved;
	return -1;
}

static int snapfork_reap(struct rd_snapfork *s)
{
	int wstatus = 0;
	pid_t r;

	do
		r = waitpid(s->pid, &wstatus, 0);
	while (r < 0 && errno == EINTR);
	s->pid = 0;
	if (r < 0)
		return -1;
	if (WIFSIGNALED(wstatus)) {
		rd_error("snapshot child killed by signal %d",
			 WTERMSIG(wstatus));
		return -1;
	}
	return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? 0 : -1;
}

static int snapfork_read_status(struct rd_snapfork *s)
{
	char st = 0;
	ssize_t n;

	do
		n = read(s->status_fd, &st, 1);
	while (n < 0 && errno == EINTR);
	close(s->status_fd);
	s->status_fd = -1;
	if (n != 1 || st != 'k') {
		rd_error("snapshot child %s",
			 n == 1 ? "failed (out of memory?)" :
				  "died before finishing");
		return -1;
	}
	return 0;
}

static int snapfork_map(struct rd_snapfork *s)
{
	struct stat sb;
	void *p;

	if (fstat(s->memfd, &sb) != 0 || sb.st_size <= 0) {
		rd_error("snapshot child produced no output");
		return -1;
	}
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, s->memfd,
		 0);
	if (p == MAP_FAILED) {
		rd_error("cannot map snapshot output: %s", strerror(errno));
		return -1;
	}
	s->base = p;
	s->len = (size_t)sb.st_size;
	return 0;
}

int rd_snapfork_wait(struct rd_snapfork *s)
{
	int st = snapfork_read_status(s);

	if (snapfork_reap(s) != 0)
		st = -1;
	if (st != 0)
		return -1;
	return snapfork_map(s);
}

struct snapfork_drop {
	uv_work_t work;
	void *base;
	size_t len;
	int memfd;
};

static void snapfork_drop_work(uv_work_t *w)
{
	struct snapfork_drop *d = w->data;

	if (d->base != NULL)
		munmap(d->base, d->len);
	close(d->memfd);
}

static void snapfork_drop_after(uv_work_t *w, int status)
{
	(void)status;
	free(w->data);
}

void rd_snapfork_release_async(struct rd_snapfork *s, uv_loop_t *loop)
{
	struct snapfork_drop *d;

	if (loop == NULL || s->pid > 0 || s->status_fd >= 0 || s->memfd < 0 ||
	    (d = malloc(sizeof *d)) == NULL) {
		rd_snapfork_release(s);
		return;
	}
	d->work.data = d;
	d->base = s->base;
	d->len = s->len;
	d->memfd = s->memfd;
	if (uv_queue_work(loop, &d->work, snapfork_drop_work,
			  snapfork_drop_after) != 0) {
		free(d);
		rd_snapfork_release(s);
		return;
	}
	snapfork_reset(s);
}

void rd_snapfork_release(struct rd_snapfork *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		snapfork_reap(s);
	}
	if (s->status_fd >= 0)
		close(s->status_fd);
	if (s->base != NULL)
		munmap(s->base, s->len);
	if (s->memfd >= 0)
		close(s->memfd);
	snapfork_reset(s);
}
