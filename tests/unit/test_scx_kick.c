/*
 * test_scx_kick.c — scx_bpf_kick_cpu() with SCX_KICK_WAIT as a real wait (src/scx/kick.c) and
 * the kick flags' validation, with C schedulers on the simulated machine.
 *
 * The scenario of most tests: 2 CPUs, task k pinned to CPU 0 (the kicker's CPU) and task t
 * pinned to CPU 1 (the target), each 5 ms of work. ops.tick on CPU 0 kicks CPU 1 once, at the
 * first tick (t = 1 ms). Times are checked exactly against the machine's parameters: both
 * tasks are switched in at wakeup_ipi_ns (their start wakes their idle CPU) and their work
 * starts ctx_switch_ns later; a remote kick reaches CPU 1 after wakeup_ipi_ns (a test may slow
 * that IPI down just before the kick, kw_slow_ipi); the kicker's own round is immediate.
 */
#include "scx/scx_int.h"
#include "scx_harness.h"
#include "test.h"

#define KW_WORK_NS (5 * NSEC_PER_MSEC)
#define KW_TICK_NS NSEC_PER_MSEC

static const char *kw_json =
	"{\"tasks\":{\"k\":{\"cpus\":[0],\"loop\":1,\"run\":5000},"
	"\"t\":{\"cpus\":[1],\"loop\":1,\"run\":5000}}}";

static int kw_from, kw_to, kw_kicks_left;
static u64 kw_flags, kw_slow_ipi, kw_kick_at, kw_seq_at_kick, kw_target_round_at, kw_slice_at_2ms;
static bool kw_error_first, kw_target_resched;

static void kw_reset(u64 flags, int from, int to, int kicks)
{
	kw_flags = flags;
	kw_from = from;
	kw_to = to;
	kw_kicks_left = kicks;
	kw_kick_at = kw_seq_at_kick = kw_target_round_at = kw_slice_at_2ms = kw_slow_ipi = 0;
	kw_error_first = kw_target_resched = false;
}

static void kw_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

static void kw_tick(struct task_struct *p)
{
	struct machine *m = p->m;

	if (scx_bpf_task_cpu(p) != kw_from)
		return;
	if (m->sim.now == 2 * KW_TICK_NS)
		kw_slice_at_2ms = p->scx.slice;
	if (kw_kicks_left <= 0)
		return;
	kw_kicks_left--;
	kw_kick_at = m->sim.now;
	kw_seq_at_kick = cpu_rq(m, kw_to)->scx.pnt_seq;
	if (kw_error_first)
		scx_bpf_error("giving up before the kick");
	if (kw_slow_ipi)
		m->p.wakeup_ipi_ns = kw_slow_ipi;
	scx_bpf_kick_cpu(kw_to, kw_flags);
	kw_target_resched = cpu_rq(m, kw_to)->need_resched;
}

/* the first ext round of the target after the kick (ops.dispatch runs when it has nothing) */
static void kw_dispatch(s32 cpu, struct task_struct *prev)
{
	if (cpu == kw_to && kw_kick_at && !kw_target_round_at)
		kw_target_round_at = scx_cur_machine->sim.now;
}

static void kw_cpu_online(s32 cpu) {}
static void kw_cpu_offline(s32 cpu) {}

static const struct sched_ext_ops kw_ops = {
	.enqueue = kw_enqueue, .tick = kw_tick, .dispatch = kw_dispatch,
	.cpu_online = kw_cpu_online, .cpu_offline = kw_cpu_offline, .name = "kickwait",
};

/* srun on 2 CPUs, with the kick's IPI slowed to ipi_ns (0: as is) and a sysrq-S at sysrq_at */
static int kw_run(struct srun *r, const char *json, const struct sched_ext_ops *ops, u64 ipi_ns,
		  u64 sysrq_at, u64 dur)
{
	int e = srun_start(r, "2", json, ops);

	kw_slow_ipi = ipi_ns;
	if (e)
		return e;
	if (sysrq_at)
		machine_sysrq_at(r->m, sysrq_at);
	return machine_run(r->m, dur);
}

/* the time a task exited: it ran alone on its CPU from 0, so its runtime */
static u64 kw_end_of(struct srun *r, const char *comm)
{
	return by_comm(r->m, comm)->st.runtime_ns;
}

