/*
 * test_bpf_graph.c — the graph kfuncs (src/kfunc/graph.c) end to end: tests/bpf/graph_sched.bpf.c
 * keeps every runnable task in BPF memory (objects from bpf_obj_new in an rbtree ordered by
 * vtime or a FIFO list) and runs hackbench with nothing lost and no object left behind; its
 * ops.init self-test shows the rbtree order (ties in insertion order) and list order; each
 * misuse of tests/bpf/graph_hostile.bpf.c ejects the scheduler with the kfunc, program, pc and
 * source line named while every task finishes on fair. Also the opaque types' sizes in the
 * target BTF (the kernel's) and the table entries.
 *
 * The kfuncs are in the runtime once kfunc/kfunc_types.h declares them (SCXSIM_KFUNC_GRAPH,
 * which also puts their prototypes in the target BTF); until then this file has one test,
 * which checks that they are absent from the table, so a half-applied change is caught.
 * BPF objects come from $SCXSIM_TEST_BPF_DIR or build/tests/bpf.
 */
#include <errno.h>
#include <stdlib.h>
#include "ebpf/runtime/rt_int.h"
#include "scx/scx_int.h"
#include "scxsim/bpf_sched.h"
#include "scxsim/btf.h"
#include "test.h"

static const char *const graph_kfuncs[] = {
	"bpf_obj_new_impl", "bpf_obj_drop_impl", "bpf_list_push_front_impl",
	"bpf_list_push_back_impl", "bpf_list_pop_front", "bpf_list_pop_back",
	"bpf_rbtree_add_impl", "bpf_rbtree_first", "bpf_rbtree_remove",
};

#ifndef SCXSIM_KFUNC_GRAPH

TEST(bpf_graph_not_in_table_without_types)
{
	for (size_t i = 0; i < ARRAY_SIZE(graph_kfuncs); i++)
		CHECK_EQ(rt_kfunc_find(graph_kfuncs[i], strlen(graph_kfuncs[i])), -ENOENT);
}

#else

u32 rt_graph_nr_objs(const struct bpf_sched *s);

struct grun {
	struct topo *t;
	struct workload *w;
	struct machine *m;
	struct bpf_sched *s;
	char err[1024];
};

/* Build the machine, open/knob/load/attach tests/bpf/OBJ.bpf.o. 0 or the failing stage. */
static int grun_start(struct grun *r, const char *topo, const char *wl, const char *obj,
		      const char *knobs)
{
	const char *dir = getenv("SCXSIM_TEST_BPF_DIR");
	struct machine_params p;
	char path[512];

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/%s.bpf.o", dir && *dir ? dir : "build/tests/bpf", obj);
	if (topo_parse(topo, &r->t, r->err, sizeof(r->err)))
		return -1;
	if (workload_is_generator(wl) ? workload_generate(wl, &r->w, r->err, sizeof(r->err))
				      : workload_load_buf("t.json", wl, strlen(wl), &r->w, r->err, sizeof(r->err)))
		return -2;
	machine_params_default(&p);
	r->m = machine_create(r->t, r->w, &p, 1, r->err, sizeof(r->err));
	if (!r->m)
		return -3;
	if (bpf_sched_open(path, &r->s, r->err, sizeof(r->err)))
		return -4;
	bpf_sched_set_print(r->s, false);
	if (knobs && bpf_sched_set_knobs(r->s, knobs))
		return -5;
	if (bpf_sched_load(r->s, r->m))
		return -6;
	return bpf_sched_attach(r->s) ? -7 : 0;
}

static void grun_free(struct grun *r)
{
	machine_destroy(r->m);
	bpf_sched_free(r->s);
	workload_free(r->w);
	topo_free(r->t);
}

#define GSTART(r, topo, wl, obj, knobs)                                                    \
	do {                                                                               \
		int e_ = grun_start((r), (topo), (wl), (obj), (knobs));                    \
		if (e_) {                                                                  \
			fprintf(stderr, "  start failed at stage %d: %s\n", e_, (r)->err[0] ? \
				(r)->err : bpf_sched_errmsg((r)->s));                      \
			grun_free(r);                                                      \
			CHECK_EQ(e_, 0);                                                   \
		}                                                                          \
	} while (0)

static u64 gval(struct bpf_sched *s, const char *name, u32 idx)
{
	size_t sz = 0;
	u64 *v = bpf_sched_global(s, name, &sz);

	return v && (idx + 1) * 8 <= sz ? v[idx] : ~0ULL;
}

/* every finite task did all its work, and no invariant broke */
static bool graph_all_finished(struct machine *m)
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
	return m->nr_violations == 0;
}

/* ---- the scheduler ---------------------------------------------------------------------------- */

