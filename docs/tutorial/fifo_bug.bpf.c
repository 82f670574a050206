/*
 * fifo_bug.bpf.c — the tutorial's buggy variant of fifo.bpf.c: it dereferences a task pointer
 * that bpf_task_from_pid() may return as NULL: scxsim's verifier refuses to load it, as the
 * kernel's would; with `run --no-verify` the run-time checks eject it when it happens.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u64 slice_ns = 5000000;
u64 nr_enqueued;

void BPF_STRUCT_OPS(fifo_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_struct *parent = bpf_task_from_pid(p->pid - 1);

	parent->scx.dsq_vtime = nr_enqueued++;	/* bug: parent may be NULL */
	bpf_task_release(parent);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, slice_ns, enq_flags);
}

SCX_OPS_DEFINE(fifo_ops, .enqueue = (void *)fifo_enqueue, .name = "fifo");
