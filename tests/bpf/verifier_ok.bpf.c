/*
 * verifier_ok.bpf.c — constructs the kernel's verifier accepts and scxsim's static verifier
 * once rejected or could not prove (tests/unit/test_verifier.c: every program accepted with
 * no warning). One construct per op:
 *   vo_cpu_online / vo_cpu_offline  bpf_printk with one and two arguments (bpf_trace_printk
 *                                   declares only fmt and size: r4/r5 may be unset)
 *   vo_dispatch      ARRAY_ELEM_PTR over a loop bounded by a .rodata count, the pointer used
 *                    after a call; `prev` (nullable) used after a NULL check
 *   vo_yield         `to` (nullable) used after a NULL check
 *   vo_tick          an index bounded by `%` of a .rodata count, then an array access
 *   vo_init          a buffer filled at a variable stack offset (MEMBER_VPTR in a bpf_for),
 *                    and a kfunc (scx_bpf_events) writing a stack struct that is then read
 *   vo_enqueue       the peek_dsq selftest's shape: printk, cmpxchg, peek with a NULL check
 * Never run as a scheduler.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define VO_SLOTS 64

const volatile u32 nr_slots = 8;
u8 want[VO_SLOTS];
u64 stamp[VO_SLOTS];
u64 ticks, last_pid, seen;
s32 first_cpu = -1;

void BPF_STRUCT_OPS(vo_cpu_online, s32 cpu)
{
	bpf_printk("cpu %d online", cpu);
}

void BPF_STRUCT_OPS(vo_cpu_offline, s32 cpu)
{
	bpf_printk("cpu %d offline (%llu ticks)", cpu, ticks);
}

static __noinline bool vo_take(s32 cpu)
{
	return scx_bpf_dsq_move_to_local(cpu);
}

void BPF_STRUCT_OPS(vo_dispatch, s32 cpu, struct task_struct *prev)
{
	s32 i;

	bpf_for(i, 0, nr_slots) {
		u8 *w = ARRAY_ELEM_PTR(want, i, nr_slots);

		if (w && !*w)
			continue;
		if (vo_take(i))
			*w = 0;
	}
	if (prev)
		last_pid = prev->pid;
}

bool BPF_STRUCT_OPS(vo_yield, struct task_struct *from, struct task_struct *to)
{
	if (to)
		last_pid = to->pid;
	return false;
}

void BPF_STRUCT_OPS(vo_tick, struct task_struct *p)
{
	u32 idx = (u32)(ticks++ + p->pid) % nr_slots; /* nr_slots (8) is a frozen .rodata value */

	stamp[idx] = bpf_ktime_get_ns();
}

s32 BPF_STRUCT_OPS_SLEEPABLE(vo_init)
{
	struct scx_event_stats events;
	char buf[32] = "", *c;
	int idx = 0;
	s32 cpu;

	bpf_for(cpu, 0, scx_bpf_nr_cpu_ids()) {
		if (!(c = MEMBER_VPTR(buf, [idx++])))
			break;
		*c = cpu & 1 ? 'o' : 'e';
	}
	buf[sizeof(buf) - 1] = '\0';
	__COMPAT_scx_bpf_events(&events, sizeof(events));
	seen = events.SCX_EV_SELECT_CPU_FALLBACK;
	bpf_printk("cpus %s", buf);
	return scx_bpf_create_dsq(0, -1);
}

void BPF_STRUCT_OPS(vo_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_struct *q;
	s32 cpu = bpf_get_smp_processor_id();

	if (__sync_val_compare_and_swap(&first_cpu, -1, cpu) == -1) {
		bpf_printk("first enqueue on cpu %d", cpu);
		q = __COMPAT_scx_bpf_dsq_peek(0);
		last_pid = q ? q->pid : -1;
	}
	scx_bpf_dsq_insert(p, 0, 0, enq_flags);
}

SCX_OPS_DEFINE(verifier_ok_ops,
	       .enqueue = (void *)vo_enqueue,
	       .dispatch = (void *)vo_dispatch,
	       .tick = (void *)vo_tick,
	       .yield = (void *)vo_yield,
	       .cpu_online = (void *)vo_cpu_online,
	       .cpu_offline = (void *)vo_cpu_offline,
	       .init = (void *)vo_init,
	       .name = "verifier_ok");
