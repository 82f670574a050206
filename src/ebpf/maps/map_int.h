/*
 * map_int.h — the inside of struct bpf_map, shared by the files of src/ebpf/maps/:
 *   map.c      creation (the validation table), the user-space and BPF faces (permission
 *              and flag checks, as the kernel's syscall layer and verifier do), value copies
 *   array.c    ARRAY, PERCPU_ARRAY
 *   hash.c     the hash core (buckets, insertion order, LRU recency, grace-period frees) and
 *              HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH
 *   storage.c  TASK_STORAGE, CGRP_STORAGE on the hash core, keyed by the owner pointer
 *   queue.c    QUEUE, STACK
 *   ringbuf.c  RINGBUF, USER_RINGBUF
 *   ofmaps.c   ARRAY_OF_MAPS, HASH_OF_MAPS on the array and hash cores (slots hold map pointers)
 *
 * Invariants:
 *  - stride = round_up(value_size, 8): an array element's size and a per-CPU slot's size; a
 *    per-CPU value is nr_cpus slots, CPU i's at i * stride. nr_cpus is 1 for other maps.
 *  - Hash core: every live element is in exactly one bucket chain, in the insertion-order list
 *    (seq increasing from first to last) and, for LRU maps, in the recency list. A deleted
 *    element is unlinked from all three at once, marked dead and put on the pending list; it
 *    keeps its `next` pointer so that a for_each standing on it can go on. Pending elements are
 *    freed (or recycled through the free list) only by the grace-period sync, never while a
 *    callback of the map runs (busy > 0). live + free <= limit when limit != 0.
 *  - Ring: cons <= pend <= prod, prod - cons <= size; the data area is 2 * size bytes so a
 *    record that crosses the end stays contiguous (its tail lives in the second half, which
 *    plays the kernel's double mapping); headers always start in the first half.
 */
#ifndef SCXSIM_EBPF_MAPS_MAP_INT_H
#define SCXSIM_EBPF_MAPS_MAP_INT_H

#include <errno.h>
#include "scxsim/bpf_map.h"

#define MAP_ROUND8(x) (((x) + 7ULL) & ~7ULL)
#define MAP_ACCESS_FLAGS (BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)

struct bpf_map;

/* Per-type operations. NULL means "not supported by this map type" (map.c answers). */
struct map_ops {
	int (*init)(struct bpf_map *m);  /* after validation; -ENOMEM */
	void (*fini)(struct bpf_map *m); /* free everything, report regions' removal */
	void (*sync)(struct bpf_map *m); /* end of a grace period */
	u32 (*count)(const struct bpf_map *m);
	/* user-space face (flags and permissions already checked by map.c) */
	int (*lookup)(struct bpf_map *m, const void *key, void *value, u64 flags);
	int (*update)(struct bpf_map *m, const void *key, const void *value, u64 flags);
	int (*delete)(struct bpf_map *m, const void *key);
	int (*next_key)(struct bpf_map *m, const void *key, void *next);
	int (*lookup_delete)(struct bpf_map *m, const void *key, void *value, u64 flags);
	/* BPF face */
	void *(*prog_lookup)(struct bpf_map *m, const void *key, u32 cpu);
	int (*prog_update)(struct bpf_map *m, const void *key, const void *value, u64 flags,
			   u32 cpu);
	long (*for_each)(struct bpf_map *m, bpf_map_elem_fn fn, void *ctx, u32 cpu);
	int (*push)(struct bpf_map *m, const void *value, u64 flags);
	int (*pop)(struct bpf_map *m, void *value, bool remove);
};

/* What a map type accepts at creation: one row of map.c's table. */
enum map_key_rule { KEY_ANY, KEY_U32, KEY_ZERO, KEY_INT };
enum map_value_rule { VALUE_ANY, VALUE_ZERO, VALUE_U32 };
enum map_max_rule { MAX_ANY, MAX_ZERO, MAX_RING };

struct map_type {
	u32 type;                 /* enum bpf_map_type */
	const struct map_ops *ops;
	u32 flags_ok;             /* map_flags this type accepts */
	u8 key_rule;              /* enum map_key_rule */
	u8 value_rule;            /* enum map_value_rule */
	u8 max_rule;              /* enum map_max_rule */
	bool percpu;              /* per-CPU values */
	bool lru;                 /* evicts instead of -E2BIG */
	bool lock_ok;             /* may hold a bpf_spin_lock */
	u32 value_max;            /* largest value_size (per CPU for per-CPU maps) */
	bool of_maps;             /* slots hold inner map pointers (never a region) */
};

struct htab_elem {
	struct htab_elem *chain;          /* next in the bucket */
	struct htab_elem *prev, *next;    /* insertion order; a dead element keeps next */
	struct htab_elem *lru_prev;       /* toward the most recently used */
	struct htab_elem *lru_next;       /* toward the least recently used */
	struct htab_elem *free_next;      /* pending or free list */
	u64 hash;                         /* FNV-1a of the key */
	u64 seq;                          /* insertion number, increasing along the order list */
	bool dead;                        /* deleted, waiting for the grace period */
	_Alignas(8) u8 data[];            /* key (round_up(key_size, 8)) then the value(s) */
};

