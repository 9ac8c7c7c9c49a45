/* command.c - encoding RD.* requests and decoding their replies.
 *
 * Decoders never trust the server: every element's type and count is checked
 * before it is read, and a reply of the wrong shape becomes RDC_PROTOCOL with
 * a message naming what was wrong, never a crash. Decoded entries are copied
 * into one allocation so that a blocking call can hand them to its caller as
 * they are, and the receive buffer can be reused at once.
 */
#include "client/command.h"
#include "client/member_cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	bool write;
	bool data;
} ops[] = {
	[RDC__OP_PUT] = {"RD.PUT", true, true},
	[RDC__OP_GET] = {"RD.GET", false, false},
	[RDC__OP_DEL] = {"RD.DEL", true, true},
	[RDC__OP_CAS] = {"RD.CAS", true, true},
	[RDC__OP_CASIDX] = {"RD.CASIDX", true, true},
	[RDC__OP_INCRBY] = {"RD.INCRBY", true, true},
	[RDC__OP_LIST] = {"RD.LIST", false, false},
	[RDC__OP_STATUS] = {"RD.STATUS", false, false},
	[RDC__OP_APPEND] = {"RD.APPEND", true, true},
	[RDC__OP_SOPEN] = {"RD.SESSION OPEN", true, false},
	[RDC__OP_SKEEPALIVE] = {"RD.SESSION KEEPALIVE", true, false},
	[RDC__OP_SCLOSE] = {"RD.SESSION CLOSE", true, false},
	[RDC__OP_LOCK] = {"RD.LOCK", true, false},
	[RDC__OP_UNLOCK] = {"RD.UNLOCK", true, false},
	[RDC__OP_MEMBER] = {"RD.MEMBER", true, false},
	[RDC__OP_MLIST] = {"RD.MEMBER LIST", false, false},
	[RDC__OP_TRANSFER] = {"RD.TRANSFER", true, false},
};

bool rdc__op_is_write(enum rdc__op op)
{
	return ops[op].write;
}

bool rdc__op_is_data_write(enum rdc__op op)
{
	return ops[op].data;
}

const char *rdc__op_name(enum rdc__op op)
{
	return ops[op].name;
}

/* ---- encoding ---------------------------------------------------------- */

#define ARG(s, n) ((struct resp_arg){.p = (s), .len = (n)})
#define ARGS(s) ARG((s), strlen(s))

int rdc__enc_put(struct buf *b, const char *key, size_t klen,
		 const char *value, size_t vlen, int flags)
{
	struct resp_arg argv[4] = {ARGS("RD.PUT"), ARG(key, klen),
				   ARG(value, vlen)};
	size_t argc = 3;

	if (flags & RDC_PUT_NX)
		argv[argc++] = ARGS("NX");
	else if (flags & RDC_PUT_XX)
		argv[argc++] = ARGS("XX");
	return resp_w_command(b, argc, argv);
}

int rdc__enc_get(struct buf *b, const char *key, size_t klen)
{
	struct resp_arg argv[2] = {ARGS("RD.GET"), ARG(key, klen)};

	return resp_w_command(b, 2, argv);
}

int rdc__enc_del(struct buf *b, size_t nkeys, const char *const *keys,
		 const size_t *klens)
{
	struct resp_arg *argv = malloc((nkeys + 1) * sizeof(*argv));
	int rc;

	if (argv == NULL)
		return -1;
	argv[0] = ARGS("RD.DEL");
	for (size_t i = 0; i < nkeys; i++)
		argv[i + 1] = ARG(keys[i], klens[i]);
	rc = resp_w_command(b, nkeys + 1, argv);
	free(argv);
	return rc;
}

int rdc__enc_cas(struct buf *b, const char *key, size_t klen,
		 const char *expected, size_t elen, const char *value,
		 size_t vlen)
{
	struct resp_arg argv[4] = {ARGS("RD.CAS"), ARG(key, klen),
				   ARG(expected, elen), ARG(value, vlen)};

	return resp_w_command(b, 4, argv);
}

