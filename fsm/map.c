/* map.c - a B+tree of byte-string keys.
 *
 * Why a B+tree: the map must hold a million keys in little more memory than
 * the keys and values themselves, answer point lookups in a few cache
 * misses, and walk a key range in order. A B+tree does all three: leaves of
 * up to LEAF_MAX slots chained left to right, inner nodes of up to INNER_MAX
 * children, every leaf at the same depth.
 *
 * Memory: an entry is one malloc holding its header, key and value; a leaf
 * slot costs 16 bytes (an 8-byte key prefix plus the entry pointer). Inner
 * nodes hold their own copies of separator keys (struct sep), cut to the
 * shortest prefix that still separates the two neighbours, so deleting an
 * entry never leaves a dangling separator and long keys cost little above
 * the leaves.
 *
 * Speed: keys in one node tend to share their first bytes ("user:000123"
 * next to "user:000187"), and every key between a node's first and last
 * shares what those two share. Each node records that shared length (skip),
 * and each slot caches the next 8 key bytes after it as a big-endian integer
 * (zero padded). Two keys whose cached bytes differ differ in the same
 * order, so a binary search in a node mostly reads the node alone, and only
 * equal cached bytes need the entry itself. The search key is checked
 * against the shared bytes once per node; the node keeps a copy of them
 * when they are short. A node whose keys change shape (a split, a merge, a
 * key that does not share its bytes) recomputes skip and its slots.
 *
 * Inserts: a full leaf splits in half, except that a key going after the
 * last key of the rightmost leaf starts a new leaf and leaves the old one
 * full (the same for inner nodes), so keys loaded in order (snapshots, or
 * increasing ids) fill nodes completely. Everything a split chain needs is
 * allocated before anything moves, so a failed allocation changes nothing.
 *
 * Deletes: a node that drops below a third full borrows from a sibling or
 * merges with it; only borrowing for a leaf allocates (a new separator), and
 * if that fails the leaf stays underfull but correct.
 *
 * Fill: a node off the right edge holds at least a third of its maximum;
 * nodes on the right edge may hold less (the append split above makes them
 * with one entry), but never nothing, except an empty root leaf.
 */
#include "fsm/map.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LEAF_MAX 64
#define LEAF_MIN (LEAF_MAX / 3)
#define INNER_MAX 64 /* children */
#define INNER_MIN (INNER_MAX / 3)
/* With at least INNER_MIN children per inner node this height holds more
 * keys than any memory can. */
#define MAX_HEIGHT 20

struct slot {
	uint64_t pfx; /* 8 key bytes after the node's skip, big-endian, zero
			 padded */
	void *p;      /* leaf: struct map_entry *; inner: struct sep * */
};

/* Shared bytes up to this long are kept in the node itself, so checking a
 * search key against them reads no entry. */
#define NODE_PRE 16

struct node {
	unsigned n;    /* leaf: entries; inner: children */
	uint32_t skip; /* every key in the node starts with the same skip
			  bytes (keys of a leaf, separators of an inner) */
	unsigned char pre[NODE_PRE]; /* those bytes, when skip <= NODE_PRE */
};

struct leaf {
	struct node h;
	struct leaf *next;
	struct slot s[LEAF_MAX];
};

/* k[i] separates c[i] and c[i+1]: keys in c[i] < k[i] <= keys in c[i+1]. */
struct inner {
	struct node h;
	struct slot k[INNER_MAX - 1];
	struct node *c[INNER_MAX];
};

struct sep {
	uint32_t len;
	unsigned char key[];
};

struct map {
	struct node *root; /* never NULL: an empty map has an empty root leaf */
	unsigned height;   /* number of inner levels above the leaves */
	size_t count;
	uint64_t bytes; /* keys and values */
};

/* The inner nodes from the root down to a leaf and the child taken in each. */
struct path {
	struct inner *node[MAX_HEIGHT];
	unsigned idx[MAX_HEIGHT];
};

/* ---- keys ---------------------------------------------------------------- */

static uint64_t key_pfx(const void *key, size_t len)
{
	const unsigned char *k = key;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | (i < len ? k[i] : 0);
	return v;
}

int map_keycmp(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int r = n > 0 ? memcmp(a, b, n) : 0;

	if (r != 0)
		return r;
	return (alen > blen) - (alen < blen);
}

struct keyref {
	const unsigned char *p;
	size_t len;
};

