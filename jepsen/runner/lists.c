/* lists.c - lists kept as appended bytes, shared by the append and lock
 * workloads. raftd's APPEND appends bytes (as Redis does), so a list is the
 * value "e1,e2,e3," and appending element e appends "e,". Reads are
 * linearizable RD.GETs of the whole value. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "jepsen/runner/runner.h"

void jr_list_parse(struct buf *b, const char *s, size_t len)
{
	size_t pos = 0;
	int first = 1;

	buf_printf(b, "[");
	while (pos < len) {
		const char *comma = memchr(s + pos, ',', len - pos);
		size_t n = comma != NULL ? (size_t)(comma - (s + pos)) : len - pos;
		long long e = -1;

		if (comma != NULL && n > 0 && n < 19 && strspn(s + pos, "0123456789") >= n)
			e = strtoll(s + pos, NULL, 10);
		buf_printf(b, "%s%lld", first ? "" : ",", e);
		first = 0;
		pos += n + 1;
	}
	buf_printf(b, "]");
}

void jr_list_append(struct jr_worker *w, const char *prefix, int64_t key, int64_t e,
		    const struct rdc_write_opts *opts)
{
	char name[48], bytes[24], value[24];
	int st;

	snprintf(name, sizeof name, "%s/%" PRId64, prefix, key);
	snprintf(bytes, sizeof bytes, "%" PRId64 ",", e);
	snprintf(value, sizeof value, "%" PRId64, e);
	jr_invoke(w, "append", 1, key, value);
	st = rdc_append(w->c, name, strlen(name), bytes, strlen(bytes), opts, NULL, NULL);
	jr_complete(w, jr_outcome_of(st, 1), "append", 1, key, value,
		    st == RDC_OK ? NULL : rdc_errmsg(w->c));
}

enum jr_outcome jr_list_read(struct jr_worker *w, const char *prefix, int64_t key)
{
	char name[48];
	struct rdc_kv *kv = NULL;
	struct buf value;
	enum jr_outcome o;
	int st;

	snprintf(name, sizeof name, "%s/%" PRId64, prefix, key);
	buf_init(&value);
	jr_invoke(w, "read", 1, key, NULL);
	st = rdc_get(w->c, name, strlen(name), RDC_LINEARIZABLE, &kv, NULL);
	o = jr_outcome_of(st, 0);
	if (o == JR_OK) {
		jr_list_parse(&value, kv != NULL ? kv->value : "", kv != NULL ? kv->vlen : 0);
		if (buf_append(&value, "", 1) != 0)
			o = JR_FAIL; /* out of memory: not recorded as ok */
	}
	jr_complete(w, o, "read", 1, key, o == JR_OK ? value.data : NULL,
		    o == JR_OK ? NULL : st == RDC_OK ? "out of memory" : rdc_errmsg(w->c));
	rdc_free(kv);
	buf_free(&value);
	return o;
}
