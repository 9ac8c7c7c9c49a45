/* fix_recv_coalesce.c - one read(2) per wake-up on raft's peer streams.
 *
 * A performance replacement, not a safety fix. raft 0.15 receives a peer
 * message in three pieces (uv_recv.c): a 16-byte preamble, the header, and
 * for AppendEntries and InstallSnapshot the payload, and its libuv alloc
 * callback offers a buffer of exactly the size of the piece it expects.
 * libuv reads again whenever a read filled the buffer, so every message
 * costs a read per piece plus one that finds the socket empty: measured
 * on a leader under put 64/8, 42,000 reads/s for ~11,000 acknowledgements
 * a second (docs/performance.md), each a system call on the loop thread.
 *
 * raft/patch-archive.sh points uv_recv.o's call of uv_read_start here
 * (and no other object's). rfix_uv_read_start keeps raft's two callbacks
 * and starts reading with the two below: the alloc callback offers one
 * 64 KiB buffer, shared by all peer streams, and the read callback hands
 * what arrived to raft piece by piece, exactly as raft asked for it: it
 * calls raft's alloc callback for the next piece, copies that many bytes
 * (or what is left) into raft's buffer and calls raft's read callback with
 * the count, until the bytes are used up. Raft sees the same calls it
 * would have seen from libuv, only without a system call between them.
 *
 * The shared buffer is free again when the read callback returns, and
 * libuv calls one stream's alloc and read callbacks back to back on the
 * loop thread, so one buffer serves every stream. When raft's next piece
 * is at least as large as the shared buffer (a big AppendEntries or a
 * snapshot chunk), raft's own buffer is handed to libuv instead and the
 * bytes are not copied at all. If raft closes the stream or stops reading
 * from inside its callback (a malformed message, the node shutting down),
 * the rest of the bytes are dropped, as they would have stayed unread in
 * the socket of a closing stream.
 */
#include <stdbool.h>
#include <string.h>

#include "raft/raft015.h"

#define SHARED_LEN (64u * 1024u)

static char shared[SHARED_LEN];
static uv_alloc_cb raft_alloc;
static uv_read_cb raft_read;
static bool direct; /* the last alloc handed out raft's own buffer */

static bool still_reading(uv_stream_t *s)
{
	return !uv_is_closing((uv_handle_t *)s) && uv_is_readable(s) &&
	       uv_is_active((uv_handle_t *)s);
}

static void coalesce_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	uv_buf_t want;

	raft_alloc(h, hint, &want);
	direct = want.base != NULL && want.len >= SHARED_LEN;
	*buf = direct ? want : uv_buf_init(shared, SHARED_LEN);
}

/* Hand n received bytes at p to raft, one requested piece at a time. */
static void deliver(uv_stream_t *s, const char *p, size_t n)
{
	while (n > 0 && still_reading(s)) {
		uv_buf_t want;
		size_t k;

		raft_alloc((uv_handle_t *)s, n, &want);
		if (want.base == NULL || want.len == 0) {
			raft_read(s, UV_ENOBUFS, &want);
			return;
		}
		k = want.len < n ? want.len : n;
		memcpy(want.base, p, k);
		raft_read(s, (ssize_t)k, &want);
		p += k;
		n -= k;
	}
}

static void coalesce_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	if (nread > 0 && !direct) {
		deliver(s, buf->base, (size_t)nread);
		return;
	}
	raft_read(s, nread, buf);
}

int rfix_uv_read_start(uv_stream_t *s, uv_alloc_cb alloc_cb, uv_read_cb read_cb)
{
	/* uv_recv.c has one pair of callbacks; anything else is read as
	 * libuv would. */
	if (raft_alloc != NULL &&
	    (alloc_cb != raft_alloc || read_cb != raft_read))
		return uv_read_start(s, alloc_cb, read_cb);
	raft_alloc = alloc_cb;
	raft_read = read_cb;
	return uv_read_start(s, coalesce_alloc, coalesce_read);
}
