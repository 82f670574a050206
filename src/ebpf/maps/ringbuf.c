/*
 * ringbuf.c — BPF_MAP_TYPE_RINGBUF (BPF produces, user space consumes) and
 * BPF_MAP_TYPE_USER_RINGBUF (user space produces, BPF drains), as the kernel's ringbuf.c and
 * libbpf's ring_buffer / user_ring_buffer.
 *
 * Records: an 8-byte header {u32 len; u32 pg_off} then len bytes, padded to 8. len carries
 * BPF_RINGBUF_BUSY_BIT while reserved and BPF_RINGBUF_DISCARD_BIT once discarded. Positions are
 * free-running u64 byte counters; a record lives at pos & mask. Consumers read records in order
 * and stop at the first one still reserved.
 *
 * The kernel maps the data pages twice so that a record crossing the end is contiguous; here
 * the data area is 2 * size bytes and a record is always written at data + (pos & mask)
 * onwards, its tail spilling into the second half (headers, 8-byte aligned in a size that is a
 * multiple of the page size, never straddle the end). The physical bytes a spilled tail would
 * occupy at the start are never read.
 *
 * Space, as the kernel: a BPF reservation needs the producer to stay less than size bytes
 * ahead of both the consumer and the oldest uncommitted record (so at most size - 8 bytes of
 * payload in one record); a user-space reservation may fill the ring completely (libbpf).
 *
 * BPF-side records are announced as regions from reserve to submit/discard. Outstanding
 * reservations are remembered (resv[]) so a submit of anything else is refused, not trusted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ebpf/maps/map_int.h"

#define RINGBUF_MAX_RECORD (UINT32_MAX / 4)         /* RINGBUF_MAX_RECORD_SZ */
#define USER_RINGBUF_MAX_SAMPLES (128 * 1024)      /* BPF_MAX_USER_RINGBUF_SAMPLES */
#define DYNPTR_MAX_SIZE ((1U << 24) - 1)            /* a drained sample must fit a dynptr */
#define RB_FLAG_BITS (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)

struct rb_hdr {
	u32 len;    /* payload bytes | BUSY | DISCARD */
	u32 pg_off; /* page of the header in the data area (the kernel's back pointer) */
};

static int rb_init(struct bpf_map *m)
{
	struct ringbuf *rb = &m->rb;

	rb->size = m->max_entries;
	rb->mask = rb->size - 1;
	rb->data = calloc(2, rb->size);
	return rb->data ? 0 : -ENOMEM;
}

static struct rb_hdr *rb_hdr_at(const struct ringbuf *rb, u64 pos)
{
	return (struct rb_hdr *)(rb->data + (pos & rb->mask));
}

static u64 rb_record_len(u32 hdr_len)
{
	return MAP_ROUND8((u64)(hdr_len & ~RB_FLAG_BITS) + BPF_RINGBUF_HDR_SZ);
}

static void rb_fini(struct bpf_map *m)
{
	struct ringbuf *rb = &m->rb;

	if (m->type == BPF_MAP_TYPE_RINGBUF)
		for (u32 i = 0; i < rb->nresv; i++) {
			struct rb_hdr *h = rb_hdr_at(rb, rb->resv[i]);

			map_region(m, h + 1, h->len & ~RB_FLAG_BITS, false);
		}
	free(rb->resv);
	free(rb->data);
}

static u32 rb_count(const struct bpf_map *m)
{
	return (u32)(m->rb.prod - m->rb.cons);
}

static bool is_type(const struct bpf_map *m, u32 type)
{
	return m && m->type == type;
}

/* ---- outstanding reservations --------------------------------------------------------------- */

