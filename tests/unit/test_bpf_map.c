/*
 * test_bpf_map.c — unit tests of the BPF maps (src/ebpf/maps/, include/scxsim/bpf_map.h):
 * creation errors with their messages, each map type's semantics and error codes on both faces,
 * per-CPU isolation, BPF_F_LOCK, access flags, the grace period seen through the region
 * callback, deterministic iteration and LRU eviction order, ring-buffer wrap-around, discard and
 * wakeups, local storage, and seeded random operation sequences checked against small
 * reference models.
 *
 * The region tracker used throughout checks the region contract on every call: additions never
 * overlap a live region, removals name exactly a live region, and a map leaves none behind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "scxsim/bpf_map.h"
#include "test.h"

/* ---- region tracker ------------------------------------------------------------------------- */

#define TRK_MAX 4096

struct trk_ev {
	void *ptr;
	size_t len;
	bool added;
};

struct trk {
	struct trk_ev live[TRK_MAX]; /* live regions */
	int nlive;
	struct trk_ev log[TRK_MAX];  /* every event, in order (capped) */
	int nlog;
	int errors;                  /* contract violations seen */
};

static bool overlaps(const struct trk_ev *a, void *p, size_t len)
{
	char *s = a->ptr, *q = p;

	return q < s + a->len && s < q + len;
}

static void trk_add(struct trk *t, void *ptr, size_t len)
{
	for (int i = 0; i < t->nlive; i++)
		if (overlaps(&t->live[i], ptr, len))
			t->errors++;
	if (t->nlive < TRK_MAX)
		t->live[t->nlive++] = (struct trk_ev){ ptr, len, true };
	else
		t->errors++;
}

static void trk_del(struct trk *t, void *ptr, size_t len)
{
	for (int i = 0; i < t->nlive; i++) {
		if (t->live[i].ptr == ptr && t->live[i].len == len) {
			t->live[i] = t->live[--t->nlive];
			return;
		}
	}
	t->errors++;
}

static void trk_fn(void *ctx, const struct bpf_map *map, void *ptr, size_t len, bool added)
{
	struct trk *t = ctx;

	if (!len || !map)
		t->errors++;
	if (added)
		trk_add(t, ptr, len);
	else
		trk_del(t, ptr, len);
	if (t->nlog < TRK_MAX)
		t->log[t->nlog++] = (struct trk_ev){ ptr, len, added };
}

static struct trk *trk_new(void)
{
	return calloc(1, sizeof(struct trk));
}

/* ---- map construction ----------------------------------------------------------------------- */

static struct bpf_map_spec spec_of(const char *name, u32 type, u32 ks, u32 vs, u32 max,
				   u32 flags)
{
	return (struct bpf_map_spec){ .name = name, .type = type, .key_size = ks,
				      .value_size = vs, .max_entries = max, .map_flags = flags,
				      .nr_cpus = 1 };
}

static struct bpf_map *mk(u32 type, u32 ks, u32 vs, u32 max, u32 flags, struct trk *t)
{
	struct bpf_map_spec s = spec_of("m", type, ks, vs, max, flags);
	struct bpf_map *m = NULL;
	char err[256];

	s.region_fn = t ? trk_fn : NULL;
	s.region_ctx = t;
	if (bpf_map_create(&s, &m, err, sizeof(err)))
		fprintf(stderr, "  mk: %s\n", err);
	return m;
}

static struct bpf_map *mk_percpu(u32 type, u32 ks, u32 vs, u32 max, u32 cpus, struct trk *t)
{
	struct bpf_map_spec s = spec_of("pc", type, ks, vs, max, 0);
	struct bpf_map *m = NULL;

	s.nr_cpus = cpus;
	s.region_fn = t ? trk_fn : NULL;
	s.region_ctx = t;
	bpf_map_create(&s, &m, NULL, 0);
	return m;
}

static struct bpf_map *mk_locked(u32 type, u32 ks, u32 vs, u32 max, u32 flags, u32 off)
{
	struct bpf_map_spec s = spec_of("lk", type, ks, vs, max, flags);
	struct bpf_map *m = NULL;

	s.has_spin_lock = true;
	s.spin_lock_off = off;
	bpf_map_create(&s, &m, NULL, 0);
	return m;
}

