/*
 * test_machine.c — the simulated machine end to end on small rt-app workloads: weight-fair
 * sharing (nice and cgroup cpu.weight), rt preemption, synchronisation events completing all
 * their work, determinism, invariants, and bad input.
 */
#include <stdlib.h>
#include "machine/machine_int.h"
#include "scxsim/json_write.h"
#include "test.h"

struct run {
	struct topo *t;
	struct workload *w;
	struct machine *m;
	char err[512];
};

static int run_json(struct run *r, const char *topo, const char *json, u64 dur_ns, u64 seed)
{
	struct machine_params p;

	memset(r, 0, sizeof(*r));
	if (topo_parse(topo, &r->t, r->err, sizeof(r->err)))
		return -1;
	if (workload_load_buf("test.json", json, strlen(json), &r->w, r->err, sizeof(r->err)))
		return -2;
	machine_params_default(&p);
	r->m = machine_create(r->t, r->w, &p, seed, r->err, sizeof(r->err));
	if (!r->m)
		return -3;
	return machine_run(r->m, dur_ns);
}

static void run_free(struct run *r)
{
	machine_destroy(r->m);
	workload_free(r->w);
	topo_free(r->t);
}

static struct task_struct *task_by_comm(struct machine *m, const char *comm)
{
	for (int i = 0; i < m->nr_tasks; i++)
		if (!strcmp(m->tasks[i]->comm, comm))
			return m->tasks[i];
	return NULL;
}

static double ratio(u64 a, u64 b)
{
	return b ? (double)a / (double)b : 0;
}