int rdc__enc_cas_index(struct buf *b, const char *key, size_t klen,
		       uint64_t mod_index, const char *value, size_t vlen)
{
	char idx[24];
	struct resp_arg argv[4] = {ARGS("RD.CASIDX"), ARG(key, klen),
				   ARG(idx, 0), ARG(value, vlen)};

	argv[2].len = (size_t)snprintf(idx, sizeof(idx), "%" PRIu64, mod_index);
	return resp_w_command(b, 4, argv);
}

int rdc__enc_incrby(struct buf *b, const char *key, size_t klen, int64_t delta)
{
	char d[24];
	struct resp_arg argv[3] = {ARGS("RD.INCRBY"), ARG(key, klen),
				   ARG(d, 0)};

	argv[2].len = (size_t)snprintf(d, sizeof(d), "%" PRId64, delta);
	return resp_w_command(b, 3, argv);
}

int rdc__enc_list(struct buf *b, const char *prefix, size_t plen,
		  const char *after, size_t alen, size_t limit)
{
	char lim[24];
	struct resp_arg argv[6] = {ARGS("RD.LIST"), ARG(prefix, plen)};
	size_t argc = 2;

	if (limit > 0) {
		argv[argc++] = ARGS("LIMIT");
		argv[argc++] = ARG(lim, (size_t)snprintf(lim, sizeof(lim),
							   "%zu", limit));
	}
	if (after != NULL && alen > 0) {
		argv[argc++] = ARGS("AFTER");
		argv[argc++] = ARG(after, alen);
	}
	return resp_w_command(b, argc, argv);
}

int rdc__enc_status(struct buf *b)
{
	struct resp_arg argv[1] = {ARGS("RD.STATUS")};

	return resp_w_command(b, 1, argv);
}

int rdc__enc_append(struct buf *b, const char *key, size_t klen,
		    const char *value, size_t vlen)
{
	struct resp_arg argv[3] = {ARGS("RD.APPEND"), ARG(key, klen),
				   ARG(value, vlen)};

	return resp_w_command(b, 3, argv);
}

static struct resp_arg u64_arg(char buf[24], uint64_t v)
{
	return ARG(buf, (size_t)snprintf(buf, 24, "%" PRIu64, v));
}

int rdc__enc_session(struct buf *b, enum rdc__op op, uint64_t arg)
{
	char n[24];
	struct resp_arg argv[3] = {ARGS("RD.SESSION"), ARGS("OPEN"),
				   u64_arg(n, arg)};

	if (op == RDC__OP_SKEEPALIVE)
		argv[1] = ARGS("KEEPALIVE");
	else if (op == RDC__OP_SCLOSE)
		argv[1] = ARGS("CLOSE");
	return resp_w_command(b, 3, argv);
}

int rdc__enc_lock(struct buf *b, enum rdc__op op, const char *name,
		  size_t nlen, uint64_t sid)
{
	char n[24];
	struct resp_arg argv[3] = {
		ARGS(op == RDC__OP_UNLOCK ? "RD.UNLOCK" : "RD.LOCK"),
		ARG(name, nlen), u64_arg(n, sid)};

	return resp_w_command(b, 3, argv);
}

/* ---- wrapping a command in more arguments ------------------------------- */

/* The argument count of an encoded command ("*<n>\r\n..."), and where its
 * arguments start. -1 when body is not one. */
static int body_header(const struct buf *body, size_t *argc, size_t *start)
{
	const char *p = body->data;
	size_t i = 1, n = 0;

	if (body->len < 4 || p[0] != '*')
		return -1;
	while (i < body->len && p[i] >= '0' && p[i] <= '9' && i < 12)
		n = n * 10 + (size_t)(p[i++] - '0');
	if (i == 1 || i + 1 >= body->len || p[i] != '\r' || p[i + 1] != '\n')
		return -1;
	*argc = n;
	*start = i + 2;
	return 0;
}

