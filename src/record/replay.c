/*
 * replay.c — a recorded process tree as an rt-app workload that scxsim (and rt-app) can run:
 * one rt-app task per recorded task, its steps (run / sleep / suspend / resume, see analyze.c)
 * in order, collapsed into phases with loop counts.
 *
 * Compaction: from each position, the longest stretch made of k >= 2 repetitions of a pattern
 * of p <= max_period steps is taken (ties: the shortest p), where a repetition matches when
 * every step has the same kind and condition and every duration is within tolerance of the
 * mean of that position so far (tolerance_pct %, and never less than 20 µs). A phase carries
 * the per-position mean, so each phase keeps its total run and sleep time to within its loop
 * count x 0.5 µs of the recording; the order of blocking and waking is kept exactly; only the
 * spread of durations inside a phase is lost. tolerance 0 collapses only equal durations.
 *
 * Wakeups between recorded tasks are written as "suspend"/"resume" on the sleeper's condition
 * (wake_SLEEPER), or with REC_SYNC_BARRIER as a two-task "barrier" per pair (wake_WAKER_SLEEPER)
 * which cannot lose a wakeup. Output is deterministic (tasks in fork order, phases in time order).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "scxsim/json_write.h"
#include "record/record_int.h"

#define TOL_ABS_US 20

struct tok {
	u8 kind;    /* enum rec_step_kind */
	s32 arg;    /* condition owner (task index) */
	u64 us;     /* duration, µs */
};

struct phase {
	int start;  /* first token */
	int period; /* tokens per repetition */
	int loop;   /* repetitions */
};

static bool tok_timed(const struct tok *t)
{
	return t->kind == REC_STEP_RUN || t->kind == REC_STEP_SLEEP;
}

static bool tok_fits(const struct tok *t, u64 sum, int k, int tol_pct)
{
	if (!tok_timed(t))
		return true;
	u64 mean = (sum + k / 2) / k;
	u64 tol = MAX((u64)TOL_ABS_US * (tol_pct > 0), mean * (u64)tol_pct / 100);
	u64 d = t->us > mean ? t->us - mean : mean - t->us;
	return d <= tol;
}

/* Does repetition rep fit the shape at tk? all_in: every duration within tolerance too. */
static bool rep_fits(const struct tok *rep, const struct tok *tk, int p, const u64 *sums, int k,
		     int tol, bool *all_in)
{
	*all_in = true;
	for (int j = 0; j < p; j++) {
		if (rep[j].kind != tk[j].kind || rep[j].arg != tk[j].arg)
			return false;
		if (!tok_fits(&rep[j], sums[j], k, tol))
			*all_in = false;
	}
	return true;
}

/*
 * Repetitions of the p tokens at i that follow each other; sums is scratch of p entries (the
 * sums over the in-tolerance repetitions, which the tolerance is measured against). With a
 * tolerance, a repetition of the same shape whose durations are off (an interrupt, a tick)
 * is absorbed while such outliers stay under 1 in 16 repetitions: the phase's means, hence
 * its totals, include them.
 */
static int count_reps(const struct tok *tk, int n, int i, int p, int tol, u64 *sums)
{
	int k = 1, in = 1, out = 0;
	bool all_in;

	for (int j = 0; j < p; j++)
		sums[j] = tk[i + j].us;
	while (i + (k + 1) * p <= n) {
		const struct tok *rep = &tk[i + k * p];
		if (!rep_fits(rep, &tk[i], p, sums, in, tol, &all_in))
			break;
		if (!all_in && (tol == 0 || (out + 1) * 16 > k + 1))
			break;
		if (all_in) {
			for (int j = 0; j < p; j++)
				sums[j] += rep[j].us;
			in++;
		} else {
			out++;
		}
		k++;
	}
	return k;
}

