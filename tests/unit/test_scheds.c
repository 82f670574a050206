/*
 * test_scheds.c — the example schedulers (scheds/ BPF sources, built into build/scheds or
 * $SCXSIM_SCHEDS_DIR) through the same path as `scxsim run --sched NAME`: every scheduler on
 * the standard scenarios (hogs, pipe, hackbench, schbench, rt-app examples) and topologies
 * from 1 CPU to 2s16c2t with nothing lost and no invariant broken; simple's weighted shares
 * against its FIFO mode; central's tickless CPUs; qmap's fault knobs and their exit kinds.
 */
#include <stdlib.h>
#include "cli/cli.h"
#include "machine/machine_int.h"
#include "scxsim/bpf_sched.h"
#include "test.h"
#include "scx_harness.h"

struct xrun {
	struct topo *t;
	struct workload *w;
	struct machine *m;
	char err[1024];
};

static int xrun(struct xrun *r, const char *sched, const char *topo, const char *wl, u64 dur)
{
	struct machine_params p;
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
	return machine_run(r->m, dur);
}

static void xfree(struct xrun *r)
{
	machine_destroy(r->m);
	workload_free(r->w);
	topo_free(r->t);
}

static const char *const scheds[] = { "simple", "simple:fifo_sched=1", "qmap", "central" };
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
};

TEST(scheds_standard_scenarios_lose_nothing)
{
	for (size_t s = 0; s < ARRAY_SIZE(scheds); s++)
		for (size_t t = 0; t < ARRAY_SIZE(topos); t++)
			for (size_t w = 0; w < ARRAY_SIZE(finite_scenarios); w++) {
				struct xrun r;
				int e = xrun(&r, scheds[s], topos[t], finite_scenarios[w], 60 * NSEC_PER_SEC);
				if (e) {
					fprintf(stderr, "  %s on %s: stage %d: %s\n", scheds[s], topos[t], e, r.err);
					xfree(&r);
					FAIL_("could not run");
				}
				const struct scx_exit_info *ei = machine_scx_exit_info(r.m);
				if (ei->kind != SCX_EXIT_NONE || !nothing_lost(r.m, true)) {
					fprintf(stderr, "  %s on %s, scenario %zu: exit %s %s\n", scheds[s],
						topos[t], w, scx_exit_kind_name(ei->kind), ei->msg);
					xfree(&r);
					FAIL_("scenario failed");
				}
				xfree(&r);
			}
}

TEST(scheds_rtapp_examples_run)
{
	static const char *const files[] = {
		"tests/data/workload/rtapp/browser-short.json", "tests/data/workload/rtapp/mp3-short.json",
		"tests/data/workload/rtapp/video-short.json", "tests/data/workload/rtapp/spreading-tasks.json",
		"tests/data/workload/rtapp/tutorial/example3.json",
	};
	for (size_t s = 0; s < ARRAY_SIZE(scheds); s++)
		for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
			struct xrun r;
			int e = xrun(&r, scheds[s], "2s2c2t", files[f], 2 * NSEC_PER_SEC);
			CHECK_EQ(e, 0);
			if (machine_scx_exit_info(r.m)->kind != SCX_EXIT_NONE || !nothing_lost(r.m, false)) {
				fprintf(stderr, "  %s on %s: %s\n", scheds[s], files[f], machine_scx_exit_info(r.m)->msg);
				xfree(&r);
				FAIL_("rt-app example failed");
			}
			xfree(&r);
		}
}

static double share_ratio(const char *sched)
{
	struct xrun r;
	double q = 0;

	if (xrun(&r, sched, "1", "{\"tasks\":{\"n0\":{\"instance\":2,\"run\":100000},"
				    "\"n5\":{\"instance\":2,\"priority\":5,\"run\":100000}}}",
		 20 * NSEC_PER_SEC) == 0) {
		u64 a = by_comm(r.m, "n0-0")->st.runtime_ns + by_comm(r.m, "n0-1")->st.runtime_ns;
		u64 b = by_comm(r.m, "n5-0")->st.runtime_ns + by_comm(r.m, "n5-1")->st.runtime_ns;
		q = (double)a / b;
	}
	xfree(&r);
	return q;
}