TEST(bpf_graph_sched_hackbench_nothing_lost)
{
	struct grun r;
	u64 added;

	GSTART(&r, "4", "hackbench:groups=2", "graph_sched", NULL);
	CHECK_EQ(gval(r.s, "selftest_err", 0), 0);
	CHECK_EQ(rt_graph_nr_objs(r.s), 0);          /* the self-test dropped all it made */
	CHECK_EQ(machine_run(r.m, 30 * NSEC_PER_SEC), 0);
	if (machine_scx_exit_info(r.m)->kind != SCX_EXIT_NONE)
		fprintf(stderr, "  exit: %s\n", machine_scx_exit_info(r.m)->msg);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	CHECK(graph_all_finished(r.m));
	for (int i = 0; i < r.m->nr_tasks; i++)
		CHECK(r.m->tasks[i]->st.runtime_by_class[0] > 0); /* ran on ext */
	added = gval(r.s, "nr_rb_added", 0) + gval(r.s, "nr_list_added", 0);
	CHECK(gval(r.s, "nr_rb_added", 0) > 100);
	CHECK(gval(r.s, "nr_list_added", 0) > 100);
	CHECK_EQ(gval(r.s, "nr_alloc_fail", 0), 0);
	CHECK_EQ(gval(r.s, "nr_lost", 0), 0);
	/* every node queued was dispatched and dropped: nothing left in BPF memory */
	CHECK_EQ(gval(r.s, "nr_dispatched", 0), added);
	CHECK_EQ(rt_graph_nr_objs(r.s), 0);
	grun_free(&r);
}

/* Cut off while tasks are still queued in BPF memory: the objects left are exactly the queued
 * nodes, and freeing the runtime frees them (ASan's leak check). */
TEST(bpf_graph_sched_cut_off_frees_queued)
{
	struct grun r;
	u64 added, left;

	GSTART(&r, "1", "hackbench:groups=2", "graph_sched", NULL);
	CHECK_EQ(machine_run(r.m, 20 * NSEC_PER_MSEC), 0);
	CHECK_EQ(machine_scx_exit_info(r.m)->kind, SCX_EXIT_NONE);
	added = gval(r.s, "nr_rb_added", 0) + gval(r.s, "nr_list_added", 0);
	left = rt_graph_nr_objs(r.s);
	CHECK(left > 0);
	CHECK_EQ(gval(r.s, "nr_dispatched", 0) + left, added);
	grun_free(&r);
}

TEST(bpf_graph_selftest_order)
{
	static const u64 rb[5] = { 4, 2, 5, 1, 3 }, list[6] = { 5, 4, 3, 2, 1, 0 };
	struct grun r;

	GSTART(&r, "2", "hackbench:groups=1", "graph_sched", NULL);
	for (u32 i = 0; i < 5; i++)
		CHECK_EQ(gval(r.s, "order_rb", i), rb[i]);
	for (u32 i = 0; i < 6; i++)
		CHECK_EQ(gval(r.s, "order_list", i), list[i]);
	grun_free(&r);
}

TEST(bpf_graph_sched_deterministic)
{
	u64 sw[2], disp[2];

	for (int k = 0; k < 2; k++) {
		struct grun r;

		GSTART(&r, "2s2c2t", "hackbench:groups=2", "graph_sched", NULL);
		CHECK_EQ(machine_run(r.m, 5 * NSEC_PER_SEC), 0);
		disp[k] = gval(r.s, "nr_dispatched", 0);
		sw[k] = 0;
		for (int i = 0; i < r.m->nr_tasks; i++)
			sw[k] += r.m->tasks[i]->st.nr_wakeups * 1000003ULL + r.m->tasks[i]->st.runtime_ns;
		grun_free(&r);
	}
	CHECK(disp[0] > 0);
	CHECK_EQ(disp[0], disp[1]);
	CHECK_EQ(sw[0], sw[1]);
}

/* ---- misuse: each ejects the scheduler, every task finishes on fair ---------------------------- */

static const char *graph_mix =
	"{\"tasks\":{\"w\":{\"instance\":4,\"loop\":50,\"run\":700,\"sleep\":900},"
	"\"h\":{\"instance\":2,\"loop\":4,\"run\":20000}}}";

static void graph_hostile(int *test_failed_, int bad, const char *const *needles)
{
	const struct scx_exit_info *ei;
	struct grun r;
	char knobs[32];

	snprintf(knobs, sizeof(knobs), "bad=%d", bad);
	GSTART(&r, "2", graph_mix, "graph_hostile", knobs);
	CHECK_EQ(machine_run(r.m, 30 * NSEC_PER_SEC), 0);
	ei = machine_scx_exit_info(r.m);
	if (ei->kind != SCX_EXIT_ERROR)
		fprintf(stderr, "  bad=%d: exit %s: %s\n", bad, scx_exit_kind_name(ei->kind), ei->msg);
	CHECK_EQ(ei->kind, SCX_EXIT_ERROR);
	CHECK_CONTAINS(ei->msg, "ops.enqueue(): gh_enqueue pc ");
	CHECK_CONTAINS(ei->msg, "graph_hostile.bpf.c:");
	for (int i = 0; needles[i]; i++)
		CHECK_CONTAINS(ei->msg, needles[i]);
	CHECK(graph_all_finished(r.m));
	for (int i = 0; i < r.m->nr_tasks; i++)
		CHECK_STR(task_class_name(r.m->tasks[i]), "fair");
	grun_free(&r);
}