TEST(machine_nice_weights_share_one_cpu)
{
	struct run r;
	int e = run_json(&r, "2",
			 "{\"tasks\":{\"n0\":{\"cpus\":[0],\"run\":100000},"
			 "\"n5\":{\"cpus\":[0],\"priority\":5,\"run\":100000}}}",
			 4 * NSEC_PER_SEC, 1);
	CHECK_EQ(e, 0);
	struct task_struct *a = task_by_comm(r.m, "n0"), *b = task_by_comm(r.m, "n5");
	CHECK(a && b);
	double q = ratio(a->st.runtime_ns, b->st.runtime_ns), want = 1024.0 / 335.0;
	if (q < want * 0.98 || q > want * 1.02)
		FAIL_("nice 0 : nice 5 runtime ratio %.4f, want %.4f +-2%%", q, want);
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

TEST(machine_cgroup_weights_share_one_cpu)
{
	struct run r;
	int e = run_json(&r, "1",
			 "{\"cgroups\":{\"/lo\":{\"weight\":100},\"/hi\":{\"weight\":300}},"
			 "\"tasks\":{\"lo\":{\"taskgroup\":\"/lo\",\"run\":100000},"
			 "\"hi\":{\"taskgroup\":\"/hi\",\"instance\":3,\"run\":100000}}}",
			 4 * NSEC_PER_SEC, 7);
	CHECK_EQ(e, 0);
	u64 lo = 0, hi = 0;
	for (int i = 0; i < r.m->nr_tasks; i++) {
		struct task_struct *p = r.m->tasks[i];
		if (!strcmp(p->tg->path, "/lo"))
			lo += p->st.runtime_ns;
		else if (!strcmp(p->tg->path, "/hi"))
			hi += p->st.runtime_ns;
	}
	double q = ratio(hi, lo);
	if (q < 3 * 0.98 || q > 3 * 1.02)
		FAIL_("cgroup 300:100 runtime ratio %.4f, want 3 +-2%%", q);
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

TEST(machine_nested_cgroups_split_parent_share)
{
	struct run r;
	/* /a (100) vs /b (100); inside /a, /a/x (300) vs /a/y (100) */
	int e = run_json(&r, "1",
			 "{\"cgroups\":{\"/a\":{\"weight\":100},\"/b\":{\"weight\":100},"
			 "\"/a/x\":{\"weight\":300},\"/a/y\":{\"weight\":100}},"
			 "\"tasks\":{\"x\":{\"taskgroup\":\"/a/x\",\"run\":100000},"
			 "\"y\":{\"taskgroup\":\"/a/y\",\"run\":100000},"
			 "\"b\":{\"taskgroup\":\"/b\",\"run\":100000}}}",
			 4 * NSEC_PER_SEC, 3);
	CHECK_EQ(e, 0);
	u64 x = task_by_comm(r.m, "x")->st.runtime_ns, y = task_by_comm(r.m, "y")->st.runtime_ns;
	u64 b = task_by_comm(r.m, "b")->st.runtime_ns;
	double qb = ratio(b, x + y), qx = ratio(x, y);
	if (qb < 0.98 || qb > 1.02 || qx < 3 * 0.98 || qx > 3 * 1.02)
		FAIL_("b/(x+y) = %.3f (want 1), x/y = %.3f (want 3)", qb, qx);
	run_free(&r);
}

TEST(machine_rt_fifo_preempts_fair_at_once)
{
	struct run r;
	int e = run_json(&r, "1",
			 "{\"tasks\":{\"hog\":{\"run\":100000},"
			 "\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":50,\"loop\":20,"
			 "\"sleep\":7000,\"run\":3000}}}",
			 NSEC_PER_SEC, 1);
	CHECK_EQ(e, 0);
	struct task_struct *rt = task_by_comm(r.m, "rt"), *hog = task_by_comm(r.m, "hog");
	CHECK(rt->st.finished);
	CHECK_EQ(rt->st.work_done_ns, 20 * 3000000ULL);
	CHECK_EQ(rt->st.nr_wakeups, 20);
	/* the rt task never waits behind the hog: latency is the switch, not a tick or slice */
	CHECK(hist_max(rt->st.wake_lat) <= 10000);
	CHECK(rt->st.wait_ns <= 20 * 10000ULL);
	/* and the hog gets the CPU back whenever the rt task sleeps */
	CHECK(hog->st.runtime_ns + rt->st.runtime_ns >= NSEC_PER_SEC - 1000000);
	CHECK_STR(rt->sched_class->name, "rt");
	run_free(&r);
}

TEST(machine_rt_priority_order_and_push)
{
	struct run r;
	/* two FIFO tasks wake on the same CPU 0 of 2: the lower one is pushed to CPU 1 */
	int e = run_json(&r, "2",
			 "{\"tasks\":{\"hi\":{\"policy\":\"SCHED_FIFO\",\"priority\":60,\"loop\":5,"
			 "\"run\":2000,\"sleep\":1000},"
			 "\"lo\":{\"policy\":\"SCHED_FIFO\",\"priority\":40,\"loop\":5,"
			 "\"run\":2000,\"sleep\":1000},"
			 "\"hog\":{\"run\":100000}}}",
			 NSEC_PER_SEC, 1);
	CHECK_EQ(e, 0);
	CHECK(task_by_comm(r.m, "hi")->st.finished);
	CHECK(task_by_comm(r.m, "lo")->st.finished);
	CHECK(hist_max(task_by_comm(r.m, "lo")->st.wake_lat) <= 20000);
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

TEST(machine_rr_timeslice_rotates)
{
	struct run r;
	int e = run_json(&r, "1",
			 "{\"tasks\":{\"a\":{\"policy\":\"SCHED_RR\",\"priority\":10,\"run\":1000000},"
			 "\"b\":{\"policy\":\"SCHED_RR\",\"priority\":10,\"run\":1000000}}}",
			 NSEC_PER_SEC, 1);
	CHECK_EQ(e, 0);
	u64 a = task_by_comm(r.m, "a")->st.runtime_ns, b = task_by_comm(r.m, "b")->st.runtime_ns;
	CHECK(a > 400 * NSEC_PER_MSEC && b > 400 * NSEC_PER_MSEC);
	CHECK(r.m->rqs[0].nr_switches >= 9); /* 100 ms timeslices over 1 s */
	run_free(&r);
}

static const char *sync_json =
	"{\"tasks\":{"
	"\"locker\":{\"instance\":3,\"loop\":50,\"lock\":\"m\",\"run\":200,\"unlock\":\"m\",\"sleep\":300},"
	"\"waiter\":{\"loop\":20,\"suspend\":\"go\",\"run\":100},"
	"\"waker\":{\"loop\":20,\"run\":500,\"resume\":\"go\",\"sleep\":2000},"
	"\"bar\":{\"instance\":2,\"loop\":10,\"run\":300,\"barrier\":\"B\"},"
	"\"per\":{\"loop\":30,\"run\":500,\"timer\":{\"ref\":\"unique\",\"period\":2000}}"
	"}}";

TEST(machine_sync_events_finish_all_work)
{
	struct run r;
	int e = run_json(&r, "2", sync_json, 5 * NSEC_PER_SEC, 1);
	CHECK_EQ(e, 0);
	for (int i = 0; i < r.m->nr_tasks; i++) {
		struct task_struct *p = r.m->tasks[i];
		if (!strcmp(p->comm, "waiter"))
			continue; /* suspend/resume loses wake-ups that come before the suspend, as rt-app */
		if (!p->st.finished)
			FAIL_("%s did not finish: %llu of %lld ns", p->comm,
			      (unsigned long long)p->st.work_done_ns, (long long)p->st.work_total_ns);
		CHECK_EQ(p->st.work_done_ns, p->st.work_total_ns);
	}
	CHECK_EQ(r.m->nr_violations, 0);
	/* periodic task: 30 periods of 2 ms */
	CHECK(r.m->sim.now >= 60 * NSEC_PER_MSEC);
	run_free(&r);
}

static char *result_string(struct machine *m)
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

TEST(machine_same_seed_same_result)
{
	const char *json = "{\"tasks\":{\"w\":{\"instance\":6,\"loop\":200,\"run\":700,\"sleep\":900},"
			   "\"h\":{\"instance\":2,\"run\":50000}}}";
	struct run a, b;
	CHECK_EQ(run_json(&a, "2s2c2t", json, 2 * NSEC_PER_SEC, 5), 0);
	CHECK_EQ(run_json(&b, "2s2c2t", json, 2 * NSEC_PER_SEC, 5), 0);
	char *ja = result_string(a.m), *jb = result_string(b.m);
	CHECK(ja && jb && !strcmp(ja, jb));
	CHECK_CONTAINS(ja, "\"violations\": []");
	free(ja);
	free(jb);
	run_free(&a);
	run_free(&b);
}

TEST(machine_spreads_hogs_over_cpus)
{
	struct run r;
	CHECK_EQ(run_json(&r, "2s2c2t:llc=2", "{\"tasks\":{\"h\":{\"instance\":8,\"run\":100000}}}",
			  NSEC_PER_SEC, 1), 0);
	for (int c = 0; c < 8; c++)
		CHECK(r.m->rqs[c].idle_ns < 10 * NSEC_PER_MSEC);
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

/*
 * N hogs on M < N CPUs: a one-task imbalance is corrected after the domain's busy balance
 * interval, the other CPU corrects it back, and so on: over 10 s every hog gets about M/N of a
 * CPU (as on Linux), not 100 % for some and 50 % for the others.
 */
static void hogs_share(const char *topo, int hogs, int cpus, int *failed)
{
	char json[128];
	struct run r;

	snprintf(json, sizeof(json), "{\"tasks\":{\"h\":{\"instance\":%d,\"loop\":-1,\"run\":100000}}}", hogs);
	if (run_json(&r, topo, json, 10 * NSEC_PER_SEC, 1)) {
		*failed = 1;
		run_free(&r);
		return;
	}
	for (int i = 0; i < r.m->nr_tasks; i++) {
		double share = ratio(r.m->tasks[i]->st.runtime_ns, 10 * NSEC_PER_SEC);
		double want = (double)cpus / hogs;

		if (share < want * 0.9 || share > want * 1.1) {
			fprintf(stderr, "  %s on %s: %s got %.3f of a CPU, want %.3f +- 10%%\n", json, topo,
				r.m->tasks[i]->comm, share, want);
			*failed = 1;
		}
	}
	if (r.m->nr_violations)
		*failed = 1;
	run_free(&r);
}

TEST(machine_hogs_rotate_to_share_fewer_cpus)
{
	int failed = 0;

	hogs_share("2", 3, 2, &failed);
	hogs_share("4", 5, 4, &failed);
	hogs_share("1s4c2t", 9, 8, &failed);
	CHECK(!failed);
}

/* Balancing compares loads (weights), not task counts: two nice-0 and two nice-19 hogs on 2
 * CPUs end up one of each per CPU, so each nice-0 hog gets 1024/(1024+15) of a CPU. */
TEST(machine_balance_by_load_pairs_heavy_with_light)
{
	struct run r;

	/* all four start pinned to CPU 0 for 20 ms, then may run anywhere */
	CHECK_EQ(run_json(&r, "2", "{\"tasks\":{"
			  "\"a\":{\"instance\":2,\"loop\":1,\"phases\":{\"pin\":{\"cpus\":[0],\"run\":20000},\"free\":{\"run\":10000000}}},"
			  "\"b\":{\"instance\":2,\"loop\":1,\"priority\":19,\"phases\":{\"pin\":{\"cpus\":[0],\"run\":20000},\"free\":{\"run\":10000000}}}}}",
			  10 * NSEC_PER_SEC, 1), 0);
	for (int i = 0; i < r.m->nr_tasks; i++) {
		struct task_struct *p = r.m->tasks[i];
		double share = ratio(p->st.runtime_ns, 10 * NSEC_PER_SEC);
		double want = p->comm[0] == 'a' ? 1024.0 / 1039 : 15.0 / 1039;
		double tol = p->comm[0] == 'a' ? 0.02 : 0.25; /* b's pinned start weighs on its tiny share */

		if (share < want * (1 - tol) || share > want * (1 + tol))
			FAIL_("%s got %.4f of a CPU, want %.4f", p->comm, share, want);
	}
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

/* cgroup shares hold across CPUs: /a (weight 300, 3 hogs) and /b (weight 100, 3 hogs) on 2
 * CPUs: /a's tasks get 3/4 of the machine between them. */
TEST(machine_cgroup_weights_share_several_cpus)
{
	struct run r;
	u64 a = 0, b = 0;

	CHECK_EQ(run_json(&r, "2", "{\"cgroups\":{\"/a\":{\"weight\":300},\"/b\":{\"weight\":100}},"
			  "\"tasks\":{\"a\":{\"instance\":3,\"loop\":-1,\"run\":100000,\"taskgroup\":\"/a\"},"
			  "\"b\":{\"instance\":3,\"loop\":-1,\"run\":100000,\"taskgroup\":\"/b\"}}}",
			  10 * NSEC_PER_SEC, 1), 0);
	for (int i = 0; i < r.m->nr_tasks; i++)
		*(r.m->tasks[i]->comm[0] == 'a' ? &a : &b) += r.m->tasks[i]->st.runtime_ns;
	if (ratio(a, a + b) < 0.75 * 0.97 || ratio(a, a + b) > 0.75 * 1.03)
		FAIL_("/a got %.4f of the machine, want 0.75", ratio(a, a + b));
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

TEST(machine_idle_cpu_pulls_waiting_task)
{
	struct run r;
	/* 3 hogs start pinned-free on 2 CPUs then two sleepers: no CPU stays idle while work waits */
	CHECK_EQ(run_json(&r, "4", "{\"tasks\":{\"h\":{\"instance\":4,\"loop\":50,\"run\":3000,\"sleep\":1000}}}",
			  2 * NSEC_PER_SEC, 1), 0);
	for (int i = 0; i < r.m->nr_tasks; i++)
		CHECK(r.m->tasks[i]->st.finished);
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

TEST(machine_rejects_affinity_outside_machine)
{
	struct run r;
	CHECK_EQ(run_json(&r, "2", "{\"tasks\":{\"t\":{\"cpus\":[0,5],\"run\":100}}}", NSEC_PER_SEC, 1), -3);
	CHECK_CONTAINS(r.err, "task 't'");
	CHECK_CONTAINS(r.err, "CPU 5 does not exist");
	run_free(&r);
}

TEST(machine_ends_when_all_tasks_exit)
{
	struct run r;
	CHECK_EQ(run_json(&r, "2", "{\"tasks\":{\"t\":{\"loop\":3,\"run\":1000,\"sleep\":1000}}}",
			  10 * NSEC_PER_SEC, 1), 0);
	struct task_struct *p = task_by_comm(r.m, "t");
	CHECK(p->st.finished);
	CHECK(r.m->sim.now < 10 * NSEC_PER_MSEC);
	CHECK_EQ(p->st.work_done_ns, 3000000);
	run_free(&r);
}

TEST(machine_cut_off_tasks_report_unfinished)
{
	struct run r;
	CHECK_EQ(run_json(&r, "1", "{\"tasks\":{\"t\":{\"loop\":1,\"run\":2000000}}}",
			  NSEC_PER_SEC, 1), 0);
	struct task_struct *p = task_by_comm(r.m, "t");
	CHECK(!p->st.finished);
	CHECK(p->st.work_done_ns < (u64)p->st.work_total_ns);
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

TEST(machine_phase_cpus_move_the_task)
{
	struct run r;
	CHECK_EQ(run_json(&r, "2", "{\"tasks\":{\"t\":{\"loop\":3,\"phases\":{"
			  "\"p0\":{\"cpus\":[0],\"run\":1000},\"p1\":{\"cpus\":[1],\"run\":1000},"
			  "\"p2\":{\"run\":1000}}}}}", NSEC_PER_SEC, 1), 0);
	struct task_struct *p = task_by_comm(r.m, "t");
	CHECK(p->st.finished);
	CHECK_EQ(p->st.work_done_ns, 9000000);
	CHECK(p->st.nr_migrations >= 5); /* 0 -> 1 each loop, 1 -> 0 on each new loop */
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

TEST(machine_hotplug_moves_tasks_and_loses_nothing)
{
	struct run r;
	/* 4 CPUs; CPU 1 goes away at 10 ms (with a task pinned to it), comes back at 50 ms */
	CHECK_EQ(run_json(&r, "4", "{\"hotplug\":[{\"at_ms\":50,\"cpu\":1,\"online\":true},"
			  "{\"at_ms\":10,\"cpu\":1,\"online\":false},{\"at_ms\":20,\"cpu\":3,\"online\":false}],"
			  "\"tasks\":{\"h\":{\"instance\":6,\"loop\":40,\"run\":1000,\"sleep\":200},"
			  "\"pinned\":{\"cpus\":[1],\"loop\":30,\"run\":2000,\"sleep\":100}}}",
			  5 * NSEC_PER_SEC, 1), 0);
	for (int i = 0; i < r.m->nr_tasks; i++)
		CHECK(r.m->tasks[i]->st.finished);
	CHECK_EQ(r.m->nr_violations, 0);
	CHECK_EQ(r.m->nr_hotplug, 3);
	CHECK_EQ(r.m->nr_affinity_broken, 1);
	CHECK(!r.m->rqs[3].online && r.m->rqs[1].online);
	run_free(&r);
}

TEST(machine_hotplug_refuses_last_cpu_and_bad_cpu)
{
	struct run r;
	CHECK_EQ(run_json(&r, "1", "{\"hotplug\":[{\"at_ms\":1,\"cpu\":0,\"online\":false}],"
			  "\"tasks\":{\"t\":{\"loop\":3,\"run\":1000,\"sleep\":1000}}}", NSEC_PER_SEC, 1), 0);
	CHECK_EQ(r.m->nr_hotplug_refused, 1);
	CHECK(task_by_comm(r.m, "t")->st.finished);
	run_free(&r);
	CHECK_EQ(run_json(&r, "2", "{\"hotplug\":[{\"at_ms\":1,\"cpu\":5,\"online\":false}],"
			  "\"tasks\":{\"t\":{\"run\":1000}}}", NSEC_PER_SEC, 1), -3);
	CHECK_CONTAINS(r.err, "hotplug event 0: CPU 5 does not exist");
	run_free(&r);
}

TEST(machine_core_sched_cookies_never_share_a_core)
{
	struct run r;
	/* one core, two SMT threads: cookies 1 and 2 must take turns; same-cookie pairs may share */
	CHECK_EQ(run_json(&r, "1s1c2t", "{\"tasks\":{\"a\":{\"core_cookie\":1,\"loop\":20,\"run\":5000},"
			  "\"b\":{\"core_cookie\":2,\"loop\":20,\"run\":5000}}}", 10 * NSEC_PER_SEC, 1), 0);
	CHECK(r.m->core_sched);
	CHECK_EQ(r.m->nr_violations, 0); /* core_check runs on every switch */
	struct task_struct *a = task_by_comm(r.m, "a"), *b = task_by_comm(r.m, "b");
	CHECK(a->st.finished && b->st.finished);
	/* 100 ms of work each, never in parallel: at least 200 ms of simulated time */
	CHECK(r.m->sim.now >= 200 * NSEC_PER_MSEC);
	CHECK(r.m->nr_forced_idle > 0);
	/* and they take turns (forced idle is bounded by a slice), not one after the other */
	CHECK(a->st.nr_switches > 10 && b->st.nr_switches > 10);
	run_free(&r);
	CHECK_EQ(run_json(&r, "1s1c2t", "{\"tasks\":{\"a\":{\"core_cookie\":1,\"loop\":20,\"run\":5000},"
			  "\"b\":{\"core_cookie\":1,\"loop\":20,\"run\":5000}}}", 10 * NSEC_PER_SEC, 1), 0);
	CHECK(r.m->sim.now < 125 * NSEC_PER_MSEC); /* same cookie: in parallel */
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

TEST(machine_core_sched_bounded_forced_idle)
{
	struct run r;
	/* 2 cores x 2 threads, 3 cookies plus untagged tasks: everyone progresses */
	CHECK_EQ(run_json(&r, "1s2c2t", "{\"tasks\":{\"a\":{\"core_cookie\":1,\"instance\":2,\"loop\":30,\"run\":2000,\"sleep\":300},"
			  "\"b\":{\"core_cookie\":2,\"instance\":2,\"loop\":30,\"run\":2000,\"sleep\":300},"
			  "\"c\":{\"core_cookie\":3,\"loop\":30,\"run\":2000,\"sleep\":300},"
			  "\"u\":{\"instance\":2,\"loop\":30,\"run\":2000,\"sleep\":300}}}", 10 * NSEC_PER_SEC, 1), 0);
	for (int i = 0; i < r.m->nr_tasks; i++)
		CHECK(r.m->tasks[i]->st.finished);
	CHECK_EQ(r.m->nr_violations, 0);
	run_free(&r);
}

TEST(machine_wait_time_excludes_sleep)
{
	struct run r;
	/* one task on an idle machine: it never waits for a CPU, however long it sleeps */
	CHECK_EQ(run_json(&r, "2", "{\"tasks\":{\"t\":{\"loop\":50,\"run\":1000,\"sleep\":9000}}}",
			  NSEC_PER_SEC, 1), 0);
	struct task_struct *p = task_by_comm(r.m, "t");
	CHECK(p->st.finished);
	/* each wake-up waits for the CPU to leave deep idle (idle_exit_ns), never for 9 ms */
	if (p->st.wait_ns > 50 * 50000)
		FAIL_("wait_ns %llu: sleeping counted as waiting?", (unsigned long long)p->st.wait_ns);
	run_free(&r);
}
