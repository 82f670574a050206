/*
 * test_sched_pair.c — the pair example scheduler (scheds/pair.bpf.c, built into build/scheds
 * or $SCXSIM_SCHEDS_DIR) through the path of `scxsim run --sched pair[:knobs]`: the standard
 * scenarios on 1 CPU to 2s16c2t (odd CPU counts included) with nothing lost; its defining
 * property checked on the run's own Perfetto trace — at no instant do the two CPUs of a pair
 * run ext tasks of different cgroups, while both cgroups progress and finish — against simple,
 * which does mix them (so the check can fail); the stride knob's effect on the pairing and the
 * schedule; bad strides failing the load; rt preemption stopping the partner; the user half.
 */
#include <stdlib.h>
#include "cli/cli.h"
#include "machine/machine_int.h"
#include "scxsim/bpf_sched.h"
#include "scxsim/json.h"
#include "scxsim/user_half.h"
#include "test.h"
#include "scx_harness.h"

struct prun {
	struct topo *t;
	struct workload *w;
	struct machine *m;
	char *trace;          /* the run's Perfetto trace when asked for */
	size_t trace_len;
	char err[1024];
};

static int prun(struct prun *r, const char *sched, const char *topo, const char *wl, u64 dur,
		bool trace)
{
	struct machine_params p;
	FILE *tf = NULL;
	char spec[512];
	int e;

	memset(r, 0, sizeof(*r));
	if (topo_parse(topo, &r->t, r->err, sizeof(r->err)))
		return -1;
	if (workload_is_generator(wl))
		e = workload_generate(wl, &r->w, r->err, sizeof(r->err));
	else if (wl[0] == '{')
		e = workload_load_buf("t.json", wl, strlen(wl), &r->w, r->err, sizeof(r->err));
	else
		e = workload_load_file(wl, &r->w, r->err, sizeof(r->err));
	if (e)
		return -2;
	machine_params_default(&p);
	r->m = machine_create(r->t, r->w, &p, 1, r->err, sizeof(r->err));
	if (!r->m)
		return -3;
	if (cli_sched_attach(r->m, sched_spec(spec, sizeof(spec), sched), r->err, sizeof(r->err)))
		return -4;
	if (trace && (!(tf = open_memstream(&r->trace, &r->trace_len)) || machine_trace_open(r->m, tf)))
		return -5;
	e = machine_run(r->m, dur);
	if (tf && (machine_trace_close(r->m) | fclose(tf)))
		return -6;
	return e;
}

static void pfree(struct prun *r)
{
	machine_destroy(r->m);
	workload_free(r->w);
	topo_free(r->t);
	free(r->trace);
}

/* ---- the standard scenarios ------------------------------------------------------------------ */

static const char *const topos[] = { "1", "3", "4", "2s4c2t:llc=4", "2s16c2t" };
static const char *const finite_scenarios[] = {
	"cpuhog:n=6,work=40",
	"pipe:loops=2000",
	"hackbench:groups=1,fds=10,loops=20",
	"schbench:mthreads=2,workers=4,loops=30",
	"{\"tasks\":{\"p\":{\"instance\":4,\"loop\":30,\"run\":900,\"timer\":{\"ref\":\"unique\",\"period\":2000}},"
	"\"m\":{\"instance\":3,\"loop\":40,\"lock\":\"mx\",\"run\":200,\"unlock\":\"mx\",\"sleep\":100},"
	"\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":30,\"loop\":20,\"run\":300,\"sleep\":2000},"
	"\"n\":{\"priority\":10,\"instance\":2,\"loop\":5,\"run\":5000}}}",
	/* the same kinds of tasks spread over three cgroups */
	"{\"tasks\":{\"p\":{\"instance\":4,\"taskgroup\":\"/a\",\"loop\":30,\"run\":900,\"sleep\":700},"
	"\"m\":{\"instance\":3,\"taskgroup\":\"/b\",\"loop\":40,\"lock\":\"mx\",\"run\":200,\"unlock\":\"mx\",\"sleep\":100},"
	"\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":30,\"loop\":20,\"run\":300,\"sleep\":2000},"
	"\"n\":{\"taskgroup\":\"/c/d\",\"instance\":5,\"loop\":5,\"run\":5000}}}",
};