static int resv_add(struct ringbuf *rb, u64 pos)
{
	if (rb->nresv == rb->cap_resv) {
		u32 cap = rb->cap_resv ? rb->cap_resv * 2 : 8;
		u64 *n = realloc(rb->resv, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		rb->resv = n;
		rb->cap_resv = cap;
	}
	rb->resv[rb->nresv++] = pos;
	return 0;
}

/* Index of the reservation whose payload starts at sample, or -1. */
static int resv_find(const struct ringbuf *rb, const void *sample)
{
	uintptr_t s = (uintptr_t)sample, d = (uintptr_t)rb->data;
	u64 off;

	if (s < d + BPF_RINGBUF_HDR_SZ || s - d - BPF_RINGBUF_HDR_SZ >= rb->size)
		return -1;
	off = s - d - BPF_RINGBUF_HDR_SZ;
	for (u32 i = 0; i < rb->nresv; i++)
		if ((rb->resv[i] & rb->mask) == off)
			return (int)i;
	return -1;
}

static void resv_del(struct ringbuf *rb, int i)
{
	memmove(&rb->resv[i], &rb->resv[i + 1], (rb->nresv - i - 1) * sizeof(*rb->resv));
	rb->nresv--;
}

/* Writes a busy header at the producer position and advances it by len. */
static struct rb_hdr *rb_claim(struct ringbuf *rb, u32 size, u64 len)
{
	struct rb_hdr *h = rb_hdr_at(rb, rb->prod);

	if (resv_add(rb, rb->prod))
		return NULL;
	h->len = size | BPF_RINGBUF_BUSY_BIT;
	h->pg_off = (u32)((rb->prod & rb->mask) / BPF_MAP_PAGE_SIZE);
	rb->prod += len;
	return h;
}

/* ---- BPF producer (RINGBUF) ----------------------------------------------------------------- */

/* Moves pend past the committed records that precede the oldest reserved one. */
static void rb_advance_pending(struct ringbuf *rb)
{
	while (rb->pend < rb->prod) {
		u32 len = rb_hdr_at(rb, rb->pend)->len;

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		rb->pend += rb_record_len(len);
	}
}

static void *rb_reserve(struct ringbuf *rb, u64 size)
{
	u64 len, new_prod;
	struct rb_hdr *h;

	if (size > RINGBUF_MAX_RECORD)
		return NULL;
	len = MAP_ROUND8(size + BPF_RINGBUF_HDR_SZ);
	if (len > rb->size)
		return NULL;
	rb_advance_pending(rb);
	new_prod = rb->prod + len;
	if (new_prod - rb->cons > rb->mask || new_prod - rb->pend > rb->mask)
		return NULL;
	h = rb_claim(rb, (u32)size, len);
	return h ? h + 1 : NULL;
}

/* Commits reservation i (submit or discard) and counts the wakeup the kernel would send. */
static void rb_commit(struct ringbuf *rb, int i, u64 flags, bool discard)
{
	u64 pos = rb->resv[i];
	struct rb_hdr *h = rb_hdr_at(rb, pos);

	h->len = (h->len & ~BPF_RINGBUF_BUSY_BIT) | (discard ? BPF_RINGBUF_DISCARD_BIT : 0);
	resv_del(rb, i);
	if (flags & BPF_RB_FORCE_WAKEUP)
		rb->wakeups++;
	else if ((rb->cons & rb->mask) == (pos & rb->mask) && !(flags & BPF_RB_NO_WAKEUP))
		rb->wakeups++;
}

void *bpf_map_prog_ringbuf_reserve(struct bpf_map *map, u64 size, u64 flags)
{
	void *sample;

	if (!is_type(map, BPF_MAP_TYPE_RINGBUF) || flags)
		return NULL;
	sample = rb_reserve(&map->rb, size);
	if (sample)
		map_region(map, sample, size, true);
	return sample;
}

static int rb_finish(struct bpf_map *map, void *sample, u64 flags, bool discard)
{
	int i;

	if (!is_type(map, BPF_MAP_TYPE_RINGBUF))
		return -EINVAL;
	i = resv_find(&map->rb, sample);
	if (i < 0)
		return -EINVAL;
	map_region(map, sample, rb_hdr_at(&map->rb, map->rb.resv[i])->len & ~RB_FLAG_BITS,
		   false);
	rb_commit(&map->rb, i, flags, discard);
	return 0;
}

int bpf_map_prog_ringbuf_submit(struct bpf_map *map, void *sample, u64 flags)
{
	return rb_finish(map, sample, flags, false);
}

int bpf_map_prog_ringbuf_discard(struct bpf_map *map, void *sample, u64 flags)
{
	return rb_finish(map, sample, flags, true);
}

int bpf_map_prog_ringbuf_output(struct bpf_map *map, const void *data, u64 size, u64 flags)
{
	void *rec;

	if (!is_type(map, BPF_MAP_TYPE_RINGBUF) || (size && !data))
		return -EINVAL;
	if (flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return -EINVAL;
	rec = rb_reserve(&map->rb, size);
	if (!rec)
		return -EAGAIN;
	if (size)
		memcpy(rec, data, size);
	rb_commit(&map->rb, resv_find(&map->rb, rec), flags, false);
	return 0;
}

u64 bpf_map_prog_ringbuf_query(struct bpf_map *map, u64 flags)
{
	if (!is_type(map, BPF_MAP_TYPE_RINGBUF))
		return 0;
	switch (flags) {
	case BPF_RB_AVAIL_DATA:
		return map->rb.prod - map->rb.cons;
	case BPF_RB_RING_SIZE:
		return map->rb.size;
	case BPF_RB_CONS_POS:
		return map->rb.cons;
	case BPF_RB_PROD_POS:
		return map->rb.prod;
	default:
		return 0;
	}
}

bool bpf_map_ringbuf_owns(const struct bpf_map *map, const void *sample)
{
	return is_type(map, BPF_MAP_TYPE_RINGBUF) && resv_find(&map->rb, sample) >= 0;
}

u64 bpf_map_ringbuf_wakeups(const struct bpf_map *map)
{
	if (!is_type(map, BPF_MAP_TYPE_RINGBUF) && !is_type(map, BPF_MAP_TYPE_USER_RINGBUF))
		return 0;
	return map->rb.wakeups;
}

/* ---- user-space consumer (RINGBUF) ---------------------------------------------------------- */

long bpf_map_user_ringbuf_consume(struct bpf_map *map, bpf_map_sample_fn fn, void *ctx,
				  u64 max)
{
	struct ringbuf *rb;
	long cnt = 0;

	if (!is_type(map, BPF_MAP_TYPE_RINGBUF) || !fn)
		return -EINVAL;
	rb = &map->rb;
	while (rb->cons < rb->prod) {
		struct rb_hdr *h = rb_hdr_at(rb, rb->cons);
		u32 len = h->len;
		int err;

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		rb->cons += rb_record_len(len);
		if (len & BPF_RINGBUF_DISCARD_BIT)
			continue;
		err = fn(ctx, h + 1, len);
		if (err < 0)
			return err;
		if (++cnt == (long)max)
			break;
	}
	return cnt;
}

/* ---- user-space producer (USER_RINGBUF) ----------------------------------------------------- */

int bpf_map_user_ringbuf_reserve(struct bpf_map *map, u32 size, void **sample)
{
	struct ringbuf *rb;
	u64 total;
	struct rb_hdr *h;

	if (!is_type(map, BPF_MAP_TYPE_USER_RINGBUF) || !sample)
		return -EINVAL;
	*sample = NULL;
	rb = &map->rb;
	total = MAP_ROUND8((u64)size + BPF_RINGBUF_HDR_SZ);
	if ((size & RB_FLAG_BITS) || total > rb->size)
		return -E2BIG;
	if (rb->size - (rb->prod - rb->cons) < total)
		return -ENOSPC;
	h = rb_claim(rb, size, total);
	if (!h)
		return -ENOMEM;
	*sample = h + 1;
	return 0;
}

static int urb_finish(struct bpf_map *map, void *sample, bool discard)
{
	int i;

	if (!is_type(map, BPF_MAP_TYPE_USER_RINGBUF))
		return -EINVAL;
	i = resv_find(&map->rb, sample);
	if (i < 0)
		return -EINVAL;
	rb_commit(&map->rb, i, BPF_RB_NO_WAKEUP, discard);
	return 0;
}

int bpf_map_user_ringbuf_submit(struct bpf_map *map, void *sample)
{
	return urb_finish(map, sample, false);
}

int bpf_map_user_ringbuf_discard(struct bpf_map *map, void *sample)
{
	return urb_finish(map, sample, true);
}

/* ---- BPF consumer (USER_RINGBUF drain) ------------------------------------------------------ */

/* The kernel's __bpf_user_ringbuf_peek(): 0 and the next sample, -ENODATA (none or still
 * reserved), -EAGAIN (a discarded one was skipped), -E2BIG (larger than a dynptr can hold).
 * The kernel also checks positions and lengths a hostile mmap()ing producer could corrupt;
 * bpf_map_user_ringbuf_reserve() cannot produce such records, so those checks are not here. */
static int urb_peek(struct ringbuf *rb, void **sample, u32 *size)
{
	struct rb_hdr *h;
	u32 flags, len;
	u64 total;

	if (rb->cons >= rb->prod)
		return -ENODATA;
	h = rb_hdr_at(rb, rb->cons);
	flags = h->len & RB_FLAG_BITS;
	len = h->len & ~RB_FLAG_BITS;
	total = rb_record_len(len);
	if (len > DYNPTR_MAX_SIZE)
		return -E2BIG;
	if (flags & BPF_RINGBUF_DISCARD_BIT) {
		rb->cons += total;
		return -EAGAIN;
	}
	if (flags & BPF_RINGBUF_BUSY_BIT)
		return -ENODATA;
	*sample = h + 1;
	*size = len;
	return 0;
}

static long urb_drain(struct bpf_map *map, bpf_map_sample_fn fn, void *ctx, long *samples)
{
	struct ringbuf *rb = &map->rb;
	long discarded = 0;
	int ret = 0;

	for (*samples = 0; *samples < USER_RINGBUF_MAX_SAMPLES && ret == 0; (*samples)++) {
		void *sample;
		u32 size;
		int err = urb_peek(rb, &sample, &size);

		if (err == -ENODATA)
			break;
		if (err == -EAGAIN) {
			discarded++;
			continue;
		}
		if (err)
			return err;
		ret = fn(ctx, sample, size);
		rb->cons += rb_record_len(size);
	}
	return *samples - discarded;
}

long bpf_map_prog_user_ringbuf_drain(struct bpf_map *map, bpf_map_sample_fn fn, void *ctx,
				     u64 flags)
{
	long samples = 0, ret;

	if (!is_type(map, BPF_MAP_TYPE_USER_RINGBUF) || !fn)
		return -EINVAL;
	if (flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return -EINVAL;
	if (map->busy)
		return -EBUSY;
	map->busy++;
	ret = urb_drain(map, fn, ctx, &samples);
	map->busy--;
	if (flags & BPF_RB_FORCE_WAKEUP)
		map->rb.wakeups++;
	else if (!(flags & BPF_RB_NO_WAKEUP) && samples > 0)
		map->rb.wakeups++;
	return ret;
}

const struct map_ops map_ringbuf_ops = {
	.init = rb_init,
	.fini = rb_fini,
	.count = rb_count,
};

const struct map_ops map_user_ringbuf_ops = {
	.init = rb_init,
	.fini = rb_fini,
	.count = rb_count,
};
