/* test_client_fake.h - a scripted fake raftd for the client's unit tests.
 *
 * fake_start() opens n listening sockets on 127.0.0.1 (ephemeral ports), one
 * per fake node, served by one background thread with blocking sockets and
 * poll(), so both the blocking client (which runs its own loop) and the
 * asynchronous one can talk to it. Each node answers the requests it
 * receives, across all its connections, with the steps of its script in
 * order; past the end of the script it answers "-ERR fake: script
 * exhausted". Every request is logged (arguments joined by spaces) so a
 * test can assert what the server saw, and how many times.
 */
#ifndef TEST_CLIENT_FAKE_H
#define TEST_CLIENT_FAKE_H

#include <stddef.h>
#include <stdint.h>

enum fake_action {
	FAKE_REPLY,  /* send held replies, then this one */
	FAKE_HOLD,   /* keep this reply until the next FAKE_REPLY */
	FAKE_CLOSE,  /* close the connection without answering */
	FAKE_REPLY_CLOSE, /* answer, then close the connection */
	FAKE_SILENT  /* never answer (the connection stays open) */
};

struct fake_step {
	enum fake_action action;
	const char *reply; /* raw RESP for FAKE_REPLY/FAKE_HOLD; copied */
};

struct fake;

/* Start n nodes (n <= 4). Aborts the test program on failure. */
struct fake *fake_start(size_t n);
void fake_stop(struct fake *f);
uint16_t fake_port(struct fake *f, size_t node);
/* "127.0.0.1:<port>" of node, in a static buffer per node. */
const char *fake_addr(struct fake *f, size_t node);
/* Replace node's script (steps are copied) and forget its log. */
void fake_script(struct fake *f, size_t node, const struct fake_step *steps,
		 size_t n);
/* Requests node has received so far, and connections it has accepted. */
size_t fake_count(struct fake *f, size_t node);
size_t fake_conns(struct fake *f, size_t node);
/* Request i as "ARG ARG ...", copied into out (truncated to size). Returns
 * 0, or -1 when there is no such request. */
int fake_request(struct fake *f, size_t node, size_t i, char *out,
		 size_t size);

/* A port on 127.0.0.1 where nothing listens (connections are refused). */
uint16_t fake_dead_port(void);

#endif
