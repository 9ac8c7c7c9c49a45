/* wgl.c - Wing-Gong-Lowe search with memoization.
 *
 * Events live in a doubly linked list between two sentinels; linearizing an
 * operation unlinks its invocation and completion ("lifting"), and
 * backtracking relinks them in the reverse order, dancing-links style, so
 * both are O(1). The tail sentinel counts as the completion of an unknown
 * operation: reaching it, or the completion of any info operation (they all
 * sort after every known completion), means each operation with a known
 * completion has been linearized, and the rest may simply never have taken
 * effect.
 *
 * The memo is an open-addressing hash set of (bitset of linearized
 * operations, model state), stored in one growing arena of 64-bit words.
 */
#include "jepsen/check/wgl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct jl_entry {
	struct jl_entry *prev, *next;
	struct jl_entry *match; /* invocation <-> completion */
	size_t item;
	int is_ret;
	int inf;                /* completion of an unknown op, or the tail */
	uint64_t pos;
};

struct jl_memo {
	size_t words;      /* bitset words per configuration */
	uint64_t *arena;   /* configurations: [state, bits...] each */
	size_t used, cap;  /* configurations */
	uint32_t *table;   /* 1-based arena slots; 0 is empty */
	size_t tcap;       /* power of two */
	size_t bytes, max_bytes;
};

struct jl_frame {
	struct jl_entry *call;
	int64_t state;
};

int64_t jl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *jl_verdict_name(enum jl_verdict v)
{
	return v == JL_VALID ? "valid" : v == JL_INVALID ? "invalid" : "unknown";
}

const char *jl_verdict_json(enum jl_verdict v)
{
	return v == JL_VALID ? "true" : v == JL_INVALID ? "false" : "\"unknown\"";
}

static uint64_t jl_mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static uint64_t jl_hash(const uint64_t *bits, size_t words, int64_t state)
{
	uint64_t h = jl_mix((uint64_t)state);

	for (size_t k = 0; k < words; k++)
		h = jl_mix(h ^ bits[k]);
	return h;
}

static size_t jl_memo_bytes(const struct jl_memo *mm, size_t cap, size_t tcap)
{
	return cap * (mm->words + 1) * sizeof(uint64_t) + tcap * sizeof(uint32_t);
}

/* Make room for one more configuration; -1 past the budget or memory. */
static int jl_memo_grow(struct jl_memo *mm)
{
	if (mm->used == mm->cap) {
		size_t ncap = mm->cap ? mm->cap * 2 : 1024;
		uint64_t *a;

		if (ncap >= UINT32_MAX ||
		    (mm->max_bytes && jl_memo_bytes(mm, ncap, mm->tcap) > mm->max_bytes))
			return -1;
		a = realloc(mm->arena, ncap * (mm->words + 1) * sizeof *a);
		if (a == NULL)
			return -1;
		mm->arena = a;
		mm->cap = ncap;
	}
	if ((mm->used + 1) * 2 > mm->tcap) {
		size_t ntcap = mm->tcap ? mm->tcap * 2 : 2048;
		uint32_t *t;

		if (mm->max_bytes && jl_memo_bytes(mm, mm->cap, ntcap) > mm->max_bytes)
			return -1;
		t = calloc(ntcap, sizeof *t);
		if (t == NULL)
			return -1;
		for (size_t k = 0; k < mm->used; k++) {
			const uint64_t *c = mm->arena + k * (mm->words + 1);
			size_t at = jl_hash(c + 1, mm->words, (int64_t)c[0]) & (ntcap - 1);

			while (t[at] != 0)
				at = (at + 1) & (ntcap - 1);
			t[at] = (uint32_t)(k + 1);
		}
		free(mm->table);
		mm->table = t;
		mm->tcap = ntcap;
	}
	mm->bytes = jl_memo_bytes(mm, mm->cap, mm->tcap);
	return 0;
}

/* 1: the configuration is new (now remembered); 0: seen before; -1: no
 * room. */
static int jl_memo_insert(struct jl_memo *mm, const uint64_t *bits, int64_t state)
{
	size_t at;
	uint64_t *c;

	if (jl_memo_grow(mm) != 0)
		return -1;
	at = jl_hash(bits, mm->words, state) & (mm->tcap - 1);
	while (mm->table[at] != 0) {
		c = mm->arena + (mm->table[at] - 1) * (mm->words + 1);
		if ((int64_t)c[0] == state && memcmp(c + 1, bits, mm->words * 8) == 0)
			return 0;
		at = (at + 1) & (mm->tcap - 1);
	}
	c = mm->arena + mm->used * (mm->words + 1);
	c[0] = (uint64_t)state;
	memcpy(c + 1, bits, mm->words * 8);
	mm->table[at] = (uint32_t)(++mm->used);
	return 1;
}

