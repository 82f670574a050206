/*
 * mapinmap_sched.bpf.c — a FIFO scheduler built on map-in-map, for
 * tests/unit/test_bpf_mapinmap.c. Tasks are queued by pid in one of three QUEUE maps reached
 * through an ARRAY_OF_MAPS whose slots are set by a static initializer (slot 3 stays empty),
 * then moved to a user DSQ by ops.dispatch. It also covers:
 *
 *   - lookups of the empty slot, of a key out of range and of a HASH_OF_MAPS (statically
 *     initialized with ARRAY inner maps, written and read back through the inner map), in
 *     ops.init;
 *   - scx_bpf_events(): read every 2 ms by a timer (whose callback also moves one task of the
 *     user DSQ to a local DSQ with scx_bpf_dsq_move, a kfunc allowed outside rq-locked ops) and
 *     in ops.exit (bypass counters), with scx_read_event() on both names of the slice counter;
 *   - p->scx.disallow written by ops.init_task for the task whose tgid is `disallow_tgid`.
 *
 * Knob `bad` turns on one misuse: 1 = bpf_map_update_elem() on the outer map in ops.enqueue (the
 * kernel's verifier refuses it; scxsim stops the program), 2 = scx_bpf_error() in ops.enqueue
 * after 50 enqueues (to read the bypass events in ops.exit).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define SHARED_DSQ 7
#define NR_Q 3

const volatile s32 disallow_tgid = -1;
const volatile u32 bad;

u64 nr_pushed, nr_popped, nr_push_fail, nr_no_queue, nr_disallowed;
u64 r_empty_slot, r_bad_key, r_same_inner, r_hash_val, r_hash_missing, r_hash_inner_null;
u64 nr_timer, nr_moved_from_timer;
s64 ev_keep_last, ev_refill, ev_refill_old_name, ev_fallback, ev_offline;
s64 exit_bypass_activate, exit_bypass_dispatch, exit_bypass_duration, exit_skip_exiting;

struct fifo {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 256);
	__type(value, u32);
} q0 SEC(".maps"), q1 SEC(".maps"), q2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NR_Q + 1);
	__type(key, u32);
	__array(values, struct fifo);
} queues SEC(".maps") = {
	.values = { [0] = &q0, [1] = &q1, [2] = &q2 },
};

struct cell {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} cell_a SEC(".maps"), cell_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, u32);
	__array(values, struct cell);
} cells SEC(".maps") = {
	.values = { [1] = &cell_a, [2] = &cell_b },
};

struct tval {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct tval);
} tmap SEC(".maps");

static void *queue_of(u32 idx)
{
	return bpf_map_lookup_elem(&queues, &idx);
}

void BPF_STRUCT_OPS(mim_enqueue, struct task_struct *p, u64 enq_flags)
{
	u32 pid = p->pid, idx = (u32)p->pid % NR_Q;
	void *q;

	if (bad == 1) {
		u32 v = 0;

		bpf_map_update_elem(&queues, &idx, &v, 0);
	}
	if (bad == 2 && nr_pushed >= 50) {
		scx_bpf_error("mim: planned error after %llu pushes", nr_pushed);
		return;
	}
	q = queue_of(idx);
	if (!q) {
		nr_no_queue++;
		scx_bpf_dsq_insert(p, SHARED_DSQ, SCX_SLICE_DFL, enq_flags);
		return;
	}
	if (bpf_map_push_elem(q, &pid, 0)) {
		nr_push_fail++;
		scx_bpf_dsq_insert(p, SHARED_DSQ, SCX_SLICE_DFL, enq_flags);
		return;
	}
	nr_pushed++;
}

void BPF_STRUCT_OPS(mim_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 i, pid;

	for (i = 0; i < NR_Q; i++) {
		void *q = queue_of(i);
		struct task_struct *p;

		if (!q)
			continue;
		while (scx_bpf_dispatch_nr_slots() && !bpf_map_pop_elem(q, &pid)) {
			p = bpf_task_from_pid(pid);
			if (!p)
				continue;
			nr_popped++;
			scx_bpf_dsq_insert(p, SHARED_DSQ, SCX_SLICE_DFL, 0);
			bpf_task_release(p);
		}
	}
	scx_bpf_dsq_move_to_local(SHARED_DSQ);
}

s32 BPF_STRUCT_OPS(mim_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	if (p->tgid == disallow_tgid) {
		p->scx.disallow = true;
		nr_disallowed++;
	}
	return 0;
}

static void read_events(void)
{
	struct scx_event_stats e;

	__builtin_memset(&e, 0xff, sizeof(e));
	__COMPAT_scx_bpf_events(&e, sizeof(e));
	ev_keep_last = scx_read_event(&e, SCX_EV_DISPATCH_KEEP_LAST);
	ev_refill = scx_read_event(&e, SCX_EV_REFILL_SLICE_DFL);
	ev_refill_old_name = scx_read_event(&e, SCX_EV_ENQ_SLICE_DFL);
	ev_fallback = scx_read_event(&e, SCX_EV_SELECT_CPU_FALLBACK);
	ev_offline = scx_read_event(&e, SCX_EV_DISPATCH_LOCAL_DSQ_OFFLINE);
}

static int tick_cb(void *map, u32 *key, struct tval *v)
{
	struct task_struct *p;

	nr_timer++;
	read_events();
	bpf_for_each(scx_dsq, p, SHARED_DSQ, 0) {
		if (scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL_ON | scx_bpf_task_cpu(p), 0))
			nr_moved_from_timer++;
		break;
	}
	bpf_timer_start(&v->timer, 2000000, 0);
	return 0;
}

/* The lookups that must come back NULL, and the hash-of-maps round trip. */
static void probe_maps(void)
{
	u32 three = 3, big = 1000, one = 1, two = 2, seven = 7, zero = 0;
	u64 *val, x = 42;
	void *a, *b;

	r_empty_slot = queue_of(3) == NULL;
	r_bad_key = bpf_map_lookup_elem(&queues, &big) == NULL;
	r_same_inner = queue_of(0) == (void *)&q0 && queue_of(2) == (void *)&q2;
	a = bpf_map_lookup_elem(&cells, &one);
	b = bpf_map_lookup_elem(&cells, &two);
	r_hash_missing = bpf_map_lookup_elem(&cells, &seven) == NULL;
	r_hash_inner_null = bpf_map_lookup_elem(&cells, &three) == NULL;
	if (!a || !b)
		return;
	bpf_map_update_elem(a, &zero, &x, 0);
	val = bpf_map_lookup_elem(&cell_a, &zero);
	if (val)
		r_hash_val = *val;
	(void)b;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(mim_init)
{
	u32 key = 0;
	struct tval *v;
	s32 ret;

	probe_maps();
	ret = scx_bpf_create_dsq(SHARED_DSQ, -1);
	if (ret)
		return ret;
	v = bpf_map_lookup_elem(&tmap, &key);
	if (!v)
		return -ESRCH;
	bpf_timer_init(&v->timer, &tmap, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&v->timer, tick_cb);
	return bpf_timer_start(&v->timer, 2000000, 0);
}

void BPF_STRUCT_OPS(mim_exit, struct scx_exit_info *ei)
{
	struct scx_event_stats e = {};

	scx_bpf_events(&e, sizeof(e));
	exit_bypass_activate = e.SCX_EV_BYPASS_ACTIVATE;
	exit_bypass_dispatch = e.SCX_EV_BYPASS_DISPATCH;
	exit_bypass_duration = e.SCX_EV_BYPASS_DURATION;
	exit_skip_exiting = e.SCX_EV_ENQ_SKIP_EXITING;
}

SCX_OPS_DEFINE(mim_ops,
	       .enqueue = (void *)mim_enqueue,
	       .dispatch = (void *)mim_dispatch,
	       .init_task = (void *)mim_init_task,
	       .init = (void *)mim_init,
	       .exit = (void *)mim_exit,
	       .name = "mapinmap");
