/* main.c - jepsen-check: check a recorded run and write its report.
 *
 *   jepsen-check [--workload W] [--check-time S] [--check-memory MB] DIR
 *
 * --check-time bounds all searches together (default 300 s), --check-memory
 * each search's memo table (default 1024 MiB); past either a key is
 * "unknown".
 *
 * DIR is a run directory as jepsen-runner leaves it (history.jsonl, and
 * test.json, details.jsonl and replicas.json when present). Writes
 * DIR/results.json, DIR/plots/ (data and plot.gp) and DIR/timeline.html,
 * prints a summary, and exits 0 when every checker says valid, 1 when one
 * says invalid, 2 when none does but one could not decide, 3 when the run
 * cannot be checked at all (missing or damaged history).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "jepsen/check/append.h"
#include "jepsen/check/fencing.h"
#include "jepsen/check/linear.h"
#include "jepsen/check/report.h"
#include "jepsen/check/set.h"
#include "jepsen/lib/json.h"

struct jc_opts {
	const char *dir;
	char workload[32];
	double check_time;    /* seconds for all searches together */
	size_t check_memory;  /* bytes per search */
};

struct jc_section {
	const char *name;
	enum jl_verdict v;
	struct buf json;
};

#define JC_MAX_SECTIONS 4

static int jc_usage(void)
{
	fprintf(stderr, "usage: jepsen-check [--workload register|set|append|lock] [--check-time S] "
		"[--check-memory MB] DIR\n");
	return 3;
}

/* The whole file at path as a NUL-terminated string, or NULL. */
static char *jc_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_append(&b, chunk, n) != 0)
			break;
	fclose(f);
	if (buf_append(&b, "", 1) != 0) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len - 1;
	return b.data;
}

/* A JSON file's text if it parses as an object (*v then holds it; the
 * caller frees both), else NULL. */
static char *jc_json_file(const char *dir, const char *name, struct jj_value *v)
{
	char path[4200];
	size_t len;
	char *text;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	text = jc_slurp(path, &len);
	if (text == NULL)
		return NULL;
	if (jj_parse(text, len, v, NULL, 0) != 0 || v->type != JJ_OBJ) {
		jj_free(v);
		free(text);
		return NULL;
	}
	return text;
}

/* The length of text without trailing whitespace, as a printf precision. */
static int jc_trimmed_len(const char *text)
{
	size_t n = strlen(text);

	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r'))
		n--;
	return (int)n;
}

static int jc_parse_args(int argc, char **argv, struct jc_opts *o)
{
	static const struct option longopts[] = {
		{"workload", required_argument, NULL, 'w'},
		{"check-time", required_argument, NULL, 't'},
		{"check-memory", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof *o);
	o->check_time = 300;
	o->check_memory = (size_t)1024 << 20;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			snprintf(o->workload, sizeof o->workload, "%s", optarg);
			break;
		case 't':
			o->check_time = atof(optarg);
			break;
		case 'm':
			o->check_memory = (size_t)strtoull(optarg, NULL, 10) << 20;
			break;
		default:
			return -1;
		}
	}
	if (optind + 1 != argc || o->check_time <= 0 || o->check_memory == 0)
		return -1;
	o->dir = argv[optind];
	return 0;
}

/* The workload named by --workload, else by test.json. */
static void jc_workload(struct jc_opts *o, const struct jj_value *test)
{
	const struct jj_value *w = test != NULL ? jj_get(test, "workload") : NULL;

	if (o->workload[0] == '\0' && w != NULL && w->type == JJ_STR)
		snprintf(o->workload, sizeof o->workload, "%s", w->s);
}

