/* timeline.c - timeline.html: one column per process, time flowing down.
 *
 * Like Jepsen's timeline: each operation is a box from its invocation to
 * its completion (to the end of the test when it never completed), green
 * ok, red fail, orange info, labelled briefly and described fully on hover
 * (values, latency, history line, the client's error message). Fault
 * intervals are shaded bands across every column. Plain HTML and CSS, no
 * scripts, so the file opens anywhere.
 */
#include "jepsen/check/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JP_COL 92      /* px per process column */
#define JP_LEFT 60     /* px for the time axis */
#define JP_TOP 30      /* px for the column headers */

/* Text for HTML element content and attribute values. */
static void jp_html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\n': fputs("&#10;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void jp_val_text(struct buf *b, const struct jh_val *v)
{
	if (v == NULL) {
		buf_printf(b, "?");
		return;
	}
	switch (v->kind) {
	case JH_V_NIL:
		buf_printf(b, "nil");
		break;
	case JH_V_INT:
		buf_printf(b, "%lld", (long long)v->i);
		break;
	case JH_V_STR:
		buf_printf(b, "%s", v->str);
		break;
	case JH_V_LIST:
		if (v->n > 12) {
			buf_printf(b, "[%zu elements: %lld ... %lld]", v->n, (long long)v->items[0],
				   (long long)v->items[v->n - 1]);
			break;
		}
		buf_printf(b, "[");
		for (size_t k = 0; k < v->n; k++)
			buf_printf(b, "%s%lld", k ? " " : "", (long long)v->items[k]);
		buf_printf(b, "]");
		break;
	}
}

/* The short label inside the box. */
static void jp_label(struct buf *b, const struct jh_op *op)
{
	switch (op->f) {
	case JH_F_READ:
		if (op->type == JH_OK && op->ret != NULL && op->ret->kind == JH_V_LIST)
			buf_printf(b, "r %zu", op->ret->n);
		else if (op->type == JH_OK) {
			buf_printf(b, "r ");
			jp_val_text(b, op->ret);
		} else
			buf_printf(b, "r");
		break;
	case JH_F_CAS:
		buf_printf(b, "cas %lld\xe2\x86\x92%lld", (long long)op->arg->items[0],
			   (long long)op->arg->items[1]);
		break;
	default:
		buf_printf(b, "%s ", op->f == JH_F_WRITE ? "w" : op->fname);
		jp_val_text(b, op->arg);
	}
}

/* The hover text: everything known about the op. */
static void jp_title(struct buf *b, const struct jh_history *h, const struct jh_op *op,
		     const struct jp_details *d)
{
	const char *e = op->comp != (size_t)-1 ? jp_details_find(d, h->ev[op->comp].line) : NULL;

	buf_printf(b, "process %lld, key %lld\n%s ", (long long)op->process,
		   op->has_key ? (long long)op->key : -1LL, op->fname);
	jp_val_text(b, op->arg);
	buf_printf(b, " -> %s", jh_type_name(op->type));
	if (op->ret != NULL && op->f == JH_F_READ) {
		buf_printf(b, " ");
		jp_val_text(b, op->ret);
	}
	buf_printf(b, "\ninvoked at %.3f s (line %zu)", (double)op->call / 1e9, h->ev[op->inv].line);
	if (op->done != JH_NEVER)
		buf_printf(b, ", latency %.1f ms", (double)(op->done - op->call) / 1e6);
	else
		buf_printf(b, ", never completed");
	if (e != NULL)
		buf_printf(b, "\n%s", e);
}

static int jp_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct processes, sorted. */
static int64_t *jp_processes(const struct jh_history *h, size_t *n)
{
	int64_t *p = malloc((h->nops ? h->nops : 1) * sizeof *p);
	size_t m = 0;

	*n = 0;
	if (p == NULL)
		return NULL;
	for (size_t k = 0; k < h->nops; k++)
		p[k] = h->ops[k].process;
	qsort(p, h->nops, sizeof *p, jp_cmp_i64);
	for (size_t k = 0; k < h->nops; k++)
		if (m == 0 || p[m - 1] != p[k])
			p[m++] = p[k];
	*n = m;
	return p;
}

static size_t jp_column(const int64_t *procs, size_t n, int64_t p)
{
	const int64_t *hit = bsearch(&p, procs, n, sizeof p, jp_cmp_i64);

	return hit != NULL ? (size_t)(hit - procs) : 0;
}

