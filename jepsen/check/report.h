/* report.h - what a person looks at after a run: plot data with a gnuplot
 * script, and an HTML timeline.
 *
 * Fault intervals come from the nemesis events of the history: an event
 * whose f is "start-X" opens an interval of kind X, the next "stop-X" (or
 * the end of the history) closes it. Both the plots and the timeline shade
 * them.
 */
#ifndef JEPSEN_REPORT_H
#define JEPSEN_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "jepsen/lib/history.h"

struct jp_interval {
	char kind[32];      /* "partition", "kill", ... */
	const char *what;   /* the start event's description (in h), or "" */
	int64_t start, stop;
};

/* The fault intervals of h, in start order, as a malloc'd array the caller
 * frees (NULL with *n 0 when there are none or memory ran out). */
struct jp_interval *jp_intervals(const struct jh_history *h, size_t *n);

/* Append the intervals to out as a JSON array of {"kind","value","start",
 * "stop"} (ns). Returns 0 or -1 (out of memory). */
int jp_intervals_json(struct buf *out, const struct jp_interval *iv, size_t n);

/* Error messages the harness recorded beside the history (details.jsonl:
 * {"line":N,"error":".."} per completion that had one). */
struct jp_details {
	size_t *line;
	char **error;
	size_t n;
};

/* Load dir/details.jsonl if it exists (a missing file is no error; damaged
 * lines are skipped). Returns 0, or -1 when memory runs out. */
int jp_details_load(const char *path, struct jp_details *d);
/* The error recorded for history line, or NULL. */
const char *jp_details_find(const struct jp_details *d, size_t line);
void jp_details_free(struct jp_details *d);

/* Write dir/plots/ data files and dir/plots/plot.gp, which draws
 * latency.png (latency of every operation over time, by f and outcome) and
 * rate.png (completions per second by outcome), faults shaded. Returns 0,
 * or -1 with a message in err. */
int jp_write_plots(const char *dir, const struct jh_history *h,
		   const struct jp_interval *iv, size_t niv, char *err, size_t errlen);

/* Write dir/timeline.html: one column per process, one box per operation
 * from invocation to completion, coloured by outcome, with its details on
 * hover; faults shaded across all columns. Returns 0, or -1 with err. */
int jp_write_timeline(const char *dir, const struct jh_history *h,
		      const struct jp_interval *iv, size_t niv,
		      const struct jp_details *d, char *err, size_t errlen);

#endif
