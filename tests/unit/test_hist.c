/*
 * test_hist.c — the latency histogram: exact small cases, the documented percentile error bound
 * against a sorted reference on seeded random data, merge (into empty, into itself), empty and
 * NULL, huge values, counter widening, allocation failure, and a 100k-sample sanity run.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "scxsim/hist.h"
#include "scxsim/rng.h"
#include "test.h"

/* Nearest-rank percentile of sorted v[0..n), p read to 1e-7 percent as hist.h says. */
static u64 ref_percentile(const u64 *v, u64 n, double p)
{
	u64 ppb = (u64)llround(p * 1e7);
	u64 rank = (u64)(((unsigned __int128)n * ppb + 999999999) / 1000000000);

	return v[(rank ? rank : 1) - 1];
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return (x > y) - (x < y);
}

/* |got - want| <= want * HIST_MAX_REL_ERROR_PPM / 1e6 */
static bool within_bound(u64 got, u64 want)
{
	unsigned __int128 d = got > want ? got - want : want - got;

	return d * 1000000 <= (unsigned __int128)want * HIST_MAX_REL_ERROR_PPM;
}

/* Log-uniform values over [0, 2^bits): the spread latencies have. */
static u64 log_uniform(struct rng *r, int bits)
{
	int k = (int)rng_below(r, bits + 1);

	return k ? rng_below(r, 1ULL << (k - 1)) + (1ULL << (k - 1)) : 0;
}

TEST(hist_empty_and_null_are_zero)
{
	struct hist *h = NULL;

	CHECK_EQ(hist_count(h), 0);
	CHECK_EQ(hist_min(h), 0);
	CHECK_EQ(hist_max(h), 0);
	CHECK_EQ(hist_sum(h), 0);
	CHECK_EQ(hist_mean(h), 0);
	CHECK_EQ(hist_percentile(h, 50), 0);
	CHECK_EQ(hist_bytes(h), 0);
	CHECK_EQ(hist_merge(&h, NULL), 0);
	CHECK(h == NULL);
	hist_free(NULL);
}

TEST(hist_small_values_are_exact)
{
	struct hist *h = NULL;

	for (u64 v = 10; v >= 1; v--)
		CHECK_EQ(hist_record(&h, v), 0);
	CHECK_EQ(hist_count(h), 10);
	CHECK_EQ(hist_min(h), 1);
	CHECK_EQ(hist_max(h), 10);
	CHECK_EQ(hist_sum(h), 55);
	CHECK_EQ(hist_mean(h), 5);
	CHECK_EQ(hist_percentile(h, 0), 1);
	CHECK_EQ(hist_percentile(h, 10), 1);
	CHECK_EQ(hist_percentile(h, 10.5), 2);
	CHECK_EQ(hist_percentile(h, 50), 5);
	CHECK_EQ(hist_percentile(h, 50.0000001), 6);
	CHECK_EQ(hist_percentile(h, 90), 9);
	CHECK_EQ(hist_percentile(h, 99), 10);
	CHECK_EQ(hist_percentile(h, 100), 10);
	CHECK_EQ(hist_percentile(h, 250), 10);
	CHECK_EQ(hist_percentile(h, -5), 1);
	CHECK_EQ(hist_percentile(h, NAN), 1);
	hist_free(h);
}

TEST(hist_zero_value_and_single_sample)
{
	struct hist *h = NULL;

	CHECK_EQ(hist_record(&h, 0), 0);
	CHECK_EQ(hist_count(h), 1);
	CHECK_EQ(hist_max(h), 0);
	CHECK_EQ(hist_percentile(h, 50), 0);
	hist_free(h);
	h = NULL;
	CHECK_EQ(hist_record(&h, 123456789), 0);
	CHECK_EQ(hist_percentile(h, 50), 123456789);  /* clamped to [min, max] */
	CHECK_EQ(hist_percentile(h, 99.9), 123456789);
	hist_free(h);
}

