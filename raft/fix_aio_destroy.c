/* fix_aio_destroy.c - kernel AIO contexts destroyed off the event loop.
 *
 * A performance replacement, not a safety fix. raft 0.15 gives every open
 * log segment its own kernel AIO context (UvWriterInit: io_setup) and
 * destroys it when the segment is finalized (UvWriterClose ->
 * uvWriterCleanUpAndFireCloseCb -> UvOsIoDestroy), on the loop thread.
 * io_destroy(2) waits for an RCU grace period before it returns: measured
 * with strace on a leader under put 64/8, 33-40 ms per call, once per
 * 8 MiB segment, i.e. every 0.3-0.4 s at 80k puts/s. Every client and
 * every heartbeat waits behind it; it was the whole p99.9 of the put rows
 * (~40 ms, docs/performance.md).
 *
 * This UvOsIoDestroy hands the context to one background thread, which
 * makes the system call. That is safe because raft 0.15 destroys a
 * segment's context only once nothing is in flight on it: a segment is
 * finalized after its last write completed (uv_append.c asserts the
 * writing queue is empty), and the other callers (the capability probe
 * in uv_fs.c, UvWriterInit's error path) never submitted anything that is
 * still running. After the call raft never uses the context again, and
 * the kernel frees whatever is still queued when the process exits.
 *
 * If the thread cannot be started or its queue is full, the call is made
 * synchronously, as before. rfix_aio_destroy_drain() waits for the queue
 * to empty (tests; orderly shutdown need not call it).
 *
 * This definition takes the name UvOsIoDestroy; raft/patch-archive.sh
 * weakens the archive's (callers: uv_fs.o, uv_writer.o). Return value as
 * the original: 0, or a negative errno (only from a synchronous call).
 */
#include <errno.h>
#include <linux/aio_abi.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raft/raft015.h"

#define QUEUE_CAP 64 /* contexts waiting; one per segment finalized */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t work;  /* signalled when a context is queued */
	pthread_cond_t idle;  /* signalled when the queue has drained */
	aio_context_t q[QUEUE_CAP];
	unsigned head, n;
	bool busy;            /* the thread is inside io_destroy */
	bool started, failed;
} dq = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
};

static int destroy_now(aio_context_t ctx)
{
	return syscall(SYS_io_destroy, ctx) == -1 ? -errno : 0;
}

static void *destroy_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&dq.mu);
	for (;;) {
		while (dq.n == 0) {
			dq.busy = false;
			pthread_cond_broadcast(&dq.idle);
			pthread_cond_wait(&dq.work, &dq.mu);
		}
		aio_context_t ctx = dq.q[dq.head];

		dq.head = (dq.head + 1) % QUEUE_CAP;
		dq.n--;
		dq.busy = true;
		pthread_mutex_unlock(&dq.mu);
		destroy_now(ctx);
		pthread_mutex_lock(&dq.mu);
	}
	return NULL;
}

/* Under dq.mu: start the thread once. False if it cannot run. */
static bool ensure_thread(void)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int rv;

	if (dq.started || dq.failed)
		return dq.started;
	if (pthread_attr_init(&attr) != 0) {
		dq.failed = true;
		return false;
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	/* Signals stay with the threads that handle them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = pthread_create(&t, &attr, destroy_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rv != 0) {
		dq.failed = true;
		return false;
	}
	dq.started = true;
	return true;
}

int UvOsIoDestroy(aio_context_t ctx)
{
	bool queued = false;

	pthread_mutex_lock(&dq.mu);
	if (dq.n < QUEUE_CAP && ensure_thread()) {
		dq.q[(dq.head + dq.n) % QUEUE_CAP] = ctx;
		dq.n++;
		dq.busy = true;
		queued = true;
		pthread_cond_signal(&dq.work);
	}
	pthread_mutex_unlock(&dq.mu);
	return queued ? 0 : destroy_now(ctx);
}

void rfix_aio_destroy_drain(void)
{
	pthread_mutex_lock(&dq.mu);
	while (dq.started && (dq.n > 0 || dq.busy))
		pthread_cond_wait(&dq.idle, &dq.mu);
	pthread_mutex_unlock(&dq.mu);
}
