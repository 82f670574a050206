/*
 * workload.c — fuzz harness for the workload readers and the machine that runs them: an input
 * that names a generator ("cpuhog:n=3", "hackbench:groups=1,...": workload_is_generator) goes
 * to workload_generate(), anything else to the rt-app reader workload_load_buf(). What parses
 * is run on a small machine (2 sockets x 2 cores x 2 threads, fair class) for at most 20 ms of
 * simulated time, so odd but valid workloads (zero-length runs, huge loops, barriers nobody
 * reaches, timers, cgroup and hotplug events) exercise the machine too.
 *
 * Properties: a reader error returns -errno, no workload and a message that starts with the
 * file name (rt-app) or names the generator spec; machine_create() either succeeds or says why;
 * the run returns 0; the result JSON can be written.
 * Bound: workloads with more than FZ_MAX_THREADS threads are parsed but not run (a machine of
 * 65536 tasks is valid, just slow: a size, not a bug).
 */
#include <errno.h>

#include "fuzz.h"
#include "scxsim/json_write.h"
#include "scxsim/machine.h"
#include "scxsim/topo.h"
#include "scxsim/workload.h"

#define FZ_MAX_THREADS 256
#define FZ_RUN_NS (20ULL * 1000 * 1000)

static long fz_threads(const struct workload *w)
{
	long n = 0;

	for (int t = 0; t < w->nr_tasks; t++)
		n += w->tasks[t].instances;
	return n;
}

static void fz_run(const struct workload *w)
{
	static struct topo *topo;
	struct machine_params p;
	struct machine *m;
	char err[512] = "";

	if (!topo && topo_parse("2s2c2t", &topo, err, sizeof(err)))
		fz_fail("topo_parse(2s2c2t): %s", err);
	if (fz_threads(w) > FZ_MAX_THREADS)
		return;
	machine_params_default(&p);
	m = machine_create(topo, w, &p, 1, err, sizeof(err));
	if (!m) {
		if (fz_verbose())
			fprintf(stderr, "workload: machine_create: %s\n", err);
		if (strlen(err) < 8)
			fz_fail("machine_create failed without a reason: \"%s\"", err);
		return;
	}
	u64 d = w->duration_ns && w->duration_ns < FZ_RUN_NS ? w->duration_ns : FZ_RUN_NS;
	int e = machine_run(m, d);
	if (e && e != -ENOMEM)
		fz_fail("machine_run: %d", e);
	if (fz_verbose())
		fprintf(stderr, "workload: ran %d tasks, %llu events\n", w->nr_tasks,
			(unsigned long long)machine_events(m));
	FILE *f = fopen("/dev/null", "w");
	if (f) {
		struct jw jw;

		jw_init(&jw, f, true);
		machine_write_result(m, &jw, "fair", 0);
		fclose(f);
	}
	machine_destroy(m);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct workload *w = NULL;
	char err[512] = "";
	char *s = fz_strdup(data, size);
	int e;

	if (!s)
		return 0;
	if (workload_is_generator(s)) {
		e = workload_generate(s, &w, err, sizeof(err));
		if (e && strlen(err) < 8)
			fz_fail("workload_generate('%s') failed without a reason: \"%s\"", s, err);
	} else {
		e = workload_load_buf("f.json", (const char *)data, size, &w, err, sizeof(err));
		if (e)
			fz_check_msg("workload_load_buf", err, "f.json");
	}
	if (e && fz_verbose())
		fprintf(stderr, "workload: %s\n", err);
	if (e > 0 || (e < 0 && w))
		fz_fail("workload reader: returned %d with workload %p", e, (void *)w);
	for (int t = 0; w && t < w->nr_tasks; t++)
		workload_task_work_ns(&w->tasks[t]);
	if (w)
		fz_run(w);
	workload_free(w);
	free(s);
	return 0;
}
