/*
 * hist.c — compact log-linear histogram of u64 values (see include/scxsim/hist.h).
 *
 * Why this shape: the simulator keeps one histogram per task (100k tasks must fit in a few
 * hundred MiB), so a histogram holds only the octaves between its smallest and largest sample,
 * with counters as narrow as its largest count allows, and is allocated on first record.
 *
 * Bucket index of a value v (HIST_SUB_BUCKETS = 8 sub-buckets per power of two):
 *   v < 16:                 index v (exact; the first two "octaves" have width-1 buckets)
 *   v in [2^e, 2^(e+1)):    index 8*(e-2) + (v >> (e-3)) % 8, for e = 4..63
 * so index 0..495 in 62 groups of 8 (one group per octave, group 0 = values 0..7).
 *
 * Invariants of a non-NULL struct hist:
 *  - count >= 1, and min/max/sum describe exactly the samples counted;
 *  - the counters hold groups [lo, lo+nr) and every sample's bucket lies in that window;
 *  - every counter fits in `width` bytes; the sum of all counters equals count;
 *  - a failed allocation leaves the histogram exactly as it was (new blocks are built aside).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scxsim/hist.h"

#define SUB_BITS 3
#define SUB (1 << SUB_BITS)            /* == HIST_SUB_BUCKETS */
#define NR_GROUPS 62                   /* octave groups covering 0 .. 2^64-1 */
#define PPB 1000000000ULL              /* percent is read in parts per billion of the whole */

_Static_assert(SUB == HIST_SUB_BUCKETS, "sub-bucket count and header disagree");
_Static_assert(HIST_MAX_REL_ERROR_PPM * 2 * HIST_SUB_BUCKETS == 1000000, "error bound");

struct hist {
	unsigned __int128 sum;  /* exact sum of samples (2^64 samples of 2^64-1 cannot overflow) */
	u64 count;              /* samples recorded, >= 1 */
	u64 min, max;           /* exact extremes */
	u8 lo;                  /* first octave group held */
	u8 nr;                  /* octave groups held, >= 1 */
	u8 width;               /* bytes per counter: 2, 4 or 8 */
	u8 pad_[5];
	union {                 /* nr * SUB counters, bucket index lo*SUB + i at [i] */
		u16 n16[0];
		u32 n32[0];
		u64 n64[0];
	};
};

_Static_assert(sizeof(struct hist) == 48, "header size is documented in hist.h");

static int alloc_fail_countdown;  /* > 0: the allocation that brings it to 0 fails */

void hist_fail_alloc_after(int n)
{
	alloc_fail_countdown = n > 0 ? n : 0;
}

static void *hist_zalloc(size_t size)
{
	if (alloc_fail_countdown > 0 && --alloc_fail_countdown == 0)
		return NULL;
	return calloc(1, size);
}

/* ---- bucket geometry ---- */

static int hist_index(u64 v)
{
	int e;

	if (v < 2 * SUB)
		return (int)v;
	e = 63 - __builtin_clzll(v);
	return SUB * (e - 2) + (int)((v >> (e - SUB_BITS)) & (SUB - 1));
}

/* Smallest value of bucket idx, and its width (a power of two). */
static u64 bucket_low(int idx)
{
	int e = idx / SUB + 2;

	if (idx < 2 * SUB)
		return (u64)idx;
	return (u64)(SUB | (idx % SUB)) << (e - SUB_BITS);
}

static u64 bucket_width(int idx)
{
	return idx < 2 * SUB ? 1 : 1ULL << (idx / SUB + 2 - SUB_BITS);
}

/* ---- counters ---- */

static u64 hist_get(const struct hist *h, int idx)
{
	int i = idx - h->lo * SUB;

	if (i < 0 || i >= h->nr * SUB)
		return 0;
	switch (h->width) {
	case 2: return h->n16[i];
	case 4: return h->n32[i];
	default: return h->n64[i];
	}
}

/* idx must be inside the window and v must fit the width. */
static void hist_set(struct hist *h, int idx, u64 v)
{
	int i = idx - h->lo * SUB;

	switch (h->width) {
	case 2: h->n16[i] = (u16)v; break;
	case 4: h->n32[i] = (u32)v; break;
	default: h->n64[i] = v; break;
	}
}

static int width_for(u64 v)
{
	return v <= UINT16_MAX ? 2 : v <= UINT32_MAX ? 4 : 8;
}

static size_t hist_size(int nr, int width)
{
	return sizeof(struct hist) + (size_t)nr * SUB * width;
}

/*
 * Make *hp hold groups [lo, hi) with counters at least `width` bytes wide, building a new block
 * when the current one is too small (or absent). On -ENOMEM *hp is untouched.
 */
