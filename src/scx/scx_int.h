/*
 * scx_int.h — the loaded ext scheduler's state (the kernel's struct scx_sched) and the
 * functions the files of src/scx share: dsq.c (dispatch queues), ext.c (the class and the
 * scheduling cycle), kfuncs.c (scx_bpf_*), idle.c (idle tracking, default CPU selection),
 * exit.c (errors, ejection, watchdog, sysrq), dump.c (the state dump and the dump ops),
 * enable.c (load and task lifecycle), cgroup.c (cgroup callbacks: init/exit, moves, weight
 * writes), kick.c (kicks and SCX_KICK_WAIT).
 *
 * Every call into the scheduler goes through SCX_CALL_OP*, which records the op name, its
 * task and CPU (for messages), sets the kfunc context mask (kf_mask) and makes the machine
 * current for the kfuncs. Once the scheduler is exiting no op is called anymore (bypass).
 */
#ifndef SCXSIM_SCX_INT_H
#define SCXSIM_SCX_INT_H

#include "machine/machine_int.h"
#include "scxsim/scx.h"

/* kfunc context masks (kernel: enum scx_kf_mask) */
#define SCX_KF_SLEEPABLE   (1u << 0)   /* init, exit, init_task, cgroup_init, ... */
#define SCX_KF_CPU_RELEASE (1u << 1)
#define SCX_KF_DISPATCH    (1u << 2)
#define SCX_KF_ENQUEUE     (1u << 3)   /* enqueue and select_cpu */
#define SCX_KF_SELECT_CPU  (1u << 4)
#define SCX_KF_REST        (1u << 5)   /* other rq-locked ops */
#define SCX_KF_RQ_LOCKED (SCX_KF_CPU_RELEASE | SCX_KF_DISPATCH | SCX_KF_ENQUEUE | \
			  SCX_KF_SELECT_CPU | SCX_KF_REST)

#define SCX_PICK_IDLE_CORE (1ULL << 0)

struct scx_dsp_buf_ent {
	struct task_struct *task;
	u64 qseq;
	u64 dsq_id;
	u64 enq_flags;
};

/* A dump being written (upstream's struct scx_dump_data): where scx_bpf_dump() text goes. */
struct scx_dump_data {
	struct scx_dump_buf *buf;    /* the dump */
	const char *prefix;          /* indentation of the op's lines: "", "  " or "    " */
	bool first;                  /* no line of this op yet: the first one is preceded by a blank */
	u32 cursor;                  /* bytes in line[] */
	char line[SCX_EXIT_MSG_LEN]; /* the op's current line, not yet in the dump */
};

/* A SysRq-D dump kept for the result. */
struct scx_debug_dump {
	u64 at_ns;
	char *text;                  /* owned */
};

struct scx_sched {
	struct sched_ext_ops ops;
	struct machine *m;
	bool switch_all;             /* !SCX_OPS_SWITCH_PARTIAL */
	bool builtin_idle;           /* built-in idle tracking on */
	bool exiting;                /* exit requested: bypass */
	bool ops_off;                /* no op is called (exiting, outside the disable path) */
	bool disabled;               /* tasks are back on fair */
	u64 timeout_ns;              /* watchdog */
	u32 dsp_max_batch;

	/* exit info (UEI) */
	struct scx_exit_info ei;
	char reason[SCX_EXIT_REASON_LEN];
	char msg[SCX_EXIT_MSG_LEN];
	char *dump;                  /* owned, NUL-terminated */
	u64 exit_at_ns;
	bool dump_pending;           /* an error exit whose dump is not written yet */
	bool loaded;                 /* ops.init and the cgroups succeeded: dump ops are called */
	char exit_by[40];            /* "comm[pid]" current on the CPU that raised the exit */
	char exit_where[192];        /* the op, CPU and task that raised it, for the dump */

	/* dumps */
	struct scx_dump_data *dd;    /* the dump op being run, NULL outside them */
	struct scx_debug_dump *ddumps; /* SysRq-D dumps, in time order */
	int nr_ddumps;
	u64 *sysrq_d_at;             /* pending SysRq-D times, ascending */
	int nr_sysrq_d;

	/* DSQs */
	struct scx_dsq global;
	struct scx_dsq **user;       /* sorted by id */
	int nr_user;
	u64 dsq_seq;                 /* insertion sequence: FIFO tie-break in vtime DSQs */

