/*
 * kernel_types.c — compiled ONLY by clang -g -target bpf (never into the host library; the
 * Makefile excludes src/btfgen) to produce the target BTF that CO-RE relocates schedulers
 * against: scxsim's real kernel structs (task_struct, sched_ext_entity, cgroup, cpumask,
 * scx_exit_info, the ops argument structs, sched_ext_ops) and the prototype of every kfunc the
 * runtime implements. The .BTF section of the object is extracted at build time and embedded
 * in the runtime (generated kernel_btf.c, symbol scxsim_kernel_btf).
 *
 * Invariant: the types come from the same headers the host compiler builds the simulator
 * from; tests/unit/test_bpf_sched.c checks that every BTF member offset schedulers use equals
 * the host's offsetof(), and that every kfunc of the table has a FUNC here.
 *
 * Referencing a type through a global pointer, and a function through its address, is what
 * makes clang emit its BTF.
 */
#include "machine/machine_int.h"
#include "kfunc/kfunc_types.h"

struct task_struct *btfgen_task;
struct sched_ext_entity *btfgen_scx_entity;
struct cgroup *btfgen_cgroup;
struct cpumask *btfgen_cpumask;
struct bpf_cpumask *btfgen_bpf_cpumask;
struct bpf_iter_num *btfgen_iter_num;
struct bpf_iter_scx_dsq *btfgen_iter_scx_dsq;
struct scx_exit_info *btfgen_exit_info;
struct scx_init_task_args *btfgen_init_task_args;
struct scx_exit_task_args *btfgen_exit_task_args;
struct scx_enable_args *btfgen_enable_args;
struct scx_cpu_acquire_args *btfgen_cpu_acquire_args;
struct scx_cpu_release_args *btfgen_cpu_release_args;
struct scx_cgroup_init_args *btfgen_cgroup_init_args;
struct scx_dump_ctx *btfgen_dump_ctx;
struct sched_ext_ops *btfgen_ops;
struct rq *btfgen_rq;
struct scx_event_stats *btfgen_event_stats;
enum scx_exit_kind btfgen_exit_kind;
enum scx_cpu_preempt_reason btfgen_preempt_reason;

void *btfgen_kfuncs[] = {
	/* scx_bpf_* (scxsim/scx.h), current and v3 names */
	scx_bpf_create_dsq, scx_bpf_destroy_dsq, scx_bpf_dsq_insert, scx_bpf_dsq_insert_vtime,
	scx_bpf_dsq_move_to_local, scx_bpf_dsq_nr_queued, scx_bpf_dispatch_nr_slots,
	scx_bpf_dispatch_cancel, scx_bpf_kick_cpu, scx_bpf_reenqueue_local,
	scx_bpf_select_cpu_dfl, scx_bpf_pick_idle_cpu, scx_bpf_pick_any_cpu,
	scx_bpf_test_and_clear_cpu_idle, scx_bpf_get_idle_cpumask, scx_bpf_get_idle_smtmask,
	scx_bpf_put_idle_cpumask, scx_bpf_nr_cpu_ids, scx_bpf_get_possible_cpumask,
	scx_bpf_get_online_cpumask, scx_bpf_put_cpumask, scx_bpf_task_cpu, scx_bpf_task_running,
	scx_bpf_task_cgroup, scx_bpf_error_str, scx_bpf_exit_str, scx_bpf_now,
	scx_bpf_dispatch, scx_bpf_dispatch_vtime, scx_bpf_consume,
	scx_bpf_error_bstr, scx_bpf_exit_bstr, scx_bpf_dump_bstr,
	/* 6.12-6.18 (src/scx/kfuncs_more.c) */
	bpf_iter_scx_dsq_new, bpf_iter_scx_dsq_next, bpf_iter_scx_dsq_destroy,
	scx_bpf_dsq_move, scx_bpf_dsq_move_vtime, scx_bpf_dsq_move_set_slice,
	scx_bpf_dsq_move_set_vtime, scx_bpf_dispatch_from_dsq, scx_bpf_dispatch_vtime_from_dsq,
	scx_bpf_dispatch_from_dsq_set_slice, scx_bpf_dispatch_from_dsq_set_vtime,
	scx_bpf_cpuperf_cap, scx_bpf_cpuperf_cur, scx_bpf_cpuperf_set, scx_bpf_cpu_node,
	scx_bpf_get_idle_cpumask_node, scx_bpf_get_idle_smtmask_node,
	scx_bpf_pick_idle_cpu_node, scx_bpf_pick_any_cpu_node, scx_bpf_events,
	/* 6.16-6.19 */
	scx_bpf_select_cpu_and, scx_bpf_dsq_peek, scx_bpf_nr_node_ids,
	/* generic BPF kfuncs (kfunc/kfunc_types.h) */
	bpf_task_from_pid, bpf_task_acquire, bpf_task_release,
	bpf_cgroup_acquire, bpf_cgroup_release, bpf_cgroup_ancestor, bpf_cgroup_from_id,
	bpf_rcu_read_lock, bpf_rcu_read_unlock,
	bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy,
	bpf_cpumask_create, bpf_cpumask_acquire, bpf_cpumask_release, bpf_cpumask_first,
	bpf_cpumask_first_zero, bpf_cpumask_first_and, bpf_cpumask_set_cpu, bpf_cpumask_clear_cpu,
	bpf_cpumask_test_cpu, bpf_cpumask_test_and_set_cpu, bpf_cpumask_test_and_clear_cpu,
	bpf_cpumask_setall, bpf_cpumask_clear, bpf_cpumask_and, bpf_cpumask_or, bpf_cpumask_xor,
	bpf_cpumask_equal, bpf_cpumask_intersects, bpf_cpumask_subset, bpf_cpumask_empty,
	bpf_cpumask_full, bpf_cpumask_copy, bpf_cpumask_any_distribute,
	bpf_cpumask_any_and_distribute, bpf_cpumask_weight,
	/* objects, lists, rbtrees (src/kfunc/graph.c) */
	bpf_obj_new_impl, bpf_obj_drop_impl, bpf_list_push_front_impl, bpf_list_push_back_impl,
	bpf_list_pop_front, bpf_list_pop_back, bpf_rbtree_add_impl, bpf_rbtree_first,
	bpf_rbtree_remove,
};