/* Split tokens into phases; singles in a row share one loop-1 phase. Returns count or -ENOMEM. */
static int phases_find(const struct tok *tk, int n, const struct rec_replay_opts *o,
		       struct phase **out)
{
	int maxp = o && o->max_period > 0 ? o->max_period : 8, tol = o ? o->tolerance_pct : 25;
	struct phase *ph = malloc(((size_t)n + 1) * sizeof(*ph));
	u64 *sums = malloc((size_t)maxp * sizeof(*sums));
	int nph = 0;

	if (!ph || !sums) {
		free(ph);
		free(sums);
		return -ENOMEM;
	}
	for (int i = 0; i < n;) {
		int best_p = 0, best_k = 0;
		for (int p = 1; p <= maxp && i + 2 * p <= n; p++) {
			int k = count_reps(tk, n, i, p, tol, sums);
			if (k >= 2 && k * p > best_k * best_p) {
				best_p = p;
				best_k = k;
			}
		}
		if (best_k >= 2) {
			ph[nph++] = (struct phase){ i, best_p, best_k };
			i += best_k * best_p;
		} else if (nph && ph[nph - 1].loop == 1) {
			ph[nph - 1].period++;
			i++;
		} else {
			ph[nph++] = (struct phase){ i, 1, 1 };
			i++;
		}
	}
	free(sums);
	*out = ph;
	return nph;
}

static int task_tokens(const struct rec_task *k, struct tok **out)
{
	struct tok *tk = malloc(((size_t)k->nr_steps + 1) * sizeof(*tk));
	int n = 0;

	if (!tk)
		return -ENOMEM;
	for (int i = 0; i < k->nr_steps; i++) {
		const struct rec_step *s = &k->steps[i];
		tk[n++] = (struct tok){ .kind = s->kind, .arg = s->arg,
					.us = (s->ns + NSEC_PER_USEC / 2) / NSEC_PER_USEC };
	}
	*out = tk;
	return n;
}

/* The resource of a wakeup of `sleeper` by `waker` (task indexes). */
static void sync_name(char *buf, size_t n, const struct rec_result *r, enum rec_sync sync,
		      int waker, int sleeper)
{
	if (sync == REC_SYNC_BARRIER)
		snprintf(buf, n, "wake_%s_%s", r->tasks[waker].name, r->tasks[sleeper].name);
	else
		snprintf(buf, n, "wake_%s", r->tasks[sleeper].name);
}

/* The events of one phase of task `self`: per position, the mean over its repetitions. */
static u64 write_phase_events(struct jw *w, const struct rec_result *r, int self,
			      enum rec_sync sync, const struct tok *tk, const struct phase *ph)
{
	static const char *const key[] = { "run", "sleep", "suspend", "resume" };
	char name[96];

	for (int j = 0; j < ph->period; j++) {
		const struct tok *t = &tk[ph->start + j];
		if (tok_timed(t)) {
			u64 sum = 0;
			for (int k = 0; k < ph->loop; k++)
				sum += tk[ph->start + k * ph->period + j].us;
			jw_kuint(w, key[t->kind], (sum + ph->loop / 2) / ph->loop);
		} else if (t->kind == REC_STEP_SUSPEND) {
			sync_name(name, sizeof(name), r, sync, t->arg, self);
			jw_kstr(w, sync == REC_SYNC_BARRIER ? "barrier" : "suspend", name);
		} else {
			sync_name(name, sizeof(name), r, sync, self, t->arg);
			jw_kstr(w, sync == REC_SYNC_BARRIER ? "barrier" : "resume", name);
		}
	}
	return (u64)ph->period;
}

static void write_task_head(struct jw *w, const struct rec_result *r, const struct rec_task *k)
{
	jw_kint(w, "loop", 1);
	if (k->fork_ns > r->start_ns)
		jw_kuint(w, "delay", (k->fork_ns - r->start_ns + NSEC_PER_USEC / 2) / NSEC_PER_USEC);
	if (k->prio >= 0 && k->prio < 100) {
		jw_kstr(w, "policy", "SCHED_FIFO");
		jw_kint(w, "priority", 99 - k->prio);
	} else if (k->prio != 120 && k->prio >= 100 && k->prio < 140) {
		jw_kint(w, "priority", k->prio - 120);
	}
}

