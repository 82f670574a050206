/*
 * array.c — BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY: max_entries preallocated,
 * zero-filled values indexed by a u32 key, as the kernel's arraymap.c.
 *
 * Semantics: every index always exists, so update with BPF_NOEXIST is -EEXIST, delete is
 * -EINVAL, an index out of range is -E2BIG for update and -ENOENT (NULL from BPF) for lookup.
 * get_next_key and for_each go in index order. A per-CPU array keeps nr_cpus slots per index
 * (element-major: index i's CPU c slot at (i * nr_cpus + c) * stride).
 *
 * Invariants: values never move or go away before the map is destroyed, so the whole block is
 * one region, announced at init and withdrawn at fini.
 */
#include <stdlib.h>
#include <string.h>
#include "ebpf/maps/map_int.h"

static int array_init(struct bpf_map *m)
{
	struct array *a = &m->arr;
	size_t page = BPF_MAP_PAGE_SIZE;

	a->elem_bytes = (size_t)m->stride * m->nr_cpus;
	a->bytes = a->elem_bytes * m->max_entries;
	if (m->flags & BPF_F_MMAPABLE) {
		a->bytes = (a->bytes + page - 1) / page * page;
		a->values = aligned_alloc(page, a->bytes);
	} else {
		a->values = malloc(a->bytes);
	}
	if (!a->values)
		return -ENOMEM;
	memset(a->values, 0, a->bytes);
	map_region(m, a->values, a->elem_bytes * m->max_entries, true);
	return 0;
}

static void array_fini(struct bpf_map *m)
{
	map_region(m, m->arr.values, m->arr.elem_bytes * m->max_entries, false);
	free(m->arr.values);
}

static u32 array_count(const struct bpf_map *m)
{
	return m->max_entries;
}

/* The value of index *key (CPU 0's for per-CPU arrays), NULL when out of range. */
static u8 *array_elem(const struct bpf_map *m, const void *key)
{
	u32 idx;

	memcpy(&idx, key, sizeof(idx));
	if (idx >= m->max_entries)
		return NULL;
	return m->arr.values + (size_t)idx * m->arr.elem_bytes;
}

static int array_lookup(struct bpf_map *m, const void *key, void *value, u64 flags)
{
	u8 *v = array_elem(m, key);
	int err;

	if (!v)
		return -ENOENT;
	if (m->mt->percpu) {
		map_percpu_load(m, value, v);
		return 0;
	}
	err = map_lock_check(m, v, flags);
	if (!err)
		map_value_load(m, value, v);
	return err;
}

/* Checks shared by both faces, in the kernel's order. */
static int array_update_check(struct bpf_map *m, const void *key, u64 flags, u8 **v)
{
	int err = map_update_flags_ok(m, flags);

	if (err)
		return err;
	*v = array_elem(m, key);
	if (!*v)
		return -E2BIG;
	if (flags & BPF_NOEXIST)
		return -EEXIST;
	return map_lock_check(m, *v, flags);
}

static int array_update(struct bpf_map *m, const void *key, const void *value, u64 flags)
{
	u8 *v;
	int err = array_update_check(m, key, flags, &v);

	if (err)
		return err;
	if (m->mt->percpu)
		map_percpu_store(m, v, value);
	else
		map_value_store(m, v, value);
	return 0;
}

static int array_prog_update(struct bpf_map *m, const void *key, const void *value, u64 flags,
			     u32 cpu)
{
	u8 *v;
	int err = array_update_check(m, key, flags, &v);

	if (err)
		return err;
	map_value_store(m, v + (size_t)cpu * m->stride, value);
	return 0;
}

static int array_delete(struct bpf_map *m, const void *key)
{
	return -EINVAL;
}

static int array_next_key(struct bpf_map *m, const void *key, void *next)
{
	u32 idx = UINT32_MAX, n;

	if (key)
		memcpy(&idx, key, sizeof(idx));
	if (idx >= m->max_entries)
		n = 0;
	else if (idx == m->max_entries - 1)
		return -ENOENT;
	else
		n = idx + 1;
	memcpy(next, &n, sizeof(n));
	return 0;
}

static void *array_prog_lookup(struct bpf_map *m, const void *key, u32 cpu)
{
	u8 *v = array_elem(m, key);

	return v ? v + (size_t)cpu * m->stride : NULL;
}

static long array_for_each(struct bpf_map *m, bpf_map_elem_fn fn, void *ctx, u32 cpu)
{
	long n = 0;

	for (u32 i = 0; i < m->max_entries; i++) {
		u8 *v = m->arr.values + (size_t)i * m->arr.elem_bytes + (size_t)cpu * m->stride;

		n++;
		if (fn(ctx, &i, v))
			break;
	}
	return n;
}

const struct map_ops map_array_ops = {
	.init = array_init,
	.fini = array_fini,
	.count = array_count,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.next_key = array_next_key,
	.prog_lookup = array_prog_lookup,
	.prog_update = array_prog_update,
	.for_each = array_for_each,
};
