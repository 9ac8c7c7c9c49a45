/* fuzz_fsm_apply.c - libFuzzer target: any bytes as raft log entries.
 *
 * An input that starts with the batch magic is one raw log entry, applied
 * twice (at indexes 1 and 2, so that the second pass meets the keys the
 * first one wrote: NX/XX, CAS and INCRBY take their other branches); the
 * seeds are such batches, version 1 ones among them. Any other input is a
 * program: its bytes choose batches of well-formed commands (every op,
 * sessions with small ids, seqs and acks, fences with small tokens, clocks
 * that jump and lag), which random bytes would almost never spell, so that
 * exactly-once, expiry, locks and fencing all get exercised.
 *
 * Besides the sanitizers, the target checks what the daemon relies on and
 * aborts when it does not hold:
 *
 *  - every stored result has a known status, dup 0 or 1, and the batch's
 *    index (a duplicate: an earlier index, never 0);
 *  - the B+trees hold their invariants (map_check on the keys and both lock
 *    maps); a full scan visits keys in strictly increasing byte order
 *    (compared here independently of the map's own comparison), as many as
 *    fsm_count, with fsm_data_bytes bytes, 1 <= create <= mod <= the last
 *    index; a held lock's holder exists; a lock's newest token never goes
 *    down; cluster time never goes back;
 *  - a snapshot taken halfway decodes to the same state, encodes back to
 *    the same bytes, and the copy, fed the rest of the batches, gives the
 *    same results and ends in the same state as the original; and a fresh
 *    fsm fed everything does too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "fsm/fsm.h"
#include "fsm/fsm_impl.h" /* map_check on the fsm's maps */
#include "fsm/state.h"
#include "snapshot/snap.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define RESULTS 64
#define MAX_BATCHES 48
#define MAX_LOCKS 2

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

/* ---- the state as bytes, checked on the way --------------------------------- */

struct walk {
	struct buf b;    /* everything, flat */
	struct buf prev; /* the last key */
	uint64_t keys, bytes, max_index;
	const fsm *f;
};

static void put(struct buf *b, const void *p, size_t n)
{
	CHECK(buf_append(b, p, n) == 0);
}

static int walk_kv(void *arg, const struct fsm_kv *kv)
{
	struct walk *w = arg;

	if (w->keys > 0)
		CHECK(order(w->prev.data, w->prev.len, kv->key, kv->klen) < 0);
	buf_reset(&w->prev);
	put(&w->prev, kv->key, kv->klen);
	CHECK(kv->create_index >= 1 && kv->create_index <= kv->mod_index &&
	      kv->mod_index <= w->max_index);
	put(&w->b, &kv->klen, sizeof(kv->klen));
	put(&w->b, kv->key, kv->klen);
	put(&w->b, &kv->vlen, sizeof(kv->vlen));
	put(&w->b, kv->val, kv->vlen);
	put(&w->b, &kv->create_index, 8);
	put(&w->b, &kv->mod_index, 8);
	w->keys++;
	w->bytes += kv->klen + kv->vlen;
	return 0;
}

static int walk_session(void *arg, const struct fsm_session_rec *s)
{
	struct walk *w = arg;
	size_t i;

	put(&w->b, s, offsetof(struct fsm_session_rec, nresults));
	for (i = 0; i < s->nresults; i++) {
		const struct fsm_seq_result *r = &s->results[i];

		CHECK(r->seq >= s->ack && r->seq <= s->highest_seq);
		put(&w->b, &r->seq, 8);
		put(&w->b, &r->index, 8);
		put(&w->b, &r->num, 8);
		put(&w->b, &r->status, 1);
	}
	return 0;
}

static int walk_lock(void *arg, const struct fsm_lock_rec *l)
{
	struct walk *w = arg;

	CHECK(l->holder == 0 || fsm_has_session(w->f, l->holder));
	CHECK(l->newest >= 1);
	put(&w->b, l->name, l->len);
	put(&w->b, &l->holder, 8);
	put(&w->b, &l->newest, 8);
	return 0;
}

static void walk(const fsm *f, uint64_t max_index, struct walk *w)
{
	uint64_t scalars[3] = {fsm_applied_index(f), fsm_cluster_time(f),
			       fsm_next_session_id(f)};

	buf_init(&w->b);
	buf_init(&w->prev);
	w->keys = 0;
	w->bytes = 0;
	w->max_index = max_index;
	w->f = f;
	CHECK(map_check(f->m) == 0);
	CHECK(map_check(f->locks.names) == 0);
	CHECK(map_check(f->locks.held) == 0);
	put(&w->b, scalars, sizeof(scalars));
	fsm_scan(f, NULL, 0, NULL, 0, SIZE_MAX, walk_kv, w);
	CHECK(w->keys == fsm_count(f));
	CHECK(w->bytes == fsm_data_bytes(f));
	fsm_sessions_visit(f, walk_session, w);
	fsm_locks_visit(f, walk_lock, w);
}