static int write_task(struct jw *w, const struct rec_result *r, const struct rec_task *k,
		      const struct rec_replay_opts *o, struct rec_replay_stats *st)
{
	struct tok *tk;
	struct phase *ph = NULL;
	int n = task_tokens(k, &tk), nph;
	char pname[16];

	if (n < 0)
		return n;
	nph = phases_find(tk, n, o, &ph);
	if (nph < 0) {
		free(tk);
		return nph;
	}
	jw_key(w, k->name);
	jw_obj_begin(w);
	write_task_head(w, r, k);
	jw_key(w, "phases");
	jw_obj_begin(w);
	for (int i = 0; i < nph; i++) {
		snprintf(pname, sizeof(pname), "p%d", i);
		jw_key(w, pname);
		jw_obj_begin(w);
		if (ph[i].loop > 1)
			jw_kint(w, "loop", ph[i].loop);
		st->events_out += write_phase_events(w, r, (int)(k - r->tasks),
						     o ? o->sync : REC_SYNC_SUSPEND, tk, &ph[i]);
		jw_obj_end(w);
	}
	if (!nph) {
		jw_key(w, "p0");
		jw_obj_begin(w);
		jw_kint(w, "run", 0);
		jw_obj_end(w);
		st->events_out++;
	}
	jw_obj_end(w);
	jw_obj_end(w);
	st->steps += (u64)n;
	st->phases += (u64)MAX(nph, 1);
	free(tk);
	free(ph);
	return 0;
}

static void write_comment(const struct rec_result *r, const struct rec_costs *c, FILE *f)
{
	fprintf(f, "/*\n * Replay of a recording made by `scxsim record` (source: ");
	for (const char *p = r->source; *p; p++)   /* never close the comment early */
		fputc(*p == '*' && p[1] == '/' ? '_' : *p, f);
	fprintf(f, ").\n * Run/sleep are the measured CPU bursts and sleeps (µs); suspend/resume "
		"are wakeups\n * between recorded tasks. See docs/fidelity.md for how exact it is.\n");
	if (c && (c->switch_ns || c->migration_ns))
		fprintf(f, " * Runs are net of %llu ns per switch-in and %llu ns per migration "
			"(ctx_switch_ns,\n * migration_ns: the simulator adds its own).\n",
			(unsigned long long)c->switch_ns, (unsigned long long)c->migration_ns);
	fprintf(f, " */\n");
}

int rec_replay_write(const struct rec_result *r, const struct rec_replay_opts *o, FILE *f,
		     struct rec_replay_stats *stats)
{
	return rec_replay_write_costs(r, o, NULL, f, stats);
}

int rec_replay_write_costs(const struct rec_result *r, const struct rec_replay_opts *o,
			   const struct rec_costs *costs, FILE *f, struct rec_replay_stats *stats)
{
	struct rec_replay_stats st = { 0 };
	struct jw w;
	int rc = 0;
	u64 secs = (r->end_ns - r->start_ns + NSEC_PER_SEC - 1) / NSEC_PER_SEC + 1;

	write_comment(r, costs, f);
	jw_init(&w, f, false);
	jw_obj_begin(&w);
	jw_key(&w, "tasks");
	jw_obj_begin(&w);
	for (int i = 0; i < r->nr_tasks && !rc; i++)
		rc = write_task(&w, r, &r->tasks[i], o, &st);
	jw_obj_end(&w);
	jw_key(&w, "global");
	jw_obj_begin(&w);
	jw_kuint(&w, "duration", secs);
	jw_kstr(&w, "default_policy", "SCHED_OTHER");
	jw_obj_end(&w);
	jw_obj_end(&w);
	if (stats)
		*stats = st;
	return rc;
}
