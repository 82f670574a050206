/*
 * test_scx_more.c — the ext-class features docs/compat.md listed as "partial (untested)",
 * each proven with a small C scheduler on the simulated machine (the ops table the BPF
 * runtime fills the same way; test_bpf_more.c runs the BPF side): ops.dequeue when hotplug
 * moves a task the scheduler holds, stale and unowned inserts ignored, dispatch slots and
 * cancel, SCX_ENQ_HEAD, the v3 names (dispatch_vtime, consume, ops.consume, prep_enable /
 * cancel_enable), wake and enqueue flags, SCX_ENQ_REENQ, cpu_acquire without cpu_release,
 * ops.exit after a failed cgroup_init, DSQ create/destroy/count, pick_any_cpu, the idle and
 * SMT masks, test_and_clear, online/possible masks under hotplug, task_running, scx_bpf_now,
 * tick, KICK_IDLE vs KICK_PREEMPT; and a _fail test for each new ejection path.
 *
 * Invariant of every test: it asserts what the callbacks saw while the machine ran (counters
 * and "bad" counts kept in file-scope variables, reset by the test before it runs), then that
 * every finite task finished and no machine invariant broke.
 */
#include <errno.h>
#include <stdlib.h>
#include "machine/machine_int.h"
#include "scx/scx_int.h"
#include "test.h"

#include "scx_harness.h"

static const char *finite_mix =
	"{\"tasks\":{\"w\":{\"instance\":4,\"loop\":50,\"run\":700,\"sleep\":900},"
	"\"h\":{\"instance\":2,\"loop\":4,\"run\":20000}}}";

#define MAXPID 256

/* A sticky failure note: the first thing a callback found wrong, for the test to print. */
static int nr_bad;
static char bad_what[160];

#define BAD(...)                                                                           \
	do {                                                                               \
		if (!nr_bad++)                                                             \
			snprintf(bad_what, sizeof(bad_what), __VA_ARGS__);                 \
	} while (0)

#define CHECK_NO_BAD()                                                                     \
	do {                                                                               \
		if (nr_bad)                                                                \
			FAIL_("%d bad observations, first: %s", nr_bad, bad_what);         \
	} while (0)

/* ---- a queue of tasks the scheduler holds (enqueued, not yet inserted) ------------------ */

static struct task_struct *held[MAXPID];
static int nr_held;

static void held_reset(void)
{
	nr_held = 0;
	nr_bad = 0;
	bad_what[0] = '\0';
}

static void held_push(struct task_struct *p)
{
	if (nr_held < MAXPID)
		held[nr_held++] = p;
	else
		BAD("held queue full");
}

static bool held_remove(struct task_struct *p)
{
	for (int i = 0; i < nr_held; i++) {
		if (held[i] != p)
			continue;
		for (int k = i; k < nr_held - 1; k++)
			held[k] = held[k + 1];
		nr_held--;
		return true;
	}
	return false;
}

static struct task_struct *held_pop(void)
{
	struct task_struct *p = nr_held ? held[0] : NULL;

	if (p)
		held_remove(p);
	return p;
}

static void hold_enqueue(struct task_struct *p, u64 enq_flags)
{
	held_push(p);
}

/* An empty user DSQ: scx_bpf_dsq_move_to_local() on it only flushes the dispatch buffer. */
#define EMPTY_DSQ 900

static s32 empty_dsq_init(void)
{
	return scx_bpf_create_dsq(EMPTY_DSQ, -1);
}

/* ---- ops.dequeue: hotplug moves tasks the scheduler holds ------------------------------------ */

#define DQ_RELEASE_NS (10 * NSEC_PER_MSEC)

static int n_dequeue, n_reenq_after_dq, n_quiescent_sleep, n_quiescent_move, n_first_insert;
static u64 dequeue_at, first_insert_at;
static u8 dq_state[MAXPID]; /* 0 none, 1 held, 2 dequeued by ops.dequeue */

static s32 dq_select(struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	return 1; /* everyone to CPU 1, which goes offline at 5 ms */
}

static void dq_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (dq_state[p->pid] == 1)
		BAD("%s enqueued while held", p->comm);
	if (dq_state[p->pid] == 2) {
		n_reenq_after_dq++;
		if (scx_bpf_task_cpu(p) != 0)
			BAD("%s re-enqueued on cpu %d, not 0", p->comm, scx_bpf_task_cpu(p));
		if (enq_flags & (SCX_ENQ_WAKEUP | SCX_ENQ_CPU_SELECTED))
			BAD("re-enqueue after migration has flags 0x%llx", (unsigned long long)enq_flags);
	}
	dq_state[p->pid] = 1;
	held_push(p);
}

static void dq_dequeue(struct task_struct *p, u64 deq_flags)
{
	n_dequeue++;
	dequeue_at = scx_bpf_now();
	if (deq_flags)
		BAD("ops.dequeue flags 0x%llx", (unsigned long long)deq_flags);
	if (dq_state[p->pid] != 1 || !held_remove(p))
		BAD("ops.dequeue for %s, which the scheduler did not hold", p->comm);
	dq_state[p->pid] = 2;
}

static void dq_dispatch(s32 cpu, struct task_struct *prev)
{
	struct task_struct *p;

	if (scx_bpf_now() < DQ_RELEASE_NS)
		return; /* hold everything until 10 ms */
	while ((p = held_pop())) {
		if (!n_first_insert++)
			first_insert_at = scx_bpf_now();
		dq_state[p->pid] = 0;
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	}
}

static void dq_quiescent(struct task_struct *p, u64 deq_flags)
{
	if (deq_flags == SCX_DEQ_SLEEP)
		n_quiescent_sleep++;
	else if (deq_flags == 0)
		n_quiescent_move++;
	else
		BAD("ops.quiescent flags 0x%llx", (unsigned long long)deq_flags);
}

static void dq_hotplug(s32 cpu)
{
}

