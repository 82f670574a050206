/*
 * machine_int.h — the simulated kernel's objects: tasks, per-CPU runqueues, scheduling classes,
 * task groups (cgroups) and the machine. Private to src/machine (and, later, the ext class).
 *
 * Shapes follow kernel/sched: a task has one sched_entity for the fair class and one rt entity;
 * each CPU has an rq with a cfs_rq and an rt_rq; pick_next_task walks the classes in priority
 * order stop > rt > fair > ext > idle. Invariants (checked by invariants.c):
 *   - a CPU runs at most one task (rq->curr), and a running task is rq->curr of exactly one rq;
 *   - a runnable task is queued on exactly one rq (task->on_rq, counted in rq->nr_running);
 *   - a task runs only on a CPU in its affinity mask;
 *   - simulated time never goes backwards.
 */
#ifndef SCXSIM_MACHINE_INT_H
#define SCXSIM_MACHINE_INT_H

#include "scxsim/cpumask.h"
#include "scxsim/hist.h"
#include "scxsim/machine.h"
#include "scxsim/rng.h"
#include "scxsim/scx.h"
#include "scxsim/sim.h"

struct jw;
struct rq;
struct task_struct;
struct cfs_rq;
struct machine;
struct cg_event;

enum task_state {
	TASK_NEW,        /* not started yet (delay) */
	TASK_RUNNABLE,   /* queued or running */
	TASK_BLOCKED,    /* sleeping / waiting on a resource */
	TASK_DEAD,       /* exited */
};

/* Flags for enqueue/dequeue (subset of the kernel's). */
#define ENQUEUE_WAKEUP   0x01
#define ENQUEUE_INITIAL  0x02 /* new task */
#define ENQUEUE_MIGRATED 0x04
#define ENQUEUE_RESTORE  0x08 /* re-enqueue after a property change (nice, class, affinity) */
#define DEQUEUE_SLEEP    0x01
#define DEQUEUE_SAVE     0x08

#define NICE_0_SHARES (1024ULL << 10)

/* task_struct.flags (the kernel's values) */
#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000

#define WF_FORK 0x01
#define WF_SYNC 0x02
#define WF_MOVE 0x100 /* scxsim: re-place a runnable task (affinity change), not a wake-up */

struct sched_entity {
	u64 vruntime;            /* virtual runtime, ns scaled by NICE_0_LOAD/weight */
	u64 deadline;            /* virtual deadline: vruntime + vslice */
	u64 slice;               /* requested slice, ns */
	s64 vlag;                /* lag at dequeue; == deadline while RUN_TO_PARITY protects */
	u64 exec_start;          /* when it last started being accounted on its cfs_rq */
	u64 sum_exec_runtime;            /* total runtime */
	u64 weight;              /* load weight (task: from nice; group: share of tg->shares) */
	u64 id;                  /* stable tie-break for the tree */
	bool on_rq;              /* queued (tree or curr) on cfs_rq */
	int depth;               /* 0 for entities on a root cfs_rq */
	struct sched_entity *parent; /* group entity one level up, NULL at root */
	struct cfs_rq *cfs_rq;   /* the cfs_rq this entity is queued on */
	struct cfs_rq *my_q;     /* group entity: the cfs_rq it represents; task: NULL */
	/* treap node, ordered by (deadline, id); augmented with the subtree's min vruntime */
	struct sched_entity *left, *right;
	u64 tprio;               /* heap priority (hash of id) */
	u64 min_vruntime;        /* min vruntime in this subtree */
};

struct cfs_rq {
	struct sched_entity *root;   /* treap of queued entities, curr excluded */
	struct sched_entity *curr;   /* entity running on this cfs_rq, or NULL */
	u64 min_vruntime;            /* zero point for avg_vruntime (monotonic) */
	s64 avg_vruntime;            /* sum over tree of (v - min_vruntime) * w */
	u64 avg_load;                /* sum over tree of w */
	u64 load;                    /* total weight on_rq, curr included */
	u32 nr_running;              /* entities on_rq, curr included */
	u32 h_nr_running;            /* tasks in this cfs_rq and below */
	struct rq *rq;
	struct cgroup *tg;       /* NULL for the root cfs_rq */
	struct sched_entity *my_se;  /* group entity representing this cfs_rq (NULL at root) */
};

