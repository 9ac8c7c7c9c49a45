/* status.c - what every member says about itself, gathered in one reply.
 *
 * RD.NODEINFO answers with this node's own view as field/value pairs.
 * RD.STATUS and STATUS ask every member for its RD.NODEINFO over its client
 * port (each with a short deadline), in parallel, and answer with all of
 * them; a member that does not answer in time is shown unreachable. The
 * fields are listed in docs/protocol.md.
 *
 * The members asked are the servers of raft's configuration as this node
 * knows it (voters, standbys, spares), their client addresses from the
 * member table (raftd/member.c), so members added after bootstrap show.
 * Each view then gets its lag behind the leader, worked out here from the
 * views gathered, as MongoDB's rs.status() shows a secondary's: entries
 * (the leader's last index minus the member's applied index) and
 * milliseconds (the cluster time of the leader's last applied command
 * minus the member's: how much older the member's state is than the
 * leader's; 0 on an idle cluster however long it has been idle). Each
 * member also reports contact_ms, how long ago it last heard from a leader
 * (0 on the leader itself), which tells a cut-off member from a slow one.
 * A member whose view lacks applied_time_ms (an older binary during an
 * upgrade), or that has applied no command yet, shows lag_ms "-".
 * Like MongoDB's, the lag in time of a member one entry behind right after
 * a write that ended a quiet spell is the length of that spell, until the
 * member applies the write (at the leader's next heartbeat).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "raftd/conn.h"

#define STATUS_TIMEOUT_MS 500
#define STATUS_NODE_FIELDS 13 /* what RD.NODEINFO answers */
#define STATUS_NODE_REQUIRED 12 /* all but applied_time_ms */
#define STATUS_NFIELDS 15      /* with the two lags worked out here */
#define STATUS_FIELD_MAX 64
#define STATUS_F_STATE 5
#define STATUS_F_APPLIED 8
#define STATUS_F_LAST 9
#define STATUS_F_CONTACT 11
#define STATUS_F_TIME 12
#define STATUS_F_LAG 13
#define STATUS_F_LAG_MS 14

static const char *const status_fields[STATUS_NFIELDS] = {
	"id", "raft_addr", "client_addr", "reachable", "role", "state",
	"term", "commit_index", "applied_index", "last_index", "leader_id",
	"contact_ms", "applied_time_ms", "lag_entries", "lag_ms"};

struct status_view {
	char v[STATUS_NFIELDS][STATUS_FIELD_MAX];
};

struct status_op;

struct status_peer {
	struct status_op *op;
	const struct rd_member *m; /* points into the op's members */
	uv_tcp_t tcp;
	uv_connect_t creq;
	uv_write_t wreq;
	struct buf in;
	bool open;
	bool done;
};

struct status_op {
	struct rd_req *req;
	bool envelope;
	unsigned n, pending, open_handles;
	uv_timer_t timer;
	bool timer_open;
	struct rd_member members[RD_MAX_MEMBERS];
	struct status_view views[RD_MAX_MEMBERS];
	struct status_peer peers[RD_MAX_MEMBERS];
};

static const char *status_role(struct rd_node *n, uint64_t id)
{
	const struct raft_configuration *c = &n->raft.configuration;

	for (unsigned i = 0; i < c->n; i++) {
		if (c->servers[i].id != id)
			continue;
		switch (c->servers[i].role) {
		case RAFT_VOTER: return "voter";
		case RAFT_STANDBY: return "standby";
		default: return "spare";
		}
	}
	return "none";
}

static const char *status_state(int state)
{
	switch (state) {
	case RAFT_LEADER: return "leader";
	case RAFT_FOLLOWER: return "follower";
	case RAFT_CANDIDATE: return "candidate";
	case RAFT_UNAVAILABLE: return "unavailable";
	default: return "unknown";
	}
}

