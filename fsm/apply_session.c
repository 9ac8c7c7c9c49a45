/* apply_session.c - sessions, exactly-once, locks and fences at apply time.
 *
 * Time: the only clock is cluster time, the largest time_ms of the batches
 * applied. It moves at the start of a batch, and right then every session
 * whose deadline (last activity + timeout) it has passed expires, with its
 * locks. Looking for overdue sessions is one glance at the top of the
 * deadline heap, so a batch with nothing to expire costs O(1).
 *
 * Exactly-once: a sequenced command (FSM_F_SESSION) is checked against its
 * session before anything else. The session keeps the result of every seq
 * at or above its ack; a seq found there is answered from it (dup = 1, the
 * first index) and applied no more. A new seq must be at or above the ack
 * (the larger of the session's and the command's), within FSM_SEQ_WINDOW
 * of the highest seq seen, and find room among FSM_SESSION_MAX_PENDING
 * stored results; its result, whatever it is, is stored once the op has
 * run. Refusals (FSM_SESSION_EXPIRED, FSM_BAD_SEQ) change nothing at all,
 * not even the session's ack or expiry. Every other command of a session,
 * a duplicate included, pushes its expiry back.
 *
 * Locks: a token is the log index of the acquisition, which rises across
 * holders and leader changes because the log does. Within one batch a lock
 * can be taken, released and taken again at the same index; the second
 * holder then gets the newest token + 1 so that tokens still strictly
 * increase (the only case where a token is not its log index).
 */
#include "fsm/fsm_impl.h"

/* ---- time and expiry --------------------------------------------------------- */

void fsm__advance_time(fsm *f, uint64_t time_ms)
{
	struct sess *s;

	if (time_ms > f->cluster_time)
		f->cluster_time = time_ms;
	while ((s = sess_overdue(&f->sessions, f->cluster_time)) != NULL) {
		lock_release_all(&f->locks, s->id);
		sess_remove(&f->sessions, s);
	}
}

/* ---- exactly-once ------------------------------------------------------------ */

/* The known-bad mode of fsm.h: process-wide, so that an fsm rebuilt from a
 * snapshot behaves as the one it replaces. */
static bool fsm_unsafe_no_dedup;

