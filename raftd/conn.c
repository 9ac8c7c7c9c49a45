/* conn.c - one client connection: read, parse, queue, reply, close.
 *
 * Reading: libuv reads into rbuf's free space; every complete request in it
 * is parsed and dispatched at once (pipelining), then the parsed bytes are
 * dropped. When the parser knows the next request needs N bytes, reading
 * continues without re-parsing until N have arrived.
 *
 * Backpressure: a connection with max_pending unanswered requests, or with
 * max_out bytes of replies its client has not read, stops reading until it
 * drains to half; a client that never reads its replies thus holds bounded
 * memory and never stalls anybody else.
 *
 * Protocol errors get one -ERR reply and the connection is closed after it
 * is sent, as Redis does.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "raftd/conn.h"

#define CONN_READ_CHUNK (64 * 1024)

static void conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

static struct rd_req *req_get(struct rd_conn *c)
{
	struct rd_req *r = c->free_reqs;

	if (r != NULL) {
		c->free_reqs = r->next;
	} else {
		r = calloc(1, sizeof *r);
		if (r == NULL)
			return NULL;
		buf_init(&r->out);
		buf_init(&r->argmem);
	}
	r->conn = c;
	r->next = NULL;
	r->cmd = NULL;
	r->done = false;
	r->argc = 0;
	r->op = NULL;
	r->has_session = r->has_fence = false;
	return r;
}

static void req_free(struct rd_req *r)
{
	buf_free(&r->out);
	buf_free(&r->argmem);
	free(r->argv);
	free(r);
}

static void req_put(struct rd_conn *c, struct rd_req *r)
{
	if (r->out.cap > 64 * 1024 || r->argmem.cap > 64 * 1024) {
		req_free(r);
		return;
	}
	buf_reset(&r->out);
	buf_reset(&r->argmem);
	r->next = c->free_reqs;
	c->free_reqs = r;
}

static void conn_free(struct rd_conn *c)
{
	struct rd_req *r;

	while ((r = c->free_reqs) != NULL) {
		c->free_reqs = r->next;
		req_free(r);
	}
	buf_free(&c->rbuf);
	buf_free(&c->wbuf);
	buf_free(&c->sending);
	resp_req_free(&c->parsed);
	free(c);
}

static void conn_maybe_free(struct rd_conn *c)
{
	if (c->handle_closed && c->npending == 0 && !c->writing)
		conn_free(c);
}

static void conn_mark_dirty(struct rd_conn *c)
{
	struct rd_server *s = &c->node->server;

	if (c->dirty || c->closing)
		return;
	c->dirty = true;
	c->dirty_next = s->dirty;
	s->dirty = c;
}

static size_t conn_out_bytes(const struct rd_conn *c)
{
	return c->wbuf.len + c->sending.len;
}

static bool conn_over_limits(const struct rd_conn *c)
{
	const struct rd_config *cfg = c->node->cfg;

	return c->npending >= cfg->max_pending_per_conn ||
	       conn_out_bytes(c) >= cfg->max_out_per_conn;
}

static void conn_pause(struct rd_conn *c)
{
	if (!c->paused && !c->closing) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->paused = true;
	}
}

static void conn_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *out);
static void conn_process(struct rd_conn *c);

static void conn_maybe_resume(struct rd_conn *c)
{
	const struct rd_config *cfg = c->node->cfg;

	if (!c->paused || c->closing || c->quit)
		return;
	if (c->npending * 2 > cfg->max_pending_per_conn ||
	    conn_out_bytes(c) * 2 > cfg->max_out_per_conn)
		return;
	c->paused = false;
	/* Requests may be buffered from before the pause: serve them first. */
	conn_process(c);
	if (!c->paused && !c->closing && !c->quit)
		uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb, conn_read_cb);
}

/* Move every finished request at the head of the queue to the output. */
static void conn_drain(struct rd_conn *c)
{
	struct rd_req *r;

	while ((r = c->head) != NULL && r->done) {
		c->head = r->next;
		if (c->head == NULL)
			c->tail = NULL;
		c->npending--;
		if (!c->closing && buf_append(&c->wbuf, r->out.data, r->out.len) != 0) {
			rd_warn("client %s: out of memory for replies; closing", c->peer);
			rd_conn_close(c);
		}
		req_put(c, r);
	}
	if (!c->closing && c->wbuf.len > 0)
		conn_mark_dirty(c);
}

void rd_req_done(struct rd_req *req)
{
	struct rd_conn *c = req->conn;

	req->done = true;
	conn_drain(c);
	if (c->closing)
		conn_maybe_free(c);
}

int rd_req_keep_args(struct rd_req *req, size_t argc, const struct resp_arg *argv)
{
	size_t off = 0;

	if (argc > req->argv_cap) {
		struct resp_arg *a = realloc(req->argv, argc * sizeof *a);

		if (a == NULL)
			return -1;
		req->argv = a;
		req->argv_cap = argc;
	}
	buf_reset(&req->argmem);
	for (size_t i = 0; i < argc; i++)
		if (buf_append(&req->argmem, argv[i].p, argv[i].len) != 0)
			return -1;
	for (size_t i = 0; i < argc; i++) {
		req->argv[i].p = req->argmem.data + off;
		req->argv[i].len = argv[i].len;
		off += argv[i].len;
	}
	req->argc = argc;
	return 0;
}

static void conn_closed_cb(uv_handle_t *h)
{
	struct rd_conn *c = h->data;

	c->handle_closed = true;
	conn_maybe_free(c);
}

