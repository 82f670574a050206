/*
 * iter_sched.bpf.c — the BPF side of the 6.12-6.18 kfuncs (src/scx/kfuncs_more.c), for
 * tests/unit/test_bpf_iter.c: DSQ iterators through bpf_for_each(scx_dsq, ...) (each adapter
 * checks the iterator is 48 bytes of the program's memory), scx_bpf_dsq_move/_vtime with
 * set_slice/set_vtime (the 6.12 names when use_612 is set, upstream's __COMPAT_ wrappers when
 * use_compat is), cpuperf, cpu_node and the
 * per-node idle kfuncs. Even pids wait in a FIFO user DSQ, odd pids in a vtime DSQ with a
 * decreasing vtime; ops.dispatch walks both DSQs (forward and SCX_DSQ_ITER_REV), checks the
 * order and the counts, then moves one task to the local DSQ. What it saw goes into globals.
 *
 * fail_mode (knob) makes one callback misuse a kfunc; each ejects the scheduler:
 *   1 next on an iterator never passed to _new   2 move with invalid enq_flags
 *   3 cpuperf_set above 1024                      4 pick_idle_cpu_node on a missing node
 *   5 a NULL iterator                             6 move from ops.enqueue
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define FIFO_DSQ 100
#define VT_DSQ 200
#define NR_RES 16
#define SLICE_NS 3000000ULL

const volatile int fail_mode;
const volatile bool use_612;
const volatile bool use_compat;   /* upstream's __COMPAT_scx_bpf_dsq_move* wrappers */

s64 init_res[NR_RES];          /* ops.init: results in order (see the test) */
u64 nr_bad;
u32 bad_line;
u64 n_dispatch, n_moved, n_visited_max, n_second_false;
u64 vt_next = 1000000;

#define BAD() do { if (!nr_bad++) bad_line = __LINE__; } while (0)

s32 BPF_STRUCT_OPS_SLEEPABLE(iter_init)
{
	const struct cpumask *all = scx_bpf_get_possible_cpumask();
	const struct cpumask *m;
	s32 err;

	err = scx_bpf_create_dsq(FIFO_DSQ, -1);
	if (!err)
		err = scx_bpf_create_dsq(VT_DSQ, -1);
	init_res[0] = scx_bpf_cpuperf_cur(1);
	init_res[1] = scx_bpf_cpu_node(0);
	init_res[2] = scx_bpf_cpu_node(3);
	m = scx_bpf_get_idle_cpumask_node(1);
	init_res[3] = bpf_cpumask_weight(m) * 100 + bpf_cpumask_first(m);
	scx_bpf_put_idle_cpumask(m);
	m = scx_bpf_get_idle_smtmask_node(0);
	init_res[4] = bpf_cpumask_weight(m);
	scx_bpf_put_idle_cpumask(m);
	init_res[5] = scx_bpf_pick_idle_cpu_node(all, 1, SCX_PICK_IDLE_IN_NODE);
	init_res[6] = scx_bpf_pick_any_cpu_node(all, 0, 0);
	init_res[7] = scx_bpf_pick_idle_cpu_node(all, -1, 0);
	init_res[8] = bpf_ksym_exists(scx_bpf_dsq_move) + bpf_ksym_exists(bpf_iter_scx_dsq_new) * 10 +
		      bpf_ksym_exists(scx_bpf_dispatch_from_dsq) * 100;
	scx_bpf_put_cpumask(all);
	return err;
}

void BPF_STRUCT_OPS(iter_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (fail_mode == 6) {
		struct task_struct *q;

		bpf_for_each(scx_dsq, q, FIFO_DSQ, 0)
			scx_bpf_dsq_move(BPF_FOR_EACH_ITER, q, SCX_DSQ_GLOBAL, 0);
	}
	if (p->pid & 1) {
		vt_next -= 7;
		scx_bpf_dsq_insert_vtime(p, VT_DSQ, SCX_SLICE_DFL, vt_next, enq_flags);
	} else {
		scx_bpf_dsq_insert(p, FIFO_DSQ, SCX_SLICE_DFL, enq_flags);
	}
}

