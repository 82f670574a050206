/*
 * test_cgroup_move.c — cgroup changes at run time (the workload's "cgroup_events"):
 *   fair: a cpu.weight write changes the CPU split of two groups sharing a CPU from then on, a
 *   task moved to another group changes the split accordingly (running, queued and sleeping
 *   tasks, into a group created on the way), with every task finishing and no invariant broken;
 *   ext: a C scheduler hears cgroup_init for the new group, prep_move then move with the right
 *   from/to, set_weight with the new weight, and scx_bpf_task_cgroup() follows the move; a
 *   refused prep_move leaves every thread where it was and cancels the ones already prepared;
 *   a non-errno return ejects the scheduler; a refused runtime cgroup_init refuses the move.
 * Shares are measured per task over windows between snapshots of on-CPU time (a periodic
 * observer that does not change the run).
 */
#include <stdio.h>
#include <string.h>
#include "test.h"
#include "scx_harness.h"

/* ---- runtime snapshots ------------------------------------------------------------------- */

#define SNAP_MAX 64
#define SNAP_TASKS 4

struct snaps {
	struct machine *m;
	int n;
	u64 rt[SNAP_MAX][SNAP_TASKS]; /* on-CPU ns of tasks[0..3] at each snapshot */
};

/* on-CPU time so far, the running slice included */
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

/* share of task i in the window between snapshots a and b, over tasks [0, n) */
static double share(const struct snaps *s, int a, int b, int i, int n)
{
	u64 tot = 0;

	for (int k = 0; k < n; k++)
		tot += s->rt[b][k] - s->rt[a][k];
	return tot ? (double)(s->rt[b][i] - s->rt[a][i]) / (double)tot : 0;
}

static bool near(double got, double want)
{
	return got > want * 0.98 && got < want * 1.02;
}

/* snapshot k is taken at (k + 1) * 200 ms */
#define AT(ms) ((ms) / 200 - 1)

/* ---- fair ---------------------------------------------------------------------------------- */

