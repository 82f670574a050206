/*
 * test_workload.c — unit tests for the workload layer: every rt-app example file loads (and a
 * few are checked event by event), the semantics of each key and event, the legacy grammar,
 * cgroups, every error path of the reader, and the generators (shapes, parameters, errors).
 * Data files live in tests/data/workload/ (paths relative to the repository root).
 */
#include <errno.h>
#include <stdlib.h>

#include "scxsim/workload.h"
#include "test.h"

#define RTAPP_DIR "tests/data/workload/rtapp/"

/* A one-task file: {"tasks": {"thread0": { BODY }}}. */
#define T(body) "{\"tasks\": {\"thread0\": {" body "}}}"

static char wl_err[512];

static struct workload *load(const char *json)
{
	struct workload *w = NULL;

	wl_err[0] = '\0';
	if (workload_load_buf("w.json", json, strlen(json), &w, wl_err, sizeof(wl_err)))
		return NULL;
	return w;
}

/* The error message for json, or "(loaded)" when it loads. */
static const char *load_err(const char *json)
{
	struct workload *w = load(json);

	if (w) {
		workload_free(w);
		return "(loaded)";
	}
	return wl_err;
}

static const char *gen_err(const char *spec)
{
	struct workload *w = NULL;

	wl_err[0] = '\0';
	if (!workload_generate(spec, &w, wl_err, sizeof(wl_err))) {
		workload_free(w);
		return "(generated)";
	}
	return wl_err;
}

static const struct wl_event *ev(const struct workload *w, int t, int p, int e)
{
	return &w->tasks[t].phases[p].ev[e];
}

static const char *res_name(const struct workload *w, int r)
{
	return r >= 0 && r < w->nr_res ? w->res[r].name : "(none)";
}

static bool ignored(const struct workload *w, const char *key)
{
	for (int i = 0; i < w->nr_ignored; i++)
		if (!strcmp(w->ignored[i], key))
			return true;
	return false;
}

/* ---- the rt-app example files ------------------------------------------------------------- */

static const struct {
	const char *file;
	int tasks;
} rtapp_examples[] = {
	{ "browser-long.json", 9 },
	{ "browser-short.json", 9 },
	{ "mp3-long.json", 5 },
	{ "mp3-short.json", 5 },
	{ "spreading-tasks.json", 2 },
	{ "template.json", 1 },
	{ "video-long.json", 17 },
	{ "video-short.json", 17 },
	{ "taskset.json", 4 },
	{ "tutorial/example1.json", 1 },
	{ "tutorial/example2.json", 1 },
	{ "tutorial/example3.json", 1 },
	{ "tutorial/example4.json", 2 },
	{ "tutorial/example5.json", 2 },
	{ "tutorial/example6.json", 1 },
	{ "tutorial/example7.json", 2 },
	{ "tutorial/example8.json", 1 },
	{ "cpufreq_governor_efficiency/calibration.json", 1 },
	{ "cpufreq_governor_efficiency/dvfs.json", 1 },
	{ "merge/thread0.json", 1 },
	{ "merge/thread1.json", 1 },
	{ "merge/thread2.json", 1 },
	{ "merge/thread3.json", 1 },
	{ "merge-merged.json", 4 },
};

TEST(workload_loads_every_rtapp_example)
{
	for (size_t i = 0; i < ARRAY_SIZE(rtapp_examples); i++) {
		char path[256], err[512];
		struct workload *w = NULL;
		int ret;

		snprintf(path, sizeof(path), RTAPP_DIR "%s", rtapp_examples[i].file);
		ret = workload_load_file(path, &w, err, sizeof(err));
		if (ret)
			FAIL_("%s: %s", path, err);
		CHECK_EQ(w->nr_tasks, rtapp_examples[i].tasks);
		CHECK_STR(w->source, path);
		for (int t = 0; t < w->nr_tasks; t++) {
			CHECK(w->tasks[t].nr_phases >= 1);
			for (int p = 0; p < w->tasks[t].nr_phases; p++) {
				CHECK(w->tasks[t].phases[p].nr_ev >= 1);
				for (int e = 0; e < w->tasks[t].phases[p].nr_ev; e++)
					CHECK(ev(w, t, p, e)->res < w->nr_res);
			}
		}
		workload_free(w);
	}
}

TEST(workload_merge_fragments_without_tasks_are_rejected)
{
	char err[512];
	struct workload *w = (struct workload *)1;

	CHECK_EQ(workload_load_file(RTAPP_DIR "merge/global.json", &w, err, sizeof(err)), -EINVAL);
	CHECK(!w);
	CHECK_STR(err, RTAPP_DIR "merge/global.json: no tasks (missing top-level key 'tasks')");
	CHECK_EQ(workload_load_file(RTAPP_DIR "merge/resources.json", &w, err, sizeof(err)),
		 -EINVAL);
	CHECK_CONTAINS(err, "no tasks");
}

TEST(workload_example_mp3_events)
{
	char err[512];
	struct workload *w;

	CHECK_EQ(workload_load_file(RTAPP_DIR "mp3-short.json", &w, err, sizeof(err)), 0);
	CHECK_EQ(w->duration_ns, 6 * NSEC_PER_SEC);
	CHECK_EQ(w->default_policy, WL_POLICY_OTHER);
	CHECK_STR(w->tasks[0].name, "AudioTick");
	CHECK_EQ(w->tasks[0].nice, -19);
	CHECK_EQ(w->tasks[0].nr_cpus, 1);
	CHECK_EQ(w->tasks[0].cpus[0], 0);
	CHECK_EQ(w->tasks[0].nr_phases, 2);
	CHECK_EQ(w->tasks[0].phases[1].loop, 4);
	CHECK_EQ(ev(w, 0, 0, 0)->kind, WL_EV_RESUME);
	CHECK_STR(res_name(w, ev(w, 0, 0, 0)->res), "AudioOut");
	CHECK_EQ(ev(w, 0, 0, 1)->kind, WL_EV_TIMER);
	CHECK_EQ(ev(w, 0, 0, 1)->ns, 6000 * NSEC_PER_USEC);
	CHECK_STR(w->tasks[3].name, "mp3.decoder");
	/* suspend, run, lock, signal, wait, unlock, run */
	CHECK_EQ(w->tasks[3].phases[0].nr_ev, 7);
	CHECK_EQ(ev(w, 3, 0, 4)->kind, WL_EV_WAIT);
	CHECK_STR(res_name(w, ev(w, 3, 0, 4)->res), "queue");
	CHECK_STR(res_name(w, ev(w, 3, 0, 4)->res2), "mutex");
	CHECK(ignored(w, "frag") && ignored(w, "calibration") && ignored(w, "logdir"));
	workload_free(w);
}

TEST(workload_example_video_bare_suspend_is_own_name)
{
	char err[512];
	struct workload *w;
	int nu = -1, mtx = -1;

	CHECK_EQ(workload_load_file(RTAPP_DIR "video-short.json", &w, err, sizeof(err)), 0);
	CHECK_STR(w->tasks[0].name, "surfaceflinger");
	CHECK_EQ(ev(w, 0, 0, 0)->kind, WL_EV_SUSPEND);
	CHECK_STR(res_name(w, ev(w, 0, 0, 0)->res), "surfaceflinger");
	CHECK_STR(w->tasks[1].name, "DispSync");
	CHECK_STR(res_name(w, ev(w, 1, 1, 0)->res), "DispSync"); /* bare key inside a phase */
	/* NuPlayerDriver is both the mutex and the condition of its sync events */
	for (int i = 0; i < w->nr_res; i++) {
		if (strcmp(w->res[i].name, "NuPlayerDriver"))
			continue;
		if (w->res[i].kind == WL_RES_COND)
			nu = i;
		if (w->res[i].kind == WL_RES_MUTEX)
			mtx = i;
	}
	CHECK(nu >= 0 && mtx >= 0);
	workload_free(w);
}

