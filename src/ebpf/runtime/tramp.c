/*
 * tramp.c — the C side of each struct_ops slot: a trampoline with the op's C signature (as in
 * struct sched_ext_ops) that finds its runtime (registry keyed by scx_current_machine()),
 * packs the arguments into a u64 ctx[] array (what BPF_PROG unpacks), makes the argument
 * structs readable for the call, runs the bound program and converts r0 back.
 *
 * A run that fails (memory fault, budget, bad kfunc argument, unknown helper) ejects the
 * scheduler: SCX_EXIT_ERROR with "ops.OP(): " + the interpreter's message (program, pc,
 * instruction, source line). Upstream has no such exit path (the verifier prevents it), so
 * the kind is the generic runtime error. After a top-level call, every map ends its grace
 * period (bpf_map_rcu_sync), as an RCU grace period would between two callbacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_int.h"
#include "scx/scx_int.h"

#define RT_MAX_ARGS 5

static const char *const op_members[RT_NR_OPS] = {
	[RT_OP_SELECT_CPU] = "select_cpu", [RT_OP_ENQUEUE] = "enqueue",
	[RT_OP_DEQUEUE] = "dequeue", [RT_OP_DISPATCH] = "dispatch", [RT_OP_TICK] = "tick",
	[RT_OP_RUNNABLE] = "runnable", [RT_OP_RUNNING] = "running",
	[RT_OP_STOPPING] = "stopping", [RT_OP_QUIESCENT] = "quiescent", [RT_OP_YIELD] = "yield",
	[RT_OP_CORE_SCHED_BEFORE] = "core_sched_before", [RT_OP_SET_WEIGHT] = "set_weight",
	[RT_OP_SET_CPUMASK] = "set_cpumask", [RT_OP_UPDATE_IDLE] = "update_idle",
	[RT_OP_CPU_ACQUIRE] = "cpu_acquire", [RT_OP_CPU_RELEASE] = "cpu_release",
	[RT_OP_INIT_TASK] = "init_task", [RT_OP_EXIT_TASK] = "exit_task",
	[RT_OP_ENABLE] = "enable", [RT_OP_DISABLE] = "disable",
	[RT_OP_CGROUP_INIT] = "cgroup_init", [RT_OP_CGROUP_EXIT] = "cgroup_exit",
	[RT_OP_CGROUP_PREP_MOVE] = "cgroup_prep_move", [RT_OP_CGROUP_MOVE] = "cgroup_move",
	[RT_OP_CGROUP_CANCEL_MOVE] = "cgroup_cancel_move",
	[RT_OP_CGROUP_SET_WEIGHT] = "cgroup_set_weight", [RT_OP_CPU_ONLINE] = "cpu_online",
	[RT_OP_CPU_OFFLINE] = "cpu_offline", [RT_OP_INIT] = "init", [RT_OP_EXIT] = "exit",
	[RT_OP_CONSUME] = "consume", [RT_OP_PREP_ENABLE] = "prep_enable",
	[RT_OP_ENABLE_V3] = "enable", [RT_OP_CANCEL_ENABLE] = "cancel_enable",
	[RT_OP_DUMP] = "dump", [RT_OP_DUMP_CPU] = "dump_cpu", [RT_OP_DUMP_TASK] = "dump_task",
};

const char *rt_op_member(enum rt_op op)
{
	return op < RT_NR_OPS ? op_members[op] : "?";
}

/* ---- running a program -------------------------------------------------------------------- */

static void maps_sync(struct bpf_sched *s)
{
	for (int i = 0; i < s->nr_maps; i++)
		bpf_map_rcu_sync(s->maps[i].map);
}

