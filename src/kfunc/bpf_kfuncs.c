/*
 * bpf_kfuncs.c — the generic BPF kfuncs schedulers use (kernel/bpf/helpers.c, cpumask.c,
 * bpf_iter): tasks and cgroups by pid/id with acquire/release, RCU read locks, the numeric
 * iterator behind bpf_for/bpf_repeat, and bpf_cpumask objects. Each has a C function with the
 * kernel prototype (kfunc/kfunc_types.h; its BTF is what the loader checks declarations
 * against) acting on the runtime whose program is running (rt_cur), and an adapter kf_NAME
 * that validates the BPF arguments first.
 *
 * Semantics as in the kernel where scxsim can have them: a cpu argument >= nr_cpu_ids is
 * ignored (false / no-op); first/any return >= nr_cpu_ids when nothing matches; a bpf_cpumask
 * is freed when its last reference goes. Tasks and cgroups live as long as the machine, so
 * acquire/release only check their argument. any_distribute rotates deterministically.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kf_int.h"

#define KF(name) u64 kf_##name(KF_ARGS)
#define PTR(x) ((u64)(uintptr_t)(x))
#define BPF_MAX_LOOPS_ITER (8 * 1024 * 1024) /* the kernel's BPF_MAX_LOOPS */

static int nr_cpu(void)
{
	return rt_cur && rt_cur->m ? rt_cur->m->nr_cpus : 0;
}

static bool cpu_ok(u32 cpu)
{
	return cpu < (u32)nr_cpu();
}

/* ---- tasks and cgroups ------------------------------------------------------------------------ */

struct task_struct *bpf_task_from_pid(s32 pid)
{
	struct machine *m = rt_cur ? rt_cur->m : NULL;

	for (int i = 0; m && i < m->nr_tasks; i++)
		if (m->tasks[i]->pid == pid)
			return m->tasks[i]->state == TASK_DEAD ? NULL : m->tasks[i];
	return NULL;
}

struct task_struct *bpf_task_acquire(struct task_struct *p)
{
	return p && p->state != TASK_DEAD ? p : NULL;
}

void bpf_task_release(struct task_struct *p)
{
}

struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp)
{
	return cgrp;
}

void bpf_cgroup_release(struct cgroup *cgrp)
{
}

struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level)
{
	if (!cgrp || level < 0 || level > cgrp->level)
		return NULL;
	while (cgrp && cgrp->level > level)
		cgrp = cgrp->parent;
	return cgrp;
}

struct cgroup *bpf_cgroup_from_id(u64 cgid)
{
	struct machine *m = rt_cur ? rt_cur->m : NULL;

	return m && cgid < (u64)m->nr_tgs ? m->tgs[cgid] : NULL;
}

void bpf_rcu_read_lock(void)
{
}

void bpf_rcu_read_unlock(void)
{
}

KF(bpf_task_from_pid) { return PTR(bpf_task_from_pid((s32)r1)); }

KF(bpf_task_acquire)
{
	struct task_struct *p;

	return kf_arg_task(vm, r1, "bpf_task_acquire", 1, false, &p) ? 0 : PTR(bpf_task_acquire(p));
}

KF(bpf_task_release)
{
	struct task_struct *p;

	if (!kf_arg_task(vm, r1, "bpf_task_release", 1, false, &p))
		bpf_task_release(p);
	return 0;
}

KF(bpf_cgroup_acquire)
{
	struct cgroup *c;

	return kf_arg_cgroup(vm, r1, "bpf_cgroup_acquire", 1, false, &c) ? 0 : PTR(bpf_cgroup_acquire(c));
}

KF(bpf_cgroup_release)
{
	struct cgroup *c;

	if (!kf_arg_cgroup(vm, r1, "bpf_cgroup_release", 1, false, &c))
		bpf_cgroup_release(c);
	return 0;
}

KF(bpf_cgroup_ancestor)
{
	struct cgroup *c;

	return kf_arg_cgroup(vm, r1, "bpf_cgroup_ancestor", 1, false, &c) ? 0 :
	       PTR(bpf_cgroup_ancestor(c, (int)r2));
}

