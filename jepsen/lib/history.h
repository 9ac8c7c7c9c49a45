/* history.h - a fault-test history: reading history.jsonl and pairing it.
 *
 * A history is one JSON object per line, in the order the harness recorded
 * them (docs: jepsen/README.md):
 *
 *   {"process":3,"type":"invoke","f":"cas","key":7,"value":[1,2],"time":120345}
 *
 * process is an integer, or "nemesis" for fault events; type is invoke, ok,
 * fail or info; f names the operation; key is an integer or null; value is
 * null, an integer, an array of integers, or (nemesis only) a string; time
 * is nanoseconds since the start of the test, never decreasing.
 *
 * Loading validates every line and then pairs each client invocation with
 * the completion its process recorded next (an invocation with none is
 * treated as info: its outcome is unknown). A process never has two
 * invocations open at once; a history that breaks that rule, or any other,
 * is rejected with a message naming the line, never half-used.
 */
#ifndef JEPSEN_HISTORY_H
#define JEPSEN_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum jh_type { JH_INVOKE, JH_OK, JH_FAIL, JH_INFO };

/* Operation kinds the checkers understand; anything else is JH_F_OTHER and
 * keeps its name in fname. */
enum jh_f { JH_F_READ, JH_F_WRITE, JH_F_CAS, JH_F_ADD, JH_F_APPEND, JH_F_OTHER };

#define JH_NEMESIS (-1)       /* the process of fault events */
#define JH_NEVER INT64_MAX    /* completion time of an op that never completed */

enum jh_vkind { JH_V_NIL, JH_V_INT, JH_V_LIST, JH_V_STR };

struct jh_val {
	enum jh_vkind kind;
	int64_t i;       /* JH_V_INT */
	int64_t *items;  /* JH_V_LIST: n integers */
	size_t n;
	char *str;       /* JH_V_STR, NUL-terminated */
};

/* One line of the file. */
struct jh_event {
	int64_t process;   /* JH_NEMESIS for fault events */
	enum jh_type type;
	enum jh_f f;
	char *fname;
	int has_key;
	int64_t key;
	struct jh_val value;
	int64_t time;
	size_t line;       /* 1-based line number in the file */
};

/* One client operation: an invocation and its completion. */
struct jh_op {
	int64_t process;
	enum jh_f f;
	const char *fname;
	int has_key;
	int64_t key;
	enum jh_type type;          /* JH_OK, JH_FAIL or JH_INFO */
	const struct jh_val *arg;   /* the invocation's value */
	const struct jh_val *ret;   /* the completion's value; NULL if none */
	int64_t call;               /* invocation time */
	int64_t done;               /* completion time, JH_NEVER if none */
	size_t inv;                 /* index of the invocation in events */
	size_t comp;                /* index of the completion, or (size_t)-1 */
};

/* A loaded history owns all its memory; jh_free releases it. ops are the
 * client operations in invocation order. */
struct jh_history {
	struct jh_event *ev;
	size_t nev;
	struct jh_op *ops;
	size_t nops;
};

/* Parse one line (without its newline) into *e; line is the number recorded
 * in e->line. Returns 0, or -1 with a message in err. On success the caller
 * releases e with jh_event_free(). */
int jh_parse_event(const char *text, size_t len, size_t line,
		   struct jh_event *e, char *err, size_t errlen);
void jh_event_free(struct jh_event *e);

/* Build a history from events already in h->ev (taking them over): check
 * times and process discipline, then pair. Returns 0, or -1 with a message
 * in err (h still owns the events and must be freed). */
int jh_pair(struct jh_history *h, char *err, size_t errlen);

/* Read and pair the file at path. Returns 0, or -1 with a message in err; in
 * both cases release h with jh_free() (which is safe on an empty one). */
int jh_load(const char *path, struct jh_history *h, char *err, size_t errlen);

/* Parse and pair a history held in memory (lines separated by '\n'). Same
 * contract as jh_load. */
int jh_load_text(const char *text, size_t len, struct jh_history *h,
		 char *err, size_t errlen);

void jh_free(struct jh_history *h);

const char *jh_type_name(enum jh_type t);

/* 1 when a and b are the same value. */
int jh_val_equal(const struct jh_val *a, const struct jh_val *b);

/* Indices of the ops for which want(op, arg) is 1, grouped by key (ops
 * without a key first) and in invocation order within a key. *n receives the
 * count. Returns a malloc'd array the caller frees, or NULL when memory runs
 * out. */
size_t *jh_group_by_key(const struct jh_history *h,
			int (*want)(const struct jh_op *op, void *arg), void *arg,
			size_t *n);

/* 1 when x and y are about the same key (or both about none). */
int jh_same_key(const struct jh_op *x, const struct jh_op *y);

/* Append v to b as JSON. Returns 0, or -1 when memory runs out. */
int jh_val_write(struct buf *b, const struct jh_val *v);

/* Append op to b as one JSON object: process, f, key, type, value (the
 * invocation's), result (the completion's, null if none), invoke and
 * complete (ns; complete is null when it never completed) and line (of the
 * invocation). Returns 0 or -1 (out of memory). */
int jh_op_write(struct buf *b, const struct jh_history *h, const struct jh_op *op);

#endif