static void status_local_view(struct rd_node *n, struct status_view *v)
{
	const struct rd_member *self = n->cfg->self;
	raft_id leader;
	const char *addr;

	raft_leader(&n->raft, &leader, &addr);
	snprintf(v->v[0], STATUS_FIELD_MAX, "%llu", (unsigned long long)self->id);
	snprintf(v->v[1], STATUS_FIELD_MAX, "%s", self->raft_addr);
	snprintf(v->v[2], STATUS_FIELD_MAX, "%s", self->client_addr);
	snprintf(v->v[3], STATUS_FIELD_MAX, "yes");
	snprintf(v->v[4], STATUS_FIELD_MAX, "%s", status_role(n, self->id));
	snprintf(v->v[5], STATUS_FIELD_MAX, "%s", status_state(raft_state(&n->raft)));
	snprintf(v->v[6], STATUS_FIELD_MAX, "%llu", (unsigned long long)n->raft.current_term);
	snprintf(v->v[7], STATUS_FIELD_MAX, "%llu", (unsigned long long)n->raft.commit_index);
	snprintf(v->v[8], STATUS_FIELD_MAX, "%llu", (unsigned long long)raft_last_applied(&n->raft));
	snprintf(v->v[9], STATUS_FIELD_MAX, "%llu", (unsigned long long)raft_last_index(&n->raft));
	snprintf(v->v[10], STATUS_FIELD_MAX, "%llu", (unsigned long long)leader);
	snprintf(v->v[11], STATUS_FIELD_MAX, "%llu",
		 raft_state(&n->raft) == RAFT_LEADER
			 ? 0ull
			 : (unsigned long long)(n->raft.io->time(n->raft.io) -
						n->raft.election_timer_start));
	snprintf(v->v[STATUS_F_TIME], STATUS_FIELD_MAX, "%llu",
		 (unsigned long long)fsm_cluster_time(rd_node_fsm(n)));
	snprintf(v->v[STATUS_F_LAG], STATUS_FIELD_MAX, "-");
	snprintf(v->v[STATUS_F_LAG_MS], STATUS_FIELD_MAX, "-");
}

static void status_unreachable_view(const struct rd_member *m, struct status_view *v)
{
	memset(v, 0, sizeof *v);
	snprintf(v->v[0], STATUS_FIELD_MAX, "%llu", (unsigned long long)m->id);
	/* both are NUL-terminated within RD_ADDR_MAX <= STATUS_FIELD_MAX */
	memcpy(v->v[1], m->raft_addr, strlen(m->raft_addr) + 1);
	memcpy(v->v[2], m->client_addr, strlen(m->client_addr) + 1);
	snprintf(v->v[3], STATUS_FIELD_MAX, "no");
	for (int i = 4; i < STATUS_NFIELDS; i++)
		snprintf(v->v[i], STATUS_FIELD_MAX, "%s", i < 6 ? "unknown" : "-");
}

static void status_write_view(struct buf *out, const struct status_view *v,
			      int n_fields)
{
	resp_w_array(out, 2 * n_fields);
	for (int i = 0; i < n_fields; i++) {
		resp_w_bulk_str(out, status_fields[i]);
		resp_w_bulk_str(out, v->v[i]);
	}
}

void rd_status_nodeinfo(struct rd_req *req)
{
	struct status_view v;

	status_local_view(req->conn->node, &v);
	status_write_view(&req->out, &v, STATUS_NODE_FIELDS);
	rd_req_done(req);
}

/* Fill v from a peer's RD.NODEINFO reply; -1 when it is not one. */
static int status_parse_view(const struct resp_value *r, struct status_view *v)
{
	int found = 0;

	if (r->type != RESP_T_ARRAY || r->n % 2 != 0)
		return -1;
	for (size_t i = 0; i + 1 < r->n; i += 2) {
		const struct resp_value *k = &r->elems[i], *val = &r->elems[i + 1];

		if (val->type != RESP_T_BULK || val->len >= STATUS_FIELD_MAX)
			continue;
		for (int f = 0; f < STATUS_NODE_FIELDS; f++)
			if (resp_value_is(k, status_fields[f])) {
				memcpy(v->v[f], val->str, val->len);
				v->v[f][val->len] = '\0';
				found += f != STATUS_F_TIME;
			}
	}
	return found == STATUS_NODE_REQUIRED ? 0 : -1;
}

/* The gathered view of the leader (the highest term's, should two claim
 * it), or NULL when no leader answered. */
static const struct status_view *status_leader_view(const struct status_op *op)
{
	const struct status_view *leader = NULL;
	unsigned long long term = 0;

	for (unsigned i = 0; i < op->n; i++) {
		const struct status_view *v = &op->views[i];
		unsigned long long t = strtoull(v->v[6], NULL, 10);

		if (strcmp(v->v[STATUS_F_STATE], "leader") == 0 && t >= term) {
			term = t;
			leader = v;
		}
	}
	return leader;
}

/* field of v as a number; false when it is not one ("-": not known). */
static bool status_number(const struct status_view *v, int field,
			  unsigned long long *out)
{
	char *end;

	if (v->v[field][0] < '0' || v->v[field][0] > '9')
		return false;
	*out = strtoull(v->v[field], &end, 10);
	return *end == '\0';
}

