/*
 * cmd_run.c — `scxsim run`: parse options, build the topology and the workload, run the
 * machine, print the summary and write the result JSON. Every bad input ends with one line
 * on stderr naming the option or file and the problem, and exit status 2.
 */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "scxsim/json_write.h"
#include "scxsim/machine.h"
#include "scxsim/scx.h"
#include "scxsim/topo.h"
#include "scxsim/workload.h"

#define DEFAULT_DURATION_NS (5 * NSEC_PER_SEC)

struct run_opts {
	const char *sched;
	const char *workload;
	const char *topo;
	const char *json;
	const char *trace;
	u64 duration_ns;       /* 0 = from the workload, else the default */
	u64 sysrq_at_ns;       /* 0 = none */
	bool sysrq;
	u64 seed;
	struct machine_params params;
	bool quiet;
};

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: scxsim run --workload FILE.json|GEN[:k=v,...] [--sched fair]\n"
		"                  [--topo N|SsCcTt[:llc=K][:nodes=N]|host] [--duration 5s]\n"
		"                  [--seed N] [--hz 1000] [--json OUT.json] [--trace OUT.json]\n"
		"                  [--sysrq-at T] [--model k=v,...] [--quiet]\n"
		"generators: cpuhog[:n=N,nice=K,work=MS]  pipe[:loops=L]\n"
		"            hackbench[:groups=G,fds=F,loops=L]  schbench[:mthreads=M,workers=W]\n"
		"durations take a unit: ns, us, ms, s (a bare number is seconds)\n"
		"--model k=v,...  model parameters in ns: ctx_switch_ns, migration_ns, wakeup_ipi_ns,\n"
		"                 base_slice_ns, rr_timeslice_ns, check_period_ns (docs/model.md)\n");
}

/* "5s", "100ms", "250us", "1000ns", "2" (seconds). */
static int parse_duration(const char *s, u64 *out)
{
	char *end;
	double v;
	u64 mult = NSEC_PER_SEC;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -EINVAL;
	if (!strcmp(end, "ns"))
		mult = 1;
	else if (!strcmp(end, "us"))
		mult = NSEC_PER_USEC;
	else if (!strcmp(end, "ms"))
		mult = NSEC_PER_MSEC;
	else if (strcmp(end, "s") && *end)
		return -EINVAL;
	if (v * mult > 1e18 || v * mult < 1)
		return -EINVAL;
	*out = (u64)(v * mult + 0.5);
	return 0;
}

/* --model k=v,...: the machine's model parameters (docs/model.md), by name. */
static const struct {
	const char *name;
	size_t off;
} model_params[] = {
	{ "ctx_switch_ns", offsetof(struct machine_params, ctx_switch_ns) },
	{ "migration_ns", offsetof(struct machine_params, migration_ns) },
	{ "wakeup_ipi_ns", offsetof(struct machine_params, wakeup_ipi_ns) },
	{ "base_slice_ns", offsetof(struct machine_params, base_slice_ns) },
	{ "rr_timeslice_ns", offsetof(struct machine_params, rr_timeslice_ns) },
	{ "check_period_ns", offsetof(struct machine_params, check_period_ns) },
};

static int parse_model(const char *spec, struct machine_params *mp)
{
	char buf[512], *save = NULL;

	if (strlen(spec) >= sizeof(buf))
		return -E2BIG;
	strcpy(buf, spec);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '='), *end;
		size_t i;

		if (!eq) {
			fprintf(stderr, "scxsim run: --model '%s': expected NAME=NS\n", kv);
			return -EINVAL;
		}
		*eq = 0;
		for (i = 0; i < ARRAY_SIZE(model_params); i++)
			if (!strcmp(kv, model_params[i].name))
				break;
		if (i == ARRAY_SIZE(model_params)) {
			fprintf(stderr, "scxsim run: --model: unknown parameter '%s' (known:", kv);
			for (i = 0; i < ARRAY_SIZE(model_params); i++)
				fprintf(stderr, " %s", model_params[i].name);
			fprintf(stderr, ")\n");
			return -EINVAL;
		}
		errno = 0;
		unsigned long long v = strtoull(eq + 1, &end, 10);
		if (errno || *end || !eq[1] || eq[1] == '-' || v > 10ULL * NSEC_PER_SEC) {
			fprintf(stderr, "scxsim run: --model %s='%s': expected nanoseconds in 0..10000000000\n",
				kv, eq + 1);
			return -EINVAL;
		}
		*(u64 *)((char *)mp + model_params[i].off) = v;
	}
	if (!mp->base_slice_ns || !mp->rr_timeslice_ns) {
		fprintf(stderr, "scxsim run: --model: base_slice_ns and rr_timeslice_ns must be > 0\n");
		return -EINVAL;
	}
	return 0;
}

