/*
 * scx/compat.bpf.h — helpers for schedulers that must run on several kernel versions, with
 * upstream's names: __COMPAT_* wrappers that test whether a kfunc or an enumerator exists at
 * run time, and SCX_OPS_DEFINE. In scxsim both the v3 kfunc names (scx_bpf_dispatch,
 * scx_bpf_consume, ...) and the current ones are real kfuncs, so the old names need no
 * redirection here: they are declared in scx/common.bpf.h.
 */
#ifndef __SCX_COMPAT_BPF_H
#define __SCX_COMPAT_BPF_H

/* The value of enumerator __ent of __type in the running kernel, 0 if it has none. */
#define __COMPAT_ENUM_OR_ZERO(__type, __ent) ({                                              \
	__type __ret = 0;                                                                    \
	if (bpf_core_enum_value_exists(__type, __ent))                                       \
		__ret = __ent;                                                               \
	__ret;                                                                               \
})

#define __COMPAT_scx_bpf_task_cgroup(p) \
	(bpf_ksym_exists(scx_bpf_task_cgroup) ? scx_bpf_task_cgroup((p)) : NULL)

#define __COMPAT_scx_bpf_cpu_node(cpu) \
	(bpf_ksym_exists(scx_bpf_cpu_node) ? scx_bpf_cpu_node(cpu) : 0)
#define __COMPAT_scx_bpf_get_idle_cpumask_node(node) \
	(bpf_ksym_exists(scx_bpf_get_idle_cpumask_node) ? \
	 scx_bpf_get_idle_cpumask_node(node) : scx_bpf_get_idle_cpumask())
#define __COMPAT_scx_bpf_get_idle_smtmask_node(node) \
	(bpf_ksym_exists(scx_bpf_get_idle_smtmask_node) ? \
	 scx_bpf_get_idle_smtmask_node(node) : scx_bpf_get_idle_smtmask())
#define __COMPAT_scx_bpf_pick_idle_cpu_node(cpus_allowed, node, flags) \
	(bpf_ksym_exists(scx_bpf_pick_idle_cpu_node) ? \
	 scx_bpf_pick_idle_cpu_node(cpus_allowed, node, flags) : \
	 scx_bpf_pick_idle_cpu(cpus_allowed, flags))
#define __COMPAT_scx_bpf_pick_any_cpu_node(cpus_allowed, node, flags) \
	(bpf_ksym_exists(scx_bpf_pick_any_cpu_node) ? \
	 scx_bpf_pick_any_cpu_node(cpus_allowed, node, flags) : \
	 scx_bpf_pick_any_cpu(cpus_allowed, flags))

/* v6.15: event counters; nothing happens on a kernel without scx_bpf_events() */
#define __COMPAT_scx_bpf_events(events, size) \
	(bpf_ksym_exists(scx_bpf_events) ? scx_bpf_events(events, size) : ({}))

#define __COMPAT_scx_bpf_nr_node_ids() \
	(bpf_ksym_exists(scx_bpf_nr_node_ids) ? scx_bpf_nr_node_ids() : 1U)

/* 6.19: the first task of a user DSQ without taking it; before, the DSQ iterator's first. */
static inline struct task_struct *__COMPAT_scx_bpf_dsq_peek(u64 dsq_id)
{
	struct task_struct *p = NULL;
	struct bpf_iter_scx_dsq it;

	if (bpf_ksym_exists(scx_bpf_dsq_peek))
		return scx_bpf_dsq_peek(dsq_id);
	if (!bpf_iter_scx_dsq_new(&it, dsq_id, 0))
		p = bpf_iter_scx_dsq_next(&it);
	bpf_iter_scx_dsq_destroy(&it);
	return p;
}

/* SCX_ENQ_CPU_SELECTED exists in scxsim: true when select_cpu ran for this enqueue. */
static inline bool __COMPAT_is_enq_cpu_selected(u64 enq_flags)
{
	return enq_flags & SCX_ENQ_CPU_SELECTED;
}

/* The ops table, in the section libbpf attaches with a link. */
#define SCX_OPS_DEFINE(__name, ...)                                                          \
	SEC(".struct_ops.link")                                                              \
	struct sched_ext_ops __name = {                                                      \
		__VA_ARGS__,                                                                 \
	};

#endif /* __SCX_COMPAT_BPF_H */
