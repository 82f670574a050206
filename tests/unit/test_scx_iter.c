/*
 * test_scx_iter.c — the 6.12-6.18 kfuncs of src/scx/kfuncs_more.c driven by C schedulers on the
 * simulated machine: DSQ iterators (order in FIFO and vtime DSQs, SCX_DSQ_ITER_REV, tasks
 * queued after the start not visited, non-user DSQs), scx_bpf_dsq_move/_vtime with
 * set_slice/set_vtime and their 6.12 names, from ops.dispatch and from a sleepable op;
 * scx_bpf_cpuperf_*; scx_bpf_cpu_node and the per-node idle kfuncs; and a _fail test for
 * every ejection path (the message names the kfunc, the op and the value).
 *
 * Invariant of every test: it asserts what the callbacks saw (file-scope counters and a
 * sticky "bad" note, reset before the run), then that every finite task finished and no
 * machine invariant broke.
 */
#include <errno.h>
#include <stdlib.h>
#include "machine/machine_int.h"
#include "scx/scx_int.h"
#include "test.h"

#include "scx_harness.h"

/* 8 tasks on 2 CPUs: the DSQs hold several tasks at each dispatch */
static const char *busy_mix =
	"{\"tasks\":{\"w\":{\"instance\":6,\"loop\":20,\"run\":3000,\"sleep\":200},"
	"\"h\":{\"instance\":2,\"loop\":3,\"run\":20000}}}";

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

#define FIFO_DSQ 100
#define VT_DSQ 200
#define MAXQ 64

static int n_checked, n_moved, n_max_seen, n_moved_unlocked, n_stale_false;
static bool use_612_names;   /* the scx_bpf_dispatch_from_dsq* names */
static u64 vt_next;

static void reset(void)
{
	nr_bad = n_checked = n_moved = n_max_seen = n_moved_unlocked = n_stale_false = 0;
	use_612_names = false;
	vt_next = 1000000;
}

static s32 two_dsq_init(void)
{
	return scx_bpf_create_dsq(FIFO_DSQ, -1) ?: scx_bpf_create_dsq(VT_DSQ, 0);
}

/* even pids FIFO, odd pids by a vtime that decreases: vtime order differs from arrival */
static void two_dsq_enqueue(struct task_struct *p, u64 enq_flags)
{
	if (p->pid % 2)
		scx_bpf_dsq_insert_vtime(p, VT_DSQ, SCX_SLICE_DFL, vt_next -= 7, enq_flags);
	else
		scx_bpf_dsq_insert(p, FIFO_DSQ, SCX_SLICE_DFL, enq_flags);
}

/* The DSQ's own order (dsq.c), to compare the iterator with. */
static int dsq_order(u64 id, struct task_struct **out)
{
	struct scx_dsq *dsq = dsq_find_user(scx_current_machine()->scx, id);
	int n = 0;

	for (struct task_struct *p = dsq_first(dsq); p && n < MAXQ; p = dsq_next(dsq, p))
		out[n++] = p;
	return n;
}

static void check_order(u64 id)
{
	struct task_struct *want[MAXQ], *fwd[MAXQ], *rev[MAXQ], *p;
	struct bpf_iter_scx_dsq it;
	int n = dsq_order(id, want), nf = 0, nr = 0;

	if (bpf_iter_scx_dsq_new(&it, id, 0))
		BAD("iter_new(0x%llx) failed", (unsigned long long)id);
	while ((p = bpf_iter_scx_dsq_next(&it)) && nf < MAXQ)
		fwd[nf++] = p;
	bpf_iter_scx_dsq_destroy(&it);
	if (bpf_iter_scx_dsq_new(&it, id, SCX_DSQ_ITER_REV))
		BAD("iter_new(REV) failed");
	while ((p = bpf_iter_scx_dsq_next(&it)) && nr < MAXQ)
		rev[nr++] = p;
	bpf_iter_scx_dsq_destroy(&it);
	if (nf != n || nr != n || n != scx_bpf_dsq_nr_queued(id))
		BAD("dsq 0x%llx: %d queued, forward saw %d, reverse %d", (unsigned long long)id, n, nf, nr);
	for (int i = 0; i < n && i < nf && i < nr; i++) {
		if (fwd[i] != want[i] || rev[nr - 1 - i] != want[i])
			BAD("dsq 0x%llx: position %d differs", (unsigned long long)id, i);
		if (id == VT_DSQ && i && (s64)(fwd[i]->scx.dsq_vtime - fwd[i - 1]->scx.dsq_vtime) < 0)
			BAD("vtime order broken at %d", i);
	}
	n_max_seen = MAX(n_max_seen, n);
	n_checked++;
}

