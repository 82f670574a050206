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
#include <errno.h>
#include <stdarg.h>
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

/* ---- ext: a C scheduler that records the cgroup callbacks ----------------------------------- */

static char cg_log[8192];
static size_t cg_len;
static const char *prep_fail_comm; /* ops.cgroup_prep_move refuses this task ... */
static s32 prep_fail_ret;          /* ... with this */
static const char *init_fail_path; /* ops.cgroup_init refuses this cgroup once, at run time */
static int nr_task_cgroup_bad;     /* ops.enqueue: scx_bpf_task_cgroup(p) != p's group */

__attribute__((format(printf, 1, 2)))
static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cg_len += vsnprintf(cg_log + cg_len, sizeof(cg_log) - cg_len, fmt, ap);
	va_end(ap);
	if (cg_len >= sizeof(cg_log))
		cg_len = sizeof(cg_log) - 1;
}

static void log_reset(void)
{
	cg_log[0] = 0;
	cg_len = 0;
	prep_fail_comm = init_fail_path = NULL;
	prep_fail_ret = 0;
	nr_task_cgroup_bad = 0;
}

static s32 rc_cgroup_init(struct cgroup *cg, struct scx_cgroup_init_args *a)
{
	logf_("init %s %u;", cg->path, a->weight);
	if (init_fail_path && !strcmp(cg->path, init_fail_path) && scx_bpf_now() > 0) {
		init_fail_path = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void rc_cgroup_exit(struct cgroup *cg) { logf_("exit %s;", cg->path); }

static s32 rc_prep_move(struct task_struct *p, struct cgroup *from, struct cgroup *to)
{
	logf_("prep %s %s>%s;", p->comm, from->path, to->path);
	return prep_fail_comm && !strcmp(p->comm, prep_fail_comm) ? prep_fail_ret : 0;
}

static void rc_move(struct task_struct *p, struct cgroup *from, struct cgroup *to)
{
	struct cgroup *cg = scx_bpf_task_cgroup(p);

	logf_("move %s %s>%s tc %s;", p->comm, from->path, to->path, cg ? cg->path : "NULL");
}

static void rc_cancel_move(struct task_struct *p, struct cgroup *from, struct cgroup *to)
{
	logf_("cancel %s %s>%s;", p->comm, from->path, to->path);
}

static void rc_set_weight(struct cgroup *cg, u32 weight) { logf_("weight %s %u;", cg->path, weight); }

static s32 rc_init_task(struct task_struct *p, struct scx_init_task_args *a)
{
	if (!strcmp(p->comm, "late"))
		logf_("init_task late %s;", a->cgroup->path);
	return 0;
}

static void rc_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (scx_bpf_task_cgroup(p) != p->tg)
		nr_task_cgroup_bad++;
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

static const struct sched_ext_ops rec_ops = {
	.cgroup_init = rc_cgroup_init, .cgroup_exit = rc_cgroup_exit,
	.cgroup_prep_move = rc_prep_move, .cgroup_move = rc_move,
	.cgroup_cancel_move = rc_cancel_move, .cgroup_set_weight = rc_set_weight,
	.init_task = rc_init_task, .enqueue = rc_enqueue, .name = "cgrec",
};

static const char *rec_wl =
	"{\"cgroups\":{\"/a\":{}},"
	"\"tasks\":{\"w\":{\"taskgroup\":\"/a\",\"instance\":2,\"loop\":100,\"run\":500,\"sleep\":500},"
	"\"r\":{\"policy\":\"SCHED_FIFO\",\"priority\":5,\"loop\":50,\"run\":100,\"sleep\":1000},"
	"\"late\":{\"delay\":50000,\"run\":1000}},"
	"\"cgroup_events\":[{\"at_ms\":10,\"task\":\"w\",\"cgroup\":\"/b/c\"},"
	"{\"at_ms\":10,\"task\":\"r\",\"cgroup\":\"/b\"},"
	"{\"at_ms\":10,\"task\":\"late\",\"cgroup\":\"/b/c\"},"
	"{\"at_ms\":20,\"cgroup\":\"/a\",\"weight\":300},"
	"{\"at_ms\":30,\"cgroup\":\"/a\",\"weight\":300},"
	"{\"at_ms\":40,\"task\":\"w\",\"cgroup\":\"/a\"},"
	"{\"at_ms\":70,\"task\":\"w\",\"cgroup\":\"/d\"}]}";

TEST(cgroup_move_ext_callback_sequence)
{
	struct srun r;

	log_reset();
	CHECK_EQ(srun_start(&r, "2", rec_wl, &rec_ops), 0);
	machine_sysrq_at(r.m, 60 * NSEC_PER_MSEC);
	CHECK_EQ(machine_run(r.m, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_SYSRQ);
	CHECK_STR(cg_log,
		  "init / 100;init /a 100;"                               /* at load */
		  "init /b 100;init /b/c 100;"                            /* created by the move */
		  "prep w-0 /a>/b/c;prep w-1 /a>/b/c;"                    /* all prepared first */
		  "move w-0 /a>/b/c tc /b/c;move w-1 /a>/b/c tc /b/c;"    /* then committed */
		  "prep r />/b;move r />/b tc /b;"                        /* rt threads too */
		  "weight /a 300;"                                        /* once: 30 ms writes no change */
		  "prep w-0 /b/c>/a;prep w-1 /b/c>/a;move w-0 /b/c>/a tc /a;move w-1 /b/c>/a tc /a;"
		  "init_task late /b/c;"                                  /* moved before it started */
		  "exit /b/c;exit /b;exit /a;exit /;");                   /* sysrq: children first */
	CHECK_EQ(nr_task_cgroup_bad, 0);
	CHECK_STR(by_comm(r.m, "w-0")->tg->path, "/d");               /* 70 ms: on fair, no callbacks */
	CHECK_STR(by_comm(r.m, "late")->tg->path, "/b/c");
	CHECK_EQ(r.m->nr_cgroup_moves, 2 + 1 + 1 + 2 + 2);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(cgroup_move_ext_refused_prep_cancels_the_prepared)
{
	struct srun r;

	log_reset();
	prep_fail_comm = "w-1";
	prep_fail_ret = -EBUSY;
	CHECK_EQ(srun(&r, "2",
		      "{\"cgroups\":{\"/a\":{}},\"tasks\":{\"w\":{\"taskgroup\":\"/a\",\"instance\":3,"
		      "\"loop\":20,\"run\":500,\"sleep\":500}},"
		      "\"cgroup_events\":[{\"at_ms\":5,\"task\":\"w\",\"cgroup\":\"/b\"}]}",
		      &rec_ops, 2 * NSEC_PER_SEC), 0);
	CHECK_STR(cg_log, "init / 100;init /a 100;init /b 100;"
			  "prep w-0 /a>/b;prep w-1 /a>/b;cancel w-0 /a>/b;");
	for (int i = 0; i < 3; i++)
		CHECK_STR(r.m->tasks[i]->tg->path, "/a");
	CHECK_EQ(r.m->nr_cgroup_moves, 0);
	CHECK_EQ(r.m->nr_cgroup_moves_refused, 3);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE); /* an errno refusal is the scheduler's right */
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(cgroup_move_ext_fail_invalid_errno_ejects)
{
	struct srun r;

	log_reset();
	prep_fail_comm = "w-0";
	prep_fail_ret = 1;
	CHECK_EQ(srun(&r, "2",
		      "{\"cgroups\":{\"/a\":{}},\"tasks\":{\"w\":{\"taskgroup\":\"/a\",\"instance\":2,"
		      "\"loop\":20,\"run\":500,\"sleep\":500}},"
		      "\"cgroup_events\":[{\"at_ms\":5,\"task\":\"w\",\"cgroup\":\"/b\"}]}",
		      &rec_ops, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_STR(machine_scx_exit_info(r.m)->msg, "ops.cgroup_prep_move() returned an invalid errno 1");
	CHECK_CONTAINS(cg_log, "prep w-0 /a>/b;exit /b;exit /a;exit /;");
	CHECK_STR(by_comm(r.m, "w-0")->tg->path, "/a");
	CHECK_EQ(r.m->nr_cgroup_moves_refused, 2);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(cgroup_move_ext_refused_cgroup_init_refuses_the_move)
{
	struct srun r;

	log_reset();
	init_fail_path = "/b";
	CHECK_EQ(srun(&r, "2",
		      "{\"tasks\":{\"w\":{\"loop\":40,\"run\":500,\"sleep\":500}},"
		      "\"cgroup_events\":[{\"at_ms\":5,\"task\":\"w\",\"cgroup\":\"/b/c\"},"
		      "{\"at_ms\":10,\"task\":\"w\",\"cgroup\":\"/b/c\"}]}",
		      &rec_ops, 2 * NSEC_PER_SEC), 0);
	/* 5 ms: /b refused, so no prep and no /b/c; 10 ms: /b asked again, then /b/c */
	CHECK_STR(cg_log, "init / 100;init /b 100;init /b 100;init /b/c 100;prep w />/b/c;move w />/b/c tc /b/c;");
	CHECK_EQ(r.m->nr_cgroup_moves_refused, 1);
	CHECK_EQ(r.m->nr_cgroup_moves, 1);
	CHECK_STR(by_comm(r.m, "w")->tg->path, "/b/c");
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static s32 rc_prep_task_cgroup(struct task_struct *p, struct cgroup *from, struct cgroup *to)
{
	scx_bpf_task_cgroup(p); /* unlocked context: not allowed, as upstream */
	return 0;
}

TEST(cgroup_move_ext_fail_task_cgroup_in_prep_move)
{
	static const struct sched_ext_ops ops = { .cgroup_prep_move = rc_prep_task_cgroup,
						  .name = "cgprep" };
	struct srun r;

	CHECK_EQ(srun(&r, "2",
		      "{\"tasks\":{\"w\":{\"loop\":20,\"run\":500,\"sleep\":500}},"
		      "\"cgroup_events\":[{\"at_ms\":5,\"task\":\"w\",\"cgroup\":\"/b\"}]}",
		      &ops, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg,
		       "scx_bpf_task_cgroup() called from ops.cgroup_prep_move() (cpu -1, task w)");
	/* prep_move returned 0: the move goes on, on fair once the scheduler is gone */
	CHECK_STR(by_comm(r.m, "w")->tg->path, "/b");
	CHECK(all_finished(r.m));
	srun_free(&r);
}
