/*
 * sched_bench.c — what running a scheduler costs, measured in one run (medians of 5):
 *   1. hackbench at 64 CPUs: simulated context switches per wall second under the fair class,
 *      scheds/simple.bpf.c's policy written in C, and simple.bpf.o itself (interpreted): the
 *      two make identical schedules, so the BPF/C ratio is the interpreter's cost end to end;
 *   2. the other example schedulers (qmap, central) on the same run.
 * Prints figures and ratios, never pass/fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "scxsim/bpf_sched.h"
#include "scxsim/machine.h"
#include "scxsim/scx.h"
#include "machine/machine_int.h" /* C schedulers read task_struct fields, as BPF ones do */

#define REPS 5
#define TOPO "64"
#define WL "hackbench:groups=32,loops=20"

static u64 now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* ---- the C version of the weighted-vtime scheduler ---------------------------------------- */
#define VT_DSQ 0
static u64 vtime_now;
static s32 vt_init(void) { vtime_now = 0; return scx_bpf_create_dsq(VT_DSQ, -1); }
static s32 vt_select(struct task_struct *p, s32 prev, u64 wf)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev, wf, &idle);
	if (idle)
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	return cpu;
}
static void vt_enqueue(struct task_struct *p, u64 f)
{
	u64 v = p->scx.dsq_vtime;
	if ((s64)(v - (vtime_now - SCX_SLICE_DFL)) < 0)
		v = vtime_now - SCX_SLICE_DFL;
	scx_bpf_dsq_insert_vtime(p, VT_DSQ, SCX_SLICE_DFL, v, f);
}
static void vt_dispatch(s32 cpu, struct task_struct *prev) { scx_bpf_dsq_move_to_local(VT_DSQ); }
static void vt_running(struct task_struct *p)
{
	if ((s64)(vtime_now - p->scx.dsq_vtime) < 0)
		vtime_now = p->scx.dsq_vtime;
}
static void vt_stopping(struct task_struct *p, bool runnable)
{
	p->scx.dsq_vtime += (SCX_SLICE_DFL - p->scx.slice) * 100 / p->scx.weight;
}
static void vt_enable(struct task_struct *p) { p->scx.dsq_vtime = vtime_now; }

/* the same policy as scheds/simple.bpf.c in its default (vtime) mode, in C */
static const struct sched_ext_ops c_vtime = {
	.init = vt_init, .select_cpu = vt_select, .enqueue = vt_enqueue, .dispatch = vt_dispatch,
	.running = vt_running, .stopping = vt_stopping, .enable = vt_enable, .name = "c_simple",
};

struct fig {
	u64 wall, switches, events;
};

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;
	return x < y ? -1 : x > y;
}

/* kind: 0 fair, 1 C ops, 2 BPF object at path */
static int run_once(int kind, const char *path, struct fig *f)
{
	struct topo *t;
	struct workload *w;
	struct machine *m;
	struct machine_params p;
	struct bpf_sched *s = NULL;
	char err[1024];

	if (topo_parse(TOPO, &t, err, sizeof(err)) || workload_generate(WL, &w, err, sizeof(err)))
		goto fail;
	machine_params_default(&p);
	m = machine_create(t, w, &p, 1, err, sizeof(err));
	if (!m)
		goto fail;
	if (kind == 1 && machine_attach_scx(m, &c_vtime, err, sizeof(err)))
		goto fail;
	if (kind == 2) {
		if (bpf_sched_open(path, &s, err, sizeof(err)))
			goto fail;
		bpf_sched_set_print(s, false);
		if (bpf_sched_load(s, m) || bpf_sched_attach(s)) {
			snprintf(err, sizeof(err), "%s", bpf_sched_errmsg(s));
			goto fail;
		}
	}
	u64 t0 = now_ns();
	machine_run(m, 30 * NSEC_PER_SEC);
	f->wall = now_ns() - t0;
	f->switches = machine_ctx_switches(m);
	f->events = machine_events(m);
	machine_destroy(m);
	bpf_sched_free(s);
	workload_free(w);
	topo_free(t);
	return 0;
fail:
	fprintf(stderr, "sched_bench: %s\n", err);
	return -1;
}

static int run_median(int kind, const char *path, struct fig *f)
{
	u64 walls[REPS];

	for (int i = 0; i < REPS; i++) {
		if (run_once(kind, path, f))
			return -1;
		walls[i] = f->wall;
	}
	qsort(walls, REPS, sizeof(walls[0]), cmp_u64);
	f->wall = walls[REPS / 2];
	return 0;
}

static void show(const char *label, const struct fig *f)
{
	printf("  %-26s %9.0f ctx/s  %8.1f ns/event  (%llu switches, %.1f ms wall)\n", label,
	       f->switches * 1e9 / f->wall, (double)f->wall / f->events,
	       (unsigned long long)f->switches, f->wall / 1e6);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("SCXSIM_BUILD");
	char path[512];
	struct fig fair, c, b;
	static const char *const ex[] = { "qmap", "central" };

	if (!dir)
		dir = "build";
	printf("%s on %s CPUs (median of %d runs):\n", WL, TOPO, REPS);
	if (run_median(0, NULL, &fair) || run_median(1, NULL, &c))
		return 1;
	show("fair", &fair);
	show("simple in C", &c);
	snprintf(path, sizeof(path), "%s/scheds/simple.bpf.o", dir);
	if (run_median(2, path, &b) == 0) {
		show("simple in BPF (interpreted)", &b);
		printf("  same policy, %s: BPF costs %.2fx the wall time per event of C\n",
		       b.switches == c.switches && b.events == c.events ? "identical schedules" :
									    "SCHEDULES DIFFER",
		       ((double)b.wall / b.events) / ((double)c.wall / c.events));
	}
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		struct fig f;
		snprintf(path, sizeof(path), "%s/scheds/%s.bpf.o", dir, ex[i]);
		if (run_median(2, path, &f))
			continue;
		char label[64];
		snprintf(label, sizeof(label), "%s (BPF)", ex[i]);
		show(label, &f);
		printf("  %s vs fair: %.2fx the wall time per event\n", ex[i],
		       ((double)f.wall / f.events) / ((double)fair.wall / fair.events));
	}
	return 0;
}