int rt_run_at(struct bpf_sched *s, struct rt_prog *p, u32 pc, const u64 regs[5], u64 *r0)
{
	struct bpf_sched *save = rt_cur;
	u64 ret = 0;
	int e;

	rt_cur = s;
	e = bpf_vm_exec(s->vm, &p->vp, pc, regs, &ret);
	rt_cur = save;
	s->nr_calls++;
	if (!save) {
		maps_sync(s);
		rt_graph_sync(s); /* objects dropped during the call are freed now */
	}
	if (r0)
		*r0 = ret;
	return e;
}

int rt_run(struct bpf_sched *s, struct rt_prog *p, const u64 *args, u32 nr, u64 *r0)
{
	u64 ctx[RT_MAX_ARGS] = { 0 }, a[5] = { 0 };
	bool added;
	int e;

	nr = MIN(nr, RT_MAX_ARGS);
	if (nr)
		memcpy(ctx, args, nr * sizeof(*ctx));
	added = rt_mem_tmp_add(s, ctx, nr * sizeof(*ctx), BPF_VM_READ, "ctx");
	a[0] = (u64)(uintptr_t)ctx;
	e = rt_run_at(s, p, 0, a, r0);
	if (added)
		bpf_vm_region_remove(s->vm, ctx);
	return e;
}

/* Temporary regions of one call (argument structs, exit info and its strings). */
struct tr_mem {
	const void *p[4];
	int n;
};

static void tr_mem_add(struct bpf_sched *s, struct tr_mem *tm, const void *p, size_t len,
		       const char *name)
{
	if (tm->n < 4 && rt_mem_tmp_add(s, p, len, BPF_VM_READ, name))
		tm->p[tm->n++] = p;
}

static void tr_mem_del(struct bpf_sched *s, struct tr_mem *tm)
{
	while (tm->n)
		bpf_vm_region_remove(s->vm, tm->p[--tm->n]);
}

static bool sch_exiting(struct bpf_sched *s)
{
	return s->m && s->m->scx && s->m->scx->exiting;
}

/*
 * The run failed. Eject with the VM's message; if a kfunc already ejected the scheduler with a
 * runtime error during this run (and stopped the program so), its message is replaced by the
 * VM's, which quotes it and adds the program, pc and source line.
 */
static void tr_fail(struct bpf_sched *s, enum rt_op op, bool was_exiting)
{
	struct scx_sched *sch = s->m ? s->m->scx : NULL;
	const struct bpf_vm_error *e = bpf_vm_last_error(s->vm);

	if (!sch)
		return;
	if (!was_exiting && sch->exiting && sch->ei.kind == SCX_EXIT_ERROR && e->code == -ECANCELED)
		snprintf(sch->msg, sizeof(sch->msg), "ops.%s(): %s", op_members[op], e->msg);
	else
		scx_exit(sch, SCX_EXIT_ERROR, 0, "ops.%s(): %s", op_members[op], e->msg);
}

/* Runs op's program with args, the regions of tm readable for the call; removes them after. */
static u64 tr_run_op(struct bpf_sched *s, enum rt_op op, const u64 *args, u32 nr,
		     struct tr_mem *tm, u64 dflt)
{
	bool was = sch_exiting(s);
	u64 r0 = dflt;

	if (rt_mem_sync_cgroups(s) && !was) { /* a cgroup created at run time stays unreadable */
		scx_exit(s->m->scx, SCX_EXIT_ERROR, 0, "ops.%s(): cannot register a new cgroup",
			 op_members[op]);
		tr_mem_del(s, tm);
		return dflt;
	}
	if (rt_run(s, s->op[op], args, nr, &r0)) {
		tr_fail(s, op, was);
		r0 = dflt;
	}
	tr_mem_del(s, tm);
	return r0;
}

/*
 * Call the program bound to op with args; `argp`/`arglen` is an argument struct to expose
 * for the call (NULL if none). Returns r0, or dflt when there is no runtime or the run failed.
 */