static struct keyref slot_key(const struct slot *s, bool leaf)
{
	struct keyref k;

	if (leaf) {
		const struct map_entry *e = s->p;

		k.p = e->data;
		k.len = e->klen;
	} else {
		const struct sep *sp = s->p;

		k.p = sp->key;
		k.len = sp->len;
	}
	return k;
}

static const struct map_entry *slot_entry(const struct slot *s)
{
	return s->p;
}

static const struct sep *slot_sep(const struct slot *s)
{
	return s->p;
}

static size_t common_prefix(struct keyref a, struct keyref b)
{
	size_t n = a.len < b.len ? a.len : b.len, i = 0;

	while (i < n && a.p[i] == b.p[i])
		i++;
	return i;
}

/* Where key stands against the skip bytes all keys of node h share (ref is
 * one of its keys, read only for long shared bytes): <0 before every key,
 * >0 after every key, 0 when it shares them too. */
static int prefix_rel(const struct node *h, const struct slot *ref, bool leaf,
		      const unsigned char *key, size_t klen)
{
	size_t skip = h->skip;
	const unsigned char *pre;
	int c;

	if (skip == 0)
		return 0;
	if (klen == 0)
		return -1;
	pre = skip <= NODE_PRE ? h->pre : slot_key(ref, leaf).p;
	c = memcmp(key, pre, klen < skip ? klen : skip);
	if (c != 0)
		return c;
	return klen < skip ? -1 : 0; /* a proper prefix of the shared bytes */
}

/* Compare two keys past their shared bytes, knowing their cached 8 bytes
 * are equal: then, if both have 8 bytes, those 8 are equal too. */
static int tail_cmp(const unsigned char *a, size_t alen,
		    const unsigned char *b, size_t blen)
{
	if (alen >= 8 && blen >= 8)
		return map_keycmp(a + 8, alen - 8, b + 8, blen - 8);
	return map_keycmp(a, alen, b, blen);
}

/* ---- searching ----------------------------------------------------------- */

/* Over the n slots of a node (leaf: entries, else separators), the first
 * slot > key when upper, else the first >= key; *found when one equals
 * key. */
static unsigned slots_search(const struct node *h, const struct slot *s,
			     unsigned n, bool leaf, const unsigned char *key,
			     size_t klen, bool upper, bool *found)
{
	unsigned lo = 0, hi = n;
	size_t skip = h->skip;
	uint64_t pfx;
	int rel;

	*found = false;
	if (n == 0)
		return 0;
	rel = prefix_rel(h, &s[0], leaf, key, klen);
	if (rel != 0)
		return rel < 0 ? 0 : n;
	if (skip > 0) { /* key may be NULL when empty */
		key += skip;
		klen -= skip;
	}
	pfx = key_pfx(key, klen);
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c;

		if (pfx != s[mid].pfx) {
			c = pfx < s[mid].pfx ? -1 : 1;
		} else {
			struct keyref k = slot_key(&s[mid], leaf);

			c = tail_cmp(key, klen, k.p + skip, k.len - skip);
		}
		if (c > 0 || (c == 0 && upper)) {
			lo = mid + 1;
		} else {
			hi = mid;
			if (c == 0)
				*found = true;
		}
	}
	return lo;
}

static unsigned leaf_search(const struct leaf *l, const void *key,
			    size_t klen, bool strict, bool *found)
{
	return slots_search(&l->h, l->s, l->h.n, true, key, klen, strict,
			    found);
}

/* The child that holds key: the number of separators <= key. */
static unsigned inner_search(const struct inner *in, const void *key,
			     size_t klen)
{
	bool found;

	return slots_search(&in->h, in->k, in->h.n - 1, false, key, klen, true,
			    &found);
}

static struct leaf *descend(const map *m, const void *key, size_t klen,
			    struct path *p)
{
	struct node *nd = m->root;
	unsigned d;

	for (d = 0; d < m->height; d++) {
		struct inner *in = (struct inner *)nd;
		unsigned i = inner_search(in, key, klen);

		if (p != NULL) {
			p->node[d] = in;
			p->idx[d] = i;
		}
		nd = in->c[i];
	}
	return (struct leaf *)nd;
}

/* ---- the shared bytes ----------------------------------------------------- */

/* Recompute node h's skip from its first and last key (every key between
 * shares what they share) and every slot's cached bytes. O(n) entry reads,
 * so only for nodes whose key set changed shape. */
