/*
 * test_verifier.c — the static verifier (include/scxsim/bpf_verifier.h): each rejection of
 * tests/bpf/verifier_bad.bpf.c with its exact message and source line, a correct program of
 * the same object accepted, and every positive object of the repository accepted (or, where
 * scxsim's verifier is weaker than the kernel's, a "cannot prove" warning, never a
 * rejection). Objects with a real defect the kernel would reject too are listed with it.
 */
#include <errno.h>
#include "bpf_harness.h"
#include "ebpf/runtime/rt_int.h"
#include "scxsim/bpf_verifier.h"

static int prog_index(struct bpf_sched *s, const char *name)
{
	for (int i = 0; i < s->nr_progs; i++)
		if (!strcmp(bpf_prog_name(s->progs[i].prog), name))
			return i;
	return -1;
}

/* load `obj` (with `knobs`) on a 1-CPU machine and verify program `prog` */
static int verify_one(const char *obj, const char *knobs, const char *prog,
		      struct bpf_verify_report *r)
{
	struct brun b;
	int e = brun_start(&b, "1", "cpuhog:n=1,work=1", NULL, NULL), i;
	char path[512];

	memset(r, 0, sizeof(*r));
	if (!e && bpf_sched_open(obj_path(obj, path, sizeof(path)), &b.s, b.err, sizeof(b.err)))
		e = -4;
	if (!e && knobs && bpf_sched_set_knobs(b.s, knobs))
		e = -5;
	if (!e && bpf_sched_load(b.s, b.m))
		e = -6;
	i = e ? -1 : prog_index(b.s, prog);
	if (!e)
		e = i < 0 ? -7 : bpf_verify_prog(b.s, i, 0, r);
	brun_free(&b);
	return e;
}

struct bad_case {
	const char *prog, *msg, *line;
};

static const struct bad_case bad_cases[] = {
	{ "vb_enqueue", "R0 invalid mem access 'map_value_or_null'", "VB_NULL" },
	{ "vb_dispatch", "invalid access to map value, value_size=8 off=8 size=8", "VB_OOB" },
	{ "vb_running", "R1 write into task_struct at off 0 size 4 is not allowed", "VB_RO_TASK" },
	{ "vb_stopping", "Unreleased reference id=", "vb_stopping" },
	{ "vb_quiescent", "invalid mem access 'scalar' (its reference was released at insn", "VB_UAF" },
	{ "vb_tick", "write into map forbidden, value_size=8 off=0 size=8", "VB_RODATA" },
	{ "vb_runnable", "R1 pointer arithmetic with *= operator prohibited", "VB_PTR_MUL" },
	{ "vb_set_weight", "R1 type=trusted_ptr_or_null_ expected=", "VB_NULL_ARG" },
	{ "vb_update_idle", "bpf_rcu_read_unlock is missing", "vb_update_idle" },
	{ "vb_set_cpumask", "min value is negative, either use unsigned index", "VB_INDEX" },
};

TEST(verifier_rejects_each_kind_with_message_and_line)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		struct bpf_verify_report r;
		const struct bad_case *c = &bad_cases[i];

		CHECK_EQ(verify_one("verifier_bad", NULL, c->prog, &r), 0);
		CHECK_EQ(r.verdict, BPF_VERIFY_REJECTED);
		CHECK_CONTAINS(r.msg, c->msg);
		CHECK_CONTAINS(r.line, "verifier_bad.bpf.c:");
		CHECK_CONTAINS(r.line, c->line);
		CHECK(r.pc >= 0);
		CHECK(r.insn[0] != '\0');
		bpf_verify_report_fini(&r);
	}
}

