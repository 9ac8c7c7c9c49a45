/* json.h - the small JSON reader and writer the fault harness needs.
 *
 * The harness writes one JSON object per history line and reads it back in
 * the checker, which must never crash on a damaged or hand-edited file. The
 * parser takes one NUL-free text of known length, validates it completely
 * (nesting depth, string escapes, integer range) and builds a tree of
 * jj_value nodes. Integers within int64 are JJ_INT; numbers with a fraction
 * or an exponent are JJ_REAL (the history has none: its readers refuse
 * them, but test.json and replicas.json carry some).
 * The writer side is an escaper for strings on top of struct buf.
 */
#ifndef JEPSEN_JSON_H
#define JEPSEN_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum jj_type { JJ_NULL, JJ_BOOL, JJ_INT, JJ_REAL, JJ_STR, JJ_ARR, JJ_OBJ };

/* One value. Strings are NUL-terminated copies (len excludes the NUL; they
 * may contain NUL bytes written as \u0000). Arrays and objects hold n
 * children in elems; an object's member names are in keys (n entries). */
struct jj_value {
	enum jj_type type;
	int64_t i;               /* JJ_INT; JJ_BOOL: 0 or 1 */
	double d;                /* JJ_REAL */
	char *s;                 /* JJ_STR */
	size_t len;              /* JJ_STR */
	size_t n;                /* JJ_ARR, JJ_OBJ */
	struct jj_value *elems;  /* JJ_ARR, JJ_OBJ */
	char **keys;             /* JJ_OBJ */
};

#define JJ_MAX_DEPTH 16

/* Parse text[0..len) as one JSON value followed only by whitespace. On
 * success returns 0 and fills *out, which the caller releases with
 * jj_free(). On error returns -1, leaves *out empty (JJ_NULL) and writes a
 * message naming the byte offset to err (errlen bytes, may be 0). */
int jj_parse(const char *text, size_t len, struct jj_value *out, char *err,
	     size_t errlen);

/* Release what jj_parse allocated inside v (not v itself); v becomes null. */
void jj_free(struct jj_value *v);

/* The member named name of object v, or NULL when v is not an object or has
 * no such member. */
const struct jj_value *jj_get(const struct jj_value *v, const char *name);

/* Append s[0..len) to b as a quoted JSON string (escaping quotes, backslashes
 * and control bytes). Returns 0, or -1 when memory runs out. */
int jj_write_str(struct buf *b, const char *s, size_t len);

#endif
