/* session.h - exactly-once client sessions: sequence numbers, acks,
 * liveness.
 *
 * A session is a number the cluster handed out (RD.SESSION OPEN) plus what
 * the client must remember to use it correctly:
 *
 *  - the next sequence number: each logical write gets one when it is
 *    submitted and keeps it on every retry, which is what lets the server
 *    answer a retry from the stored first reply instead of applying again;
 *  - the unfinished sequenced writes, in sequence order: the lowest of them
 *    is the "ack" sent with every write (every lower number will never be
 *    asked for again, so the server may drop those replies). A write whose
 *    caller has been answered, even with RDC_UNCERTAIN at its deadline, is
 *    finished: it is never resent, so its stored reply is no longer needed;
 *  - when it was last active, to keep it alive: the server expires a
 *    session when none of its commands has been applied for its timeout.
 *    The asynchronous interface keeps a timer (a keepalive once the session
 *    has been idle for a third of the timeout); the blocking one checks
 *    before each call (sync.c), since its loop does not run between calls.
 *
 * Lifetime: reference counted. The caller holds one reference from a
 * successful open (or attach) until it closes or frees the session; each
 * unfinished request that names the session holds one. The memory goes when
 * the last reference is dropped and the keepalive timer has closed.
 */
#ifndef RDC_SESSION_H
#define RDC_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "raftd/client.h"
#include "client/list.h"

/* Default session timeout, the server's own default (docs/protocol.md). */
#define RDC__SESSION_DEFAULT_MS 30000

/* A sequence number held by an unfinished write (inside the request). */
struct rdc__seq {
	struct rdc__list link; /* in the session's pending list */
	uint64_t seq;
};

struct rdc_session {
	rdc_async *a;
	void *owner;          /* the blocking client, or NULL (asynchronous) */
	uint64_t id;          /* 0 until the open has been answered */
	unsigned timeout_ms;
	uint64_t next_seq;
	struct rdc__list pending;  /* struct rdc__seq, ascending */
	uint64_t last_active; /* uv_now() when the last command that was
			       * answered was first sent */
	bool user_held;       /* the caller still holds its reference */
	bool expired;         /* the cluster said it is gone */
	bool ka_inflight;     /* a keepalive is on its way */
	bool timer_on;        /* the keepalive timer is initialised */
	uv_timer_t timer;
	unsigned refs;
	struct rdc__list link;  /* in the handle's sessions while user_held */
	rdc_session_expired_cb on_expired;
	void *expired_data;
};

/* A new session object for handle a (no id yet: set when the open is
 * answered, or by the caller for an attach). One reference, not the user's:
 * call rdc__session_adopt when the caller gets it. NULL when out of memory. */
rdc_session *rdc__session_new(rdc_async *a, void *owner, unsigned timeout_ms);

/* The caller now holds s (after a successful open, or on attach): it joins
 * the handle's list, and an asynchronous one starts its keepalive timer. */
void rdc__session_adopt(rdc_session *s, bool keepalive_timer);

void rdc__session_ref(rdc_session *s);
void rdc__session_unref(rdc_session *s);

/* Give a new write its sequence number (kept until rdc__seq_done). */
void rdc__session_take_seq(rdc_session *s, struct rdc__seq *q);
/* The ack to send now: the lowest unfinished sequence number (or the next
 * one when none is unfinished). */
uint64_t rdc__session_ack(const rdc_session *s);
void rdc__seq_done(struct rdc__seq *q);

/* A command of s first sent at sent_at (uv_now) was answered: the server
 * applied it, so the session's expiry clock restarted no earlier. */
void rdc__session_activity(rdc_session *s, uint64_t sent_at);

/* Is a keepalive due at now (idle for more than a third of the timeout)? */
bool rdc__session_idle(const rdc_session *s, uint64_t now);

/* The cluster said s is gone: stop keeping it alive, tell the caller once. */
void rdc__session_mark_expired(rdc_session *s);

/* The handle is closing: free every session the caller still holds. */
void rdc__session_drop_all(struct rdc__list *sessions);

#endif