/* out = pre + body's arguments + post, as one command. */
static int wrap(struct buf *out, const struct resp_arg *pre, size_t npre,
		const struct buf *body, const struct resp_arg *post,
		size_t npost)
{
	size_t argc, start;

	if (body_header(body, &argc, &start) != 0)
		return -1;
	if (resp_w_array(out, (long long)(argc + npre + npost)) != 0)
		return -1;
	for (size_t i = 0; i < npre; i++)
		if (resp_w_bulk(out, pre[i].p, pre[i].len) != 0)
			return -1;
	if (buf_append(out, body->data + start, body->len - start) != 0)
		return -1;
	for (size_t i = 0; i < npost; i++)
		if (resp_w_bulk(out, post[i].p, post[i].len) != 0)
			return -1;
	return 0;
}

int rdc__enc_fence(struct buf *out, const struct buf *body, const char *lock,
		   size_t llen, uint64_t token)
{
	char t[24];
	struct resp_arg pre[3] = {ARGS("RD.FENCE"), ARG(lock, llen),
				  u64_arg(t, token)};

	return wrap(out, pre, 3, body, NULL, 0);
}

int rdc__enc_seq(struct buf *out, const struct buf *body, uint64_t sid,
		 uint64_t seq, uint64_t ack)
{
	char a[24], b[24], c[24];
	struct resp_arg pre[4] = {ARGS("RD.SEQ"), u64_arg(a, sid),
				  u64_arg(b, seq), u64_arg(c, ack)};

	return wrap(out, pre, 4, body, NULL, 0);
}

int rdc__enc_mode(struct buf *out, const struct buf *body,
		  enum rdc_consistency mode, uint64_t min_index)
{
	char n[24];
	struct resp_arg post[2] = {ARGS("LINEARIZABLE")};
	size_t npost = 1;

	if (mode == RDC_STALE) {
		post[0] = ARGS("STALE");
	} else if (mode == RDC_SESSION) {
		post[0] = ARGS("SESSION");
		post[npost++] = u64_arg(n, min_index);
	}
	return wrap(out, NULL, 0, body, post, npost);
}

/* ---- errors and envelopes ---------------------------------------------- */

/* Does the error text start with the code word w (followed by a space or the
 * end)? */
static bool err_is(const struct resp_value *e, const char *w)
{
	size_t n = strlen(w);

	return e->len >= n && strncmp(e->str, w, n) == 0 &&
	       (e->len == n || e->str[n] == ' ');
}

enum rdc__err_kind rdc__err_classify(const struct resp_value *err)
{
	if (err_is(err, "MOVED"))
		return RDC__ERR_MOVED;
	if (err_is(err, "TRYAGAIN"))
		return RDC__ERR_TRYAGAIN;
	if (err_is(err, "BUSY"))
		return RDC__ERR_BUSY;
	if (err_is(err, "UNCERTAIN"))
		return RDC__ERR_UNCERTAIN;
	if (err_is(err, "ERR") || err_is(err, "TOOLARGE"))
		return RDC__ERR_BAD;
	if (err_is(err, "BADSEQ"))
		return RDC__ERR_BADSEQ;
	if (err_is(err, "SESSIONEXPIRED"))
		return RDC__ERR_EXPIRED;
	if (err_is(err, "FENCED"))
		return RDC__ERR_FENCED;
	return RDC__ERR_OTHER;
}

int rdc__moved_addr(const struct resp_value *err, struct rdc__addr *out)
{
	const char *p = err->str, *end = err->str + err->len;
	char msg[128];

	/* "MOVED <slot> <host:port>": skip two words. */
	for (int word = 0; word < 2; word++) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (p == end)
		return -1;
	return rdc__addr_parse(p, (size_t)(end - p), out, msg, sizeof(msg));
}

