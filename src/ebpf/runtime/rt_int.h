/*
 * rt_int.h — internals of the BPF scheduler runtime (include/scxsim/bpf_sched.h), shared by
 * src/ebpf/runtime/ (loading, trampolines, memory regions) and src/kfunc/ (the kfunc and
 * helper tables, which reach the runtime through bpf_vm_user(vm) or rt_cur).
 *
 * Invariants:
 *  - rt_cur is the runtime whose program is running (NULL otherwise); trampolines save and
 *    restore it, so nested ops (an op called from a kfunc) see their own runtime.
 *  - Every region registered in the VM is removed before the memory it covers goes away:
 *    tasks and cgroups stay registered from load to free (the machine allocates its tasks at
 *    creation and never frees a cgroup before itself; cgroups it creates at run time are
 *    registered before the next program runs); per-call regions (ctx array, argument structs, exit info) are removed when the
 *    call returns; bpf_cpumask objects when their last reference is released.
 */
#ifndef SCXSIM_RT_INT_H
#define SCXSIM_RT_INT_H

#include "machine/machine_int.h"
#include "scxsim/bpf_map.h"
#include "scxsim/bpf_obj.h"
#include "scxsim/bpf_sched.h"
#include "scxsim/bpf_vm.h"
#include "scxsim/rng.h"
#include "kfunc/kfunc_types.h"

/* The ops the runtime can bind, in the order of the table in tramp.c. */
enum rt_op {
	RT_OP_SELECT_CPU, RT_OP_ENQUEUE, RT_OP_DEQUEUE, RT_OP_DISPATCH, RT_OP_TICK,
	RT_OP_RUNNABLE, RT_OP_RUNNING, RT_OP_STOPPING, RT_OP_QUIESCENT, RT_OP_YIELD,
	RT_OP_CORE_SCHED_BEFORE, RT_OP_SET_WEIGHT, RT_OP_SET_CPUMASK, RT_OP_UPDATE_IDLE,
	RT_OP_CPU_ACQUIRE, RT_OP_CPU_RELEASE, RT_OP_INIT_TASK, RT_OP_EXIT_TASK, RT_OP_ENABLE,
	RT_OP_DISABLE, RT_OP_CGROUP_INIT, RT_OP_CGROUP_EXIT, RT_OP_CGROUP_PREP_MOVE,
	RT_OP_CGROUP_MOVE, RT_OP_CGROUP_CANCEL_MOVE, RT_OP_CGROUP_SET_WEIGHT, RT_OP_CPU_ONLINE,
	RT_OP_CPU_OFFLINE, RT_OP_INIT, RT_OP_EXIT, RT_OP_CONSUME, RT_OP_PREP_ENABLE,
	RT_OP_ENABLE_V3, RT_OP_CANCEL_ENABLE, RT_OP_DUMP, RT_OP_DUMP_CPU, RT_OP_DUMP_TASK,
	RT_NR_OPS,
};

struct rt_prog {
	struct bpf_prog *prog;       /* the loader's program */
	struct bpf_insn *insns;      /* runnable copy: callback ld_imm64 made plain (see load.c) */
	struct bpf_vm_prog vp;       /* what the VM runs (validated at load) */
};

struct rt_map {
	const struct bpf_map_desc *desc; /* the loader's descriptor */
	struct bpf_map *map;         /* created at load */
	void *value;                 /* internal maps (global data): the section's bytes */
};

struct bpf_sched {
	char name[256];              /* file name as given */
	struct bpf_obj *obj;
	const struct bpf_struct_ops *st; /* the sched_ext_ops variable */
	struct machine *m;           /* set at load */
	struct bpf_vm *vm;
	struct btf *kbtf;            /* scxsim's kernel BTF (CO-RE target, kfunc prototypes) */
	struct rt_map *maps;
	int nr_maps;
	struct rt_prog *progs;       /* one per loader program, same order */
	int nr_progs;
	struct rt_prog *op[RT_NR_OPS]; /* bound programs */
	struct sched_ext_ops *ops;   /* the trampoline table (heap: it is large) */
	bool loaded, attached, print;
	u64 budget;
	char err[BPF_SCHED_ERR_MAX];
	char detail[256];            /* resolver detail appended to the loader's message */
	/* `ops.FIELD=V` knobs: struct_ops data members set as a user half would before load
	 * (index: enum rt_ops_field in tramp.c) */
	u64 ops_set[5];
	bool ops_has[5];

	/* memory the runtime registered */
	struct task_struct **tasks;  /* the machine's tasks sorted by address (validation) */
	int nr_tasks;
	int nr_tgs;                  /* machine.tgs[0..nr_tgs) are registered (read-only) */
	const void **masks;          /* foreign cpumasks registered read-only (kfunc results) */
	int nr_masks, cap_masks;
	struct bpf_cpumask **cms;    /* live bpf_cpumask objects */
	int nr_cms, cap_cms;

	/* bpf_printk */
	char *log;
	size_t log_len, log_cap;

	struct rng rng;              /* bpf_get_prandom_u32, seeded from the machine seed */
	u64 nr_calls;
	u32 distribute;              /* bpf_cpumask_any_distribute rotation */
	struct rt_timers *timers;    /* bpf_timer state (kfunc/timer.c), NULL until one is used */
};

