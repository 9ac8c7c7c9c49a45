/* test_client_fake.c - the scripted fake raftd (see test_client_fake.h).
 *
 * One thread, poll() over the listeners, the connections and a wake-up
 * pipe. Requests are parsed with common's RESP request parser, so what the
 * fake logs is exactly what a real server would have parsed.
 */
#include "test_client_fake.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/resp.h"

#define MAX_NODES 4
#define MAX_CONNS 32
#define MAX_STEPS 16
#define MAX_LOG 64

struct fnode {
	int lfd;
	uint16_t port;
	char addr[32];
	enum fake_action action[MAX_STEPS];
	char *reply[MAX_STEPS];
	size_t nsteps, next;
	char *log[MAX_LOG];
	size_t nlog;
	size_t nconns;
};

struct fconn {
	int fd;          /* -1: slot free */
	size_t node;
	struct buf in;
	struct buf held; /* FAKE_HOLD replies not yet sent */
};

struct fake {
	pthread_t thread;
	pthread_mutex_t mu;
	int wake[2];
	bool stop;
	size_t n;
	struct fnode nodes[MAX_NODES];
	struct fconn conns[MAX_CONNS];
};

static void die(const char *what)
{
	fprintf(stderr, "fake server: %s: %s\n", what, strerror(errno));
	abort();
}

static int listen_any(uint16_t *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		die("bind");
	*port = ntohs(sa.sin_port);
	return fd;
}

uint16_t fake_dead_port(void)
{
	uint16_t port;
	int fd = listen_any(&port);

	/* Bound but never listening: nothing accepts on it once closed. */
	close(fd);
	return port;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the client went away: nothing to do */
		p += w;
		n -= (size_t)w;
	}
}

static void conn_drop(struct fconn *c)
{
	close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
	buf_free(&c->held);
}

static char *join_args(const struct resp_req *req)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < req->argc; i++) {
		if (i > 0)
			buf_append(&b, " ", 1);
		buf_append(&b, req->argv[i].p, req->argv[i].len);
	}
	buf_append(&b, "", 1);
	return buf_detach(&b, NULL);
}

/* Answer one request; returns false when the connection was closed. */
static bool answer(struct fake *f, struct fconn *c, const struct resp_req *req)
{
	struct fnode *nd = &f->nodes[c->node];
	enum fake_action action = FAKE_REPLY;
	const char *reply = "-ERR fake: script exhausted\r\n";

	pthread_mutex_lock(&f->mu);
	if (nd->nlog < MAX_LOG)
		nd->log[nd->nlog++] = join_args(req);
	if (nd->next < nd->nsteps) {
		action = nd->action[nd->next];
		reply = nd->reply[nd->next];
		nd->next++;
	}
	pthread_mutex_unlock(&f->mu);
	switch (action) {
	case FAKE_HOLD:
		buf_append(&c->held, reply, strlen(reply));
		return true;
	case FAKE_REPLY:
		buf_append(&c->held, reply, strlen(reply));
		send_all(c->fd, c->held.data, c->held.len);
		buf_reset(&c->held);
		return true;
	case FAKE_REPLY_CLOSE:
		send_all(c->fd, reply, strlen(reply));
		conn_drop(c);
		return false;
	case FAKE_CLOSE:
		conn_drop(c);
		return false;
	case FAKE_SILENT:
		return true;
	}
	return true;
}

static void conn_read(struct fake *f, struct fconn *c)
{
	static const struct resp_limits lim = {1024, 1 << 20, 1 << 16, 4 << 20};
	struct resp_req req;
	size_t pos = 0;
	ssize_t n;

	if (buf_reserve(&c->in, 4096) != 0)
		die("buf_reserve");
	n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
	if (n <= 0) {
		conn_drop(c);
		return;
	}
	c->in.len += (size_t)n;
	resp_req_init(&req);
	for (;;) {
		size_t need;
		const char *err;
		long used = resp_parse_request(&lim, c->in.data + pos,
					       c->in.len - pos, &req, &need,
					       &err);

		if (used <= 0)
			break;
		pos += (size_t)used;
		if (!answer(f, c, &req))
			break;
	}
	resp_req_free(&req);
	if (c->fd >= 0)
		buf_consume(&c->in, pos);
}

