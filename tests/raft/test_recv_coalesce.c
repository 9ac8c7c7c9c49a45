/* test_recv_coalesce.c - raft/fix_recv_coalesce.c hands a reader exactly
 * the pieces it asks for.
 *
 * The reader here behaves as raft 0.15's uv_recv.c does: its alloc
 * callback offers a buffer of exactly the size of the piece it expects
 * next (a fresh malloc per piece), its read callback advances through that
 * piece. A client on loopback writes the whole stream at once, so many
 * pieces arrive in one read. What must hold: every piece arrives complete,
 * in order, byte for byte; pieces as large as the shared buffer or larger
 * go straight into the reader's buffer; once the reader closes its stream
 * inside a callback, neither of its callbacks is called again; a reader
 * that cannot allocate gets UV_ENOBUFS, once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "raft/raft015.h"

#define MAX_PIECES 4096

static unsigned char stream_byte(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

struct reader {
	size_t sizes[MAX_PIECES]; /* the pieces the reader expects */
	size_t n_pieces;
	size_t piece;        /* the piece being read */
	size_t got;          /* bytes of it received */
	size_t offset;       /* stream offset of its first byte */
	unsigned char *buf;  /* its buffer */
	size_t close_after;  /* close the stream once this many pieces are in */
	size_t fail_alloc_at; /* alloc fails for this piece (0: never) */
	int enobufs;         /* UV_ENOBUFS seen */
	int calls_after_close;
	int closed;
};

static struct reader rd;

static void reader_closed(uv_handle_t *h)
{
	(void)h;
}

static void reader_close(uv_stream_t *s)
{
	rd.closed = 1;
	uv_close((uv_handle_t *)s, reader_closed);
}

static void reader_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h;
	(void)hint;
	if (rd.closed)
		rd.calls_after_close++;
	if (rd.fail_alloc_at != 0 && rd.piece + 1 == rd.fail_alloc_at) {
		*b = uv_buf_init(NULL, 0);
		return;
	}
	if (rd.buf == NULL) {
		rd.buf = malloc(rd.sizes[rd.piece]);
		assert_non_null(rd.buf);
	}
	*b = uv_buf_init((char *)rd.buf + rd.got,
			 (unsigned)(rd.sizes[rd.piece] - rd.got));
}

static void piece_done(uv_stream_t *s)
{
	size_t len = rd.sizes[rd.piece];

	for (size_t i = 0; i < len; i++)
		if (rd.buf[i] != stream_byte(rd.offset + i))
			fail_msg("piece %zu byte %zu: got %u want %u", rd.piece,
				 i, rd.buf[i], stream_byte(rd.offset + i));
	free(rd.buf);
	rd.buf = NULL;
	rd.offset += len;
	rd.got = 0;
	rd.piece++;
	if (rd.piece == rd.n_pieces || rd.piece == rd.close_after)
		reader_close(s);
}

static void reader_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	(void)b;
	if (rd.closed) {
		rd.calls_after_close++;
		return;
	}
	if (nread == UV_ENOBUFS) {
		rd.enobufs++;
		reader_close(s);
		return;
	}
	if (nread <= 0) {
		if (nread < 0)
			reader_close(s);
		return;
	}
	assert_true((size_t)nread <= rd.sizes[rd.piece] - rd.got);
	rd.got += (size_t)nread;
	if (rd.got == rd.sizes[rd.piece])
		piece_done(s);
}

/* ---- a loopback connection; the client writes the whole stream --------- */

struct pair {
	uv_loop_t loop;
	uv_tcp_t listener, server, client;
	uv_connect_t connect;
	uv_write_t write;
	unsigned char *data;
	size_t len;
};

static void on_written(uv_write_t *w, int status)
{
	struct pair *p = w->data;

	assert_int_equal(status, 0);
	uv_close((uv_handle_t *)&p->client, NULL);
}

static void on_connected(uv_connect_t *c, int status)
{
	struct pair *p = c->data;
	uv_buf_t b = uv_buf_init((char *)p->data, (unsigned)p->len);

	assert_int_equal(status, 0);
	p->write.data = p;
	assert_int_equal(uv_write(&p->write, (uv_stream_t *)&p->client, &b, 1,
				  on_written), 0);
}

