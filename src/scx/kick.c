/*
 * kick.c — kicking CPUs (scx_bpf_kick_cpu's machinery, the kernel's scx_kick_cpu /
 * kick_one_cpu) and SCX_KICK_WAIT as a real wait, modelled on the kernel's current code (the
 * wait deferred to a balance callback, commit 415cb193 "Fix SCX_KICK_WAIT deadlock").
 *
 *   kick     the target enters the scheduler (after an IPI when remote). It is skipped when
 *            the target is offline (and not the kicking CPU) or runs a task of a class above
 *            ext (the kernel has no say there). PREEMPT zeroes the target's ext task's slice.
 *            IDLE only wakes an idle target.
 *   WAIT     only when the target runs an ext task at the kick and is another CPU: the kicker
 *            records the target's pnt_seq (kw_seq), marks it in kw_targets and enters the
 *            scheduler itself (kw_pending). When that round's ext pick has run (kw_armed) and
 *            the round ends (scx_schedule_done), the kicker busy-waits (rq_spin_begin) until
 *            every target's pnt_seq moved past the recorded value.
 *   pnt_seq  advances when an ext pick starts (whatever it picks, idle included) and when an
 *            ext task is put (a higher class takes the CPU, or it goes offline): one
 *            scheduling round of the target. A waiting CPU advances its own pnt_seq when it
 *            starts and ends waiting and counts as advancing all the time it waits (the
 *            kernel's waiter keeps bumping its kick_sync): so a CPU never waits for a waiting
 *            CPU and no cycle of waits (A waits B waits A, or longer) can hang.
 *   release  a target that goes offline, and the scheduler's disable, release their waiters;
 *            a target that is offline or waiting counts as advanced; a kicker that goes
 *            offline stops waiting. Waits never need the watchdog: the kick itself sent every
 *            target into the scheduler, so each wait ends at that target's next round.
 *
 * Invariants: a CPU spins only with a non-empty kw_targets or a pending kw_ev; kw_ev only
 * re-checks (never ends a wait whose targets have not advanced); sch->nr_kw_spinning counts the
 * spinning CPUs, so a round costs nothing extra while nobody waits.
 */
#include <stdlib.h>
#include "scx_int.h"

/* kw_seq[kicker * nr_cpus + target]: target's pnt_seq when kicker kicked it with WAIT */
static u64 *kw_seq_of(struct scx_sched *sch, int kicker)
{
	int n = sch->m->nr_cpus;

	if (!sch->kw_seq)
		sch->kw_seq = calloc((size_t)n * n, sizeof(*sch->kw_seq));
	return sch->kw_seq ? sch->kw_seq + (size_t)kicker * n : NULL;
}

/* Ask every CPU waiting for target to look again (in its own event: never inside a pick). */
static void kw_poke_waiters(struct scx_sched *sch, int target)
{
	struct machine *m = sch->m;

	for (int c = 0; c < m->nr_cpus; c++) {
		struct rq *rq = cpu_rq(m, c);
		if (rq->spinning && cpumask_test(&rq->scx.kw_targets, target) &&
		    !sim_event_pending(&rq->scx.kw_ev))
			sim_schedule(&m->sim, &rq->scx.kw_ev, m->sim.now, SIM_PRIO_RESCHED);
	}
}

/* rq went through a scheduling round (or put its ext task): its waiters may go on. */
void scx_kw_advance(struct rq *rq)
{
	struct scx_sched *sch = rq->m->scx;

	rq->scx.pnt_seq++;
	if (sch && sch->nr_kw_spinning)
		kw_poke_waiters(sch, rq->cpu);
}

/* Drop the targets that advanced (or cannot: offline, waiting themselves); true when none is left. */
static bool kw_done(struct scx_sched *sch, struct rq *rq)
{
	struct machine *m = sch->m;
	const u64 *seq = sch->kw_seq ? sch->kw_seq + (size_t)rq->cpu * m->nr_cpus : NULL;

	for (int t = cpumask_next(&rq->scx.kw_targets, 0); t >= 0;
	     t = cpumask_next(&rq->scx.kw_targets, t + 1)) {
		struct rq *trq = cpu_rq(m, t);
		if (!seq || t == rq->cpu || trq->scx.pnt_seq != seq[t] || trq->spinning || !trq->online)
			cpumask_unset(&rq->scx.kw_targets, t);
	}
	return !cpumask_weight(&rq->scx.kw_targets);
}

static void kw_end(struct scx_sched *sch, struct rq *rq)
{
	rq->scx.kick_wait_ns += rq->m->sim.now - rq->spin_since;
	cpumask_clear(&rq->scx.kw_targets);
	sch->nr_kw_spinning--;
	rq_spin_end(rq);
	scx_kw_advance(rq); /* waits recorded on us while we waited are stale */
}

