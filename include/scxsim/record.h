/*
 * record.h — measuring the real kernel: read a tracefs text trace of the scheduler events into
 * typed events, turn the events of one recorded command into the figures of scxsim's result JSON
 * (so the real kernel and the simulator can be compared on the same work), derive an rt-app
 * replay workload from them, record such a trace live (root + tracefs), and diff two results.
 *
 * Stages (each usable alone, which is what the tests do):
 *   rec_trace_parse / rec_trace_load  text  -> struct rec_trace   (never fails on a bad line:
 *                                              skips and counts it)
 *   rec_analyze                       trace -> struct rec_result  (metrics + replay steps of the
 *                                              recorded process tree; the rest is "noise")
 *   rec_result_write_json             result -> result JSON (design.md "Result JSON" keys)
 *   rec_replay_write                  result -> rt-app workload JSON (phases, loops)
 *   rec_live_record                   runs a command under tracefs and returns the raw text
 *   rec_diff_files                    REAL.json + SIM.json -> table or JSON
 *
 * Ownership: every object returned through an out pointer belongs to the caller and is freed
 * by its *_free function, which accepts NULL. Errors are negative errno values with a one-line
 * message in the caller's err buffer naming the file (and line) at fault.
 */
#ifndef SCXSIM_RECORD_H
#define SCXSIM_RECORD_H

#include <stdio.h>
#include "scxsim/types.h"

/* ---- events -------------------------------------------------------------------------------- */

enum rec_ev_type {
	REC_EV_SWITCH,     /* pid -> pid2 on cpu; state = prev_state */
	REC_EV_WAKING,     /* pid is being woken by the context task (ctx_pid/ctx_irq say who) */
	REC_EV_WAKEUP,     /* pid became runnable; cpu2 = target_cpu */
	REC_EV_WAKEUP_NEW, /* new pid became runnable for the first time; cpu2 = target_cpu */
	REC_EV_MIGRATE,    /* pid moved: cpu2 = orig_cpu, cpu3 = dest_cpu */
	REC_EV_FORK,       /* pid (parent) created pid2 (child) */
	REC_EV_EXIT,       /* pid exited (it still switches out once, with state Z or X) */
	REC_EV_NR_TYPES,
};

#define REC_COMM_LEN 16    /* TASK_COMM_LEN */

struct rec_event {
	u64 ts_ns;                 /* trace timestamp (µs resolution) in ns */
	u32 line;                  /* 1-based line in the trace text, for messages */
	s32 cpu;                   /* CPU that recorded the event */
	s32 ctx_pid;               /* task running when the event fired (0 = idle) */
	char ctx_irq;              /* '.' task context, 'h'/'s'/'H'/'z' irq contexts */
	u8 type;                   /* enum rec_ev_type */
	s32 pid, pid2;             /* see enum rec_ev_type */
	s32 prio, prio2;           /* prio of pid / of pid2 (switch) */
	s32 cpu2, cpu3;            /* see enum rec_ev_type */
	char state[4];             /* SWITCH: prev_state ("S", "R+", "D", "Z", ...) */
	char comm[REC_COMM_LEN];   /* comm of pid */
	char comm2[REC_COMM_LEN];  /* comm of pid2 */
};

/* A parsed trace. Events are kept in file order (tracefs prints them sorted by timestamp). */
struct rec_trace {
	char name[256];            /* file name for messages */
	struct rec_event *ev;      /* owned */
	int nr_ev, cap_ev;
	int nr_cpus;               /* "#P:N" from the header, else highest CPU seen + 1 */
	u64 nr_lines;
	u64 nr_malformed;          /* lines that are neither comments nor parseable events */
	u32 first_malformed;       /* line number of the first one (0 = none) */
	u64 nr_other;              /* well-formed events of other types (markers, ...) */
	u64 lost_events;           /* "[LOST N EVENTS]" lines + written-but-not-in-buffer */
	u64 overruns;              /* from "# scxsim-record: overrun=N" (ring buffer stats) */
	u64 dropped;               /* from "# scxsim-record: dropped=N" */
	bool late_start;           /* "##### CPU N buffer started ####": a CPU's start was lost */
	int root_pid;              /* "# scxsim-record: root_pid=N", 0 when absent */
	char command[256];         /* "# scxsim-record: command=...", "" when absent */
};