static void accept_one(struct fake *f, size_t node)
{
	int fd = accept4(f->nodes[node].lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (size_t i = 0; i < MAX_CONNS; i++) {
		if (f->conns[i].fd < 0) {
			f->conns[i].fd = fd;
			f->conns[i].node = node;
			buf_init(&f->conns[i].in);
			buf_init(&f->conns[i].held);
			pthread_mutex_lock(&f->mu);
			f->nodes[node].nconns++;
			pthread_mutex_unlock(&f->mu);
			return;
		}
	}
	close(fd);
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	struct pollfd pfd[1 + MAX_NODES + MAX_CONNS];
	size_t who[MAX_CONNS];

	for (;;) {
		size_t np = 0, nc = 0;

		pfd[np++] = (struct pollfd){.fd = f->wake[0], .events = POLLIN};
		for (size_t i = 0; i < f->n; i++)
			pfd[np++] = (struct pollfd){.fd = f->nodes[i].lfd,
						    .events = POLLIN};
		for (size_t i = 0; i < MAX_CONNS; i++)
			if (f->conns[i].fd >= 0) {
				who[nc++] = i;
				pfd[np++] = (struct pollfd){
					.fd = f->conns[i].fd, .events = POLLIN};
			}
		if (poll(pfd, np, -1) < 0 && errno != EINTR)
			die("poll");
		if (pfd[0].revents)
			return NULL;
		for (size_t i = 0; i < f->n; i++)
			if (pfd[1 + i].revents)
				accept_one(f, i);
		for (size_t i = 0; i < nc; i++)
			if (pfd[1 + f->n + i].revents)
				conn_read(f, &f->conns[who[i]]);
	}
}

struct fake *fake_start(size_t n)
{
	struct fake *f = calloc(1, sizeof(*f));

	if (f == NULL || n > MAX_NODES)
		die("fake_start");
	f->n = n;
	pthread_mutex_init(&f->mu, NULL);
	if (pipe(f->wake) != 0)
		die("pipe");
	for (size_t i = 0; i < MAX_CONNS; i++)
		f->conns[i].fd = -1;
	for (size_t i = 0; i < n; i++) {
		struct fnode *nd = &f->nodes[i];

		nd->lfd = listen_any(&nd->port);
		if (listen(nd->lfd, 16) != 0)
			die("listen");
		snprintf(nd->addr, sizeof(nd->addr), "127.0.0.1:%u", nd->port);
	}
	if (pthread_create(&f->thread, NULL, serve, f) != 0)
		die("pthread_create");
	return f;
}

static void node_clear(struct fnode *nd)
{
	for (size_t i = 0; i < nd->nsteps; i++)
		free(nd->reply[i]);
	for (size_t i = 0; i < nd->nlog; i++)
		free(nd->log[i]);
	nd->nsteps = nd->next = nd->nlog = 0;
}

void fake_stop(struct fake *f)
{
	if (write(f->wake[1], "x", 1) != 1)
		die("write");
	pthread_join(f->thread, NULL);
	for (size_t i = 0; i < MAX_CONNS; i++)
		if (f->conns[i].fd >= 0)
			conn_drop(&f->conns[i]);
	for (size_t i = 0; i < f->n; i++) {
		close(f->nodes[i].lfd);
		node_clear(&f->nodes[i]);
	}
	close(f->wake[0]);
	close(f->wake[1]);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

uint16_t fake_port(struct fake *f, size_t node)
{
	return f->nodes[node].port;
}

const char *fake_addr(struct fake *f, size_t node)
{
	return f->nodes[node].addr;
}

void fake_script(struct fake *f, size_t node, const struct fake_step *steps,
		 size_t n)
{
	struct fnode *nd = &f->nodes[node];

	if (n > MAX_STEPS)
		die("fake_script: too many steps");
	pthread_mutex_lock(&f->mu);
	node_clear(nd);
	for (size_t i = 0; i < n; i++) {
		nd->action[i] = steps[i].action;
		nd->reply[i] = strdup(steps[i].reply ? steps[i].reply : "");
	}
	nd->nsteps = n;
	pthread_mutex_unlock(&f->mu);
}

size_t fake_count(struct fake *f, size_t node)
{
	size_t n;

	pthread_mutex_lock(&f->mu);
	n = f->nodes[node].nlog;
	pthread_mutex_unlock(&f->mu);
	return n;
}

size_t fake_conns(struct fake *f, size_t node)
{
	size_t n;

	pthread_mutex_lock(&f->mu);
	n = f->nodes[node].nconns;
	pthread_mutex_unlock(&f->mu);
	return n;
}

int fake_request(struct fake *f, size_t node, size_t i, char *out, size_t size)
{
	int rc = -1;

	pthread_mutex_lock(&f->mu);
	if (i < f->nodes[node].nlog) {
		snprintf(out, size, "%s", f->nodes[node].log[i]);
		rc = 0;
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}
