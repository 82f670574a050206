/*
 * test_bpf_more.c — the BPF path of the features test_scx_more.c proves with C schedulers:
 * tests/bpf/more_ops.bpf.c (upstream names: dequeue on hotplug, wake/enqueue flags, dispatch
 * slots and cancel, SCX_ENQ_HEAD, idle/SMT/online/possible masks read from BPF, pick_idle /
 * pick_any / test_and_clear, DSQ create/destroy/count, task_running, now) and
 * tests/bpf/more_v3.bpf.c (v3 names: prep_enable, cancel_enable, ops.consume,
 * scx_bpf_dispatch / scx_bpf_dispatch_vtime / scx_bpf_consume). Each asserts what the
 * programs recorded in their globals while the machine ran, then that nothing was lost.
 * BPF objects come from $SCXSIM_TEST_BPF_DIR or build/tests/bpf.
 */
#include <errno.h>
#include <stdlib.h>
#include "machine/machine_int.h"
#include "scxsim/bpf_map.h"
#include "scxsim/bpf_sched.h"
#include "test.h"

#include "bpf_harness.h"

static const char *ops_wl =
	"{\"hotplug\":[{\"at_ms\":5,\"cpu\":1,\"online\":false},{\"at_ms\":40,\"cpu\":1,\"online\":true}],"
	"\"tasks\":{\"e\":{\"policy\":\"SCHED_EXT\",\"instance\":4,\"loop\":5,\"run\":1000,\"sleep\":100},"
	"\"ticker\":{\"cpus\":[0],\"loop\":200,\"run\":100,\"sleep\":500}}}";

TEST(bpf_more_init_kfuncs_from_bpf)
{
	static const s64 want[24] = {
		0, -EEXIST, -EINVAL, 0, -ENOENT, 0,      /* create / destroy / count */
		4, 0xf, 0xf,                             /* nr_cpu_ids, possible, online */
		0xf, 0xf, 1, 0, 0xe, 0xa,                /* idle, SMT, test_and_clear twice, masks */
		1, -EBUSY,                               /* pick_idle_cpu(SCX_PICK_IDLE_CORE) twice */
		2, 3, 0, 1,                              /* pick_any_cpu: idle ones, then the rotation
							  * (cpumask_any_distribute) goes on past 3 */
		0, 0, 4,                                 /* idle mask empty, now, weight(possible) */
	};
	struct brun r;
	size_t sz = 0;
	s64 *res;

	START(&r, "1s2c2t", ops_wl, "more_ops", NULL);
	res = bpf_sched_global(r.s, "init_res", &sz);
	CHECK(res && sz == 32 * sizeof(s64));
	for (int i = 0; i < 24; i++)
		if (res[i] != want[i])
			FAIL_("init_res[%d] = %lld, want %lld", i, (long long)res[i], (long long)want[i]);
	brun_free(&r);
}

