/*
 * test_scx_idle.c — the default CPU selection and idle picks (src/scx/idle.c) against
 * upstream's ext_idle.c, white-box: a scheduler is attached at time 0 (every CPU idle), the
 * test sets the idle masks and calls scx_select_cpu_dfl / scx_pick_idle_cpu_node directly.
 * Locality: prev's whole idle core, then an idle core in prev's LLC / node, then prev, then
 * an idle CPU in prev's LLC / node, then anywhere (from prev's node with
 * SCX_OPS_BUILTIN_IDLE_PER_NODE); picks rotate per calling CPU (cpumask_any_and_distribute).
 */
#include <errno.h>
#include "scx/scx_int.h"
#include "test.h"

#include "scx_harness.h"

static void idle_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

static const struct sched_ext_ops plain = { .enqueue = idle_enqueue, .name = "idle_plain" };
static const struct sched_ext_ops per_node = {
	.enqueue = idle_enqueue, .name = "idle_node", .flags = SCX_OPS_BUILTIN_IDLE_PER_NODE,
};

static const char *one_task = "{\"tasks\":{\"t\":{\"loop\":1,\"run\":100}}}";

/* Make exactly the CPUs in `cpus` (terminated by -1) idle, with a consistent SMT mask. */
static void set_idle(struct scx_sched *sch, const int *cpus)
{
	const struct topo *t = sch->m->topo;

	cpumask_clear(&sch->idle_cpu);
	cpumask_clear(&sch->idle_smt);
	for (; *cpus >= 0; cpus++)
		cpumask_set(&sch->idle_cpu, *cpus);
	for (int c = 0; c < sch->m->nr_cpus; c++) {
		struct cpumask both;

		cpumask_and(&both, &t->smt[c], &sch->idle_cpu);
		if (cpumask_test(&sch->idle_cpu, c) && cpumask_equal(&both, &t->smt[c]))
			cpumask_set(&sch->idle_smt, c);
	}
}

static s32 dfl_select(struct srun *r, int prev, bool *found)
{
	return scx_select_cpu_dfl(scx_sch(r->m), r->m->tasks[0], prev, 0, found);
}

/* one LLC per socket and node: prev's LLC first */
TEST(scx_idle_select_prefers_prev_llc)
{
	static const int idle[] = { 1, 6, -1 };
	struct srun r;
	struct scx_sched *sch;
	const struct topo *t;
	bool found;
	s32 cpu;

	CHECK_EQ(srun_start(&r, "2s4c1t", one_task, &plain), 0);
	sch = scx_sch(r.m);
	t = r.m->topo;
	CHECK(sch->sel_llc);
	CHECK(!sch->sel_numa); /* the nodes are exactly the LLCs */
	CHECK_EQ(t->cpus[5].llc, t->cpus[6].llc);
	CHECK(t->cpus[1].llc != t->cpus[5].llc);
	set_idle(sch, idle);
	cpu = dfl_select(&r, 5, &found);
	CHECK(found);
	CHECK_EQ(cpu, 6);
	/* prev's LLC has nothing idle now: anywhere */
	cpu = dfl_select(&r, 5, &found);
	CHECK(found);
	CHECK_EQ(cpu, 1);
	/* nothing idle: prev, not found */
	cpu = dfl_select(&r, 5, &found);
	CHECK(!found);
	CHECK_EQ(cpu, 5);
	srun_free(&r);
}

/* two LLCs per node: prev's LLC, then prev's node, then anywhere */
TEST(scx_idle_select_then_prev_node)
{
	static const int idle[] = { 0, 3, 5, -1 };
	struct srun r;
	struct scx_sched *sch;
	const struct topo *t;
	bool found;
	s32 cpu;

	CHECK_EQ(srun_start(&r, "2s4c1t:llc=4", one_task, &plain), 0);
	sch = scx_sch(r.m);
	t = r.m->topo;
	CHECK(sch->sel_llc);
	CHECK(sch->sel_numa);
	CHECK_EQ(t->cpus[6].llc, t->cpus[7].llc);
	CHECK(t->cpus[5].llc != t->cpus[6].llc);
	CHECK_EQ(t->cpus[5].node, t->cpus[6].node);
	set_idle(sch, idle);
	cpu = dfl_select(&r, 6, &found); /* LLC {6,7} idle-free: node {4..7} has 5 */
	CHECK(found);
	CHECK_EQ(cpu, 5);
	srun_free(&r);
}

