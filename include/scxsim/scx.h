/*
 * scx.h — the extensible scheduler class (sched_ext) as seen by a scheduler: the ops table
 * (struct sched_ext_ops, with both the v3 and the current upstream callback names), the
 * constants (DSQ ids, enqueue/dequeue/kick/ops flags, exit kinds), and the scx_bpf_* kfuncs.
 *
 * A scheduler is an ops table: C test doubles fill it with C functions; the BPF runtime fills
 * it with trampolines into BPF programs. The machine never knows which. Semantics follow
 * Linux's kernel/sched/ext.c (6.12-6.18) and Documentation/scheduler/sched-ext.rst; every value
 * a scheduler returns or passes to a kfunc is validated, and a bad one ejects the scheduler
 * (exit kind ERROR) with a message naming the op, the task and the CPU.
 *
 * kfuncs act on the machine whose callback is running (scx_current_machine); calling one from
 * a callback that may not call it ejects the scheduler, as the kernel's kf_mask does.
 */
#ifndef SCXSIM_SCX_H
#define SCXSIM_SCX_H

#include "scxsim/cpumask.h"

struct task_struct;
struct cgroup;
struct machine;

#define SCX_OPS_NAME_LEN 128
#define SCX_SLICE_DFL (20ULL * 1000 * 1000)   /* 20 ms */
#define SCX_SLICE_INF (~0ULL)                  /* infinite: the CPU goes tickless */
#define SCX_EXIT_MSG_LEN 1024
#define SCX_EXIT_REASON_LEN 128
#define SCX_EXIT_DUMP_DFL_LEN 32768            /* exit_dump_len 0 = this (upstream's default) */
#define SCX_DSP_DFL_MAX_BATCH 32
/* scxsim's bound on ops.dispatch_max_batch (the buffer is allocated at attach). The kernel has
 * no explicit one: its per-CPU allocation of a huge buffer fails the load with -ENOMEM. */
#define SCX_DSP_MAX_BATCH_LIMIT (1U << 20)
#define SCX_DSP_MAX_LOOPS 32
#define SCX_WATCHDOG_MAX_TIMEOUT_MS 30000

/* DSQ ids */
#define SCX_DSQ_FLAG_BUILTIN  (1ULL << 63)
#define SCX_DSQ_FLAG_LOCAL_ON (1ULL << 62)
#define SCX_DSQ_INVALID       (SCX_DSQ_FLAG_BUILTIN | 0)
#define SCX_DSQ_GLOBAL        (SCX_DSQ_FLAG_BUILTIN | 1)
#define SCX_DSQ_LOCAL         (SCX_DSQ_FLAG_BUILTIN | 2)
#define SCX_DSQ_LOCAL_ON      (SCX_DSQ_FLAG_BUILTIN | SCX_DSQ_FLAG_LOCAL_ON)
#define SCX_DSQ_LOCAL_CPU_MASK 0xffffffffULL

/* enqueue flags */
#define SCX_ENQ_WAKEUP       (1ULL << 0)
#define SCX_ENQ_HEAD         (1ULL << 4)
#define SCX_ENQ_CPU_SELECTED (1ULL << 10)
#define SCX_ENQ_PREEMPT      (1ULL << 32)
#define SCX_ENQ_REENQ        (1ULL << 40)
#define SCX_ENQ_LAST         (1ULL << 41)
#define SCX_ENQ_CLEAR_OPSS   (1ULL << 56)
#define SCX_ENQ_DSQ_PRIQ     (1ULL << 57)
/* flags a scheduler may pass to insert/dispatch kfuncs */
#define SCX_ENQ_USER_MASK (SCX_ENQ_WAKEUP | SCX_ENQ_HEAD | SCX_ENQ_CPU_SELECTED | \
			   SCX_ENQ_PREEMPT | SCX_ENQ_REENQ | SCX_ENQ_LAST)

/* dequeue flags */
#define SCX_DEQ_SLEEP           (1ULL << 0)
#define SCX_DEQ_CORE_SCHED_EXEC (1ULL << 32)

/* wake flags passed to select_cpu */
#define SCX_WAKE_FORK 0x04
#define SCX_WAKE_TTWU 0x08
#define SCX_WAKE_SYNC 0x10