static void on_accept(uv_stream_t *l, int status)
{
	struct pair *p = l->data;

	assert_int_equal(status, 0);
	assert_int_equal(uv_tcp_init(&p->loop, &p->server), 0);
	assert_int_equal(uv_accept(l, (uv_stream_t *)&p->server), 0);
	assert_int_equal(rfix_uv_read_start((uv_stream_t *)&p->server,
					    reader_alloc, reader_read), 0);
	uv_close((uv_handle_t *)l, NULL);
}

/* Send the stream the reader's pieces add up to, and run until done. */
static void run(void)
{
	struct pair p;
	struct sockaddr_in a;
	int alen = sizeof(a);
	size_t total = 0;

	memset(&p, 0, sizeof(p));
	for (size_t i = 0; i < rd.n_pieces; i++)
		total += rd.sizes[i];
	p.len = total;
	p.data = malloc(total);
	assert_non_null(p.data);
	for (size_t i = 0; i < total; i++)
		p.data[i] = stream_byte(i);

	assert_int_equal(uv_loop_init(&p.loop), 0);
	assert_int_equal(uv_tcp_init(&p.loop, &p.listener), 0);
	assert_int_equal(uv_ip4_addr("127.0.0.1", 0, &a), 0);
	assert_int_equal(uv_tcp_bind(&p.listener, (struct sockaddr *)&a, 0), 0);
	p.listener.data = &p;
	assert_int_equal(uv_listen((uv_stream_t *)&p.listener, 1, on_accept), 0);
	assert_int_equal(uv_tcp_getsockname(&p.listener, (struct sockaddr *)&a,
					    &alen), 0);
	assert_int_equal(uv_tcp_init(&p.loop, &p.client), 0);
	p.connect.data = &p;
	assert_int_equal(uv_tcp_connect(&p.connect, &p.client,
					(struct sockaddr *)&a, on_connected), 0);
	uv_run(&p.loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&p.loop), 0);
	free(p.data);
	free(rd.buf);
	rd.buf = NULL;
}

static void reader_reset(void)
{
	memset(&rd, 0, sizeof(rd));
}

/* raft's message shapes: a 16-byte preamble, a small header, sometimes a
 * payload; thousands of them in one burst. */
static void test_small_pieces_in_one_burst(void **state)
{
	(void)state;
	reader_reset();
	for (size_t i = 0; i < 3000; i++)
		rd.sizes[rd.n_pieces++] = i % 3 == 0 ? 16 : 1 + (i * 13) % 90;
	run();
	assert_int_equal(rd.piece, rd.n_pieces);
	assert_int_equal(rd.calls_after_close, 0);
}

/* Pieces larger than the shared buffer, between small ones: read straight
 * into the reader's buffer, in as many reads as the socket gives. */
static void test_large_pieces(void **state)
{
	static const size_t sizes[] = {
		16, 40, 300 * 1024 + 3, 16, 64 * 1024, 64 * 1024 - 1, 7,
		1024 * 1024, 16,
	};

	(void)state;
	reader_reset();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		rd.sizes[rd.n_pieces++] = sizes[i];
	run();
	assert_int_equal(rd.piece, rd.n_pieces);
	assert_int_equal(rd.calls_after_close, 0);
}

/* The reader closes its stream while bytes of later pieces are still in
 * the shared buffer: they are dropped, no callback follows. */
static void test_close_inside_callback(void **state)
{
	(void)state;
	reader_reset();
	for (size_t i = 0; i < 500; i++)
		rd.sizes[rd.n_pieces++] = 16 + i % 7;
	rd.close_after = 3;
	run();
	assert_int_equal(rd.piece, 3);
	assert_int_equal(rd.calls_after_close, 0);
}

/* The reader cannot allocate the buffer for its second piece: it is told
 * UV_ENOBUFS once, as libuv would tell it. */
static void test_alloc_failure(void **state)
{
	(void)state;
	reader_reset();
	for (size_t i = 0; i < 100; i++)
		rd.sizes[rd.n_pieces++] = 16;
	rd.fail_alloc_at = 2;
	run();
	assert_int_equal(rd.piece, 1);
	assert_int_equal(rd.enobufs, 1);
	assert_int_equal(rd.calls_after_close, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_pieces_in_one_burst),
		cmocka_unit_test(test_large_pieces),
		cmocka_unit_test(test_close_inside_callback),
		cmocka_unit_test(test_alloc_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