	/* the op being called */
	u32 kf_mask;
	const char *cur_op;
	struct task_struct *cur_task;  /* task argument of the op, for messages / task_cgroup */
	int cur_cpu;
	struct task_struct *ddsp_task; /* task being enqueued / selected (direct dispatch) */
	bool ddsp_done;

	/* ops.dispatch context */
	struct rq *dsp_rq;
	struct scx_dsp_buf_ent *dsp_buf;
	u32 dsp_cursor;
	u32 dsp_nr_tasks;

	/* idle tracking */
	struct cpumask idle_cpu;     /* idle and not claimed */
	struct cpumask idle_smt;     /* CPUs of fully idle cores */
	struct cpumask online;
	bool idle_per_node;          /* SCX_OPS_BUILTIN_IDLE_PER_NODE: the _node kfuncs, not the global ones */
	bool sel_llc, sel_numa;      /* default CPU selection looks in prev's LLC / node first */
	int dist_prev[SCX_NR_CPUS_MAX]; /* per calling CPU: last pick (cpumask_any_and_distribute) */

	struct sim_event disable_ev;
	struct sim_event watchdog_ev;
	struct sim_event sysrq_ev;
	struct sim_event sysrq_d_ev;
	struct sim_event init_ev;

	/* counters for the result */
	u64 nr_dispatched;           /* tasks inserted into DSQs */
	u64 nr_kicks;
	u64 nr_kick_waits;           /* SCX_KICK_WAIT waits a CPU spun in */
	u64 *kw_seq;                 /* [kicker * nr_cpus + target]: target's pnt_seq at the WAIT
	                              * kick (kick.c), allocated at the first one */
	int nr_kw_spinning;          /* CPUs spinning in a SCX_KICK_WAIT wait */
	u64 nr_enqueued;             /* ops.enqueue calls */
	u64 nr_dispatch_calls;       /* ops.dispatch calls */
	u64 nr_init_task_failed;     /* tasks whose ops.init_task failed: they stay on fair */
	struct scx_event_stats ev;   /* scx_bpf_events() counters (BYPASS_DURATION: see bypass_at) */
	u64 bypass_at;               /* when bypass began (exit path); 0 = not bypassing */
};

extern struct machine *scx_cur_machine;

/* Count one event of scx_bpf_events() (the kernel's __scx_add_event). */
#define scx_add_event(sch, name, n) ((sch)->ev.name += (n))

static inline struct scx_sched *scx_sch(struct machine *m)
{
	return m ? m->scx : NULL;
}

/* Enter/leave an op: saves and restores the calling context (ops nest: dispatch -> dequeue). */
struct scx_op_ctx {
	struct machine *m;
	u32 kf_mask;
	const char *op;
	struct task_struct *task;
	int cpu;
};

static inline void scx_op_enter(struct scx_sched *sch, struct scx_op_ctx *save, u32 mask,
				const char *op, struct task_struct *p, int cpu)
{
	*save = (struct scx_op_ctx){ scx_cur_machine, sch->kf_mask, sch->cur_op, sch->cur_task,
				      sch->cur_cpu };
	scx_cur_machine = sch->m;
	sch->kf_mask |= mask;
	sch->cur_op = op;
	sch->cur_task = p;
	sch->cur_cpu = cpu;
}

static inline void scx_op_leave(struct scx_sched *sch, const struct scx_op_ctx *save)
{
	scx_cur_machine = save->m;
	sch->kf_mask = save->kf_mask;
	sch->cur_op = save->op;
	sch->cur_task = save->task;
	sch->cur_cpu = save->cpu;
}