static void slots_refresh(struct node *h, struct slot *s, unsigned n,
			  bool leaf)
{
	struct keyref first;
	size_t skip;
	unsigned i;

	h->skip = 0;
	if (n == 0)
		return;
	first = slot_key(&s[0], leaf);
	skip = common_prefix(first, slot_key(&s[n - 1], leaf));
	h->skip = (uint32_t)skip;
	memcpy(h->pre, first.p, skip < NODE_PRE ? skip : NODE_PRE);
	for (i = 0; i < n; i++) {
		struct keyref k = slot_key(&s[i], leaf);

		s[i].pfx = key_pfx(k.p + skip, k.len - skip);
	}
}

static void leaf_refresh(struct leaf *l)
{
	slots_refresh(&l->h, l->s, l->h.n, true);
}

static void inner_refresh(struct inner *in)
{
	slots_refresh(&in->h, in->k, in->h.n - 1, false);
}

/* Slot i of node h was just put in: cache its bytes after the node's skip,
 * or, when it does not share the node's skip bytes, refresh the node. */
static void slot_fix(struct node *h, struct slot *s, unsigned n, unsigned i,
		     bool leaf)
{
	struct keyref k = slot_key(&s[i], leaf);

	if (n < 2 || prefix_rel(h, &s[i == 0 ? 1 : 0], leaf, k.p, k.len) != 0) {
		slots_refresh(h, s, n, leaf);
		return;
	}
	s[i].pfx = key_pfx(k.p + h->skip, k.len - h->skip);
}

static void leaf_fix(struct leaf *l, unsigned i)
{
	slot_fix(&l->h, l->s, l->h.n, i, true);
}

static void inner_fix(struct inner *in, unsigned i)
{
	slot_fix(&in->h, in->k, in->h.n - 1, i, false);
}

/* ---- allocation ---------------------------------------------------------- */

static struct map_entry *entry_new(const void *key, size_t klen,
				   const void *val, size_t vlen)
{
	struct map_entry *e;

	if (klen > UINT32_MAX || vlen > UINT32_MAX)
		return NULL;
	e = malloc(sizeof(*e) + klen + vlen);
	if (e == NULL)
		return NULL;
	e->klen = (uint32_t)klen;
	e->vlen = (uint32_t)vlen;
	if (klen > 0)
		memcpy(e->data, key, klen);
	if (vlen > 0)
		memcpy(e->data + klen, val, vlen);
	return e;
}

/* The shortest prefix of hi that sorts after lo (lo < hi): one byte past
 * their common prefix. Any key k with lo < k <= hi separates them. */
static struct sep *sep_between(const struct map_entry *lo,
			       const struct map_entry *hi)
{
	size_t n = lo->klen < hi->klen ? lo->klen : hi->klen;
	size_t cp = 0;
	struct sep *s;

	while (cp < n && lo->data[cp] == hi->data[cp])
		cp++;
	/* lo < hi and lo is not longer-equal, so cp < hi->klen. */
	s = malloc(sizeof(*s) + cp + 1);
	if (s == NULL)
		return NULL;
	s->len = (uint32_t)(cp + 1);
	memcpy(s->key, hi->data, cp + 1);
	return s;
}

/* A slot whose cached bytes the node it goes into fills in. */
static struct slot new_slot(void *p)
{
	struct slot sl = {0, p};

	return sl;
}

static struct leaf *leaf_new(void)
{
	struct leaf *l = malloc(sizeof(*l));

	if (l != NULL) {
		l->h.n = 0;
		l->h.skip = 0;
		l->next = NULL;
	}
	return l;
}

static bool is_leaf_level(const map *m, unsigned depth)
{
	return depth == m->height;
}

/* ---- public: lifecycle and lookup ---------------------------------------- */

map *map_new(void)
{
	map *m = malloc(sizeof(*m));

	if (m == NULL)
		return NULL;
	m->root = (struct node *)leaf_new();
	if (m->root == NULL) {
		free(m);
		return NULL;
	}
	m->height = 0;
	m->count = 0;
	m->bytes = 0;
	return m;
}

static void node_free(map *m, struct node *nd, unsigned depth)
{
	unsigned i;

	if (is_leaf_level(m, depth)) {
		struct leaf *l = (struct leaf *)nd;

		for (i = 0; i < l->h.n; i++)
			free(l->s[i].p);
	} else {
		struct inner *in = (struct inner *)nd;

		for (i = 0; i < in->h.n; i++)
			node_free(m, in->c[i], depth + 1);
		for (i = 0; i + 1 < in->h.n; i++)
			free(in->k[i].p);
	}
	free(nd);
}

