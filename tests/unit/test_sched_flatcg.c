/*
 * test_sched_flatcg.c — the flatcg example scheduler (scheds/flatcg.bpf.c, built into
 * build/scheds or $SCXSIM_SCHEDS_DIR) through the path of `scxsim run --sched flatcg`:
 *   - the standard scenarios (hogs, pipe, hackbench, schbench, rt-app) plus a cgroup scenario
 *     (nested groups, sleepers, pinned tasks, run-time moves and weight writes) on 1 CPU to
 *     2s16c2t, vtime and FIFO modes: nothing lost, no invariant broken, never ejected;
 *   - the defining property: nested weights compound (/a 100 {x 100, y 300}, /b 100, hogs on
 *     2 CPUs -> 12.5 / 37.5 / 50 %), as the fair class's group scheduling gives;
 *   - a cpu.weight write and a move at run time change the split from then on;
 *   - the knobs: fifo_sched (weights inside a cgroup ignored) and cgrp_slice_ns (how often
 *     a CPU picks a cgroup);
 *   - the user half's report (the per-CPU stats map).
 * Shares are measured over windows between snapshots of each task's on-CPU time, taken by a
 * periodic observer that does not change the run.
 */
#include <stdlib.h>
#include "cli/cli.h"
#include "scxsim/bpf_map.h"
#include "scxsim/bpf_sched.h"
#include "scxsim/user_half.h"
#include "test.h"
#include "scx_harness.h"

/* wl: a generator, inline JSON or a file; sched: "fair" or "flatcg[:knobs]" (-> DIR/flatcg.bpf.o[:knobs]) */
static int fstart(struct srun *r, const char *sched, const char *topo, const char *wl)
{
	struct machine_params p;
	char spec[512];

	if (workload_is_generator(wl) || wl[0] == '{') {
		int e = srun_start(r, topo, wl, NULL);
		if (e)
			return e;
	} else {
		memset(r, 0, sizeof(*r));
		if (topo_parse(topo, &r->t, r->err, sizeof(r->err)))
			return -1;
		if (workload_load_file(wl, &r->w, r->err, sizeof(r->err)))
			return -2;
		machine_params_default(&p);
		r->m = machine_create(r->t, r->w, &p, 1, r->err, sizeof(r->err));
		if (!r->m)
			return -3;
	}
	if (!strcmp(sched, "fair"))
		return 0;
	return cli_sched_attach(r->m, sched_spec(spec, sizeof(spec), sched), r->err, sizeof(r->err)) ? -4 : 0;
}

static u64 stat_sum(struct machine *m, u32 key)
{
	struct bpf_map *mp = bpf_sched_map(bpf_sched_of(m), "stats");
	u64 vals[64] = { 0 }, sum = 0;

	if (!mp || m->nr_cpus > 64 || bpf_map_user_lookup(mp, &key, vals, 0))
		return 0;
	for (int i = 0; i < m->nr_cpus; i++)
		sum += vals[i];
	return sum;
}

/* indices into flatcg's stats map (enum fcg_stat) */
enum { ST_ACT = 0, ST_DEACT = 1, ST_LOCAL = 2, ST_GLOBAL = 3, ST_PNC_NEXT = 12, ST_PNC_FAIL = 16 };

/* ---- the standard scenarios ----------------------------------------------------------------- */