TEST(workload_example_taskset_legacy_translation)
{
	char err[512];
	struct workload *w;
	const struct wl_phase *p;

	CHECK_EQ(workload_load_file(RTAPP_DIR "taskset.json", &w, err, sizeof(err)), 0);
	/* ThreadA: r0 (run, 1000) then trig1 (signal -> wait1), rest of exec, then the period */
	p = &w->tasks[0].phases[0];
	CHECK_EQ(p->nr_ev, 4);
	CHECK(p->ev[0].kind == WL_EV_RUN && p->ev[0].ns == 1000 * NSEC_PER_USEC);
	CHECK(p->ev[1].kind == WL_EV_SIGNAL);
	CHECK_STR(res_name(w, p->ev[1].res), "wait1");
	CHECK(p->ev[2].kind == WL_EV_RUN && p->ev[2].ns == 4000 * NSEC_PER_USEC);
	CHECK(p->ev[3].kind == WL_EV_TIMER && p->ev[3].ns == 24000 * NSEC_PER_USEC);
	CHECK(w->res[p->ev[3].res].per_instance);
	/* ThreadB phase1 ("sleep": false): lock, wait, unlock, run 300, signal; no timer */
	p = &w->tasks[1].phases[0];
	CHECK_EQ(p->nr_ev, 5);
	CHECK(p->ev[0].kind == WL_EV_LOCK && p->ev[1].kind == WL_EV_WAIT);
	CHECK_STR(res_name(w, p->ev[1].res), "wait1");
	CHECK_STR(res_name(w, p->ev[1].res2), "trig1_mutex");
	CHECK(p->ev[2].kind == WL_EV_UNLOCK && p->ev[4].kind == WL_EV_SIGNAL);
	CHECK_EQ(w->tasks[1].phases[1].loop, 2);
	/* ThreadC: sync3 is a sync on wait3 with trig3_mutex */
	p = &w->tasks[2].phases[0];
	CHECK_EQ(p->ev[5].kind, WL_EV_SYNC);
	CHECK_STR(res_name(w, p->ev[5].res), "wait3");
	CHECK(ignored(w, "deadline"));
	CHECK(!ignored(w, "resources"));
	workload_free(w);
}

TEST(workload_example_merged_legacy)
{
	char err[512];
	struct workload *w;
	const struct wl_phase *p;

	CHECK_EQ(workload_load_file(RTAPP_DIR "merge-merged.json", &w, err, sizeof(err)), 0);
	CHECK_STR(w->tasks[0].name, "thread0");
	p = &w->tasks[0].phases[0];
	/* wait (access sync_mutex), m0 (1000 us), broad (broadcast wake, access m1), run, timer */
	CHECK_EQ(p->nr_ev, 11);
	CHECK_EQ(p->ev[1].kind, WL_EV_WAIT);
	CHECK_STR(res_name(w, p->ev[1].res), "wait");
	CHECK_EQ(p->ev[7].kind, WL_EV_BROADCAST);
	CHECK_STR(res_name(w, p->ev[7].res), "wake");
	CHECK(p->ev[9].kind == WL_EV_RUN && p->ev[9].ns == 4000 * NSEC_PER_USEC);
	CHECK(p->ev[10].kind == WL_EV_TIMER && p->ev[10].ns == 5000 * NSEC_PER_USEC);
	workload_free(w);
}

TEST(workload_example7_barriers)
{
	char err[512];
	struct workload *w;

	CHECK_EQ(workload_load_file(RTAPP_DIR "tutorial/example7.json", &w, err, sizeof(err)), 0);
	CHECK_EQ(ev(w, 0, 0, 0)->kind, WL_EV_RUNTIME); /* "runtime1" */
	CHECK_EQ(ev(w, 0, 0, 1)->kind, WL_EV_SLEEP);   /* "sleep1" */
	CHECK_EQ(ev(w, 0, 0, 2)->kind, WL_EV_BARRIER); /* "barrier1" */
	CHECK_EQ(w->nr_res, 3);
	for (int i = 0; i < w->nr_res; i++) {
		CHECK_EQ(w->res[i].kind, WL_RES_BARRIER);
		CHECK_EQ(w->res[i].users, 2);
	}
	workload_free(w);
}

/* ---- semantics ---------------------------------------------------------------------------- */

TEST(workload_events_by_prefix_in_order)
{
	struct workload *w = load(T("\"loop\": 2, \"run0\": 10, \"sleep1\": 20, \"runtime\": 30,"
				    "\"runX\": 1, \"mem\": 1000, \"iorun\": 100, \"yield\": \"\","
				    "\"timer2\": {\"ref\": \"t\", \"period\": 50}, \"run\": 5"));

	CHECK(w);
	CHECK_EQ(w->tasks[0].loop, 2);
	CHECK_EQ(w->tasks[0].nr_phases, 1);
	CHECK_EQ(w->tasks[0].phases[0].loop, 1);
	CHECK_EQ(w->tasks[0].phases[0].nr_ev, 9);
	CHECK(ev(w, 0, 0, 0)->kind == WL_EV_RUN && ev(w, 0, 0, 0)->ns == 10000);
	CHECK(ev(w, 0, 0, 1)->kind == WL_EV_SLEEP && ev(w, 0, 0, 1)->ns == 20000);
	CHECK(ev(w, 0, 0, 2)->kind == WL_EV_RUNTIME && ev(w, 0, 0, 2)->ns == 30000);
	CHECK(ev(w, 0, 0, 3)->kind == WL_EV_RUN && ev(w, 0, 0, 3)->ns == 1000);
	CHECK(ev(w, 0, 0, 4)->kind == WL_EV_RUN && ev(w, 0, 0, 4)->ns == 100); /* 1000 B / 10 */
	CHECK(ev(w, 0, 0, 5)->kind == WL_EV_IORUN && ev(w, 0, 0, 5)->ns == 200); /* 100 B x 2 */
	CHECK_EQ(ev(w, 0, 0, 6)->kind, WL_EV_YIELD);
	CHECK(ev(w, 0, 0, 7)->kind == WL_EV_TIMER && ev(w, 0, 0, 7)->ns == 50000);
	CHECK_EQ(ev(w, 0, 0, 7)->arg, 0);
	CHECK(!w->res[ev(w, 0, 0, 7)->res].per_instance);
	CHECK(ev(w, 0, 0, 8)->kind == WL_EV_RUN && ev(w, 0, 0, 8)->ns == 5000);
	CHECK_EQ(ev(w, 0, 0, 0)->res, -1);
	CHECK_EQ(ev(w, 0, 0, 0)->res2, -1);
	/* run 10+1+5 us, runtime 30 us, mem 100 ns, times loop 2 */
	CHECK_EQ(workload_task_work_ns(&w->tasks[0]), 2 * (46000 + 100));
	workload_free(w);
}

TEST(workload_defaults)
{
	struct workload *w = load("{\"tasks\": {\"a\": {\"run\": 1}}}");

	CHECK(w);
	CHECK_EQ(w->duration_ns, 0);
	CHECK_EQ(w->nr_ignored, 0);
	CHECK_EQ(w->nr_cgroups, 0);
	CHECK_EQ(w->nr_hotplug, 0);
	CHECK_EQ(w->tasks[0].instances, 1);
	CHECK_EQ(w->tasks[0].loop, -1);
	CHECK_EQ(w->tasks[0].policy, WL_POLICY_OTHER);
	CHECK_EQ(w->tasks[0].nice, 0);
	CHECK(!w->tasks[0].cpus);
	CHECK_STR(w->tasks[0].cgroup, "/");
	CHECK_EQ(w->tasks[0].delay_ns, 0);
	CHECK_EQ(workload_task_work_ns(&w->tasks[0]), -1);
	workload_free(w);
}