void map_free(map *m)
{
	if (m == NULL)
		return;
	node_free(m, m->root, 0);
	free(m);
}

size_t map_count(const map *m)
{
	return m->count;
}

uint64_t map_data_bytes(const map *m)
{
	return m->bytes;
}

const struct map_entry *map_get(const map *m, const void *key, size_t klen)
{
	const struct leaf *l = descend(m, key, klen, NULL);
	bool found;
	unsigned pos = leaf_search(l, key, klen, false, &found);

	return found ? slot_entry(&l->s[pos]) : NULL;
}

/* ---- inserting ----------------------------------------------------------- */

/* Memory for a whole split chain, taken before the tree changes. */
struct spare {
	struct leaf *leaf;
	struct inner *inner[MAX_HEIGHT + 1];
	unsigned ninner, used;
};

static void spare_free(struct spare *sp)
{
	unsigned i;

	free(sp->leaf);
	for (i = sp->used; i < sp->ninner; i++)
		free(sp->inner[i]);
}

/* How many inner nodes splitting the leaf under path p takes: one per full
 * ancestor in a row from the bottom, plus a new root when all are full. */
static int spare_take(const map *m, const struct path *p, struct spare *sp)
{
	unsigned need = 0, d = m->height;

	while (d > 0 && p->node[d - 1]->h.n == INNER_MAX) {
		need++;
		d--;
	}
	if (d == 0)
		need++; /* the root splits too */
	if (m->height + 1 >= MAX_HEIGHT && d == 0)
		return -1;
	sp->ninner = 0;
	sp->used = 0;
	sp->leaf = leaf_new();
	if (sp->leaf == NULL)
		return -1;
	for (; sp->ninner < need; sp->ninner++) {
		sp->inner[sp->ninner] = malloc(sizeof(struct inner));
		if (sp->inner[sp->ninner] == NULL) {
			spare_free(sp);
			return -1;
		}
	}
	return 0;
}

/* Is the node at depth d on the tree's right edge? */
static bool on_right_edge(const struct path *p, unsigned d)
{
	unsigned i;

	for (i = 0; i < d; i++)
		if (p->idx[i] != p->node[i]->h.n - 1)
			return false;
	return true;
}

/* Put (k, c) after child idx of the inner node at depth d, splitting upward
 * as needed with nodes from sp. */
static void inner_insert(map *m, struct path *p, unsigned d, struct slot k,
			 struct node *c, struct spare *sp)
{
	for (;;) {
		struct inner *in, *r;
		struct slot ks[INNER_MAX];
		struct node *cs[INNER_MAX + 1];
		unsigned idx, nl, i;

		in = p->node[d];
		idx = p->idx[d];
		if (in->h.n < INNER_MAX) {
			memmove(&in->k[idx + 1], &in->k[idx],
				(in->h.n - 1 - idx) * sizeof(in->k[0]));
			memmove(&in->c[idx + 2], &in->c[idx + 1],
				(in->h.n - 1 - idx) * sizeof(in->c[0]));
			in->k[idx] = k;
			in->c[idx + 1] = c;
			in->h.n++;
			inner_fix(in, idx);
			return;
		}
		/* Full: lay out all INNER_MAX + 1 children, then cut. */
		for (i = 0; i < INNER_MAX - 1; i++)
			ks[i < idx ? i : i + 1] = in->k[i];
		ks[idx] = k;
		for (i = 0; i < INNER_MAX; i++)
			cs[i <= idx ? i : i + 1] = in->c[i];
		cs[idx + 1] = c;
		nl = (INNER_MAX + 1) / 2;
		if (idx + 1 == INNER_MAX && on_right_edge(p, d))
			nl = INNER_MAX;
		r = sp->inner[sp->used++];
		memcpy(in->k, ks, (nl - 1) * sizeof(ks[0]));
		memcpy(in->c, cs, nl * sizeof(cs[0]));
		in->h.n = nl;
		r->h.n = INNER_MAX + 1 - nl;
		memcpy(r->k, &ks[nl], (r->h.n - 1) * sizeof(ks[0]));
		memcpy(r->c, &cs[nl], r->h.n * sizeof(cs[0]));
		if (nl != INNER_MAX) /* else in kept exactly its old keys */
			inner_refresh(in);
		inner_refresh(r);
		k = ks[nl - 1];
		c = &r->h;
		if (d == 0) {
			struct inner *root = sp->inner[sp->used++];

			root->h.n = 2;
			root->c[0] = &in->h;
			root->c[1] = c;
			root->k[0] = k;
			inner_refresh(root);
			m->root = &root->h;
			m->height++;
			return;
		}
		d--;
	}
}

