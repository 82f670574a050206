/*
 * vmlinux.h — the kernel types a sched_ext scheduler sees, for scxsim. Written by hand from
 * scxsim's real declarations (src/machine/machine_int.h, include/scxsim/scx.h,
 * src/kfunc/kfunc_types.h), with the kernel's names.
 *
 * Every struct is __attribute__((preserve_access_index)): each field access is a CO-RE
 * relocation resolved at load against the target BTF generated from those same declarations
 * (src/btfgen), so a layout difference here can never read the wrong bytes — a field that
 * does not exist in scxsim poisons the instruction (see docs/loader.md). Only the members
 * schedulers use are listed; their order does not matter.
 *
 * Also: the fixed-width typedefs, the BPF map types and flags of include/uapi/linux/bpf.h,
 * and the sched_ext constants as enums with their upstream names (values = scxsim/scx.h).
 */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __s8 s8;
typedef __u8 u8;
typedef __s16 s16;
typedef __u16 u16;
typedef __s32 s32;
typedef __u32 u32;
typedef __s64 s64;
typedef __u64 u64;
typedef __u16 __le16;
typedef __u16 __be16;
typedef __u32 __le32;
typedef __u32 __be32;
typedef __u64 __le64;
typedef __u64 __be64;
typedef __u32 __wsum;
typedef _Bool bool;
enum { false = 0, true = 1 };
typedef unsigned long size_t;
typedef long ssize_t;
typedef int pid_t;
typedef unsigned int uint;
typedef unsigned long ulong;
typedef unsigned long uintptr_t;

/* ---- CPU masks ----------------------------------------------------------------------------- */

struct cpumask {
	unsigned long long bits[16];          /* SCX_NR_CPUS_MAX (1024) bits */
};
typedef struct cpumask cpumask_t;

struct bpf_cpumask {
	cpumask_t cpumask;
	int usage;
};

/* ---- tasks ----------------------------------------------------------------------------------- */

struct scx_dsq;

struct sched_ext_entity {
	struct scx_dsq *dsq;
	u32 flags;
	u32 weight;
	s32 sticky_cpu;
	s32 holding_cpu;
	u64 slice;          /* writable by BPF */
	u64 dsq_vtime;      /* writable by BPF */
	bool disallow;      /* writable by BPF (ops.init_task) */
};

struct sched_entity {
	u64 vruntime;
	u64 deadline;
	u64 slice;
	u64 sum_exec_runtime;
	u64 weight;
};

struct kernfs_node {
	u64 id;
};

struct cgroup {
	char path[64];
	u32 cpu_weight;
	u64 shares;
	struct cgroup *parent;
	int level;
	struct kernfs_node *kn;
	struct cgroup *ancestors[33];
	int id;
	u64 nr_tasks;
};

struct task_struct {
	int pid;
	int tgid;
	char comm[16];
	bool on_rq;
	bool on_cpu;
	int cpu;
	int policy;
	int nice;
	int rt_prio;
	struct cpumask cpus_mask;
	const struct cpumask *cpus_ptr;
	int nr_cpus_allowed;
	unsigned int flags;
	unsigned short migration_disabled;
	int prio;
	int static_prio;
	int normal_prio;
	struct cgroup *tg;
	struct sched_entity se;
	struct sched_ext_entity scx;
	int last_ran_cpu;
};

/* 6.15+ event counters (scx_bpf_events); SCX_EV_ENQ_SLICE_DFL is 6.15's name of
 * SCX_EV_REFILL_SLICE_DFL, so both are here (read them with scx_read_event()). */
struct scx_event_stats {
	s64 SCX_EV_SELECT_CPU_FALLBACK;
	s64 SCX_EV_DISPATCH_LOCAL_DSQ_OFFLINE;
	s64 SCX_EV_DISPATCH_KEEP_LAST;
	s64 SCX_EV_ENQ_SKIP_EXITING;
	s64 SCX_EV_ENQ_SKIP_MIGRATION_DISABLED;
	union {
		s64 SCX_EV_REFILL_SLICE_DFL;
		s64 SCX_EV_ENQ_SLICE_DFL;
	};
	s64 SCX_EV_BYPASS_DURATION;
	s64 SCX_EV_BYPASS_DISPATCH;
	s64 SCX_EV_BYPASS_ACTIVATE;
};

struct rq {
	int cpu;
	struct task_struct *curr;
	u32 nr_running;
	bool online;
};

/* ---- sched_ext ------------------------------------------------------------------------------- */

