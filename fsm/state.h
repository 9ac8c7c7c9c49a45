/* state.h - the fsm's state beyond the key-value map, as the snapshot code
 * reads and rebuilds it: cluster time, the next session id, the client
 * sessions with their stored results, and the locks.
 *
 * Only snapshot/ (and tests) include this; the daemon uses fsm.h. Loading
 * goes into a fresh fsm (fsm_new) in the order the visits produce: scalars
 * first, then sessions by increasing id, then locks by increasing name. The
 * load functions check order and memory only; the snapshot decoder checks
 * every field against the rules below before it loads anything.
 *
 * The rules a state obeys (so a decoder can refuse anything else):
 *   - next_session_id >= 1, and every session id is below it;
 *   - a session's timeout is within FSM_SESSION_MIN/MAX_TIMEOUT, its
 *     last_ms <= cluster time <= its deadline (last_ms + timeout, capped
 *     at UINT64_MAX): an overdue session is expired when time moves;
 *   - ack >= 1; when highest_seq is 0 (nothing sequenced yet) ack is 1,
 *     else ack <= highest_seq and the newest stored result is highest_seq's
 *     (it cannot have been acknowledged: that takes a seq above it);
 *   - at most FSM_SESSION_MAX_PENDING results, seqs strictly increasing
 *     within [ack, highest_seq], each status one a command can have applied
 *     with (not FSM_SESSION_EXPIRED or FSM_BAD_SEQ, which change nothing
 *     and are never stored), index between 1 and the applied index;
 *   - a lock's newest token is >= 1; its holder is 0 (free) or a session
 *     that exists. A held lock's token is its newest: every acquisition
 *     issues a new token, so the holder's is always the newest.
 */
#ifndef RD_FSM_STATE_H
#define RD_FSM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "fsm/fsm.h"

/* The result a session keeps for one seq. */
struct fsm_seq_result {
	uint64_t seq;
	uint64_t index; /* where the command was first applied */
	int64_t num;
	uint8_t status;
};

struct fsm_session_rec {
	uint64_t id;
	uint64_t timeout_ms;
	uint64_t last_ms;     /* cluster time of its last command */
	uint64_t highest_seq; /* 0: none applied yet */
	uint64_t ack;         /* results below it are forgotten */
	size_t nresults;
	const struct fsm_seq_result *results; /* seq ascending */
};

struct fsm_lock_rec {
	const void *name;
	size_t len;
	uint64_t holder; /* session id, 0 when free */
	uint64_t newest; /* the newest token ever issued for it */
};

/* Deadline of a session: last_ms + timeout_ms, capped at UINT64_MAX. It
 * expires at the first batch whose cluster time is past its deadline. */
uint64_t fsm_session_deadline(uint64_t last_ms, uint64_t timeout_ms);

uint64_t fsm_next_session_id(const fsm *f);
/* How much there is to write: stored results over all sessions, locks, and
 * the bytes of all lock names. O(1). */
uint64_t fsm_stored_results(const fsm *f);
uint64_t fsm_lock_count(const fsm *f);
uint64_t fsm_lock_name_bytes(const fsm *f);
int fsm_has_session(const fsm *f, uint64_t id);

/* Visit sessions by increasing id, locks by increasing name (byte order,
 * as keys). Records point into f: valid during the callback only. The
 * callback returns 0 to go on, non-zero to stop. f must not change. */
typedef int (*fsm_session_cb)(void *arg, const struct fsm_session_rec *s);
typedef int (*fsm_lock_cb)(void *arg, const struct fsm_lock_rec *l);
void fsm_sessions_visit(const fsm *f, fsm_session_cb cb, void *arg);
void fsm_locks_visit(const fsm *f, fsm_lock_cb cb, void *arg);

/* Loading into a fresh fsm. fsm_load_session copies the record (results
 * included) and returns -1 when its id is not above the last loaded one or
 * memory runs out; fsm_load_lock the same for names. A lock's holder must
 * have been loaded first. Neither checks the rules above. */
void fsm_load_scalars(fsm *f, uint64_t cluster_time, uint64_t next_session_id);
int fsm_load_session(fsm *f, const struct fsm_session_rec *s);
int fsm_load_lock(fsm *f, const struct fsm_lock_rec *l);

/* The member table's address bytes (both addresses over all members), and
 * loading one member (copied) after every id loaded so far: -1 when its id
 * is not above the last one or memory runs out. Address rules (id >= 1,
 * lengths per fsm_member_addr_ok) are the decoder's to check. */
uint64_t fsm_member_addr_bytes(const fsm *f);
int fsm_load_member(fsm *f, const struct fsm_member *m);

#endif
