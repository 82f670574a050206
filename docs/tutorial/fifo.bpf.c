/*
 * fifo.bpf.c — the tutorial's scheduler: one global FIFO, every task gets a 5 ms slice.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u64 slice_ns = 5000000;	/* a knob: --sched fifo.bpf.o:slice_ns=... */
u64 nr_enqueued;			/* read back with --globals */

UEI_DEFINE(uei);

void BPF_STRUCT_OPS(fifo_enqueue, struct task_struct *p, u64 enq_flags)
{
	__sync_fetch_and_add(&nr_enqueued, 1);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, slice_ns, enq_flags);
}

void BPF_STRUCT_OPS(fifo_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(fifo_ops,
	       .enqueue = (void *)fifo_enqueue,
	       .exit = (void *)fifo_exit,
	       .name = "fifo");