#define CGROUP_MAX_LEVEL 32

/* kernfs node of a cgroup: schedulers read cgrp->kn->id (the cgroup id) */
struct kernfs_node {
	u64 id;
};

struct cgroup {
	char path[64];
	u32 cpu_weight;              /* cgroup cpu.weight 1..10000 */
	u64 shares;                  /* weight * 1024 / 100 */
	u64 load_sum;                /* sum over CPUs of cfs_rq[cpu].load */
	struct cgroup *parent;
	int level;                   /* root = 0 (the kernel's cgroup->level) */
	struct kernfs_node *kn;      /* = &kn_node */
	struct kernfs_node kn_node;  /* id = index in machine.tgs */
	struct cgroup *ancestors[CGROUP_MAX_LEVEL + 1]; /* [0] = root ... [level] = itself */
	int id;                      /* index in machine.tgs */
	struct cfs_rq *cfs_rq;       /* per CPU (NULL for root: the rq's own cfs) */
	struct sched_entity *se;     /* per CPU group entities (NULL for root) */
	u64 nr_tasks;
	bool scx_inited;             /* the loaded ext scheduler accepted it (ops.cgroup_init) */
};

#define RT_PRIO_LEVELS 100

struct rt_entity {
	struct task_struct *next, *prev;    /* FIFO list at its priority */
	u64 time_slice;              /* SCHED_RR remaining, ns */
	bool on_rq;
};

struct rt_rq {
	struct task_struct *head[RT_PRIO_LEVELS], *tail[RT_PRIO_LEVELS]; /* index = 99 - rt_prio */
	u64 bitmap[2];               /* non-empty levels */
	u32 nr_running;              /* queued + curr */
};

/* A dispatch queue of the ext class: FIFO list or vtime-ordered treap (never both at once). */
struct scx_dsq {
	u64 id;                      /* SCX_DSQ_* or a user id */
	struct task_struct *head, *tail; /* FIFO order (built-in DSQs are always FIFO) */
	struct task_struct *priq;    /* treap root ordered by (dsq_vtime, seq), vtime DSQs */
	u32 nr;                      /* tasks queued */
	int cpu;                     /* local DSQ: its CPU; else -1 */
	bool vtime;                  /* holds vtime-ordered tasks (empty => either mode) */
};

/* The ext entity of a task (the kernel's struct sched_ext_entity, the fields BPF sees first). */
struct sched_ext_entity {
	struct scx_dsq *dsq;         /* DSQ the task is queued on, or NULL */
	u32 flags;                   /* SCX_TASK_QUEUED, ... */
	u32 weight;                  /* 1..10000 (cgroup scale), 100 = nice 0 */
	s32 sticky_cpu;
	s32 holding_cpu;
	u64 slice;                   /* remaining slice, ns; SCX_SLICE_INF = tickless */
	u64 dsq_vtime;               /* order in a vtime DSQ */
	bool disallow;               /* set by init_task: stay out of ext */
	/* private */
	int ops_state;               /* SCX_OPSS_NONE / _QUEUED (owned by the BPF scheduler) */
	u64 ops_qseq;                /* enqueue generation, to match dispatches */
	int task_state;              /* SCX_TASK_NONE / INIT / READY / ENABLED */
	u64 ddsp_dsq_id;             /* direct dispatch target, SCX_DSQ_INVALID = none */
	u64 ddsp_enq_flags;
	u64 runnable_at;             /* watchdog: runnable since */
	bool reset_runnable_at;
	struct task_struct *run_next, *run_prev; /* rq's runnable list (watchdog) */
	struct task_struct *dsq_next, *dsq_prev; /* FIFO links */
	struct task_struct *pq_left, *pq_right;  /* treap links */
	u64 pq_prio, dsq_seq;
	u64 core_sched_at;           /* FIFO order for core-sched */
	s32 selected_cpu;
	struct cgroup *cgrp_moving_from; /* ops.cgroup_prep_move accepted a move from here */
};