TEST(scx_kick_wait_stops_the_kicker_until_the_target_round)
{
	struct srun r;
	struct machine_params p;

	machine_params_default(&p);
	kw_reset(SCX_KICK_WAIT, 0, 1, 1);
	CHECK_EQ(kw_run(&r, kw_json, &kw_ops, 0, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_EQ(kw_kick_at, KW_TICK_NS);
	CHECK(kw_target_resched);
	/* CPU 0 went through its round at once and spun until CPU 1's round, one IPI later */
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 1);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.kick_wait_ns, p.wakeup_ipi_ns);
	CHECK_EQ(cpu_rq(r.m, 1)->scx.nr_kick_waits, 0);
	CHECK_EQ(r.m->scx->nr_kick_waits, 1);
	CHECK(cpu_rq(r.m, 1)->scx.pnt_seq > kw_seq_at_kick);
	/* k's work stood still for the wait (its runtime includes it); t lost nothing */
	CHECK_EQ(kw_end_of(&r, "k"), p.ctx_switch_ns + KW_WORK_NS + p.wakeup_ipi_ns);
	CHECK_EQ(kw_end_of(&r, "t"), p.ctx_switch_ns + KW_WORK_NS);
	/* the wait did not consume k's slice: at 2 ms it had run since its start minus the wait */
	CHECK_EQ(kw_slice_at_2ms, SCX_SLICE_DFL - (2 * KW_TICK_NS - p.wakeup_ipi_ns - p.wakeup_ipi_ns));
	CHECK(!cpu_rq(r.m, 0)->spinning);
	srun_free(&r);
}

