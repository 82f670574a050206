/*
 * idle.c — built-in idle CPU tracking for the ext class (kernel/sched/ext_idle.c): a mask of
 * idle CPUs not yet claimed, and a mask of CPUs whose whole SMT core is idle. A CPU enters the
 * masks when it goes idle and leaves them when it runs something or is claimed with
 * test_and_clear / pick_idle_cpu, so two wake-ups never pick the same idle CPU.
 * The default CPU selection (scx_bpf_select_cpu_dfl, and select_cpu when the scheduler has
 * none) prefers prev's idle core, then any idle core, then prev, then any idle CPU.
 */
#include <errno.h>
#include "scx_int.h"

static void smt_update(struct scx_sched *sch, int cpu)
{
	const struct cpumask *sib = &sch->m->topo->smt[cpu];
	struct cpumask both;

	cpumask_and(&both, sib, &sch->idle_cpu);
	if (cpumask_equal(&both, sib))
		cpumask_or(&sch->idle_smt, &sch->idle_smt, sib);
}

static void smt_clear(struct scx_sched *sch, int cpu)
{
	int c;

	for_each_cpu(c, &sch->m->topo->smt[cpu])
		cpumask_unset(&sch->idle_smt, c);
}

void scx_idle_reset(struct scx_sched *sch)
{
	struct machine *m = sch->m;

	cpumask_clear(&sch->idle_cpu);
	cpumask_clear(&sch->idle_smt);
	for (int c = 0; c < m->nr_cpus; c++)
		if (!cpu_rq(m, c)->curr && cpu_rq(m, c)->online)
			cpumask_set(&sch->idle_cpu, c);
	for (int c = 0; c < m->nr_cpus; c++)
		if (cpumask_test(&sch->idle_cpu, c))
			smt_update(sch, c);
}

void scx_update_idle(struct rq *rq, bool idle)
{
	struct scx_sched *sch = rq->m->scx;

	if (!sch || sch->disabled)
		return;
	if (sch->ops.update_idle && !sch->exiting)
		SCX_CALL_OP(sch, SCX_KF_REST, update_idle, NULL, rq->cpu, rq->cpu, idle);
	if (idle && rq->online) {
		cpumask_set(&sch->idle_cpu, rq->cpu);
		smt_update(sch, rq->cpu);
	} else {
		cpumask_unset(&sch->idle_cpu, rq->cpu);
		smt_clear(sch, rq->cpu);
	}
}

bool scx_test_and_clear_cpu_idle(struct scx_sched *sch, int cpu)
{
	if (sch->m->topo->nr_cores < sch->m->nr_cpus && cpumask_test(&sch->idle_smt, cpu))
		smt_clear(sch, cpu);
	if (!cpumask_test(&sch->idle_cpu, cpu))
		return false;
	cpumask_unset(&sch->idle_cpu, cpu);
	return true;
}

s32 scx_pick_idle_cpu(struct scx_sched *sch, const struct cpumask *allowed, u64 flags)
{
	struct cpumask cand;
	int cpu;

	if (sch->m->topo->nr_cores < sch->m->nr_cpus) {
		cpumask_and(&cand, allowed, &sch->idle_smt);
		cpu = cpumask_first(&cand);
		if (cpu >= 0 && cpu < sch->m->nr_cpus && scx_test_and_clear_cpu_idle(sch, cpu))
			return cpu;
		if (flags & SCX_PICK_IDLE_CORE)
			return -EBUSY;
	}
	cpumask_and(&cand, allowed, &sch->idle_cpu);
	cpu = cpumask_first(&cand);
	if (cpu >= 0 && cpu < sch->m->nr_cpus && scx_test_and_clear_cpu_idle(sch, cpu))
		return cpu;
	return -EBUSY;
}

s32 scx_select_cpu_dfl(struct scx_sched *sch, struct task_struct *p, s32 prev_cpu,
		       u64 wake_flags, bool *found)
{
	s32 cpu;

	*found = false;
	if (!sch->builtin_idle) {
		scx_error(sch, "built-in idle tracking is disabled (ops.update_idle() without SCX_OPS_KEEP_BUILTIN_IDLE)");
		return prev_cpu;
	}
	cpu = scx_select_cpu_in(sch, p, prev_cpu, &p->cpus_mask, 0);
	*found = cpu >= 0;
	return cpu >= 0 ? cpu : prev_cpu;
}

/*
 * The default policy restricted to `allowed` (which the caller has intersected with the task's
 * affinity): prev_cpu if it is in `allowed` and (on SMT, its whole core) idle, else the first
 * CPU of an idle core, else prev_cpu if idle, else any idle CPU of `allowed`. With
 * SCX_PICK_IDLE_CORE only whole idle cores qualify. The CPU returned is claimed (no longer
 * idle); -EBUSY if none. Built-in idle tracking must be on (the caller checks).
 */
s32 scx_select_cpu_in(struct scx_sched *sch, struct task_struct *p, s32 prev_cpu,
		      const struct cpumask *allowed, u64 flags)
{
	bool prev_ok = prev_cpu >= 0 && prev_cpu < sch->m->nr_cpus && cpumask_test(allowed, prev_cpu);
	s32 cpu;

	if (sch->m->topo->nr_cores < sch->m->nr_cpus) {
		if (prev_ok && cpumask_test(&sch->idle_smt, prev_cpu) &&
		    scx_test_and_clear_cpu_idle(sch, prev_cpu))
			return prev_cpu;
		cpu = scx_pick_idle_cpu(sch, allowed, SCX_PICK_IDLE_CORE);
		if (cpu >= 0 || (flags & SCX_PICK_IDLE_CORE))
			return cpu;
	}
	if (prev_ok && scx_test_and_clear_cpu_idle(sch, prev_cpu))
		return prev_cpu;
	return scx_pick_idle_cpu(sch, allowed, 0);
}
