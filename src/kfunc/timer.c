/*
 * timer.c — BPF timers (helpers bpf_timer_init 169, bpf_timer_set_callback 170,
 * bpf_timer_start 171, bpf_timer_cancel 172) for BPF schedulers, on simulated time.
 *
 * A `struct bpf_timer` is 16 opaque bytes inside a map value. Its state lives here, keyed by
 * the address of those bytes (the bytes themselves are never read: a map update that copies
 * over them leaves the timer alone, as the kernel's copy_map_value skips special fields). Each
 * timer owns a simulator event; when it fires, the callback `int cb(void *map, void *key,
 * void *value)` runs in the VM on the timer's CPU, outside any sched_ext op (the kernel runs it
 * from softirq: only kfuncs allowed in any context work, e.g. scx_bpf_kick_cpu,
 * scx_bpf_dsq_nr_queued). A callback that faults ejects the scheduler with the program, pc and
 * source line, as an op does.
 *
 * Semantics follow kernel/bpf/helpers.c: init once per timer (-EBUSY after), clock
 * CLOCK_MONOTONIC, CLOCK_REALTIME or CLOCK_BOOTTIME (all the simulated clock); start needs a
 * callback (-EINVAL), flags BPF_F_TIMER_ABS (absolute expiry) and BPF_F_TIMER_CPU_PIN (fire on
 * the CPU that started it); without the pin the timer also fires on the starting CPU (the
 * simulator has no timer migration) unless that CPU went offline, then on the first online
 * CPU. Cancel returns 1 if the timer was pending, 0 if not, -EDEADLK from its own callback.
 * A timer dies with its map value (element deleted: the map's region callback), with the
 * scheduler's runtime, and stops firing once the scheduler is disabled.
 *
 * Invariants: every live timer's event is queued in the machine's simulator only while
 * pending; timers are freed (event cancelled first) before the runtime or the value goes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kf_int.h"

#define PTR(x) ((u64)(uintptr_t)(x))
#define ERR(e) ((u64)(s64)(e))

enum {
	TIMER_CLOCK_REALTIME = 0,
	TIMER_CLOCK_MONOTONIC = 1,
	TIMER_CLOCK_BOOTTIME = 7,
	TIMER_F_ABS = 1 << 0,
	TIMER_F_CPU_PIN = 1 << 1,
	TIMER_SIZE = 16,
	TIMER_REARM_MIN_NS = 1000,
};

struct rt_timer {
	struct sim_event ev;         /* first: the event handler finds its timer */
	struct bpf_sched *s;
	void *addr;                  /* the struct bpf_timer in the map value */
	struct rt_map *map;
	void *value;                 /* the map value holding it */
	u8 key[BPF_MAP_MAX_KEY];     /* the element's key, passed to the callback */
	u32 key_size;
	struct rt_prog *cb_prog;     /* callback: program and entry instruction, NULL until set */
	u32 cb_pc;
	int cpu;                     /* CPU it fires on: the one that started it */
	bool in_cb;                  /* its callback is running */
	bool dead;                   /* freed while its callback ran: fire frees it after */
};

struct rt_timers {
	struct rt_timer **t;
	u32 nr, cap;
};

/* ---- the runtime's table ---------------------------------------------------------------- */

static struct rt_timer *timer_find(const struct bpf_sched *s, u64 addr)
{
	for (u32 i = 0; s->timers && i < s->timers->nr; i++)
		if (PTR(s->timers->t[i]->addr) == addr)
			return s->timers->t[i];
	return NULL;
}

/*
 * Free timer i. At the runtime's free the machine may already be gone (its sim_fini then
 * unqueued every event), so the simulator is touched only if the event is still queued, i.e.
 * the machine is alive.
 */
static void timer_free_at(struct bpf_sched *s, u32 i)
{
	struct rt_timers *ts = s->timers;
	struct rt_timer *t = ts->t[i];

	if (s->m && sim_event_pending(&t->ev))
		sim_cancel(&s->m->sim, &t->ev);
	memmove(&ts->t[i], &ts->t[i + 1], (ts->nr - i - 1) * sizeof(*ts->t));
	ts->nr--;
	if (t->in_cb)
		t->dead = true;
	else
		free(t);
}

