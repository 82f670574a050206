/*
 * verifier_bad.bpf.c — one rejection of the static verifier per program (tests/unit/
 * test_verifier.c asserts each message and source line; `scxsim verify` exits 1 on it).
 * Never run: every op here would fault or leak at run time. The kernel's verifier rejects
 * each of these too. vb_select_cpu is correct and must be accepted.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u64 knob = 1;
u64 table[8];

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} vals SEC(".maps");

s32 BPF_STRUCT_OPS(vb_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	u32 k = 0;
	u64 *v = bpf_map_lookup_elem(&vals, &k);

	if (v)
		*v += 1;
	return prev_cpu;
}

void BPF_STRUCT_OPS(vb_enqueue, struct task_struct *p, u64 enq_flags)
{
	u32 k = 1;
	u64 *v = bpf_map_lookup_elem(&vals, &k);

	*v += 1; /* VB_NULL: no NULL check */
}

void BPF_STRUCT_OPS(vb_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 k = 2;
	u64 *v = bpf_map_lookup_elem(&vals, &k);

	if (v)
		v[1] = 7; /* VB_OOB: one u64 past the value */
}

void BPF_STRUCT_OPS(vb_running, struct task_struct *p)
{
	p->pid = 0; /* VB_RO_TASK: task_struct fields are read-only */
}

void BPF_STRUCT_OPS(vb_stopping, struct task_struct *p, bool runnable)
{
	struct task_struct *t = bpf_task_from_pid(1);

	if (t) /* VB_LEAK: never released */
		table[0] = t->pid;
}

void BPF_STRUCT_OPS(vb_quiescent, struct task_struct *p, u64 deq_flags)
{
	struct task_struct *t = bpf_task_acquire(p);

	if (!t)
		return;
	bpf_task_release(t);
	table[1] = t->pid; /* VB_UAF: used after release */
}

void BPF_STRUCT_OPS(vb_tick, struct task_struct *p)
{
	*(volatile u64 *)&knob = 2; /* VB_RODATA: .rodata is read-only */
}

void BPF_STRUCT_OPS(vb_runnable, struct task_struct *p, u64 enq_flags)
{
	table[2] = (u64)p * 3; /* VB_PTR_MUL: pointer arithmetic with *= */
}

void BPF_STRUCT_OPS(vb_set_weight, struct task_struct *p, u32 weight)
{
	struct task_struct *t = bpf_task_from_pid(weight);

	scx_bpf_dsq_insert(t, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, 0); /* VB_NULL_ARG */
	if (t)
		bpf_task_release(t);
}

void BPF_STRUCT_OPS(vb_update_idle, s32 cpu, bool idle)
{
	bpf_rcu_read_lock(); /* VB_RCU: never unlocked */
	table[3] = cpu;
}

void BPF_STRUCT_OPS(vb_set_cpumask, struct task_struct *p, const struct cpumask *mask)
{
	table[p->pid] = 1; /* VB_INDEX: index not bounds-checked */
}

SCX_OPS_DEFINE(verifier_bad_ops,
	       .select_cpu = (void *)vb_select_cpu,
	       .enqueue = (void *)vb_enqueue,
	       .dispatch = (void *)vb_dispatch,
	       .running = (void *)vb_running,
	       .stopping = (void *)vb_stopping,
	       .quiescent = (void *)vb_quiescent,
	       .tick = (void *)vb_tick,
	       .runnable = (void *)vb_runnable,
	       .set_weight = (void *)vb_set_weight,
	       .update_idle = (void *)vb_update_idle,
	       .set_cpumask = (void *)vb_set_cpumask,
	       .name = "verifier_bad");
