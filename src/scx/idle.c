/*
 * idle.c — built-in idle CPU tracking for the ext class (kernel/sched/ext_idle.c): a mask of
 * idle CPUs not yet claimed, and a mask of CPUs whose whole SMT core is idle. A CPU enters the
 * masks when it goes idle and leaves them when it runs something or is claimed with
 * test_and_clear / pick_idle_cpu, so two wake-ups never pick the same idle CPU.
 * The default CPU selection (scx_bpf_select_cpu_dfl, and select_cpu when the scheduler has
 * none) follows upstream's ext_idle.c: whole idle cores first (prev's, then in prev's LLC and
 * node when the machine has several), then prev, then an idle CPU by the same locality; picks
 * rotate like cpumask_any_and_distribute (per calling CPU). With SCX_OPS_BUILTIN_IDLE_PER_NODE
 * searches start in the node asked for (prev's node for the default selection).
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

static bool smt_active(const struct scx_sched *sch)
{
	return sch->m->topo->nr_cores < sch->m->nr_cpus;
}

int scx_any_and_distribute(struct scx_sched *sch, const struct cpumask *a, const struct cpumask *b)
{
	int caller = sch->cur_cpu >= 0 && sch->cur_cpu < sch->m->nr_cpus ? sch->cur_cpu : 0;
	struct cpumask both;
	int cpu;

	cpumask_and(&both, a, b);
	cpu = cpumask_next(&both, sch->dist_prev[caller] + 1);
	if (cpu < 0 || cpu >= sch->m->nr_cpus)
		cpu = cpumask_first(&both);
	if (cpu < 0 || cpu >= sch->m->nr_cpus)
		return -1;
	sch->dist_prev[caller] = cpu;
	return cpu;
}

/* The idle (or whole-idle-core) CPUs of node, or of the machine for node -1. */
static const struct cpumask *idle_of(struct scx_sched *sch, int node, bool core,
				     struct cpumask *buf)
{
	const struct cpumask *m = core ? &sch->idle_smt : &sch->idle_cpu;

	if (node < 0)
		return m;
	cpumask_and(buf, m, &sch->m->topo->node_mask[node]);
	return buf;
}

/* ext_idle.c pick_idle_cpu_in_node: a whole idle core first (with SMT), else an idle CPU. */
static s32 pick_in_node(struct scx_sched *sch, const struct cpumask *allowed, int node, u64 flags)
{
	struct cpumask buf;
	int cpu;

	/* a CPU in the masks is always claimable here; the retry bound only guards the loop */
	for (int tries = 0; tries < 2; tries++) {
		cpu = -1;
		if (smt_active(sch)) {
			cpu = scx_any_and_distribute(sch, idle_of(sch, node, true, &buf), allowed);
			if (cpu < 0 && (flags & SCX_PICK_IDLE_CORE))
				return -EBUSY;
		}
		if (cpu < 0)
			cpu = scx_any_and_distribute(sch, idle_of(sch, node, false, &buf), allowed);
		if (cpu < 0)
			return -EBUSY;
		if (scx_test_and_clear_cpu_idle(sch, cpu))
			return cpu;
	}
	return -EBUSY;
}

s32 scx_pick_idle_cpu_node(struct scx_sched *sch, const struct cpumask *allowed, int node, u64 flags)
{
	int nr = sch->m->topo->nr_nodes;
	s32 cpu = pick_in_node(sch, allowed, node, flags);

	if (cpu >= 0 || node < 0 || (flags & SCX_PICK_IDLE_IN_NODE))
		return cpu;
	for (int k = 1; k < nr; k++) { /* no distance table: the other nodes in index order */
		cpu = pick_in_node(sch, allowed, (node + k) % nr, flags);
		if (cpu >= 0)
			return cpu;
	}
	return -EBUSY;
}

s32 scx_pick_idle_cpu(struct scx_sched *sch, const struct cpumask *allowed, u64 flags)
{
	return scx_pick_idle_cpu_node(sch, allowed, -1, flags);
}

/*
 * ext_idle.c scx_idle_update_selcpu_topology: look in prev's LLC first when the online CPUs
 * span several LLCs, and in prev's node first when they span several nodes whose CPUs are not
 * exactly the LLCs' (not with per-node idle tracking, which searches prev's node first anyway).
 */