TEST(workload_phases_loops_and_cpus)
{
	struct workload *w = load(T("\"instance\": 3, \"loop\": 4, \"cpus\": [3, 1, 3, 2],"
				    "\"delay\": 7, \"phases\": {"
				    " \"a\": {\"loop\": 5, \"cpus\": [0], \"run\": 10},"
				    " \"b\": {\"runtime\": 1, \"sleep\": 1},"
				    " \"a\": {\"run\": 2}}"));
	const struct wl_task *t;

	CHECK(w);
	t = &w->tasks[0];
	CHECK_EQ(t->instances, 3);
	CHECK_EQ(t->loop, 4);
	CHECK_EQ(t->delay_ns, 7000);
	CHECK_EQ(t->nr_cpus, 3);
	CHECK(t->cpus[0] == 1 && t->cpus[1] == 2 && t->cpus[2] == 3);
	CHECK_EQ(t->nr_phases, 3);
	CHECK_STR(t->phases[0].name, "a");
	CHECK_STR(t->phases[2].name, "a"); /* repeated phase names are kept */
	CHECK_EQ(t->phases[0].loop, 5);
	CHECK(t->phases[0].has_cpus && t->phases[0].nr_cpus == 1 && t->phases[0].cpus[0] == 0);
	CHECK(!t->phases[1].has_cpus);
	CHECK_EQ(workload_task_work_ns(t), 4 * (5 * 10000 + 1000 + 2000));
	workload_free(w);
}

TEST(workload_policies_and_priorities)
{
	struct workload *w = load("{\"global\": {\"default_policy\": \"SCHED_EXT\"}, \"tasks\": {"
				  "\"a\": {\"run\": 1},"
				  "\"b\": {\"policy\": \"SCHED_FIFO\", \"run\": 1},"
				  "\"c\": {\"policy\": \"SCHED_RR\", \"priority\": 99, \"run\": 1},"
				  "\"d\": {\"policy\": \"SCHED_BATCH\", \"priority\": 19, \"run\": 1},"
				  "\"e\": {\"policy\": \"SCHED_IDLE\", \"run\": 1},"
				  "\"f\": {\"policy\": \"SCHED_NORMAL\", \"priority\": -20, \"run\": 1}}}");

	CHECK(w);
	CHECK_EQ(w->default_policy, WL_POLICY_EXT);
	CHECK_EQ(w->tasks[0].policy, WL_POLICY_EXT);
	CHECK(w->tasks[1].policy == WL_POLICY_FIFO && w->tasks[1].rt_prio == 10);
	CHECK(w->tasks[2].policy == WL_POLICY_RR && w->tasks[2].rt_prio == 99);
	CHECK(w->tasks[3].policy == WL_POLICY_BATCH && w->tasks[3].nice == 19);
	CHECK_EQ(w->tasks[4].policy, WL_POLICY_IDLE);
	CHECK(w->tasks[5].policy == WL_POLICY_OTHER && w->tasks[5].nice == -20);
	workload_free(w);
}

TEST(workload_global_duration_and_ignored_keys)
{
	struct workload *w = load("{\"global\": {\"duration\": 3, \"logdir\": \"./\", \"gnuplot\": true,"
				  "\"ftrace\": \"main\", \"cumulative_slack\": false},"
				  "\"tasks\": {\"a\": {\"util_min\": 100, \"run\": 1},"
				  "\"b\": {\"util_min\": 200, \"nodes_membind\": [0], \"run\": 1}}}");

	CHECK(w);
	CHECK_EQ(w->duration_ns, 3 * NSEC_PER_SEC);
	CHECK_EQ(w->nr_ignored, 6);
	CHECK_STR(w->ignored[0], "logdir");
	CHECK(ignored(w, "util_min") && ignored(w, "nodes_membind") && ignored(w, "ftrace"));
	workload_free(w);
	w = load("{\"global\": {\"duration\": -1}, \"tasks\": {\"a\": {\"run\": 1}}}");
	CHECK(w);
	CHECK_EQ(w->duration_ns, 0);
	workload_free(w);
	w = load("{\"resources\": {\"m\": {\"type\": \"mutex\"}}, \"tasks\": {\"a\": {\"run\": 1}}}");
	CHECK(w);
	CHECK(ignored(w, "resources")); /* declarations are not needed by the event grammar */
	workload_free(w);
}

TEST(workload_resources_by_name_and_kind)
{
	struct workload *w = load(T("\"lock\": \"m\", \"signal\": \"m\", \"unlock\": \"m\","
				    "\"wait\": {\"ref\": \"c\", \"mutex\": \"m\"}, \"broad\": \"c\","
				    "\"sync\": {\"ref\": \"c\", \"mutex\": \"m\"}, \"resume\": \"x\","
				    "\"suspend\": \"x\", \"suspend1\": \"\", \"lock1\": \"m\""));

	CHECK(w);
	CHECK_EQ(w->nr_res, 5); /* m (mutex), m (condition), c, x and thread0 (own name) */
	workload_free(w);
	w = load(T("\"lock\": \"m\", \"signal\": \"m\", \"unlock\": \"m\", \"suspend\": \"\""));
	CHECK(w);
	CHECK_EQ(w->nr_res, 3);
	CHECK_EQ(ev(w, 0, 0, 0)->res, 0);
	CHECK_EQ(w->res[0].kind, WL_RES_MUTEX);
	CHECK_EQ(ev(w, 0, 0, 1)->res, 1);
	CHECK_EQ(w->res[1].kind, WL_RES_COND);
	CHECK_STR(w->res[1].name, "m");
	CHECK_EQ(ev(w, 0, 0, 2)->res, 0);
	CHECK_STR(res_name(w, ev(w, 0, 0, 3)->res), "thread0");
	workload_free(w);
}

TEST(workload_unique_timer_and_absolute_mode)
{
	struct workload *w = load("{\"tasks\": {\"a\": {\"phases\": {"
				  "\"p\": {\"run\": 1, \"timer\": {\"ref\": \"uniqueA\", \"period\": 10}},"
				  "\"q\": {\"run\": 1, \"timer\": {\"ref\": \"tick\", \"period\": 20}}}},"
				  "\"b\": {\"run\": 1, \"timer\": {\"ref\": \"tick\", \"period\": 20,"
				  "\"mode\": \"absolute\"}}}}");

	CHECK(w);
	CHECK(w->res[ev(w, 0, 0, 1)->res].per_instance);
	CHECK(!w->res[ev(w, 0, 1, 1)->res].per_instance);
	CHECK_EQ(ev(w, 0, 0, 1)->arg, 0);
	CHECK_EQ(ev(w, 0, 1, 1)->arg, 1); /* the timer is absolute: every use is */
	CHECK_EQ(ev(w, 1, 0, 1)->arg, 1);
	workload_free(w);
}

TEST(workload_barrier_users_count_instances_once_per_task)
{
	struct workload *w = load("{\"tasks\": {"
				  "\"a\": {\"instance\": 3, \"barrier\": \"B\", \"run\": 1, \"barrier1\": \"B\"},"
				  "\"b\": {\"phases\": {\"x\": {\"barrier\": \"B\"}, \"y\": {\"barrier\": \"C\"}}}}}");

	CHECK(w);
	CHECK_EQ(w->nr_res, 2);
	CHECK_EQ(w->res[0].users, 4);
	CHECK_EQ(w->res[1].users, 1);
	workload_free(w);
}

