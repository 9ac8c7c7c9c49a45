/* member_cmd.c - encoding the membership commands, decoding their replies.
 *
 * The reply of RD.MEMBER LIST comes from any node, possibly an older or a
 * confused one, so it is checked as strictly as every other reply: each
 * server must be a four-element array of a positive id and three strings,
 * or the whole reply is RDC_PROTOCOL; nothing is read before its type and
 * count are known. The servers are copied into one allocation (entries
 * first, then their NUL-terminated strings) which the caller frees at once.
 */
#include "client/member_cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARG(s, n) ((struct resp_arg){.p = (s), .len = (n)})
#define ARGS(s) ARG((s), strlen(s))

static const char *const verbs[] = {
	[RDC__MEMBER_ADD] = "ADD",
	[RDC__MEMBER_PROMOTE] = "PROMOTE",
	[RDC__MEMBER_DEMOTE] = "DEMOTE",
	[RDC__MEMBER_REMOVE] = "REMOVE",
};

int rdc__enc_member(struct buf *b, enum rdc__member_verb verb, uint64_t id,
		    const char *raft_addr, const char *client_addr)
{
	char n[24];
	struct resp_arg argv[5] = {
		ARGS("RD.MEMBER"), ARGS(verbs[verb]),
		ARG(n, (size_t)snprintf(n, sizeof(n), "%" PRIu64, id))};
	size_t argc = 3;

	if (verb == RDC__MEMBER_ADD) {
		argv[argc++] = ARGS(raft_addr);
		argv[argc++] = ARGS(client_addr);
	}
	return resp_w_command(b, argc, argv);
}

int rdc__enc_member_list(struct buf *b)
{
	struct resp_arg argv[2] = {ARGS("RD.MEMBER"), ARGS("LIST")};

	return resp_w_command(b, 2, argv);
}

int rdc__enc_transfer(struct buf *b, uint64_t id)
{
	char n[24];
	struct resp_arg argv[2] = {
		ARGS("RD.TRANSFER"),
		ARG(n, (size_t)snprintf(n, sizeof(n), "%" PRIu64, id))};

	return resp_w_command(b, id != 0 ? 2 : 1, argv);
}

static int malformed(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "malformed reply: %s", what);
	return RDC_PROTOCOL;
}

static bool is_string(const struct resp_value *v)
{
	return v->type == RESP_T_BULK || v->type == RESP_T_SIMPLE;
}

/* "*4 [:id $raft_addr $client_addr $role]" with a positive id. */
static bool server_ok(const struct resp_value *s)
{
	uint64_t id;

	return s->type == RESP_T_ARRAY && s->n == 4 &&
	       s->elems[0].type == RESP_T_INT &&
	       resp_value_u64(&s->elems[0], &id) == 0 && id > 0 &&
	       is_string(&s->elems[1]) && is_string(&s->elems[2]) &&
	       is_string(&s->elems[3]);
}

/* One block: r->n entries, then their strings. r was checked. */
static struct rdc_server *servers_block(const struct resp_value *r)
{
	size_t size = r->n * sizeof(struct rdc_server);
	struct rdc_server *out;
	char *p;

	for (size_t i = 0; i < r->n; i++)
		for (size_t f = 1; f < 4; f++)
			size += r->elems[i].elems[f].len + 1;
	out = malloc(size);
	if (out == NULL)
		return NULL;
	p = (char *)(out + r->n);
	for (size_t i = 0; i < r->n; i++) {
		const struct resp_value *e = r->elems[i].elems;

		out[i].id = (uint64_t)e[0].integer;
		out[i].raft_addr = rdc__copy_str(&p, e[1].str, e[1].len);
		out[i].client_addr = rdc__copy_str(&p, e[2].str, e[2].len);
		out[i].role = rdc__copy_str(&p, e[3].str, e[3].len);
	}
	return out;
}

static int decode_list(const struct resp_value *r, struct rdc__result *res,
		       char *err, size_t errlen)
{
	if (r->type != RESP_T_ARRAY)
		return malformed(err, errlen, "expected an array of servers");
	for (size_t i = 0; i < r->n; i++)
		if (!server_ok(&r->elems[i]))
			return malformed(err, errlen,
					 "expected servers [:id $raft_addr $client_addr $role]");
	if (r->n == 0)
		return RDC_OK;
	res->block = servers_block(r);
	if (res->block == NULL)
		return RDC_NOMEM;
	res->reply.servers = res->block;
	res->reply.nservers = r->n;
	return RDC_OK;
}

int rdc__decode_member(enum rdc__op op, const struct resp_value *result,
		       struct rdc__result *res, char *err, size_t errlen)
{
	switch (op) {
	case RDC__OP_MEMBER:
		if (result->type != RESP_T_SIMPLE ||
		    !resp_value_is(result, "OK"))
			return malformed(err, errlen, "expected +OK");
		res->reply.integer = 1;
		return RDC_OK;
	case RDC__OP_TRANSFER:
		if (result->type != RESP_T_INT || result->integer <= 0)
			return malformed(err, errlen,
					 "expected the new leader's id");
		res->reply.integer = result->integer;
		return RDC_OK;
	case RDC__OP_MLIST:
		return decode_list(result, res, err, errlen);
	default:
		return malformed(err, errlen, "not a membership command");
	}
}