KF(bpf_cgroup_from_id) { return PTR(bpf_cgroup_from_id(r1)); }
KF(bpf_rcu_read_lock) { return 0; }
KF(bpf_rcu_read_unlock) { return 0; }

/* ---- numeric iterator ---------------------------------------------------------------------------- */

/* state: two ints, the last value returned and the end */
struct iter_num_state {
	int cur, end;
};

int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end)
{
	struct iter_num_state *s = (struct iter_num_state *)it;

	s->cur = s->end = 0;
	if (start > end)
		return -EINVAL;
	if ((s64)end - start > BPF_MAX_LOOPS_ITER)
		return -E2BIG;
	s->cur = start - 1;
	s->end = end;
	return 0;
}

int *bpf_iter_num_next(struct bpf_iter_num *it)
{
	struct iter_num_state *s = (struct iter_num_state *)it;

	if ((s64)s->cur + 1 >= s->end) {
		s->cur = s->end = 0;
		return NULL;
	}
	s->cur++;
	return &s->cur;
}

void bpf_iter_num_destroy(struct bpf_iter_num *it)
{
	struct iter_num_state *s = (struct iter_num_state *)it;

	s->cur = s->end = 0;
}

static int iter_arg(struct bpf_vm *vm, u64 v, const char *fn)
{
	return kf_arg_obj(vm, v, sizeof(struct bpf_iter_num), _Alignof(struct bpf_iter_num), BPF_VM_RW,
			  fn, 1);
}

KF(bpf_iter_num_new)
{
	return iter_arg(vm, r1, "bpf_iter_num_new") ? 0 :
	       (u64)(s64)bpf_iter_num_new((struct bpf_iter_num *)(uintptr_t)r1, (int)r2, (int)r3);
}

KF(bpf_iter_num_next)
{
	return iter_arg(vm, r1, "bpf_iter_num_next") ? 0 :
	       PTR(bpf_iter_num_next((struct bpf_iter_num *)(uintptr_t)r1));
}

KF(bpf_iter_num_destroy)
{
	if (!iter_arg(vm, r1, "bpf_iter_num_destroy"))
		bpf_iter_num_destroy((struct bpf_iter_num *)(uintptr_t)r1);
	return 0;
}

/* ---- cpumasks ----------------------------------------------------------------------------------- */

struct bpf_cpumask *bpf_cpumask_create(void)
{
	return rt_cur ? rt_mem_cpumask_new(rt_cur) : NULL;
}

struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask)
{
	cpumask->usage++;
	return cpumask;
}

void bpf_cpumask_release(struct bpf_cpumask *cpumask)
{
	if (rt_cur)
		rt_mem_cpumask_put(rt_cur, cpumask);
}

/* lowest CPU < nr_cpu_ids set in a (and in b if given), else nr_cpu_ids */
static u32 first_in(const struct cpumask *a, const struct cpumask *b, bool zero)
{
	for (int c = 0; c < nr_cpu(); c++) {
		bool in = cpumask_test(a, c) && (!b || cpumask_test(b, c));

		if (in != zero)
			return (u32)c;
	}
	return (u32)nr_cpu();
}

u32 bpf_cpumask_first(const struct cpumask *cpumask) { return first_in(cpumask, NULL, false); }
u32 bpf_cpumask_first_zero(const struct cpumask *cpumask) { return first_in(cpumask, NULL, true); }
u32 bpf_cpumask_first_and(const struct cpumask *a, const struct cpumask *b) { return first_in(a, b, false); }

void bpf_cpumask_set_cpu(u32 cpu, struct bpf_cpumask *cpumask)
{
	if (cpu_ok(cpu))
		cpumask_set(&cpumask->cpumask, (int)cpu);
}

void bpf_cpumask_clear_cpu(u32 cpu, struct bpf_cpumask *cpumask)
{
	if (cpu_ok(cpu))
		cpumask_unset(&cpumask->cpumask, (int)cpu);
}

