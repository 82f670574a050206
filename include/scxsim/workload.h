/*
 * workload.h — a workload: what each task does, as a small program of events, plus the shared
 * resources (mutexes, conditions, barriers, timers, semaphores) and cgroups the tasks use.
 *
 * Produced by the rt-app JSON reader (workload_load_file) or a built-in generator
 * (workload_generate: cpuhog, pipe, hackbench, schbench); consumed by the machine, which
 * executes each task's events in simulated time. The machine never sees JSON.
 *
 * Execution model (the machine implements it; rt-app semantics):
 *   a task runs `loop` times (-1 = until the run ends) over its phases in order; each phase runs
 *   its own `loop` times (default 1) over its events in order. Times are nanoseconds.
 */
#ifndef SCXSIM_WORKLOAD_H
#define SCXSIM_WORKLOAD_H

#include "scxsim/types.h"

enum wl_policy {
	WL_POLICY_OTHER,  /* SCHED_OTHER / SCHED_NORMAL: fair */
	WL_POLICY_BATCH,  /* SCHED_BATCH: fair, no wake-up preemption */
	WL_POLICY_IDLE,   /* SCHED_IDLE: fair, minimal weight */
	WL_POLICY_FIFO,   /* SCHED_FIFO: rt */
	WL_POLICY_RR,     /* SCHED_RR: rt */
	WL_POLICY_EXT,    /* SCHED_EXT: ext when a scheduler is loaded, else fair */
};

enum wl_ev_kind {
	WL_EV_RUN,       /* ns = CPU work to do (rt-app "run"; "mem" is modelled as run) */
	WL_EV_RUNTIME,   /* ns = run busy until ns of simulated time have passed since start */
	WL_EV_SLEEP,     /* ns = block for ns */
	WL_EV_IORUN,     /* ns = blocking I/O for ns (like sleep; counted as I/O wait) */
	WL_EV_TIMER,     /* res = timer, ns = period: sleep until the timer's next expiry */
	WL_EV_SUSPEND,   /* res = cond: block until a RESUME on it (lost if no one waits) */
	WL_EV_RESUME,    /* res = cond: wake every task suspended on it */
	WL_EV_LOCK,      /* res = mutex: take it, blocking while another task holds it */
	WL_EV_UNLOCK,    /* res = mutex: release it, handing it to the first waiter */
	WL_EV_WAIT,      /* res = cond, res2 = mutex: pthread_cond_wait (release, block, retake) */
	WL_EV_SIGNAL,    /* res = cond: wake the first waiter */
	WL_EV_BROADCAST, /* res = cond: wake all waiters (rt-app "broad") */
	WL_EV_SYNC,      /* res = cond, res2 = mutex: signal then wait, atomically */
	WL_EV_BARRIER,   /* res = barrier: block until all its users (count) have arrived */
	WL_EV_SEM_POST,  /* res = semaphore: add arg tokens (default 1), waking waiters (pipes) */
	WL_EV_SEM_WAIT,  /* res = semaphore: take one token, blocking while none (pipes) */
	WL_EV_YIELD,     /* sched_yield() */
};

struct wl_event {
	enum wl_ev_kind kind;
	u64 ns;          /* duration / period, see kind */
	int res;         /* index into workload.res, -1 when unused */
	int res2;        /* second resource (mutex of WAIT/SYNC), -1 when unused */
	u32 arg;         /* SEM_POST: tokens; TIMER: 1 = absolute mode, 0 = relative */
};

struct wl_phase {
	char name[32];
	int loop;                 /* times to run the events, >= 1 */
	struct wl_event *ev;      /* owned */
	int nr_ev;
	bool has_cpus;            /* phase-level "cpus" overrides the task's affinity */
	int *cpus;                /* owned, nr_cpus entries, when has_cpus */
	int nr_cpus;
};

