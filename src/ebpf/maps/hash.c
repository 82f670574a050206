/*
 * hash.c — the hash-map core and BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH
 * with the kernel's hashtab.c semantics (flags, -EEXIST/-ENOENT/-E2BIG, BPF_F_LOCK in-place
 * updates, per-CPU values, lookup_and_delete).
 *
 * Structure: power-of-2 bucket chains indexed by a seedless FNV-1a hash of the key bytes (the
 * table doubles when the live count passes the bucket count: O(1) expected operations, memory
 * proportional to the live elements); one element = one allocation holding key and value(s).
 * Three lists make the observable orders deterministic whatever the addresses and hashes:
 *   insertion order  get_next_key and for_each (an update in place keeps the element's place);
 *   recency (LRU)    most recently used first; BPF lookups and updates from either face move
 *                    an element to the front, user-space lookups do not (kernel: lookup_sys);
 *                    a full LRU map evicts the element at the back;
 *   pending          deleted/evicted elements in deletion order, released by map_htab_sync().
 *
 * Differences from the kernel, on purpose: an update of an existing key writes the value in
 * place (the kernel swaps in a new element for non-per-CPU maps), and LRU is exact (the kernel's
 * is approximate and may evict on a failed or in-place update). See docs/bpf-maps.md.
 *
 * Invariants: see map_int.h (live elements in chain + order list (+ recency list); dead ones
 * only on the pending list; live + free <= limit).
 */
#include <stdlib.h>
#include <string.h>
#include "ebpf/maps/map_int.h"

#define HTAB_MIN_BUCKETS 8
#define HTAB_FREE_MAX 64 /* recycled elements kept by an unbounded (storage) table */