enum { SCX_OPSS_NONE, SCX_OPSS_QUEUED };
enum { SCX_TSTATE_NONE, SCX_TSTATE_INIT, SCX_TSTATE_READY, SCX_TSTATE_ENABLED };

/* Per-CPU ext state. */
struct scx_rq {
	struct scx_dsq local;        /* SCX_DSQ_LOCAL of this CPU */
	u32 nr_running;              /* ext tasks on this rq, curr included */
	bool bal_keep;               /* balance decided to keep prev */
	bool cpu_released;           /* a higher class took the CPU (cpu_release sent) */
	u64 pnt_seq;                 /* scheduling rounds (the kernel's kick_sync): +1 at each ext
	                              * pick, each put of an ext task, and while waiting (kick.c) */
	bool kw_pending;             /* a SCX_KICK_WAIT kick was sent: wait after the next round */
	bool kw_armed;               /* this round's ext pick took kw_pending: wait when it ends */
	struct cpumask kw_targets;   /* CPUs this CPU waits for (seqs in scx_sched.kw_seq) */
	struct sim_event kw_ev;      /* re-check the wait: a target advanced or the scheduler left */
	u64 nr_kick_waits;           /* waits this CPU spun in (targets not yet advanced) */
	u64 kick_wait_ns;            /* time it spun in them */
	u64 exec_start;              /* slice accounting start of curr */
	struct task_struct *run_head, *run_tail; /* runnable ext tasks, oldest first */
};

/* Scheduling class: the same shape as the kernel's struct sched_class (6.12). */
struct sched_class {
	const char *name;
	int rank;                                        /* lower = higher priority */
	void (*enqueue)(struct rq *rq, struct task_struct *p, int flags);
	void (*dequeue)(struct rq *rq, struct task_struct *p, int flags);
	void (*yield)(struct rq *rq);
	void (*wakeup_preempt)(struct rq *rq, struct task_struct *p, int wake_flags);
	struct task_struct *(*pick_task)(struct rq *rq);       /* best task, not removed */
	void (*put_prev)(struct rq *rq, struct task_struct *prev);
	void (*set_next)(struct rq *rq, struct task_struct *next);
	int (*select_cpu)(struct task_struct *p, int prev_cpu, int wake_flags);
	void (*tick)(struct rq *rq, struct task_struct *curr);
	void (*update_curr)(struct rq *rq);
	bool (*balance)(struct rq *rq);                  /* pull work before going idle */
	void (*prio_changed)(struct rq *rq, struct task_struct *p);
};

extern const struct sched_class fair_sched_class;
extern const struct sched_class rt_sched_class;
extern const struct sched_class ext_sched_class;

/* Behaviour state of a task: where it is in its workload program. */
struct task_exec {
	const struct wl_task *wt;    /* program */
	int phase, ev;               /* next event to execute */
	int loop_phase;              /* iterations of the current phase done */
	int loop_task;               /* iterations of the whole task done */
	u64 work_left;               /* ns of CPU work left in the current RUN event */
	u64 runtime_until;           /* RUNTIME event: busy until this time; 0 = not in one */
	int relock;                  /* mutex to retake after a cond wait, -1 = none */
	bool in_work;                /* a RUN/RUNTIME event is in progress */
	bool must_migrate;           /* affinity changed away from the current CPU */
	bool spin;                   /* in_work is a zero-time-loop spin, not workload work */
};

