/* conn.c - one pipelined RESP connection (see conn.h).
 *
 * Writes are batched: requests queued while a write is in progress collect
 * in `out` and go out together in the next write, so a burst of pipelined
 * requests costs one system call rather than one each. Two stream offsets
 * (queued_bytes, handed_bytes) tell which queued requests have reached the
 * socket, which is what makes "never resend a write the server may have
 * seen" exact rather than guessed.
 *
 * Replies are parsed straight from the receive buffer; every complete reply
 * is handed to the owner before the next is parsed, and parsing stops as
 * soon as the owner closes the connection from inside a callback (the memory
 * stays valid until the libuv close callbacks run).
 */
#include "client/conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK 65536
#define MAX_BULK (512u << 20)  /* no value is larger than this */
#define MAX_ELEMS (16u << 20)  /* values in one reply */

static void conn_fail(struct rdc__conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void on_handle_closed(uv_handle_t *h)
{
	struct rdc__conn *c = h->data;

	if (--c->handles > 0)
		return;
	c->events->closed(c);
	buf_free(&c->out);
	buf_free(&c->wbuf);
	buf_free(&c->in);
	resp_reply_free(&c->reply);
	free(c);
}

void rdc__conn_close(struct rdc__conn *c)
{
	if (c->state == RDC__CLOSING)
		return;
	c->state = RDC__CLOSING;
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
	uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static void conn_fail(struct rdc__conn *c, const char *fmt, ...)
{
	char why[256];
	int n;
	va_list ap;

	if (c->state == RDC__CLOSING)
		return;
	n = snprintf(why, sizeof(why), "%s: ", c->addr.text);
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - (size_t)n, fmt, ap);
	va_end(ap);
	rdc__conn_close(c);
	c->events->failed(c, why);
}

/* ---- writing ----------------------------------------------------------- */

static void flush(struct rdc__conn *c);

static void on_write(uv_write_t *req, int status)
{
	struct rdc__conn *c = req->data;

	c->writing = false;
	buf_reset(&c->wbuf);
	if (c->state == RDC__CLOSING)
		return;
	if (status < 0) {
		conn_fail(c, "write failed: %s", uv_strerror(status));
		return;
	}
	flush(c);
}

static void flush(struct rdc__conn *c)
{
	struct buf tmp;
	uv_buf_t b;
	int rc;

	if (c->writing || c->out.len == 0 || c->state != RDC__READY)
		return;
	tmp = c->wbuf;
	c->wbuf = c->out;
	c->out = tmp;
	b = uv_buf_init(c->wbuf.data, (unsigned)c->wbuf.len);
	rc = uv_write(&c->write_req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
	if (rc < 0) {
		/* Nothing was handed over: the requests stay "unsent". */
		conn_fail(c, "write failed: %s", uv_strerror(rc));
		return;
	}
	c->writing = true;
	c->handed_bytes += c->wbuf.len;
}

/* Copy p's bytes into the output stream and move it to the in-flight FIFO. */
static int enqueue(struct rdc__conn *c, struct rdc__pend *p)
{
	if (buf_append(&c->out, p->bytes, p->len) != 0)
		return -1;
	p->start = c->queued_bytes;
	p->queued = true;
	c->queued_bytes += p->len;
	rdc__list_push(&c->inflight, &p->link);
	return 0;
}

int rdc__conn_submit(struct rdc__conn *c, struct rdc__pend *p)
{
	p->queued = false;
	if (c->state != RDC__READY) {
		rdc__list_push(&c->waiting, &p->link);
		return 0;
	}
	if (enqueue(c, p) != 0)
		return -1;
	if (!c->dispatching)
		flush(c);
	return 0;
}

void rdc__conn_withdraw(struct rdc__conn *c, struct rdc__pend *p)
{
	(void)c;
	if (!p->queued)
		rdc__list_remove(&p->link);
}

void rdc__conn_swap(struct rdc__conn *c, struct rdc__pend *p,
		    struct rdc__pend *stand_in)
{
	struct rdc__list *prev = p->link.prev, *next = p->link.next;

	(void)c;
	stand_in->start = p->start;
	stand_in->queued = p->queued;
	stand_in->bytes = NULL; /* already copied into the stream */
	stand_in->len = p->len;
	stand_in->link.prev = prev;
	stand_in->link.next = next;
	prev->next = &stand_in->link;
	next->prev = &stand_in->link;
	rdc__list_init(&p->link);
}

struct rdc__pend *rdc__conn_take(struct rdc__conn *c, bool *sent)
{
	struct rdc__list *n = rdc__list_first(&c->waiting);
	struct rdc__pend *p;

	if (n == NULL)
		n = rdc__list_first(&c->inflight);
	if (n == NULL)
		return NULL;
	rdc__list_remove(n);
	p = rdc__container_of(n, struct rdc__pend, link);
	*sent = rdc__conn_handed(c, p);
	return p;
}

bool rdc__conn_handed(const struct rdc__conn *c, const struct rdc__pend *p)
{
	return p->queued && p->start < c->handed_bytes;
}

/* ---- reading ----------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct rdc__conn *c = h->data;

	(void)hint;
	if (buf_reserve(&c->in, READ_CHUNK) != 0) {
		*b = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS */
		return;
	}
	*b = uv_buf_init(c->in.data + c->in.len,
			 (unsigned)(c->in.cap - c->in.len));
}

