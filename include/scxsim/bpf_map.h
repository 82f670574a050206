/*
 * bpf_map.h — BPF maps for scxsim's BPF runtime: the kernel's map semantics (flags, error
 * codes, per-CPU values, spin-locked updates, ring buffers, task/cgroup local storage) behind a
 * plain C API with two faces:
 *   bpf_map_user_*  what a scheduler's user-space half does through the bpf() syscall / libbpf
 *                   (copies in and out, all CPUs' values of per-CPU maps, BPF_F_RDONLY/WRONLY);
 *   bpf_map_prog_*  what the BPF helpers do for a running program (value pointers into map
 *                   memory, one CPU of a per-CPU map, BPF_F_RDONLY_PROG).
 * The glue that implements the helpers (bpf_map_lookup_elem, bpf_ringbuf_reserve, ...) calls
 * the prog face; the module knows nothing of the VM or the loader.
 *
 * Why: a scheduler's maps must behave as in the kernel (same errors for the same misuse), and
 * be deterministic: no address or hash-seed order leaks into iteration, eviction or output.
 *
 * Ownership and lifetime:
 *  - struct bpf_map is opaque: bpf_map_create() / bpf_map_destroy() (NULL-safe). The spec's
 *    name is copied (truncated to BPF_MAP_NAME_MAX - 1 bytes).
 *  - Value memory is stable. A value pointer returned by bpf_map_prog_lookup() (or storage
 *    get, or given to a for_each callback) stays valid until the end of the grace period in
 *    which its element was deleted or evicted: the memory is released only by
 *    bpf_map_rcu_sync(), which the glue calls after each scheduler callback (and after each
 *    batch of user-space calls). Array values live as long as the map.
 *  - Memory BPF may touch is announced through the spec's region callback: added when it
 *    appears (array block at create, hash/storage element value when the element is created,
 *    ring-buffer record at reserve), removed when it goes (element values at the rcu_sync that
 *    frees them, records at submit/discard, everything left at destroy). Order is
 *    deterministic: creation order for additions, deletion order at rcu_sync, and at destroy
 *    pending elements (deletion order), then live elements (insertion order), then arrays.
 *    Each region is [ptr, ptr + len) with len > 0; regions never overlap.
 *  - Keys given to for_each callbacks are host pointers that are not announced as regions;
 *    the glue copies them where BPF can read them (key_size <= BPF_MAP_MAX_KEY).
 *
 * Determinism: hashes use FNV-1a (no seed); get_next_key and for_each walk hash maps in
 * insertion order (an update of an existing key keeps its place), arrays in index order; LRU
 * maps evict the least recently used element exactly (a recency list, see docs/bpf-maps.md).
 *
 * Errors are negative errno values as the kernel returns them; where the kernel returns its
 * internal ENOTSUPP (524) this module returns -EOPNOTSUPP. Creation errors also write one line
 * naming the map ("map 'q': key_size must be 0 for QUEUE") into the caller's buffer.
 *
 * Not thread-safe: the simulator is single-threaded. bpf_spin_lock is a 32-bit word in the
 * value: 0 unlocked, non-zero locked (the glue's bpf_spin_lock/unlock set it); BPF_F_LOCK
 * operations need it unlocked (else -EDEADLK, where the kernel would spin forever).
 */
#ifndef SCXSIM_BPF_MAP_H
#define SCXSIM_BPF_MAP_H

#include <stddef.h>
#include "scxsim/types.h"

struct bpf_map;

/* ---- kernel ABI numbers (include/uapi/linux/bpf.h) ------------------------------------- */