static u64 get_u64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* xorshift64*: the tests' only randomness, always seeded. */
static u64 rnd_next(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* ---- creation ------------------------------------------------------------------------------- */

struct create_case {
	const char *name;
	u32 type, ks, vs, max, flags, cpus;
	bool lock;
	u32 lock_off;
	int code;
	const char *msg;
};

static const struct create_case create_cases[] = {
	{ "task_ctx", BPF_MAP_TYPE_TASK_STORAGE, 4, 0, 0, BPF_F_NO_PREALLOC, 1, false, 0, -EINVAL,
	  "map 'task_ctx': value_size 0" },
	{ "q", BPF_MAP_TYPE_QUEUE, 4, 8, 16, 0, 1, false, 0, -EINVAL,
	  "map 'q': key_size must be 0 for QUEUE" },
	{ "rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 1000, 0, 1, false, 0, -EINVAL,
	  "map 'rb': max_entries 1000 is not a power of 2 multiple of 4096" },
	{ "rb3", BPF_MAP_TYPE_RINGBUF, 0, 0, 3 * 4096, 0, 1, false, 0, -EINVAL,
	  "max_entries 12288 is not a power of 2" },
	{ "rbs", BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0, 1, false, 0, -EINVAL,
	  "max_entries 2048 is not a power of 2 multiple of 4096" },
	{ "rbv", BPF_MAP_TYPE_USER_RINGBUF, 0, 4, 4096, 0, 1, false, 0, -EINVAL,
	  "value_size must be 0 for USER_RINGBUF" },
	{ "rbk", BPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0, 1, false, 0, -EINVAL,
	  "key_size must be 0 for RINGBUF" },
	{ "h", BPF_MAP_TYPE_HASH, 0, 8, 16, 0, 1, false, 0, -EINVAL, "map 'h': key_size 0" },
	{ "h", BPF_MAP_TYPE_HASH, 513, 8, 16, 0, 1, false, 0, -E2BIG, "key_size 513 exceeds 512" },
	{ "h", BPF_MAP_TYPE_HASH, 8, 0, 16, 0, 1, false, 0, -EINVAL, "map 'h': value_size 0" },
	{ "h", BPF_MAP_TYPE_HASH, 8, (4U << 20) + 1, 16, 0, 1, false, 0, -E2BIG,
	  "value_size 4194305 exceeds" },
	{ "h", BPF_MAP_TYPE_HASH, 8, 8, 0, 0, 1, false, 0, -EINVAL, "map 'h': max_entries 0" },
	{ "h", BPF_MAP_TYPE_HASH, 8, 8, (1U << 31) + 1, 0, 1, false, 0, -E2BIG,
	  "max_entries 2147483649 exceeds" },
	{ "a", BPF_MAP_TYPE_ARRAY, 8, 8, 16, 0, 1, false, 0, -EINVAL,
	  "map 'a': key_size must be 4 for ARRAY (is 8)" },
	{ "a", BPF_MAP_TYPE_ARRAY, 4, 8, 0, 0, 1, false, 0, -EINVAL, "max_entries 0" },
	{ "a", BPF_MAP_TYPE_ARRAY, 4, 8, 1U << 30, 0, 1, false, 0, -ENOMEM,
	  "above scxsim's per-map limit" },
	{ "h", BPF_MAP_TYPE_HASH, 8, 8, 16, BPF_F_MMAPABLE, 1, false, 0, -EINVAL,
	  "map 'h': map_flags 0x400: BPF_F_MMAPABLE is not allowed for HASH" },
	{ "pa", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 16, BPF_F_MMAPABLE, 1, false, 0, -EINVAL,
	  "BPF_F_MMAPABLE is not allowed for PERCPU_ARRAY" },
	{ "a", BPF_MAP_TYPE_ARRAY, 4, 8, 16, 1U << 25, 1, false, 0, -EINVAL,
	  "map_flags 0x2000000: unknown flag 0x2000000" },
	{ "a", BPF_MAP_TYPE_ARRAY, 4, 8, 16, BPF_F_NO_PREALLOC, 1, false, 0, -EINVAL,
	  "BPF_F_NO_PREALLOC is not allowed for ARRAY" },
	{ "h", BPF_MAP_TYPE_HASH, 8, 8, 16, BPF_F_NO_COMMON_LRU, 1, false, 0, -EINVAL,
	  "BPF_F_NO_COMMON_LRU is not allowed for HASH" },
	{ "l", BPF_MAP_TYPE_LRU_HASH, 8, 8, 16, BPF_F_NO_PREALLOC, 1, false, 0, -EOPNOTSUPP,
	  "BPF_F_NO_PREALLOC is not supported for LRU_HASH" },
	{ "h", BPF_MAP_TYPE_HASH, 8, 8, 16, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 1, false, 0,
	  -EINVAL, "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG exclude each other" },
	{ "h", BPF_MAP_TYPE_HASH, 8, 8, 16, BPF_F_RDONLY | BPF_F_WRONLY, 1, false, 0, -EINVAL,
	  "BPF_F_RDONLY and BPF_F_WRONLY exclude each other" },
	{ "q", BPF_MAP_TYPE_QUEUE, 0, 8, 16, BPF_F_ZERO_SEED, 1, false, 0, -EINVAL,
	  "BPF_F_ZERO_SEED is not allowed for QUEUE" },
	{ "q", BPF_MAP_TYPE_STACK, 0, 0, 16, 0, 1, false, 0, -EINVAL, "value_size 0" },
	{ "rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_RDONLY_PROG, 1, false, 0, -EINVAL,
	  "BPF_F_RDONLY_PROG is not allowed for RINGBUF" },
	{ "ts", BPF_MAP_TYPE_TASK_STORAGE, 4, 8, 0, 0, 1, false, 0, -EINVAL,
	  "map 'ts': TASK_STORAGE needs map_flags BPF_F_NO_PREALLOC" },
	{ "ts", BPF_MAP_TYPE_TASK_STORAGE, 4, 8, 5, BPF_F_NO_PREALLOC, 1, false, 0, -EINVAL,
	  "max_entries must be 0 for TASK_STORAGE (is 5)" },
	{ "cs", BPF_MAP_TYPE_CGRP_STORAGE, 8, 8, 0, BPF_F_NO_PREALLOC, 1, false, 0, -EINVAL,
	  "key_size must be 4 for CGRP_STORAGE" },
	{ "ts", BPF_MAP_TYPE_TASK_STORAGE, 4, 70000, 0, BPF_F_NO_PREALLOC, 1, false, 0, -E2BIG,
	  "value_size 70000 exceeds" },
	{ "ph", BPF_MAP_TYPE_PERCPU_HASH, 8, 8, 16, 0, 0, false, 0, -EINVAL,
	  "map 'ph': nr_cpus 0: a per-CPU map needs 1..8192 possible CPUs" },
	{ "ph", BPF_MAP_TYPE_PERCPU_HASH, 8, 8, 16, 0, 8193, false, 0, -EINVAL, "nr_cpus 8193" },
	{ "pa", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 16, 0, 2, false, 0, -E2BIG,
	  "value_size 32769 exceeds 32768 per CPU" },
	{ "lh", BPF_MAP_TYPE_LRU_HASH, 8, 16, 16, 0, 1, true, 0, -EOPNOTSUPP,
	  "a bpf_spin_lock in the value is not supported for LRU_HASH" },
	{ "pa", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 16, 16, 0, 2, true, 0, -EOPNOTSUPP,
	  "not supported for PERCPU_ARRAY" },
	{ "h", BPF_MAP_TYPE_HASH, 8, 16, 16, 0, 1, true, 6, -EINVAL,
	  "spin_lock_off 6 is not a 4-byte aligned offset inside value_size 16" },
	{ "h", BPF_MAP_TYPE_HASH, 8, 8, 16, 0, 1, true, 8, -EINVAL, "spin_lock_off 8" },
	{ "pa", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 16, 0, 1, false, 0, -EOPNOTSUPP,
	  "map 'pa': map type PROG_ARRAY (3) is not supported by scxsim" },
	{ "mm", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 16, 0, 1, false, 0, -EINVAL,
	  "map 'mm': ARRAY_OF_MAPS needs an inner map template" },
	{ "mv", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 8, 16, 0, 1, false, 0, -EINVAL,
	  "map 'mv': value_size must be 4 for ARRAY_OF_MAPS (is 8)" },
	{ "hv", BPF_MAP_TYPE_HASH_OF_MAPS, 8, 8, 16, 0, 1, false, 0, -EINVAL,
	  "map 'hv': value_size must be 4 for HASH_OF_MAPS (is 8)" },
	{ "hm", BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 16, 0, 1, false, 0, -EINVAL,
	  "HASH_OF_MAPS needs an inner map template" },
	{ "x", 99, 4, 4, 16, 0, 1, false, 0, -EINVAL, "map 'x': unknown map type 99" },
	{ "x", BPF_MAP_TYPE_UNSPEC, 4, 4, 16, 0, 1, false, 0, -EINVAL, "unknown map type 0" },
	{ NULL, BPF_MAP_TYPE_HASH, 0, 4, 16, 0, 1, false, 0, -EINVAL, "map '(unnamed)': key_size 0" },
};

TEST(bpf_map_create_errors_name_the_map)
{
	for (size_t i = 0; i < ARRAY_SIZE(create_cases); i++) {
		const struct create_case *c = &create_cases[i];
		struct bpf_map_spec s = spec_of(c->name, c->type, c->ks, c->vs, c->max, c->flags);
		struct bpf_map *m = (struct bpf_map *)&s; /* must be reset to NULL */
		char err[256];
		int ret;

		s.nr_cpus = c->cpus;
		s.has_spin_lock = c->lock;
		s.spin_lock_off = c->lock_off;
		ret = bpf_map_create(&s, &m, err, sizeof(err));
		if (ret != c->code)
			fprintf(stderr, "  case %zu: got %d (%s)\n", i, ret, err);
		CHECK_EQ(ret, c->code);
		CHECK(m == NULL);
		CHECK_CONTAINS(err, c->msg);
	}
}

TEST(bpf_map_create_bad_arguments)
{
	struct bpf_map_spec s = spec_of("h", BPF_MAP_TYPE_HASH, 4, 4, 4, 0);
	struct bpf_map *m;
	char err[64] = "junk";

	CHECK_EQ(bpf_map_create(NULL, &m, err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "no map spec");
	CHECK(m == NULL);
	CHECK_EQ(bpf_map_create(&s, NULL, NULL, 0), -EINVAL);
	/* a tiny error buffer is truncated, not overrun */
	s.key_size = 0;
	CHECK_EQ(bpf_map_create(&s, &m, err, 8), -EINVAL);
	CHECK_EQ(strlen(err), 7);
	bpf_map_destroy(NULL);
}

TEST(bpf_map_create_accepts_every_type)
{
	static const struct { u32 type, ks, vs, max, flags; } ok[] = {
		{ BPF_MAP_TYPE_HASH, 8, 8, 4, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_MMAPABLE | BPF_F_RDONLY_PROG },
		{ BPF_MAP_TYPE_PERCPU_HASH, 8, 8, 4, 0 },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0 },
		{ BPF_MAP_TYPE_LRU_HASH, 8, 8, 4, BPF_F_NO_COMMON_LRU },
		{ BPF_MAP_TYPE_LRU_PERCPU_HASH, 8, 8, 4, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0 },
		{ BPF_MAP_TYPE_STACK, 0, 8, 4, BPF_F_WRONLY },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 8192, BPF_F_NUMA_NODE },
		{ BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096, 0 },
		{ BPF_MAP_TYPE_TASK_STORAGE, 4, 8, 0, BPF_F_NO_PREALLOC },
		{ BPF_MAP_TYPE_CGRP_STORAGE, 4, 8, 0, BPF_F_NO_PREALLOC | BPF_F_CLONE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct bpf_map_spec s = spec_of("a_long_name_that_is_kept", ok[i].type, ok[i].ks,
						ok[i].vs, ok[i].max, ok[i].flags);
		struct bpf_map *m = NULL;
		char err[256] = "";

		s.nr_cpus = 3;
		CHECK_EQ(bpf_map_create(&s, &m, err, sizeof(err)), 0);
		CHECK_STR(err, "");
		CHECK_STR(bpf_map_name(m), "a_long_name_that_is_kept");
		CHECK_EQ(bpf_map_type(m), ok[i].type);
		CHECK_EQ(bpf_map_key_size(m), ok[i].ks);
		CHECK_EQ(bpf_map_value_size(m), ok[i].vs);
		CHECK_EQ(bpf_map_max_entries(m), ok[i].max);
		CHECK_EQ(bpf_map_flags(m), ok[i].flags);
		CHECK_EQ(bpf_map_nr_cpus(m), bpf_map_is_percpu(m) ? 3 : 1);
		CHECK_EQ(bpf_map_user_value_size(m), bpf_map_is_percpu(m) ? 24 : ok[i].vs);
		CHECK_EQ(bpf_map_pending_frees(m), 0);
		CHECK_EQ(bpf_map_rcu_sync(m), 0);
		bpf_map_destroy(m);
	}
	CHECK_STR(bpf_map_type_name(BPF_MAP_TYPE_LRU_PERCPU_HASH), "LRU_PERCPU_HASH");
	CHECK_STR(bpf_map_type_name(1000), "UNKNOWN");
}

TEST(bpf_map_create_long_name_truncated)
{
	char name[100];
	struct bpf_map_spec s = spec_of(name, BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);
	struct bpf_map *m;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK_EQ(bpf_map_create(&s, &m, NULL, 0), 0);
	CHECK_EQ(strlen(bpf_map_name(m)), BPF_MAP_NAME_MAX - 1);
	bpf_map_destroy(m);
}

TEST(bpf_map_null_map_is_refused)
{
	u64 v = 0;
	void *p;

	CHECK_EQ(bpf_map_user_lookup(NULL, &v, &v, 0), -EINVAL);
	CHECK_EQ(bpf_map_user_update(NULL, &v, &v, 0), -EINVAL);
	CHECK_EQ(bpf_map_user_delete(NULL, &v), -EINVAL);
	CHECK_EQ(bpf_map_user_get_next_key(NULL, NULL, &v), -EINVAL);
	CHECK_EQ(bpf_map_user_lookup_and_delete(NULL, &v, &v, 0), -EINVAL);
	CHECK_EQ(bpf_map_user_push(NULL, &v, 0), -EINVAL);
	CHECK_EQ(bpf_map_user_pop(NULL, &v), -EINVAL);
	CHECK_EQ(bpf_map_user_peek(NULL, &v), -EINVAL);
	CHECK(bpf_map_prog_lookup(NULL, &v, 0) == NULL);
	CHECK_EQ(bpf_map_prog_update(NULL, &v, &v, 0, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_delete(NULL, &v), -EINVAL);
	CHECK_EQ(bpf_map_prog_push(NULL, &v, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_pop(NULL, &v), -EINVAL);
	CHECK_EQ(bpf_map_prog_peek(NULL, &v), -EINVAL);
	CHECK_EQ(bpf_map_prog_for_each(NULL, NULL, NULL, 0, 0), -EINVAL);
	CHECK(bpf_map_prog_ringbuf_reserve(NULL, 8, 0) == NULL);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(NULL, &v, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_ringbuf_output(NULL, &v, 8, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_ringbuf_query(NULL, BPF_RB_RING_SIZE), 0);
	CHECK_EQ(bpf_map_user_ringbuf_consume(NULL, NULL, NULL, 0), -EINVAL);
	CHECK_EQ(bpf_map_user_ringbuf_reserve(NULL, 8, &p), -EINVAL);
	CHECK_EQ(bpf_map_prog_user_ringbuf_drain(NULL, NULL, NULL, 0), -EINVAL);
	CHECK(bpf_map_prog_storage_get(NULL, &v, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE) == NULL);
	CHECK_EQ(bpf_map_prog_storage_delete(NULL, &v), -EINVAL);
	CHECK_EQ(bpf_map_storage_owner_gone(NULL, &v), -EINVAL);
	CHECK_EQ(bpf_map_user_storage_lookup(NULL, &v, &v, 0), -EINVAL);
	CHECK(!bpf_map_ringbuf_owns(NULL, &v));
	CHECK_EQ(bpf_map_rcu_sync(NULL), -EINVAL);
	CHECK_EQ(bpf_map_ringbuf_wakeups(NULL), 0);
}

/* ---- arrays --------------------------------------------------------------------------------- */

TEST(bpf_map_array_semantics)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 12, 4, 0, NULL);
	u32 k = 2, oob = 4, next;
	u8 v[12], out[12];
	u8 *p;

	CHECK(m);
	memset(v, 0x5a, sizeof(v));
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, 0), 0);
	CHECK_EQ(out[0] | out[11], 0);
	CHECK_EQ(bpf_map_user_update(m, &k, v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_user_update(m, &k, v, BPF_EXIST), 0);
	CHECK_EQ(bpf_map_user_update(m, &k, v, BPF_NOEXIST), -EEXIST);
	CHECK_EQ(bpf_map_user_update(m, &oob, v, BPF_ANY), -E2BIG);
	CHECK_EQ(bpf_map_user_update(m, &k, v, 3), -EINVAL);
	CHECK_EQ(bpf_map_user_update(m, &k, v, BPF_F_LOCK), -EINVAL);
	CHECK_EQ(bpf_map_user_lookup(m, &oob, out, 0), -ENOENT);
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, 2), -EINVAL);
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, BPF_F_LOCK), -EINVAL);
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, 0), 0);
	CHECK(!memcmp(out, v, sizeof(v)));
	CHECK_EQ(bpf_map_user_delete(m, &k), -EINVAL);
	CHECK_EQ(bpf_map_prog_delete(m, &k), -EINVAL);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, &k, out, 0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_lookup(m, NULL, out, 0), -EINVAL);
	/* BPF sees the same bytes, in place */
	p = bpf_map_prog_lookup(m, &k, 0);
	CHECK(p && !memcmp(p, v, sizeof(v)));
	p[0] = 7;
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, 0), 0);
	CHECK_EQ(out[0], 7);
	CHECK(bpf_map_prog_lookup(m, &oob, 0) == NULL);
	CHECK(bpf_map_prog_lookup(m, &k, 5) == p); /* cpu ignored for a plain array */
	CHECK_EQ(bpf_map_prog_update(m, &oob, v, BPF_ANY, 0), -E2BIG);
	CHECK_EQ(bpf_map_prog_update(m, &k, v, BPF_NOEXIST, 0), -EEXIST);
	CHECK_EQ(bpf_map_prog_update(m, &k, v, BPF_ANY, 0), 0);
	CHECK_EQ(p[0], 0x5a);
	/* get_next_key in index order */
	CHECK_EQ(bpf_map_user_get_next_key(m, NULL, &next), 0);
	CHECK_EQ(next, 0);
	k = 0;
	CHECK_EQ(bpf_map_user_get_next_key(m, &k, &next), 0);
	CHECK_EQ(next, 1);
	k = 3;
	CHECK_EQ(bpf_map_user_get_next_key(m, &k, &next), -ENOENT);
	k = 77;
	CHECK_EQ(bpf_map_user_get_next_key(m, &k, &next), 0);
	CHECK_EQ(next, 0);
	CHECK_EQ(bpf_map_count(m), 4);
	bpf_map_destroy(m);
}