TEST(scx_more_dequeue_when_hotplug_moves_a_held_task)
{
	static const struct sched_ext_ops ops = {
		.select_cpu = dq_select, .enqueue = dq_enqueue, .dequeue = dq_dequeue,
		.dispatch = dq_dispatch, .quiescent = dq_quiescent, .cpu_online = dq_hotplug,
		.cpu_offline = dq_hotplug, .flags = SCX_OPS_SWITCH_PARTIAL, .name = "dequeue",
	};
	struct srun r;

	held_reset();
	n_dequeue = n_reenq_after_dq = n_quiescent_sleep = n_quiescent_move = n_first_insert = 0;
	dequeue_at = first_insert_at = 0;
	memset(dq_state, 0, sizeof(dq_state));
	/* a fair task on CPU 0 makes CPU 0 look for ext work every 0.6 ms */
	CHECK_EQ(srun(&r, "2", "{\"hotplug\":[{\"at_ms\":5,\"cpu\":1,\"online\":false}],"
			       "\"tasks\":{\"e\":{\"policy\":\"SCHED_EXT\",\"instance\":3,\"loop\":3,\"run\":1000,\"sleep\":100},"
			       "\"ticker\":{\"cpus\":[0],\"loop\":200,\"run\":100,\"sleep\":500}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_NO_BAD();
	CHECK_EQ(n_dequeue, 3);              /* the three held on CPU 1 when it went away */
	CHECK_EQ(dequeue_at, 5 * NSEC_PER_MSEC);
	CHECK_EQ(n_reenq_after_dq, 3);       /* each went through ops.enqueue again on CPU 0 */
	CHECK_EQ(n_quiescent_move, 3);       /* quiescent(p, 0) for the move */
	CHECK(n_quiescent_sleep >= 9);       /* quiescent(p, SCX_DEQ_SLEEP) for sleeps and exits */
	CHECK(first_insert_at >= DQ_RELEASE_NS);
	srun_free(&r);
}

/* ---- inserts of tasks the scheduler does not own are ignored -------------------------------- */

static int n_dup_rounds;

static void dup_dispatch(s32 cpu, struct task_struct *prev)
{
	int n = nr_held;

	if (!n)
		return;
	if (scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL) != 0)
		BAD("ops.dispatch called with a non-empty local DSQ");
	for (int i = 0; i < n; i++) {
		scx_bpf_dsq_insert(held[i], SCX_DSQ_LOCAL, SCX_SLICE_DFL / 4, 0);
		scx_bpf_dsq_insert(held[i], SCX_DSQ_LOCAL, SCX_SLICE_DFL / 4, 0); /* twice */
	}
	if (prev)
		scx_bpf_dsq_insert(prev, SCX_DSQ_LOCAL, SCX_SLICE_DFL / 4, 0); /* not owned */
	if (scx_bpf_dsq_move_to_local(EMPTY_DSQ))
		BAD("an empty DSQ gave a task");
	/* the flush committed each owned task once and ignored the rest */
	if (scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL) != n)
		BAD("local DSQ holds %d after %d owned tasks were inserted twice",
		    scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL), n);
	if (scx_bpf_dispatch_nr_slots() != 8)
		BAD("%u dispatch slots after the flush, want 8", scx_bpf_dispatch_nr_slots());
	nr_held = 0;
	n_dup_rounds++;
}

TEST(scx_more_insert_of_unowned_task_is_ignored)
{
	static const struct sched_ext_ops ops = {
		.init = empty_dsq_init, .enqueue = hold_enqueue, .dispatch = dup_dispatch,
		.dispatch_max_batch = 8, .name = "dup",
	};
	struct srun r;

	held_reset();
	n_dup_rounds = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"t\":{\"instance\":3,\"loop\":20,\"run\":2000,\"sleep\":300}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_NO_BAD();
	CHECK(n_dup_rounds >= 20);
	srun_free(&r);
}

/* ---- dispatch slots and cancel ----------------------------------------------------------------- */

static int n_cancels;

