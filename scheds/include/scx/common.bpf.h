/*
 * scx/common.bpf.h — what a sched_ext scheduler includes, for scxsim: the kernel types
 * (vmlinux.h), the BPF macros and helpers, every kfunc scxsim implements (the upstream names
 * and the v3 names of the seed patchset), scx_bpf_error()/scx_bpf_exit() over the bstr kfuncs,
 * BPF_STRUCT_OPS, the UEI exit-info macros, and small utilities (MEMBER_VPTR, time_before,
 * READ_ONCE, ...). The names and meanings follow upstream's tools/sched_ext/include so that an
 * upstream scheduler compiles unmodified; the text is scxsim's.
 *
 * kfuncs marked __weak are optional: a scheduler tests them with bpf_ksym_exists(); a strong
 * kfunc scxsim lacks fails the load with its name. src/kfunc/ holds the implementations and
 * docs/kfuncs.md the table (name, prototype, contexts).
 */
#ifndef __SCX_COMMON_BPF_H
#define __SCX_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <asm-generic/errno.h>
#include "user_exit_info.h"

#define PF_WQ_WORKER 0x00000020
#define PF_KTHREAD 0x00200000
#define PF_EXITING 0x00000004
#define CLOCK_MONOTONIC 1

/* ---- sched_ext kfuncs (current names) -------------------------------------------------- */
s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
void scx_bpf_destroy_dsq(u64 dsq_id) __ksym;
s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu, u64 wake_flags, bool *is_idle) __ksym;
s32 scx_bpf_select_cpu_and(struct task_struct *p, s32 prev_cpu, u64 wake_flags,
			   const struct cpumask *cpus_allowed, u64 flags) __ksym __weak;
void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
void scx_bpf_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags) __ksym __weak;
bool scx_bpf_dsq_move_to_local(u64 dsq_id) __ksym __weak;
/* Newer upstream passes enq_flags as a second argument: accepted and ignored (scxsim's
 * move_to_local has no flags). A function-like macro does not expand in bpf_ksym_exists(). */
#define scx_bpf_dsq_move_to_local(dsq_id, ...) scx_bpf_dsq_move_to_local(dsq_id)
s32 scx_bpf_dsq_nr_queued(u64 dsq_id) __ksym;
struct task_struct *scx_bpf_dsq_peek(u64 dsq_id) __ksym __weak;
u32 scx_bpf_dispatch_nr_slots(void) __ksym;
void scx_bpf_dispatch_cancel(void) __ksym;
void scx_bpf_kick_cpu(s32 cpu, u64 flags) __ksym;
u32 scx_bpf_reenqueue_local(void) __ksym;
s32 scx_bpf_pick_idle_cpu(const cpumask_t *cpus_allowed, u64 flags) __ksym;
s32 scx_bpf_pick_any_cpu(const cpumask_t *cpus_allowed, u64 flags) __ksym;
bool scx_bpf_test_and_clear_cpu_idle(s32 cpu) __ksym;
const struct cpumask *scx_bpf_get_idle_cpumask(void) __ksym;
const struct cpumask *scx_bpf_get_idle_smtmask(void) __ksym;
void scx_bpf_put_idle_cpumask(const struct cpumask *cpumask) __ksym;
u32 scx_bpf_nr_cpu_ids(void) __ksym __weak;
const struct cpumask *scx_bpf_get_possible_cpumask(void) __ksym __weak;
const struct cpumask *scx_bpf_get_online_cpumask(void) __ksym __weak;
void scx_bpf_put_cpumask(const struct cpumask *cpumask) __ksym __weak;
s32 scx_bpf_task_cpu(const struct task_struct *p) __ksym;
bool scx_bpf_task_running(const struct task_struct *p) __ksym;
struct cgroup *scx_bpf_task_cgroup(struct task_struct *p) __ksym __weak;
u64 scx_bpf_now(void) __ksym __weak;
void scx_bpf_error_bstr(char *fmt, unsigned long long *data, u32 data__sz) __ksym;
void scx_bpf_dump_bstr(char *fmt, unsigned long long *data, u32 data_len) __ksym __weak;
void scx_bpf_exit_bstr(s64 exit_code, char *fmt, unsigned long long *data, u32 data__sz) __ksym __weak;
/* scxsim extras: error/exit with a plain string */
void scx_bpf_error_str(const char *msg) __ksym __weak;
void scx_bpf_exit_str(s64 code, const char *msg) __ksym __weak;