TEST(sched_pair_standard_scenarios_lose_nothing)
{
	for (size_t t = 0; t < ARRAY_SIZE(topos); t++)
		for (size_t w = 0; w < ARRAY_SIZE(finite_scenarios); w++) {
			struct prun r;
			int e = prun(&r, "pair", topos[t], finite_scenarios[w], 60 * NSEC_PER_SEC, false);
			const struct scx_exit_info *ei = e ? NULL : machine_scx_exit_info(r.m);

			if (e || ei->kind != SCX_EXIT_NONE || !all_finished(r.m)) {
				fprintf(stderr, "  pair on %s, scenario %zu: stage %d %s, exit %s %s\n", topos[t],
					w, e, r.err, ei ? scx_exit_kind_name(ei->kind) : "-", ei ? ei->msg : "");
				pfree(&r);
				FAIL_("scenario failed");
			}
			pfree(&r);
		}
}

TEST(sched_pair_rtapp_examples_run)
{
	static const char *const files[] = {
		"tests/data/workload/rtapp/browser-short.json", "tests/data/workload/rtapp/mp3-short.json",
		"tests/data/workload/rtapp/video-short.json", "tests/data/workload/rtapp/spreading-tasks.json",
		"tests/data/workload/rtapp/tutorial/example3.json",
	};
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		struct prun r;
		CHECK_EQ(prun(&r, "pair", "2s2c2t", files[f], 2 * NSEC_PER_SEC, false), 0);
		if (machine_scx_exit_info(r.m)->kind != SCX_EXIT_NONE || r.m->nr_violations) {
			fprintf(stderr, "  pair on %s: %s\n", files[f], machine_scx_exit_info(r.m)->msg);
			pfree(&r);
			FAIL_("rt-app example failed");
		}
		/* cut off by the 2 s, but nothing finished short of its work */
		for (int i = 0; i < r.m->nr_tasks; i++) {
			struct task_struct *p = r.m->tasks[i];
			CHECK(!p->st.finished || (s64)p->st.work_done_ns == p->st.work_total_ns);
		}
		pfree(&r);
	}
}

/* ---- the defining property, from the trace ------------------------------------------------- */

struct slice {
	u64 start, end;       /* ns */
	const struct cgroup *cg;
};

struct cpu_slices {
	struct slice *v;
	int n, cap;
};

struct mix {
	u64 same_ns;          /* both CPUs of a pair ran ext tasks of one cgroup */
	u64 mixed_ns;         /* ... of different cgroups */
	int nr_mixed;         /* overlapping slice pairs of different cgroups */
};

static const struct cgroup *pid_cgroup(struct machine *m, s64 pid)
{
	for (int i = 0; i < m->nr_tasks; i++)
		if (m->tasks[i]->pid == pid)
			return m->tasks[i]->tg;
	return NULL;
}

static u64 ts_ns(const struct json_value *v)
{
	return v && v->type == JSON_NUMBER ? (u64)(v->num.d * 1000.0 + 0.5) : 0;
}

/* Every slice of a task of class cls ("ext", "rt") in the trace, per CPU (the trace lists
 * them in end order per CPU). */
static struct cpu_slices *trace_class_slices(struct prun *r, const char *cls_name, char *err,
					     size_t errlen)
{
	struct json_value *root = json_parse(r->trace, r->trace_len, JSON_STRICT, err, errlen);
	const struct json_value *evs = root ? json_get(root, "traceEvents") : NULL;
	struct cpu_slices *cs = calloc(r->m->nr_cpus, sizeof(*cs));

	for (int i = 0; evs && cs && i < evs->arr.n; i++) {
		const struct json_value *e = evs->arr.v[i], *ph = json_get(e, "ph"), *cat = json_get(e, "cat");
		const struct json_value *args = json_get(e, "args"), *cls, *pid, *tid = json_get(e, "tid");

		if (!ph || strcmp(ph->str.s, "X") || !cat || strcmp(cat->str.s, "sched") || !args)
			continue;
		cls = json_get(args, "class");
		pid = json_get(args, "pid");
		if (!cls || strcmp(cls->str.s, cls_name) || !pid || !tid || tid->num.i < 0 ||
		    tid->num.i >= r->m->nr_cpus)
			continue;
		struct cpu_slices *c = &cs[tid->num.i];
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->v = realloc(c->v, c->cap * sizeof(*c->v));
		}
		u64 start = ts_ns(json_get(e, "ts"));
		c->v[c->n++] = (struct slice){ start, start + ts_ns(json_get(e, "dur")),
					       pid_cgroup(r->m, pid->num.i) };
	}
	json_free(root);
	return cs;
}

