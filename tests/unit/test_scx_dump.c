/*
 * test_scx_dump.c — the state dump (src/scx/dump.c) with C schedulers: upstream's layout,
 * where the lines of ops.dump / dump_cpu / dump_task land (sections, indentation, order), the
 * tasks dump_task is called for, idle CPUs, exit_dump_len and its TRUNCATED marker,
 * scx_bpf_dump() outside a dump op, forbidden kfuncs and errors inside one, the exits that
 * get no dump, a failed load, and SysRq-D. The BPF side is in test_bpf_more.c.
 */
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "scx_harness.h"

/* 4 CPUs, two hogs and a sleeper: idle CPUs at the error */
static const char *dump_wl =
	"{\"tasks\": {\"hog\": {\"instance\": 2, \"run\": 30000},"
	" \"nap\": {\"loop\": 20, \"run\": 500, \"sleep\": 2000}}}";

/* what the dump ops saw */
static struct {
	int err_after;                 /* ops.running calls before scx_bpf_error(); 0 = never */
	int nr_enq;
	int nr_dump, nr_dump_cpu, nr_dump_task;
	int task_calls[8];             /* dump_task calls per CPU */
	int expect_tasks[8];           /* ext tasks runnable on the CPU, seen in dump_cpu */
	int idle_seen;                 /* dump_cpu calls with idle=true */
	bool say_idle;                 /* dump_cpu writes for idle CPUs too */
	int bad;                       /* 1: forbidden kfunc in ops.dump, 2: scx_bpf_exit in dump_cpu */
	int spam;                      /* lines of 200 bytes written by ops.dump */
	struct scx_dump_ctx ctx;       /* ops.dump's context */
	char reason[64];
	u64 at_jiffies_cpu;            /* dump_cpu's ctx->at_jiffies */
} dv;

static void dump_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

/* the error comes from ops.running: with idle CPUs most wake-ups never reach ops.enqueue */
static void dump_running(struct task_struct *p)
{
	if (dv.err_after && ++dv.nr_enq == dv.err_after)
		scx_bpf_error("dump test error after %d runs", dv.nr_enq);
}

static void dump_dump(struct scx_dump_ctx *ctx)
{
	dv.nr_dump++;
	dv.ctx = *ctx;
	snprintf(dv.reason, sizeof(dv.reason), "%s", ctx->reason ? ctx->reason : "(null)");
	if (dv.bad == 1)
		scx_bpf_dsq_insert(scx_current_machine()->tasks[0], SCX_DSQ_GLOBAL, 0, 0);
	scx_bpf_dump("top part1 ");
	scx_bpf_dump("part2 kind=%d\n", (int)ctx->kind);
	scx_bpf_dump("second line\nthird");
	for (int i = 0; i < dv.spam; i++)
		scx_bpf_dump("%0200d\n", i);
}

static void dump_dump_cpu(struct scx_dump_ctx *ctx, s32 cpu, bool idle)
{
	struct machine *m = scx_current_machine();

	dv.nr_dump_cpu++;
	dv.idle_seen += idle;
	dv.at_jiffies_cpu = ctx->at_jiffies;
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];
		if (cpu < 8 && p->cpu == cpu && p->on_rq && p->sched_class == &ext_sched_class)
			dv.expect_tasks[cpu]++;
	}
	if (dv.bad == 2)
		scx_bpf_exit(3, "exit from dump_cpu");
	if (!idle || dv.say_idle)
		scx_bpf_dump("cpu-line %d idle=%d", cpu, idle);
}

static void dump_dump_task(struct scx_dump_ctx *ctx, struct task_struct *p)
{
	int cpu = scx_bpf_task_cpu(p);

	dv.nr_dump_task++;
	if (cpu >= 0 && cpu < 8)
		dv.task_calls[cpu]++;
	scx_bpf_dump("task-line %s[%d]\n", p->comm, p->pid);
}

static const struct sched_ext_ops dump_ops = {
	.enqueue = dump_enqueue, .running = dump_running, .dump = dump_dump, .dump_cpu = dump_dump_cpu,
	.dump_task = dump_dump_task, .name = "dumper",
};

static const char *run_dump(struct srun *r, const struct sched_ext_ops *ops)
{
	int e = srun(r, "4", dump_wl, ops, 5 * NSEC_PER_SEC);

	if (e)
		fprintf(stderr, "  srun: %d %s\n", e, r->err);
	return e ? NULL : machine_scx_exit_info(r->m)->dump;
}

