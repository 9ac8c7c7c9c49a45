/* fsm.c - the fsm's lifecycle, applying command batches, and reads.
 *
 * fsm_apply reads a batch command by command (codec.c) and applies each in
 * turn, so a batch whose tail is corrupt still applies its sound prefix and
 * reports FSM_BAD_COMMAND for the rest: that outcome depends only on the
 * bytes, so every replica reaches the same state.
 *
 * Before the first command, the batch's time_ms moves cluster time and
 * overdue sessions expire (apply_session.c): expiry happens only there, at
 * batch boundaries, so it depends on nothing but the batches applied. Each
 * command then goes through its session's exactly-once gate, its fence,
 * and its op (apply_kv.c, apply_session.c), in that order.
 *
 * Out of memory while applying is the one failure that cannot be a result:
 * a replica that skipped a write would silently diverge from the others and
 * later serve wrong reads. fsm_apply then logs and aborts; the node restarts
 * from its snapshot and log.
 */
#include "fsm/fsm.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "fsm/fsm_impl.h"

fsm *fsm_new(void)
{
	fsm *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->m = map_new();
	if (f->m == NULL)
		goto err_after_fsm;
	if (sess_table_init(&f->sessions) != 0)
		goto err_after_map;
	if (lock_table_init(&f->locks) != 0)
		goto err_after_sessions;
	return f;

err_after_sessions:
	sess_table_free(&f->sessions);
err_after_map:
	map_free(f->m);
err_after_fsm:
	free(f);
	return NULL;
}

void fsm_free(fsm *f)
{
	if (f == NULL)
		return;
	member_table_free(&f->members);
	lock_table_free(&f->locks);
	sess_table_free(&f->sessions);
	map_free(f->m);
	free(f);
}

void fsm_note_index(fsm *f, uint64_t index)
{
	f->applied = index;
}

void fsm_set_applied_index(fsm *f, uint64_t index)
{
	f->applied = index;
}

uint64_t fsm_applied_index(const fsm *f)
{
	return f->applied;
}

uint64_t fsm_cluster_time(const fsm *f)
{
	return f->cluster_time;
}

uint64_t fsm_session_count(const fsm *f)
{
	return f->sessions.count;
}

uint64_t fsm_count(const fsm *f)
{
	return map_count(f->m);
}

uint64_t fsm_data_bytes(const fsm *f)
{
	return map_data_bytes(f->m);
}

/* ---- applying --------------------------------------------------------------- */

_Noreturn void fsm__die(uint64_t index)
{
	rd_error("fsm: out of memory applying index %" PRIu64
		 "; stopping rather than diverging from the cluster",
		 index);
	abort();
}

/* A session command passes the gate first (a duplicate is answered from
 * what it got the first time, whatever else has changed since, its fence
 * included), then the fence, then its op; the outcome is stored for the
 * session whatever it was, FSM_FENCED included, so a retry hears the
 * same. */
static void apply_cmd(fsm *f, uint64_t index, const struct codec_cmd *c,
		      struct fsm_result *res)
{
	struct sess *s = NULL;

	res->status = FSM_OK;
	res->num = 0;
	if ((c->flags & FSM_F_SESSION) && !fsm__session_gate(f, c, res, &s))
		return;
	if ((c->flags & FSM_F_FENCE) && !fsm__fence_ok(f, c))
		res->status = FSM_FENCED;
	else if (c->op == FSM_OP_MEMBER_SET || c->op == FSM_OP_MEMBER_DEL)
		fsm__apply_member_op(f, index, c, res);
	else if (c->op >= FSM_OP_SESSION_OPEN) /* the session and lock ops */
		fsm__apply_session_op(f, index, c, res);
	else
		fsm__apply_kv(f, index, c, res);
	if (s != NULL)
		fsm__session_record(f, s, c, res);
}

/* Something that is not a batch at all holds no commands: nothing to apply
 * and nobody waiting for results, since no proposer wrote it. */
size_t fsm_apply(fsm *f, uint64_t index, const void *p, size_t len,
		 struct fsm_result *results, size_t cap)
{
	struct codec_reader r;
	struct fsm_batch_hdr hdr;
	size_t i;

	f->applied = index;
	if (codec_open(&r, p, len, &hdr) != 0)
		return 0;
	fsm__advance_time(f, hdr.time_ms);
	if (results == NULL)
		cap = 0;
	for (i = 0; i < hdr.count; i++) {
		struct fsm_result res = {FSM_BAD_COMMAND, 0, 0, index};
		struct codec_cmd c;
		int k = codec_next(&r, &c);

		if (k == CODEC_CORRUPT) {
			/* count may be huge here: touch only what the caller
			 * can hold */
			for (; i < cap; i++)
				results[i] = res;
			break;
		}
		if (k == CODEC_CMD)
			apply_cmd(f, index, &c, &res);
		if (i < cap)
			results[i] = res;
	}
	return hdr.count;
}

/* ---- reads ---------------------------------------------------------------- */

static void kv_from_entry(const struct map_entry *e, struct fsm_kv *kv)
{
	kv->key = map_entry_key(e);
	kv->klen = e->klen;
	kv->val = map_entry_val(e);
	kv->vlen = e->vlen;
	kv->create_index = e->create_index;
	kv->mod_index = e->mod_index;
}

int fsm_get(const fsm *f, const void *key, size_t klen, struct fsm_kv *out)
{
	const struct map_entry *e = map_get(f->m, key, klen);

	if (e == NULL)
		return 0;
	kv_from_entry(e, out);
	return 1;
}

/* The walk starts at the later of prefix and just-after `after`, and stops
 * at the first key without the prefix: keys with a prefix are contiguous in
 * byte order, so no upper bound needs computing (none exists for prefixes
 * of 0xFF bytes). A limit of 0 visits nothing. */
size_t fsm_scan(const fsm *f, const void *prefix, size_t plen,
		const void *after, size_t alen, size_t limit,
		fsm_visit_cb cb, void *arg)
{
	struct map_iter it;
	const struct map_entry *e;
	size_t n = 0;

	if (limit == 0)
		return 0;
	if (after != NULL && map_keycmp(after, alen, prefix, plen) >= 0)
		map_seek(f->m, after, alen, 1, &it);
	else
		map_seek(f->m, prefix, plen, 0, &it);
	while (n < limit && (e = map_next(&it)) != NULL) {
		struct fsm_kv kv;

		if (e->klen < plen ||
		    (plen > 0 && memcmp(map_entry_key(e), prefix, plen) != 0))
			break;
		kv_from_entry(e, &kv);
		n++;
		if (cb(arg, &kv) != 0)
			break;
	}
	return n;
}

int fsm_load_kv(fsm *f, const struct fsm_kv *kv)
{
	return map_append(f->m, kv->key, kv->klen, kv->val, kv->vlen,
			  kv->create_index, kv->mod_index);
}