static const char *const scheds[] = { "flatcg", "flatcg:fifo_sched=1" };
static const char *const topos[] = { "1", "4", "2s4c2t:llc=4", "2s16c2t" };
static const char *const finite_scenarios[] = {
	"cpuhog:n=6,work=40",
	"pipe:loops=2000",
	"hackbench:groups=1,fds=10,loops=20",
	"schbench:mthreads=2,workers=4,loops=30",
	"{\"tasks\":{\"p\":{\"instance\":4,\"loop\":30,\"run\":900,\"timer\":{\"ref\":\"unique\",\"period\":2000}},"
	"\"m\":{\"instance\":3,\"loop\":40,\"lock\":\"mx\",\"run\":200,\"unlock\":\"mx\",\"sleep\":100},"
	"\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":30,\"loop\":20,\"run\":300,\"sleep\":2000},"
	"\"n\":{\"priority\":10,\"instance\":2,\"loop\":5,\"run\":5000}}}",
	/* cgroups: nested groups, sleepers, a pinned task (the fallback path), moves into a group
	 * created on the way and back to the root, weight writes */
	"{\"cgroups\":{\"/a\":{\"weight\":200},\"/a/x\":{},\"/a/y\":{\"weight\":50},\"/b\":{}},"
	"\"tasks\":{\"h\":{\"taskgroup\":\"/a/x\",\"instance\":3,\"run\":20000},"
	"\"s\":{\"taskgroup\":\"/a/y\",\"instance\":3,\"loop\":60,\"run\":300,\"sleep\":400},"
	"\"q\":{\"taskgroup\":\"/b\",\"instance\":2,\"loop\":40,\"run\":700,\"sleep\":100},"
	"\"pin\":{\"taskgroup\":\"/b\",\"cpus\":[0],\"loop\":30,\"run\":500,\"sleep\":200}},"
	"\"cgroup_events\":[{\"at_ms\":5,\"task\":\"s\",\"cgroup\":\"/c/d\"},"
	"{\"at_ms\":8,\"cgroup\":\"/a\",\"weight\":20},"
	"{\"at_ms\":12,\"task\":\"h\",\"cgroup\":\"/b\"},"
	"{\"at_ms\":20,\"cgroup\":\"/c/d\",\"weight\":1000},"
	"{\"at_ms\":30,\"task\":\"q\",\"cgroup\":\"/\"},"
	"{\"at_ms\":40,\"task\":\"s\",\"cgroup\":\"/a/x\"}]}",
};

TEST(flatcg_standard_scenarios_lose_nothing)
{
	for (size_t s = 0; s < ARRAY_SIZE(scheds); s++)
		for (size_t t = 0; t < ARRAY_SIZE(topos); t++)
			for (size_t w = 0; w < ARRAY_SIZE(finite_scenarios); w++) {
				struct srun r;
				int e = fstart(&r, scheds[s], topos[t], finite_scenarios[w]);

				e = e ?: machine_run(r.m, 60 * NSEC_PER_SEC);
				if (e) {
					fprintf(stderr, "  %s on %s, scenario %zu: stage %d: %s\n", scheds[s],
						topos[t], w, e, r.err);
					srun_free(&r);
					FAIL_("could not run");
				}
				const struct scx_exit_info *ei = machine_scx_exit_info(r.m);
				if (ei->kind != SCX_EXIT_NONE || !nothing_lost(r.m, true) ||
				    stat_sum(r.m, ST_PNC_FAIL)) {
					fprintf(stderr, "  %s on %s, scenario %zu: exit %s %s\n", scheds[s],
						topos[t], w, scx_exit_kind_name(ei->kind), ei->msg);
					srun_free(&r);
					FAIL_("scenario failed");
				}
				srun_free(&r);
			}
}

TEST(flatcg_rtapp_examples_run)
{
	static const char *const files[] = {
		"tests/data/workload/rtapp/browser-short.json", "tests/data/workload/rtapp/mp3-short.json",
		"tests/data/workload/rtapp/video-short.json", "tests/data/workload/rtapp/spreading-tasks.json",
		"tests/data/workload/rtapp/tutorial/example3.json",
	};
	for (size_t s = 0; s < ARRAY_SIZE(scheds); s++)
		for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
			struct srun r;
			int e = fstart(&r, scheds[s], "2s2c2t", files[f]);

			e = e ?: machine_run(r.m, 2 * NSEC_PER_SEC);
			if (e || machine_scx_exit_info(r.m)->kind != SCX_EXIT_NONE || !nothing_lost(r.m, false)) {
				fprintf(stderr, "  %s on %s: stage %d %s %s\n", scheds[s], files[f], e, r.err,
					r.m ? machine_scx_exit_info(r.m)->msg : "");
				srun_free(&r);
				FAIL_("rt-app example failed");
			}
			srun_free(&r);
		}
}

/* ---- shares over windows ---------------------------------------------------------------------- */

#define SNAP_MAX 64
#define SNAP_TASKS 16
#define SNAP_NS (500 * NSEC_PER_MSEC)

struct snaps {
	struct machine *m;
	int n;
	u64 rt[SNAP_MAX][SNAP_TASKS]; /* on-CPU ns of tasks[0..15] at each snapshot */
};

static u64 runtime_now(struct machine *m, struct task_struct *p)
{
	struct rq *rq = cpu_rq(m, p->cpu);

	return p->st.runtime_ns + (rq->curr == p ? m->sim.now - rq->exec_start : 0);
}

static void snap_fn(void *ctx, u64 now)
{
	struct snaps *s = ctx;

	if (s->n >= SNAP_MAX)
		return;
	for (int i = 0; i < SNAP_TASKS && i < s->m->nr_tasks; i++)
		s->rt[s->n][i] = runtime_now(s->m, s->m->tasks[i]);
	s->n++;
}

