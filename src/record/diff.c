/*
 * diff.c — side by side: a real-kernel result (scxsim record) and a simulated one (scxsim run
 * --json), same keys, with the relative error of each figure.
 *
 * What is compared is two tables of figures (key path, label, unit), one for the totals and one
 * per task; a figure missing on either side is shown as "-" and has no error. Tasks are matched
 * by name, in order, in three passes over the real tasks (each pass only over still unmatched
 * tasks): the sim task whose comm is the real task's replay_name (the name `record` gave it in
 * the replay workload), then the one with the same comm, then the one whose comm minus a
 * trailing "-N" is the real comm (rt-app instance names). Whatever is left is listed as
 * unmatched. Relative error = (sim - real) / real; 0 when both are 0; none when only real is 0.
 * A SIM file holding {"runs": [...]} (--compare) is read through its first run.
 * A path starting with '+' is summed over the side's tasks ("+runtime_ns": all tasks' CPU time).
 * "@quiet_ctx_switches" is totals.ctx_switches less 2 per record.noise_preemptions (a recorded
 * task preempted by another program: out and back in), which a replay cannot reproduce; a
 * simulated result has no such preemptions, so there it is totals.ctx_switches.
 *
 * Checks (rec_diff_check_files, `scxsim diff --check SPEC`): SPEC is "key=PCT,..." with keys
 * from check_keys (a key given twice: the later band holds); a figure passes when
 * |sim - real| <= PCT % of |real|, or is within the trace's resolution (1 µs for times, 0 for
 * counts). task_* keys apply to every matched task whose real runtime is at least min_share %
 * (key "min_share", default 1) of all real tasks' runtime; with any task_* key an unmatched
 * real task of that size fails too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "scxsim/json.h"
#include "scxsim/json_write.h"
#include "record/record_int.h"

enum unit { U_NS, U_COUNT };

struct figure {
	const char *label;
	const char *path;   /* dotted key path inside the totals / the task */
	enum unit unit;
};

static const struct figure total_figs[] = {
	{ "duration", "sim.duration_ns", U_NS },
	{ "ctx_switches", "totals.ctx_switches", U_COUNT },
	{ "migrations", "totals.migrations", U_COUNT },
	{ "idle", "totals.idle_ns", U_NS },
	{ "wakeup_lat p50", "totals.wakeup_lat_ns.p50", U_NS },
	{ "wakeup_lat p99", "totals.wakeup_lat_ns.p99", U_NS },
	{ "wakeup_lat p999", "totals.wakeup_lat_ns.p999", U_NS },
	{ "wakeup_lat max", "totals.wakeup_lat_ns.max", U_NS },
	{ "tasks runtime", "+runtime_ns", U_NS },
	{ "tasks wait", "+wait_ns", U_NS },
	{ "tasks wakeups", "+nr_wakeups", U_COUNT },
	{ "ctx_sw w/o noise", "@quiet_ctx_switches", U_COUNT },
};

static const struct figure task_figs[] = {
	{ "runtime", "runtime_ns", U_NS },
	{ "wait", "wait_ns", U_NS },
	{ "wakeups", "nr_wakeups", U_COUNT },
	{ "wakeup_lat p50", "wakeup_lat_ns.p50", U_NS },
	{ "wakeup_lat p99", "wakeup_lat_ns.p99", U_NS },
	{ "wakeup_lat max", "wakeup_lat_ns.max", U_NS },
	{ "migrations", "migrations", U_COUNT },
	{ "ctx_switches", "ctx_switches", U_COUNT },
};

struct side {
	const char *path;
	char *text;
	struct json_value *root;   /* owned */
	const struct json_value *res;   /* the result inside root (root or runs[0]) */
	const struct json_value *tasks;
};

/* Figures are kept within +-2^53 (exact in a double), so differences, sums (saturated) and
 * percentages never overflow whatever a file holds. */
#define FIG_MAX (1LL << 53)

/* Value at a dotted path, as an integer; false when absent, not a number, or a number beyond
 * +-FIG_MAX (1e99 is valid JSON but no figure: converting it to s64 would be undefined). */