static void walk_free(struct walk *w)
{
	buf_free(&w->b);
	buf_free(&w->prev);
}

static void assert_same(const fsm *a, const fsm *b, uint64_t max_index)
{
	struct walk wa, wb;

	walk(a, max_index, &wa);
	walk(b, max_index, &wb);
	CHECK(wa.b.len == wb.b.len);
	CHECK(wa.b.len == 0 || memcmp(wa.b.data, wb.b.data, wa.b.len) == 0);
	walk_free(&wa);
	walk_free(&wb);
}

/* ---- applying ---------------------------------------------------------------- */

static size_t apply(fsm *f, uint64_t index, const void *p, size_t len,
		    struct fsm_result *res)
{
	uint64_t before = fsm_cluster_time(f);
	size_t n, i;

	n = fsm_apply(f, index, p, len, res, RESULTS);
	CHECK(fsm_applied_index(f) == index);
	CHECK(fsm_cluster_time(f) >= before);
	for (i = 0; i < n && i < RESULTS; i++) {
		CHECK(res[i].status <= FSM_FENCED);
		CHECK(res[i].dup <= 1);
		if (res[i].dup)
			CHECK(res[i].index >= 1 && res[i].index <= index);
		else
			CHECK(res[i].index == index);
	}
	return n;
}

/* Programs lock "L0" and "L1" only. */
static int newest_cb(void *arg, const struct fsm_lock_rec *l)
{
	const char *name = l->name;
	uint64_t *newest = arg;
	unsigned k;

	CHECK(l->len == 2 && name[0] == 'L' &&
	      (name[1] == '0' || name[1] == '1'));
	k = (unsigned)(name[1] - '0');
	CHECK(l->newest >= newest[k]);
	newest[k] = l->newest;
	return 0;
}

/* ---- programs: bytes that choose well-formed commands ------------------------ */

struct prog {
	const uint8_t *p;
	size_t left;
};

static uint8_t next(struct prog *g)
{
	if (g->left == 0)
		return 0;
	g->left--;
	return *g->p++;
}

static const struct fsm_slice keys[4] = {{"a", 1}, {"b", 1}, {"c", 1},
					 {"", 0}};
static const struct fsm_slice vals[4] = {{"", 0}, {"1", 1}, {"x", 1},
					 {"-5", 2}};
static const struct fsm_slice locks[MAX_LOCKS] = {{"L0", 2}, {"L1", 2}};

/* One command from four bytes: op, flags, who/what, how much. */
static void program_cmd(struct prog *g, struct fsm_cmd *c,
			struct fsm_slice args[4])
{
	uint8_t op = next(g), fl = next(g), who = next(g), n = next(g);
	uint64_t sid = who % 6;
	unsigned i;

	memset(c, 0, sizeof(*c));
	c->op = (uint8_t)(op % (FSM_OP__COUNT + 1)); /* one past: refused */
	/* mostly flags the op takes, so that few commands are refused */
	if (c->op == FSM_OP_PUT)
		c->flags = fl & (FSM_PUT_NX | FSM_PUT_XX);
	if (c->op != FSM_OP_NOOP && c->op < FSM_OP_SESSION_OPEN)
		c->flags |= fl & (FSM_F_SESSION | FSM_F_FENCE);
	else if ((fl & 0x3f) == 0x3f)
		c->flags = fl; /* now and then a shape the codec refuses */
	for (i = 0; i < 4; i++)
		args[i] = i % 2 == 0 ? keys[(who >> (2 + i)) & 3]
				     : vals[(n >> i) & 3];
	c->args = args;
	switch (c->op) {
	case FSM_OP_DEL:
		c->nargs = 1 + (n & 1);
		break;
	case FSM_OP_CAS:
		c->nargs = 3;
		break;
	case FSM_OP_INCRBY:
		c->nargs = 1;
		c->num = (int8_t)n;
		break;
	case FSM_OP_MPUT:
		c->nargs = 2 + 2 * (n & 1);
		break;
	case FSM_OP_CAS_INDEX:
		c->num = n % 32;
		/* fall through */
	case FSM_OP_PUT:
	case FSM_OP_APPEND:
		c->nargs = 2;
		break;
	case FSM_OP_SESSION_OPEN:
		c->num = 1000 + 100 * (int64_t)n;
		break;
	case FSM_OP_LOCK:
	case FSM_OP_UNLOCK:
		c->nargs = 1;
		args[0] = locks[n & 1];
		/* fall through */
	case FSM_OP_SESSION_KEEPALIVE:
	case FSM_OP_SESSION_CLOSE:
		c->num = (int64_t)sid;
		break;
	default:
		break;
	}
	c->session = sid;
	c->seq = n % 16;
	c->ack = (who >> 4) % 8;
	c->fence_lock = locks[who & 1];
	c->fence_token = n % 48;
}