static u64 tr_call(enum rt_op op, const u64 *args, u32 nr, const void *argp, size_t arglen,
		   u64 dflt)
{
	struct bpf_sched *s = rt_registry_find(scx_current_machine());
	struct tr_mem tm = { .n = 0 };

	if (!s || !s->op[op])
		return dflt;
	tr_mem_add(s, &tm, argp, arglen, "ops args");
	return tr_run_op(s, op, args, nr, &tm, dflt);
}

#define P(x) ((u64)(uintptr_t)(x))
#define I(x) ((u64)(s64)(x))

static s32 r_s32(u64 r0) { return (s32)(u32)r0; }
static bool r_bool(u64 r0) { return (r0 & 0xff) != 0; }

/* ---- the trampolines ----------------------------------------------------------------------- */

static s32 tr_select_cpu(struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	u64 a[] = { P(p), I(prev_cpu), wake_flags };
	return r_s32(tr_call(RT_OP_SELECT_CPU, a, 3, NULL, 0, I(prev_cpu)));
}

static void tr_enqueue(struct task_struct *p, u64 enq_flags)
{
	u64 a[] = { P(p), enq_flags };
	tr_call(RT_OP_ENQUEUE, a, 2, NULL, 0, 0);
}

static void tr_dequeue(struct task_struct *p, u64 deq_flags)
{
	u64 a[] = { P(p), deq_flags };
	tr_call(RT_OP_DEQUEUE, a, 2, NULL, 0, 0);
}

static void tr_dispatch(s32 cpu, struct task_struct *prev)
{
	u64 a[] = { I(cpu), P(prev) };
	tr_call(RT_OP_DISPATCH, a, 2, NULL, 0, 0);
}

static void tr_tick(struct task_struct *p)
{
	u64 a[] = { P(p) };
	tr_call(RT_OP_TICK, a, 1, NULL, 0, 0);
}

static void tr_runnable(struct task_struct *p, u64 enq_flags)
{
	u64 a[] = { P(p), enq_flags };
	tr_call(RT_OP_RUNNABLE, a, 2, NULL, 0, 0);
}

static void tr_running(struct task_struct *p)
{
	u64 a[] = { P(p) };
	tr_call(RT_OP_RUNNING, a, 1, NULL, 0, 0);
}

static void tr_stopping(struct task_struct *p, bool runnable)
{
	u64 a[] = { P(p), runnable };
	tr_call(RT_OP_STOPPING, a, 2, NULL, 0, 0);
}

static void tr_quiescent(struct task_struct *p, u64 deq_flags)
{
	u64 a[] = { P(p), deq_flags };
	tr_call(RT_OP_QUIESCENT, a, 2, NULL, 0, 0);
}

static bool tr_yield(struct task_struct *from, struct task_struct *to)
{
	u64 a[] = { P(from), P(to) };
	return r_bool(tr_call(RT_OP_YIELD, a, 2, NULL, 0, 0));
}

static bool tr_core_sched_before(struct task_struct *x, struct task_struct *y)
{
	u64 a[] = { P(x), P(y) };
	return r_bool(tr_call(RT_OP_CORE_SCHED_BEFORE, a, 2, NULL, 0, 0));
}

static void tr_set_weight(struct task_struct *p, u32 weight)
{
	u64 a[] = { P(p), weight };
	tr_call(RT_OP_SET_WEIGHT, a, 2, NULL, 0, 0);
}

static void tr_set_cpumask(struct task_struct *p, const struct cpumask *mask)
{
	u64 a[] = { P(p), P(mask) };
	tr_call(RT_OP_SET_CPUMASK, a, 2, mask, sizeof(*mask), 0);
}

static void tr_update_idle(s32 cpu, bool idle)
{
	u64 a[] = { I(cpu), idle };
	tr_call(RT_OP_UPDATE_IDLE, a, 2, NULL, 0, 0);
}

static void tr_cpu_acquire(s32 cpu, struct scx_cpu_acquire_args *args)
{
	u64 a[] = { I(cpu), P(args) };
	tr_call(RT_OP_CPU_ACQUIRE, a, 2, args, sizeof(*args), 0);
}