TEST(bpf_map_array_region_is_the_whole_block)
{
	struct trk *t = trk_new();
	struct bpf_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 12, 5, BPF_F_MMAPABLE, t);
	u32 k = 4;
	u8 *p;

	CHECK(m);
	CHECK_EQ(t->nlog, 1);
	CHECK(t->log[0].added);
	CHECK_EQ(t->log[0].len, 5 * 16);
	p = bpf_map_prog_lookup(m, &k, 0);
	CHECK(p == (u8 *)t->log[0].ptr + 4 * 16);
	CHECK_EQ((uintptr_t)t->log[0].ptr % 4096, 0); /* MMAPABLE: page aligned */
	CHECK_EQ(bpf_map_rcu_sync(m), 0);
	CHECK_EQ(t->nlog, 1);
	bpf_map_destroy(m);
	CHECK_EQ(t->nlog, 2);
	CHECK(!t->log[1].added && t->log[1].ptr == t->log[0].ptr);
	CHECK_EQ(t->nlive, 0);
	CHECK_EQ(t->errors, 0);
	free(t);
}

static int count_cb(void *ctx, const void *key, void *value)
{
	u32 *seen = ctx, k;

	memcpy(&k, key, 4);
	seen[seen[0] + 1] = k;
	seen[0]++;
	return k == seen[100];
}

TEST(bpf_map_array_for_each_index_order)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 4, 6, 0, NULL);
	u32 seen[101] = { 0 };

	CHECK(m);
	seen[100] = 99;
	CHECK_EQ(bpf_map_prog_for_each(m, count_cb, seen, 0, 0), 6);
	CHECK_EQ(seen[0], 6);
	for (u32 i = 0; i < 6; i++)
		CHECK_EQ(seen[i + 1], i);
	memset(seen, 0, sizeof(seen));
	seen[100] = 2; /* stop at index 2: three visited */
	CHECK_EQ(bpf_map_prog_for_each(m, count_cb, seen, 0, 0), 3);
	CHECK_EQ(bpf_map_prog_for_each(m, count_cb, seen, 1, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_for_each(m, NULL, seen, 0, 0), -EINVAL);
	bpf_map_destroy(m);
}

TEST(bpf_map_percpu_array_isolation)
{
	struct bpf_map *m = mk_percpu(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, 3, NULL);
	u32 k = 1, v = 0xabcd, all[6], out[6];
	u32 *p0, *p1, *p2;

	CHECK(m);
	CHECK_EQ(bpf_map_user_value_size(m), 24);
	CHECK_EQ(bpf_map_prog_update(m, &k, &v, BPF_ANY, 1), 0);
	p0 = bpf_map_prog_lookup(m, &k, 0);
	p1 = bpf_map_prog_lookup(m, &k, 1);
	p2 = bpf_map_prog_lookup(m, &k, 2);
	CHECK(p0 && p1 && p2 && p0 != p1 && p1 != p2);
	CHECK_EQ(*p0, 0);
	CHECK_EQ(*p1, 0xabcd);
	CHECK_EQ(*p2, 0);
	CHECK(bpf_map_prog_lookup(m, &k, 3) == NULL);
	CHECK_EQ(bpf_map_prog_update(m, &k, &v, BPF_ANY, 3), -EINVAL);
	memset(out, 0xff, sizeof(out));
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, 0), 0);
	CHECK_EQ(out[0], 0);
	CHECK_EQ(out[1], 0); /* padding zeroed */
	CHECK_EQ(out[2], 0xabcd);
	CHECK_EQ(out[3], 0);
	CHECK_EQ(out[4], 0);
	for (int i = 0; i < 6; i++)
		all[i] = 100 + i;
	CHECK_EQ(bpf_map_user_update(m, &k, all, BPF_ANY), 0);
	CHECK_EQ(*p0, 100);
	CHECK_EQ(*p1, 102);
	CHECK_EQ(*p2, 104);
	CHECK_EQ(bpf_map_user_update(m, &k, all, BPF_F_LOCK), -EINVAL);
	bpf_map_destroy(m);
}

static int sum_cb(void *ctx, const void *key, void *value)
{
	*(u64 *)ctx += *(u32 *)value;
	return 0;
}

TEST(bpf_map_percpu_for_each_sees_one_cpu)
{
	struct bpf_map *m = mk_percpu(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 3, 2, NULL);
	u32 v = 5;
	u64 sum0 = 0, sum1 = 0;

	CHECK(m);
	for (u32 k = 0; k < 3; k++)
		CHECK_EQ(bpf_map_prog_update(m, &k, &v, BPF_ANY, 1), 0);
	CHECK_EQ(bpf_map_prog_for_each(m, sum_cb, &sum0, 0, 0), 3);
	CHECK_EQ(bpf_map_prog_for_each(m, sum_cb, &sum1, 0, 1), 3);
	CHECK_EQ(sum0, 0);
	CHECK_EQ(sum1, 15);
	CHECK_EQ(bpf_map_prog_for_each(m, sum_cb, &sum1, 0, 2), -EINVAL);
	bpf_map_destroy(m);
}

/* ---- hash maps ------------------------------------------------------------------------------ */

TEST(bpf_map_hash_update_flags_and_full)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_HASH, 8, 8, 3, 0, NULL);
	u64 k, v, out;

	CHECK(m);
	k = 1, v = 10;
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_EXIST), -ENOENT);
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_NOEXIST), 0);
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_NOEXIST), -EEXIST);
	v = 11;
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_EXIST), 0);
	CHECK_EQ(bpf_map_user_lookup(m, &k, &out, 0), 0);
	CHECK_EQ(out, 11);
	CHECK_EQ(bpf_map_user_update(m, &k, &v, 3), -EINVAL);
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_F_LOCK), -EINVAL);
	CHECK_EQ(bpf_map_prog_update(m, &k, &v, BPF_F_LOCK, 0), -EINVAL);
	k = 2;
	CHECK_EQ(bpf_map_prog_update(m, &k, &v, BPF_ANY, 0), 0);
	k = 3;
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_ANY), 0);
	k = 4;
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_ANY), -E2BIG);
	CHECK_EQ(bpf_map_prog_update(m, &k, &v, BPF_ANY, 0), -E2BIG);
	CHECK_EQ(bpf_map_count(m), 3);
	k = 3, v = 33; /* an existing key still updates in a full map */
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_user_lookup(m, &k, &out, 0), 0);
	CHECK_EQ(out, 33);
	k = 9;
	CHECK_EQ(bpf_map_user_lookup(m, &k, &out, 0), -ENOENT);
	CHECK_EQ(bpf_map_user_delete(m, &k), -ENOENT);
	CHECK_EQ(bpf_map_prog_delete(m, &k), -ENOENT);
	CHECK(bpf_map_prog_lookup(m, &k, 0) == NULL);
	k = 2; /* deleting frees a slot at once (the memory waits, the count does not) */
	CHECK_EQ(bpf_map_prog_delete(m, &k), 0);
	CHECK_EQ(bpf_map_count(m), 2);
	CHECK_EQ(bpf_map_pending_frees(m), 1);
	k = 4;
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_user_update(m, NULL, &v, BPF_ANY), -EINVAL);
	CHECK_EQ(bpf_map_user_delete(m, NULL), -EINVAL);
	v = 44; /* the cpu argument means nothing for a map that is not per-CPU */
	CHECK_EQ(bpf_map_prog_update(m, &k, &v, BPF_EXIST, 1000), 0);
	CHECK(bpf_map_prog_lookup(m, &k, 1000) == bpf_map_prog_lookup(m, &k, 0));
	CHECK_EQ(*(u64 *)bpf_map_prog_lookup(m, &k, 0), 44);
	CHECK_EQ(bpf_map_prog_for_each(m, sum_cb, &out, 0, 1000), 3);
	bpf_map_destroy(m);
}

static void walk_keys(struct bpf_map *m, u64 *keys, int *n)
{
	u64 k, next;
	const u64 *prev = NULL;

	*n = 0;
	while (bpf_map_user_get_next_key(m, prev, &next) == 0) {
		keys[(*n)++] = next;
		k = next;
		prev = &k;
	}
}

TEST(bpf_map_hash_get_next_key_insertion_order)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_HASH, 8, 8, 16, 0, NULL);
	static const u64 ins[] = { 5, 1, 9, 3 };
	u64 keys[16], k, v = 0, next;
	int n;

	CHECK(m);
	CHECK_EQ(bpf_map_user_get_next_key(m, NULL, &next), -ENOENT);
	for (size_t i = 0; i < ARRAY_SIZE(ins); i++)
		CHECK_EQ(bpf_map_user_update(m, &ins[i], &v, BPF_ANY), 0);
	walk_keys(m, keys, &n);
	CHECK_EQ(n, 4);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(keys[i], ins[i]);
	v = 7; /* updating keeps the place */
	CHECK_EQ(bpf_map_user_update(m, &ins[1], &v, BPF_ANY), 0);
	k = 1;
	CHECK_EQ(bpf_map_user_get_next_key(m, &k, &next), 0);
	CHECK_EQ(next, 9);
	CHECK_EQ(bpf_map_user_delete(m, &k), 0);
	walk_keys(m, keys, &n);
	CHECK_EQ(n, 3);
	CHECK_EQ(keys[0], 5);
	CHECK_EQ(keys[1], 9);
	CHECK_EQ(keys[2], 3);
	/* a key that is not there restarts at the first one, as the kernel */
	CHECK_EQ(bpf_map_user_get_next_key(m, &k, &next), 0);
	CHECK_EQ(next, 5);
	k = 3;
	CHECK_EQ(bpf_map_user_get_next_key(m, &k, &next), -ENOENT);
	/* reinserting a deleted key puts it last */
	k = 1;
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_ANY), 0);
	walk_keys(m, keys, &n);
	CHECK_EQ(n, 4);
	CHECK_EQ(keys[3], 1);
	bpf_map_destroy(m);
}

/* Builds a hash map from a sequence of (insert or delete) operations, returns its key walk. */
static int build_and_walk(const u64 *ops, int nops, u64 *keys)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_HASH, 8, 8, 1024, 0, NULL);
	u64 v = 1;
	int n;

	for (int i = 0; i < nops; i++) {
		if (ops[i] & (1ULL << 63))
			bpf_map_user_delete(m, &(u64){ ops[i] & ~(1ULL << 63) });
		else
			bpf_map_user_update(m, &ops[i], &v, BPF_ANY);
		if (i % 7 == 0)
			bpf_map_rcu_sync(m);
	}
	walk_keys(m, keys, &n);
	bpf_map_destroy(m);
	return n;
}

TEST(bpf_map_hash_iteration_is_deterministic)
{
	enum { N = 300 };
	u64 ops[N], shuffled[N], a[N], b[N], c[N], s = 42;
	int na, nb, nc, same = 1;

	for (int i = 0; i < N; i++) {
		ops[i] = rnd_next(&s) % 1000;
		if (i % 5 == 4)
			ops[i] = ops[i - 3] | (1ULL << 63); /* delete an earlier key */
	}
	na = build_and_walk(ops, N, a);
	nb = build_and_walk(ops, N, b);
	CHECK_EQ(na, nb);
	CHECK(na > 100);
	CHECK(!memcmp(a, b, na * sizeof(u64)));
	/* the same final set inserted in another order walks in that other order */
	memcpy(shuffled, a, na * sizeof(u64));
	for (int i = na - 1; i > 0; i--) {
		int j = rnd_next(&s) % (i + 1);
		u64 t = shuffled[i];

		shuffled[i] = shuffled[j];
		shuffled[j] = t;
	}
	nc = build_and_walk(shuffled, na, c);
	CHECK_EQ(nc, na);
	CHECK(!memcmp(c, shuffled, nc * sizeof(u64)));
	for (int i = 0; i < na; i++)
		same &= a[i] == c[i];
	CHECK(!same);
}

