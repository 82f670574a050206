/*
 * test_dlserver.c — the fair and ext deadline servers (src/machine/dlserver.c): a task starved
 * by a SCHED_FIFO hog on its CPU still gets runtime per period (50 ms per 1 s by default),
 * first at the zero-laxity point (deferred), runtime used in background moves the activation
 * away, an rt task that sleeps leaves no server activity, runtime 0 restores the old
 * starvation, the result JSON and the trace show the servers, and bad parameters are refused.
 */
#include <errno.h>
#include <stdlib.h>
#include "test.h"
#include "scx_harness.h"
#include "scxsim/json_write.h"

#define MS NSEC_PER_MSEC

/* One CPU: a FIFO hog and a fair (or, under an ext scheduler, ext) hog, both pinned to CPU 0. */
static const char *const hogs =
	"{\"tasks\":{\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":50,\"cpus\":[0],\"run\":100000000},"
	"\"hog\":{\"cpus\":[0],\"run\":100000000}}}";

/* srun with model parameters (NULL = defaults). */
static int drun(struct srun *r, const char *topo, const char *json, const struct sched_ext_ops *ops,
		const struct machine_params *mp, u64 dur)
{
	struct machine_params p;

	memset(r, 0, sizeof(*r));
	if (mp)
		p = *mp;
	else
		machine_params_default(&p);
	if (topo_parse(topo, &r->t, r->err, sizeof(r->err)))
		return -1;
	if (workload_load_buf("t.json", json, strlen(json), &r->w, r->err, sizeof(r->err)))
		return -2;
	r->m = machine_create(r->t, r->w, &p, 1, r->err, sizeof(r->err));
	if (!r->m)
		return -3;
	if (ops && machine_attach_scx(r->m, ops, r->err, sizeof(r->err)))
		return -4;
	return machine_run(r->m, dur);
}

static u64 runtime_of(struct machine *m, const char *comm)
{
	return by_comm(m, comm)->st.runtime_ns;
}

static bool near(u64 v, u64 want, double tol)
{
	return v >= want * (1 - tol) && v <= want * (1 + tol);
}

static bool no_violations(struct machine *m)
{
	for (int i = 0; i < m->nr_violations; i++)
		fprintf(stderr, "  violation: %s\n", m->violations[i]);
	return m->nr_violations == 0 && m->inv_checked > 0;
}

TEST(dlserver_fair_hog_gets_50ms_per_second_under_fifo_hog)
{
	struct srun r;

	CHECK_EQ(drun(&r, "1", hogs, NULL, NULL, 5 * NSEC_PER_SEC), 0);
	u64 hog = runtime_of(r.m, "hog"), rt = runtime_of(r.m, "rt");
	if (!near(hog, 250 * MS, 0.01))
		FAIL_("fair hog ran %llu ns in 5 s, want 250 ms +- 1%%", (unsigned long long)hog);
	CHECK(near(rt, 4750 * MS, 0.01));
	CHECK_EQ(dlserver_run_ns(cpu_rq(r.m, 0), DLS_FAIR), hog); /* all of it through the server */
	CHECK_EQ(dlserver_run_ns(cpu_rq(r.m, 0), DLS_EXT), 0);
	/* deferred once (the zero-laxity timer), then it runs at each period without deferring */
	CHECK_EQ(cpu_rq(r.m, 0)->dls[DLS_FAIR].nr_activations, 1);
	CHECK_STR(task_class_name(by_comm(r.m, "hog")), "fair");
	CHECK(no_violations(r.m));
	srun_free(&r);
}

