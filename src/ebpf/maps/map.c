/*
 * map.c — creating and destroying BPF maps: the table of supported map types with what each
 * accepts (map_flags, key/value/max_entries rules, per-CPU, LRU, spin lock), validation with
 * messages that name the map, information getters, the grace-period sync, and the value-copy
 * helpers every map type shares.
 *
 * Why a table: the kernel spreads these rules over each map's alloc_check(); one row per type
 * keeps them side by side and makes every rejection produce the same kind of message.
 *
 * Invariants: a created map has passed every check of its row; m->mt is never NULL; nr_cpus is
 * 1 for maps that are not per-CPU; stride = round_up(value_size, 8).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ebpf/maps/map_int.h"

#define HASH_FLAGS (BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | MAP_ACCESS_FLAGS | BPF_F_ZERO_SEED)
#define STORAGE_MAX_VALUE (65535U - 96U) /* U16_MAX - sizeof(struct bpf_local_storage_elem) */
#define HASH_MAX_ENTRIES (1U << 31)

static const struct map_type map_types[] = {
	{ BPF_MAP_TYPE_HASH, &map_hash_ops, HASH_FLAGS, KEY_ANY, VALUE_ANY, MAX_ANY,
	  false, false, true, BPF_MAP_MAX_VALUE, false },
	{ BPF_MAP_TYPE_ARRAY, &map_array_ops,
	  BPF_F_NUMA_NODE | BPF_F_MMAPABLE | MAP_ACCESS_FLAGS | BPF_F_INNER_MAP,
	  KEY_U32, VALUE_ANY, MAX_ANY, false, false, true, BPF_MAP_MAX_VALUE, false },
	{ BPF_MAP_TYPE_PERCPU_HASH, &map_hash_ops, HASH_FLAGS, KEY_ANY, VALUE_ANY, MAX_ANY,
	  true, false, false, BPF_MAP_PERCPU_MAX_VALUE, false },
	{ BPF_MAP_TYPE_PERCPU_ARRAY, &map_array_ops, BPF_F_NUMA_NODE | MAP_ACCESS_FLAGS,
	  KEY_U32, VALUE_ANY, MAX_ANY, true, false, false, BPF_MAP_PERCPU_MAX_VALUE, false },
	{ BPF_MAP_TYPE_LRU_HASH, &map_hash_ops, HASH_FLAGS | BPF_F_NO_COMMON_LRU,
	  KEY_ANY, VALUE_ANY, MAX_ANY, false, true, false, BPF_MAP_MAX_VALUE, false },
	{ BPF_MAP_TYPE_LRU_PERCPU_HASH, &map_hash_ops, HASH_FLAGS | BPF_F_NO_COMMON_LRU,
	  KEY_ANY, VALUE_ANY, MAX_ANY, true, true, false, BPF_MAP_PERCPU_MAX_VALUE, false },
	{ BPF_MAP_TYPE_QUEUE, &map_queue_ops, BPF_F_NUMA_NODE | MAP_ACCESS_FLAGS,
	  KEY_ZERO, VALUE_ANY, MAX_ANY, false, false, false, BPF_MAP_MAX_VALUE, false },
	{ BPF_MAP_TYPE_STACK, &map_stack_ops, BPF_F_NUMA_NODE | MAP_ACCESS_FLAGS,
	  KEY_ZERO, VALUE_ANY, MAX_ANY, false, false, false, BPF_MAP_MAX_VALUE, false },
	{ BPF_MAP_TYPE_RINGBUF, &map_ringbuf_ops, BPF_F_NUMA_NODE,
	  KEY_ZERO, VALUE_ZERO, MAX_RING, false, false, false, 0, false },
	{ BPF_MAP_TYPE_TASK_STORAGE, &map_storage_ops, BPF_F_NO_PREALLOC | BPF_F_CLONE,
	  KEY_INT, VALUE_ANY, MAX_ZERO, false, false, true, STORAGE_MAX_VALUE, false },
	{ BPF_MAP_TYPE_USER_RINGBUF, &map_user_ringbuf_ops, BPF_F_NUMA_NODE,
	  KEY_ZERO, VALUE_ZERO, MAX_RING, false, false, false, 0, false },
	{ BPF_MAP_TYPE_CGRP_STORAGE, &map_storage_ops, BPF_F_NO_PREALLOC | BPF_F_CLONE,
	  KEY_INT, VALUE_ANY, MAX_ZERO, false, false, true, STORAGE_MAX_VALUE, false },
	{ BPF_MAP_TYPE_ARRAY_OF_MAPS, &map_array_of_maps_ops,
	  BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY, KEY_U32, VALUE_U32, MAX_ANY,
	  false, false, false, 4, true },
	{ BPF_MAP_TYPE_HASH_OF_MAPS, &map_hash_of_maps_ops,
	  BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_ZERO_SEED,
	  KEY_ANY, VALUE_U32, MAX_ANY, false, false, false, 4, true },
};