static void jc_counts(struct buf *out, const struct jh_history *h)
{
	static const char *const names[] = {"read", "write", "cas", "add", "append", "other"};
	size_t by[6][4] = {{0}}, all[4] = {0}, nemesis = 0;

	for (size_t k = 0; k < h->nops; k++) {
		by[h->ops[k].f][h->ops[k].type]++;
		all[h->ops[k].type]++;
	}
	for (size_t k = 0; k < h->nev; k++)
		nemesis += h->ev[k].process == JH_NEMESIS;
	buf_printf(out, "{\"ops\":%zu,\"ok\":%zu,\"fail\":%zu,\"info\":%zu,\"nemesis_events\":%zu,"
		   "\"by_f\":{", h->nops, all[JH_OK], all[JH_FAIL], all[JH_INFO], nemesis);
	for (int f = 0, first = 1; f < 6; f++) {
		if (by[f][JH_OK] + by[f][JH_FAIL] + by[f][JH_INFO] == 0)
			continue;
		buf_printf(out, "%s\"%s\":{\"ok\":%zu,\"fail\":%zu,\"info\":%zu}", first ? "" : ",",
			   names[f], by[f][JH_OK], by[f][JH_FAIL], by[f][JH_INFO]);
		first = 0;
	}
	buf_printf(out, "}}");
}

static enum jl_verdict jc_json_verdict(const struct jj_value *v)
{
	const struct jj_value *valid = jj_get(v, "valid");

	if (valid != NULL && valid->type == JJ_BOOL)
		return valid->i ? JL_VALID : JL_INVALID;
	return JL_UNKNOWN;
}

/* Run the workload's checkers into sec[]; returns how many, or -1 for an
 * unknown workload. */
static int jc_run_checkers(const struct jc_opts *o, const struct jh_history *h,
			   struct jc_section *sec)
{
	struct jl_options lo = {jl_now_ns() + (int64_t)(o->check_time * 1e9), o->check_memory, 10};
	int n = 0;

	for (int k = 0; k < JC_MAX_SECTIONS; k++)
		buf_init(&sec[k].json);
	if (strcmp(o->workload, "register") == 0) {
		sec[n].name = "linearizable";
		sec[n].v = jl_check_history(h, &jm_register, &lo, &sec[n].json);
		n++;
	} else if (strcmp(o->workload, "set") == 0) {
		sec[n].name = "set";
		sec[n].v = js_check_history(h, JH_F_ADD, &sec[n].json);
		n++;
	} else if (strcmp(o->workload, "append") == 0 || strcmp(o->workload, "lock") == 0) {
		sec[n].name = "elements";
		sec[n].v = js_check_history(h, JH_F_APPEND, &sec[n].json);
		n++;
		sec[n].name = o->workload[0] == 'a' ? "order" : "fencing";
		sec[n].v = o->workload[0] == 'a' ? ja_check_history(h, &sec[n].json)
						 : jf_check_history(h, &sec[n].json);
		n++;
	} else {
		return -1;
	}
	return n;
}

static enum jl_verdict jc_combine(const struct jc_section *sec, int n)
{
	enum jl_verdict v = JL_VALID;

	for (int k = 0; k < n; k++)
		if (sec[k].v == JL_INVALID)
			return JL_INVALID;
		else if (sec[k].v == JL_UNKNOWN)
			v = JL_UNKNOWN;
	return v;
}

static int jc_write_results(const struct jc_opts *o, const struct jh_history *h,
			    const struct jc_section *sec, int n, enum jl_verdict v,
			    const char *test_text, const struct jp_interval *iv, size_t niv,
			    double secs)
{
	char path[4200];
	struct buf out;
	FILE *f;
	int rv;

	buf_init(&out);
	buf_printf(&out, "{\"valid\":%s,\"workload\":", jl_verdict_json(v));
	jj_write_str(&out, o->workload, strlen(o->workload));
	buf_printf(&out, ",\"check_seconds\":%.3f,\"test\":%.*s,\"counts\":", secs,
		   test_text != NULL ? jc_trimmed_len(test_text) : 4,
		   test_text != NULL ? test_text : "null");
	jc_counts(&out, h);
	buf_printf(&out, ",\"checkers\":{");
	for (int k = 0; k < n; k++)
		buf_printf(&out, "%s\"%s\":%.*s", k ? "," : "", sec[k].name, (int)sec[k].json.len,
			   sec[k].json.data ? sec[k].json.data : "{}");
	buf_printf(&out, "},\"faults\":");
	jp_intervals_json(&out, iv, niv);
	rv = buf_printf(&out, "}\n");
	snprintf(path, sizeof path, "%s/results.json", o->dir);
	f = fopen(path, "w");
	if (rv != 0 || f == NULL || fwrite(out.data, 1, out.len, f) != out.len) {
		fprintf(stderr, "jepsen-check: cannot write %s\n", path);
		rv = -1;
	}
	if (f != NULL && fclose(f) != 0)
		rv = -1;
	buf_free(&out);
	return rv;
}