bool bpf_cpumask_test_cpu(u32 cpu, const struct cpumask *cpumask)
{
	return cpu_ok(cpu) && cpumask_test(cpumask, (int)cpu);
}

bool bpf_cpumask_test_and_set_cpu(u32 cpu, struct bpf_cpumask *cpumask)
{
	bool was = bpf_cpumask_test_cpu(cpu, &cpumask->cpumask);

	bpf_cpumask_set_cpu(cpu, cpumask);
	return was;
}

bool bpf_cpumask_test_and_clear_cpu(u32 cpu, struct bpf_cpumask *cpumask)
{
	bool was = bpf_cpumask_test_cpu(cpu, &cpumask->cpumask);

	bpf_cpumask_clear_cpu(cpu, cpumask);
	return was;
}

void bpf_cpumask_setall(struct bpf_cpumask *cpumask)
{
	cpumask_fill(&cpumask->cpumask, nr_cpu());
}

void bpf_cpumask_clear(struct bpf_cpumask *cpumask)
{
	cpumask_clear(&cpumask->cpumask);
}

bool bpf_cpumask_and(struct bpf_cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	cpumask_and(&dst->cpumask, a, b);
	return !cpumask_empty(&dst->cpumask);
}

void bpf_cpumask_or(struct bpf_cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	cpumask_or(&dst->cpumask, a, b);
}

void bpf_cpumask_xor(struct bpf_cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		dst->cpumask.bits[i] = a->bits[i] ^ b->bits[i];
}

bool bpf_cpumask_equal(const struct cpumask *a, const struct cpumask *b)
{
	return cpumask_equal(a, b);
}

bool bpf_cpumask_intersects(const struct cpumask *a, const struct cpumask *b)
{
	return cpumask_first_and(a, b) >= 0;
}

bool bpf_cpumask_subset(const struct cpumask *a, const struct cpumask *b)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

bool bpf_cpumask_empty(const struct cpumask *cpumask)
{
	return first_in(cpumask, NULL, false) == (u32)nr_cpu();
}

bool bpf_cpumask_full(const struct cpumask *cpumask)
{
	return first_in(cpumask, NULL, true) == (u32)nr_cpu();
}

void bpf_cpumask_copy(struct bpf_cpumask *dst, const struct cpumask *src)
{
	dst->cpumask = *src;
}

/* next set CPU (in a, and b if given) after the last one returned, wrapping around */
static u32 distribute(const struct cpumask *a, const struct cpumask *b)
{
	int n = nr_cpu();

	for (int i = 1; rt_cur && i <= n; i++) {
		int c = (int)((rt_cur->distribute + i) % (u32)n);

		if (cpumask_test(a, c) && (!b || cpumask_test(b, c))) {
			rt_cur->distribute = (u32)c;
			return (u32)c;
		}
	}
	return (u32)n;
}

u32 bpf_cpumask_any_distribute(const struct cpumask *cpumask) { return distribute(cpumask, NULL); }
u32 bpf_cpumask_any_and_distribute(const struct cpumask *a, const struct cpumask *b) { return distribute(a, b); }

u32 bpf_cpumask_weight(const struct cpumask *cpumask)
{
	u32 w = 0;

	for (int c = 0; c < nr_cpu(); c++)
		w += cpumask_test(cpumask, c);
	return w;
}

/* adapters */
#define M(v, n, out) kf_arg_mask(vm, v, fn, n, out)
#define BM(v, n, out) kf_arg_bpf_cpumask(vm, v, fn, n, out)

KF(bpf_cpumask_create) { return PTR(bpf_cpumask_create()); }

KF(bpf_cpumask_acquire)
{
	const char *fn = "bpf_cpumask_acquire";
	struct bpf_cpumask *d;

	return BM(r1, 1, &d) ? 0 : PTR(bpf_cpumask_acquire(d));
}

KF(bpf_cpumask_release)
{
	const char *fn = "bpf_cpumask_release";
	struct bpf_cpumask *d;

	if (!BM(r1, 1, &d))
		bpf_cpumask_release(d);
	return 0;
}

