/* test_hist.c - the latency histogram's precision and bookkeeping: what
 * raftd-bench's p50/p99/p99.9 figures rest on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "bench/hist.h"

static struct rb_hist *new_hist(void)
{
	struct rb_hist *h = malloc(sizeof *h);

	assert_non_null(h);
	rb_hist_reset(h);
	return h;
}

/* Every value maps to a bucket that contains it, buckets tile the range
 * without gaps, and no bucket is wider than 1/128 of its lower bound. */
static void test_buckets_tile_the_range(void **state)
{
	(void)state;
	for (unsigned i = 0; i + 1 < RB_HIST_BUCKETS; i++) {
		uint64_t lo = rb_hist_lower(i), w = rb_hist_width(i);

		assert_int_equal(lo + w, rb_hist_lower(i + 1));
		assert_int_equal(rb_hist_index(lo), i);
		assert_int_equal(rb_hist_index(lo + w - 1), i);
		if (lo >= RB_HIST_EXACT)
			assert_true(w * 128 <= lo);
	}
	assert_int_equal(rb_hist_index(UINT64_MAX), RB_HIST_BUCKETS - 1);
	assert_int_equal(rb_hist_index(0), 0);
	assert_int_equal(rb_hist_index(255), 255);
}

/* Quantiles of a known uniform distribution are within 1%. */
static void test_quantiles_within_one_percent(void **state)
{
	struct rb_hist *h = new_hist();
	const double qs[] = {0.5, 0.9, 0.99, 0.999};

	(void)state;
	/* 1 us .. 100 ms in ns, 100,000 values spread evenly */
	for (uint64_t i = 1; i <= 100000; i++)
		rb_hist_record(h, i * 1000);
	for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
		double want = qs[k] * 100000 * 1000;
		double got = (double)rb_hist_quantile(h, qs[k]);

		assert_true(got >= want * 0.99 && got <= want * 1.01);
	}
	assert_int_equal(h->count, 100000);
	assert_int_equal(h->min, 1000);
	assert_int_equal(h->max, 100000000);
	assert_int_equal(rb_hist_quantile(h, 1.0), 100000000);
	assert_true(rb_hist_mean(h) > 50000499 && rb_hist_mean(h) < 50000501);
	free(h);
}

/* One slow outlier among many fast values shows in p99.9 only when it is
 * more than 0.1% of the values: the rank rule is ceil(q * count). */
static void test_rank_rule(void **state)
{
	struct rb_hist *h = new_hist();

	(void)state;
	for (int i = 0; i < 999; i++)
		rb_hist_record(h, 100);
	rb_hist_record(h, 50000000);
	assert_int_equal(rb_hist_quantile(h, 0.999), 100);
	/* the outlier's bucket middle: within 0.4% of it */
	assert_true(rb_hist_quantile(h, 0.9995) >= 49800000 &&
		    rb_hist_quantile(h, 0.9995) <= 50000000);
	assert_int_equal(rb_hist_quantile(h, 0.5), 100);
	free(h);
}

static void test_merge_and_empty(void **state)
{
	struct rb_hist *a = new_hist(), *b = new_hist();

	(void)state;
	assert_int_equal(rb_hist_quantile(a, 0.5), 0);
	assert_true(rb_hist_mean(a) == 0.0);
	rb_hist_record(a, 10);
	rb_hist_record(b, 1000000);
	rb_hist_record(b, 3000000);
	rb_hist_merge(a, b);
	assert_int_equal(a->count, 3);
	assert_int_equal(a->min, 10);
	assert_int_equal(a->max, 3000000);
	assert_int_equal(a->sum, 4000010);
	/* the median's bucket holds 1,000,000 */
	assert_true(rb_hist_quantile(a, 0.5) >= 995000 &&
		    rb_hist_quantile(a, 0.5) <= 1005000);
	rb_hist_reset(a);
	assert_int_equal(a->count, 0);
	assert_int_equal(rb_hist_quantile(a, 0.99), 0);
	free(a);
	free(b);
}

/* The sum saturates instead of wrapping around. */
static void test_sum_saturates(void **state)
{
	struct rb_hist *h = new_hist();

	(void)state;
	rb_hist_record(h, UINT64_MAX - 5);
	rb_hist_record(h, 100);
	assert_true(h->sum == UINT64_MAX);
	assert_int_equal(h->max, UINT64_MAX - 5);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_tile_the_range),
		cmocka_unit_test(test_quantiles_within_one_percent),
		cmocka_unit_test(test_rank_rule),
		cmocka_unit_test(test_merge_and_empty),
		cmocka_unit_test(test_sum_saturates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
