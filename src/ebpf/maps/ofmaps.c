/*
 * ofmaps.c — BPF_MAP_TYPE_ARRAY_OF_MAPS and BPF_MAP_TYPE_HASH_OF_MAPS, as the kernel's
 * arraymap.c (fd arrays) and hashtab.c (htab of maps) with map_in_map.c's template check.
 *
 * A slot holds a pointer to an inner map. The kernel's value is a u32 fd on the way in and a
 * map pointer inside; value_size is 4 as in the kernel, and the 8-byte stride every array
 * element and hash value already has (round_up(4, 8)) holds the pointer. The BPF lookup
 * returns the inner map itself (what the kernel's inlined lookup loads), NULL for an empty
 * slot, so helpers can take it as a map argument.
 *
 * Why the inner template: the kernel creates the outer map from an inner map fd and accepts an
 * inner map only if bpf_map_meta_equal() holds (type, key_size, value_size, map_flags) and, for
 * arrays, max_entries too unless the template has BPF_F_INNER_MAP (array_map_meta_equal).
 *
 * Invariants: a non-NULL slot always points at a map of the template's shape; slot memory is
 * never announced as a region (map_region skips of-maps), so BPF can neither read nor write it;
 * the outer map does not own its inner maps (they are destroyed by whoever created them).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ebpf/maps/map_int.h"

/* ---- template check -------------------------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static int inner_fail(const struct bpf_map *outer, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "map '%s': ", outer->name);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The kernel's bpf_map_meta_equal (+ array_map_meta_equal's max_entries rule). */
static int inner_matches(const struct bpf_map *o, const struct bpf_map *in, char *err,
			 size_t errlen)
{
	const struct bpf_map_spec *t = &o->inner;
	bool is_array = t->type == BPF_MAP_TYPE_ARRAY || t->type == BPF_MAP_TYPE_PERCPU_ARRAY;

	if (in->type != t->type)
		return inner_fail(o, err, errlen, "inner map '%s' is %s, the template %s", in->name,
				  bpf_map_type_name(in->type), bpf_map_type_name(t->type));
	if (in->key_size != t->key_size)
		return inner_fail(o, err, errlen, "inner map '%s' has key_size %u, the template %u",
				  in->name, in->key_size, t->key_size);
	if (in->value_size != t->value_size)
		return inner_fail(o, err, errlen, "inner map '%s' has value_size %u, the template %u",
				  in->name, in->value_size, t->value_size);
	if (in->flags != t->map_flags)
		return inner_fail(o, err, errlen, "inner map '%s' has map_flags 0x%x, the template "
				  "0x%x", in->name, in->flags, t->map_flags);
	if (is_array && !(t->map_flags & BPF_F_INNER_MAP) && in->max_entries != t->max_entries)
		return inner_fail(o, err, errlen, "inner map '%s' has max_entries %u, the template %u "
				  "(without BPF_F_INNER_MAP they must be equal)", in->name,
				  in->max_entries, t->max_entries);
	return 0;
}

/* ---- slots ------------------------------------------------------------------------------------ */

static struct bpf_map *slot_get(const void *slot)
{
	struct bpf_map *in;

	memcpy(&in, slot, sizeof(in));
	return in;
}

static void slot_put(void *slot, struct bpf_map *in)
{
	memcpy(slot, &in, sizeof(in));
}

/* Array: the slot of index *key, NULL out of range. */
static u8 *aom_slot(const struct bpf_map *m, const void *key)
{
	u32 idx;

	memcpy(&idx, key, sizeof(idx));
	return idx < m->max_entries ? m->arr.values + (size_t)idx * m->arr.elem_bytes : NULL;
}

static u8 *hom_slot(struct bpf_map *m, const void *key)
{
	struct htab_elem *e = map_htab_find(m, key);

	return e ? map_htab_value(m, e) : NULL;
}

static u8 *slot_of(struct bpf_map *m, const void *key)
{
	return m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ? aom_slot(m, key) : hom_slot(m, key);
}

/* Array slots always exist; BPF_NOEXIST on an occupied one is -EEXIST, BPF_EXIST on an empty
 * one -ENOENT (fd arrays ignore both; the stricter reading is kept for both types). */