static struct cpu_slices *trace_slices(struct prun *r, char *err, size_t errlen)
{
	return trace_class_slices(r, "ext", err, errlen);
}

static void slices_free(struct cpu_slices *cs, int nr)
{
	for (int i = 0; cs && i < nr; i++)
		free(cs[i].v);
	free(cs);
}

/* Time CPUs a and b overlapped running ext tasks of the same / of different cgroups. */
static void overlap(const struct cpu_slices *a, const struct cpu_slices *b, struct mix *mx)
{
	for (int i = 0, j = 0; i < a->n && j < b->n;) {
		const struct slice *x = &a->v[i], *y = &b->v[j];
		u64 lo = x->start > y->start ? x->start : y->start;
		u64 hi = x->end < y->end ? x->end : y->end;

		if (lo < hi) {
			if (x->cg == y->cg) {
				mx->same_ns += hi - lo;
			} else {
				mx->mixed_ns += hi - lo;
				mx->nr_mixed++;
			}
		}
		if (x->end < y->end)
			i++;
		else
			j++;
	}
}

/* The overlap on CPUs a and b of a traced run of sched on topo. */
static struct mix pair_mix(const char *sched, const char *topo, const char *wl, int a, int b,
			   struct prun *r)
{
	struct mix mx = { 0 };
	char err[256] = "";

	if (prun(r, sched, topo, wl, 30 * NSEC_PER_SEC, true)) {
		fprintf(stderr, "  %s on %s did not run: %s\n", sched, topo, r->err);
		return (struct mix){ .nr_mixed = -1 };
	}
	struct cpu_slices *cs = trace_slices(r, err, sizeof(err));
	if (!cs || !cs[a].n || !cs[b].n) {
		fprintf(stderr, "  %s on %s: no slices on CPU %d or %d %s\n", sched, topo, a, b, err);
		mx.nr_mixed = -1;
	} else {
		overlap(&cs[a], &cs[b], &mx);
	}
	slices_free(cs, r->m->nr_cpus);
	return mx;
}

/* CPU work the tasks of cgroup path did (runtime_ns would add switch costs) */
static u64 cgroup_work(struct machine *m, const char *path)
{
	u64 ns = 0;
	for (int i = 0; i < m->nr_tasks; i++)
		if (m->tasks[i]->tg && !strcmp(m->tasks[i]->tg->path, path))
			ns += m->tasks[i]->st.work_done_ns;
	return ns;
}

/* two cgroups of CPU hogs with short sleeps, more tasks than CPUs */
static const char two_groups[] =
	"{\"tasks\":{\"a\":{\"instance\":3,\"taskgroup\":\"/a\",\"loop\":40,\"run\":3000,\"sleep\":300},"
	"\"b\":{\"instance\":3,\"taskgroup\":\"/b\",\"loop\":40,\"run\":2000,\"sleep\":500}}}";