TEST(verifier_exact_pcs)
{
	static const struct { const char *prog; s32 pc; const char *insn; } pcs[] = {
		{ "vb_enqueue", 7, "r1 = *(u64 *)(r0 + 0x0)" },
		{ "vb_runnable", 1, "r1 *= 0x3" },
		{ "vb_tick", 3, "*(u64 *)(r1 + 0x0) = r2" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(pcs); i++) {
		struct bpf_verify_report r;

		CHECK_EQ(verify_one("verifier_bad", NULL, pcs[i].prog, &r), 0);
		CHECK_EQ(r.pc, pcs[i].pc);
		CHECK_STR(r.insn, pcs[i].insn);
		bpf_verify_report_fini(&r);
	}
}

TEST(verifier_accepts_correct_prog_of_bad_object)
{
	struct bpf_verify_report r;

	CHECK_EQ(verify_one("verifier_bad", NULL, "vb_select_cpu", &r), 0);
	CHECK_EQ(r.verdict, BPF_VERIFY_ACCEPTED);
	CHECK(r.insns_processed > 0);
	CHECK_EQ(r.pc, -1);
	bpf_verify_report_fini(&r);
}

TEST(verifier_verbose_log)
{
	struct brun b;
	struct bpf_verify_report r;
	char path[512];

	CHECK_EQ(brun_start(&b, "1", "cpuhog:n=1,work=1", NULL, NULL), 0);
	CHECK_EQ(bpf_sched_open(obj_path("verifier_bad", path, sizeof(path)), &b.s, b.err, sizeof(b.err)), 0);
	CHECK_EQ(bpf_sched_load(b.s, b.m), 0);
	CHECK_EQ(bpf_verify_prog(b.s, prog_index(b.s, "vb_enqueue"), BPF_VERIFY_VERBOSE, &r), 0);
	CHECK(r.log != NULL);
	CHECK_CONTAINS(r.log ? r.log : "", "7: (79) r1 = *(u64 *)(r0 + 0x0)");
	CHECK_CONTAINS(r.log ? r.log : "", "R0=map_value_or_null");
	bpf_verify_report_fini(&r);
	CHECK(r.log == NULL);
	CHECK_EQ(bpf_verify_prog(b.s, 999, 0, &r), -EINVAL);
	bpf_verify_report_fini(NULL);
	brun_free(&b);
}

/* every program of a positive object: accepted, skipped (not an op) or a warning */
static int count_rejected(const char *dir, const char *name, const char *knobs, int *warn)
{
	struct brun b;
	char path[512];
	int rej = 0;

	*warn = 0;
	if (brun_start(&b, "1", "cpuhog:n=1,work=1", NULL, NULL))
		return -1;
	snprintf(path, sizeof(path), "%s/%s.bpf.o", dir, name);
	if (bpf_sched_open(path, &b.s, b.err, sizeof(b.err)) || (knobs && bpf_sched_set_knobs(b.s, knobs)) ||
	    bpf_sched_load(b.s, b.m)) {
		brun_free(&b);
		return -1;
	}
	for (int i = 0; i < b.s->nr_progs; i++) {
		struct bpf_verify_report r;

		if (bpf_verify_prog(b.s, i, 0, &r))
			rej++;
		else if (r.verdict == BPF_VERIFY_REJECTED) {
			fprintf(stderr, "   %s: %s: pc %d: %s\n    %s\n", name,
				bpf_prog_name(b.s->progs[i].prog), r.pc, r.msg, r.line);
			rej++;
		} else if (r.verdict == BPF_VERIFY_UNPROVEN)
			(*warn)++;
		*warn += (int)r.nr_warnings;
		bpf_verify_report_fini(&r);
	}
	brun_free(&b);
	return rej;
}

TEST(verifier_accepts_every_positive_test_object)
{
	static const char *const objs[] = {
		"cgroup_sched", "dump_sched", "graph_hostile", "graph_sched", "iter_sched",
		"kick_wait", "more_notify", "more_v3", "sched_allops", "sched_hostile",
		"sched_vtime", "timer_sched", "more_kfuncs", "sched_features",
	};
	const char *dir = getenv("SCXSIM_TEST_BPF_DIR");
	int warn;

	for (size_t i = 0; i < ARRAY_SIZE(objs); i++)
		CHECK_EQ(count_rejected(dir && *dir ? dir : "build/tests/bpf", objs[i], NULL, &warn), 0);
	/* sched_hostile: every fault is behind a .rodata knob, dead code when the knob is 0 */
	CHECK_EQ(count_rejected(dir && *dir ? dir : "build/tests/bpf", "sched_hostile", "bad=1", &warn), 1);
}

TEST(verifier_accepts_example_schedulers)
{
	int warn;

	CHECK_EQ(count_rejected("build/scheds", "simple", NULL, &warn), 0);
	CHECK_EQ(warn, 0);
	CHECK_EQ(count_rejected("build/scheds", "qmap", NULL, &warn), 0);
	CHECK_EQ(warn, 0);
}

/* Constructs the kernel accepts (tests/bpf/verifier_ok.bpf.c, one per program): printk with
 * one and two arguments, ARRAY_ELEM_PTR in a .rodata-bounded loop, nullable op arguments
 * after a NULL check, a `%`-bounded index, variable-offset stack writes, a kfunc-filled stack
 * struct, the peek_dsq selftest's shape: every program accepted, no warning at all. */
TEST(verifier_accepts_kernel_accepted_constructs)
{
	static const char *const progs[] = {
		"vo_cpu_online", "vo_cpu_offline", "vo_dispatch", "vo_yield", "vo_tick", "vo_init",
		"vo_enqueue",
	};
	int warn;

	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		struct bpf_verify_report r;

		CHECK_EQ(verify_one("verifier_ok", NULL, progs[i], &r), 0);
		CHECK_EQ(r.verdict, BPF_VERIFY_ACCEPTED);
		CHECK_EQ(r.nr_warnings, 0);
		CHECK_EQ(r.pc, -1);
		bpf_verify_report_fini(&r);
	}
	CHECK_EQ(count_rejected("build/tests/bpf", "verifier_ok", NULL, &warn), 0);
	CHECK_EQ(warn, 0);
}