struct task_stats {
	u64 runtime_ns;              /* on-CPU time, switch cost included */
	u64 runtime_by_class[3];     /* ext, fair, rt */
	u64 wait_ns;                 /* runnable but not running */
	u64 nr_wakeups;
	u64 nr_migrations;
	u64 nr_switches;             /* times switched in */
	u64 nr_preempted;            /* switched out while still runnable */
	u64 work_done_ns;
	s64 work_total_ns;           /* -1 = open-ended */
	u64 last_queued;             /* when it became runnable-not-running */
	bool waiting;                /* runnable, not running: last_queued is valid */
	u64 wake_ts;                 /* time of the last wakeup, pending latency sample */
	bool wake_pending;
	int wake_from_cpu;           /* CPU that woke it (-1: a timer), for trace flows */
	bool finished;
	struct hist *wake_lat;       /* lazily allocated */
};

struct task_struct {
	int pid;
	int tgid;                    /* = pid: every simulated task is a single-threaded process */
	char comm[16];
	enum task_state state;
	bool on_rq;                  /* queued in its class on rq `cpu` (running included) */
	bool on_cpu;                 /* rq->curr */
	int cpu;                     /* rq it is on / last ran on */
	int policy;                  /* enum wl_policy */
	int nice;
	int rt_prio;                 /* 1..99 for rt tasks */
	const struct sched_class *sched_class;
	struct cpumask cpus_mask;    /* affinity (the kernel's p->cpus_mask) */
	const struct cpumask *cpus_ptr; /* = &cpus_mask, as the kernel's (schedulers read this) */
	int nr_cpus_allowed;
	unsigned int flags;          /* PF_* (PF_EXITING while exiting) */
	unsigned short migration_disabled; /* always 0: scxsim never pins a task temporarily */
	int prio, static_prio, normal_prio; /* kernel priority scale: 100 + 20 + nice; rt: 99 - rt_prio */
	struct cgroup *tg;
	struct sched_entity se;
	struct rt_entity rt;
	struct sched_ext_entity scx;
	struct task_exec x;
	struct task_stats st;
	struct sim_event wake_ev;    /* timer: end of sleep / start delay */
	struct task_struct *wait_next;      /* resource wait list link */
	struct task_struct *cfs_next, *cfs_prev; /* rq's list of queued fair tasks (load balancing) */
	int instance;                /* instance index within its workload task */
	int last_ran_cpu;            /* -1 before the first run */
	u64 core_cookie;             /* SMT core-scheduling cookie, 0 = untagged */
	struct res *priv_res;        /* per-instance resources ("unique" timers), or NULL */
	struct machine *m;
};

/* A deferred deadline server of one class on one CPU (dlserver.c; the kernel's
 * rq->fair_server / rq->ext_server sched_dl_entity). */
enum { DLS_FAIR, DLS_EXT, DLS_NR };
#define DL_SERVER_PERIOD_MIN (100 * NSEC_PER_USEC)          /* debugfs fair_server limits */
#define DL_SERVER_PERIOD_MAX ((1ULL << 22) * NSEC_PER_USEC) /* ~4.19 s */

struct dl_server {
	int idx;                     /* DLS_FAIR or DLS_EXT */
	struct rq *rq;
	s64 runtime;                 /* left in this period, ns (may go below 0 by an overrun) */
	u64 deadline;                /* absolute end of the current period */
	bool active;                 /* started: its class has a task on the CPU (dl_server_active) */
	bool throttled;              /* not runnable: armed, or waiting for replenishment */
	bool armed;                  /* deferred: waits for the zero-laxity point (dl_defer_armed) */
	bool defer_running;          /* handling a starvation: no deferral (dl_defer_running) */
	struct sim_event ev;         /* its timer: zero-laxity / replenishment / end of runtime */
	u64 run_start;               /* when it last started picking curr (rq->dl_server) */
	u64 run_ns;                  /* time it ran tasks (closed spans) */
	u64 nr_activations;          /* zero-laxity timers that found its class starved */
};