/* a - b, or 0 when b is ahead (a view gathered a moment later). */
static unsigned long long status_behind(unsigned long long a,
					unsigned long long b)
{
	return a > b ? a - b : 0;
}

/* Fill in v's lag behind the leader's view l (see the top of the file). */
static void status_lag(struct status_view *v, const struct status_view *l)
{
	unsigned long long lv, mv;

	if (status_number(l, STATUS_F_LAST, &lv) &&
	    status_number(v, STATUS_F_APPLIED, &mv))
		snprintf(v->v[STATUS_F_LAG], STATUS_FIELD_MAX, "%llu",
			 status_behind(lv, mv));
	/* A member that has applied no command yet (just added) has no
	 * cluster time to compare: its lag in time is not known. */
	if (status_number(l, STATUS_F_TIME, &lv) &&
	    status_number(v, STATUS_F_TIME, &mv) && (mv > 0 || lv == 0))
		snprintf(v->v[STATUS_F_LAG_MS], STATUS_FIELD_MAX, "%llu",
			 status_behind(lv, mv));
}

/* Fill in each reachable view's lag behind the leader, and its role as
 * this node's configuration has it (a member just added may not know its
 * own yet). */
static void status_lags(struct rd_node *n, struct status_op *op)
{
	const struct status_view *leader = status_leader_view(op);

	for (unsigned i = 0; i < op->n; i++) {
		struct status_view *v = &op->views[i];

		snprintf(v->v[4], STATUS_FIELD_MAX, "%s",
			 status_role(n, op->members[i].id));
		if (strcmp(v->v[3], "yes") == 0 && leader != NULL)
			status_lag(v, leader);
	}
}

static void status_table(struct buf *t, const struct status_op *op)
{
	buf_printf(t, "%-4s %-21s %-21s %-9s %-8s %-11s %6s %8s %8s %8s %6s "
		   "%8s %8s\n",
		   "ID", "RAFT", "CLIENT", "REACHABLE", "ROLE", "STATE", "TERM",
		   "COMMIT", "APPLIED", "LAST", "LEADER", "LAG", "LAG_MS");
	for (unsigned i = 0; i < op->n; i++) {
		const struct status_view *v = &op->views[i];

		buf_printf(t, "%-4s %-21s %-21s %-9s %-8s %-11s %6s %8s %8s %8s "
			   "%6s %8s %8s\n",
			   v->v[0], v->v[1], v->v[2], v->v[3], v->v[4], v->v[5],
			   v->v[6], v->v[7], v->v[8], v->v[9], v->v[10],
			   v->v[STATUS_F_LAG], v->v[STATUS_F_LAG_MS]);
	}
}

static void status_reply(struct status_op *op)
{
	struct rd_req *req = op->req;
	struct rd_node *n = req->conn->node;

	status_lags(n, op);
	if (op->envelope) {
		resp_w_array(&req->out, 3);
		resp_w_array(&req->out, op->n);
		for (unsigned i = 0; i < op->n; i++)
			status_write_view(&req->out, &op->views[i],
					  STATUS_NFIELDS);
		resp_w_int(&req->out, (long long)n->raft.current_term);
		resp_w_int(&req->out, (long long)raft_last_applied(&n->raft));
	} else {
		struct buf t;

		buf_init(&t);
		status_table(&t, op);
		resp_w_bulk(&req->out, t.data, t.len);
		buf_free(&t);
	}
	op->req = NULL;
	rd_req_done(req);
}

/* The op is freed once its reply is written and every handle it opened has
 * finished closing. */
static void status_op_release(struct status_op *op)
{
	if (--op->open_handles == 0 && op->req == NULL)
		free(op);
}

static void status_timer_closed(uv_handle_t *h)
{
	status_op_release(h->data);
}

static void status_peer_closed(uv_handle_t *h)
{
	struct status_peer *p = h->data;

	status_op_release(p->op);
}

static void status_peer_finish(struct status_peer *p)
{
	struct status_op *op = p->op;

	if (p->done)
		return;
	p->done = true;
	if (p->open) {
		p->open = false;
		uv_close((uv_handle_t *)&p->tcp, status_peer_closed);
	}
	buf_free(&p->in);
	if (--op->pending == 0 && op->req != NULL) {
		if (op->timer_open) {
			op->timer_open = false;
			uv_close((uv_handle_t *)&op->timer, status_timer_closed);
		}
		status_reply(op);
	}
}

static void status_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *out)
{
	struct status_peer *p = h->data;

	if (buf_reserve(&p->in, 4096) != 0) {
		*out = uv_buf_init(NULL, 0);
		return;
	}
	*out = uv_buf_init(p->in.data + p->in.len, (unsigned)(p->in.cap - p->in.len));
}