/* kick flags */
#define SCX_KICK_IDLE    (1ULL << 0)
#define SCX_KICK_PREEMPT (1ULL << 1)
#define SCX_KICK_WAIT    (1ULL << 2)

/* ops flags */
#define SCX_OPS_KEEP_BUILTIN_IDLE (1ULL << 0)
#define SCX_OPS_ENQ_LAST          (1ULL << 1)
#define SCX_OPS_ENQ_EXITING       (1ULL << 2)
#define SCX_OPS_SWITCH_PARTIAL    (1ULL << 3)
#define SCX_OPS_ENQ_MIGRATION_DISABLED (1ULL << 4)
#define SCX_OPS_ALLOW_QUEUED_WAKEUP (1ULL << 5)
#define SCX_OPS_BUILTIN_IDLE_PER_NODE (1ULL << 6)
#define SCX_OPS_HAS_CGROUP_WEIGHT (1ULL << 16)
#define SCX_OPS_ALL_FLAGS (SCX_OPS_KEEP_BUILTIN_IDLE | SCX_OPS_ENQ_LAST | SCX_OPS_ENQ_EXITING | \
			   SCX_OPS_SWITCH_PARTIAL | SCX_OPS_ENQ_MIGRATION_DISABLED | \
			   SCX_OPS_ALLOW_QUEUED_WAKEUP | SCX_OPS_BUILTIN_IDLE_PER_NODE | \
			   SCX_OPS_HAS_CGROUP_WEIGHT)

/* exit codes (scx_bpf_exit / kernel-initiated exits) */
#define SCX_ECODE_RSN_HOTPLUG (1ULL << 32)
#define SCX_ECODE_ACT_RESTART (1ULL << 48)

/* task->scx.flags */
#define SCX_TASK_QUEUED (1u << 0)

enum scx_exit_kind {
	SCX_EXIT_NONE,
	SCX_EXIT_DONE,
	SCX_EXIT_UNREG = 64,
	SCX_EXIT_UNREG_BPF,
	SCX_EXIT_UNREG_KERN,
	SCX_EXIT_SYSRQ,
	SCX_EXIT_ERROR = 1024,
	SCX_EXIT_ERROR_BPF,
	SCX_EXIT_ERROR_STALL,
};

enum scx_cpu_preempt_reason {
	SCX_CPU_PREEMPT_RT,
	SCX_CPU_PREEMPT_DL,
	SCX_CPU_PREEMPT_STOP,
	SCX_CPU_PREEMPT_UNKNOWN,
};

/* What the scheduler's user half reads after an exit (UEI). */
struct scx_exit_info {
	enum scx_exit_kind kind;
	s64 exit_code;
	const char *reason;        /* "error", "stall", "BPF scheduler unregistered", ... */
	char *msg;                 /* SCX_EXIT_MSG_LEN */
	char *dump;                /* state dump at exit (may be empty) */
};

/* What the dump ops are told (upstream's struct scx_dump_ctx): the exit being dumped (kind
 * SCX_EXIT_NONE and reason "SysRq-D" for a debug dump), and when. at_jiffies is simulated
 * time in ticks of the machine's HZ. */
struct scx_dump_ctx {
	enum scx_exit_kind kind;
	s64 exit_code;
	const char *reason;
	u64 at_ns;
	u64 at_jiffies;
};

struct scx_init_task_args {
	bool fork;                 /* called for a new task, not at scheduler load */
	struct cgroup *cgroup;
};

struct scx_exit_task_args {
	bool cancelled;            /* init_task succeeded but the task never got enabled */
};

struct scx_enable_args {          /* v3 prep_enable/enable/cancel_enable */
	struct cgroup *cgroup;
};

struct scx_cpu_acquire_args {
	int unused;
};

struct scx_cpu_release_args {
	enum scx_cpu_preempt_reason reason;
	struct task_struct *task;  /* the task taking the CPU */
};

struct scx_cgroup_init_args {
	u32 weight;
};

/*
 * The ops table. Only `name` is required; every missing callback has a default (see
 * docs/ops.md). Callback argument types follow upstream (s32 cpu, u64 flags).
 */
