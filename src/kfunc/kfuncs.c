/*
 * kfuncs.c — the kfunc table of the BPF runtime: one entry per kfunc a scheduler may call
 * (name, adapter, C implementation, contexts it may be called from), looked up by name by the
 * loader's resolver (its prototype is checked against the kernel BTF generated from the same
 * C declarations) and indexed by the VM at each `call kfunc N`.
 *
 * The adapters here turn the u64 registers into the typed arguments of the scx_bpf_* C
 * kfuncs (src/scx/kfuncs.c), validating every pointer first (kf_arg_*); the C kfuncs then
 * validate values and calling context (kf_mask) themselves. Adapters of the generic BPF
 * kfuncs are in bpf_kfuncs.c.
 */
#include <errno.h>
#include <string.h>
#include "kf_int.h"

/* ---- argument checks ------------------------------------------------------------------------ */

int kf_arg_task(struct bpf_vm *vm, u64 v, const char *fn, int arg, bool nullable,
		struct task_struct **out)
{
	*out = v ? rt_mem_task(kf_rt(vm), v) : NULL;
	if (*out || (!v && nullable))
		return 0;
	bpf_vm_abort(vm, "%s(): argument %d (0x%llx) is %s", fn, arg, (unsigned long long)v,
		     v ? "not a task_struct" : "NULL, a task_struct is required");
	return -EFAULT;
}

int kf_arg_cgroup(struct bpf_vm *vm, u64 v, const char *fn, int arg, bool nullable,
		  struct cgroup **out)
{
	*out = v ? rt_mem_cgroup(kf_rt(vm), v) : NULL;
	if (*out || (!v && nullable))
		return 0;
	bpf_vm_abort(vm, "%s(): argument %d (0x%llx) is %s", fn, arg, (unsigned long long)v,
		     v ? "not a cgroup" : "NULL, a cgroup is required");
	return -EFAULT;
}

int kf_arg_mem(struct bpf_vm *vm, u64 v, u64 size, unsigned flags, const char *fn, int arg)
{
	if (!size || !bpf_vm_check_mem(vm, v, size, flags))
		return 0;
	bpf_vm_abort(vm, "%s(): argument %d: %llu bytes at 0x%llx are not %s by the program", fn, arg,
		     (unsigned long long)size, (unsigned long long)v,
		     flags & BPF_VM_WRITE ? "writable" : "readable");
	return -EFAULT;
}

int kf_arg_obj(struct bpf_vm *vm, u64 v, u64 size, u64 align, unsigned flags, const char *fn,
	       int arg)
{
	if (v % align) {
		bpf_vm_abort(vm, "%s(): argument %d (0x%llx) is not %llu-byte aligned", fn, arg,
			     (unsigned long long)v, (unsigned long long)align);
		return -EFAULT;
	}
	return kf_arg_mem(vm, v, size, flags, fn, arg);
}

int kf_arg_mask(struct bpf_vm *vm, u64 v, const char *fn, int arg, const struct cpumask **out)
{
	*out = (const struct cpumask *)(uintptr_t)v;
	if (!v) {
		bpf_vm_abort(vm, "%s(): argument %d is NULL, a cpumask is required", fn, arg);
		return -EFAULT;
	}
	return kf_arg_obj(vm, v, sizeof(struct cpumask), _Alignof(struct cpumask), BPF_VM_READ, fn,
			  arg);
}

int kf_arg_bpf_cpumask(struct bpf_vm *vm, u64 v, const char *fn, int arg, struct bpf_cpumask **out)
{
	*out = (struct bpf_cpumask *)(uintptr_t)v;
	if (v && rt_mem_cpumask_live(kf_rt(vm), *out))
		return 0;
	bpf_vm_abort(vm, "%s(): argument %d (0x%llx) is not a bpf_cpumask from bpf_cpumask_create()%s",
		     fn, arg, (unsigned long long)v, v ? " (or it was released)" : "");
	return -EFAULT;
}

int kf_arg_str(struct bpf_vm *vm, u64 v, char *buf, size_t max, const char *fn, int arg)
{
	for (size_t i = 0; i < max; i++) {
		if (bpf_vm_check_mem(vm, v + i, 1, BPF_VM_READ)) {
			bpf_vm_abort(vm, "%s(): argument %d: string at 0x%llx is not readable (at byte %zu)",
				     fn, arg, (unsigned long long)v, i);
			return -EFAULT;
		}
		buf[i] = *(const char *)(uintptr_t)(v + i);
		if (!buf[i])
			return 0;
	}
	buf[max - 1] = '\0'; /* truncated */
	return 0;
}

