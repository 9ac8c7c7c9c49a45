/* keys.c - independent keys shared by groups of workers (Jepsen's
 * independent generator). Workers form groups of --threads-per-key; a group
 * works on one key until it has issued --ops-per-key operations there, then
 * moves on to a fresh key. That bounds the operations per key, and with
 * them the cost of checking each key, whatever the length of the run.
 * Every key handed out is remembered for the final reads. */
#include <stdlib.h>
#include <string.h>

#include "jepsen/runner/runner.h"

int jr_keys_init(struct jr_keys *k, const struct jr_opts *o)
{
	int tpk = o->threads_per_key;

	memset(k, 0, sizeof *k);
	k->per_key = o->ops_per_key;
	k->tpk = tpk;
	k->ngroups = (o->concurrency + tpk - 1) / tpk;
	k->groups = calloc((size_t)k->ngroups, sizeof *k->groups);
	if (k->groups == NULL)
		return -1;
	pthread_mutex_init(&k->mu, NULL);
	for (int g = 0; g < k->ngroups; g++)
		k->groups[g].key = -1;
	return 0;
}

void jr_keys_destroy(struct jr_keys *k)
{
	if (k->groups != NULL)
		pthread_mutex_destroy(&k->mu);
	free(k->groups);
	free(k->used);
	memset(k, 0, sizeof *k);
}

static int jr_keys_remember(struct jr_keys *k, int64_t key)
{
	if (k->nused == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 64;
		int64_t *u = realloc(k->used, ncap * sizeof *u);

		if (u == NULL)
			return -1;
		k->used = u;
		k->cap = ncap;
	}
	k->used[k->nused++] = key;
	return 0;
}

int64_t jr_keys_next(struct jr_keys *k, int worker)
{
	struct jr_key_group *g = &k->groups[worker / k->tpk];
	int64_t key;

	pthread_mutex_lock(&k->mu);
	if (g->key < 0 || g->used >= k->per_key) {
		g->key = k->next++;
		g->used = 0;
		if (jr_keys_remember(k, g->key) != 0)
			jr_log("out of memory: key %lld will miss its final read", (long long)g->key);
	}
	g->used++;
	key = g->key;
	pthread_mutex_unlock(&k->mu);
	return key;
}
