/* history.c - parse history lines into events, then pair invocations with
 * completions. The parse is strict about types so that the checkers can
 * rely on shapes (a cas value is a list of two integers, a read result is
 * null or an integer or a list) after one validation pass here. */
#include "jepsen/lib/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "jepsen/lib/json.h"

static const char *const jh_type_names[] = {"invoke", "ok", "fail", "info"};
static const char *const jh_f_names[] = {"read", "write", "cas", "add", "append"};

const char *jh_type_name(enum jh_type t)
{
	return (unsigned)t < 4 ? jh_type_names[t] : "?";
}

static int jh_err(char *err, size_t errlen, size_t line, const char *what)
{
	if (errlen > 0)
		snprintf(err, errlen, "line %zu: %s", line, what);
	return -1;
}

static void jh_val_free(struct jh_val *v)
{
	free(v->items);
	free(v->str);
	memset(v, 0, sizeof *v);
}

void jh_event_free(struct jh_event *e)
{
	free(e->fname);
	jh_val_free(&e->value);
	memset(e, 0, sizeof *e);
}

/* A value: null, integer, list of integers, or (nemesis) a string. */
static int jh_value(const struct jj_value *j, int nemesis, struct jh_val *out)
{
	memset(out, 0, sizeof *out);
	switch (j->type) {
	case JJ_NULL:
		return 0;
	case JJ_INT:
		out->kind = JH_V_INT;
		out->i = j->i;
		return 0;
	case JJ_STR:
		if (!nemesis)
			return -1;
		out->kind = JH_V_STR;
		out->str = strdup(j->s);
		return out->str != NULL ? 0 : -1;
	case JJ_ARR:
		out->kind = JH_V_LIST;
		if (j->n == 0)
			return 0;
		out->items = malloc(j->n * sizeof *out->items);
		if (out->items == NULL)
			return -1;
		for (size_t k = 0; k < j->n; k++) {
			if (j->elems[k].type != JJ_INT)
				return -1;
			out->items[k] = j->elems[k].i;
		}
		out->n = j->n;
		return 0;
	default:
		return nemesis ? 0 : -1;
	}
}

static int jh_type_of(const struct jj_value *j, enum jh_type *t)
{
	if (j == NULL || j->type != JJ_STR)
		return -1;
	for (int k = 0; k < 4; k++)
		if (strcmp(j->s, jh_type_names[k]) == 0) {
			*t = (enum jh_type)k;
			return 0;
		}
	return -1;
}

static enum jh_f jh_f_of(const char *name)
{
	for (int k = 0; k < 5; k++)
		if (strcmp(name, jh_f_names[k]) == 0)
			return (enum jh_f)k;
	return JH_F_OTHER;
}

/* The invocation shapes the checkers rely on, checked once here; what a
 * completion may carry depends on the checker (a read's result, say). */
static const char *jh_shape_error(const struct jh_event *e)
{
	const struct jh_val *v = &e->value;

	if (e->process == JH_NEMESIS || e->type != JH_INVOKE)
		return NULL;
	switch (e->f) {
	case JH_F_CAS:
		return v->kind == JH_V_LIST && v->n == 2 ? NULL : "a cas value must be [from, to]";
	case JH_F_WRITE:
	case JH_F_ADD:
	case JH_F_APPEND:
		return v->kind == JH_V_INT ? NULL : "a write, add or append value must be an integer";
	case JH_F_READ:
		return v->kind == JH_V_NIL ? NULL : "a read's invocation must carry null";
	default:
		return NULL;
	}
}

static int jh_fill(const struct jj_value *o, size_t line, struct jh_event *e,
		   char *err, size_t errlen)
{
	const struct jj_value *p = jj_get(o, "process"), *f = jj_get(o, "f");
	const struct jj_value *k = jj_get(o, "key"), *v = jj_get(o, "value");
	const struct jj_value *t = jj_get(o, "time");
	const char *shape;

	if (p != NULL && p->type == JJ_STR && strcmp(p->s, "nemesis") == 0)
		e->process = JH_NEMESIS;
	else if (p != NULL && p->type == JJ_INT && p->i >= 0)
		e->process = p->i;
	else
		return jh_err(err, errlen, line, "process must be a non-negative integer or \"nemesis\"");
	if (jh_type_of(jj_get(o, "type"), &e->type) != 0)
		return jh_err(err, errlen, line, "type must be invoke, ok, fail or info");
	if (f == NULL || f->type != JJ_STR || f->len == 0)
		return jh_err(err, errlen, line, "f must be a non-empty string");
	if ((e->fname = strdup(f->s)) == NULL)
		return jh_err(err, errlen, line, "out of memory");
	e->f = jh_f_of(f->s);
	if (k != NULL && k->type == JJ_INT) {
		e->has_key = 1;
		e->key = k->i;
	} else if (k != NULL && k->type != JJ_NULL) {
		return jh_err(err, errlen, line, "key must be an integer or null");
	}
	if (v != NULL && jh_value(v, e->process == JH_NEMESIS, &e->value) != 0)
		return jh_err(err, errlen, line, "value must be null, an integer or a list of integers");
	if (t == NULL || t->type != JJ_INT || t->i < 0)
		return jh_err(err, errlen, line, "time must be a non-negative integer");
	e->time = t->i;
	if ((shape = jh_shape_error(e)) != NULL)
		return jh_err(err, errlen, line, shape);
	return 0;
}

