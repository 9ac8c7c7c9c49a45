/* session.c - session bookkeeping and the asynchronous keepalive timer (see
 * session.h).
 *
 * The timer is one-shot and re-armed from the session's last activity, so
 * a session that is busy with writes never sends a keepalive at all: any
 * applied command restarts the server's expiry clock just as well. At most
 * one keepalive is in flight; a failed one (no leader, say) is tried again
 * a third of the timeout later, which still leaves two more chances before
 * the session could expire.
 */
#include "client/session.h"

#include <stdlib.h>

#include "client/async.h"

static void on_timer_closed(uv_handle_t *h)
{
	rdc_session *s = h->data;
	rdc_async *a = s->a;

	s->timer_on = false;
	if (s->refs == 0)
		free(s);
	rdc__async_handle_closed(a);
}

/* Stop the timer for good (it is closed, not just stopped). */
static void timer_off(rdc_session *s)
{
	if (s->timer_on && !uv_is_closing((uv_handle_t *)&s->timer))
		uv_close((uv_handle_t *)&s->timer, on_timer_closed);
}

rdc_session *rdc__session_new(rdc_async *a, void *owner, unsigned timeout_ms)
{
	rdc_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->a = a;
	s->owner = owner;
	s->timeout_ms = timeout_ms ? timeout_ms : RDC__SESSION_DEFAULT_MS;
	s->next_seq = 1;
	s->refs = 1;
	rdc__list_init(&s->pending);
	rdc__list_init(&s->link);
	return s;
}

void rdc__session_ref(rdc_session *s)
{
	s->refs++;
}

void rdc__session_unref(rdc_session *s)
{
	if (--s->refs > 0)
		return;
	/* With the timer still closing, its callback frees s. */
	if (!s->timer_on)
		free(s);
}

/* ---- keepalive timer --------------------------------------------------- */

static uint64_t period(const rdc_session *s)
{
	uint64_t p = s->timeout_ms / 3;

	return p ? p : 1;
}

static void arm(rdc_session *s);
static void on_tick(uv_timer_t *t);

static void on_keepalive(rdc_async_req *req, int status,
			 const struct rdc_reply *r)
{
	rdc_session *s = rdc_async_req_data(req);

	(void)r;
	s->ka_inflight = false;
	if (s->expired || !s->user_held || !s->timer_on ||
	    uv_is_closing((uv_handle_t *)&s->timer))
		return;
	/* Success moved last_active: the next one is due a period after it.
	 * A failure (no leader for a moment) is tried again a period from
	 * now, not at once. */
	if (status == RDC_OK)
		arm(s);
	else
		uv_timer_start(&s->timer, on_tick, period(s), 0);
}

static void on_tick(uv_timer_t *t)
{
	rdc_session *s = t->data;
	uv_loop_t *loop = rdc__async_loop(s->a);

	if (s->ka_inflight || s->expired || !s->user_held)
		return;
	if (!rdc__session_idle(s, uv_now(loop))) {
		arm(s);
		return;
	}
	if (rdc__async_keepalive(s, on_keepalive, s) == RDC_OK)
		s->ka_inflight = true;
	else
		uv_timer_start(&s->timer, on_tick, period(s), 0);
}

/* Fire when the session will have been idle for a period. */
static void arm(rdc_session *s)
{
	uv_loop_t *loop;
	uint64_t due, now;

	if (!s->timer_on || uv_is_closing((uv_handle_t *)&s->timer))
		return;
	loop = rdc__async_loop(s->a);
	now = uv_now(loop);
	due = s->last_active + period(s);
	uv_timer_start(&s->timer, on_tick, due > now ? due - now : 0, 0);
}

void rdc__session_adopt(rdc_session *s, bool keepalive_timer)
{
	s->user_held = true;
	s->refs++;
	rdc__list_push(rdc__async_sessions(s->a), &s->link);
	if (!keepalive_timer)
		return;
	uv_timer_init(rdc__async_loop(s->a), &s->timer);
	s->timer.data = s;
	s->timer_on = true;
	rdc__async_handle_opened(s->a);
	arm(s);
}

/* ---- sequence numbers -------------------------------------------------- */

void rdc__session_take_seq(rdc_session *s, struct rdc__seq *q)
{
	q->seq = s->next_seq++;
	rdc__list_push(&s->pending, &q->link);
}

uint64_t rdc__session_ack(const rdc_session *s)
{
	const struct rdc__list *first = rdc__list_first(&s->pending);

	if (first == NULL)
		return s->next_seq;
	return rdc__container_of(first, struct rdc__seq, link)->seq;
}

void rdc__seq_done(struct rdc__seq *q)
{
	rdc__list_remove(&q->link);
}

/* ---- liveness ---------------------------------------------------------- */

void rdc__session_activity(rdc_session *s, uint64_t sent_at)
{
	if (sent_at > s->last_active)
		s->last_active = sent_at;
	if (!s->ka_inflight)
		arm(s);
}

bool rdc__session_idle(const rdc_session *s, uint64_t now)
{
	return now >= s->last_active + period(s);
}

void rdc__session_mark_expired(rdc_session *s)
{
	if (s->expired)
		return;
	s->expired = true;
	if (s->timer_on)
		uv_timer_stop(&s->timer);
	if (s->on_expired != NULL && s->user_held)
		s->on_expired(s, s->expired_data);
}

/* ---- public accessors -------------------------------------------------- */

uint64_t rdc_session_id(const rdc_session *s)
{
	return s->id;
}

unsigned rdc_session_timeout_ms(const rdc_session *s)
{
	return s->timeout_ms;
}

uint64_t rdc_session_next_seq(const rdc_session *s)
{
	return s->next_seq;
}

int rdc_session_expired(const rdc_session *s)
{
	return s->expired;
}

void rdc_async_session_on_expired(rdc_session *s, rdc_session_expired_cb cb,
				  void *data)
{
	s->on_expired = cb;
	s->expired_data = data;
}

void rdc_session_free(rdc_session *s)
{
	if (s == NULL || !s->user_held)
		return;
	s->user_held = false;
	rdc__list_remove(&s->link);
	timer_off(s);
	rdc__session_unref(s);
}

void rdc__session_drop_all(struct rdc__list *sessions)
{
	struct rdc__list *n;

	while ((n = rdc__list_first(sessions)) != NULL)
		rdc_session_free(rdc__container_of(n, rdc_session, link));
}
