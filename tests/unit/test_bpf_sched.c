/*
 * test_bpf_sched.c — the BPF scheduler runtime end to end: tests/bpf/sched_vtime.bpf.c (a
 * global weighted-vtime scheduler in BPF C) runs hackbench with no invariant violation and
 * nothing lost, and gives the same weighted shares as the C version in test_scx.c; the
 * hostile programs of tests/bpf/sched_hostile.bpf.c each eject the scheduler with the
 * program, pc and source line in the message while every task finishes on fair; the target
 * BTF agrees with the host compiler's layout; load errors name file and reason.
 * BPF objects come from $SCXSIM_TEST_BPF_DIR or build/tests/bpf.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "cli/cli.h"
#include "ebpf/runtime/rt_int.h"
#include "scx/scx_int.h"
#include "scxsim/bpf_sched.h"
#include "test.h"

#include "bpf_harness.h"

/* ---- the vtime scheduler ------------------------------------------------------------------ */

TEST(bpf_sched_vtime_hackbench)
{
	struct brun r;
	START(&r, "2s2c2t", "hackbench:groups=2", "sched_vtime", NULL);
	CHECK_STR(bpf_sched_name(r.s), "bpf_vtime");
	CHECK(bpf_sched_of(r.m) == r.s);
	CHECK_EQ(machine_run(r.m, 30 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	for (int i = 0; i < r.m->nr_tasks; i++)
		CHECK(r.m->tasks[i]->st.runtime_by_class[0] > 0); /* ran on ext */
	CHECK(global_u64(r.s, "nr_enqueued") > 100);
	CHECK(global_u64(r.s, "nr_dispatched") > 0);
	CHECK_EQ(global_u64(r.s, "nr_init_tasks"), r.m->nr_tasks);
	CHECK_EQ(global_u64(r.s, "nr_exit_tasks"), r.m->nr_tasks); /* every task exited */
	CHECK(bpf_map_count(bpf_sched_map(r.s, "tctx")) == 0);       /* exit_task deleted them */
	CHECK(bpf_sched_nr_calls(r.s) > 1000);
	CHECK(bpf_sched_nr_insns(r.s) > bpf_sched_nr_calls(r.s));
	brun_free(&r);
}

TEST(bpf_sched_vtime_weighted_shares)
{
	struct brun r;
	/* the same scenario as scx_global_vtime_weighted_shares (C scheduler) in test_scx.c */
	START(&r, "1", "{\"tasks\":{\"n0\":{\"instance\":2,\"run\":100000},"
		       "\"n5\":{\"instance\":2,\"priority\":5,\"run\":100000}}}", "sched_vtime", NULL);
	CHECK_EQ(machine_run(r.m, 20 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	u64 a = by_comm(r.m, "n0-0")->st.runtime_ns + by_comm(r.m, "n0-1")->st.runtime_ns;
	u64 b = by_comm(r.m, "n5-0")->st.runtime_ns + by_comm(r.m, "n5-1")->st.runtime_ns;
	double q = (double)a / b, want = 1024.0 / 335.0;
	if (q < want * 0.98 || q > want * 1.02)
		FAIL_("bpf vtime nice0:nice5 = %.4f, want %.4f +-2%%", q, want);
	brun_free(&r);
}

/* ---- hostile programs: each ejects the scheduler, every task finishes on fair ------------ */

static const char *finite_mix =
	"{\"tasks\":{\"w\":{\"instance\":4,\"loop\":50,\"run\":700,\"sleep\":900},"
	"\"h\":{\"instance\":2,\"loop\":4,\"run\":20000}}}";

/* Run sched_hostile with bad=`bad`; check the exit kind and that the message contains each
 * of the needles; every task must still finish. */
static void hostile(int *test_failed_, int bad, enum scx_exit_kind kind, const char *const *needles)
{
	struct brun r;
	char knobs[32];
	const struct scx_exit_info *ei;

	snprintf(knobs, sizeof(knobs), "bad=%d", bad);
	START(&r, "2", finite_mix, "sched_hostile", knobs);
	CHECK_EQ(machine_run(r.m, 30 * NSEC_PER_SEC), 0);
	ei = machine_scx_exit_info(r.m);
	if (ei->kind != kind)
		fprintf(stderr, "  bad=%d: exit %s: %s\n", bad, scx_exit_kind_name(ei->kind), ei->msg);
	CHECK_EQ(ei->kind, kind);
	for (int i = 0; needles[i]; i++)
		CHECK_CONTAINS(ei->msg, needles[i]);
	CHECK(all_finished(r.m));
	for (int i = 0; i < r.m->nr_tasks; i++)
		CHECK_STR(task_class_name(r.m->tasks[i]), "fair");
	brun_free(&r);
}

/* Found by fuzzing (docs/fuzzing.md): a struct the C side reads must be aligned. */
TEST(bpf_sched_hostile_misaligned_iter_fail)
{
	static const char *const n[] = { "hostile_enqueue pc ", "bpf_iter_num_new(): argument 1",
					 "is not 8-byte aligned", "sched_hostile.bpf.c:", NULL };
	hostile(test_failed_, 11, SCX_EXIT_ERROR, n);
}

TEST(bpf_sched_hostile_misaligned_cpumask_fail)
{
	static const char *const n[] = { "bpf_cpumask_test_cpu(): argument 2",
					 "is not 8-byte aligned", "sched_hostile.bpf.c:", NULL };
	hostile(test_failed_, 12, SCX_EXIT_ERROR, n);
}

TEST(bpf_sched_hostile_map_value_oob_fail)
{
	static const char *const n[] = { "ops.enqueue(): hostile_enqueue pc ", "invalid read of 8 bytes",
					 "sched_hostile.bpf.c:", "return v[idx + 1]", NULL };
	hostile(test_failed_, 1, SCX_EXIT_ERROR, n);
}

TEST(bpf_sched_hostile_infinite_loop_fail)
{
	static const char *const n[] = { "hostile_enqueue pc ", "instruction budget", "sched_hostile.bpf.c:",
					 NULL };
	hostile(test_failed_, 2, SCX_EXIT_ERROR, n);
}

TEST(bpf_sched_hostile_null_deref_fail)
{
	static const char *const n[] = { "hostile_enqueue pc ", "at 0x0", "return *v;", NULL };
	hostile(test_failed_, 3, SCX_EXIT_ERROR, n);
}

TEST(bpf_sched_hostile_readonly_task_write_fail)
{
	static const char *const n[] = { "hostile_enqueue pc ", "write to read-only region 'task_struct pid",
					 "p->pid = 0;", NULL };
	hostile(test_failed_, 4, SCX_EXIT_ERROR, n);
}

TEST(bpf_sched_hostile_kfunc_not_a_task_fail)
{
	static const char *const n[] = { "hostile_enqueue pc ", "scx_bpf_dsq_insert(): argument 1",
					 "is not a task_struct", "sched_hostile.bpf.c:", NULL };
	hostile(test_failed_, 5, SCX_EXIT_ERROR, n);
}

TEST(bpf_sched_hostile_kfunc_bad_cpu_fail)
{
	/* the C kfunc rejects the value; the runtime adds where the program was */
	static const char *const n[] = { "invalid CPU 9999 in scx_bpf_kick_cpu()", "hostile_enqueue pc ",
					 "sched_hostile.bpf.c:", NULL };
	hostile(test_failed_, 6, SCX_EXIT_ERROR, n);
}

TEST(bpf_sched_hostile_scx_bpf_error)
{
	static const char *const n[] = { "hostile error for ", " after 21 enqueues", NULL };
	hostile(test_failed_, 7, SCX_EXIT_ERROR_BPF, n);
}

TEST(bpf_sched_hostile_scx_bpf_exit)
{
	struct brun r;
	START(&r, "2", finite_mix, "sched_hostile", "bad=8");
	CHECK_EQ(machine_run(r.m, 30 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_UNREG_BPF);
	CHECK_EQ(machine_scx_exit_info(r.m)->exit_code, 7);
	CHECK_STR(machine_scx_exit_info(r.m)->msg, "hostile exit 7");
	CHECK(all_finished(r.m));
	brun_free(&r);
}

TEST(bpf_sched_hostile_off_runs_fine)
{
	struct brun r;
	START(&r, "2", finite_mix, "sched_hostile", NULL);
	CHECK_EQ(machine_run(r.m, 30 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	brun_free(&r);
}

/* ---- the target BTF agrees with the host compiler ------------------------------------------ */

static struct btf *kernel_btf(void)
{
	struct btf *b = NULL;
	char err[256];

	return btf_parse(scxsim_kernel_btf, scxsim_kernel_btf_len, "kbtf", &b, err, sizeof(err)) ? NULL : b;
}

#define FIELD(type, member) { #type, #member, offsetof(struct type, member), sizeof(((struct type *)0)->member) }

TEST(bpf_sched_btf_matches_host_layout)
{
	static const struct {
		const char *type, *member;
		size_t off, size;
	} f[] = {
		FIELD(task_struct, pid), FIELD(task_struct, comm), FIELD(task_struct, flags),
		FIELD(task_struct, prio), FIELD(task_struct, static_prio), FIELD(task_struct, normal_prio),
		FIELD(task_struct, policy), FIELD(task_struct, nr_cpus_allowed),
		FIELD(task_struct, cpus_mask), FIELD(task_struct, cpus_ptr), FIELD(task_struct, scx),
		FIELD(task_struct, tg), FIELD(task_struct, se), FIELD(task_struct, on_cpu),
		FIELD(task_struct, cpu), FIELD(task_struct, last_ran_cpu),
		FIELD(sched_ext_entity, dsq), FIELD(sched_ext_entity, flags),
		FIELD(sched_ext_entity, weight), FIELD(sched_ext_entity, sticky_cpu),
		FIELD(sched_ext_entity, holding_cpu), FIELD(sched_ext_entity, slice),
		FIELD(sched_ext_entity, dsq_vtime), FIELD(sched_ext_entity, disallow),
		FIELD(sched_entity, vruntime), FIELD(sched_entity, sum_exec_runtime), FIELD(sched_entity, weight),
		FIELD(cgroup, path), FIELD(cgroup, cpu_weight), FIELD(cgroup, parent),
		FIELD(cgroup, level), FIELD(cgroup, kn), FIELD(cgroup, ancestors),
		FIELD(task_struct, migration_disabled), FIELD(cgroup, id),
		FIELD(scx_exit_info, kind), FIELD(scx_exit_info, exit_code), FIELD(scx_exit_info, reason),
		FIELD(scx_exit_info, msg), FIELD(scx_exit_info, dump),
		FIELD(scx_init_task_args, fork), FIELD(scx_init_task_args, cgroup),
		FIELD(scx_exit_task_args, cancelled), FIELD(scx_cpu_release_args, reason),
		FIELD(scx_cpu_release_args, task), FIELD(scx_cgroup_init_args, weight),
		FIELD(scx_enable_args, cgroup), FIELD(cpumask, bits),
		FIELD(bpf_cpumask, cpumask), FIELD(bpf_cpumask, usage),
		FIELD(sched_ext_ops, enqueue), FIELD(sched_ext_ops, name), FIELD(sched_ext_ops, flags),
		FIELD(task_struct, tgid),
		FIELD(scx_event_stats, SCX_EV_SELECT_CPU_FALLBACK),
		FIELD(scx_event_stats, SCX_EV_DISPATCH_KEEP_LAST),
		FIELD(scx_event_stats, SCX_EV_REFILL_SLICE_DFL),
		FIELD(scx_event_stats, SCX_EV_ENQ_SLICE_DFL),
		FIELD(scx_event_stats, SCX_EV_BYPASS_ACTIVATE),
	};
	static const struct {
		const char *type;
		size_t size;
	} sz[] = {
		{ "task_struct", sizeof(struct task_struct) }, { "cpumask", sizeof(struct cpumask) },
		{ "scx_exit_info", sizeof(struct scx_exit_info) }, { "cgroup", sizeof(struct cgroup) },
		{ "sched_ext_entity", sizeof(struct sched_ext_entity) },
		{ "bpf_iter_num", sizeof(struct bpf_iter_num) },
		{ "scx_event_stats", sizeof(struct scx_event_stats) },
	};
	struct btf *b = kernel_btf();

	CHECK(b);
	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		s32 id = btf_find_by_name_kind(b, f[i].type, BTF_KIND_STRUCT);
		struct btf_member_info mi;

		if (id < 0 || btf_member_by_name(b, (u32)id, f[i].member, &mi)) {
			btf_free(b);
			FAIL_("%s.%s missing from the kernel BTF", f[i].type, f[i].member);
		}
		if (mi.bit_offset != f[i].off * 8 || btf_type_size(b, mi.type_id) != (s64)f[i].size) {
			btf_free(b);
			FAIL_("%s.%s: BTF offset %u size %lld, host offset %zu size %zu", f[i].type,
			      f[i].member, mi.bit_offset / 8, (long long)btf_type_size(b, mi.type_id),
			      f[i].off, f[i].size);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(sz); i++) {
		s32 id = btf_find_by_name_kind(b, sz[i].type, BTF_KIND_STRUCT);
		s64 n = id < 0 ? -1 : btf_type_size(b, (u32)id);

		if (n != (s64)sz[i].size) {
			btf_free(b);
			FAIL_("sizeof(struct %s): BTF %lld, host %zu", sz[i].type, (long long)n, sz[i].size);
		}
	}
	btf_free(b);
}

TEST(bpf_sched_btf_has_every_kfunc)
{
	u32 nr;
	const struct rt_kfunc *k = rt_kfunc_table(&nr);
	struct btf *b = kernel_btf();

	CHECK(b);
	CHECK(nr > 60);
	for (u32 i = 0; i < nr; i++) {
		s32 id = btf_find_by_name_kind(b, k[i].name, BTF_KIND_FUNC);
		const struct btf_type *t = id < 0 ? NULL : btf_type_by_id(b, (u32)id);

		if (!t || btf_kind(btf_type_by_id(b, t->type)) != BTF_KIND_FUNC_PROTO) {
			btf_free(b);
			FAIL_("kfunc %s has no FUNC with a prototype in the kernel BTF", k[i].name);
		}
		if (!k[i].fn || !k[i].impl || !k[i].contexts[0] || rt_kfunc_find(k[i].name, strlen(k[i].name)) != (int)i) {
			btf_free(b);
			FAIL_("kfunc table entry %u (%s) incomplete or duplicated", i, k[i].name);
		}
	}
	CHECK_EQ(rt_kfunc_find("scx_bpf_nope", 12), -ENOENT);
	btf_free(b);
}

/* ---- helpers and kfuncs, program by program ----------------------------------------------- */

static u64 run(struct brun *r, const char *prog, u64 a0, int *err)
{
	u64 args[1] = { a0 }, ret = 0;

	*err = bpf_sched_run_prog(r->s, prog, args, 1, &ret);
	return ret;
}

#define RUN_EQ(r, prog, a0, want)                                                          \
	do {                                                                               \
		int e__;                                                                   \
		s64 v__ = (s32)run((r), (prog), (a0), &e__);                               \
		if (e__)                                                                   \
			fprintf(stderr, "  %s: %s\n", prog, bpf_sched_errmsg((r)->s));     \
		CHECK_EQ(e__, 0);                                                          \
		CHECK_EQ(v__, (want));                                                     \
	} while (0)

TEST(bpf_sched_helpers_and_kfuncs)
{
	struct brun r;
	int e;

	START(&r, "4", finite_mix, "sched_features", "knob_u32=5,knob_name=xyz");
	RUN_EQ(&r, "f_args", 10, 15);
	RUN_EQ(&r, "f_loop", 0, 4510);
	RUN_EQ(&r, "f_maps", 0, 4040);
	RUN_EQ(&r, "f_queue", 0, 56);
	RUN_EQ(&r, "f_print", 0, (s64)strlen("n=42 s=xyz x=ab") + 1);
	CHECK_STR((char *)bpf_sched_global(r.s, "text", NULL), "n=42 s=xyz x=ab");
	CHECK_STR(bpf_sched_log(r.s), "hello 42 world\nmany 1 2 3 4 ff\n");
	RUN_EQ(&r, "f_probe", 0, 401); /* knob_name "xyz": 4 bytes with the NUL */
	RUN_EQ(&r, "f_iter", 0, 518);
	RUN_EQ(&r, "f_cpumask", 0, 2110);
	RUN_EQ(&r, "f_cpumask2", 0, 2);
	RUN_EQ(&r, "f_task", r.m->tasks[0]->pid, r.m->tasks[0]->pid * 10 + 1);
	RUN_EQ(&r, "f_task", 99999, -1);
	RUN_EQ(&r, "f_ringbuf", 0, 1);
	CHECK_EQ(bpf_map_count(bpf_sched_map(r.s, "rb")), 32); /* two records of 8 + 8 header */
	RUN_EQ(&r, "f_misc", 0, 1);
	RUN_EQ(&r, "f_ksym", 0, 110);

	run(&r, "f_print_bad", 0, &e);
	CHECK_EQ(e, -ECANCELED);
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "more conversions than arguments");
	run(&r, "f_cpumask_double_release", 0, &e);
	CHECK_EQ(e, -ECANCELED);
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "bpf_cpumask_release(): argument 1");
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "sched_features.bpf.c:");
	run(&r, "no_such_prog", 0, &e);
	CHECK_EQ(e, -ENOENT);
	brun_free(&r);
}

TEST(bpf_sched_randomness_follows_machine_seed)
{
	struct brun a, b;
	u64 x, y;
	int e;

	START(&a, "2", finite_mix, "sched_features", NULL);
	START(&b, "2", finite_mix, "sched_features", NULL);
	x = run(&a, "f_misc", 0, &e);
	y = run(&b, "f_misc", 0, &e);
	CHECK_EQ(x, y);
	CHECK_EQ(*(u64 *)bpf_sched_global(a.s, "counter", NULL), 0); /* simulated time: 0 */
	brun_free(&a);
	brun_free(&b);
}

/* ---- load errors name the file and the reason ------------------------------------------------ */

TEST(bpf_sched_open_errors_fail)
{
	struct bpf_sched *s = NULL;
	char err[512], path[512];

	CHECK(bpf_sched_open("/nonexistent/x.bpf.o", &s, err, sizeof(err)) < 0);
	CHECK(!s);
	CHECK_CONTAINS(err, "/nonexistent/x.bpf.o");
	/* an object without a sched_ext_ops variable */
	CHECK_EQ(bpf_sched_open(obj_path("loader_core", path, sizeof(path)), &s, err, sizeof(err)), -ENOENT);
	CHECK_CONTAINS(err, "no struct sched_ext_ops variable");
	CHECK(!s);
	bpf_sched_free(NULL);
	/* from memory: a real object, then garbage */
	FILE *f = fopen(obj_path("sched_vtime", path, sizeof(path)), "rb");
	static char buf[1 << 20];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	CHECK(n > 0);
	CHECK_EQ(bpf_sched_open_mem(buf, n, "mem.bpf.o", &s, err, sizeof(err)), 0);
	CHECK_STR(bpf_sched_errmsg(s), "");
	CHECK_STR(bpf_sched_name(s), ""); /* not loaded yet */
	CHECK(!bpf_sched_ops(s));
	CHECK(!bpf_sched_global(s, "nr_enqueued", NULL));
	CHECK_EQ(bpf_sched_run_prog(s, "vt_enqueue", NULL, 0, NULL), -ENOENT);
	CHECK_CONTAINS(bpf_sched_errmsg(s), "(not loaded)");
	bpf_sched_free(s);
	CHECK(bpf_sched_open_mem("garbage", 7, "junk.bpf.o", &s, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "junk.bpf.o");
	CHECK(!s);
}

TEST(bpf_sched_knob_errors_fail)
{
	struct brun r;

	CHECK_EQ(brun_start(&r, "2", finite_mix, "sched_vtime", "no_such=1"), -5);
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "no_such");
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "slice_ns"); /* the list of knobs */
	brun_free(&r);
	CHECK_EQ(brun_start(&r, "2", finite_mix, "sched_vtime", "slice_ns"), -5);
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "expected name=value");
	brun_free(&r);
	CHECK_EQ(brun_start(&r, "2", finite_mix, "sched_vtime", "direct_idle=maybe"), -5);
	brun_free(&r);
}

TEST(bpf_sched_kfunc_prototype_mismatch_fail)
{
	struct brun r;

	CHECK_EQ(brun_start(&r, "2", finite_mix, "sched_badproto", NULL), -6);
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "sched_badproto.bpf.o");
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "kfunc 'scx_bpf_kick_cpu': prototype differs from scxsim's: argument 2");
	brun_free(&r);
	CHECK_EQ(brun_start(&r, "2", finite_mix, "sched_missing", NULL), -6);
	CHECK_CONTAINS(bpf_sched_errmsg(r.s), "sched_missing.bpf.o: prog 'missing_enqueue': kfunc 'scx_bpf_no_such_kfunc' not found");
	brun_free(&r);
}