static u64 fnv1a(const void *p, u32 n)
{
	const u8 *b = p;
	u64 h = 0xcbf29ce484222325ULL;

	for (u32 i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static struct htab_elem **htab_bucket(struct htab *h, u64 hash)
{
	return &h->buckets[hash & (h->nbuckets - 1)];
}

void *map_htab_value(const struct bpf_map *m, const struct htab_elem *e)
{
	return (u8 *)e->data + m->ht.key_room;
}

int map_htab_init(struct bpf_map *m, u32 key_size, u32 limit)
{
	struct htab *h = &m->ht;

	h->key_size = key_size;
	h->key_room = MAP_ROUND8(key_size);
	h->limit = limit;
	h->value_bytes = (size_t)m->stride * m->nr_cpus;
	h->nbuckets = HTAB_MIN_BUCKETS;
	h->buckets = calloc(h->nbuckets, sizeof(*h->buckets));
	return h->buckets ? 0 : -ENOMEM;
}

static void htab_free_list(struct htab_elem *e)
{
	while (e) {
		struct htab_elem *n = e->free_next;

		free(e);
		e = n;
	}
}

void map_htab_fini(struct bpf_map *m)
{
	struct htab *h = &m->ht;
	struct htab_elem *e, *n;

	for (e = h->pend_head; e; e = e->free_next)
		map_region(m, map_htab_value(m, e), map_value_span(m), false);
	for (e = h->first; e; e = e->next)
		map_region(m, map_htab_value(m, e), map_value_span(m), false);
	htab_free_list(h->pend_head);
	htab_free_list(h->free);
	for (e = h->first; e; e = n) {
		n = e->next;
		free(e);
	}
	free(h->buckets);
}

/* ---- lookup and growth ---------------------------------------------------------------------- */

struct htab_elem *map_htab_find(struct bpf_map *m, const void *key)
{
	struct htab *h = &m->ht;
	u64 hash = fnv1a(key, h->key_size);

	for (struct htab_elem *e = *htab_bucket(h, hash); e; e = e->chain)
		if (e->hash == hash && !memcmp(e->data, key, h->key_size))
			return e;
	return NULL;
}

/* Doubles the bucket array when it would hold more elements than buckets. Rebuilt from the
 * insertion-order list, so chains come out the same for the same history. */
static int htab_grow(struct htab *h)
{
	struct htab_elem **nb;
	u32 n = h->nbuckets * 2;

	if (h->count < h->nbuckets || n < h->nbuckets)
		return 0;
	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	free(h->buckets);
	h->buckets = nb;
	h->nbuckets = n;
	for (struct htab_elem *e = h->first; e; e = e->next) {
		struct htab_elem **b = htab_bucket(h, e->hash);

		e->chain = *b;
		*b = e;
	}
	return 0;
}

/* ---- recency (LRU maps) -------------------------------------------------------------------- */

static void lru_unlink(struct htab *h, struct htab_elem *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		h->mru = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		h->lru = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(struct htab *h, struct htab_elem *e)
{
	e->lru_prev = NULL;
	e->lru_next = h->mru;
	if (h->mru)
		h->mru->lru_prev = e;
	else
		h->lru = e;
	h->mru = e;
}

static void lru_touch(struct bpf_map *m, struct htab_elem *e)
{
	if (!m->mt->lru || m->ht.mru == e)
		return;
	lru_unlink(&m->ht, e);
	lru_push_front(&m->ht, e);
}

/* ---- insertion and removal ------------------------------------------------------------------ */

static struct htab_elem *htab_alloc(struct htab *h)
{
	struct htab_elem *e = h->free;

	if (e) {
		h->free = e->free_next;
		h->nfree--;
	} else {
		e = malloc(sizeof(*e) + h->key_room + h->value_bytes);
		if (!e)
			return NULL;
	}
	memset(e, 0, sizeof(*e) + h->key_room + h->value_bytes);
	return e;
}

static void htab_link(struct bpf_map *m, struct htab_elem *e, const void *key, u64 hash)
{
	struct htab *h = &m->ht;
	struct htab_elem **b = htab_bucket(h, hash);

	memcpy(e->data, key, h->key_size);
	e->hash = hash;
	e->seq = ++h->seq;
	e->chain = *b;
	*b = e;
	e->prev = h->last;
	if (h->last)
		h->last->next = e;
	else
		h->first = e;
	h->last = e;
	if (m->mt->lru)
		lru_push_front(h, e);
	h->count++;
	map_region(m, map_htab_value(m, e), map_value_span(m), true);
}

int map_htab_insert(struct bpf_map *m, const void *key, struct htab_elem **out)
{
	struct htab *h = &m->ht;
	struct htab_elem *e;

	if (h->limit && h->count >= h->limit) {
		if (!m->mt->lru || !h->lru)
			return -E2BIG;
		map_htab_remove(m, h->lru);
	}
	if (htab_grow(h))
		return -ENOMEM;
	e = htab_alloc(h);
	if (!e)
		return -ENOMEM;
	htab_link(m, e, key, fnv1a(key, h->key_size));
	*out = e;
	return 0;
}

static void chain_unlink(struct htab *h, struct htab_elem *e)
{
	struct htab_elem **p = htab_bucket(h, e->hash);

	while (*p != e)
		p = &(*p)->chain;
	*p = e->chain;
}

/* Unlinks from the order list; e keeps its next pointer for an iterator standing on it. */
static void order_unlink(struct htab *h, struct htab_elem *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		h->first = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		h->last = e->prev;
}

void map_htab_remove(struct bpf_map *m, struct htab_elem *e)
{
	struct htab *h = &m->ht;

	chain_unlink(h, e);
	order_unlink(h, e);
	if (m->mt->lru)
		lru_unlink(h, e);
	e->dead = true;
	e->free_next = NULL;
	if (h->pend_tail)
		h->pend_tail->free_next = e;
	else
		h->pend_head = e;
	h->pend_tail = e;
	h->npending++;
	h->count--;
}

void map_htab_sync(struct bpf_map *m)
{
	struct htab *h = &m->ht;
	u32 keep = h->limit ? h->limit : HTAB_FREE_MAX;
	struct htab_elem *e = h->pend_head, *n;

	h->pend_head = h->pend_tail = NULL;
	h->npending = 0;
	for (; e; e = n) {
		n = e->free_next;
		map_region(m, map_htab_value(m, e), map_value_span(m), false);
		if (h->count + h->nfree < keep) {
			e->free_next = h->free;
			h->free = e;
			h->nfree++;
		} else {
			free(e);
		}
	}
}

/* ---- the hash map types --------------------------------------------------------------------- */

static int hash_init(struct bpf_map *m)
{
	return map_htab_init(m, m->key_size, m->max_entries);
}

static u32 hash_count(const struct bpf_map *m)
{
	return m->ht.count;
}

static void hash_copy_out(struct bpf_map *m, void *value, const struct htab_elem *e)
{
	if (m->mt->percpu)
		map_percpu_load(m, value, map_htab_value(m, e));
	else
		map_value_load(m, value, map_htab_value(m, e));
}

static int hash_lookup(struct bpf_map *m, const void *key, void *value, u64 flags)
{
	struct htab_elem *e = map_htab_find(m, key);
	int err;

	if (!e)
		return -ENOENT;
	err = map_lock_check(m, map_htab_value(m, e), flags);
	if (!err)
		hash_copy_out(m, value, e);
	return err;
}

/* Writes value into e: user face (cpu < 0) all CPUs, BPF face one CPU. */
static void hash_store(struct bpf_map *m, struct htab_elem *e, const void *value, int cpu)
{
	u8 *v = map_htab_value(m, e);

	if (!m->mt->percpu)
		map_value_store(m, v, value);
	else if (cpu < 0)
		map_percpu_store(m, v, value);
	else
		map_value_store(m, v + (size_t)cpu * m->stride, value);
}

static int hash_upsert(struct bpf_map *m, const void *key, const void *value, u64 flags,
		       int cpu)
{
	u64 op = flags & ~BPF_F_LOCK;
	struct htab_elem *e;
	int err = map_update_flags_ok(m, flags);

	if (err)
		return err;
	e = map_htab_find(m, key);
	if (e && op == BPF_NOEXIST)
		return -EEXIST;
	if (!e && op == BPF_EXIST)
		return -ENOENT;
	if (e) {
		err = map_lock_check(m, map_htab_value(m, e), flags);
		if (err)
			return err;
		lru_touch(m, e);
	} else {
		err = map_htab_insert(m, key, &e);
		if (err)
			return err;
	}
	hash_store(m, e, value, cpu);
	return 0;
}

static int hash_update(struct bpf_map *m, const void *key, const void *value, u64 flags)
{
	return hash_upsert(m, key, value, flags, -1);
}

static int hash_prog_update(struct bpf_map *m, const void *key, const void *value, u64 flags,
			    u32 cpu)
{
	return hash_upsert(m, key, value, flags, (int)cpu);
}

static int hash_delete(struct bpf_map *m, const void *key)
{
	struct htab_elem *e = map_htab_find(m, key);

	if (!e)
		return -ENOENT;
	map_htab_remove(m, e);
	return 0;
}

static int hash_lookup_delete(struct bpf_map *m, const void *key, void *value, u64 flags)
{
	int err = hash_lookup(m, key, value, flags);

	return err ?: hash_delete(m, key);
}

static int hash_next_key(struct bpf_map *m, const void *key, void *next)
{
	struct htab_elem *e = key ? map_htab_find(m, key) : NULL;

	e = e ? e->next : m->ht.first;
	if (!e)
		return -ENOENT;
	memcpy(next, e->data, m->key_size);
	return 0;
}

static void *hash_prog_lookup(struct bpf_map *m, const void *key, u32 cpu)
{
	struct htab_elem *e = map_htab_find(m, key);

	if (!e)
		return NULL;
	lru_touch(m, e);
	return (u8 *)map_htab_value(m, e) + (size_t)cpu * m->stride;
}

/* Elements that existed at the start (seq <= last), in insertion order, skipping the dead. */
static long hash_for_each(struct bpf_map *m, bpf_map_elem_fn fn, void *ctx, u32 cpu)
{
	u64 last = m->ht.seq;
	long n = 0;

	for (struct htab_elem *e = m->ht.first; e && e->seq <= last; e = e->next) {
		if (e->dead)
			continue;
		n++;
		if (fn(ctx, e->data, (u8 *)map_htab_value(m, e) + (size_t)cpu * m->stride))
			break;
	}
	return n;
}

const struct map_ops map_hash_ops = {
	.init = hash_init,
	.fini = map_htab_fini,
	.sync = map_htab_sync,
	.count = hash_count,
	.lookup = hash_lookup,
	.update = hash_update,
	.delete = hash_delete,
	.next_key = hash_next_key,
	.lookup_delete = hash_lookup_delete,
	.prog_lookup = hash_prog_lookup,
	.prog_update = hash_prog_update,
	.for_each = hash_for_each,
};