enum bpf_map_type {
	BPF_MAP_TYPE_UNSPEC = 0,
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PROG_ARRAY = 3,
	BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_STACK_TRACE = 7,
	BPF_MAP_TYPE_CGROUP_ARRAY = 8,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_LRU_PERCPU_HASH = 10,
	BPF_MAP_TYPE_LPM_TRIE = 11,
	BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPF_MAP_TYPE_HASH_OF_MAPS = 13,
	BPF_MAP_TYPE_DEVMAP = 14,
	BPF_MAP_TYPE_SOCKMAP = 15,
	BPF_MAP_TYPE_CPUMAP = 16,
	BPF_MAP_TYPE_XSKMAP = 17,
	BPF_MAP_TYPE_SOCKHASH = 18,
	BPF_MAP_TYPE_CGROUP_STORAGE = 19,
	BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20,
	BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE = 21,
	BPF_MAP_TYPE_QUEUE = 22,
	BPF_MAP_TYPE_STACK = 23,
	BPF_MAP_TYPE_SK_STORAGE = 24,
	BPF_MAP_TYPE_DEVMAP_HASH = 25,
	BPF_MAP_TYPE_STRUCT_OPS = 26,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_INODE_STORAGE = 28,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
	BPF_MAP_TYPE_BLOOM_FILTER = 30,
	BPF_MAP_TYPE_USER_RINGBUF = 31,
	BPF_MAP_TYPE_CGRP_STORAGE = 32,
	BPF_MAP_TYPE_ARENA = 33,
};

/* Update/lookup flags (BPF_MAP_*_ELEM). */
#define BPF_ANY     0ULL /* create new element or update existing */
#define BPF_NOEXIST 1ULL /* create new element if it didn't exist */
#define BPF_EXIST   2ULL /* update existing element */
#define BPF_F_LOCK  4ULL /* spin_lock-ed lookup/update */

/* map_flags (BPF_MAP_CREATE). */
#define BPF_F_NO_PREALLOC      (1U << 0)
#define BPF_F_NO_COMMON_LRU    (1U << 1)
#define BPF_F_NUMA_NODE        (1U << 2)
#define BPF_F_RDONLY           (1U << 3)
#define BPF_F_WRONLY           (1U << 4)
#define BPF_F_STACK_BUILD_ID   (1U << 5)
#define BPF_F_ZERO_SEED        (1U << 6)
#define BPF_F_RDONLY_PROG      (1U << 7)
#define BPF_F_WRONLY_PROG      (1U << 8)
#define BPF_F_CLONE            (1U << 9)
#define BPF_F_MMAPABLE         (1U << 10)
#define BPF_F_PRESERVE_ELEMS   (1U << 11)
#define BPF_F_INNER_MAP        (1U << 12)
#define BPF_F_LINK             (1U << 13)
#define BPF_F_PATH_FD          (1U << 14)
#define BPF_F_VTYPE_BTF_OBJ_FD (1U << 15)
#define BPF_F_TOKEN_FD         (1U << 16)
#define BPF_F_SEGV_ON_FAULT    (1U << 17)
#define BPF_F_NO_USER_CONV     (1U << 18)

/* Ring buffers. */
#define BPF_RB_NO_WAKEUP    (1ULL << 0)
#define BPF_RB_FORCE_WAKEUP (1ULL << 1)
#define BPF_RB_AVAIL_DATA 0 /* bpf_ringbuf_query() selectors */
#define BPF_RB_RING_SIZE  1
#define BPF_RB_CONS_POS   2
#define BPF_RB_PROD_POS   3
#define BPF_RINGBUF_BUSY_BIT    (1U << 31)
#define BPF_RINGBUF_DISCARD_BIT (1U << 30)
#define BPF_RINGBUF_HDR_SZ      8

/* bpf_task_storage_get() / bpf_cgrp_storage_get() flag. */
#define BPF_LOCAL_STORAGE_GET_F_CREATE (1ULL << 0)

/* ---- scxsim limits ---------------------------------------------------------------------- */