bool kf_exiting(struct bpf_vm *vm)
{
	struct bpf_sched *s = kf_rt(vm);
	struct scx_sched *sch = s && s->m ? s->m->scx : NULL;

	return sch && sch->exiting;
}

void kf_after_scx(struct bpf_vm *vm, bool was_exiting)
{
	struct bpf_sched *s = kf_rt(vm);
	struct scx_sched *sch = s && s->m ? s->m->scx : NULL;

	if (sch && !was_exiting && sch->exiting && sch->ei.kind == SCX_EXIT_ERROR)
		bpf_vm_abort(vm, "%s", sch->msg);
}

/* ---- scx_bpf_* adapters ----------------------------------------------------------------------- */

#define KF(name) static u64 kf_##name(KF_ARGS)
#define SCX(call) ({ bool was_ = kf_exiting(vm); __typeof__(call) r_ = call; kf_after_scx(vm, was_); r_; })
#define SCXV(call) do { bool was_ = kf_exiting(vm); call; kf_after_scx(vm, was_); } while (0)
#define B(x) ((u64)!!(x))
#define S32(x) ((u64)(s64)(s32)(x))
#define PTR(x) ((u64)(uintptr_t)(x))

KF(scx_bpf_create_dsq) { return S32(SCX(scx_bpf_create_dsq(r1, (s32)r2))); }
KF(scx_bpf_destroy_dsq) { SCXV(scx_bpf_destroy_dsq(r1)); return 0; }

static u64 insert(struct bpf_vm *vm, const char *fn, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, bool vt)
{
	struct task_struct *p;

	if (kf_arg_task(vm, r1, fn, 1, false, &p))
		return 0;
	if (vt)
		SCXV(scx_bpf_dsq_insert_vtime(p, r2, r3, r4, r5));
	else
		SCXV(scx_bpf_dsq_insert(p, r2, r3, r4));
	return 0;
}

KF(scx_bpf_dsq_insert) { return insert(vm, "scx_bpf_dsq_insert", r1, r2, r3, r4, r5, false); }
KF(scx_bpf_dsq_insert_vtime) { return insert(vm, "scx_bpf_dsq_insert_vtime", r1, r2, r3, r4, r5, true); }
KF(scx_bpf_dispatch) { return insert(vm, "scx_bpf_dispatch", r1, r2, r3, r4, r5, false); }
KF(scx_bpf_dispatch_vtime) { return insert(vm, "scx_bpf_dispatch_vtime", r1, r2, r3, r4, r5, true); }
KF(scx_bpf_dsq_move_to_local) { return B(SCX(scx_bpf_dsq_move_to_local(r1))); }
KF(scx_bpf_consume) { return B(SCX(scx_bpf_consume(r1))); }
KF(scx_bpf_dsq_nr_queued) { return S32(SCX(scx_bpf_dsq_nr_queued(r1))); }
KF(scx_bpf_dsq_peek) { return PTR(SCX(scx_bpf_dsq_peek(r1))); }
KF(scx_bpf_dispatch_nr_slots) { return SCX(scx_bpf_dispatch_nr_slots()); }
KF(scx_bpf_dispatch_cancel) { SCXV(scx_bpf_dispatch_cancel()); return 0; }
KF(scx_bpf_kick_cpu) { SCXV(scx_bpf_kick_cpu((s32)r1, r2)); return 0; }
KF(scx_bpf_reenqueue_local) { return SCX(scx_bpf_reenqueue_local()); }

KF(scx_bpf_select_cpu_dfl)
{
	const char *fn = "scx_bpf_select_cpu_dfl";
	struct task_struct *p;
	bool idle = false;
	s32 cpu;

	if (kf_arg_task(vm, r1, fn, 1, false, &p) ||
	    (r4 && kf_arg_mem(vm, r4, sizeof(bool), BPF_VM_WRITE, fn, 4)))
		return 0;
	cpu = SCX(scx_bpf_select_cpu_dfl(p, (s32)r2, r3, &idle));
	if (r4)
		*(bool *)(uintptr_t)r4 = idle;
	return S32(cpu);
}

