/*
 * test_bpf_iter.c — the 6.12-6.18 kfuncs through BPF (tests/bpf/iter_sched.bpf.c): DSQ
 * iterators with bpf_for_each(scx_dsq, ...) forward and reversed, scx_bpf_dsq_move with
 * set_slice (the 6.12 names and upstream's __COMPAT_ wrappers with set_vtime), cpuperf, cpu_node and the per-node idle
 * kfuncs from ops.init; then each fail_mode knob, which must eject the scheduler with a
 * message naming the kfunc and the op (and the program and source line when the adapter
 * stops the program). Asserts what the program recorded in its globals, then that every
 * task finished. BPF objects come from $SCXSIM_TEST_BPF_DIR or build/tests/bpf.
 */
#include <errno.h>
#include <stdlib.h>
#include "machine/machine_int.h"
#include "scxsim/bpf_sched.h"
#include "test.h"

#include "bpf_harness.h"

/* Build the machine, open/knob/load/attach iter_sched, run. 0 or the failing stage (<0). */
static int brun(struct brun *r, const char *topo, const char *wl, const char *knobs, u64 dur)
{
	int e = brun_start(r, topo, wl, "iter_sched", knobs);

	return e ? e : machine_run(r->m, dur);
}

static const char *busy_mix =
	"{\"tasks\":{\"w\":{\"instance\":16,\"loop\":20,\"run\":3000,\"sleep\":200},"
	"\"h\":{\"instance\":2,\"loop\":3,\"run\":20000}}}";

#define RUN(r, knobs)                                                                      \
	do {                                                                               \
		int e_ = brun((r), "2s2c2t", busy_mix, (knobs), 20 * NSEC_PER_SEC);         \
		if (e_) {                                                                  \
			fprintf(stderr, "  failed at stage %d: %s\n", e_, (r)->err[0] ?    \
				(r)->err : bpf_sched_errmsg((r)->s));                      \
			brun_free(r);                                                      \
			CHECK_EQ(e_, 0);                                                   \
		}                                                                          \
	} while (0)

TEST(bpf_iter_walk_and_move_through_bpf)
{
	static const s64 want[9] = {
		1024, 0, 1,      /* cpuperf_cur, cpu_node(0), cpu_node(3) */
		402,             /* node 1 idle: 4 CPUs, first 2 */
		4,               /* node 0 idle SMT mask: both cores */
		2, 4, -ENOENT,   /* pick_idle_cpu_node(1, IN_NODE), pick_any_cpu_node(0): node 0's
				  * idle cores rotate past 2 (cpumask_any_and_distribute), node -1 */
		111,             /* bpf_ksym_exists of move, iter_new, dispatch_from_dsq */
	};
	static const char *const knobs[] = { NULL, "use_612=1", "use_compat=1" };
	struct brun r;
	s64 *res;

	for (size_t k = 0; k < ARRAY_SIZE(knobs); k++) {
		RUN(&r, knobs[k]);
		CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
		res = bpf_sched_global(r.s, "init_res", NULL);
		CHECK(res);
		for (int i = 0; i < 9; i++)
			if (res[i] != want[i])
				FAIL_("init_res[%d] = %lld, want %lld", i, (long long)res[i], (long long)want[i]);
		if (global_u64(r.s, "nr_bad"))
			FAIL_("%llu bad observations, first at iter_sched.bpf.c:%u",
			      (unsigned long long)global_u64(r.s, "nr_bad"),
			      *(u32 *)bpf_sched_global(r.s, "bad_line", NULL));
		CHECK(global_u64(r.s, "n_dispatch") > 50);
		CHECK(global_u64(r.s, "n_moved") > 50);
		CHECK(global_u64(r.s, "n_visited_max") >= 2);
		CHECK_EQ(global_u64(r.s, "n_second_false"), global_u64(r.s, "n_moved"));
		CHECK_EQ(scx_cpuperf_target(r.m, 0), 512);
		CHECK(all_finished(r.m));
		brun_free(&r);
	}
}

TEST(bpf_iter_fail_each_misuse)
{
	static const char *const knobs[] = {
		"fail_mode=1", "fail_mode=2", "fail_mode=3", "fail_mode=4", "fail_mode=5", "fail_mode=6",
	};
	static const char *const want[][2] = {
		{ "bpf_iter_scx_dsq_next(): iterator 0x", "was not initialized by bpf_iter_scx_dsq_new()" },
		{ "scx_bpf_dsq_move(): invalid enq_flags 0x100000 for ", "from ops.dispatch()" },
		{ "scx_bpf_cpuperf_set(): invalid cpuperf target 2000 for CPU ", "(at most 1024)" },
		{ "scx_bpf_pick_idle_cpu_node(): invalid node 9 from ops.dispatch()", "iter_sched.bpf.c:" },
		{ "bpf_iter_scx_dsq_next(): argument 1: 48 bytes at 0x0", "iter_dispatch" },
		{ "scx_bpf_dsq_move() called from ops.enqueue()", "allowed only from ops.dispatch()" },
	};
	struct brun r;

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		const struct scx_exit_info *ei;

		RUN(&r, knobs[i]);
		ei = machine_scx_exit_info(r.m);
		if (ei->kind != SCX_EXIT_ERROR || !strstr(ei->msg, want[i][0]) || !strstr(ei->msg, want[i][1]))
			FAIL_("%s: kind %d, msg \"%s\"", knobs[i], ei->kind, ei->msg);
		CHECK(all_finished(r.m));
		brun_free(&r);
	}
}