/* Insert entry e at pos of leaf l (reached through p). */
static int tree_insert(map *m, struct path *p, struct leaf *l, unsigned pos,
		       struct map_entry *e)
{
	struct slot es = new_slot(e);
	struct slot all[LEAF_MAX + 1];
	struct spare sp;
	struct sep *sep;
	struct leaf *r;
	unsigned nl, i;

	if (l->h.n < LEAF_MAX) {
		memmove(&l->s[pos + 1], &l->s[pos],
			(l->h.n - pos) * sizeof(l->s[0]));
		l->s[pos] = es;
		l->h.n++;
		leaf_fix(l, pos);
		return 0;
	}
	for (i = 0; i < LEAF_MAX; i++)
		all[i < pos ? i : i + 1] = l->s[i];
	all[pos] = es;
	nl = (LEAF_MAX + 1) / 2;
	if (pos == LEAF_MAX && l->next == NULL)
		nl = LEAF_MAX; /* appending: keep this leaf full */
	if (spare_take(m, p, &sp) != 0)
		return -1;
	sep = sep_between(slot_entry(&all[nl - 1]), slot_entry(&all[nl]));
	if (sep == NULL) {
		spare_free(&sp);
		return -1;
	}
	r = sp.leaf;
	sp.leaf = NULL;
	memcpy(l->s, all, nl * sizeof(all[0]));
	l->h.n = nl;
	r->h.n = LEAF_MAX + 1 - nl;
	memcpy(r->s, &all[nl], r->h.n * sizeof(all[0]));
	if (nl != LEAF_MAX) /* else l kept exactly its old entries */
		leaf_refresh(l);
	leaf_refresh(r);
	r->next = l->next;
	l->next = r;
	if (m->height == 0) {
		struct inner *root = sp.inner[sp.used++];

		root->h.n = 2;
		root->c[0] = &l->h;
		root->c[1] = &r->h;
		root->k[0] = new_slot(sep);
		inner_refresh(root);
		m->root = &root->h;
		m->height = 1;
	} else {
		inner_insert(m, p, m->height - 1, new_slot(sep), &r->h, &sp);
	}
	spare_free(&sp);
	return 0;
}

/* Put a new entry for key at pos of leaf l (reached through p). */
static int insert_new(map *m, struct path *p, struct leaf *l, unsigned pos,
		      const void *key, size_t klen, const void *val,
		      size_t vlen, uint64_t index)
{
	struct map_entry *e = entry_new(key, klen, val, vlen);

	if (e == NULL)
		return -1;
	e->create_index = index;
	e->mod_index = index;
	if (tree_insert(m, p, l, pos, e) != 0) {
		free(e);
		return -1;
	}
	m->count++;
	m->bytes += klen + vlen;
	return 1;
}

int map_put(map *m, const void *key, size_t klen, const void *val,
	    size_t vlen, uint64_t index)
{
	struct path p;
	struct leaf *l = descend(m, key, klen, &p);
	struct map_entry *e;
	bool found;
	unsigned pos = leaf_search(l, key, klen, false, &found);

	if (!found)
		return insert_new(m, &p, l, pos, key, klen, val, vlen, index);
	e = l->s[pos].p;
	if (vlen != e->vlen) {
		if (vlen > UINT32_MAX)
			return -1;
		e = realloc(e, sizeof(*e) + e->klen + vlen);
		if (e == NULL)
			return -1;
		m->bytes = m->bytes - e->vlen + vlen;
		e->vlen = (uint32_t)vlen;
		l->s[pos].p = e;
	}
	if (vlen > 0)
		memcpy(e->data + e->klen, val, vlen);
	e->mod_index = index;
	return 0;
}

/* The entry grows in place (realloc), so repeated appends to one value cost
 * the bytes appended, not the value's whole length each time (when the
 * allocator can extend the block). */