static void jp_head(FILE *f, size_t nprocs, double height)
{
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>raftd fault test: timeline</title>\n"
		"<style>\nbody{font:11px sans-serif;margin:8px}\n"
		"#t{position:relative;width:%zupx;height:%.0fpx}\n"
		".op{position:absolute;width:%dpx;overflow:hidden;white-space:nowrap;border-radius:2px;"
		"box-sizing:border-box;border:1px solid rgba(0,0,0,.25);padding:0 2px;z-index:2}\n"
		".ok{background:#b9e4b9}.fail{background:#f5b3b3}.info{background:#ffd59a}\n"
		".fault{position:absolute;left:%dpx;right:0;z-index:1;opacity:.35;font-size:10px;padding:2px}\n"
		".partition{background:#c8a2c8}.kill{background:#f08080}.pause{background:#87cefa}"
		".membership{background:#e6d96a}"
		".other{background:#c0c0c0}\n"
		".ph{position:absolute;top:0;width:%dpx;font-weight:bold;text-align:center}\n"
		".tick{position:absolute;left:0;width:100%%;border-top:1px dotted #bbb;z-index:0}\n"
		"</style></head><body>\n"
		"<p>One column per client process (a client whose operation ended <i>info</i> continues "
		"as a new process), time flowing down. Boxes run from invocation to completion: "
		"<span class=\"ok\">ok</span> <span class=\"fail\">fail</span> "
		"<span class=\"info\">info</span>; hover for details. Shaded bands are faults: "
		"<span class=\"partition\">partition</span> <span class=\"kill\">kill</span> "
		"<span class=\"pause\">pause</span> <span class=\"membership\">membership</span>.</p>\n<div id=\"t\">\n",
		JP_LEFT + nprocs * JP_COL, height, JP_COL - 4, JP_LEFT, JP_COL - 4);
}

static const char *jp_fault_class(const char *kind)
{
	if (strcmp(kind, "partition") == 0 || strcmp(kind, "kill") == 0 ||
	    strcmp(kind, "pause") == 0 || strcmp(kind, "membership") == 0)
		return kind;
	return "other";
}

static void jp_axes(FILE *f, const int64_t *procs, size_t nprocs, int64_t end, double px_per_s,
		    const struct jp_interval *iv, size_t niv)
{
	int step = px_per_s >= 50 ? 1 : px_per_s >= 10 ? 5 : 30;

	for (int64_t s = 0; s <= end / 1000000000; s += step)
		fprintf(f, "<div class=\"tick\" style=\"top:%.0fpx\">%llds</div>\n",
			JP_TOP + (double)s * px_per_s, (long long)s);
	for (size_t k = 0; k < nprocs; k++)
		fprintf(f, "<div class=\"ph\" style=\"left:%zupx\">p%lld</div>\n",
			JP_LEFT + k * JP_COL, (long long)procs[k]);
	for (size_t k = 0; k < niv; k++) {
		fprintf(f, "<div class=\"fault %s\" style=\"top:%.0fpx;height:%.0fpx\" title=\"",
			jp_fault_class(iv[k].kind), JP_TOP + (double)iv[k].start / 1e9 * px_per_s,
			(double)(iv[k].stop - iv[k].start) / 1e9 * px_per_s + 1);
		jp_html(f, iv[k].what);
		fprintf(f, "\">");
		jp_html(f, iv[k].kind);
		fprintf(f, "</div>\n");
	}
}

static void jp_boxes(FILE *f, const struct jh_history *h, const int64_t *procs, size_t nprocs,
		     int64_t end, double px_per_s, const struct jp_details *d)
{
	struct buf label, title;

	buf_init(&label);
	buf_init(&title);
	for (size_t k = 0; k < h->nops; k++) {
		const struct jh_op *op = &h->ops[k];
		int64_t done = op->done == JH_NEVER ? end : op->done;
		double top = JP_TOP + (double)op->call / 1e9 * px_per_s;
		double height = (double)(done - op->call) / 1e9 * px_per_s;

		buf_reset(&label);
		buf_reset(&title);
		jp_label(&label, op);
		jp_title(&title, h, op, d);
		buf_append(&label, "", 1);
		buf_append(&title, "", 1);
		fprintf(f, "<div class=\"op %s\" style=\"left:%zupx;top:%.0fpx;height:%.0fpx\" title=\"",
			jh_type_name(op->type), JP_LEFT + jp_column(procs, nprocs, op->process) * JP_COL,
			top, height < 12 ? 12 : height);
		jp_html(f, title.data != NULL ? title.data : "");
		fprintf(f, "\">");
		jp_html(f, label.data != NULL ? label.data : "");
		fprintf(f, "</div>\n");
	}
	buf_free(&label);
	buf_free(&title);
}

int jp_write_timeline(const char *dir, const struct jh_history *h,
		      const struct jp_interval *iv, size_t niv,
		      const struct jp_details *d, char *err, size_t errlen)
{
	char path[4200];
	size_t nprocs;
	int64_t *procs = jp_processes(h, &nprocs);
	int64_t end = h->nev ? h->ev[h->nev - 1].time : 0;
	double secs = (double)end / 1e9 + 1;
	double px_per_s = 200000.0 / secs; /* 200 px/s up to 1000 s */
	FILE *f;

	if (procs == NULL) {
		if (errlen > 0)
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	px_per_s = px_per_s > 200 ? 200 : px_per_s < 20 ? 20 : px_per_s;
	snprintf(path, sizeof path, "%s/timeline.html", dir);
	if ((f = fopen(path, "w")) == NULL) {
		free(procs);
		if (errlen > 0)
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	jp_head(f, nprocs, JP_TOP + secs * px_per_s + 40);
	jp_axes(f, procs, nprocs, end, px_per_s, iv, niv);
	jp_boxes(f, h, procs, nprocs, end, px_per_s, d);
	fprintf(f, "</div></body></html>\n");
	free(procs);
	if (fclose(f) != 0) {
		if (errlen > 0)
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
