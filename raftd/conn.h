/* conn.h - one client connection and its requests (conn.c), and the
 * command table that serves them (cmd.c, status.c).
 *
 * A connection answers requests strictly in order even though they complete
 * out of order (a read waits for a barrier, a write for its entry to apply,
 * a ping not at all). Each parsed request gets an rd_req, its reply slot, at
 * the tail of the connection's queue; a handler writes the reply into
 * req->out and calls rd_req_done; completed requests at the head of the queue
 * move to the connection's output, which is sent at the end of the loop
 * iteration.
 *
 * A connection closed by its client is not freed while callbacks still point
 * at its requests: rd_req_done on a closed connection only recycles the
 * request, and the connection is freed when the last one is done.
 */
#ifndef RD_CONN_H
#define RD_CONN_H

#include "raftd/raftd.h"

struct rd_cmd;

struct rd_req {
	struct rd_conn *conn;
	struct rd_req *next;
	const struct rd_cmd *cmd;
	struct buf out;       /* the reply being built */
	bool done;
	/* Arguments kept for a request that completes later (reads). */
	size_t argc;
	struct resp_arg *argv;
	struct buf argmem;
	size_t argv_cap;
	void *op;             /* handler-private state (status.c) */
	uint8_t read_mode;    /* enum rd_read_mode */
	uint64_t min_index;   /* session reads */
	/* Prefixes of a write (RD.SEQ, RD.FENCE), applied by cmd_write.c. */
	bool has_session, has_fence;
	uint64_t session, seq, ack;
	struct resp_arg fence_lock;
	uint64_t fence_token;
	uint64_t op_session;  /* session named by RD.SESSION/RD.LOCK (errors) */
};

/* How a read is served (docs/consistency.md). */
enum rd_read_mode {
	RD_READ_LINEARIZABLE, /* leader, after a barrier */
	RD_READ_SESSION,      /* any node, once it applied min_index */
	RD_READ_STALE         /* any node, at once, lag shown */
};

struct rd_conn {
	uv_tcp_t tcp;
	struct rd_node *node;
	struct rd_conn *prev, *next;   /* server's list */
	struct rd_conn *dirty_next;
	bool dirty;

	struct buf rbuf;               /* bytes read, not yet parsed */
	size_t need;                   /* bytes the next request needs, if known */
	struct resp_req parsed;

	struct buf wbuf;               /* replies ready to send */
	struct buf sending;            /* replies being written */
	uv_write_t wreq;
	bool writing;

	struct rd_req *head, *tail;    /* requests in arrival order */
	size_t npending;
	struct rd_req *free_reqs;

	bool paused;                   /* reading stopped for backpressure */
	bool closing;                  /* uv_close called */
	bool handle_closed;
	bool quit;                     /* close once replies are sent */
	bool readonly;                 /* READONLY: plain reads are stale reads */
	char peer[64];
};

/* conn.c */
void rd_conn_accept(struct rd_node *n, uv_stream_t *listener);
void rd_conn_flush(struct rd_conn *c);
void rd_conn_close(struct rd_conn *c);
/* The request's reply is complete. */
void rd_req_done(struct rd_req *req);
/* Copy argv into the request so it outlives the read buffer; -1 on ENOMEM. */
int rd_req_keep_args(struct rd_req *req, size_t argc, const struct resp_arg *argv);

/* cmd.c: serve one parsed request; always ends in rd_req_done, now or later. */
void rd_cmd_dispatch(struct rd_req *req, size_t argc, const struct resp_arg *argv);
/* 0 when the command table is sorted for binary search (checked at start). */
int rd_cmd_table_check(void);
/* Reply to a request the node could not take: redirect, retry or error. */
void rd_cmd_reply_status(struct rd_req *req, int status, uint64_t term);

/* status.c */
void rd_status_nodeinfo(struct rd_req *req);
void rd_status_cluster(struct rd_req *req, bool envelope);

#endif