TEST(sched_pair_two_cpus_never_run_two_cgroups_at_once)
{
	struct prun r;
	struct mix mx = pair_mix("pair", "1s1c2t", two_groups, 0, 1, &r);

	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	/* not one instant of CPU 0 and CPU 1 running tasks of /a and /b together */
	if (mx.nr_mixed || mx.mixed_ns)
		FAIL_("pair: %d overlaps, %llu ns, of different cgroups on CPUs 0 and 1", mx.nr_mixed,
		      (unsigned long long)mx.mixed_ns);
	/* and the pair really ran together: most of the 600 ms of work, as 2 CPUs */
	u64 a = cgroup_work(r.m, "/a"), b = cgroup_work(r.m, "/b");
	if (mx.same_ns < 200 * NSEC_PER_MSEC)
		FAIL_("pair: CPUs 0 and 1 co-ran only %llu ns", (unsigned long long)mx.same_ns);
	/* both cgroups progressed and finished: 360 ms and 240 ms of work, all done */
	CHECK(all_finished(r.m));
	CHECK_EQ(a, 360 * NSEC_PER_MSEC);
	CHECK_EQ(b, 240 * NSEC_PER_MSEC);
	/* neither waited for the other to finish: /b was half done before /a finished */
	struct bpf_sched *s = bpf_sched_of(r.m);
	size_t sz;
	u64 *next = bpf_sched_global(s, "nr_cgrp_next", &sz);
	CHECK(next && *next >= 10);   /* the pair switched cgroups back and forth */
	fprintf(stderr, "  pair 1s1c2t: co-ran %.1f ms same cgroup, 0 mixed; %llu cgroup switches; done at %.1f ms\n",
		mx.same_ns / 1e6, next ? (unsigned long long)*next : 0ULL, r.m->sim.now / 1e6);
	pfree(&r);

	/* the check can fail: simple, on the same run, mixes the cgroups */
	mx = pair_mix("simple", "1s1c2t", two_groups, 0, 1, &r);
	if (mx.nr_mixed <= 0 || mx.mixed_ns < 50 * NSEC_PER_MSEC)
		FAIL_("simple: only %d overlaps (%llu ns) of different cgroups", mx.nr_mixed,
		      (unsigned long long)mx.mixed_ns);
	fprintf(stderr, "  simple 1s1c2t: %.1f ms mixed in %d overlaps\n", mx.mixed_ns / 1e6, mx.nr_mixed);
	pfree(&r);
}