static void status_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct status_peer *p = s->data;
	struct status_op *op = p->op;
	struct resp_reply r;
	const char *err;
	long used;

	if (nread < 0) {
		status_peer_finish(p);
		return;
	}
	p->in.len += (size_t)nread;
	resp_reply_init(&r);
	used = resp_parse_reply(p->in.data, p->in.len, 4096, 64, &r, &err);
	if (used > 0)
		status_parse_view(&r.root, &op->views[p - op->peers]);
	resp_reply_free(&r);
	if (used != RESP_INCOMPLETE || p->in.len > 64 * 1024)
		status_peer_finish(p);
}

static void status_connect_cb(uv_connect_t *c, int status)
{
	static const char ask[] = "*1\r\n$11\r\nRD.NODEINFO\r\n";
	struct status_peer *p = c->data;
	uv_buf_t ub = uv_buf_init((char *)ask, sizeof ask - 1);

	if (status != 0 || p->done) {
		status_peer_finish(p);
		return;
	}
	p->wreq.data = p;
	if (uv_write(&p->wreq, (uv_stream_t *)&p->tcp, &ub, 1, NULL) != 0 ||
	    uv_read_start((uv_stream_t *)&p->tcp, status_alloc_cb, status_read_cb) != 0)
		status_peer_finish(p);
}

static void status_timeout_cb(uv_timer_t *t)
{
	struct status_op *op = t->data;

	for (unsigned i = 0; i < op->n; i++)
		if (op->peers[i].m != NULL)
			status_peer_finish(&op->peers[i]);
}

static void status_ask_peer(struct rd_node *n, struct status_op *op, unsigned i)
{
	struct status_peer *p = &op->peers[i];
	struct sockaddr_in sa;
	char host[RD_ADDR_MAX];
	const char *colon = strrchr(p->m->client_addr, ':');

	memcpy(host, p->m->client_addr, (size_t)(colon - p->m->client_addr));
	host[colon - p->m->client_addr] = '\0';
	p->op = op;
	buf_init(&p->in);
	uv_ip4_addr(host, atoi(colon + 1), &sa);
	uv_tcp_init(n->loop, &p->tcp);
	p->tcp.data = p;
	p->creq.data = p;
	p->open = true;
	op->open_handles++;
	op->pending++;
	if (uv_tcp_connect(&p->creq, &p->tcp, (struct sockaddr *)&sa, status_connect_cb) != 0)
		status_peer_finish(p);
}

/* The servers of raft's configuration (at most RD_MAX_MEMBERS), with
 * their client addresses from the member table ("" when unknown). */
static void status_members(struct rd_node *n, struct status_op *op)
{
	const struct raft_configuration *c = &n->raft.configuration;

	op->n = 0;
	for (unsigned i = 0; i < c->n && op->n < RD_MAX_MEMBERS; i++) {
		struct rd_member *m = &op->members[op->n++];
		const char *client = rd_member_client_addr(n, c->servers[i].id);

		m->id = c->servers[i].id;
		snprintf(m->raft_addr, sizeof(m->raft_addr), "%s",
			 c->servers[i].address);
		snprintf(m->client_addr, sizeof(m->client_addr), "%s",
			 client != NULL ? client : "");
	}
}

void rd_status_cluster(struct rd_req *req, bool envelope)
{
	struct rd_node *n = req->conn->node;
	struct status_op *op = calloc(1, sizeof *op);

	if (op == NULL) {
		resp_w_error(&req->out, "ERR out of memory");
		rd_req_done(req);
		return;
	}
	op->req = req;
	op->envelope = envelope;
	status_members(n, op);
	op->pending = 1; /* held until every peer has been asked */
	uv_timer_init(n->loop, &op->timer);
	op->timer.data = op;
	op->timer_open = true;
	op->open_handles = 1;
	uv_timer_start(&op->timer, status_timeout_cb, STATUS_TIMEOUT_MS, 0);
	for (unsigned i = 0; i < op->n; i++) {
		const struct rd_member *m = &op->members[i];

		if (m->id == n->cfg->id) {
			status_local_view(n, &op->views[i]);
			continue;
		}
		status_unreachable_view(m, &op->views[i]);
		if (strrchr(m->client_addr, ':') == NULL)
			continue; /* no client address known: unreachable */
		op->peers[i].m = m;
		status_ask_peer(n, op, i);
	}
	if (--op->pending == 0) {
		op->timer_open = false;
		uv_close((uv_handle_t *)&op->timer, status_timer_closed);
		status_reply(op);
	}
}