struct rq {
	int cpu;
	struct machine *m;
	struct task_struct *curr;           /* NULL = idle */
	u32 nr_running;              /* runnable tasks on this CPU, curr included */
	struct cfs_rq cfs;
	struct rt_rq rt;
	struct scx_rq scx;
	struct task_struct *pick_prev;      /* prev during pick_next_task (for ext balance) */
	struct task_struct *put_next;       /* next during put_prev (for ext) */
	struct task_struct *cfs_head;       /* queued fair tasks, most recently enqueued first */
	u64 exec_start;              /* accounting start of curr */
	u64 slice_start;             /* when curr was switched in (trace slices) */
	u64 work_start;              /* curr's work progresses from here (after switch cost) */
	u64 idle_since;              /* when it went idle */
	u64 idle_ns;
	u64 nr_switches;
	u64 nr_ticks;
	bool need_resched;
	bool in_schedule;            /* inside schedule(): pick in progress */
	bool core_forced_idle;       /* idles because siblings run other cookies */
	bool spinning;               /* busy-waits in the scheduler (SCX_KICK_WAIT): curr's work and
	                              * ext slice stand still, schedule() is deferred until it ends */
	u64 spin_since;              /* when the busy-wait began */
	u64 spin_work_delay;         /* switch cost curr still had to pay when the wait began */
	struct sim_event core_ev;    /* forced idle: look again one slice later */
	bool online;
	struct sim_event done_ev;    /* curr reaches the end of its current work / step */
	struct sim_event tick_ev;
	struct sim_event resched_ev;
	struct dl_server dls[DLS_NR];       /* fair and ext deadline servers */
	struct dl_server *dl_server;        /* server that picked curr, or NULL (rq->dl_server) */
	u64 lb_fail_since[4];        /* per balance level: since when a one-task imbalance
				      * has persisted (0 = none; see fair.c pull_tasks) */
};

/* A workload resource instance (mutex, cond, barrier, timer, semaphore). */
struct res {
	enum wl_res_kind kind;
	struct task_struct *waiters;        /* FIFO head */
	struct task_struct *waiters_tail;
	struct task_struct *owner;          /* MUTEX */
	u64 tokens;                  /* SEM */
	int arrived;                 /* BARRIER */
	int users;
	u64 next;                    /* TIMER: next expiry, 0 = not started */
};

struct machine {
	struct sim sim;
	const struct topo *topo;
	const struct workload *wl;
	struct machine_params p;
	u64 seed;
	int nr_cpus;
	struct rq *rqs;
	struct task_struct **tasks;         /* by pid order */
	int nr_tasks;
	int nr_alive;                /* not DEAD */
	struct res *res;             /* workload resources; per-instance timers appended */
	int nr_res;
	struct cgroup **tgs;     /* tgs[0] = root */
	int nr_tgs;
	struct cpumask idle;         /* CPUs with nothing to run */
	struct cpumask overloaded;   /* CPUs with queued fair tasks waiting */
	struct cpumask rt_overloaded;/* CPUs with queued rt tasks waiting */
	u64 base_slice;              /* scaled base slice */
	u64 tick_ns;
	u64 next_se_id;
	int fork_rr;                 /* round-robin start for fork placement */
	/* totals */
	u64 nr_migrations;
	struct hist *wake_lat;       /* all tasks */
	/* invariants */
	u64 inv_checked;
	char **violations;
	int nr_violations;
	struct sim_event check_ev;
	struct scx_sched *scx;        /* loaded ext scheduler, or NULL */
	struct trace *trace;          /* open Perfetto trace, or NULL */
	void *owned;                  /* e.g. the BPF runtime of the loaded scheduler */
	void (*owned_free)(void *);
	void (*progress_fn)(void *ctx, u64 now, u64 end, u64 events);
	void *progress_ctx;
	struct periodic **periodic;   /* machine_every callbacks, owned */
	int nr_periodic;
	struct hp_event **hp_events;  /* scheduled hotplug events, owned */
	int nr_hp_events;
	u64 nr_hotplug;               /* hotplug transitions done */
	u64 nr_hotplug_refused;       /* offlining the last online CPU */
	u64 nr_affinity_broken;       /* tasks whose affinity was reset by hotplug */
	struct cg_event *cg_events;   /* the workload's cgroup events, scheduled (owned) */
	int nr_cg_events;
	u64 nr_cgroup_moves;          /* task moves done */
	u64 nr_cgroup_moves_refused;  /* task moves refused by the ext scheduler */
	u64 nr_cgroup_weight_writes;  /* cpu.weight writes done */
	int nr_cookied;               /* tasks with a core cookie */
	bool core_sched;              /* core scheduling active */
	u64 nr_forced_idle;           /* core-sched forced-idle picks */
	u64 end_ns;
	u64 last_time;
	int cur_cpu;                 /* CPU whose event is being handled, -1 = none */
};