extern struct bpf_sched *rt_cur;

/* the target BTF blob (generated from src/btfgen at build time) */
extern const unsigned char scxsim_kernel_btf[];
extern const size_t scxsim_kernel_btf_len;

/* ---- load.c ------------------------------------------------------------------------------ */
int rt_err(struct bpf_sched *s, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
struct bpf_sched *rt_registry_find(const struct machine *m);

/* ---- tramp.c ----------------------------------------------------------------------------- */
/* Member name of op i in struct sched_ext_ops ("select_cpu", ..., "enable" for both enables). */
const char *rt_op_member(enum rt_op op);
/* Fill s->ops with the trampolines of the bound ops and the data members. */
int rt_build_ops(struct bpf_sched *s);
/* An `ops.FIELD=VALUE` knob (FIELD without the "ops." prefix): 0 or -EINVAL with the message. */
int rt_ops_knob(struct bpf_sched *s, const char *field, const char *value);
/* Run program p with ctx = args (nr of them). Nested calls allowed. 0 or the VM's error. */
int rt_run(struct bpf_sched *s, struct rt_prog *p, const u64 *args, u32 nr, u64 *r0);
/* Run program p from instruction pc with r1..r5 = regs (a callback entry). Nested calls allowed. */
int rt_run_at(struct bpf_sched *s, struct rt_prog *p, u32 pc, const u64 regs[5], u64 *r0);

/* ---- mem.c ------------------------------------------------------------------------------- */
int rt_mem_register_machine(struct bpf_sched *s);  /* tasks and cgroups */
int rt_mem_sync_cgroups(struct bpf_sched *s);      /* cgroups created since: registered */
void rt_mem_release(struct bpf_sched *s);          /* frees bpf_cpumasks (at bpf_sched_free) */
/* A temporary read-only region for the duration of a call: returns true if it was added (and
 * must be removed with bpf_vm_region_remove), false if the memory was already covered. */
bool rt_mem_tmp_add(struct bpf_sched *s, const void *p, size_t len, unsigned flags,
		    const char *name);
/* Is v the address of one of the machine's tasks / cgroups? */
struct task_struct *rt_mem_task(const struct bpf_sched *s, u64 v);
struct cgroup *rt_mem_cgroup(const struct bpf_sched *s, u64 v);
/* Make a kfunc-returned cpumask readable by BPF (registered once, read-only). */
void rt_mem_expose_mask(struct bpf_sched *s, const struct cpumask *mask);
/* bpf_cpumask objects */
struct bpf_cpumask *rt_mem_cpumask_new(struct bpf_sched *s);
bool rt_mem_cpumask_live(const struct bpf_sched *s, const void *p);
void rt_mem_cpumask_put(struct bpf_sched *s, struct bpf_cpumask *cm);
/* ---- kfunc/graph.c: objects from bpf_obj_new_impl, lists and rbtrees --------------------- */
void rt_graph_sync(struct bpf_sched *s);      /* after a top-level callback: free dropped objects */
void rt_graph_release(struct bpf_sched *s);   /* at free, before the VM goes: free everything */
/* a map value going away: drop the nodes of the lists/rbtrees whose head is in it */
void rt_graph_forget(struct bpf_sched *s, const void *ptr, size_t len);
u32 rt_graph_nr_objs(const struct bpf_sched *s); /* live objects */
/* ---- kfunc/timer.c: bpf_timer ------------------------------------------------------------ */
void rt_timer_forget(struct bpf_sched *s, const void *ptr, size_t len); /* a map value goes */
void rt_timer_release(struct bpf_sched *s);   /* at free: cancel and free every timer */
u32 rt_timer_nr_pending(const struct bpf_sched *s);
/* map regions callback (bpf_map_spec.region_fn) */
void rt_mem_map_region(void *ctx, const struct bpf_map *map, void *ptr, size_t len, bool added);

/* ---- kfunc/ ------------------------------------------------------------------------------ */
struct rt_kfunc {
	const char *name;            /* the kfunc's name */
	bpf_vm_fn fn;                /* adapter: checks the arguments, calls the C function */
	void *impl;                  /* the C function (non-NULL: bpf_ksym_exists() sees it) */
	const char *contexts;        /* where it may be called, for docs/kfuncs.md */
};
const struct rt_kfunc *rt_kfunc_table(u32 *nr);
int rt_kfunc_find(const char *name, u32 len);          /* index or -ENOENT */
const struct bpf_vm_func *rt_kfunc_vm_table(u32 *nr);  /* for bpf_vm_set_kfuncs */
const struct bpf_vm_func *rt_helper_vm_table(u32 *nr); /* indexed by helper id */
/* Format a bpf_bprintf-style string: fmt (read from BPF memory) with u64 args. Writes the
 * result into out; returns 0 or -EINVAL/-EFAULT with a reason in out. */
int rt_bstr_format(struct bpf_vm *vm, u64 fmt, u64 fmt_size, const u64 *args, u32 nr,
		   char *out, size_t outlen);
/* Append one printk line to the log (and stderr when print is on). */
void rt_log_append(struct bpf_sched *s, const char *line);

#endif