TEST(bpf_map_hash_grace_period_defers_free)
{
	struct trk *t = trk_new();
	struct bpf_map *m = mk(BPF_MAP_TYPE_HASH, 8, 16, 8, 0, t);
	u64 ka = 1, kb = 2, v[2] = { 0x1111, 0x2222 };
	u64 *pa, *pb, *pb2;

	CHECK(m);
	CHECK_EQ(t->nlog, 0); /* hash maps start empty: no region */
	CHECK_EQ(bpf_map_user_update(m, &ka, v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_prog_update(m, &kb, v, BPF_ANY, 0), 0);
	pa = bpf_map_prog_lookup(m, &ka, 0);
	pb = bpf_map_prog_lookup(m, &kb, 0);
	CHECK_EQ(t->nlog, 2);
	CHECK(t->log[0].added && t->log[0].ptr == pa && t->log[0].len == 16);
	CHECK(t->log[1].added && t->log[1].ptr == pb);
	/* delete a: the value stays readable and its region stays until the sync */
	CHECK_EQ(bpf_map_prog_delete(m, &ka), 0);
	CHECK_EQ(t->nlog, 2);
	CHECK_EQ(pa[0], 0x1111);
	pa[1] = 5; /* still writable memory (ASan would flag a freed block) */
	CHECK(bpf_map_prog_lookup(m, &ka, 0) == NULL);
	CHECK_EQ(bpf_map_pending_frees(m), 1);
	/* delete and recreate b in the same grace period: a new element */
	CHECK_EQ(bpf_map_user_delete(m, &kb), 0);
	CHECK_EQ(bpf_map_user_update(m, &kb, v, BPF_NOEXIST), 0);
	pb2 = bpf_map_prog_lookup(m, &kb, 0);
	CHECK(pb2 && pb2 != pb);
	CHECK_EQ(t->nlog, 3);
	CHECK(t->log[2].added && t->log[2].ptr == pb2);
	CHECK_EQ(bpf_map_rcu_sync(m), 0);
	CHECK_EQ(t->nlog, 5); /* a then the old b, in deletion order */
	CHECK(!t->log[3].added && t->log[3].ptr == pa);
	CHECK(!t->log[4].added && t->log[4].ptr == pb);
	CHECK_EQ(bpf_map_pending_frees(m), 0);
	CHECK_EQ(bpf_map_rcu_sync(m), 0);
	CHECK_EQ(t->nlog, 5);
	bpf_map_destroy(m);
	CHECK_EQ(t->nlog, 6);
	CHECK(!t->log[5].added && t->log[5].ptr == pb2);
	CHECK_EQ(t->nlive, 0);
	CHECK_EQ(t->errors, 0);
	free(t);
}

TEST(bpf_map_hash_destroy_reports_pending_then_live)
{
	struct trk *t = trk_new();
	struct bpf_map *m = mk(BPF_MAP_TYPE_HASH, 4, 4, 8, 0, t);
	u32 v = 0;
	void *p[3];

	CHECK(m);
	for (u32 k = 0; k < 3; k++) {
		CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_ANY), 0);
		p[k] = bpf_map_prog_lookup(m, &k, 0);
	}
	CHECK_EQ(bpf_map_user_delete(m, &(u32){ 1 }), 0);
	bpf_map_destroy(m);
	CHECK_EQ(t->nlog, 6);
	CHECK(!t->log[3].added && t->log[3].ptr == p[1]);
	CHECK(t->log[4].ptr == p[0] && t->log[5].ptr == p[2]);
	CHECK_EQ(t->nlive, 0);
	CHECK_EQ(t->errors, 0);
	free(t);
}

TEST(bpf_map_hash_lookup_and_delete)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 4, 0, NULL);
	u32 k = 3;
	u64 v = 99, out = 0;

	CHECK(m);
	CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, &k, &out, 2), -EINVAL);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, &k, &out, BPF_F_LOCK), -EINVAL);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, &k, &out, 0), 0);
	CHECK_EQ(out, 99);
	CHECK_EQ(bpf_map_count(m), 0);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, &k, &out, 0), -ENOENT);
	CHECK_EQ(bpf_map_user_lookup(m, &k, &out, 0), -ENOENT);
	bpf_map_destroy(m);
}

struct edit_ctx {
	struct bpf_map *m;
	u64 seen[64];
	int n;
};

/* Visits keys; at key 2 deletes itself and key 3, inserts key 100 and tries a sync. */
static int edit_cb(void *ctx, const void *key, void *value)
{
	struct edit_ctx *c = ctx;
	u64 k = get_u64(key), v = 0;

	c->seen[c->n++] = k;
	if (k == 2) {
		bpf_map_prog_delete(c->m, &k);
		bpf_map_prog_delete(c->m, &(u64){ 3 });
		bpf_map_prog_update(c->m, &(u64){ 100 }, &v, BPF_ANY, 0);
		if (bpf_map_rcu_sync(c->m) != -EBUSY)
			c->seen[c->n++] = 999;
	}
	return 0;
}

TEST(bpf_map_hash_for_each_survives_edits)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_HASH, 8, 8, 16, 0, NULL);
	struct edit_ctx c = { .m = m };
	u64 v = 0, keys[16];
	int n;

	CHECK(m);
	for (u64 k = 1; k <= 5; k++)
		CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_prog_for_each(m, edit_cb, &c, 0, 0), 4);
	CHECK_EQ(c.n, 4);
	CHECK_EQ(c.seen[0], 1);
	CHECK_EQ(c.seen[1], 2);
	CHECK_EQ(c.seen[2], 4); /* 3 was deleted, 100 was added during the walk */
	CHECK_EQ(c.seen[3], 5);
	CHECK_EQ(bpf_map_pending_frees(m), 2);
	CHECK_EQ(bpf_map_rcu_sync(m), 0);
	walk_keys(m, keys, &n);
	CHECK_EQ(n, 4);
	CHECK_EQ(keys[3], 100);
	bpf_map_destroy(m);
}

static int stop_at_cb(void *ctx, const void *key, void *value)
{
	return get_u64(key) == *(u64 *)ctx;
}

TEST(bpf_map_hash_for_each_stops)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_HASH, 8, 8, 16, 0, NULL);
	u64 v = 0, stop = 30;

	CHECK(m);
	CHECK_EQ(bpf_map_prog_for_each(m, stop_at_cb, &stop, 0, 0), 0);
	for (u64 k = 10; k <= 50; k += 10)
		CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_prog_for_each(m, stop_at_cb, &stop, 0, 0), 3);
	stop = 0;
	CHECK_EQ(bpf_map_prog_for_each(m, stop_at_cb, &stop, 0, 0), 5);
	bpf_map_destroy(m);
}

TEST(bpf_map_hash_grows_and_stays_correct)
{
	enum { N = 20000 };
	struct bpf_map *m = mk(BPF_MAP_TYPE_HASH, 4, 4, N, BPF_F_NO_PREALLOC, NULL);
	u32 out, next, prev;
	int n = 0;

	CHECK(m);
	for (u32 k = 0; k < N; k++) {
		u32 v = k * 3;

		CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_NOEXIST), 0);
	}
	CHECK_EQ(bpf_map_count(m), N);
	CHECK_EQ(bpf_map_user_update(m, &(u32){ N }, &out, BPF_ANY), -E2BIG);
	for (u32 k = 0; k < N; k++) {
		CHECK_EQ(bpf_map_user_lookup(m, &k, &out, 0), 0);
		CHECK_EQ(out, k * 3);
	}
	for (u32 k = 0; k < N; k += 2)
		CHECK_EQ(bpf_map_user_delete(m, &k), 0);
	CHECK_EQ(bpf_map_rcu_sync(m), 0);
	CHECK_EQ(bpf_map_user_get_next_key(m, NULL, &next), 0);
	do {
		CHECK_EQ(next, 2 * n + 1);
		n++;
		prev = next;
	} while (bpf_map_user_get_next_key(m, &prev, &next) == 0);
	CHECK_EQ(n, N / 2);
	bpf_map_destroy(m);
}

TEST(bpf_map_percpu_hash_isolation)
{
	struct bpf_map *m = mk_percpu(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, 4, NULL);
	u32 k = 7;
	u64 v = 5, all[4] = { 1, 2, 3, 4 }, out[4];
	u64 *p;

	CHECK(m);
	CHECK_EQ(bpf_map_prog_update(m, &k, &v, BPF_ANY, 2), 0);
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, 0), 0);
	CHECK_EQ(out[0], 0);
	CHECK_EQ(out[1], 0);
	CHECK_EQ(out[2], 5);
	CHECK_EQ(out[3], 0);
	v = 6; /* an existing element: only CPU 0 changes */
	CHECK_EQ(bpf_map_prog_update(m, &k, &v, BPF_EXIST, 0), 0);
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, 0), 0);
	CHECK_EQ(out[0], 6);
	CHECK_EQ(out[2], 5);
	CHECK_EQ(bpf_map_user_update(m, &k, all, BPF_ANY), 0);
	p = bpf_map_prog_lookup(m, &k, 3);
	CHECK(p && *p == 4);
	CHECK(bpf_map_prog_lookup(m, &k, 4) == NULL);
	CHECK_EQ(bpf_map_prog_update(m, &k, &v, BPF_ANY, 4), -EINVAL);
	CHECK_EQ(bpf_map_user_update(m, &k, all, BPF_F_LOCK), -EINVAL);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, &k, out, 0), 0);
	CHECK_EQ(out[3], 4);
	CHECK_EQ(bpf_map_count(m), 0);
	bpf_map_destroy(m);
}

/* ---- LRU ------------------------------------------------------------------------------------ */

static bool has_key(struct bpf_map *m, u64 k)
{
	u64 out[8];

	return bpf_map_user_lookup(m, &k, out, 0) == 0;
}

TEST(bpf_map_lru_evicts_least_recently_used)
{
	struct trk *t = trk_new();
	struct bpf_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 8, 8, 3, 0, t);
	u64 v = 0;
	u64 *p2;

	CHECK(m);
	for (u64 k = 1; k <= 3; k++)
		CHECK_EQ(bpf_map_user_update(m, &k, &v, BPF_ANY), 0);
	CHECK(bpf_map_prog_lookup(m, &(u64){ 1 }, 0)); /* recency: 1, 3, 2 */
	p2 = bpf_map_prog_lookup(m, &(u64){ 2 }, 0);  /* recency: 2, 1, 3 */
	CHECK(has_key(m, 3)); /* a user-space lookup does not count as a use */
	CHECK_EQ(bpf_map_user_update(m, &(u64){ 4 }, &v, BPF_ANY), 0); /* evicts 3 */
	CHECK(!has_key(m, 3));
	CHECK(has_key(m, 1) && has_key(m, 2) && has_key(m, 4));
	CHECK_EQ(bpf_map_count(m), 3);
	CHECK_EQ(bpf_map_pending_frees(m), 1);
	/* an update of an existing key counts as a use: recency 1, 4, 2 */
	CHECK_EQ(bpf_map_user_update(m, &(u64){ 1 }, &v, BPF_EXIST), 0);
	*p2 = 42;
	CHECK_EQ(bpf_map_prog_update(m, &(u64){ 5 }, &v, BPF_ANY, 0), 0); /* evicts 2 */
	CHECK(!has_key(m, 2));
	CHECK_EQ(*p2, 42); /* evicted, but not freed before the grace period ends */
	CHECK_EQ(bpf_map_user_update(m, &(u64){ 6 }, &v, BPF_ANY), 0); /* evicts 4 */
	CHECK(has_key(m, 1) && has_key(m, 5) && has_key(m, 6) && !has_key(m, 4));
	CHECK_EQ(bpf_map_pending_frees(m), 3);
	CHECK_EQ(bpf_map_rcu_sync(m), 0);
	CHECK_EQ(t->nlive, 3);
	bpf_map_destroy(m);
	CHECK_EQ(t->nlive, 0);
	CHECK_EQ(t->errors, 0);
	free(t);
}

