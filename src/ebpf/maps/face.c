/*
 * face.c — the two faces of every map: bpf_map_user_* (what the bpf() syscall checks before it
 * calls a map's operation: flags, BPF_F_RDONLY/WRONLY permissions, NULL arguments) and
 * bpf_map_prog_* (what the helpers check: BPF_F_RDONLY_PROG, which the kernel's verifier
 * enforces when it loads the program), then dispatch to the map type's operation.
 *
 * Why separate: the same map operation answers both faces; the checks around it differ the
 * way the kernel's syscall layer and verifier differ.
 *
 * Invariants: every entry point accepts a NULL map (-EINVAL / NULL) and never reaches an
 * operation the type does not have (-EOPNOTSUPP, or the kernel's code where it has one).
 */
#include <string.h>
#include "ebpf/maps/map_int.h"

static bool is_qstack(const struct bpf_map *m)
{
	return m->type == BPF_MAP_TYPE_QUEUE || m->type == BPF_MAP_TYPE_STACK;
}

static bool is_hash(const struct bpf_map *m)
{
	return m->mt->ops == &map_hash_ops;
}

/* ---- user-space face ------------------------------------------------------------------------ */

int bpf_map_user_lookup(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	if (!map || !value || (!key && !is_qstack(map)))
		return -EINVAL;
	if (flags & ~BPF_F_LOCK)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && !map->has_lock)
		return -EINVAL;
	if (map->flags & BPF_F_WRONLY)
		return -EPERM;
	if (is_qstack(map))
		return map->mt->ops->pop(map, value, false);
	if (!map->mt->ops->lookup)
		return -EOPNOTSUPP;
	return map->mt->ops->lookup(map, key, value, flags);
}

int bpf_map_user_update(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	if (!map || !value || (!key && !is_qstack(map)))
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && !map->has_lock)
		return -EINVAL;
	if (map->flags & BPF_F_RDONLY)
		return -EPERM;
	if (is_qstack(map))
		return map->mt->ops->push(map, value, flags);
	if (!map->mt->ops->update)
		return -EOPNOTSUPP;
	return map->mt->ops->update(map, key, value, flags);
}

int bpf_map_user_delete(struct bpf_map *map, const void *key)
{
	if (!map || (!key && !is_qstack(map)))
		return -EINVAL;
	if (map->flags & BPF_F_RDONLY)
		return -EPERM;
	if (!map->mt->ops->delete)
		return -EOPNOTSUPP;
	return map->mt->ops->delete(map, key);
}

int bpf_map_user_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	if (!map || !next_key)
		return -EINVAL;
	if (map->flags & BPF_F_WRONLY)
		return -EPERM;
	if (!map->mt->ops->next_key)
		return -EOPNOTSUPP;
	return map->mt->ops->next_key(map, key, next_key);
}

int bpf_map_user_lookup_and_delete(struct bpf_map *map, const void *key, void *value,
				   u64 flags)
{
	if (!map || !value || (!key && !is_qstack(map)))
		return -EINVAL;
	if (flags & ~BPF_F_LOCK)
		return -EINVAL;
	if (flags && is_qstack(map))
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && !map->has_lock)
		return -EINVAL;
	if (map->flags & (BPF_F_RDONLY | BPF_F_WRONLY))
		return -EPERM;
	if (is_qstack(map))
		return map->mt->ops->pop(map, value, true);
	if (!is_hash(map))
		return -EOPNOTSUPP;
	return map->mt->ops->lookup_delete(map, key, value, flags);
}

int bpf_map_user_push(struct bpf_map *map, const void *value, u64 flags)
{
	if (!map || !is_qstack(map))
		return -EINVAL;
	return bpf_map_user_update(map, NULL, value, flags);
}

int bpf_map_user_pop(struct bpf_map *map, void *value)
{
	if (!map || !is_qstack(map))
		return -EINVAL;
	return bpf_map_user_lookup_and_delete(map, NULL, value, 0);
}

int bpf_map_user_peek(struct bpf_map *map, void *value)
{
	if (!map || !is_qstack(map))
		return -EINVAL;
	return bpf_map_user_lookup(map, NULL, value, 0);
}

/* ---- BPF-program face ----------------------------------------------------------------------- */

void *bpf_map_prog_lookup(struct bpf_map *map, const void *key, u32 cpu)
{
	if (!map || !key || !map->mt->ops->prog_lookup)
		return NULL;
	if (cpu >= map->nr_cpus) {
		if (map->mt->percpu)
			return NULL;
		cpu = 0;
	}
	return map->mt->ops->prog_lookup(map, key, cpu);
}

int bpf_map_prog_update(struct bpf_map *map, const void *key, const void *value, u64 flags,
			u32 cpu)
{
	if (!map || !key || !value)
		return -EINVAL;
	if (map->flags & BPF_F_RDONLY_PROG)
		return -EACCES;
	if (is_qstack(map))
		return -EINVAL;
	if (!map->mt->ops->prog_update)
		return -EOPNOTSUPP;
	if (cpu >= map->nr_cpus) {
		if (map->mt->percpu)
			return -EINVAL;
		cpu = 0;
	}
	return map->mt->ops->prog_update(map, key, value, flags, cpu);
}

int bpf_map_prog_delete(struct bpf_map *map, const void *key)
{
	if (!map || !key)
		return -EINVAL;
	if (map->flags & BPF_F_RDONLY_PROG)
		return -EACCES;
	if (is_qstack(map))
		return -EINVAL;
	if (!map->mt->ops->delete || map->mt->of_maps) /* BPF may not change a map-in-map */
		return -EOPNOTSUPP;
	return map->mt->ops->delete(map, key);
}

int bpf_map_prog_push(struct bpf_map *map, const void *value, u64 flags)
{
	if (!map || !value || !is_qstack(map))
		return -EINVAL;
	if (map->flags & BPF_F_RDONLY_PROG)
		return -EACCES;
	return map->mt->ops->push(map, value, flags);
}

int bpf_map_prog_pop(struct bpf_map *map, void *value)
{
	if (!map || !value || !is_qstack(map))
		return -EINVAL;
	if (map->flags & BPF_F_RDONLY_PROG)
		return -EACCES;
	return map->mt->ops->pop(map, value, true);
}

int bpf_map_prog_peek(struct bpf_map *map, void *value)
{
	if (!map || !value || !is_qstack(map))
		return -EINVAL;
	return map->mt->ops->pop(map, value, false);
}

long bpf_map_prog_for_each(struct bpf_map *map, bpf_map_elem_fn fn, void *ctx, u64 flags,
			   u32 cpu)
{
	long n;

	if (!map || !fn || flags)
		return -EINVAL;
	if (!map->mt->ops->for_each)
		return -EOPNOTSUPP;
	if (cpu >= map->nr_cpus) {
		if (map->mt->percpu)
			return -EINVAL;
		cpu = 0;
	}
	map->busy++;
	n = map->mt->ops->for_each(map, fn, ctx, cpu);
	map->busy--;
	return n;
}