static void dv_reset(int err_after)
{
	memset(&dv, 0, sizeof(dv));
	dv.err_after = err_after;
}

/* position of needle in hay, or -1 */
static long at(const char *hay, const char *needle)
{
	const char *s = hay ? strstr(hay, needle) : NULL;

	return s ? s - hay : -1;
}

TEST(scx_dump_ops_lines_in_their_sections)
{
	struct srun r;
	const char *d;
	char want[128];

	dv_reset(10);
	d = run_dump(&r, &dump_ops);
	CHECK(d != NULL);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR_BPF);
	CHECK(all_finished(r.m));
	/* header, then ops.dump's lines (a blank first, no indent, a line over two calls, the
	 * unterminated last line ended by the dump), then the CPU states */
	CHECK_CONTAINS(d, "triggered exit kind 1025:\n  scx_bpf_error (dump test error after 10 runs)\n"
			  "\nBacktrace:\n  ops.running() cpu=");
	CHECK_CONTAINS(d, "\n\ntop part1 part2 kind=1025\nsecond line\nthird\n\nCPU states\n----------\n");
	CHECK(at(d, "Backtrace:") < at(d, "top part1"));
	CHECK_EQ(dv.nr_dump, 1);
	/* the context */
	CHECK_EQ(dv.ctx.kind, SCX_EXIT_ERROR_BPF);
	CHECK_STR(dv.reason, "scx_bpf_error");
	CHECK_EQ(dv.ctx.at_ns, scx_exit_at_ns(r.m));
	CHECK_EQ(dv.ctx.at_jiffies, scx_exit_at_ns(r.m) / r.m->tick_ns);
	CHECK_EQ(dv.at_jiffies_cpu, dv.ctx.at_jiffies);
	/* every CPU is visited (dump_cpu exists), busy ones print their line indented by 2 after
	 * a blank line, inside their own CPU block */
	CHECK_EQ(dv.nr_dump_cpu, 4);
	for (int c = 0; c < 4; c++) {
		long cpu_at, line_at;
		snprintf(want, sizeof(want), "\nCPU %-4d: nr_run=", c);
		cpu_at = at(d, want);
		snprintf(want, sizeof(want), "\n\n  cpu-line %d idle=0\n", c);
		line_at = at(d, want);
		CHECK_EQ(cpu_at >= 0, line_at >= 0); /* a CPU block only with its line */
		if (cpu_at < 0)
			continue;
		CHECK(line_at > cpu_at);
		snprintf(want, sizeof(want), "\nCPU %-4d: nr_run=", c + 1);
		CHECK(at(d, want) < 0 || at(d, want) > line_at);
	}
	CHECK(dv.idle_seen > 0); /* 3 tasks on 4 CPUs: at least one idle */
	CHECK(at(d, "idle=1") < 0); /* idle CPUs that said nothing are left out */
	CHECK(at(d, "DSQ states\n----------\n  global         : nr=") > at(d, "CPU states"));
	srun_free(&r);
}

TEST(scx_dump_task_called_for_every_runnable_ext_task_of_each_cpu)
{
	struct srun r;
	const char *d;
	int total = 0;

	dv_reset(10);
	d = run_dump(&r, &dump_ops);
	CHECK(d != NULL);
	for (int c = 0; c < 4; c++) {
		CHECK_EQ(dv.task_calls[c], dv.expect_tasks[c]); /* curr + the runnable list */
		total += dv.task_calls[c];
	}
	CHECK(total > 0);
	CHECK_EQ(dv.nr_dump_task, total);
	/* each task block: upstream's lines, then the op's line indented by 4 after a blank */
	for (int i = 0; i < r.m->nr_tasks; i++) {
		struct task_struct *p = r.m->tasks[i];
		char head[64], line[64];
		long h, l;
		snprintf(head, sizeof(head), "R %s[%d] ", p->comm, p->pid);
		snprintf(line, sizeof(line), "\n\n    task-line %s[%d]\n", p->comm, p->pid);
		h = at(d, head);
		l = at(d, line);
		CHECK_EQ(h >= 0, l >= 0);
		if (h >= 0) {
			CHECK(l > h);
			CHECK(at(d + h, "      scx_state/flags=3/") > 0);
			CHECK(at(d + h, "      cpus=f no_mig=0\n") > 0);
		}
	}
	CHECK(strstr(d, "\n *R ") != NULL); /* the current task of a CPU is marked */
	srun_free(&r);
}

