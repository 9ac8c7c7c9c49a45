/* session.c - the session table: hash by id, heap by deadline, list by id,
 * and each session's queue of stored results (see session.h).
 *
 * The hash is open addressing with linear probing, kept at most half full,
 * and deletes by shifting the following run back (no tombstones, so lookups
 * never slow down as sessions come and go). Nothing here depends on where
 * a session sits in the hash or the heap for anything a replica can see:
 * the heap orders by (deadline, id), a total order, and the hash only
 * answers lookups.
 */
#include "fsm/session.h"

#include <stdlib.h>
#include <string.h>

#define SESS_MIN_BITS 4
#define RES_MIN_CAP 4
#define RES_SHRINK_CAP 16

uint64_t fsm_session_deadline(uint64_t last_ms, uint64_t timeout_ms)
{
	return last_ms > UINT64_MAX - timeout_ms ? UINT64_MAX
						  : last_ms + timeout_ms;
}

/* ---- hash by id ------------------------------------------------------------ */

static size_t home(const struct sess_table *t, uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> (64 - t->bits));
}

static size_t mask(const struct sess_table *t)
{
	return ((size_t)1 << t->bits) - 1;
}

static void hash_put(struct sess_table *t, struct sess *s)
{
	size_t i = home(t, s->id);

	while (t->slots[i] != NULL)
		i = (i + 1) & mask(t);
	t->slots[i] = s;
}

/* Double the slots when one more session would pass half full. */
static int hash_reserve(struct sess_table *t)
{
	struct sess **old = t->slots;
	size_t n = (size_t)1 << t->bits, i;

	if ((t->count + 1) * 2 <= n)
		return 0;
	t->slots = calloc(2 * n, sizeof(*t->slots));
	if (t->slots == NULL) {
		t->slots = old;
		return -1;
	}
	t->bits++;
	for (i = 0; i < n; i++)
		if (old[i] != NULL)
			hash_put(t, old[i]);
	free(old);
	return 0;
}

struct sess *sess_find(const struct sess_table *t, uint64_t id)
{
	size_t i = home(t, id);

	for (; t->slots[i] != NULL; i = (i + 1) & mask(t))
		if (t->slots[i]->id == id)
			return t->slots[i];
	return NULL;
}

/* Empty slot i, then move back every later entry of the run that may sit
 * there (its home is not cyclically within (i, j]). */
static void hash_del(struct sess_table *t, const struct sess *s)
{
	size_t i = home(t, s->id), j;

	while (t->slots[i] != s)
		i = (i + 1) & mask(t);
	t->slots[i] = NULL;
	for (j = (i + 1) & mask(t); t->slots[j] != NULL;
	     j = (j + 1) & mask(t)) {
		size_t k = home(t, t->slots[j]->id);
		int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);

		if (!stays) {
			t->slots[i] = t->slots[j];
			t->slots[j] = NULL;
			i = j;
		}
	}
}

/* ---- heap by (deadline, id) ------------------------------------------------ */

static int before(const struct sess *a, const struct sess *b)
{
	return a->deadline != b->deadline ? a->deadline < b->deadline
					  : a->id < b->id;
}

static void heap_set(struct sess_table *t, size_t i, struct sess *s)
{
	t->heap[i] = s;
	s->heap_pos = i;
}

static void sift_up(struct sess_table *t, size_t i)
{
	struct sess *s = t->heap[i];

	while (i > 0 && before(s, t->heap[(i - 1) / 2])) {
		heap_set(t, i, t->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(t, i, s);
}

static void sift_down(struct sess_table *t, size_t i)
{
	struct sess *s = t->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= t->count)
			break;
		if (c + 1 < t->count && before(t->heap[c + 1], t->heap[c]))
			c++;
		if (!before(t->heap[c], s))
			break;
		heap_set(t, i, t->heap[c]);
		i = c;
	}
	heap_set(t, i, s);
}

static int heap_reserve(struct sess_table *t)
{
	size_t cap = t->heap_cap ? 2 * t->heap_cap : 16;
	struct sess **h;

	if (t->count < t->heap_cap)
		return 0;
	h = realloc(t->heap, cap * sizeof(*h));
	if (h == NULL)
		return -1;
	t->heap = h;
	t->heap_cap = cap;
	return 0;
}

/* Take the session at position i out (t->count already lowered). */
static void heap_del(struct sess_table *t, size_t i)
{
	struct sess *last = t->heap[t->count];

	if (i == t->count)
		return;
	heap_set(t, i, last);
	sift_up(t, i);
	sift_down(t, last->heap_pos);
}

/* ---- the table ------------------------------------------------------------- */