struct sched_ext_ops {
	s32 (*select_cpu)(struct task_struct *p, s32 prev_cpu, u64 wake_flags);
	void (*enqueue)(struct task_struct *p, u64 enq_flags);
	void (*dequeue)(struct task_struct *p, u64 deq_flags);
	void (*dispatch)(s32 cpu, struct task_struct *prev);
	void (*tick)(struct task_struct *p);
	void (*runnable)(struct task_struct *p, u64 enq_flags);
	void (*running)(struct task_struct *p);
	void (*stopping)(struct task_struct *p, bool runnable);
	void (*quiescent)(struct task_struct *p, u64 deq_flags);
	bool (*yield)(struct task_struct *from, struct task_struct *to);
	bool (*core_sched_before)(struct task_struct *a, struct task_struct *b);
	void (*set_weight)(struct task_struct *p, u32 weight);
	void (*set_cpumask)(struct task_struct *p, const struct cpumask *cpumask);
	void (*update_idle)(s32 cpu, bool idle);
	void (*cpu_acquire)(s32 cpu, struct scx_cpu_acquire_args *args);
	void (*cpu_release)(s32 cpu, struct scx_cpu_release_args *args);
	s32 (*init_task)(struct task_struct *p, struct scx_init_task_args *args);
	void (*exit_task)(struct task_struct *p, struct scx_exit_task_args *args);
	void (*enable)(struct task_struct *p);
	void (*disable)(struct task_struct *p);
	s32 (*cgroup_init)(struct cgroup *cgrp, struct scx_cgroup_init_args *args);
	void (*cgroup_exit)(struct cgroup *cgrp);
	s32 (*cgroup_prep_move)(struct task_struct *p, struct cgroup *from, struct cgroup *to);
	void (*cgroup_move)(struct task_struct *p, struct cgroup *from, struct cgroup *to);
	void (*cgroup_cancel_move)(struct task_struct *p, struct cgroup *from, struct cgroup *to);
	void (*cgroup_set_weight)(struct cgroup *cgrp, u32 weight);
	void (*cpu_online)(s32 cpu);
	void (*cpu_offline)(s32 cpu);
	s32 (*init)(void);
	void (*exit)(struct scx_exit_info *info);
	/* the dump of an error exit or of SysRq-D (src/scx/dump.c): may call scx_bpf_dump() */
	void (*dump)(struct scx_dump_ctx *ctx);
	void (*dump_cpu)(struct scx_dump_ctx *ctx, s32 cpu, bool idle);
	void (*dump_task)(struct scx_dump_ctx *ctx, struct task_struct *p);

	/* v3 names (the seed patchset): used when the upstream ones are absent */
	void (*consume)(s32 cpu);                                          /* v1-v3 */
	s32 (*prep_enable)(struct task_struct *p, struct scx_enable_args *args);
	void (*enable_v3)(struct task_struct *p, struct scx_enable_args *args);
	void (*cancel_enable)(struct task_struct *p, struct scx_enable_args *args);

	u32 dispatch_max_batch;    /* 0 = SCX_DSP_DFL_MAX_BATCH */
	u64 flags;                 /* SCX_OPS_* */
	u32 timeout_ms;            /* watchdog; 0 = 30000, at most 30000 */
	u32 exit_dump_len;         /* bytes of the error dump, NUL included; 0 = 32768 */
	u64 hotplug_seq;
	char name[SCX_OPS_NAME_LEN];
};

/*
 * Load `ops` as the machine's ext scheduler before machine_run. Validates the table (name,
 * flags, timeout) and calls ops.init at time 0 of the run. -EINVAL with a reason in err.
 */
int machine_attach_scx(struct machine *m, const struct sched_ext_ops *ops, char *err, size_t errlen);

/* Simulate SysRq-S at simulated time `at_ns`. */
void machine_sysrq_at(struct machine *m, u64 at_ns);
/* Simulate SysRq-D (debug dump, no exit) at `at_ns`; the dumps are kept in order. */
void machine_sysrq_dump_at(struct machine *m, u64 at_ns);
/* The i-th SysRq-D dump of the run (NULL past the last); *at_ns = when it was taken. */
const char *machine_scx_debug_dump(const struct machine *m, int i, u64 *at_ns);