/* Hand every complete reply in the buffer to its request. */
static void dispatch_replies(struct rdc__conn *c)
{
	size_t pos = 0;

	while (c->state == RDC__READY && pos < c->in.len) {
		const char *err = NULL;
		long n = resp_parse_reply(c->in.data + pos, c->in.len - pos,
					  MAX_BULK, MAX_ELEMS, &c->reply, &err);
		struct rdc__list *head;

		if (n == RESP_INCOMPLETE)
			break;
		if (n < 0) {
			conn_fail(c, "protocol error: %s",
				  n == RESP_NOMEM ? "out of memory" : err);
			return;
		}
		head = rdc__list_first(&c->inflight);
		if (head == NULL) {
			conn_fail(c, "protocol error: a reply to no request");
			return;
		}
		rdc__list_remove(head);
		c->events->reply(c, rdc__container_of(head, struct rdc__pend, link),
				 &c->reply.root);
		pos += (size_t)n;
	}
	if (c->state != RDC__CLOSING)
		buf_consume(&c->in, pos);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct rdc__conn *c = s->data;

	(void)b;
	if (nread == 0 || c->state == RDC__CLOSING)
		return;
	if (nread == UV_EOF) {
		conn_fail(c, "connection closed by the server");
		return;
	}
	if (nread < 0) {
		conn_fail(c, "read failed: %s", uv_strerror((int)nread));
		return;
	}
	c->in.len += (size_t)nread;
	/* Requests submitted from the reply callbacks (a closed-loop client
	 * answers each reply with its next request) go out in one write after
	 * the whole read is dispatched, not the first alone and the rest on
	 * the next iteration: the server then reads them together and batches
	 * them into one proposal. */
	c->dispatching = true;
	dispatch_replies(c);
	c->dispatching = false;
	flush(c);
}

/* ---- connecting -------------------------------------------------------- */

static void on_connect(uv_connect_t *req, int status)
{
	struct rdc__conn *c = req->data;
	struct rdc__list *n;
	int rc;

	if (c->state == RDC__CLOSING)
		return;
	if (status < 0) {
		conn_fail(c, "%s", uv_strerror(status));
		return;
	}
	uv_timer_stop(&c->timer);
	uv_tcp_nodelay(&c->tcp, 1);
	rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (rc < 0) {
		conn_fail(c, "%s", uv_strerror(rc));
		return;
	}
	c->state = RDC__READY;
	while ((n = rdc__list_first(&c->waiting)) != NULL) {
		rdc__list_remove(n);
		if (enqueue(c, rdc__container_of(n, struct rdc__pend, link))) {
			/* Put it back so the owner gets it from conn_take. */
			rdc__list_push(&c->waiting, n);
			conn_fail(c, "out of memory");
			return;
		}
	}
	flush(c);
}

static void on_connect_timer(uv_timer_t *t)
{
	struct rdc__conn *c = t->data;

	if (c->connect_err)
		conn_fail(c, "%s", uv_strerror(c->connect_err));
	else
		conn_fail(c, "connect timed out after %u ms",
			  c->connect_timeout_ms);
}

struct rdc__conn *rdc__conn_open(uv_loop_t *loop, const struct rdc__addr *addr,
				 unsigned timeout_ms,
				 const struct rdc__conn_events *events,
				 void *owner)
{
	struct rdc__conn *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return NULL;
	c->addr = *addr;
	c->events = events;
	c->owner = owner;
	c->state = RDC__CONNECTING;
	buf_init(&c->out);
	buf_init(&c->wbuf);
	buf_init(&c->in);
	resp_reply_init(&c->reply);
	rdc__list_init(&c->waiting);
	rdc__list_init(&c->inflight);
	rdc__list_init(&c->owner_link);
	uv_tcp_init(loop, &c->tcp);
	uv_timer_init(loop, &c->timer);
	c->handles = 2;
	c->tcp.data = c->timer.data = c->connect_req.data = c->write_req.data = c;
	c->connect_timeout_ms = timeout_ms;
	rc = uv_tcp_connect(&c->connect_req, &c->tcp,
			    (const struct sockaddr *)&c->addr.sa, on_connect);
	if (rc < 0) {
		/* Report it from the loop like any other failure. */
		c->connect_err = rc;
		timeout_ms = 0;
	}
	uv_timer_start(&c->timer, on_connect_timer, timeout_ms, 0);
	return c;
}