int map_extend(map *m, const void *key, size_t klen, const void *val,
	       size_t vlen, uint64_t index, uint64_t *new_len)
{
	struct path p;
	struct leaf *l = descend(m, key, klen, &p);
	struct map_entry *e;
	bool found;
	unsigned pos = leaf_search(l, key, klen, false, &found);
	uint64_t total;

	if (!found) {
		*new_len = vlen;
		return insert_new(m, &p, l, pos, key, klen, val, vlen, index);
	}
	e = l->s[pos].p;
	total = (uint64_t)e->vlen + vlen;
	if (total > UINT32_MAX)
		return -1;
	if (vlen > 0) {
		e = realloc(e, sizeof(*e) + e->klen + total);
		if (e == NULL)
			return -1;
		memcpy(e->data + e->klen + e->vlen, val, vlen);
		e->vlen = (uint32_t)total;
		m->bytes += vlen;
		l->s[pos].p = e;
	}
	e->mod_index = index;
	*new_len = total;
	return 0;
}

int map_append(map *m, const void *key, size_t klen, const void *val,
	       size_t vlen, uint64_t create_index, uint64_t mod_index)
{
	struct node *nd = m->root;
	struct map_entry *e;
	struct leaf *l;
	struct path p;
	unsigned d;

	for (d = 0; d < m->height; d++) {
		struct inner *in = (struct inner *)nd;

		p.node[d] = in;
		p.idx[d] = in->h.n - 1;
		nd = in->c[in->h.n - 1];
	}
	l = (struct leaf *)nd;
	if (m->count > 0) {
		/* The last key is in the rightmost leaf: leaves off the root
		 * are never empty. */
		const struct map_entry *last = slot_entry(&l->s[l->h.n - 1]);

		if (map_keycmp(key, klen, last->data, last->klen) <= 0)
			return -1;
	}
	e = entry_new(key, klen, val, vlen);
	if (e == NULL)
		return -1;
	e->create_index = create_index;
	e->mod_index = mod_index;
	if (tree_insert(m, &p, l, l->h.n, e) != 0) {
		free(e);
		return -1;
	}
	m->count++;
	m->bytes += klen + vlen;
	return 0;
}

/* ---- deleting ------------------------------------------------------------ */

static void inner_remove(struct inner *in, unsigned ki)
{
	/* drop separator ki and child ki + 1 */
	memmove(&in->k[ki], &in->k[ki + 1],
		(in->h.n - 2 - ki) * sizeof(in->k[0]));
	memmove(&in->c[ki + 1], &in->c[ki + 2],
		(in->h.n - 2 - ki) * sizeof(in->c[0]));
	in->h.n--;
}

static void inner_rebalance(map *m, struct path *p, unsigned d);

/* Merge leaf r into its left neighbour l, both children of parent around
 * separator ki. */
static void leaf_merge(map *m, struct path *p, unsigned d, struct leaf *l,
		       struct leaf *r, unsigned ki)
{
	struct inner *parent = p->node[d];

	memcpy(&l->s[l->h.n], r->s, r->h.n * sizeof(r->s[0]));
	l->h.n += r->h.n;
	leaf_refresh(l);
	l->next = r->next;
	free(r);
	free(parent->k[ki].p);
	inner_remove(parent, ki);
	inner_rebalance(m, p, d);
}

/* Even out leaves l and r (l left of r) around separator ki of parent;
 * returns -1 when the new separator cannot be allocated. */
static int leaf_borrow(struct inner *parent, unsigned ki, struct leaf *l,
		       struct leaf *r)
{
	unsigned total = l->h.n + r->h.n, nl = total / 2;
	struct slot all[2 * LEAF_MAX];
	struct sep *sep;

	memcpy(all, l->s, l->h.n * sizeof(all[0]));
	memcpy(&all[l->h.n], r->s, r->h.n * sizeof(all[0]));
	sep = sep_between(slot_entry(&all[nl - 1]), slot_entry(&all[nl]));
	if (sep == NULL)
		return -1;
	memcpy(l->s, all, nl * sizeof(all[0]));
	l->h.n = nl;
	memcpy(r->s, &all[nl], (total - nl) * sizeof(all[0]));
	r->h.n = total - nl;
	leaf_refresh(l);
	leaf_refresh(r);
	free(parent->k[ki].p);
	parent->k[ki] = new_slot(sep);
	inner_fix(parent, ki);
	return 0;
}