struct wl_task {
	char name[32];            /* rt-app thread name (instances get "-N" suffixes: comm) */
	int instances;            /* threads created from this object, >= 1 */
	int loop;                 /* -1 = forever, else >= 1 */
	enum wl_policy policy;
	int nice;                 /* SCHED_OTHER/BATCH/IDLE/EXT: -20..19 */
	int rt_prio;              /* SCHED_FIFO/RR: 1..99 */
	int *cpus;                /* affinity list (owned), NULL = all CPUs */
	int nr_cpus;
	char cgroup[64];          /* cgroup path ("/" = root), from "taskgroup" */
	u64 delay_ns;             /* start delay */
	u64 core_cookie;          /* core-scheduling cookie (0 = none) */
	struct wl_phase *phases;  /* owned */
	int nr_phases;
};

enum wl_res_kind { WL_RES_MUTEX, WL_RES_COND, WL_RES_BARRIER, WL_RES_TIMER, WL_RES_SEM };

struct wl_res {
	char name[48];
	enum wl_res_kind kind;
	int users;               /* BARRIER: number of task threads that use it */
	bool per_instance;       /* TIMER named "unique*": one timer per thread */
	u32 initial;             /* SEM: initial tokens */
};

struct wl_cgroup {
	char path[64];           /* "/a/x"; parents are listed before children */
	u32 weight;              /* cpu.weight 1..10000, default 100 */
};

enum wl_hotplug_kind { WL_CPU_OFFLINE, WL_CPU_ONLINE };

struct wl_hotplug {
	u64 at_ns;
	int cpu;
	enum wl_hotplug_kind kind;
};

/* scxsim's "cgroup_events" extension: a timed cpu.weight write or a move of a task's threads. */
enum wl_cg_kind { WL_CG_WEIGHT, WL_CG_MOVE };

struct wl_cgroup_event {
	u64 at_ns;
	enum wl_cg_kind kind;
	char cgroup[64];         /* WEIGHT: an existing non-root cgroup; MOVE: the destination
				    (created with its parents when missing, "/" = root) */
	u32 weight;              /* WEIGHT: the new cpu.weight, 1..10000 */
	int task;                /* MOVE: index into workload.tasks; every instance moves */
};

struct workload {
	char source[256];        /* file path or generator spec, for messages */
	struct wl_task *tasks;   /* owned */
	int nr_tasks;
	struct wl_res *res;      /* owned */
	int nr_res;
	struct wl_cgroup *cgroups; /* owned, sorted by path (parents first) */
	int nr_cgroups;
	struct wl_hotplug *hotplug; /* owned, sorted by time */
	int nr_hotplug;
	struct wl_cgroup_event *cg_events; /* owned, sorted by time (stable: file order on ties) */
	int nr_cg_events;
	u64 duration_ns;         /* global.duration; 0 = not given */
	enum wl_policy default_policy;
	char **ignored;          /* keys accepted but ignored (logdir, ftrace, ...), owned, once each */
	int nr_ignored;
};

/*
 * Read an rt-app JSON file. Returns 0 or a negative errno with a one-line message in err that
 * names the file, the task (when there is one) and the key, e.g.
 *   "w.json: task 'thread0': unknown key 'rnu'".
 */
int workload_load_file(const char *path, struct workload **out, char *err, size_t errlen);

/* Same, from a buffer; name is used in messages. */
int workload_load_buf(const char *name, const char *buf, size_t len, struct workload **out,
		      char *err, size_t errlen);

/*
 * Build a workload from a generator spec: "cpuhog[:n=N,nice=K,work=MS]", "pipe[:loops=L]",
 * "hackbench[:groups=G,fds=F,loops=L,datasize=B]", "schbench[:mthreads=M,workers=W,cputime=US,sleeptime=US,loops=L]".
 * Errors name the generator and key.
 */
int workload_generate(const char *spec, struct workload **out, char *err, size_t errlen);

/* A spec is a generator when it names one (before any ':'); otherwise it is a file path. */
bool workload_is_generator(const char *spec);

/* Total CPU work (RUN events) one instance of task t asks for, or -1 when open-ended. */
s64 workload_task_work_ns(const struct wl_task *t);

void workload_free(struct workload *w); /* NULL-safe */

#endif