void rd_conn_close(struct rd_conn *c)
{
	struct rd_server *s = &c->node->server;

	if (c->closing)
		return;
	c->closing = true;
	if (c->dirty) {
		struct rd_conn **pp = &s->dirty;

		while (*pp != NULL && *pp != c)
			pp = &(*pp)->dirty_next;
		if (*pp != NULL)
			*pp = c->dirty_next;
		c->dirty = false;
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	uv_close((uv_handle_t *)&c->tcp, conn_closed_cb);
}

static void conn_write_cb(uv_write_t *w, int status)
{
	struct rd_conn *c = w->data;

	c->writing = false;
	buf_reset(&c->sending);
	if (c->closing) {
		conn_maybe_free(c);
		return;
	}
	if (status != 0) {
		rd_debug("client %s: write failed: %s", c->peer, uv_strerror(status));
		rd_conn_close(c);
		return;
	}
	if (c->wbuf.len > 0)
		rd_conn_flush(c);
	else if (c->quit && c->head == NULL)
		rd_conn_close(c);
	else
		conn_maybe_resume(c);
}

void rd_conn_flush(struct rd_conn *c)
{
	struct buf tmp;
	uv_buf_t ub;

	if (c->closing || c->writing || c->wbuf.len == 0)
		return;
	tmp = c->sending;
	c->sending = c->wbuf;
	c->wbuf = tmp;
	ub = uv_buf_init(c->sending.data, (unsigned)c->sending.len);
	c->wreq.data = c;
	c->writing = true;
	if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &ub, 1, conn_write_cb) != 0) {
		c->writing = false;
		rd_conn_close(c);
	}
}

static void conn_protocol_error(struct rd_conn *c, const char *err)
{
	struct rd_req *r = req_get(c);

	rd_debug("client %s: %s", c->peer, err);
	conn_pause(c);
	c->quit = true;
	if (r == NULL) {
		rd_conn_close(c);
		return;
	}
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->npending++;
	resp_w_error(&r->out, "ERR %s", err);
	rd_req_done(r);
}

/* Parse and dispatch every complete request in rbuf. */
static void conn_process(struct rd_conn *c)
{
	size_t off = 0;
	const char *err = NULL;

	while (!c->closing && !c->quit && off < c->rbuf.len) {
		long used = resp_parse_request(&c->node->limits, c->rbuf.data + off,
					       c->rbuf.len - off, &c->parsed,
					       &c->need, &err);
		if (used == RESP_INCOMPLETE)
			break;
		if (used < 0) {
			conn_protocol_error(c, used == RESP_NOMEM ? "out of memory" : err);
			break;
		}
		off += (size_t)used;
		c->need = 0;
		if (c->parsed.argc == 0)
			continue;
		struct rd_req *r = req_get(c);
		if (r == NULL) {
			conn_protocol_error(c, "out of memory");
			break;
		}
		if (c->tail)
			c->tail->next = r;
		else
			c->head = r;
		c->tail = r;
		c->npending++;
		rd_cmd_dispatch(r, c->parsed.argc, c->parsed.argv);
		if (conn_over_limits(c)) {
			conn_pause(c);
			break;
		}
	}
	buf_consume(&c->rbuf, off);
}

static void conn_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *out)
{
	struct rd_conn *c = h->data;
	size_t want = CONN_READ_CHUNK;

	if (c->need > c->rbuf.len && c->need - c->rbuf.len > want)
		want = c->need - c->rbuf.len;
	if (buf_reserve(&c->rbuf, want) != 0) {
		*out = uv_buf_init(NULL, 0);
		return;
	}
	*out = uv_buf_init(c->rbuf.data + c->rbuf.len,
			   (unsigned)(c->rbuf.cap - c->rbuf.len));
}

static void conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct rd_conn *c = s->data;

	if (nread < 0) {
		if (nread != UV_EOF)
			rd_debug("client %s: read: %s", c->peer, uv_strerror((int)nread));
		rd_conn_close(c);
		return;
	}
	if (nread == 0)
		return;
	c->rbuf.len += (size_t)nread;
	if (c->need > c->rbuf.len)
		return;
	conn_process(c);
	/* Requests that could not be parsed yet may be at most max_request. */
	if (!c->closing && c->rbuf.len > c->node->cfg->max_request + 1024)
		conn_protocol_error(c, "Protocol error: request too large");
}

static void conn_peer_name(struct rd_conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	char host[48] = "?";
	int port = 0;

	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		uv_ip4_name(in, host, sizeof host);
		port = ntohs(in->sin_port);
	}
	snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
}

void rd_conn_accept(struct rd_node *n, uv_stream_t *listener)
{
	struct rd_server *s = &n->server;
	struct rd_conn *c = calloc(1, sizeof *c);

	if (c == NULL) {
		rd_error("out of memory accepting a client");
		return;
	}
	c->node = n;
	buf_init(&c->rbuf);
	buf_init(&c->wbuf);
	buf_init(&c->sending);
	resp_req_init(&c->parsed);
	uv_tcp_init(n->loop, &c->tcp);
	c->tcp.data = c;
	if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
		c->closing = true;
		uv_close((uv_handle_t *)&c->tcp, conn_closed_cb);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	conn_peer_name(c);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	if (s->n_conns > n->cfg->max_conns) {
		/* Tell the client why, then close. */
		rd_warn("client %s refused: %u connections is the limit", c->peer,
			n->cfg->max_conns);
		c->quit = true;
		resp_w_error(&c->wbuf, "ERR max number of clients reached");
		rd_conn_flush(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb, conn_read_cb);
}