int jh_parse_event(const char *text, size_t len, size_t line,
		   struct jh_event *e, char *err, size_t errlen)
{
	struct jj_value o;
	char jerr[96];
	int rv;

	memset(e, 0, sizeof *e);
	e->line = line;
	if (jj_parse(text, len, &o, jerr, sizeof jerr) != 0)
		return jh_err(err, errlen, line, jerr);
	if (o.type != JJ_OBJ) {
		jj_free(&o);
		return jh_err(err, errlen, line, "not a JSON object");
	}
	rv = jh_fill(&o, line, e, err, errlen);
	jj_free(&o);
	if (rv != 0)
		jh_event_free(e);
	return rv;
}

/* Open invocations, one per process at most; few at a time, so a list. */
struct jh_open {
	int64_t process;
	size_t op;
};

static int jh_complete(struct jh_history *h, struct jh_open *open, size_t *nopen,
		       size_t i, char *err, size_t errlen)
{
	const struct jh_event *e = &h->ev[i];

	for (size_t k = 0; k < *nopen; k++) {
		struct jh_op *op;

		if (open[k].process != e->process)
			continue;
		op = &h->ops[open[k].op];
		if (strcmp(op->fname, e->fname) != 0 ||
		    op->has_key != e->has_key || (e->has_key && op->key != e->key))
			return jh_err(err, errlen, e->line,
				      "completion's f or key differs from its invocation");
		op->type = e->type;
		op->ret = &e->value;
		op->done = e->time;
		op->comp = i;
		open[k] = open[--*nopen];
		return 0;
	}
	return jh_err(err, errlen, e->line, "completion with no open invocation for its process");
}

static int jh_invoke(struct jh_history *h, struct jh_open *open, size_t *nopen,
		     size_t i, char *err, size_t errlen)
{
	const struct jh_event *e = &h->ev[i];
	struct jh_op *op = &h->ops[h->nops];

	for (size_t k = 0; k < *nopen; k++)
		if (open[k].process == e->process)
			return jh_err(err, errlen, e->line,
				      "a second invocation while the process has one open");
	memset(op, 0, sizeof *op);
	op->process = e->process;
	op->f = e->f;
	op->fname = e->fname;
	op->has_key = e->has_key;
	op->key = e->key;
	op->type = JH_INFO; /* until a completion says otherwise */
	op->arg = &e->value;
	op->call = e->time;
	op->done = JH_NEVER;
	op->inv = i;
	op->comp = (size_t)-1;
	open[(*nopen)++] = (struct jh_open){e->process, h->nops++};
	return 0;
}

int jh_pair(struct jh_history *h, char *err, size_t errlen)
{
	struct jh_open *open;
	size_t nopen = 0;
	int rv = 0;

	free(h->ops);
	h->nops = 0;
	h->ops = calloc(h->nev + 1, sizeof *h->ops);
	open = calloc(h->nev + 1, sizeof *open);
	if (h->ops == NULL || open == NULL) {
		free(open);
		if (errlen > 0)
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < h->nev && rv == 0; i++) {
		const struct jh_event *e = &h->ev[i];

		if (i > 0 && e->time < h->ev[i - 1].time)
			rv = jh_err(err, errlen, e->line, "time goes backwards");
		else if (e->process == JH_NEMESIS)
			continue;
		else if (e->type == JH_INVOKE)
			rv = jh_invoke(h, open, &nopen, i, err, errlen);
		else
			rv = jh_complete(h, open, &nopen, i, err, errlen);
	}
	free(open);
	return rv;
}

static int jh_add_line(struct jh_history *h, size_t *cap, const char *s,
		       size_t len, size_t line, char *err, size_t errlen)
{
	if (h->nev == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct jh_event *ev = realloc(h->ev, ncap * sizeof *ev);

		if (ev == NULL)
			return jh_err(err, errlen, line, "out of memory");
		h->ev = ev;
		*cap = ncap;
	}
	if (jh_parse_event(s, len, line, &h->ev[h->nev], err, errlen) != 0)
		return -1;
	h->nev++;
	return 0;
}

