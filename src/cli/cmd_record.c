/*
 * cmd_record.c — `scxsim record`: measure the real kernel on a command (or an rt-app file, or a
 * saved raw trace) and write the result JSON and an rt-app replay workload.
 *
 *   scxsim record [OPTIONS] -- CMD ARGS...      run CMD under tracefs (root)
 *   scxsim record [OPTIONS] --rtapp FILE.json   run `rt-app FILE.json` under tracefs (root)
 *   scxsim record [OPTIONS] --from-trace FILE   rebuild from a saved raw trace (no root)
 *
 * Exit: 0 done (warnings about lost events or the command's own failure go to stderr),
 * 1 recording impossible here (not root, no tracefs, missing event), 2 bad usage or input.
 * The result JSON goes to --out (stdout when absent); a short summary always goes to stderr.
 * The replay's runs are net of the simulator's per-switch charges (--switch-cost-ns,
 * --migration-cost-ns; default: the model's ctx_switch_ns and migration_ns), which the
 * simulator adds back when it runs the replay (docs/fidelity.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cli.h"
#include "record/record_int.h"
#include "scxsim/machine.h"

struct rec_cli {
	const char *out, *workload_out, *trace_raw, *from_trace, *rtapp, *replay_sync;
	long root_pid, buffer_kb, tolerance, rebuild_delay_ns;
	long switch_cost_ns, migration_cost_ns;   /* -1: the model's default */
	char **cmd;              /* after "--" */
};

enum opt_kind { O_STR, O_NUM };

static const struct {
	const char *name;
	enum opt_kind kind;
	size_t off;
	long lo, hi;
} rec_opts_table[] = {
	{ "--out", O_STR, offsetof(struct rec_cli, out), 0, 0 },
	{ "--workload-out", O_STR, offsetof(struct rec_cli, workload_out), 0, 0 },
	{ "--trace-raw", O_STR, offsetof(struct rec_cli, trace_raw), 0, 0 },
	{ "--from-trace", O_STR, offsetof(struct rec_cli, from_trace), 0, 0 },
	{ "--rtapp", O_STR, offsetof(struct rec_cli, rtapp), 0, 0 },
	{ "--replay-sync", O_STR, offsetof(struct rec_cli, replay_sync), 0, 0 },
	{ "--root-pid", O_NUM, offsetof(struct rec_cli, root_pid), 1, 1L << 30 },
	{ "--buffer-kb", O_NUM, offsetof(struct rec_cli, buffer_kb), 64, 4L << 20 },
	{ "--tolerance", O_NUM, offsetof(struct rec_cli, tolerance), 0, 1000 },
	{ "--rebuild-delay-ns", O_NUM, offsetof(struct rec_cli, rebuild_delay_ns), 0, 1L << 30 },
	{ "--switch-cost-ns", O_NUM, offsetof(struct rec_cli, switch_cost_ns), 0, 1L << 30 },
	{ "--migration-cost-ns", O_NUM, offsetof(struct rec_cli, migration_cost_ns), 0, 1L << 30 },
};

static const char rec_usage[] =
	"usage: scxsim record [--out REAL.json] [--workload-out REPLAY.json] [--trace-raw FILE]\n"
	"                     [--buffer-kb N] [--tolerance PCT] [--rebuild-delay-ns N]\n"
	"                     [--replay-sync suspend|barrier] [--switch-cost-ns N]\n"
	"                     [--migration-cost-ns N] -- CMD ARGS...\n"
	"       scxsim record [outputs] --rtapp FILE.json\n"
	"       scxsim record [outputs] --from-trace FILE[.gz] [--root-pid N]\n";

static int rec_usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "scxsim record: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", rec_usage);
	return 2;
}

static int rec_parse_opt(struct rec_cli *c, size_t i, const char *val)
{
	char *end;
	long v;

	if (rec_opts_table[i].kind == O_STR) {
		*(const char **)((char *)c + rec_opts_table[i].off) = val;
		return 0;
	}
	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || *end || end == val || v < rec_opts_table[i].lo || v > rec_opts_table[i].hi) {
		fprintf(stderr, "scxsim record: %s: bad value '%s' (%ld..%ld)\n",
			rec_opts_table[i].name, val, rec_opts_table[i].lo, rec_opts_table[i].hi);
		return 2;
	}
	*(long *)((char *)c + rec_opts_table[i].off) = v;
	return 0;
}