void scx_idle_topology(struct scx_sched *sch)
{
	const struct topo *t = sch->m->topo;
	int first = cpumask_first(&sch->online), nr = cpumask_weight(&sch->online);
	bool mismatch = false;
	struct cpumask x;
	int cpu;

	sch->sel_llc = sch->sel_numa = false;
	if (first < 0 || first >= sch->m->nr_cpus)
		return;
	cpumask_and(&x, &t->llc_mask[t->cpus[first].llc], &sch->online);
	sch->sel_llc = cpumask_weight(&x) < nr;
	if (sch->idle_per_node)
		return;
	for_each_cpu(cpu, &sch->online) {
		struct cpumask l, n;

		cpumask_and(&l, &t->llc_mask[t->cpus[cpu].llc], &sch->online);
		cpumask_and(&n, &t->node_mask[t->cpus[cpu].node], &sch->online);
		if (cpumask_weight(&l) != cpumask_weight(&n))
			mismatch = true;
	}
	cpumask_and(&x, &t->node_mask[t->cpus[first].node], &sch->online);
	sch->sel_numa = cpumask_weight(&x) < nr && mismatch;
}

/*
 * ext_idle.c scx_select_cpu_dfl, restricted to `allowed` (the caller has intersected it with
 * the task's affinity; scx_bpf_select_cpu_and passes its mask): with SMT, prev if its whole
 * core is idle, else a whole idle core in prev's LLC, in prev's node, anywhere; then prev if
 * idle; then an idle CPU in prev's LLC, node, anywhere. With SCX_OPS_BUILTIN_IDLE_PER_NODE the
 * "anywhere" searches start in prev's node. The LLC/node steps only when `allowed` is every CPU
 * (upstream: a task restricted by affinity uses the flat domain). With SCX_PICK_IDLE_CORE only
 * whole idle cores qualify. No SCX_WAKE_SYNC step: the model has no synchronous wake-ups.
 * The CPU returned is claimed (no longer idle); -EBUSY if none. Built-in idle must be on.
 */
s32 scx_select_cpu_in(struct scx_sched *sch, struct task_struct *p, s32 prev_cpu,
		      const struct cpumask *allowed, u64 flags)
{
	const struct topo *t = sch->m->topo;
	const struct cpumask *llc = NULL, *numa = NULL;
	bool prev_ok = prev_cpu >= 0 && prev_cpu < sch->m->nr_cpus && cpumask_test(allowed, prev_cpu);
	int node = sch->idle_per_node && prev_ok ? t->cpus[prev_cpu].node : -1;
	s32 cpu = -EBUSY;

	if (prev_ok && cpumask_weight(allowed) >= sch->m->nr_cpus) {
		if (sch->sel_numa)
			numa = &t->node_mask[t->cpus[prev_cpu].node];
		if (sch->sel_llc)
			llc = &t->llc_mask[t->cpus[prev_cpu].llc];
	}
	if (smt_active(sch)) {
		if (prev_ok && cpumask_test(&sch->idle_smt, prev_cpu) &&
		    scx_test_and_clear_cpu_idle(sch, prev_cpu))
			return prev_cpu;
		if (llc)
			cpu = pick_in_node(sch, llc, node, SCX_PICK_IDLE_CORE);
		if (cpu < 0 && numa)
			cpu = pick_in_node(sch, numa, node, SCX_PICK_IDLE_CORE);
		if (cpu < 0)
			cpu = scx_pick_idle_cpu_node(sch, allowed, node, SCX_PICK_IDLE_CORE);
		if (cpu >= 0 || (flags & SCX_PICK_IDLE_CORE))
			return cpu;
	}
	if (prev_ok && scx_test_and_clear_cpu_idle(sch, prev_cpu))
		return prev_cpu;
	if (llc)
		cpu = pick_in_node(sch, llc, node, 0);
	if (cpu < 0 && numa)
		cpu = pick_in_node(sch, numa, node, 0);
	if (cpu < 0)
		cpu = scx_pick_idle_cpu_node(sch, allowed, node, 0);
	return cpu;
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
