/*
 * cgroup_sched.bpf.c — the cgroup move and weight ops through their BPF trampolines, for
 * tests/unit/test_bpf_more.c: cgroup_init (also for a cgroup a move creates at run time: its
 * memory must be readable), cgroup_prep_move / cgroup_move / cgroup_cancel_move with
 * (task_struct *, cgroup *from, cgroup *to), cgroup_set_weight with (cgroup *, u32), and
 * scx_bpf_task_cgroup() in cgroup_move returning the new cgroup. Each callback counts itself
 * and checks its arguments against the machine's state (nr_bad counts contradictions);
 * knob refuse_pid makes prep_move refuse that task with -EBUSY. Tasks go to the global DSQ.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile s32 refuse_pid;   /* 0: accept every move */

u64 nr_bad;
u32 bad_line;
u64 n_cgroup_init, n_prep, n_move, n_cancel, n_set_weight, n_task_cgroup_is_to;
u64 last_weight, last_to_id, last_from_id, last_to_level, last_init_id;

#define BAD() do { if (!nr_bad++) bad_line = __LINE__; } while (0)

void BPF_STRUCT_OPS(cg_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(cg_cgroup_init, struct cgroup *cgrp, struct scx_cgroup_init_args *args)
{
	n_cgroup_init++;
	last_init_id = cgrp->kn->id;
	if (args->weight != cgrp->cpu_weight)
		BAD();
	return 0;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(cg_prep_move, struct task_struct *p, struct cgroup *from,
			     struct cgroup *to)
{
	n_prep++;
	if (p->tg != from || from == to)
		BAD();
	if (refuse_pid && p->pid == refuse_pid)
		return -EBUSY;
	return 0;
}

void BPF_STRUCT_OPS(cg_move, struct task_struct *p, struct cgroup *from, struct cgroup *to)
{
	struct cgroup *cg = scx_bpf_task_cgroup(p);

	n_move++;
	if (p->tg != to)
		BAD();
	if (cg) {
		if (cg == to)
			n_task_cgroup_is_to++;
		else
			BAD();
		bpf_cgroup_release(cg);
	}
	last_to_id = to->kn->id;
	last_from_id = from->kn->id;
	last_to_level = to->level;
}

void BPF_STRUCT_OPS_SLEEPABLE(cg_cancel_move, struct task_struct *p, struct cgroup *from,
			      struct cgroup *to)
{
	n_cancel++;
	if (p->tg != from)
		BAD();
}

void BPF_STRUCT_OPS_SLEEPABLE(cg_set_weight, struct cgroup *cgrp, u32 weight)
{
	n_set_weight++;
	last_weight = weight;
	if (cgrp->cpu_weight != weight)
		BAD();
}

SCX_OPS_DEFINE(cgroup_ops,
	       .enqueue = (void *)cg_enqueue,
	       .cgroup_init = (void *)cg_cgroup_init,
	       .cgroup_prep_move = (void *)cg_prep_move,
	       .cgroup_move = (void *)cg_move,
	       .cgroup_cancel_move = (void *)cg_cancel_move,
	       .cgroup_set_weight = (void *)cg_set_weight,
	       .name = "cgroup_sched");