#define BPF_MAP_NAME_MAX 64            /* names are truncated to 63 bytes */
#define BPF_MAP_MAX_KEY 512            /* MAX_BPF_STACK: a key must fit a BPF stack frame */
#define BPF_MAP_MAX_VALUE (4U << 20)   /* KMALLOC_MAX_SIZE on x86-64 */
#define BPF_MAP_PERCPU_MAX_VALUE 32768 /* PCPU_MIN_UNIT_SIZE, per CPU (rounded up to 8) */
#define BPF_MAP_MAX_CPUS 8192          /* NR_CPUS of a large kernel config */
#define BPF_MAP_MAX_BYTES (1ULL << 30) /* preallocated bytes per map (arrays, rings) */
#define BPF_MAP_PAGE_SIZE 4096

/* ---- creation ----------------------------------------------------------------------------- */

/*
 * Called when memory BPF may access appears (added) or disappears (!added). ptr/len are the
 * exact bytes; the glue registers them as VM regions (read-only for BPF_F_RDONLY_PROG maps,
 * see bpf_map_flags()). Must not call back into the map.
 */
typedef void (*bpf_map_region_fn)(void *ctx, const struct bpf_map *map, void *ptr, size_t len,
				  bool added);

struct bpf_map_spec {
	const char *name;          /* for messages; NULL is "(unnamed)" */
	u32 type;                  /* enum bpf_map_type */
	u32 key_size;
	u32 value_size;            /* 0 for RINGBUF/USER_RINGBUF */
	u32 max_entries;           /* ring size in bytes for RINGBUF/USER_RINGBUF; 0 for storage */
	u32 map_flags;             /* BPF_F_* */
	u32 nr_cpus;               /* per-CPU maps: possible CPUs, 1..BPF_MAP_MAX_CPUS; else ignored */
	bool has_spin_lock;        /* the value holds a struct bpf_spin_lock (from BTF) ... */
	u32 spin_lock_off;         /* ... at this byte offset (4-byte aligned) */
	bpf_map_region_fn region_fn; /* optional */
	void *region_ctx;          /* passed to region_fn */
	/* ARRAY_OF_MAPS / HASH_OF_MAPS: the inner map template (the kernel's inner_map_fd): an
	 * inner map must have its type, key_size, value_size, map_flags and, for arrays without
	 * BPF_F_INNER_MAP, max_entries. Required for those types, ignored by the others. */
	const struct bpf_map_spec *inner;
};

/*
 * Validates the spec as the kernel's map_alloc_check/map_alloc would and creates the map
 * (arrays and rings zero-filled; hash maps start empty and grow, bounded by max_entries).
 * 0 and *out, or a negative errno with one line in err (err may be NULL):
 *   -EINVAL  bad sizes, flags or type ("map 'x': map_flags 0x400: BPF_F_MMAPABLE is not
 *            allowed for HASH"), -E2BIG  a size above the kernel's limit,
 *   -EOPNOTSUPP  a map type scxsim does not implement, LRU with BPF_F_NO_PREALLOC, or a
 *            bpf_spin_lock in a map type that cannot hold one,
 *   -ENOMEM  out of memory or above BPF_MAP_MAX_BYTES.
 */
int bpf_map_create(const struct bpf_map_spec *spec, struct bpf_map **out, char *err,
		   size_t errlen);
/* Frees everything at once (no grace period: no program may run any more); reports the
 * removal of every region still announced. NULL-safe. */
void bpf_map_destroy(struct bpf_map *map);

/* ---- map-in-map (ARRAY_OF_MAPS, HASH_OF_MAPS) ---------------------------------------------
 * A slot holds an inner map (the kernel stores a map pointer behind a u32 fd value). The BPF
 * lookup (bpf_map_prog_lookup) returns the inner map itself, NULL for an empty slot; BPF may not
 * update or delete (the kernel's verifier refuses: -EOPNOTSUPP here). From user space, slots are
 * set with bpf_map_inner_set (there are no fds), read with bpf_map_inner_get, cleared with
 * bpf_map_user_delete; bpf_map_user_lookup/update answer -EOPNOTSUPP. Slot memory is never a
 * region: BPF cannot read or write it. The outer map does not own its inner maps. */
