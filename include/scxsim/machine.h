/*
 * machine.h — the simulated kernel as seen from outside: build a machine from a topology and a
 * workload, run it for a span of simulated time, and read what happened.
 *
 * Ownership: the machine borrows the topology and the workload (they must outlive it) and owns
 * everything else. All results are deterministic functions of (topology, workload, params, seed).
 */
#ifndef SCXSIM_MACHINE_H
#define SCXSIM_MACHINE_H

#include <stdio.h>
#include "scxsim/topo.h"
#include "scxsim/workload.h"

struct machine;
struct jw;

/* Model parameters. Defaults (machine_params_default) are documented in docs/model.md. */
struct machine_params {
	u32 hz;                  /* tick frequency, 100..10000 (default 1000) */
	u64 ctx_switch_ns;       /* CPU time lost per context switch (default 3500) */
	u64 migration_ns;        /* extra cost when a task runs on a new CPU (default 5000) */
	u64 wakeup_ipi_ns;       /* delay before a remote CPU reacts to a resched (default 1000) */
	u64 base_slice_ns;       /* fair: sysctl_sched_base_slice before scaling (default 750000) */
	u64 rr_timeslice_ns;     /* SCHED_RR timeslice (default 100 ms) */
	u64 check_period_ns;     /* full invariant sweep period (default 10 ms; 0 = off) */
	u64 idle_exit_ns;        /* extra delay waking a CPU idle for idle_deep_ns or more (default 16000) */
	u64 idle_deep_ns;        /* idle time after which the CPU is in a deep idle state (default 50000) */
	u64 fair_server_runtime_ns; /* fair deadline server runtime per period (default 50 ms; 0 = off) */
	u64 fair_server_period_ns;  /* its period (default 1 s) */
	u64 ext_server_runtime_ns;  /* ext deadline server (Linux 7.0+; default 50 ms; 0 = off) */
	u64 ext_server_period_ns;   /* its period (default 1 s) */
};

void machine_params_default(struct machine_params *p);

/* Check values that depend on each other (the deadline servers' runtime <= period, period in
 * 100 us .. 4.19 s when enabled): 0, or -EINVAL with the parameter and the reason in err. */
int machine_params_check(const struct machine_params *p, char *err, size_t errlen);

/*
 * Create a machine running `w` on topology `t`. Validates what the workload asks of the machine
 * (affinity CPUs exist, ...): returns NULL with a one-line reason in err on bad input.
 */
struct machine *machine_create(const struct topo *t, const struct workload *w,
			       const struct machine_params *params, u64 seed,
			       char *err, size_t errlen);

/*
 * Run until `duration_ns` of simulated time has passed or every task has exited.
 * Returns 0, or a negative errno on an internal failure (out of memory).
 */
int machine_run(struct machine *m, u64 duration_ns);

/* Call fn between run steps (about 200 per run) with simulated time, end and events so far:
 * for progress display. Does not change results. */
void machine_set_progress(struct machine *m, void (*fn)(void *ctx, u64 now, u64 end, u64 events),
			  void *ctx);

/* Call fn(ctx, now) every period_ns of simulated time during the run (a scheduler's user half
 * polling its maps). -EINVAL for period 0, -ENOMEM. */
int machine_every(struct machine *m, u64 period_ns, void (*fn)(void *ctx, u64 now), void *ctx);

/* Simulated time now, events fired. */
u64 machine_now(const struct machine *m);
u64 machine_events(const struct machine *m);

/* Result as JSON (design.md "Result JSON"); `sched_name` fills scheduler.name, `topo_spec`
 * machine.topo. wall_ns is passed in by the caller: the only non-simulated figure. */
void machine_write_result(struct machine *m, struct jw *w, const char *sched_name, u64 wall_ns);

/* Readable summary table. */
void machine_print_summary(struct machine *m, FILE *f);

/* Take CPU `cpu` offline (online=false) or back online at simulated time at_ns. -EINVAL for a
 * CPU that does not exist. Offlining the last online CPU is refused (counted in the result). */
int machine_hotplug_at(struct machine *m, u64 at_ns, int cpu, bool online);

/* Stream a Chrome/Perfetto JSON trace of the run to f (open before machine_run, close after;
 * f stays the caller's). machine_trace_close writes the end of the document; -EIO on a write
 * error. */
int machine_trace_open(struct machine *m, FILE *f);
int machine_trace_close(struct machine *m);

/* The figures --compare puts side by side (docs/metrics.md defines each). */
struct run_metrics {
	u64 work_done_ns;        /* CPU work done by all tasks (throughput) */
	int tasks_finished, tasks_finite;
	double jain_tasks;       /* Jain's index over tasks of (running/(running+waiting))/weight */
	double jain_cgroups;     /* Jain's index over cgroups of runtime/cpu.weight (1 if < 2) */
	u64 lat_p50, lat_p99, lat_p999, lat_max; /* wake-up latency, ns */
	u64 wait_ns;             /* runqueue wait, all tasks */
	u64 ctx_switches, migrations;
	double idle_pct;         /* of all CPU time */
	const char *exit_kind;   /* "none" or the ext scheduler's exit kind */
};

void machine_metrics(struct machine *m, struct run_metrics *out);

/* Context switches on all CPUs so far. */
u64 machine_ctx_switches(struct machine *m);

/* Number of invariant violations so far. */
int machine_nr_violations(const struct machine *m);

/* Give m ownership of obj (the loaded scheduler's runtime): machine_destroy calls free_fn(obj)
 * first. */
void machine_own(struct machine *m, void *obj, void (*free_fn)(void *));

void machine_destroy(struct machine *m); /* NULL-safe */

#endif