TEST(dlserver_fair_first_run_at_zero_laxity_point)
{
	struct srun r;

	/* starved from t=0: nothing until 950 ms (period 1 s - runtime 50 ms), then 50 ms */
	CHECK_EQ(drun(&r, "1", hogs, NULL, NULL, 949 * MS), 0);
	CHECK_EQ(runtime_of(r.m, "hog"), 0);
	CHECK_EQ(cpu_rq(r.m, 0)->dls[DLS_FAIR].nr_activations, 0);
	srun_free(&r);
	CHECK_EQ(drun(&r, "1", hogs, NULL, NULL, 975 * MS), 0);
	CHECK(near(runtime_of(r.m, "hog"), 25 * MS, 0.01));
	srun_free(&r);
	/* 50 ms per period: 100 ms after 2 s, the second one at 1950 ms */
	CHECK_EQ(drun(&r, "1", hogs, NULL, NULL, 1949 * MS), 0);
	CHECK(near(runtime_of(r.m, "hog"), 50 * MS, 0.01));
	srun_free(&r);
	CHECK_EQ(drun(&r, "1", hogs, NULL, NULL, 2 * NSEC_PER_SEC), 0);
	CHECK(near(runtime_of(r.m, "hog"), 100 * MS, 0.01));
	CHECK(no_violations(r.m));
	srun_free(&r);
}

TEST(dlserver_runtime_zero_disables_fair_server)
{
	struct machine_params p;
	struct srun r;

	machine_params_default(&p);
	p.fair_server_runtime_ns = 0;
	p.fair_server_period_ns = 0; /* any period with runtime 0 */
	CHECK_EQ(drun(&r, "1", hogs, NULL, &p, 5 * NSEC_PER_SEC), 0);
	CHECK_EQ(runtime_of(r.m, "hog"), 0); /* starved for ever, as before 6.12 without throttling */
	CHECK_EQ(dlserver_run_ns(cpu_rq(r.m, 0), DLS_FAIR), 0);
	CHECK(!cpu_rq(r.m, 0)->dls[DLS_FAIR].active);
	CHECK(no_violations(r.m));
	srun_free(&r);
}

TEST(dlserver_model_params_change_budget)
{
	struct machine_params p;
	struct srun r;

	machine_params_default(&p);
	p.fair_server_runtime_ns = 10 * MS;
	p.fair_server_period_ns = 100 * MS;
	CHECK_EQ(drun(&r, "1", hogs, NULL, &p, NSEC_PER_SEC), 0);
	/* first at 90 ms, then 10 ms every 100 ms: 10 periods of 10 ms in 1 s */
	CHECK(near(runtime_of(r.m, "hog"), 100 * MS, 0.01));
	CHECK(no_violations(r.m));
	srun_free(&r);
}

TEST(dlserver_sleeping_rt_leaves_no_server_activity)
{
	struct srun r;
	const char *json =
		"{\"tasks\":{\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":50,\"cpus\":[0],"
		"\"run\":10000,\"sleep\":10000},\"hog\":{\"cpus\":[0],\"run\":100000000}}}";

	CHECK_EQ(drun(&r, "1", json, NULL, NULL, 5 * NSEC_PER_SEC), 0);
	/* the hog runs in background while rt sleeps: it uses up the server's runtime in each
	 * period long before the zero-laxity point, so the server never runs */
	CHECK_EQ(dlserver_run_ns(cpu_rq(r.m, 0), DLS_FAIR), 0);
	CHECK_EQ(cpu_rq(r.m, 0)->dls[DLS_FAIR].nr_activations, 0);
	CHECK(near(runtime_of(r.m, "hog"), 2500 * MS, 0.02));
	CHECK(no_violations(r.m));
	srun_free(&r);
}

TEST(dlserver_background_runtime_moves_activation)
{
	struct srun r;
	/* the hog runs alone for 500 ms (10 periods used up in background, the last one renewed at
	 * 500 ms), then a FIFO hog starts: the server runs at 500 + 950 ms, not at 950 ms */
	const char *json =
		"{\"tasks\":{\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":50,\"cpus\":[0],"
		"\"delay\":500000,\"run\":100000000},\"hog\":{\"cpus\":[0],\"run\":100000000}}}";

	CHECK_EQ(drun(&r, "1", json, NULL, NULL, 1440 * MS), 0);
	u64 alone = runtime_of(r.m, "hog");
	CHECK(near(alone, 500 * MS, 0.01));
	CHECK_EQ(dlserver_run_ns(cpu_rq(r.m, 0), DLS_FAIR), 0);
	srun_free(&r);
	CHECK_EQ(drun(&r, "1", json, NULL, NULL, 1500 * MS), 0);
	CHECK(near(runtime_of(r.m, "hog") - alone, 50 * MS, 0.02));
	CHECK(near(dlserver_run_ns(cpu_rq(r.m, 0), DLS_FAIR), 50 * MS, 0.02));
	CHECK(no_violations(r.m));
	srun_free(&r);
}