/*
 * Parse tracefs `trace` text (default `local` clock). Never fails on content: malformed lines
 * are skipped and counted. Returns 0 or -ENOMEM (err says so).
 */
int rec_trace_parse(const char *name, const char *buf, size_t len, struct rec_trace **out,
		    char *err, size_t errlen);
/* Same from a file; a name ending in ".gz" is read through `gzip -dc`. -ENOENT etc. */
int rec_trace_load(const char *path, struct rec_trace **out, char *err, size_t errlen);
void rec_trace_free(struct rec_trace *t);

/* Read a whole file (".gz" through gzip -dc) into a NUL-terminated buffer. */
int rec_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen);

const char *rec_ev_type_name(enum rec_ev_type t);

/* ---- metrics ------------------------------------------------------------------------------- */

enum rec_step_kind { REC_STEP_RUN, REC_STEP_SLEEP, REC_STEP_SUSPEND, REC_STEP_RESUME };

/* One step of a task's replay: CPU work, a timed sleep, or a wait/wake on a task's condition. */
struct rec_step {
	u8 kind;                   /* enum rec_step_kind */
	s32 arg;                   /* SUSPEND: index of the waker; RESUME: index of the woken task */
	u64 ns;                    /* RUN/SLEEP: duration */
};

struct rec_task {
	s32 pid, ppid;             /* ppid = -1 for the root */
	char comm[REC_COMM_LEN];   /* last comm seen (after exec) */
	char name[40];             /* unique replay task name (comm, then comm-2, comm-3, ...) */
	s32 prio;                  /* kernel prio: 100..139 fair (120 = nice 0), < 100 rt */
	u64 fork_ns, exit_ns;      /* absolute trace times; exit_ns valid when exited */
	bool exited;
	u64 runtime_ns;            /* time on a CPU */
	u64 wait_ns;               /* runnable, not running (after wakeup, new or preemption) */
	u32 nr_wakeups;            /* sched_wakeup events (not sched_wakeup_new) */
	u32 nr_wakeups_running;    /* of which the task had not yet switched out (no latency) */
	u32 nr_migrations;         /* sched_migrate_task events */
	u32 nr_switch_in;          /* times put on a CPU (reconstructed ones included) */
	u32 nr_preempted;          /* switched out while still runnable */
	u64 *lat;                  /* wakeup latencies (ns), owned */
	int nr_lat, cap_lat;
	struct rec_step *steps;    /* replay steps, owned */
	int nr_steps, cap_steps;
	/* analysis state (meaningless after rec_analyze returns) */
	int st;                    /* run state */
	s32 on_cpu;
	u64 since_ns;              /* start of the current state */
	u64 woken_ns;              /* pending sched_wakeup time, 0 = none */
	u64 burst_ns;              /* CPU time since the task last blocked or woke another */
	u64 mark_ns;               /* while running: start of the part not yet in burst_ns */
	s32 waker;                 /* pending waker task index (from sched_waking), -1 = none */
};

struct rec_pct { u64 p50, p99, p999, max; u64 n; };

