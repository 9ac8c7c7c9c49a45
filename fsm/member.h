/* member.h - the fsm's member table: for every raft server id the cluster
 * knows of, its raft (peer) address and its client address.
 *
 * libraft's configuration holds ids and raft addresses only; clients need
 * to reach a member's client port (leader redirects, status fan-out), and
 * a node added after bootstrap is in no node's --member list. So the
 * addresses travel through the log (FSM_OP_MEMBER_SET / MEMBER_DEL) and in
 * snapshots, and every replica knows them.
 *
 * A cluster has a handful of members: the table is an array sorted by id
 * (binary search to find, memmove to insert). The table owns every address
 * (copied in, each followed by a NUL so the daemon can use them as C
 * strings). Functions that allocate return -1 and leave the table as it was.
 */
#ifndef RD_FSM_MEMBER_H
#define RD_FSM_MEMBER_H

#include <stddef.h>
#include <stdint.h>

#include "fsm/fsm.h"

struct member_ent {
	uint64_t id;
	char *raft_addr;   /* NUL-terminated copy */
	size_t raft_len;
	char *client_addr; /* NUL-terminated copy */
	size_t client_len;
};

struct member_table {
	struct member_ent *v; /* n of them, id ascending */
	size_t n, cap;
	uint64_t addr_bytes;  /* sum of both address lengths over all */
};

void member_table_free(struct member_table *t);

/* The entry for id, or NULL. */
const struct member_ent *member_find(const struct member_table *t,
				     uint64_t id);

/* Insert or replace id's addresses. 0, or -1 when out of memory (nothing
 * changed). Lengths are the caller's to check (fsm_member_addr_ok). */
int member_set(struct member_table *t, uint64_t id, const void *raft,
	       size_t raft_len, const void *client, size_t client_len);

/* Remove id: 1 when it was there, 0 when not. Never fails. */
int member_del(struct member_table *t, uint64_t id);

#endif