/* both cgroups progress *during* the run, not one after the other */
TEST(sched_pair_cgroups_take_turns)
{
	static const char open_ended[] =
		"{\"tasks\":{\"a\":{\"instance\":2,\"taskgroup\":\"/a\",\"run\":1000000},"
		"\"b\":{\"instance\":2,\"taskgroup\":\"/b\",\"run\":1000000}}}";
	struct prun r;

	CHECK_EQ(prun(&r, "pair", "1s1c2t", open_ended, 2 * NSEC_PER_SEC, false), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	u64 a = cgroup_work(r.m, "/a"), b = cgroup_work(r.m, "/b");
	/* 4 s of CPU in 2 s on 2 CPUs: round robin by 20 ms batches gives each cgroup about half */
	if (a < 1800 * NSEC_PER_MSEC || b < 1800 * NSEC_PER_MSEC)
		FAIL_("runtime /a %llu ms, /b %llu ms: want >= 1800 each", (unsigned long long)(a / NSEC_PER_MSEC),
		      (unsigned long long)(b / NSEC_PER_MSEC));
	pfree(&r);
}

/* on 16 CPUs with three cgroups each pair (i, i + 8) stays pure; non-pairs do mix */
static const char three_groups[] =
	"{\"tasks\":{\"a\":{\"instance\":12,\"taskgroup\":\"/a\",\"loop\":20,\"run\":3000,\"sleep\":300},"
	"\"b\":{\"instance\":12,\"taskgroup\":\"/b\",\"loop\":20,\"run\":2000,\"sleep\":500},"
	"\"c\":{\"instance\":12,\"taskgroup\":\"/c/x\",\"loop\":30,\"run\":1000,\"sleep\":1000}}}";

TEST(sched_pair_every_pair_of_a_big_machine_stays_in_one_cgroup)
{
	struct prun r;
	char err[256] = "";

	CHECK_EQ(prun(&r, "pair", "2s4c2t", three_groups, 30 * NSEC_PER_SEC, true), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	struct cpu_slices *cs = trace_slices(&r, err, sizeof(err));
	CHECK(cs != NULL);
	struct mix pairs = { 0 }, others = { 0 };
	for (int c = 0; cs && c < 8; c++) {
		overlap(&cs[c], &cs[c + 8], &pairs);
		overlap(&cs[c], &cs[(c + 1) % 8], &others);   /* CPUs that are not a pair */
	}
	if (pairs.nr_mixed)
		FAIL_("pairs (i, i+8) mixed cgroups %d times, %llu ns", pairs.nr_mixed,
		      (unsigned long long)pairs.mixed_ns);
	CHECK(pairs.same_ns > 100 * NSEC_PER_MSEC);
	CHECK(others.mixed_ns > 10 * NSEC_PER_MSEC);
	fprintf(stderr, "  pair 2s4c2t: pairs co-ran %.1f ms, 0 mixed; non-pairs mixed %.1f ms\n",
		pairs.same_ns / 1e6, others.mixed_ns / 1e6);
	slices_free(cs, r.m->nr_cpus);
	pfree(&r);
}

/* ---- knobs ----------------------------------------------------------------------------------- */

static s32 partner(struct machine *m, int cpu)
{
	size_t sz = 0;
	s32 *v = bpf_sched_global(bpf_sched_of(m), "cpu_pairs", &sz);   /* {pair_cpu, pair_id, idx} */
	return v && sz >= (size_t)(cpu + 1) * 12 ? v[cpu * 3] : -2;
}

TEST(sched_pair_stride_knob_picks_the_pairs)
{
	struct prun r;
	struct mix def = pair_mix("pair", "4", two_groups, 0, 2, &r);

	/* default stride nr_cpus / 2: (0,2) (1,3) are pairs, 0 and 1 are not */
	CHECK_EQ(partner(r.m, 0), 2);
	CHECK_EQ(partner(r.m, 1), 3);
	CHECK_EQ(def.nr_mixed, 0);
	CHECK(def.same_ns > 50 * NSEC_PER_MSEC);
	pfree(&r);
	struct mix def01 = pair_mix("pair", "4", two_groups, 0, 1, &r);
	CHECK(def01.mixed_ns > 0);
	pfree(&r);

	/* stride=1: (0,1) (2,3); now 0 and 1 never mix and 0 and 2 do */
	struct mix s1 = pair_mix("pair:stride=1", "4", two_groups, 0, 1, &r);
	CHECK_EQ(partner(r.m, 0), 1);
	CHECK_EQ(partner(r.m, 3), 2);
	CHECK_EQ(s1.nr_mixed, 0);
	CHECK(s1.same_ns > 50 * NSEC_PER_MSEC);
	CHECK(all_finished(r.m));
	pfree(&r);
	struct mix s1_02 = pair_mix("pair:stride=1", "4", two_groups, 0, 2, &r);
	CHECK(s1_02.mixed_ns > 0);
	pfree(&r);

	/* odd CPU count, default stride: CPU 2 of 3 is a pair of one */
	CHECK_EQ(prun(&r, "pair", "3", two_groups, 30 * NSEC_PER_SEC, false), 0);
	CHECK_EQ(partner(r.m, 0), 1);
	CHECK_EQ(partner(r.m, 2), -1);
	CHECK(all_finished(r.m));
	pfree(&r);
}

TEST(sched_pair_fail_bad_stride)
{
	static const struct { const char *sched, *topo, *msg; } bad[] = {
		{ "pair:stride=4", "4", "invalid stride 4: CPU 0 would pair with itself, CPU 0" },
		{ "pair:stride=2", "6", "invalid stride 2: CPU 4 would pair with already paired CPU 0" },
		{ "pair:stride=1", "3", "invalid stride 1: CPU 2 would pair with already paired CPU 0" },
	};
	/* ops.init refuses: attached, then ejected at once (upstream 6.12+), tasks run on fair */
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct prun r;
		int e = prun(&r, bad[i].sched, bad[i].topo, "cpuhog:n=2,work=10", NSEC_PER_SEC, false);
		const struct scx_exit_info *ei = e ? NULL : machine_scx_exit_info(r.m);

		if (e || ei->kind < SCX_EXIT_ERROR || !strstr(ei->msg, bad[i].msg)) {
			fprintf(stderr, "  %s on %s: stage %d: %s %s\n", bad[i].sched, bad[i].topo, e, r.err,
				ei ? ei->msg : "");
			FAIL_("want the scheduler ejected at attach with '%s'", bad[i].msg);
		}
		pfree(&r);
	}
}

/* pair_batch_dur_ns: how long a pair stays on one cgroup; a longer batch, fewer switches */
TEST(sched_pair_batch_knob_sets_how_long_a_pair_stays)
{
	static const char hogs[] =   /* open-ended: they run for the whole 2 s */
		"{\"tasks\":{\"a\":{\"instance\":2,\"taskgroup\":\"/a\",\"run\":200000},"
		"\"b\":{\"instance\":2,\"taskgroup\":\"/b\",\"run\":200000}}}";
	u64 switches[2] = { 0, 0 }, work[2][2];
	const char *specs[2] = { "pair:pair_batch_dur_ns=5000000,slice_ns=5000000",
				 "pair:pair_batch_dur_ns=50000000,slice_ns=5000000" };

	for (int i = 0; i < 2; i++) {
		struct prun r;
		size_t sz;
		CHECK_EQ(prun(&r, specs[i], "1s1c2t", hogs, 2 * NSEC_PER_SEC, false), 0);
		CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
		CHECK_EQ(r.m->nr_violations, 0);
		u64 *next = bpf_sched_global(bpf_sched_of(r.m), "nr_cgrp_next", &sz);
		switches[i] = next ? *next : 0;
		work[i][0] = cgroup_work(r.m, "/a");
		work[i][1] = cgroup_work(r.m, "/b");
		pfree(&r);
	}
	/* 2 s: a switch every 5 ms (plus a tick to notice) vs every 50 ms */
	if (switches[0] < 300 || switches[0] > 400 || switches[1] < 35 || switches[1] > 42)
		FAIL_("cgroup switches in 2 s: %llu with 5 ms batches, %llu with 50 ms",
		      (unsigned long long)switches[0], (unsigned long long)switches[1]);
	fprintf(stderr, "  pair batches: %llu cgroup switches in 2 s with 5 ms, %llu with 50 ms\n",
		(unsigned long long)switches[0], (unsigned long long)switches[1]);
	/* either way both cgroups get about half of the 4 CPU-seconds */
	for (int i = 0; i < 2; i++)
		for (int g = 0; g < 2; g++)
			if (work[i][g] < 1800 * NSEC_PER_MSEC)
				FAIL_("%s: cgroup %d did %llu ms of work", specs[i], g,
				      (unsigned long long)(work[i][g] / NSEC_PER_MSEC));
}

/* ---- rt preemption: the partner stops too ---------------------------------------------------- */

TEST(sched_pair_rt_on_one_cpu_stops_its_partner)
{
	static const char wl[] =
		"{\"tasks\":{\"a\":{\"instance\":2,\"taskgroup\":\"/a\",\"loop\":30,\"run\":4000,\"sleep\":200},"
		"\"b\":{\"instance\":2,\"taskgroup\":\"/b\",\"loop\":30,\"run\":4000,\"sleep\":200},"
		"\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":30,\"cpus\":[0],\"loop\":40,\"run\":2000,\"sleep\":3000}}}";
	struct prun r;
	char err[256] = "";

	CHECK_EQ(prun(&r, "pair", "1s1c2t", wl, 30 * NSEC_PER_SEC, true), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	size_t sz;
	u64 *pre = bpf_sched_global(bpf_sched_of(r.m), "nr_preemptions", &sz);
	CHECK(pre && *pre >= 20);
	struct cpu_slices *cs = trace_slices(&r, err, sizeof(err));
	struct cpu_slices *rt = trace_class_slices(&r, "rt", err, sizeof(err));
	struct mix mx = { 0 }, during_rt = { 0 };
	CHECK(cs && rt && rt[0].n >= 40);
	overlap(&cs[0], &cs[1], &mx);
	CHECK_EQ(mx.nr_mixed, 0);
	/* while rt holds CPU 0, CPU 1 runs no ext task: it stops within the kick's IPI latency
	 * (p->tg of the rt task is the root cgroup, so any ext slice counts as mixed) */
	overlap(&rt[0], &cs[1], &during_rt);
	u64 rt_ns = 0;
	for (int i = 0; i < rt[0].n; i++)
		rt_ns += rt[0].v[i].end - rt[0].v[i].start;
	if (during_rt.mixed_ns + during_rt.same_ns > (u64)rt[0].n * 2000)
		FAIL_("CPU 1 ran ext tasks for %llu ns of the %llu ns rt held CPU 0 (%d rt runs)",
		      (unsigned long long)(during_rt.mixed_ns + during_rt.same_ns),
		      (unsigned long long)rt_ns, rt[0].n);
	fprintf(stderr, "  pair + rt: CPU 1 ran ext for %.1f us of the %.1f ms rt held CPU 0\n",
		(during_rt.mixed_ns + during_rt.same_ns) / 1e3, rt_ns / 1e6);
	slices_free(cs, r.m->nr_cpus);
	slices_free(rt, r.m->nr_cpus);
	pfree(&r);
}

/*
 * What pair's cpu_release relies on: as the kernel's switch_class() at the end of
 * put_prev_task_scx(), ops.cpu_release runs after the preempted ext task (slice left) went back
 * to the local DSQ, so scx_bpf_reenqueue_local() takes it back. One ext task, one rt task.
 */
static u32 cr_releases, cr_reenq;
static void cr_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}
static void cr_release(s32 cpu, struct scx_cpu_release_args *args)
{
	cr_releases++;
	cr_reenq += scx_bpf_reenqueue_local();
}

TEST(sched_pair_cpu_release_sees_the_preempted_task_on_the_local_dsq)
{
	static const struct sched_ext_ops ops = {
		.enqueue = cr_enqueue, .cpu_release = cr_release, .name = "release_order",
	};
	static const char wl[] = "{\"tasks\":{\"e\":{\"loop\":1,\"run\":100000},"
		"\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":20,\"loop\":10,\"sleep\":4000,\"run\":1000}}}";
	struct topo *t = NULL;
	struct workload *w = NULL;
	struct machine_params p;
	char err[256];

	cr_releases = cr_reenq = 0;
	CHECK_EQ(topo_parse("1", &t, err, sizeof(err)), 0);
	CHECK_EQ(workload_load_buf("t.json", wl, strlen(wl), &w, err, sizeof(err)), 0);
	machine_params_default(&p);
	struct machine *m = machine_create(t, w, &p, 1, err, sizeof(err));
	CHECK(m && machine_attach_scx(m, &ops, err, sizeof(err)) == 0);
	CHECK_EQ(machine_run(m, 10 * NSEC_PER_SEC), 0);
	CHECK(all_finished(m));
	/* the rt task takes the CPU 10 times; from the second on, e runs then with slice left
	 * (20 ms slices, 5 ms rt period) and each release re-enqueues exactly e */
	CHECK(cr_releases >= 10 && cr_releases <= 11);
	CHECK(cr_reenq >= 9 && cr_reenq <= cr_releases);
	machine_destroy(m);
	workload_free(w);
	topo_free(t);
}

/* ---- user half --------------------------------------------------------------------------------- */

TEST(sched_pair_user_half_reports_its_counters)
{
	struct prun r;
	struct user_half_ctx ctx;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct machine_params p;
	char spec[256];

	memset(&r, 0, sizeof(r));
	CHECK_EQ(topo_parse("4", &r.t, r.err, sizeof(r.err)), 0);
	CHECK_EQ(workload_load_buf("t.json", two_groups, strlen(two_groups), &r.w, r.err, sizeof(r.err)), 0);
	machine_params_default(&p);
	r.m = machine_create(r.t, r.w, &p, 1, r.err, sizeof(r.err));
	snprintf(spec, sizeof(spec), "%s/pair.bpf.o",
		 getenv("SCXSIM_SCHEDS_DIR") ? getenv("SCXSIM_SCHEDS_DIR") : "build/scheds");
	CHECK_EQ(cli_sched_attach(r.m, spec, r.err, sizeof(r.err)), 0);
	const struct user_half *uh = user_half_start(r.m, 4, f, &ctx);
	CHECK(uh && !strcmp(uh->name, "pair"));
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	uh->fini(&ctx);
	fclose(f);
	CHECK_CONTAINS(buf, "pair: pairs [0,2] [1,3]");
	unsigned long long total = 0, dsp = 0;
	const char *last = strstr(buf, "pair: t=0.");   /* the final report (the run ends < 1 s) */
	CHECK(last && sscanf(last, "pair: t=%*fs total=%llu dispatched=%llu", &total, &dsp) == 2);
	/* every enqueue was dispatched once everything finished */
	CHECK(total >= 240 && total == dsp);
	CHECK_CONTAINS(buf, " cgnext=");
	free(buf);
	pfree(&r);
}
