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
#include <unistd.h>
#include "cli.h"
#include "scxsim/bpf_sched.h"
#include "scxsim/json_write.h"
#include "scxsim/machine.h"
#include "scxsim/scx.h"
#include "scxsim/user_half.h"
#include "scxsim/topo.h"
#include "scxsim/workload.h"

#define DEFAULT_DURATION_NS (5 * NSEC_PER_SEC)

struct run_opts {
	const char *sched;
	const char *workload;
	const char *topo;
	const char *json;
	const char *trace;
	const char *compare;
	u64 duration_ns;       /* 0 = from the workload, else the default */
	u64 sysrq_at_ns;       /* 0 = none */
	bool sysrq;
	u64 sysrq_d_at[16];    /* SysRq-D (debug dump) times, --sysrq-d-at (repeatable) */
	int nr_sysrq_d;
	u64 seed;
	struct machine_params params;
	bool quiet;
	bool globals;          /* print the BPF scheduler's globals after the run */
};

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: scxsim run --workload FILE.json|GEN[:k=v,...] [--sched fair|NAME|FILE.bpf.o[:knob=v,...]]\n"
		"                  [--compare SCHED,SCHED,...]\n"
		"                  [--topo N|SsCcTt[:llc=K][:nodes=N]|host] [--duration 5s]\n"
		"                  [--seed N] [--hz 1000] [--json OUT.json] [--trace OUT.json]\n"
		"                  [--sysrq-at T] [--sysrq-d-at T ...] [--model k=v,...] [--quiet]\n"
		"                  [--globals] [--no-verify]\n"
		"generators: cpuhog[:n=N,nice=K,work=MS]  pipe[:loops=L]\n"
		"            hackbench[:groups=G,fds=F,loops=L]  schbench[:mthreads=M,workers=W]\n"
		"durations take a unit: ns, us, ms, s (a bare number is seconds)\n"
		"--model k=v,...  model parameters in ns: ctx_switch_ns, migration_ns, wakeup_ipi_ns,\n"
		"                 base_slice_ns, rr_timeslice_ns, check_period_ns, idle_exit_ns,\n"
		"                 idle_deep_ns, fair_server_runtime_ns, fair_server_period_ns,\n"
		"                 ext_server_runtime_ns, ext_server_period_ns (0 runtime = off; docs/model.md)\n"
		"--globals        after the run, print \"global NAME = VALUE\" on stdout for each integer\n"
		"                 global of the BPF scheduler's .data/.bss (what a user half reads)\n"
		"--no-verify      load a BPF scheduler even if the static verifier rejects it (its\n"
		"                 memory accesses are still checked at run time)\n");
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
	{ "idle_exit_ns", offsetof(struct machine_params, idle_exit_ns) },
	{ "idle_deep_ns", offsetof(struct machine_params, idle_deep_ns) },
	{ "fair_server_runtime_ns", offsetof(struct machine_params, fair_server_runtime_ns) },
	{ "fair_server_period_ns", offsetof(struct machine_params, fair_server_period_ns) },
	{ "ext_server_runtime_ns", offsetof(struct machine_params, ext_server_runtime_ns) },
	{ "ext_server_period_ns", offsetof(struct machine_params, ext_server_period_ns) },
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
	char err[160];
	if (machine_params_check(mp, err, sizeof(err))) {
		fprintf(stderr, "scxsim run: --model %s\n", err);
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
		{ "compare", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "globals", no_argument, NULL, 'g' },
		{ "no-verify", no_argument, NULL, 'V' },
		{ "sysrq-at", required_argument, NULL, 'y' },
		{ "sysrq-d-at", required_argument, NULL, 'D' },
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
		case 'C': o->compare = optarg; break;
		case 'q': o->quiet = true; break;
		case 'g': o->globals = true; break;
		case 'V': cli_set_verify(false); break;
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
		case 'D':
			if (o->nr_sysrq_d == (int)ARRAY_SIZE(o->sysrq_d_at)) {
				fprintf(stderr, "scxsim run: --sysrq-d-at: at most %zu times\n", ARRAY_SIZE(o->sysrq_d_at));
				return 2;
			}
			if (parse_duration(optarg, &o->sysrq_d_at[o->nr_sysrq_d])) {
				fprintf(stderr, "scxsim run: --sysrq-d-at '%s': expected a time like 2s, 150ms\n", optarg);
				return 2;
			}
			o->nr_sysrq_d++;
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

/* Load scheduler `spec` into m: "fair" loads nothing; anything else is an ext scheduler.
 * Returns the exit status: 0, 1 (not loadable) or 2 (bad input). */
static int attach_sched(struct machine *m, const char *spec, char *err, size_t errlen)
{
	if (!strcmp(spec, "fair"))
		return 0;
	return cli_sched_attach_status(m, spec, err, errlen);
}

/* Progress line on stderr: only on a terminal, only once a run has taken a second of wall time. */
struct progress {
	const char *sched;
	u64 t0;
	bool shown;
};

static void progress_fn(void *ctx, u64 now, u64 end, u64 events)
{
	struct progress *pg = ctx;
	u64 wall = wall_now_ns() - pg->t0;

	if (wall < NSEC_PER_SEC)
		return;
	pg->shown = true;
	fprintf(stderr, "\r%s: simulated %.3f of %.3f s (%.0f%%), %.2f M events/s ", pg->sched,
		now / 1e9, end / 1e9, end ? 100.0 * now / end : 100.0, events / (wall / 1e9) / 1e6);
	fflush(stderr);
}

struct one_run {
	const char *sched;
	struct machine *m;
	u64 wall_ns;
	struct user_half_ctx uh_ctx;
	const struct user_half *uh; /* the example's user half, when it has one */
};

/* Build, load and run one machine. Returns the exit status to use, 0 when it ran. */
static int run_one(const struct run_opts *o, const struct topo *t, const struct workload *w,
		   u64 duration, struct one_run *r, bool traced)
{
	char err[1024];
	FILE *trace_f = NULL;
	u64 t0;

	r->m = machine_create(t, w, &o->params, o->seed, err, sizeof(err));
	if (!r->m) {
		fprintf(stderr, "scxsim run: %s\n", err);
		return 2;
	}
	int st = attach_sched(r->m, r->sched, err, sizeof(err));
	if (st) {
		fprintf(stderr, "scxsim run: --sched %s: %s\n", r->sched, err);
		return st;
	}
	if (!o->quiet)
		r->uh = user_half_start(r->m, t->nr_cpus, stderr, &r->uh_ctx);
	if (o->sysrq) {
		if (strcmp(r->sched, "fair"))
			machine_sysrq_at(r->m, o->sysrq_at_ns);
		else
			fprintf(stderr, "scxsim run: --sysrq-at: no ext scheduler is loaded (--sched fair); SysRq-S has nothing to disable\n");
	}
	for (int i = 0; i < o->nr_sysrq_d; i++)
		machine_sysrq_dump_at(r->m, o->sysrq_d_at[i]);
	if (o->nr_sysrq_d && !strcmp(r->sched, "fair"))
		fprintf(stderr, "scxsim run: --sysrq-d-at: no ext scheduler is loaded (--sched fair); SysRq-D has nothing to dump\n");
	if (traced) {
		trace_f = fopen(o->trace, "w");
		if (!trace_f || machine_trace_open(r->m, trace_f)) {
			fprintf(stderr, "scxsim run: --trace %s: %s\n", o->trace, strerror(errno));
			if (trace_f)
				fclose(trace_f);
			return 2;
		}
	}
	struct progress pg = { r->sched, 0, false };
	if (isatty(2))
		machine_set_progress(r->m, progress_fn, &pg);
	t0 = pg.t0 = wall_now_ns();
	if (machine_run(r->m, duration)) {
		fprintf(stderr, "scxsim run: out of memory\n");
		if (trace_f)
			fclose(trace_f);
		return 2;
	}
	r->wall_ns = wall_now_ns() - t0;
	if (pg.shown)
		fputs("\r\033[K", stderr);
	if (trace_f) {
		int te = machine_trace_close(r->m);
		if (fclose(trace_f) || te) {
			fprintf(stderr, "scxsim run: --trace %s: write error\n", o->trace);
			return 2;
		}
	}
	if (r->uh && r->uh->fini)
		r->uh->fini(&r->uh_ctx);
	if (o->globals && bpf_sched_of(r->m)) {
		if (o->compare)
			printf("# %s\n", r->sched);
		bpf_sched_print_globals(bpf_sched_of(r->m), stdout);
	}
	const struct scx_exit_info *ei = machine_scx_exit_info(r->m);
	u64 at;
	for (int i = 0; machine_scx_debug_dump(r->m, i, &at); i++)
		fprintf(stderr, "scxsim: %s: SysRq-D at t=%llu ns:\n%s", r->sched, (unsigned long long)at,
			machine_scx_debug_dump(r->m, i, NULL));
	if (ei->kind >= SCX_EXIT_ERROR && ei->dump)
		fprintf(stderr, "scxsim: %s was ejected (%s): %s\n%s", r->sched, ei->reason, ei->msg, ei->dump);
	return 0;
}

/* Column label: a file spec loses its directory and ".bpf.o" ("dir/fifo.bpf.o:k=1" -> "fifo:k=1"). */
static void col_label(const char *spec, char *buf, size_t len)
{
	const char *colon = strchr(spec, ':'), *end = colon ? colon : spec + strlen(spec);
	const char *base = spec;
	size_t n;

	for (const char *c = spec; c < end; c++)
		if (*c == '/')
			base = c + 1;
	n = (size_t)(end - base);
	if (n > 6 && !strncmp(end - 6, ".bpf.o", 6))
		n -= 6;
	else if (n > 2 && !strncmp(end - 2, ".o", 2))
		n -= 2;
	snprintf(buf, len, "%.*s%s", (int)n, base, colon ? colon : "");
}

static void print_compare(struct one_run *runs, int n, FILE *f)
{
	struct run_metrics mt[16];
	char label[16][33];
	int w = 14;
	static const char *const rows[] = {
		"work done (ms)", "finished tasks", "fairness: Jain, tasks", "fairness: Jain, cgroups",
		"wakeup lat p50 (us)", "wakeup lat p99 (us)", "wakeup lat p99.9 (us)",
		"wakeup lat max (us)", "runqueue wait (ms)", "context switches", "migrations",
		"idle (%)", "exit",
	};

	for (int i = 0; i < n; i++) {
		machine_metrics(runs[i].m, &mt[i]);
		col_label(runs[i].sched, label[i], sizeof(label[i]));
		w = MAX(w, (int)strlen(label[i]));
	}
	fprintf(f, "%-24s", "");
	for (int i = 0; i < n; i++)
		fprintf(f, " %*s", w, label[i]);
	fputc('\n', f);
	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		fprintf(f, "%-24s", rows[r]);
		for (int i = 0; i < n; i++) {
			const struct run_metrics *x = &mt[i];
			char cell[32];
			switch (r) {
			case 0: snprintf(cell, sizeof(cell), "%.1f", x->work_done_ns / 1e6); break;
			case 1: snprintf(cell, sizeof(cell), "%d/%d", x->tasks_finished, x->tasks_finite); break;
			case 2: snprintf(cell, sizeof(cell), "%.3f", x->jain_tasks); break;
			case 3: snprintf(cell, sizeof(cell), "%.3f", x->jain_cgroups); break;
			case 4: snprintf(cell, sizeof(cell), "%.1f", x->lat_p50 / 1e3); break;
			case 5: snprintf(cell, sizeof(cell), "%.1f", x->lat_p99 / 1e3); break;
			case 6: snprintf(cell, sizeof(cell), "%.1f", x->lat_p999 / 1e3); break;
			case 7: snprintf(cell, sizeof(cell), "%.1f", x->lat_max / 1e3); break;
			case 8: snprintf(cell, sizeof(cell), "%.1f", x->wait_ns / 1e6); break;
			case 9: snprintf(cell, sizeof(cell), "%llu", (unsigned long long)x->ctx_switches); break;
			case 10: snprintf(cell, sizeof(cell), "%llu", (unsigned long long)x->migrations); break;
			case 11: snprintf(cell, sizeof(cell), "%.1f", x->idle_pct); break;
			default: snprintf(cell, sizeof(cell), "%s", x->exit_kind); break;
			}
			fprintf(f, " %*s", w, cell);
		}
		fputc('\n', f);
	}
	if (n > 1) {
		int lo = 0, hi = 0;
		for (int i = 1; i < n; i++) {
			if (mt[i].lat_p99 < mt[lo].lat_p99)
				lo = i;
			if (mt[i].lat_p99 > mt[hi].lat_p99)
				hi = i;
		}
		fprintf(f, "\nwakeup latency p99: lowest %s (%.1f us), highest %s (%.1f us)\n",
			label[lo], mt[lo].lat_p99 / 1e3, label[hi], mt[hi].lat_p99 / 1e3);
	}
}