/* ---- v3 names (the seed patchset) ----------------------------------------------------------- */
void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
void scx_bpf_dispatch_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags) __ksym __weak;
bool scx_bpf_consume(u64 dsq_id) __ksym __weak;

/* ---- 6.12-6.18 kfuncs: DSQ iterators and moves, cpuperf, NUMA nodes ------------------------ */
/* The iterator the scheduler holds on its stack (6 u64; scxsim keeps the real state itself). */
struct bpf_iter_scx_dsq {
	u64 __opaque[6];
} __attribute__((aligned(8)));
#ifndef SCX_DSQ_ITER_REV
#define SCX_DSQ_ITER_REV (1U << 16)
#endif
#ifndef SCX_PICK_IDLE_IN_NODE
#define SCX_PICK_IDLE_IN_NODE (1ULL << 1)
#endif
int bpf_iter_scx_dsq_new(struct bpf_iter_scx_dsq *it, u64 dsq_id, u64 flags) __ksym __weak;
struct task_struct *bpf_iter_scx_dsq_next(struct bpf_iter_scx_dsq *it) __ksym __weak;
void bpf_iter_scx_dsq_destroy(struct bpf_iter_scx_dsq *it) __ksym __weak;
/* inside bpf_for_each(scx_dsq, p, dsq_id, flags): the loop's iterator */
#define BPF_FOR_EACH_ITER (&___it)
bool scx_bpf_dsq_move(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags) __ksym __weak;
bool scx_bpf_dsq_move_vtime(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags) __ksym __weak;
void scx_bpf_dsq_move_set_slice(struct bpf_iter_scx_dsq *it__iter, u64 slice) __ksym __weak;
void scx_bpf_dsq_move_set_vtime(struct bpf_iter_scx_dsq *it__iter, u64 vtime) __ksym __weak;
/* Upstream's compat.bpf.h wrappers (6.13+ name, else the 6.12 one, else nothing): scxsim has
 * both names, so they resolve to the 6.13 kfuncs. */
#ifndef __COMPAT_scx_bpf_dsq_move
#define __COMPAT_scx_bpf_dsq_move(it__iter, p, dsq_id, enq_flags)                              \
	(bpf_ksym_exists(scx_bpf_dsq_move) ? scx_bpf_dsq_move((it__iter), (p), (dsq_id), (enq_flags)) : \
	 bpf_ksym_exists(scx_bpf_dispatch_from_dsq) ?                                            \
	 scx_bpf_dispatch_from_dsq((it__iter), (p), (dsq_id), (enq_flags)) : false)
#define __COMPAT_scx_bpf_dsq_move_vtime(it__iter, p, dsq_id, enq_flags)                        \
	(bpf_ksym_exists(scx_bpf_dsq_move_vtime) ?                                               \
	 scx_bpf_dsq_move_vtime((it__iter), (p), (dsq_id), (enq_flags)) :                        \
	 bpf_ksym_exists(scx_bpf_dispatch_vtime_from_dsq) ?                                      \
	 scx_bpf_dispatch_vtime_from_dsq((it__iter), (p), (dsq_id), (enq_flags)) : false)
#define __COMPAT_scx_bpf_dsq_move_set_slice(it__iter, slice)                                   \
	(bpf_ksym_exists(scx_bpf_dsq_move_set_slice) ?                                           \
	 scx_bpf_dsq_move_set_slice((it__iter), (slice)) :                                       \
	 bpf_ksym_exists(scx_bpf_dispatch_from_dsq_set_slice) ?                                  \
	 scx_bpf_dispatch_from_dsq_set_slice((it__iter), (slice)) : (void)0)
