/*
 * test_bpf_timer.c — BPF timers (src/kfunc/timer.c) through tests/bpf/timer_sched.bpf.c: a
 * pinned periodic timer fires on its CPU at exact simulated times and re-arms itself; every
 * error return of bpf_timer_init/set_callback/start/cancel; a callback that cancels itself and
 * deletes its own element; a faulting callback and a callback calling a dispatch-only kfunc
 * (the scheduler is ejected, tasks finish on fair); a timer of the wrong map (load fails);
 * timers stop with the scheduler. Also runs scxsim's central scheduler, whose preemption clock
 * is a BPF timer.
 */
#include <errno.h>
#include "machine/machine_int.h"
#include "ebpf/runtime/rt_int.h"
#include "scxsim/bpf_sched.h"
#include "test.h"

#include "bpf_harness.h"

static const char *wl_busy =
	"{\"tasks\":{\"w\":{\"instance\":4,\"loop\":20,\"run\":300,\"sleep\":500}}}";

static s64 global_s64(struct bpf_sched *s, const char *name)
{
	return (s64)global_u64(s, name);
}

static int trun(struct brun *r, const char *knobs, u64 dur)
{
	int e = brun_start(r, "2", wl_busy, "timer_sched", knobs);

	return e ? e : machine_run(r->m, dur);
}

TEST(bpf_timer_pinned_periodic_fires_on_time)
{
	struct brun r;

	CHECK_EQ(trun(&r, "mode=0,nr_rearm=5", 50 * NSEC_PER_MSEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK_EQ(global_u64(r.s, "nr_fired"), 5);
	CHECK_EQ(global_u64(r.s, "first_ns"), 1 * NSEC_PER_MSEC);
	CHECK_EQ(global_u64(r.s, "last_ns"), 5 * NSEC_PER_MSEC);
	CHECK_EQ(global_u64(r.s, "last_cpu"), 0);
	CHECK_EQ(global_u64(r.s, "bad_cpu"), 0);
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_timer_error_returns_as_the_kernel)
{
	struct brun r;

	CHECK_EQ(trun(&r, "mode=1,nr_rearm=2", 50 * NSEC_PER_MSEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK_EQ(global_s64(r.s, "r_uninit"), -EINVAL);
	CHECK_EQ(global_s64(r.s, "r_clock"), -EINVAL);
	CHECK_EQ(global_s64(r.s, "r_busy"), -EBUSY);
	CHECK_EQ(global_s64(r.s, "r_nocb"), -EINVAL);
	CHECK_EQ(global_s64(r.s, "r_flags"), -EINVAL);
	CHECK_EQ(global_s64(r.s, "r_cancel_idle"), 0);
	CHECK_EQ(global_s64(r.s, "r_cancel_pending"), 1);
	CHECK_EQ(global_s64(r.s, "r_abs"), 0);
	/* the absolute start fires at 3 ms, its callback re-arms once (1 ms later) */
	CHECK_EQ(global_u64(r.s, "first_ns"), 3 * NSEC_PER_MSEC);
	CHECK_EQ(global_u64(r.s, "nr_fired"), 2);
	CHECK_EQ(global_u64(r.s, "last_ns"), 4 * NSEC_PER_MSEC);
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_timer_callback_cancels_itself_and_deletes_its_element)
{
	struct brun r;

	CHECK_EQ(trun(&r, "mode=2", 50 * NSEC_PER_MSEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK_EQ(global_u64(r.s, "nr_fired"), 1);
	CHECK_EQ(global_s64(r.s, "r_self_cancel"), -EDEADLK);
	CHECK_EQ(global_s64(r.s, "r_delete"), 0);
	CHECK_EQ(rt_timer_nr_pending(r.s), 0);
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_timer_fail_faulting_callback_ejects)
{
	struct brun r;
	const struct scx_exit_info *ei;

	CHECK_EQ(trun(&r, "mode=3", 50 * NSEC_PER_MSEC), 0);
	ei = machine_scx_exit_info(r.m);
	CHECK_EQ(ei->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(ei->msg, "bpf_timer callback null_cb(): ");
	CHECK_CONTAINS(ei->msg, "invalid read of 8 bytes at 0x0 (null)");
	CHECK_CONTAINS(ei->msg, "timer_sched.bpf.c:");
	CHECK_EQ(global_u64(r.s, "nr_fired"), 1);
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_timer_fail_dispatch_kfunc_from_callback_ejects)
{
	struct brun r;
	const struct scx_exit_info *ei;

	CHECK_EQ(trun(&r, "mode=5", 50 * NSEC_PER_MSEC), 0);
	ei = machine_scx_exit_info(r.m);
	CHECK_EQ(ei->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(ei->msg, "bpf_timer callback wrong_ctx_cb(): ");
	CHECK_CONTAINS(ei->msg, "scx_bpf_dsq_move_to_local");
	CHECK_EQ(global_u64(r.s, "nr_fired"), 1);
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_timer_fail_timer_of_another_map)
{
	struct brun r;
	const struct scx_exit_info *ei;

	/* the program is stopped in ops.init: attached, then ejected at once */
	CHECK_EQ(trun(&r, "mode=4", 50 * NSEC_PER_MSEC), 0);
	ei = machine_scx_exit_info(r.m);
	CHECK_EQ(ei->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(ei->msg, "bpf_timer_init(): argument 1");
	CHECK_CONTAINS(ei->msg, "map 'thash'");
	CHECK(all_finished(r.m));
	brun_free(&r);
}

/* a relative expiry that would overflow simulated time saturates: the timer never fires */
TEST(bpf_timer_huge_relative_start_never_fires)
{
	struct brun r;

	CHECK_EQ(trun(&r, "mode=6", 50 * NSEC_PER_MSEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK_EQ(global_u64(r.s, "nr_fired"), 1);
	CHECK_EQ(rt_timer_nr_pending(r.s), 1);
	CHECK(all_finished(r.m));
	brun_free(&r);
}

/* re-armed with 0 ns from its own callback: the next run is 1 us later, time moves on */
TEST(bpf_timer_zero_rearm_from_callback_moves_on)
{
	struct brun r;

	CHECK_EQ(trun(&r, "mode=7,nr_rearm=100", 50 * NSEC_PER_MSEC), 0);
	CHECK_EQ(global_u64(r.s, "nr_fired"), 100);
	CHECK_EQ(global_u64(r.s, "first_ns"), NSEC_PER_MSEC);
	CHECK_EQ(global_u64(r.s, "last_ns"), NSEC_PER_MSEC + 99 * 1000);
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_timer_stops_with_the_scheduler)
{
	struct brun r;

	/* re-arms every 1 ms for ever; SysRq-S at 10.5 ms ejects the scheduler */
	CHECK_EQ(brun_start(&r, "2", wl_busy, "timer_sched", "mode=0,nr_rearm=1000000"), 0);
	machine_sysrq_at(r.m, 10 * NSEC_PER_MSEC + 500 * NSEC_PER_USEC);
	CHECK_EQ(machine_run(r.m, 30 * NSEC_PER_MSEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_SYSRQ);
	CHECK_EQ(global_u64(r.s, "nr_fired"), 10);
	CHECK_EQ(rt_timer_nr_pending(r.s), 0);
	CHECK(all_finished(r.m));
	brun_free(&r);
}