int rdc__envelope(const struct resp_value *v, const struct resp_value **result,
		  struct rdc_meta *meta)
{
	if (v->type != RESP_T_ARRAY || (v->n != 3 && v->n != 5))
		return -1;
	if (resp_value_u64(&v->elems[1], &meta->term) != 0 ||
	    resp_value_u64(&v->elems[2], &meta->index) != 0)
		return -1;
	meta->lag = meta->last_contact_ms = 0;
	if (v->n == 5 &&
	    (resp_value_u64(&v->elems[3], &meta->lag) != 0 ||
	     resp_value_u64(&v->elems[4], &meta->last_contact_ms) != 0))
		return -1;
	*result = &v->elems[0];
	return (int)v->n;
}

/* ---- results ----------------------------------------------------------- */

void rdc__result_init(struct rdc__result *res)
{
	memset(res, 0, sizeof(*res));
	res->reply.errmsg = "";
}

void rdc__result_free(struct rdc__result *res)
{
	free(res->block);
	res->block = NULL;
}

void *rdc__result_take_block(struct rdc__result *res)
{
	void *b = res->block;

	res->block = NULL;
	return b;
}

/* Copy n bytes and a NUL to *p, advance *p, return where the copy is. */
const char *rdc__copy_str(char **p, const char *s, size_t n)
{
	char *dst = *p;

	if (n > 0)
		memcpy(dst, s, n);
	dst[n] = '\0';
	*p += n + 1;
	return dst;
}

struct rdc_kv *rdc__kv_copy(const struct rdc_kv *items, size_t n)
{
	size_t size = n * sizeof(*items);
	struct rdc_kv *out;
	char *p;

	if (n == 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		size += items[i].klen + items[i].vlen + 2;
	out = malloc(size);
	if (out == NULL)
		return NULL;
	p = (char *)(out + n);
	for (size_t i = 0; i < n; i++) {
		out[i] = items[i];
		out[i].key = rdc__copy_str(&p, items[i].key, items[i].klen);
		out[i].value = rdc__copy_str(&p, items[i].value, items[i].vlen);
	}
	return out;
}

static int proto(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "malformed reply: %s", what);
	return RDC_PROTOCOL;
}

static bool is_string(const struct resp_value *v)
{
	return v->type == RESP_T_BULK || v->type == RESP_T_SIMPLE;
}

/* An integer result that must be 0 or 1: 1 is success, 0 "condition not
 * met". */
static int decode_flag(const struct resp_value *r, struct rdc__result *res,
		       char *err, size_t errlen)
{
	if (r->type != RESP_T_INT || (r->integer != 0 && r->integer != 1))
		return proto(err, errlen, "expected :0 or :1");
	res->reply.integer = r->integer;
	return r->integer ? RDC_OK : RDC_CONDITION;
}

static int decode_int(const struct resp_value *r, struct rdc__result *res,
		      char *err, size_t errlen)
{
	if (r->type != RESP_T_INT)
		return proto(err, errlen, "expected an integer");
	res->reply.integer = r->integer;
	return RDC_OK;
}

/* "$value :create_index :mod_index" at elems[0..3). */
static int kv_fields(const struct resp_value *e, struct rdc_kv *kv)
{
	if (!is_string(&e[0]) || resp_value_u64(&e[1], &kv->create_index) ||
	    resp_value_u64(&e[2], &kv->mod_index))
		return -1;
	kv->value = e[0].str;
	kv->vlen = e[0].len;
	return 0;
}

static int decode_get(const struct resp_value *r, const char *key,
		      size_t klen, struct rdc__result *res, char *err,
		      size_t errlen)
{
	struct rdc_kv kv = {.key = key, .klen = klen};

	if (r->type == RESP_T_NIL)
		return RDC_NOTFOUND;
	if (r->type != RESP_T_ARRAY || r->n != 3 || kv_fields(r->elems, &kv))
		return proto(err, errlen, "expected [$value :create :mod]");
	res->block = rdc__kv_copy(&kv, 1);
	if (res->block == NULL)
		return RDC_NOMEM;
	res->reply.kv = res->block;
	return RDC_OK;
}