TEST(bpf_graph_drop_twice_fail)
{
	static const char *const n[] = { "bpf_obj_drop_impl(): argument 1 (0x",
					 "dropped twice, or a foreign pointer", NULL };
	graph_hostile(test_failed_, 1, n);
}

TEST(bpf_graph_push_linked_node_fail)
{
	static const char *const n[] = { "bpf_list_push_back_impl(): argument 2 (0x",
					 "node is already in a list (head 0x", "/* already in hlist */", NULL };
	graph_hostile(test_failed_, 2, n);
}

TEST(bpf_graph_remove_node_not_in_tree_fail)
{
	static const char *const n[] = { "bpf_rbtree_remove(): argument 2 (0x",
					 "node is not in this rbtree (root 0x", "/* never added */", NULL };
	graph_hostile(test_failed_, 3, n);
}

TEST(bpf_graph_drop_foreign_pointer_fail)
{
	static const char *const n[] = { "bpf_obj_drop_impl(): argument 1 (0x",
					 "is not an object from bpf_obj_new()", "/* not an object */", NULL };
	graph_hostile(test_failed_, 4, n);
}

TEST(bpf_graph_use_after_drop_fail)
{
	static const char *const n[] = { "invalid read of 8 bytes", "/* use after drop */", NULL };
	graph_hostile(test_failed_, 5, n);
}

TEST(bpf_graph_add_node_twice_fail)
{
	static const char *const n[] = { "bpf_rbtree_add_impl(): argument 2 (0x",
					 "node is already in an rbtree (head 0x", NULL };
	graph_hostile(test_failed_, 6, n);
}

TEST(bpf_graph_drop_linked_object_fail)
{
	static const char *const n[] = { "bpf_obj_drop_impl(): object 0x", "is still in a list (node 0x",
					 ": remove it first", NULL };
	graph_hostile(test_failed_, 7, n);
}

TEST(bpf_graph_head_kind_mismatch_fail)
{
	static const char *const n[] = { "bpf_rbtree_add_impl(): argument 1 (0x",
					 "is a list, not a bpf_rb_root", NULL };
	graph_hostile(test_failed_, 8, n);
}

TEST(bpf_graph_kfunc_in_less_fail)
{
	static const char *const n[] = { "bpf_rbtree_first(): called from an rbtree less() callback",
					 "return bpf_rbtree_first(&hroot) != NULL;", NULL };
	graph_hostile(test_failed_, 9, n);
}

TEST(bpf_graph_obj_new_bad_type_fail)
{
	static const char *const n[] = { "bpf_obj_new_impl(): argument 1: type id 1 is not a struct",
					 "/* type 1 is not our struct */", NULL };
	graph_hostile(test_failed_, 10, n);
}

TEST(bpf_graph_spin_lock_twice_fail)
{
	static const char *const n[] = { "bpf_spin_lock(): lock at 0x", "is already held (deadlock)",
					 "/* deadlock */", NULL };
	graph_hostile(test_failed_, 11, n);
}

TEST(bpf_graph_spin_unlock_free_fail)
{
	static const char *const n[] = { "bpf_spin_unlock(): lock at 0x", "is not held",
					 "/* not held */", NULL };
	graph_hostile(test_failed_, 12, n);
}

/* ---- table and target BTF ---------------------------------------------------------------------- */

TEST(bpf_graph_table_and_btf_sizes)
{
	static const struct { const char *name; s64 size; } types[] = {
		{ "bpf_list_head", 16 }, { "bpf_list_node", 24 }, { "bpf_rb_root", 16 }, { "bpf_rb_node", 32 },
	};
	struct btf *b = NULL;
	char err[256];

	for (size_t i = 0; i < ARRAY_SIZE(graph_kfuncs); i++)
		CHECK(rt_kfunc_find(graph_kfuncs[i], strlen(graph_kfuncs[i])) >= 0);
	CHECK_EQ(btf_parse(scxsim_kernel_btf, scxsim_kernel_btf_len, "kernel", &b, err, sizeof(err)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		s32 id = btf_find_by_name_kind(b, types[i].name, BTF_KIND_STRUCT);
		s64 size = id < 0 ? -1 : btf_type_size(b, (u32)id);

		if (size != types[i].size) {
			btf_free(b);
			FAIL_("%s: size %lld in the target BTF, the kernel's is %lld", types[i].name,
			      (long long)size, (long long)types[i].size);
		}
	}
	btf_free(b);
}

#endif