TEST(scx_kick_wait_kicker_makes_no_progress_while_waiting)
{
	struct srun r;
	struct machine_params p;
	const u64 ipi = 300 * NSEC_PER_USEC;

	machine_params_default(&p);
	kw_reset(SCX_KICK_WAIT, 0, 1, 1);
	/* stop in the middle of the wait: k's work is frozen at the kick, the CPU still spins */
	CHECK_EQ(kw_run(&r, kw_json, &kw_ops, ipi, 0, KW_TICK_NS + ipi / 2), 0);
	CHECK(cpu_rq(r.m, 0)->spinning);
	CHECK_EQ(by_comm(r.m, "k")->st.work_done_ns, KW_TICK_NS - p.wakeup_ipi_ns - p.ctx_switch_ns);
	CHECK_EQ(by_comm(r.m, "t")->st.work_done_ns,
		 KW_TICK_NS + ipi / 2 - p.wakeup_ipi_ns - p.ctx_switch_ns);
	CHECK_EQ(r.m->nr_violations, 0);
	srun_free(&r);
	/* the whole run: the wait lasted the slow IPI */
	kw_reset(SCX_KICK_WAIT, 0, 1, 1);
	CHECK_EQ(kw_run(&r, kw_json, &kw_ops, ipi, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.kick_wait_ns, ipi);
	CHECK_EQ(kw_end_of(&r, "k"), p.ctx_switch_ns + KW_WORK_NS + ipi);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(scx_kick_without_wait_costs_the_kicker_nothing)
{
	struct srun r;
	struct machine_params p;

	machine_params_default(&p);
	kw_reset(SCX_KICK_PREEMPT, 0, 1, 1);
	CHECK_EQ(kw_run(&r, kw_json, &kw_ops, 0, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 0);
	CHECK_EQ(kw_end_of(&r, "k"), p.ctx_switch_ns + KW_WORK_NS);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* Upstream waits only for a target running an ext task: an idle target is woken, not waited for. */
TEST(scx_kick_wait_idle_target_wakes_and_is_not_waited_for)
{
	struct srun r;
	struct machine_params p;

	machine_params_default(&p);
	kw_reset(SCX_KICK_WAIT, 0, 1, 1);
	CHECK_EQ(kw_run(&r, "{\"tasks\":{\"k\":{\"cpus\":[0],\"loop\":1,\"run\":5000}}}", &kw_ops,
			0, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 0);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.kick_wait_ns, 0);
	CHECK_EQ(kw_end_of(&r, "k"), p.ctx_switch_ns + KW_WORK_NS);
	/* CPU 1, idle for long, left its deep idle state and went through a round */
	CHECK_EQ(kw_target_round_at, KW_TICK_NS + p.wakeup_ipi_ns + p.idle_exit_ns);
	CHECK(cpu_rq(r.m, 1)->scx.pnt_seq > kw_seq_at_kick);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(scx_kick_wait_on_itself_does_not_wait)
{
	struct srun r;
	struct machine_params p;

	machine_params_default(&p);
	kw_reset(SCX_KICK_WAIT | SCX_KICK_PREEMPT, 0, 0, 1);
	CHECK_EQ(kw_run(&r, kw_json, &kw_ops, 0, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 0);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* The target goes offline during the wait: that releases the kicker (at the hotplug event). */
TEST(scx_kick_wait_offline_target_releases_the_kicker)
{
	struct srun r;
	const char *json =
		"{\"hotplug\":[{\"at_ms\":2,\"cpu\":1,\"online\":false}],"
		"\"tasks\":{\"k\":{\"cpus\":[0],\"loop\":1,\"run\":5000},"
		"\"t\":{\"cpus\":[1],\"loop\":1,\"run\":5000}}}";

	kw_reset(SCX_KICK_WAIT, 0, 1, 1);
	/* a 3 ms IPI: CPU 1 would only see the kick at 4 ms, it goes offline at 2 ms */
	CHECK_EQ(kw_run(&r, json, &kw_ops, 3 * NSEC_PER_MSEC, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 1);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.kick_wait_ns, NSEC_PER_MSEC);
	CHECK(!cpu_rq(r.m, 1)->online);
	CHECK(all_finished(r.m)); /* t moved to CPU 0 (affinity broken) and finished */
	srun_free(&r);
}

/* The kicker itself goes offline during its wait: it stops waiting (at the hotplug event). */
TEST(scx_kick_wait_kicker_going_offline_stops_waiting)
{
	struct srun r;
	const char *json =
		"{\"hotplug\":[{\"at_ms\":2,\"cpu\":0,\"online\":false}],"
		"\"tasks\":{\"k\":{\"cpus\":[0],\"loop\":1,\"run\":5000},"
		"\"t\":{\"cpus\":[1],\"loop\":1,\"run\":5000}}}";

	kw_reset(SCX_KICK_WAIT, 0, 1, 1);
	CHECK_EQ(kw_run(&r, json, &kw_ops, 3 * NSEC_PER_MSEC, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 1);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.kick_wait_ns, NSEC_PER_MSEC);
	CHECK(!cpu_rq(r.m, 0)->online && !cpu_rq(r.m, 0)->spinning);
	CHECK(all_finished(r.m)); /* k moved to CPU 1 (affinity broken) and finished */
	srun_free(&r);
}

/* The scheduler leaves (sysrq-S) during the wait: the disable releases every waiter. */
TEST(scx_kick_wait_ejection_releases_the_kicker)
{
	struct srun r;

	kw_reset(SCX_KICK_WAIT, 0, 1, 1);
	CHECK_EQ(kw_run(&r, kw_json, &kw_ops, 3 * NSEC_PER_MSEC, KW_TICK_NS + 500 * NSEC_PER_USEC,
			NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_SYSRQ);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 1);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.kick_wait_ns, 500 * NSEC_PER_USEC);
	CHECK(!cpu_rq(r.m, 0)->spinning);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- cycles: CPUs that wait for each other ------------------------------------------------ */

static int cyc_nr_cpus;
static u64 cyc_kicks;

static void cyc_tick(struct task_struct *p)
{
	s32 cpu = scx_bpf_task_cpu(p);

	cyc_kicks++;
	scx_bpf_kick_cpu((cpu + 1) % cyc_nr_cpus, SCX_KICK_WAIT);
}

/* every dispatch round waits for the previous CPU too: waits started from inside a pick */
static void cyc_dispatch(s32 cpu, struct task_struct *prev)
{
	scx_bpf_kick_cpu((cpu + cyc_nr_cpus - 1) % cyc_nr_cpus, SCX_KICK_WAIT | SCX_KICK_PREEMPT);
	scx_bpf_dsq_move_to_local(SCX_DSQ_GLOBAL);
}

static const struct sched_ext_ops cyc_ops = {
	.enqueue = kw_enqueue, .tick = cyc_tick, .dispatch = cyc_dispatch, .name = "kickcycle",
};

/* A waits B waits A: both at the same tick; neither hangs, the second finds the first advanced. */
TEST(scx_kick_wait_cycle_of_two_does_not_hang)
{
	struct srun r;
	struct machine_params p;

	machine_params_default(&p);
	kw_reset(SCX_KICK_WAIT, 0, 1, 1);
	cyc_nr_cpus = 2;
	cyc_kicks = 0;
	static const struct sched_ext_ops ops = { .enqueue = kw_enqueue, .tick = cyc_tick, .name = "ab" };
	CHECK_EQ(kw_run(&r, kw_json, &ops, 0, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(cyc_kicks >= 8); /* both CPUs kicked each other at every tick */
	/* at each of the 5 ticks k sees, CPU 0 kicks first and waits one IPI for CPU 1's round;
	 * CPU 1's round advanced CPU 0 before CPU 1's own wait began: it never spins */
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 5);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.kick_wait_ns, 5 * p.wakeup_ipi_ns);
	CHECK_EQ(cpu_rq(r.m, 1)->scx.nr_kick_waits, 0);
	CHECK_EQ(kw_end_of(&r, "k"), p.ctx_switch_ns + KW_WORK_NS + 5 * p.wakeup_ipi_ns);
	srun_free(&r);
}

/* kicks at given times from given CPUs (each once) */
struct kw_plan {
	int cpu;
	u64 at;
	int to;
	u64 flags;
};
static const struct kw_plan *kw_plan;
static int kw_plan_n;

static void plan_tick(struct task_struct *p)
{
	struct machine *m = p->m;

	for (int i = 0; i < kw_plan_n; i++) {
		if (kw_plan[i].cpu != scx_bpf_task_cpu(p) || kw_plan[i].at != m->sim.now)
			continue;
		if (kw_slow_ipi)
			m->p.wakeup_ipi_ns = kw_slow_ipi;
		scx_bpf_kick_cpu(kw_plan[i].to, kw_plan[i].flags);
	}
}

static const struct sched_ext_ops plan_ops = { .enqueue = kw_enqueue, .tick = plan_tick, .name = "plan" };

/*
 * CPU 0 waits for CPU 1 (a 3 ms IPI); at 2 ms CPU 1 kicks CPU 0 with WAIT, taking CPU 0's
 * round while CPU 0 spins. CPU 1's round (at 4 ms) releases CPU 0, and CPU 1 does not wait for
 * CPU 0 even though CPU 0 has not left its wait yet: a waiting CPU counts as advancing.
 */
TEST(scx_kick_wait_cycle_with_a_waiting_cpu_resolves)
{
	static const struct kw_plan plan[] = {
		{ 0, NSEC_PER_MSEC, 1, SCX_KICK_WAIT }, { 1, 2 * NSEC_PER_MSEC, 0, SCX_KICK_WAIT },
	};
	struct srun r;

	kw_plan = plan;
	kw_plan_n = ARRAY_SIZE(plan);
	CHECK_EQ(kw_run(&r, kw_json, &plan_ops, 3 * NSEC_PER_MSEC, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 1);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.kick_wait_ns, 3 * NSEC_PER_MSEC);
	CHECK_EQ(cpu_rq(r.m, 1)->scx.nr_kick_waits, 0);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* A third CPU kicking a waiting CPU with WAIT does not wait at all. */
TEST(scx_kick_wait_never_waits_for_a_waiting_cpu)
{
	static const struct kw_plan plan[] = {
		{ 0, NSEC_PER_MSEC, 1, SCX_KICK_WAIT }, { 2, 2 * NSEC_PER_MSEC, 0, SCX_KICK_WAIT },
	};
	struct srun r;

	kw_plan = plan;
	kw_plan_n = ARRAY_SIZE(plan);
	CHECK_EQ(srun_start(&r, "3", "{\"tasks\":{\"k\":{\"cpus\":[0],\"loop\":1,\"run\":5000},"
				     "\"t\":{\"cpus\":[1],\"loop\":1,\"run\":5000},"
				     "\"u\":{\"cpus\":[2],\"loop\":1,\"run\":5000}}}", &plan_ops), 0);
	kw_slow_ipi = 3 * NSEC_PER_MSEC;
	CHECK_EQ(machine_run(r.m, NSEC_PER_SEC), 0);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 1);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.kick_wait_ns, 3 * NSEC_PER_MSEC);
	CHECK_EQ(cpu_rq(r.m, 2)->scx.nr_kick_waits, 0);
	CHECK_EQ(r.m->scx->nr_kicks, 2);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* A ring of 8 CPUs where every tick and every dispatch waits for a neighbour, under 24 tasks
 * that run 300 us and sleep 200 us 40 times: it always resolves (the work ends in about 37 ms),
 * nothing is lost, no invariant breaks. */
TEST(scx_kick_wait_ring_of_waits_resolves)
{
	struct srun r;

	cyc_nr_cpus = 8;
	cyc_kicks = 0;
	CHECK_EQ(srun(&r, "8", "{\"tasks\":{\"h\":{\"instance\":24,\"loop\":40,\"run\":300,\"sleep\":200}}}",
		      &cyc_ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	u64 waits = 0;
	for (int c = 0; c < 8; c++) {
		waits += cpu_rq(r.m, c)->scx.nr_kick_waits;
		CHECK(!cpu_rq(r.m, c)->spinning);
	}
	CHECK(waits >= 100);
	CHECK_EQ(waits, r.m->scx->nr_kick_waits);
	CHECK(r.m->sim.now < 200 * NSEC_PER_MSEC); /* the work took well under the limit */
	srun_free(&r);
}

/* ---- flags ---------------------------------------------------------------------------------- */

TEST(scx_kick_fail_idle_with_wait)
{
	struct srun r;

	kw_reset(SCX_KICK_IDLE | SCX_KICK_WAIT, 0, 1, 1);
	CHECK_EQ(kw_run(&r, kw_json, &kw_ops, 0, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_STR(exit_msg(r.m), "scx_bpf_kick_cpu(): PREEMPT/WAIT cannot be used with SCX_KICK_IDLE "
				 "(cpu 1, flags 0x5, ops.tick())");
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 0);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(scx_kick_fail_idle_with_preempt)
{
	struct srun r;

	kw_reset(SCX_KICK_IDLE | SCX_KICK_PREEMPT, 0, 1, 1);
	CHECK_EQ(kw_run(&r, kw_json, &kw_ops, 0, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "PREEMPT/WAIT cannot be used with SCX_KICK_IDLE (cpu 1, flags 0x3");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

TEST(scx_kick_fail_unknown_flag)
{
	struct srun r;

	kw_reset(SCX_KICK_WAIT | (1ULL << 40), 0, 1, 1);
	CHECK_EQ(kw_run(&r, kw_json, &kw_ops, 0, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_STR(exit_msg(r.m), "scx_bpf_kick_cpu(): invalid flags 0x10000000004 (cpu 1, ops.tick())");
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 0);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* While the scheduler is exiting (bypass) kicks are suppressed, as upstream. */
TEST(scx_kick_suppressed_while_exiting)
{
	struct srun r;

	kw_reset(SCX_KICK_WAIT, 0, 1, 1);
	kw_error_first = true;
	CHECK_EQ(kw_run(&r, kw_json, &kw_ops, 0, 0, NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR_BPF);
	CHECK_EQ(r.m->scx->nr_kicks, 0);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 0);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* A target running a task of a higher class (fair) is not kicked nor waited for (upstream). */
TEST(scx_kick_skips_a_cpu_running_a_higher_class)
{
	struct srun r;
	struct machine_params p;
	static const struct sched_ext_ops partial = {
		.enqueue = kw_enqueue, .tick = kw_tick, .flags = SCX_OPS_SWITCH_PARTIAL,
		.name = "partialkick",
	};

	machine_params_default(&p);
	kw_reset(SCX_KICK_WAIT | SCX_KICK_PREEMPT, 0, 1, 1);
	CHECK_EQ(kw_run(&r, "{\"tasks\":{\"k\":{\"cpus\":[0],\"loop\":1,\"run\":5000,\"policy\":\"SCHED_EXT\"},"
			    "\"t\":{\"cpus\":[1],\"loop\":1,\"run\":5000}}}", &partial, 0, 0, NSEC_PER_SEC), 0);
	CHECK_STR(task_class_name(by_comm(r.m, "t")), "fair");
	CHECK_EQ(kw_kick_at, KW_TICK_NS);
	CHECK_EQ(r.m->scx->nr_kicks, 1);
	CHECK_EQ(cpu_rq(r.m, 0)->scx.nr_kick_waits, 0);
	CHECK_EQ(kw_end_of(&r, "k"), p.ctx_switch_ns + KW_WORK_NS);
	CHECK(!kw_target_resched); /* the kick did not send CPU 1 into the scheduler */
	CHECK(all_finished(r.m));
	srun_free(&r);
}