KF(scx_bpf_select_cpu_and)
{
	const char *fn = "scx_bpf_select_cpu_and";
	const struct cpumask *m;
	struct task_struct *p;

	if (kf_arg_task(vm, r1, fn, 1, false, &p) || kf_arg_mask(vm, r4, fn, 4, &m))
		return 0;
	return S32(SCX(scx_bpf_select_cpu_and(p, (s32)r2, r3, m, r5)));
}

KF(scx_bpf_pick_idle_cpu)
{
	const struct cpumask *m;

	if (kf_arg_mask(vm, r1, "scx_bpf_pick_idle_cpu", 1, &m))
		return 0;
	return S32(SCX(scx_bpf_pick_idle_cpu(m, r2)));
}

KF(scx_bpf_pick_any_cpu)
{
	const struct cpumask *m;

	if (kf_arg_mask(vm, r1, "scx_bpf_pick_any_cpu", 1, &m))
		return 0;
	return S32(SCX(scx_bpf_pick_any_cpu(m, r2)));
}

KF(scx_bpf_test_and_clear_cpu_idle) { return B(SCX(scx_bpf_test_and_clear_cpu_idle((s32)r1))); }

/* A cpumask handed to BPF must be readable by it. */
static u64 expose(struct bpf_vm *vm, const struct cpumask *m)
{
	if (m)
		rt_mem_expose_mask(kf_rt(vm), m);
	return PTR(m);
}

KF(scx_bpf_get_idle_cpumask) { return expose(vm, SCX(scx_bpf_get_idle_cpumask())); }
KF(scx_bpf_get_idle_smtmask) { return expose(vm, SCX(scx_bpf_get_idle_smtmask())); }
KF(scx_bpf_get_possible_cpumask) { return expose(vm, SCX(scx_bpf_get_possible_cpumask())); }
KF(scx_bpf_get_online_cpumask) { return expose(vm, SCX(scx_bpf_get_online_cpumask())); }

KF(scx_bpf_put_idle_cpumask)
{
	const struct cpumask *m;

	if (!kf_arg_mask(vm, r1, "scx_bpf_put_idle_cpumask", 1, &m))
		scx_bpf_put_idle_cpumask(m);
	return 0;
}

KF(scx_bpf_put_cpumask)
{
	const struct cpumask *m;

	if (!kf_arg_mask(vm, r1, "scx_bpf_put_cpumask", 1, &m))
		scx_bpf_put_cpumask(m);
	return 0;
}

KF(scx_bpf_nr_cpu_ids) { return scx_bpf_nr_cpu_ids(); }

KF(scx_bpf_task_cpu)
{
	struct task_struct *p;

	return kf_arg_task(vm, r1, "scx_bpf_task_cpu", 1, false, &p) ? 0 : S32(scx_bpf_task_cpu(p));
}

KF(scx_bpf_task_running)
{
	struct task_struct *p;

	return kf_arg_task(vm, r1, "scx_bpf_task_running", 1, false, &p) ? 0 : B(scx_bpf_task_running(p));
}

KF(scx_bpf_task_cgroup)
{
	struct task_struct *p;

	return kf_arg_task(vm, r1, "scx_bpf_task_cgroup", 1, false, &p) ? 0 : PTR(SCX(scx_bpf_task_cgroup(p)));
}

KF(scx_bpf_now) { return scx_bpf_now(); }

KF(scx_bpf_error_str)
{
	char msg[SCX_EXIT_MSG_LEN];

	if (!kf_arg_str(vm, r1, msg, sizeof(msg), "scx_bpf_error_str", 1))
		scx_bpf_error_str(msg);
	return 0;
}

KF(scx_bpf_exit_str)
{
	char msg[SCX_EXIT_MSG_LEN];

	if (!kf_arg_str(vm, r2, msg, sizeof(msg), "scx_bpf_exit_str", 2))
		scx_bpf_exit_str((s64)r1, msg);
	return 0;
}

/* scx_bpf_error_bstr / scx_bpf_exit_bstr: fmt + an array of data__sz / 8 u64 arguments */
static int bstr(struct bpf_vm *vm, const char *fn, u64 fmt, u64 data, u64 sz, char *out, size_t len)
{
	u64 args[12] = { 0 };
	u32 nr = (u32)(sz / 8);

	if (sz % 8 || nr > ARRAY_SIZE(args)) {
		bpf_vm_abort(vm, "%s(): data__sz %llu: must be a multiple of 8, at most %zu", fn,
			     (unsigned long long)sz, ARRAY_SIZE(args) * 8);
		return -EINVAL;
	}
	if (nr && kf_arg_mem(vm, data, sz, BPF_VM_READ, fn, 3))
		return -EFAULT;
	if (nr)
		memcpy(args, (const void *)(uintptr_t)data, sz);
	if (rt_bstr_format(vm, fmt, SCX_EXIT_MSG_LEN, args, nr, out, len)) {
		bpf_vm_abort(vm, "%s(): %s", fn, out);
		return -EINVAL;
	}
	return 0;
}