/* snapshot k is taken at (k + 1) * 500 ms */
#define AT(ms) ((ms) / 500 - 1)

/* share (in %) of the tasks whose comm starts with prefix, between snapshots a and b */
static double share(const struct snaps *s, int a, int b, const char *prefix)
{
	u64 tot = 0, mine = 0;

	for (int k = 0; k < SNAP_TASKS && k < s->m->nr_tasks; k++) {
		u64 d = s->rt[b][k] - s->rt[a][k];

		tot += d;
		if (!strncmp(s->m->tasks[k]->comm, prefix, strlen(prefix)))
			mine += d;
	}
	return tot ? 100.0 * (double)mine / (double)tot : 0;
}

/* runs sched on 2 CPUs for dur with snapshots every 500 ms */
static int run_snapped(struct srun *r, struct snaps *s, const char *sched, const char *wl, u64 dur)
{
	int e = fstart(r, sched, "2", wl);

	memset(s, 0, sizeof(*s));
	s->m = r->m;
	e = e ?: machine_every(r->m, SNAP_NS, snap_fn, s);
	return e ?: machine_run(r->m, dur);
}

static bool within(double got, double want, double tol)
{
	return got > want - tol && got < want + tol;
}

/* /a (100) with /a/x (100) and /a/y (300), next to /b (100); two hogs in each leaf */
#define NESTED_CGROUPS \
	"\"cgroups\":{\"/a\":{\"weight\":100},\"/a/x\":{\"weight\":100},\"/a/y\":{\"weight\":300}," \
	"\"/b\":{\"weight\":100}}," \
	"\"tasks\":{\"x\":{\"instance\":2,\"taskgroup\":\"/a/x\",\"run\":100000000}," \
	"\"y\":{\"instance\":2,\"taskgroup\":\"/a/y\",\"run\":100000000}," \
	"\"b\":{\"instance\":2,\"taskgroup\":\"/b\",\"run\":100000000}}"

TEST(flatcg_nested_weights_compound_like_fair)
{
	static const char *const sch[] = { "flatcg", "fair" };

	for (size_t i = 0; i < ARRAY_SIZE(sch); i++) {
		struct srun r;
		struct snaps s;

		CHECK_EQ(run_snapped(&r, &s, sch[i], "{" NESTED_CGROUPS "}", 10 * NSEC_PER_SEC), 0);
		double x = share(&s, AT(1000), AT(10000), "x-"), y = share(&s, AT(1000), AT(10000), "y-");
		double b = share(&s, AT(1000), AT(10000), "b-");
		/* x: 1/2 * 100/400, y: 1/2 * 300/400, b: 1/2 of the machine, +-1 point */
		if (!within(x, 12.5, 1) || !within(y, 37.5, 1) || !within(b, 50, 1))
			FAIL_("%s: /a/x %.2f%% /a/y %.2f%% /b %.2f%%, want 12.5 / 37.5 / 50", sch[i], x, y, b);
		CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
		CHECK(nothing_lost(r.m, false));
		if (i == 0) {
			/* flatcg: the four cgroups went active once and stayed; cgroups were picked */
			CHECK_EQ(stat_sum(r.m, ST_ACT), 3);
			CHECK_EQ(stat_sum(r.m, ST_DEACT), 0);
			CHECK(stat_sum(r.m, ST_PNC_NEXT) > 900);
		}
		srun_free(&r);
	}
}

TEST(flatcg_weight_write_changes_the_split)
{
	struct srun r;
	struct snaps s;

	/* at 5 s /a goes 100 -> 300: /a 3/4, so x 3/16, y 9/16, b 1/4 */
	CHECK_EQ(run_snapped(&r, &s, "flatcg", "{" NESTED_CGROUPS ",\"cgroup_events\":"
			     "[{\"at_ms\":5000,\"cgroup\":\"/a\",\"weight\":300}]}", 10 * NSEC_PER_SEC), 0);
	double bx = share(&s, AT(1000), AT(5000), "x-"), by = share(&s, AT(1000), AT(5000), "y-");
	double bb = share(&s, AT(1000), AT(5000), "b-");
	double ax = share(&s, AT(6000), AT(10000), "x-"), ay = share(&s, AT(6000), AT(10000), "y-");
	double ab = share(&s, AT(6000), AT(10000), "b-");
	if (!within(bx, 12.5, 1) || !within(by, 37.5, 1) || !within(bb, 50, 1))
		FAIL_("before the write /a/x %.2f%% /a/y %.2f%% /b %.2f%%, want 12.5 / 37.5 / 50", bx, by, bb);
	if (!within(ax, 18.75, 1) || !within(ay, 56.25, 1) || !within(ab, 25, 1))
		FAIL_("after the write /a/x %.2f%% /a/y %.2f%% /b %.2f%%, want 18.75 / 56.25 / 25", ax, ay, ab);
	CHECK_EQ(r.m->nr_cgroup_weight_writes, 1);
	CHECK(nothing_lost(r.m, false));
	srun_free(&r);
}