/* Kernel names of every map type number, for messages (index = type). */
static const char *const type_names[] = {
	"UNSPEC", "HASH", "ARRAY", "PROG_ARRAY", "PERF_EVENT_ARRAY", "PERCPU_HASH",
	"PERCPU_ARRAY", "STACK_TRACE", "CGROUP_ARRAY", "LRU_HASH", "LRU_PERCPU_HASH",
	"LPM_TRIE", "ARRAY_OF_MAPS", "HASH_OF_MAPS", "DEVMAP", "SOCKMAP", "CPUMAP", "XSKMAP",
	"SOCKHASH", "CGROUP_STORAGE", "REUSEPORT_SOCKARRAY", "PERCPU_CGROUP_STORAGE", "QUEUE",
	"STACK", "SK_STORAGE", "DEVMAP_HASH", "STRUCT_OPS", "RINGBUF", "INODE_STORAGE",
	"TASK_STORAGE", "BLOOM_FILTER", "USER_RINGBUF", "CGRP_STORAGE", "ARENA",
};

/* Names of the map_flags bits (index = bit). */
static const char *const flag_names[] = {
	"BPF_F_NO_PREALLOC", "BPF_F_NO_COMMON_LRU", "BPF_F_NUMA_NODE", "BPF_F_RDONLY",
	"BPF_F_WRONLY", "BPF_F_STACK_BUILD_ID", "BPF_F_ZERO_SEED", "BPF_F_RDONLY_PROG",
	"BPF_F_WRONLY_PROG", "BPF_F_CLONE", "BPF_F_MMAPABLE", "BPF_F_PRESERVE_ELEMS",
	"BPF_F_INNER_MAP", "BPF_F_LINK", "BPF_F_PATH_FD", "BPF_F_VTYPE_BTF_OBJ_FD",
	"BPF_F_TOKEN_FD", "BPF_F_SEGV_ON_FAULT", "BPF_F_NO_USER_CONV",
};

const char *bpf_map_type_name(u32 type)
{
	return type < ARRAY_SIZE(type_names) ? type_names[type] : "UNKNOWN";
}

static const struct map_type *map_type_find(u32 type)
{
	for (size_t i = 0; i < ARRAY_SIZE(map_types); i++)
		if (map_types[i].type == type)
			return &map_types[i];
	return NULL;
}

/* ---- creation ------------------------------------------------------------------------------ */