KF(scx_bpf_error_bstr)
{
	char msg[SCX_EXIT_MSG_LEN];

	if (!bstr(vm, "scx_bpf_error_bstr", r1, r2, r3, msg, sizeof(msg)))
		scx_bpf_error_str(msg);
	return 0;
}

KF(scx_bpf_exit_bstr)
{
	char msg[SCX_EXIT_MSG_LEN];

	if (!bstr(vm, "scx_bpf_exit_bstr", r2, r3, r4, msg, sizeof(msg)))
		scx_bpf_exit_str((s64)r1, msg);
	return 0;
}

/*
 * scx_bpf_dump_bstr (behind the scx_bpf_dump() macro): outside a dump op the C side ejects
 * the scheduler; a bad argument array or format is not a program fault, as upstream: it is
 * reported with scx_error(), which writes a "[!]" line into the dump (and ejects the
 * scheduler only if it was not exiting yet, i.e. during a SysRq-D dump).
 */
KF(scx_bpf_dump_bstr)
{
	struct bpf_sched *s = kf_rt(vm);
	struct scx_sched *sch = s && s->m ? s->m->scx : NULL;
	char line[SCX_EXIT_MSG_LEN];
	u64 args[12] = { 0 };
	u32 sz = (u32)r3, nr = sz / 8;

	if (!sch || !sch->dd) {
		SCXV(scx_bpf_dump_str("")); /* not from a dump op: the C side says so */
		return 0;
	}
	if (sz % 8 || nr > ARRAY_SIZE(args) || (nr && bpf_vm_check_mem(vm, r2, sz, BPF_VM_READ))) {
		SCXV(scx_error(sch, "scx_bpf_dump(): invalid data=0x%llx and data__sz=%u",
			       (unsigned long long)r2, sz));
		return 0;
	}
	if (nr)
		memcpy(args, (const void *)(uintptr_t)r2, sz);
	if (rt_bstr_format(vm, r1, SCX_EXIT_MSG_LEN, args, nr, line, sizeof(line))) {
		SCXV(scx_error(sch, "scx_bpf_dump(): %s", line));
		return 0;
	}
	SCXV(scx_bpf_dump_str(line));
	return 0;
}

/* The bstr kfuncs also exist as C functions (their BTF prototype is the contract; C callers
 * pass host memory, so they are not for C schedulers, which use scx_bpf_error()). */
void scx_bpf_error_bstr(char *fmt, unsigned long long *data, u32 data__sz)
{
	scx_bpf_error_str(fmt);
}

void scx_bpf_exit_bstr(s64 exit_code, char *fmt, unsigned long long *data, u32 data__sz)
{
	scx_bpf_exit_str(exit_code, fmt);
}

void scx_bpf_dump_bstr(char *fmt, unsigned long long *data, u32 data__sz)
{
	scx_bpf_dump_str(fmt);
}

/* ---- 6.12-6.18 kfuncs (C implementations in src/scx/kfuncs_more.c) ------------------------------ */

/* A DSQ iterator argument: 48 bytes of the program's own memory (the C side keys its state by
 * this address and never reads the bytes). */
static int iter_scx_arg(struct bpf_vm *vm, u64 v, const char *fn, struct bpf_iter_scx_dsq **out)
{
	*out = (struct bpf_iter_scx_dsq *)(uintptr_t)v;
	return kf_arg_mem(vm, v, sizeof(struct bpf_iter_scx_dsq), BPF_VM_RW, fn, 1);
}

KF(bpf_iter_scx_dsq_new)
{
	struct bpf_iter_scx_dsq *it;

	return iter_scx_arg(vm, r1, "bpf_iter_scx_dsq_new", &it) ? 0 :
	       S32(SCX(bpf_iter_scx_dsq_new(it, r2, r3)));
}