static int timer_add(struct bpf_sched *s, struct rt_timer *t)
{
	struct rt_timers *ts = s->timers;

	if (!ts) {
		ts = s->timers = calloc(1, sizeof(*ts));
		if (!ts)
			return -ENOMEM;
	}
	if (ts->nr == ts->cap) {
		u32 cap = ts->cap ? 2 * ts->cap : 8;
		struct rt_timer **n = realloc(ts->t, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ts->t = n;
		ts->cap = cap;
	}
	ts->t[ts->nr++] = t;
	return 0;
}

void rt_timer_forget(struct bpf_sched *s, const void *ptr, size_t len)
{
	u64 lo = PTR(ptr), hi = lo + len;

	for (u32 i = 0; s->timers && i < s->timers->nr;) {
		u64 a = PTR(s->timers->t[i]->addr);

		if (a >= lo && a < hi)
			timer_free_at(s, i);
		else
			i++;
	}
}

void rt_timer_release(struct bpf_sched *s)
{
	if (!s->timers)
		return;
	while (s->timers->nr)
		timer_free_at(s, s->timers->nr - 1);
	free(s->timers->t);
	free(s->timers);
	s->timers = NULL;
}

u32 rt_timer_nr_pending(const struct bpf_sched *s)
{
	u32 n = 0;

	for (u32 i = 0; s->timers && i < s->timers->nr; i++)
		n += sim_event_pending(&s->timers->t[i]->ev);
	return n;
}

/* ---- firing ------------------------------------------------------------------------------ */

static int fire_cpu(const struct rt_timer *t)
{
	struct machine *m = t->s->m;

	if (cpu_rq(m, t->cpu)->online)
		return t->cpu;
	for (int c = 0; c < m->nr_cpus; c++)
		if (cpu_rq(m, c)->online)
			return c;
	return t->cpu;
}

/* The callback's C function name (func_info), else its program's. */
static const char *callback_name(const struct rt_timer *t)
{
	const struct bpf_prog *prog = t->cb_prog->prog;

	for (int i = 0; prog && i < bpf_prog_func_cnt(prog); i++) {
		const struct bpf_prog_func *f = bpf_prog_func(prog, i);

		if (f && f->pc == t->cb_pc && f->name)
			return f->name;
	}
	return t->cb_prog->vp.name;
}

static void timer_fire(struct sim *sim, struct sim_event *ev)
{
	struct rt_timer *t = (struct rt_timer *)ev;
	struct bpf_sched *s = t->s;
	struct machine *m = s->m;
	struct scx_sched *sch = m->scx;
	struct scx_op_ctx save;
	const struct bpf_vm_error *e;
	int cpu = fire_cpu(t), save_cpu = m->cur_cpu;
	bool added, was;
	u64 regs[5] = { PTR(t->map->map), PTR(t->key), PTR(t->value), 0, 0 };

	if (!sch || sch->disabled || sch->exiting || !t->cb_prog)
		return; /* the scheduler is gone: its timers stop */
	was = sch->exiting;
	added = rt_mem_tmp_add(s, t->key, t->key_size ? t->key_size : 1, BPF_VM_READ, "timer key");
	m->cur_cpu = cpu;
	if (m->trace)
		trace_instant(m, cpu, "bpf_timer", NULL, callback_name(t));
	scx_op_enter(sch, &save, 0, "bpf_timer callback", NULL, cpu);
	t->in_cb = true;
	if (rt_run_at(s, t->cb_prog, t->cb_pc, regs, NULL)) {
		e = bpf_vm_last_error(s->vm);
		if (!was && sch->exiting && sch->ei.kind == SCX_EXIT_ERROR && e->code == -ECANCELED)
			snprintf(sch->msg, sizeof(sch->msg), "bpf_timer callback %s(): %s",
				 callback_name(t), e->msg);
		else
			scx_exit(sch, SCX_EXIT_ERROR, 0, "bpf_timer callback %s(): %s", callback_name(t),
				 e->msg);
	}
	t->in_cb = false;
	if (t->dead) /* the callback deleted its own element */
		free(t);
	scx_op_leave(sch, &save);
	m->cur_cpu = save_cpu;
	if (added)
		bpf_vm_region_remove(s->vm, t->key);
}

/* ---- helpers ----------------------------------------------------------------------------- */

struct locate {
	u64 addr;
	u32 vsize, ksize;
	void *value;
	u8 key[BPF_MAP_MAX_KEY];
};

static int locate_cb(void *c, const void *key, void *value)
{
	struct locate *l = c;

	if (l->addr < PTR(value) || l->addr + TIMER_SIZE > PTR(value) + l->vsize)
		return 0;
	l->value = value;
	memcpy(l->key, key, MIN(l->ksize, sizeof(l->key)));
	return 1;
}

static struct rt_map *map_of(struct bpf_sched *s, u64 v)
{
	for (int i = 0; i < s->nr_maps; i++)
		if (PTR(s->maps[i].map) == v)
			return &s->maps[i];
	return NULL;
}

static bool map_has_timers(const struct rt_map *m)
{
	switch (bpf_map_type(m->map)) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
		return true;
	default:
		return false;
	}
}

/* The live timer at r1, or NULL after aborting the program (not a timer of this scheduler). */
static struct rt_timer *arg_timer(struct bpf_vm *vm, u64 v, const char *fn, bool *uninit)
{
	struct rt_timer *t = timer_find(kf_rt(vm), v);

	*uninit = false;
	if (t)
		return t;
	if (kf_arg_mem(vm, v, TIMER_SIZE, BPF_VM_WRITE, fn, 1))
		return NULL;
	*uninit = true; /* map memory, never initialized: the kernel returns -EINVAL */
	return NULL;
}