TEST(bpf_map_lru_failed_update_does_not_evict)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 8, 8, 2, 0, NULL);
	u64 v = 0;

	CHECK(m);
	CHECK_EQ(bpf_map_user_update(m, &(u64){ 1 }, &v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_user_update(m, &(u64){ 2 }, &v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_user_update(m, &(u64){ 1 }, &v, BPF_NOEXIST), -EEXIST);
	CHECK_EQ(bpf_map_user_update(m, &(u64){ 3 }, &v, BPF_EXIST), -ENOENT);
	CHECK_EQ(bpf_map_user_update(m, &(u64){ 1 }, &v, 4), -EINVAL);
	CHECK(has_key(m, 1) && has_key(m, 2));
	CHECK_EQ(bpf_map_pending_frees(m), 0);
	CHECK_EQ(bpf_map_user_delete(m, &(u64){ 1 }), 0);
	CHECK_EQ(bpf_map_user_update(m, &(u64){ 3 }, &v, BPF_NOEXIST), 0); /* room: no eviction */
	CHECK(has_key(m, 2) && has_key(m, 3));
	bpf_map_destroy(m);
}

TEST(bpf_map_lru_percpu)
{
	struct bpf_map *m = mk_percpu(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 4, 2, 2, NULL);
	u32 v = 9, out[4];

	CHECK(m);
	CHECK_EQ(bpf_map_prog_update(m, &(u32){ 1 }, &v, BPF_ANY, 1), 0);
	CHECK_EQ(bpf_map_prog_update(m, &(u32){ 2 }, &v, BPF_ANY, 0), 0);
	CHECK(bpf_map_prog_lookup(m, &(u32){ 1 }, 0));
	CHECK_EQ(bpf_map_prog_update(m, &(u32){ 3 }, &v, BPF_ANY, 0), 0); /* evicts 2 */
	CHECK_EQ(bpf_map_user_lookup(m, &(u32){ 2 }, out, 0), -ENOENT);
	CHECK_EQ(bpf_map_user_lookup(m, &(u32){ 1 }, out, 0), 0);
	CHECK_EQ(out[0], 0);
	CHECK_EQ(out[2], 9);
	bpf_map_destroy(m);
}

/* ---- spin lock, access flags ---------------------------------------------------------------- */

TEST(bpf_map_spin_lock_word_is_preserved_and_checked)
{
	struct bpf_map *m = mk_locked(BPF_MAP_TYPE_HASH, 4, 16, 4, 0, 4);
	u32 k = 1, v[4] = { 10, 0x77, 30, 40 }, out[4];
	u32 *p;

	CHECK(m);
	CHECK_EQ(bpf_map_user_update(m, &k, v, BPF_ANY), 0);
	p = bpf_map_prog_lookup(m, &k, 0);
	CHECK_EQ(p[0], 10);
	CHECK_EQ(p[1], 0); /* the lock word is never copied in */
	p[1] = 1;          /* BPF holds the lock */
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, 0), 0);
	CHECK_EQ(out[1], 0); /* and never copied out */
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, BPF_F_LOCK), -EDEADLK);
	CHECK_EQ(bpf_map_user_update(m, &k, v, BPF_F_LOCK), -EDEADLK);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, &k, out, BPF_F_LOCK), -EDEADLK);
	v[0] = 11;
	CHECK_EQ(bpf_map_user_update(m, &k, v, BPF_ANY), 0);
	CHECK_EQ(p[0], 11);
	CHECK_EQ(p[1], 1);
	p[1] = 0;
	v[0] = 12;
	CHECK_EQ(bpf_map_user_update(m, &k, v, BPF_EXIST | BPF_F_LOCK), 0);
	CHECK_EQ(bpf_map_prog_update(m, &k, v, BPF_NOEXIST | BPF_F_LOCK, 0), -EEXIST);
	CHECK_EQ(bpf_map_user_update(m, &(u32){ 2 }, v, BPF_EXIST | BPF_F_LOCK), -ENOENT);
	CHECK_EQ(bpf_map_user_update(m, &(u32){ 2 }, v, BPF_F_LOCK), 0);
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, BPF_F_LOCK), 0);
	CHECK_EQ(out[0], 12);
	CHECK_EQ(bpf_map_user_lookup(m, &k, out, BPF_F_LOCK | 8), -EINVAL);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, &k, out, BPF_F_LOCK), 0);
	CHECK_EQ(out[3], 40);
	bpf_map_destroy(m);

	m = mk_locked(BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0);
	CHECK(m);
	p = bpf_map_prog_lookup(m, &(u32){ 1 }, 0);
	p[0] = 1;
	CHECK_EQ(bpf_map_prog_update(m, &(u32){ 1 }, v, BPF_F_LOCK, 0), -EDEADLK);
	CHECK_EQ(bpf_map_prog_update(m, &(u32){ 1 }, v, BPF_ANY, 0), 0);
	CHECK_EQ(p[0], 1);
	CHECK_EQ(p[1], v[1]);
	p[0] = 0;
	CHECK_EQ(bpf_map_user_update(m, &(u32){ 1 }, v, BPF_F_LOCK), 0);
	CHECK_EQ(bpf_map_user_update(m, &(u32){ 1 }, v, BPF_F_LOCK | BPF_NOEXIST), -EEXIST);
	bpf_map_destroy(m);
}

TEST(bpf_map_access_flags)
{
	struct bpf_map *ro = mk(BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_RDONLY, NULL);
	struct bpf_map *wo = mk(BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_WRONLY, NULL);
	struct bpf_map *rp = mk(BPF_MAP_TYPE_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG, NULL);
	struct bpf_map *q = mk(BPF_MAP_TYPE_QUEUE, 0, 4, 4, BPF_F_RDONLY_PROG, NULL);
	u32 k = 1, v = 2, n;

	CHECK(ro && wo && rp && q);
	CHECK_EQ(bpf_map_user_update(ro, &k, &v, BPF_ANY), -EPERM);
	CHECK_EQ(bpf_map_user_delete(ro, &k), -EPERM);
	CHECK_EQ(bpf_map_user_lookup(ro, &k, &v, 0), -ENOENT);
	CHECK_EQ(bpf_map_user_lookup_and_delete(ro, &k, &v, 0), -EPERM);
	CHECK_EQ(bpf_map_prog_update(ro, &k, &v, BPF_ANY, 0), 0); /* BPF may still write */
	CHECK_EQ(bpf_map_user_lookup(ro, &k, &v, 0), 0);
	CHECK_EQ(bpf_map_user_update(wo, &k, &v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_user_lookup(wo, &k, &v, 0), -EPERM);
	CHECK_EQ(bpf_map_user_get_next_key(wo, NULL, &n), -EPERM);
	CHECK_EQ(bpf_map_user_lookup_and_delete(wo, &k, &v, 0), -EPERM);
	CHECK(bpf_map_prog_lookup(wo, &k, 0) != NULL);
	CHECK_EQ(bpf_map_prog_update(rp, &k, &v, BPF_ANY, 0), -EACCES);
	CHECK_EQ(bpf_map_prog_delete(rp, &k), -EACCES);
	CHECK(bpf_map_prog_lookup(rp, &k, 0) != NULL);
	CHECK_EQ(bpf_map_user_update(rp, &k, &v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_prog_push(q, &v, 0), -EACCES);
	CHECK_EQ(bpf_map_prog_pop(q, &v), -EACCES);
	CHECK_EQ(bpf_map_user_push(q, &v, 0), 0);
	CHECK_EQ(bpf_map_prog_peek(q, &n), 0);
	CHECK_EQ(n, v);
	bpf_map_destroy(ro);
	bpf_map_destroy(wo);
	bpf_map_destroy(rp);
	bpf_map_destroy(q);
}

/* ---- queue / stack -------------------------------------------------------------------------- */

TEST(bpf_map_queue_semantics)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_QUEUE, 0, 4, 3, 0, NULL);
	struct bpf_map *h = mk(BPF_MAP_TYPE_HASH, 4, 4, 3, 0, NULL);
	u32 v, out = 0xffff;

	CHECK(m && h);
	CHECK_EQ(bpf_map_prog_pop(m, &out), -ENOENT);
	CHECK_EQ(out, 0); /* zeroed when empty */
	out = 0xffff;
	CHECK_EQ(bpf_map_prog_peek(m, &out), -ENOENT);
	CHECK_EQ(out, 0);
	for (v = 1; v <= 3; v++)
		CHECK_EQ(bpf_map_prog_push(m, &v, BPF_ANY), 0);
	CHECK_EQ(bpf_map_prog_push(m, &v, BPF_ANY), -E2BIG);
	CHECK_EQ(bpf_map_prog_push(m, &v, BPF_NOEXIST), -EINVAL);
	CHECK_EQ(bpf_map_prog_push(m, &v, 4), -EINVAL);
	CHECK_EQ(bpf_map_count(m), 3);
	v = 4;
	CHECK_EQ(bpf_map_prog_push(m, &v, BPF_EXIST), 0); /* drops 1, the oldest */
	CHECK_EQ(bpf_map_prog_peek(m, &out), 0);
	CHECK_EQ(out, 2);
	CHECK_EQ(bpf_map_user_lookup(m, NULL, &out, 0), 0); /* user lookup is peek */
	CHECK_EQ(out, 2);
	CHECK_EQ(bpf_map_prog_pop(m, &out), 0);
	CHECK_EQ(out, 2);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, NULL, &out, 0), 0);
	CHECK_EQ(out, 3);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, NULL, &out, BPF_F_LOCK), -EINVAL);
	v = 5;
	CHECK_EQ(bpf_map_user_update(m, NULL, &v, BPF_ANY), 0); /* user update is push */
	CHECK_EQ(bpf_map_user_pop(m, &out), 0);
	CHECK_EQ(out, 4);
	CHECK_EQ(bpf_map_user_peek(m, &out), 0);
	CHECK_EQ(out, 5);
	CHECK_EQ(bpf_map_user_push(m, &v, BPF_NOEXIST), -EINVAL);
	CHECK_EQ(bpf_map_user_delete(m, NULL), -EINVAL);
	CHECK_EQ(bpf_map_user_get_next_key(m, NULL, &out), -EINVAL);
	CHECK_EQ(bpf_map_prog_update(m, &v, &v, BPF_ANY, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_delete(m, &v), -EINVAL);
	CHECK(bpf_map_prog_lookup(m, &v, 0) == NULL);
	CHECK_EQ(bpf_map_prog_for_each(m, sum_cb, &out, 0, 0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_push(h, &v, 0), -EINVAL);
	CHECK_EQ(bpf_map_user_pop(h, &v), -EINVAL);
	CHECK_EQ(bpf_map_user_peek(h, &v), -EINVAL);
	CHECK_EQ(bpf_map_prog_push(h, &v, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_pop(h, &v), -EINVAL);
	CHECK_EQ(bpf_map_prog_peek(h, &v), -EINVAL);
	bpf_map_destroy(m);
	bpf_map_destroy(h);
}

TEST(bpf_map_stack_semantics)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_STACK, 0, 8, 3, 0, NULL);
	u64 v, out;

	CHECK(m);
	for (v = 1; v <= 3; v++)
		CHECK_EQ(bpf_map_prog_push(m, &v, 0), 0);
	CHECK_EQ(bpf_map_prog_push(m, &v, 0), -E2BIG);
	v = 4;
	CHECK_EQ(bpf_map_prog_push(m, &v, BPF_EXIST), 0); /* the bottom (1) goes */
	CHECK_EQ(bpf_map_prog_peek(m, &out), 0);
	CHECK_EQ(out, 4);
	for (u64 want = 4; want >= 2; want--) {
		CHECK_EQ(bpf_map_prog_pop(m, &out), 0);
		CHECK_EQ(out, want);
	}
	CHECK_EQ(bpf_map_prog_pop(m, &out), -ENOENT);
	CHECK_EQ(bpf_map_count(m), 0);
	bpf_map_destroy(m);
}

/* ---- ring buffer ---------------------------------------------------------------------------- */

struct rec_log {
	u32 n;
	u32 size[64];
	u8 first[64];
	int stop_at;   /* return -5 at this record (1-based), 0 never */
	int ret;       /* value returned otherwise */
};

static int rec_cb(void *ctx, void *data, u32 size)
{
	struct rec_log *l = ctx;

	if (l->n < 64) {
		l->size[l->n] = size;
		l->first[l->n] = size ? *(u8 *)data : 0;
	}
	l->n++;
	if (l->stop_at && (int)l->n == l->stop_at)
		return -5;
	return l->ret;
}

