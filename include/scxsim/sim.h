/*
 * sim.h — the discrete-event engine: a u64-nanosecond clock and a queue of events totally
 * ordered by (time, priority, sequence). Events are intrusive (embedded in the object that owns
 * them: a CPU's tick, a task's wake-up timer), so scheduling one never allocates; cancelling is
 * O(log n) through the event's heap index, and a handler may cancel or reschedule any event,
 * itself included. Nothing here reads a wall clock.
 */
#ifndef SCXSIM_SIM_H
#define SCXSIM_SIM_H

#include "scxsim/types.h"

struct sim;
struct sim_event;

typedef void (*sim_fn)(struct sim *sim, struct sim_event *ev);

struct sim_event {
	u64 time;       /* when it fires */
	u64 seq;        /* tie-break: order of scheduling */
	u32 prio;       /* tie-break before seq: lower fires first at equal time */
	s32 idx;        /* position in the heap, -1 when not queued */
	sim_fn fn;      /* handler */
};

/* Event priorities at equal time: state changes before decisions before observation. */
enum sim_prio {
	SIM_PRIO_HOTPLUG = 0,
	SIM_PRIO_WAKE = 10,     /* timers waking tasks */
	SIM_PRIO_WORK = 20,     /* a running task reaching the end of its work */
	SIM_PRIO_TICK = 30,
	SIM_PRIO_RESCHED = 40,  /* a CPU entering the scheduler */
	SIM_PRIO_CHECK = 90,    /* invariant checks */
};

/* A heap slot keeps the ordering key inline so sifting never dereferences events. */
struct sim_slot {
	u64 time;
	u64 key2;                /* prio << 48 | seq (seq < 2^48) */
	struct sim_event *ev;
};

struct sim {
	u64 now;                 /* current simulated time, ns */
	u64 seq;                 /* next sequence number */
	u64 nr_events;           /* events fired so far */
	struct sim_slot *heap;   /* 4-ary min-heap, owned (not the events) */
	u32 nr, cap;
	bool stop;               /* set by a handler to end sim_run early */
};

void sim_init(struct sim *s);
void sim_fini(struct sim *s);
static inline void sim_event_init(struct sim_event *ev, sim_fn fn)
{
	ev->idx = -1;
	ev->fn = fn;
}
static inline bool sim_event_pending(const struct sim_event *ev)
{
	return ev->idx >= 0;
}
/* Queue ev at time t (>= now), or move it there if already queued. Returns -ENOMEM. */
int sim_schedule(struct sim *s, struct sim_event *ev, u64 t, u32 prio);
void sim_cancel(struct sim *s, struct sim_event *ev); /* no-op when not queued */
/* Fire events in order until the queue is empty, s->stop is set, or the next event is after
 * `until`; then the clock reads min(until, time of the last event fired). */
void sim_run(struct sim *s, u64 until);

#endif