static int parse_u64(const char *s, u64 *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return -EINVAL;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "sched", required_argument, NULL, 's' },
		{ "workload", required_argument, NULL, 'w' },
		{ "topo", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 'S' },
		{ "hz", required_argument, NULL, 'H' },
		{ "json", required_argument, NULL, 'j' },
		{ "trace", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "sysrq-at", required_argument, NULL, 'y' },
		{ "model", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	u64 v;

	*o = (struct run_opts){ .sched = "fair", .topo = "4", .seed = 1 };
	machine_params_default(&o->params);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->sched = optarg; break;
		case 'w': o->workload = optarg; break;
		case 't': o->topo = optarg; break;
		case 'j': o->json = optarg; break;
		case 'T': o->trace = optarg; break;
		case 'q': o->quiet = true; break;
		case 'd':
			if (parse_duration(optarg, &o->duration_ns)) {
				fprintf(stderr, "scxsim run: --duration '%s': expected a positive time like 5s, 100ms, 250us\n", optarg);
				return 2;
			}
			break;
		case 'M':
			if (parse_model(optarg, &o->params))
				return 2;
			break;
		case 'y':
			if (!strcmp(optarg, "0")) {
				o->sysrq_at_ns = 0;
			} else if (parse_duration(optarg, &o->sysrq_at_ns)) {
				fprintf(stderr, "scxsim run: --sysrq-at '%s': expected a time like 2s, 150ms\n", optarg);
				return 2;
			}
			o->sysrq = true;
			break;
		case 'S':
			if (parse_u64(optarg, &o->seed)) {
				fprintf(stderr, "scxsim run: --seed '%s': expected a non-negative integer\n", optarg);
				return 2;
			}
			break;
		case 'H':
			if (parse_u64(optarg, &v) || v < 100 || v > 10000) {
				fprintf(stderr, "scxsim run: --hz '%s': expected an integer in 100..10000\n", optarg);
				return 2;
			}
			o->params.hz = (u32)v;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			if (optopt)
				fprintf(stderr, "scxsim run: option '--%s' needs a value\n",
					longopts[0].name ? argv[optind - 1] + 2 : "?");
			else
				fprintf(stderr, "scxsim run: unknown option '%s'\n", argv[optind - 1]);
			run_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "scxsim run: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!o->workload) {
		fprintf(stderr, "scxsim run: --workload is required\n");
		run_usage(stderr);
		return 2;
	}
	return -1; /* continue */
}

static int load_workload(const char *spec, struct workload **w)
{
	char err[512];
	int e;

	if (workload_is_generator(spec))
		e = workload_generate(spec, w, err, sizeof(err));
	else
		e = workload_load_file(spec, w, err, sizeof(err));
	if (e) {
		fprintf(stderr, "scxsim run: %s\n", err);
		return 2;
	}
	if ((*w)->nr_ignored) {
		fprintf(stderr, "%s: ignoring keys that do not affect scheduling:", (*w)->source);
		for (int i = 0; i < (*w)->nr_ignored; i++)
			fprintf(stderr, "%s %s", i ? "," : "", (*w)->ignored[i]);
		fputc('\n', stderr);
	}
	return 0;
}

static u64 wall_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int write_json(const char *path, struct machine *m, const char *sched, u64 wall)
{
	FILE *f = fopen(path, "w");
	struct jw w;

	if (!f) {
		fprintf(stderr, "scxsim run: --json %s: %s\n", path, strerror(errno));
		return 2;
	}
	jw_init(&w, f, false);
	machine_write_result(m, &w, sched, wall);
	if (fclose(f)) {
		fprintf(stderr, "scxsim run: --json %s: %s\n", path, strerror(errno));
		return 2;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct topo *t = NULL;
	struct workload *w = NULL;
	struct machine *m = NULL;
	FILE *trace_f = NULL;
	char err[512];
	int rc = parse_opts(argc, argv, &o);
	u64 t0, duration;

	if (rc >= 0)
		return rc;
	if (strcmp(o.sched, "fair")) {
		fprintf(stderr, "scxsim run: --sched %s: only the fair class is available in this build "
				"(BPF schedulers arrive with the BPF runtime)\n", o.sched);
		return 1;
	}
	if (topo_parse(o.topo, &t, err, sizeof(err))) {
		fprintf(stderr, "scxsim run: --topo: %s\n", err);
		return 2;
	}
	rc = load_workload(o.workload, &w);
	if (rc)
		goto out;
	duration = o.duration_ns ? o.duration_ns : w->duration_ns ? w->duration_ns : DEFAULT_DURATION_NS;
	m = machine_create(t, w, &o.params, o.seed, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "scxsim run: %s\n", err);
		rc = 2;
		goto out;
	}
	if (o.sysrq) {
		if (strcmp(o.sched, "fair"))
			machine_sysrq_at(m, o.sysrq_at_ns);
		else
			fprintf(stderr, "scxsim run: --sysrq-at: no ext scheduler is loaded (--sched fair); SysRq-S has nothing to disable\n");
	}
	if (o.trace) {
		trace_f = fopen(o.trace, "w");
		if (!trace_f || machine_trace_open(m, trace_f)) {
			fprintf(stderr, "scxsim run: --trace %s: %s\n", o.trace, strerror(errno));
			rc = 2;
			goto out;
		}
	}
	t0 = wall_now_ns();
	if (machine_run(m, duration)) {
		fprintf(stderr, "scxsim run: out of memory\n");
		rc = 2;
		goto out;
	}
	u64 wall = wall_now_ns() - t0;
	if (trace_f) {
		int te = machine_trace_close(m);
		if (fclose(trace_f) || te) {
			trace_f = NULL;
			fprintf(stderr, "scxsim run: --trace %s: write error\n", o.trace);
			rc = 2;
			goto out;
		}
		trace_f = NULL;
	}
	const struct scx_exit_info *ei = machine_scx_exit_info(m);
	if (ei->kind >= SCX_EXIT_ERROR && ei->dump)
		fprintf(stderr, "scxsim: the ext scheduler was ejected (%s): %s\n%s", ei->reason, ei->msg, ei->dump);
	if (!o.quiet) {
		printf("scxsim: %s on %s, workload %s, seed %llu\n\n", o.sched, t->spec, w->source,
		       (unsigned long long)o.seed);
		machine_print_summary(m, stdout);
	}
	if (o.json)
		rc = write_json(o.json, m, o.sched, wall);
out:
	machine_destroy(m);
	if (trace_f)
		fclose(trace_f);
	workload_free(w);
	topo_free(t);
	return rc;
}
