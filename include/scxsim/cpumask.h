/*
 * cpumask.h — fixed-size CPU bitmaps (up to SCX_NR_CPUS_MAX CPUs).
 * Fixed size keeps masks embeddable in tasks and topology objects without allocation;
 * every helper is O(words) and iteration is in ascending CPU order (stable output).
 */
#ifndef SCXSIM_CPUMASK_H
#define SCXSIM_CPUMASK_H

#include "scxsim/types.h"

#define SCX_NR_CPUS_MAX 1024
#define CPUMASK_WORDS (SCX_NR_CPUS_MAX / 64)

struct cpumask {
	u64 bits[CPUMASK_WORDS]; /* bit c of word c/64 set = CPU c is in the mask */
};

static inline void cpumask_clear(struct cpumask *m)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		m->bits[i] = 0;
}
static inline void cpumask_set(struct cpumask *m, int cpu)
{
	m->bits[cpu >> 6] |= 1ULL << (cpu & 63);
}
static inline void cpumask_unset(struct cpumask *m, int cpu)
{
	m->bits[cpu >> 6] &= ~(1ULL << (cpu & 63));
}
static inline bool cpumask_test(const struct cpumask *m, int cpu)
{
	return (m->bits[cpu >> 6] >> (cpu & 63)) & 1;
}
/* All CPUs 0..n-1 set, the rest clear. */
static inline void cpumask_fill(struct cpumask *m, int n)
{
	cpumask_clear(m);
	for (int i = 0; i < n; i++)
		cpumask_set(m, i);
}
static inline int cpumask_weight(const struct cpumask *m)
{
	int w = 0;
	for (int i = 0; i < CPUMASK_WORDS; i++)
		w += __builtin_popcountll(m->bits[i]);
	return w;
}
/* Lowest set CPU >= start, or -1. */
static inline int cpumask_next(const struct cpumask *m, int start)
{
	if (start < 0)
		start = 0;
	for (int w = start >> 6; w < CPUMASK_WORDS; w++) {
		u64 v = m->bits[w];
		if (w == start >> 6)
			v &= ~0ULL << (start & 63);
		if (v)
			return w * 64 + __builtin_ctzll(v);
	}
	return -1;
}
static inline int cpumask_first(const struct cpumask *m)
{
	return cpumask_next(m, 0);
}
/* Lowest CPU set in both a and b, or -1. */
static inline int cpumask_first_and(const struct cpumask *a, const struct cpumask *b)
{
	for (int w = 0; w < CPUMASK_WORDS; w++) {
		u64 v = a->bits[w] & b->bits[w];
		if (v)
			return w * 64 + __builtin_ctzll(v);
	}
	return -1;
}
static inline void cpumask_and(struct cpumask *d, const struct cpumask *a, const struct cpumask *b)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		d->bits[i] = a->bits[i] & b->bits[i];
}
static inline void cpumask_or(struct cpumask *d, const struct cpumask *a, const struct cpumask *b)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		d->bits[i] = a->bits[i] | b->bits[i];
}
static inline bool cpumask_empty(const struct cpumask *m)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		if (m->bits[i])
			return false;
	return true;
}
static inline bool cpumask_equal(const struct cpumask *a, const struct cpumask *b)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		if (a->bits[i] != b->bits[i])
			return false;
	return true;
}
#define for_each_cpu(cpu, mask) \
	for ((cpu) = cpumask_first(mask); (cpu) >= 0; (cpu) = cpumask_next((mask), (cpu) + 1))

#endif