/* 0, or -EINVAL (not a map-in-map, NULL inner, inner of another shape than the template; err
 * names the first difference: "map 'outer': inner map 'q' has value_size 8, the template 4"),
 * -E2BIG (array index out of range or hash full), -EEXIST/-ENOENT (BPF_NOEXIST/BPF_EXIST). */
int bpf_map_inner_set(struct bpf_map *outer, const void *key, struct bpf_map *inner, u64 flags,
		      char *err, size_t errlen);
/* The inner map at key, or NULL (empty slot, missing key, not a map-in-map). */
struct bpf_map *bpf_map_inner_get(struct bpf_map *outer, const void *key);
bool bpf_map_is_of_maps(const struct bpf_map *map);

/* ---- information -------------------------------------------------------------------------- */

const char *bpf_map_name(const struct bpf_map *map);
u32 bpf_map_type(const struct bpf_map *map);
u32 bpf_map_key_size(const struct bpf_map *map);
u32 bpf_map_value_size(const struct bpf_map *map);
u32 bpf_map_max_entries(const struct bpf_map *map);
u32 bpf_map_flags(const struct bpf_map *map);
u32 bpf_map_nr_cpus(const struct bpf_map *map); /* 1 for maps that are not per-CPU */
bool bpf_map_is_percpu(const struct bpf_map *map);
/* Bytes a user-space value buffer needs: value_size, or for per-CPU maps
 * nr_cpus * round_up(value_size, 8) (CPU i's value at i * round_up(value_size, 8)). */
size_t bpf_map_user_value_size(const struct bpf_map *map);
/* Live elements (hash, storage, queue/stack); max_entries for arrays; bytes of unconsumed
 * data for rings. */
u32 bpf_map_count(const struct bpf_map *map);
/* Elements deleted or evicted and waiting for bpf_map_rcu_sync(). */
u32 bpf_map_pending_frees(const struct bpf_map *map);
/* "HASH", "LRU_PERCPU_HASH", ... or "UNKNOWN" (a static string). */
const char *bpf_map_type_name(u32 type);

/* ---- grace period ------------------------------------------------------------------------- */

/*
 * Ends the grace period: frees the elements deleted or evicted since the last call, reporting
 * their regions' removal in deletion order. -EBUSY (and nothing freed) when called from inside
 * a for_each or drain callback of this map; -EINVAL for a NULL map; 0 otherwise.
 */
int bpf_map_rcu_sync(struct bpf_map *map);

/* ---- user-space face (bpf() syscall semantics) ------------------------------------------- */

/*
 * lookup: copies the value (per-CPU: every CPU's, see bpf_map_user_value_size()).
 *   flags: 0 or BPF_F_LOCK (-EINVAL otherwise, or without a spin lock); -ENOENT no such key
 *   (array index out of range too); -EPERM with BPF_F_WRONLY; queue/stack: peek (key ignored).
 * update: BPF_ANY/BPF_NOEXIST/BPF_EXIST (| BPF_F_LOCK): -EEXIST, -ENOENT, -E2BIG when a hash
 *   map is full or an array index is out of range, -EINVAL for unknown flags; -EPERM with
 *   BPF_F_RDONLY; LRU maps evict instead of -E2BIG; queue/stack: push (key ignored).
 * delete: -ENOENT; arrays -EINVAL; queue/stack -EINVAL; -EPERM with BPF_F_RDONLY.
 * get_next_key: key NULL or absent -> first key; -ENOENT after the last; arrays in index
 *   order (an out-of-range index restarts at 0), hashes in insertion order.
 * lookup_and_delete: hash maps (flags 0 or BPF_F_LOCK) and queue/stack (pop, flags must be
 *   0); -EOPNOTSUPP for other types; -EPERM if the map is RDONLY or WRONLY.
 * Storage and ring maps answer -EOPNOTSUPP here (see their own calls below).
 */
