/* bench_crc32.c - speed of raftd's byteCrc32 against raft 0.15.0's.
 *
 * Not a test: it prints one line per buffer size with the throughput of
 * each function and the ratio, for docs/performance.md-style reports.
 * The result depends on the machine; tests/raft/test_crc32.c is what
 * checks that the two agree.  Run with `make bench-crc32`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "raft/raft015.h"

typedef unsigned (*crc_fn)(const void *, size_t, unsigned);

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* MB/s of fn over buf[0..len) repeated until about 0.2 s have passed; the
 * CRCs are folded into *sink, which main prints. */
static double rate(crc_fn fn, const uint8_t *buf, size_t len,
		   unsigned *sink)
{
	size_t reps = 0;
	double t0 = now_s();
	double t;

	do {
		for (int i = 0; i < 64; i++)
			*sink ^= fn(buf, len, *sink);
		reps += 64;
		t = now_s() - t0;
	} while (t < 0.2);
	return (double)reps * (double)len / t / 1e6;
}

int main(void)
{
	static const size_t sizes[] = {64, 296, 4096, 65536};
	size_t max = 65536;
	uint8_t *buf = malloc(max);
	unsigned sink = 0;

	if (buf == NULL) {
		perror("malloc");
		return 1;
	}
	for (size_t i = 0; i < max; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		double orig = rate(rfix_orig_byteCrc32, buf, sizes[i], &sink);
		double fast = rate(byteCrc32, buf, sizes[i], &sink);

		printf("byteCrc32 %6zu B: raft 0.15 %8.1f MB/s, raftd %8.1f "
		       "MB/s, %.2fx\n",
		       sizes[i], orig, fast, fast / orig);
	}
	free(buf);
	/* Printed so that the work cannot be optimised away. */
	printf("(checksum of all runs %08x)\n", sink);
	return 0;
}
