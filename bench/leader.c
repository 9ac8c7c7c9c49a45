/* leader.c - --target-leader: ask the cluster who leads, before the run.
 *
 * Like etcd's benchmark --target-leader, this only saves the first request
 * on each connection a redirect: libraftd follows -MOVED by itself, so a
 * run without it also ends up on the leader.
 */
#include <stdio.h>
#include <string.h>

#include <raftd/client.h>

#include "bench/bench.h"

int rb_find_leader(struct rb_options *o)
{
	struct rdc_options ro = {.deadline_ms = 10000};
	rdc_client *c = rdc_open(o->endpoints, &ro);
	static char found[RDC_ADDR_MAX + 1];
	struct rdc_member *m = NULL;
	size_t n = 0;
	int rc;

	if (c == NULL)
		return -1;
	rc = rdc_status(c, &m, &n, NULL);
	if (rc != RDC_OK) {
		fprintf(stderr, "raftd-bench: --target-leader: status: %s\n",
			rdc_errmsg(c));
		rdc_close(c);
		return -1;
	}
	found[0] = '\0';
	for (size_t i = 0; i < n && found[0] == '\0'; i++)
		if (strcmp(m[i].state, "leader") == 0 && m[i].client_addr[0])
			snprintf(found, sizeof found, "%s", m[i].client_addr);
	rdc_status_free(m);
	rdc_close(c);
	if (found[0] == '\0') {
		fprintf(stderr, "raftd-bench: --target-leader: no member is leader\n");
		return -1;
	}
	o->endpoints = found;
	return 0;
}