int bpf_map_user_lookup(struct bpf_map *map, const void *key, void *value, u64 flags);
int bpf_map_user_update(struct bpf_map *map, const void *key, const void *value, u64 flags);
int bpf_map_user_delete(struct bpf_map *map, const void *key);
int bpf_map_user_get_next_key(struct bpf_map *map, const void *key, void *next_key);
int bpf_map_user_lookup_and_delete(struct bpf_map *map, const void *key, void *value,
				   u64 flags);
/* Queue/stack from user space (libbpf does these with update/lookup/lookup_and_delete and a
 * NULL key). -EINVAL for other map types. */
int bpf_map_user_push(struct bpf_map *map, const void *value, u64 flags);
int bpf_map_user_pop(struct bpf_map *map, void *value);
int bpf_map_user_peek(struct bpf_map *map, void *value);

/* Task/cgroup storage from user space; owner is the task or cgroup pointer (the kernel takes a
 * pidfd / cgroup fd). NULL owner: -EBADF. Same flags and errors as lookup/update/delete. */
int bpf_map_user_storage_lookup(struct bpf_map *map, const void *owner, void *value, u64 flags);
int bpf_map_user_storage_update(struct bpf_map *map, const void *owner, const void *value,
				u64 flags);
int bpf_map_user_storage_delete(struct bpf_map *map, const void *owner);

/* A ring-buffer record: data and its length. Return < 0 to stop (consume), 1 to stop (drain),
 * 0 to go on. */
typedef int (*bpf_map_sample_fn)(void *ctx, void *data, u32 size);

/*
 * RINGBUF consumer (libbpf ring_buffer__consume_n): calls fn for each committed record in
 * order, skipping discarded ones, stopping at a record still reserved, after max records
 * (0: no limit), or when fn returns < 0 (that record counts as consumed; the error is
 * returned). Returns the number of records passed to fn. -EINVAL for other map types.
 */
long bpf_map_user_ringbuf_consume(struct bpf_map *map, bpf_map_sample_fn fn, void *ctx,
				  u64 max);
/*
 * USER_RINGBUF producer (libbpf user_ring_buffer__reserve/submit/discard): reserve size bytes,
 * *sample points at them (8-byte aligned). -E2BIG if the record can never fit, -ENOSPC if it
 * does not fit now, -EINVAL for other map types. submit/discard: -EINVAL if sample is not an
 * outstanding reservation of this map.
 */
int bpf_map_user_ringbuf_reserve(struct bpf_map *map, u32 size, void **sample);
int bpf_map_user_ringbuf_submit(struct bpf_map *map, void *sample);
int bpf_map_user_ringbuf_discard(struct bpf_map *map, void *sample);

/* ---- BPF-program face (helpers) ----------------------------------------------------------- */

/*
 * bpf_map_lookup_elem / bpf_map_lookup_percpu_elem: a pointer to the value (for per-CPU maps
 * CPU cpu's; cpu is ignored otherwise), or NULL (no key, index out of range, cpu >= nr_cpus,
 * map type without lookup). LRU: the element becomes the most recently used.
 */
void *bpf_map_prog_lookup(struct bpf_map *map, const void *key, u32 cpu);
/* bpf_map_update_elem: as the user update, but per-CPU maps write CPU cpu's value (a new
 * element's other CPUs are zeroed); -EACCES for BPF_F_RDONLY_PROG maps (the kernel's verifier
 * refuses the program). */
int bpf_map_prog_update(struct bpf_map *map, const void *key, const void *value, u64 flags,
			u32 cpu);
/* bpf_map_delete_elem: -ENOENT, -EINVAL (arrays, queue/stack), -EACCES (RDONLY_PROG). */
int bpf_map_prog_delete(struct bpf_map *map, const void *key);
/* bpf_map_push_elem / pop / peek (queue, stack): push flags 0 or BPF_EXIST (overwrite the
 * oldest when full), -E2BIG when full without BPF_EXIST, -EINVAL for BPF_NOEXIST or unknown
 * flags; pop/peek -ENOENT when empty (value zeroed). -EINVAL for other map types; push/pop
 * -EACCES for RDONLY_PROG maps. */