static inline struct rq *cpu_rq(struct machine *m, int cpu)
{
	return &m->rqs[cpu];
}
static inline struct task_struct *task_of(struct sched_entity *se)
{
	return container_of(se, struct task_struct, se);
}
static inline bool task_is_rt(const struct task_struct *p)
{
	return p->policy == WL_POLICY_FIFO || p->policy == WL_POLICY_RR;
}

/* core.c */
void resched_curr(struct rq *rq);
void resched_curr_after(struct rq *rq, u64 delay);
void update_rq_curr(struct rq *rq);
void wake_up_task(struct task_struct *p, int wake_flags);
void block_current(struct rq *rq, struct task_struct *p);
void exit_current(struct rq *rq, struct task_struct *p);
void yield_current(struct rq *rq, struct task_struct *p);
void migrate_task(struct task_struct *p, int new_cpu);
void activate_task(struct rq *rq, struct task_struct *p, int flags);
void deactivate_task(struct rq *rq, struct task_struct *p, int flags);
void add_nr_running(struct rq *rq, int n);
void update_idle_state(struct rq *rq);
void rq_spin_begin(struct rq *rq);
void rq_spin_end(struct rq *rq);
void machine_violation(struct machine *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool cpus_share_llc(struct machine *m, int a, int b);

void rq_init(struct machine *m, struct rq *rq, int cpu);
void machine_settle(struct machine *m);

void task_set_class(struct task_struct *p, const struct sched_class *cls);
/* change a property of p off its CPU's queues (the kernel's sched_change guard) */
struct task_change {
	struct rq *rq;
	bool queued, running;
};
void task_change_begin(struct task_struct *p, struct task_change *c);
void task_change_end(struct task_struct *p, const struct task_change *c, bool resched_queued);
void set_task_cpu(struct task_struct *p, int new_cpu);
const char *task_class_name(const struct task_struct *p);
int class_index(const struct sched_class *c);  /* 0 ext, 1 fair, 2 rt */

/* ext hooks (src/scx) */
void scx_rq_init(struct machine *m, struct rq *rq);
void scx_task_fork(struct task_struct *p);     /* a new task starts while ext is loaded */
void scx_task_dead(struct task_struct *p);     /* a task exited */
void scx_update_idle(struct rq *rq, bool idle);
void scx_next_task_picked(struct rq *rq, struct task_struct *next);
void scx_set_cpumask(struct task_struct *p);
void scx_cpu_hotplug(struct rq *rq, bool online);
/* src/scx/cgroup.c: 0 or the scheduler's refusal (negative errno) */
int scx_cgroup_online(struct machine *m, struct cgroup *tg); /* ops.cgroup_init at run time */
int scx_cgroup_can_attach(struct machine *m, struct task_struct **set, int n, struct cgroup *to);
void scx_cgroup_move_task(struct task_struct *p); /* p->tg is the new group already */
void scx_cgroup_set_weight(struct machine *m, struct cgroup *tg, u32 weight);

/* cgroup.c */
void cgroup_weight_set(struct cgroup *tg, u32 weight);
struct cgroup *cgroup_find(struct machine *m, const char *path);
struct cgroup *cgroup_get(struct machine *m, const char *path, int *created);
void cgroup_set_weight(struct machine *m, struct cgroup *tg, u32 weight);
int cgroup_move_task(struct machine *m, int wt, const char *path);
int cgroup_events_schedule(struct machine *m);
void cgroup_events_free(struct machine *m);
void scx_run_end(struct machine *m);          /* the run stopped: finish a pending exit dump */
void scx_schedule_done(struct rq *rq);         /* a scheduling round of rq ended (KICK_WAIT) */

/* coresched.c */
bool core_sched_active(const struct machine *m);
struct task_struct *core_pick(struct rq *rq, struct task_struct *next);
void core_sibling_changed(struct rq *rq);
void core_rq_init(struct rq *rq);
void core_check(struct rq *rq);
bool scx_core_sched_before(struct task_struct *a, struct task_struct *b);
struct task_struct *scx_pick_compatible(struct rq *rq, u64 cookie);

/* src/trace/perfetto.c (called only when m->trace) */
void trace_slice(struct machine *m, int cpu, struct task_struct *p, u64 start, u64 end);
void trace_instant(struct machine *m, int cpu, const char *name, struct task_struct *p,
		   const char *detail);
void trace_global(struct machine *m, const char *name, const char *detail);
void trace_flow(struct machine *m, int from_cpu, u64 from_ts, int to_cpu, u64 to_ts);
void trace_span(struct machine *m, int cpu, const char *name, u64 start, u64 end,
		const char *detail);

/* hotplug.c */
int select_fallback_cpu(struct task_struct *p, int from);
void move_queued_task_off(struct task_struct *p);
void hotplug_free(struct machine *m);
bool scx_switch_in_tickless(struct rq *rq, struct task_struct *p);
void scx_sched_free(struct machine *m);
void scx_write_result(struct machine *m, struct jw *w);
void scx_invariants(struct machine *m);

/* behave.c: run the workload program of the task on CPU */
enum step_result { STEP_RUN, STEP_BLOCK, STEP_EXIT, STEP_YIELD, STEP_MIGRATE };
enum step_result task_step(struct task_struct *p);
void task_account_work(struct rq *rq, struct task_struct *p);
u64 task_work_remaining(const struct task_struct *p, u64 now);

/* fair.c */
void fair_init_rq(struct machine *m, struct rq *rq);
void fair_task_init(struct machine *m, struct task_struct *p);
u64 nice_to_weight(int nice);
void fair_attach_cpu(struct task_struct *p);
int fair_select_idle(struct machine *m, struct task_struct *p, int target);
void fair_nohz_kick(struct rq *rq);
int tg_setup(struct machine *m);
int fair_tg_alloc(struct machine *m, struct cgroup *tg);
void fair_tg_shares_changed(struct machine *m, struct cgroup *tg);

/* rt.c */
void rt_check_pull(struct rq *rq);

/* dlserver.c */
void dlserver_rq_init(struct rq *rq);
void dlserver_account(struct rq *rq, const struct task_struct *p, u64 delta);
void dlserver_sync(struct rq *rq, bool was_idle);
struct task_struct *dlserver_pick(struct rq *rq);
void dlserver_schedule_done(struct rq *rq, struct dl_server *prev_server);
u64 dlserver_run_ns(const struct rq *rq, int idx);
void dlserver_settle(struct rq *rq);
void dlserver_invariants(struct rq *rq);
int dlserver_params_check(const struct machine_params *p, char *err, size_t errlen);
const char *dlserver_name(int idx);

/* invariants.c */
void invariants_start(struct machine *m);
void invariants_final(struct machine *m);

#endif