/* Encode the program's next batch into b (commands fsm_batch_add refuses
 * are left out, as a proposer would). */
static void program_batch(struct prog *g, uint64_t *clock, struct buf *b)
{
	uint8_t t = next(g), count = next(g) % 8, i;
	struct fsm_batch_hdr hdr = {.term = 1, .proposer = 1, .seq = 1};

	/* mostly forward, now and then a lagging leader's clock */
	*clock += (uint64_t)(t & 0x7f) * 40;
	hdr.time_ms = t & 0x80 ? *clock - (*clock > 3000 ? 3000 : *clock)
			       : *clock;
	CHECK(fsm_batch_begin(b, &hdr) == 0);
	for (i = 0; i < count; i++) {
		struct fsm_slice args[4];
		struct fsm_cmd c;
		int rv;

		program_cmd(g, &c, args);
		rv = fsm_batch_add(b, &c);
		CHECK(rv == 0 || rv == -2);
	}
	CHECK(fsm_batch_end(b) == 0);
}

/* ---- the two modes ------------------------------------------------------------ */

static void snapshot_copy(const fsm *f, uint64_t index, fsm **out)
{
	struct snap_info info;
	const char *err = NULL;
	struct buf snap, again;

	buf_init(&snap);
	buf_init(&again);
	CHECK(snap_encode(f, 1, index, &snap) == 0);
	CHECK(snap_decode(snap.data, snap.len, out, &info, &err) == 0);
	CHECK(info.keys == fsm_count(f));
	CHECK(info.sessions == fsm_session_count(f));
	CHECK(fsm_applied_index(*out) == index);
	CHECK(snap_encode(*out, 1, index, &again) == 0);
	CHECK(again.len == snap.len &&
	      memcmp(again.data, snap.data, snap.len) == 0);
	buf_free(&snap);
	buf_free(&again);
}

static void run_raw(const uint8_t *data, size_t size)
{
	struct fsm_result r1[RESULTS], r2[RESULTS];
	fsm *f = fsm_new(), *g = NULL;

	CHECK(f != NULL);
	CHECK(apply(f, 1, data, size, r1) == apply(f, 2, data, size, r2));
	snapshot_copy(f, 2, &g);
	assert_same(f, g, 2);
	fsm_free(g);
	fsm_free(f);
}

static void same_results(const struct fsm_result *a, const struct fsm_result *b,
			 size_t n)
{
	size_t i;

	for (i = 0; i < n && i < RESULTS; i++)
		CHECK(a[i].status == b[i].status && a[i].dup == b[i].dup &&
		      a[i].num == b[i].num && a[i].index == b[i].index);
}

static void run_program(const uint8_t *data, size_t size)
{
	struct prog g = {data, size};
	struct buf batches[MAX_BATCHES];
	uint64_t clock = 1000000, newest[MAX_LOCKS] = {0};
	fsm *f = fsm_new(), *copy = NULL, *fresh = fsm_new();
	size_t nb = 0, half, i;

	CHECK(f != NULL && fresh != NULL);
	while (g.left > 0 && nb < MAX_BATCHES) {
		buf_init(&batches[nb]);
		program_batch(&g, &clock, &batches[nb]);
		nb++;
	}
	half = nb / 2;
	for (i = 0; i < nb; i++) {
		struct fsm_result rf[RESULTS], rc[RESULTS], rr[RESULTS];
		uint64_t index = i + 1;
		size_t n;

		if (i == half)
			snapshot_copy(f, i, &copy);
		n = apply(f, index, batches[i].data, batches[i].len, rf);
		CHECK(apply(fresh, index, batches[i].data, batches[i].len,
			    rr) == n);
		same_results(rf, rr, n);
		if (copy != NULL) {
			CHECK(apply(copy, index, batches[i].data,
				    batches[i].len, rc) == n);
			same_results(rf, rc, n);
		}
		fsm_locks_visit(f, newest_cb, newest);
	}
	if (copy != NULL)
		assert_same(f, copy, nb);
	assert_same(f, fresh, nb);
	for (i = 0; i < nb; i++)
		buf_free(&batches[i]);
	fsm_free(copy);
	fsm_free(fresh);
	fsm_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 4 && memcmp(data, "\x9bRDB", 4) == 0)
		run_raw(data, size);
	else
		run_program(data, size);
	return 0;
}