/* Move the first task of id that may run on cpu to the local DSQ with a 3 ms slice. */
static bool move_one(u64 id, s32 cpu)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	bool moved = false;

	bpf_iter_scx_dsq_new(&it, id, 0);
	while (!moved && (p = bpf_iter_scx_dsq_next(&it))) {
		if (!cpumask_test(&p->cpus_mask, cpu))
			continue;
		if (use_612_names) {
			scx_bpf_dispatch_from_dsq_set_slice(&it, 3000000);
			scx_bpf_dispatch_from_dsq_set_vtime(&it, 5);
			moved = scx_bpf_dispatch_from_dsq(&it, p, SCX_DSQ_LOCAL, 0);
		} else {
			scx_bpf_dsq_move_set_slice(&it, 3000000);
			moved = scx_bpf_dsq_move(&it, p, SCX_DSQ_LOCAL, 0);
		}
		if (!moved || p->scx.slice != 3000000 || p->scx.dsq != &cpu_rq(p->m, cpu)->scx.local)
			BAD("move of %s[%d]: moved %d slice %llu", p->comm, p->pid, moved,
			    (unsigned long long)p->scx.slice);
		if (use_612_names && p->scx.dsq_vtime != 5)
			BAD("set_vtime not applied");
		/* moved already: a second move of the same task does nothing */
		if (scx_bpf_dsq_move(&it, p, SCX_DSQ_GLOBAL, 0))
			BAD("second move of %s[%d] succeeded", p->comm, p->pid);
		else
			n_stale_false++;
	}
	bpf_iter_scx_dsq_destroy(&it);
	n_moved += moved;
	return moved;
}

static void two_dsq_dispatch(s32 cpu, struct task_struct *prev)
{
	check_order(FIFO_DSQ);
	check_order(VT_DSQ);
	if (!move_one(VT_DSQ, cpu))
		move_one(FIFO_DSQ, cpu);
}

TEST(scx_iter_order_rev_and_move_to_local)
{
	static const struct sched_ext_ops ops = {
		.init = two_dsq_init, .enqueue = two_dsq_enqueue, .dispatch = two_dsq_dispatch,
		.name = "iter_order",
	};
	struct srun r;

	for (int names = 0; names < 2; names++) {
		reset();
		use_612_names = names;
		CHECK_EQ(srun(&r, "2", busy_mix, &ops, 20 * NSEC_PER_SEC), 0);
		CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
		CHECK_NO_BAD();
		CHECK(n_checked > 50);
		CHECK(n_max_seen >= 2);
		CHECK(n_moved > 50);
		CHECK_EQ(n_stale_false, n_moved);
		CHECK(all_finished(r.m));
		srun_free(&r);
	}
}

/* Every visited task is moved to the tail of the same DSQ: re-queued tasks are not visited
 * again, so the loop ends after exactly the tasks queued at the start. The last one visited
 * goes to the local DSQ, by vtime through the vtime DSQ with set_vtime. */