u64 kf_timer_init(KF_ARGS)
{
	const char *fn = "bpf_timer_init";
	struct bpf_sched *s = kf_rt(vm);
	struct rt_map *map = map_of(s, r2);
	struct locate l = { .addr = r1 };
	struct rt_timer *t;

	if (!map) {
		bpf_vm_abort(vm, "%s(): argument 2 (0x%llx) is not a map of this scheduler", fn,
			     (unsigned long long)r2);
		return 0;
	}
	if (kf_arg_mem(vm, r1, TIMER_SIZE, BPF_VM_WRITE, fn, 1))
		return 0;
	l.vsize = bpf_map_value_size(map->map);
	l.ksize = bpf_map_key_size(map->map);
	if (r1 % 8 || !map_has_timers(map) ||
	    bpf_map_prog_for_each(map->map, locate_cb, &l, 0, (u32)kf_cpu(s)) < 0 || !l.value) {
		bpf_vm_abort(vm, "%s(): argument 1 (0x%llx) is not a struct bpf_timer in a value of map '%s' (array or hash map)",
			     fn, (unsigned long long)r1, bpf_map_name(map->map));
		return 0;
	}
	if (timer_find(s, r1))
		return ERR(-EBUSY);
	if (r3 != TIMER_CLOCK_MONOTONIC && r3 != TIMER_CLOCK_REALTIME && r3 != TIMER_CLOCK_BOOTTIME)
		return ERR(-EINVAL);
	if (!s->m)
		return ERR(-EPERM);
	t = calloc(1, sizeof(*t));
	if (!t)
		return ERR(-ENOMEM);
	sim_event_init(&t->ev, timer_fire);
	*t = (struct rt_timer){ .ev = t->ev, .s = s, .addr = (void *)(uintptr_t)r1, .map = map,
				.value = l.value, .key_size = MIN(l.ksize, sizeof(t->key)),
				.cpu = kf_cpu(s) };
	memcpy(t->key, l.key, t->key_size);
	if (timer_add(s, t)) {
		free(t);
		return ERR(-ENOMEM);
	}
	return 0;
}

/* The program and entry pc of callback address fn, or NULL. */
static struct rt_prog *callback_prog(struct bpf_sched *s, u64 fn, u32 *pc)
{
	for (int i = 0; i < s->nr_progs; i++) {
		struct rt_prog *p = &s->progs[i];
		u64 base = PTR(p->vp.insns);

		if (fn >= base && (fn - base) % sizeof(struct bpf_insn) == 0 &&
		    (fn - base) / sizeof(struct bpf_insn) < p->vp.nr_insns) {
			*pc = (u32)((fn - base) / sizeof(struct bpf_insn));
			return p;
		}
	}
	return NULL;
}

u64 kf_timer_set_callback(KF_ARGS)
{
	const char *fn = "bpf_timer_set_callback";
	bool uninit;
	struct rt_timer *t = arg_timer(vm, r1, fn, &uninit);
	struct rt_prog *p;
	u32 pc = 0;

	if (!t)
		return uninit ? ERR(-EINVAL) : 0;
	p = callback_prog(kf_rt(vm), r2, &pc);
	if (!p) {
		bpf_vm_abort(vm, "%s(): argument 2 (0x%llx) is not a function of this scheduler", fn,
			     (unsigned long long)r2);
		return 0;
	}
	t->cb_prog = p;
	t->cb_pc = pc;
	return 0;
}

u64 kf_timer_start(KF_ARGS)
{
	bool uninit;
	struct rt_timer *t = arg_timer(vm, r1, "bpf_timer_start", &uninit);
	struct machine *m;
	u64 at;

	if (!t)
		return uninit ? ERR(-EINVAL) : 0;
	if (r3 & ~(u64)(TIMER_F_ABS | TIMER_F_CPU_PIN) || !t->cb_prog)
		return ERR(-EINVAL);
	m = t->s->m;
	/* relative: now + nsecs, saturating (a huge nsecs is "never", not a wrap into the past) */
	at = r3 & TIMER_F_ABS ? r2 : r2 > UINT64_MAX - m->sim.now ? UINT64_MAX : m->sim.now + r2;
	/* re-armed from its own callback for now or the past: the next softirq, not this instant
	 * (simulated time would never move on) */
	if (t->in_cb && at <= m->sim.now)
		at = m->sim.now + TIMER_REARM_MIN_NS;
	t->cpu = kf_cpu(t->s); /* pinned or not: see the header */
	sim_schedule(&m->sim, &t->ev, at, SIM_PRIO_TICK);
	return 0;
}

u64 kf_timer_cancel(KF_ARGS)
{
	bool uninit;
	struct rt_timer *t = arg_timer(vm, r1, "bpf_timer_cancel", &uninit);
	bool pending;

	if (!t)
		return uninit ? ERR(-EINVAL) : 0;
	if (t->in_cb)
		return ERR(-EDEADLK);
	pending = sim_event_pending(&t->ev);
	sim_cancel(&t->s->m->sim, &t->ev);
	return pending;
}