TEST(flatcg_move_deactivates_the_emptied_cgroup)
{
	struct srun r;
	struct snaps s;

	/* at 5 s both hogs of /a/x move into /b: /a/x goes inactive, so /a/y alone holds /a's
	 * half; /b (4 hogs now) keeps its half */
	CHECK_EQ(run_snapped(&r, &s, "flatcg", "{" NESTED_CGROUPS ",\"cgroup_events\":"
			     "[{\"at_ms\":5000,\"task\":\"x\",\"cgroup\":\"/b\"}]}", 10 * NSEC_PER_SEC), 0);
	double bx = share(&s, AT(1000), AT(5000), "x-"), by = share(&s, AT(1000), AT(5000), "y-");
	double ay = share(&s, AT(6000), AT(10000), "y-");
	double ab = share(&s, AT(6000), AT(10000), "x-") + share(&s, AT(6000), AT(10000), "b-");
	if (!within(bx, 12.5, 1) || !within(by, 37.5, 1))
		FAIL_("before the move /a/x %.2f%% /a/y %.2f%%, want 12.5 / 37.5", bx, by);
	if (!within(ay, 50, 1) || !within(ab, 50, 1))
		FAIL_("after the move /a/y %.2f%% /b %.2f%%, want 50 / 50", ay, ab);
	CHECK_STR(by_comm(r.m, "x-0")->tg->path, "/b");
	CHECK_EQ(stat_sum(r.m, ST_DEACT), 1); /* /a/x, once its last task left */
	CHECK_EQ(r.m->nr_cgroup_moves, 2); /* threads moved */
	CHECK(nothing_lost(r.m, false));
	srun_free(&r);
}

/* The limit the design comment states: one hog per cgroup, three cgroups, two CPUs. At the
 * end of a slice the CPU's own task is not queued, so the only cgroup on the tree is the one
 * waiting: it always wins, and the cgroups take turns whatever their weights. */
TEST(flatcg_one_hog_per_cgroup_takes_turns)
{
	struct srun r;
	struct snaps s;

	CHECK_EQ(run_snapped(&r, &s, "flatcg",
			     "{\"cgroups\":{\"/a\":{},\"/a/x\":{},\"/a/y\":{\"weight\":300},\"/b\":{}},"
			     "\"tasks\":{\"x\":{\"taskgroup\":\"/a/x\",\"run\":100000000},"
			     "\"y\":{\"taskgroup\":\"/a/y\",\"run\":100000000},"
			     "\"b\":{\"taskgroup\":\"/b\",\"run\":100000000}}}", 10 * NSEC_PER_SEC), 0);
	double x = share(&s, AT(1000), AT(10000), "x"), y = share(&s, AT(1000), AT(10000), "y");
	double b = share(&s, AT(1000), AT(10000), "b");
	if (!within(x, 33.3, 1) || !within(y, 33.3, 1) || !within(b, 33.3, 1))
		FAIL_("/a/x %.2f%% /a/y %.2f%% /b %.2f%%, want a third each", x, y, b);
	CHECK(nothing_lost(r.m, false));
	srun_free(&r);
}

/* ---- knobs ------------------------------------------------------------------------------------ */

/* two nice-0 and two nice-5 hogs in one cgroup on 1 CPU: weighted vtime vs FIFO (two of
 * each: the running task is not in its DSQ when the CPU dispatches, so with one task of each
 * weight dispatch could only alternate them) */
static double nice_ratio(const char *sched)
{
	struct srun r;
	double q = 0;

	if (fstart(&r, sched, "1", "{\"tasks\":{\"n0\":{\"taskgroup\":\"/g\",\"instance\":2,\"run\":100000},"
				   "\"n5\":{\"taskgroup\":\"/g\",\"instance\":2,\"priority\":5,\"run\":100000}}}") == 0 &&
	    machine_run(r.m, 20 * NSEC_PER_SEC) == 0)
		q = (double)(by_comm(r.m, "n0-0")->st.runtime_ns + by_comm(r.m, "n0-1")->st.runtime_ns) /
		    (double)(by_comm(r.m, "n5-0")->st.runtime_ns + by_comm(r.m, "n5-1")->st.runtime_ns);
	srun_free(&r);
	return q;
}