KF(bpf_iter_scx_dsq_next)
{
	struct bpf_iter_scx_dsq *it;

	return iter_scx_arg(vm, r1, "bpf_iter_scx_dsq_next", &it) ? 0 :
	       PTR(SCX(bpf_iter_scx_dsq_next(it)));
}

KF(bpf_iter_scx_dsq_destroy)
{
	struct bpf_iter_scx_dsq *it;

	if (!iter_scx_arg(vm, r1, "bpf_iter_scx_dsq_destroy", &it))
		SCXV(bpf_iter_scx_dsq_destroy(it));
	return 0;
}

static u64 dsq_move(struct bpf_vm *vm, const char *fn, u64 r1, u64 r2, u64 r3, u64 r4,
		    bool (*move)(struct bpf_iter_scx_dsq *, struct task_struct *, u64, u64))
{
	struct bpf_iter_scx_dsq *it;
	struct task_struct *p;

	if (iter_scx_arg(vm, r1, fn, &it) || kf_arg_task(vm, r2, fn, 2, false, &p))
		return 0;
	return B(SCX(move(it, p, r3, r4)));
}

static u64 dsq_move_set(struct bpf_vm *vm, const char *fn, u64 r1, u64 r2,
			void (*set)(struct bpf_iter_scx_dsq *, u64))
{
	struct bpf_iter_scx_dsq *it;

	if (!iter_scx_arg(vm, r1, fn, &it))
		SCXV(set(it, r2));
	return 0;
}

#define KF_MOVE(name) KF(name) { return dsq_move(vm, #name, r1, r2, r3, r4, name); }
#define KF_MOVE_SET(name) KF(name) { return dsq_move_set(vm, #name, r1, r2, name); }
KF_MOVE(scx_bpf_dsq_move)
KF_MOVE(scx_bpf_dsq_move_vtime)
KF_MOVE(scx_bpf_dispatch_from_dsq)
KF_MOVE(scx_bpf_dispatch_vtime_from_dsq)
KF_MOVE_SET(scx_bpf_dsq_move_set_slice)
KF_MOVE_SET(scx_bpf_dsq_move_set_vtime)
KF_MOVE_SET(scx_bpf_dispatch_from_dsq_set_slice)
KF_MOVE_SET(scx_bpf_dispatch_from_dsq_set_vtime)

KF(scx_bpf_cpuperf_cap) { return SCX(scx_bpf_cpuperf_cap((s32)r1)); }
KF(scx_bpf_cpuperf_cur) { return SCX(scx_bpf_cpuperf_cur((s32)r1)); }
KF(scx_bpf_cpuperf_set) { SCXV(scx_bpf_cpuperf_set((s32)r1, (u32)r2)); return 0; }
KF(scx_bpf_cpu_node) { return S32(SCX(scx_bpf_cpu_node((s32)r1))); }
KF(scx_bpf_nr_node_ids) { return SCX(scx_bpf_nr_node_ids()); }
KF(scx_bpf_get_idle_cpumask_node) { return expose(vm, SCX(scx_bpf_get_idle_cpumask_node((int)r1))); }
KF(scx_bpf_get_idle_smtmask_node) { return expose(vm, SCX(scx_bpf_get_idle_smtmask_node((int)r1))); }

KF(scx_bpf_pick_idle_cpu_node)
{
	const struct cpumask *m;

	if (kf_arg_mask(vm, r1, "scx_bpf_pick_idle_cpu_node", 1, &m))
		return 0;
	return S32(SCX(scx_bpf_pick_idle_cpu_node(m, (int)r2, r3)));
}

KF(scx_bpf_pick_any_cpu_node)
{
	const struct cpumask *m;

	if (kf_arg_mask(vm, r1, "scx_bpf_pick_any_cpu_node", 1, &m))
		return 0;
	return S32(SCX(scx_bpf_pick_any_cpu_node(m, (int)r2, r3)));
}

/* The events buffer must be writable for the bytes the kfunc will write (min of the two sizes). */
KF(scx_bpf_events)
{
	u64 n = r2 < sizeof(struct scx_event_stats) ? r2 : sizeof(struct scx_event_stats);

	if (kf_arg_mem(vm, r1, n, BPF_VM_WRITE, "scx_bpf_events", 1))
		return 0;
	scx_bpf_events((struct scx_event_stats *)(uintptr_t)r1, n);
	return 0;
}

/* ---- the table ---------------------------------------------------------------------------------- */

