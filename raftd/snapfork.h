/* snapfork.h - serialise the fsm without stalling the loop: in a fork()ed
 * child.
 *
 * fork() gives the child a copy-on-write image of the whole process, so the
 * fsm it sees is frozen at the instant of the fork while the parent goes on
 * applying entries and serving clients (LogCabin takes its snapshots the
 * same way). The loop pays only for fork() itself (copying page tables:
 * milliseconds for a large state) and, afterwards, for the pages it writes
 * while the child still shares them.
 *
 * The child runs a producer that writes its output to an anonymous memory
 * file (memfd) created before the fork, reports a status byte on a pipe and
 * exits with _exit(). The parent collects the result with rd_snapfork_wait,
 * which blocks (call it from a threadpool thread, never on the loop), and
 * then owns a read-only mapping of the output until rd_snapfork_release.
 *
 * glibc's fork() takes malloc's locks around the fork, so the producer may
 * allocate even though libuv's threadpool threads exist; it must not touch
 * the loop, libraft or any other thread's state.
 */
#ifndef RD_SNAPFORK_H
#define RD_SNAPFORK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "fsm/fsm.h"

/* Runs in the child: write f's state at (term, index) to fd (a fresh, empty
 * memfd at offset 0). Returns 0, or -1 on failure (then the parent's wait
 * fails). */
typedef int (*rd_snapfork_produce_fn)(const fsm *f, uint64_t term,
				      uint64_t index, int fd, void *arg);

struct rd_snapfork {
	pid_t pid;        /* the child; 0 once reaped */
	int memfd;        /* the output; -1 when none */
	int status_fd;    /* read end of the child's status pipe; -1 when none */
	void *base;       /* mapping of the output after a successful wait */
	size_t len;
	uint64_t fork_us; /* how long fork() took on the caller's thread */
};

/* The producer that writes raftd's snapshot format (snapshot/snap.h). */
int rd_snapfork_produce_snap(const fsm *f, uint64_t term, uint64_t index,
			     int fd, void *arg);

/* Fork a child that runs produce(f, term, index, memfd, arg). On the loop.
 * Returns 0 (s then holds a running child), or -1 with errno set (nothing
 * to release). */
int rd_snapfork_start(struct rd_snapfork *s, const fsm *f, uint64_t term,
		      uint64_t index, rd_snapfork_produce_fn produce,
		      void *arg);

/* Wait for the child (blocking: threadpool only), reap it and map its
 * output read-only into s->base/s->len. Returns 0, or -1 when the child
 * failed, died or produced nothing usable (the reason goes to the log). */
int rd_snapfork_wait(struct rd_snapfork *s);

/* Unmap and close everything; reaps the child (killing it first) if it has
 * not been waited for. Safe to call twice. */
void rd_snapfork_release(struct rd_snapfork *s);

/* The same, but once the child has been waited for, the unmapping and the
 * closing (which frees the output's pages: tens of milliseconds for a few
 * hundred megabytes) run in loop's threadpool. loop may be NULL (then it
 * is rd_snapfork_release). s is reset at once either way. */
void rd_snapfork_release_async(struct rd_snapfork *s, uv_loop_t *loop);

#endif
