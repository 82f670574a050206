/*
 * more_notify.bpf.c — the notification ops that test_scx.c proves with C schedulers, through
 * their BPF trampolines, for tests/unit/test_bpf_more.c: yield, core_sched_before,
 * set_cpumask (the mask readable from BPF), update_idle (with SCX_OPS_KEEP_BUILTIN_IDLE),
 * set_weight, cpu_release (reason RT for an rt task, UNKNOWN for a fair one) +
 * scx_bpf_reenqueue_local() (SCX_ENQ_REENQ seen by enqueue),
 * cpu_acquire (args), init_task setting p->scx.disallow, scx_bpf_task_cgroup() +
 * bpf_cgroup_release(), cgroup_init/cgroup_exit, disable/exit_task and ops.exit at a sysrq,
 * UEI_RECORD of the exit info (knob error_at_ms: an scx_bpf_error() exit, with its dump).
 * A per-CPU scheduler otherwise: the default idle pick, else the task's own local DSQ.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

u64 nr_bad;
u32 bad_line;
u64 n_yield, n_csb, n_set_cpumask, n_update_idle_on, n_update_idle_off, n_set_weight;
u64 n_release, n_release_rt, n_release_fair, n_reenq_ret, n_reenq_enq, n_acquire, n_init_task, n_disallowed;
u64 n_task_cgroup, n_cgroup_init, n_cgroup_exit, n_disable, n_exit_task, n_enable;
s64 exit_kind = -1;
const volatile u32 error_at_ms;  /* > 0: scx_bpf_error() from the first tick at or after it */
UEI_DEFINE(uei);

#define BAD() do { if (!nr_bad++) bad_line = __LINE__; } while (0)

static bool comm_is(const struct task_struct *p, const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (p->comm[i] != s[i])
			return false;
	return true;
}

s32 BPF_STRUCT_OPS(nt_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (idle)
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL / 4, 0);
	return cpu;
}

void BPF_STRUCT_OPS(nt_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct cgroup *cg = scx_bpf_task_cgroup(p);

	if (cg) {
		n_task_cgroup++;
		if (cg != p->tg)
			BAD();
		bpf_cgroup_release(cg);
	}
	if (enq_flags & SCX_ENQ_REENQ) {
		n_reenq_enq++;
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL / 4, enq_flags);
		return;
	}
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL / 4, enq_flags);
}

bool BPF_STRUCT_OPS(nt_yield, struct task_struct *from, struct task_struct *to)
{
	n_yield++;
	if (to || !scx_bpf_task_running(from))
		BAD();
	from->scx.slice = 0;
	return false;
}

bool BPF_STRUCT_OPS(nt_core_sched_before, struct task_struct *a, struct task_struct *b)
{
	n_csb++;
	if (a == b)
		BAD();
	return a->pid < b->pid;
}

void BPF_STRUCT_OPS(nt_set_cpumask, struct task_struct *p, const struct cpumask *mask)
{
	n_set_cpumask++;
	if (bpf_cpumask_weight(mask) != p->nr_cpus_allowed)
		BAD();
	if (bpf_cpumask_test_cpu(0, mask) == bpf_cpumask_test_cpu(1, mask))
		BAD(); /* the workload alternates between [0] and [1] */
}

void BPF_STRUCT_OPS(nt_update_idle, s32 cpu, bool idle)
{
	if (idle)
		n_update_idle_on++;
	else
		n_update_idle_off++;
}

void BPF_STRUCT_OPS(nt_set_weight, struct task_struct *p, u32 weight)
{
	n_set_weight++;
	if (weight != p->scx.weight || (comm_is(p, "nice", 4) && weight != 305))
		BAD();
}

void BPF_STRUCT_OPS(nt_cpu_release, s32 cpu, struct scx_cpu_release_args *args)
{
	n_release++;
	if (!args->task)
		BAD();
	else if (args->reason == SCX_CPU_PREEMPT_RT && comm_is(args->task, "rt", 3))
		n_release_rt++;
	else if (args->reason == SCX_CPU_PREEMPT_UNKNOWN && comm_is(args->task, "keepout", 7))
		n_release_fair++; /* a fair task (the class above ext) took the CPU */
	else
		BAD();
	n_reenq_ret += scx_bpf_reenqueue_local();
}

void BPF_STRUCT_OPS(nt_cpu_acquire, s32 cpu, struct scx_cpu_acquire_args *args)
{
	n_acquire++;
	if (!args)
		BAD();
}

s32 BPF_STRUCT_OPS_SLEEPABLE(nt_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	n_init_task++;
	if (!args->fork || args->cgroup != p->tg)
		BAD();
	if (comm_is(p, "keepout", 7)) {
		p->scx.disallow = true;
		n_disallowed++;
	}
	return 0;
}

void BPF_STRUCT_OPS(nt_enable, struct task_struct *p)
{
	n_enable++;
}

void BPF_STRUCT_OPS(nt_disable, struct task_struct *p)
{
	n_disable++;
}

void BPF_STRUCT_OPS_SLEEPABLE(nt_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	n_exit_task++;
	if (args->cancelled)
		BAD();
}

s32 BPF_STRUCT_OPS_SLEEPABLE(nt_cgroup_init, struct cgroup *cgrp, struct scx_cgroup_init_args *args)
{
	n_cgroup_init++;
	if (args->weight != cgrp->cpu_weight)
		BAD();
	return 0;
}

void BPF_STRUCT_OPS_SLEEPABLE(nt_cgroup_exit, struct cgroup *cgrp)
{
	n_cgroup_exit++;
}

void BPF_STRUCT_OPS(nt_tick, struct task_struct *p)
{
	u64 now = scx_bpf_now();

	if (error_at_ms && now >= error_at_ms * 1000000ULL)
		scx_bpf_error("notify error at %llu ns on %s", now, p->comm);
}

void BPF_STRUCT_OPS(nt_exit, struct scx_exit_info *ei)
{
	exit_kind = ei->kind;
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(notify_ops,
	       .select_cpu = (void *)nt_select_cpu,
	       .enqueue = (void *)nt_enqueue,
	       .yield = (void *)nt_yield,
	       .core_sched_before = (void *)nt_core_sched_before,
	       .set_cpumask = (void *)nt_set_cpumask,
	       .update_idle = (void *)nt_update_idle,
	       .set_weight = (void *)nt_set_weight,
	       .cpu_release = (void *)nt_cpu_release,
	       .cpu_acquire = (void *)nt_cpu_acquire,
	       .init_task = (void *)nt_init_task,
	       .enable = (void *)nt_enable,
	       .disable = (void *)nt_disable,
	       .exit_task = (void *)nt_exit_task,
	       .cgroup_init = (void *)nt_cgroup_init,
	       .cgroup_exit = (void *)nt_cgroup_exit,
	       .exit = (void *)nt_exit,
	       .tick = (void *)nt_tick,
	       .flags = SCX_OPS_KEEP_BUILTIN_IDLE,
	       .name = "more_notify");