struct htab {
	struct htab_elem **buckets;       /* nbuckets chains */
	u32 nbuckets;                     /* power of 2, >= count */
	u32 count;                        /* live elements */
	u32 limit;                        /* most live elements, 0 = unbounded (storage) */
	u32 key_size;                     /* key bytes hashed and compared */
	u32 key_room;                     /* round_up(key_size, 8) */
	size_t value_bytes;               /* stride * nr_cpus */
	struct htab_elem *first, *last;   /* insertion order */
	struct htab_elem *mru, *lru;      /* recency (LRU maps only) */
	struct htab_elem *pend_head, *pend_tail; /* deleted, in deletion order */
	u32 npending;
	struct htab_elem *free;           /* recycled elements */
	u32 nfree;
	u64 seq;                          /* last insertion number */
};

struct array {
	u8 *values;                       /* max_entries * elem_bytes, zeroed */
	size_t elem_bytes;                /* stride * nr_cpus */
	size_t bytes;                     /* allocated */
};

struct qstack {
	u8 *elems;                        /* size * value_size */
	u32 size;                         /* max_entries + 1 (one slot stays empty) */
	u32 head;                         /* next slot to write */
	u32 tail;                         /* oldest element */
};

struct ringbuf {
	u8 *data;                         /* 2 * size bytes (see the invariants) */
	u64 size, mask;                   /* size is a power of 2 */
	u64 cons, prod, pend;             /* consumer, producer, oldest uncommitted positions */
	u64 *resv;                        /* positions of outstanding reservations, ascending */
	u32 nresv, cap_resv;
	u64 wakeups;                      /* notifications the kernel would have sent */
};

struct bpf_map {
	char name[BPF_MAP_NAME_MAX];      /* for messages */
	const struct map_type *mt;        /* row of the type table */
	u32 type, key_size, value_size, max_entries, flags;
	u32 nr_cpus;                      /* 1 unless per-CPU */
	u32 stride;                       /* round_up(value_size, 8) */
	bool has_lock;                    /* value holds a bpf_spin_lock ... */
	u32 lock_off;                     /* ... here */
	bpf_map_region_fn region_fn;      /* optional */
	void *region_ctx;
	u32 busy;                         /* for_each / drain callbacks in progress */
	struct bpf_map_spec inner;        /* of-maps: the inner template (name, fns unused) */
	union {
		struct array arr;
		struct htab ht;
		struct qstack qs;
		struct ringbuf rb;
	};
};

extern const struct map_ops map_array_ops;
extern const struct map_ops map_hash_ops;
extern const struct map_ops map_storage_ops;
extern const struct map_ops map_queue_ops;
extern const struct map_ops map_stack_ops;
extern const struct map_ops map_ringbuf_ops;
extern const struct map_ops map_user_ringbuf_ops;
extern const struct map_ops map_array_of_maps_ops;
extern const struct map_ops map_hash_of_maps_ops;

/* map.c: regions and value copies shared by the types. */
void map_region(const struct bpf_map *m, void *ptr, size_t len, bool added);
/* Bytes of a value BPF may address: value_size, per-CPU: (nr_cpus - 1) * stride + value_size. */
size_t map_value_span(const struct bpf_map *m);
/* Copy a value into the map, leaving the spin-lock word as it is. */
void map_value_store(const struct bpf_map *m, void *dst, const void *src);
/* Copy a value out of the map; the copy's spin-lock word reads 0 (as the kernel does). */
void map_value_load(const struct bpf_map *m, void *dst, const void *src);
/* Per-CPU values between the map (nr_cpus slots at base) and a user buffer (same layout,
 * padding zeroed on the way out). */
void map_percpu_load(const struct bpf_map *m, void *dst, const void *base);
void map_percpu_store(const struct bpf_map *m, void *base, const void *src);
/* BPF_F_LOCK on a value whose lock is held: -EDEADLK; else 0. */
int map_lock_check(const struct bpf_map *m, const void *value, u64 flags);
/* Update-flag checks common to hash, array and storage: -EINVAL for unknown flags or
 * BPF_F_LOCK without a spin lock. */
int map_update_flags_ok(const struct bpf_map *m, u64 flags);

/* hash.c: the core that storage.c also uses. */
int map_htab_init(struct bpf_map *m, u32 key_size, u32 limit);
void map_htab_fini(struct bpf_map *m);
void map_htab_sync(struct bpf_map *m);
struct htab_elem *map_htab_find(struct bpf_map *m, const void *key);
/* Allocates and links a new element for key (which must be absent), zero-valued; when full:
 * LRU maps evict the least recently used element, others fail with -E2BIG. */
int map_htab_insert(struct bpf_map *m, const void *key, struct htab_elem **out);
void map_htab_remove(struct bpf_map *m, struct htab_elem *e);
void *map_htab_value(const struct bpf_map *m, const struct htab_elem *e); /* CPU 0's */

#endif