TEST(workload_cgroups_weights_parents_and_order)
{
	struct workload *w = load("{\"cgroups\": {\"/b/x/y\": {\"weight\": 300}, \"/a\": {},"
				  "\"/b\": {\"weight\": 50}, \"/a-z\": {\"weight\": 10000}},"
				  "\"tasks\": {\"t\": {\"taskgroup\": \"/c/d\", \"run\": 1},"
				  "\"u\": {\"taskgroup\": \"\", \"run\": 1},"
				  "\"v\": {\"taskgroup\": \"/\", \"run\": 1}}}");

	CHECK(w);
	CHECK_EQ(w->nr_cgroups, 7);
	CHECK_STR(w->cgroups[0].path, "/a");
	CHECK_EQ(w->cgroups[0].weight, 100);
	CHECK_STR(w->cgroups[1].path, "/a-z");
	CHECK_EQ(w->cgroups[1].weight, 10000);
	CHECK_STR(w->cgroups[2].path, "/b");
	CHECK_EQ(w->cgroups[2].weight, 50);
	CHECK_STR(w->cgroups[3].path, "/b/x");
	CHECK_EQ(w->cgroups[3].weight, 100);
	CHECK_STR(w->cgroups[4].path, "/b/x/y");
	CHECK_EQ(w->cgroups[4].weight, 300);
	CHECK_STR(w->cgroups[5].path, "/c");
	CHECK_STR(w->cgroups[6].path, "/c/d");
	CHECK_STR(w->tasks[0].cgroup, "/c/d");
	CHECK_STR(w->tasks[1].cgroup, "/");
	CHECK_STR(w->tasks[2].cgroup, "/");
	workload_free(w);
}

TEST(workload_cgroups_file)
{
	char err[512];
	struct workload *w;

	CHECK_EQ(workload_load_file("tests/data/workload/cgroups.json", &w, err, sizeof(err)), 0);
	CHECK_EQ(w->nr_tasks, 2);
	CHECK_EQ(w->nr_cgroups, 3);
	CHECK_STR(w->cgroups[0].path, "/batch");
	CHECK_STR(w->cgroups[2].path, "/web/frontend");
	CHECK_EQ(w->cgroups[2].weight, 300);
	CHECK_EQ(w->tasks[0].policy, WL_POLICY_EXT);
	CHECK_EQ(w->tasks[0].instances, 4);
	CHECK_EQ(workload_task_work_ns(&w->tasks[1]), 100 * 5 * NSEC_PER_MSEC);
	workload_free(w);
}

TEST(workload_work_ns_saturates)
{
	char json[256];
	struct workload *w;

	snprintf(json, sizeof(json), T("\"loop\": 2147483647, \"phases\": {\"p\": {\"loop\": "
				       "2147483647, \"run\": %lld}}"), (long long)(INT64_MAX / 1000));
	w = load(json);
	CHECK(w);
	CHECK_EQ(workload_task_work_ns(&w->tasks[0]), INT64_MAX);
	workload_free(w);
	CHECK_EQ(workload_task_work_ns(NULL), -1);
	workload_free(NULL);
}

/* ---- errors ------------------------------------------------------------------------------- */

TEST(workload_error_unknown_key_and_types)
{
	CHECK_STR(load_err("{\"tasks\": {\"thread0\": {\"rnu\": 10}}}"),
		  "w.json: task 'thread0': unknown key 'rnu' (line 1, col 31)");
	CHECK_CONTAINS(load_err(T("\"run\": \"10\"")),
		       "w.json: task 'thread0': key 'run': expected an integer, got string");
	CHECK_CONTAINS(load_err(T("\"run\": 1.5")), "key 'run': expected an integer, got number");
	CHECK_CONTAINS(load_err(T("\"lock\": 3")), "key 'lock': expected a string, got integer");
	CHECK_CONTAINS(load_err(T("\"lock\": \"\"")), "key 'lock': empty resource name");
	CHECK_CONTAINS(load_err(T("\"suspend\": 1")), "key 'suspend': expected a string, got integer");
	CHECK_CONTAINS(load_err(T("\"yield\": 1")), "key 'yield': expected a string, got integer");
	CHECK_CONTAINS(load_err(T("\"run\": 1, \"cpus\": 1")), "key 'cpus': expected an array");
	CHECK_CONTAINS(load_err(T("\"run\": 1, \"policy\": 1")), "key 'policy': expected a string");
	CHECK_CONTAINS(load_err(T("\"run\": 1, \"taskgroup\": 1")), "key 'taskgroup': expected a string");
	CHECK_CONTAINS(load_err(T("\"wait\": \"c\"")), "key 'wait': expected an object, got string");
	CHECK_CONTAINS(load_err(T("\"phases\": []")), "key 'phases': expected an object, got array");
	CHECK_CONTAINS(load_err(T("\"phases\": {\"p\": 1}")), "key 'p': expected an object, got integer");
	CHECK_CONTAINS(load_err("{\"tasks\": {\"t\": 1}}"), "key 't': expected an object");
	CHECK_CONTAINS(load_err("{\"tasks\": []}"), "key 'tasks': expected an object, got array");
	CHECK_CONTAINS(load_err("[1]"), "w.json: expected an object at the top level, got array");
	CHECK_CONTAINS(load_err("{\"task\": {}}"), "w.json: unknown top-level key 'task'");
	CHECK_CONTAINS(load_err("{\"tasks\": {\"a\": {\"run\": 1}}, \"tasks\": {}}"),
		       "top-level key 'tasks' given twice");
}

