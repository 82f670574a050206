/*
 * hist.h — a compact log-linear (HDR-style) histogram of u64 values (nanoseconds of wakeup
 * latency), one per task plus merged totals.
 *
 * Accuracy: values below 16 are counted exactly; above, every power of two [2^e, 2^(e+1)) is
 * cut into HIST_SUB_BUCKETS equal buckets. A percentile is reported as the midpoint of the
 * bucket that holds it, clamped to [min, max], so it is within HIST_MAX_REL_ERROR_PPM parts per
 * million (6.25%) of the exact nearest-rank percentile. count, min, max and sum are exact; the
 * 0th percentile is min and the 100th is max, exactly.
 *
 * Memory: a task that never records costs only its NULL pointer. The first hist_record
 * allocates; the allocation covers only the octaves (powers of two) between the smallest and
 * largest value seen, at 2 bytes per bucket, widening a bucket counter to 4 and then 8 bytes
 * only when a count outgrows it. hist_bytes() gives the exact size: 48 + 16 bytes per octave
 * spanned with 16-bit counters (a task seeing 1 us .. 100 ms latencies spans 18 octaves:
 * 48 + 18*16 = 336 bytes; the whole u64 range 0 .. 2^64-1: 48 + 62*16 = 1040 bytes).
 *
 * Ownership: the caller owns the struct hist * (NULL = empty histogram) and frees it with
 * hist_free. Every reader accepts NULL. Deterministic: no randomness, no clock.
 */
#ifndef SCXSIM_HIST_H
#define SCXSIM_HIST_H

#include "scxsim/types.h"

#define HIST_SUB_BUCKETS 8             /* buckets per power of two */
#define HIST_MAX_REL_ERROR_PPM 62500   /* 1/(2*HIST_SUB_BUCKETS): the percentile error bound */

struct hist; /* opaque */

/* Count one value; allocates *h on first use. 0, or -ENOMEM (then *h is unchanged). */
int hist_record(struct hist **h, u64 v);

/*
 * Add every sample of src to *dst (allocating *dst if NULL); src may be NULL (no-op) and may
 * be *dst itself (doubles every count). 0, or -ENOMEM (then *dst is unchanged).
 */
int hist_merge(struct hist **dst, const struct hist *src);

/*
 * Nearest-rank percentile: the smallest recorded value v such that at least p% of samples are
 * <= v, to within the bound above. p is clamped to [0, 100] (NaN counts as 0) and read to 1e-7
 * of a percent. 0 for an empty or NULL histogram.
 */
u64 hist_percentile(const struct hist *h, double p);

u64 hist_count(const struct hist *h);  /* samples recorded */
u64 hist_min(const struct hist *h);    /* smallest sample, 0 when empty */
u64 hist_max(const struct hist *h);    /* largest sample, 0 when empty */
u64 hist_sum(const struct hist *h);    /* sum of samples, saturating at UINT64_MAX */
u64 hist_mean(const struct hist *h);   /* exact sum / count rounded down, 0 when empty */
size_t hist_bytes(const struct hist *h); /* heap bytes held, 0 for NULL */

void hist_free(struct hist *h); /* NULL-safe */

/*
 * Fault injection for tests: the n-th allocation from now (1 = the next) fails with -ENOMEM;
 * n <= 0 disables. Process-wide, not thread-safe — the simulator is single-threaded.
 */
void hist_fail_alloc_after(int n);

#endif