static void tr_cpu_release(s32 cpu, struct scx_cpu_release_args *args)
{
	u64 a[] = { I(cpu), P(args) };
	tr_call(RT_OP_CPU_RELEASE, a, 2, args, sizeof(*args), 0);
}

static s32 tr_init_task(struct task_struct *p, struct scx_init_task_args *args)
{
	u64 a[] = { P(p), P(args) };
	return r_s32(tr_call(RT_OP_INIT_TASK, a, 2, args, sizeof(*args), 0));
}

static void tr_exit_task(struct task_struct *p, struct scx_exit_task_args *args)
{
	u64 a[] = { P(p), P(args) };
	tr_call(RT_OP_EXIT_TASK, a, 2, args, sizeof(*args), 0);
}

static void tr_enable(struct task_struct *p)
{
	u64 a[] = { P(p) };
	tr_call(RT_OP_ENABLE, a, 1, NULL, 0, 0);
}

static void tr_disable(struct task_struct *p)
{
	u64 a[] = { P(p) };
	tr_call(RT_OP_DISABLE, a, 1, NULL, 0, 0);
}

static s32 tr_cgroup_init(struct cgroup *cgrp, struct scx_cgroup_init_args *args)
{
	u64 a[] = { P(cgrp), P(args) };
	return r_s32(tr_call(RT_OP_CGROUP_INIT, a, 2, args, sizeof(*args), 0));
}

static void tr_cgroup_exit(struct cgroup *cgrp)
{
	u64 a[] = { P(cgrp) };
	tr_call(RT_OP_CGROUP_EXIT, a, 1, NULL, 0, 0);
}

static s32 tr_cgroup_prep_move(struct task_struct *p, struct cgroup *from, struct cgroup *to)
{
	u64 a[] = { P(p), P(from), P(to) };
	return r_s32(tr_call(RT_OP_CGROUP_PREP_MOVE, a, 3, NULL, 0, 0));
}

static void tr_cgroup_move(struct task_struct *p, struct cgroup *from, struct cgroup *to)
{
	u64 a[] = { P(p), P(from), P(to) };
	tr_call(RT_OP_CGROUP_MOVE, a, 3, NULL, 0, 0);
}

static void tr_cgroup_cancel_move(struct task_struct *p, struct cgroup *from, struct cgroup *to)
{
	u64 a[] = { P(p), P(from), P(to) };
	tr_call(RT_OP_CGROUP_CANCEL_MOVE, a, 3, NULL, 0, 0);
}

static void tr_cgroup_set_weight(struct cgroup *cgrp, u32 weight)
{
	u64 a[] = { P(cgrp), weight };
	tr_call(RT_OP_CGROUP_SET_WEIGHT, a, 2, NULL, 0, 0);
}

static void tr_cpu_online(s32 cpu)
{
	u64 a[] = { I(cpu) };
	tr_call(RT_OP_CPU_ONLINE, a, 1, NULL, 0, 0);
}

static void tr_cpu_offline(s32 cpu)
{
	u64 a[] = { I(cpu) };
	tr_call(RT_OP_CPU_OFFLINE, a, 1, NULL, 0, 0);
}

static s32 tr_init(void)
{
	return r_s32(tr_call(RT_OP_INIT, NULL, 0, NULL, 0, 0));
}

/* ops.exit: the exit info and the strings it points to are readable for the call. */
static void tr_exit(struct scx_exit_info *ei)
{
	struct bpf_sched *s = rt_registry_find(scx_current_machine());
	struct tr_mem tm = { .n = 0 };
	u64 a[] = { P(ei) };

	if (!s || !s->op[RT_OP_EXIT] || !ei)
		return;
	tr_mem_add(s, &tm, ei, sizeof(*ei), "scx_exit_info");
	if (ei->msg)
		tr_mem_add(s, &tm, ei->msg, SCX_EXIT_MSG_LEN, "exit msg");
	if (ei->reason)
		tr_mem_add(s, &tm, ei->reason, strlen(ei->reason) + 1, "exit reason");
	if (ei->dump)
		tr_mem_add(s, &tm, ei->dump, strlen(ei->dump) + 1, "exit dump");
	if (rt_run(s, s->op[RT_OP_EXIT], a, 1, NULL))
		tr_fail(s, RT_OP_EXIT, true);
	tr_mem_del(s, &tm);
}