static int hist_reserve(struct hist **hp, int lo, int hi, int width)
{
	struct hist *h = *hp, *nh;
	int nlo = h ? MIN(h->lo, lo) : lo, nhi = h ? MAX(h->lo + h->nr, hi) : hi;
	int nwidth = h ? MAX(h->width, width) : width;

	if (h && nlo == h->lo && nhi == h->lo + h->nr && nwidth == h->width)
		return 0;
	nh = hist_zalloc(hist_size(nhi - nlo, nwidth));
	if (!nh)
		return -ENOMEM;
	if (h)
		*nh = *h;
	nh->lo = nlo;
	nh->nr = nhi - nlo;
	nh->width = nwidth;
	for (int idx = h ? h->lo * SUB : 0; h && idx < (h->lo + h->nr) * SUB; idx++)
		hist_set(nh, idx, hist_get(h, idx));
	free(h);
	*hp = nh;
	return 0;
}

/* Fold n samples whose extremes are [lo_v, hi_v] and sum `sum` into the (reserved) stats. */
static void hist_account(struct hist *h, u64 n, u64 lo_v, u64 hi_v, unsigned __int128 sum)
{
	if (!h->count || lo_v < h->min)
		h->min = lo_v;
	if (!h->count || hi_v > h->max)
		h->max = hi_v;
	h->count += n;
	h->sum += sum;
}

int hist_record(struct hist **h, u64 v)
{
	int idx = hist_index(v), err;
	u64 cur = *h ? hist_get(*h, idx) : 0;

	err = hist_reserve(h, idx / SUB, idx / SUB + 1, width_for(cur + 1));
	if (err)
		return err;
	hist_set(*h, idx, cur + 1);
	hist_account(*h, 1, v, v, v);
	return 0;
}

/* Widest counter dst would need after adding src. */
static int merge_width(const struct hist *dst, const struct hist *src)
{
	int width = dst ? dst->width : 2;

	for (int idx = src->lo * SUB; idx < (src->lo + src->nr) * SUB; idx++)
		width = MAX(width, width_for((dst ? hist_get(dst, idx) : 0) + hist_get(src, idx)));
	return width;
}

static struct hist *hist_clone(const struct hist *h)
{
	struct hist *c = hist_zalloc(hist_size(h->nr, h->width));

	if (c)
		memcpy(c, h, hist_size(h->nr, h->width));
	return c;
}

int hist_merge(struct hist **dst, const struct hist *src)
{
	struct hist *copy = NULL;
	int err;

	if (!src)
		return 0;
	if (src == *dst) {
		copy = hist_clone(src);
		if (!copy)
			return -ENOMEM;
		src = copy;
	}
	err = hist_reserve(dst, src->lo, src->lo + src->nr, merge_width(*dst, src));
	if (!err) {
		for (int idx = src->lo * SUB; idx < (src->lo + src->nr) * SUB; idx++)
			hist_set(*dst, idx, hist_get(*dst, idx) + hist_get(src, idx));
		hist_account(*dst, src->count, src->min, src->max, src->sum);
	}
	free(copy);
	return err;
}

/* 1-based nearest rank of percentile p among count samples. */
static u64 percentile_rank(u64 count, double p)
{
	u64 ppb, rank;

	if (!(p > 0))          /* also NaN */
		p = 0;
	if (p > 100)
		p = 100;
	ppb = (u64)llround(p * (PPB / 100));
	rank = (u64)(((unsigned __int128)count * ppb + PPB - 1) / PPB);
	return rank ? rank : 1;
}

u64 hist_percentile(const struct hist *h, double p)
{
	u64 rank, seen = 0;

	if (!h || !h->count)
		return 0;
	rank = percentile_rank(h->count, p);
	if (rank == 1)
		return h->min;
	if (rank >= h->count)
		return h->max;
	for (int idx = h->lo * SUB; idx < (h->lo + h->nr) * SUB; idx++) {
		seen += hist_get(h, idx);
		if (seen >= rank) {
			u64 mid = bucket_low(idx) + bucket_width(idx) / 2;

			return mid < h->min ? h->min : mid > h->max ? h->max : mid;
		}
	}
	return h->max;  /* unreachable while the counters sum to count */
}

u64 hist_count(const struct hist *h)
{
	return h ? h->count : 0;
}

u64 hist_min(const struct hist *h)
{
	return h ? h->min : 0;
}

u64 hist_max(const struct hist *h)
{
	return h ? h->max : 0;
}

u64 hist_sum(const struct hist *h)
{
	if (!h)
		return 0;
	return h->sum > UINT64_MAX ? UINT64_MAX : (u64)h->sum;
}

u64 hist_mean(const struct hist *h)
{
	return h && h->count ? (u64)(h->sum / h->count) : 0;
}

size_t hist_bytes(const struct hist *h)
{
	return h ? hist_size(h->nr, h->width) : 0;
}

void hist_free(struct hist *h)
{
	free(h);
}