TEST(scheds_simple_vtime_weights_fifo_does_not)
{
	double vt = share_ratio("simple"), fifo = share_ratio("simple:fifo_sched=1");
	double want = 1024.0 / 335.0;

	/* weighted vtime: nice 0 gets 1024/335 of what nice 5 gets */
	if (vt < want * 0.98 || vt > want * 1.02)
		FAIL_("simple (vtime): nice0/nice5 runtime %.4f, want %.4f +-2%%", vt, want);
	/* FIFO ignores weights: equal shares */
	if (fifo < 0.95 || fifo > 1.05)
		FAIL_("simple (fifo): nice0/nice5 runtime %.4f, want 1 +-5%%", fifo);
}

TEST(scheds_central_decides_and_others_are_tickless)
{
	struct xrun r;
	CHECK_EQ(xrun(&r, "central", "4", "{\"tasks\":{\"h\":{\"instance\":3,\"loop\":4,\"run\":50000,\"sleep\":10}}}",
		      10 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(nothing_lost(r.m, true));
	u64 busy = 0, ticks = 0;
	for (int c = 1; c < 4; c++) {
		busy += r.m->sim.now - r.m->rqs[c].idle_ns;
		ticks += r.m->rqs[c].nr_ticks;
	}
	/* the three tasks ran on CPUs 1-3 for hundreds of ms with (almost) no tick */
	CHECK(busy > 300 * NSEC_PER_MSEC);
	if (ticks > 10)
		FAIL_("non-central CPUs took %llu ticks for %llu ms busy", (unsigned long long)ticks,
		      (unsigned long long)(busy / NSEC_PER_MSEC));
	/* every dispatch decision is the central CPU's: its counter saw all tasks handed out */
	struct bpf_sched *s = bpf_sched_of(r.m);
	size_t sz;
	u64 *disp = bpf_sched_global(s, "nr_dispatched", &sz);
	CHECK(disp && sz == 8 && *disp >= 12);
	xfree(&r);
}

/* central's preemption clock is a BPF timer pinned to the central CPU, firing every timer_ns */
TEST(scheds_central_timer_preempts_long_runners)
{
	struct xrun r;
	CHECK_EQ(xrun(&r, "central:timer_ns=2000000", "4",
		      "{\"tasks\":{\"h\":{\"instance\":6,\"loop\":1,\"run\":200000}}}",
		      10 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(nothing_lost(r.m, true));
	struct bpf_sched *s = bpf_sched_of(r.m);
	size_t sz;
	u64 *timers = bpf_sched_global(s, "nr_timers", &sz), *pre = bpf_sched_global(s, "nr_preempts", &sz);
	/* 1.2 s of work on 4 CPUs: >= 300 ms of simulated time, one timer run per 2 ms */
	CHECK(r.m->sim.now >= 300 * NSEC_PER_MSEC);
	CHECK(timers && *timers >= r.m->sim.now / (2 * NSEC_PER_MSEC) - 1);
	CHECK(timers && *timers <= r.m->sim.now / (2 * NSEC_PER_MSEC) + 1);
	/* two tasks always wait while the others hold SCX_SLICE_INF: only the timer moves them */
	CHECK(pre && *pre >= 10);
	xfree(&r);
}

static void qmap_fault(const char *knob, enum scx_exit_kind want, const char *msg, int *failed)
{
	struct xrun r;
	char spec[128];

	snprintf(spec, sizeof(spec), "qmap:%s", knob);
	if (xrun(&r, spec, "2", "hackbench:groups=2,loops=30", 120 * NSEC_PER_SEC)) {
		fprintf(stderr, "  qmap:%s did not run: %s\n", knob, r.err);
		*failed = 1;
	} else {
		const struct scx_exit_info *ei = machine_scx_exit_info(r.m);
		if (ei->kind != want || !strstr(ei->msg, msg) || !nothing_lost(r.m, true)) {
			fprintf(stderr, "  qmap:%s: exit %s '%s', want %s '%s'\n", knob,
				scx_exit_kind_name(ei->kind), ei->msg, scx_exit_kind_name(want), msg);
			*failed = 1;
		}
	}
	xfree(&r);
}

TEST(scheds_qmap_fault_knobs_fail)
{
	qmap_fault("stall_user_nth=7", SCX_EXIT_ERROR_STALL, "failed to run for", test_failed_);
	qmap_fault("error_after_dsp=30", SCX_EXIT_ERROR_BPF, "injected error after 30", test_failed_);
	qmap_fault("exit_after_dsp=30", SCX_EXIT_UNREG_BPF, "exiting after 30", test_failed_);
	qmap_fault("bad_cpu_nth=5", SCX_EXIT_ERROR, "invalid CPU -17", test_failed_);
}

/* qmap's ops.dump lists every pid it holds; ops.dump_task its per-task state */
TEST(scheds_qmap_dump_lists_its_queues)
{
	struct xrun r;
	const char *d, *f, *held;
	int listed = 0;

	CHECK_EQ(xrun(&r, "qmap:error_after_dsp=20", "2", "hackbench:groups=1,loops=30",
		      60 * NSEC_PER_SEC), 0);
	d = machine_scx_exit_info(r.m)->dump;
	CHECK(d != NULL);
	CHECK(d && strstr(d, "\n\nQMAP FIFO[0]:") < strstr(d, "QMAP FIFO[4]:"));
	CHECK_CONTAINS(d, "QMAP: enqueued=");
	CHECK_CONTAINS(d, "\n    QMAP: force_local=");
	/* the pids listed are the tasks the scheduler holds (no dequeue in this run) */
	for (f = d ? strstr(d, "QMAP FIFO[") : NULL; f; f = strstr(f + 1, "QMAP FIFO[")) {
		for (const char *c = strchr(f, ':') + 1; *c && *c != '\n'; c++)
			listed += *c == ' ';
	}
	held = d ? strstr(d, "tasks held by the scheduler (enqueued, not dispatched): ") : NULL;
	CHECK(held != NULL);
	CHECK(listed > 0);
	CHECK_EQ(listed, held ? atoi(held + strlen("tasks held by the scheduler (enqueued, not dispatched): ")) : -1);
	CHECK(nothing_lost(r.m, true));
	xfree(&r);
}

TEST(scheds_qmap_core_sched_order)
{
	struct xrun r;
	CHECK_EQ(xrun(&r, "qmap", "1s2c2t", "{\"tasks\":{\"a\":{\"core_cookie\":1,\"instance\":2,\"loop\":10,\"run\":3000},"
					     "\"b\":{\"core_cookie\":2,\"priority\":-10,\"instance\":2,\"loop\":10,\"run\":3000}}}",
		      10 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(nothing_lost(r.m, true));
	xfree(&r);
}

/* ---- the same policy in C and in BPF makes the same schedule ------------------------------ */

#define C_DSQ 0
static u64 c_vtime_now;
static s32 c_init(void) { c_vtime_now = 0; return scx_bpf_create_dsq(C_DSQ, -1); }
static s32 c_select(struct task_struct *p, s32 prev, u64 wf)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev, wf, &idle);
	if (idle)
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	return cpu;
}
static void c_enqueue(struct task_struct *p, u64 f)
{
	u64 v = p->scx.dsq_vtime;
	if ((s64)(v - (c_vtime_now - SCX_SLICE_DFL)) < 0)
		v = c_vtime_now - SCX_SLICE_DFL;
	scx_bpf_dsq_insert_vtime(p, C_DSQ, SCX_SLICE_DFL, v, f);
}
static void c_dispatch(s32 cpu, struct task_struct *prev) { scx_bpf_dsq_move_to_local(C_DSQ); }
static void c_running(struct task_struct *p)
{
	if ((s64)(c_vtime_now - p->scx.dsq_vtime) < 0)
		c_vtime_now = p->scx.dsq_vtime;
}
static void c_stopping(struct task_struct *p, bool runnable)
{
	p->scx.dsq_vtime += (SCX_SLICE_DFL - p->scx.slice) * 100 / p->scx.weight;
}
static void c_enable(struct task_struct *p) { p->scx.dsq_vtime = c_vtime_now; }

TEST(scheds_simple_bpf_and_c_make_the_same_schedule)
{
	static const struct sched_ext_ops c_simple = {
		.init = c_init, .select_cpu = c_select, .enqueue = c_enqueue, .dispatch = c_dispatch,
		.running = c_running, .stopping = c_stopping, .enable = c_enable, .name = "c_simple",
	};
	static const char *const wls[] = { "hackbench:groups=4,loops=20", "schbench:mthreads=2,workers=6,loops=40",
					   "cpuhog:n=12,work=30" };
	for (size_t i = 0; i < ARRAY_SIZE(wls); i++) {
		struct xrun b;
		struct topo *t;
		struct workload *w;
		struct machine_params p;
		char err[256];

		CHECK_EQ(xrun(&b, "simple", "2s4c2t", wls[i], 30 * NSEC_PER_SEC), 0);
		CHECK_EQ(topo_parse("2s4c2t", &t, err, sizeof(err)), 0);
		CHECK_EQ(workload_generate(wls[i], &w, err, sizeof(err)), 0);
		machine_params_default(&p);
		struct machine *m = machine_create(t, w, &p, 1, err, sizeof(err));
		CHECK(m && machine_attach_scx(m, &c_simple, err, sizeof(err)) == 0);
		CHECK_EQ(machine_run(m, 30 * NSEC_PER_SEC), 0);
		CHECK_EQ(machine_events(m), machine_events(b.m));
		CHECK_EQ(machine_ctx_switches(m), machine_ctx_switches(b.m));
		for (int k = 0; k < m->nr_tasks; k++)
			if (m->tasks[k]->st.runtime_ns != b.m->tasks[k]->st.runtime_ns)
				FAIL_("%s: task %s ran %llu ns in C, %llu in BPF", wls[i], m->tasks[k]->comm,
				      (unsigned long long)m->tasks[k]->st.runtime_ns,
				      (unsigned long long)b.m->tasks[k]->st.runtime_ns);
		machine_destroy(m);
		workload_free(w);
		topo_free(t);
		xfree(&b);
	}
}

/* ---- user halves ----------------------------------------------------------------------------- */
#include "scxsim/user_half.h"

TEST(scheds_user_halves_report_from_maps)
{
	struct xrun r;
	struct user_half_ctx ctx;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct machine_params p;
	char spec[256];

	memset(&r, 0, sizeof(r));
	CHECK_EQ(topo_parse("4", &r.t, r.err, sizeof(r.err)), 0);
	CHECK_EQ(workload_generate("cpuhog:n=6,work=1500", &r.w, r.err, sizeof(r.err)), 0);
	machine_params_default(&p);
	r.m = machine_create(r.t, r.w, &p, 1, r.err, sizeof(r.err));
	snprintf(spec, sizeof(spec), "%s/simple.bpf.o",
		 getenv("SCXSIM_SCHEDS_DIR") ? getenv("SCXSIM_SCHEDS_DIR") : "build/scheds");
	CHECK_EQ(cli_sched_attach(r.m, spec, r.err, sizeof(r.err)), 0);
	const struct user_half *uh = user_half_start(r.m, 4, f, &ctx);
	CHECK(uh && !strcmp(uh->name, "simple"));
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	uh->fini(&ctx);
	fclose(f);
	CHECK_CONTAINS(buf, "simple: t=1.000s local=");
	CHECK_CONTAINS(buf, "simple: t=2.");      /* and the final report */
	/* the counts are the BPF map's: 6 tasks started, 4 on idle CPUs (local), 2 queued at first */
	unsigned long long l = 0, g = 0;
	const char *last = strstr(buf, "simple: t=2.");
	CHECK(last && sscanf(last, "simple: t=%*fs local=%llu global=%llu", &l, &g) == 2);
	CHECK(l >= 4 && g >= 2);
	CHECK(!user_half_find("no_such"));
	free(buf);
	xfree(&r);
}
