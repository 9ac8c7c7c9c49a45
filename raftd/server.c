/* server.c - the client listener and the end-of-iteration reply flush. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "raftd/conn.h"

static void server_connection_cb(uv_stream_t *listener, int status)
{
	struct rd_node *n = listener->data;

	if (status != 0) {
		rd_warn("accept: %s", uv_strerror(status));
		return;
	}
	rd_conn_accept(n, listener);
}

int rd_server_start(struct rd_node *n)
{
	struct rd_server *s = &n->server;
	const char *addr = n->cfg->self->client_addr;
	const char *colon = strrchr(addr, ':');
	char host[RD_ADDR_MAX];
	struct sockaddr_in sa;
	int rv;

	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	rv = uv_ip4_addr(host, atoi(colon + 1), &sa);
	if (rv == 0)
		rv = uv_tcp_init(n->loop, &s->listener);
	if (rv != 0) {
		rd_error("client address %s: %s", addr, uv_strerror(rv));
		return -1;
	}
	s->listener.data = n;
	s->listening = true;
	rv = uv_tcp_bind(&s->listener, (const struct sockaddr *)&sa, 0);
	if (rv == 0)
		rv = uv_listen((uv_stream_t *)&s->listener, 511, server_connection_cb);
	if (rv != 0) {
		rd_error("cannot listen for clients on %s: %s", addr, uv_strerror(rv));
		return -1;
	}
	return 0;
}

void rd_server_flush(struct rd_node *n)
{
	struct rd_server *s = &n->server;
	struct rd_conn *c;

	while ((c = s->dirty) != NULL) {
		s->dirty = c->dirty_next;
		c->dirty = false;
		rd_conn_flush(c);
	}
}

void rd_server_close(struct rd_node *n)
{
	struct rd_server *s = &n->server;

	s->closing = true;
	s->dirty = NULL;
	if (s->listening) {
		s->listening = false;
		uv_close((uv_handle_t *)&s->listener, NULL);
	}
	while (s->conns != NULL)
		rd_conn_close(s->conns);
}
