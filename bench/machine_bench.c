/*
 * machine_bench.c — speed and memory of the simulated machine under the fair class.
 * Prints figures and ratios measured in this one run (no pass/fail; machines are noisy):
 *   1. the same hackbench workload at 8, 64 and 512 CPUs: simulated context switches per wall
 *      second, ns per context switch and per event, and the 512/8 cost ratio (O(nr_cpus) work
 *      on the hot path would show up here);
 *   2. hackbench scaled with the machine (groups = CPUs/2);
 *   3. pipe (a pure wake-up chain: every message is a context switch);
 *   4. memory per task at 100k tasks (heap bytes / task, after a run).
 * Each timing is the median of 5 runs.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "scxsim/machine.h"
#include "scxsim/scx.h"

#define REPS 5

static u64 now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;
	return x < y ? -1 : x > y;
}

struct fig {
	u64 wall_ns, switches, events;
};

static void fifo_enqueue(struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

static const struct sched_ext_ops fifo_ops = { .enqueue = fifo_enqueue, .name = "fifo" };
static const struct sched_ext_ops *bench_ops; /* NULL = fair */

static int run_once(const char *topo, const char *wl, u64 dur, struct fig *f)
{
	struct topo *t;
	struct workload *w;
	struct machine *m;
	struct machine_params p;
	char err[512];

	if (topo_parse(topo, &t, err, sizeof(err)) || workload_generate(wl, &w, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	machine_params_default(&p);
	m = machine_create(t, w, &p, 1, err, sizeof(err));
	if (!m || (bench_ops && machine_attach_scx(m, bench_ops, err, sizeof(err)))) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	u64 t0 = now_ns();
	machine_run(m, dur);
	f->wall_ns = now_ns() - t0;
	f->switches = machine_ctx_switches(m);
	f->events = machine_events(m);
	machine_destroy(m);
	workload_free(w);
	topo_free(t);
	return 0;
}

/* Median wall time of REPS runs; switches/events are deterministic. */
static int run_median(const char *topo, const char *wl, u64 dur, struct fig *f)
{
	u64 walls[REPS];

	for (int i = 0; i < REPS; i++) {
		if (run_once(topo, wl, dur, f))
			return -1;
		walls[i] = f->wall_ns;
	}
	qsort(walls, REPS, sizeof(walls[0]), cmp_u64);
	f->wall_ns = walls[REPS / 2];
	return 0;
}

static void print_fig(const char *label, const struct fig *f)
{
	printf("  %-34s %9.0f ctx/s  %7.1f ns/ctx  %6.1f ns/event  (%llu switches, %llu events, %.1f ms wall)\n",
	       label, f->switches * 1e9 / f->wall_ns, (double)f->wall_ns / f->switches,
	       (double)f->wall_ns / f->events, (unsigned long long)f->switches,
	       (unsigned long long)f->events, f->wall_ns / 1e6);
}

static void bench_hackbench(void)
{
	static const int cpus[] = { 8, 64, 512 };
	struct fig f[3];
	char topo[16], wl[64];

	printf("hackbench groups=16 (640 tasks), fair class, same work at each size:\n");
	for (int i = 0; i < 3; i++) {
		snprintf(topo, sizeof(topo), "%d", cpus[i]);
		if (run_median(topo, "hackbench:groups=16,loops=50", 10 * NSEC_PER_SEC, &f[i]))
			return;
		snprintf(wl, sizeof(wl), "%d CPUs", cpus[i]);
		print_fig(wl, &f[i]);
	}
	printf("  cost per context switch 512 vs 8 CPUs: %.2fx (target <= 2x); per event: %.2fx\n",
	       ((double)f[2].wall_ns / f[2].switches) / ((double)f[0].wall_ns / f[0].switches),
	       ((double)f[2].wall_ns / f[2].events) / ((double)f[0].wall_ns / f[0].events));
	printf("hackbench scaled with the machine (groups = CPUs/2):\n");
	for (int i = 0; i < 3; i++) {
		snprintf(topo, sizeof(topo), "%d", cpus[i]);
		snprintf(wl, sizeof(wl), "hackbench:groups=%d,loops=20", cpus[i] / 2);
		if (run_median(topo, wl, 10 * NSEC_PER_SEC, &f[i]))
			return;
		snprintf(wl, sizeof(wl), "%d CPUs, %d tasks", cpus[i], cpus[i] * 20);
		print_fig(wl, &f[i]);
	}
	printf("  cost per context switch 512 vs 8 CPUs: %.2fx\n",
	       ((double)f[2].wall_ns / f[2].switches) / ((double)f[0].wall_ns / f[0].switches));
}

/* The ext class's own overhead: a C global-FIFO scheduler vs fair, same hackbench runs. */
static void bench_ext_vs_fair(void)
{
	static const int cpus[] = { 8, 64, 512 };
	struct fig ff, fe;
	char topo[16], wl[64], label[64];

	printf("ext (C global FIFO) vs fair, hackbench groups = CPUs/4:\n");
	for (int i = 0; i < 3; i++) {
		snprintf(topo, sizeof(topo), "%d", cpus[i]);
		snprintf(wl, sizeof(wl), "hackbench:groups=%d,loops=20", cpus[i] / 4);
		bench_ops = NULL;
		if (run_median(topo, wl, 10 * NSEC_PER_SEC, &ff))
			return;
		bench_ops = &fifo_ops;
		if (run_median(topo, wl, 10 * NSEC_PER_SEC, &fe))
			return;
		bench_ops = NULL;
		snprintf(label, sizeof(label), "fair, %d CPUs", cpus[i]);
		print_fig(label, &ff);
		snprintf(label, sizeof(label), "ext fifo, %d CPUs", cpus[i]);
		print_fig(label, &fe);
		printf("  ext/fair cost per event: %.2fx\n",
		       ((double)fe.wall_ns / fe.events) / ((double)ff.wall_ns / ff.events));
	}
}

static void bench_pipe(void)
{
	struct fig f;

	printf("pipe (every message wakes the peer):\n");
	if (run_median("2", "pipe:loops=200000", 100 * NSEC_PER_SEC, &f) == 0)
		print_fig("2 CPUs", &f);
	if (run_median("64", "pipe:loops=200000", 100 * NSEC_PER_SEC, &f) == 0)
		print_fig("64 CPUs", &f);
}

static void bench_memory(void)
{
	const char *json = "{\"tasks\":{\"a\":{\"instance\":50000,\"loop\":-1,\"run\":50,\"sleep\":5000},"
			   "\"b\":{\"instance\":50000,\"loop\":-1,\"run\":50,\"sleep\":5000}}}";
	struct topo *t;
	struct workload *w;
	struct machine *m;
	struct machine_params p;
	char err[512];

	if (topo_parse("64", &t, err, sizeof(err)) ||
	    workload_load_buf("mem.json", json, strlen(json), &w, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return;
	}
	machine_params_default(&p);
	size_t before = mallinfo2().uordblks;
	m = machine_create(t, w, &p, 1, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "bench: %s\n", err);
		return;
	}
	size_t created = mallinfo2().uordblks;
	machine_run(m, 300 * NSEC_PER_MSEC);
	size_t after = mallinfo2().uordblks;
	printf("memory at 100k tasks (64 CPUs): %.0f bytes/task at creation, %.0f bytes/task after 300 ms "
	       "of sleep/run (latency histograms allocated), target <= 2048\n",
	       (double)(created - before) / 100000, (double)(after - before) / 100000);
	printf("  (%llu context switches in that run)\n", (unsigned long long)machine_ctx_switches(m));
	machine_destroy(m);
	workload_free(w);
	topo_free(t);
}

int main(void)
{
	bench_hackbench();
	bench_ext_vs_fair();
	bench_pipe();
	bench_memory();
	return 0;
}