TEST(bpf_sched_load_twice_and_attach_twice_fail)
{
	struct brun r;
	struct bpf_sched *s2 = NULL;
	char path[512], err[512];

	START(&r, "2", finite_mix, "sched_vtime", NULL);
	CHECK_EQ(bpf_sched_load(r.s, r.m), -EALREADY);
	CHECK_EQ(bpf_sched_set_knob(r.s, "slice_ns", "1"), -EBUSY);
	CHECK_EQ(bpf_sched_open(obj_path("sched_vtime", path, sizeof(path)), &s2, err, sizeof(err)), 0);
	CHECK_EQ(bpf_sched_attach(s2), -EINVAL); /* not loaded */
	CHECK_EQ(bpf_sched_load(s2, r.m), 0);
	CHECK_EQ(bpf_sched_attach(s2), -EBUSY);
	CHECK_CONTAINS(bpf_sched_errmsg(s2), "already has a BPF scheduler");
	bpf_sched_free(s2);
	CHECK(bpf_sched_of(r.m) == r.s);
	brun_free(&r);
}

TEST(bpf_sched_ops_data_members)
{
	struct brun r;

	START(&r, "2", finite_mix, "sched_features", NULL);
	CHECK_STR(bpf_sched_name(r.s), "features");
	CHECK(bpf_sched_ops(r.s)->flags == SCX_OPS_SWITCH_PARTIAL);
	CHECK(bpf_sched_ops(r.s)->enqueue != NULL);
	CHECK(bpf_sched_ops(r.s)->dispatch == NULL);
	brun_free(&r);
	START(&r, "2", finite_mix, "sched_vtime", NULL);
	CHECK_EQ(bpf_sched_ops(r.s)->timeout_ms, 5000);
	brun_free(&r);
}