int jh_load_text(const char *text, size_t len, struct jh_history *h,
		 char *err, size_t errlen)
{
	size_t cap = 0, line = 0, pos = 0;

	memset(h, 0, sizeof *h);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		size_t blank = 0;

		line++;
		while (blank < n && (text[pos + blank] == ' ' || text[pos + blank] == '\r' ||
				     text[pos + blank] == '\t'))
			blank++;
		if (blank < n && jh_add_line(h, &cap, text + pos, n, line, err, errlen) != 0)
			return -1;
		pos += n + (nl != NULL);
	}
	return jh_pair(h, err, errlen);
}

int jh_load(const char *path, struct jh_history *h, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;
	int rv;

	memset(h, 0, sizeof *h);
	if (f == NULL) {
		if (errlen > 0)
			snprintf(err, errlen, "cannot open %s", path);
		return -1;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_append(&b, chunk, n) != 0) {
			fclose(f);
			buf_free(&b);
			if (errlen > 0)
				snprintf(err, errlen, "out of memory reading %s", path);
			return -1;
		}
	rv = ferror(f) ? -1 : 0;
	fclose(f);
	if (rv != 0) {
		buf_free(&b);
		if (errlen > 0)
			snprintf(err, errlen, "read error on %s", path);
		return -1;
	}
	rv = jh_load_text(b.data != NULL ? b.data : "", b.len, h, err, errlen);
	buf_free(&b);
	return rv;
}

void jh_free(struct jh_history *h)
{
	for (size_t i = 0; i < h->nev; i++)
		jh_event_free(&h->ev[i]);
	free(h->ev);
	free(h->ops);
	memset(h, 0, sizeof *h);
}

int jh_val_equal(const struct jh_val *a, const struct jh_val *b)
{
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case JH_V_NIL:
		return 1;
	case JH_V_INT:
		return a->i == b->i;
	case JH_V_LIST:
		return a->n == b->n &&
		       (a->n == 0 || memcmp(a->items, b->items, a->n * sizeof *a->items) == 0);
	case JH_V_STR:
		return strcmp(a->str, b->str) == 0;
	}
	return 0;
}

int jh_val_write(struct buf *b, const struct jh_val *v)
{
	int rv = 0;

	switch (v->kind) {
	case JH_V_NIL:
		return buf_append(b, "null", 4);
	case JH_V_INT:
		return buf_printf(b, "%lld", (long long)v->i);
	case JH_V_STR:
		return jj_write_str(b, v->str, strlen(v->str));
	case JH_V_LIST:
		rv |= buf_append(b, "[", 1);
		for (size_t k = 0; k < v->n; k++)
			rv |= buf_printf(b, "%s%lld", k ? "," : "", (long long)v->items[k]);
		rv |= buf_append(b, "]", 1);
		return rv ? -1 : 0;
	}
	return -1;
}

int jh_op_write(struct buf *b, const struct jh_history *h, const struct jh_op *op)
{
	int rv = 0;

	rv |= buf_printf(b, "{\"process\":%lld,\"f\":", (long long)op->process);
	rv |= jj_write_str(b, op->fname, strlen(op->fname));
	if (op->has_key)
		rv |= buf_printf(b, ",\"key\":%lld", (long long)op->key);
	else
		rv |= buf_printf(b, ",\"key\":null");
	rv |= buf_printf(b, ",\"type\":\"%s\",\"value\":", jh_type_name(op->type));
	rv |= jh_val_write(b, op->arg);
	rv |= buf_printf(b, ",\"result\":");
	rv |= op->ret != NULL ? jh_val_write(b, op->ret) : buf_printf(b, "null");
	rv |= buf_printf(b, ",\"invoke\":%lld,\"complete\":", (long long)op->call);
	rv |= op->done == JH_NEVER ? buf_printf(b, "null")
				   : buf_printf(b, "%lld", (long long)op->done);
	rv |= buf_printf(b, ",\"line\":%zu}", h->ev[op->inv].line);
	return rv ? -1 : 0;
}

int jh_same_key(const struct jh_op *x, const struct jh_op *y)
{
	return x->has_key == y->has_key && (!x->has_key || x->key == y->key);
}

static int jh_cmp_by_key(const void *a, const void *b, void *arg)
{
	const struct jh_history *h = arg;
	const struct jh_op *x = &h->ops[*(const size_t *)a];
	const struct jh_op *y = &h->ops[*(const size_t *)b];

	if (x->has_key != y->has_key)
		return x->has_key - y->has_key;
	if (x->has_key && x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->inv < y->inv ? -1 : x->inv > y->inv;
}

size_t *jh_group_by_key(const struct jh_history *h,
			int (*want)(const struct jh_op *op, void *arg), void *arg,
			size_t *n)
{
	size_t *idx = malloc((h->nops ? h->nops : 1) * sizeof *idx);

	*n = 0;
	if (idx == NULL)
		return NULL;
	for (size_t k = 0; k < h->nops; k++)
		if (want(&h->ops[k], arg))
			idx[(*n)++] = k;
	qsort_r(idx, *n, sizeof *idx, jh_cmp_by_key, (void *)h);
	return idx;
}
