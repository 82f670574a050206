/*
 * rng.h — seeded pseudo-random streams (xoshiro256** seeded through splitmix64). Each entity
 * (task, CPU, generator) owns a stream derived from (run seed, stream id), so adding an entity
 * never perturbs the numbers another one sees. Deterministic across platforms.
 */
#ifndef SCXSIM_RNG_H
#define SCXSIM_RNG_H

#include "scxsim/types.h"

struct rng {
	u64 s[4];
};

static inline u64 rng_splitmix(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void rng_init(struct rng *r, u64 seed, u64 stream)
{
	u64 x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = rng_splitmix(&x);
}

static inline u64 rng_rotl(u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline u64 rng_next(struct rng *r)
{
	u64 *s = r->s;
	u64 result = rng_rotl(s[1] * 5, 7) * 9;
	u64 t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; the tiny bias is irrelevant here). */
static inline u64 rng_below(struct rng *r, u64 n)
{
	return (u64)(((unsigned __int128)rng_next(r) * n) >> 64);
}

#endif
