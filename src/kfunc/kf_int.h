/*
 * kf_int.h — shared by the kfunc and helper implementations (src/kfunc): checking the values
 * a BPF program passes (each pointer must be memory the program may use, each task a task of
 * the machine, each bpf_cpumask a live one) before any C code dereferences them. A bad
 * argument stops the program through bpf_vm_abort() with a message naming the function and
 * the argument; the trampoline then ejects the scheduler with the program, pc and source line.
 *
 * Convention: kf_arg_*() return 0 when the argument is good (and store the typed value), or
 * -EFAULT after aborting the program; the caller returns 0 right away.
 */
#ifndef SCXSIM_KF_INT_H
#define SCXSIM_KF_INT_H

#include "ebpf/runtime/rt_int.h"
#include "scx/scx_int.h"

#define KF_ARGS struct bpf_vm *vm, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *kctx

static inline struct bpf_sched *kf_rt(struct bpf_vm *vm)
{
	return bpf_vm_user(vm);
}

/* The CPU the running op is about (ops.dispatch's cpu, the CPU of the event being handled),
 * 0 when there is none (ops.init). */
static inline int kf_cpu(const struct bpf_sched *s)
{
	const struct scx_sched *sch = s->m ? s->m->scx : NULL;

	if (sch && sch->cur_cpu >= 0)
		return sch->cur_cpu;
	return s->m && s->m->cur_cpu >= 0 ? s->m->cur_cpu : 0;
}

int kf_arg_task(struct bpf_vm *vm, u64 v, const char *fn, int arg, bool nullable,
		struct task_struct **out);
int kf_arg_cgroup(struct bpf_vm *vm, u64 v, const char *fn, int arg, bool nullable,
		  struct cgroup **out);
int kf_arg_mask(struct bpf_vm *vm, u64 v, const char *fn, int arg, const struct cpumask **out);
int kf_arg_bpf_cpumask(struct bpf_vm *vm, u64 v, const char *fn, int arg,
		       struct bpf_cpumask **out);
/* size bytes at v readable (flags BPF_VM_READ) or writable (BPF_VM_WRITE) by the program */
int kf_arg_mem(struct bpf_vm *vm, u64 v, u64 size, unsigned flags, const char *fn, int arg);
/* kf_arg_mem for memory the C side reads as a struct: also aborts when v is not `align`-byte
 * aligned (a misaligned struct access is undefined behaviour in C; the kernel's verifier
 * rejects such pointers at load). */
int kf_arg_obj(struct bpf_vm *vm, u64 v, u64 size, u64 align, unsigned flags, const char *fn,
	       int arg);
/* a NUL-terminated string at v (at most max bytes with the NUL) copied into buf */
int kf_arg_str(struct bpf_vm *vm, u64 v, char *buf, size_t max, const char *fn, int arg);

/* Called after a scx_bpf_* kfunc: if it ejected the scheduler with a runtime error, stop the
 * program so that the error carries the program, pc and source line. */
void kf_after_scx(struct bpf_vm *vm, bool was_exiting);
bool kf_exiting(struct bpf_vm *vm);

/* adapters of the generic BPF kfuncs (bpf_kfuncs.c) */
#define KF_DECL(name) u64 kf_##name(KF_ARGS)
KF_DECL(bpf_task_from_pid); KF_DECL(bpf_task_acquire); KF_DECL(bpf_task_release);
KF_DECL(bpf_cgroup_acquire); KF_DECL(bpf_cgroup_release); KF_DECL(bpf_cgroup_ancestor);
KF_DECL(bpf_cgroup_from_id); KF_DECL(bpf_rcu_read_lock); KF_DECL(bpf_rcu_read_unlock);
KF_DECL(bpf_iter_num_new); KF_DECL(bpf_iter_num_next); KF_DECL(bpf_iter_num_destroy);
KF_DECL(bpf_cpumask_create); KF_DECL(bpf_cpumask_acquire); KF_DECL(bpf_cpumask_release);
KF_DECL(bpf_cpumask_first); KF_DECL(bpf_cpumask_first_zero); KF_DECL(bpf_cpumask_first_and);
KF_DECL(bpf_cpumask_set_cpu); KF_DECL(bpf_cpumask_clear_cpu); KF_DECL(bpf_cpumask_test_cpu);
KF_DECL(bpf_cpumask_test_and_set_cpu); KF_DECL(bpf_cpumask_test_and_clear_cpu);
KF_DECL(bpf_cpumask_setall); KF_DECL(bpf_cpumask_clear); KF_DECL(bpf_cpumask_and);
KF_DECL(bpf_cpumask_or); KF_DECL(bpf_cpumask_xor); KF_DECL(bpf_cpumask_equal);
KF_DECL(bpf_cpumask_intersects); KF_DECL(bpf_cpumask_subset); KF_DECL(bpf_cpumask_empty);
KF_DECL(bpf_cpumask_full); KF_DECL(bpf_cpumask_copy); KF_DECL(bpf_cpumask_any_distribute);
KF_DECL(bpf_cpumask_any_and_distribute); KF_DECL(bpf_cpumask_weight);
/* bpf_timer helpers (timer.c) */
KF_DECL(timer_init); KF_DECL(timer_set_callback); KF_DECL(timer_start); KF_DECL(timer_cancel);

#endif