static void leaf_rebalance(map *m, struct path *p, struct leaf *l)
{
	unsigned d, i;
	struct inner *parent;
	struct leaf *left, *right;

	if (m->height == 0 || l->h.n >= LEAF_MIN)
		return;
	d = m->height - 1;
	parent = p->node[d];
	i = p->idx[d];
	if (i > 0) {
		left = (struct leaf *)parent->c[i - 1];
		right = l;
		i--;
	} else {
		left = l;
		right = (struct leaf *)parent->c[1];
	}
	if (left->h.n + right->h.n <= LEAF_MAX) {
		leaf_merge(m, p, d, left, right, i);
		return;
	}
	/* If the separator cannot be allocated, l stays underfull; it is not
	 * empty (an empty leaf always merges), so the tree stays valid. */
	(void)leaf_borrow(parent, i, left, right);
}

/* Move one child from the left sibling of in (around separator ki). */
static void inner_take_left(struct inner *parent, unsigned ki,
			    struct inner *left, struct inner *in)
{
	memmove(&in->k[1], &in->k[0], (in->h.n - 1) * sizeof(in->k[0]));
	memmove(&in->c[1], &in->c[0], in->h.n * sizeof(in->c[0]));
	in->c[0] = left->c[left->h.n - 1];
	in->k[0] = parent->k[ki];
	parent->k[ki] = left->k[left->h.n - 2];
	left->h.n--;
	in->h.n++;
	inner_fix(in, 0);
	inner_fix(parent, ki);
}

static void inner_take_right(struct inner *parent, unsigned ki,
			     struct inner *in, struct inner *right)
{
	in->c[in->h.n] = right->c[0];
	in->k[in->h.n - 1] = parent->k[ki];
	parent->k[ki] = right->k[0];
	memmove(&right->k[0], &right->k[1],
		(right->h.n - 2) * sizeof(right->k[0]));
	memmove(&right->c[0], &right->c[1],
		(right->h.n - 1) * sizeof(right->c[0]));
	right->h.n--;
	in->h.n++;
	inner_fix(in, in->h.n - 2);
	inner_fix(parent, ki);
}

static void inner_merge(struct inner *parent, unsigned ki, struct inner *l,
			struct inner *r)
{
	l->k[l->h.n - 1] = parent->k[ki];
	memcpy(&l->k[l->h.n], r->k, (r->h.n - 1) * sizeof(r->k[0]));
	memcpy(&l->c[l->h.n], r->c, r->h.n * sizeof(r->c[0]));
	l->h.n += r->h.n;
	inner_refresh(l);
	free(r);
	inner_remove(parent, ki);
}

/* The inner node at depth d just lost a child. */
static void inner_rebalance(map *m, struct path *p, unsigned d)
{
	struct inner *in = p->node[d], *parent, *sib;
	unsigned i;

	if (d == 0) {
		if (in->h.n == 1) {
			m->root = in->c[0];
			m->height--;
			free(in);
		}
		return;
	}
	if (in->h.n >= INNER_MIN)
		return;
	parent = p->node[d - 1];
	i = p->idx[d - 1];
	if (i > 0) {
		sib = (struct inner *)parent->c[i - 1];
		if (sib->h.n > INNER_MIN) {
			inner_take_left(parent, i - 1, sib, in);
			return;
		}
		inner_merge(parent, i - 1, sib, in);
	} else {
		sib = (struct inner *)parent->c[1];
		if (sib->h.n > INNER_MIN) {
			inner_take_right(parent, 0, in, sib);
			return;
		}
		inner_merge(parent, 0, in, sib);
	}
	inner_rebalance(m, p, d - 1);
}

int map_del(map *m, const void *key, size_t klen)
{
	struct path p;
	struct leaf *l = descend(m, key, klen, &p);
	struct map_entry *e;
	bool found;
	unsigned pos = leaf_search(l, key, klen, false, &found);

	if (!found)
		return 0;
	e = l->s[pos].p;
	m->bytes -= (uint64_t)e->klen + e->vlen;
	free(e);
	memmove(&l->s[pos], &l->s[pos + 1], (l->h.n - pos - 1) * sizeof(l->s[0]));
	l->h.n--;
	m->count--;
	leaf_rebalance(m, &p, l);
	return 1;
}

/* ---- iteration ----------------------------------------------------------- */

void map_seek(const map *m, const void *key, size_t klen, int strict,
	      struct map_iter *it)
{
	const struct leaf *l = descend(m, key, klen, NULL);
	bool found;

