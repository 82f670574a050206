/*
 * test_scx.c — the ext class with small C schedulers (the same ops table the BPF runtime
 * fills): global FIFO, global weighted vtime, per-CPU DSQs, a central dispatcher, a tickless
 * one, one using kicks; and a _fail test for every ejection path, each asserting the exit
 * kind and message and that every finite task still finishes on fair afterwards.
 */
#include <stdlib.h>
#include "machine/machine_int.h"
#include "scx/scx_int.h"
#include "test.h"

#include "scx_harness.h"

static const char *finite_mix =
	"{\"tasks\":{\"w\":{\"instance\":6,\"loop\":100,\"run\":700,\"sleep\":900},"
	"\"h\":{\"instance\":3,\"loop\":4,\"run\":20000},"
	"\"m\":{\"instance\":2,\"loop\":50,\"lock\":\"mx\",\"run\":100,\"unlock\":\"mx\",\"sleep\":50}}}";

/* ---- global FIFO ---------------------------------------------------------------------- */

static void fifo_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

static const struct sched_ext_ops fifo_ops = { .enqueue = fifo_enqueue, .name = "fifo" };

TEST(scx_global_fifo_runs_everything)
{
	struct srun r;
	CHECK_EQ(srun(&r, "2s2c2t", finite_mix, &fifo_ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	for (int i = 0; i < r.m->nr_tasks; i++) {
		CHECK(r.m->tasks[i]->st.runtime_by_class[0] > 0); /* ran on ext */
		CHECK_EQ(r.m->tasks[i]->st.runtime_by_class[1], 0);
	}
	CHECK(r.m->scx->nr_enqueued > 0);
	srun_free(&r);
}

TEST(scx_only_name_is_required)
{
	static const struct sched_ext_ops minimal = { .name = "minimal" };
	struct srun r;
	CHECK_EQ(srun(&r, "4", finite_mix, &minimal, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_STR(task_class_name(by_comm(r.m, "h-0")), "ext");
	srun_free(&r);
}

/* ---- global weighted vtime -------------------------------------------------------------- */

#define VT_DSQ 7
static u64 vtime_now;

static s32 vt_init(void)
{
	vtime_now = 0;
	return scx_bpf_create_dsq(VT_DSQ, -1);
}

static void vt_enqueue(struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;

	if ((s64)(vtime - (vtime_now - SCX_SLICE_DFL)) < 0)
		vtime = vtime_now - SCX_SLICE_DFL;
	scx_bpf_dsq_insert_vtime(p, VT_DSQ, SCX_SLICE_DFL, vtime, enq_flags);
}

static void vt_dispatch(s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(VT_DSQ);
}

static void vt_running(struct task_struct *p)
{
	if ((s64)(vtime_now - p->scx.dsq_vtime) < 0)
		vtime_now = p->scx.dsq_vtime;
}

static void vt_stopping(struct task_struct *p, bool runnable)
{
	p->scx.dsq_vtime += (SCX_SLICE_DFL - p->scx.slice) * 100 / p->scx.weight;
}

static void vt_enable(struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

static const struct sched_ext_ops vtime_ops = {
	.init = vt_init, .enqueue = vt_enqueue, .dispatch = vt_dispatch, .running = vt_running,
	.stopping = vt_stopping, .enable = vt_enable, .name = "vtime",
};

TEST(scx_global_vtime_weighted_shares)
{
	struct srun r;
	/*
	 * Two tasks of each weight: with only one task per weight, a scheduler like this one
	 * (and upstream scx_simple) alternates strictly, since ops.dispatch() moves the other
	 * task whenever a slice ends; with more tasks queued the vtime order decides.
	 */
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"n0\":{\"instance\":2,\"run\":100000},"
			       "\"n5\":{\"instance\":2,\"priority\":5,\"run\":100000}}}",
		      &vtime_ops, 20 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	u64 a = by_comm(r.m, "n0-0")->st.runtime_ns + by_comm(r.m, "n0-1")->st.runtime_ns;
	u64 b = by_comm(r.m, "n5-0")->st.runtime_ns + by_comm(r.m, "n5-1")->st.runtime_ns;
	double q = (double)a / b, want = 1024.0 / 335.0;
	if (q < want * 0.98 || q > want * 1.02)
		FAIL_("vtime nice0:nice5 = %.4f, want %.4f +-2%%", q, want);
	CHECK_EQ(by_comm(r.m, "n5-0")->scx.weight, 33);
	srun_free(&r);
}

TEST(scx_global_vtime_finite_mix)
{
	struct srun r;
	CHECK_EQ(srun(&r, "2s4c2t:llc=4", finite_mix, &vtime_ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- per-CPU DSQs: each task sticks to the CPU select_cpu chose ------------------------- */

static s32 pcpu_select(struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle;
	return scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);
}

static void pcpu_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | (u64)scx_bpf_task_cpu(p), SCX_SLICE_DFL / 4, enq_flags);
}

static const struct sched_ext_ops pcpu_ops = {
	.select_cpu = pcpu_select, .enqueue = pcpu_enqueue, .name = "pcpu",
};

TEST(scx_per_cpu_local_dsqs)
{
	struct srun r;
	CHECK_EQ(srun(&r, "4", finite_mix, &pcpu_ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- central: CPU 0 dispatches for everyone, others run tickless ------------------------- */

#define CENTRAL_DSQ 100
static s32 central_select(struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	return 0; /* every wake-up goes to the central CPU */
}

static s32 central_init(void)
{
	return scx_bpf_create_dsq(CENTRAL_DSQ, -1);
}

static void central_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, CENTRAL_DSQ, SCX_SLICE_INF, enq_flags);
	scx_bpf_kick_cpu(0, SCX_KICK_PREEMPT);
}

static void central_dispatch(s32 cpu, struct task_struct *prev)
{
	if (cpu != 0) {
		/* not central: nothing to pull ourselves; ask the central CPU */
		scx_bpf_kick_cpu(0, 0);
		return;
	}
	for (s32 c = 1; c < (s32)scx_bpf_nr_cpu_ids(); c++) {
		const struct cpumask *idle = scx_bpf_get_idle_cpumask();
		if (!scx_bpf_dsq_nr_queued(CENTRAL_DSQ))
			break;
		if (!cpumask_test(idle, c) || scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | c))
			continue;
		struct scx_sched *sch = scx_sch(scx_current_machine());
		struct task_struct *p = dsq_first(dsq_find_user(sch, CENTRAL_DSQ));
		for (; p; p = dsq_next(dsq_find_user(sch, CENTRAL_DSQ), p))
			if (cpumask_test(&p->cpus_mask, c))
				break;
		if (!p)
			continue;
		/* move it out of the central DSQ straight to CPU c */
		dsq_remove(p->scx.dsq, p);
		p->scx.ops_state = SCX_OPSS_QUEUED;
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | c, SCX_SLICE_INF, 0);
		scx_bpf_kick_cpu(c, SCX_KICK_IDLE);
	}
	scx_bpf_dsq_move_to_local(CENTRAL_DSQ);
}

static const struct sched_ext_ops central_ops = {
	.select_cpu = central_select, .init = central_init, .enqueue = central_enqueue,
	.dispatch = central_dispatch, .name = "central",
};

TEST(scx_central_dispatcher_and_tickless)
{
	struct srun r;
	CHECK_EQ(srun(&r, "4", "{\"tasks\":{\"h\":{\"instance\":3,\"loop\":3,\"run\":30000,\"sleep\":100}}}",
		      &central_ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	/* CPUs 1-3 ran tasks with infinite slices: (almost) no ticks there */
	u64 busy = 0, ticks = 0;
	for (int c = 1; c < 4; c++) {
		busy += r.m->sim.now - r.m->rqs[c].idle_ns;
		ticks += r.m->rqs[c].nr_ticks;
	}
	CHECK(busy > 100 * NSEC_PER_MSEC);
	if (ticks > 5)
		FAIL_("non-central CPUs took %llu ticks while running tickless", (unsigned long long)ticks);
	srun_free(&r);
}

/* ---- kicks: a latency-sensitive task preempts via SCX_ENQ_PREEMPT ------------------------ */

static void kick_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (!strcmp(p->comm, "urgent"))
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | 0, SCX_SLICE_DFL, enq_flags | SCX_ENQ_PREEMPT);
	else
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

static const struct sched_ext_ops kick_ops = { .enqueue = kick_enqueue, .name = "kick" };

TEST(scx_enq_preempt_preempts_at_once)
{
	struct srun r;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"hog\":{\"run\":500000},"
			       "\"urgent\":{\"loop\":20,\"sleep\":5000,\"run\":200}}}",
		      &kick_ops, NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	struct task_struct *u = by_comm(r.m, "urgent");
	CHECK(u->st.finished);
	/* without preemption it would wait for the hog's 20 ms slice */
	CHECK(hist_max(u->st.wake_lat) < 100000);
	srun_free(&r);
}

static void kickcpu_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
	if (!strcmp(p->comm, "urgent"))
		scx_bpf_kick_cpu(0, SCX_KICK_PREEMPT);
}

static const struct sched_ext_ops kickcpu_ops = {
	.enqueue = kickcpu_enqueue, .flags = SCX_OPS_ENQ_LAST, .name = "kickcpu",
};

TEST(scx_kick_preempt_zeroes_slice)
{
	struct srun r;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"hog\":{\"run\":500000},"
			       "\"urgent\":{\"loop\":20,\"sleep\":5000,\"run\":200}}}",
		      &kickcpu_ops, NSEC_PER_SEC), 0);
	struct task_struct *u = by_comm(r.m, "urgent");
	CHECK(u->st.finished);
	CHECK(hist_max(u->st.wake_lat) < 100000);
	CHECK(r.m->scx->nr_kicks >= 20);
	srun_free(&r);
}

/* ---- partial switch: only SCHED_EXT tasks join ------------------------------------------ */

static const struct sched_ext_ops partial_ops = {
	.enqueue = fifo_enqueue, .flags = SCX_OPS_SWITCH_PARTIAL, .name = "partial",
};

TEST(scx_switch_partial_only_sched_ext_tasks)
{
	struct srun r;
	CHECK_EQ(srun(&r, "2", "{\"tasks\":{\"e\":{\"policy\":\"SCHED_EXT\",\"loop\":5,\"run\":1000,\"sleep\":100},"
			       "\"f\":{\"loop\":5,\"run\":1000,\"sleep\":100}}}",
		      &partial_ops, NSEC_PER_SEC), 0);
	CHECK_STR(task_class_name(by_comm(r.m, "e")), "ext");
	CHECK_STR(task_class_name(by_comm(r.m, "f")), "fair");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- ejection paths -------------------------------------------------------------------- */

static void drop_enqueue(struct task_struct *p, u64 enq_flags)
{
	/* keeps every task and never dispatches it */
}

TEST(scx_fail_watchdog_stall_then_fair_finishes)
{
	static const struct sched_ext_ops ops = { .enqueue = drop_enqueue, .timeout_ms = 3000, .name = "dropper" };
	struct srun r;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 60 * NSEC_PER_SEC), 0);
	const struct scx_exit_info *ei = machine_scx_exit_info(r.m);
	CHECK_EQ(ei->kind, SCX_EXIT_ERROR_STALL);
	CHECK_CONTAINS(ei->msg, "failed to run for ");
	CHECK_CONTAINS(ei->msg, "held by the scheduler");
	/* the watchdog looks every timeout/2, so it fires between 1x and 1.5x the timeout */
	CHECK(r.m->scx->exit_at_ns >= 3 * NSEC_PER_SEC && r.m->scx->exit_at_ns <= 4500 * NSEC_PER_MSEC);
	CHECK(all_finished(r.m));
	CHECK_STR(task_class_name(by_comm(r.m, "h-0")), "fair");
	srun_free(&r);
}

static s32 badcpu_select(struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	return 4096;
}

TEST(scx_fail_select_cpu_invalid_cpu)
{
	static const struct sched_ext_ops ops = { .select_cpu = badcpu_select, .name = "badcpu" };
	struct srun r;
	CHECK_EQ(srun(&r, "4", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "invalid CPU 4096 from ops.select_cpu()");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static int err_count;
static void err_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (++err_count == 50)
		scx_bpf_error("enqueue of %s went wrong", p->comm);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_fail_scx_bpf_error_is_error_bpf)
{
	static const struct sched_ext_ops ops = { .enqueue = err_enqueue, .name = "erring" };
	struct srun r;
	err_count = 0;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	const struct scx_exit_info *ei = machine_scx_exit_info(r.m);
	CHECK_EQ(ei->kind, SCX_EXIT_ERROR_BPF);
	CHECK_CONTAINS(ei->msg, "went wrong");
	CHECK_STR(ei->reason, "scx_bpf_error");
	CHECK(ei->dump && strstr(ei->dump, "triggered exit kind 1025:\n  scx_bpf_error (enqueue of "));
	CHECK_CONTAINS(ei->dump, "\nCPU states\n----------\n");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void exit_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (++err_count == 30)
		scx_bpf_exit(42, "done after %d", err_count);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

static enum scx_exit_kind seen_exit_kind;
static void record_exit(struct scx_exit_info *ei)
{
	seen_exit_kind = ei->kind;
}

TEST(scx_fail_scx_bpf_exit_is_unreg_bpf_and_calls_ops_exit)
{
	static const struct sched_ext_ops ops = { .enqueue = exit_enqueue, .exit = record_exit, .name = "exiting" };
	struct srun r;
	err_count = 0;
	seen_exit_kind = SCX_EXIT_NONE;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	const struct scx_exit_info *ei = machine_scx_exit_info(r.m);
	CHECK_EQ(ei->kind, SCX_EXIT_UNREG_BPF);
	CHECK_EQ(ei->exit_code, 42);
	CHECK_STR(ei->msg, "done after 30");
	CHECK_EQ(seen_exit_kind, SCX_EXIT_UNREG_BPF);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void nodsq_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, 12345, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_fail_insert_into_missing_dsq)
{
	static const struct sched_ext_ops ops = { .enqueue = nodsq_enqueue, .name = "nodsq" };
	struct srun r;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "non-existent DSQ 0x3039");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void wrongctx_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_move_to_local(SCX_DSQ_GLOBAL);
}

TEST(scx_fail_kfunc_from_wrong_callback)
{
	static const struct sched_ext_ops ops = { .enqueue = wrongctx_enqueue, .name = "wrongctx" };
	struct srun r;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	const char *msg = machine_scx_exit_info(r.m)->msg;
	CHECK_CONTAINS(msg, "scx_bpf_dsq_move_to_local() called from ops.enqueue()");
	CHECK_CONTAINS(msg, "allowed only from ops.dispatch()");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void hold_enqueue(struct task_struct *p, u64 enq_flags)
{
}

static struct task_struct *held[64];
static int nr_held;
static void overflow_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (nr_held < 64)
		held[nr_held++] = p;
}

static void overflow_dispatch(s32 cpu, struct task_struct *prev)
{
	for (int i = 0; i < nr_held; i++)
		scx_bpf_dsq_insert(held[i], SCX_DSQ_GLOBAL, SCX_SLICE_DFL, 0);
	nr_held = 0;
}

TEST(scx_fail_dispatch_batch_overflow)
{
	static const struct sched_ext_ops ops = {
		.enqueue = overflow_enqueue, .dispatch = overflow_dispatch, .dispatch_max_batch = 2,
		.name = "overflow",
	};
	struct srun r;
	nr_held = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"t\":{\"instance\":5,\"loop\":3,\"run\":100,\"sleep\":10}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "dispatch buffer overflow");
	CHECK(all_finished(r.m));
	srun_free(&r);
	(void)hold_enqueue;
}

static void builtin_vtime_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert_vtime(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, 0, enq_flags);
}

TEST(scx_fail_vtime_on_builtin_dsq)
{
	static const struct sched_ext_ops ops = { .enqueue = builtin_vtime_enqueue, .name = "vtglobal" };
	struct srun r;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "cannot use vtime ordering for built-in DSQ");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static int mix_n;
static void mix_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (mix_n++ % 2)
		scx_bpf_dsq_insert_vtime(p, VT_DSQ, SCX_SLICE_DFL, 0, enq_flags);
	else
		scx_bpf_dsq_insert(p, VT_DSQ, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_fail_mixing_fifo_and_vtime)
{
	static const struct sched_ext_ops ops = {
		.init = vt_init, .enqueue = mix_enqueue, .dispatch = vt_dispatch, .name = "mixer",
	};
	struct srun r;
	mix_n = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"t\":{\"instance\":4,\"loop\":3,\"run\":1000,\"sleep\":10}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "already had");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void badflags_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags | (1ULL << 60));
}

TEST(scx_fail_invalid_enq_flags)
{
	static const struct sched_ext_ops ops = { .enqueue = badflags_enqueue, .name = "badflags" };
	struct srun r;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "invalid enq_flags");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static struct task_struct *first_seen;
static void other_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (!first_seen) {
		first_seen = p;
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
		return;
	}
	scx_bpf_dsq_insert(first_seen, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_fail_direct_dispatch_of_another_task)
{
	static const struct sched_ext_ops ops = { .enqueue = other_enqueue, .name = "other" };
	struct srun r;
	first_seen = NULL;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "tries to direct-dispatch");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void localon_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | 1, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_fail_local_on_cpu_outside_affinity)
{
	static const struct sched_ext_ops ops = { .enqueue = localon_enqueue, .name = "localon" };
	struct srun r;
	CHECK_EQ(srun(&r, "2", "{\"tasks\":{\"pinned\":{\"cpus\":[0],\"loop\":3,\"run\":1000,\"sleep\":10}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "target cpu 1 not allowed for pinned");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void destroy_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, VT_DSQ, SCX_SLICE_DFL, enq_flags);
}

static void destroy_dispatch(s32 cpu, struct task_struct *prev)
{
	if (scx_bpf_dsq_nr_queued(VT_DSQ) > 0)
		scx_bpf_destroy_dsq(VT_DSQ);
	scx_bpf_dsq_move_to_local(VT_DSQ);
}

TEST(scx_fail_destroy_in_use_dsq)
{
	static const struct sched_ext_ops ops = {
		.init = vt_init, .enqueue = destroy_enqueue, .dispatch = destroy_dispatch, .name = "destroyer",
	};
	struct srun r;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"t\":{\"instance\":2,\"loop\":3,\"run\":1000,\"sleep\":10}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "in-use DSQ");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static s32 failing_init_task(struct task_struct *p, struct scx_init_task_args *args)
{
	return strcmp(p->comm, "h-1") ? 0 : -12;
}

TEST(scx_init_task_error_keeps_that_task_on_fair)
{
	static const struct sched_ext_ops ops = { .init_task = failing_init_task, .name = "badinit" };
	struct srun r;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	/* upstream fails that fork; here the task stays on fair and the scheduler goes on */
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK_EQ(r.m->scx->nr_init_task_failed, 1);
	CHECK_STR(task_class_name(by_comm(r.m, "h-1")), "fair");
	CHECK_STR(task_class_name(by_comm(r.m, "h-0")), "ext");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(scx_fail_sysrq_s)
{
	struct srun r;
	CHECK_EQ(srun_start(&r, "2", finite_mix, &vtime_ops), 0);
	machine_sysrq_at(r.m, 20 * NSEC_PER_MSEC);
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_SYSRQ);
	CHECK_EQ(r.m->scx->exit_at_ns, 20 * NSEC_PER_MSEC);
	CHECK_STR(machine_scx_exit_info(r.m)->reason, "disabled by sysrq-S");
	CHECK(all_finished(r.m));
	/* tasks ran on both classes */
	struct task_struct *h = by_comm(r.m, "h-0");
	CHECK(h->st.runtime_by_class[0] > 0 && h->st.runtime_by_class[1] > 0);
	srun_free(&r);
}

static s32 failing_init(void)
{
	return -22;
}

static enum scx_exit_kind load_exit_kind;
static char load_exit_msg[128];
static void load_exit(struct scx_exit_info *ei)
{
	load_exit_kind = ei->kind;
	snprintf(load_exit_msg, sizeof(load_exit_msg), "%s", ei->msg);
}

TEST(scx_fail_load_errors)
{
	struct srun r;
	static const struct sched_ext_ops noname = { .enqueue = fifo_enqueue };
	static const struct sched_ext_ops badname = { .name = "has space" };
	static const struct sched_ext_ops badflags = { .name = "f", .flags = 1ULL << 40 };
	static const struct sched_ext_ops badtimeout = { .name = "t", .timeout_ms = 60000 };
	/* found by fuzzing: a huge batch was a 64 GiB allocation at attach */
	static const struct sched_ext_ops badbatch = { .name = "b", .dispatch_max_batch = 0xfffffffe };
	static const struct sched_ext_ops maxbatch = { .name = "b", .dispatch_max_batch = SCX_DSP_MAX_BATCH_LIMIT };
	static const struct sched_ext_ops badinit = { .name = "i", .init = failing_init, .exit = load_exit };
	CHECK_EQ(srun_start(&r, "2", finite_mix, &noname), -4);
	CHECK_CONTAINS(r.err, "ops.name");
	srun_free(&r);
	CHECK_EQ(srun_start(&r, "2", finite_mix, &badname), -4);
	CHECK_CONTAINS(r.err, "only letters");
	srun_free(&r);
	CHECK_EQ(srun_start(&r, "2", finite_mix, &badflags), -4);
	CHECK_CONTAINS(r.err, "unknown ops.flags");
	srun_free(&r);
	CHECK_EQ(srun_start(&r, "2", finite_mix, &badtimeout), -4);
	CHECK_CONTAINS(r.err, "timeout_ms 60000");
	srun_free(&r);
	CHECK_EQ(srun_start(&r, "2", finite_mix, &badbatch), -4);
	CHECK_CONTAINS(r.err, "b: ops.dispatch_max_batch 4294967294 exceeds scxsim's maximum of 1048576");
	srun_free(&r);
	CHECK_EQ(srun_start(&r, "2", finite_mix, &maxbatch), 0);
	srun_free(&r);
	/* a failing ops.init: attached, then ejected at once (upstream 6.12+), not a load failure */
	load_exit_kind = SCX_EXIT_NONE;
	CHECK_EQ(srun_start(&r, "2", finite_mix, &badinit), 0);
	CHECK_EQ(load_exit_kind, SCX_EXIT_ERROR); /* ops.exit hears why */
	CHECK_CONTAINS(load_exit_msg, "ops.init() failed (-22)");
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "i: ops.init() failed (-22)");
	CHECK(all_finished(r.m)); /* on fair */
	for (int i = 0; i < r.m->nr_tasks; i++)
		CHECK(r.m->tasks[i]->sched_class == &fair_sched_class);
	srun_free(&r);
}

/* ---- state callbacks fire in order ---------------------------------------------------- */

static int n_runnable, n_running, n_stopping, n_quiescent, n_enable, n_disable, n_init, n_exit_task;
static int depth_bad;
static int state_of[1000]; /* 0 quiescent, 1 runnable, 2 running */

static void st_runnable(struct task_struct *p, u64 f)
{
	n_runnable++;
	if (state_of[p->pid] != 0)
		depth_bad++;
	state_of[p->pid] = 1;
}
static void st_running(struct task_struct *p)
{
	n_running++;
	if (state_of[p->pid] != 1)
		depth_bad++;
	state_of[p->pid] = 2;
}
static void st_stopping(struct task_struct *p, bool runnable)
{
	n_stopping++;
	if (state_of[p->pid] != 2)
		depth_bad++;
	state_of[p->pid] = 1;
}
static void st_quiescent(struct task_struct *p, u64 f)
{
	n_quiescent++;
	if (state_of[p->pid] != 1)
		depth_bad++;
	state_of[p->pid] = 0;
}
static void st_enable(struct task_struct *p) { n_enable++; }
static void st_disable(struct task_struct *p) { n_disable++; }
static s32 st_init_task(struct task_struct *p, struct scx_init_task_args *a)
{
	n_init++;
	return a->fork ? 0 : -1;
}
static void st_exit_task(struct task_struct *p, struct scx_exit_task_args *a) { n_exit_task++; }

TEST(scx_state_callbacks_pair_up)
{
	static const struct sched_ext_ops ops = {
		.enqueue = fifo_enqueue, .runnable = st_runnable, .running = st_running,
		.stopping = st_stopping, .quiescent = st_quiescent, .enable = st_enable,
		.disable = st_disable, .init_task = st_init_task, .exit_task = st_exit_task,
		.name = "states",
	};
	struct srun r;
	n_runnable = n_running = n_stopping = n_quiescent = n_enable = n_disable = 0;
	n_init = n_exit_task = depth_bad = 0;
	memset(state_of, 0, sizeof(state_of));
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_EQ(depth_bad, 0);
	CHECK_EQ(n_init, r.m->nr_tasks);
	CHECK_EQ(n_enable, r.m->nr_tasks);
	CHECK_EQ(n_disable, r.m->nr_tasks);  /* every task exited */
	CHECK_EQ(n_exit_task, r.m->nr_tasks);
	CHECK_EQ(n_runnable, n_quiescent);
	CHECK_EQ(n_running, n_stopping);
	CHECK(n_running >= n_runnable);
	srun_free(&r);
}

/* v3 names: prep_enable/enable(p, args) and scx_bpf_dispatch/consume */
static int v3_prep, v3_enable;
static s32 v3_prep_enable(struct task_struct *p, struct scx_enable_args *a) { v3_prep++; return 0; }
static void v3_enable_fn(struct task_struct *p, struct scx_enable_args *a) { v3_enable++; }
static void v3_enqueue(struct task_struct *p, u64 f) { scx_bpf_dispatch(p, VT_DSQ, SCX_SLICE_DFL, f); }
static void v3_dispatch(s32 cpu, struct task_struct *prev) { scx_bpf_consume(VT_DSQ); }

TEST(scx_v3_names)
{
	static const struct sched_ext_ops ops = {
		.init = vt_init, .prep_enable = v3_prep_enable, .enable_v3 = v3_enable_fn,
		.enqueue = v3_enqueue, .dispatch = v3_dispatch, .name = "v3",
	};
	struct srun r;
	v3_prep = v3_enable = 0;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_EQ(v3_prep, r.m->nr_tasks);
	CHECK_EQ(v3_enable, r.m->nr_tasks);
	srun_free(&r);
}

TEST(scx_hackbench_and_rt_coexist)
{
	struct srun r;
	CHECK_EQ(srun(&r, "4", "hackbench:groups=2,loops=20", &vtime_ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	srun_free(&r);
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"hog\":{\"loop\":10,\"run\":10000},"
			       "\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":10,\"loop\":10,\"sleep\":3000,\"run\":500}}}",
		      &vtime_ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(hist_max(by_comm(r.m, "rt")->st.wake_lat) < 20000);
	srun_free(&r);
}

/* ---- cpu_release / cpu_acquire, reenqueue_local ------------------------------------------ */

static int n_release, n_acquire, n_reenq, release_reason_bad;
static void rel_cpu_release(s32 cpu, struct scx_cpu_release_args *args)
{
	n_release++;
	if (args->reason != SCX_CPU_PREEMPT_RT || !args->task || strcmp(args->task->comm, "rt"))
		release_reason_bad++;
	n_reenq += scx_bpf_reenqueue_local();
}
static void rel_cpu_acquire(s32 cpu, struct scx_cpu_acquire_args *args)
{
	n_acquire++;
}
static void rel_enqueue(struct task_struct *p, u64 enq_flags)
{
	/* local DSQ of CPU 0: re-enqueued by cpu_release when rt takes CPU 0 */
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | 0, SCX_SLICE_DFL / 10, enq_flags);
}

TEST(scx_cpu_release_and_acquire_around_rt)
{
	static const struct sched_ext_ops ops = {
		.enqueue = rel_enqueue, .cpu_release = rel_cpu_release,
		.cpu_acquire = rel_cpu_acquire, .name = "release",
	};
	struct srun r;
	n_release = n_acquire = n_reenq = release_reason_bad = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"e\":{\"instance\":3,\"loop\":20,\"run\":3000},"
			       "\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":20,\"loop\":10,\"sleep\":4000,\"run\":1000}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	/* the rt task takes the CPU at its start and after each of its 10 sleeps */
	CHECK_EQ(n_release, 11);
	CHECK_EQ(release_reason_bad, 0);
	CHECK(n_acquire >= 10 && n_acquire <= 11);
	CHECK(n_reenq > 0);
	srun_free(&r);
}

static void reenq_outside_release(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_reenqueue_local();
}

TEST(scx_fail_reenqueue_local_outside_cpu_release)
{
	static const struct sched_ext_ops ops = { .enqueue = reenq_outside_release, .name = "reenq" };
	struct srun r;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "allowed only from ops.cpu_release()");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- set_cpumask, update_idle, set_weight ---------------------------------------------- */

static int n_set_cpumask, n_update_idle, n_set_weight, weight_sum;
static void sc_set_cpumask(struct task_struct *p, const struct cpumask *m)
{
	n_set_cpumask++;
}
static void sc_update_idle(s32 cpu, bool idle)
{
	n_update_idle++;
}
static void sc_set_weight(struct task_struct *p, u32 w)
{
	n_set_weight++;
	weight_sum += w;
}

TEST(scx_set_cpumask_update_idle_set_weight)
{
	static const struct sched_ext_ops ops = {
		.enqueue = fifo_enqueue, .set_cpumask = sc_set_cpumask, .update_idle = sc_update_idle,
		.set_weight = sc_set_weight, .flags = SCX_OPS_KEEP_BUILTIN_IDLE, .name = "notify",
	};
	struct srun r;
	n_set_cpumask = n_update_idle = n_set_weight = weight_sum = 0;
	CHECK_EQ(srun(&r, "2", "{\"tasks\":{\"t\":{\"priority\":-5,\"loop\":3,\"phases\":{"
			       "\"a\":{\"cpus\":[0],\"run\":1000},\"b\":{\"cpus\":[1],\"run\":1000,\"sleep\":100}}}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(n_set_cpumask >= 5);
	CHECK(n_update_idle > 0);
	CHECK_EQ(n_set_weight, 1);
	CHECK_EQ(weight_sum, 305); /* nice -5: 3121 * 100 / 1024 */
	srun_free(&r);
}

static s32 noidle_select(struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	return scx_bpf_pick_idle_cpu(&p->cpus_mask, 0) >= 0 ? prev_cpu : prev_cpu;
}

TEST(scx_fail_builtin_idle_disabled)
{
	static const struct sched_ext_ops ops = {
		.select_cpu = noidle_select, .update_idle = sc_update_idle, .name = "noidle",
	};
	struct srun r;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "built-in idle tracking is disabled");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- idle-CPU selection: two wake-ups never claim the same idle CPU ---------------------- */

static int dup_claims;
static struct cpumask claimed;
static s32 claim_select(struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	s32 cpu = scx_bpf_pick_idle_cpu(&p->cpus_mask, 0);
	if (cpu < 0)
		return prev_cpu;
	if (cpumask_test(&claimed, cpu))
		dup_claims++;
	cpumask_set(&claimed, cpu);
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	return cpu;
}
static void claim_running(struct task_struct *p)
{
	cpumask_unset(&claimed, scx_bpf_task_cpu(p));
}

TEST(scx_pick_idle_cpu_claims_once)
{
	static const struct sched_ext_ops ops = {
		.select_cpu = claim_select, .running = claim_running, .name = "claim",
	};
	struct srun r;
	dup_claims = 0;
	cpumask_clear(&claimed);
	CHECK_EQ(srun(&r, "2s4c2t", "schbench:mthreads=2,workers=6,loops=50", &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_EQ(dup_claims, 0);
	srun_free(&r);
}

/* ---- a dispatch loop that never makes progress is caught ------------------------------ */

static struct task_struct *stuck;
static void spin_enqueue(struct task_struct *p, u64 enq_flags)
{
	stuck = p; /* keep it */
}
static void spin_dispatch(s32 cpu, struct task_struct *prev)
{
	/* "dispatches" a task that can never run here: pinned elsewhere, into this CPU's DSQ */
	if (stuck)
		scx_bpf_dsq_insert(stuck, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, 0);
}

TEST(scx_fail_dispatch_without_progress_stalls)
{
	static const struct sched_ext_ops ops = {
		.enqueue = spin_enqueue, .dispatch = spin_dispatch, .timeout_ms = 2000, .name = "spinner",
	};
	struct srun r;
	stuck = NULL;
	CHECK_EQ(srun(&r, "2", "{\"tasks\":{\"a\":{\"cpus\":[1],\"loop\":5,\"run\":1000,\"sleep\":100},"
			       "\"b\":{\"cpus\":[1],\"loop\":5,\"run\":1000,\"sleep\":100}}}",
		      &ops, 30 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR_STALL);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- hotplug: cpu_online/cpu_offline, or the scheduler exits ----------------------------- */

static int n_online, n_offline;
static void hp_online(s32 cpu) { n_online++; }
static void hp_offline(s32 cpu) { n_offline++; }

static const char *hp_json =
	"{\"hotplug\":[{\"at_ms\":5,\"cpu\":1,\"online\":false},{\"at_ms\":30,\"cpu\":1,\"online\":true}],"
	"\"tasks\":{\"h\":{\"instance\":4,\"loop\":40,\"run\":1000,\"sleep\":200},"
	"\"p\":{\"cpus\":[1],\"loop\":20,\"run\":1000,\"sleep\":100}}}";

TEST(scx_hotplug_callbacks)
{
	static const struct sched_ext_ops ops = {
		.enqueue = pcpu_enqueue, .select_cpu = pcpu_select, .cpu_online = hp_online,
		.cpu_offline = hp_offline, .name = "hotplug",
	};
	struct srun r;
	n_online = n_offline = 0;
	CHECK_EQ(srun(&r, "2", hp_json, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK_EQ(n_offline, 1);
	CHECK_EQ(n_online, 1);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(scx_fail_hotplug_without_callbacks_exits)
{
	struct srun r;
	CHECK_EQ(srun(&r, "2", hp_json, &vtime_ops, 10 * NSEC_PER_SEC), 0);
	const struct scx_exit_info *ei = machine_scx_exit_info(r.m);
	CHECK_EQ(ei->kind, SCX_EXIT_UNREG_KERN);
	CHECK_STR(ei->msg, "cpu 1 going offline, exiting scheduler");
	CHECK_EQ((u64)ei->exit_code, SCX_ECODE_ACT_RESTART | SCX_ECODE_RSN_HOTPLUG);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- cgroups ------------------------------------------------------------------------------ */

static int n_cg_init, n_cg_exit, cg_weight_sum, cg_seen_bad;
static s32 cg_init(struct cgroup *cg, struct scx_cgroup_init_args *a)
{
	n_cg_init++;
	cg_weight_sum += a->weight;
	return 0;
}
static void cg_exit(struct cgroup *cg) { n_cg_exit++; }
static void cg_enqueue(struct task_struct *p, u64 enq_flags)
{
	struct cgroup *cg = scx_bpf_task_cgroup(p);
	if (cg != p->tg)
		cg_seen_bad++;
	/* weight the slice by the cgroup weight: a cgroup-aware policy */
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL / 100 * cg->cpu_weight / 10, enq_flags);
}
static void cg_sysrq_exit(struct scx_exit_info *ei) { }

TEST(scx_cgroup_init_exit_and_task_cgroup)
{
	static const struct sched_ext_ops ops = {
		.cgroup_init = cg_init, .cgroup_exit = cg_exit, .enqueue = cg_enqueue,
		.exit = cg_sysrq_exit, .name = "cgaware",
	};
	struct srun r;
	n_cg_init = n_cg_exit = cg_weight_sum = cg_seen_bad = 0;
	CHECK_EQ(srun_start(&r, "2", "{\"cgroups\":{\"/a\":{\"weight\":200},\"/a/b\":{\"weight\":50}},"
				     "\"tasks\":{\"x\":{\"taskgroup\":\"/a/b\",\"loop\":20,\"run\":500,\"sleep\":100},"
				     "\"y\":{\"taskgroup\":\"/a\",\"loop\":20,\"run\":500,\"sleep\":100},"
				     "\"z\":{\"loop\":20,\"run\":500,\"sleep\":100}}}", &ops), 0);
	CHECK_EQ(n_cg_init, 3); /* /, /a, /a/b */
	CHECK_EQ(cg_weight_sum, 350);
	machine_sysrq_at(r.m, 5 * NSEC_PER_MSEC);
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_SYSRQ);
	CHECK_EQ(n_cg_exit, 3);
	CHECK_EQ(cg_seen_bad, 0);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static s32 cg_init_fail(struct cgroup *cg, struct scx_cgroup_init_args *a)
{
	return strcmp(cg->path, "/a") ? 0 : -7;
}

static void cg_task_cgroup_other(struct task_struct *p, u64 enq_flags)
{
	/* asks for the cgroup of a task the op is not about */
	for (int i = 0; i < scx_current_machine()->nr_tasks; i++)
		if (scx_current_machine()->tasks[i] != p) {
			scx_bpf_task_cgroup(scx_current_machine()->tasks[i]);
			break;
		}
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_fail_cgroup_errors)
{
	static const struct sched_ext_ops bad_init = { .cgroup_init = cg_init_fail, .name = "cgfail" };
	static const struct sched_ext_ops other = { .enqueue = cg_task_cgroup_other, .name = "cgother" };
	struct srun r;
	/* attached, then ejected at once (upstream 6.12+): the run goes on under fair */
	CHECK_EQ(srun(&r, "2", "{\"cgroups\":{\"/a\":{\"weight\":200}},\"tasks\":{\"x\":{\"taskgroup\":\"/a\",\"run\":500}}}",
		      &bad_init, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "ops.cgroup_init() failed (-7) for cgroup /a");
	CHECK(all_finished(r.m));
	srun_free(&r);
	CHECK_EQ(srun(&r, "2", finite_mix, &other, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "scx_bpf_task_cgroup() called on");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- core-sched ordering for ext tasks --------------------------------------------------- */

static int n_csb;
static bool csb(struct task_struct *a, struct task_struct *b)
{
	n_csb++;
	return a->pid < b->pid;
}

TEST(scx_core_sched_before_orders_ext_tasks)
{
	static const struct sched_ext_ops ops = { .enqueue = fifo_enqueue, .core_sched_before = csb, .name = "csb" };
	struct srun r;
	n_csb = 0;
	CHECK_EQ(srun(&r, "1s1c2t", "{\"tasks\":{\"a\":{\"core_cookie\":1,\"instance\":2,\"loop\":10,\"run\":5000},"
				    "\"b\":{\"core_cookie\":2,\"instance\":2,\"loop\":10,\"run\":5000}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(n_csb > 0);
	srun_free(&r);
}

/* ---- disallow, SCX_ENQ_LAST, yield --------------------------------------------------------- */

static s32 disallow_init_task(struct task_struct *p, struct scx_init_task_args *a)
{
	if (!strcmp(p->comm, "keepout"))
		p->scx.disallow = true;
	return 0;
}

TEST(scx_disallow_keeps_task_on_fair)
{
	static const struct sched_ext_ops ops = {
		.init_task = disallow_init_task, .enqueue = fifo_enqueue, .name = "disallow",
	};
	struct srun r;
	CHECK_EQ(srun(&r, "2", "{\"tasks\":{\"keepout\":{\"policy\":\"SCHED_EXT\",\"loop\":5,\"run\":1000,\"sleep\":100},"
			       "\"in\":{\"loop\":5,\"run\":1000,\"sleep\":100}}}", &ops, NSEC_PER_SEC), 0);
	CHECK_STR(task_class_name(by_comm(r.m, "keepout")), "fair");
	CHECK_EQ(by_comm(r.m, "keepout")->policy, WL_POLICY_OTHER); /* rejected SCHED_EXT reverts */
	CHECK_STR(task_class_name(by_comm(r.m, "in")), "ext");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static int n_enq_last;
static void last_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, enq_flags);
	if (enq_flags & SCX_ENQ_LAST) {
		/* upstream contract: the scheduler triggers the follow-up scheduling event */
		n_enq_last++;
		scx_bpf_kick_cpu(scx_bpf_task_cpu(p), 0);
	}
}

TEST(scx_enq_last_for_the_only_task)
{
	static const struct sched_ext_ops with = { .enqueue = last_enqueue, .flags = SCX_OPS_ENQ_LAST, .name = "last" };
	static const struct sched_ext_ops without = { .enqueue = last_enqueue, .name = "nolast" };
	struct srun r;
	n_enq_last = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"solo\":{\"run\":200000}}}", &with, 200 * NSEC_PER_MSEC), 0);
	CHECK(n_enq_last >= 8); /* a 20 ms slice ends ~10 times in 200 ms */
	CHECK_EQ(r.m->nr_violations, 0);
	srun_free(&r);
	n_enq_last = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"solo\":{\"run\":200000}}}", &without, 200 * NSEC_PER_MSEC), 0);
	CHECK_EQ(n_enq_last, 0); /* kept running without going through enqueue */
	srun_free(&r);
}

static int n_yield;
static bool count_yield(struct task_struct *from, struct task_struct *to)
{
	n_yield++;
	from->scx.slice = 0;
	return false;
}

TEST(scx_yield_op)
{
	static const struct sched_ext_ops ops = { .enqueue = fifo_enqueue, .yield = count_yield, .name = "yielder" };
	struct srun r;
	n_yield = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"y\":{\"loop\":10,\"run\":100,\"yield\":\"\"},\"o\":{\"loop\":10,\"run\":100}}}",
		      &ops, NSEC_PER_SEC), 0);
	CHECK_EQ(n_yield, 10);
	CHECK(all_finished(r.m));
	srun_free(&r);
}
