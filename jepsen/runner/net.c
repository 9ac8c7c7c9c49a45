/* net.c - partitions as packet loss between hosts.
 *
 * Every node has its own network namespace, so its firewall is its own: a
 * partition is, in each node, a DROP rule on INPUT for the addresses of the
 * nodes it must not hear from (rules on both sides make the cut symmetric).
 * Clients sit in the control namespace, whose address no rule names, so
 * they can always reach every node, as Jepsen's control node can. Each
 * node's whole filter table is replaced at once with iptables-restore, and
 * healing restores an empty one, which also flushes anything left over.
 */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "jepsen/runner/runner.h"

static int jr_net_node(struct jr_cluster *c, int id, unsigned drop)
{
	char *const argv[] = {"iptables-restore", "-w", "5", NULL};
	struct buf rules;
	int rv;

	buf_init(&rules);
	buf_printf(&rules, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
		   ":OUTPUT ACCEPT [0:0]\n");
	for (int j = 1; j <= c->o->nodes; j++)
		if (drop & (1u << j))
			buf_printf(&rules, "-A INPUT -s %s/32 -j DROP\n", c->n[j].ip);
	buf_printf(&rules, "COMMIT\n");
	if (buf_append(&rules, "", 1) != 0) {
		buf_free(&rules);
		return -1;
	}
	rv = jr_ns_run(c->o, id, argv, rules.data);
	buf_free(&rules);
	if (rv != 0)
		jr_log("iptables-restore in %s-n%d failed (status %d)", c->o->ns_prefix, id, rv);
	return rv == 0 ? 0 : -1;
}

int jr_net_apply(struct jr_cluster *c, const unsigned drop[JR_MAX_NODES + 1])
{
	int rv = 0;

	for (int i = 1; i <= c->o->nodes; i++)
		rv |= jr_net_node(c, i, drop[i]);
	return rv;
}

int jr_net_heal(struct jr_cluster *c)
{
	unsigned none[JR_MAX_NODES + 1] = {0};

	return jr_net_apply(c, none);
}
