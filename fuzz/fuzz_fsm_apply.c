/* fuzz_fsm_apply.c - libFuzzer target: any bytes as a raft log entry.
 *
 * The input goes to fsm_apply twice (at indexes 1 and 2, so that the second
 * pass meets the keys the first one wrote: NX/XX, CAS and INCRBY take their
 * other branches). Besides the sanitizers, the target checks what the
 * daemon relies on and aborts when it does not hold:
 *
 *  - both passes report the same command count, every stored result carries
 *    the batch's index and a known status;
 *  - a full scan visits keys in strictly increasing byte order (compared
 *    here independently of the map's own comparison), as many as fsm_count,
 *    with fsm_data_bytes bytes, and 1 <= create_index <= mod_index <= 2;
 *  - the state survives a snapshot round trip key by key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "fsm/fsm.h"
#include "snapshot/snap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n",        \
				__FILE__, __LINE__, #cond);                 \
			abort();                                            \
		}                                                           \
	} while (0)

#define RESULTS 64

/* Byte order, shorter first on a tie: the order fsm_scan promises. */
static int order(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen, i;
	const unsigned char *x = a, *y = b;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* A flat copy of the state: every key, value and index in scan order. */
struct walk {
	struct buf b;
	struct buf prev;
	uint64_t keys, bytes;
};

static int walk_cb(void *arg, const struct fsm_kv *kv)
{
	struct walk *w = arg;

	if (w->keys > 0)
		CHECK(order(w->prev.data, w->prev.len, kv->key, kv->klen) < 0);
	buf_reset(&w->prev);
	CHECK(buf_append(&w->prev, kv->key, kv->klen) == 0);
	CHECK(kv->create_index >= 1 && kv->create_index <= kv->mod_index &&
	      kv->mod_index <= 2);
	CHECK(buf_append(&w->b, &kv->klen, sizeof(kv->klen)) == 0);
	CHECK(buf_append(&w->b, kv->key, kv->klen) == 0);
	CHECK(buf_append(&w->b, &kv->vlen, sizeof(kv->vlen)) == 0);
	CHECK(buf_append(&w->b, kv->val, kv->vlen) == 0);
	CHECK(buf_append(&w->b, &kv->create_index, 8) == 0);
	CHECK(buf_append(&w->b, &kv->mod_index, 8) == 0);
	w->keys++;
	w->bytes += kv->klen + kv->vlen;
	return 0;
}

static void walk(const fsm *f, struct walk *w)
{
	buf_init(&w->b);
	buf_init(&w->prev);
	w->keys = 0;
	w->bytes = 0;
	fsm_scan(f, NULL, 0, NULL, 0, SIZE_MAX, walk_cb, w);
	CHECK(w->keys == fsm_count(f));
	CHECK(w->bytes == fsm_data_bytes(f));
}

static void walk_free(struct walk *w)
{
	buf_free(&w->b);
	buf_free(&w->prev);
}

static size_t apply(fsm *f, uint64_t index, const uint8_t *data, size_t size)
{
	struct fsm_result res[RESULTS];
	size_t n, i;

	n = fsm_apply(f, index, data, size, res, RESULTS);
	CHECK(fsm_applied_index(f) == index);
	for (i = 0; i < n && i < RESULTS; i++) {
		CHECK(res[i].index == index);
		CHECK(res[i].status <= FSM_BAD_COMMAND);
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk before, after;
	struct snap_info info;
	const char *err = NULL;
	struct buf snap;
	fsm *f = fsm_new(), *g = NULL;

	CHECK(f != NULL);
	CHECK(apply(f, 1, data, size) == apply(f, 2, data, size));
	walk(f, &before);

	buf_init(&snap);
	CHECK(snap_encode(f, 1, 2, &snap) == 0);
	CHECK(snap_decode(snap.data, snap.len, &g, &info, &err) == 0);
	CHECK(info.keys == fsm_count(f) && fsm_applied_index(g) == 2);
	walk(g, &after);
	CHECK(before.b.len == after.b.len);
	CHECK(before.b.len == 0 ||
	      memcmp(before.b.data, after.b.data, before.b.len) == 0);

	walk_free(&before);
	walk_free(&after);
	buf_free(&snap);
	fsm_free(g);
	fsm_free(f);
	return 0;
}