int sess_table_init(struct sess_table *t)
{
	memset(t, 0, sizeof(*t));
	t->bits = SESS_MIN_BITS;
	t->slots = calloc((size_t)1 << t->bits, sizeof(*t->slots));
	t->next_id = 1;
	return t->slots == NULL ? -1 : 0;
}

static void sess_free(struct sess *s)
{
	free(s->res);
	free(s);
}

void sess_table_free(struct sess_table *t)
{
	struct sess *s = t->first, *next;

	for (; s != NULL; s = next) {
		next = s->next;
		sess_free(s);
	}
	free(t->slots);
	free(t->heap);
	memset(t, 0, sizeof(*t));
}

struct sess *sess_add(struct sess_table *t, uint64_t id, uint64_t timeout_ms,
		      uint64_t last_ms)
{
	struct sess *s;

	if (hash_reserve(t) != 0 || heap_reserve(t) != 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->id = id;
	s->timeout_ms = timeout_ms;
	s->last_ms = last_ms;
	s->deadline = fsm_session_deadline(last_ms, timeout_ms);
	s->ack = 1;
	hash_put(t, s);
	t->heap[t->count] = s;
	t->count++;
	sift_up(t, t->count - 1);
	s->prev = t->last;
	if (t->last != NULL)
		t->last->next = s;
	else
		t->first = s;
	t->last = s;
	if (t->next_id <= id)
		t->next_id = id + 1;
	return s;
}

void sess_remove(struct sess_table *t, struct sess *s)
{
	hash_del(t, s);
	t->count--;
	heap_del(t, s->heap_pos);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		t->first = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		t->last = s->prev;
	t->results -= s->n;
	sess_free(s);
}

void sess_touch(struct sess_table *t, struct sess *s, uint64_t now)
{
	if (now > s->last_ms)
		s->last_ms = now;
	s->deadline = fsm_session_deadline(s->last_ms, s->timeout_ms);
	sift_down(t, s->heap_pos);
}

struct sess *sess_overdue(const struct sess_table *t, uint64_t now)
{
	if (t->count == 0 || t->heap[0]->deadline >= now)
		return NULL;
	return t->heap[0];
}

/* ---- stored results -------------------------------------------------------- */

/* The position (from start) of the first result with a seq >= seq. */
static uint32_t lower_bound(const struct sess *s, uint64_t seq)
{
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->res[s->start + mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct fsm_seq_result *sess_result(const struct sess *s, uint64_t seq)
{
	uint32_t i = lower_bound(s, seq);

	if (i < s->n && s->res[s->start + i].seq == seq)
		return &s->res[s->start + i];
	return NULL;
}

uint32_t sess_results_from(const struct sess *s, uint64_t ack)
{
	return s->n - lower_bound(s, ack);
}

static void compact(struct sess *s)
{
	if (s->start > 0 && s->n > 0)
		memmove(s->res, s->res + s->start, s->n * sizeof(*s->res));
	s->start = 0;
}

void sess_forget_below(struct sess_table *t, struct sess *s, uint64_t ack)
{
	uint32_t k = lower_bound(s, ack);

	s->start += k;
	s->n -= k;
	t->results -= k;
	if (s->n == 0)
		s->start = 0;
	if (ack > s->ack)
		s->ack = ack;
	/* A burst of unacknowledged results should not pin its memory. */
	if (s->cap > RES_SHRINK_CAP && s->n <= s->cap / 4) {
		struct fsm_seq_result *r;

		compact(s);
		r = realloc(s->res, (s->cap / 2) * sizeof(*r));
		if (r != NULL) { /* else keep the larger array */
			s->res = r;
			s->cap /= 2;
		}
	}
}

static int make_room(struct sess *s)
{
	uint32_t cap = s->cap ? 2 * s->cap : RES_MIN_CAP;
	struct fsm_seq_result *r;

	if (s->start + s->n < s->cap)
		return 0;
	if (s->start > 0) {
		compact(s);
		return 0;
	}
	r = realloc(s->res, cap * sizeof(*r));
	if (r == NULL)
		return -1;
	s->res = r;
	s->cap = cap;
	return 0;
}

int sess_store(struct sess_table *t, struct sess *s,
	       const struct fsm_seq_result *r)
{
	uint32_t i;

	if (make_room(s) != 0)
		return -1;
	i = lower_bound(s, r->seq);
	memmove(&s->res[s->start + i + 1], &s->res[s->start + i],
		(s->n - i) * sizeof(*r));
	s->res[s->start + i] = *r;
	s->n++;
	t->results++;
	if (r->seq > s->highest_seq)
		s->highest_seq = r->seq;
	return 0;
}
