/*
 * bpf_map_bench.c — speed of the BPF maps (src/ebpf/maps/), printed as figures and ratios
 * measured in this one run (no pass/fail):
 *  1. BPF-face hash lookups (hits, 8-byte keys) at 1 Ki, 64 Ki and 1 Mi live elements: the
 *     ratio large/small shows whether lookups stay O(1) as the map grows (cache misses aside);
 *  2. hash lookup against array lookup (the cheapest map access);
 *  3. LRU update of a new key in a full map (evict + insert) and the grace-period sync after it;
 *  4. ring buffer: reserve + submit + consume per 64-byte record.
 * Each figure is the median of 5 runs. Keys are visited in a seeded pseudo-random order. Wall
 * clock time is used here only, never in the simulator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "scxsim/bpf_map.h"

#define RUNS 5
#define OPS (1u << 21)

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_double);
	return v[RUNS / 2];
}

static u64 rnd_next(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static struct bpf_map *mk(u32 type, u32 ks, u32 vs, u32 max)
{
	struct bpf_map_spec s = { .name = "bench", .type = type, .key_size = ks,
				  .value_size = vs, .max_entries = max, .nr_cpus = 1 };
	struct bpf_map *m = NULL;
	char err[256];

	if (bpf_map_create(&s, &m, err, sizeof(err))) {
		fprintf(stderr, "bpf_map_bench: %s\n", err);
		exit(1);
	}
	return m;
}

static volatile u64 sink;

/* ns per BPF-face lookup of a present key in a map of n elements. */
static double bench_lookup(u32 type, u32 n)
{
	struct bpf_map *m = mk(type, type == BPF_MAP_TYPE_ARRAY ? 4 : 8, 8, n);
	u64 v = 1, s = 42, sum = 0;
	u32 *order = malloc(OPS * sizeof(*order));
	double t[RUNS];

	for (u64 k = 0; k < n; k++)
		if (type != BPF_MAP_TYPE_ARRAY)
			bpf_map_user_update(m, &k, &v, BPF_ANY);
	for (u32 i = 0; i < OPS; i++)
		order[i] = (u32)(rnd_next(&s) % n);
	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (u32 i = 0; i < OPS; i++) {
			u64 k = order[i];
			u64 *p = bpf_map_prog_lookup(m, &k, 0);

			sum += p ? *p : 0;
		}
		t[r] = (now_ns() - t0) / OPS;
	}
	sink = sum;
	free(order);
	bpf_map_destroy(m);
	return median(t);
}

/* ns per new-key update in a full LRU map (one eviction each), sync every 64 updates. */
static double bench_lru(double *sync_ns)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 8, 8, 1u << 16);
	u64 v = 0, key = 0;
	double t[RUNS], ts[RUNS];

	for (; key < (1u << 16); key++)
		bpf_map_prog_update(m, &key, &v, BPF_ANY, 0);
	bpf_map_rcu_sync(m);
	for (int r = 0; r < RUNS; r++) {
		double spent_sync = 0, t0 = now_ns();

		for (u32 i = 0; i < OPS / 4; i++, key++) {
			bpf_map_prog_update(m, &key, &v, BPF_ANY, 0);
			if (i % 64 == 63) {
				double s0 = now_ns();

				bpf_map_rcu_sync(m);
				spent_sync += now_ns() - s0;
			}
		}
		t[r] = (now_ns() - t0 - spent_sync) / (OPS / 4);
		ts[r] = spent_sync / (OPS / 4 / 64);
	}
	bpf_map_destroy(m);
	*sync_ns = median(ts);
	return median(t);
}

static int count_cb(void *ctx, void *data, u32 size)
{
	(*(u64 *)ctx)++;
	return 0;
}

/* ns per 64-byte record: reserve, fill, submit, consumed in batches of 32. */
static double bench_ringbuf(void)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 1u << 16);
	double t[RUNS];
	u64 n = 0;

	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (u32 i = 0; i < OPS; i++) {
			void *p = bpf_map_prog_ringbuf_reserve(m, 64, 0);

			memset(p, (int)i, 64);
			bpf_map_prog_ringbuf_submit(m, p, 0);
			if (i % 32 == 31)
				bpf_map_user_ringbuf_consume(m, count_cb, &n, 0);
		}
		t[r] = (now_ns() - t0) / OPS;
	}
	sink = n;
	bpf_map_destroy(m);
	return median(t);
}

int main(void)
{
	double small = bench_lookup(BPF_MAP_TYPE_HASH, 1u << 10);
	double mid = bench_lookup(BPF_MAP_TYPE_HASH, 1u << 16);
	double large = bench_lookup(BPF_MAP_TYPE_HASH, 1u << 20);
	double arr = bench_lookup(BPF_MAP_TYPE_ARRAY, 1u << 10);
	double sync_ns, lru = bench_lru(&sync_ns);
	double rb = bench_ringbuf();

	printf("hash lookup, 1 Ki elements:   %7.1f ns\n", small);
	printf("hash lookup, 64 Ki elements:  %7.1f ns  (x%.2f of 1 Ki)\n", mid, mid / small);
	printf("hash lookup, 1 Mi elements:   %7.1f ns  (x%.2f of 1 Ki)\n", large, large / small);
	printf("array lookup, 1 Ki elements:  %7.1f ns  (hash/array x%.2f)\n", arr, small / arr);
	printf("LRU insert with eviction:     %7.1f ns  (sync of 64 evictions: %.0f ns)\n", lru,
	       sync_ns);
	printf("ringbuf 64 B record round trip: %5.1f ns\n", rb);
	return 0;
}