struct rec_result {
	int nr_cpus;
	int root_pid;
	char command[256];
	char source[256];          /* trace name */
	u64 start_ns, end_ns;      /* window: the root's first event .. the tree's last event */
	u64 idle_ns;               /* sum over CPUs of idle time in the window */
	u64 ctx_switches;          /* switches with a recorded task on either side */
	u64 migrations;
	struct rec_pct lat;        /* wakeup latency over every recorded task */
	u64 nr_events;             /* events in the trace */
	u64 tree_events;           /* events that involve a recorded task */
	u64 noise_events;          /* events that involve only other tasks / idle */
	u64 noise_tasks;           /* other tasks that ran inside the window */
	u64 noise_runtime_ns;      /* their CPU time inside the window */
	u64 reconstructed;         /* idle->task switches rebuilt (CPU-1 quirk) */
	u64 recon_other;           /* other unrecorded switches rebuilt (task->task, ->idle) */
	u64 recon_delay_ns;        /* delay used for rebuilt switches (measured, see record.c) */
	u64 recon_samples;         /* recorded idle->task switches the delay was measured on */
	u64 malformed_lines, lost_events, overruns, dropped;
	bool late_start;
	struct rec_task *tasks;    /* owned, in order of creation (fork) */
	int nr_tasks;
};

struct rec_opts {
	int root_pid;              /* 0 = the trace's "# scxsim-record: root_pid" header */
	bool fixed_delay;          /* use recon_delay_ns instead of measuring it from the trace */
	u64 recon_delay_ns;        /* delay of rebuilt switches (see analyze.c) when fixed_delay */
};

/*
 * Compute the result of the process tree rooted at the root pid. Returns 0, -EINVAL when no
 * root pid is known or the root never appears in the trace (err says which), -ENOMEM.
 */
int rec_analyze(const struct rec_trace *t, const struct rec_opts *o, struct rec_result **out,
		char *err, size_t errlen);
void rec_result_free(struct rec_result *r);

/* p in per mille (500 = p50, 990 = p99, 999 = p99.9): nearest rank on the sorted samples. */
u64 rec_percentile(const u64 *sorted, int n, int per_mille);

/* Result JSON (design.md keys, scheduler "real", topo "host", plus a "record" section). */
void rec_result_write_json(const struct rec_result *r, FILE *f);

/* ---- replay -------------------------------------------------------------------------------- */

enum rec_sync {
	REC_SYNC_SUSPEND,          /* "suspend"/"resume" on the sleeper's condition (rt-app: a resume
				    * before the suspend is lost, so a replay can stall) */
	REC_SYNC_BARRIER,          /* a 2-task "barrier" per waker/sleeper pair: never loses a wakeup,
				    * but a waker ahead of its sleeper waits for it */
};

struct rec_replay_opts {
	enum rec_sync sync;        /* how wakeups between recorded tasks are written */
	int tolerance_pct;         /* values within this % (or 20 µs) of a phase's mean collapse */
	int max_period;            /* longest repeated pattern looked for, in steps (default 8) */
};

struct rec_replay_stats { u64 steps, events_out, phases; };

/* Write the rt-app replay workload of r to f. stats may be NULL. Returns 0 or -ENOMEM. */
int rec_replay_write(const struct rec_result *r, const struct rec_replay_opts *o, FILE *f,
		     struct rec_replay_stats *stats);

/* ---- live recording ------------------------------------------------------------------------ */

struct rec_live_opts {
	char *const *argv;         /* command to run (argv[0] looked up in PATH) */
	u32 buffer_kb;             /* per-CPU ring buffer size, 0 = default (32768) */
	const char *tracefs;       /* NULL = /sys/kernel/tracing */
};

/*
 * Run argv with the sched events on, in a private tracefs instance, and return the raw trace
 * text (with "# scxsim-record:" header lines: root_pid, command, overrun, dropped) in *text.
 * *status is the command's wait status. Returns 0; -EPERM not root, -ENODEV no tracefs,
 * -ENOENT an event is missing, other negative errno: err says what is missing and how to get it.
 */
int rec_live_record(const struct rec_live_opts *o, char **text, size_t *len, int *status,
		    char *err, size_t errlen);

/* ---- diff ---------------------------------------------------------------------------------- */

/*
 * Compare a real and a simulated result JSON file: a text table (json = false) or the same as
 * JSON, written to f. Returns 0, or -EINVAL / -ENOENT with "FILE: problem" in err.
 */
int rec_diff_files(const char *real_path, const char *sim_path, bool json, FILE *f, char *err,
		   size_t errlen);

#endif