/* Call ops.OP(args) if present and the scheduler is not exiting. */
#define SCX_CALL_OP(sch, mask, op, p, cpu, ...)                                   \
	do {                                                                        \
		if ((sch)->ops.op && !(sch)->ops_off) {                             \
			struct scx_op_ctx save_;                                    \
			scx_op_enter((sch), &save_, (mask), "ops." #op "()", (p), (cpu)); \
			(sch)->ops.op(__VA_ARGS__);                                 \
			scx_op_leave((sch), &save_);                                \
		}                                                                   \
	} while (0)

#define SCX_CALL_OP_RET(sch, mask, op, p, cpu, ret, ...)                           \
	do {                                                                        \
		if ((sch)->ops.op && !(sch)->ops_off) {                             \
			struct scx_op_ctx save_;                                    \
			scx_op_enter((sch), &save_, (mask), "ops." #op "()", (p), (cpu)); \
			(ret) = (sch)->ops.op(__VA_ARGS__);                         \
			scx_op_leave((sch), &save_);                                \
		}                                                                   \
	} while (0)

/* exit.c */
bool scx_exit(struct scx_sched *sch, enum scx_exit_kind kind, s64 code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define scx_error(sch, ...) scx_exit((sch), SCX_EXIT_ERROR, 0, __VA_ARGS__)
void scx_watchdog_start(struct scx_sched *sch);
void scx_disable_now(struct scx_sched *sch);
const char *scx_exit_reason(enum scx_exit_kind kind);

/* dump.c */
void scx_dump_exit_context(struct scx_sched *sch);  /* at scx_exit: who raised it, where */
void scx_dump_error(struct scx_sched *sch);         /* the pending error dump, if any */
void scx_dump_note_error(struct scx_sched *sch, const char *msg); /* an error during a dump op */
void scx_dump_init(struct scx_sched *sch);
void scx_dump_free(struct scx_sched *sch);

/* dsq.c */
void dsq_init(struct scx_dsq *dsq, u64 id, int cpu);
struct scx_dsq *dsq_find_user(struct scx_sched *sch, u64 id);
int dsq_create_user(struct scx_sched *sch, u64 id);
void dsq_destroy_user(struct scx_sched *sch, u64 id);
void dsq_insert(struct scx_sched *sch, struct scx_dsq *dsq, struct task_struct *p, u64 enq_flags);
void dsq_remove(struct scx_dsq *dsq, struct task_struct *p);
struct task_struct *dsq_first(const struct scx_dsq *dsq);
struct task_struct *dsq_next(const struct scx_dsq *dsq, struct task_struct *p);
void dsq_free_all(struct scx_sched *sch);

/* ext.c */
void scx_dispatch_enqueue(struct scx_sched *sch, struct scx_dsq *dsq, struct task_struct *p,
			  u64 enq_flags);
void scx_dispatch_to_dsq_id(struct scx_sched *sch, struct rq *rq, struct task_struct *p,
			    u64 dsq_id, u64 enq_flags);
void scx_do_enqueue(struct scx_sched *sch, struct rq *rq, struct task_struct *p, u64 enq_flags);
bool scx_consume_dsq(struct scx_sched *sch, struct rq *rq, struct scx_dsq *dsq);
void scx_flush_dispatch(struct scx_sched *sch, struct rq *rq);
bool scx_cpu_valid(struct scx_sched *sch, s64 cpu, const char *where);
void update_curr_scx(struct rq *rq);

/* kick.c */
void scx_kick(struct scx_sched *sch, int cpu, u64 flags);
void scx_kw_advance(struct rq *rq);
void scx_kw_pick_starts(struct rq *rq);
void scx_kw_offline(struct scx_sched *sch, struct rq *rq);
void scx_kw_release_all(struct scx_sched *sch);
void scx_kw_rq_init(struct rq *rq);

/* idle.c */
void scx_idle_reset(struct scx_sched *sch);
void scx_idle_topology(struct scx_sched *sch);  /* sel_llc / sel_numa from the online CPUs */
/* an idle CPU of allowed, claimed: from node (-1: the whole machine) then, unless
 * SCX_PICK_IDLE_IN_NODE, the other nodes in index order; -EBUSY if none */
s32 scx_pick_idle_cpu_node(struct scx_sched *sch, const struct cpumask *allowed, int node, u64 flags);
/* cpumask_any_and_distribute: the CPU of a & b after the calling CPU's previous pick, or -1 */
int scx_any_and_distribute(struct scx_sched *sch, const struct cpumask *a, const struct cpumask *b);
bool scx_test_and_clear_cpu_idle(struct scx_sched *sch, int cpu);
s32 scx_pick_idle_cpu(struct scx_sched *sch, const struct cpumask *allowed, u64 flags);
s32 scx_select_cpu_dfl(struct scx_sched *sch, struct task_struct *p, s32 prev_cpu,
		       u64 wake_flags, bool *found);
s32 scx_select_cpu_in(struct scx_sched *sch, struct task_struct *p, s32 prev_cpu,
		      const struct cpumask *allowed, u64 flags);

/* enable.c */
void scx_task_disable_exit(struct scx_sched *sch, struct task_struct *p);
u32 scx_weight_of(const struct task_struct *p);

/* cgroup.c */
int scx_cgroups_init(struct scx_sched *sch, char *err, size_t errlen);
void scx_cgroups_exit(struct scx_sched *sch);
void scx_kfuncs_more_release(const struct scx_sched *sch);

/* kfuncs.c */
bool scx_kf_allowed(struct scx_sched *sch, u32 mask, const char *kfunc);

#endif