static void jc_summary(const struct jc_opts *o, const struct jh_history *h,
		       const struct jc_section *sec, int n, enum jl_verdict v)
{
	size_t t[4] = {0};

	for (size_t k = 0; k < h->nops; k++)
		t[h->ops[k].type]++;
	printf("workload %s: %zu operations (%zu ok, %zu fail, %zu info)\n", o->workload,
	       h->nops, t[JH_OK], t[JH_FAIL], t[JH_INFO]);
	for (int k = 0; k < n; k++)
		printf("  %-13s %s\n", sec[k].name, jl_verdict_name(sec[k].v));
	printf("verdict: %s\nreport: %s/results.json, %s/timeline.html, %s/latency.png, %s/rate.png\n",
	       jl_verdict_name(v), o->dir, o->dir, o->dir, o->dir);
}

/* The replicas section from the runner's convergence check, if it ran. */
static void jc_replicas(const struct jc_opts *o, struct jc_section *sec, int *n)
{
	struct jj_value v;
	char *text = jc_json_file(o->dir, "replicas.json", &v);

	if (text == NULL)
		return;
	sec[*n].name = "replicas";
	sec[*n].v = jc_json_verdict(&v);
	buf_printf(&sec[*n].json, "%.*s", jc_trimmed_len(text), text);
	(*n)++;
	jj_free(&v);
	free(text);
}

static void jc_report(const struct jc_opts *o, const struct jh_history *h,
		      struct jp_interval *iv, size_t niv)
{
	struct jp_details d;
	char path[4200], err[300];

	snprintf(path, sizeof path, "%s/details.jsonl", o->dir);
	if (jp_details_load(path, &d) != 0)
		fprintf(stderr, "jepsen-check: out of memory reading %s\n", path);
	if (jp_write_plots(o->dir, h, iv, niv, err, sizeof err) != 0 ||
	    jp_write_timeline(o->dir, h, iv, niv, &d, err, sizeof err) != 0) {
		fprintf(stderr, "jepsen-check: %s\n", err);
	}
	jp_details_free(&d);
}

int main(int argc, char **argv)
{
	struct jc_opts o;
	struct jh_history h;
	struct jc_section sec[JC_MAX_SECTIONS];
	struct jj_value test;
	struct jp_interval *iv;
	char path[4200], err[300], *test_text;
	size_t niv;
	int n, code;
	int64_t t0 = jl_now_ns();
	enum jl_verdict v;

	if (jc_parse_args(argc, argv, &o) != 0)
		return jc_usage();
	test_text = jc_json_file(o.dir, "test.json", &test);
	jc_workload(&o, test_text != NULL ? &test : NULL);
	snprintf(path, sizeof path, "%s/history.jsonl", o.dir);
	if (jh_load(path, &h, err, sizeof err) != 0) {
		fprintf(stderr, "jepsen-check: %s: %s\n", path, err);
		jh_free(&h);
		return 3;
	}
	n = jc_run_checkers(&o, &h, sec);
	if (n < 0) {
		fprintf(stderr, "jepsen-check: unknown workload '%s' (register, set, append, lock)\n",
			o.workload);
		jh_free(&h);
		return 3;
	}
	jc_replicas(&o, sec, &n);
	v = jc_combine(sec, n);
	iv = jp_intervals(&h, &niv);
	/* without results.json the run is not checked; without the plots or
	 * the timeline it is, and the message says what is missing */
	code = jc_write_results(&o, &h, sec, n, v, test_text, iv, niv,
				(double)(jl_now_ns() - t0) / 1e9);
	jc_report(&o, &h, iv, niv);
	jc_summary(&o, &h, sec, n, v);
	for (int k = 0; k < JC_MAX_SECTIONS; k++)
		buf_free(&sec[k].json);
	free(iv);
	if (test_text != NULL) {
		jj_free(&test);
		free(test_text);
	}
	jh_free(&h);
	return code ? 3 : v == JL_VALID ? 0 : v == JL_INVALID ? 1 : 2;
}