/* The dump ops: the dump context and its reason string are readable for the call. */
static void tr_dump_call(enum rt_op op, struct scx_dump_ctx *ctx, const u64 *args, u32 nr)
{
	struct bpf_sched *s = rt_registry_find(scx_current_machine());
	struct tr_mem tm = { .n = 0 };

	if (!s || !s->op[op] || !ctx)
		return;
	tr_mem_add(s, &tm, ctx, sizeof(*ctx), "scx_dump_ctx");
	if (ctx->reason)
		tr_mem_add(s, &tm, ctx->reason, strlen(ctx->reason) + 1, "dump reason");
	tr_run_op(s, op, args, nr, &tm, 0);
}

static void tr_dump(struct scx_dump_ctx *ctx)
{
	u64 a[] = { P(ctx) };
	tr_dump_call(RT_OP_DUMP, ctx, a, 1);
}

static void tr_dump_cpu(struct scx_dump_ctx *ctx, s32 cpu, bool idle)
{
	u64 a[] = { P(ctx), I(cpu), idle };
	tr_dump_call(RT_OP_DUMP_CPU, ctx, a, 3);
}

static void tr_dump_task(struct scx_dump_ctx *ctx, struct task_struct *p)
{
	u64 a[] = { P(ctx), P(p) };
	tr_dump_call(RT_OP_DUMP_TASK, ctx, a, 2);
}

static void tr_consume(s32 cpu)
{
	u64 a[] = { I(cpu) };
	tr_call(RT_OP_CONSUME, a, 1, NULL, 0, 0);
}

static s32 tr_prep_enable(struct task_struct *p, struct scx_enable_args *args)
{
	u64 a[] = { P(p), P(args) };
	return r_s32(tr_call(RT_OP_PREP_ENABLE, a, 2, args, sizeof(*args), 0));
}

static void tr_enable_v3(struct task_struct *p, struct scx_enable_args *args)
{
	u64 a[] = { P(p), P(args) };
	tr_call(RT_OP_ENABLE_V3, a, 2, args, sizeof(*args), 0);
}

static void tr_cancel_enable(struct task_struct *p, struct scx_enable_args *args)
{
	u64 a[] = { P(p), P(args) };
	tr_call(RT_OP_CANCEL_ENABLE, a, 2, args, sizeof(*args), 0);
}

/* ---- the ops table ------------------------------------------------------------------------- */