/* Bucket midpoint reporting: 1000 lies in [960, 1024) whose midpoint is 992. */
TEST(hist_reports_bucket_midpoint)
{
	struct hist *h = NULL;

	CHECK_EQ(hist_record(&h, 500), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(hist_record(&h, 1000), 0);
	CHECK_EQ(hist_record(&h, 5000), 0);
	CHECK_EQ(hist_percentile(h, 50), 992);
	CHECK_EQ(hist_percentile(h, 0), 500);
	CHECK_EQ(hist_percentile(h, 100), 5000);
	hist_free(h);
}

/* p0 and p100 are min and max exactly, even where the bucket midpoint lies inside [min, max]. */
TEST(hist_extremes_are_exact)
{
	struct hist *h = NULL;

	CHECK_EQ(hist_record(&h, 1024), 0);     /* bucket [1024, 1152), midpoint 1088 */
	CHECK_EQ(hist_record(&h, 1100), 0);
	CHECK_EQ(hist_record(&h, 1151), 0);
	CHECK_EQ(hist_percentile(h, 0), 1024);
	CHECK_EQ(hist_percentile(h, 33), 1024);
	CHECK_EQ(hist_percentile(h, 34), 1088);
	CHECK_EQ(hist_percentile(h, 66.7), 1151);
	CHECK_EQ(hist_percentile(h, 100), 1151);
	hist_free(h);
}

TEST(hist_lazy_allocation_and_bytes)
{
	struct hist *h = NULL;

	CHECK_EQ(hist_record(&h, 1000), 0);
	CHECK(h != NULL);
	CHECK_EQ(hist_bytes(h), 48 + 8 * 2);            /* one octave of 16-bit counters */
	CHECK_EQ(hist_record(&h, 1023), 0);
	CHECK_EQ(hist_bytes(h), 48 + 8 * 2);            /* same octave: no growth */
	CHECK_EQ(hist_record(&h, 4096), 0);
	CHECK_EQ(hist_bytes(h), 48 + 4 * 8 * 2);        /* octaves of 512, 1024, 2048, 4096 */
	CHECK_EQ(hist_record(&h, 3), 0);
	CHECK_EQ(hist_bytes(h), 48 + 11 * 8 * 2);       /* down to group 0 (values 0..7) */
	CHECK_EQ(hist_count(h), 4);
	hist_free(h);
}

TEST(hist_percentile_error_bound_on_random_data)
{
	enum { N = 100000 };
	static const double ps[] = { 0, 0.001, 0.1, 1, 10, 25, 33.3, 50, 66.7, 75, 90, 95,
				     99, 99.5, 99.9, 99.99, 99.999, 100 };
	u64 *v = malloc(N * sizeof(*v));
	struct hist *h = NULL;
	struct rng r;

	CHECK(v);
	rng_init(&r, 42, 7);
	for (int i = 0; i < N; i++) {
		v[i] = log_uniform(&r, 48);
		CHECK_EQ(hist_record(&h, v[i]), 0);
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	CHECK_EQ(hist_min(h), v[0]);
	CHECK_EQ(hist_max(h), v[N - 1]);
	for (size_t i = 0; i < ARRAY_SIZE(ps); i++) {
		u64 got = hist_percentile(h, ps[i]), want = ref_percentile(v, N, ps[i]);

		if (!within_bound(got, want))
			FAIL_("p%g: %llu vs exact %llu", ps[i], (unsigned long long)got,
			      (unsigned long long)want);
	}
	for (int i = 0; i < 2000; i++) {
		double p = (double)rng_below(&r, 1000001) / 10000;
		u64 got = hist_percentile(h, p), want = ref_percentile(v, N, p);

		if (!within_bound(got, want))
			FAIL_("p%g: %llu vs exact %llu", p, (unsigned long long)got,
			      (unsigned long long)want);
	}
	CHECK_EQ(hist_percentile(h, 0), v[0]);
	CHECK_EQ(hist_percentile(h, 100), v[N - 1]);
	hist_free(h);
	free(v);
}

/* The bound is tight: the worst case (bucket start, reported at midpoint) hits 1/16 exactly. */
TEST(hist_error_bound_is_reached_not_exceeded)
{
	struct hist *h = NULL;

	CHECK_EQ(hist_record(&h, 1024), 0);     /* bucket [1024, 1152), midpoint 1088 */
	CHECK_EQ(hist_record(&h, 1024), 0);
	CHECK_EQ(hist_record(&h, 1024), 0);
	CHECK_EQ(hist_record(&h, 1151), 0);
	CHECK_EQ(hist_record(&h, 100000), 0);
	CHECK_EQ(hist_percentile(h, 50), 1088);
	CHECK(within_bound(1088, 1024));
	CHECK(!within_bound(1089, 1024));
	hist_free(h);
}

TEST(hist_merge_equals_recording_everything)
{
	struct hist *a = NULL, *b = NULL, *all = NULL, *m = NULL;
	struct rng r;

	rng_init(&r, 1, 1);
	for (int i = 0; i < 5000; i++) {
		u64 v = log_uniform(&r, 30);

		CHECK_EQ(hist_record(i % 3 ? &a : &b, v), 0);
		CHECK_EQ(hist_record(&all, v), 0);
	}
	CHECK_EQ(hist_record(&b, 1ULL << 40), 0);   /* b reaches octaves a lacks */
	CHECK_EQ(hist_record(&all, 1ULL << 40), 0);
	CHECK_EQ(hist_merge(&m, a), 0);             /* into an empty histogram */
	CHECK_EQ(hist_merge(&m, b), 0);
	CHECK_EQ(hist_merge(&m, NULL), 0);
	CHECK_EQ(hist_count(m), hist_count(all));
	CHECK_EQ(hist_min(m), hist_min(all));
	CHECK_EQ(hist_max(m), hist_max(all));
	CHECK_EQ(hist_sum(m), hist_sum(all));
	CHECK_EQ(hist_bytes(m), hist_bytes(all));
	for (double p = 0; p <= 100; p += 0.25)
		CHECK_EQ(hist_percentile(m, p), hist_percentile(all, p));
	hist_free(a);
	hist_free(b);
	hist_free(all);
	hist_free(m);
}

TEST(hist_merge_into_itself_doubles)
{
	struct hist *h = NULL;

	for (u64 v = 100; v < 200; v++)
		CHECK_EQ(hist_record(&h, v), 0);
	u64 p50 = hist_percentile(h, 50), sum = hist_sum(h);

	CHECK_EQ(hist_merge(&h, h), 0);
	CHECK_EQ(hist_count(h), 200);
	CHECK_EQ(hist_sum(h), 2 * sum);
	CHECK_EQ(hist_percentile(h, 50), p50);
	CHECK_EQ(hist_min(h), 100);
	CHECK_EQ(hist_max(h), 199);
	hist_free(h);
}

TEST(hist_huge_values)
{
	struct hist *h = NULL;

	CHECK_EQ(hist_record(&h, 1ULL << 63), 0);
	CHECK_EQ(hist_percentile(h, 50), 1ULL << 63);
	CHECK_EQ(hist_record(&h, 0), 0);
	CHECK_EQ(hist_record(&h, UINT64_MAX), 0);
	CHECK_EQ(hist_record(&h, 1ULL << 63), 0);
	CHECK(hist_min(h) == 0);
	CHECK(hist_max(h) == UINT64_MAX);
	CHECK(hist_sum(h) == UINT64_MAX);                    /* saturates */
	CHECK(hist_mean(h) == (1ULL << 63) - 1);             /* (2^65 - 1) / 4, rounded down */
	CHECK(within_bound(hist_percentile(h, 50), 1ULL << 63));
	CHECK(hist_percentile(h, 100) == UINT64_MAX);
	CHECK_EQ(hist_bytes(h), 48 + 62 * 8 * 2);             /* the whole range, 16-bit counters */
	hist_free(h);
}

TEST(hist_counters_widen_to_32_and_64_bits)
{
	struct hist *h = NULL;

	for (int i = 0; i < 70000; i++)
		CHECK_EQ(hist_record(&h, 5), 0);
	CHECK_EQ(hist_record(&h, 100), 0);
	CHECK_EQ(hist_count(h), 70001);
	CHECK_EQ(hist_bytes(h), 48 + 5 * 8 * 4);            /* groups 0..4, 16-bit counters outgrown */
	CHECK_EQ(hist_percentile(h, 99.99), 5);
	for (int i = 0; i < 16; i++)                        /* 70000 << 16 > 2^32 */
		CHECK_EQ(hist_merge(&h, h), 0);
	CHECK_EQ(hist_count(h), 70001ULL << 16);
	CHECK_EQ(hist_bytes(h), 48 + 5 * 8 * 8);
	CHECK_EQ(hist_percentile(h, 50), 5);
	CHECK_EQ(hist_percentile(h, 99.99), 5);
	CHECK_EQ(hist_percentile(h, 100), 100);
	CHECK_EQ(hist_sum(h), (70000ULL * 5 + 100) << 16);
	hist_free(h);
}

TEST(hist_allocation_failure_leaves_histogram_unchanged)
{
	struct hist *h = NULL, *m = NULL;

	hist_fail_alloc_after(1);
	CHECK_EQ(hist_record(&h, 7), -ENOMEM);               /* first record allocates */
	CHECK(h == NULL);
	CHECK_EQ(hist_record(&h, 1000), 0);                  /* the failure was one-shot */
	hist_fail_alloc_after(1);
	CHECK_EQ(hist_record(&h, 1001), 0);                  /* same octave: no allocation */
	CHECK_EQ(hist_record(&h, 1ULL << 40), -ENOMEM);     /* new octave needs one */
	CHECK_EQ(hist_count(h), 2);
	CHECK_EQ(hist_max(h), 1001);
	CHECK_EQ(hist_bytes(h), 48 + 16);
	for (int i = 2; i < 65535; i++)
		CHECK_EQ(hist_record(&h, 1000), 0);
	hist_fail_alloc_after(1);
	CHECK_EQ(hist_record(&h, 1000), -ENOMEM);            /* widening to 32 bits allocates */
	CHECK_EQ(hist_count(h), 65535);
	CHECK_EQ(hist_percentile(h, 50), 1000);              /* midpoint 992 clamped to min */
	hist_fail_alloc_after(1);
	CHECK_EQ(hist_merge(&m, h), -ENOMEM);                /* merge into an empty histogram */
	CHECK(m == NULL);
	hist_fail_alloc_after(1);
	CHECK_EQ(hist_merge(&h, h), -ENOMEM);                /* the self-merge copy */
	hist_fail_alloc_after(2);
	CHECK_EQ(hist_merge(&h, h), -ENOMEM);                /* the widened block */
	CHECK_EQ(hist_count(h), 65535);
	CHECK_EQ(hist_bytes(h), 48 + 16);
	hist_fail_alloc_after(5);
	hist_fail_alloc_after(0);                            /* disarmed */
	for (int i = 0; i < 5; i++)
		CHECK_EQ(hist_merge(&m, h), 0);
	CHECK_EQ(hist_count(m), 5 * 65535);
	hist_free(h);
	hist_free(m);
}

/* 100k wakeup-like samples (1 us .. 100 ms): memory stays small, percentiles are monotone. */
TEST(hist_100k_samples_sanity)
{
	struct hist *h = NULL;
	struct rng r;
	u64 prev = 0;

	rng_init(&r, 2024, 3);
	CHECK_EQ(hist_record(&h, 1000), 0);
	CHECK_EQ(hist_record(&h, 100000000 - 1), 0);
	for (int i = 2; i < 100000; i++)
		CHECK_EQ(hist_record(&h, 1000 + rng_below(&r, 100000000 - 1000)), 0);
	CHECK_EQ(hist_count(h), 100000);
	CHECK(hist_bytes(h) <= 1024);
	CHECK_EQ(hist_bytes(h), 48 + 18 * 8 * 2);            /* 18 octaves */
	CHECK(hist_min(h) >= 1000);
	CHECK(hist_max(h) < 100000000);
	for (double p = 0; p <= 100; p += 0.5) {
		u64 v = hist_percentile(h, p);

		CHECK(v >= prev);
		prev = v;
	}
	/* uniform data: the median is near the middle of the range */
	CHECK(within_bound(hist_percentile(h, 50), 50000000 + 500));
	hist_free(h);
}
