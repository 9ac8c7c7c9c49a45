/* test_fsm.c - the harness's FSM: it records every command it applies.
 *
 * The record is the state: a list of (index, text).  rt_check_apply()
 * compares each apply with what other nodes applied at the same index.  A
 * snapshot is the list itself, so a node restored from a snapshot carries
 * the history it replaces: [u64 count] then count x [u64 index][16 text].
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/raft/harness_int.h"

#define RECORD_SIZE (8 + RT_PAYLOAD_SIZE)

static int record(struct rt_node *node, raft_index index, const char *text)
{
	struct rt_applied *a;

	if (node->n_applied == node->cap_applied) {
		unsigned cap = node->cap_applied ? node->cap_applied * 2 : 64;
		a = realloc(node->applied, cap * sizeof *a);
		if (a == NULL)
			return RAFT_NOMEM;
		node->applied = a;
		node->cap_applied = cap;
	}
	a = &node->applied[node->n_applied++];
	a->index = index;
	memset(a->text, 0, sizeof a->text);
	memcpy(a->text, text, strnlen(text, RT_PAYLOAD_SIZE - 1));
	return 0;
}

static int fsm_apply(struct raft_fsm *fsm, const struct raft_buffer *buf,
		     void **result)
{
	struct rt_node *node = fsm->data;
	struct raft *r = rt_raft(node->cluster, node->i);
	raft_index index = raft_last_applied(r) + 1; /* 0.15: see notes */
	char text[RT_PAYLOAD_SIZE] = {0};

	memcpy(text, buf->base,
	       buf->len < RT_PAYLOAD_SIZE - 1 ? buf->len : RT_PAYLOAD_SIZE - 1);
	*result = NULL;
	rt_check_apply(node->cluster, node->i, index, text);
	return record(node, index, text);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int k = 0; k < 8; k++)
		v |= (uint64_t)p[k] << (8 * k);
	return v;
}

static int fsm_snapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[],
			unsigned *n_bufs)
{
	struct rt_node *node = fsm->data;
	size_t len = 8 + (size_t)node->n_applied * RECORD_SIZE;
	uint8_t *p;

	*bufs = raft_malloc(sizeof **bufs);
	if (*bufs == NULL)
		return RAFT_NOMEM;
	p = raft_malloc(len);
	if (p == NULL) {
		raft_free(*bufs);
		return RAFT_NOMEM;
	}
	(*bufs)[0].base = p;
	(*bufs)[0].len = len;
	*n_bufs = 1;
	put_u64(p, node->n_applied);
	p += 8;
	for (unsigned k = 0; k < node->n_applied; k++, p += RECORD_SIZE) {
		put_u64(p, node->applied[k].index);
		memcpy(p + 8, node->applied[k].text, RT_PAYLOAD_SIZE);
	}
	return 0;
}

/* Takes ownership of buf->base (raft's restore contract). */
static int fsm_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
	struct rt_node *node = fsm->data;
	const uint8_t *p = buf->base;
	uint64_t count;
	int rv = 0;

	if (buf->len < 8 || (buf->len - 8) % RECORD_SIZE != 0 ||
	    get_u64(p) != (buf->len - 8) / RECORD_SIZE) {
		raft_free(buf->base);
		return RAFT_MALFORMED;
	}
	count = get_u64(p);
	node->n_applied = 0;
	p += 8;
	for (uint64_t k = 0; k < count && rv == 0; k++, p += RECORD_SIZE) {
		char text[RT_PAYLOAD_SIZE] = {0};

		memcpy(text, p + 8, RT_PAYLOAD_SIZE - 1);
		rv = record(node, get_u64(p), text);
	}
	raft_free(buf->base);
	return rv;
}

void rt_fsm_init(struct rt_node *node)
{
	memset(&node->fsm, 0, sizeof node->fsm);
	node->fsm.version = 1;
	node->fsm.data = node;
	node->fsm.apply = fsm_apply;
	node->fsm.snapshot = fsm_snapshot;
	node->fsm.restore = fsm_restore;
}

void rt_fsm_close(struct rt_node *node)
{
	free(node->applied);
	node->applied = NULL;
	node->n_applied = node->cap_applied = 0;
}