static void set_callbacks(struct sched_ext_ops *o, struct rt_prog *const *op)
{
#define SET(OP, field, fn) if (op[OP]) o->field = fn
	SET(RT_OP_SELECT_CPU, select_cpu, tr_select_cpu);
	SET(RT_OP_ENQUEUE, enqueue, tr_enqueue);
	SET(RT_OP_DEQUEUE, dequeue, tr_dequeue);
	SET(RT_OP_DISPATCH, dispatch, tr_dispatch);
	SET(RT_OP_TICK, tick, tr_tick);
	SET(RT_OP_RUNNABLE, runnable, tr_runnable);
	SET(RT_OP_RUNNING, running, tr_running);
	SET(RT_OP_STOPPING, stopping, tr_stopping);
	SET(RT_OP_QUIESCENT, quiescent, tr_quiescent);
	SET(RT_OP_YIELD, yield, tr_yield);
	SET(RT_OP_CORE_SCHED_BEFORE, core_sched_before, tr_core_sched_before);
	SET(RT_OP_SET_WEIGHT, set_weight, tr_set_weight);
	SET(RT_OP_SET_CPUMASK, set_cpumask, tr_set_cpumask);
	SET(RT_OP_UPDATE_IDLE, update_idle, tr_update_idle);
	SET(RT_OP_CPU_ACQUIRE, cpu_acquire, tr_cpu_acquire);
	SET(RT_OP_CPU_RELEASE, cpu_release, tr_cpu_release);
	SET(RT_OP_INIT_TASK, init_task, tr_init_task);
	SET(RT_OP_EXIT_TASK, exit_task, tr_exit_task);
	SET(RT_OP_ENABLE, enable, tr_enable);
	SET(RT_OP_DISABLE, disable, tr_disable);
	SET(RT_OP_CGROUP_INIT, cgroup_init, tr_cgroup_init);
	SET(RT_OP_CGROUP_EXIT, cgroup_exit, tr_cgroup_exit);
	SET(RT_OP_CGROUP_PREP_MOVE, cgroup_prep_move, tr_cgroup_prep_move);
	SET(RT_OP_CGROUP_MOVE, cgroup_move, tr_cgroup_move);
	SET(RT_OP_CGROUP_CANCEL_MOVE, cgroup_cancel_move, tr_cgroup_cancel_move);
	SET(RT_OP_CGROUP_SET_WEIGHT, cgroup_set_weight, tr_cgroup_set_weight);
	SET(RT_OP_CPU_ONLINE, cpu_online, tr_cpu_online);
	SET(RT_OP_CPU_OFFLINE, cpu_offline, tr_cpu_offline);
	SET(RT_OP_INIT, init, tr_init);
	SET(RT_OP_EXIT, exit, tr_exit);
	SET(RT_OP_CONSUME, consume, tr_consume);
	SET(RT_OP_PREP_ENABLE, prep_enable, tr_prep_enable);
	SET(RT_OP_ENABLE_V3, enable_v3, tr_enable_v3);
	SET(RT_OP_CANCEL_ENABLE, cancel_enable, tr_cancel_enable);
	SET(RT_OP_DUMP, dump, tr_dump);
	SET(RT_OP_DUMP_CPU, dump_cpu, tr_dump_cpu);
	SET(RT_OP_DUMP_TASK, dump_task, tr_dump_task);
#undef SET
}

/* Data members, read by name from the section bytes (absent ones stay 0). */
static int read_u(struct bpf_sched *s, const char *member, u64 *out, u64 max)
{
	s64 v = 0;
	int e = bpf_struct_ops_read_int(s->obj, s->st, member, &v);

	if (e == -ENOENT)
		return 0;
	if (e)
		return rt_err(s, e, "%s: %s.%s: %s", s->name, s->st->name, member, bpf_obj_errmsg(s->obj));
	if (v < 0 || (u64)v > max)
		return rt_err(s, -ERANGE, "%s: %s.%s = %lld is out of range", s->name, s->st->name,
			      member, (long long)v);
	*out = (u64)v;
	return 0;
}

/* The struct_ops data members a knob may set, in the order of s->ops_set. */
static const struct {
	const char *name;
	u64 max;
} ops_fields[5] = {
	{ "dispatch_max_batch", UINT32_MAX }, { "flags", UINT64_MAX >> 1 },
	{ "timeout_ms", UINT32_MAX }, { "exit_dump_len", UINT32_MAX },
	{ "hotplug_seq", UINT64_MAX >> 1 },
};