static void requeue_dispatch(s32 cpu, struct task_struct *prev)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p, *last = NULL;
	s32 n0 = scx_bpf_dsq_nr_queued(FIFO_DSQ);
	int seen = 0;

	bpf_iter_scx_dsq_new(&it, FIFO_DSQ, 0);
	while ((p = bpf_iter_scx_dsq_next(&it))) {
		if (++seen > n0)
			break;
		if (!scx_bpf_dsq_move(&it, p, FIFO_DSQ, 0))
			BAD("move to the same DSQ failed");
		if (cpumask_test(&p->cpus_mask, cpu))
			last = p;
	}
	if (seen != n0)
		BAD("visited %d of %d", seen, n0);
	if (last && scx_bpf_dsq_move(&it, last, SCX_DSQ_LOCAL, 0))
		BAD("a task re-queued after the start was moved");
	bpf_iter_scx_dsq_destroy(&it);
	n_checked++;
	if (!last)
		return;
	bpf_iter_scx_dsq_new(&it, FIFO_DSQ, SCX_DSQ_ITER_REV);
	p = bpf_iter_scx_dsq_next(&it);
	if (p != last)
		BAD("reverse iteration does not start with the last re-queued task");
	if (p) {
		scx_bpf_dsq_move_set_vtime(&it, 42);
		if (!scx_bpf_dsq_move_vtime(&it, p, VT_DSQ, 0) || p->scx.dsq_vtime != 42)
			BAD("move_vtime to the vtime DSQ failed");
	}
	bpf_iter_scx_dsq_destroy(&it);
	bpf_iter_scx_dsq_new(&it, VT_DSQ, 0);
	while ((p = bpf_iter_scx_dsq_next(&it)))
		if (cpumask_test(&p->cpus_mask, cpu) && scx_bpf_dsq_move(&it, p, SCX_DSQ_LOCAL, 0)) {
			n_moved++;
			break;
		}
	bpf_iter_scx_dsq_destroy(&it);
}

