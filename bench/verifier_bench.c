/*
 * verifier_bench.c — speed of the static verifier (src/ebpf/verifier/) on the example
 * schedulers: wall time per instruction processed (every path walked), per scheduler, best of
 * 5 runs, measured in this one run (no pass/fail). central is walked until its complexity
 * limits, so its figure is per instruction of a long walk.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ebpf/runtime/rt_int.h"
#include "scxsim/bpf_verifier.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int bench_one(const char *name)
{
	static const char *wl = "{\"tasks\":{\"t\":{\"loop\":1,\"run\":1}}}";
	struct topo *t = NULL;
	struct workload *w = NULL;
	struct machine *m = NULL;
	struct bpf_sched *s = NULL;
	struct machine_params p;
	char err[512], path[256];
	double best = 0;
	u64 insns = 0, nr = 0;

	snprintf(path, sizeof(path), "build/scheds/%s.bpf.o", name);
	machine_params_default(&p);
	if (topo_parse("1", &t, err, sizeof(err)) ||
	    workload_load_buf("b", wl, strlen(wl), &w, err, sizeof(err)) ||
	    !(m = machine_create(t, w, &p, 1, err, sizeof(err))) ||
	    bpf_sched_open(path, &s, err, sizeof(err)) || bpf_sched_load(s, m)) {
		fprintf(stderr, "verifier_bench: %s: cannot load\n", path);
		return 1;
	}
	for (int run = 0; run < 5; run++) {
		double t0 = now_ns(), dt;

		insns = 0;
		for (int i = 0; i < s->nr_progs; i++) {
			struct bpf_verify_report r;

			if (!bpf_verify_prog(s, i, 0, &r))
				insns += r.insns_processed;
			bpf_verify_report_fini(&r);
		}
		dt = now_ns() - t0;
		best = run && best < dt ? best : dt;
	}
	for (int i = 0; i < s->nr_progs; i++) {
		u32 c;
		bpf_prog_insns(s->progs[i].prog, &c);
		nr += c;
	}
	printf("%-8s %6llu insns in %2d programs, %8llu processed: %8.0f us, %6.1f ns/insn processed\n",
	       name, (unsigned long long)nr, s->nr_progs, (unsigned long long)insns, best / 1e3,
	       insns ? best / (double)insns : 0);
	bpf_sched_free(s);
	machine_destroy(m);
	workload_free(w);
	topo_free(t);
	return 0;
}

int main(int argc, char **argv)
{
	const char *names[] = { "simple", "qmap", "central" };
	int err = 0;

	printf("static verifier, best of 5 runs per scheduler:\n");
	for (int i = 0; i < (argc > 1 ? 2 : 3); i++)
		err |= bench_one(names[i]);
	return err;
}
