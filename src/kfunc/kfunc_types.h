/*
 * kfunc_types.h — the objects and C prototypes of the kfuncs the BPF runtime implements
 * itself (bpf_cpumask_*, bpf_task_*, bpf_cgroup_*, bpf_iter_num_*, bpf_rcu_*, and the bstr
 * error/exit kfuncs of sched_ext). The scx_bpf_* kfuncs are declared in scxsim/scx.h.
 *
 * Why a header of its own: it is compiled twice — by the host compiler into the runtime, and
 * by clang -target bpf into the target BTF (src/btfgen/kernel_types.c) — so the prototypes a
 * scheduler's kfunc declarations are checked against are exactly the C functions that run.
 * It must therefore stay free of host-only headers: types.h and cpumask.h only.
 */
#ifndef SCXSIM_KFUNC_TYPES_H
#define SCXSIM_KFUNC_TYPES_H

#include "scxsim/cpumask.h"

struct task_struct;
struct cgroup;

/* A cpumask a scheduler owns (kernel: struct bpf_cpumask). BPF reads it as a struct cpumask
 * (first member); it changes only through the bpf_cpumask_* kfuncs. */
struct bpf_cpumask {
	struct cpumask cpumask;  /* must stay first: BPF casts to const struct cpumask * */
	int usage;               /* references held; freed at 0 */
};

/* Open-coded numeric iterator state (kernel: struct bpf_iter_num, 8 bytes on the BPF stack):
 * the next value to return and the end, as two ints. */
struct bpf_iter_num {
	unsigned long long __opaque[1];
};

/* sched_ext error/exit with a bpf_bprintf-style format and a u64 argument array */
void scx_bpf_error_bstr(char *fmt, unsigned long long *data, u32 data__sz);
void scx_bpf_exit_bstr(s64 exit_code, char *fmt, unsigned long long *data, u32 data__sz);
/* a line (or part of one) of the dump, from ops.dump/dump_cpu/dump_task */
void scx_bpf_dump_bstr(char *fmt, unsigned long long *data, u32 data__sz);

/* tasks and cgroups */
struct task_struct *bpf_task_from_pid(s32 pid);
struct task_struct *bpf_task_acquire(struct task_struct *p);
void bpf_task_release(struct task_struct *p);
struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp);
void bpf_cgroup_release(struct cgroup *cgrp);
struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level);
struct cgroup *bpf_cgroup_from_id(u64 cgid);

/* RCU (no-ops: the simulator is single-threaded) */
void bpf_rcu_read_lock(void);
void bpf_rcu_read_unlock(void);

/* numeric iterator (bpf_for, bpf_repeat) */
int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end);
int *bpf_iter_num_next(struct bpf_iter_num *it);
void bpf_iter_num_destroy(struct bpf_iter_num *it);

/* cpumasks */
struct bpf_cpumask *bpf_cpumask_create(void);
struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask);
void bpf_cpumask_release(struct bpf_cpumask *cpumask);
u32 bpf_cpumask_first(const struct cpumask *cpumask);
u32 bpf_cpumask_first_zero(const struct cpumask *cpumask);
u32 bpf_cpumask_first_and(const struct cpumask *src1, const struct cpumask *src2);
void bpf_cpumask_set_cpu(u32 cpu, struct bpf_cpumask *cpumask);
void bpf_cpumask_clear_cpu(u32 cpu, struct bpf_cpumask *cpumask);
bool bpf_cpumask_test_cpu(u32 cpu, const struct cpumask *cpumask);
bool bpf_cpumask_test_and_set_cpu(u32 cpu, struct bpf_cpumask *cpumask);
bool bpf_cpumask_test_and_clear_cpu(u32 cpu, struct bpf_cpumask *cpumask);
void bpf_cpumask_setall(struct bpf_cpumask *cpumask);
void bpf_cpumask_clear(struct bpf_cpumask *cpumask);
bool bpf_cpumask_and(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2);
void bpf_cpumask_or(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2);
void bpf_cpumask_xor(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2);
bool bpf_cpumask_equal(const struct cpumask *src1, const struct cpumask *src2);
bool bpf_cpumask_intersects(const struct cpumask *src1, const struct cpumask *src2);
bool bpf_cpumask_subset(const struct cpumask *src1, const struct cpumask *src2);
bool bpf_cpumask_empty(const struct cpumask *cpumask);
bool bpf_cpumask_full(const struct cpumask *cpumask);
void bpf_cpumask_copy(struct bpf_cpumask *dst, const struct cpumask *src);
u32 bpf_cpumask_any_distribute(const struct cpumask *cpumask);
u32 bpf_cpumask_any_and_distribute(const struct cpumask *src1, const struct cpumask *src2);
u32 bpf_cpumask_weight(const struct cpumask *cpumask);

/* Graph objects (kernel: include/uapi/linux/bpf.h): opaque bytes inside BPF memory (map
 * values, globals, objects from bpf_obj_new_impl). scxsim keeps the links in its own tables
 * (src/kfunc/graph.c); the sizes and alignment are the kernel's. */
#define SCXSIM_KFUNC_GRAPH 1
struct bpf_list_head {
	unsigned long long __opaque[2];
} __attribute__((aligned(8)));
struct bpf_list_node {
	unsigned long long __opaque[3];
} __attribute__((aligned(8)));
struct bpf_rb_root {
	unsigned long long __opaque[2];
} __attribute__((aligned(8)));
struct bpf_rb_node {
	unsigned long long __opaque[4];
} __attribute__((aligned(8)));

/* objects, lists, rbtrees (graph.c) */
void *bpf_obj_new_impl(u64 local_type_id, void *meta);
void bpf_obj_drop_impl(void *kptr, void *meta);
int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node, void *meta, u64 off);
int bpf_list_push_back_impl(struct bpf_list_head *head, struct bpf_list_node *node, void *meta, u64 off);
struct bpf_list_node *bpf_list_pop_front(struct bpf_list_head *head);
struct bpf_list_node *bpf_list_pop_back(struct bpf_list_head *head);
int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			bool (*less)(struct bpf_rb_node *a, const struct bpf_rb_node *b), void *meta, u64 off);
struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root);
struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root, struct bpf_rb_node *node);

#endif