static void fifo_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, FIFO_DSQ, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_iter_tasks_queued_after_start_are_not_visited)
{
	static const struct sched_ext_ops ops = {
		.init = two_dsq_init, .enqueue = fifo_enqueue, .dispatch = requeue_dispatch,
		.name = "iter_requeue",
	};
	struct srun r;

	reset();
	CHECK_EQ(srun(&r, "2", busy_mix, &ops, 20 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK_NO_BAD();
	CHECK(n_checked > 50);
	CHECK(n_moved > 50);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* From a sleepable op (ops.exit_task, no rq lock): move every queued task to another CPU's
 * local DSQ or the global DSQ. Non-user DSQs cannot be iterated (-ENOENT, no error). */
static void local_dispatch(s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(FIFO_DSQ);
}

static void unlocked_exit_task(struct task_struct *p, struct scx_exit_task_args *args)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *q;

	if (bpf_iter_scx_dsq_new(&it, SCX_DSQ_GLOBAL, 0) != -ENOENT || bpf_iter_scx_dsq_next(&it))
		BAD("the global DSQ was iterable");
	bpf_iter_scx_dsq_destroy(&it);
	if (bpf_iter_scx_dsq_new(&it, 12345, 0) != -ENOENT || bpf_iter_scx_dsq_next(&it))
		BAD("a missing DSQ was iterable");
	bpf_iter_scx_dsq_destroy(&it);
	bpf_iter_scx_dsq_new(&it, FIFO_DSQ, 0);
	while ((q = bpf_iter_scx_dsq_next(&it))) {
		u64 to = cpumask_test(&q->cpus_mask, 1) ? SCX_DSQ_LOCAL_ON | 1 : SCX_DSQ_GLOBAL;
		if (!scx_bpf_dsq_move(&it, q, to, 0))
			BAD("unlocked move failed");
		else if (q->scx.dsq != (to == SCX_DSQ_GLOBAL ? &p->m->scx->global : &cpu_rq(p->m, 1)->scx.local))
			BAD("moved to the wrong DSQ");
		else
			n_moved_unlocked++;
	}
	bpf_iter_scx_dsq_destroy(&it);
}

TEST(scx_iter_move_from_sleepable_op)
{
	static const struct sched_ext_ops ops = {
		.init = two_dsq_init, .enqueue = fifo_enqueue, .dispatch = local_dispatch,
		.exit_task = unlocked_exit_task, .name = "iter_unlocked",
	};
	struct srun r;

	reset();
	CHECK_EQ(srun(&r, "2", busy_mix, &ops, 20 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK_NO_BAD();
	CHECK(n_moved_unlocked > 0);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- _fail: each ejection path ---------------------------------------------------------- */

static int fail_case;

static void fail_dispatch(s32 cpu, struct task_struct *prev)
{
	struct bpf_iter_scx_dsq it, it2;
	struct task_struct *p;

	memset(&it2, 0, sizeof(it2));
	bpf_iter_scx_dsq_new(&it, FIFO_DSQ, 0);
	p = bpf_iter_scx_dsq_next(&it);
	switch (fail_case) {
	case 0: bpf_iter_scx_dsq_next(&it2); break;
	case 1: bpf_iter_scx_dsq_new(&it, FIFO_DSQ, 0); break;
	case 2: bpf_iter_scx_dsq_new(&it2, FIFO_DSQ, 0x1); break;
	case 3: if (p) scx_bpf_dsq_move(&it, p, SCX_DSQ_GLOBAL, 1ULL << 20); break;
	case 4: if (p) scx_bpf_dsq_move(&it, p, 777, 0); break;
	case 5: if (p) scx_bpf_dsq_move_vtime(&it, p, SCX_DSQ_GLOBAL, 0); break;
	case 6: scx_bpf_dsq_move(&it, NULL, SCX_DSQ_GLOBAL, 0); break;
	case 7: bpf_iter_scx_dsq_destroy(&it); scx_bpf_dsq_move_set_slice(&it, 1); return;
	case 8: bpf_iter_scx_dsq_destroy(&it); bpf_iter_scx_dsq_destroy(&it); return;
	case 9: if (p) scx_bpf_dsq_move(&it, p, SCX_DSQ_LOCAL_ON | 99, 0); break;
	}
	bpf_iter_scx_dsq_destroy(&it);
	scx_bpf_dsq_move_to_local(FIFO_DSQ);
}

static void move_in_enqueue(struct task_struct *p, u64 enq_flags)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *q;

	bpf_iter_scx_dsq_new(&it, FIFO_DSQ, 0);
	if ((q = bpf_iter_scx_dsq_next(&it)))
		scx_bpf_dsq_move(&it, q, SCX_DSQ_GLOBAL, 0);
	bpf_iter_scx_dsq_destroy(&it);
	scx_bpf_dsq_insert(p, FIFO_DSQ, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_iter_fail_each_bad_argument)
{
	static const char *const want[] = {
		"bpf_iter_scx_dsq_next(): iterator 0x",
		"bpf_iter_scx_dsq_new(): iterator 0x",
		"bpf_iter_scx_dsq_new(): invalid flags 0x1 for DSQ 0x64 from ops.dispatch()",
		"scx_bpf_dsq_move(): invalid enq_flags 0x100000 for ",
		"scx_bpf_dsq_move(): non-existent DSQ 0x309 for ",
		"scx_bpf_dsq_move_vtime(): vtime ordering is not allowed for built-in DSQ 0x8000000000000001 for ",
		"scx_bpf_dsq_move() called with a NULL task from ops.dispatch()",
		"scx_bpf_dsq_move_set_slice(): iterator 0x",
		"bpf_iter_scx_dsq_destroy(): iterator 0x",
		"scx_bpf_dsq_move(): invalid CPU in SCX_DSQ_LOCAL_ON 0xc000000000000063 for ",
	};
	static const struct sched_ext_ops ops = {
		.init = two_dsq_init, .enqueue = fifo_enqueue, .dispatch = fail_dispatch,
		.name = "iter_fail",
	};
	static const struct sched_ext_ops enq_ops = {
		.init = two_dsq_init, .enqueue = move_in_enqueue, .dispatch = local_dispatch,
		.name = "iter_fail_enq",
	};
	struct srun r;

	for (fail_case = 0; fail_case < (int)ARRAY_SIZE(want); fail_case++) {
		reset();
		CHECK_EQ(srun(&r, "2", busy_mix, &ops, 20 * NSEC_PER_SEC), 0);
		if (exit_kind(r.m) != SCX_EXIT_ERROR || !strstr(exit_msg(r.m), want[fail_case]))
			FAIL_("case %d: kind %d, msg \"%s\", want \"%s\"", fail_case, exit_kind(r.m),
			      exit_msg(r.m), want[fail_case]);
		CHECK(all_finished(r.m));
		srun_free(&r);
	}
	CHECK_EQ(srun(&r, "2", busy_mix, &enq_ops, 20 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "scx_bpf_dsq_move() called from ops.enqueue() (cpu ");
	CHECK_CONTAINS(exit_msg(r.m), "allowed only from ops.dispatch() and unlocked (sleepable) ops");
	CHECK(all_finished(r.m));
	srun_free(&r);
}

/* ---- cpuperf, cpu_node, per-node idle (from ops.init: every CPU idle) ---------------------- */

static s64 res[32];
static int nres;

static void rec(s64 v)
{
	if (nres < (int)ARRAY_SIZE(res))
		res[nres++] = v;
}

static u64 mask_bits(const struct cpumask *m)
{
	u64 v = 0;

	for (int c = 0; c < 64; c++)
		if (cpumask_test(m, c))
			v |= 1ULL << c;
	return v;
}

static s32 numa_init(void)
{
	const struct cpumask *all = scx_bpf_get_possible_cpumask();

	nres = 0;
	rec(scx_bpf_cpuperf_cap(0));
	rec(scx_bpf_cpuperf_cur(7));
	scx_bpf_cpuperf_set(1, 512);
	scx_bpf_cpuperf_set(2, 0);
	rec(scx_bpf_cpu_node(0));
	rec(scx_bpf_cpu_node(3));                       /* 2s2c2t: cpu 3 = socket 1 */
	rec(scx_bpf_cpu_node(6));
	rec(mask_bits(scx_bpf_get_idle_cpumask_node(1)));
	rec(mask_bits(scx_bpf_get_idle_smtmask_node(1)));
	rec(scx_bpf_pick_idle_cpu_node(all, 1, SCX_PICK_IDLE_CORE));   /* 2, core {2,6} */
	rec(mask_bits(scx_bpf_get_idle_cpumask_node(1)));
	rec(mask_bits(scx_bpf_get_idle_smtmask_node(1)));
	rec(scx_bpf_pick_idle_cpu_node(all, 1, SCX_PICK_IDLE_CORE));   /* 3, core {3,7} */
	rec(scx_bpf_pick_idle_cpu_node(all, 1, SCX_PICK_IDLE_CORE | SCX_PICK_IDLE_IN_NODE));
	rec(scx_bpf_pick_idle_cpu_node(all, 1, SCX_PICK_IDLE_IN_NODE)); /* 6 */
	rec(scx_bpf_pick_idle_cpu_node(all, 1, SCX_PICK_IDLE_IN_NODE)); /* 7 */
	rec(scx_bpf_pick_idle_cpu_node(all, 1, SCX_PICK_IDLE_IN_NODE)); /* none left */
	rec(scx_bpf_pick_idle_cpu_node(all, 1, 0));     /* node 0 next: its idle core 0 */
	rec(scx_bpf_pick_any_cpu_node(all, 1, SCX_PICK_IDLE_IN_NODE));  /* busy node: any of it */
	rec(scx_bpf_pick_any_cpu_node(all, 0, 0));      /* an idle CPU of node 0: core {1,5} */
	rec(scx_bpf_pick_idle_cpu_node(all, -1, 0));    /* NUMA_NO_NODE */
	rec(mask_bits(scx_bpf_get_idle_cpumask_node(-1)));
	rec(scx_bpf_pick_any_cpu_node(all, -1, 0));
	return 0;
}

static void global_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

TEST(scx_iter_cpuperf_and_numa_nodes)
{
	static const s64 want[] = {
		1024, 1024, 0, 1, 1, 0xcc, 0xcc, 2, 0xc8, 0x88, 3, -EBUSY, 6, 7, -EBUSY, 0,
		-1 /* 2 or 3: checked below */,
		5,       /* node 0's idle cores {1,5}: the pick rotates past the last one (2) */
		-ENOENT, 0, -ENOENT,
	};
	static const struct sched_ext_ops ops = {
		.init = numa_init, .enqueue = global_enqueue, .name = "numa",
		.flags = SCX_OPS_BUILTIN_IDLE_PER_NODE,
	};
	struct srun r;

	CHECK_EQ(srun(&r, "2s2c2t", busy_mix, &ops, 20 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK_EQ(nres, (int)ARRAY_SIZE(want));
	for (int i = 0; i < nres; i++)
		if (want[i] != -1 && res[i] != want[i])
			FAIL_("res[%d] = %lld, want %lld", i, (long long)res[i], (long long)want[i]);
	CHECK(res[16] == 2 || res[16] == 3);
	CHECK_EQ(scx_cpuperf_target(r.m, 1), 512);
	CHECK_EQ(scx_cpuperf_target(r.m, 2), 0);
	CHECK_EQ(scx_cpuperf_target(r.m, 0), SCX_CPUPERF_ONE);
	CHECK_EQ(scx_cpuperf_target(r.m, 99), SCX_CPUPERF_ONE);
	CHECK(all_finished(r.m));
	srun_free(&r);
}

static s32 perf_init(void)
{
	scx_bpf_cpuperf_set(0, 100);
	return 0;
}

/* A scheduler's cpuperf targets die with it: the next one (often at the same address) starts at full. */
TEST(scx_iter_cpuperf_targets_do_not_outlive_their_scheduler)
{
	static const struct sched_ext_ops setter = { .init = perf_init, .enqueue = global_enqueue, .name = "perf" };
	static const struct sched_ext_ops plain = { .enqueue = global_enqueue, .name = "plain" };
	struct srun r;

	for (int i = 0; i < 4; i++) {
		CHECK_EQ(srun(&r, "2", busy_mix, &setter, 20 * NSEC_PER_SEC), 0);
		CHECK_EQ(scx_cpuperf_target(r.m, 0), 100);
		srun_free(&r);
		CHECK_EQ(srun(&r, "2", busy_mix, &plain, 20 * NSEC_PER_SEC), 0);
		CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
		CHECK_EQ(scx_cpuperf_target(r.m, 0), SCX_CPUPERF_ONE);
		srun_free(&r);
	}
}

static int numa_fail_case;

static void numa_fail_dispatch(s32 cpu, struct task_struct *prev)
{
	const struct cpumask *all = scx_bpf_get_possible_cpumask();

	switch (numa_fail_case) {
	case 0: scx_bpf_cpuperf_set(0, 1025); break;
	case 1: scx_bpf_cpuperf_set(-1, 10); break;
	case 2: scx_bpf_cpuperf_cap(8); break;
	case 3: scx_bpf_cpuperf_cur(-3); break;
	case 4: scx_bpf_cpu_node(8); break;
	case 5: scx_bpf_get_idle_cpumask_node(2); break;
	case 6: scx_bpf_get_idle_smtmask_node(-2); break;
	case 7: scx_bpf_pick_idle_cpu_node(all, 5, 0); break;
	case 8: scx_bpf_pick_any_cpu_node(all, 0, 1ULL << 2); break;
	case 9: scx_bpf_pick_idle_cpu_node(NULL, 0, 0); break;
	case 10: scx_bpf_get_idle_cpumask_node(0); break;
	case 11: scx_bpf_pick_idle_cpu(all, 0); break;
	case 12: scx_bpf_get_idle_cpumask(); break;
	case 13: scx_bpf_pick_any_cpu(all, 0); break;
	case 14: scx_bpf_get_idle_smtmask(); break;
	}
}

static void noop_update_idle(s32 cpu, bool idle)
{
}

static s32 prev_select(struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	return prev_cpu;
}

TEST(scx_iter_fail_cpuperf_and_node_arguments)
{
	static const char *const want[] = {
		"scx_bpf_cpuperf_set(): invalid cpuperf target 1025 for CPU 0 from ops.dispatch() (at most 1024)",
		"invalid CPU -1 passed to scx_bpf_cpuperf_set() from ops.dispatch()",
		"invalid CPU 8 passed to scx_bpf_cpuperf_cap() from ops.dispatch()",
		"invalid CPU -3 passed to scx_bpf_cpuperf_cur() from ops.dispatch()",
		"invalid CPU 8 passed to scx_bpf_cpu_node() from ops.dispatch()",
		"scx_bpf_get_idle_cpumask_node(): invalid node 2 from ops.dispatch() (the machine has 2)",
		"scx_bpf_get_idle_smtmask_node(): invalid node -2 from ops.dispatch()",
		"scx_bpf_pick_idle_cpu_node(): invalid node 5 from ops.dispatch()",
		"scx_bpf_pick_any_cpu_node(): invalid flags 0x4 from ops.dispatch()",
		"scx_bpf_pick_idle_cpu_node() called with a NULL cpumask from ops.dispatch()",
	};
	static const char *const per_node_want[] = {
		"scx_bpf_pick_idle_cpu() from ops.dispatch(): per-node idle tracking is enabled (SCX_OPS_BUILTIN_IDLE_PER_NODE): use scx_bpf_pick_idle_cpu_node()",
		"scx_bpf_get_idle_cpumask() from ops.dispatch(): per-node idle tracking is enabled",
		"scx_bpf_pick_any_cpu() from ops.dispatch(): per-node idle tracking is enabled",
		"scx_bpf_get_idle_smtmask() from ops.dispatch(): per-node idle tracking is enabled",
	};
	static const struct sched_ext_ops ops = {
		.dispatch = numa_fail_dispatch, .enqueue = global_enqueue, .name = "numa_fail",
		.flags = SCX_OPS_BUILTIN_IDLE_PER_NODE,
	};
	static const struct sched_ext_ops no_flag = {
		.dispatch = numa_fail_dispatch, .enqueue = global_enqueue, .name = "numa_noflag",
	};
	static const struct sched_ext_ops no_idle = {
		.dispatch = numa_fail_dispatch, .enqueue = global_enqueue, .update_idle = noop_update_idle, .select_cpu = prev_select,
		.name = "numa_noidle", .flags = SCX_OPS_BUILTIN_IDLE_PER_NODE,
	};
	struct srun r;

	for (numa_fail_case = 0; numa_fail_case < (int)ARRAY_SIZE(want); numa_fail_case++) {
		if (srun(&r, "2s2c2t", busy_mix, &ops, 20 * NSEC_PER_SEC))
			fprintf(stderr, "  %s\n", r.err);
		if (exit_kind(r.m) != SCX_EXIT_ERROR || !strstr(exit_msg(r.m), want[numa_fail_case]))
			FAIL_("case %d: kind %d, msg \"%s\", want \"%s\"", numa_fail_case,
			      exit_kind(r.m), exit_msg(r.m), want[numa_fail_case]);
		CHECK(all_finished(r.m));
		srun_free(&r);
	}
	/* the global idle kfuncs refuse when per-node tracking is on */
	for (numa_fail_case = 11; numa_fail_case <= 14; numa_fail_case++) {
		CHECK_EQ(srun(&r, "2s2c2t", busy_mix, &ops, 20 * NSEC_PER_SEC), 0);
		if (exit_kind(r.m) != SCX_EXIT_ERROR || !strstr(exit_msg(r.m), per_node_want[numa_fail_case - 11]))
			FAIL_("case %d: kind %d, msg \"%s\"", numa_fail_case, exit_kind(r.m), exit_msg(r.m));
		CHECK(all_finished(r.m));
		srun_free(&r);
	}
	/* the _node kfuncs need SCX_OPS_BUILTIN_IDLE_PER_NODE */
	numa_fail_case = 10;
	CHECK_EQ(srun(&r, "2s2c2t", busy_mix, &no_flag, 20 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "scx_bpf_get_idle_cpumask_node() from ops.dispatch(): per-node idle tracking is disabled (set SCX_OPS_BUILTIN_IDLE_PER_NODE)");
	CHECK(all_finished(r.m));
	srun_free(&r);
	/* and it needs the built-in idle tracking: refused at load */
	CHECK(srun(&r, "2s2c2t", busy_mix, &no_idle, 20 * NSEC_PER_SEC) < 0);
	CHECK_CONTAINS(r.err, "numa_noidle: SCX_OPS_BUILTIN_IDLE_PER_NODE requires CPU idle selection enabled");
	srun_free(&r);
}

/* ---- the iterator's bytes are never trusted; the live-iterator limit ------------------------ */

static void scribble_dispatch(s32 cpu, struct task_struct *prev)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	int n = 0, want = scx_bpf_dsq_nr_queued(FIFO_DSQ);

	bpf_iter_scx_dsq_new(&it, FIFO_DSQ, 0);
	memset(&it, 0xa5, sizeof(it));         /* the scheduler's bytes: not the state */
	while ((p = bpf_iter_scx_dsq_next(&it)))
		if (++n == 1)
			memset(&it, 0, sizeof(it));
	bpf_iter_scx_dsq_destroy(&it);
	if (n != want)
		BAD("saw %d of %d after scribbling on the iterator", n, want);
	n_checked++;
	scx_bpf_dsq_move_to_local(FIFO_DSQ);
}

TEST(scx_iter_state_ignores_the_iterator_bytes)
{
	static const struct sched_ext_ops ops = {
		.init = two_dsq_init, .enqueue = fifo_enqueue, .dispatch = scribble_dispatch,
		.name = "iter_scribble",
	};
	struct bpf_iter_scx_dsq it;
	struct srun r;

	reset();
	CHECK_EQ(srun(&r, "2", busy_mix, &ops, 20 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_NONE);
	CHECK_NO_BAD();
	CHECK(n_checked > 50);
	CHECK(all_finished(r.m));
	srun_free(&r);
	/* outside any callback: neutral values, nothing ejected, nothing kept */
	CHECK_EQ(bpf_iter_scx_dsq_new(&it, FIFO_DSQ, 0), -EINVAL);
	CHECK(!bpf_iter_scx_dsq_next(&it));
	bpf_iter_scx_dsq_destroy(&it);
	CHECK(!scx_bpf_dsq_move(&it, NULL, SCX_DSQ_GLOBAL, 0));
	CHECK_EQ(scx_bpf_cpuperf_cap(-1), SCX_CPUPERF_ONE);
	CHECK_EQ(scx_bpf_cpu_node(0), -1);
	CHECK_EQ(scx_bpf_pick_any_cpu_node(NULL, 0, 0), -EBUSY);
}

static void many_dispatch(s32 cpu, struct task_struct *prev)
{
	static struct bpf_iter_scx_dsq its[65];
	int i;

	for (i = 0; i < 65; i++)
		if (bpf_iter_scx_dsq_new(&its[i], FIFO_DSQ, 0) == -ENOSPC)
			break;
	n_checked = i;
	for (int k = 0; k < i; k++)
		bpf_iter_scx_dsq_destroy(&its[k]);
}

TEST(scx_iter_fail_too_many_live_iterators)
{
	static const struct sched_ext_ops ops = {
		.init = two_dsq_init, .enqueue = fifo_enqueue, .dispatch = many_dispatch,
		.name = "iter_many",
	};
	struct srun r;

	reset();
	CHECK_EQ(srun(&r, "2", busy_mix, &ops, 20 * NSEC_PER_SEC), 0);
	CHECK_EQ(exit_kind(r.m), SCX_EXIT_ERROR);
	CHECK_CONTAINS(exit_msg(r.m), "bpf_iter_scx_dsq_new(): more than 64 live DSQ iterators from ops.dispatch()");
	CHECK_EQ(n_checked, 64);
	CHECK(all_finished(r.m));
	srun_free(&r);
}
