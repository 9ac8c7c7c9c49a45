/* test_aio_destroy.c - raftd's UvOsIoDestroy destroys contexts, later.
 *
 * Covers raft/fix_aio_destroy.c. What must hold: every context handed to
 * UvOsIoDestroy is destroyed (none leaks, also when more are handed over
 * than the queue holds, which falls back to a synchronous call), and
 * libraft's segment writer still works across many segments, each of
 * which sets up and destroys its own context: entries appended through
 * raft_uv across a dozen segments all load back after a restart.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/aio_abi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>
#include <raft.h>
#include <raft/uv.h>
#include <uv.h>

#include "raft/raft015.h"

#define N_CTX 200 /* more than the fix's queue holds (64) */

static void test_every_context_destroyed(void **state)
{
	static aio_context_t ctx[N_CTX];

	(void)state;
	for (int i = 0; i < N_CTX; i++) {
		ctx[i] = 0;
		assert_int_equal(syscall(SYS_io_setup, 1, &ctx[i]), 0);
	}
	for (int i = 0; i < N_CTX; i++)
		assert_int_equal(UvOsIoDestroy(ctx[i]), 0);
	rfix_aio_destroy_drain();
	/* A destroyed context is unknown to the kernel: EINVAL. */
	for (int i = 0; i < N_CTX; i++) {
		errno = 0;
		assert_int_equal(syscall(SYS_io_destroy, ctx[i]), -1);
		assert_int_equal(errno, EINVAL);
	}
}

/* ---- appends through raft_uv across many segments ---------------------- */

#define N_ENTRIES 200
#define ENTRY_LEN 1000
#define SEGMENT_SIZE (16 * 1024) /* ~14 entries per segment */

struct io_env {
	uv_loop_t loop;
	struct raft_uv_transport transport;
	struct raft_io io;
	char dir[64];
	int done;
};

static void io_open(struct io_env *e)
{
	assert_int_equal(uv_loop_init(&e->loop), 0);
	assert_int_equal(raft_uv_tcp_init(&e->transport, &e->loop), 0);
	assert_int_equal(raft_uv_init(&e->io, &e->loop, e->dir, &e->transport), 0);
	raft_uv_set_segment_size(&e->io, SEGMENT_SIZE);
	assert_int_equal(e->io.init(&e->io, 1, "127.0.0.1:9"), 0);
}

static void io_closed(struct raft_io *io)
{
	struct io_env *e = io->data;

	e->done = 1;
}

static void io_close(struct io_env *e)
{
	e->io.data = e;
	e->done = 0;
	e->io.close(&e->io, io_closed);
	while (!e->done)
		uv_run(&e->loop, UV_RUN_ONCE);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	raft_uv_close(&e->io);
	raft_uv_tcp_close(&e->transport);
	assert_int_equal(uv_loop_close(&e->loop), 0);
}

static void appended(struct raft_io_append *req, int status)
{
	int *done = req->data;

	assert_int_equal(status, 0);
	*done = 1;
}

static void fill(unsigned char *p, unsigned i)
{
	for (unsigned k = 0; k < ENTRY_LEN; k++)
		p[k] = (unsigned char)(i * 31 + k);
}

static void load(struct io_env *e, struct raft_entry **entries, size_t *n,
		 raft_index *start)
{
	struct raft_snapshot *snap = NULL;
	raft_term term;
	raft_id vote;

	assert_int_equal(e->io.load(&e->io, &term, &vote, &snap, start,
				    entries, n), 0);
	assert_null(snap);
}

static void free_entries(struct raft_entry *entries, size_t n)
{
	void *batch = NULL;

	for (size_t i = 0; i < n; i++) {
		if (entries[i].batch != NULL && entries[i].batch != batch) {
			batch = entries[i].batch;
			raft_free(batch);
		} else if (entries[i].batch == NULL) {
			raft_free(entries[i].buf.base);
		}
	}
	raft_free(entries);
}

/* Closed segment files ("<first>-<last>", digits only) in dir. */
static int closed_segments(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned long long a, b;
	char tail;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (sscanf(de->d_name, "%llu-%llu%c", &a, &b, &tail) == 2)
			n++;
	closedir(d);
	return n;
}

static void test_appends_across_segments(void **state)
{
	struct io_env e;
	struct raft_entry *entries;
	raft_index start;
	size_t n;

	(void)state;
	strcpy(e.dir, "/tmp/raftd-aiodestroy.XXXXXX");
	assert_non_null(mkdtemp(e.dir));

	io_open(&e);
	load(&e, &entries, &n, &start);
	assert_int_equal(n, 0);
	for (unsigned i = 0; i < N_ENTRIES; i++) {
		struct raft_io_append req;
		struct raft_entry entry = {.term = 1, .type = RAFT_COMMAND};
		int done = 0;

		entry.buf.len = ENTRY_LEN;
		entry.buf.base = raft_malloc(ENTRY_LEN);
		assert_non_null(entry.buf.base);
		fill(entry.buf.base, i);
		req.data = &done;
		assert_int_equal(e.io.append(&e.io, &req, &entry, 1, appended), 0);
		while (!done)
			uv_run(&e.loop, UV_RUN_ONCE);
		raft_free(entry.buf.base);
	}
	io_close(&e);
	rfix_aio_destroy_drain();
	/* The appends really went through many segments, i.e. many writers
	 * were set up and their contexts destroyed. */
	assert_true(closed_segments(e.dir) >= 10);

	io_open(&e);
	load(&e, &entries, &n, &start);
	assert_int_equal(start, 1);
	assert_int_equal(n, N_ENTRIES);
	for (unsigned i = 0; i < N_ENTRIES; i++) {
		unsigned char want[ENTRY_LEN];

		fill(want, i);
		assert_int_equal(entries[i].buf.len, ENTRY_LEN);
		assert_memory_equal(entries[i].buf.base, want, ENTRY_LEN);
	}
	free_entries(entries, n);
	io_close(&e);

	{
		char cmd[96];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", e.dir);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_context_destroyed),
		cmocka_unit_test(test_appends_across_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
