/*
 * test_bpf_dump.c — the dump ops of a BPF scheduler (tests/bpf/dump_sched.bpf.c): bound
 * through the trampolines, reading the dump context, writing scx_bpf_dump() lines with
 * format arguments (read back from the exit info), exit_dump_len from the object, and the
 * misbehaviours: a fault or an endless loop in a dump op, a forbidden kfunc in one (noted in
 * the dump, the exit being dumped stays), scx_bpf_dump() outside the dump ops (ejected).
 */
#include <stdio.h>
#include <string.h>
#include "test.h"
#include "scxsim/bpf_sched.h"
#include "bpf_harness.h"

static const char *dump_wl =
	"{\"tasks\": {\"hog\": {\"instance\": 2, \"run\": 30000},"
	" \"nap\": {\"loop\": 20, \"run\": 500, \"sleep\": 2000}}}";

/* runs the workload; the error dump, or NULL */
static const char *bdump(struct brun *r)
{
	if (machine_run(r->m, 5 * NSEC_PER_SEC))
		return NULL;
	return machine_scx_exit_info(r->m)->dump;
}

TEST(bpf_dump_ops_write_formatted_lines)
{
	struct brun r;
	const char *d;
	char want[256];

	START(&r, "4", dump_wl, "dump_sched", NULL);
	d = bdump(&r);
	CHECK(d != NULL);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR_BPF);
	CHECK(all_finished(r.m));
	snprintf(want, sizeof(want),
		 "\n\nbpf-dump kind=1025 code=0 reason=scx_bpf_error at_ns=%llu jiffies=%llu\n"
		 "nr_run=10\n\nCPU states\n",
		 (unsigned long long)scx_exit_at_ns(r.m),
		 (unsigned long long)(scx_exit_at_ns(r.m) / r.m->tick_ns));
	CHECK_CONTAINS(d, want);
	CHECK_CONTAINS(d, "\n\n  bpf-cpu 0 global=0\n");
	CHECK_CONTAINS(d, "\n\n    bpf-task hog-0 pid=");
	CHECK_CONTAINS(d, " weight=100\n");
	CHECK_EQ(global_u64(r.s, "nr_dump"), 1);
	CHECK_EQ(global_u64(r.s, "nr_dump_cpu"), 4);
	CHECK(global_u64(r.s, "nr_idle") > 0);
	CHECK(global_u64(r.s, "nr_dump_task") > 0);
	CHECK(strlen(d) < 4095);
	brun_free(&r);
}

TEST(bpf_dump_exit_dump_len_from_the_object)
{
	struct brun r;
	const char *d;

	START(&r, "4", dump_wl, "dump_sched", "spam=100");
	d = bdump(&r);
	CHECK(d != NULL);
	CHECK_EQ(strlen(d), 4095); /* .exit_dump_len = 4096 */
	CHECK_CONTAINS(d, "spam line 0 of the dump");
	CHECK(strcmp(d + 4095 - 22, "\n\n~~~~ TRUNCATED ~~~~\n") == 0);
	brun_free(&r);
}

TEST(bpf_dump_fail_fault_in_dump_cpu_is_noted)
{
	struct brun r;
	const char *d;

	START(&r, "4", dump_wl, "dump_sched", "fault=1");
	d = bdump(&r);
	CHECK(d != NULL);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR_BPF); /* the error being dumped stays */
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "bpf dump test error after 10 runs");
	CHECK_CONTAINS(d, "\n  [!] ops.dump_cpu(): ");
	CHECK_CONTAINS(d, "dump_sched.bpf.c:");        /* the source line of the fault */
	CHECK(strstr(d, "bpf-cpu ") == NULL);          /* every busy CPU faulted */
	CHECK_CONTAINS(d, "\n    bpf-task ");          /* the dump went on */
	CHECK_CONTAINS(d, "\nDSQ states\n");
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_dump_fail_endless_loop_in_dump_is_stopped)
{
	struct brun r;
	const char *d;

	START(&r, "4", dump_wl, "dump_sched", "fault=2");
	d = bdump(&r);
	CHECK(d != NULL);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR_BPF);
	CHECK_CONTAINS(d, "\n[!] ops.dump(): ");
	CHECK_CONTAINS(d, "budget");
	CHECK(strstr(d, "bpf-dump ") == NULL);
	CHECK_CONTAINS(d, "\n  bpf-cpu ");
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_dump_fail_forbidden_kfunc_in_dump_task_is_noted)
{
	struct brun r;
	const char *d;

	START(&r, "4", dump_wl, "dump_sched", "fault=3");
	d = bdump(&r);
	CHECK(d != NULL);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR_BPF);
	CHECK_CONTAINS(d, "\n    [!] scx_bpf_dsq_insert() called from ops.dump_task()");
	CHECK_CONTAINS(d, "\n    bpf-task "); /* the kfunc returned, the op went on */
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_dump_fail_scx_bpf_dump_outside_dump_ops)
{
	struct brun r;

	START(&r, "2", dump_wl, "dump_sched", "fault=4,err_after=0");
	CHECK_EQ(machine_run(r.m, 5 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "ops.enqueue(): ");
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg,
		       "scx_bpf_dump() must only be called from ops.dump() and friends");
	CHECK(strstr(machine_scx_exit_info(r.m)->dump, "\nfrom enqueue") == NULL); /* not written */
	CHECK(all_finished(r.m));
	brun_free(&r);
}