#define __COMPAT_scx_bpf_dsq_move_set_vtime(it__iter, vtime)                                   \
	(bpf_ksym_exists(scx_bpf_dsq_move_set_vtime) ?                                           \
	 scx_bpf_dsq_move_set_vtime((it__iter), (vtime)) :                                       \
	 bpf_ksym_exists(scx_bpf_dispatch_from_dsq_set_vtime) ?                                  \
	 scx_bpf_dispatch_from_dsq_set_vtime((it__iter), (vtime)) : (void)0)
#endif
/* 6.12 names */
bool scx_bpf_dispatch_from_dsq(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags) __ksym __weak;
bool scx_bpf_dispatch_vtime_from_dsq(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags) __ksym __weak;
void scx_bpf_dispatch_from_dsq_set_slice(struct bpf_iter_scx_dsq *it__iter, u64 slice) __ksym __weak;
void scx_bpf_dispatch_from_dsq_set_vtime(struct bpf_iter_scx_dsq *it__iter, u64 vtime) __ksym __weak;
u32 scx_bpf_cpuperf_cur(s32 cpu) __ksym __weak;
void scx_bpf_cpuperf_set(s32 cpu, u32 perf) __ksym __weak;
int scx_bpf_cpu_node(s32 cpu) __ksym __weak;
u32 scx_bpf_nr_node_ids(void) __ksym __weak;
const struct cpumask *scx_bpf_get_idle_cpumask_node(int node) __ksym __weak;
const struct cpumask *scx_bpf_get_idle_smtmask_node(int node) __ksym __weak;
s32 scx_bpf_pick_idle_cpu_node(const cpumask_t *cpus_allowed, int node, u64 flags) __ksym __weak;
s32 scx_bpf_pick_any_cpu_node(const cpumask_t *cpus_allowed, int node, u64 flags) __ksym __weak;

u32 scx_bpf_cpuperf_cap(s32 cpu) __ksym __weak;
/* 6.15+: the event counters; read a field with scx_read_event() (0 if the kernel lacks it) */
void scx_bpf_events(struct scx_event_stats *events, size_t events__sz) __ksym __weak;
#define scx_read_event(e, name) (bpf_core_field_exists((e)->name) ? (e)->name : 0)

/* ---- errors and exits ------------------------------------------------------------------------ */

static inline __attribute__((format(printf, 1, 2)))
void ___scx_bpf_bstr_format_checker(const char *fmt, ...) {}

/* The format lives in .data (___fmt), the arguments in a u64 array on the stack (at least one
 * element). */
#define scx_bpf_bstr_preamble(fmt, args...)                                                  \
	static char ___fmt[] = fmt;                                                          \
	unsigned long long ___param[___bpf_narg(args) ?: 1] = {};                            \
	_Pragma("GCC diagnostic push")                                                       \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                               \
	___bpf_fill(___param, args);                                                         \
	_Pragma("GCC diagnostic pop")

/* Leave with SCX_EXIT_UNREG_BPF and an exit code for user space. */
#define scx_bpf_exit(code, fmt, args...) ({                                                  \
	scx_bpf_bstr_preamble(fmt, args)                                                     \
	scx_bpf_exit_bstr(code, ___fmt, ___param, sizeof(___param));                         \
	___scx_bpf_bstr_format_checker(fmt, ##args);                                         \
})

/* Leave with SCX_EXIT_ERROR_BPF: every task goes back to the fair class. */
#define scx_bpf_error(fmt, args...) ({                                                       \
	scx_bpf_bstr_preamble(fmt, args)                                                     \
	scx_bpf_error_bstr(___fmt, ___param, sizeof(___param));                              \
	___scx_bpf_bstr_format_checker(fmt, ##args);                                         \
})

#define scx_bpf_dump(fmt, args...) ({                                                        \
	scx_bpf_bstr_preamble(fmt, args)                                                     \
	scx_bpf_dump_bstr(___fmt, ___param, sizeof(___param));                               \
	___scx_bpf_bstr_format_checker(fmt, ##args);                                         \
})

#define BPF_STRUCT_OPS(name, args...) \
	SEC("struct_ops/" #name) BPF_PROG(name, ##args)
#define BPF_STRUCT_OPS_SLEEPABLE(name, args...) \
	SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)

/* An array in a data section of its own (upstream's user halves resize it; scxsim keeps the
 * declared size). */
