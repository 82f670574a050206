/*
 * test_selftests.c — what running the upstream sched_ext selftests in scxsim needed
 * (docs/bpf-runtime.md "Upstream schedulers"), proven on scxsim's own test object
 * tests/bpf/selftest_compat.bpf.c: choosing one of several sched_ext_ops variables,
 * scx_bpf_select_cpu_and(), scx_bpf_select_cpu_dfl() from ops.enqueue(), scx_bpf_dsq_peek(),
 * __COMPAT_scx_bpf_nr_node_ids(), the SCX_OPS_ENQ_LAST validation, exit codes from
 * enum scx_exit_code, and the globals printer behind `scxsim run --globals`. Every error path
 * (wrong context, bad CPU, bad DSQ, unknown variable, late choice) is checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "bpf_harness.h"
#include "test.h"

/* 40 hackbench tasks: plenty of wakeups, enqueues and dispatches */
#define WL "hackbench:groups=1"
#define TOPO "2s2c1t:nodes=2"

static int st_run(struct brun *r, const char *knobs)
{
	int e = brun_start(r, TOPO, WL, "selftest_compat", knobs);

	return e ? e : machine_run(r->m, NSEC_PER_SEC);
}

TEST(selftests_select_cpu_and_stays_within_the_mask)
{
	struct brun r;

	CHECK_EQ(st_run(&r, "mode=0"), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(global_u64(r.s, "nr_and_picks") > 0);
	CHECK_EQ(global_u64(r.s, "nr_and_outside"), 0);
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(selftests_select_cpu_dfl_allowed_from_enqueue)
{
	struct brun r;

	CHECK_EQ(st_run(&r, "mode=0"), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(global_u64(r.s, "nr_dfl_enqueue") > 100);
	CHECK(global_u64(r.s, "nr_dfl_idle") > 0);
	CHECK(global_u64(r.s, "nr_dfl_idle") < global_u64(r.s, "nr_dfl_enqueue"));
	brun_free(&r);
}

TEST(selftests_dsq_peek_is_the_first_task)
{
	struct brun r;

	CHECK_EQ(st_run(&r, "mode=0"), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(global_u64(r.s, "nr_peek_hits") > 100);
	CHECK_EQ(global_u64(r.s, "nr_peek_misses"), 0);
	brun_free(&r);
}

TEST(selftests_nr_node_ids_counts_nodes)
{
	struct brun r;
	size_t sz = 0;
	u32 *n;

	CHECK_EQ(st_run(&r, "mode=0"), 0);
	n = bpf_sched_global(r.s, "nr_nodes", &sz);
	CHECK(n && sz == 4);
	CHECK_EQ(*n, 2);
	CHECK_EQ(scx_bpf_nr_node_ids(), 1); /* outside any scheduler callback */
	brun_free(&r);
}

static void st_fail(int *test_failed_, const char *knobs, const char *want)
{
	struct brun r;
	const struct scx_exit_info *ei;

	CHECK_EQ(st_run(&r, knobs), 0);
	ei = machine_scx_exit_info(r.m);
	CHECK_EQ(ei->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(ei->msg, want);
	CHECK_CONTAINS(ei->msg, "selftest_compat.bpf.c:");
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(selftests_select_cpu_and_fail_from_dispatch)
{
	st_fail(test_failed_, "mode=1", "scx_bpf_select_cpu_and() called from ops.dispatch() (cpu ");
	st_fail(test_failed_, "mode=1", "allowed only from ops.select_cpu() and ops.enqueue()");
}

TEST(selftests_select_cpu_and_fail_bad_prev_cpu)
{
	st_fail(test_failed_, "mode=2", "invalid CPU 9999 passed to scx_bpf_select_cpu_and()");
}

TEST(selftests_dsq_peek_fail_builtin_and_missing)
{
	st_fail(test_failed_, "mode=3", "peek disallowed on builtin DSQ 0x8000000000000001");
	st_fail(test_failed_, "mode=4", "peek on non-existent DSQ 0x3039");
}

/* open the object, choose `var`, load and attach on a fresh machine; the failing stage or 0 */
static int st_open_var(struct brun *r, const char *wl, const char *var)
{
	char path[512];
	int e = brun_start(r, TOPO, wl, NULL, NULL);

	if (e)
		return e;
	if (bpf_sched_open(obj_path("selftest_compat", path, sizeof(path)), &r->s, r->err, sizeof(r->err)))
		return -4;
	bpf_sched_set_print(r->s, false);
	if (var && bpf_sched_select_ops(r->s, var))
		return -5;
	if (bpf_sched_load(r->s, r->m))
		return -6;
	return bpf_sched_attach(r->s) ? -7 : 0;
}

TEST(selftests_select_ops_default_is_the_first)
{
	struct brun r;

	CHECK_EQ(st_open_var(&r, WL, NULL), 0);
	CHECK_STR(bpf_sched_name(r.s), "st_compat");
	brun_free(&r);
	CHECK_EQ(st_open_var(&r, WL, "st_hotplug_ops"), 0);
	CHECK_STR(bpf_sched_name(r.s), "st_hotplug");
	brun_free(&r);
}

TEST(selftests_select_ops_fail_unknown_or_late)
{
	struct brun r;

	CHECK_EQ(st_open_var(&r, WL, "nope_ops"), -5);
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "selftest_compat.bpf.o: no struct sched_ext_ops variable 'nope_ops'; the object has: st_compat_ops, st_enqlast_ops, st_hotplug_ops");
	brun_free(&r);
	CHECK_EQ(st_open_var(&r, WL, NULL), 0);
	CHECK_EQ(bpf_sched_select_ops(r.s, "st_hotplug_ops"), -EALREADY);
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "chosen after load");
	brun_free(&r);
}

/* as the upstream selftest expects: the attach succeeds, the scheduler is ejected at once */
TEST(selftests_enq_last_without_enqueue_ejects_at_attach)
{
	struct brun r;

	CHECK_EQ(st_open_var(&r, WL, "st_enqlast_ops"), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "SCX_OPS_ENQ_LAST requires ops.enqueue() to be implemented");
	CHECK_EQ(machine_run(r.m, NSEC_PER_SEC), 0);
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(selftests_hotplug_exit_code_from_enum)
{
	static const char wl[] =
		"{ \"tasks\": { \"t\": { \"instance\": 4, \"loop\": 20, \"run\": 1000, \"sleep\": 500 } },"
		"  \"global\": { \"duration\": 1 },"
		"  \"hotplug\": [ { \"at_ms\": 5, \"cpu\": 3, \"online\": false } ] }";
	const struct scx_exit_info *ei;
	struct brun r;

	CHECK_EQ(st_open_var(&r, wl, "st_hotplug_ops"), 0);
	CHECK_EQ(machine_run(r.m, NSEC_PER_SEC), 0);
	ei = machine_scx_exit_info(r.m);
	CHECK_EQ(ei->kind, SCX_EXIT_UNREG_BPF);
	CHECK_EQ((u64)ei->exit_code, SCX_ECODE_ACT_RESTART | SCX_ECODE_RSN_HOTPLUG | 3);
	CHECK_STR(ei->msg, "cpu 3 offline");
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(selftests_print_globals_lists_integers)
{
	struct brun r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK_EQ(st_run(&r, "mode=0"), 0);
	f = open_memstream(&buf, &len);
	CHECK(f);
	CHECK_EQ(bpf_sched_print_globals(r.s, f), 8);
	fclose(f);
	CHECK_CONTAINS(buf, "global nr_and_outside = 0\n");
	CHECK_CONTAINS(buf, "global nr_nodes = 2\n");
	CHECK(!strstr(buf, "mode")); /* .rodata knobs are not printed */
	CHECK(!strstr(buf, "allowed")); /* nor kptrs */
	free(buf);
	CHECK_EQ(bpf_sched_print_globals(NULL, stderr), 0);
	brun_free(&r);
}