/* forward: count and vtime order; reverse: the same count */
static void walk(u64 dsq_id)
{
	struct task_struct *p;
	u64 fwd = 0, rev = 0, last_vt = 0;

	bpf_for_each(scx_dsq, p, dsq_id, 0) {
		if (dsq_id == VT_DSQ && fwd && (s64)(p->scx.dsq_vtime - last_vt) < 0)
			BAD();
		last_vt = p->scx.dsq_vtime;
		fwd++;
	}
	bpf_for_each(scx_dsq, p, dsq_id, SCX_DSQ_ITER_REV)
		rev++;
	if (fwd != rev || fwd != scx_bpf_dsq_nr_queued(dsq_id))
		BAD();
	if (fwd > n_visited_max)
		n_visited_max = fwd;
}

static bool move_one(u64 dsq_id, s32 cpu)
{
	struct task_struct *p;
	bool moved = false;

	bpf_for_each(scx_dsq, p, dsq_id, 0) {
		if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			continue;
		if (use_612) {
			scx_bpf_dispatch_from_dsq_set_slice(BPF_FOR_EACH_ITER, SLICE_NS);
			scx_bpf_dispatch_from_dsq_set_vtime(BPF_FOR_EACH_ITER, 5);
			moved = scx_bpf_dispatch_from_dsq(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0);
			if (moved && p->scx.dsq_vtime != 5)
				BAD();
		} else if (use_compat) {
			__COMPAT_scx_bpf_dsq_move_set_slice(BPF_FOR_EACH_ITER, SLICE_NS);
			__COMPAT_scx_bpf_dsq_move_set_vtime(BPF_FOR_EACH_ITER, 9);
			moved = __COMPAT_scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0);
			if (moved && p->scx.dsq_vtime != 9)
				BAD();
		} else {
			scx_bpf_dsq_move_set_slice(BPF_FOR_EACH_ITER, SLICE_NS);
			moved = scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0);
		}
		if (!moved || p->scx.slice != SLICE_NS)
			BAD();
		if (use_compat ? __COMPAT_scx_bpf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, VT_DSQ, 0) :
				 scx_bpf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, VT_DSQ, 0))
			BAD();
		else
			n_second_false++;
		break;
	}
	return moved;
}

void BPF_STRUCT_OPS(iter_dispatch, s32 cpu, struct task_struct *prev)
{
	struct bpf_iter_scx_dsq raw;
	struct task_struct *p;

	n_dispatch++;
	scx_bpf_cpuperf_set(cpu, 512);
	switch (fail_mode) {
	case 1:
		__builtin_memset(&raw, 0, sizeof(raw));
		bpf_iter_scx_dsq_next(&raw);
		break;
	case 2:
		bpf_for_each(scx_dsq, p, FIFO_DSQ, 0)
			scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_GLOBAL, 1ULL << 20);
		break;
	case 3:
		scx_bpf_cpuperf_set(cpu, 2000);
		break;
	case 4:
		scx_bpf_pick_idle_cpu_node(scx_bpf_get_possible_cpumask(), 9, 0);
		break;
	case 5:
		bpf_iter_scx_dsq_next((struct bpf_iter_scx_dsq *)0);
		break;
	}
	walk(FIFO_DSQ);
	walk(VT_DSQ);
	if (move_one(VT_DSQ, cpu) || move_one(FIFO_DSQ, cpu))
		n_moved++;
}

SCX_OPS_DEFINE(iter_ops,
	       .flags = SCX_OPS_BUILTIN_IDLE_PER_NODE, /* for the _node kfuncs */
	       .init = (void *)iter_init,
	       .enqueue = (void *)iter_enqueue,
	       .dispatch = (void *)iter_dispatch,
	       .name = "iter_sched");