struct create_ctx {
	const struct bpf_map_spec *spec;
	const struct map_type *mt;
	const char *name;
	const char *tname;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int create_fail(struct create_ctx *c, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return code;
	n = snprintf(c->err, c->errlen, "map '%s': ", c->name);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int check_type(struct create_ctx *c)
{
	u32 type = c->spec->type;

	c->mt = map_type_find(type);
	c->tname = bpf_map_type_name(type);
	if (c->mt)
		return 0;
	if (type > BPF_MAP_TYPE_UNSPEC && type < ARRAY_SIZE(type_names))
		return create_fail(c, -EOPNOTSUPP, "map type %s (%u) is not supported by scxsim",
				   c->tname, type);
	return create_fail(c, -EINVAL, "unknown map type %u", type);
}

static int check_flags(struct create_ctx *c)
{
	u32 flags = c->spec->map_flags;

	for (u32 bit = 0; bit < 32; bit++) {
		u32 f = 1U << bit;

		if (!(flags & f) || (c->mt->flags_ok & f))
			continue;
		if (bit >= ARRAY_SIZE(flag_names))
			return create_fail(c, -EINVAL, "map_flags 0x%x: unknown flag 0x%x", flags, f);
		return create_fail(c, -EINVAL, "map_flags 0x%x: %s is not allowed for %s", flags,
				   flag_names[bit], c->tname);
	}
	if ((flags & BPF_F_RDONLY_PROG) && (flags & BPF_F_WRONLY_PROG))
		return create_fail(c, -EINVAL, "map_flags 0x%x: BPF_F_RDONLY_PROG and "
				   "BPF_F_WRONLY_PROG exclude each other", flags);
	if ((flags & BPF_F_RDONLY) && (flags & BPF_F_WRONLY))
		return create_fail(c, -EINVAL, "map_flags 0x%x: BPF_F_RDONLY and BPF_F_WRONLY "
				   "exclude each other", flags);
	if (c->mt->lru && (flags & BPF_F_NO_PREALLOC))
		return create_fail(c, -EOPNOTSUPP, "BPF_F_NO_PREALLOC is not supported for %s",
				   c->tname);
	if (c->mt->max_rule == MAX_ZERO && !(flags & BPF_F_NO_PREALLOC))
		return create_fail(c, -EINVAL, "%s needs map_flags BPF_F_NO_PREALLOC", c->tname);
	return 0;
}

static int check_key(struct create_ctx *c)
{
	u32 ks = c->spec->key_size;

	switch (c->mt->key_rule) {
	case KEY_ANY:
		if (!ks)
			return create_fail(c, -EINVAL, "key_size 0");
		if (ks > BPF_MAP_MAX_KEY)
			return create_fail(c, -E2BIG, "key_size %u exceeds %u", ks, BPF_MAP_MAX_KEY);
		return 0;
	case KEY_U32:
	case KEY_INT:
		if (ks != 4)
			return create_fail(c, -EINVAL, "key_size must be 4 for %s (is %u)", c->tname,
					   ks);
		return 0;
	default:
		if (ks)
			return create_fail(c, -EINVAL, "key_size must be 0 for %s (is %u)", c->tname,
					   ks);
		return 0;
	}
}

static int check_value(struct create_ctx *c)
{
	u32 vs = c->spec->value_size;

	if (c->mt->value_rule == VALUE_ZERO) {
		if (vs)
			return create_fail(c, -EINVAL, "value_size must be 0 for %s (is %u)",
					   c->tname, vs);
		return 0;
	}
	if (c->mt->value_rule == VALUE_U32 && vs != 4)
		return create_fail(c, -EINVAL, "value_size must be 4 for %s (is %u)", c->tname, vs);
	if (!vs)
		return create_fail(c, -EINVAL, "value_size 0");
	if ((c->mt->percpu ? MAP_ROUND8(vs) : vs) > c->mt->value_max)
		return create_fail(c, -E2BIG, "value_size %u exceeds %u%s", vs, c->mt->value_max,
				   c->mt->percpu ? " per CPU (rounded up to 8)" : "");
	return 0;
}

static bool is_ring_size(u32 n)
{
	return n && !(n & (n - 1)) && !(n % BPF_MAP_PAGE_SIZE);
}

static int check_max_entries(struct create_ctx *c)
{
	u32 max = c->spec->max_entries;

	switch (c->mt->max_rule) {
	case MAX_ZERO:
		if (max)
			return create_fail(c, -EINVAL, "max_entries must be 0 for %s (is %u)",
					   c->tname, max);
		return 0;
	case MAX_RING:
		if (!is_ring_size(max))
			return create_fail(c, -EINVAL, "max_entries %u is not a power of 2 multiple "
					   "of %u", max, BPF_MAP_PAGE_SIZE);
		return 0; /* the kernel's 64 GiB RINGBUF_MAX_DATA_SZ is above any u32 */
	default:
		if (!max)
			return create_fail(c, -EINVAL, "max_entries 0");
		if ((c->mt->ops == &map_hash_ops || c->mt->ops == &map_hash_of_maps_ops) &&
		    max > HASH_MAX_ENTRIES)
			return create_fail(c, -E2BIG, "max_entries %u exceeds %u", max,
					   HASH_MAX_ENTRIES);
		return 0;
	}
}

static int check_cpus(struct create_ctx *c)
{
	u32 n = c->spec->nr_cpus;

	if (!c->mt->percpu || (n >= 1 && n <= BPF_MAP_MAX_CPUS))
		return 0;
	return create_fail(c, -EINVAL, "nr_cpus %u: a per-CPU map needs 1..%u possible CPUs", n,
			   BPF_MAP_MAX_CPUS);
}

static int check_spin_lock(struct create_ctx *c)
{
	const struct bpf_map_spec *s = c->spec;

	if (!s->has_spin_lock)
		return 0;
	if (!c->mt->lock_ok)
		return create_fail(c, -EOPNOTSUPP, "a bpf_spin_lock in the value is not supported "
				   "for %s", c->tname);
	if (s->spin_lock_off % 4 || (u64)s->spin_lock_off + 4 > s->value_size)
		return create_fail(c, -EINVAL, "spin_lock_off %u is not a 4-byte aligned offset "
				   "inside value_size %u", s->spin_lock_off, s->value_size);
	return 0;
}

/* Bytes allocated at creation (arrays, queues, rings), to refuse absurd sizes early. */
static u64 prealloc_bytes(const struct bpf_map_spec *s, const struct map_type *mt)
{
	u64 cpus = mt->percpu ? s->nr_cpus : 1;

	if (mt->ops == &map_array_ops || mt->ops == &map_array_of_maps_ops)
		return (u64)s->max_entries * MAP_ROUND8(s->value_size) * cpus;
	if (mt->ops == &map_queue_ops || mt->ops == &map_stack_ops)
		return ((u64)s->max_entries + 1) * s->value_size;
	if (mt->max_rule == MAX_RING)
		return 2ULL * s->max_entries;
	return 0;
}

static int check_memory(struct create_ctx *c)
{
	u64 bytes = prealloc_bytes(c->spec, c->mt);

	if (bytes <= BPF_MAP_MAX_BYTES)
		return 0;
	return create_fail(c, -ENOMEM, "needs %llu bytes, above scxsim's per-map limit of %llu",
			   (unsigned long long)bytes, (unsigned long long)BPF_MAP_MAX_BYTES);
}

/* Map-in-map: a template is required and must itself be a plain map (one level of nesting). */
static int check_inner(struct create_ctx *c)
{
	const struct bpf_map_spec *in = c->spec->inner;
	const struct map_type *it;

	if (!c->mt->of_maps)
		return 0;
	if (!in)
		return create_fail(c, -EINVAL, "%s needs an inner map template", c->tname);
	it = map_type_find(in->type);
	if (!it)
		return create_fail(c, -EINVAL, "inner map template: map type %s (%u) is not "
				   "supported", bpf_map_type_name(in->type), in->type);
	if (it->of_maps)
		return create_fail(c, -EINVAL, "inner map template is itself a %s: one level of "
				   "nesting only", bpf_map_type_name(in->type));
	return 0;
}

static int check_spec(struct create_ctx *c)
{
	int err;

	err = check_type(c);
	err = err ?: check_flags(c);
	err = err ?: check_key(c);
	err = err ?: check_value(c);
	err = err ?: check_max_entries(c);
	err = err ?: check_cpus(c);
	err = err ?: check_spin_lock(c);
	err = err ?: check_memory(c);
	err = err ?: check_inner(c);
	return err;
}

static void map_fill(struct bpf_map *m, const struct bpf_map_spec *s, const struct create_ctx *c)
{
	snprintf(m->name, sizeof(m->name), "%s", c->name);
	m->mt = c->mt;
	m->type = s->type;
	m->key_size = s->key_size;
	m->value_size = s->value_size;
	m->max_entries = s->max_entries;
	m->flags = s->map_flags;
	m->nr_cpus = c->mt->percpu ? s->nr_cpus : 1;
	m->stride = MAP_ROUND8(s->value_size);
	m->has_lock = s->has_spin_lock;
	m->lock_off = s->spin_lock_off;
	m->region_fn = s->region_fn;
	m->region_ctx = s->region_ctx;
	if (c->mt->of_maps) {
		m->inner = *s->inner;
		m->inner.name = NULL;
		m->inner.region_fn = NULL;
		m->inner.region_ctx = NULL;
		m->inner.inner = NULL;
	}
}

int bpf_map_create(const struct bpf_map_spec *spec, struct bpf_map **out, char *err,
		   size_t errlen)
{
	struct create_ctx c = { .spec = spec, .err = err, .errlen = errlen };
	struct bpf_map *m;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return -EINVAL;
	*out = NULL;
	c.name = spec && spec->name ? spec->name : "(unnamed)";
	if (!spec)
		return create_fail(&c, -EINVAL, "no map spec");
	ret = check_spec(&c);
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m)
		return create_fail(&c, -ENOMEM, "out of memory");
	map_fill(m, spec, &c);
	ret = m->mt->ops->init(m);
	if (ret) {
		free(m);
		return create_fail(&c, ret, "out of memory");
	}
	*out = m;
	return 0;
}

void bpf_map_destroy(struct bpf_map *map)
{
	if (!map)
		return;
	map->mt->ops->fini(map);
	free(map);
}

/* ---- information --------------------------------------------------------------------------- */

const char *bpf_map_name(const struct bpf_map *map)
{
	return map->name;
}

u32 bpf_map_type(const struct bpf_map *map)
{
	return map->type;
}

u32 bpf_map_key_size(const struct bpf_map *map)
{
	return map->key_size;
}

u32 bpf_map_value_size(const struct bpf_map *map)
{
	return map->value_size;
}

u32 bpf_map_max_entries(const struct bpf_map *map)
{
	return map->max_entries;
}

u32 bpf_map_flags(const struct bpf_map *map)
{
	return map->flags;
}

u32 bpf_map_nr_cpus(const struct bpf_map *map)
{
	return map->nr_cpus;
}

bool bpf_map_is_percpu(const struct bpf_map *map)
{
	return map->mt->percpu;
}

size_t bpf_map_user_value_size(const struct bpf_map *map)
{
	return map->mt->percpu ? (size_t)map->stride * map->nr_cpus : map->value_size;
}

u32 bpf_map_count(const struct bpf_map *map)
{
	return map->mt->ops->count(map);
}

u32 bpf_map_pending_frees(const struct bpf_map *map)
{
	if (map->mt->ops == &map_hash_ops || map->mt->ops == &map_storage_ops ||
	    map->mt->ops == &map_hash_of_maps_ops)
		return map->ht.npending;
	return 0;
}

int bpf_map_rcu_sync(struct bpf_map *map)
{
	if (!map)
		return -EINVAL;
	if (map->busy)
		return -EBUSY;
	if (map->mt->ops->sync)
		map->mt->ops->sync(map);
	return 0;
}

/* ---- helpers shared by the map types ---------------------------------------------------- */

void map_region(const struct bpf_map *m, void *ptr, size_t len, bool added)
{
	if (m->region_fn && len && !m->mt->of_maps)
		m->region_fn(m->region_ctx, m, ptr, len, added);
}

size_t map_value_span(const struct bpf_map *m)
{
	return (size_t)(m->nr_cpus - 1) * m->stride + m->value_size;
}

void map_value_store(const struct bpf_map *m, void *dst, const void *src)
{
	u8 *d = dst;
	const u8 *s = src;

	if (!m->has_lock) {
		memcpy(d, s, m->value_size);
		return;
	}
	memcpy(d, s, m->lock_off);
	memcpy(d + m->lock_off + 4, s + m->lock_off + 4, m->value_size - m->lock_off - 4);
}

void map_value_load(const struct bpf_map *m, void *dst, const void *src)
{
	memcpy(dst, src, m->value_size);
	if (m->has_lock)
		memset((u8 *)dst + m->lock_off, 0, 4);
}

void map_percpu_load(const struct bpf_map *m, void *dst, const void *base)
{
	for (u32 cpu = 0; cpu < m->nr_cpus; cpu++) {
		u8 *d = (u8 *)dst + (size_t)cpu * m->stride;

		memcpy(d, (const u8 *)base + (size_t)cpu * m->stride, m->value_size);
		memset(d + m->value_size, 0, m->stride - m->value_size);
	}
}

void map_percpu_store(const struct bpf_map *m, void *base, const void *src)
{
	for (u32 cpu = 0; cpu < m->nr_cpus; cpu++)
		memcpy((u8 *)base + (size_t)cpu * m->stride,
		       (const u8 *)src + (size_t)cpu * m->stride, m->value_size);
}

int map_lock_check(const struct bpf_map *m, const void *value, u64 flags)
{
	u32 word;

	if (!(flags & BPF_F_LOCK) || !m->has_lock)
		return 0;
	memcpy(&word, (const u8 *)value + m->lock_off, 4);
	return word ? -EDEADLK : 0;
}

int map_update_flags_ok(const struct bpf_map *m, u64 flags)
{
	if ((flags & ~BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && !m->has_lock)
		return -EINVAL;
	return 0;
}
