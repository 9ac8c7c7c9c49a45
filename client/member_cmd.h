/* member_cmd.h - the membership commands' requests and replies:
 * RD.MEMBER ADD | PROMOTE | DEMOTE | REMOVE | LIST and RD.TRANSFER
 * (docs/protocol.md, "Membership and leadership transfer").
 *
 * Like command.h, bytes only: nothing here touches the network, so the
 * encoders and the decoder are tested on bytes alone. The requests
 * themselves (routing, retries) are those of every other command; see
 * member.c.
 */
#ifndef RDC_MEMBER_CMD_H
#define RDC_MEMBER_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/resp.h"
#include "client/command.h"

/* The RD.MEMBER verbs that change the configuration. */
enum rdc__member_verb {
	RDC__MEMBER_ADD,
	RDC__MEMBER_PROMOTE,
	RDC__MEMBER_DEMOTE,
	RDC__MEMBER_REMOVE
};

/* Encoders: append one whole RESP command to b; 0, or -1 when memory runs
 * out (b may then hold a partial command: reset it). */

/* "RD.MEMBER <verb> id", and for ADD the two addresses after it (ignored,
 * and may be NULL, for the other verbs). */
int rdc__enc_member(struct buf *b, enum rdc__member_verb verb, uint64_t id,
		    const char *raft_addr, const char *client_addr);
/* "RD.MEMBER LIST". */
int rdc__enc_member_list(struct buf *b);
/* "RD.TRANSFER id", or "RD.TRANSFER" when id is 0. */
int rdc__enc_transfer(struct buf *b, uint64_t id);

/* Decode the envelope's result for RDC__OP_MEMBER (+OK), RDC__OP_TRANSFER
 * (:new_leader_id > 0, into res->reply.integer) or RDC__OP_MLIST (one
 * "*4 [:id $raft_addr $client_addr $role]" per server, into one malloc'd
 * block behind res->reply.servers). Returns RDC_OK, RDC_NOMEM, or
 * RDC_PROTOCOL with a message in err. */
int rdc__decode_member(enum rdc__op op, const struct resp_value *result,
		       struct rdc__result *res, char *err, size_t errlen);

#endif