TEST(bpf_more_ops_dequeue_flags_slots_head)
{
	struct brun r;

	START(&r, "1s2c2t", ops_wl, "more_ops", NULL);
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	if (machine_scx_exit_info(r.m)->kind != SCX_EXIT_NONE)
		FAIL_("exit %s: %s", scx_exit_kind_name(machine_scx_exit_info(r.m)->kind),
		      machine_scx_exit_info(r.m)->msg);
	CHECK(all_finished(r.m));
	if (global_u64(r.s, "nr_bad"))
		FAIL_("%llu bad observations, first at more_ops.bpf.c:%u", (unsigned long long)global_u64(r.s, "nr_bad"),
		      *(u32 *)bpf_sched_global(r.s, "bad_line", NULL));
	/* ops.dequeue: the four tasks held on CPU 1 when it went offline at 5 ms */
	CHECK_EQ(global_u64(r.s, "n_dequeue"), 4);
	CHECK_EQ(global_u64(r.s, "dequeue_at"), 5 * NSEC_PER_MSEC);
	CHECK_EQ(global_u64(r.s, "dequeue_flags"), 0);
	CHECK_EQ(global_u64(r.s, "n_quiescent_move"), 4);
	CHECK(global_u64(r.s, "n_quiescent_sleep") >= 20);
	CHECK(global_u64(r.s, "first_insert_at") >= 10 * NSEC_PER_MSEC);
	/* wake flags and enqueue flags through the trampolines */
	CHECK_EQ(global_u64(r.s, "n_fork"), 4);
	CHECK_EQ(global_u64(r.s, "n_ttwu"), 20);
	CHECK_EQ(global_u64(r.s, "n_sync"), 0);
	CHECK_EQ(global_u64(r.s, "n_enq_first_wakeup"), 0);
	CHECK_EQ(global_u64(r.s, "n_enq_selected"), 24);
	/* hotplug callbacks read the masks */
	CHECK_EQ(global_u64(r.s, "n_offline"), 1);
	CHECK_EQ(global_u64(r.s, "n_online"), 1);
	CHECK_EQ(global_u64(r.s, "online_at_offline_w"), 3);
	CHECK_EQ(global_u64(r.s, "online_at_offline_has1"), 0);
	CHECK_EQ(global_u64(r.s, "possible_at_offline_w"), 4);
	/* dispatch rounds: insert-insert-cancel and SCX_ENQ_HEAD, each followed by the right run */
	CHECK(global_u64(r.s, "n_cancel_rounds") >= 2);
	CHECK(global_u64(r.s, "n_head_rounds") >= 2);
	CHECK_EQ(global_u64(r.s, "n_head_checked"), global_u64(r.s, "n_cancel_rounds") + global_u64(r.s, "n_head_rounds"));
	CHECK(global_u64(r.s, "n_tick") > 0 && global_u64(r.s, "n_stopping") > 0 && global_u64(r.s, "n_running") > 0);
	brun_free(&r);
}

/* ---- more_v3: the seed patchset's names ------------------------------------------------------ */

static const char *v3_wl =
	"{\"tasks\":{\"e\":{\"policy\":\"SCHED_EXT\",\"instance\":4,\"loop\":1,\"run\":1000},"
	"\"o\":{\"loop\":3,\"run\":1000,\"sleep\":100},"
	"\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":10,\"loop\":3,\"run\":300,\"sleep\":1000}}}";

static void v3_common(int *test_failed_, struct brun *r)
{
	s32 *pids;

	CHECK_EQ(machine_run(r->m, 10 * NSEC_PER_SEC), 0);
	if (machine_scx_exit_info(r->m)->kind != SCX_EXIT_NONE) /* scx_bpf_consume() from ops.consume() */
		FAIL_("exit %s: %s", scx_exit_kind_name(machine_scx_exit_info(r->m)->kind),
		      machine_scx_exit_info(r->m)->msg);
	CHECK(all_finished(r->m));
	CHECK_EQ(global_u64(r->s, "n_prep"), 6);    /* every task is prepared ... */
	CHECK_EQ(global_u64(r->s, "n_enable"), 4);  /* ... the four SCHED_EXT ones enabled ... */
	CHECK_EQ(global_u64(r->s, "n_disable"), 4);
	CHECK_EQ(global_u64(r->s, "n_cancel"), 2);  /* ... the others cancelled when they exit */
	CHECK_EQ(global_u64(r->s, "n_cg_bad"), 0);
	pids = bpf_sched_global(r->s, "cancelled_pids", NULL);
	CHECK(pids);
	/* the two never-enabled tasks, in the order they exited */
	CHECK(pids[0] != pids[1]);
	for (int i = 0; i < 2; i++)
		CHECK(pids[i] == by_comm(r->m, "o")->pid || pids[i] == by_comm(r->m, "rt")->pid);
	CHECK(global_u64(r->s, "n_consumed") >= 4);
	CHECK(global_u64(r->s, "n_consume_op") >= global_u64(r->s, "n_consumed"));
	CHECK(global_u64(r->s, "n_running_ext") >= 4);
}