#define RESIZABLE_ARRAY(elfsec, arr) arr[1] SEC("." #elfsec "." #arr)

/* Pointer to (base)member if it lies inside base, else NULL:
 * MEMBER_VPTR(arr, [i][j]), MEMBER_VPTR(*ptr, .field).
 * The check and the addition are one asm block, as upstream's: clang may not move the
 * pointer arithmetic before the bounds check (the verifier tracks the offset register, not
 * a copy of it made earlier). */
#define MEMBER_VPTR(base, member) (typeof((base) member) *)({                                \
	u64 ___base = (u64)&(base);                                                          \
	u64 ___off = (u64)&((base) member) - ___base;                                        \
	_Static_assert(sizeof(base) >= sizeof((base) member),                                \
		       "@base is smaller than @member, is @base a pointer?");                \
	asm volatile("if %0 <= %[lim] goto +2\n"                                             \
		     "%0 = 0\n"                                                              \
		     "goto +1\n"                                                             \
		     "%0 += %1\n"                                                            \
		     : "+r"(___off)                                                          \
		     : "r"(___base), [lim] "i"(sizeof(base) - sizeof((base) member)));       \
	___off;                                                                              \
})

/* Pointer to arr[i] if 0 <= i < n, else NULL (one asm block, as MEMBER_VPTR). */
#define ARRAY_ELEM_PTR(arr, i, n) (typeof(arr[i]) *)({                                       \
	u64 ___base = (u64)(arr);                                                            \
	u64 ___off = (u64)&(arr)[i] - ___base;                                               \
	asm volatile("if %0 <= %[lim] goto +2\n"                                             \
		     "%0 = 0\n"                                                              \
		     "goto +1\n"                                                             \
		     "%0 += %1\n"                                                            \
		     : "+r"(___off)                                                          \
		     : "r"(___base), [lim] "r"(sizeof((arr)[0]) * ((n) - 1)));               \
	___off;                                                                              \
})

/* data placed in its own section (kptr holders, locks) */
#define private(name) SEC(".data." #name) __hidden __attribute__((aligned(8)))

/* ---- objects, lists, rbtrees (kernel/bpf/helpers.c; src/kfunc/graph.c) ------------------------
 * The opaque types have the kernel's sizes (include/uapi/linux/bpf.h). They are kernel types and
 * belong in vmlinux.h; they are here until vmlinux.h has them. A head/root is tied to the type
 * and member it holds with __contains(type, member) (a BTF decl tag the kernel's verifier reads;
 * scxsim keeps it for compatibility and does not need it). */
struct bpf_list_head {
	u64 __opaque[2];
} __attribute__((aligned(8)));
struct bpf_list_node {
	u64 __opaque[3];
} __attribute__((aligned(8)));
struct bpf_rb_root {
	u64 __opaque[2];
} __attribute__((aligned(8)));
struct bpf_rb_node {
	u64 __opaque[4];
} __attribute__((aligned(8)));

#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))

void *bpf_obj_new_impl(u64 local_type_id, void *meta) __ksym;
void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
/* a zeroed object of the program's type, NULL when none could be had; freed by bpf_obj_drop */
#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node,
			     void *meta, u64 off) __ksym;
int bpf_list_push_back_impl(struct bpf_list_head *head, struct bpf_list_node *node,
			    void *meta, u64 off) __ksym;
#define bpf_list_push_front(head, node) bpf_list_push_front_impl(head, node, NULL, 0)
#define bpf_list_push_back(head, node) bpf_list_push_back_impl(head, node, NULL, 0)
struct bpf_list_node *bpf_list_pop_front(struct bpf_list_head *head) __ksym;
struct bpf_list_node *bpf_list_pop_back(struct bpf_list_head *head) __ksym;

int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			bool (less)(struct bpf_rb_node *a, const struct bpf_rb_node *b),
			void *meta, u64 off) __ksym;
#define bpf_rbtree_add(root, node, less) bpf_rbtree_add_impl(root, node, less, NULL, 0)
struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root) __ksym;
struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root, struct bpf_rb_node *node) __ksym;