void fsm_set_unsafe_no_session_dedup(int on)
{
	fsm_unsafe_no_dedup = on != 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

bool fsm__session_gate(fsm *f, const struct codec_cmd *c,
		       struct fsm_result *res, struct sess **out)
{
	struct sess *s = sess_find(&f->sessions, c->session);
	const struct fsm_seq_result *r;
	uint64_t ack;

	if (s == NULL) {
		res->status = FSM_SESSION_EXPIRED;
		return false;
	}
	ack = max_u64(s->ack, c->ack);
	if (c->seq < ack) {
		res->status = FSM_BAD_SEQ;
		return false;
	}
	r = sess_result(s, c->seq);
	if (r != NULL && fsm_unsafe_no_dedup) {
		/* UNSAFE: run the op again; *out stays NULL, so the stored
		 * first result is neither replaced nor stored twice */
		*out = NULL;
		sess_forget_below(&f->sessions, s, ack);
		sess_touch(&f->sessions, s, f->cluster_time);
		return true;
	}
	if (r != NULL) {
		res->status = r->status;
		res->num = r->num;
		res->index = r->index;
		res->dup = 1;
		/* r moves when results are forgotten: copied first */
		sess_forget_below(&f->sessions, s, ack);
		sess_touch(&f->sessions, s, f->cluster_time);
		return false;
	}
	if ((c->seq > s->highest_seq &&
	     c->seq - s->highest_seq > FSM_SEQ_WINDOW) ||
	    sess_results_from(s, ack) >= FSM_SESSION_MAX_PENDING) {
		res->status = FSM_BAD_SEQ;
		return false;
	}
	*out = s;
	return true;
}

void fsm__session_record(fsm *f, struct sess *s, const struct codec_cmd *c,
			 const struct fsm_result *res)
{
	const struct fsm_seq_result r = {c->seq, res->index, res->num,
					 res->status};

	sess_forget_below(&f->sessions, s, max_u64(s->ack, c->ack));
	if (sess_store(&f->sessions, s, &r) != 0)
		fsm__die(res->index);
	sess_touch(&f->sessions, s, f->cluster_time);
}

/* ---- fencing ----------------------------------------------------------------- */

bool fsm__fence_ok(const fsm *f, const struct codec_cmd *c)
{
	struct lock_state st =
		lock_get(&f->locks, c->fence_lock.p, c->fence_lock.len);

	return st.newest != 0 && c->fence_token == st.newest;
}

/* ---- the session and lock ops ------------------------------------------------- */

/* The session a session op names in num; NULL when there is none (ids are
 * positive). */
static struct sess *named(fsm *f, int64_t num)
{
	return num > 0 ? sess_find(&f->sessions, (uint64_t)num) : NULL;
}

/* Ids and tokens come back in an int64 num; none is handed out above. */
static void session_open(fsm *f, uint64_t index, const struct codec_cmd *c,
			 struct fsm_result *res)
{
	uint64_t id = f->sessions.next_id;

	if (c->num < FSM_SESSION_MIN_TIMEOUT ||
	    c->num > FSM_SESSION_MAX_TIMEOUT || id > INT64_MAX) {
		res->status = FSM_BAD_COMMAND;
		return;
	}
	if (sess_add(&f->sessions, id, (uint64_t)c->num, f->cluster_time) ==
	    NULL)
		fsm__die(index);
	res->num = (int64_t)id;
}

static void session_close(fsm *f, struct sess *s, struct fsm_result *res)
{
	lock_release_all(&f->locks, s->id);
	sess_remove(&f->sessions, s);
	res->num = 1;
}

static void lock_op(fsm *f, uint64_t index, struct sess *s,
		    const struct codec_cmd *c, struct fsm_result *res)
{
	struct codec_args a;
	struct fsm_slice name;
	struct lock_state st;
	uint64_t token;

	codec_args_begin(&a, c);
	codec_arg(&a, &name);
	st = lock_get(&f->locks, name.p, name.len);
	if (st.holder == s->id) { /* again: the same token */
		res->num = (int64_t)st.newest;
		return;
	}
	if (st.holder != 0) {
		res->status = FSM_COND_FAILED;
		res->num = (int64_t)st.holder;
		return;
	}
	token = max_u64(index, st.newest + 1); /* newest <= INT64_MAX */
	if (token > INT64_MAX) {
		res->status = FSM_BAD_COMMAND;
		return;
	}
	if (lock_acquire(&f->locks, name.p, name.len, s->id, token) != 0)
		fsm__die(index);
	res->num = (int64_t)token;
}

static void unlock_op(fsm *f, struct sess *s, const struct codec_cmd *c,
		      struct fsm_result *res)
{
	struct codec_args a;
	struct fsm_slice name;

	codec_args_begin(&a, c);
	codec_arg(&a, &name);
	if (lock_get(&f->locks, name.p, name.len).holder != s->id) {
		res->status = FSM_COND_FAILED;
		return;
	}
	lock_release(&f->locks, name.p, name.len, s->id);
	res->num = 1;
}

void fsm__apply_session_op(fsm *f, uint64_t index, const struct codec_cmd *c,
			   struct fsm_result *res)
{
	struct sess *s;

	if (c->op == FSM_OP_SESSION_OPEN) {
		session_open(f, index, c, res);
		return;
	}
	s = named(f, c->num);
	if (s == NULL) {
		res->status = FSM_SESSION_EXPIRED;
		return;
	}
	switch (c->op) {
	case FSM_OP_SESSION_KEEPALIVE:
		res->num = 1;
		break;
	case FSM_OP_SESSION_CLOSE:
		session_close(f, s, res);
		return; /* s is gone */
	case FSM_OP_LOCK:
		lock_op(f, index, s, c, res);
		break;
	case FSM_OP_UNLOCK:
		unlock_op(f, s, c, res);
		break;
	default: /* the reader lets no other op through */
		res->status = FSM_BAD_COMMAND;
		return;
	}
	sess_touch(&f->sessions, s, f->cluster_time);
}