static int aom_set(struct bpf_map *m, const void *key, struct bpf_map *in, u64 flags)
{
	u8 *s = aom_slot(m, key);

	if (!s)
		return -E2BIG;
	if ((flags & BPF_NOEXIST) && slot_get(s))
		return -EEXIST;
	slot_put(s, in);
	return 0;
}

static int hom_set(struct bpf_map *m, const void *key, struct bpf_map *in, u64 flags)
{
	struct htab_elem *e = map_htab_find(m, key);
	int err;

	if (e && (flags & BPF_NOEXIST))
		return -EEXIST;
	if (!e && (flags & BPF_EXIST))
		return -ENOENT;
	if (!e) {
		err = map_htab_insert(m, key, &e);
		if (err)
			return err;
	}
	slot_put(map_htab_value(m, e), in);
	return 0;
}

int bpf_map_inner_set(struct bpf_map *outer, const void *key, struct bpf_map *inner, u64 flags,
		      char *err, size_t errlen)
{
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!outer || !key || !outer->mt->of_maps)
		return outer ? inner_fail(outer, err, errlen, "not a map-in-map (%s)",
					  bpf_map_type_name(outer->type)) : -EINVAL;
	if (!inner)
		return inner_fail(outer, err, errlen, "no inner map given");
	if (flags > BPF_EXIST)
		return inner_fail(outer, err, errlen, "update flags 0x%llx", (unsigned long long)flags);
	ret = inner_matches(outer, inner, err, errlen);
	if (ret)
		return ret;
	ret = outer->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ? aom_set(outer, key, inner, flags)
						       : hom_set(outer, key, inner, flags);
	if (ret == -E2BIG)
		inner_fail(outer, err, errlen, "no room for inner map '%s' (max_entries %u)",
			   inner->name, outer->max_entries);
	return ret;
}

struct bpf_map *bpf_map_inner_get(struct bpf_map *outer, const void *key)
{
	u8 *s;

	if (!outer || !key || !outer->mt->of_maps)
		return NULL;
	s = slot_of(outer, key);
	return s ? slot_get(s) : NULL;
}

bool bpf_map_is_of_maps(const struct bpf_map *map)
{
	return map && map->mt->of_maps;
}

/* ---- ops -------------------------------------------------------------------------------------- */

static void *ofm_prog_lookup(struct bpf_map *m, const void *key, u32 cpu)
{
	return bpf_map_inner_get(m, key);
}

/* An fd array's delete empties the slot: -E2BIG out of range, -ENOENT if already empty. */
static int aom_delete(struct bpf_map *m, const void *key)
{
	u8 *s = aom_slot(m, key);

	if (!s)
		return -E2BIG;
	if (!slot_get(s))
		return -ENOENT;
	slot_put(s, NULL);
	return 0;
}

static int hom_delete(struct bpf_map *m, const void *key)
{
	return map_hash_ops.delete(m, key);
}

/* The rest is the array's or the hash core's own. */
static const struct map_ops *base_ops(const struct bpf_map *m)
{
	return m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ? &map_array_ops : &map_hash_ops;
}

static int ofm_init(struct bpf_map *m)
{
	return base_ops(m)->init(m);
}

static void ofm_fini(struct bpf_map *m)
{
	base_ops(m)->fini(m);
}

static void ofm_sync(struct bpf_map *m)
{
	if (base_ops(m)->sync)
		base_ops(m)->sync(m);
}

static u32 ofm_count(const struct bpf_map *m)
{
	return base_ops(m)->count(m);
}

static int ofm_next_key(struct bpf_map *m, const void *key, void *next)
{
	return base_ops(m)->next_key(m, key, next);
}

/* lookup/update from user space: NULL = -EOPNOTSUPP (no fds; use bpf_map_inner_set/get);
 * prog_update / for_each: NULL (the kernel's verifier refuses them for map-in-map). */
const struct map_ops map_array_of_maps_ops = {
	.init = ofm_init,
	.fini = ofm_fini,
	.sync = ofm_sync,
	.count = ofm_count,
	.delete = aom_delete,
	.next_key = ofm_next_key,
	.prog_lookup = ofm_prog_lookup,
};

const struct map_ops map_hash_of_maps_ops = {
	.init = ofm_init,
	.fini = ofm_fini,
	.sync = ofm_sync,
	.count = ofm_count,
	.delete = hom_delete,
	.next_key = ofm_next_key,
	.prog_lookup = ofm_prog_lookup,
};
