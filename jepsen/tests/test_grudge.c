/* test_grudge.c - the partition plans have the shapes the nemesis promises:
 * symmetric cuts, the right sides, a bridge node that hears everyone, and a
 * ring in which every node hears a different majority. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jepsen/runner/runner.h"

/* Node i hears j (i itself included) unless it drops j. */
static int hears(const unsigned *drop, int i, int j)
{
	return !(drop[i] & (1u << j));
}

static void check_symmetric(const unsigned *drop, int n)
{
	for (int i = 1; i <= n; i++) {
		assert_true(hears(drop, i, i));
		for (int j = 1; j <= n; j++)
			assert_int_equal(hears(drop, i, j), hears(drop, j, i));
	}
}

/* A shuffled order, so plans do not get away with assuming 1..n. */
static void order(int *ids, int n)
{
	static const int base[9] = {4, 1, 7, 3, 9, 2, 6, 8, 5};
	int m = 0;

	for (int k = 0; k < 9; k++)
		if (base[k] <= n)
			ids[m++] = base[k];
}

static void halves_split_in_two(void **state)
{
	for (int n = 2; n <= JR_MAX_NODES; n++) {
		unsigned drop[JR_MAX_NODES + 1] = {0};
		int ids[JR_MAX_NODES];

		order(ids, n);
		jr_plan_halves(ids, n, drop);
		check_symmetric(drop, n);
		for (int a = 0; a < n; a++)
			for (int b = 0; b < n; b++)
				assert_int_equal(hears(drop, ids[a], ids[b]), (a < n / 2) == (b < n / 2));
	}
}

static void isolate_cuts_one_node(void **state)
{
	for (int n = 2; n <= JR_MAX_NODES; n++) {
		unsigned drop[JR_MAX_NODES + 1] = {0};
		int ids[JR_MAX_NODES];

		order(ids, n);
		jr_plan_isolate(ids, n, drop);
		check_symmetric(drop, n);
		for (int a = 0; a < n; a++)
			for (int b = 0; b < n; b++)
				assert_int_equal(hears(drop, ids[a], ids[b]), a == b || (a > 0 && b > 0));
	}
}

static void bridge_node_hears_both_sides(void **state)
{
	for (int n = 3; n <= JR_MAX_NODES; n++) {
		unsigned drop[JR_MAX_NODES + 1] = {0};
		int ids[JR_MAX_NODES], h = (n - 1) / 2;

		order(ids, n);
		jr_plan_bridge(ids, n, drop);
		check_symmetric(drop, n);
		assert_int_equal(drop[ids[h]], 0);
		for (int a = 0; a < h; a++)
			for (int b = h + 1; b < n; b++)
				assert_false(hears(drop, ids[a], ids[b]));
		/* each side hears itself */
		for (int a = 0; a < n; a++)
			for (int b = 0; b < n; b++)
				if ((a < h) == (b < h) && a != h && b != h)
					assert_true(hears(drop, ids[a], ids[b]));
	}
}

static void ring_gives_each_node_its_own_majority(void **state)
{
	for (int n = 4; n <= JR_MAX_NODES; n++) {
		unsigned drop[JR_MAX_NODES + 1] = {0}, heard[JR_MAX_NODES + 1];
		int ids[JR_MAX_NODES];

		order(ids, n);
		jr_plan_ring(ids, n, drop);
		check_symmetric(drop, n);
		for (int i = 1; i <= n; i++) {
			int count = 0;

			heard[i] = 0;
			for (int j = 1; j <= n; j++)
				if (hears(drop, i, j)) {
					count++;
					heard[i] |= 1u << j;
				}
			assert_true(count > n / 2);
			assert_true(count < n); /* a real partition */
		}
		for (int i = 1; i <= n; i++)
			for (int j = 1; j < i; j++)
				assert_int_not_equal(heard[i], heard[j]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(halves_split_in_two),
		cmocka_unit_test(isolate_cuts_one_node),
		cmocka_unit_test(bridge_node_hears_both_sides),
		cmocka_unit_test(ring_gives_each_node_its_own_majority),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