TEST(scx_dump_idle_cpu_shown_when_dump_cpu_writes)
{
	struct srun r;
	const char *d;

	dv_reset(10);
	dv.say_idle = true;
	d = run_dump(&r, &dump_ops);
	CHECK(d != NULL);
	CHECK(dv.idle_seen > 0);
	CHECK_CONTAINS(d, "idle=1\n");
	CHECK_CONTAINS(d, "curr=swapper/"); /* an idle CPU's block */
	CHECK_CONTAINS(d, "class=idle_sched_class");
	srun_free(&r);
}

TEST(scx_dump_without_dump_ops_skips_idle_cpus)
{
	static const struct sched_ext_ops ops = { .enqueue = dump_enqueue, .running = dump_running,
						  .name = "plain" };
	struct srun r;
	const char *d;

	dv_reset(10);
	d = run_dump(&r, &ops);
	CHECK(d != NULL);
	CHECK_EQ(dv.nr_dump + dv.nr_dump_cpu + dv.nr_dump_task, 0);
	CHECK(at(d, "swapper/") < 0 || at(d, "swapper/") < at(d, "CPU states")); /* no idle block */
	CHECK_CONTAINS(d, "\nCPU states\n----------\n\nCPU ");
	CHECK_CONTAINS(d, "\n *R ");
	srun_free(&r);
}

TEST(scx_dump_exit_dump_len_truncates_with_marker)
{
	struct sched_ext_ops ops = dump_ops;
	struct srun r;
	const char *d;

	ops.exit_dump_len = 600;
	dv_reset(10);
	d = run_dump(&r, &ops);
	CHECK(d != NULL);
	CHECK_EQ(strlen(d), 599);
	CHECK_EQ(at(d, "\n\n~~~~ TRUNCATED ~~~~\n"), 599 - 22);
	CHECK(at(d, "triggered exit kind 1025") >= 0);
	srun_free(&r);

	/* the default is 32768 with the NUL */
	dv_reset(10);
	dv.spam = 200; /* 200 lines of 201 bytes */
	d = run_dump(&r, &dump_ops);
	CHECK(d != NULL);
	CHECK_EQ(strlen(d), 32767);
	CHECK_EQ(at(d, "\n\n~~~~ TRUNCATED ~~~~\n"), 32767 - 22);
	CHECK_EQ(dv.nr_dump_cpu, 4); /* the ops still ran */
	srun_free(&r);

	/* what fits is not marked */
	dv_reset(10);
	d = run_dump(&r, &dump_ops);
	CHECK(d != NULL);
	CHECK(strlen(d) < 32767);
	CHECK(at(d, "TRUNCATED") < 0);
	srun_free(&r);
}

static void dump_in_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dump("not here");
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_dump_fail_scx_bpf_dump_outside_dump_ops)
{
	static const struct sched_ext_ops ops = { .enqueue = dump_in_enqueue, .name = "early" };
	struct srun r;

	CHECK_EQ(srun(&r, "2", dump_wl, &ops, 5 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg,
		       "scx_bpf_dump() must only be called from ops.dump() and friends (called from ops.enqueue())");
	CHECK(at(machine_scx_exit_info(r.m)->dump, "not here") < 0);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(scx_dump_fail_forbidden_kfunc_in_dump_op_is_noted_not_fatal)
{
	struct srun r;
	const char *d;

	dv_reset(10);
	dv.bad = 1; /* scx_bpf_dsq_insert from ops.dump */
	d = run_dump(&r, &dump_ops);
	CHECK(d != NULL);
	/* the exit being dumped stays; the violation is a "[!]" line; the dump goes on */
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR_BPF);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "dump test error after 10");
	CHECK_CONTAINS(d, "\n[!] scx_bpf_dsq_insert() called from ops.dump()");
	CHECK(at(d, "[!]") < at(d, "top part1"));
	CHECK_EQ(dv.nr_dump_cpu, 4);
	CHECK(all_finished(r.m));
	srun_free(&r);

	dv_reset(10);
	dv.bad = 2; /* scx_bpf_exit from dump_cpu: noted with the CPU indent, the kind stays */
	d = run_dump(&r, &dump_ops);
	CHECK(d != NULL);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR_BPF);
	CHECK_CONTAINS(d, "\n  [!] exit from dump_cpu\n");
	srun_free(&r);
}