TEST(bpf_more_v3_prep_cancel_enable_and_consume)
{
	struct brun r;

	START(&r, "1", v3_wl, "more_v3", NULL);
	v3_common(test_failed_, &r);
	brun_free(&r);
}

TEST(bpf_more_v3_dispatch_vtime_orders_by_vtime)
{
	struct brun r;

	START(&r, "1", v3_wl, "more_v3", "vt=1");
	v3_common(test_failed_, &r);
	CHECK_EQ(global_u64(r.s, "n_vt_value_bad"), 0);  /* scx_bpf_dispatch_vtime() set p->scx.dsq_vtime */
	CHECK_EQ(global_u64(r.s, "n_vt_order_bad"), 0);  /* and the four ran lowest vtime first */
	brun_free(&r);
}

/* ---- more_notify: notification ops and their arguments -------------------------------------- */

static const char *notify_wl =
	"{\"cgroups\":{\"/g\":{\"weight\":300}},"
	"\"tasks\":{\"y\":{\"loop\":10,\"run\":100,\"yield\":\"\"},"
	"\"nice\":{\"priority\":-5,\"loop\":3,\"phases\":{\"a\":{\"cpus\":[0],\"run\":1000},"
	"\"b\":{\"cpus\":[1],\"run\":1000,\"sleep\":100}}},"
	"\"c1\":{\"core_cookie\":1,\"instance\":2,\"loop\":10,\"run\":3000},"
	"\"c2\":{\"core_cookie\":2,\"instance\":2,\"loop\":10,\"run\":3000},"
	"\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":20,\"loop\":10,\"run\":500,\"sleep\":3000},"
	"\"keepout\":{\"policy\":\"SCHED_EXT\",\"loop\":5,\"run\":1000,\"sleep\":100},"
	"\"g\":{\"taskgroup\":\"/g\",\"instance\":2,\"loop\":20,\"run\":500,\"sleep\":100},"
	"\"spin\":{\"run\":1000}}}";

/* scheds/include/scx/user_exit_info.h: struct user_exit_info as the BPF side lays it out */
struct uei {
	int kind;
	s64 exit_code;
	char reason[128];
	char msg[1024];
};