/* SMT: a whole idle core beats an idle prev whose sibling is busy */
TEST(scx_idle_select_whole_core_before_prev)
{
	struct srun r;
	struct scx_sched *sch;
	const struct topo *t;
	int idle[4], sib0 = -1, other = -1;
	bool found;
	s32 cpu;

	CHECK_EQ(srun_start(&r, "1s4c2t", one_task, &plain), 0);
	sch = scx_sch(r.m);
	t = r.m->topo;
	for (int c = 1; c < r.m->nr_cpus; c++)
		if (cpumask_test(&t->smt[0], c))
			sib0 = c;
	for (int c = 1; c < r.m->nr_cpus && other < 0; c++)
		if (!cpumask_test(&t->smt[0], c))
			other = c;
	CHECK(sib0 > 0 && other > 0);
	idle[0] = 0;
	idle[1] = other;
	idle[2] = -1;
	for (int c = 0; c < r.m->nr_cpus; c++)
		if (c != other && cpumask_test(&t->smt[other], c))
			idle[2] = c, idle[3] = -1;
	set_idle(sch, idle); /* CPU 0 idle, its sibling busy; other's whole core idle */
	cpu = dfl_select(&r, 0, &found);
	CHECK(found);
	CHECK(cpumask_test(&t->smt[other], cpu));
	/* with no whole idle core left, prev itself */
	cpu = dfl_select(&r, 0, &found);
	CHECK(found);
	CHECK_EQ(cpu, 0);
	srun_free(&r);
}

/* SCX_OPS_BUILTIN_IDLE_PER_NODE: the search for a pinned task starts in prev's node */
TEST(scx_idle_select_per_node_starts_in_prev_node)
{
	static const int idle[] = { 1, 2, 6, -1 };
	struct srun r;
	struct task_struct *p;
	struct cpumask allowed;
	bool found;
	s32 cpu;

	for (int k = 0; k < 2; k++) {
		CHECK_EQ(srun_start(&r, "2s4c1t", one_task, k ? &per_node : &plain), 0);
		CHECK_EQ(scx_sch(r.m)->idle_per_node, k == 1);
		p = r.m->tasks[0];
		cpumask_clear(&allowed); /* not every CPU: no LLC/node step, straight to "anywhere" */
		cpumask_set(&allowed, 1);
		cpumask_set(&allowed, 2);
		cpumask_set(&allowed, 6);
		cpumask_set(&allowed, 5);
		p->cpus_mask = allowed;
		p->nr_cpus_allowed = 4;
		set_idle(scx_sch(r.m), idle);
		cpu = dfl_select(&r, 5, &found);
		CHECK(found);
		/* per node: node 1 ({4..7}) first -> 6; global: the rotation from CPU 0 -> 1 */
		CHECK_EQ(cpu, k ? 6 : 1);
		srun_free(&r);
	}
}

/* picks rotate per calling CPU: the same mask asked twice gives different CPUs */
TEST(scx_idle_picks_rotate_like_any_and_distribute)
{
	static const int idle[] = { 0, 1, 2, 3, -1 };
	struct srun r;
	struct scx_sched *sch;

	CHECK_EQ(srun_start(&r, "4", one_task, &plain), 0);
	sch = scx_sch(r.m);
	set_idle(sch, idle);
	/* the first pick skips CPU 0, as the kernel's (its cursor starts at 0) */
	CHECK_EQ(scx_pick_idle_cpu_node(sch, &r.m->topo->all, -1, 0), 1);
	CHECK_EQ(scx_pick_idle_cpu_node(sch, &r.m->topo->all, -1, 0), 2);
	CHECK_EQ(scx_pick_idle_cpu_node(sch, &r.m->topo->all, -1, 0), 3);
	CHECK_EQ(scx_pick_idle_cpu_node(sch, &r.m->topo->all, -1, 0), 0);
	CHECK_EQ(scx_pick_idle_cpu_node(sch, &r.m->topo->all, -1, 0), -EBUSY);
	/* another calling CPU has its own cursor */
	set_idle(sch, idle);
	sch->cur_cpu = 2;
	CHECK_EQ(scx_pick_idle_cpu_node(sch, &r.m->topo->all, -1, 0), 1);
	sch->cur_cpu = -1;
	CHECK_EQ(scx_pick_idle_cpu_node(sch, &r.m->topo->all, -1, 0), 2);
	srun_free(&r);
}

/* the LLC/node steps follow the online CPUs: offline a whole LLC and there is one left */
TEST(scx_idle_topology_follows_hotplug)
{
	struct srun r;
	struct scx_sched *sch;

	CHECK_EQ(srun_start(&r, "2s2c1t", one_task, &plain), 0);
	sch = scx_sch(r.m);
	CHECK(sch->sel_llc);
	cpumask_unset(&sch->online, 2);
	cpumask_unset(&sch->online, 3);
	scx_idle_topology(sch);
	CHECK(!sch->sel_llc);
	srun_free(&r);
}