TEST(scx_dump_only_for_error_exits)
{
	struct srun r;

	/* SysRq-S: no dump, no dump op */
	dv_reset(0);
	CHECK_EQ(srun_start(&r, "4", dump_wl, &dump_ops), 0);
	machine_sysrq_at(r.m, 3 * NSEC_PER_MSEC);
	CHECK_EQ(machine_run(r.m, 5 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_SYSRQ);
	CHECK(machine_scx_exit_info(r.m)->dump == NULL);
	CHECK_EQ(dv.nr_dump + dv.nr_dump_cpu + dv.nr_dump_task, 0);
	srun_free(&r);
}

static int fail_init_exit_saw_dump = -1;
static s32 fail_init(void)
{
	scx_bpf_error("init refuses");
	return 0;
}

static void fail_init_exit(struct scx_exit_info *ei)
{
	fail_init_exit_saw_dump = ei->dump && strstr(ei->dump, "triggered exit kind 1025:\n  scx_bpf_error (init refuses)") &&
				  strstr(ei->dump, "Backtrace:\n  ops.init() cpu=-1 t=0ns");
}

TEST(scx_dump_failed_load_dumps_without_dump_ops)
{
	struct sched_ext_ops ops = dump_ops;
	struct srun r;

	ops.init = fail_init;
	ops.exit = fail_init_exit;
	dv_reset(0);
	fail_init_exit_saw_dump = -1;
	CHECK_EQ(srun_start(&r, "4", dump_wl, &ops), 0); /* attached, ejected at once */
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR_BPF);
	CHECK_EQ(fail_init_exit_saw_dump, 1);
	CHECK_EQ(dv.nr_dump + dv.nr_dump_cpu + dv.nr_dump_task, 0); /* not loaded: ops not called */
	srun_free(&r);
}

TEST(scx_dump_sysrq_d_dumps_without_exiting)
{
	struct srun r;
	u64 t = 0;
	const char *d;

	dv_reset(0);
	CHECK_EQ(srun_start(&r, "4", dump_wl, &dump_ops), 0);
	machine_sysrq_dump_at(r.m, 10 * NSEC_PER_MSEC);
	machine_sysrq_dump_at(r.m, 4 * NSEC_PER_MSEC);
	CHECK_EQ(machine_run(r.m, 5 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_EQ(dv.nr_dump, 2);
	CHECK_EQ(dv.ctx.kind, SCX_EXIT_NONE);
	CHECK_STR(dv.reason, "SysRq-D");
	d = machine_scx_debug_dump(r.m, 0, &t);
	CHECK_EQ(t, 4 * NSEC_PER_MSEC);
	CHECK(d && !strncmp(d, "Debug dump triggered by SysRq-D\n\ntop part1 part2 kind=0\n", 56));
	CHECK_CONTAINS(d, "\nCPU states\n");
	d = machine_scx_debug_dump(r.m, 1, &t);
	CHECK_EQ(t, 10 * NSEC_PER_MSEC);
	CHECK(d != NULL);
	CHECK(machine_scx_debug_dump(r.m, 2, &t) == NULL);
	srun_free(&r);
}

TEST(scx_dump_fail_sysrq_d_forbidden_kfunc_ejects_then_error_dump)
{
	struct srun r;
	const char *d;

	dv_reset(0);
	dv.bad = 1;
	CHECK_EQ(srun_start(&r, "4", dump_wl, &dump_ops), 0);
	machine_sysrq_dump_at(r.m, 4 * NSEC_PER_MSEC);
	CHECK_EQ(machine_run(r.m, 5 * NSEC_PER_SEC), 0);
	/* not exiting at SysRq-D: the forbidden kfunc ejects the scheduler, as upstream */
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "scx_bpf_dsq_insert() called from ops.dump()");
	d = machine_scx_debug_dump(r.m, 0, NULL);
	CHECK(d != NULL);
	CHECK_CONTAINS(d, "\n[!] scx_bpf_dsq_insert() called from ops.dump()");
	CHECK_CONTAINS(d, "\nCPU states\n"); /* the debug dump was finished */
	/* then the error's own dump, once, by the disable event (no recursion) */
	d = machine_scx_exit_info(r.m)->dump;
	CHECK(d != NULL);
	CHECK_CONTAINS(d, "triggered exit kind 1024:\n  runtime error (");
	CHECK_EQ(dv.nr_dump, 2);
	CHECK(all_finished(r.m));
	srun_free(&r);
}
