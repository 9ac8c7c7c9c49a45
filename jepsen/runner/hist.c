/* hist.c - the history writer. One lock orders all events: the time of an
 * event is taken under it, so lines are in time order and times strictly
 * increase. Every line is flushed at once, so a history survives a crash of
 * the runner up to its last event. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "jepsen/lib/json.h"
#include "jepsen/runner/runner.h"

static int64_t jr_t0;

int64_t jr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void jr_sleep(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0)
		;
}

void jr_log(const char *fmt, ...)
{
	va_list ap;

	if (jr_t0 == 0)
		jr_t0 = jr_now_ns();
	fprintf(stderr, "[%8.3f] ", (double)(jr_now_ns() - jr_t0) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int jr_hist_open(struct jr_hist *h, const char *dir)
{
	char path[JR_PATH + 32];

	memset(h, 0, sizeof *h);
	pthread_mutex_init(&h->mu, NULL);
	snprintf(path, sizeof path, "%s/history.jsonl", dir);
	h->f = fopen(path, "w");
	snprintf(path, sizeof path, "%s/details.jsonl", dir);
	h->details = fopen(path, "w");
	if (h->f == NULL || h->details == NULL) {
		jr_hist_close(h);
		return -1;
	}
	h->t0 = jr_now_ns();
	if (jr_t0 == 0)
		jr_t0 = h->t0;
	return 0;
}

int jr_hist_close(struct jr_hist *h)
{
	int rv = h->failed ? -1 : 0;

	if (h->f != NULL && fclose(h->f) != 0)
		rv = -1;
	if (h->details != NULL && fclose(h->details) != 0)
		rv = -1;
	h->f = h->details = NULL;
	pthread_mutex_destroy(&h->mu);
	return rv;
}

void jr_hist_write(struct jr_hist *h, int64_t process, const char *type, const char *f,
		   int has_key, int64_t key, const char *value, const char *error)
{
	char proc[24], keytext[24];
	struct buf e;
	int64_t t;

	if (process == JR_NEMESIS)
		snprintf(proc, sizeof proc, "\"nemesis\"");
	else
		snprintf(proc, sizeof proc, "%lld", (long long)process);
	if (has_key)
		snprintf(keytext, sizeof keytext, "%lld", (long long)key);
	else
		snprintf(keytext, sizeof keytext, "null");
	buf_init(&e);
	if (error != NULL) {
		jj_write_str(&e, error, strlen(error));
		buf_append(&e, "", 1);
	}
	pthread_mutex_lock(&h->mu);
	t = jr_now_ns() - h->t0;
	if (t <= h->last)
		t = h->last + 1;
	h->last = t;
	h->lines++;
	if (fprintf(h->f, "{\"process\":%s,\"type\":\"%s\",\"f\":\"%s\",\"key\":%s,\"value\":%s,"
		    "\"time\":%lld}\n", proc, type, f, keytext, value != NULL ? value : "null",
		    (long long)t) < 0 || fflush(h->f) != 0)
		h->failed = 1;
	if (error != NULL && e.data != NULL)
		if (fprintf(h->details, "{\"line\":%zu,\"error\":%s}\n", h->lines, e.data) < 0 ||
		    fflush(h->details) != 0)
			h->failed = 1;
	pthread_mutex_unlock(&h->mu);
	buf_free(&e);
}