TEST(flatcg_knob_fifo_sched_ignores_task_weights)
{
	double vt = nice_ratio("flatcg"), fifo = nice_ratio("flatcg:fifo_sched=1");
	double want = 1024.0 / 335.0;

	if (vt < want * 0.97 || vt > want * 1.03)
		FAIL_("flatcg (vtime): nice0/nice5 runtime %.4f, want %.4f +-3%%", vt, want);
	if (fifo < 0.95 || fifo > 1.05)
		FAIL_("flatcg (fifo): nice0/nice5 runtime %.4f, want 1 +-5%%", fifo);
}

static u64 picks(const char *sched)
{
	struct srun r;
	u64 n = 0;

	if (fstart(&r, sched, "2", "{" NESTED_CGROUPS "}") == 0 && machine_run(r.m, 2 * NSEC_PER_SEC) == 0)
		n = stat_sum(r.m, ST_PNC_NEXT);
	srun_free(&r);
	return n;
}

TEST(flatcg_knob_cgrp_slice_ns_sets_how_often_cgroups_are_picked)
{
	/* 2 CPUs for 2 s, tasks' slices 20 ms: with the default 20 ms cgroup slice a CPU picks a
	 * cgroup at every task slice; with 100 ms it keeps serving its cgroup for five */
	u64 dfl = picks("flatcg"), longer = picks("flatcg:cgrp_slice_ns=100000000");

	if (dfl < 190 || dfl > 210)
		FAIL_("default 20 ms cgroup slice: %llu picks in 2 s on 2 CPUs, want ~200",
		      (unsigned long long)dfl);
	if (longer < 30 || longer > 60)
		FAIL_("100 ms cgroup slice: %llu picks in 2 s on 2 CPUs, want ~40",
		      (unsigned long long)longer);
}

/* ---- user half -------------------------------------------------------------------------------- */

TEST(flatcg_user_half_reports_the_stats_map)
{
	struct srun r;
	struct user_half_ctx ctx;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned long long gen = 0, act = 0, next = 0;

	CHECK_EQ(fstart(&r, "flatcg", "2", "{" NESTED_CGROUPS "}"), 0);
	const struct user_half *uh = user_half_start(r.m, 2, f, &ctx);
	CHECK(uh && !strcmp(uh->name, "flatcg"));
	CHECK_EQ(machine_run(r.m, 3 * NSEC_PER_SEC), 0);
	uh->fini(&ctx);
	fclose(f);
	CHECK_CONTAINS(buf, "flatcg: t=1.000s hweight_gen=");
	const char *last = strstr(buf, "flatcg: t=3.000s");
	CHECK(last && sscanf(last, "flatcg: t=%*fs hweight_gen=%llu act=%llu", &gen, &act) == 2);
	CHECK(last && strstr(last, "PNC next=") && sscanf(strstr(last, "PNC next="), "PNC next=%llu", &next) == 1);
	/* the figures are the BPF side's: 3 leaves went active, each activation bumped the gen */
	CHECK_EQ(act, 3);
	CHECK_EQ(act, stat_sum(r.m, ST_ACT));
	CHECK(gen >= 1 + act);
	CHECK_EQ(next, stat_sum(r.m, ST_PNC_NEXT));
	free(buf);
	srun_free(&r);
}

/* ---- what flatcg's bypass charge reads --------------------------------------------------------- */

/* p->se.sum_exec_runtime grows while an ext task runs (the kernel's update_curr_scx ->
 * update_curr_common), so ops.stopping can charge the time a task ran outside the tree */
TEST(flatcg_ext_tasks_accumulate_sum_exec_runtime)
{
	struct srun r;

	CHECK_EQ(fstart(&r, "flatcg", "2", "pipe:loops=500"), 0);
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	CHECK(nothing_lost(r.m, true));
	for (int i = 0; i < r.m->nr_tasks; i++) {
		struct task_struct *p = r.m->tasks[i];

		CHECK(p->st.runtime_ns > 0);
		CHECK_EQ(p->se.sum_exec_runtime, p->st.runtime_by_class[class_index(&ext_sched_class)]);
	}
	/* pipe's wake-ups find idle CPUs: those runs bypassed the tree and were charged after */
	CHECK(stat_sum(r.m, ST_LOCAL) > 100);
	srun_free(&r);
}