TEST(dlserver_stops_when_class_has_no_task)
{
	struct srun r;
	/* a fair task with 10 ms of work under a FIFO hog: it finishes through the server at
	 * 960 ms, the server stops and the rt hog has the CPU for the rest */
	const char *json =
		"{\"tasks\":{\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":50,\"cpus\":[0],"
		"\"run\":100000000},\"short\":{\"cpus\":[0],\"loop\":1,\"run\":10000}}}";

	CHECK_EQ(drun(&r, "1", json, NULL, NULL, 3 * NSEC_PER_SEC), 0);
	struct task_struct *s = by_comm(r.m, "short");
	CHECK(s->st.finished);
	CHECK_EQ(s->st.work_done_ns, 10 * MS);
	u64 srv = dlserver_run_ns(cpu_rq(r.m, 0), DLS_FAIR);
	CHECK(srv >= 10 * MS && srv <= 10 * MS + 10000); /* its work and one switch */
	CHECK(!cpu_rq(r.m, 0)->dls[DLS_FAIR].active);
	CHECK(!sim_event_pending(&cpu_rq(r.m, 0)->dls[DLS_FAIR].ev));
	CHECK_EQ(runtime_of(r.m, "rt") + srv + cpu_rq(r.m, 0)->idle_ns, 3 * NSEC_PER_SEC);
	CHECK(no_violations(r.m));
	srun_free(&r);
}

static const struct sched_ext_ops minimal_ops = { .name = "minimal" };

TEST(dlserver_ext_hog_gets_50ms_per_second_under_fifo_hog)
{
	struct srun r;

	/* upstream selftest rt_stall: an ext task pinned with a FIFO hog gets >= 4 % (7.0+) */
	CHECK_EQ(drun(&r, "1", hogs, &minimal_ops, NULL, 5 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK_STR(task_class_name(by_comm(r.m, "hog")), "ext");
	u64 hog = runtime_of(r.m, "hog");
	if (!near(hog, 250 * MS, 0.01))
		FAIL_("ext hog ran %llu ns in 5 s, want 250 ms +- 1%%", (unsigned long long)hog);
	CHECK_EQ(dlserver_run_ns(cpu_rq(r.m, 0), DLS_EXT), hog);
	CHECK_EQ(dlserver_run_ns(cpu_rq(r.m, 0), DLS_FAIR), 0);
	CHECK_EQ(cpu_rq(r.m, 0)->dls[DLS_EXT].nr_activations, 1);
	CHECK(no_violations(r.m));
	srun_free(&r);
}

TEST(dlserver_ext_runtime_zero_starves_ext_task)
{
	struct machine_params p;
	struct srun r;

	machine_params_default(&p);
	p.ext_server_runtime_ns = 0; /* 6.12 .. 6.19: no ext server */
	CHECK_EQ(drun(&r, "1", hogs, &minimal_ops, &p, 5 * NSEC_PER_SEC), 0);
	CHECK_STR(task_class_name(by_comm(r.m, "hog")), "ext");
	CHECK_EQ(runtime_of(r.m, "hog"), 0);
	/* the fair server does not serve ext tasks */
	CHECK_EQ(dlserver_run_ns(cpu_rq(r.m, 0), DLS_FAIR), 0);
	CHECK(no_violations(r.m));
	srun_free(&r);
}

/* A C scheduler whose ops.dispatch never dispatches and ops.enqueue keeps tasks: the ext
 * server finds nothing to pick and yields its period (no hang, no busy loop). */
static void hold_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, 0x100, SCX_SLICE_DFL, enq_flags);
}
static s32 hold_init(void)
{
	return scx_bpf_create_dsq(0x100, -1);
}
static const struct sched_ext_ops hold_ops = {
	.init = hold_init, .enqueue = hold_enqueue, .name = "hold",
};