/* kw_ev: a target advanced, or the scheduler is gone: end the wait when nothing is left. */
static void kw_fn(struct sim *s, struct sim_event *ev)
{
	struct rq *rq = container_of(ev, struct rq, scx.kw_ev);
	struct scx_sched *sch = rq->m->scx;

	if (!rq->spinning)
		return;
	if (!sch) { /* the scheduler was freed under a waiting CPU: nothing to count anymore */
		cpumask_clear(&rq->scx.kw_targets);
		rq_spin_end(rq);
		return;
	}
	if (sch->disabled || !rq->online || kw_done(sch, rq))
		kw_end(sch, rq);
}

/* End of a scheduling round of rq: wait for the targets of the WAIT kicks this round took. */
void scx_schedule_done(struct rq *rq)
{
	struct scx_sched *sch = rq->m->scx;

	if (!rq->scx.kw_armed)
		return;
	rq->scx.kw_armed = false;
	if (!sch || sch->disabled || rq->spinning || kw_done(sch, rq)) {
		cpumask_clear(&rq->scx.kw_targets);
		return;
	}
	rq_spin_begin(rq);
	sch->nr_kw_spinning++;
	rq->scx.nr_kick_waits++;
	sch->nr_kick_waits++;
	scx_kw_advance(rq); /* a waiting CPU advances: whoever waits for us goes on */
}

/* The ext pick of rq starts: one round; a pending WAIT kick waits when this round ends. */
void scx_kw_pick_starts(struct rq *rq)
{
	scx_kw_advance(rq);
	if (rq->scx.kw_pending) {
		rq->scx.kw_pending = false;
		rq->scx.kw_armed = true;
	}
}

/* rq goes offline: it advances (its waiters go on); its own wait, if any, ends. */
void scx_kw_offline(struct scx_sched *sch, struct rq *rq)
{
	rq->scx.kw_pending = false;
	scx_kw_advance(rq);
	if (rq->spinning && !sim_event_pending(&rq->scx.kw_ev))
		sim_schedule(&sch->m->sim, &rq->scx.kw_ev, sch->m->sim.now, SIM_PRIO_RESCHED);
}

/* The scheduler is disabled: no CPU waits for another anymore. */
void scx_kw_release_all(struct scx_sched *sch)
{
	struct machine *m = sch->m;

	for (int c = 0; c < m->nr_cpus; c++) {
		struct rq *rq = cpu_rq(m, c);
		rq->scx.kw_pending = rq->scx.kw_armed = false;
		if (rq->spinning && !sim_event_pending(&rq->scx.kw_ev))
			sim_schedule(&m->sim, &rq->scx.kw_ev, m->sim.now, SIM_PRIO_RESCHED);
	}
}

void scx_kw_rq_init(struct rq *rq)
{
	sim_event_init(&rq->scx.kw_ev, kw_fn);
}

/* kick_one_cpu: the kernel skips offline targets and targets running a higher class. */
static bool kick_reaches(struct rq *rq, int this_cpu)
{
	if (!rq->online && rq->cpu != this_cpu)
		return false;
	return !rq->curr || rq->curr->sched_class->rank >= ext_sched_class.rank;
}

/* A WAIT kick from this_cpu to rq: record rq's round, and go through a round ourselves. */
static void kick_wait(struct scx_sched *sch, struct rq *rq, int this_cpu)
{
	struct rq *me = cpu_rq(sch->m, this_cpu);
	u64 *seq;

	if (!rq->curr || rq->curr->sched_class != &ext_sched_class || rq == me)
		return;
	seq = kw_seq_of(sch, this_cpu);
	if (!seq) {
		scx_error(sch, "scx_bpf_kick_cpu(%d, SCX_KICK_WAIT): out of memory (%s on cpu %d)",
			  rq->cpu, sch->cur_op ? sch->cur_op : "outside any op", this_cpu);
		return;
	}
	seq[rq->cpu] = rq->scx.pnt_seq;
	cpumask_set(&me->scx.kw_targets, rq->cpu);
	me->scx.kw_pending = true;
	resched_curr(me);
}

/* Kick cpu (flags validated by the caller). this_cpu: the CPU running the kicker, -1 = none. */
void scx_kick(struct scx_sched *sch, int cpu, u64 flags)
{
	struct rq *rq = cpu_rq(sch->m, cpu);
	int this_cpu = sch->m->cur_cpu;

	sch->nr_kicks++;
	if (sch->m->trace)
		trace_instant(sch->m, cpu, "kick", NULL,
			      flags & SCX_KICK_WAIT ? (flags & SCX_KICK_PREEMPT ? "preempt wait" : "wait") :
			      flags & SCX_KICK_PREEMPT ? "preempt" : flags & SCX_KICK_IDLE ? "idle" : "");
	if (flags & SCX_KICK_IDLE) {
		if (!rq->curr && rq->online)
			resched_curr(rq);
		return;
	}
	if (!kick_reaches(rq, this_cpu))
		return;
	if ((flags & SCX_KICK_PREEMPT) && rq->curr && rq->curr->sched_class == &ext_sched_class)
		rq->curr->scx.slice = 0;
	if ((flags & SCX_KICK_WAIT) && this_cpu >= 0)
		kick_wait(sch, rq, this_cpu);
	resched_curr(rq);
}
