/*
 * timer_sched.bpf.c — a global FIFO scheduler that drives BPF timers, for
 * tests/unit/test_bpf_timer.c. The knob `mode` picks the scenario:
 *
 *   0  a pinned 1 ms timer armed in ops.init re-arms itself from its callback `nr_rearm` times;
 *      the callback records the CPU, the time and kicks CPU 1 (a kfunc of any context)
 *   1  error returns: init twice (-EBUSY), start before set_callback and with bad flags
 *      (-EINVAL), cancel of a pending (1) and an idle (0) timer, a bad clock (-EINVAL), an
 *      uninitialized timer (-EINVAL); then an absolute-time start
 *   2  the callback cancels its own timer (-EDEADLK) and deletes its hash element
 *   3  the callback dereferences NULL (the scheduler is ejected)
 *   4  bpf_timer_init on a timer of another map (the program is stopped)
 *   5  the callback calls a dispatch-only kfunc (the scheduler is ejected)
 *   6  the first firing (1 ms) re-arms with a relative ~2^64 ns: it must never fire again (no
 *      wrap of now + nsecs into the past)
 *   7  the callback re-arms itself with 0 ns, nr_rearm times: each run 1 us after the last
 *      (simulated time must move on)
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u32 mode;
const volatile u32 nr_rearm = 5;

u64 nr_fired, first_ns, last_ns, last_cpu, bad_cpu;
s64 r_busy, r_nocb, r_flags, r_cancel_pending, r_cancel_idle, r_clock, r_uninit, r_abs;
s64 r_self_cancel, r_delete;

struct tval {
	u64 pad;
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, struct tval);
} tarr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, struct tval);
} thash SEC(".maps");

static int periodic_cb(void *map, u32 *key, struct tval *v)
{
	u64 now = bpf_ktime_get_ns();

	if (!nr_fired)
		first_ns = now;
	last_ns = now;
	last_cpu = bpf_get_smp_processor_id();
	if (last_cpu != 0)
		bad_cpu++;
	nr_fired++;
	scx_bpf_kick_cpu(1, SCX_KICK_PREEMPT);
	if (mode == 6)
		bpf_timer_start(&v->timer, ~0ULL - 5, 0);
	else if (mode == 7 && nr_fired < nr_rearm)
		bpf_timer_start(&v->timer, 0, 0);
	else if (nr_fired < nr_rearm)
		bpf_timer_start(&v->timer, 1000000, BPF_F_TIMER_CPU_PIN);
	return 0;
}

static int self_cb(void *map, u32 *key, struct tval *v)
{
	nr_fired++;
	r_self_cancel = bpf_timer_cancel(&v->timer);
	r_delete = bpf_map_delete_elem(&thash, key);
	return 0;
}

static int null_cb(void *map, u32 *key, struct tval *v)
{
	volatile u64 *p = (u64 *)(long)v->pad;  /* pad is 0 */

	nr_fired++;
	return *p;
}

static int wrong_ctx_cb(void *map, u32 *key, struct tval *v)
{
	nr_fired++;
	scx_bpf_dsq_move_to_local(SCX_DSQ_GLOBAL);
	return 0;
}

static s32 arm(struct tval *v, void *map, void *cb, u64 ns)
{
	s32 ret = bpf_timer_init(&v->timer, map, CLOCK_MONOTONIC);

	if (ret)
		return ret;
	bpf_timer_set_callback(&v->timer, cb);
	return bpf_timer_start(&v->timer, ns, 0);
}

static s32 errors(struct tval *v, struct tval *w)
{
	r_uninit = bpf_timer_start(&w->timer, 1000, 0);
	r_clock = bpf_timer_init(&w->timer, &tarr, 12345);
	if (bpf_timer_init(&v->timer, &tarr, CLOCK_MONOTONIC))
		return -EINVAL;
	r_busy = bpf_timer_init(&v->timer, &tarr, 7 /* CLOCK_BOOTTIME */);
	r_nocb = bpf_timer_start(&v->timer, 1000, 0);
	bpf_timer_set_callback(&v->timer, periodic_cb);
	r_flags = bpf_timer_start(&v->timer, 1000, 1 << 5);
	r_cancel_idle = bpf_timer_cancel(&v->timer);
	bpf_timer_start(&v->timer, 1000, 0);
	r_cancel_pending = bpf_timer_cancel(&v->timer);
	/* absolute: fires at 3 ms of simulated time */
	r_abs = bpf_timer_start(&v->timer, 3000000, BPF_F_TIMER_ABS);
	return 0;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(timer_init)
{
	u32 k0 = 0, k1 = 1;
	struct tval *v = bpf_map_lookup_elem(&tarr, &k0), *w = bpf_map_lookup_elem(&tarr, &k1);
	struct tval zero = {};

	if (!v || !w)
		return -ENOENT;
	switch (mode) {
	case 0:
		if (bpf_timer_init(&v->timer, &tarr, CLOCK_MONOTONIC))
			return -EINVAL;
		bpf_timer_set_callback(&v->timer, periodic_cb);
		return bpf_timer_start(&v->timer, 1000000, BPF_F_TIMER_CPU_PIN);
	case 1:
		return errors(v, w);
	case 2:
		if (bpf_map_update_elem(&thash, &k0, &zero, BPF_ANY))
			return -ENOMEM;
		v = bpf_map_lookup_elem(&thash, &k0);
		return v ? arm(v, &thash, self_cb, 2000000) : -ENOENT;
	case 3:
		return arm(v, &tarr, null_cb, 2000000);
	case 4:
		return arm(v, &thash, periodic_cb, 2000000);
	case 5:
		return arm(v, &tarr, wrong_ctx_cb, 2000000);
	case 6:
	case 7:
		return arm(v, &tarr, periodic_cb, 1000000);
	}
	return 0;
}

void BPF_STRUCT_OPS(timer_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SCX_OPS_DEFINE(timer_ops,
	       .enqueue = (void *)timer_enqueue,
	       .init = (void *)timer_init,
	       .name = "timer");