static int jl_entry_cmp(const void *a, const void *b)
{
	const struct jl_entry *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	if (x->is_ret != y->is_ret)
		return x->is_ret - y->is_ret;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* Sort the 2n events and link them between head and tail; match pointers
 * are set after sorting, through a per-item index. */
static int jl_build(const struct jl_item *items, size_t n, struct jl_entry *ev,
		    struct jl_entry *head, struct jl_entry *tail)
{
	struct jl_entry **call_of = calloc(n ? n : 1, sizeof *call_of);

	if (call_of == NULL)
		return -1;
	for (size_t k = 0; k < n; k++) {
		ev[2 * k] = (struct jl_entry){NULL, NULL, NULL, k, 0, 0, items[k].call};
		ev[2 * k + 1] = (struct jl_entry){NULL, NULL, NULL, k, 1,
						  items[k].ret == JL_INF, items[k].ret};
	}
	qsort(ev, 2 * n, sizeof *ev, jl_entry_cmp);
	for (size_t k = 0; k < 2 * n; k++)
		if (!ev[k].is_ret)
			call_of[ev[k].item] = &ev[k];
	for (size_t k = 0; k < 2 * n; k++)
		if (ev[k].is_ret) {
			ev[k].match = call_of[ev[k].item];
			call_of[ev[k].item]->match = &ev[k];
		}
	free(call_of);
	*head = (struct jl_entry){NULL, n ? &ev[0] : tail, NULL, 0, 0, 0, 0};
	*tail = (struct jl_entry){n ? &ev[2 * n - 1] : head, NULL, NULL, 0, 1, 1, JL_INF};
	for (size_t k = 0; k < 2 * n; k++) {
		ev[k].prev = k ? &ev[k - 1] : head;
		ev[k].next = k + 1 < 2 * n ? &ev[k + 1] : tail;
	}
	return 0;
}

static void jl_lift(struct jl_entry *call)
{
	struct jl_entry *ret = call->match;

	call->prev->next = call->next;
	call->next->prev = call->prev;
	ret->prev->next = ret->next;
	ret->next->prev = ret->prev;
}

static void jl_unlift(struct jl_entry *call)
{
	struct jl_entry *ret = call->match;

	ret->prev->next = ret;
	ret->next->prev = ret;
	call->prev->next = call;
	call->next->prev = call;
}

struct jl_search {
	const struct jm_model *m;
	const struct jl_item *items;
	const struct jl_limits *lim;
	struct jl_memo memo;
	uint64_t *bits;
	struct jl_frame *stack;
	size_t sp;
	struct jl_stats st;
};

/* Try to linearize the op invoked at e in *state: 1 when it was (the
 * caller restarts from the head), 0 when not, -1 when the memo is full. */
static int jl_try(struct jl_search *s, struct jl_entry *e, int64_t *state)
{
	size_t id = e->item;
	int64_t next;
	int r;

	if (!s->m->step(*state, s->items[id].op, &next))
		return 0;
	s->bits[id / 64] |= 1ull << (id % 64);
	r = jl_memo_insert(&s->memo, s->bits, next);
	if (r != 1) {
		s->bits[id / 64] &= ~(1ull << (id % 64));
		return r;
	}
	s->stack[s->sp++] = (struct jl_frame){e, *state};
	if (s->sp > s->st.deepest)
		s->st.deepest = s->sp;
	*state = next;
	jl_lift(e);
	return 1;
}

static enum jl_verdict jl_run(struct jl_search *s, struct jl_entry *head, int64_t state)
{
	struct jl_entry *cur = head->next;

	for (;;) {
		if (cur == NULL)
			return JL_UNKNOWN; /* cannot happen: a completion follows every call */
		if (cur->is_ret) {
			struct jl_frame f;

			if (cur->inf)
				return JL_VALID;
			if (s->sp == 0)
				return JL_INVALID;
			f = s->stack[--s->sp];
			state = f.state;
			s->bits[f.call->item / 64] &= ~(1ull << (f.call->item % 64));
			jl_unlift(f.call);
			cur = f.call->next;
			continue;
		}
		if ((++s->st.steps & 1023) == 0 && s->lim != NULL &&
		    s->lim->deadline_ns != 0 && jl_now_ns() > s->lim->deadline_ns)
			return JL_UNKNOWN;
		switch (jl_try(s, cur, &state)) {
		case 1:
			cur = head->next;
			break;
		case 0:
			cur = cur->next;
			break;
		default:
			return JL_UNKNOWN;
		}
	}
}

enum jl_verdict jl_check(const struct jm_model *m, int64_t init,
			 const struct jl_item *items, size_t n,
			 const struct jl_limits *lim, struct jl_stats *stats)
{
	struct jl_search s;
	struct jl_entry head, tail, *ev;
	enum jl_verdict v = JL_UNKNOWN;

	memset(&s, 0, sizeof s);
	s.m = m;
	s.items = items;
	s.lim = lim;
	s.memo.words = (n + 63) / 64 ? (n + 63) / 64 : 1;
	s.memo.max_bytes = lim != NULL ? lim->max_bytes : 0;
	ev = calloc(2 * n + 1, sizeof *ev);
	s.bits = calloc(s.memo.words, sizeof *s.bits);
	s.stack = calloc(n + 1, sizeof *s.stack);
	if (ev != NULL && s.bits != NULL && s.stack != NULL &&
	    jl_build(items, n, ev, &head, &tail) == 0)
		v = jl_run(&s, &head, init);
	s.st.memo_bytes = s.memo.bytes;
	if (stats != NULL)
		*stats = s.st;
	free(s.memo.arena);
	free(s.memo.table);
	free(ev);
	free(s.bits);
	free(s.stack);
	return v;
}