/* After a run: the scheduler's exit info (kind SCX_EXIT_NONE while still loaded). */
const struct scx_exit_info *machine_scx_exit_info(const struct machine *m);
const char *scx_exit_kind_name(enum scx_exit_kind kind); /* "none", "error_stall", ... */
const char *scx_ops_name(const struct machine *m);       /* "" when none attached */
u64 scx_exit_at_ns(const struct machine *m);

/* ---- kfuncs (current upstream names) ---------------------------------------------------- */
s32 scx_bpf_create_dsq(u64 dsq_id, s32 node);
void scx_bpf_destroy_dsq(u64 dsq_id);
void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags);
void scx_bpf_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags);
bool scx_bpf_dsq_move_to_local(u64 dsq_id);
s32 scx_bpf_dsq_nr_queued(u64 dsq_id);
struct task_struct *scx_bpf_dsq_peek(u64 dsq_id); /* 6.19 */
u32 scx_bpf_dispatch_nr_slots(void);
void scx_bpf_dispatch_cancel(void);
void scx_bpf_kick_cpu(s32 cpu, u64 flags);
u32 scx_bpf_reenqueue_local(void);
s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu, u64 wake_flags, bool *is_idle);
/* 6.16: the default idle-CPU policy within cpus_allowed & p's affinity; the CPU or -errno */
s32 scx_bpf_select_cpu_and(struct task_struct *p, s32 prev_cpu, u64 wake_flags,
			   const struct cpumask *cpus_allowed, u64 flags);
s32 scx_bpf_pick_idle_cpu(const struct cpumask *cpus_allowed, u64 flags);
s32 scx_bpf_pick_any_cpu(const struct cpumask *cpus_allowed, u64 flags);
bool scx_bpf_test_and_clear_cpu_idle(s32 cpu);
const struct cpumask *scx_bpf_get_idle_cpumask(void);
const struct cpumask *scx_bpf_get_idle_smtmask(void);
void scx_bpf_put_idle_cpumask(const struct cpumask *mask);
u32 scx_bpf_nr_cpu_ids(void);
const struct cpumask *scx_bpf_get_possible_cpumask(void);
const struct cpumask *scx_bpf_get_online_cpumask(void);
void scx_bpf_put_cpumask(const struct cpumask *mask);
s32 scx_bpf_task_cpu(const struct task_struct *p);
bool scx_bpf_task_running(const struct task_struct *p);
struct cgroup *scx_bpf_task_cgroup(struct task_struct *p);
void scx_bpf_error_str(const char *msg);     /* scx_bpf_error() with a formatted message */
void scx_bpf_exit_str(s64 code, const char *msg);
/* printf-style versions for C schedulers (BPF ones use the scx_bpf_error() macro) */
void scx_bpf_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void scx_bpf_exit(s64 code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* From ops.dump/dump_cpu/dump_task only: append text to the dump (a line may be built over
 * several calls; a newline ends it). Elsewhere the scheduler is ejected, as upstream. */
void scx_bpf_dump(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void scx_bpf_dump_str(const char *s);
u64 scx_bpf_now(void);

/* v3 names */
void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags);
void scx_bpf_dispatch_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags);
bool scx_bpf_consume(u64 dsq_id);

/* ---- kfuncs of 6.12-6.18 (src/scx/kfuncs_more.c) ---------------------------------------- */
#define SCX_CPUPERF_ONE 1024                  /* full capacity / performance */
#define SCX_DSQ_ITER_REV (1U << 16)           /* bpf_iter_scx_dsq_new: iterate back to front */
#define SCX_PICK_IDLE_IN_NODE (1ULL << 1)     /* *_node picks: stay in the given node */

/* A DSQ iterator as the scheduler holds it (kernel: 6 u64, on the BPF stack). scxsim never
 * reads these bytes: the state is kept by address in kfuncs_more.c. */
struct bpf_iter_scx_dsq {
	unsigned long long __opaque[6];
} __attribute__((aligned(8)));