enum scx_consts {
	SCX_OPS_NAME_LEN = 128,
	SCX_DSP_DFL_MAX_BATCH = 32,
	SCX_DSP_MAX_LOOPS = 32,
	SCX_WATCHDOG_MAX_TIMEOUT = 30000,
	SCX_EXIT_BT_LEN = 64,
	SCX_EXIT_MSG_LEN = 1024,
	SCX_EXIT_DUMP_DFL_LEN = 32768,
	SCX_CPUPERF_ONE = 1024,
};

enum scx_public_consts {
	SCX_SLICE_DFL = 20ULL * 1000 * 1000,
	SCX_SLICE_INF = 0xffffffffffffffffULL,
};

enum scx_dsq_id_flags {
	SCX_DSQ_FLAG_BUILTIN = 1ULL << 63,
	SCX_DSQ_FLAG_LOCAL_ON = 1ULL << 62,
	SCX_DSQ_INVALID = (1ULL << 63) | 0,
	SCX_DSQ_GLOBAL = (1ULL << 63) | 1,
	SCX_DSQ_LOCAL = (1ULL << 63) | 2,
	SCX_DSQ_LOCAL_ON = (1ULL << 63) | (1ULL << 62),
	SCX_DSQ_LOCAL_CPU_MASK = 0xffffffffULL,
};

enum scx_enq_flags {
	SCX_ENQ_WAKEUP = 1ULL << 0,
	SCX_ENQ_HEAD = 1ULL << 4,
	SCX_ENQ_CPU_SELECTED = 1ULL << 10,
	SCX_ENQ_PREEMPT = 1ULL << 32,
	SCX_ENQ_REENQ = 1ULL << 40,
	SCX_ENQ_LAST = 1ULL << 41,
	SCX_ENQ_CLEAR_OPSS = 1ULL << 56,
	SCX_ENQ_DSQ_PRIQ = 1ULL << 57,
};
#define HAVE_SCX_ENQ_CPU_SELECTED

enum scx_deq_flags {
	SCX_DEQ_SLEEP = 1ULL << 0,
	SCX_DEQ_CORE_SCHED_EXEC = 1ULL << 32,
};

enum scx_wake_flags {
	SCX_WAKE_FORK = 0x04,
	SCX_WAKE_TTWU = 0x08,
	SCX_WAKE_SYNC = 0x10,
};

enum scx_kick_flags {
	SCX_KICK_IDLE = 1ULL << 0,
	SCX_KICK_PREEMPT = 1ULL << 1,
	SCX_KICK_WAIT = 1ULL << 2,
};

enum scx_pick_idle_cpu_flags {
	SCX_PICK_IDLE_CORE = 1ULL << 0,
};

enum scx_ops_flags {
	SCX_OPS_KEEP_BUILTIN_IDLE = 1ULL << 0,
	SCX_OPS_ENQ_LAST = 1ULL << 1,
	SCX_OPS_ENQ_EXITING = 1ULL << 2,
	SCX_OPS_SWITCH_PARTIAL = 1ULL << 3,
	SCX_OPS_ENQ_MIGRATION_DISABLED = 1ULL << 4,
	SCX_OPS_ALLOW_QUEUED_WAKEUP = 1ULL << 5,
	SCX_OPS_BUILTIN_IDLE_PER_NODE = 1ULL << 6,
	SCX_OPS_HAS_CGROUP_WEIGHT = 1ULL << 16,
};

enum scx_ent_flags {
	SCX_TASK_QUEUED = 1 << 0,
};

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

/* scx_exit_info.exit_code bits the kernel sets when it unregisters a scheduler itself
 * (SCX_EXIT_UNREG_KERN, e.g. a CPU hotplug the scheduler has no ops.cpu_on/offline for); a
 * scheduler may use them in scx_bpf_exit() too. The low 32 bits are free for the scheduler. */
enum scx_exit_code {
	SCX_ECODE_RSN_HOTPLUG = 1ULL << 32,
	SCX_ECODE_ACT_RESTART = 1ULL << 48,
};

enum scx_cpu_preempt_reason {
	SCX_CPU_PREEMPT_RT,
	SCX_CPU_PREEMPT_DL,
	SCX_CPU_PREEMPT_STOP,
	SCX_CPU_PREEMPT_UNKNOWN,
};

struct scx_exit_info {
	enum scx_exit_kind kind;
	s64 exit_code;
	const char *reason;
	char *msg;
	char *dump;
};

struct scx_init_task_args {
	bool fork;
	struct cgroup *cgroup;
};

