/* resp.c - a minimal blocking RESP exchange for the harness's own questions
 * to one particular node (who leads? what is your state digest? do you know
 * this command?). The workload never uses it: clients go through libraftd.
 * Bounded by one timeout for connect, send and receive together. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/resp.h"
#include "jepsen/runner/runner.h"

/* Wait for events on fd until deadline; 1 ready, 0 timeout or error. */
static int jr_wait(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = (deadline - jr_now_ns()) / 1000000;
		struct pollfd p = {fd, events, 0};
		int rv;

		if (left <= 0)
			return 0;
		rv = poll(&p, 1, (int)left);
		if (rv > 0)
			return 1;
		if (rv < 0 && errno != EINTR)
			return 0;
	}
}

static int jr_connect(const char *ip, int port, int64_t deadline)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int err = 0;
	socklen_t len = sizeof err;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (fd < 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS)
		goto fail;
	if (!jr_wait(fd, POLLOUT, deadline) ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
		goto fail;
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

static void jr_render(const struct resp_value *v, struct buf *out)
{
	switch (v->type) {
	case RESP_T_ERROR:
		buf_printf(out, "-%.*s", (int)v->len, v->str);
		break;
	case RESP_T_INT:
		buf_printf(out, "%lld", v->integer);
		break;
	case RESP_T_NIL:
		buf_printf(out, "(nil)");
		break;
	case RESP_T_ARRAY:
		for (size_t k = 0; k < v->n; k++) {
			if (k)
				buf_append(out, "\n", 1);
			jr_render(&v->elems[k], out);
		}
		break;
	default:
		buf_append(out, v->str, v->len);
	}
}

/* Send the command, then read until one whole reply has arrived. */
static int jr_exchange(int fd, int argc, const char **argv, int64_t deadline,
		       struct buf *in, struct resp_reply *r)
{
	struct resp_arg args[16];
	struct buf req;
	size_t off = 0;
	long n = RESP_INCOMPLETE;

	buf_init(&req);
	for (int k = 0; k < argc && k < 16; k++)
		args[k] = (struct resp_arg){argv[k], strlen(argv[k])};
	if (argc > 16 || resp_w_command(&req, (size_t)argc, args) != 0)
		goto fail;
	while (off < req.len) {
		ssize_t w;

		if (!jr_wait(fd, POLLOUT, deadline))
			goto fail;
		w = send(fd, req.data + off, req.len - off, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			goto fail;
		off += w > 0 ? (size_t)w : 0;
	}
	while (n == RESP_INCOMPLETE) {
		char chunk[4096];
		ssize_t got;

		if (!jr_wait(fd, POLLIN, deadline))
			goto fail;
		got = recv(fd, chunk, sizeof chunk, 0);
		if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
			goto fail;
		if (got > 0 && buf_append(in, chunk, (size_t)got) != 0)
			goto fail;
		n = resp_parse_reply(in->data, in->len, 1 << 20, 4096, r, NULL);
	}
	buf_free(&req);
	return n > 0 ? 0 : -1;
fail:
	buf_free(&req);
	return -1;
}

int jr_resp_call(const char *ip, int port, int timeout_ms, int argc, const char **argv,
		 char *out, size_t outlen)
{
	int64_t deadline = jr_now_ns() + (int64_t)timeout_ms * 1000000;
	int fd = jr_connect(ip, port, deadline);
	struct resp_reply r;
	struct buf in, text;
	int rv = -1;

	if (fd < 0)
		return -1;
	buf_init(&in);
	buf_init(&text);
	resp_reply_init(&r);
	if (jr_exchange(fd, argc, argv, deadline, &in, &r) == 0) {
		jr_render(&r.root, &text);
		snprintf(out, outlen, "%.*s", (int)text.len, text.data ? text.data : "");
		rv = 0;
	}
	resp_reply_free(&r);
	buf_free(&in);
	buf_free(&text);
	close(fd);
	return rv;
}

int jr_command_unknown(struct jr_run *r, const char *cmd)
{
	const char *argv[] = {cmd};
	char reply[256];

	for (int i = 1; i <= r->o->nodes; i++)
		if (jr_resp_call(r->c->n[i].ip, JR_CLIENT_PORT, 1000, 1, argv, reply,
				 sizeof reply) == 0)
			return strstr(reply, "unknown command") != NULL;
	return 0;
}