/* SCX_OPS_* names usable in `ops.flags=A|B|0x10` */
static const struct {
	const char *name;
	u64 bit;
} ops_flag_names[] = {
	{ "SCX_OPS_KEEP_BUILTIN_IDLE", SCX_OPS_KEEP_BUILTIN_IDLE },
	{ "SCX_OPS_ENQ_LAST", SCX_OPS_ENQ_LAST },
	{ "SCX_OPS_ENQ_EXITING", SCX_OPS_ENQ_EXITING },
	{ "SCX_OPS_SWITCH_PARTIAL", SCX_OPS_SWITCH_PARTIAL },
	{ "SCX_OPS_ENQ_MIGRATION_DISABLED", SCX_OPS_ENQ_MIGRATION_DISABLED },
	{ "SCX_OPS_ALLOW_QUEUED_WAKEUP", SCX_OPS_ALLOW_QUEUED_WAKEUP },
	{ "SCX_OPS_BUILTIN_IDLE_PER_NODE", SCX_OPS_BUILTIN_IDLE_PER_NODE },
	{ "SCX_OPS_HAS_CGROUP_WEIGHT", SCX_OPS_HAS_CGROUP_WEIGHT },
};

/* one term of a value: a number or (for flags) an SCX_OPS_* name */
static int ops_term(const char *t, size_t len, bool flags, u64 *out)
{
	char buf[64], *end;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, t, len);
	buf[len] = '\0';
	for (size_t i = 0; flags && i < ARRAY_SIZE(ops_flag_names); i++)
		if (!strcmp(buf, ops_flag_names[i].name)) {
			*out = ops_flag_names[i].bit;
			return 0;
		}
	if (buf[0] == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoull(buf, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

int rt_ops_knob(struct bpf_sched *s, const char *field, const char *value)
{
	int f = -1;
	u64 v = 0;

	for (int i = 0; i < (int)ARRAY_SIZE(ops_fields); i++)
		if (!strcmp(field, ops_fields[i].name))
			f = i;
	if (f < 0)
		return rt_err(s, -EINVAL, "%s: knob 'ops.%s': not a data member scxsim lets you set (ops.dispatch_max_batch, ops.flags, ops.timeout_ms, ops.exit_dump_len, ops.hotplug_seq)",
			      s->name, field);
	for (const char *t = value; ; ) {
		const char *bar = strchr(t, '|');
		size_t len = bar ? (size_t)(bar - t) : strlen(t);
		u64 x;

		if (ops_term(t, len, f == 1, &x))
			return rt_err(s, -EINVAL, "%s: knob 'ops.%s': bad value '%s' (%s)", s->name, field, value,
				      f == 1 ? "a number or SCX_OPS_* names joined by '|'" : "a number");
		v |= x;
		if (!bar)
			break;
		if (f != 1)
			return rt_err(s, -EINVAL, "%s: knob 'ops.%s': bad value '%s' (a number)", s->name, field, value);
		t = bar + 1;
	}
	if (v > ops_fields[f].max)
		return rt_err(s, -ERANGE, "%s: knob 'ops.%s': %llu is out of range (at most %llu)", s->name,
			      field, (unsigned long long)v, (unsigned long long)ops_fields[f].max);
	s->ops_set[f] = v;
	s->ops_has[f] = true;
	return 0;
}

int rt_build_ops(struct bpf_sched *s)
{
	struct sched_ext_ops *o = calloc(1, sizeof(*o));
	u64 v[5] = { 0 };
	int e = 0;

	if (!o)
		return rt_err(s, -ENOMEM, "%s: out of memory", s->name);
	s->ops = o;
	set_callbacks(o, s->op);
	e = bpf_struct_ops_read_str(s->obj, s->st, "name", o->name, sizeof(o->name));
	if (e)
		return rt_err(s, e, "%s: %s.name: %s", s->name, s->st->name, bpf_obj_errmsg(s->obj));
	for (int i = 0; !e && i < (int)ARRAY_SIZE(ops_fields); i++)
		e = s->ops_has[i] ? (v[i] = s->ops_set[i], 0) : read_u(s, ops_fields[i].name, &v[i], ops_fields[i].max);
	o->dispatch_max_batch = (u32)v[0];
	o->flags = v[1];
	o->timeout_ms = (u32)v[2];
	o->exit_dump_len = (u32)v[3];
	o->hotplug_seq = v[4];
	return e;
}