struct scx_exit_task_args {
	bool cancelled;
};

struct scx_enable_args {
	struct cgroup *cgroup;
};

struct scx_cpu_acquire_args {
	int unused;
};

struct scx_cpu_release_args {
	enum scx_cpu_preempt_reason reason;
	struct task_struct *task;
};

struct scx_cgroup_init_args {
	u32 weight;
	u64 bw_period_us;
	u64 bw_quota_us;
	u64 bw_burst_us;
};

struct scx_dump_ctx {
	enum scx_exit_kind kind;
	s64 exit_code;
	const char *reason;
	u64 at_ns;
	u64 at_jiffies;
};

/* The ops table as the loader reads it from .struct_ops(.link): member names are what
 * matter (programs are bound by member name, data members read by name). */
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
	void (*dump)(struct scx_dump_ctx *ctx);
	void (*dump_cpu)(struct scx_dump_ctx *ctx, s32 cpu, bool idle);
	void (*dump_task)(struct scx_dump_ctx *ctx, struct task_struct *p);
	/* upstream ops scxsim accepts but never calls (no cpu.max / cpu.idle) */
	void (*cgroup_set_bandwidth)(struct cgroup *cgrp, u64 period_us, u64 quota_us, u64 burst_us);
	void (*cgroup_set_idle)(struct cgroup *cgrp, bool idle);
	/* v3 (the seed patchset) names */
	void (*consume)(s32 cpu);
	s32 (*prep_enable)(struct task_struct *p, struct scx_enable_args *args);
	void (*cancel_enable)(struct task_struct *p, struct scx_enable_args *args);
	u32 dispatch_max_batch;
	u64 flags;
	u32 timeout_ms;
	u32 exit_dump_len;
	u64 hotplug_seq;
	char name[128];
};

/* ---- BPF objects ----------------------------------------------------------------------------- */

struct bpf_iter_num {
	u64 __opaque[1];
} __attribute__((aligned(8)));

struct bpf_spin_lock {
	u32 val;
};

/* a BPF timer inside a map value (opaque; the runtime keeps its state) */
struct bpf_timer {
	u64 __opaque[2];
} __attribute__((aligned(8)));

enum {
	BPF_F_TIMER_ABS = 1ULL << 0,     /* bpf_timer_start: nsecs is an absolute time */
	BPF_F_TIMER_CPU_PIN = 1ULL << 1, /* bpf_timer_start: fire on the calling CPU */
};

enum bpf_map_type {
	BPF_MAP_TYPE_UNSPEC = 0,
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PROG_ARRAY = 3,
	BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_STACK_TRACE = 7,
	BPF_MAP_TYPE_CGROUP_ARRAY = 8,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_LRU_PERCPU_HASH = 10,
	BPF_MAP_TYPE_LPM_TRIE = 11,
	BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPF_MAP_TYPE_HASH_OF_MAPS = 13,
	BPF_MAP_TYPE_QUEUE = 22,
	BPF_MAP_TYPE_STACK = 23,
	BPF_MAP_TYPE_STRUCT_OPS = 26,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_INODE_STORAGE = 28,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
	BPF_MAP_TYPE_BLOOM_FILTER = 30,
	BPF_MAP_TYPE_USER_RINGBUF = 31,
	BPF_MAP_TYPE_CGRP_STORAGE = 32,
	BPF_MAP_TYPE_ARENA = 33,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
	BPF_F_LOCK = 4,
};

enum {
	BPF_F_NO_PREALLOC = 1U << 0,
	BPF_F_NO_COMMON_LRU = 1U << 1,
	BPF_F_NUMA_NODE = 1U << 2,
	BPF_F_RDONLY = 1U << 3,
	BPF_F_WRONLY = 1U << 4,
	BPF_F_STACK_BUILD_ID = 1U << 5,
	BPF_F_ZERO_SEED = 1U << 6,
	BPF_F_RDONLY_PROG = 1U << 7,
	BPF_F_WRONLY_PROG = 1U << 8,
	BPF_F_CLONE = 1U << 9,
	BPF_F_MMAPABLE = 1U << 10,
};

enum {
	BPF_RB_NO_WAKEUP = 1ULL << 0,
	BPF_RB_FORCE_WAKEUP = 1ULL << 1,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
	BPF_RB_RING_SIZE = 1,
	BPF_RB_CONS_POS = 2,
	BPF_RB_PROD_POS = 3,
};

enum {
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1ULL << 0,
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