TEST(bpf_more_notify_ops_and_their_arguments)
{
	struct brun r;
	struct task_struct *k;
	struct uei *uei;

	START(&r, "1s2c2t", notify_wl, "more_notify", NULL);
	machine_sysrq_at(r.m, 100 * NSEC_PER_MSEC);
	CHECK_EQ(machine_run(r.m, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_SYSRQ);
	CHECK(all_finished(r.m));
	if (global_u64(r.s, "nr_bad"))
		FAIL_("%llu bad observations, first at more_notify.bpf.c:%u", (unsigned long long)global_u64(r.s, "nr_bad"),
		      *(u32 *)bpf_sched_global(r.s, "bad_line", NULL));
	CHECK_EQ(global_u64(r.s, "n_yield"), 10);                 /* one per workload yield, to == NULL */
	CHECK(global_u64(r.s, "n_csb") > 0);                      /* cookies 1 and 2 contest SMT siblings */
	CHECK(global_u64(r.s, "n_set_cpumask") >= 5);             /* nice's phases flip its affinity */
	CHECK(global_u64(r.s, "n_update_idle_on") > 0 && global_u64(r.s, "n_update_idle_off") > 0);
	CHECK_EQ(global_u64(r.s, "n_init_task"), 11);             /* every task ... */
	CHECK_EQ(global_u64(r.s, "n_disallowed"), 1);
	CHECK_EQ(global_u64(r.s, "n_enable"), 9);                 /* ... but rt and keepout join ext */
	CHECK_EQ(global_u64(r.s, "n_set_weight"), 9);
	CHECK_EQ(global_u64(r.s, "n_disable"), 9);                /* at exit or at the sysrq */
	CHECK_EQ(global_u64(r.s, "n_exit_task"), 11);
	CHECK(global_u64(r.s, "n_release_rt") > 0);               /* the rt task took CPUs ... */
	CHECK(global_u64(r.s, "n_release_fair") > 0);             /* so did keepout, on fair */
	CHECK_EQ(global_u64(r.s, "n_release"), global_u64(r.s, "n_release_rt") + global_u64(r.s, "n_release_fair"));
	CHECK(global_u64(r.s, "n_acquire") > 0);                  /* ... and gave them back */
	CHECK(global_u64(r.s, "n_reenq_ret") > 0);                /* cpu_release re-enqueued tasks ... */
	CHECK_EQ(global_u64(r.s, "n_reenq_enq"), global_u64(r.s, "n_reenq_ret")); /* ... each seen with REENQ */
	CHECK(global_u64(r.s, "n_task_cgroup") > 0);
	CHECK_EQ(global_u64(r.s, "n_cgroup_init"), 2);            /* / and /g at load ... */
	CHECK_EQ(global_u64(r.s, "n_cgroup_exit"), 2);            /* ... and at the sysrq */
	CHECK_EQ(*(s64 *)bpf_sched_global(r.s, "exit_kind", NULL), SCX_EXIT_SYSRQ);
	uei = bpf_sched_global(r.s, "uei", NULL);
	CHECK(uei);
	CHECK_EQ(uei->kind, SCX_EXIT_SYSRQ);               /* UEI_RECORD in ops.exit */
	CHECK_STR(uei->reason, "disabled by sysrq-S");
	CHECK_STR(uei->msg, "sysrq-S at t=100000000 ns");
	k = by_comm(r.m, "keepout");
	CHECK_STR(task_class_name(k), "fair");
	CHECK_EQ(k->policy, WL_POLICY_OTHER);              /* a disallowed SCHED_EXT task reverts */
	CHECK(k->st.runtime_by_class[0] == 0);             /* and never ran on ext */
	brun_free(&r);
}

/* ---- more_kfuncs: generic kfuncs and helpers, program by program ----------------------------- */

static s64 run_prog(struct brun *r, const char *prog, u64 a0, u64 a1, int *err)
{
	u64 args[2] = { a0, a1 }, ret = 0;

	*err = bpf_sched_run_prog(r->s, prog, args, 2, &ret);
	if (*err)
		fprintf(stderr, "  %s: %s\n", prog, bpf_sched_errmsg(r->s));
	return (s32)ret;
}

#define PROG_EQ(r, prog, a0, a1, want)                                                     \
	do {                                                                               \
		int e__;                                                                   \
		s64 v__ = run_prog((r), (prog), (a0), (a1), &e__);                         \
		CHECK_EQ(e__, 0);                                                          \
		if (v__ != (s64)(want))                                                    \
			FAIL_("%s returned %lld (0x%llx), want %lld (0x%llx)", prog,        \
			      (long long)v__, (unsigned long long)v__, (long long)(want),  \
			      (unsigned long long)(want));                                 \
	} while (0)

static const char *kf_wl =
	"{\"cgroups\":{\"/a\":{\"weight\":200},\"/a/b\":{\"weight\":50}},"
	"\"tasks\":{\"x\":{\"taskgroup\":\"/a/b\",\"loop\":20,\"run\":3000,\"sleep\":100},"
	"\"y\":{\"instance\":3,\"loop\":20,\"run\":2500,\"sleep\":100}}}";

/* ring-buffer consumer: count records, keep the last u64 */
static int take_u64(void *ctx, void *data, u32 size)
{
	u64 *got = ctx;

	got[0]++;
	if (size == 8)
		memcpy(&got[1], data, 8);
	return 0;
}

static u64 cgroup_id(struct machine *m, const char *path)
{
	for (int i = 0; i < m->nr_tgs; i++)
		if (!strcmp(m->tgs[i]->path, path))
			return m->tgs[i]->kn->id;
	return ~0ULL;
}

TEST(bpf_more_generic_kfuncs_and_helpers)
{
	struct brun r;
	u64 ab, pid;

	START(&r, "4", kf_wl, "more_kfuncs", NULL);
	ab = cgroup_id(r.m, "/a/b");
	pid = by_comm(r.m, "x")->pid;
	CHECK(ab != ~0ULL && ab != 0);
	PROG_EQ(&r, "k_task_acquire", pid, 0, pid);
	PROG_EQ(&r, "k_cgroup", ab, 0, 63);
	PROG_EQ(&r, "k_cpumask", 0, 0, 0x3fff | 1 << 14);
	PROG_EQ(&r, "k_percpu", 0, 0, 427);
	/* 8-byte records take 16 bytes with their header; a discarded one keeps its space until
	 * the consumer passes it (prod_pos - cons_pos, as the kernel counts) */
	PROG_EQ(&r, "k_ringbuf", 0, 0, 4096 * 10000 + 32 * 100 + 16);
	/* the consumer gets the submitted record only */
	u64 got[2] = { 0, 0 };
	CHECK_EQ(bpf_map_user_ringbuf_consume(bpf_sched_map(r.s, "rb"), take_u64, got, 0), 1);
	CHECK_EQ(got[0], 1);
	CHECK_EQ(got[1], 5);
	PROG_EQ(&r, "k_storage", pid, ab, 31);
	PROG_EQ(&r, "k_spin", 0, 0, 3);
	PROG_EQ(&r, "k_spin", 0, 0, 6);
	PROG_EQ(&r, "k_strncmp", 0, 0, 15);
	/* the current-task helpers, in ops.tick */
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(global_u64(r.s, "n_tick") > 50);
	CHECK_EQ(global_u64(r.s, "n_tick_ok"), global_u64(r.s, "n_tick"));
	brun_free(&r);
}

TEST(bpf_more_uei_records_an_error_exit_and_its_dump)
{
	struct brun r;
	struct uei *uei;
	char *dump;

	START(&r, "1s2c2t", notify_wl, "more_notify", "error_at_ms=20");
	CHECK_EQ(machine_run(r.m, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR_BPF);
	CHECK(all_finished(r.m));
	uei = bpf_sched_global(r.s, "uei", NULL);
	dump = bpf_sched_global(r.s, "uei_dump", NULL);
	CHECK(uei && dump);
	CHECK_EQ(uei->kind, SCX_EXIT_ERROR_BPF);
	CHECK_STR(uei->reason, "scx_bpf_error");
	CHECK_STR(uei->msg, machine_scx_exit_info(r.m)->msg);
	CHECK_CONTAINS(uei->msg, "notify error at 2");
	CHECK_STR(dump, machine_scx_exit_info(r.m)->dump); /* the whole dump, within 32 KiB */
	CHECK_CONTAINS(dump, "triggered exit kind 1025:");
	CHECK_CONTAINS(dump, "\nCPU states\n----------\n");
	brun_free(&r);
}

/* ---- cgroup_sched: cgroup moves and weight writes through the trampolines ------------------- */

static const char *cgroup_wl =
	"{\"cgroups\":{\"/a\":{}},"
	"\"tasks\":{\"w\":{\"taskgroup\":\"/a\",\"instance\":2,\"loop\":50,\"run\":500,\"sleep\":500},"
	"\"h\":{\"run\":20000}},"
	"\"cgroup_events\":[{\"at_ms\":10,\"task\":\"w\",\"cgroup\":\"/b/c\"},"
	"{\"at_ms\":20,\"cgroup\":\"/a\",\"weight\":300}]}";

TEST(bpf_more_cgroup_move_and_set_weight)
{
	struct brun r;

	START(&r, "2", cgroup_wl, "cgroup_sched", NULL);
	CHECK_EQ(machine_run(r.m, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	if (global_u64(r.s, "nr_bad"))
		FAIL_("%llu bad observations, first at cgroup_sched.bpf.c:%u",
		      (unsigned long long)global_u64(r.s, "nr_bad"),
		      *(u32 *)bpf_sched_global(r.s, "bad_line", NULL));
	CHECK_EQ(global_u64(r.s, "n_cgroup_init"), 4);     /* / and /a at load, /b and /b/c at 10 ms */
	CHECK_EQ(global_u64(r.s, "last_init_id"), 3);      /* /b/c, read from its kernfs node */
	CHECK_EQ(global_u64(r.s, "n_prep"), 2);
	CHECK_EQ(global_u64(r.s, "n_move"), 2);
	CHECK_EQ(global_u64(r.s, "n_cancel"), 0);
	CHECK_EQ(global_u64(r.s, "n_task_cgroup_is_to"), 2);
	CHECK_EQ(global_u64(r.s, "last_from_id"), 1);      /* /a */
	CHECK_EQ(global_u64(r.s, "last_to_id"), 3);
	CHECK_EQ(global_u64(r.s, "last_to_level"), 2);
	CHECK_EQ(global_u64(r.s, "n_set_weight"), 1);
	CHECK_EQ(global_u64(r.s, "last_weight"), 300);
	CHECK_STR(by_comm(r.m, "w-1")->tg->path, "/b/c");
	brun_free(&r);

	START(&r, "2", cgroup_wl, "cgroup_sched", "refuse_pid=101"); /* w-1 is refused */
	CHECK_EQ(machine_run(r.m, 2 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_EQ(global_u64(r.s, "nr_bad"), 0);
	CHECK_EQ(global_u64(r.s, "n_prep"), 2);
	CHECK_EQ(global_u64(r.s, "n_cancel"), 1);          /* w-0, prepared before w-1 refused */
	CHECK_EQ(global_u64(r.s, "n_move"), 0);
	CHECK_STR(by_comm(r.m, "w-0")->tg->path, "/a");
	CHECK_EQ(r.m->nr_cgroup_moves_refused, 2);
	brun_free(&r);
}

/* ---- SCX_KICK_WAIT from BPF (kick_wait.bpf.c) ------------------------------------------- */

static const char *kick_wl = "{\"tasks\":{\"h\":{\"instance\":4,\"loop\":1,\"run\":20000}}}";

TEST(bpf_more_kick_wait_waits_for_the_next_cpu)
{
	struct brun r;
	u64 waits = 0, wait_ns = 0;

	START(&r, "4", kick_wl, "kick_wait", NULL);
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK(global_u64(r.s, "n_kicks") >= 4 * 19); /* 20 ms of work on each CPU: a tick a ms */
	for (int c = 0; c < 4; c++) {
		waits += cpu_rq(r.m, c)->scx.nr_kick_waits;
		wait_ns += cpu_rq(r.m, c)->scx.kick_wait_ns;
		CHECK(!cpu_rq(r.m, c)->spinning);
	}
	/*
	 * At each tick (all four CPUs tick together) CPU 0 enters its round at once and waits for
	 * CPU 1, whose round comes one IPI later (1 us) and releases it; CPUs 1 and 2 then wait
	 * for their next CPU, whose round comes at the same instant (0 ns); CPU 3 finds CPU 0
	 * already advanced. So 3 waits and 1 us of waiting per tick.
	 */
	u64 ticks = global_u64(r.s, "n_kicks") / 4;
	CHECK_EQ(waits, 3 * ticks);
	CHECK_EQ(wait_ns, ticks * 1000);
	brun_free(&r);
}

TEST(bpf_more_kick_idle_with_wait_fail)
{
	struct brun r;
	struct uei *uei;

	START(&r, "4", kick_wl, "kick_wait", "kick_flags=5");
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg,
		       "scx_bpf_kick_cpu(): PREEMPT/WAIT cannot be used with SCX_KICK_IDLE (cpu ");
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "flags 0x5, ops.tick())");
	uei = bpf_sched_global(r.s, "uei", NULL);
	CHECK(uei && uei->kind == SCX_EXIT_ERROR);
	CHECK(all_finished(r.m));
	brun_free(&r);
}