	it->leaf = l;
	it->pos = leaf_search(l, key, klen, strict != 0, &found);
}

const struct map_entry *map_next(struct map_iter *it)
{
	const struct leaf *l = it->leaf;

	while (l != NULL && it->pos >= l->h.n) {
		l = l->next;
		it->pos = 0;
	}
	it->leaf = l;
	if (l == NULL)
		return NULL;
	return slot_entry(&l->s[it->pos++]);
}

/* ---- invariants ---------------------------------------------------------- */

struct check {
	const map *m;
	const struct leaf *prev_leaf;
	const struct map_entry *prev;
	size_t count;
	uint64_t bytes;
};

/* Every key of a node shares its first skip bytes and caches the 8 after. */
static bool check_slots(const struct node *h, const struct slot *s,
			unsigned n, bool leaf)
{
	size_t skip = h->skip;
	const unsigned char *pre = h->pre;
	unsigned i;

	for (i = 0; i < n; i++) {
		struct keyref k = slot_key(&s[i], leaf);

		if (k.len < skip ||
		    (skip > 0 && memcmp(k.p, slot_key(&s[0], leaf).p, skip)))
			return false;
		if (i == 0 && memcmp(k.p, pre, skip < NODE_PRE ? skip : NODE_PRE))
			return false;
		if (s[i].pfx != key_pfx(k.p + skip, k.len - skip))
			return false;
	}
	return true;
}

/* Keys under nd must lie in [lo, hi) (NULL: unbounded); edge: nd is on the
 * tree's right edge, where nodes may be underfull but not empty. */
static int check_node(struct check *ck, const struct node *nd, unsigned depth,
		      const struct sep *lo, const struct sep *hi, bool edge)
{
	unsigned i;
	bool root = depth == 0;

	if (is_leaf_level(ck->m, depth)) {
		const struct leaf *l = (const struct leaf *)nd;

		if (!root && l->h.n < (edge ? 1u : LEAF_MIN))
			return -1;
		if (l->h.n > LEAF_MAX)
			return -2;
		if (ck->prev_leaf != NULL && ck->prev_leaf->next != l)
			return -3;
		ck->prev_leaf = l;
		if (!check_slots(&l->h, l->s, l->h.n, true))
			return -4;
		for (i = 0; i < l->h.n; i++) {
			const struct map_entry *e = slot_entry(&l->s[i]);

			if (ck->prev != NULL &&
			    map_keycmp(ck->prev->data, ck->prev->klen, e->data,
				       e->klen) >= 0)
				return -5;
			if (lo != NULL && map_keycmp(e->data, e->klen, lo->key,
						     lo->len) < 0)
				return -6;
			if (hi != NULL && map_keycmp(e->data, e->klen, hi->key,
						     hi->len) >= 0)
				return -6;
			ck->prev = e;
			ck->count++;
			ck->bytes += (uint64_t)e->klen + e->vlen;
		}
		return 0;
	}
	const struct inner *in = (const struct inner *)nd;

	if (in->h.n < (root ? 2u : edge ? 1u : INNER_MIN) ||
	    in->h.n > INNER_MAX)
		return -7;
	if (!check_slots(&in->h, in->k, in->h.n - 1, false))
		return -4;
	for (i = 0; i + 1 < in->h.n; i++) {
		const struct sep *s = slot_sep(&in->k[i]);

		if (i > 0 && map_keycmp(slot_sep(&in->k[i - 1])->key,
					slot_sep(&in->k[i - 1])->len, s->key,
					s->len) >= 0)
			return -8;
	}
	for (i = 0; i < in->h.n; i++) {
		const struct sep *clo = i > 0 ? slot_sep(&in->k[i - 1]) : lo;
		const struct sep *chi =
			i + 1 < in->h.n ? slot_sep(&in->k[i]) : hi;
		int r = check_node(ck, in->c[i], depth + 1, clo, chi,
				   edge && i + 1 == in->h.n);

		if (r != 0)
			return r;
	}
	return 0;
}

int map_check(const map *m)
{
	struct check ck = {m, NULL, NULL, 0, 0};
	int r = check_node(&ck, m->root, 0, NULL, NULL, true);

	if (r != 0)
		return r;
	if (ck.prev_leaf != NULL && ck.prev_leaf->next != NULL)
		return -3;
	if (ck.count != m->count || ck.bytes != m->bytes)
		return -9;
	return 0;
}
