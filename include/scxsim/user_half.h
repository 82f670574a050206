/*
 * user_half.h — the user-space half of an example scheduler, run inside scxsim: it reads the
 * scheduler's maps and globals every period of SIMULATED time and reports at the end, as
 * upstream's scx_simple/scx_qmap/scx_central loops do every wall-clock second.
 *
 * A user half is matched to a loaded BPF scheduler by its ops name. It only reads (maps via
 * bpf_map_user_*, globals via bpf_sched_global) and prints to its FILE; it never changes what
 * the simulation does, so results are the same with or without it.
 */
#ifndef SCXSIM_USER_HALF_H
#define SCXSIM_USER_HALF_H

#include <stdio.h>
#include "scxsim/types.h"

struct machine;
struct bpf_sched;

struct user_half_ctx {
	struct machine *m;
	struct bpf_sched *s;
	int nr_cpus;
	FILE *out;
};

struct user_half {
	const char *name;                                  /* ops.name it belongs to */
	u64 period_ns;                                     /* tick period, simulated */
	void (*tick)(struct user_half_ctx *ctx, u64 now);  /* every period (may be NULL) */
	void (*fini)(struct user_half_ctx *ctx);           /* after the run (may be NULL) */
};

/* The user half for a scheduler named `name`, or NULL. */
const struct user_half *user_half_find(const char *name);

/* Start it on m (machine_every) when the scheduler loaded on m has one; ctx must outlive the
 * run. Returns the user half started, or NULL. */
const struct user_half *user_half_start(struct machine *m, int nr_cpus, FILE *out,
					struct user_half_ctx *ctx);

#endif