static void slots_dispatch(s32 cpu, struct task_struct *prev)
{
	struct task_struct *a, *b;
	u32 s0 = scx_bpf_dispatch_nr_slots();

	if (s0 != 4)
		BAD("%u slots at the start of ops.dispatch, want 4", s0);
	if (nr_held < 2) {
		if (nr_held)
			scx_bpf_dsq_insert(held_pop(), SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
		return;
	}
	a = held[0];
	b = held[1];
	scx_bpf_dsq_insert(a, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	scx_bpf_dsq_insert(b, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	if (scx_bpf_dispatch_nr_slots() != 2)
		BAD("%u slots after two inserts", scx_bpf_dispatch_nr_slots());
	scx_bpf_dispatch_cancel(); /* takes b back */
	if (scx_bpf_dispatch_nr_slots() != 3)
		BAD("%u slots after a cancel", scx_bpf_dispatch_nr_slots());
	scx_bpf_dsq_move_to_local(EMPTY_DSQ); /* flush */
	if (scx_bpf_dispatch_nr_slots() != 4)
		BAD("%u slots after the flush", scx_bpf_dispatch_nr_slots());
	if (a->scx.dsq != &cpu_rq(scx_current_machine(), cpu)->scx.local)
		BAD("the kept insert of %s did not land on the local DSQ", a->comm);
	if (b->scx.dsq || b->scx.ops_state != SCX_OPSS_QUEUED)
		BAD("the cancelled insert of %s was committed", b->comm);
	held_remove(a);
	n_cancels++;
}

TEST(scx_more_dispatch_nr_slots_and_cancel)
{
	static const struct sched_ext_ops ops = {
		.init = empty_dsq_init, .enqueue = hold_enqueue, .dispatch = slots_dispatch,
		.dispatch_max_batch = 4, .name = "slots",
	};
	struct srun r;

	held_reset();
	n_cancels = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"t\":{\"instance\":4,\"loop\":20,\"run\":1000,\"sleep\":200}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_NO_BAD();
	CHECK(n_cancels >= 10);
	srun_free(&r);
}

static void cancel_empty_dispatch(s32 cpu, struct task_struct *prev)
{
	scx_bpf_dispatch_cancel();
}

TEST(scx_more_fail_dispatch_cancel_on_empty_buffer)
{
	static const struct sched_ext_ops ops = {
		.enqueue = hold_enqueue, .dispatch = cancel_empty_dispatch, .name = "cancel0",
	};
	struct srun r;

	held_reset();
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "scx_bpf_dispatch_cancel(): dispatch buffer is empty (ops.dispatch())");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static u32 slots_seen_in_enqueue;

static void slots_enqueue(struct task_struct *p, u64 enq_flags)
{
	slots_seen_in_enqueue = scx_bpf_dispatch_nr_slots();
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_more_fail_nr_slots_outside_dispatch)
{
	static const struct sched_ext_ops ops = { .enqueue = slots_enqueue, .name = "slots_enq" };
	struct srun r;

	slots_seen_in_enqueue = 99;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "scx_bpf_dispatch_nr_slots() called from ops.enqueue()");
	CHECK_CONTAINS(exit_msg(r.m), "allowed only from ops.dispatch()");
	CHECK_EQ(slots_seen_in_enqueue, 0);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- SCX_ENQ_HEAD; scx_bpf_dsq_nr_queued on a user DSQ --------------------------------------- */

#define HEAD_DSQ 5
static struct task_struct *expect_next;
static int n_head_checked;

static s32 head_init(void)
{
	return scx_bpf_create_dsq(HEAD_DSQ, -1) ?: empty_dsq_init();
}

static void head_dispatch(s32 cpu, struct task_struct *prev)
{
	s32 n = scx_bpf_dsq_nr_queued(HEAD_DSQ);
	struct task_struct *a, *b;

	if (n > 0) {
		if (!scx_bpf_dsq_move_to_local(HEAD_DSQ) || scx_bpf_dsq_nr_queued(HEAD_DSQ) != n - 1)
			BAD("moving one of %d tasks out of DSQ %d", n, HEAD_DSQ);
		return;
	}
	if (nr_held < 2) {
		if (nr_held)
			scx_bpf_dsq_insert(held_pop(), SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
		return;
	}
	a = held_pop();
	b = held_pop();
	if (n_head_checked % 2) {
		/* a user FIFO DSQ: b inserted at the head is the one moved to the local DSQ */
		scx_bpf_dsq_insert(a, HEAD_DSQ, SCX_SLICE_DFL, 0);
		scx_bpf_dsq_insert(b, HEAD_DSQ, SCX_SLICE_DFL, SCX_ENQ_HEAD);
		if (!scx_bpf_dsq_move_to_local(HEAD_DSQ))
			BAD("nothing moved from DSQ %d", HEAD_DSQ);
		if (scx_bpf_dsq_nr_queued(HEAD_DSQ) != 1 || scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL) != 1)
			BAD("after the move: DSQ %d holds %d, local %d", HEAD_DSQ,
			    scx_bpf_dsq_nr_queued(HEAD_DSQ), scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL));
	} else {
		/* the local DSQ: b at the head runs first */
		scx_bpf_dsq_insert(a, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
		scx_bpf_dsq_insert(b, SCX_DSQ_LOCAL, SCX_SLICE_DFL, SCX_ENQ_HEAD);
	}
	expect_next = b;
}

static void head_running(struct task_struct *p)
{
	if (!expect_next)
		return;
	if (p != expect_next)
		BAD("%s ran before %s, which was inserted with SCX_ENQ_HEAD", p->comm, expect_next->comm);
	expect_next = NULL;
	n_head_checked++;
}

TEST(scx_more_enq_head_goes_first)
{
	static const struct sched_ext_ops ops = {
		.init = head_init, .enqueue = hold_enqueue, .dispatch = head_dispatch,
		.running = head_running, .name = "head",
	};
	struct srun r;

	held_reset();
	expect_next = NULL;
	n_head_checked = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"t\":{\"instance\":4,\"loop\":20,\"run\":1000,\"sleep\":200}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_NO_BAD();
	CHECK(n_head_checked >= 10); /* both variants, several times each */
	srun_free(&r);
}

/* ---- v3 names: scx_bpf_dispatch_vtime + scx_bpf_consume order by vtime --------------------- */

#define V3_DSQ 6
static int n_vt_checked;
static u64 expect_vtime;

static s32 v3_init(void)
{
	return scx_bpf_create_dsq(V3_DSQ, -1);
}

static void v3vt_dispatch(s32 cpu, struct task_struct *prev)
{
	if (scx_bpf_dsq_nr_queued(V3_DSQ) > 0) {
		scx_bpf_consume(V3_DSQ);
		return;
	}
	if (nr_held < 2) {
		if (nr_held)
			scx_bpf_dispatch(held_pop(), SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
		return;
	}
	struct task_struct *a = held_pop(), *b = held_pop();
	scx_bpf_dispatch_vtime(a, V3_DSQ, SCX_SLICE_DFL, 2000 + n_vt_checked, 0);
	scx_bpf_dispatch_vtime(b, V3_DSQ, SCX_SLICE_DFL, 1000 + n_vt_checked, 0);
	if (b->scx.dsq_vtime != 1000 + (u64)n_vt_checked)
		BAD("scx_bpf_dispatch_vtime() did not set dsq_vtime");
	if (!scx_bpf_consume(V3_DSQ))
		BAD("scx_bpf_consume() moved nothing");
	expect_next = b;
	expect_vtime = 1000 + n_vt_checked;
}

static void v3vt_running(struct task_struct *p)
{
	if (!expect_next)
		return;
	if (p != expect_next || p->scx.dsq_vtime != expect_vtime)
		BAD("%s (vtime %llu) ran first, not the lower vtime %llu", p->comm,
		    (unsigned long long)p->scx.dsq_vtime, (unsigned long long)expect_vtime);
	expect_next = NULL;
	n_vt_checked++;
}

TEST(scx_more_v3_dispatch_vtime_orders_by_vtime)
{
	static const struct sched_ext_ops ops = {
		.init = v3_init, .enqueue = hold_enqueue, .dispatch = v3vt_dispatch,
		.running = v3vt_running, .name = "v3vtime",
	};
	struct srun r;

	held_reset();
	expect_next = NULL;
	n_vt_checked = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"t\":{\"instance\":4,\"loop\":20,\"run\":1000,\"sleep\":200}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_NO_BAD();
	CHECK(n_vt_checked >= 10);
	srun_free(&r);
}

/* ---- v3 ops.consume may call scx_bpf_consume; it runs before ops.dispatch ------------------- */

static int n_consume_op, n_consumed, n_dispatch_op, last_op_cpu_consume;

static void v3c_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dispatch(p, V3_DSQ, SCX_SLICE_DFL, enq_flags);
}

static void v3c_consume(s32 cpu)
{
	n_consume_op++;
	last_op_cpu_consume = cpu;
	n_consumed += scx_bpf_consume(V3_DSQ);
}

static void v3c_dispatch(s32 cpu, struct task_struct *prev)
{
	n_dispatch_op++;
	if (last_op_cpu_consume != cpu)
		BAD("ops.dispatch(cpu %d) without ops.consume(cpu %d) first", cpu, cpu);
	last_op_cpu_consume = -1;
}

TEST(scx_more_v3_consume_op_consumes)
{
	static const struct sched_ext_ops only_consume = {
		.init = v3_init, .enqueue = v3c_enqueue, .consume = v3c_consume, .name = "v3consume",
	};
	static const struct sched_ext_ops both = {
		.init = v3_init, .enqueue = v3c_enqueue, .consume = v3c_consume,
		.dispatch = v3c_dispatch, .name = "v3both",
	};
	struct srun r;

	held_reset();
	n_consume_op = n_consumed = n_dispatch_op = 0;
	CHECK_EQ(srun(&r, "2", finite_mix, &only_consume, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE); /* scx_bpf_consume() is allowed from ops.consume() */
	CHECK(all_finished(r.m));
	CHECK(n_consumed > 100);
	CHECK(n_consume_op >= n_consumed);
	srun_free(&r);
	n_consume_op = n_consumed = n_dispatch_op = 0;
	last_op_cpu_consume = -1;
	CHECK_EQ(srun(&r, "2", finite_mix, &both, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_NO_BAD();
	CHECK(n_dispatch_op > 0);
	CHECK(n_consume_op > n_dispatch_op); /* consume first; dispatch only when it found nothing */
	srun_free(&r);
}

/* ---- wake flags for select_cpu; WAKEUP and CPU_SELECTED for enqueue --------------------------- */

static int n_fork_wakes, n_ttwu_wakes, n_enq_wakeup, n_enq_selected, n_enq_plain, n_select_pinned;
static u8 wf_seen[MAXPID], wf_selected[MAXPID], wf_activating[MAXPID], wf_slept[MAXPID];
static u64 wf_runnable_flags[MAXPID];

static s32 wf_select(struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool first = !wf_seen[p->pid];

	if (p->nr_cpus_allowed == 1)
		n_select_pinned++;
	if (wake_flags & SCX_WAKE_SYNC)
		BAD("SCX_WAKE_SYNC for %s", p->comm);
	if (first != !!(wake_flags & SCX_WAKE_FORK) || first == !!(wake_flags & SCX_WAKE_TTWU))
		BAD("wake_flags 0x%llx on %s wake-up of %s", (unsigned long long)wake_flags,
		    first ? "the first" : "a later", p->comm);
	n_fork_wakes += first;
	n_ttwu_wakes += !first;
	wf_selected[p->pid] = 1;
	return prev_cpu;
}

static void wf_runnable(struct task_struct *p, u64 enq_flags)
{
	wf_activating[p->pid] = 1;
	wf_runnable_flags[p->pid] = enq_flags;
}

static void wf_enqueue(struct task_struct *p, u64 enq_flags)
{
	bool activation = wf_activating[p->pid], first = !wf_seen[p->pid];
	bool want_wakeup = activation && !first && wf_slept[p->pid];

	if (!!(enq_flags & SCX_ENQ_WAKEUP) != want_wakeup)
		BAD("enqueue of %s (%s) with flags 0x%llx", p->comm,
		    first ? "first" : activation ? "wake-up" : "slice end", (unsigned long long)enq_flags);
	if (!!(enq_flags & SCX_ENQ_CPU_SELECTED) != wf_selected[p->pid])
		BAD("SCX_ENQ_CPU_SELECTED is %d for %s after select_cpu %s", !!(enq_flags & SCX_ENQ_CPU_SELECTED),
		    p->comm, wf_selected[p->pid] ? "ran" : "did not run");
	if (activation && wf_runnable_flags[p->pid] != enq_flags)
		BAD("ops.runnable got 0x%llx, ops.enqueue 0x%llx", (unsigned long long)wf_runnable_flags[p->pid],
		    (unsigned long long)enq_flags);
	n_enq_wakeup += !!(enq_flags & SCX_ENQ_WAKEUP);
	n_enq_selected += !!(enq_flags & SCX_ENQ_CPU_SELECTED);
	n_enq_plain += !activation;
	wf_seen[p->pid] = 1;
	wf_selected[p->pid] = wf_activating[p->pid] = wf_slept[p->pid] = 0;
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL / 10, enq_flags);
}

static void wf_quiescent(struct task_struct *p, u64 deq_flags)
{
	wf_slept[p->pid] = !!(deq_flags & SCX_DEQ_SLEEP);
}

TEST(scx_more_wake_and_enqueue_flags)
{
	static const struct sched_ext_ops ops = {
		.select_cpu = wf_select, .runnable = wf_runnable, .enqueue = wf_enqueue,
		.quiescent = wf_quiescent, .name = "wakeflags",
	};
	struct srun r;

	held_reset();
	n_fork_wakes = n_ttwu_wakes = n_enq_wakeup = n_enq_selected = n_enq_plain = n_select_pinned = 0;
	memset(wf_seen, 0, sizeof(wf_seen));
	memset(wf_selected, 0, sizeof(wf_selected));
	memset(wf_activating, 0, sizeof(wf_activating));
	memset(wf_slept, 0, sizeof(wf_slept));
	CHECK_EQ(srun(&r, "2", "{\"tasks\":{\"s\":{\"instance\":3,\"loop\":10,\"run\":1000,\"sleep\":1000},"
			       "\"pinned\":{\"cpus\":[1],\"loop\":10,\"run\":500,\"sleep\":700},"
			       "\"hog\":{\"instance\":2,\"loop\":1,\"run\":30000}}}", &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_NO_BAD();
	CHECK_EQ(n_select_pinned, 0);  /* not called for a task with one allowed CPU */
	CHECK_EQ(n_fork_wakes, 5);     /* s-0..2 and the two hogs: SCX_WAKE_FORK once each */
	CHECK_EQ(n_ttwu_wakes, 30);    /* s: a wake-up after each of its 10 sleeps */
	CHECK_EQ(n_enq_wakeup, 40);    /* those 30 and pinned's 10 */
	CHECK_EQ(n_enq_selected, 35);  /* after every select_cpu, never for pinned */
	CHECK(n_enq_plain > 10);       /* slice ends: neither flag */
	srun_free(&r);
}

/* ---- SCX_ENQ_REENQ from scx_bpf_reenqueue_local() ------------------------------------------ */

static int n_reenq_flag, n_reenq_calls;
static bool in_release;

static void reenq_cpu_release(s32 cpu, struct scx_cpu_release_args *args)
{
	in_release = true;
	n_reenq_calls += scx_bpf_reenqueue_local();
	in_release = false;
}

static void reenq_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (!!(enq_flags & SCX_ENQ_REENQ) != in_release)
		BAD("SCX_ENQ_REENQ is %d %s ops.cpu_release()", !!(enq_flags & SCX_ENQ_REENQ),
		    in_release ? "inside" : "outside");
	n_reenq_flag += !!(enq_flags & SCX_ENQ_REENQ);
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | 0, SCX_SLICE_DFL / 10, enq_flags);
}

TEST(scx_more_enq_reenq_flag)
{
	static const struct sched_ext_ops ops = {
		.enqueue = reenq_enqueue, .cpu_release = reenq_cpu_release, .name = "reenq_flag",
	};
	struct srun r;

	held_reset();
	n_reenq_flag = n_reenq_calls = 0;
	in_release = false;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"e\":{\"instance\":3,\"loop\":20,\"run\":3000},"
			       "\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":20,\"loop\":10,\"sleep\":4000,\"run\":1000}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_NO_BAD();
	CHECK(n_reenq_calls > 0);
	CHECK_EQ(n_reenq_flag, n_reenq_calls);
	srun_free(&r);
}

/* ---- cpu_acquire without cpu_release, with its args ----------------------------------------- */

static int n_acq, n_acq_null;

static void acq_cpu_acquire(s32 cpu, struct scx_cpu_acquire_args *args)
{
	n_acq++;
	n_acq_null += !args;
}

static void fifo_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_more_cpu_acquire_without_cpu_release)
{
	static const struct sched_ext_ops ops = {
		.enqueue = fifo_enqueue, .cpu_acquire = acq_cpu_acquire, .name = "acquire",
	};
	struct srun r;

	n_acq = n_acq_null = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"e\":{\"instance\":2,\"loop\":20,\"run\":3000},"
			       "\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":20,\"loop\":10,\"sleep\":4000,\"run\":1000}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(n_acq >= 10 && n_acq <= 11); /* once after each of the rt task's runs */
	CHECK_EQ(n_acq_null, 0);
	srun_free(&r);
}

/* ---- v3 cancel_enable; exit_task never cancelled ---------------------------------------------- */

static int n_prep, n_en3, n_cancel, n_cancel_cg_bad, n_dis, n_exit_task, n_exit_cancelled;
static char cancelled_comms[64];

static s32 c3_prep_enable(struct task_struct *p, struct scx_enable_args *a)
{
	n_prep++;
	return 0;
}

static void c3_enable(struct task_struct *p, struct scx_enable_args *a)
{
	n_en3++;
}

static void c3_cancel_enable(struct task_struct *p, struct scx_enable_args *a)
{
	n_cancel++;
	if (!a || a->cgroup != p->tg)
		n_cancel_cg_bad++;
	strncat(cancelled_comms, p->comm, sizeof(cancelled_comms) - strlen(cancelled_comms) - 2);
	strcat(cancelled_comms, " ");
}

static void c3_disable(struct task_struct *p)
{
	n_dis++;
}

static void c3_exit_task(struct task_struct *p, struct scx_exit_task_args *a)
{
	n_exit_task++;
	n_exit_cancelled += a->cancelled;
}

static const char *c3_json =
	"{\"tasks\":{\"e\":{\"policy\":\"SCHED_EXT\",\"loop\":5,\"run\":1000,\"sleep\":100},"
	"\"o\":{\"loop\":5,\"run\":1000,\"sleep\":100},"
	"\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":10,\"loop\":5,\"run\":300,\"sleep\":1000}}}";

TEST(scx_more_v3_cancel_enable_for_never_enabled_tasks)
{
	static const struct sched_ext_ops ops = {
		.enqueue = fifo_enqueue, .prep_enable = c3_prep_enable, .enable_v3 = c3_enable,
		.cancel_enable = c3_cancel_enable, .disable = c3_disable,
		.flags = SCX_OPS_SWITCH_PARTIAL, .name = "cancel3",
	};
	struct srun r;

	n_prep = n_en3 = n_cancel = n_cancel_cg_bad = n_dis = 0;
	cancelled_comms[0] = '\0';
	CHECK_EQ(srun(&r, "2", c3_json, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_EQ(n_prep, 3);   /* every task is prepared ... */
	CHECK_EQ(n_en3, 1);    /* ... only the SCHED_EXT one is enabled ... */
	CHECK_EQ(n_dis, 1);
	CHECK_EQ(n_cancel, 2); /* ... and the other two are cancelled when they exit */
	CHECK_EQ(n_cancel_cg_bad, 0);
	CHECK_STR(cancelled_comms, "o rt ");
	CHECK_STR(task_class_name(by_comm(r.m, "o")), "fair");
	CHECK_STR(task_class_name(by_comm(r.m, "e")), "ext");
	srun_free(&r);
}

TEST(scx_more_exit_task_is_never_cancelled)
{
	static const struct sched_ext_ops ops = {
		.enqueue = fifo_enqueue, .prep_enable = c3_prep_enable, .exit_task = c3_exit_task,
		.cancel_enable = c3_cancel_enable, .flags = SCX_OPS_SWITCH_PARTIAL, .name = "exittask",
	};
	struct srun r;

	n_prep = n_cancel = n_exit_task = n_exit_cancelled = 0;
	cancelled_comms[0] = '\0';
	CHECK_EQ(srun(&r, "2", c3_json, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_EQ(n_exit_task, 3);      /* enabled or not, every task gets exit_task ... */
	CHECK_EQ(n_exit_cancelled, 0); /* ... with cancelled = false: no fork is ever cancelled */
	CHECK_EQ(n_cancel, 0);         /* cancel_enable only stands in for an absent exit_task */
	srun_free(&r);
}

/* ---- ops.exit hears a failed cgroup_init ------------------------------------------------------ */

static enum scx_exit_kind cg_exit_kind;
static char cg_exit_msg[256];
static int n_cg_exit_calls;

static s32 cgfail_init(struct cgroup *cg, struct scx_cgroup_init_args *a)
{
	return strcmp(cg->path, "/a") ? 0 : -7;
}

static void cgfail_exit(struct scx_exit_info *ei)
{
	n_cg_exit_calls++;
	cg_exit_kind = ei->kind;
	snprintf(cg_exit_msg, sizeof(cg_exit_msg), "%s", ei->msg);
}

TEST(scx_more_exit_hears_failed_cgroup_init)
{
	static const struct sched_ext_ops ops = {
		.cgroup_init = cgfail_init, .exit = cgfail_exit, .name = "cgfail_exit",
	};
	struct srun r;

	n_cg_exit_calls = 0;
	cg_exit_kind = SCX_EXIT_NONE;
	cg_exit_msg[0] = '\0';
	CHECK_EQ(srun(&r, "2", "{\"cgroups\":{\"/a\":{\"weight\":200}},\"tasks\":{\"x\":{\"taskgroup\":\"/a\",\"run\":500}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(n_cg_exit_calls, 1);
	CHECK_EQ(cg_exit_kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(cg_exit_msg, "ops.cgroup_init() failed (-7) for cgroup /a");
	/* attached then ejected at once (upstream 6.12+): the result says why, tasks ran on fair */
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "ops.cgroup_init() failed (-7) for cgroup /a");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- DSQ create / destroy / count -------------------------------------------------------------- */

static s64 dsq_res[16];

static s32 dsqs_init(void)
{
	s64 *r = dsq_res;

	r[0] = scx_bpf_create_dsq(5, -1);
	r[1] = scx_bpf_create_dsq(5, -1);                        /* exists */
	r[2] = scx_bpf_create_dsq(SCX_DSQ_GLOBAL, -1);           /* built-in id */
	r[3] = scx_bpf_create_dsq(SCX_DSQ_FLAG_BUILTIN | 77, -1);
	r[4] = scx_bpf_create_dsq(6, 1);                         /* node 1 of a 1-node machine */
	r[5] = scx_bpf_create_dsq(6, -2);
	r[6] = scx_bpf_create_dsq(6, 0);
	scx_bpf_destroy_dsq(6);
	r[7] = scx_bpf_dsq_nr_queued(6);                         /* gone */
	r[8] = scx_bpf_create_dsq(6, -1);                        /* the id is free again */
	scx_bpf_destroy_dsq(12345);                              /* unknown: ignored */
	r[9] = scx_bpf_dsq_nr_queued(5);
	r[10] = scx_bpf_dsq_nr_queued(SCX_DSQ_GLOBAL);
	r[11] = scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL);            /* ops.init runs on no CPU */
	r[12] = scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | 99);
	r[13] = scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | 1);
	r[14] = scx_bpf_dsq_nr_queued(12345);
	return 0;
}

static void dsqs_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, 5, SCX_SLICE_DFL, enq_flags);
}

static void dsqs_dispatch(s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(5);
}

TEST(scx_more_create_destroy_and_count_dsqs)
{
	static const struct sched_ext_ops ops = {
		.init = dsqs_init, .enqueue = dsqs_enqueue, .dispatch = dsqs_dispatch, .name = "dsqs",
	};
	static const s64 want[15] = { 0, -EEXIST, -EINVAL, -EINVAL, -EINVAL, -EINVAL, 0, -ENOENT, 0,
				      0, 0, -ENOENT, -ENOENT, 0, -ENOENT };
	struct srun r;

	memset(dsq_res, 0x55, sizeof(dsq_res));
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	for (int i = 0; i < 15; i++)
		if (dsq_res[i] != want[i])
			FAIL_("step %d: got %lld, want %lld", i, (long long)dsq_res[i], (long long)want[i]);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	/* outside any op a kfunc does nothing and returns a neutral value */
	CHECK_EQ(scx_bpf_dsq_nr_queued(SCX_DSQ_GLOBAL), -ENOENT);
	CHECK_EQ(scx_bpf_create_dsq(7, -1), -EINVAL);
	srun_free(&r);
}

static s32 destroyed_init(void)
{
	s32 e = scx_bpf_create_dsq(5, -1);

	scx_bpf_destroy_dsq(5);
	return e;
}

TEST(scx_more_fail_insert_into_destroyed_dsq)
{
	static const struct sched_ext_ops ops = {
		.init = destroyed_init, .enqueue = dsqs_enqueue, .name = "destroyed",
	};
	struct srun r;

	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	/* a direct dispatch is committed after ops.enqueue() returns: the message says "dispatch" */
	CHECK_CONTAINS(exit_msg(r.m), "non-existent DSQ 0x5 for ");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void create_in_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_create_dsq(8, -1);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_more_fail_create_dsq_outside_sleepable_ops)
{
	static const struct sched_ext_ops ops = { .enqueue = create_in_enqueue, .name = "create_enq" };
	struct srun r;

	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "scx_bpf_create_dsq() called from ops.enqueue()");
	CHECK_CONTAINS(exit_msg(r.m), "allowed only from sleepable ops");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void invalid_dispatch(s32 cpu, struct task_struct *prev)
{
	if (nr_held)
		scx_bpf_dsq_insert(held_pop(), SCX_DSQ_INVALID, SCX_SLICE_DFL, 0);
}

TEST(scx_more_fail_insert_into_invalid_dsq)
{
	static const struct sched_ext_ops ops = {
		.enqueue = hold_enqueue, .dispatch = invalid_dispatch, .name = "invalid",
	};
	struct srun r;

	held_reset();
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "non-existent DSQ 0x8000000000000000");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void twice_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_more_fail_double_direct_dispatch)
{
	static const struct sched_ext_ops ops = { .enqueue = twice_enqueue, .name = "twice" };
	struct srun r;

	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "scx_bpf_dsq_insert(): ");
	CHECK_CONTAINS(exit_msg(r.m), " already direct-dispatched in ops.enqueue()");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- pick_any_cpu ------------------------------------------------------------------------------ */

static s32 picks[16];
static int nr_picks;

static void pick(const struct cpumask *m)
{
	if (nr_picks < 16)
		picks[nr_picks++] = scx_bpf_pick_any_cpu(m, 0);
}

static s32 anycpu_init(void)
{
	struct cpumask all, odd, none;

	cpumask_fill(&all, 4);
	cpumask_clear(&odd);
	cpumask_set(&odd, 1);
	cpumask_set(&odd, 3);
	cpumask_clear(&none);
	for (int i = 0; i < 6; i++) /* four idle CPUs claimed, then the busy ones in turn */
		pick(&all);
	for (int i = 0; i < 3; i++) /* no idle CPU left: alternates within the mask */
		pick(&odd);
	pick(&none);                /* -EBUSY */
	return 0;
}

TEST(scx_more_pick_any_cpu_idle_first_then_spread)
{
	static const struct sched_ext_ops ops = { .init = anycpu_init, .name = "anycpu" };
	/* as cpumask_any_and_distribute: one rotating cursor per calling CPU, starting after CPU 0
	 * (the kernel's first selection skips 0), shared by the idle and the any picks */
	static const s32 want[] = { 1, 2, 3, 0, 1, 2, 3, 1, 3, -EBUSY };
	struct srun r;

	nr_picks = 0;
	CHECK_EQ(srun(&r, "4", "{\"tasks\":{\"t\":{\"instance\":4,\"loop\":5,\"run\":500,\"sleep\":100}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(nr_picks, (int)ARRAY_SIZE(want));
	for (int i = 0; i < nr_picks; i++)
		if (picks[i] != want[i])
			FAIL_("pick %d: cpu %d, want %d", i, picks[i], want[i]);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static void noidle_update(s32 cpu, bool idle)
{
}

static s32 prev_select(struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	return prev_cpu; /* the default selection needs built-in idle tracking */
}

static void anycpu_offline(s32 cpu)
{
	struct cpumask all;

	cpumask_fill(&all, 4);
	for (int i = 0; i < 6; i++)
		pick(&all);
}

static void anycpu_online(s32 cpu)
{
}

TEST(scx_more_pick_any_cpu_without_builtin_idle_spreads_over_online_cpus)
{
	static const struct sched_ext_ops ops = {
		.select_cpu = prev_select, .enqueue = fifo_enqueue, .update_idle = noidle_update,
		.cpu_offline = anycpu_offline,
		.cpu_online = anycpu_online, .name = "anycpu2",
	};
	/* built-in idle is off: no claim, only the rotation; CPU 2 is already out of the mask */
	static const s32 want[] = { 1, 3, 0, 1, 3, 0 };
	struct srun r;

	nr_picks = 0;
	CHECK_EQ(srun(&r, "4", "{\"hotplug\":[{\"at_ms\":2,\"cpu\":2,\"online\":false}],"
			       "\"tasks\":{\"t\":{\"instance\":4,\"loop\":5,\"run\":500,\"sleep\":100}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(nr_picks, (int)ARRAY_SIZE(want));
	for (int i = 0; i < nr_picks; i++)
		if (picks[i] != want[i])
			FAIL_("pick %d: cpu %d, want %d", i, picks[i], want[i]);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- idle masks, SMT mask, test_and_clear, SCX_PICK_IDLE_CORE ---------------------------------- */

static s64 idle_res[16];
static int n_running_idle_bad, n_running_checked;

static u64 mask_word(const struct cpumask *m)
{
	return m->bits[0];
}

static s32 smt_init(void)
{
	struct cpumask all;
	s64 *r = idle_res;

	/* 1s2c2t: core 0 = CPUs {0, 2}, core 1 = {1, 3}; all idle at load */
	cpumask_fill(&all, 4);
	r[0] = mask_word(scx_bpf_get_idle_cpumask());
	r[1] = mask_word(scx_bpf_get_idle_smtmask());
	r[2] = scx_bpf_test_and_clear_cpu_idle(0);
	r[3] = scx_bpf_test_and_clear_cpu_idle(0);               /* already claimed */
	r[4] = mask_word(scx_bpf_get_idle_cpumask());             /* {1, 2, 3} */
	r[5] = mask_word(scx_bpf_get_idle_smtmask());             /* core 1 only */
	r[6] = scx_bpf_pick_idle_cpu(&all, SCX_PICK_IDLE_CORE);   /* a CPU of the idle core */
	r[7] = scx_bpf_pick_idle_cpu(&all, SCX_PICK_IDLE_CORE);   /* no idle core left */
	r[8] = scx_bpf_pick_idle_cpu(&all, 0);                    /* any idle CPU */
	r[9] = scx_bpf_test_and_clear_cpu_idle(3);
	r[10] = scx_bpf_pick_idle_cpu(&all, 0);                   /* nothing idle */
	r[11] = mask_word(scx_bpf_get_idle_cpumask());
	scx_bpf_put_idle_cpumask(scx_bpf_get_idle_cpumask());     /* no-op */
	return 0;
}

static void idle_running(struct task_struct *p)
{
	const struct cpumask *idle = scx_bpf_get_idle_cpumask();

	n_running_checked++;
	if (cpumask_test(idle, scx_bpf_task_cpu(p)))
		n_running_idle_bad++;
	scx_bpf_put_idle_cpumask(idle);
}

TEST(scx_more_idle_masks_smt_and_test_and_clear)
{
	static const struct sched_ext_ops ops = {
		.init = smt_init, .enqueue = fifo_enqueue, .running = idle_running, .name = "smt",
	};
	static const s64 want[12] = { 0xf, 0xf, 1, 0, 0xe, 0xa, 1, -EBUSY, 2, 1, -EBUSY, 0 };
	struct srun r;

	n_running_idle_bad = n_running_checked = 0;
	CHECK_EQ(srun(&r, "1s2c2t", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	for (int i = 0; i < 12; i++)
		if (idle_res[i] != want[i])
			FAIL_("step %d: got %lld (0x%llx), want %lld", i, (long long)idle_res[i],
			      (unsigned long long)idle_res[i], (long long)want[i]);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(n_running_checked > 100);
	CHECK_EQ(n_running_idle_bad, 0); /* a CPU running a task is never in the idle mask */
	srun_free(&r);
}

static s32 nosmt_init(void)
{
	s64 *r = idle_res;

	r[0] = mask_word(scx_bpf_get_idle_smtmask());
	r[1] = scx_bpf_test_and_clear_cpu_idle(1);
	r[2] = mask_word(scx_bpf_get_idle_smtmask()); /* without SMT: the idle CPU mask */
	r[3] = mask_word(scx_bpf_get_idle_cpumask());
	return 0;
}

TEST(scx_more_idle_smtmask_without_smt_is_the_idle_mask)
{
	static const struct sched_ext_ops ops = { .init = nosmt_init, .name = "nosmt" };
	struct srun r;

	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(idle_res[0], 3);
	CHECK_EQ(idle_res[1], 1);
	CHECK_EQ(idle_res[2], 1);
	CHECK_EQ(idle_res[3], 1);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static s32 badidle_init(void)
{
	scx_bpf_test_and_clear_cpu_idle(99);
	return 0;
}

TEST(scx_more_fail_test_and_clear_invalid_cpu)
{
	static const struct sched_ext_ops ops = { .init = badidle_init, .exit = cgfail_exit, .name = "badidle" };
	struct srun r;

	n_cg_exit_calls = 0;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "invalid CPU 99 in scx_bpf_test_and_clear_cpu_idle()");
	CHECK_EQ(n_cg_exit_calls, 1);
	CHECK_EQ(cg_exit_kind, SCX_EXIT_ERROR);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- online / possible masks follow hotplug ------------------------------------------------------ */

static u64 online_at_init, possible_at_init, online_at_offline, possible_at_offline, online_at_online;
static int n_hp_off, n_hp_on;

static s32 masks_init(void)
{
	online_at_init = mask_word(scx_bpf_get_online_cpumask());
	possible_at_init = mask_word(scx_bpf_get_possible_cpumask());
	return 0;
}

static void masks_offline(s32 cpu)
{
	const struct cpumask *on = scx_bpf_get_online_cpumask(), *pos = scx_bpf_get_possible_cpumask();

	n_hp_off++;
	online_at_offline = mask_word(on);
	possible_at_offline = mask_word(pos);
	scx_bpf_put_cpumask(on);
	scx_bpf_put_cpumask(pos);
}

static void masks_online(s32 cpu)
{
	n_hp_on++;
	online_at_online = mask_word(scx_bpf_get_online_cpumask());
}

TEST(scx_more_online_and_possible_masks_follow_hotplug)
{
	static const struct sched_ext_ops ops = {
		.init = masks_init, .enqueue = fifo_enqueue, .cpu_offline = masks_offline,
		.cpu_online = masks_online, .name = "masks",
	};
	struct srun r;

	n_hp_off = n_hp_on = 0;
	CHECK_EQ(srun(&r, "4", "{\"hotplug\":[{\"at_ms\":5,\"cpu\":2,\"online\":false},{\"at_ms\":30,\"cpu\":2,\"online\":true}],"
			       "\"tasks\":{\"t\":{\"instance\":4,\"loop\":40,\"run\":1000,\"sleep\":200}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_EQ(n_hp_off, 1);
	CHECK_EQ(n_hp_on, 1);
	CHECK_EQ(online_at_init, 0xf);
	CHECK_EQ(possible_at_init, 0xf);
	CHECK_EQ(online_at_offline, 0xb);   /* CPU 2 already out when ops.cpu_offline(2) runs */
	CHECK_EQ(possible_at_offline, 0xf); /* possible never changes */
	CHECK_EQ(online_at_online, 0xf);    /* and back in when ops.cpu_online(2) runs */
	/* outside any op: empty masks, no CPUs */
	CHECK(cpumask_empty(scx_bpf_get_online_cpumask()));
	CHECK(cpumask_empty(scx_bpf_get_possible_cpumask()));
	CHECK_EQ(scx_bpf_nr_cpu_ids(), 0);
	srun_free(&r);
}

/* ---- scx_bpf_task_running, scx_bpf_now --------------------------------------------------------- */

static int n_tr_tick, n_tr_enqueue, n_tr_stopping, n_tr_running, n_tr_quiescent, n_now_bad;
static u64 last_now;

static void now_check(void)
{
	u64 now = scx_bpf_now();

	if (now < last_now || now != scx_current_machine()->sim.now)
		n_now_bad++;
	last_now = now;
}

static void tr_expect(struct task_struct *p, bool want, int *n, const char *op)
{
	now_check();
	if (scx_bpf_task_running(p) != want)
		BAD("scx_bpf_task_running(%s) is %d in %s", p->comm, !want, op);
	(*n)++;
}

static void tr_tick(struct task_struct *p) { tr_expect(p, true, &n_tr_tick, "ops.tick"); }
static void tr_stopping(struct task_struct *p, bool runnable) { tr_expect(p, true, &n_tr_stopping, "ops.stopping"); }
/* ops.running runs while the CPU switches: rq->curr (on_cpu) is not p yet, as upstream */
static void tr_running(struct task_struct *p) { tr_expect(p, false, &n_tr_running, "ops.running"); }

static void tr_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (enq_flags & SCX_ENQ_WAKEUP)
		tr_expect(p, false, &n_tr_enqueue, "ops.enqueue at wake-up");
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL / 4, enq_flags);
}

static void tr_quiescent(struct task_struct *p, u64 deq_flags)
{
	/* a task going to sleep is still its CPU's current task */
	if (deq_flags & SCX_DEQ_SLEEP)
		tr_expect(p, true, &n_tr_quiescent, "ops.quiescent at sleep");
}

TEST(scx_more_task_running_and_now)
{
	static const struct sched_ext_ops ops = {
		.tick = tr_tick, .stopping = tr_stopping, .running = tr_running, .enqueue = tr_enqueue,
		.quiescent = tr_quiescent, .name = "taskrunning",
	};
	struct srun r;

	held_reset();
	n_tr_tick = n_tr_enqueue = n_tr_stopping = n_tr_running = n_tr_quiescent = n_now_bad = 0;
	last_now = 0;
	CHECK_EQ(srun(&r, "2", finite_mix, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_NO_BAD();
	CHECK(n_tr_tick > 10 && n_tr_enqueue > 10 && n_tr_stopping > 10 && n_tr_running > 10 &&
	      n_tr_quiescent > 10);
	CHECK_EQ(n_now_bad, 0);
	CHECK(last_now > 10 * NSEC_PER_MSEC);
	/* outside any op, and for no task */
	CHECK_EQ(scx_bpf_now(), 0);
	CHECK(!scx_bpf_task_running(NULL));
	CHECK_EQ(scx_bpf_task_cpu(NULL), -EINVAL);
	srun_free(&r);
}

/* ---- ops.tick every 1/HZ; a slice zeroed in it reschedules ------------------------------------ */

static int n_ticks, n_runs;
static bool tick_zeroes;

static void tk_tick(struct task_struct *p)
{
	n_ticks++;
	if (tick_zeroes)
		p->scx.slice = 0;
}

static void tk_running(struct task_struct *p)
{
	n_runs++;
}

TEST(scx_more_tick_every_hz_and_zero_slice_reschedules)
{
	static const struct sched_ext_ops ops = {
		.enqueue = fifo_enqueue, .tick = tk_tick, .running = tk_running, .name = "ticker",
	};
	const char *json = "{\"tasks\":{\"hog\":{\"instance\":2,\"loop\":1,\"run\":100000}}}";
	struct srun r;
	int runs_keep, runs_zero;

	n_ticks = n_runs = 0;
	tick_zeroes = false;
	CHECK_EQ(srun(&r, "1", json, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK(all_finished(r.m));
	/* 200 ms of work at HZ=1000 (plus switch costs): about 200 ticks; 20 ms slices: ~10 runs */
	if (n_ticks < 195 || n_ticks > 215)
		FAIL_("%d ticks for 200 ms busy at HZ 1000", n_ticks);
	runs_keep = n_runs;
	srun_free(&r);
	n_ticks = n_runs = 0;
	tick_zeroes = true;
	CHECK_EQ(srun(&r, "1", json, &ops, 10 * NSEC_PER_SEC), 0);
	CHECK(all_finished(r.m));
	runs_zero = n_runs;
	srun_free(&r);
	if (runs_keep > 15 || runs_zero < 150)
		FAIL_("runs with full slices %d, with slices zeroed at each tick %d", runs_keep, runs_zero);
}

/* ---- SCX_KICK_IDLE does not preempt a busy CPU; SCX_KICK_PREEMPT does ---------------------- */

static u64 kick_flags;
static int n_long_enqueues, n_kicks_sent;

static void ki_enqueue(struct task_struct *p, u64 enq_flags)
{
	bool is_long = !strcmp(p->comm, "long");

	n_long_enqueues += is_long;
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | (u64)scx_bpf_task_cpu(p),
			   is_long ? SCX_SLICE_INF : SCX_SLICE_DFL, enq_flags);
	if (enq_flags & SCX_ENQ_LAST) /* SCX_OPS_ENQ_LAST: the scheduler wakes the CPU itself */
		scx_bpf_kick_cpu(scx_bpf_task_cpu(p), 0);
}

static void ki_tick(struct task_struct *p)
{
	if (scx_bpf_task_cpu(p) == 0) {
		scx_bpf_kick_cpu(1, kick_flags);
		n_kicks_sent++;
	}
}

static int kick_run(u64 flags, struct srun *r)
{
	/* with SCX_OPS_ENQ_LAST a kicked-out task goes through ops.enqueue even when alone */
	static const struct sched_ext_ops ops = {
		.enqueue = ki_enqueue, .tick = ki_tick, .flags = SCX_OPS_ENQ_LAST, .name = "kickidle",
	};

	kick_flags = flags;
	n_long_enqueues = n_kicks_sent = 0;
	return srun(r, "2", "{\"tasks\":{\"long\":{\"cpus\":[1],\"loop\":1,\"run\":50000},"
			    "\"kicker\":{\"cpus\":[0],\"loop\":1,\"run\":40000}}}", &ops, 10 * NSEC_PER_SEC);
}

TEST(scx_more_kick_idle_does_not_preempt_a_busy_cpu)
{
	struct srun r;

	CHECK_EQ(kick_run(SCX_KICK_IDLE, &r), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(n_kicks_sent >= 35);
	CHECK_EQ(n_long_enqueues, 1);  /* tickless and never kicked out: enqueued once */
	srun_free(&r);
	CHECK_EQ(kick_run(SCX_KICK_PREEMPT, &r), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(n_long_enqueues >= 35); /* each preempting kick sends it through enqueue again */
	srun_free(&r);
}

TEST(scx_more_fail_kick_invalid_flags)
{
	struct srun r;

	CHECK_EQ(kick_run(SCX_KICK_WAIT << 1, &r), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "scx_bpf_kick_cpu(): invalid flags 0x8");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- SCX_DSQ_LOCAL_ON of an offline CPU goes to the global DSQ, silently ----------------- */

static int n_to_offline;

/* half the tasks to CPU 2's local DSQ, the others to the global DSQ */
static void spread_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (p->pid % 2) {
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL / 4, enq_flags);
		return;
	}
	if (!cpumask_test(scx_bpf_get_online_cpumask(), 2))
		n_to_offline++;
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | 2, SCX_SLICE_DFL / 4, enq_flags);
}

TEST(scx_more_local_on_offline_cpu_goes_global)
{
	static const struct sched_ext_ops ops = {
		.select_cpu = prev_select, .enqueue = spread_enqueue, .cpu_online = anycpu_online,
		.cpu_offline = dq_hotplug,
		.name = "offline_local",
	};
	struct srun r;

	n_to_offline = 0;
	CHECK_EQ(srun(&r, "4", "{\"hotplug\":[{\"at_ms\":5,\"cpu\":2,\"online\":false},{\"at_ms\":30,\"cpu\":2,\"online\":true}],"
			       "\"tasks\":{\"t\":{\"instance\":8,\"loop\":40,\"run\":1000,\"sleep\":200}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE); /* a hotplug race is not the scheduler's fault */
	CHECK(all_finished(r.m));
	CHECK(n_to_offline > 10);
	srun_free(&r);
}

/* ---- vtime order survives u64 wrap-around (time_before64 compare) ------------------------- */

#define WRAP_DSQ 7
static int n_wrap_checked;

static s32 wrap_init(void)
{
	return scx_bpf_create_dsq(WRAP_DSQ, -1);
}

static void wrap_dispatch(s32 cpu, struct task_struct *prev)
{
	struct task_struct *a, *b;

	if (scx_bpf_dsq_nr_queued(WRAP_DSQ) > 0) {
		scx_bpf_dsq_move_to_local(WRAP_DSQ);
		return;
	}
	if (nr_held < 2) {
		if (nr_held)
			scx_bpf_dsq_insert(held_pop(), SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
		return;
	}
	a = held_pop();
	b = held_pop();
	/* b's vtime is numerically smaller but 15 ns after a's once the counter wraps */
	scx_bpf_dsq_insert_vtime(b, WRAP_DSQ, SCX_SLICE_DFL, 5, 0);
	scx_bpf_dsq_insert_vtime(a, WRAP_DSQ, SCX_SLICE_DFL, ~0ULL - 9, 0);
	scx_bpf_dsq_move_to_local(WRAP_DSQ);
	expect_next = a;
}

static void wrap_running(struct task_struct *p)
{
	if (!expect_next)
		return;
	if (p != expect_next)
		BAD("%s (vtime %llu) ran before %s (vtime %llu)", p->comm, (unsigned long long)p->scx.dsq_vtime,
		    expect_next->comm, (unsigned long long)expect_next->scx.dsq_vtime);
	expect_next = NULL;
	n_wrap_checked++;
}

TEST(scx_more_vtime_order_across_wraparound)
{
	static const struct sched_ext_ops ops = {
		.init = wrap_init, .enqueue = hold_enqueue, .dispatch = wrap_dispatch,
		.running = wrap_running, .name = "wrap",
	};
	struct srun r;

	held_reset();
	expect_next = NULL;
	n_wrap_checked = 0;
	CHECK_EQ(srun(&r, "1", "{\"tasks\":{\"t\":{\"instance\":4,\"loop\":20,\"run\":1000,\"sleep\":200}}}",
		      &ops, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_NO_BAD();
	CHECK(n_wrap_checked >= 10);
	srun_free(&r);
}