/* u32 f(const struct cpumask *) */
#define KF_MASK1(name)                                                          \
	KF(name)                                                                \
	{                                                                       \
		const char *fn = #name;                                         \
		const struct cpumask *a;                                        \
		return M(r1, 1, &a) ? 0 : (u64)name(a);                         \
	}
/* u32/bool f(const struct cpumask *, const struct cpumask *) */
#define KF_MASK2(name)                                                          \
	KF(name)                                                                \
	{                                                                       \
		const char *fn = #name;                                         \
		const struct cpumask *a, *b;                                    \
		return M(r1, 1, &a) || M(r2, 2, &b) ? 0 : (u64)name(a, b);      \
	}
/* f(u32 cpu, struct bpf_cpumask *) */
#define KF_CPU_BM(name)                                                         \
	KF(name)                                                                \
	{                                                                       \
		const char *fn = #name;                                         \
		struct bpf_cpumask *d;                                          \
		if (BM(r2, 2, &d))                                              \
			return 0;                                               \
		return (u64)(name((u32)r1, d), 0);                              \
	}
#define KF_CPU_BM_RET(name)                                                     \
	KF(name)                                                                \
	{                                                                       \
		const char *fn = #name;                                         \
		struct bpf_cpumask *d;                                          \
		return BM(r2, 2, &d) ? 0 : (u64)name((u32)r1, d);               \
	}
/* f(struct bpf_cpumask *) */
#define KF_BM(name)                                                             \
	KF(name)                                                                \
	{                                                                       \
		const char *fn = #name;                                         \
		struct bpf_cpumask *d;                                          \
		if (!BM(r1, 1, &d))                                             \
			name(d);                                                \
		return 0;                                                       \
	}
/* f(struct bpf_cpumask *dst, const struct cpumask *a, const struct cpumask *b) */
#define KF_BM_M2(name, ret)                                                     \
	KF(name)                                                                \
	{                                                                       \
		const char *fn = #name;                                         \
		struct bpf_cpumask *d;                                          \
		const struct cpumask *a, *b;                                    \
		if (BM(r1, 1, &d) || M(r2, 2, &a) || M(r3, 3, &b))              \
			return 0;                                               \
		return ret;                                                     \
	}

KF_MASK1(bpf_cpumask_first)
KF_MASK1(bpf_cpumask_first_zero)
KF_MASK2(bpf_cpumask_first_and)
KF_MASK1(bpf_cpumask_empty)
KF_MASK1(bpf_cpumask_full)
KF_MASK1(bpf_cpumask_any_distribute)
KF_MASK1(bpf_cpumask_weight)
KF_MASK2(bpf_cpumask_equal)
KF_MASK2(bpf_cpumask_intersects)
KF_MASK2(bpf_cpumask_subset)
KF_MASK2(bpf_cpumask_any_and_distribute)
KF_CPU_BM(bpf_cpumask_set_cpu)
KF_CPU_BM(bpf_cpumask_clear_cpu)
KF_CPU_BM_RET(bpf_cpumask_test_and_set_cpu)
KF_CPU_BM_RET(bpf_cpumask_test_and_clear_cpu)
KF_BM(bpf_cpumask_setall)
KF_BM(bpf_cpumask_clear)
KF_BM_M2(bpf_cpumask_and, (u64)bpf_cpumask_and(d, a, b))
KF_BM_M2(bpf_cpumask_or, (bpf_cpumask_or(d, a, b), 0))
KF_BM_M2(bpf_cpumask_xor, (bpf_cpumask_xor(d, a, b), 0))

KF(bpf_cpumask_test_cpu)
{
	const char *fn = "bpf_cpumask_test_cpu";
	const struct cpumask *a;

	return M(r2, 2, &a) ? 0 : (u64)bpf_cpumask_test_cpu((u32)r1, a);
}

KF(bpf_cpumask_copy)
{
	const char *fn = "bpf_cpumask_copy";
	struct bpf_cpumask *d;
	const struct cpumask *a;

	if (!BM(r1, 1, &d) && !M(r2, 2, &a))
		bpf_cpumask_copy(d, a);
	return 0;
}