int bpf_map_prog_push(struct bpf_map *map, const void *value, u64 flags);
int bpf_map_prog_pop(struct bpf_map *map, void *value);
int bpf_map_prog_peek(struct bpf_map *map, void *value);

/* A for_each callback: key (host memory, key_size bytes), value (map memory). Return 0 to go
 * on, non-zero (1) to stop. */
typedef int (*bpf_map_elem_fn)(void *ctx, const void *key, void *value);
/*
 * bpf_for_each_map_elem: visits the elements that exist when it starts (arrays: every index;
 * hashes: insertion order, skipping elements deleted meanwhile; elements added by the callback
 * are not visited), passing CPU cpu's value of per-CPU maps. Returns the number of elements
 * visited (including the one whose callback stopped the walk); -EINVAL if flags != 0,
 * -EOPNOTSUPP for map types without for_each.
 */
long bpf_map_prog_for_each(struct bpf_map *map, bpf_map_elem_fn fn, void *ctx, u64 flags,
			   u32 cpu);

/*
 * RINGBUF: bpf_ringbuf_reserve (NULL if flags != 0, the record cannot fit now or ever),
 * submit/discard (flags: BPF_RB_NO_WAKEUP, BPF_RB_FORCE_WAKEUP, others ignored as the kernel
 * does; -EINVAL if sample is not an outstanding reservation of this map — the kernel's
 * verifier guarantees it, scxsim checks), output (-EINVAL for unknown flags, -EAGAIN when
 * full), query (BPF_RB_*; 0 for an unknown selector).
 */
void *bpf_map_prog_ringbuf_reserve(struct bpf_map *map, u64 size, u64 flags);
int bpf_map_prog_ringbuf_submit(struct bpf_map *map, void *sample, u64 flags);
int bpf_map_prog_ringbuf_discard(struct bpf_map *map, void *sample, u64 flags);
int bpf_map_prog_ringbuf_output(struct bpf_map *map, const void *data, u64 size, u64 flags);
u64 bpf_map_prog_ringbuf_query(struct bpf_map *map, u64 flags);
/* Is sample an outstanding reservation of this RINGBUF (for a glue that must find the map
 * of a sample it is given)? */
bool bpf_map_ringbuf_owns(const struct bpf_map *map, const void *sample);
/* Wakeups the ring would have sent its consumer or producer so far (statistics, tests). */
u64 bpf_map_ringbuf_wakeups(const struct bpf_map *map);

/*
 * USER_RINGBUF: bpf_user_ringbuf_drain. Calls fn for each committed sample in order (discarded
 * ones skipped) until none is left, a reserved one is next, fn returns non-zero, or 128 Ki
 * samples. Returns the number of samples passed to fn; -EINVAL (unknown flags, other map
 * type), -EBUSY (a drain of this map is already running).
 */
long bpf_map_prog_user_ringbuf_drain(struct bpf_map *map, bpf_map_sample_fn fn, void *ctx,
				     u64 flags);

/*
 * TASK_STORAGE / CGRP_STORAGE: bpf_task_storage_get / bpf_cgrp_storage_get. Returns the
 * owner's value, creating it (from init, or zeroed when init is NULL) with
 * BPF_LOCAL_STORAGE_GET_F_CREATE; NULL for an unknown flag, a NULL owner, a missing value
 * without F_CREATE. delete: 0, -ENOENT, -EINVAL (NULL owner or not a storage map).
 */
void *bpf_map_prog_storage_get(struct bpf_map *map, const void *owner, const void *init,
			       u64 flags);
int bpf_map_prog_storage_delete(struct bpf_map *map, const void *owner);
/* The owner (task or cgroup) goes away: its storage in this map is deleted (freed at the next
 * bpf_map_rcu_sync()). 0 or -ENOENT if it had none. */
int bpf_map_storage_owner_gone(struct bpf_map *map, const void *owner);

#endif