static bool json_path_int(const struct json_value *v, const char *path, s64 *out)
{
	char key[64];

	while (v && *path) {
		size_t n = strcspn(path, ".");
		snprintf(key, sizeof(key), "%.*s", (int)MIN(n, sizeof(key) - 1), path);
		v = json_get(v, key);
		path += n + (path[n] == '.');
	}
	if (!v || v->type != JSON_NUMBER)
		return false;
	if (v->num.is_int ? v->num.i < -FIG_MAX || v->num.i > FIG_MAX
			  : !(v->num.d >= -FIG_MAX && v->num.d <= FIG_MAX))
		return false;
	*out = v->num.is_int ? v->num.i : (s64)v->num.d;
	return true;
}

/* Sum of a task path over the tasks of a result; false when no task has it. */
static bool json_sum_tasks(const struct json_value *res, const char *path, s64 *out)
{
	const struct json_value *tasks = json_get(res, "tasks");
	bool any = false;
	s64 v;

	*out = 0;
	for (int i = 0; tasks && tasks->type == JSON_ARRAY && i < tasks->arr.n; i++)
		if (json_path_int(tasks->arr.v[i], path, &v)) {
			*out = MAX(-FIG_MAX, MIN(FIG_MAX, *out + v)); /* saturates */
			any = true;
		}
	return any;
}

/* Context switches less those the other programs' preemptions added (see the header). */
static bool quiet_ctx_switches(const struct json_value *res, s64 *out)
{
	s64 np = 0;

	if (!json_path_int(res, "totals.ctx_switches", out))
		return false;
	json_path_int(res, "record.noise_preemptions", &np);
	*out -= 2 * np;
	return true;
}

/* A figure's value: a dotted path, '+path' summed over the tasks, or '@' a derived one. */
static bool fig_value(const struct json_value *v, const char *path, s64 *out)
{
	if (!v)
		return false;
	if (path[0] == '@')
		return quiet_ctx_switches(v, out);
	return path[0] == '+' ? json_sum_tasks(v, path + 1, out) : json_path_int(v, path, out);
}

static const char *json_str_of(const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_get(obj, key);

	return v && v->type == JSON_STRING ? v->str.s : NULL;
}

static int side_load(struct side *s, const char *path, char *err, size_t errlen)
{
	size_t len;
	char perr[160];
	int rc;

	s->path = path;
	rc = rec_read_file(path, &s->text, &len, err, errlen);
	if (rc)
		return rc;
	s->root = json_parse(s->text, len, JSON_RELAXED, perr, sizeof(perr));
	if (!s->root) {
		snprintf(err, errlen, "%s:%s", path, perr);
		return -EINVAL;
	}
	const struct json_value *runs = json_get(s->root, "runs");
	s->res = runs && runs->type == JSON_ARRAY && runs->arr.n > 0 ? runs->arr.v[0] : s->root;
	if (s->res->type != JSON_OBJECT || !json_get(s->res, "totals")) {
		snprintf(err, errlen, "%s: not a result JSON: no 'totals' object", path);
		return -EINVAL;
	}
	s->tasks = json_get(s->res, "tasks");
	if (!s->tasks || s->tasks->type != JSON_ARRAY) {
		snprintf(err, errlen, "%s: not a result JSON: no 'tasks' array", path);
		return -EINVAL;
	}
	return 0;
}

static void side_free(struct side *s)
{
	json_free(s->root);
	free(s->text);
}

/* ---- task matching -------------------------------------------------------------------------- */

/* comm without a trailing "-digits" into buf. */
static const char *comm_base(const char *comm, char *buf, size_t n)
{
	size_t len = strlen(comm), i = len;

	while (i > 0 && comm[i - 1] >= '0' && comm[i - 1] <= '9')
		i--;
	if (i > 1 && i < len && comm[i - 1] == '-')
		len = i - 1;
	snprintf(buf, n, "%.*s", (int)len, comm);
	return buf;
}

static bool task_name_match(const struct json_value *rt, const struct json_value *st, int pass)
{
	const char *sc = json_str_of(st, "comm");
	const char *key = pass == 0 ? json_str_of(rt, "replay_name") : json_str_of(rt, "comm");
	char base[64];

	if (!sc || !key)
		return false;
	return !strcmp(pass == 2 ? comm_base(sc, base, sizeof(base)) : sc, key);
}

