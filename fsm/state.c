/* state.c - what the snapshot code reads of the fsm's sessions, locks and
 * scalars, and how it loads them back (see state.h).
 *
 * A visit hands out records that point straight into the tables (a
 * session's results are one contiguous run of its queue), so writing a
 * snapshot copies each byte once.
 */
#include "fsm/state.h"

#include "fsm/fsm_impl.h"

uint64_t fsm_next_session_id(const fsm *f)
{
	return f->sessions.next_id;
}

uint64_t fsm_stored_results(const fsm *f)
{
	return f->sessions.results;
}

uint64_t fsm_lock_count(const fsm *f)
{
	return lock_count(&f->locks);
}

uint64_t fsm_lock_name_bytes(const fsm *f)
{
	return lock_name_bytes(&f->locks);
}

int fsm_has_session(const fsm *f, uint64_t id)
{
	return sess_find(&f->sessions, id) != NULL;
}

void fsm_sessions_visit(const fsm *f, fsm_session_cb cb, void *arg)
{
	const struct sess *s;

	for (s = f->sessions.first; s != NULL; s = s->next) {
		struct fsm_session_rec r = {
			.id = s->id,
			.timeout_ms = s->timeout_ms,
			.last_ms = s->last_ms,
			.highest_seq = s->highest_seq,
			.ack = s->ack,
			.nresults = s->n,
			.results = s->n > 0 ? s->res + s->start : NULL,
		};

		if (cb(arg, &r) != 0)
			return;
	}
}

void fsm_locks_visit(const fsm *f, fsm_lock_cb cb, void *arg)
{
	const struct map_entry *e;
	struct map_iter it;

	map_seek(f->locks.names, NULL, 0, 0, &it);
	while ((e = map_next(&it)) != NULL) {
		struct lock_state st;
		struct fsm_lock_rec r;

		lock_entry(e, &st);
		r.name = map_entry_key(e);
		r.len = e->klen;
		r.holder = st.holder;
		r.newest = st.newest;
		if (cb(arg, &r) != 0)
			return;
	}
}

void fsm_load_scalars(fsm *f, uint64_t cluster_time, uint64_t next_session_id)
{
	f->cluster_time = cluster_time;
	f->sessions.next_id = next_session_id;
}

int fsm_load_session(fsm *f, const struct fsm_session_rec *r)
{
	struct sess_table *t = &f->sessions;
	struct sess *s;
	size_t i;

	if (t->last != NULL && r->id <= t->last->id)
		return -1;
	if (r->nresults > UINT32_MAX)
		return -1;
	s = sess_add(t, r->id, r->timeout_ms, r->last_ms);
	if (s == NULL)
		return -1;
	s->highest_seq = r->highest_seq;
	s->ack = r->ack;
	for (i = 0; i < r->nresults; i++) {
		if (sess_store(t, s, &r->results[i]) != 0) {
			sess_remove(t, s);
			return -1;
		}
	}
	return 0;
}

int fsm_load_lock(fsm *f, const struct fsm_lock_rec *r)
{
	const struct lock_state st = {r->holder, r->newest};

	return lock_load(&f->locks, r->name, r->len, &st);
}

uint64_t fsm_member_addr_bytes(const fsm *f)
{
	return f->members.addr_bytes;
}

int fsm_load_member(fsm *f, const struct fsm_member *m)
{
	struct member_table *t = &f->members;

	if (t->n > 0 && m->id <= t->v[t->n - 1].id)
		return -1;
	return member_set(t, m->id, m->raft_addr, m->raft_len, m->client_addr,
			  m->client_len);
}