TEST(bpf_map_ringbuf_reserve_submit_discard_consume)
{
	struct trk *t = trk_new();
	struct bpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, t);
	struct rec_log log = { 0 };
	u8 *a, *b, *c, buf[5] = { 9, 9, 9, 9, 9 };

	CHECK(m);
	CHECK_EQ(t->nlog, 0);
	CHECK(bpf_map_prog_ringbuf_reserve(m, 8, 1) == NULL);
	a = bpf_map_prog_ringbuf_reserve(m, 10, 0);
	b = bpf_map_prog_ringbuf_reserve(m, 3, 0);
	c = bpf_map_prog_ringbuf_reserve(m, 0, 0);
	CHECK(a && b && c);
	CHECK_EQ((uintptr_t)a % 8, 0);
	CHECK_EQ(b - a, 24); /* 8-byte header + 10 rounded to 16 */
	CHECK_EQ(c - b, 16);
	CHECK_EQ(t->nlog, 2); /* a zero-sized record has no region */
	CHECK(t->log[0].ptr == a && t->log[0].len == 10);
	CHECK_EQ(bpf_map_prog_ringbuf_query(m, BPF_RB_PROD_POS), 48);
	CHECK_EQ(bpf_map_prog_ringbuf_query(m, BPF_RB_AVAIL_DATA), 48);
	CHECK_EQ(bpf_map_prog_ringbuf_query(m, BPF_RB_RING_SIZE), 4096);
	CHECK_EQ(bpf_map_prog_ringbuf_query(m, BPF_RB_CONS_POS), 0);
	CHECK_EQ(bpf_map_prog_ringbuf_query(m, 17), 0);
	a[0] = 1;
	b[0] = 2;
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), 0); /* a still reserved */
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, a, 0), 0);
	CHECK_EQ(bpf_map_prog_ringbuf_discard(m, b, 0), 0);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, c, BPF_RB_NO_WAKEUP), 0);
	CHECK_EQ(bpf_map_prog_ringbuf_output(m, buf, sizeof(buf), 0), 0);
	CHECK_EQ(bpf_map_prog_ringbuf_output(m, buf, sizeof(buf), 4), -EINVAL);
	CHECK_EQ(t->nlive, 0);
	CHECK_EQ(bpf_map_count(m), 64);
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), 3);
	CHECK_EQ(log.n, 3);
	CHECK_EQ(log.size[0], 10);
	CHECK_EQ(log.first[0], 1);
	CHECK_EQ(log.size[1], 0); /* the discarded record was skipped */
	CHECK_EQ(log.size[2], 5);
	CHECK_EQ(log.first[2], 9);
	CHECK_EQ(bpf_map_prog_ringbuf_query(m, BPF_RB_CONS_POS), 64);
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), 0);
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, NULL, &log, 0), -EINVAL);
	bpf_map_destroy(m);
	CHECK_EQ(t->errors, 0);
	free(t);
}

TEST(bpf_map_ringbuf_submit_only_outstanding)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, NULL);
	struct bpf_map *h = mk(BPF_MAP_TYPE_HASH, 4, 4, 4, 0, NULL);
	u8 *a, stack[16];

	CHECK(m && h);
	a = bpf_map_prog_ringbuf_reserve(m, 32, 0);
	CHECK(a);
	CHECK(bpf_map_ringbuf_owns(m, a));
	CHECK(!bpf_map_ringbuf_owns(m, a + 8));
	CHECK(!bpf_map_ringbuf_owns(h, a));
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, a + 8, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, stack, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, a - 8, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(h, a, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, a, 0), 0);
	CHECK(!bpf_map_ringbuf_owns(m, a));
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, a, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_ringbuf_discard(m, a, 0), -EINVAL);
	CHECK(bpf_map_prog_ringbuf_reserve(h, 8, 0) == NULL);
	CHECK_EQ(bpf_map_prog_ringbuf_output(h, stack, 8, 0), -EINVAL);
	CHECK_EQ(bpf_map_user_lookup(m, &(u32){ 0 }, stack, 0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_update(m, &(u32){ 0 }, stack, 0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_get_next_key(m, NULL, stack), -EOPNOTSUPP);
	CHECK(bpf_map_prog_lookup(m, stack, 0) == NULL);
	CHECK_EQ(bpf_map_prog_delete(m, stack), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_delete(m, stack), -EOPNOTSUPP);
	bpf_map_destroy(m);
	bpf_map_destroy(h);
}

TEST(bpf_map_ringbuf_capacity_and_full)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, NULL);
	u8 *a, *b, buf[64] = { 0 };
	struct rec_log log = { 0 };

	CHECK(m);
	/* the producer stays < size bytes ahead: at most 4096 - 8 - 8 bytes of payload */
	CHECK(bpf_map_prog_ringbuf_reserve(m, 4081, 0) == NULL);
	CHECK(bpf_map_prog_ringbuf_reserve(m, 5000, 0) == NULL);
	CHECK(bpf_map_prog_ringbuf_reserve(m, 1ULL << 40, 0) == NULL);
	a = bpf_map_prog_ringbuf_reserve(m, 4080, 0);
	CHECK(a);
	CHECK(bpf_map_prog_ringbuf_reserve(m, 0, 0) == NULL);
	CHECK_EQ(bpf_map_prog_ringbuf_output(m, buf, 1, 0), -EAGAIN);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, a, 0), 0);
	CHECK(bpf_map_prog_ringbuf_reserve(m, 0, 0) == NULL); /* not consumed yet */
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), 1);
	CHECK_EQ(log.size[0], 4080);
	/* an unconsumed reserved record holds back the producer (and so does the oldest
	 * uncommitted one, the kernel's pending position: the consumer cannot pass it here) */
	a = bpf_map_prog_ringbuf_reserve(m, 2000, 0);
	b = bpf_map_prog_ringbuf_reserve(m, 2040, 0);
	CHECK(a && b);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, b, 0), 0);
	CHECK(bpf_map_prog_ringbuf_reserve(m, 64, 0) == NULL);
	CHECK_EQ(bpf_map_prog_ringbuf_discard(m, a, 0), 0);
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), 1);
	CHECK(bpf_map_prog_ringbuf_reserve(m, 64, 0) != NULL);
	bpf_map_destroy(m); /* with a reservation outstanding */
}

TEST(bpf_map_ringbuf_wraps_around_contiguously)
{
	struct trk *t = trk_new();
	struct bpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, t);
	struct rec_log log = { 0 };
	u32 crossed = 0;

	CHECK(m);
	for (u32 i = 0; i < 200; i++) {
		u32 size = 100 + (i * 37) % 900;
		u8 *r = bpf_map_prog_ringbuf_reserve(m, size, 0);
		u64 pos = bpf_map_prog_ringbuf_query(m, BPF_RB_PROD_POS);

		CHECK(r);
		memset(r, (u8)i, size);
		if ((pos - 1) / 4096 != (pos - size - 8) / 4096)
			crossed++;
		if (i % 3 == 2)
			CHECK_EQ(bpf_map_prog_ringbuf_discard(m, r, 0), 0);
		else
			CHECK_EQ(bpf_map_prog_ringbuf_submit(m, r, 0), 0);
		log.n = 0;
		CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), i % 3 == 2 ? 0 : 1);
		if (i % 3 != 2) {
			CHECK_EQ(log.size[0], size);
			CHECK_EQ(log.first[0], (u8)i);
		}
	}
	CHECK(crossed > 5);
	CHECK(bpf_map_prog_ringbuf_query(m, BPF_RB_CONS_POS) > 20 * 4096);
	bpf_map_destroy(m);
	CHECK_EQ(t->errors, 0);
	CHECK_EQ(t->nlive, 0);
	free(t);
}

struct check_ctx {
	u32 n;
	int bad;
};

/* Records carry their length in every byte: a torn or misplaced record shows. */
static int check_cb(void *ctx, void *data, u32 size)
{
	struct check_ctx *c = ctx;

	for (u32 i = 0; i < size; i++)
		if (((u8 *)data)[i] != (u8)size)
			c->bad++;
	c->n++;
	return 0;
}

TEST(bpf_map_ringbuf_crossing_record_bytes_intact)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 8192, 0, NULL);
	struct check_ctx c = { 0 };
	u64 s = 7;

	CHECK(m);
	for (int i = 0; i < 2000; i++) {
		u32 size = 1 + rnd_next(&s) % 3000;
		u8 *r = bpf_map_prog_ringbuf_reserve(m, size, 0);

		if (!r) {
			bpf_map_user_ringbuf_consume(m, check_cb, &c, 0);
			r = bpf_map_prog_ringbuf_reserve(m, size, 0);
		}
		CHECK(r);
		memset(r, (u8)size, size);
		CHECK_EQ(bpf_map_prog_ringbuf_submit(m, r, 0), 0);
	}
	bpf_map_user_ringbuf_consume(m, check_cb, &c, 0);
	CHECK_EQ(c.n, 2000);
	CHECK_EQ(c.bad, 0);
	bpf_map_destroy(m);
}

TEST(bpf_map_ringbuf_out_of_order_commit)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, NULL);
	struct rec_log log = { 0 };
	u8 *a, *b;

	CHECK(m);
	a = bpf_map_prog_ringbuf_reserve(m, 8, 0);
	b = bpf_map_prog_ringbuf_reserve(m, 16, 0);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, b, 0), 0);
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), 0);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, a, 0), 0);
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), 2);
	CHECK_EQ(log.size[0], 8);
	CHECK_EQ(log.size[1], 16);
	bpf_map_destroy(m);
}

TEST(bpf_map_ringbuf_consume_limit_and_error)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, NULL);
	struct rec_log log = { .stop_at = 2 };
	u8 d = 1;

	CHECK(m);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(bpf_map_prog_ringbuf_output(m, &d, 1, 0), 0);
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), -5);
	CHECK_EQ(log.n, 2);
	log.stop_at = 0;
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 2), 2); /* the failed one is gone */
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), 1);
	CHECK_EQ(log.n, 5);
	bpf_map_destroy(m);
}

TEST(bpf_map_ringbuf_wakeups)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, NULL);
	struct rec_log log = { 0 };
	u8 *a, *b, d = 0;

	CHECK(m);
	a = bpf_map_prog_ringbuf_reserve(m, 8, 0);
	b = bpf_map_prog_ringbuf_reserve(m, 8, 0);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, b, 0), 0); /* consumer waits on a, not b */
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 0);
	CHECK_EQ(bpf_map_prog_ringbuf_submit(m, a, BPF_RB_NO_WAKEUP), 0);
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 0);
	CHECK_EQ(bpf_map_prog_ringbuf_output(m, &d, 1, BPF_RB_FORCE_WAKEUP), 0);
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 1);
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &log, 0), 3);
	CHECK_EQ(bpf_map_prog_ringbuf_output(m, &d, 1, 0), 0); /* consumer caught up */
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 2);
	CHECK_EQ(bpf_map_prog_ringbuf_output(m, &d, 1, 0), 0); /* behind the previous one */
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 2);
	bpf_map_destroy(m);
}

/* ---- user ring buffer ----------------------------------------------------------------------- */

struct drain_ctx {
	struct bpf_map *m;
	u32 n;
	u32 sizes[32];
	u8 first[32];
	u32 stop_at; /* return 1 at this sample (1-based) */
	int nested;  /* result of a drain from inside the callback */
};

static int drain_cb(void *ctx, void *data, u32 size)
{
	struct drain_ctx *c = ctx;

	c->sizes[c->n] = size;
	c->first[c->n] = size ? *(u8 *)data : 0;
	c->n++;
	c->nested = (int)bpf_map_prog_user_ringbuf_drain(c->m, drain_cb, c, 0);
	return c->n == c->stop_at;
}

static void *ur_put(struct bpf_map *m, u32 size, u8 fill, bool submit)
{
	void *p = NULL;

	if (bpf_map_user_ringbuf_reserve(m, size, &p))
		return NULL;
	memset(p, fill, size);
	if (submit)
		bpf_map_user_ringbuf_submit(m, p);
	return p;
}

