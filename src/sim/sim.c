/*
 * sim.c — a 4-ary min-heap of intrusive events keyed by (time, prio, seq). Heap slots carry
 * the key inline (cache-friendly sifting); each event stores its slot index so cancel and
 * reschedule are O(log n). Invariants: heap[i].ev->idx == i for every queued event; every
 * parent orders before its children; seq is unique, so the order is total and runs are
 * reproducible.
 */
#include <errno.h>
#include <stdlib.h>
#include "scxsim/sim.h"

#define ARITY 4

void sim_init(struct sim *s)
{
	*s = (struct sim){ 0 };
}

void sim_fini(struct sim *s)
{
	for (u32 i = 0; i < s->nr; i++)
		s->heap[i].ev->idx = -1;
	free(s->heap);
	s->heap = NULL;
	s->nr = s->cap = 0;
}

/* One 128-bit comparison: branch-free, which matters when keys arrive in random order. */
static inline bool slot_before(const struct sim_slot *a, const struct sim_slot *b)
{
	unsigned __int128 ka = (unsigned __int128)a->time << 64 | a->key2;
	unsigned __int128 kb = (unsigned __int128)b->time << 64 | b->key2;
	return ka < kb;
}

static inline void heap_put(struct sim *s, u32 i, struct sim_slot v)
{
	s->heap[i] = v;
	v.ev->idx = (s32)i;
}

static void sift_up(struct sim *s, u32 i, struct sim_slot v)
{
	while (i > 0) {
		u32 parent = (i - 1) / ARITY;
		if (!slot_before(&v, &s->heap[parent]))
			break;
		heap_put(s, i, s->heap[parent]);
		i = parent;
	}
	heap_put(s, i, v);
}

static void sift_down(struct sim *s, u32 i, struct sim_slot v)
{
	for (;;) {
		u32 c = ARITY * i + 1, end = c + ARITY, best;
		if (c >= s->nr)
			break;
		if (end > s->nr)
			end = s->nr;
		best = c;
		for (u32 k = c + 1; k < end; k++)
			best = slot_before(&s->heap[k], &s->heap[best]) ? k : best;
		if (!slot_before(&s->heap[best], &v))
			break;
		heap_put(s, i, s->heap[best]);
		i = best;
	}
	heap_put(s, i, v);
}

static void heap_remove(struct sim *s, u32 i)
{
	struct sim_slot last = s->heap[--s->nr];

	s->heap[i].ev->idx = -1;
	if (i == s->nr)
		return;
	if (i > 0 && slot_before(&last, &s->heap[(i - 1) / ARITY]))
		sift_up(s, i, last);
	else
		sift_down(s, i, last);
}

int sim_schedule(struct sim *s, struct sim_event *ev, u64 t, u32 prio)
{
	if (t < s->now)
		t = s->now;
	if (ev->idx >= 0)
		heap_remove(s, (u32)ev->idx);
	if (s->nr == s->cap) {
		u32 cap = s->cap ? s->cap * 2 : 256;
		struct sim_slot *h = realloc(s->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->cap = cap;
	}
	ev->time = t;
	ev->prio = prio;
	ev->seq = s->seq++;
	sift_up(s, s->nr++, (struct sim_slot){ t, (u64)prio << 48 | ev->seq, ev });
	return 0;
}

void sim_cancel(struct sim *s, struct sim_event *ev)
{
	if (ev->idx >= 0)
		heap_remove(s, (u32)ev->idx);
}

void sim_run(struct sim *s, u64 until)
{
	while (s->nr && !s->stop) {
		struct sim_event *ev = s->heap[0].ev;
		if (s->heap[0].time > until)
			break;
		heap_remove(s, 0);
		s->now = ev->time;
		s->nr_events++;
		ev->fn(s, ev);
	}
	if (!s->stop && until > s->now && (s->nr == 0 || s->heap[0].time > until))
		s->now = until;
}