int bpf_iter_scx_dsq_new(struct bpf_iter_scx_dsq *it, u64 dsq_id, u64 flags);
struct task_struct *bpf_iter_scx_dsq_next(struct bpf_iter_scx_dsq *it);
void bpf_iter_scx_dsq_destroy(struct bpf_iter_scx_dsq *it);
bool scx_bpf_dsq_move(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags);
bool scx_bpf_dsq_move_vtime(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags);
void scx_bpf_dsq_move_set_slice(struct bpf_iter_scx_dsq *it__iter, u64 slice);
void scx_bpf_dsq_move_set_vtime(struct bpf_iter_scx_dsq *it__iter, u64 vtime);
/* 6.12 names of the four above */
bool scx_bpf_dispatch_from_dsq(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags);
bool scx_bpf_dispatch_vtime_from_dsq(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags);
void scx_bpf_dispatch_from_dsq_set_slice(struct bpf_iter_scx_dsq *it__iter, u64 slice);
void scx_bpf_dispatch_from_dsq_set_vtime(struct bpf_iter_scx_dsq *it__iter, u64 vtime);
u32 scx_bpf_cpuperf_cap(s32 cpu);
u32 scx_bpf_cpuperf_cur(s32 cpu);
void scx_bpf_cpuperf_set(s32 cpu, u32 perf);
int scx_bpf_cpu_node(s32 cpu);
u32 scx_bpf_nr_node_ids(void);
const struct cpumask *scx_bpf_get_idle_cpumask_node(int node);
const struct cpumask *scx_bpf_get_idle_smtmask_node(int node);
s32 scx_bpf_pick_idle_cpu_node(const struct cpumask *cpus_allowed, int node, u64 flags);
s32 scx_bpf_pick_any_cpu_node(const struct cpumask *cpus_allowed, int node, u64 flags);
/* Event counters (6.15+: struct scx_event_stats, scx_bpf_events()), in the kernel's order. scxsim
 * counts the ones it can produce truthfully (docs/kfuncs.md): select_cpu fallback, dispatch to an
 * offline local DSQ, keep-last, default-slice refills, bypass activation/dispatch/duration; the
 * others stay 0. SCX_EV_ENQ_SLICE_DFL is 6.15's name of SCX_EV_REFILL_SLICE_DFL (renamed in
 * 6.16): both name the same counter, so schedulers of either version read it with CO-RE. */
struct scx_event_stats {
	s64 SCX_EV_SELECT_CPU_FALLBACK;          /* select_cpu's CPU unusable: the core picked another */
	s64 SCX_EV_DISPATCH_LOCAL_DSQ_OFFLINE;   /* a local-DSQ dispatch bounced to global: CPU offline */
	s64 SCX_EV_DISPATCH_KEEP_LAST;           /* prev kept running: nothing else, no SCX_OPS_ENQ_LAST */
	s64 SCX_EV_ENQ_SKIP_EXITING;             /* always 0: exiting tasks never enqueue in scxsim */
	s64 SCX_EV_ENQ_SKIP_MIGRATION_DISABLED;  /* always 0: scxsim never disables migration */
	union {
		s64 SCX_EV_REFILL_SLICE_DFL;     /* a task's slice refilled with SCX_SLICE_DFL */
		s64 SCX_EV_ENQ_SLICE_DFL;        /* 6.15 name of the same counter */
	};
	s64 SCX_EV_BYPASS_DURATION;              /* ns spent bypassing (exit path), up to now */
	s64 SCX_EV_BYPASS_DISPATCH;              /* tasks enqueued while bypassing */
	s64 SCX_EV_BYPASS_ACTIVATE;              /* times bypass mode was entered */
};
/* Copy the counters into events (min(size, sizeof(struct scx_event_stats)) bytes, as the kernel:
 * a scheduler built against another vmlinux.h may pass a different size). */
void scx_bpf_events(struct scx_event_stats *events, u64 events__sz);

/* The last scx_bpf_cpuperf_set() target of cpu by m's scheduler (SCX_CPUPERF_ONE if none). */
u32 scx_cpuperf_target(const struct machine *m, int cpu);

/* The machine whose scheduler callback is running (NULL outside callbacks). */
struct machine *scx_current_machine(void);

#endif
