/* fsm_impl.h - the inside of struct fsm, shared by the files of fsm/ and by
 * nothing else.
 *
 * fsm.c runs a batch: it moves cluster time, expires overdue sessions and
 * sends each command through the exactly-once gate and the fence to its op.
 * apply_kv.c holds the key-value ops, apply_session.c the session and lock
 * ops, the gate and the fence; apply_member.c the member table's ops;
 * state.c what snapshots read and load.
 */
#ifndef RD_FSM_IMPL_H
#define RD_FSM_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "fsm/codec.h"
#include "fsm/fsm.h"
#include "fsm/lock.h"
#include "fsm/map.h"
#include "fsm/member.h"
#include "fsm/session.h"

struct fsm {
	map *m;
	uint64_t applied;
	uint64_t cluster_time; /* largest time_ms applied */
	struct sess_table sessions;
	struct lock_table locks;
	struct member_table members;
};

/* Out of memory while applying: log and abort (see fsm.c). */
_Noreturn void fsm__die(uint64_t index);

/* The key-value ops (PUT, DEL, CAS, CAS_INDEX, INCRBY, MPUT, APPEND) and
 * NOOP. res arrives as FSM_OK, num 0. */
void fsm__apply_kv(fsm *f, uint64_t index, const struct codec_cmd *c,
		   struct fsm_result *res);

/* The session and lock ops (SESSION_OPEN .. UNLOCK). */
void fsm__apply_session_op(fsm *f, uint64_t index, const struct codec_cmd *c,
			   struct fsm_result *res);

/* The member ops (MEMBER_SET, MEMBER_DEL). */
void fsm__apply_member_op(fsm *f, uint64_t index, const struct codec_cmd *c,
			  struct fsm_result *res);

/* Cluster time becomes max(itself, time_ms); then every session past its
 * deadline expires, releasing its locks. */
void fsm__advance_time(fsm *f, uint64_t time_ms);

/* The exactly-once gate for a command with FSM_F_SESSION. Returns true and
 * sets *s when the command is new and must be applied (then pass its
 * result to fsm__session_record); false when res already holds the answer
 * (a duplicate, or FSM_SESSION_EXPIRED / FSM_BAD_SEQ, nothing changed). */
bool fsm__session_gate(fsm *f, const struct codec_cmd *c,
		       struct fsm_result *res, struct sess **s);
void fsm__session_record(fsm *f, struct sess *s, const struct codec_cmd *c,
			 const struct fsm_result *res);

/* Does the command's fence token equal its lock's newest token? */
bool fsm__fence_ok(const fsm *f, const struct codec_cmd *c);

#endif