static int write_compare_json(const char *path, struct one_run *runs, int n)
{
	FILE *f = fopen(path, "w");
	struct jw w;

	if (!f) {
		fprintf(stderr, "scxsim run: --json %s: %s\n", path, strerror(errno));
		return 2;
	}
	jw_init(&w, f, false);
	jw_obj_begin(&w);
	jw_key(&w, "runs");
	jw_arr_begin(&w);
	for (int i = 0; i < n; i++)
		machine_write_result(runs[i].m, &w, runs[i].sched, runs[i].wall_ns);
	jw_arr_end(&w);
	jw_obj_end(&w);
	if (fclose(f)) {
		fprintf(stderr, "scxsim run: --json %s: %s\n", path, strerror(errno));
		return 2;
	}
	return 0;
}

/* Split --compare into scheduler specs (at most 16). */
static int split_compare(char *list, const char **out, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return -E2BIG;
		out[n++] = tok;
	}
	return n;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct topo *t = NULL;
	struct workload *w = NULL;
	struct one_run runs[16] = { 0 };
	const char *scheds[16];
	char err[512], *cmp = NULL;
	int rc = parse_opts(argc, argv, &o), n = 1;
	u64 duration;

	if (rc >= 0)
		return rc;
	scheds[0] = o.sched;
	if (o.compare) {
		cmp = strdup(o.compare);
		n = cmp ? split_compare(cmp, scheds, 16) : -ENOMEM;
		if (n <= 0) {
			fprintf(stderr, "scxsim run: --compare '%s': expected 1 to 16 schedulers, comma-separated\n",
				o.compare);
			free(cmp);
			return 2;
		}
	}
	if (topo_parse(o.topo, &t, err, sizeof(err))) {
		fprintf(stderr, "scxsim run: --topo: %s\n", err);
		free(cmp);
		return 2;
	}
	rc = load_workload(o.workload, &w);
	if (rc)
		goto out;
	duration = o.duration_ns ? o.duration_ns : w->duration_ns ? w->duration_ns : DEFAULT_DURATION_NS;
	for (int i = 0; i < n && !rc; i++) {
		runs[i].sched = scheds[i];
		rc = run_one(&o, t, w, duration, &runs[i], o.trace && i == 0);
	}
	if (rc)
		goto out;
	if (!o.quiet) {
		printf("scxsim: %s on %s, workload %s, seed %llu\n\n", o.compare ? o.compare : o.sched,
		       t->spec, w->source, (unsigned long long)o.seed);
		if (o.compare)
			print_compare(runs, n, stdout);
		else
			machine_print_summary(runs[0].m, stdout);
	}
	if (o.json)
		rc = o.compare ? write_compare_json(o.json, runs, n)
			       : write_json(o.json, runs[0].m, o.sched, runs[0].wall_ns);
out:
	for (int i = 0; i < n; i++)
		machine_destroy(runs[i].m);
	workload_free(w);
	topo_free(t);
	free(cmp);
	return rc;
}
