/* resp_write.c - RESP2 writers: append one value to a struct buf.
 *
 * Each writer appends a whole value or nothing: on an allocation failure it
 * restores the buffer's length, so a reply is never left half written.
 *
 * Simple strings and errors are single lines. Their text often comes from
 * elsewhere (a key in an error message, an errno string), so any CR or LF in
 * it is replaced by a space: a reply can never be split into two.
 *
 * Integers (":v", "*n", "$n" headers) are formatted by hand rather than
 * through printf: every reply carries some, and on a loaded leader the
 * printf machinery was 4-6% of the CPU (docs/performance.md, item 2).
 */
#include "common/resp.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

/* Append "<type><text>\r\n" with CR and LF in text turned into spaces. */
static int w_line(struct buf *b, char type, const char *text, size_t n)
{
	if (n > SIZE_MAX - 3 || buf_reserve(b, n + 3) != 0)
		return -1;
	b->data[b->len++] = type;
	for (size_t i = 0; i < n; i++) {
		char c = text[i];

		b->data[b->len++] = c == '\r' || c == '\n' ? ' ' : c;
	}
	memcpy(b->data + b->len, "\r\n", 2);
	b->len += 2;
	return 0;
}

int resp_w_simple(struct buf *b, const char *s)
{
	return w_line(b, '+', s, strlen(s));
}

int resp_w_error(struct buf *b, const char *fmt, ...)
{
	size_t start = b->len;
	va_list ap;
	int rv;

	/* Format in place after a '-', then clean the formatted text. */
	if (buf_append(b, "-", 1) != 0)
		return -1;
	va_start(ap, fmt);
	rv = buf_vprintf(b, fmt, ap);
	va_end(ap);
	if (rv != 0 || buf_append(b, "\r\n", 2) != 0) {
		b->len = start;
		return -1;
	}
	for (size_t i = start + 1; i < b->len - 2; i++)
		if (b->data[i] == '\r' || b->data[i] == '\n')
			b->data[i] = ' ';
	return 0;
}

/* The longest decimal of an unsigned long long (2^64 - 1) is 20 digits. */
#define U64_DIGITS_MAX 20

/* Write v in decimal so that it ends just before end; return the number
 * of digits (at least one, at most U64_DIGITS_MAX). */
static size_t u64_to_dec(char *end, unsigned long long v)
{
	char *p = end;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return (size_t)(end - p);
}

/* Append "<type>[-]<mag>\r\n" (all or nothing). */
static int w_header(struct buf *b, char type, bool neg, unsigned long long mag)
{
	char digits[U64_DIGITS_MAX];
	size_t n = u64_to_dec(digits + sizeof digits, mag);

	if (buf_reserve(b, 1 + 1 + n + 2) != 0)
		return -1;
	b->data[b->len++] = type;
	if (neg)
		b->data[b->len++] = '-';
	memcpy(b->data + b->len, digits + sizeof digits - n, n);
	b->len += n;
	memcpy(b->data + b->len, "\r\n", 2);
	b->len += 2;
	return 0;
}

/* Append "<type><v>\r\n".  The magnitude is taken in unsigned arithmetic,
 * where negating LLONG_MIN is defined. */
static int w_number(struct buf *b, char type, long long v)
{
	unsigned long long mag = (unsigned long long)v;

	return w_header(b, type, v < 0, v < 0 ? 0 - mag : mag);
}

int resp_w_int(struct buf *b, long long v)
{
	return w_number(b, ':', v);
}

int resp_w_array(struct buf *b, long long n)
{
	return w_number(b, '*', n);
}

int resp_w_nil(struct buf *b)
{
	return buf_append(b, "$-1\r\n", 5);
}

int resp_w_bulk(struct buf *b, const void *p, size_t n)
{
	size_t start = b->len;

	/* Reserve the payload first so that the header cannot be left alone. */
	if (n > SIZE_MAX - 32 || buf_reserve(b, n + 32) != 0)
		return -1;
	if (w_header(b, '$', false, n) != 0 || buf_append(b, p, n) != 0 ||
	    buf_append(b, "\r\n", 2) != 0) {
		b->len = start;
		return -1;
	}
	return 0;
}

int resp_w_bulk_str(struct buf *b, const char *s)
{
	return resp_w_bulk(b, s, strlen(s));
}

int resp_w_bulk_u64(struct buf *b, unsigned long long v)
{
	char digits[U64_DIGITS_MAX];
	size_t n = u64_to_dec(digits + sizeof digits, v);

	return resp_w_bulk(b, digits + sizeof digits - n, n);
}

int resp_w_command(struct buf *b, size_t argc, const struct resp_arg *argv)
{
	size_t start = b->len;

	if (w_header(b, '*', false, argc) != 0)
		return -1;
	for (size_t i = 0; i < argc; i++) {
		if (resp_w_bulk(b, argv[i].p, argv[i].len) != 0) {
			b->len = start;
			return -1;
		}
	}
	return 0;
}