static int rec_parse_args(int argc, char **argv, struct rec_cli *c)
{
	*c = (struct rec_cli){ .tolerance = 25, .rebuild_delay_ns = -1, .switch_cost_ns = -1,
			       .migration_cost_ns = -1 };
	for (int i = 1; i < argc; i++) {
		size_t k;
		if (!strcmp(argv[i], "--")) {
			c->cmd = &argv[i + 1];
			break;
		}
		for (k = 0; k < ARRAY_SIZE(rec_opts_table); k++)
			if (!strcmp(argv[i], rec_opts_table[k].name))
				break;
		if (k == ARRAY_SIZE(rec_opts_table))
			return rec_usage_err("unknown argument '%s'", argv[i]);
		if (i + 1 >= argc)
			return rec_usage_err("%s needs a value", argv[i]);
		if (rec_parse_opt(c, k, argv[++i]))
			return 2;
	}
	int modes = (c->cmd && c->cmd[0]) + !!c->rtapp + !!c->from_trace;
	if (modes != 1)
		return rec_usage_err("%s", modes ? "give only one of -- CMD, --rtapp, --from-trace"
					      : "nothing to record: give -- CMD, --rtapp or --from-trace");
	if (c->root_pid && !c->from_trace)
		return rec_usage_err("%s", "--root-pid goes with --from-trace");
	if (c->replay_sync && strcmp(c->replay_sync, "suspend") && strcmp(c->replay_sync, "barrier"))
		return rec_usage_err("--replay-sync: '%s' is neither suspend nor barrier",
				     c->replay_sync);
	return 0;
}

static int rec_save_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "scxsim record: cannot write %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return 2;
	}
	return 0;
}

/* Run the command (or rt-app) under tracefs; the raw text goes to *text. */
static int rec_live(const struct rec_cli *c, char **text, size_t *len)
{
	char *rt_argv[] = { "rt-app", (char *)c->rtapp, NULL };
	struct rec_live_opts lo = { .argv = c->rtapp ? rt_argv : c->cmd,
				    .buffer_kb = (u32)c->buffer_kb };
	char err[512];
	int status, rc;

	if (c->rtapp && access(c->rtapp, R_OK)) {
		fprintf(stderr, "scxsim record: %s: %s\n", c->rtapp, strerror(errno));
		return 2;
	}
	rc = rec_live_record(&lo, text, len, &status, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "scxsim record: %s%s\n", err,
			c->rtapp && rc == -ENOENT ? " (install it: apt-get install rt-app)" : "");
		bool impossible = rc == -EPERM || rc == -ENODEV || rc == -EACCES;
		return impossible || (rc == -ENOENT && !strstr(err, "cannot run")) ? 1 : 2;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status))
		fprintf(stderr, "scxsim record: warning: '%s' exited with status %d\n",
			lo.argv[0], WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "scxsim record: warning: '%s' killed by signal %d\n", lo.argv[0],
			WTERMSIG(status));
	return c->trace_raw ? rec_save_text(c->trace_raw, *text, *len) : 0;
}

static void rec_summary(const struct rec_trace *t, const struct rec_result *r,
			const struct rec_extra *x)
{
	fprintf(stderr, "record: %s: %llu events, %d tasks, window %.3f ms, %llu context switches "
		"(%llu rebuilt for the CPU-1 quirk), %llu noise events from %llu other tasks\n",
		t->name, (unsigned long long)r->nr_events, r->nr_tasks,
		(double)(r->end_ns - r->start_ns) / 1e6, (unsigned long long)r->ctx_switches,
		(unsigned long long)r->reconstructed, (unsigned long long)r->noise_events,
		(unsigned long long)r->noise_tasks);
	if (t->nr_malformed)
		fprintf(stderr, "record: %s:%u: malformed line skipped (%llu such lines)\n", t->name,
			t->first_malformed, (unsigned long long)t->nr_malformed);
	if (r->lost_events || r->overruns || r->dropped || r->late_start)
		fprintf(stderr, "record: warning: events were lost (lost %llu, overrun %llu, "
			"dropped %llu%s): the figures undercount; raise --buffer-kb or record less\n",
			(unsigned long long)r->lost_events, (unsigned long long)r->overruns,
			(unsigned long long)r->dropped, r->late_start ? ", a CPU's start lost" : "");
	if (x->noise_preemptions)
		fprintf(stderr, "record: %llu preemptions by other programs' tasks (2 context switches "
			"each that a replay cannot have)\n", (unsigned long long)x->noise_preemptions);
	if (r->recon_other)
		fprintf(stderr, "record: %llu other unrecorded switches rebuilt (see docs/fidelity.md)\n",
			(unsigned long long)r->recon_other);
}