TEST(workload_error_impossible_values)
{
	CHECK_CONTAINS(load_err(T("\"run\": -5")),
		       "task 'thread0': key 'run': must not be negative (got -5)");
	CHECK_CONTAINS(load_err(T("\"sleep\": -1")), "key 'sleep': must not be negative");
	CHECK_CONTAINS(load_err(T("\"mem\": -1")), "key 'mem': -1 is out of range");
	CHECK_CONTAINS(load_err(T("\"iorun\": -1")), "key 'iorun': -1 is out of range");
	CHECK_CONTAINS(load_err(T("\"loop\": 0, \"run\": 1")), "key 'loop': 0 (must be -1");
	CHECK_CONTAINS(load_err(T("\"loop\": -2, \"run\": 1")), "key 'loop': -2 is out of range [-1,");
	CHECK_CONTAINS(load_err(T("\"phases\": {\"p\": {\"loop\": 0, \"run\": 1}}")),
		       "phase 'p': key 'loop': 0 is out of range [1,");
	CHECK_CONTAINS(load_err(T("\"instance\": 0, \"run\": 1")), "key 'instance': 0 is out of range");
	CHECK_CONTAINS(load_err(T("\"priority\": 20, \"run\": 1")),
		       "key 'priority': 20 is out of range [-20, 19]");
	CHECK_CONTAINS(load_err(T("\"policy\": \"SCHED_FIFO\", \"priority\": 0, \"run\": 1")),
		       "key 'priority': 0 is out of range [1, 99]");
	CHECK_CONTAINS(load_err(T("\"delay\": -3, \"run\": 1")), "key 'delay': must not be negative");
	CHECK_CONTAINS(load_err(T("\"cpus\": [], \"run\": 1")), "key 'cpus': empty CPU list");
	CHECK_CONTAINS(load_err(T("\"cpus\": [0, -1], \"run\": 1")), "key 'cpus': -1 is out of range");
	CHECK_CONTAINS(load_err(T("\"cpus\": [\"0\"], \"run\": 1")), "key 'cpus': expected an integer");
	CHECK_CONTAINS(load_err(T("\"timer\": {\"ref\": \"t\", \"period\": 0}")),
		       "key 'timer': timer period must be > 0");
	CHECK_CONTAINS(load_err(T("\"timer\": {\"ref\": \"t\", \"period\": -1}")),
		       "key 'timer': must not be negative");
	CHECK_CONTAINS(load_err(T("\"timer\": {\"ref\": \"t\"}")), "key 'timer': missing field 'period'");
	CHECK_CONTAINS(load_err(T("\"timer\": {\"period\": 5}")), "key 'timer': missing field 'ref'");
	CHECK_CONTAINS(load_err(T("\"timer\": {\"ref\": \"t\", \"period\": 5, \"mode\": \"abs\"}")),
		       "mode must be \"relative\" or \"absolute\", got 'abs'");
	CHECK_CONTAINS(load_err(T("\"timer\": {\"ref\": \"t\", \"period\": 5, \"per\": 1}")),
		       "key 'timer': unknown field 'per'");
	CHECK_CONTAINS(load_err(T("\"wait\": {\"ref\": \"c\"}")), "key 'wait': missing field 'mutex'");
	CHECK_CONTAINS(load_err(T("\"sync\": {\"ref\": \"c\", \"mutex\": \"m\", \"ref\": \"d\"}")),
		       "key 'sync': field 'ref' given twice");
	CHECK_CONTAINS(load_err("{\"global\": {\"duration\": -2}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key 'duration': -2 is out of range");
}

TEST(workload_error_structure)
{
	CHECK_STR(load_err("{\"global\": {}}"), "w.json: no tasks (missing top-level key 'tasks')");
	CHECK_CONTAINS(load_err("{\"tasks\": {}}"), "w.json: no tasks (line 1, col 11)");
	CHECK_CONTAINS(load_err(T("\"loop\": 1")), "task 'thread0': no events");
	CHECK_CONTAINS(load_err(T("\"phases\": {}")), "key 'phases': no phases");
	CHECK_CONTAINS(load_err(T("\"phases\": {\"p\": {\"loop\": 2}}")),
		       "task 'thread0': phase 'p': no events");
	CHECK_CONTAINS(load_err(T("\"loop\": 1, \"loop\": 2, \"run\": 1")), "key 'loop' given twice");
	CHECK_CONTAINS(load_err("{\"tasks\": {\"a\": {\"run\": 1}, \"a\": {\"run\": 2}}}"),
		       "task 'a' given twice");
	CHECK_CONTAINS(load_err("{\"tasks\": {\"\": {\"run\": 1}}}"), "empty task name");
	CHECK_CONTAINS(load_err("{\"tasks\": {\"a23456789012345678901234567890123\": {\"run\": 1}}}"),
		       "task name longer than 31 characters");
	CHECK_CONTAINS(load_err(T("\"phases\": {\"a23456789012345678901234567890123\": {\"run\": 1}}")),
		       "phase name longer than 31 characters");
	CHECK_CONTAINS(load_err(T("\"lock\": \"a2345678901234567890123456789012345678901234567890\"")),
		       "resource name 'a2345678901234567890123456789012345678901234567890' longer "
		       "than 47 characters");
	CHECK_CONTAINS(load_err(T("\"run\": 1, \"phases\": {\"p\": {\"run\": 1}}")),
		       "event key 'run' outside 'phases'");
	CHECK_CONTAINS(load_err(T("\"phases\": {\"p\": {\"run\": 1, \"policy\": \"SCHED_FIFO\"}}")),
		       "phase 'p': key 'policy' is not modelled inside a phase");
	CHECK_CONTAINS(load_err(T("\"phases\": {\"p\": {\"run\": 1, \"instance\": 2}}")),
		       "key 'instance' is not modelled inside a phase");
	CHECK_CONTAINS(load_err(T("\"fork\": \"x\"")), "key 'fork': the fork event is not modelled");
	CHECK_CONTAINS(load_err(T("\"lock\": \"b\", \"barrier\": \"b\"")),
		       "key 'barrier': resource 'b' used as a barrier here but as a mutex elsewhere");
	CHECK_CONTAINS(load_err(T("\"run\": 1, \"timer\": {\"ref\": \"q\", \"period\": 5},"
				  "\"signal\": \"q\"")),
		       "resource 'q' used as a condition here but as a timer elsewhere");
}

TEST(workload_error_policies)
{
	CHECK_CONTAINS(load_err(T("\"policy\": \"SCHED_DEADLINE\", \"run\": 1")),
		       "task 'thread0': key 'policy': SCHED_DEADLINE is not modelled by scxsim");
	CHECK_CONTAINS(load_err("{\"global\": {\"default_policy\": \"SCHED_DEADLINE\"},"
				"\"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key 'default_policy': SCHED_DEADLINE is not modelled");
	CHECK_CONTAINS(load_err(T("\"policy\": \"SCHED_FOO\", \"run\": 1")),
		       "key 'policy': unknown policy 'SCHED_FOO' (known: SCHED_OTHER");
	CHECK_CONTAINS(load_err(T("\"dl-runtime\": 100, \"run\": 1")),
		       "key 'dl-runtime' is only valid with SCHED_DEADLINE");
	CHECK_CONTAINS(load_err(T("\"policy\": \"SCHED_RR\", \"taskgroup\": \"/a\", \"run\": 1")),
		       "key 'taskgroup': no taskgroup support for policy SCHED_RR");
}

TEST(workload_error_global_and_cgroups)
{
	CHECK_CONTAINS(load_err("{\"global\": {\"durationx\": 1}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "w.json: global: unknown key 'durationx'");
	CHECK_CONTAINS(load_err("{\"global\": {\"logdir\": \"a\", \"logdir\": \"b\"},"
				"\"tasks\": {\"a\": {\"run\": 1}}}"),
		       "global: key 'logdir' given twice");
	CHECK_CONTAINS(load_err("{\"global\": 1, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key 'global': expected an object");
	CHECK_CONTAINS(load_err("{\"cgroups\": {\"a\": {}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "cgroups: path 'a' must start with '/'");
	CHECK_CONTAINS(load_err("{\"cgroups\": {\"/a//b\": {}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "cgroups: path '/a//b' has an empty, '.' or '..' component");
	CHECK_CONTAINS(load_err("{\"cgroups\": {\"/a/..\": {}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "has an empty, '.' or '..' component");
	CHECK_CONTAINS(load_err("{\"cgroups\": {\"/a/\": {}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "has an empty");
	CHECK_CONTAINS(load_err("{\"cgroups\": {\"/\": {}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "cgroups: the root cgroup '/' has no weight");
	CHECK_CONTAINS(load_err("{\"cgroups\": {\"/a\": {\"weight\": 0}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key 'weight': 0 is out of range [1, 10000]");
	CHECK_CONTAINS(load_err("{\"cgroups\": {\"/a\": {\"weight\": 10001}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key 'weight': 10001 is out of range");
	CHECK_CONTAINS(load_err("{\"cgroups\": {\"/a\": {\"shares\": 1}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key '/a': unknown field 'shares'");
	CHECK_CONTAINS(load_err("{\"cgroups\": {\"/a\": {}, \"/a\": {}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "cgroups: '/a' given twice");
	CHECK_CONTAINS(load_err("{\"cgroups\": [], \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key 'cgroups': expected an object");
	CHECK_CONTAINS(load_err(T("\"taskgroup\": \"a\", \"run\": 1")),
		       "key 'taskgroup': path 'a' must start with '/'");
	CHECK_CONTAINS(load_err(T("\"taskgroup\": \"/a234567890123456789012345678901234567890123456789"
				  "01234567890123\", \"run\": 1")), "longer than 63 characters");
}

TEST(workload_error_resources_section)
{
	CHECK_CONTAINS(load_err("{\"resources\": {\"m\": {\"type\": \"spoon\"}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "resources: 'm': unknown type 'spoon'");
	CHECK_CONTAINS(load_err("{\"resources\": {\"m\": {\"type\": 1}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key 'type': expected a string, got integer");
	CHECK_CONTAINS(load_err("{\"resources\": {\"m\": {\"kind\": \"mutex\"}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key 'm': unknown field 'kind'");
	CHECK_CONTAINS(load_err("{\"resources\": {\"m\": {}, \"m\": {}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "resources: 'm' given twice");
	CHECK_CONTAINS(load_err("{\"resources\": {\"m\": {\"target\": \"\"}}, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key 'target': empty resource name");
	CHECK_CONTAINS(load_err("{\"resources\": 3, \"tasks\": {\"a\": {\"run\": 1}}}"),
		       "key 'resources': expected an object");
}

TEST(workload_error_legacy_grammar)
{
	static const char decl[] = "\"resources\": {\"w\": {\"type\": \"wait\"}, \"s\": {\"type\": "
				   "\"signal\"}, \"t\": {\"type\": \"timer\"}}, ";

	CHECK_CONTAINS(load_err(T("\"exec\": 10")), "key 'exec': a periodic legacy task needs 'period'");
	CHECK_CONTAINS(load_err(T("\"exec\": 10, \"period\": 5")), "key 'exec': larger than 'period'");
	CHECK_CONTAINS(load_err(T("\"exec\": 1, \"period\": 0")), "key 'period': must be > 0");
	CHECK_CONTAINS(load_err(T("\"exec\": 0, \"sleep\": false")), "no events (exec is 0");
	CHECK_CONTAINS(load_err(T("\"exec\": 1, \"period\": 5, \"run\": 1")),
		       "event key 'run' mixed with the legacy 'exec' grammar");
	CHECK_CONTAINS(load_err(T("\"period\": 5, \"run\": 1")),
		       "legacy key 'period' needs 'exec' in the same object");
	CHECK_CONTAINS(load_err(T("\"exec\": 1, \"phases\": {\"p\": {\"run\": 1}}")),
		       "legacy key 'exec' outside 'phases'");
	CHECK_CONTAINS(load_err(T("\"exec\": 5, \"period\": 10, \"lock_order\": [\"m\"],"
				  "\"resources\": {\"m\": {\"duration\": 6}}")),
		       "key 'lock_order': resource durations exceed 'exec'");
	CHECK_CONTAINS(load_err(T("\"exec\": 5, \"period\": 10, \"lock_order\": \"m\"")),
		       "key 'lock_order': expected an array, got string");
	CHECK_CONTAINS(load_err(T("\"exec\": 5, \"period\": 10, \"lock_order\": [\"m\"],"
				  "\"resources\": {\"m\": {\"time\": 1}}")),
		       "key 'resources': 'm': unknown field 'time'");
	CHECK_CONTAINS(load_err(T("\"exec\": 5, \"period\": 10, \"lock_order\": [\"m\"],"
				  "\"resources\": {\"m\": {\"access\": \"x\"}}")),
		       "key 'access': expected an array, got string");
	CHECK_CONTAINS(load_err(T("\"exec\": 5, \"period\": 10, \"lock_order\": [\"m\"],"
				  "\"resources\": {\"m\": 1}")),
		       "key 'resources': 'm': expected an object, got integer");
	CHECK_CONTAINS(load_err(T("\"exec\": 5, \"period\": 10, \"lock_order\": [\"m\"],"
				  "\"resources\": []")),
		       "key 'resources': expected an object, got array");
	CHECK_CONTAINS(load_err(T("\"exec\": 5, \"period\": 10, \"deadline\": -1")),
		       "key 'deadline': must not be negative");
	{
		char json[512];

		snprintf(json, sizeof(json), "{%s\"tasks\": {\"a\": {\"exec\": 5, \"period\": 10,"
			 "\"lock_order\": [\"w\"]}}}", decl);
		CHECK_CONTAINS(load_err(json), "resource 'w' of type 'wait' needs an 'access' mutex");
		snprintf(json, sizeof(json), "{%s\"tasks\": {\"a\": {\"exec\": 5, \"period\": 10,"
			 "\"lock_order\": [\"s\"]}}}", decl);
		CHECK_CONTAINS(load_err(json), "resource 's' of type 'signal' needs a 'target'");
		snprintf(json, sizeof(json), "{%s\"tasks\": {\"a\": {\"exec\": 5, \"period\": 10,"
			 "\"lock_order\": [\"t\"]}}}", decl);
		CHECK_CONTAINS(load_err(json), "resource 't' has type 'timer', which the legacy "
			       "grammar does not use");
	}
}

TEST(workload_error_syntax_and_files)
{
	char err[512];
	struct workload *w = (struct workload *)1;

	CHECK_STR(load_err("{\n  \"tasks\": {\n    \"a\": {\"run\": 1} \"b\": 2}}"),
		  "w.json:3:21: expected ',' or '}' after object member");
	CHECK_CONTAINS(load_err(""), "w.json:1:1: unexpected end of input");
	CHECK_EQ(workload_load_file("tests/data/workload/nonexistent.json", &w, err, sizeof(err)),
		 -ENOENT);
	CHECK(!w);
	CHECK_STR(err, "tests/data/workload/nonexistent.json: No such file or directory");
	CHECK(workload_load_file("tests/data/workload", &w, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "tests/data/workload: Is a directory");
}

/* ---- generators --------------------------------------------------------------------------- */

TEST(workload_generator_names)
{
	CHECK(workload_is_generator("cpuhog"));
	CHECK(workload_is_generator("hackbench:groups=2"));
	CHECK(workload_is_generator("pipe"));
	CHECK(workload_is_generator("schbench:"));
	CHECK(!workload_is_generator("cpuhogs"));
	CHECK(!workload_is_generator("w.json"));
	CHECK(!workload_is_generator("tests/data/workload/cgroups.json"));
	CHECK(!workload_is_generator(NULL));
}

TEST(workload_gen_cpuhog)
{
	char err[256];
	struct workload *w;

	CHECK_EQ(workload_generate("cpuhog", &w, err, sizeof(err)), 0);
	CHECK_EQ(w->nr_tasks, 1);
	CHECK_STR(w->tasks[0].name, "cpuhog-0");
	CHECK_EQ(w->tasks[0].loop, -1);
	CHECK(ev(w, 0, 0, 0)->kind == WL_EV_RUN && ev(w, 0, 0, 0)->ns == NSEC_PER_SEC);
	CHECK_EQ(workload_task_work_ns(&w->tasks[0]), -1);
	CHECK_STR(w->source, "cpuhog");
	workload_free(w);
	CHECK_EQ(workload_generate("cpuhog:n=3,nice=-5,work=20", &w, err, sizeof(err)), 0);
	CHECK_EQ(w->nr_tasks, 3);
	CHECK_STR(w->tasks[2].name, "cpuhog-2");
	CHECK_EQ(w->tasks[2].nice, -5);
	CHECK_EQ(w->tasks[2].loop, 1);
	CHECK_EQ(workload_task_work_ns(&w->tasks[2]), 20 * NSEC_PER_MSEC);
	workload_free(w);
}

TEST(workload_gen_pipe)
{
	char err[256];
	struct workload *w;

	CHECK_EQ(workload_generate("pipe", &w, err, sizeof(err)), 0);
	CHECK_EQ(w->nr_tasks, 2);
	CHECK_STR(w->tasks[0].name, "pipe-ping-0");
	CHECK_STR(w->tasks[1].name, "pipe-pong-0");
	CHECK_EQ(w->tasks[0].loop, 100000);
	CHECK_EQ(w->nr_res, 2);
	CHECK(w->res[0].kind == WL_RES_SEM && w->res[0].initial == 0);
	/* ping: run, post ab, wait ba; pong: wait ab, run, post ba */
	CHECK(ev(w, 0, 0, 1)->kind == WL_EV_SEM_POST && ev(w, 0, 0, 1)->res == 0);
	CHECK_EQ(ev(w, 0, 0, 1)->arg, 1);
	CHECK(ev(w, 0, 0, 2)->kind == WL_EV_SEM_WAIT && ev(w, 0, 0, 2)->res == 1);
	CHECK(ev(w, 1, 0, 0)->kind == WL_EV_SEM_WAIT && ev(w, 1, 0, 0)->res == 0);
	CHECK(ev(w, 1, 0, 2)->kind == WL_EV_SEM_POST && ev(w, 1, 0, 2)->res == 1);
	CHECK_EQ(workload_task_work_ns(&w->tasks[1]), 100000 * 1000LL);
	workload_free(w);
	CHECK_EQ(workload_generate("pipe:loops=7", &w, err, sizeof(err)), 0);
	CHECK_EQ(w->tasks[1].loop, 7);
	workload_free(w);
}

TEST(workload_gen_hackbench)
{
	char err[256];
	struct workload *w;
	int senders = 0, receivers = 0;
	s64 sent = 0, received = 0;

	CHECK_EQ(workload_generate("hackbench", &w, err, sizeof(err)), 0);
	CHECK_EQ(w->nr_tasks, 10 * 40);
	CHECK_EQ(w->nr_res, 10 * 20 * 2);
	for (int t = 0; t < w->nr_tasks; t++) {
		const struct wl_task *tk = &w->tasks[t];
		const struct wl_phase *p = &tk->phases[0];
		s64 posts = 0;

		CHECK(strlen(tk->name) <= 15);
		CHECK(workload_task_work_ns(tk) > 0); /* finite */
		for (int e = 0; e < p->nr_ev; e++)
			posts += p->ev[e].kind == WL_EV_SEM_POST;
		if (!strncmp(tk->name, "hackbench-s-", 12)) {
			senders++;
			sent += posts * p->loop * tk->loop;
		} else {
			receivers++;
			received += posts * p->loop * tk->loop;
		}
	}
	CHECK_EQ(senders, 200);
	CHECK_EQ(receivers, 200);
	CHECK_EQ(sent, 10 * 20 * 20 * 100); /* every message sent is received */
	CHECK_EQ(received, sent);
	/* capacity of a receiver's socket: 212992 / (100 + 576) */
	CHECK_STR(w->res[1].name, "hackbench-g0-r0-space");
	CHECK_EQ(w->res[1].initial, 315);
	CHECK_EQ(w->res[0].initial, 0);
	workload_free(w);
	CHECK_EQ(workload_generate("hackbench:groups=1,fds=2,loops=3,datasize=1000000", &w, err,
				   sizeof(err)), 0);
	CHECK_EQ(w->nr_tasks, 4);
	CHECK_STR(w->tasks[0].name, "hackbench-r-0");
	CHECK_STR(w->tasks[2].name, "hackbench-s-0");
	CHECK_EQ(w->res[1].initial, 1); /* huge messages: one at a time */
	CHECK_EQ(w->tasks[2].phases[0].nr_ev, 6);
	CHECK_EQ(ev(w, 2, 0, 1)->ns, 1500 + 100000);
	workload_free(w);
}

TEST(workload_gen_schbench)
{
	char err[256];
	struct workload *w;

	CHECK_EQ(workload_generate("schbench", &w, err, sizeof(err)), 0);
	CHECK_EQ(w->nr_tasks, 2 * 5);
	CHECK_STR(w->tasks[0].name, "schbench-m-0");
	CHECK_STR(w->tasks[1].name, "schbench-w-0");
	CHECK_STR(w->tasks[5].name, "schbench-m-1");
	CHECK_STR(w->tasks[9].name, "schbench-w-7");
	CHECK_EQ(w->tasks[0].phases[0].nr_ev, 5); /* 4 posts and a sleep */
	CHECK(ev(w, 0, 0, 4)->kind == WL_EV_SLEEP && ev(w, 0, 0, 4)->ns == 10000 * NSEC_PER_USEC);
	CHECK(ev(w, 1, 0, 0)->kind == WL_EV_SEM_WAIT && ev(w, 1, 0, 0)->res == ev(w, 0, 0, 0)->res);
	CHECK_EQ(ev(w, 9, 0, 0)->res, ev(w, 5, 0, 3)->res);
	CHECK_EQ(workload_task_work_ns(&w->tasks[1]), 200 * 1000 * NSEC_PER_USEC);
	workload_free(w);
	CHECK_EQ(workload_generate("schbench:mthreads=1,workers=1,cputime=5,sleeptime=0,loops=2",
				   &w, err, sizeof(err)), 0);
	CHECK_EQ(w->nr_tasks, 2);
	CHECK_EQ(workload_task_work_ns(&w->tasks[1]), 2 * 5000);
	workload_free(w);
}

TEST(workload_gen_errors)
{
	CHECK_STR(gen_err("fizz:a=1"), "unknown generator 'fizz' (known: cpuhog, pipe, hackbench, "
		  "schbench)");
	CHECK_STR(gen_err("hackbench:group=2"),
		  "hackbench: unknown key 'group' (known: groups, fds, loops, datasize)");
	CHECK_STR(gen_err("hackbench:groups=0"),
		  "hackbench: key 'groups': expected an integer in [1, 1000], got '0'");
	CHECK_CONTAINS(gen_err("cpuhog:n=2x"), "cpuhog: key 'n': expected an integer in [1, 65536], got '2x'");
	CHECK_CONTAINS(gen_err("cpuhog:nice=20"), "cpuhog: key 'nice': expected an integer in [-20, 19]");
	CHECK_CONTAINS(gen_err("cpuhog:work=0"), "cpuhog: key 'work'");
	CHECK_CONTAINS(gen_err("cpuhog:n="), "cpuhog: key 'n': expected an integer");
	CHECK_CONTAINS(gen_err("cpuhog:n=99999999999999999999"), "cpuhog: key 'n'");
	CHECK_STR(gen_err("pipe:loops"), "pipe: 'loops': expected key=value");
	CHECK_STR(gen_err("pipe:loops=1,loops=2"), "pipe: key 'loops' given twice");
	CHECK_STR(gen_err("pipe:"), "pipe: empty parameter in 'pipe:'");
	CHECK_CONTAINS(gen_err("pipe:loops=1,"), "pipe: empty parameter");
	CHECK_CONTAINS(gen_err("schbench:,loops=1"), "schbench: empty parameter");
	CHECK_CONTAINS(gen_err("schbench:sleeptime=-1"), "schbench: key 'sleeptime'");
	CHECK_STR(gen_err("hackbench:groups=1000,fds=1000"),
		  "hackbench: groups x fds x 2 exceeds 65536 tasks");
}

/* ---- size limits and large inputs (no quadratic work, no hang) ----------------------------- */

/* Append printf output to a growing buffer. */
static void sb_printf(char **buf, size_t *len, size_t *cap, const char *fmt, long a, long b)
{
	int n = snprintf(NULL, 0, fmt, a, b);

	while (*len + n + 1 > *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort();
	}
	snprintf(*buf + *len, *cap - *len, fmt, a, b);
	*len += n;
}

TEST(workload_large_inputs_stay_fast)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct workload *w;

	/* 200000 distinct mutexes in one task and 60000 tasks: quadratic lookups would take
	 * minutes here. */
	sb_printf(&buf, &len, &cap, "{\"tasks\": {\"big\": {\"run\": 1", 0, 0);
	for (long i = 0; i < 200000; i++)
		sb_printf(&buf, &len, &cap, ", \"lock%ld\": \"m%ld\"", i, i);
	sb_printf(&buf, &len, &cap, "}", 0, 0);
	for (long i = 0; i < 60000; i++)
		sb_printf(&buf, &len, &cap, ", \"t%ld\": {\"run\": %ld}", i, 1 + i % 7);
	sb_printf(&buf, &len, &cap, "}}", 0, 0);
	w = load(buf);
	free(buf);
	if (!w)
		FAIL_("%s", wl_err);
	CHECK_EQ(w->nr_tasks, 60001);
	CHECK_EQ(w->nr_res, 200000);
	CHECK_STR(w->res[199999].name, "m199999");
	CHECK_EQ(ev(w, 0, 0, 200000)->res, 199999);
	workload_free(w);
}

TEST(workload_error_limits)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	sb_printf(&buf, &len, &cap, "{\"tasks\": {\"t\": {\"run\": 1}", 0, 0);
	for (long i = 0; i < 65536; i++)
		sb_printf(&buf, &len, &cap, ", \"t%ld\": {\"run\": %ld}", i, 1);
	sb_printf(&buf, &len, &cap, "}}", 0, 0);
	CHECK_CONTAINS(load_err(buf), "w.json: more than 65536 tasks");
	len = 0;
	sb_printf(&buf, &len, &cap, "{\"tasks\": {\"t\": {\"run\": 1}", 0, 0);
	for (long i = 0; i < 17; i++)
		sb_printf(&buf, &len, &cap, ", \"t%ld\": {\"instance\": %ld, \"run\": 1}", i, 65536);
	sb_printf(&buf, &len, &cap, "}}", 0, 0);
	CHECK_CONTAINS(load_err(buf), "task 't15': more than 1048576 threads in total");
	len = 0;
	sb_printf(&buf, &len, &cap, "{\"cgroups\": {\"/c\": {}", 0, 0);
	for (long i = 0; i < 4096; i++)
		sb_printf(&buf, &len, &cap, ", \"/c%ld\": {\"weight\": %ld}", i, 1 + i % 100);
	sb_printf(&buf, &len, &cap, "}, \"tasks\": {\"t\": {\"run\": 1}}}", 0, 0);
	CHECK_CONTAINS(load_err(buf), "cgroups: more than 4096 cgroups");
	len = 0;
	sb_printf(&buf, &len, &cap, "{\"cgroups\": {\"/c\": {}", 0, 0);
	for (long i = 0; i < 4095; i++)
		sb_printf(&buf, &len, &cap, ", \"/c%ld\": {\"weight\": %ld}", i, 1 + i % 100);
	sb_printf(&buf, &len, &cap, "}, \"tasks\": {\"t\": {\"taskgroup\": \"/x\", \"run\": 1}}}", 0, 0);
	CHECK_CONTAINS(load_err(buf), "key 'taskgroup': more than 4096 cgroups");
	free(buf);
}

/* ---- cgroup_events (scxsim's extension) -------------------------------------------------- */

/* Two tasks and /a declared; EVENTS is the array's body. */
#define CE(events) "{\"cgroups\": {\"/a\": {\"weight\": 200}}, \"tasks\": {\"x\": {\"run\": 1}, " \
		   "\"y\": {\"instance\": 2, \"run\": 1}}, \"cgroup_events\": [" events "]}"

TEST(workload_cgroup_events_sorted_stably)
{
	struct workload *w = load(CE("{\"at_ms\": 80, \"task\": \"y\", \"cgroup\": \"/b/c\"},"
				     "{\"at_ms\": 50, \"cgroup\": \"/a\", \"weight\": 300},"
				     "{\"at_ms\": 80, \"cgroup\": \"/b\", \"weight\": 7},"
				     "{\"at_ms\": 0, \"task\": \"x\", \"cgroup\": \"/\"}"));

	CHECK(w);
	CHECK_EQ(w->nr_cg_events, 4);
	CHECK_EQ(w->cg_events[0].at_ns, 0);
	CHECK_EQ(w->cg_events[0].kind, WL_CG_MOVE);
	CHECK_EQ(w->cg_events[0].task, 0);
	CHECK_STR(w->cg_events[0].cgroup, "/");
	CHECK_EQ(w->cg_events[1].at_ns, 50 * NSEC_PER_MSEC);
	CHECK_EQ(w->cg_events[1].kind, WL_CG_WEIGHT);
	CHECK_EQ(w->cg_events[1].weight, 300);
	CHECK_STR(w->cg_events[1].cgroup, "/a");
	/* same time: file order kept, so /b exists (made by the move) when its weight is written */
	CHECK_EQ(w->cg_events[2].kind, WL_CG_MOVE);
	CHECK_EQ(w->cg_events[2].task, 1);
	CHECK_STR(w->cg_events[2].cgroup, "/b/c");
	CHECK_EQ(w->cg_events[3].kind, WL_CG_WEIGHT);
	CHECK_STR(w->cg_events[3].cgroup, "/b");
	CHECK_EQ(w->cg_events[3].weight, 7);
	CHECK_EQ(w->nr_cgroups, 1); /* moves create their cgroups at run time, not at load */
	workload_free(w);
	w = load(CE(""));
	CHECK(w);
	CHECK_EQ(w->nr_cg_events, 0);
	workload_free(w);
}

TEST(workload_error_cgroup_events)
{
	CHECK_CONTAINS(load_err("{\"tasks\": {\"x\": {\"run\": 1}}, \"cgroup_events\": {}}"),
		       "w.json: cgroup_events: expected an array of events, got object");
	CHECK_CONTAINS(load_err(CE("1")), "cgroup_events: event 0: expected an object, got integer");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a\", \"weight\": 3, \"cpu\": 1}")),
		       "w.json: cgroup_events: event 0: unknown key 'cpu' (line 1");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a\", \"weight\": 3, \"weight\": 4}")),
		       "cgroup_events: event 0: key 'weight' given twice");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a\", \"weight\": 3}, {\"cgroup\": \"/a\", \"weight\": 3}")),
		       "cgroup_events: event 1: missing key 'at_ms'");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"weight\": 3}")),
		       "cgroup_events: event 0: missing key 'cgroup'");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": \"1\", \"cgroup\": \"/a\", \"weight\": 3}")),
		       "cgroup_events: event 0: key 'at_ms': expected an integer, got string");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": -1, \"cgroup\": \"/a\", \"weight\": 3}")),
		       "cgroup_events: event 0: key 'at_ms': -1 is out of range [0, 1000000000]");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": 5, \"weight\": 3}")),
		       "cgroup_events: event 0: key 'cgroup': expected a string, got integer");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a\", \"weight\": \"3\"}")),
		       "cgroup_events: event 0: key 'weight': expected an integer, got string");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a\", \"weight\": 0}")),
		       "cgroup_events: event 0: key 'weight': 0 is out of range [1, 10000]");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a\", \"weight\": 10001}")),
		       "cgroup_events: event 0: key 'weight': 10001 is out of range [1, 10000]");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a\", \"task\": 1}")),
		       "cgroup_events: event 0: key 'task': expected a string, got integer");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a\", \"task\": \"z\"}")),
		       "cgroup_events: event 0: key 'task': no task named 'z'");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"a\", \"task\": \"x\"}")),
		       "cgroup_events: event 0: key 'cgroup': path 'a' must start with '/'");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a/../b\", \"task\": \"x\"}")),
		       "key 'cgroup': path '/a/../b' has an empty, '.' or '..' component");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/\", \"weight\": 5}")),
		       "cgroup_events: event 0: the root cgroup '/' has no weight");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a\", \"weight\": 5, \"task\": \"x\"}")),
		       "cgroup_events: event 0: both 'task' and 'weight': an event is either a move");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/a\"}")),
		       "cgroup_events: event 0: neither 'task' nor 'weight'");
	/* a weight write needs a cgroup that exists at that time */
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 1, \"cgroup\": \"/zz\", \"weight\": 5}")),
		       "cgroup_events: event 0: key 'cgroup': no cgroup '/zz' at 1 ms");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 9, \"task\": \"x\", \"cgroup\": \"/zz/q\"},"
				   "{\"at_ms\": 5, \"cgroup\": \"/zz\", \"weight\": 5}")),
		       "cgroup_events: event 1: key 'cgroup': no cgroup '/zz' at 5 ms");
	CHECK_CONTAINS(load_err(CE("{\"at_ms\": 9, \"task\": \"x\", \"cgroup\": \"/zz\"},"
				   "{\"at_ms\": 9, \"cgroup\": \"/zzz\", \"weight\": 5}")),
		       "no cgroup '/zzz' at 9 ms"); /* a prefix is not a parent */
	CHECK_STR(load_err(CE("{\"at_ms\": 9, \"task\": \"x\", \"cgroup\": \"/zz/q\"},"
			      "{\"at_ms\": 9, \"cgroup\": \"/zz\", \"weight\": 5}")), "(loaded)");
	CHECK_STR(load_err(CE("{\"at_ms\": 9, \"cgroup\": \"/a\", \"weight\": 5}")), "(loaded)");
}
