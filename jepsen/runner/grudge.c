/* grudge.c - partition plans: who drops whose packets.
 *
 * Each plan takes the nodes in a random order chosen by the caller
 * (ids[0..n), 1-based ids) and sets drop[i], the bit set of the nodes whose
 * packets node i drops. Every plan is symmetric (i drops j exactly when j
 * drops i) and no node drops itself. Pure functions, so the shapes are unit
 * tested (jepsen/tests/test_grudge.c).
 */
#include <string.h>

#include "jepsen/runner/runner.h"

/* Nodes in ids[a..b) and ids[c..d) drop each other. */
static void jr_cut(unsigned *drop, const int *ids, int a, int b, int c, int d)
{
	for (int x = a; x < b; x++)
		for (int y = c; y < d; y++) {
			drop[ids[x]] |= 1u << ids[y];
			drop[ids[y]] |= 1u << ids[x];
		}
}

void jr_plan_halves(const int *ids, int n, unsigned *drop)
{
	jr_cut(drop, ids, 0, n / 2, n / 2, n);
}

void jr_plan_isolate(const int *ids, int n, unsigned *drop)
{
	jr_cut(drop, ids, 0, 1, 1, n);
}

void jr_plan_bridge(const int *ids, int n, unsigned *drop)
{
	jr_cut(drop, ids, 0, (n - 1) / 2, (n - 1) / 2 + 1, n);
}

/* On the ring ids[0..n), each node hears the d nodes on either side of
 * it: 2d + 1 > n / 2 nodes with itself, a majority, and a different one
 * for every node. */
void jr_plan_ring(const int *ids, int n, unsigned *drop)
{
	int d = (n / 2 + 1) / 2;

	for (int x = 0; x < n; x++)
		for (int y = 0; y < n; y++) {
			int fwd = (y - x + n) % n, dist = fwd < n - fwd ? fwd : n - fwd;

			if (dist > d)
				drop[ids[x]] |= 1u << ids[y];
		}
}