/* The charges the replay's runs are net of: as given, else the model's defaults. */
static struct rec_costs rec_costs_of(const struct rec_cli *c)
{
	struct machine_params mp;

	machine_params_default(&mp);
	return (struct rec_costs){
		.switch_ns = c->switch_cost_ns >= 0 ? (u64)c->switch_cost_ns : mp.ctx_switch_ns,
		.migration_ns = c->migration_cost_ns >= 0 ? (u64)c->migration_cost_ns
							  : mp.migration_ns,
	};
}

static int rec_write_outputs(const struct rec_cli *c, const struct rec_result *r,
			     const struct rec_extra *x)
{
	struct rec_replay_opts ro = { .tolerance_pct = (int)c->tolerance };

	if (c->replay_sync && !strcmp(c->replay_sync, "barrier"))
		ro.sync = REC_SYNC_BARRIER;
	struct rec_replay_stats st;
	FILE *f = c->out ? fopen(c->out, "w") : stdout;

	if (!f) {
		fprintf(stderr, "scxsim record: cannot write %s: %s\n", c->out, strerror(errno));
		return 2;
	}
	rec_result_write_json_extra(r, x, f);
	if (c->out && fclose(f)) {
		fprintf(stderr, "scxsim record: cannot write %s: %s\n", c->out, strerror(errno));
		return 2;
	}
	if (!c->workload_out)
		return 0;
	if (!(f = fopen(c->workload_out, "w"))) {
		fprintf(stderr, "scxsim record: cannot write %s: %s\n", c->workload_out,
			strerror(errno));
		return 2;
	}
	int rc = rec_replay_write_costs(r, &ro, &x->costs, f, &st);
	if (fclose(f) || rc) {
		fprintf(stderr, "scxsim record: cannot write %s\n", c->workload_out);
		return 2;
	}
	fprintf(stderr, "record: replay %s: %llu steps as %llu events in %llu phases\n",
		c->workload_out, (unsigned long long)st.steps, (unsigned long long)st.events_out,
		(unsigned long long)st.phases);
	return 0;
}

int cmd_record(int argc, char **argv)
{
	struct rec_cli c;
	struct rec_trace *t = NULL;
	struct rec_result *r = NULL;
	char *text = NULL, err[512];
	size_t len = 0;
	int rc = rec_parse_args(argc, argv, &c);

	if (rc)
		return rc;
	if (c.from_trace) {
		if (rec_trace_load(c.from_trace, &t, err, sizeof(err))) {
			fprintf(stderr, "scxsim record: %s\n", err);
			return 2;
		}
	} else {
		rc = rec_live(&c, &text, &len);
		if (!rc && rec_trace_parse("recording", text, len, &t, err, sizeof(err))) {
			fprintf(stderr, "scxsim record: %s\n", err);
			rc = 1;
		}
		free(text);
		if (rc)
			goto out;
	}
	struct rec_opts ao = { .root_pid = (int)c.root_pid, .fixed_delay = c.rebuild_delay_ns >= 0,
			       .recon_delay_ns = (u64)MAX(c.rebuild_delay_ns, 0) };
	struct rec_costs costs = rec_costs_of(&c);
	struct rec_extra x;
	if (rec_analyze_costs(t, &ao, &costs, &r, &x, err, sizeof(err))) {
		fprintf(stderr, "scxsim record: %s\n", err);
		rc = 2;
		goto out;
	}
	rec_summary(t, r, &x);
	rc = rec_write_outputs(&c, r, &x);
out:
	rec_result_free(r);
	rec_trace_free(t);
	return rc;
}