/* ---- tasks, cgroups, RCU ---------------------------------------------------------------------- */
struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;
struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp) __ksym __weak;
void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __ksym;
struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym;
void bpf_rcu_read_lock(void) __ksym;
void bpf_rcu_read_unlock(void) __ksym;

/* ---- cpumasks --------------------------------------------------------------------------------- */
struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
u32 bpf_cpumask_first(const struct cpumask *cpumask) __ksym;
u32 bpf_cpumask_first_zero(const struct cpumask *cpumask) __ksym;
u32 bpf_cpumask_first_and(const struct cpumask *src1, const struct cpumask *src2) __ksym __weak;
void bpf_cpumask_set_cpu(u32 cpu, struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_clear_cpu(u32 cpu, struct bpf_cpumask *cpumask) __ksym;
bool bpf_cpumask_test_cpu(u32 cpu, const struct cpumask *cpumask) __ksym;
bool bpf_cpumask_test_and_set_cpu(u32 cpu, struct bpf_cpumask *cpumask) __ksym;
bool bpf_cpumask_test_and_clear_cpu(u32 cpu, struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_setall(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_clear(struct bpf_cpumask *cpumask) __ksym;
bool bpf_cpumask_and(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2) __ksym;
void bpf_cpumask_or(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2) __ksym;
void bpf_cpumask_xor(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2) __ksym;
bool bpf_cpumask_equal(const struct cpumask *src1, const struct cpumask *src2) __ksym;
bool bpf_cpumask_intersects(const struct cpumask *src1, const struct cpumask *src2) __ksym;
bool bpf_cpumask_subset(const struct cpumask *src1, const struct cpumask *src2) __ksym;
bool bpf_cpumask_empty(const struct cpumask *cpumask) __ksym;
bool bpf_cpumask_full(const struct cpumask *cpumask) __ksym;
void bpf_cpumask_copy(struct bpf_cpumask *dst, const struct cpumask *src) __ksym;
u32 bpf_cpumask_any_distribute(const struct cpumask *cpumask) __ksym;
u32 bpf_cpumask_any_and_distribute(const struct cpumask *src1, const struct cpumask *src2) __ksym;
u32 bpf_cpumask_weight(const struct cpumask *cpumask) __ksym;

/* Read a bpf_cpumask as a plain cpumask. */
static __always_inline const struct cpumask *cast_mask(struct bpf_cpumask *mask)
{
	return (const struct cpumask *)mask;
}

static inline bool is_migration_disabled(const struct task_struct *p)
{
	return false; /* scxsim has no migrate_disable() */
}

/* ---- time (jiffies.h style comparisons on u64 clocks) ----------------------------------------- */

static inline s64 time_delta(u64 after, u64 before)
{
	s64 d = (s64)(after - before);

	return d > 0 ? d : 0;
}
static inline bool time_after(u64 a, u64 b) { return (s64)(b - a) < 0; }
static inline bool time_before(u64 a, u64 b) { return time_after(b, a); }
static inline bool time_after_eq(u64 a, u64 b) { return (s64)(a - b) >= 0; }
static inline bool time_before_eq(u64 a, u64 b) { return time_after_eq(b, a); }
static inline bool time_in_range(u64 a, u64 b, u64 c)
{
	return time_after_eq(a, b) && time_before_eq(a, c);
}
static inline bool time_in_range_open(u64 a, u64 b, u64 c)
{
	return time_after_eq(a, b) && time_before(a, c);
}

/* ---- other utilities --------------------------------------------------------------------------- */

#define __maybe_unused __attribute__((__unused__))

/* One volatile access of the object's own size (no tearing, no caching by the compiler). */
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, val) ({ typeof(x) ___w = (val); *(volatile typeof(x) *)&(x) = ___w; ___w; })

/* floor(log2(v)) for v > 0 */
static inline u32 log2_u32(u32 v)
{
	u32 r = 0;

	while (v >>= 1)
		r++;
	return r;
}

/* 1 + floor(log2(v)), 1 for v <= 1: upstream's rounding */
static inline u32 log2_u64(u64 v)
{
	u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 + 1 : log2_u32((u32)v) + 1;
}

#include "compat.bpf.h"

#endif /* __SCX_COMMON_BPF_H */
