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

	memset(r, 0, sizeof(*r));
	if (topo_parse(topo, &r->t, r->err, sizeof(r->err)))
		return -1;
	if (workload_load_buf("t.json", wl, strlen(wl), &r->w, r->err, sizeof(r->err)))
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
	machine_destroy(r->m);
	bpf_sched_free(r->s);
	workload_free(r->w);
	topo_free(r->t);
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

static u64 g64(struct bpf_sched *s, const char *name)
{
	size_t sz = 0;
	u64 *v = bpf_sched_global(s, name, &sz);

	return v && sz == 8 ? *v : ~0ULL;
}

static struct task_struct *by_comm(struct machine *m, const char *comm)
{
	for (int i = 0; i < m->nr_tasks; i++)
		if (!strcmp(m->tasks[i]->comm, comm))
			return m->tasks[i];
	return NULL;
}

/* ---- more_ops: upstream names ------------------------------------------------------------- */

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
		2, 3, 1, 2,                              /* pick_any_cpu: idle ones, then rotation */
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
	if (g64(r.s, "nr_bad"))
		FAIL_("%llu bad observations, first at more_ops.bpf.c:%u", (unsigned long long)g64(r.s, "nr_bad"),
		      *(u32 *)bpf_sched_global(r.s, "bad_line", NULL));
	/* ops.dequeue: the four tasks held on CPU 1 when it went offline at 5 ms */
	CHECK_EQ(g64(r.s, "n_dequeue"), 4);
	CHECK_EQ(g64(r.s, "dequeue_at"), 5 * NSEC_PER_MSEC);
	CHECK_EQ(g64(r.s, "dequeue_flags"), 0);
	CHECK_EQ(g64(r.s, "n_quiescent_move"), 4);
	CHECK(g64(r.s, "n_quiescent_sleep") >= 20);
	CHECK(g64(r.s, "first_insert_at") >= 10 * NSEC_PER_MSEC);
	/* wake flags and enqueue flags through the trampolines */
	CHECK_EQ(g64(r.s, "n_fork"), 4);
	CHECK_EQ(g64(r.s, "n_ttwu"), 20);
	CHECK_EQ(g64(r.s, "n_sync"), 0);
	CHECK_EQ(g64(r.s, "n_enq_first_wakeup"), 0);
	CHECK_EQ(g64(r.s, "n_enq_selected"), 24);
	/* hotplug callbacks read the masks */
	CHECK_EQ(g64(r.s, "n_offline"), 1);
	CHECK_EQ(g64(r.s, "n_online"), 1);
	CHECK_EQ(g64(r.s, "online_at_offline_w"), 3);
	CHECK_EQ(g64(r.s, "online_at_offline_has1"), 0);
	CHECK_EQ(g64(r.s, "possible_at_offline_w"), 4);
	/* dispatch rounds: insert-insert-cancel and SCX_ENQ_HEAD, each followed by the right run */
	CHECK(g64(r.s, "n_cancel_rounds") >= 2);
	CHECK(g64(r.s, "n_head_rounds") >= 2);
	CHECK_EQ(g64(r.s, "n_head_checked"), g64(r.s, "n_cancel_rounds") + g64(r.s, "n_head_rounds"));
	CHECK(g64(r.s, "n_tick") > 0 && g64(r.s, "n_stopping") > 0 && g64(r.s, "n_running") > 0);
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
	CHECK_EQ(g64(r->s, "n_prep"), 6);    /* every task is prepared ... */
	CHECK_EQ(g64(r->s, "n_enable"), 4);  /* ... the four SCHED_EXT ones enabled ... */
	CHECK_EQ(g64(r->s, "n_disable"), 4);
	CHECK_EQ(g64(r->s, "n_cancel"), 2);  /* ... the others cancelled when they exit */
	CHECK_EQ(g64(r->s, "n_cg_bad"), 0);
	pids = bpf_sched_global(r->s, "cancelled_pids", NULL);
	CHECK(pids);
	/* the two never-enabled tasks, in the order they exited */
	CHECK(pids[0] != pids[1]);
	for (int i = 0; i < 2; i++)
		CHECK(pids[i] == by_comm(r->m, "o")->pid || pids[i] == by_comm(r->m, "rt")->pid);
	CHECK(g64(r->s, "n_consumed") >= 4);
	CHECK(g64(r->s, "n_consume_op") >= g64(r->s, "n_consumed"));
	CHECK(g64(r->s, "n_running_ext") >= 4);
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
	CHECK_EQ(g64(r.s, "n_vt_value_bad"), 0);  /* scx_bpf_dispatch_vtime() set p->scx.dsq_vtime */
	CHECK_EQ(g64(r.s, "n_vt_order_bad"), 0);  /* and the four ran lowest vtime first */
	brun_free(&r);
}
