/*
 * sched_hostile.bpf.c — a FIFO scheduler with one misbehaviour per knob, for the runtime's
 * _fail tests: each must eject the scheduler with SCX_EXIT_ERROR and a message naming the
 * program, the pc and the source line, and every task must finish on fair.
 *   bad=1  out-of-bounds read of a map value          bad=2  infinite loop (budget)
 *   bad=3  NULL dereference                           bad=4  write to a read-only task field
 *   bad=5  bad kfunc argument (not a task)            bad=6  bad CPU to a kfunc
 *   bad=7  scx_bpf_error() (ERROR_BPF, not a fault)   bad=8  scx_bpf_exit() (UNREG_BPF)
 *   bad=9  ops.init() returns -ENOMEM                 bad=10 ops.init() faults
 *   bad=11 misaligned bpf_iter_num to a kfunc          bad=12 misaligned cpumask to a kfunc
 * `after` enqueues happen normally before the misbehaviour starts.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u32 bad;
const volatile u64 after = 20;

u64 nr_enq;
volatile u64 sink;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} small SEC(".maps");

static __noinline u64 misbehave(struct task_struct *p, u32 idx)
{
	u32 zero = 0;
	u64 *v;

	switch (bad) {
	case 1:
		v = bpf_map_lookup_elem(&small, &zero);
		if (v)
			return v[idx + 1]; /* one past the 8-byte value */
		return 0;
	case 2:
		for (;;)
			sink++;
	case 3:
		v = (u64 *)(unsigned long)sink;
		return *v; /* sink is 0 */
	case 4:
		p->pid = 0; /* task_struct is read-only but for scx.slice/dsq_vtime/disallow */
		return 0;
	case 5:
		scx_bpf_dsq_insert((struct task_struct *)&sink, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, 0);
		return 0;
	case 6:
		scx_bpf_kick_cpu(9999, 0);
		return 0;
	case 7:
		scx_bpf_error("hostile error for %s[%d] after %llu enqueues", p->comm, p->pid, nr_enq);
		return 0;
	case 8:
		scx_bpf_exit(7, "hostile exit %d", 7);
		return 0;
	case 11: {
		u64 buf[3] = {};

		bpf_iter_num_new((struct bpf_iter_num *)((char *)buf + 1), 0, 3);
		return buf[0];
	}
	case 12:
		return bpf_cpumask_test_cpu(0, (const struct cpumask *)((char *)p->cpus_ptr + 4));
	}
	return 0;
}

void BPF_STRUCT_OPS(hostile_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (++nr_enq > after)
		sink += misbehave(p, (u32)sink);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(hostile_init)
{
	if (bad == 9)
		return -ENOMEM;
	if (bad == 10)
		return *(volatile s32 *)(unsigned long)sink;
	return 0;
}

SCX_OPS_DEFINE(hostile_ops,
	       .enqueue = (void *)hostile_enqueue,
	       .init = (void *)hostile_init,
	       .name = "hostile");
