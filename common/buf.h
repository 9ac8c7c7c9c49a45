/* buf.h - a growable byte buffer.
 *
 * Used for reply assembly on the server, request assembly in the client and
 * snapshot encoding. A buffer owns its memory; buf_free releases it. Growth
 * is geometric; every append function returns 0 or -1 when the allocation
 * fails (the buffer is left unchanged in that case).
 */
#ifndef RD_COMMON_BUF_H
#define RD_COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* Forget the contents but keep the allocation for reuse. */
void buf_reset(struct buf *b);
/* Make room for at least n more bytes. */
int buf_reserve(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* buf_printf for callers that already hold a va_list (ap is consumed). */
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Drop the first n bytes (n <= len), moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);
/* Hand the memory to the caller (who frees it with free()); b becomes empty.
 * The result is NULL when b never allocated anything (then *len is 0). */
char *buf_detach(struct buf *b, size_t *len);

#endif
