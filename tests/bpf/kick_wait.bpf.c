/*
 * kick_wait.bpf.c — scx_bpf_kick_cpu() with SCX_KICK_WAIT from BPF, for
 * tests/unit/test_bpf_more.c: at each tick the CPU kicks the next one (CPU + 1 modulo the
 * number of CPUs) with the flags in the knob kick_flags (SCX_KICK_WAIT by default; a test sets
 * SCX_KICK_IDLE | SCX_KICK_WAIT to see the error). Tasks go to the global DSQ. The same source
 * builds for the kernel: SCX_KICK_WAIT is the upstream flag.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u64 kick_flags = SCX_KICK_WAIT;
u64 n_kicks;
UEI_DEFINE(uei);

void BPF_STRUCT_OPS(kw_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(kw_tick, struct task_struct *p)
{
	s32 cpu = scx_bpf_task_cpu(p);
	u32 nr = scx_bpf_nr_cpu_ids();

	if (nr < 2)
		return;
	n_kicks++;
	scx_bpf_kick_cpu((cpu + 1) % nr, kick_flags);
}

void BPF_STRUCT_OPS(kw_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(kick_wait_ops,
	       .enqueue = (void *)kw_enqueue,
	       .tick = (void *)kw_tick,
	       .exit = (void *)kw_exit,
	       .name = "kick_wait");
