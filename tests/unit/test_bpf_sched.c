/*
 * test_bpf_sched.c — the BPF scheduler runtime end to end: tests/bpf/sched_vtime.bpf.c (a
 * global weighted-vtime scheduler in BPF C) runs hackbench with no invariant violation and
 * nothing lost, and gives the same weighted shares as the C version in test_scx.c; the
 * hostile programs of tests/bpf/sched_hostile.bpf.c each eject the scheduler with the
 * program, pc and source line in the message while every task finishes on fair; the target
 * BTF agrees with the host compiler's layout; load errors name file and reason.
 * BPF objects come from $SCXSIM_TEST_BPF_DIR or build/tests/bpf.
 */
#include <stdlib.h>
#include "ebpf/runtime/rt_int.h"
#include "scx/scx_int.h"
#include "scxsim/bpf_sched.h"
#include "test.h"

static const char *obj_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("SCXSIM_TEST_BPF_DIR");

	snprintf(buf, len, "%s/%s.bpf.o", dir && *dir ? dir : "build/tests/bpf", name);
	return buf;
}

struct brun {
	struct topo *t;
	struct workload *w;
	struct machine *m;
	struct bpf_sched *s;
	char err[1024];
};

/* Build the machine, open/knob/load/attach the scheduler. 0 or the failing stage (<0). */
static int brun_start(struct brun *r, const char *topo, const char *wl, const char *obj,
		      const char *knobs)
{
	struct machine_params p;
	char path[512];
	int e;

	memset(r, 0, sizeof(*r));
	if (topo_parse(topo, &r->t, r->err, sizeof(r->err)))
		return -1;
	e = workload_is_generator(wl) ? workload_generate(wl, &r->w, r->err, sizeof(r->err))
				      : workload_load_buf("t.json", wl, strlen(wl), &r->w, r->err, sizeof(r->err));
	if (e)
		return -2;
	machine_params_default(&p);
	r->m = machine_create(r->t, r->w, &p, 1, r->err, sizeof(r->err));
	if (!r->m)
		return -3;
	if (bpf_sched_open(obj_path(obj, path, sizeof(path)), &r->s, r->err, sizeof(r->err)))
		return -4;
	bpf_sched_set_print(r->s, false);
	if (knobs && bpf_sched_set_knobs(r->s, knobs))
		return -5;
	if (bpf_sched_load(r->s, r->m))
		return -6;
	if (bpf_sched_attach(r->s))
		return -7;
	return 0;
}

static void brun_free(struct brun *r)
{
	if (r->s && r->err[0] == '\0')
		snprintf(r->err, sizeof(r->err), "%s", bpf_sched_errmsg(r->s));
	machine_destroy(r->m);
	bpf_sched_free(r->s);
	workload_free(r->w);
	topo_free(r->t);
}

static struct task_struct *by_comm(struct machine *m, const char *comm)
{
	for (int i = 0; i < m->nr_tasks; i++)
		if (!strcmp(m->tasks[i]->comm, comm))
			return m->tasks[i];
	return NULL;
}

/* every finite task finished all its work, and no invariant broke */
static bool all_finished(struct machine *m)
{
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];
		if (p->st.work_total_ns >= 0 &&
		    (!p->st.finished || (s64)p->st.work_done_ns != p->st.work_total_ns)) {
			fprintf(stderr, "  %s[%d] not finished: %llu/%lld ns\n", p->comm, p->pid,
				(unsigned long long)p->st.work_done_ns, (long long)p->st.work_total_ns);
			return false;
		}
	}
	for (int i = 0; i < m->nr_violations; i++)
		fprintf(stderr, "  violation: %s\n", m->violations[i]);
	return m->nr_violations == 0;
}

static u64 global_u64(struct bpf_sched *s, const char *name)
{
	size_t sz = 0;
	u64 *v = bpf_sched_global(s, name, &sz);

	return v && sz == 8 ? *v : ~0ULL;
}

#define START(r, topo, wl, obj, knobs)                                                     \
	do {                                                                               \
		int e_ = brun_start((r), (topo), (wl), (obj), (knobs));                    \
		if (e_) {                                                                  \
			fprintf(stderr, "  start failed at stage %d: %s\n", e_, (r)->err[0] ? \
				(r)->err : bpf_sched_errmsg((r)->s));                      \
			brun_free(r);                                                      \
			CHECK_EQ(e_, 0);                                                   \
		}                                                                          \
	} while (0)

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
