/* replicas.c - after healing, do the replicas agree?
 *
 * RD.DIGEST gives a node's applied index, key count and a checksum of its
 * whole state, served locally. Two nodes at the same applied index must
 * have the same digest; once the cluster is quiet every node should reach
 * the same index. Any disagreement at an equal index, or a node that died
 * by itself during the run, makes the replicas checker invalid; not
 * converging in time (a node still catching up) makes it unknown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/buf.h"
#include "jepsen/lib/json.h"
#include "jepsen/runner/runner.h"

struct jr_digest {
	int ok;
	unsigned long long applied, keys;
	char crc[32];
};

static void jr_digest_of(const struct jr_node *n, struct jr_digest *d)
{
	const char *argv[] = {"RD.DIGEST"};
	char text[256];

	memset(d, 0, sizeof *d);
	if (n->pid == 0 || jr_resp_call(n->ip, JR_CLIENT_PORT, 1000, 1, argv, text, sizeof text) != 0)
		return;
	d->ok = sscanf(text, "%llu\n%llu\n%31s", &d->applied, &d->keys, d->crc) == 3;
}

/* 1 when all answered with the same digest; *diverged set when two nodes at
 * the same index disagree. */
static int jr_compare(const struct jr_digest *d, int n, int *diverged)
{
	int same = 1;

	for (int i = 1; i <= n; i++) {
		same &= d[i].ok && d[i].applied == d[1].applied && strcmp(d[i].crc, d[1].crc) == 0;
		for (int j = 1; j < i; j++)
			if (d[i].ok && d[j].ok && d[i].applied == d[j].applied &&
			    (strcmp(d[i].crc, d[j].crc) != 0 || d[i].keys != d[j].keys))
				*diverged = 1;
	}
	return same;
}

static void jr_replicas_json(struct buf *b, const struct jr_cluster *c, const struct jr_digest *d,
			     const char *valid, double waited)
{
	buf_printf(b, "{\"valid\":%s,\"waited_s\":%.1f,\"nodes\":[", valid, waited);
	for (int i = 1; i <= c->o->nodes; i++) {
		buf_printf(b, "%s{\"id\":%d", i > 1 ? "," : "", i);
		if (d[i].ok)
			buf_printf(b, ",\"applied\":%llu,\"keys\":%llu,\"digest\":\"%s\"}", d[i].applied,
				   d[i].keys, d[i].crc);
		else
			buf_printf(b, ",\"digest\":null}");
	}
	buf_printf(b, "],\"crashes\":[");
	for (int k = 0; k < c->ncrashes; k++) {
		int st = c->crashes[k].status;

		buf_printf(b, "%s{\"id\":%d,\"%s\":%d}", k ? "," : "", c->crashes[k].id,
			   WIFEXITED(st) ? "exit_status" : "signal",
			   WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	buf_printf(b, "]}\n");
}

int jr_replicas_check(struct jr_cluster *c, double timeout_s, const char *path)
{
	struct jr_digest d[JR_MAX_NODES + 1];
	int64_t start = jr_now_ns(), deadline = start + (int64_t)(timeout_s * 1e9);
	int same = 0, diverged = 0, rv = 0;
	const char *valid;
	struct buf b;
	FILE *f;

	do {
		jr_cluster_reap(c);
		for (int i = 1; i <= c->o->nodes; i++)
			jr_digest_of(&c->n[i], &d[i]);
		same = jr_compare(d, c->o->nodes, &diverged);
		if (!same && !diverged)
			jr_sleep(0.2);
	} while (!same && !diverged && jr_now_ns() < deadline);
	valid = diverged || c->ncrashes > 0 ? "false" : same ? "true" : "\"unknown\"";
	jr_log("replicas: %s%s%s", same ? "converged" : diverged ? "DIVERGED" : "did not converge",
	       c->ncrashes ? ", and nodes crashed during the run" : "",
	       same ? "" : " (see replicas.json)");
	buf_init(&b);
	jr_replicas_json(&b, c, d, valid, (double)(jr_now_ns() - start) / 1e9);
	f = fopen(path, "w");
	if (f == NULL || b.data == NULL || fwrite(b.data, 1, b.len, f) != b.len)
		rv = -1;
	if (f != NULL && fclose(f) != 0)
		rv = -1;
	buf_free(&b);
	return rv;
}
