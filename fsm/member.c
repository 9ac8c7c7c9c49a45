/* member.c - the member table (see member.h): a sorted array, since a
 * cluster has few members and they change rarely. */
#include "fsm/member.h"

#include <stdlib.h>
#include <string.h>

void member_table_free(struct member_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].raft_addr);
		free(t->v[i].client_addr);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* The position of id, or where it would go. */
static size_t member_pos(const struct member_table *t, uint64_t id)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct member_ent *member_find(const struct member_table *t,
				     uint64_t id)
{
	size_t i = member_pos(t, id);

	return i < t->n && t->v[i].id == id ? &t->v[i] : NULL;
}

static char *dup_bytes(const void *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		return NULL;
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static int member_grow(struct member_table *t)
{
	size_t cap = t->cap == 0 ? 8 : t->cap * 2;
	struct member_ent *v;

	if (t->n < t->cap)
		return 0;
	v = realloc(t->v, cap * sizeof(*v));
	if (v == NULL)
		return -1;
	t->v = v;
	t->cap = cap;
	return 0;
}

int member_set(struct member_table *t, uint64_t id, const void *raft,
	       size_t raft_len, const void *client, size_t client_len)
{
	char *r = dup_bytes(raft, raft_len), *c = dup_bytes(client, client_len);
	size_t i = member_pos(t, id);
	struct member_ent *e;

	if (r == NULL || c == NULL || member_grow(t) != 0) {
		free(r);
		free(c);
		return -1;
	}
	e = &t->v[i];
	if (i < t->n && e->id == id) {
		t->addr_bytes -= e->raft_len + e->client_len;
		free(e->raft_addr);
		free(e->client_addr);
	} else {
		memmove(e + 1, e, (t->n - i) * sizeof(*e));
		t->n++;
	}
	*e = (struct member_ent){id, r, raft_len, c, client_len};
	t->addr_bytes += raft_len + client_len;
	return 0;
}

int member_del(struct member_table *t, uint64_t id)
{
	size_t i = member_pos(t, id);
	struct member_ent *e;

	if (i >= t->n || t->v[i].id != id)
		return 0;
	e = &t->v[i];
	t->addr_bytes -= e->raft_len + e->client_len;
	free(e->raft_addr);
	free(e->client_addr);
	memmove(e, e + 1, (t->n - i - 1) * sizeof(*e));
	t->n--;
	return 1;
}
