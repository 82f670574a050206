/*
 * sim.c — binary min-heap of intrusive events keyed by (time, prio, seq). Each event stores
 * its heap index so cancel and reschedule are O(log n). Invariant: heap[i]->idx == i for every
 * queued event, and every parent orders before its children.
 */
#include <errno.h>
#include <stdlib.h>
#include "scxsim/sim.h"

void sim_init(struct sim *s)
{
	*s = (struct sim){ 0 };
}

void sim_fini(struct sim *s)
{
	for (u32 i = 0; i < s->nr; i++)
		s->heap[i]->idx = -1;
	free(s->heap);
	s->heap = NULL;
	s->nr = s->cap = 0;
}

static inline bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	if (a->prio != b->prio)
		return a->prio < b->prio;
	return a->seq < b->seq;
}

static inline void heap_set(struct sim *s, u32 i, struct sim_event *ev)
{
	s->heap[i] = ev;
	ev->idx = (s32)i;
}

static void sift_up(struct sim *s, u32 i)
{
	struct sim_event *ev = s->heap[i];

	while (i > 0) {
		u32 parent = (i - 1) / 2;
		if (!ev_before(ev, s->heap[parent]))
			break;
		heap_set(s, i, s->heap[parent]);
		i = parent;
	}
	heap_set(s, i, ev);
}

static void sift_down(struct sim *s, u32 i)
{
	struct sim_event *ev = s->heap[i];

	for (;;) {
		u32 c = 2 * i + 1;
		if (c >= s->nr)
			break;
		if (c + 1 < s->nr && ev_before(s->heap[c + 1], s->heap[c]))
			c++;
		if (!ev_before(s->heap[c], ev))
			break;
		heap_set(s, i, s->heap[c]);
		i = c;
	}
	heap_set(s, i, ev);
}

static void heap_remove(struct sim *s, u32 i)
{
	struct sim_event *last = s->heap[--s->nr];

	s->heap[i]->idx = -1;
	if (i == s->nr)
		return;
	heap_set(s, i, last);
	sift_down(s, i);
	sift_up(s, (u32)last->idx);
}

int sim_schedule(struct sim *s, struct sim_event *ev, u64 t, u32 prio)
{
	if (t < s->now)
		t = s->now;
	if (ev->idx >= 0)
		heap_remove(s, (u32)ev->idx);
	if (s->nr == s->cap) {
		u32 cap = s->cap ? s->cap * 2 : 256;
		struct sim_event **h = realloc(s->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->cap = cap;
	}
	ev->time = t;
	ev->prio = prio;
	ev->seq = s->seq++;
	heap_set(s, s->nr++, ev);
	sift_up(s, s->nr - 1);
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
		struct sim_event *ev = s->heap[0];
		if (ev->time > until)
			break;
		heap_remove(s, 0);
		s->now = ev->time;
		s->nr_events++;
		ev->fn(s, ev);
	}
	if (!s->stop && until > s->now && (s->nr == 0 || s->heap[0]->time > until))
		s->now = until;
}
