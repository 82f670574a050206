/*
 * dump_sched.bpf.c — a global-FIFO scheduler with the three dump ops, each writing
 * scx_bpf_dump() lines with format arguments (the dump context, the CPU, the task), for
 * tests/unit/test_bpf_dump.c. ops.running raises scx_bpf_error() after `err_after` runs so
 * that an error dump is taken; exit_dump_len is 4096 so that `spam` lines overflow it.
 *   fault=1  NULL dereference in ops.dump_cpu (busy CPUs)    fault=2  endless loop in ops.dump
 *   fault=3  scx_bpf_dsq_insert() from ops.dump_task         fault=4  scx_bpf_dump() from ops.enqueue
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u64 err_after = 10;
const volatile u32 fault;
const volatile u32 spam;

u64 nr_run, nr_dump, nr_dump_cpu, nr_dump_task, nr_idle;
volatile u64 sink;

void BPF_STRUCT_OPS(dump_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (fault == 4)
		scx_bpf_dump("from enqueue %d", p->pid);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(dump_running, struct task_struct *p)
{
	if (err_after && ++nr_run == err_after)
		scx_bpf_error("bpf dump test error after %llu runs", nr_run);
}

void BPF_STRUCT_OPS(dump_dump, struct scx_dump_ctx *dctx)
{
	u32 i;

	nr_dump++;
	if (fault == 2)
		for (;;)
			sink++;
	scx_bpf_dump("bpf-dump kind=%d code=%lld reason=%s at_ns=%llu", dctx->kind,
		     dctx->exit_code, dctx->reason, dctx->at_ns);
	scx_bpf_dump(" jiffies=%llu\n", dctx->at_jiffies);
	scx_bpf_dump("nr_run=%llu", nr_run);
	bpf_for(i, 0, spam)
		scx_bpf_dump("spam line %u of the dump, long enough to fill it fast .........\n", i);
}

void BPF_STRUCT_OPS(dump_dump_cpu, struct scx_dump_ctx *dctx, s32 cpu, bool idle)
{
	nr_dump_cpu++;
	if (idle) {
		nr_idle++;
		return;
	}
	if (fault == 1)
		sink = *(volatile u64 *)(unsigned long)sink; /* sink is 0 */
	scx_bpf_dump("bpf-cpu %d global=%d", cpu, scx_bpf_dsq_nr_queued(SCX_DSQ_GLOBAL));
}

void BPF_STRUCT_OPS(dump_dump_task, struct scx_dump_ctx *dctx, struct task_struct *p)
{
	nr_dump_task++;
	if (fault == 3)
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, 0);
	scx_bpf_dump("bpf-task %s pid=%d weight=%u", p->comm, p->pid, p->scx.weight);
}

SCX_OPS_DEFINE(dump_ops,
	       .enqueue = (void *)dump_enqueue,
	       .running = (void *)dump_running,
	       .dump = (void *)dump_dump,
	       .dump_cpu = (void *)dump_dump_cpu,
	       .dump_task = (void *)dump_dump_task,
	       .exit_dump_len = 4096,
	       .name = "dump_sched");