/* A failing or faulting ops.init: attached, then ejected at once (upstream 6.12+); the exit
 * says why and every task runs on fair. */
TEST(bpf_sched_init_failure_ejects_at_attach)
{
	struct brun r;

	CHECK_EQ(brun_start(&r, "2", finite_mix, "sched_hostile", "bad=9"), 0);
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "hostile: ops.init() failed (-12)");
	CHECK(all_finished(r.m));
	brun_free(&r);
	CHECK_EQ(brun_start(&r, "2", finite_mix, "sched_hostile", "bad=10"), 0);
	CHECK_EQ(machine_run(r.m, 10 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "ops.init(): hostile_init pc ");
	CHECK_CONTAINS(machine_scx_exit_info(r.m)->msg, "invalid read of 4 bytes at 0x0");
	CHECK(all_finished(r.m));
	brun_free(&r);
}

/* ---- the CLI's --sched and disasm ------------------------------------------------------------ */

TEST(bpf_sched_cli_attach_file_with_knobs)
{
	struct brun r;
	char spec[600], path[512], err[1024];

	START(&r, "2", finite_mix, NULL, NULL);
	snprintf(spec, sizeof(spec), "%s:slice_ns=5000000,direct_idle=false",
		 obj_path("sched_vtime", path, sizeof(path)));
	CHECK_EQ(cli_sched_attach(r.m, spec, err, sizeof(err)), 0);
	r.s = bpf_sched_of(r.m); /* owned by the machine: not freed by brun_free */
	CHECK(r.s);
	CHECK_EQ(*(u64 *)bpf_sched_global(r.s, "slice_ns", NULL), 5000000);
	bpf_sched_set_print(r.s, false);
	CHECK_EQ(machine_run(r.m, 30 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK_EQ(global_u64(r.s, "nr_direct"), 0);
	CHECK(all_finished(r.m));
	r.s = NULL;
	brun_free(&r);
}

TEST(bpf_sched_cli_attach_errors_fail)
{
	struct brun r;
	char spec[600], path[512], err[1024];

	START(&r, "2", finite_mix, NULL, NULL);
	CHECK_EQ(cli_sched_attach(r.m, "no_such_example", err, sizeof(err)), -ENOENT);
	CHECK_CONTAINS(err, "/scheds/no_such_example.bpf.o");
	CHECK_EQ(cli_sched_attach(r.m, "bad name!", err, sizeof(err)), -EINVAL);
	CHECK_CONTAINS(err, "expected NAME or FILE.bpf.o");
	CHECK(cli_sched_attach(r.m, "/nonexistent/x.bpf.o", err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "/nonexistent/x.bpf.o");
	snprintf(spec, sizeof(spec), "%s:nope=1", obj_path("sched_vtime", path, sizeof(path)));
	CHECK_EQ(cli_sched_attach(r.m, spec, err, sizeof(err)), -ENOENT);
	CHECK_CONTAINS(err, "nope");
	snprintf(spec, sizeof(spec), "%s", obj_path("sched_badproto", path, sizeof(path)));
	CHECK(cli_sched_attach(r.m, spec, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "sched_badproto.bpf.o");
	CHECK(!bpf_sched_of(r.m));
	brun_free(&r);
}

TEST(bpf_sched_cli_disasm)
{
	char path[512], out[] = "/tmp/scxsim_disasm_XXXXXX", buf[65536];
	char *argv[] = { "disasm", path, NULL };
	int fd = mkstemp(out), saved = dup(1);
	FILE *f;
	size_t n;

	CHECK(fd >= 0);
	obj_path("sched_vtime", path, sizeof(path));
	fflush(stdout);
	dup2(fd, 1);
	int rc = cmd_disasm(2, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	f = fopen(out, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	unlink(out);
	CHECK_EQ(rc, 0);
	CHECK_CONTAINS(buf, "prog 'vt_enqueue' (section struct_ops/vt_enqueue");
	CHECK_CONTAINS(buf, "; sched_vtime.bpf.c:");
	CHECK_CONTAINS(buf, "scx_bpf_dsq_insert_vtime(p, SHARED_DSQ, slice_ns, vtime, enq_flags);");
	CHECK_CONTAINS(buf, "; scx_bpf_dsq_insert_vtime");
	CHECK_CONTAINS(buf, "; map 'stats'");
	char *bad[] = { "disasm", NULL };
	CHECK_EQ(cmd_disasm(1, bad), 2);
	char *missing[] = { "disasm", "/nonexistent.bpf.o", NULL };
	CHECK_EQ(cmd_disasm(2, missing), 2); /* a missing file is bad input */
}

/* ---- every trampoline: arguments, argument structs, return values ------------------------ */

TEST(bpf_sched_every_op_trampoline)
{
	struct brun r;
	const char *wl =
		"{\"cgroups\":{\"/g\":{\"weight\":300}},"
		"\"tasks\":{\"w\":{\"instance\":4,\"loop\":40,\"run\":700,\"sleep\":900,\"taskgroup\":\"/g\"},"
		"\"h\":{\"instance\":2,\"loop\":4,\"run\":20000},"
		"\"rt\":{\"policy\":\"SCHED_FIFO\",\"priority\":50,\"loop\":20,\"run\":300,\"sleep\":3000}}}";

	START(&r, "2", wl, "sched_allops", NULL);
	CHECK_EQ(machine_run(r.m, 30 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(all_finished(r.m));
	CHECK_EQ(global_u64(r.s, "n_bad_arg"), 0);
	CHECK(global_u64(r.s, "n_select") > 0);
	CHECK(global_u64(r.s, "n_enqueue") > 0);
	CHECK(global_u64(r.s, "n_dispatch") > 0);
	CHECK(global_u64(r.s, "n_runnable") > 0);
	CHECK(global_u64(r.s, "n_running") > 0);
	CHECK(global_u64(r.s, "n_stopping") >= global_u64(r.s, "n_stopping_runnable"));
	CHECK(global_u64(r.s, "n_stopping_runnable") > 0);
	CHECK(global_u64(r.s, "n_quiescent") > 0);
	CHECK(global_u64(r.s, "n_tick") > 0);
	CHECK_EQ(global_u64(r.s, "n_init_task"), 7);  /* every task ... */
	CHECK_EQ(global_u64(r.s, "n_exit_task"), 7);
	CHECK_EQ(global_u64(r.s, "n_enable"), 6);     /* ... but only the six non-rt ones enter ext */
	CHECK_EQ(global_u64(r.s, "n_disable"), 6);
	CHECK(global_u64(r.s, "n_cgroup_init") >= 2); /* root and /g */
	CHECK(global_u64(r.s, "n_cpu_release") > 0);  /* the rt task took a CPU */
	u32 *reason = bpf_sched_global(r.s, "release_reason", NULL);
	s32 *pid = bpf_sched_global(r.s, "release_task_pid", NULL);
	CHECK(reason && *reason == SCX_CPU_PREEMPT_RT);
	CHECK(pid && *pid == by_comm(r.m, "rt")->pid);
	u32 *maxcpu = bpf_sched_global(r.s, "max_cpu_seen", NULL);
	CHECK(maxcpu && *maxcpu == 1);
	brun_free(&r);
}

TEST(bpf_sched_exit_op_reads_exit_info)
{
	struct brun r;
	char *reason;

	START(&r, "2", finite_mix, "sched_allops", NULL);
	machine_sysrq_at(r.m, 5 * NSEC_PER_MSEC);
	CHECK_EQ(machine_run(r.m, 30 * NSEC_PER_SEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_SYSRQ);
	CHECK_EQ(*(s64 *)bpf_sched_global(r.s, "exit_kind", NULL), SCX_EXIT_SYSRQ);
	reason = bpf_sched_global(r.s, "exit_reason", NULL);
	CHECK_STR(reason, machine_scx_exit_info(r.m)->reason);
	CHECK(all_finished(r.m));
	brun_free(&r);
}
