/*
 * sched_allops.bpf.c — a global FIFO scheduler that implements every op scxsim calls and
 * records what it was given, so that tests/unit/test_bpf_sched.c can check each trampoline:
 * argument order and values (ctx[]), argument structs readable, return values honoured.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

u64 n_select, n_enqueue, n_dequeue, n_dispatch, n_runnable, n_running, n_stopping;
u64 n_quiescent, n_init_task, n_exit_task, n_enable, n_disable, n_cpu_release, n_cpu_acquire;
u64 n_set_weight, n_tick, n_init_fork, n_bad_arg, n_cgroup_init, n_stopping_runnable;
s32 release_task_pid = -1;
u32 release_reason = 99;
u32 max_cpu_seen;
s64 exit_kind = -1;
char exit_reason[64];

s32 BPF_STRUCT_OPS(all_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle;

	n_select++;
	if (prev_cpu < 0 || prev_cpu >= scx_bpf_nr_cpu_ids())
		n_bad_arg++;
	return scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);
}

void BPF_STRUCT_OPS(all_enqueue, struct task_struct *p, u64 enq_flags)
{
	n_enqueue++;
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL / 4, enq_flags);
}

void BPF_STRUCT_OPS(all_dequeue, struct task_struct *p, u64 deq_flags) { n_dequeue++; }

void BPF_STRUCT_OPS(all_dispatch, s32 cpu, struct task_struct *prev)
{
	n_dispatch++;
	if (cpu != bpf_get_smp_processor_id())
		n_bad_arg++;
}

void BPF_STRUCT_OPS(all_runnable, struct task_struct *p, u64 enq_flags) { n_runnable++; }
void BPF_STRUCT_OPS(all_running, struct task_struct *p)
{
	u32 cpu = bpf_get_smp_processor_id();

	n_running++;
	if (cpu > max_cpu_seen)
		max_cpu_seen = cpu;
	if (cpu != scx_bpf_task_cpu(p))
		n_bad_arg++;
}

void BPF_STRUCT_OPS(all_stopping, struct task_struct *p, bool runnable)
{
	n_stopping++;
	if (runnable)
		n_stopping_runnable++;
}

void BPF_STRUCT_OPS(all_quiescent, struct task_struct *p, u64 deq_flags) { n_quiescent++; }
void BPF_STRUCT_OPS(all_tick, struct task_struct *p) { n_tick++; }

void BPF_STRUCT_OPS(all_set_weight, struct task_struct *p, u32 weight)
{
	n_set_weight++;
	if (weight != p->scx.weight)
		n_bad_arg++;
}

s32 BPF_STRUCT_OPS(all_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	n_init_task++;
	if (args->fork)
		n_init_fork++;
	if (p->scx.weight < 1 || p->scx.weight > 10000)
		n_bad_arg++;
	return 0;
}

void BPF_STRUCT_OPS(all_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	n_exit_task++;
	if (args->cancelled)
		n_bad_arg++;
}

void BPF_STRUCT_OPS(all_enable, struct task_struct *p) { n_enable++; }
void BPF_STRUCT_OPS(all_disable, struct task_struct *p) { n_disable++; }

void BPF_STRUCT_OPS(all_cpu_release, s32 cpu, struct scx_cpu_release_args *args)
{
	n_cpu_release++;
	release_reason = args->reason;
	if (args->task)
		release_task_pid = args->task->pid;
	scx_bpf_reenqueue_local();
}

void BPF_STRUCT_OPS(all_cpu_acquire, s32 cpu, struct scx_cpu_acquire_args *args) { n_cpu_acquire++; }

s32 BPF_STRUCT_OPS(all_cgroup_init, struct cgroup *cgrp, struct scx_cgroup_init_args *args)
{
	n_cgroup_init++;
	if (args->weight != cgrp->cpu_weight)
		n_bad_arg++;
	return 0;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(all_init) { return 0; }

void BPF_STRUCT_OPS(all_exit, struct scx_exit_info *ei)
{
	exit_kind = ei->kind;
	bpf_probe_read_kernel_str(exit_reason, sizeof(exit_reason), ei->reason);
}

SCX_OPS_DEFINE(allops_ops,
	       .select_cpu = (void *)all_select_cpu,
	       .enqueue = (void *)all_enqueue,
	       .dequeue = (void *)all_dequeue,
	       .dispatch = (void *)all_dispatch,
	       .runnable = (void *)all_runnable,
	       .running = (void *)all_running,
	       .stopping = (void *)all_stopping,
	       .quiescent = (void *)all_quiescent,
	       .tick = (void *)all_tick,
	       .set_weight = (void *)all_set_weight,
	       .init_task = (void *)all_init_task,
	       .exit_task = (void *)all_exit_task,
	       .enable = (void *)all_enable,
	       .disable = (void *)all_disable,
	       .cpu_release = (void *)all_cpu_release,
	       .cpu_acquire = (void *)all_cpu_acquire,
	       .cgroup_init = (void *)all_cgroup_init,
	       .init = (void *)all_init,
	       .exit = (void *)all_exit,
	       .name = "allops");