TEST(cgroup_move_fair_weight_write_changes_the_split)
{
	struct srun r;
	struct snaps s = { 0 };

	CHECK_EQ(srun_start(&r, "1",
			    "{\"cgroups\":{\"/a\":{},\"/b\":{}},"
			    "\"tasks\":{\"a\":{\"taskgroup\":\"/a\",\"run\":2000000},"
			    "\"b\":{\"taskgroup\":\"/b\",\"run\":2000000}},"
			    "\"cgroup_events\":[{\"at_ms\":1000,\"cgroup\":\"/b\",\"weight\":300}]}", NULL), 0);
	s.m = r.m;
	CHECK_EQ(machine_every(r.m, 200 * NSEC_PER_MSEC, snap_fn, &s), 0);
	CHECK_EQ(machine_run(r.m, 6 * NSEC_PER_SEC), 0);
	double before = share(&s, AT(200), AT(1000), 1, 2), after = share(&s, AT(1200), AT(2800), 1, 2);
	if (!near(before, 0.5) || !near(after, 0.75))
		FAIL_("b's share %.4f before (want 0.5), %.4f after the write (want 0.75)", before, after);
	CHECK_EQ(by_comm(r.m, "b")->tg->cpu_weight, 300);
	CHECK_EQ(r.m->nr_cgroup_weight_writes, 1);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(cgroup_move_fair_moved_task_changes_the_split)
{
	struct srun r;
	struct snaps s = { 0 };

	/* x and y in /a, z in /b (100:100); at 1 s y joins z */
	CHECK_EQ(srun_start(&r, "1",
			    "{\"cgroups\":{\"/a\":{},\"/b\":{}},"
			    "\"tasks\":{\"x\":{\"taskgroup\":\"/a\",\"run\":1000000},"
			    "\"y\":{\"taskgroup\":\"/a\",\"run\":1000000},"
			    "\"z\":{\"taskgroup\":\"/b\",\"run\":1000000}},"
			    "\"cgroup_events\":[{\"at_ms\":1000,\"task\":\"y\",\"cgroup\":\"/b\"}]}", NULL), 0);
	s.m = r.m;
	CHECK_EQ(machine_every(r.m, 200 * NSEC_PER_MSEC, snap_fn, &s), 0);
	CHECK_EQ(machine_run(r.m, 6 * NSEC_PER_SEC), 0);
	double bx = share(&s, AT(200), AT(1000), 0, 3), by = share(&s, AT(200), AT(1000), 1, 3);
	double ax = share(&s, AT(1200), AT(2000), 0, 3), ay = share(&s, AT(1200), AT(2000), 1, 3);
	double az = share(&s, AT(1200), AT(2000), 2, 3);
	if (!near(bx, 0.25) || !near(by, 0.25))
		FAIL_("before the move x %.4f y %.4f (want 0.25 each)", bx, by);
	if (!near(ax, 0.5) || !near(ay, 0.25) || !near(az, 0.25))
		FAIL_("after the move x %.4f y %.4f z %.4f (want 0.5, 0.25, 0.25)", ax, ay, az);
	CHECK_STR(by_comm(r.m, "y")->tg->path, "/b");
	CHECK_EQ(by_comm(r.m, "y")->tg->nr_tasks, 2);
	CHECK_EQ(by_comm(r.m, "x")->tg->nr_tasks, 1);
	CHECK_EQ(r.m->nr_cgroup_moves, 1);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(cgroup_move_fair_running_sleeping_and_new_groups)
{
	struct srun r;

	/* 2 CPUs, sleepers and hogs, moved back and forth, into /n/m created on the way, then
	 * to the root; rt threads move too; a weight write on the created group */
	CHECK_EQ(srun(&r, "2",
		      "{\"cgroups\":{\"/a\":{\"weight\":50}},"
		      "\"tasks\":{\"hog\":{\"taskgroup\":\"/a\",\"instance\":3,\"run\":300000},"
		      "\"nap\":{\"instance\":2,\"loop\":400,\"run\":500,\"sleep\":700},"
		      "\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":10,\"loop\":100,\"run\":200,\"sleep\":3000}},"
		      "\"cgroup_events\":[{\"at_ms\":50,\"task\":\"hog\",\"cgroup\":\"/n/m\"},"
		      "{\"at_ms\":50,\"task\":\"nap\",\"cgroup\":\"/a\"},"
		      "{\"at_ms\":60,\"task\":\"rt\",\"cgroup\":\"/n\"},"
		      "{\"at_ms\":100,\"cgroup\":\"/n/m\",\"weight\":1000},"
		      "{\"at_ms\":150,\"task\":\"nap\",\"cgroup\":\"/n/m\"},"
		      "{\"at_ms\":200,\"task\":\"hog\",\"cgroup\":\"/\"},"
		      "{\"at_ms\":201,\"task\":\"hog\",\"cgroup\":\"/\"}]}",
		      NULL, 5 * NSEC_PER_SEC), 0);
	CHECK(all_finished(r.m));
	CHECK_STR(by_comm(r.m, "hog-0")->tg->path, "/");
	CHECK_STR(by_comm(r.m, "nap-1")->tg->path, "/n/m");
	CHECK_STR(by_comm(r.m, "rt")->tg->path, "/n");
	CHECK_EQ(cgroup_find(r.m, "/n/m")->cpu_weight, 1000);
	CHECK_EQ(cgroup_find(r.m, "/n/m")->level, 2);
	CHECK(cgroup_find(r.m, "/n/m")->parent == cgroup_find(r.m, "/n"));
	CHECK_EQ(r.m->nr_cgroup_moves, 3 + 2 + 1 + 2 + 3); /* the second move to / is a no-op */
	CHECK_EQ(r.m->nr_cgroup_moves_refused, 0);
	CHECK(r.m->inv_checked > 0);
	srun_free(&r);
}