static int decode_list(const struct resp_value *r, struct rdc__result *res,
		       char *err, size_t errlen)
{
	struct rdc_kv *tmp;

	if (r->type != RESP_T_ARRAY)
		return proto(err, errlen, "expected an array of entries");
	if (r->n == 0)
		return RDC_OK;
	tmp = calloc(r->n, sizeof(*tmp));
	if (tmp == NULL)
		return RDC_NOMEM;
	for (size_t i = 0; i < r->n; i++) {
		const struct resp_value *it = &r->elems[i];

		if (it->type != RESP_T_ARRAY || it->n != 4 ||
		    !is_string(&it->elems[0]) ||
		    kv_fields(&it->elems[1], &tmp[i])) {
			free(tmp);
			return proto(err, errlen,
				     "expected entries [$key $value :create :mod]");
		}
		tmp[i].key = it->elems[0].str;
		tmp[i].klen = it->elems[0].len;
	}
	res->block = rdc__kv_copy(tmp, r->n);
	free(tmp);
	if (res->block == NULL)
		return RDC_NOMEM;
	res->reply.items = res->block;
	res->reply.nitems = r->n;
	return RDC_OK;
}

/* ---- status ------------------------------------------------------------ */

enum { S_RAFT, S_CLIENT, S_ROLE, S_STATE, S_NSTR };

/* A member while decoding: strings still point into the reply. */
struct raw_member {
	struct rdc_member m;
	const struct resp_value *str[S_NSTR];
	int lags; /* lag_entries and lag_ms received as numbers */
};

static const char *const str_fields[S_NSTR] = {"raft_addr", "client_addr",
					       "role", "state"};

static uint64_t *num_field(struct rdc_member *m, const struct resp_value *name)
{
	if (resp_value_is(name, "id"))
		return &m->id;
	if (resp_value_is(name, "term"))
		return &m->term;
	if (resp_value_is(name, "commit_index"))
		return &m->commit_index;
	if (resp_value_is(name, "applied_index"))
		return &m->applied_index;
	if (resp_value_is(name, "last_index"))
		return &m->last_index;
	if (resp_value_is(name, "leader_id"))
		return &m->leader_id;
	if (resp_value_is(name, "contact_ms"))
		return &m->contact_ms;
	if (resp_value_is(name, "lag_entries"))
		return &m->lag_entries;
	if (resp_value_is(name, "lag_ms"))
		return &m->lag_ms;
	return NULL;
}

/* One field/value pair; unknown fields are skipped so newer servers can add
 * some. A number the answering node does not know (it sends "-" for a member
 * it cannot reach) reads as 0. */
static int member_field(struct raw_member *rm, const struct resp_value *name,
			const struct resp_value *val)
{
	uint64_t *num;

	if (!is_string(name) || (!is_string(val) && val->type != RESP_T_INT))
		return -1;
	num = num_field(&rm->m, name);
	if (num != NULL) {
		bool known = resp_value_u64(val, num) == 0;

		if (!known)
			*num = 0;
		if (known && (num == &rm->m.lag_entries ||
			      num == &rm->m.lag_ms))
			rm->m.lag_known = ++rm->lags == 2;
		return 0;
	}
	if (resp_value_is(name, "reachable")) {
		rm->m.reachable = resp_value_is(val, "yes");
		return 0;
	}
	for (int i = 0; i < S_NSTR; i++)
		if (resp_value_is(name, str_fields[i]))
			rm->str[i] = is_string(val) ? val : NULL;
	return 0;
}