#define SLEEPABLE "sleepable ops (init, exit, init_task, exit_task, cgroup_*)"
#define ENQ_DSP "select_cpu, enqueue, dispatch"
#define ANY "any op"
#define MOVE "dispatch, sleepable ops"
#define E(name, ctx) { #name, kf_##name, (void *)name, ctx }

#ifdef SCXSIM_KFUNC_GRAPH /* objects, lists, rbtrees: adapters in graph.c */
KF_DECL(bpf_obj_new_impl); KF_DECL(bpf_obj_drop_impl); KF_DECL(bpf_list_push_front_impl);
KF_DECL(bpf_list_push_back_impl); KF_DECL(bpf_list_pop_front); KF_DECL(bpf_list_pop_back);
KF_DECL(bpf_rbtree_add_impl); KF_DECL(bpf_rbtree_first); KF_DECL(bpf_rbtree_remove);
#endif

static const struct rt_kfunc table[] = {
	E(scx_bpf_create_dsq, SLEEPABLE),
	E(scx_bpf_destroy_dsq, ANY),
	E(scx_bpf_dsq_insert, ENQ_DSP),
	E(scx_bpf_dsq_insert_vtime, ENQ_DSP),
	E(scx_bpf_dispatch, ENQ_DSP " (v3 name of scx_bpf_dsq_insert)"),
	E(scx_bpf_dispatch_vtime, ENQ_DSP " (v3 name of scx_bpf_dsq_insert_vtime)"),
	E(scx_bpf_dsq_move_to_local, "dispatch"),
	E(scx_bpf_consume, "dispatch, consume (v3 name of scx_bpf_dsq_move_to_local)"),
	E(scx_bpf_dsq_nr_queued, ANY),
	E(scx_bpf_dsq_peek, ANY " (user DSQs)"),
	E(scx_bpf_dispatch_nr_slots, "dispatch"),
	E(scx_bpf_dispatch_cancel, "dispatch"),
	E(scx_bpf_kick_cpu, ANY),
	E(scx_bpf_reenqueue_local, "cpu_release"),
	E(scx_bpf_select_cpu_dfl, "select_cpu, enqueue"),
	E(scx_bpf_select_cpu_and, "select_cpu, enqueue (built-in idle tracking on)"),
	E(scx_bpf_pick_idle_cpu, ANY " (built-in idle tracking on)"),
	E(scx_bpf_pick_any_cpu, ANY),
	E(scx_bpf_test_and_clear_cpu_idle, ANY " (built-in idle tracking on)"),
	E(scx_bpf_get_idle_cpumask, ANY " (built-in idle tracking on)"),
	E(scx_bpf_get_idle_smtmask, ANY " (built-in idle tracking on)"),
	E(scx_bpf_put_idle_cpumask, ANY),
	E(scx_bpf_nr_cpu_ids, ANY),
	E(scx_bpf_get_possible_cpumask, ANY),
	E(scx_bpf_get_online_cpumask, ANY),
	E(scx_bpf_put_cpumask, ANY),
	E(scx_bpf_task_cpu, ANY),
	E(scx_bpf_task_running, ANY),
	E(scx_bpf_task_cgroup, "rq-locked ops, on the op's own task"),
	E(scx_bpf_now, ANY),
	E(scx_bpf_error_str, ANY " (scxsim extra)"),
	E(scx_bpf_exit_str, ANY " (scxsim extra)"),
	E(scx_bpf_error_bstr, ANY " (behind the scx_bpf_error() macro)"),
	E(scx_bpf_exit_bstr, ANY " (behind the scx_bpf_exit() macro)"),
	E(scx_bpf_dump_bstr, "dump, dump_cpu, dump_task (behind the scx_bpf_dump() macro)"),
	E(bpf_iter_scx_dsq_new, ANY " (user DSQs; bpf_for_each(scx_dsq, ...))"),
	E(bpf_iter_scx_dsq_next, ANY),
	E(bpf_iter_scx_dsq_destroy, ANY),
	E(scx_bpf_dsq_move, MOVE),
	E(scx_bpf_dsq_move_vtime, MOVE),
	E(scx_bpf_dsq_move_set_slice, MOVE),
	E(scx_bpf_dsq_move_set_vtime, MOVE),
	E(scx_bpf_dispatch_from_dsq, MOVE " (6.12 name of scx_bpf_dsq_move)"),
	E(scx_bpf_dispatch_vtime_from_dsq, MOVE " (6.12 name of scx_bpf_dsq_move_vtime)"),
	E(scx_bpf_dispatch_from_dsq_set_slice, MOVE " (6.12 name of scx_bpf_dsq_move_set_slice)"),
	E(scx_bpf_dispatch_from_dsq_set_vtime, MOVE " (6.12 name of scx_bpf_dsq_move_set_vtime)"),
	E(scx_bpf_cpuperf_cap, ANY),
	E(scx_bpf_cpuperf_cur, ANY),
	E(scx_bpf_cpuperf_set, ANY),
	E(scx_bpf_cpu_node, ANY),
	E(scx_bpf_nr_node_ids, ANY),
	E(scx_bpf_get_idle_cpumask_node, ANY " (built-in idle tracking on)"),
	E(scx_bpf_get_idle_smtmask_node, ANY " (built-in idle tracking on)"),
	E(scx_bpf_pick_idle_cpu_node, ANY " (built-in idle tracking on)"),
	E(scx_bpf_pick_any_cpu_node, ANY),
	E(scx_bpf_events, ANY),
	E(bpf_task_from_pid, ANY),
	E(bpf_task_acquire, ANY),
	E(bpf_task_release, ANY),
	E(bpf_cgroup_acquire, ANY),
	E(bpf_cgroup_release, ANY),
	E(bpf_cgroup_ancestor, ANY),
	E(bpf_cgroup_from_id, ANY),
	E(bpf_rcu_read_lock, ANY),
	E(bpf_rcu_read_unlock, ANY),
	E(bpf_iter_num_new, ANY " (bpf_for, bpf_repeat)"),
	E(bpf_iter_num_next, ANY),
	E(bpf_iter_num_destroy, ANY),
	E(bpf_cpumask_create, ANY),
	E(bpf_cpumask_acquire, ANY),
	E(bpf_cpumask_release, ANY),
	E(bpf_cpumask_first, ANY),
	E(bpf_cpumask_first_zero, ANY),
	E(bpf_cpumask_first_and, ANY),
	E(bpf_cpumask_set_cpu, ANY),
	E(bpf_cpumask_clear_cpu, ANY),
	E(bpf_cpumask_test_cpu, ANY),
	E(bpf_cpumask_test_and_set_cpu, ANY),
	E(bpf_cpumask_test_and_clear_cpu, ANY),
	E(bpf_cpumask_setall, ANY),
	E(bpf_cpumask_clear, ANY),
	E(bpf_cpumask_and, ANY),
	E(bpf_cpumask_or, ANY),
	E(bpf_cpumask_xor, ANY),
	E(bpf_cpumask_equal, ANY),
	E(bpf_cpumask_intersects, ANY),
	E(bpf_cpumask_subset, ANY),
	E(bpf_cpumask_empty, ANY),
	E(bpf_cpumask_full, ANY),
	E(bpf_cpumask_copy, ANY),
	E(bpf_cpumask_any_distribute, ANY),
	E(bpf_cpumask_any_and_distribute, ANY),
	E(bpf_cpumask_weight, ANY),
#ifdef SCXSIM_KFUNC_GRAPH
	E(bpf_obj_new_impl, ANY " (behind the bpf_obj_new() macro)"),
	E(bpf_obj_drop_impl, ANY " (behind the bpf_obj_drop() macro)"),
	E(bpf_list_push_front_impl, ANY " (behind bpf_list_push_front())"),
	E(bpf_list_push_back_impl, ANY " (behind bpf_list_push_back())"),
	E(bpf_list_pop_front, ANY),
	E(bpf_list_pop_back, ANY),
	E(bpf_rbtree_add_impl, ANY " (behind bpf_rbtree_add())"),
	E(bpf_rbtree_first, ANY),
	E(bpf_rbtree_remove, ANY),
#endif
};

static struct bpf_vm_func vm_table[ARRAY_SIZE(table)];

const struct rt_kfunc *rt_kfunc_table(u32 *nr)
{
	*nr = ARRAY_SIZE(table);
	return table;
}

int rt_kfunc_find(const char *name, u32 len)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strlen(table[i].name) == len && !strncmp(table[i].name, name, len))
			return (int)i;
	return -ENOENT;
}

const struct bpf_vm_func *rt_kfunc_vm_table(u32 *nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		vm_table[i] = (struct bpf_vm_func){ table[i].name, table[i].fn, NULL };
	*nr = ARRAY_SIZE(table);
	return vm_table;
}