TEST(bpf_map_user_ringbuf_produce_and_drain)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096, 0, NULL);
	struct drain_ctx c = { .m = m };
	void *p, *busy;

	CHECK(m);
	CHECK_EQ(bpf_map_prog_user_ringbuf_drain(m, drain_cb, &c, 0), 0);
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 0);
	CHECK(ur_put(m, 5, 1, true));
	p = ur_put(m, 7, 2, false);
	CHECK_EQ(bpf_map_user_ringbuf_discard(m, p), 0);
	CHECK(ur_put(m, 0, 0, true));
	CHECK(ur_put(m, 9, 3, true));
	busy = ur_put(m, 4, 4, false);
	CHECK(ur_put(m, 4, 5, true));
	CHECK_EQ(bpf_map_prog_user_ringbuf_drain(m, drain_cb, &c, 4), -EINVAL);
	CHECK_EQ(bpf_map_prog_user_ringbuf_drain(m, drain_cb, &c, 0), 3);
	CHECK_EQ(c.n, 3);
	CHECK_EQ(c.nested, -EBUSY);
	CHECK_EQ(c.sizes[0], 5);
	CHECK_EQ(c.first[0], 1);
	CHECK_EQ(c.sizes[1], 0);
	CHECK_EQ(c.sizes[2], 9);
	CHECK_EQ(c.first[2], 3);
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 1);
	CHECK_EQ(bpf_map_user_ringbuf_submit(m, busy), 0);
	CHECK_EQ(bpf_map_user_ringbuf_submit(m, busy), -EINVAL);
	c.stop_at = 4; /* stop at the first of the two left: it counts */
	CHECK_EQ(bpf_map_prog_user_ringbuf_drain(m, drain_cb, &c, BPF_RB_NO_WAKEUP), 1);
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 1);
	CHECK_EQ(bpf_map_prog_user_ringbuf_drain(m, drain_cb, &c, BPF_RB_FORCE_WAKEUP), 1);
	CHECK_EQ(c.first[4], 5);
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 2);
	CHECK_EQ(bpf_map_prog_user_ringbuf_drain(m, drain_cb, &c, BPF_RB_FORCE_WAKEUP), 0);
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 3);
	CHECK_EQ(bpf_map_count(m), 0);
	bpf_map_destroy(m);
}

TEST(bpf_map_user_ringbuf_space_errors)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096, 0, NULL);
	struct bpf_map *rb = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, NULL);
	struct drain_ctx c = { .m = m };
	void *p = (void *)1, *q;
	u8 x;

	CHECK(m && rb);
	CHECK_EQ(bpf_map_user_ringbuf_reserve(m, 4089, &p), -E2BIG);
	CHECK(p == NULL);
	CHECK_EQ(bpf_map_user_ringbuf_reserve(m, BPF_RINGBUF_BUSY_BIT | 8, &p), -E2BIG);
	CHECK_EQ(bpf_map_user_ringbuf_reserve(m, 4088, &p), 0); /* user space may fill it all */
	CHECK_EQ(bpf_map_user_ringbuf_reserve(m, 0, &q), -ENOSPC);
	CHECK_EQ(bpf_map_user_ringbuf_submit(m, &x), -EINVAL);
	CHECK_EQ(bpf_map_user_ringbuf_submit(m, p), 0);
	CHECK_EQ(bpf_map_prog_user_ringbuf_drain(m, drain_cb, &c, 0), 1);
	CHECK_EQ(c.sizes[0], 4088);
	CHECK_EQ(bpf_map_user_ringbuf_reserve(rb, 8, &p), -EINVAL);
	CHECK_EQ(bpf_map_user_ringbuf_submit(rb, p), -EINVAL);
	CHECK_EQ(bpf_map_prog_user_ringbuf_drain(rb, drain_cb, &c, 0), -EINVAL);
	CHECK_EQ(bpf_map_user_ringbuf_consume(m, rec_cb, &c, 0), -EINVAL);
	CHECK(bpf_map_prog_ringbuf_reserve(m, 8, 0) == NULL);
	bpf_map_destroy(m);
	bpf_map_destroy(rb);
}

TEST(bpf_map_user_ringbuf_sample_larger_than_dynptr)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 32U << 20, 0, NULL);
	struct drain_ctx c = { .m = m };
	void *p;

	CHECK(m);
	CHECK_EQ(bpf_map_user_ringbuf_reserve(m, 1U << 24, &p), 0);
	CHECK_EQ(bpf_map_user_ringbuf_submit(m, p), 0);
	CHECK_EQ(bpf_map_prog_user_ringbuf_drain(m, drain_cb, &c, 0), -E2BIG);
	CHECK_EQ(c.n, 0);
	CHECK_EQ(bpf_map_ringbuf_wakeups(m), 0);
	bpf_map_destroy(m);
}

struct urb_model {
	u32 n;
	u32 want[4096];
	u32 head;
	int bad;
};

static int urb_check_cb(void *ctx, void *data, u32 size)
{
	struct urb_model *mo = ctx;

	if (mo->head >= mo->n || mo->want[mo->head] != size)
		mo->bad++;
	for (u32 i = 0; i < size; i++)
		if (((u8 *)data)[i] != (u8)(size + mo->head))
			mo->bad++;
	mo->head++;
	return 0;
}

TEST(bpf_map_user_ringbuf_wraps_around)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096, 0, NULL);
	struct urb_model *mo = calloc(1, sizeof(*mo));
	u64 s = 11;

	CHECK(m && mo);
	for (int i = 0; i < 3000; i++) {
		u32 size = rnd_next(&s) % 700;
		void *p;

		if (bpf_map_user_ringbuf_reserve(m, size, &p) == -ENOSPC) {
			CHECK(bpf_map_prog_user_ringbuf_drain(m, urb_check_cb, mo, 0) > 0);
			CHECK_EQ(bpf_map_user_ringbuf_reserve(m, size, &p), 0);
		}
		memset(p, (u8)(size + mo->n), size);
		mo->want[mo->n++ % 4096] = size;
		CHECK_EQ(bpf_map_user_ringbuf_submit(m, p), 0);
		if (mo->n == 4096) {
			bpf_map_prog_user_ringbuf_drain(m, urb_check_cb, mo, 0);
			CHECK_EQ(mo->head, mo->n);
			mo->n = mo->head = 0;
		}
	}
	bpf_map_prog_user_ringbuf_drain(m, urb_check_cb, mo, 0);
	CHECK_EQ(mo->head, mo->n);
	CHECK_EQ(mo->bad, 0);
	bpf_map_destroy(m);
	free(mo);
}

/* ---- local storage -------------------------------------------------------------------------- */