TEST(dlserver_ext_server_yields_when_scheduler_dispatches_nothing)
{
	struct srun r;

	int e = drun(&r, "1", hogs, &hold_ops, NULL, 3 * NSEC_PER_SEC);
	if (e)
		FAIL_("run: %d %s", e, r.err);
	CHECK_EQ(runtime_of(r.m, "hog"), 0);
	CHECK_EQ(dlserver_run_ns(cpu_rq(r.m, 0), DLS_EXT), 0);
	CHECK(cpu_rq(r.m, 0)->dls[DLS_EXT].nr_activations >= 1);
	CHECK(r.m->sim.nr_events < 100000); /* a yield throttles until the next period */
	CHECK(no_violations(r.m));
	srun_free(&r);
}

static char *result_json(struct machine *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw w;

	jw_init(&w, f, false);
	machine_write_result(m, &w, "fair", 0);
	fclose(f);
	return buf;
}

TEST(dlserver_result_json_and_trace)
{
	struct srun r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f);
	CHECK_EQ(srun_start(&r, "1", hogs, NULL), 0);
	CHECK_EQ(machine_trace_open(r.m, f), 0);
	CHECK_EQ(machine_run(r.m, 1100 * MS), 0);
	CHECK_EQ(machine_trace_close(r.m), 0);
	fclose(f);
	CHECK_CONTAINS(buf, "\"name\":\"fair server\"");
	CHECK(!strstr(buf, "\"name\":\"ext server\""));
	char *js = result_json(r.m);
	CHECK_CONTAINS(js, "\"fair_server_ns\": 50000000");
	CHECK_CONTAINS(js, "\"ext_server_ns\": 0");
	CHECK_CONTAINS(js, "\"fair_server_activations\": 1");
	free(js);
	free(buf);
	srun_free(&r);
}

TEST(dlserver_bad_params_refused)
{
	static const struct {
		u64 frt, fper, ert, eper;
		const char *msg;
	} cases[] = {
		{ 2000 * MS, 1000 * MS, 50 * MS, 1000 * MS,
		  "fair_server_runtime_ns=2000000000: above fair_server_period_ns=1000000000" },
		{ 50 * MS, 50000, 50 * MS, 1000 * MS, "fair_server_period_ns=50000: must be in 100000..4194304000" },
		{ 50 * MS, 5000 * MS, 50 * MS, 1000 * MS, "fair_server_period_ns=5000000000: must be in" },
		{ 50 * MS, 1000 * MS, 60 * MS, 50 * MS, "ext_server_runtime_ns=60000000: above ext_server_period_ns=50000000" },
		{ 50 * MS, 1000 * MS, 1, 0, "ext_server_period_ns=0: must be in" },
	};
	struct machine_params p;
	char err[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct srun r;
		machine_params_default(&p);
		p.fair_server_runtime_ns = cases[i].frt;
		p.fair_server_period_ns = cases[i].fper;
		p.ext_server_runtime_ns = cases[i].ert;
		p.ext_server_period_ns = cases[i].eper;
		CHECK_EQ(machine_params_check(&p, err, sizeof(err)), -EINVAL);
		CHECK_CONTAINS(err, cases[i].msg);
		CHECK_EQ(drun(&r, "1", hogs, NULL, &p, MS), -3); /* machine_create refuses them too */
		CHECK_CONTAINS(r.err, cases[i].msg);
		srun_free(&r);
	}
	machine_params_default(&p);
	CHECK_EQ(machine_params_check(&p, err, sizeof(err)), 0);
	p.fair_server_runtime_ns = p.fair_server_period_ns = 0; /* disabled: no period needed */
	p.ext_server_runtime_ns = p.ext_server_period_ns = DL_SERVER_PERIOD_MAX; /* 100 % */
	CHECK_EQ(machine_params_check(&p, err, sizeof(err)), 0);
}