/* match[i] = sim index for real task i, or -1. */
static int tasks_match(const struct side *real, const struct side *sim, int **out)
{
	int nr = real->tasks->arr.n, ns = sim->tasks->arr.n;
	int *match = malloc(((size_t)nr + 1) * sizeof(*match));
	bool *used = calloc((size_t)ns + 1, sizeof(*used));

	if (!match || !used) {
		free(match);
		free(used);
		return -ENOMEM;
	}
	for (int i = 0; i < nr; i++)
		match[i] = -1;
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < nr; i++)
			for (int j = 0; j < ns && match[i] < 0; j++)
				if (!used[j] && task_name_match(real->tasks->arr.v[i],
								 sim->tasks->arr.v[j], pass)) {
					match[i] = j;
					used[j] = true;
				}
	free(used);
	*out = match;
	return 0;
}

/* ---- text output ---------------------------------------------------------------------------- */

static void fmt_value(char *buf, size_t n, bool have, s64 v, enum unit u)
{
	static const struct { double div; const char *name; } units[] = {
		{ 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" },
	};

	if (!have) {
		snprintf(buf, n, "-");
		return;
	}
	if (u == U_COUNT) {
		snprintf(buf, n, "%lld", (long long)v);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (v >= units[i].div || v <= -units[i].div) {
			snprintf(buf, n, "%.3f %s", (double)v / units[i].div, units[i].name);
			return;
		}
	snprintf(buf, n, "%lld ns", (long long)v);
}

/* Relative error in percent; false when undefined (real 0, sim not). */
static bool rel_err(s64 real, s64 sim, double *pct)
{
	if (real == 0) {
		*pct = 0;
		return sim == 0;
	}
	*pct = 100.0 * (double)(sim - real) / (double)real;
	return true;
}

static void text_row(FILE *f, const struct figure *fg, const struct json_value *rv,
		     const struct json_value *sv)
{
	s64 a = 0, b = 0;
	bool ha = fig_value(rv, fg->path, &a), hb = fig_value(sv, fg->path, &b);
	char ra[32], sb[32], e[16] = "-";
	double pct;

	fmt_value(ra, sizeof(ra), ha, a, fg->unit);
	fmt_value(sb, sizeof(sb), hb, b, fg->unit);
	if (ha && hb) {
		bool defined = rel_err(a, b, &pct);
		snprintf(e, sizeof(e), defined ? "%+.1f%%" : "n/a", pct);
	}
	fprintf(f, "  %-18s %16s %16s %9s\n", fg->label, ra, sb, e);
}

static void text_task_head(FILE *f, const struct json_value *rt, const struct json_value *st)
{
	s64 rp = 0, sp = 0;
	const char *comm = json_str_of(rt, "comm");

	json_path_int(rt, "pid", &rp);
	json_path_int(st, "pid", &sp);
	fprintf(f, "task %s (real pid %lld, sim pid %lld)\n", comm ? comm : "?", (long long)rp,
		(long long)sp);
}

static void text_unmatched(FILE *f, const char *what, const struct json_value *tasks,
			   const bool *matched)
{
	bool any = false;

	for (int i = 0; i < tasks->arr.n; i++) {
		if (matched[i])
			continue;
		s64 pid = 0;
		const char *comm = json_str_of(tasks->arr.v[i], "comm");
		json_path_int(tasks->arr.v[i], "pid", &pid);
		fprintf(f, "%s %s(%lld)", any ? "," : what, comm ? comm : "?", (long long)pid);
		any = true;
	}
	if (any)
		fputc('\n', f);
}

static const char *sched_name(const struct side *s)
{
	const char *n = json_str_of(json_get(s->res, "scheduler"), "name");

	return n ? n : "?";
}

static void diff_text(FILE *f, const struct side *real, const struct side *sim, const int *match,
		      bool *sim_used, bool *real_used)
{
	fprintf(f, "real: %s (%s)   sim: %s (%s)\n", real->path, sched_name(real), sim->path,
		sched_name(sim));
	fprintf(f, "  %-18s %16s %16s %9s\n", "figure", "real", "sim", "rel.err");
	fprintf(f, "totals\n");
	for (size_t k = 0; k < ARRAY_SIZE(total_figs); k++)
		text_row(f, &total_figs[k], real->res, sim->res);
	for (int i = 0; i < real->tasks->arr.n; i++) {
		if (match[i] < 0)
			continue;
		const struct json_value *rt = real->tasks->arr.v[i], *st = sim->tasks->arr.v[match[i]];
		real_used[i] = sim_used[match[i]] = true;
		text_task_head(f, rt, st);
		for (size_t k = 0; k < ARRAY_SIZE(task_figs); k++)
			text_row(f, &task_figs[k], rt, st);
	}
	text_unmatched(f, "unmatched real tasks:", real->tasks, real_used);
	text_unmatched(f, "unmatched sim tasks:", sim->tasks, sim_used);
}

/* ---- JSON output ---------------------------------------------------------------------------- */

static void json_fig(struct jw *w, const struct figure *fg, const struct json_value *rv,
		     const struct json_value *sv)
{
	s64 a = 0, b = 0;
	bool ha = fig_value(rv, fg->path, &a), hb = fig_value(sv, fg->path, &b);
	double pct;

	jw_obj_begin(w);
	jw_kstr(w, "figure", fg->label);
	jw_kstr(w, "unit", fg->unit == U_NS ? "ns" : "count");
	jw_key(w, "real");
	ha ? jw_int(w, a) : jw_null(w);
	jw_key(w, "sim");
	hb ? jw_int(w, b) : jw_null(w);
	jw_key(w, "rel_err");
	if (ha && hb && rel_err(a, b, &pct))
		jw_double(w, pct / 100.0);
	else
		jw_null(w);
	jw_obj_end(w);
}

static void json_task_list(struct jw *w, const char *key, const struct json_value *tasks,
			   const bool *used)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (int i = 0; i < tasks->arr.n; i++) {
		if (used[i])
			continue;
		s64 pid = 0;
		const char *comm = json_str_of(tasks->arr.v[i], "comm");
		json_path_int(tasks->arr.v[i], "pid", &pid);
		jw_obj_begin(w);
		jw_kint(w, "pid", pid);
		jw_kstr(w, "comm", comm ? comm : "");
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_task(struct jw *w, const struct json_value *rt, const struct json_value *st)
{
	s64 rp = 0, sp = 0;
	const char *comm = json_str_of(rt, "comm");

	json_path_int(rt, "pid", &rp);
	json_path_int(st, "pid", &sp);
	jw_obj_begin(w);
	jw_kstr(w, "comm", comm ? comm : "");
	jw_kint(w, "real_pid", rp);
	jw_kint(w, "sim_pid", sp);
	jw_key(w, "figures");
	jw_arr_begin(w);
	for (size_t k = 0; k < ARRAY_SIZE(task_figs); k++)
		json_fig(w, &task_figs[k], rt, st);
	jw_arr_end(w);
	jw_obj_end(w);
}

static void diff_json(FILE *f, const struct side *real, const struct side *sim, const int *match,
		      bool *sim_used, bool *real_used)
{
	struct jw w;

	jw_init(&w, f, false);
	jw_obj_begin(&w);
	jw_kstr(&w, "real", real->path);
	jw_kstr(&w, "sim", sim->path);
	jw_key(&w, "totals");
	jw_arr_begin(&w);
	for (size_t k = 0; k < ARRAY_SIZE(total_figs); k++)
		json_fig(&w, &total_figs[k], real->res, sim->res);
	jw_arr_end(&w);
	jw_key(&w, "tasks");
	jw_arr_begin(&w);
	for (int i = 0; i < real->tasks->arr.n; i++) {
		if (match[i] < 0)
			continue;
		real_used[i] = sim_used[match[i]] = true;
		json_task(&w, real->tasks->arr.v[i], sim->tasks->arr.v[match[i]]);
	}
	jw_arr_end(&w);
	json_task_list(&w, "unmatched_real", real->tasks, real_used);
	json_task_list(&w, "unmatched_sim", sim->tasks, sim_used);
	jw_obj_end(&w);
}

int rec_diff_files(const char *real_path, const char *sim_path, bool json, FILE *f, char *err,
		   size_t errlen)
{
	struct side real = { 0 }, sim = { 0 };
	int *match = NULL, rc;
	bool *sim_used = NULL, *real_used = NULL;

	rc = side_load(&real, real_path, err, errlen);
	rc = rc ?: side_load(&sim, sim_path, err, errlen);
	rc = rc ?: tasks_match(&real, &sim, &match);
	if (rc)
		goto out;
	sim_used = calloc((size_t)sim.tasks->arr.n + 1, sizeof(*sim_used));
	real_used = calloc((size_t)real.tasks->arr.n + 1, sizeof(*real_used));
	if (!sim_used || !real_used) {
		rc = -ENOMEM;
		goto out;
	}
	if (json)
		diff_json(f, &real, &sim, match, sim_used, real_used);
	else
		diff_text(f, &real, &sim, match, sim_used, real_used);
out:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "diff: out of memory");
	free(match);
	free(sim_used);
	free(real_used);
	side_free(&real);
	side_free(&sim);
	return rc;
}

/* ---- checks against error bands ------------------------------------------------------------ */

enum chk_scope { CHK_TOTAL, CHK_TASK, CHK_OPT };

static const struct check_key {
	const char *key;
	enum chk_scope scope;
	const char *path;          /* in the result (CHK_TOTAL) or in each task (CHK_TASK) */
	enum unit unit;
} check_keys[] = {
	{ "duration", CHK_TOTAL, "sim.duration_ns", U_NS },
	{ "ctx_switches", CHK_TOTAL, "totals.ctx_switches", U_COUNT },
	{ "quiet_ctx_switches", CHK_TOTAL, "@quiet_ctx_switches", U_COUNT },
	{ "migrations", CHK_TOTAL, "totals.migrations", U_COUNT },
	{ "idle", CHK_TOTAL, "totals.idle_ns", U_NS },
	{ "lat_p50", CHK_TOTAL, "totals.wakeup_lat_ns.p50", U_NS },
	{ "lat_p99", CHK_TOTAL, "totals.wakeup_lat_ns.p99", U_NS },
	{ "runtime", CHK_TOTAL, "+runtime_ns", U_NS },
	{ "wait", CHK_TOTAL, "+wait_ns", U_NS },
	{ "wakeups", CHK_TOTAL, "+nr_wakeups", U_COUNT },
	{ "task_runtime", CHK_TASK, "runtime_ns", U_NS },
	{ "task_wakeups", CHK_TASK, "nr_wakeups", U_COUNT },
	{ "task_lat_p50", CHK_TASK, "wakeup_lat_ns.p50", U_NS },
	{ "min_share", CHK_OPT, NULL, U_COUNT },
};

#define CHK_MAX 16

struct check_spec {
	int key[CHK_MAX];          /* index in check_keys */
	double pct[CHK_MAX];
	int n;
	double min_share;          /* percent of all real tasks' runtime */
	bool any_task;
};

static int check_spec_parse(const char *spec, struct check_spec *c, char *err, size_t errlen)
{
	const char *p = spec;

	*c = (struct check_spec){ .min_share = 1 };
	while (*p) {
		size_t n = strcspn(p, "=,");
		size_t k;
		char *end;
		for (k = 0; k < ARRAY_SIZE(check_keys); k++)
			if (strlen(check_keys[k].key) == n && !strncmp(p, check_keys[k].key, n))
				break;
		if (k == ARRAY_SIZE(check_keys)) {
			snprintf(err, errlen, "--check: unknown figure '%.*s' (known: duration, "
				 "ctx_switches, quiet_ctx_switches, migrations, idle, lat_p50, lat_p99, runtime, wait, "
				 "wakeups, task_runtime, task_wakeups, task_lat_p50, min_share)",
				 (int)n, p);
			return -EINVAL;
		}
		double v = p[n] == '=' ? strtod(p + n + 1, &end) : -1;
		if (p[n] != '=' || end == p + n + 1 || (*end && *end != ',') || v < 0 || v > 1e6) {
			snprintf(err, errlen, "--check: '%s' needs a percentage (%s=PCT)",
				 check_keys[k].key, check_keys[k].key);
			return -EINVAL;
		}
		int at = 0;
		while (at < c->n && c->key[at] != (int)k)
			at++;
		if (check_keys[k].scope == CHK_OPT) {
			c->min_share = v;
		} else if (at < c->n) {         /* given again: the later band holds */
			c->pct[at] = v;
		} else if (c->n == CHK_MAX) {
			snprintf(err, errlen, "--check: more than %d figures", CHK_MAX);
			return -EINVAL;
		} else {
			c->key[c->n] = (int)k;
			c->pct[c->n++] = v;
			c->any_task |= check_keys[k].scope == CHK_TASK;
		}
		p = end + (*end == ',');
	}
	if (!c->n) {
		snprintf(err, errlen, "--check: no figure to check in '%s'", spec);
		return -EINVAL;
	}
	return 0;
}

/* One figure against its band: prints the verdict, returns 1 when out of band. */
static int check_one(FILE *f, const char *what, const struct check_key *ck, double band,
		     const struct json_value *rv, const struct json_value *sv)
{
	s64 a = 0, b = 0;
	bool ha = fig_value(rv, ck->path, &a), hb = fig_value(sv, ck->path, &b);
	s64 d = b > a ? b - a : a - b, res = ck->unit == U_NS ? 1000 : 0;
	char ra[32], sb[32];

	fmt_value(ra, sizeof(ra), ha, a, ck->unit);
	fmt_value(sb, sizeof(sb), hb, b, ck->unit);
	bool ok = ha && hb && (d <= res || (double)d <= band / 100.0 * (double)(a < 0 ? -a : a));
	double pct = a ? 100.0 * (double)(b - a) / (double)(a < 0 ? -a : a) : 0;
	fprintf(f, "%-4s %s %s: %s -> %s (%+.1f%%, band %g%%)\n", ok ? "ok" : "FAIL", what, ck->key,
		ra, sb, pct, band);
	return !ok;
}

static int check_tasks(FILE *f, const struct side *real, const struct side *sim, const int *match,
		       const struct check_spec *c)
{
	s64 total = 0, rt;
	int bad = 0;
	char what[96];

	json_sum_tasks(real->res, "runtime_ns", &total);
	for (int i = 0; i < real->tasks->arr.n; i++) {
		const struct json_value *t = real->tasks->arr.v[i];
		const char *name = json_str_of(t, "replay_name");
		if (!json_path_int(t, "runtime_ns", &rt) || (double)rt < c->min_share / 100.0 * (double)total)
			continue;
		snprintf(what, sizeof(what), "task %s", name ? name : json_str_of(t, "comm") ?: "?");
		if (match[i] < 0) {
			fprintf(f, "FAIL %s: no such task in %s\n", what, sim->path);
			bad++;
			continue;
		}
		for (int k = 0; k < c->n; k++)
			if (check_keys[c->key[k]].scope == CHK_TASK)
				bad += check_one(f, what, &check_keys[c->key[k]], c->pct[k], t,
						 sim->tasks->arr.v[match[i]]);
	}
	return bad;
}

int rec_diff_check_files(const char *real_path, const char *sim_path, const char *spec, FILE *f,
			 char *err, size_t errlen)
{
	struct side real = { 0 }, sim = { 0 };
	struct check_spec c;
	int *match = NULL, rc, bad = 0;

	rc = check_spec_parse(spec, &c, err, errlen);
	rc = rc ?: side_load(&real, real_path, err, errlen);
	rc = rc ?: side_load(&sim, sim_path, err, errlen);
	rc = rc ?: tasks_match(&real, &sim, &match);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "diff: out of memory");
	if (rc)
		goto out;
	for (int k = 0; k < c.n; k++)
		if (check_keys[c.key[k]].scope == CHK_TOTAL)
			bad += check_one(f, "totals", &check_keys[c.key[k]], c.pct[k], real.res,
					 sim.res);
	if (c.any_task)
		bad += check_tasks(f, &real, &sim, match, &c);
	rc = bad;
out:
	free(match);
	side_free(&real);
	side_free(&sim);
	return rc;
}
