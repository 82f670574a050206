/*
 * record_int.h — what src/record offers the CLI beyond include/scxsim/record.h: replays whose
 * runs are net of the simulator's own switch and migration charges (see analyze.c), and a
 * replay writer that says in its header comment which charges were taken out, and checks of a
 * diff against error bands.
 * Invariant: with costs NULL or all zero, the functions here equal their public counterparts.
 */
#ifndef SCXSIM_RECORD_INT_H
#define SCXSIM_RECORD_INT_H

#include "scxsim/record.h"

/* CPU time the simulator charges a task at a switch-in (ctx_switch_ns, migration_ns). */
struct rec_costs {
	u64 switch_ns;             /* every switch-in */
	u64 migration_ns;          /* extra when the task last ran on another CPU */
};

/* Figures of a recording that struct rec_result has no field for. */
struct rec_extra {
	u64 noise_preemptions;     /* a recorded task switched out while runnable for another
				    * program's task: 2 context switches the replay cannot have */
	struct rec_costs costs;    /* what the replay's runs are net of */
};

/*
 * rec_analyze whose replay RUN steps are net of costs (NULL: gross, as rec_analyze); extra
 * (may be NULL) receives the figures above.
 */
int rec_analyze_costs(const struct rec_trace *t, const struct rec_opts *o,
		      const struct rec_costs *costs, struct rec_result **out,
		      struct rec_extra *extra, char *err, size_t errlen);

/* rec_result_write_json with the extra figures in its "record" section (extra may be NULL). */
void rec_result_write_json_extra(const struct rec_result *r, const struct rec_extra *extra,
				 FILE *f);

/* rec_replay_write that names the costs the runs are net of in the file's comment. */
int rec_replay_write_costs(const struct rec_result *r, const struct rec_replay_opts *o,
			   const struct rec_costs *costs, FILE *f, struct rec_replay_stats *stats);

/*
 * Check each figure of SPEC ("key=PCT,...": see diff.c) of SIM against REAL; one line per
 * figure to f. Returns the number of figures out of their band (0: all within), or -EINVAL /
 * -ENOENT / -ENOMEM with the file or the SPEC problem in err.
 */
int rec_diff_check_files(const char *real_path, const char *sim_path, const char *spec, FILE *f,
			 char *err, size_t errlen);

#endif