/* ops.dispatch's `prev` and ops.yield's `to` are `__nullable` in the kernel's cfi stubs:
 * dereferenced unchecked, the kernel rejects (selftests maybe_null_fail_dsp/_yld). */
TEST(verifier_nullable_op_args)
{
	static const struct bad_case cases[] = {
		{ "vn_dispatch", "R1 invalid mem access 'trusted_ptr_or_null_'", "VN_DSP" },
		{ "vn_yield", "R1 invalid mem access 'trusted_ptr_or_null_'", "VN_YLD" },
	};
	struct bpf_verify_report r;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK_EQ(verify_one("verifier_null", NULL, cases[i].prog, &r), 0);
		CHECK_EQ(r.verdict, BPF_VERIFY_REJECTED);
		CHECK_CONTAINS(r.msg, cases[i].msg);
		CHECK_CONTAINS(r.line, cases[i].line);
		bpf_verify_report_fini(&r);
	}
	/* enqueue's p is not nullable: the same dereference is fine */
	CHECK_EQ(verify_one("verifier_null", NULL, "vn_enqueue", &r), 0);
	CHECK_EQ(r.verdict, BPF_VERIFY_ACCEPTED);
	bpf_verify_report_fini(&r);
}

/* central's loops (1024 iterations, a bpf_repeat inside a loop over CPUs) verify without a
 * complexity limit now: accepted, only the `w8 &= w9` warning (see docs/verifier.md) */
TEST(verifier_central_within_limits)
{
	int warn;

	CHECK_EQ(count_rejected("build/scheds", "central", NULL, &warn), 0);
	CHECK_EQ(warn, 1);
}

/* Objects with a defect the kernel's verifier rejects too (found by this verifier). */
TEST(verifier_finds_real_defects_in_test_objects)
{
	const char *dir = getenv("SCXSIM_TEST_BPF_DIR");
	int warn;

	dir = dir && *dir ? dir : "build/tests/bpf";
	/* more_init: scx_bpf_get_online_cpumask() (KF_ACQUIRE) is never put */
	CHECK_EQ(count_rejected(dir, "more_ops", NULL, &warn), 1);
	/* mim_dispatch: `while (nr_slots() && !pop())` repeats an identical state */
	CHECK_EQ(count_rejected(dir, "mapinmap_sched", NULL, &warn), 1);
	/* BPF_PROG_enqueue reads its arguments from r2 instead of ctx: R2 !read_ok */
	CHECK_EQ(count_rejected(dir, "loader_sched", NULL, &warn), 1);
}
