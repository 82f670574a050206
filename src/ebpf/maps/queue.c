/*
 * queue.c — BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO), as the kernel's
 * queue_stack_maps.c: a preallocated ring of max_entries + 1 slots of value_size bytes.
 *
 * Semantics: push with flags 0 fails with -E2BIG when full; with BPF_EXIST it overwrites the
 * oldest element (for both types: the kernel advances the tail); BPF_NOEXIST or any other flag
 * is -EINVAL. pop/peek on an empty map zero the value and return -ENOENT. Values are copied in
 * and out, so no map memory is ever exposed to BPF (no regions). From user space, lookup is
 * peek, update is push, lookup_and_delete is pop; delete and get_next_key are -EINVAL.
 *
 * Invariants: head is the next slot to write, tail the oldest element; empty iff head == tail;
 * full iff head + 1 == tail (mod size).
 */
#include <stdlib.h>
#include <string.h>
#include "ebpf/maps/map_int.h"

static int qs_init(struct bpf_map *m)
{
	struct qstack *q = &m->qs;

	q->size = m->max_entries + 1;
	q->elems = calloc(q->size, m->value_size);
	return q->elems ? 0 : -ENOMEM;
}

static void qs_fini(struct bpf_map *m)
{
	free(m->qs.elems);
}

static u32 qs_count(const struct bpf_map *m)
{
	const struct qstack *q = &m->qs;

	return (q->head + q->size - q->tail) % q->size;
}

static u32 qs_next(const struct qstack *q, u32 i)
{
	return i + 1 == q->size ? 0 : i + 1;
}

static u8 *qs_slot(const struct bpf_map *m, u32 i)
{
	return m->qs.elems + (size_t)i * m->value_size;
}

static int qs_push(struct bpf_map *m, const void *value, u64 flags)
{
	struct qstack *q = &m->qs;

	if ((flags & BPF_NOEXIST) || flags > BPF_EXIST)
		return -EINVAL;
	if (qs_next(q, q->head) == q->tail) {
		if (!(flags & BPF_EXIST))
			return -E2BIG;
		q->tail = qs_next(q, q->tail);
	}
	memcpy(qs_slot(m, q->head), value, m->value_size);
	q->head = qs_next(q, q->head);
	return 0;
}

static int queue_pop(struct bpf_map *m, void *value, bool remove)
{
	struct qstack *q = &m->qs;

	if (q->head == q->tail) {
		memset(value, 0, m->value_size);
		return -ENOENT;
	}
	memcpy(value, qs_slot(m, q->tail), m->value_size);
	if (remove)
		q->tail = qs_next(q, q->tail);
	return 0;
}

static int stack_pop(struct bpf_map *m, void *value, bool remove)
{
	struct qstack *q = &m->qs;
	u32 top;

	if (q->head == q->tail) {
		memset(value, 0, m->value_size);
		return -ENOENT;
	}
	top = q->head ? q->head - 1 : q->size - 1;
	memcpy(value, qs_slot(m, top), m->value_size);
	if (remove)
		q->head = top;
	return 0;
}

static int qs_no_key(struct bpf_map *m, const void *key)
{
	return -EINVAL;
}

static int qs_no_next_key(struct bpf_map *m, const void *key, void *next)
{
	return -EINVAL;
}

const struct map_ops map_queue_ops = {
	.init = qs_init,
	.fini = qs_fini,
	.count = qs_count,
	.delete = qs_no_key,
	.next_key = qs_no_next_key,
	.push = qs_push,
	.pop = queue_pop,
};

const struct map_ops map_stack_ops = {
	.init = qs_init,
	.fini = qs_fini,
	.count = qs_count,
	.delete = qs_no_key,
	.next_key = qs_no_next_key,
	.push = qs_push,
	.pop = stack_pop,
};