TEST(bpf_map_task_storage_get_create_delete)
{
	struct trk *t = trk_new();
	struct bpf_map_spec s = spec_of("task_ctx", BPF_MAP_TYPE_TASK_STORAGE, 4, 16, 0,
					BPF_F_NO_PREALLOC);
	struct bpf_map *m = NULL;
	int task_a, task_b;
	u64 init[2] = { 3, 4 }, out[2];
	u64 *pa, *pb;

	s.region_fn = trk_fn;
	s.region_ctx = t;
	CHECK_EQ(bpf_map_create(&s, &m, NULL, 0), 0);
	CHECK(bpf_map_prog_storage_get(m, &task_a, NULL, 0) == NULL);
	CHECK(bpf_map_prog_storage_get(m, &task_a, NULL, 2) == NULL);
	CHECK(bpf_map_prog_storage_get(m, NULL, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE) == NULL);
	pa = bpf_map_prog_storage_get(m, &task_a, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	CHECK(pa && pa[0] == 0 && pa[1] == 0);
	CHECK(bpf_map_prog_storage_get(m, &task_a, init, BPF_LOCAL_STORAGE_GET_F_CREATE) == pa);
	CHECK(bpf_map_prog_storage_get(m, &task_a, NULL, 0) == pa);
	pb = bpf_map_prog_storage_get(m, &task_b, init, BPF_LOCAL_STORAGE_GET_F_CREATE);
	CHECK(pb && pb != pa && pb[0] == 3 && pb[1] == 4);
	CHECK_EQ(bpf_map_count(m), 2);
	CHECK_EQ(t->nlive, 2);
	CHECK_EQ(bpf_map_prog_storage_delete(m, NULL), -EINVAL);
	CHECK_EQ(bpf_map_prog_storage_delete(m, &task_a), 0);
	CHECK_EQ(bpf_map_prog_storage_delete(m, &task_a), -ENOENT);
	CHECK(bpf_map_prog_storage_get(m, &task_a, NULL, 0) == NULL);
	CHECK_EQ(t->nlive, 2); /* freed at the end of the grace period */
	CHECK_EQ(bpf_map_storage_owner_gone(m, &task_b), 0);
	CHECK_EQ(bpf_map_storage_owner_gone(m, &task_b), -ENOENT);
	CHECK_EQ(pb[0], 3);
	CHECK_EQ(bpf_map_pending_frees(m), 2);
	CHECK_EQ(bpf_map_rcu_sync(m), 0);
	CHECK_EQ(t->nlive, 0);
	CHECK(!t->log[2].added && t->log[2].ptr == pa);
	CHECK(!t->log[3].added && t->log[3].ptr == pb);
	/* the generic calls do not apply to local storage */
	CHECK_EQ(bpf_map_user_lookup(m, &(u32){ 0 }, out, 0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_update(m, &(u32){ 0 }, out, 0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_delete(m, &(u32){ 0 }), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_get_next_key(m, NULL, out), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_user_lookup_and_delete(m, &(u32){ 0 }, out, 0), -EOPNOTSUPP);
	CHECK(bpf_map_prog_lookup(m, &(u32){ 0 }, 0) == NULL);
	CHECK_EQ(bpf_map_prog_update(m, &(u32){ 0 }, out, 0, 0), -EOPNOTSUPP);
	CHECK_EQ(bpf_map_prog_for_each(m, sum_cb, out, 0, 0), -EOPNOTSUPP);
	bpf_map_destroy(m);
	CHECK_EQ(t->errors, 0);
	free(t);
}

TEST(bpf_map_cgrp_storage_from_user_space)
{
	struct bpf_map *m = NULL, *h = mk(BPF_MAP_TYPE_HASH, 4, 4, 4, 0, NULL);
	struct bpf_map_spec s = spec_of("cg", BPF_MAP_TYPE_CGRP_STORAGE, 4, 8, 0,
					BPF_F_NO_PREALLOC);
	int cg;
	u32 v[2] = { 1, 2 }, out[2];
	u32 *p;

	s.has_spin_lock = true;
	s.spin_lock_off = 4;
	CHECK_EQ(bpf_map_create(&s, &m, NULL, 0), 0);
	CHECK_EQ(bpf_map_user_storage_lookup(m, &cg, out, 0), -ENOENT);
	CHECK_EQ(bpf_map_user_storage_lookup(m, NULL, out, 0), -EBADF);
	CHECK_EQ(bpf_map_user_storage_lookup(m, &cg, out, 2), -EINVAL);
	CHECK_EQ(bpf_map_user_storage_update(m, &cg, v, BPF_EXIST), -ENOENT);
	CHECK_EQ(bpf_map_user_storage_update(m, &cg, v, 3), -EINVAL);
	CHECK_EQ(bpf_map_user_storage_update(m, NULL, v, 0), -EBADF);
	CHECK_EQ(bpf_map_user_storage_update(m, &cg, v, BPF_NOEXIST), 0);
	CHECK_EQ(bpf_map_user_storage_update(m, &cg, v, BPF_NOEXIST), -EEXIST);
	p = bpf_map_prog_storage_get(m, &cg, NULL, 0);
	CHECK(p && p[0] == 1 && p[1] == 0); /* lock word not copied in */
	p[1] = 1;
	CHECK_EQ(bpf_map_user_storage_update(m, &cg, v, BPF_F_LOCK), -EDEADLK);
	CHECK_EQ(bpf_map_user_storage_lookup(m, &cg, out, BPF_F_LOCK), -EDEADLK);
	v[0] = 7;
	CHECK_EQ(bpf_map_user_storage_update(m, &cg, v, BPF_EXIST), 0);
	CHECK_EQ(bpf_map_user_storage_lookup(m, &cg, out, 0), 0);
	CHECK_EQ(out[0], 7);
	CHECK_EQ(out[1], 0);
	p[1] = 0;
	CHECK_EQ(bpf_map_user_storage_lookup(m, &cg, out, BPF_F_LOCK), 0);
	CHECK_EQ(bpf_map_user_storage_delete(m, NULL), -EBADF);
	CHECK_EQ(bpf_map_user_storage_delete(m, &cg), 0);
	CHECK_EQ(bpf_map_user_storage_delete(m, &cg), -ENOENT);
	CHECK_EQ(bpf_map_user_storage_lookup(h, &cg, out, 0), -EINVAL);
	CHECK_EQ(bpf_map_user_storage_update(h, &cg, v, 0), -EINVAL);
	CHECK_EQ(bpf_map_user_storage_delete(h, &cg), -EINVAL);
	CHECK(bpf_map_prog_storage_get(h, &cg, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE) == NULL);
	bpf_map_destroy(m);
	bpf_map_destroy(h);
}

TEST(bpf_map_storage_access_flags)
{
	struct bpf_map_spec s = spec_of("ts", BPF_MAP_TYPE_TASK_STORAGE, 4, 8, 0,
					BPF_F_NO_PREALLOC);
	struct bpf_map *m = NULL;
	int task;
	u64 v = 1;

	s.map_flags |= BPF_F_CLONE;
	CHECK_EQ(bpf_map_create(&s, &m, NULL, 0), 0);
	bpf_map_destroy(m);
	/* BPF_F_RDONLY / WRONLY are not local-storage flags */
	s.map_flags = BPF_F_NO_PREALLOC | BPF_F_RDONLY;
	CHECK_EQ(bpf_map_create(&s, &m, NULL, 0), -EINVAL);
	s.map_flags = BPF_F_NO_PREALLOC;
	CHECK_EQ(bpf_map_create(&s, &m, NULL, 0), 0);
	CHECK_EQ(bpf_map_user_storage_update(m, &task, &v, BPF_F_LOCK), -EINVAL);
	CHECK_EQ(bpf_map_user_storage_lookup(m, &task, &v, BPF_F_LOCK), -EINVAL);
	CHECK_EQ(bpf_map_user_storage_update(m, &task, NULL, 0), -EINVAL);
	CHECK_EQ(bpf_map_prog_storage_delete(m, &task), -ENOENT);
	bpf_map_destroy(m);
}

/* ---- seeded random sequences against reference models -------------------------------------- */

/* The hash model: keys in insertion order, at most `max`, with LRU recency stamps. */
struct hmodel {
	u32 n, max;
	u64 key[64], val[64], used[64];
	u64 clock;
	bool lru;
};

static int hm_find(const struct hmodel *h, u64 k)
{
	for (u32 i = 0; i < h->n; i++)
		if (h->key[i] == k)
			return (int)i;
	return -1;
}

static void hm_remove(struct hmodel *h, int i)
{
	memmove(&h->key[i], &h->key[i + 1], (h->n - i - 1) * sizeof(u64));
	memmove(&h->val[i], &h->val[i + 1], (h->n - i - 1) * sizeof(u64));
	memmove(&h->used[i], &h->used[i + 1], (h->n - i - 1) * sizeof(u64));
	h->n--;
}

static int hm_update(struct hmodel *h, u64 k, u64 v, u64 flags)
{
	int i = hm_find(h, k);

	if (flags > BPF_EXIST)
		return -EINVAL;
	if (i >= 0 && flags == BPF_NOEXIST)
		return -EEXIST;
	if (i < 0 && flags == BPF_EXIST)
		return -ENOENT;
	if (i < 0 && h->n == h->max) {
		int oldest = 0;

		if (!h->lru)
			return -E2BIG;
		for (u32 j = 1; j < h->n; j++)
			if (h->used[j] < h->used[oldest])
				oldest = (int)j;
		hm_remove(h, oldest);
	}
	if (i < 0) {
		i = (int)h->n++;
		h->key[i] = k;
	}
	h->val[i] = v;
	h->used[i] = ++h->clock;
	return 0;
}

static int fuzz_hash(u32 type, u64 seed)
{
	struct trk *t = trk_new();
	struct bpf_map *m = mk(type, 8, 8, 24, 0, t);
	struct hmodel h = { .max = 24, .lru = type == BPF_MAP_TYPE_LRU_HASH };
	u64 s = seed;
	int bad = 0;

	for (int step = 0; step < 20000 && !bad; step++) {
		u64 r = rnd_next(&s), k = r % 48, v = r >> 20, out = 0;
		int want, got, i;
		u64 *p;

		switch ((r >> 8) % 8) {
		case 0: case 1: /* update from either face */
			want = hm_update(&h, k, v, (r >> 12) % 4);
			got = (r & 1) ? bpf_map_user_update(m, &k, &v, (r >> 12) % 4)
				      : bpf_map_prog_update(m, &k, &v, (r >> 12) % 4, 0);
			bad |= want != got;
			break;
		case 2: /* delete */
			i = hm_find(&h, k);
			want = i < 0 ? -ENOENT : 0;
			if (i >= 0)
				hm_remove(&h, i);
			bad |= bpf_map_prog_delete(m, &k) != want;
			break;
		case 3: /* user lookup: no recency change */
			i = hm_find(&h, k);
			got = bpf_map_user_lookup(m, &k, &out, 0);
			bad |= i < 0 ? got != -ENOENT : (got || out != h.val[i]);
			break;
		case 4: /* BPF lookup: a use */
			i = hm_find(&h, k);
			p = bpf_map_prog_lookup(m, &k, 0);
			bad |= i < 0 ? p != NULL : (!p || *p != h.val[i]);
			if (i >= 0)
				h.used[i] = ++h.clock;
			break;
		case 5: /* lookup_and_delete */
			i = hm_find(&h, k);
			got = bpf_map_user_lookup_and_delete(m, &k, &out, 0);
			bad |= i < 0 ? got != -ENOENT : (got || out != h.val[i]);
			if (i >= 0)
				hm_remove(&h, i);
			break;
		case 6: { /* full walk in insertion order */
			u64 keys[64];
			int n;

			walk_keys(m, keys, &n);
			bad |= (u32)n != h.n;
			for (int j = 0; j < n && !bad; j++)
				bad |= keys[j] != h.key[j];
			break;
		}
		default:
			bad |= bpf_map_rcu_sync(m) != 0;
			bad |= bpf_map_pending_frees(m) != 0;
		}
		bad |= bpf_map_count(m) != h.n;
		if (bad)
			fprintf(stderr, "  fuzz_hash: step %d op %llu key %llu\n", step,
				(unsigned long long)((r >> 8) % 8), (unsigned long long)k);
	}
	bpf_map_destroy(m);
	bad |= t->errors || t->nlive;
	free(t);
	return bad;
}

TEST(bpf_map_fuzz_hash_against_model)
{
	for (u64 seed = 1; seed <= 4; seed++)
		CHECK_EQ(fuzz_hash(BPF_MAP_TYPE_HASH, seed * 0x9e3779b97f4a7c15ULL), 0);
}

TEST(bpf_map_fuzz_lru_against_model)
{
	for (u64 seed = 1; seed <= 4; seed++)
		CHECK_EQ(fuzz_hash(BPF_MAP_TYPE_LRU_HASH, seed * 0x2545f4914f6cdd1dULL), 0);
}

TEST(bpf_map_fuzz_queue_stack_against_model)
{
	for (int stack = 0; stack < 2; stack++) {
		struct bpf_map *m = mk(stack ? BPF_MAP_TYPE_STACK : BPF_MAP_TYPE_QUEUE, 0, 4, 5, 0,
				       NULL);
		u32 model[5], n = 0, out, want;
		u64 s = 99 + stack;
		int bad = 0;

		CHECK(m);
		for (int step = 0; step < 20000 && !bad; step++) {
			u64 r = rnd_next(&s);
			u32 v = (u32)(r >> 32);
			int got;

			switch (r % 4) {
			case 0: case 1: { /* push, half the time overwriting */
				u64 fl = (r >> 8) & 1 ? BPF_EXIST : BPF_ANY;

				got = bpf_map_prog_push(m, &v, fl);
				if (n == 5 && fl == BPF_ANY) {
					bad |= got != -E2BIG;
					break;
				}
				if (n == 5) {
					memmove(model, model + 1, 4 * sizeof(u32));
					n--;
				}
				model[n++] = v;
				bad |= got != 0;
				break;
			}
			default: { /* pop or peek */
				bool pop = r % 4 == 2;

				got = pop ? bpf_map_prog_pop(m, &out) : bpf_map_prog_peek(m, &out);
				if (!n) {
					bad |= got != -ENOENT || out != 0;
					break;
				}
				want = stack ? model[n - 1] : model[0];
				bad |= got != 0 || out != want;
				if (pop && stack)
					n--;
				else if (pop) {
					memmove(model, model + 1, (n - 1) * sizeof(u32));
					n--;
				}
			}
			}
			bad |= bpf_map_count(m) != n;
		}
		CHECK_EQ(bad, 0);
		bpf_map_destroy(m);
	}
}

struct rb_model {
	u32 size[512];
	u8 tag[512];
	u32 head, tail;     /* committed records not yet consumed, in order */
	int bad;
};

static int rb_model_cb(void *ctx, void *data, u32 size)
{
	struct rb_model *mo = ctx;

	if (mo->head == mo->tail || mo->size[mo->head % 512] != size ||
	    (size && *(u8 *)data != mo->tag[mo->head % 512]))
		mo->bad++;
	mo->head++;
	return 0;
}

TEST(bpf_map_fuzz_ringbuf_against_model)
{
	struct trk *t = trk_new();
	struct bpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, t);
	struct rb_model *mo = calloc(1, sizeof(*mo));
	u64 s = 1234;

	CHECK(m && mo);
	for (int step = 0; step < 20000; step++) {
		u64 r = rnd_next(&s);
		u32 size = (r >> 16) % 600;
		u8 *p;

		if (r % 3 == 0) {
			bpf_map_user_ringbuf_consume(m, rb_model_cb, mo, 0);
			CHECK_EQ(mo->head, mo->tail);
			continue;
		}
		p = bpf_map_prog_ringbuf_reserve(m, size, 0);
		if (!p) {
			CHECK(bpf_map_prog_ringbuf_query(m, BPF_RB_AVAIL_DATA) +
			      ((size + 15) & ~7u) > 4095);
			continue;
		}
		memset(p, (u8)step, size);
		if (r % 3 == 1) {
			mo->size[mo->tail % 512] = size;
			mo->tag[mo->tail % 512] = (u8)step;
			mo->tail++;
			CHECK_EQ(bpf_map_prog_ringbuf_submit(m, p, 0), 0);
		} else {
			CHECK_EQ(bpf_map_prog_ringbuf_discard(m, p, 0), 0);
		}
	}
	bpf_map_user_ringbuf_consume(m, rb_model_cb, mo, 0);
	CHECK_EQ(mo->head, mo->tail);
	CHECK_EQ(mo->bad, 0);
	bpf_map_destroy(m);
	CHECK_EQ(t->errors, 0);
	CHECK_EQ(t->nlive, 0);
	free(mo);
	free(t);
}

TEST(bpf_map_fuzz_array_against_model)
{
	struct bpf_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0, NULL);
	u64 model[16] = { 0 }, s = 5;
	int bad = 0;

	CHECK(m);
	for (int step = 0; step < 20000; step++) {
		u64 r = rnd_next(&s), v = r >> 24, out;
		u32 k = (r >> 4) % 20;
		u64 fl = (r >> 9) % 4;
		int want, got;

		if (r & 1) {
			want = fl > BPF_EXIST ? -EINVAL : k >= 16 ? -E2BIG
			       : fl == BPF_NOEXIST ? -EEXIST : 0;
			got = bpf_map_user_update(m, &k, &v, fl);
			if (!want)
				model[k] = v;
		} else {
			want = k >= 16 ? -ENOENT : 0;
			got = bpf_map_user_lookup(m, &k, &out, 0);
			bad |= !got && out != model[k];
		}
		bad |= got != want;
	}
	CHECK_EQ(bad, 0);
	bpf_map_destroy(m);
}
