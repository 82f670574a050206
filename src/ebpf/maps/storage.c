/*
 * storage.c — BPF_MAP_TYPE_TASK_STORAGE and BPF_MAP_TYPE_CGRP_STORAGE: one value per owner
 * (a task or cgroup, given as an opaque pointer by the glue), created on demand by
 * bpf_{task,cgrp}_storage_get(..., BPF_LOCAL_STORAGE_GET_F_CREATE) and deleted by
 * bpf_*_storage_delete(), by user space, or when the owner goes away.
 *
 * Built on the hash core keyed by the owner pointer's bytes (no max_entries: the kernel ties
 * the storage to the owner's lifetime instead). Lookups hash the pointer value, but nothing
 * observable depends on that order: local storage has no get_next_key or for_each (the kernel
 * refuses both), and frees are reported in deletion order.
 *
 * Local storage accepts no access flags (the kernel's mask is BPF_F_NO_PREALLOC | BPF_F_CLONE),
 * so there is no BPF_F_RDONLY* check here.
 *
 * Invariants: the map's key_size stays 4 (the kernel's fd key); the core's key is
 * sizeof(void *) bytes holding the owner pointer.
 */
#include <string.h>
#include "ebpf/maps/map_int.h"

static int storage_init(struct bpf_map *m)
{
	return map_htab_init(m, sizeof(void *), 0);
}

static u32 storage_count(const struct bpf_map *m)
{
	return m->ht.count;
}

static bool is_storage(const struct bpf_map *m)
{
	return m && m->mt->ops == &map_storage_ops;
}

static struct htab_elem *storage_find(struct bpf_map *m, const void *owner)
{
	return map_htab_find(m, &owner);
}

/* A new, zeroed value for owner, filled from init when given. */
static int storage_create(struct bpf_map *m, const void *owner, const void *init,
			  struct htab_elem **out)
{
	int err = map_htab_insert(m, &owner, out);

	if (!err && init)
		map_value_store(m, map_htab_value(m, *out), init);
	return err;
}

void *bpf_map_prog_storage_get(struct bpf_map *map, const void *owner, const void *init,
			       u64 flags)
{
	struct htab_elem *e;

	if (!is_storage(map) || !owner || (flags & ~BPF_LOCAL_STORAGE_GET_F_CREATE))
		return NULL;
	e = storage_find(map, owner);
	if (e)
		return map_htab_value(map, e);
	if (!(flags & BPF_LOCAL_STORAGE_GET_F_CREATE))
		return NULL;
	return storage_create(map, owner, init, &e) ? NULL : map_htab_value(map, e);
}

int bpf_map_prog_storage_delete(struct bpf_map *map, const void *owner)
{
	if (!is_storage(map) || !owner)
		return -EINVAL;
	return bpf_map_storage_owner_gone(map, owner);
}

int bpf_map_storage_owner_gone(struct bpf_map *map, const void *owner)
{
	struct htab_elem *e;

	if (!is_storage(map) || !owner)
		return -EINVAL;
	e = storage_find(map, owner);
	if (!e)
		return -ENOENT;
	map_htab_remove(map, e);
	return 0;
}

/* ---- user space (the kernel's pidfd / cgroup-fd keyed syscalls) ---------------------------- */

int bpf_map_user_storage_lookup(struct bpf_map *map, const void *owner, void *value, u64 flags)
{
	struct htab_elem *e;
	int err;

	if (!is_storage(map) || !value || (flags & ~BPF_F_LOCK))
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && !map->has_lock)
		return -EINVAL;
	if (!owner)
		return -EBADF;
	e = storage_find(map, owner);
	if (!e)
		return -ENOENT;
	err = map_lock_check(map, map_htab_value(map, e), flags);
	if (!err)
		map_value_load(map, value, map_htab_value(map, e));
	return err;
}

int bpf_map_user_storage_update(struct bpf_map *map, const void *owner, const void *value,
				u64 flags)
{
	u64 op = flags & ~BPF_F_LOCK;
	struct htab_elem *e;
	int err;

	if (!is_storage(map) || !value)
		return -EINVAL;
	err = map_update_flags_ok(map, flags);
	if (err)
		return err;
	if (!owner)
		return -EBADF;
	e = storage_find(map, owner);
	if (e && op == BPF_NOEXIST)
		return -EEXIST;
	if (!e && op == BPF_EXIST)
		return -ENOENT;
	if (!e)
		return storage_create(map, owner, value, &e);
	err = map_lock_check(map, map_htab_value(map, e), flags);
	if (!err)
		map_value_store(map, map_htab_value(map, e), value);
	return err;
}

int bpf_map_user_storage_delete(struct bpf_map *map, const void *owner)
{
	if (!is_storage(map))
		return -EINVAL;
	if (!owner)
		return -EBADF;
	return bpf_map_storage_owner_gone(map, owner);
}

const struct map_ops map_storage_ops = {
	.init = storage_init,
	.fini = map_htab_fini,
	.sync = map_htab_sync,
	.count = storage_count,
};