static struct rdc_member *members_block(struct raw_member *raw, size_t n)
{
	size_t size = n * sizeof(struct rdc_member);
	struct rdc_member *out;
	char *p;

	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < S_NSTR; s++)
			size += (raw[i].str[s] ? raw[i].str[s]->len : 0) + 1;
	out = malloc(size);
	if (out == NULL)
		return NULL;
	p = (char *)(out + n);
	for (size_t i = 0; i < n; i++) {
		const char **dst[S_NSTR] = {&out[i].raft_addr,
					    &out[i].client_addr,
					    &out[i].role, &out[i].state};

		out[i] = raw[i].m;
		for (int s = 0; s < S_NSTR; s++) {
			const struct resp_value *v = raw[i].str[s];

			*dst[s] = rdc__copy_str(&p, v ? v->str : "", v ? v->len : 0);
		}
	}
	return out;
}

static int decode_status(const struct resp_value *r, struct rdc__result *res,
			 char *err, size_t errlen)
{
	struct raw_member *raw;

	if (r->type != RESP_T_ARRAY)
		return proto(err, errlen, "expected an array of members");
	if (r->n == 0)
		return RDC_OK;
	raw = calloc(r->n, sizeof(*raw));
	if (raw == NULL)
		return RDC_NOMEM;
	for (size_t i = 0; i < r->n; i++) {
		const struct resp_value *m = &r->elems[i];
		bool ok = m->type == RESP_T_ARRAY && m->n % 2 == 0;

		for (size_t f = 0; ok && f < m->n; f += 2)
			ok = member_field(&raw[i], &m->elems[f],
					  &m->elems[f + 1]) == 0;
		if (!ok) {
			free(raw);
			return proto(err, errlen,
				     "expected members as field/value pairs");
		}
	}
	res->block = members_block(raw, r->n);
	free(raw);
	if (res->block == NULL)
		return RDC_NOMEM;
	res->reply.members = res->block;
	res->reply.nmembers = r->n;
	return RDC_OK;
}

/* A non-negative integer; zero_is is the status for 0 (lock: the lock is
 * held elsewhere), positive_only rejects 0 outright (a session id). */
static int decode_count(const struct resp_value *r, struct rdc__result *res,
			int zero_is, char *err, size_t errlen)
{
	if (r->type != RESP_T_INT || r->integer < 0)
		return proto(err, errlen, "expected a non-negative integer");
	res->reply.integer = r->integer;
	if (r->integer > 0)
		return RDC_OK;
	if (zero_is == RDC_PROTOCOL)
		return proto(err, errlen, "expected a positive integer");
	return zero_is;
}

int rdc__decode(enum rdc__op op, const struct resp_value *result,
		const char *key, size_t klen, struct rdc__result *res,
		char *err, size_t errlen)
{
	switch (op) {
	case RDC__OP_PUT:
	case RDC__OP_CAS:
	case RDC__OP_CASIDX:
	case RDC__OP_UNLOCK:
		return decode_flag(result, res, err, errlen);
	case RDC__OP_SKEEPALIVE:
	case RDC__OP_SCLOSE:
		if (result->type != RESP_T_INT || result->integer != 1)
			return proto(err, errlen, "expected :1");
		res->reply.integer = 1;
		return RDC_OK;
	case RDC__OP_DEL:
	case RDC__OP_INCRBY:
		return decode_int(result, res, err, errlen);
	case RDC__OP_APPEND:
		return decode_count(result, res, RDC_OK, err, errlen);
	case RDC__OP_SOPEN:
		return decode_count(result, res, RDC_PROTOCOL, err, errlen);
	case RDC__OP_LOCK:
		return decode_count(result, res, RDC_CONDITION, err, errlen);
	case RDC__OP_GET:
		return decode_get(result, key, klen, res, err, errlen);
	case RDC__OP_LIST:
		return decode_list(result, res, err, errlen);
	case RDC__OP_STATUS:
		return decode_status(result, res, err, errlen);
	case RDC__OP_MEMBER:
	case RDC__OP_MLIST:
	case RDC__OP_TRANSFER:
		return rdc__decode_member(op, result, res, err, errlen);
	}
	return proto(err, errlen, "unknown operation");
}
