/*
 * rtapp.c — reads an rt-app JSON workload (the grammar of rt-app's doc/tutorial.txt, as its
 * parser rt-app_parse_config.c reads it) into a struct workload.
 *
 * How it reads as rt-app does: members are taken in file order with repeated keys kept (our
 * JSON reader, relaxed: comments, trailing commas, workgen's bare "suspend" keys); an event is
 * any key that *starts with* an event name (run0, sleep1, timer2, ...) exactly as rt-app
 * matches them; "unique*" timers are per thread; resources are created on first use.
 * Where it is stricter than rt-app: rt-app skips keys it does not know; scxsim reports them
 * (a misspelt "rnu" would otherwise silently change the workload), and it reports values
 * rt-app would misuse (negative durations, loop 0, priorities out of range).
 * Where it extends rt-app: policy SCHED_EXT (and SCHED_BATCH, SCHED_IDLE); the top-level
 * "cgroups" object with cpu.weight per cgroup, "hotplug" (timed CPU hotplug), "cgroup_events"
 * (timed cpu.weight writes and cgroup moves) and the thread key "core_cookie".
 *
 * Invariant: on success every task has >= 1 phase, every phase >= 1 event, every event's
 * resource index is valid, barriers know their users; on error nothing is returned and the one
 * message names file, task, phase, key and line:col.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scxsim/cpumask.h"
#include "rtapp_int.h"

/* Limits that keep a huge or hostile file from exhausting memory or time (docs/workload.md). */
#define RT_MAX_INSTANCES 65536       /* "instance" of one thread object */
#define RT_MAX_TASKS     65536       /* thread objects */
#define RT_MAX_THREADS   (1 << 20)   /* thread instances in total */
#define RT_MAX_CGROUPS   4096
#define RT_MAX_FILE      (64 << 20)

/* ---- messages and value checks ------------------------------------------------------------ */

int rtapp_fail(struct rt_ctx *c, const struct json_value *v, const char *fmt, ...)
{
	char msg[256], where[160] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->task && c->phase)
		snprintf(where, sizeof(where), " task '%s': phase '%s':", c->task, c->phase);
	else if (c->task)
		snprintf(where, sizeof(where), " task '%s':", c->task);
	if (v)
		snprintf(c->err, c->errlen, "%s:%s %s (line %d, col %d)", c->file, where, msg, v->line,
			 v->col);
	else
		snprintf(c->err, c->errlen, "%s:%s %s", c->file, where, msg);
	return -EINVAL;
}

int rtapp_oom(struct rt_ctx *c)
{
	snprintf(c->err, c->errlen, "%s: out of memory", c->file);
	return -ENOMEM;
}

int rtapp_int(struct rt_ctx *c, const char *key, const struct json_value *v, s64 min, s64 max,
	   s64 *out)
{
	if (v->type != JSON_NUMBER || !v->num.is_int)
		return rtapp_fail(c, v, "key '%s': expected an integer, got %s", key, json_value_kind(v));
	if (v->num.i < min || v->num.i > max)
		return rtapp_fail(c, v, "key '%s': %lld is out of range [%lld, %lld]", key,
			       (long long)v->num.i, (long long)min, (long long)max);
	*out = v->num.i;
	return 0;
}

int rtapp_usec(struct rt_ctx *c, const char *key, const struct json_value *v, u64 *ns)
{
	s64 us = 0;

	if (v->type == JSON_NUMBER && v->num.is_int && v->num.i < 0)
		return rtapp_fail(c, v, "key '%s': must not be negative (got %lld)", key,
			       (long long)v->num.i);
	if (rtapp_int(c, key, v, 0, WL_USEC_MAX, &us))
		return -EINVAL;
	*ns = (u64)us * NSEC_PER_USEC;
	return 0;
}

static int rt_string(struct rt_ctx *c, const char *key, const struct json_value *v,
		     const char **out)
{
	if (v->type != JSON_STRING)
		return rtapp_fail(c, v, "key '%s': expected a string, got %s", key, json_value_kind(v));
	*out = v->str.s;
	return 0;
}

int rtapp_res_name(struct rt_ctx *c, const char *key, const struct json_value *v, const char **out)
{
	if (rt_string(c, key, v, out))
		return -EINVAL;
	if (!**out)
		return rtapp_fail(c, v, "key '%s': empty resource name", key);
	if (strlen(*out) >= sizeof(((struct wl_res *)0)->name))
		return rtapp_fail(c, v, "key '%s': resource name '%s' longer than %zu characters", key,
			       *out, sizeof(((struct wl_res *)0)->name) - 1);
	return 0;
}

int rtapp_res(struct rt_ctx *c, const char *key, const struct json_value *at, const char *name,
	   enum wl_res_kind kind)
{
	enum wl_res_kind other = kind;
	int i = wl_res_use(c->w, &c->rix, name, kind, &other);

	if (i == -ENOMEM)
		return rtapp_oom(c);
	if (i == -EEXIST)
		return rtapp_fail(c, at, "key '%s': resource '%s' used as a %s here but as a %s elsewhere",
			       key, name, wl_res_kind_name(kind), wl_res_kind_name(other));
	return i;
}

int rtapp_ev(struct rt_ctx *c, struct wl_phase *p, enum wl_ev_kind kind, u64 ns, int res, int res2,
	  u32 arg)
{
	return wl_ev_add(p, kind, ns, res, res2, arg) ? rtapp_oom(c) : 0;
}

/* Object members other than the known ones are errors: fields[] is NULL-terminated. */
static int rt_only_fields(struct rt_ctx *c, const char *key, const struct json_value *obj,
			  const char *const *fields)
{
	for (int i = 0; i < obj->obj.n; i++) {
		const char *k = obj->obj.m[i].key;
		int f = 0;

		while (fields[f] && strcmp(fields[f], k))
			f++;
		if (!fields[f])
			return rtapp_fail(c, obj->obj.m[i].val, "key '%s': unknown field '%s'", key, k);
		if (json_count(obj, k) > 1)
			return rtapp_fail(c, obj->obj.m[i].val, "key '%s': field '%s' given twice", key, k);
	}
	return 0;
}

static int rt_need_object(struct rt_ctx *c, const char *key, const struct json_value *v)
{
	if (v->type != JSON_OBJECT)
		return rtapp_fail(c, v, "key '%s': expected an object, got %s", key, json_value_kind(v));
	return 0;
}

/* ---- policies ----------------------------------------------------------------------------- */

static const struct {
	const char *name;
	int policy;      /* enum wl_policy, or -1 for SCHED_DEADLINE (not modelled) */
} rt_policies[] = {
	{ "SCHED_OTHER", WL_POLICY_OTHER }, { "SCHED_NORMAL", WL_POLICY_OTHER },
	{ "SCHED_BATCH", WL_POLICY_BATCH }, { "SCHED_IDLE", WL_POLICY_IDLE },
	{ "SCHED_FIFO", WL_POLICY_FIFO },   { "SCHED_RR", WL_POLICY_RR },
	{ "SCHED_EXT", WL_POLICY_EXT },     { "SCHED_DEADLINE", -1 },
};

static int rt_policy(struct rt_ctx *c, const char *key, const struct json_value *v,
		     enum wl_policy *out)
{
	const char *s = NULL;

	if (rt_string(c, key, v, &s))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(rt_policies); i++) {
		if (strcmp(rt_policies[i].name, s))
			continue;
		if (rt_policies[i].policy < 0)
			return rtapp_fail(c, v, "key '%s': %s is not modelled by scxsim", key, s);
		*out = rt_policies[i].policy;
		return 0;
	}
	return rtapp_fail(c, v, "key '%s': unknown policy '%s' (known: SCHED_OTHER, SCHED_NORMAL, "
		       "SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, SCHED_RR, SCHED_EXT)", key, s);
}

static bool rt_policy_is_rt(enum wl_policy p)
{
	return p == WL_POLICY_FIFO || p == WL_POLICY_RR;
}

/* ---- global ------------------------------------------------------------------------------- */

/* Keys of "global" that do not change scheduling in scxsim: accepted, listed as ignored.
 * spacing/fragment are older rt-app global keys; "frag" is in rt-app's own example files. */
static const char *const rt_global_ignored[] = {
	"calibration", "pi_enabled", "lock_pages", "logdir", "log_basename", "log_size", "ftrace",
	"gnuplot", "io_device", "mem_buffer_size", "cumulative_slack", "spacing", "fragment",
	"frag", NULL,
};

static bool rt_in(const char *const *list, const char *key)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], key))
			return true;
	return false;
}

static int rt_global_key(struct rt_ctx *c, const char *key, const struct json_value *v)
{
	struct workload *w = c->w;
	s64 d = 0;

	if (!strcmp(key, "duration")) {
		if (rtapp_int(c, "duration", v, -1, (s64)(UINT64_MAX / NSEC_PER_SEC), &d))
			return -EINVAL;
		w->duration_ns = d > 0 ? (u64)d * NSEC_PER_SEC : 0;
		return 0;
	}
	if (!strcmp(key, "default_policy"))
		return rt_policy(c, key, v, &w->default_policy);
	if (rt_in(rt_global_ignored, key))
		return wl_ignore(w, key) ? rtapp_oom(c) : 0;
	return rtapp_fail(c, v, "global: unknown key '%s'", key);
}

static int rt_global(struct rt_ctx *c, const struct json_value *g)
{
	if (rt_need_object(c, "global", g))
		return -EINVAL;
	for (int i = 0; i < g->obj.n; i++) {
		const char *key = g->obj.m[i].key;

		if (json_count(g, key) > 1)
			return rtapp_fail(c, g->obj.m[i].val, "global: key '%s' given twice", key);
		if (rt_global_key(c, key, g->obj.m[i].val))
			return -EINVAL;
	}
	return 0;
}

/* ---- cgroups (scxsim's extension) --------------------------------------------------------- */

static int rt_cgroups(struct rt_ctx *c, const struct json_value *cg)
{
	static const char *const fields[] = { "weight", NULL };

	int dup;

	if (rt_need_object(c, "cgroups", cg))
		return -EINVAL;
	dup = json_first_dup(cg);
	if (dup >= 0)
		return rtapp_fail(c, cg->obj.m[dup].val, "cgroups: '%s' given twice",
				  cg->obj.m[dup].key);
	if (cg->obj.n > RT_MAX_CGROUPS)
		return rtapp_fail(c, cg, "cgroups: more than %d cgroups", RT_MAX_CGROUPS);
	for (int i = 0; i < cg->obj.n; i++) {
		const char *path = cg->obj.m[i].key, *why;
		const struct json_value *v = cg->obj.m[i].val, *wt;
		s64 weight = 100;

		if (wl_cgroup_check(path, &why))
			return rtapp_fail(c, v, "cgroups: path '%s' %s", path, why);
		if (!strcmp(path, "/"))
			return rtapp_fail(c, v, "cgroups: the root cgroup '/' has no weight");
		if (rt_need_object(c, path, v) || rt_only_fields(c, path, v, fields))
			return -EINVAL;
		wt = json_get(v, "weight");
		if (wt && rtapp_int(c, "weight", wt, 1, 10000, &weight))
			return -EINVAL;
		if (wl_cgroup_set(c->w, path, (u32)weight))
			return rtapp_oom(c);
	}
	return 0;
}

/* ---- hotplug (scxsim's extension) --------------------------------------------------------
 * "hotplug": [{"at_ms": 100, "cpu": 1, "online": false}, ...]: CPU hotplug events in
 * simulated time; kept sorted by time (stable for equal times).
 */

static int rt_hotplug_cmp(const void *a, const void *b)
{
	const struct wl_hotplug *x = a, *y = b;

	return x->at_ns < y->at_ns ? -1 : x->at_ns > y->at_ns;
}

static int rt_hotplug(struct rt_ctx *c, const struct json_value *hp)
{
	static const char *const fields[] = { "at_ms", "cpu", "online", NULL };

	if (hp->type != JSON_ARRAY)
		return rtapp_fail(c, hp, "hotplug: expected an array of {\"at_ms\", \"cpu\", \"online\"}, got %s",
				  json_value_kind(hp));
	if (hp->arr.n > 4096)
		return rtapp_fail(c, hp, "hotplug: more than 4096 events");
	c->w->hotplug = calloc(hp->arr.n ? hp->arr.n : 1, sizeof(*c->w->hotplug));
	if (!c->w->hotplug)
		return rtapp_oom(c);
	for (int i = 0; i < hp->arr.n; i++) {
		const struct json_value *e = hp->arr.v[i], *at, *cpu, *on;
		s64 ms = 0, n = 0;

		if (rt_need_object(c, "hotplug", e) || rt_only_fields(c, "hotplug", e, fields))
			return -EINVAL;
		at = json_get(e, "at_ms");
		cpu = json_get(e, "cpu");
		on = json_get(e, "online");
		if (!at || !cpu || !on)
			return rtapp_fail(c, e, "hotplug: event %d needs \"at_ms\", \"cpu\" and \"online\"", i);
		if (rtapp_int(c, "at_ms", at, 0, 1000000000, &ms) || rtapp_int(c, "cpu", cpu, 0, 1023, &n))
			return -EINVAL;
		if (on->type != JSON_BOOL)
			return rtapp_fail(c, on, "hotplug: key 'online': expected true or false, got %s",
					  json_value_kind(on));
		c->w->hotplug[i] = (struct wl_hotplug){ (u64)ms * NSEC_PER_MSEC, (int)n,
							 on->b ? WL_CPU_ONLINE : WL_CPU_OFFLINE };
		c->w->nr_hotplug++;
	}
	/* insertion sort: stable, events are few */
	for (int i = 1; i < c->w->nr_hotplug; i++)
		for (int k = i; k > 0 && rt_hotplug_cmp(&c->w->hotplug[k - 1], &c->w->hotplug[k]) > 0; k--) {
			struct wl_hotplug t = c->w->hotplug[k];
			c->w->hotplug[k] = c->w->hotplug[k - 1];
			c->w->hotplug[k - 1] = t;
		}
	return 0;
}

/* ---- cgroup_events (scxsim's extension) ---------------------------------------------------
 * "cgroup_events": [{"at_ms": 50, "cgroup": "/a", "weight": 300},
 *                   {"at_ms": 80, "task": "NAME", "cgroup": "/b"}, ...]
 * A weight write needs a cgroup that exists at that time (declared, a taskgroup, or created by
 * an earlier move); a move creates its destination. Kept sorted by time, stable for ties.
 * Messages name the event by its index in the file.
 */

#define RT_MAX_CG_EVENTS 4096

__attribute__((format(printf, 4, 5)))
static int rt_ce_fail(struct rt_ctx *c, const struct json_value *v, int i, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return rtapp_fail(c, v, "cgroup_events: event %d: %s", i, msg);
}

static int rt_ce_int(struct rt_ctx *c, const struct json_value *v, int i, const char *key,
		     s64 min, s64 max, s64 *out)
{
	if (v->type != JSON_NUMBER || !v->num.is_int)
		return rt_ce_fail(c, v, i, "key '%s': expected an integer, got %s", key,
				  json_value_kind(v));
	if (v->num.i < min || v->num.i > max)
		return rt_ce_fail(c, v, i, "key '%s': %lld is out of range [%lld, %lld]", key,
				  (long long)v->num.i, (long long)min, (long long)max);
	*out = v->num.i;
	return 0;
}

static int rt_ce_str(struct rt_ctx *c, const struct json_value *v, int i, const char *key,
		     const char **out)
{
	if (v->type != JSON_STRING)
		return rt_ce_fail(c, v, i, "key '%s': expected a string, got %s", key,
				  json_value_kind(v));
	*out = v->str.s;
	return 0;
}

static int rt_ce_task(struct rt_ctx *c, const struct json_value *v, int i, const char *name)
{
	for (int t = 0; t < c->w->nr_tasks; t++)
		if (!strcmp(c->w->tasks[t].name, name))
			return t;
	return rt_ce_fail(c, v, i, "key 'task': no task named '%s'", name);
}

/* Keys of one event: all known, none twice, at_ms and cgroup present, task xor weight. */
static int rt_ce_keys(struct rt_ctx *c, const struct json_value *e, int i)
{
	static const char *const fields[] = { "at_ms", "cgroup", "task", "weight", NULL };
	bool task, weight;

	if (e->type != JSON_OBJECT)
		return rt_ce_fail(c, e, i, "expected an object, got %s", json_value_kind(e));
	for (int k = 0; k < e->obj.n; k++) {
		const char *key = e->obj.m[k].key;
		int f = 0;

		while (fields[f] && strcmp(fields[f], key))
			f++;
		if (!fields[f])
			return rt_ce_fail(c, e->obj.m[k].val, i, "unknown key '%s'", key);
		if (json_count(e, key) > 1)
			return rt_ce_fail(c, e->obj.m[k].val, i, "key '%s' given twice", key);
	}
	for (int f = 0; f < 2; f++)
		if (!json_get(e, fields[f]))
			return rt_ce_fail(c, e, i, "missing key '%s'", fields[f]);
	task = json_get(e, "task") != NULL;
	weight = json_get(e, "weight") != NULL;
	if (task == weight)
		return rt_ce_fail(c, e, i, "%s: an event is either a move (\"task\") or a cpu.weight "
				  "write (\"weight\")", task ? "both 'task' and 'weight'" :
				  "neither 'task' nor 'weight'");
	return 0;
}

static int rt_ce_one(struct rt_ctx *c, const struct json_value *e, int i,
		     struct wl_cgroup_event *out)
{
	const struct json_value *v;
	const char *path = NULL, *name = NULL, *why = NULL;
	s64 ms = 0, weight = 0;

	if (rt_ce_keys(c, e, i) || rt_ce_int(c, json_get(e, "at_ms"), i, "at_ms", 0, 1000000000, &ms) ||
	    rt_ce_str(c, json_get(e, "cgroup"), i, "cgroup", &path))
		return -EINVAL;
	if (wl_cgroup_check(path, &why))
		return rt_ce_fail(c, json_get(e, "cgroup"), i, "key 'cgroup': path '%s' %s", path, why);
	*out = (struct wl_cgroup_event){ .at_ns = (u64)ms * NSEC_PER_MSEC, .task = -1 };
	snprintf(out->cgroup, sizeof(out->cgroup), "%s", path);
	if ((v = json_get(e, "weight"))) {
		if (rt_ce_int(c, v, i, "weight", 1, 10000, &weight))
			return -EINVAL;
		if (!strcmp(path, "/"))
			return rt_ce_fail(c, v, i, "the root cgroup '/' has no weight");
		out->kind = WL_CG_WEIGHT;
		out->weight = (u32)weight;
		return 0;
	}
	v = json_get(e, "task");
	if (rt_ce_str(c, v, i, "task", &name))
		return -EINVAL;
	out->kind = WL_CG_MOVE;
	out->task = rt_ce_task(c, v, i, name);
	return out->task < 0 ? -EINVAL : 0;
}

/* Does path exist before sorted event k: declared, a taskgroup, or made by an earlier move? */
static bool rt_ce_exists(const struct workload *w, const char *path, int k)
{
	size_t n = strlen(path);

	for (int i = 0; i < w->nr_cgroups; i++)
		if (!strcmp(w->cgroups[i].path, path))
			return true;
	for (int i = 0; i < k; i++) {
		const char *to = w->cg_events[i].cgroup;
		if (w->cg_events[i].kind == WL_CG_MOVE && !strncmp(to, path, n) &&
		    (to[n] == '\0' || to[n] == '/'))
			return true;
	}
	return false;
}

static int rt_cgroup_events(struct rt_ctx *c, const struct json_value *ev)
{
	struct wl_cgroup_event *e;
	int *idx;

	if (ev->type != JSON_ARRAY)
		return rtapp_fail(c, ev, "cgroup_events: expected an array of events, got %s",
				  json_value_kind(ev));
	if (ev->arr.n > RT_MAX_CG_EVENTS)
		return rtapp_fail(c, ev, "cgroup_events: more than %d events", RT_MAX_CG_EVENTS);
	e = calloc(ev->arr.n ? ev->arr.n : 1, sizeof(*e));
	idx = calloc(ev->arr.n ? ev->arr.n : 1, sizeof(*idx));
	c->w->cg_events = e;
	if (!e || !idx) {
		free(idx);
		return rtapp_oom(c);
	}
	for (int i = 0; i < ev->arr.n; i++) {
		struct wl_cgroup_event one;
		int k = i;

		if (rt_ce_one(c, ev->arr.v[i], i, &one)) {
			free(idx);
			return -EINVAL;
		}
		/* insertion: stable by time */
		for (; k > 0 && e[k - 1].at_ns > one.at_ns; k--) {
			e[k] = e[k - 1];
			idx[k] = idx[k - 1];
		}
		e[k] = one;
		idx[k] = i;
		c->w->nr_cg_events++;
	}
	for (int k = 0; k < c->w->nr_cg_events; k++) {
		if (e[k].kind != WL_CG_WEIGHT || rt_ce_exists(c->w, e[k].cgroup, k))
			continue;
		int i = idx[k];
		free(idx);
		return rt_ce_fail(c, json_get(ev->arr.v[i], "cgroup"), i,
				  "key 'cgroup': no cgroup '%s' at %llu ms (declare it in \"cgroups\", "
				  "use it as a taskgroup or move a task there first)", e[k].cgroup,
				  (unsigned long long)(e[k].at_ns / NSEC_PER_MSEC));
	}
	free(idx);
	return 0;
}

/* ---- top-level "resources" (legacy declarations; ignored by the event grammar) ------------- */

static const char *const rt_res_types[] = {
	"mutex", "wait", "signal", "broadcast", "sync", "run", "sleep", "timer", "barrier", NULL,
};

static int rt_resources(struct rt_ctx *c, const struct json_value *r)
{
	static const char *const fields[] = { "type", "target", NULL };

	int dup;

	if (rt_need_object(c, "resources", r))
		return -EINVAL;
	dup = json_first_dup(r);
	if (dup >= 0)
		return rtapp_fail(c, r->obj.m[dup].val, "resources: '%s' given twice",
				  r->obj.m[dup].key);
	for (int i = 0; i < r->obj.n; i++) {
		const struct json_value *v = r->obj.m[i].val, *t, *tg;
		const char *name = r->obj.m[i].key, *s = NULL;

		if (rt_need_object(c, name, v) || rt_only_fields(c, name, v, fields))
			return -EINVAL;
		t = json_get(v, "type");
		if (t && (rt_string(c, "type", t, &s) || !rt_in(rt_res_types, s)))
			return t->type == JSON_STRING ?
			       rtapp_fail(c, t, "resources: '%s': unknown type '%s'", name, s) : -EINVAL;
		tg = json_get(v, "target");
		if (tg && rtapp_res_name(c, "target", tg, &s))
			return -EINVAL;
	}
	c->resources = r;
	return json_index_init(&c->decl, r) ? rtapp_oom(c) : 0;
}

/* ---- events ------------------------------------------------------------------------------- */

typedef int (*rt_ev_fn)(struct rt_ctx *c, struct wl_phase *p, const char *key,
			const struct json_value *v);

static int rt_ev_duration(struct rt_ctx *c, struct wl_phase *p, const char *key,
			  const struct json_value *v, enum wl_ev_kind kind)
{
	u64 ns = 0;

	return rtapp_usec(c, key, v, &ns) ?: rtapp_ev(c, p, kind, ns, -1, -1, 0);
}

static int rt_ev_run(struct rt_ctx *c, struct wl_phase *p, const char *key,
		     const struct json_value *v)
{
	return rt_ev_duration(c, p, key, v, WL_EV_RUN);
}

static int rt_ev_runtime(struct rt_ctx *c, struct wl_phase *p, const char *key,
			 const struct json_value *v)
{
	return rt_ev_duration(c, p, key, v, WL_EV_RUNTIME);
}

static int rt_ev_sleep(struct rt_ctx *c, struct wl_phase *p, const char *key,
		       const struct json_value *v)
{
	return rt_ev_duration(c, p, key, v, WL_EV_SLEEP);
}

/* "mem": bytes written to memory, modelled as CPU work at WL_MEM_BYTES_PER_NS. */
static int rt_ev_mem(struct rt_ctx *c, struct wl_phase *p, const char *key,
		     const struct json_value *v)
{
	s64 bytes = 0;

	if (rtapp_int(c, key, v, 0, INT64_MAX, &bytes))
		return -EINVAL;
	return rtapp_ev(c, p, WL_EV_RUN, (u64)(bytes + WL_MEM_BYTES_PER_NS - 1) / WL_MEM_BYTES_PER_NS,
		     -1, -1, 0);
}

/* "iorun": bytes written to the I/O device, modelled as blocking I/O at WL_IO_NS_PER_BYTE. */
static int rt_ev_iorun(struct rt_ctx *c, struct wl_phase *p, const char *key,
		       const struct json_value *v)
{
	s64 bytes = 0;

	if (rtapp_int(c, key, v, 0, INT64_MAX / WL_IO_NS_PER_BYTE, &bytes))
		return -EINVAL;
	return rtapp_ev(c, p, WL_EV_IORUN, (u64)bytes * WL_IO_NS_PER_BYTE, -1, -1, 0);
}

/* An event whose value names one resource of kind. */
static int rt_ev_named(struct rt_ctx *c, struct wl_phase *p, const char *key,
		       const struct json_value *v, enum wl_ev_kind ev, enum wl_res_kind kind)
{
	const char *name = NULL;
	int r;

	if (rtapp_res_name(c, key, v, &name))
		return -EINVAL;
	r = rtapp_res(c, key, v, name, kind);
	return r < 0 ? r : rtapp_ev(c, p, ev, 0, r, -1, 0);
}

static int rt_ev_lock(struct rt_ctx *c, struct wl_phase *p, const char *key,
		      const struct json_value *v)
{
	return rt_ev_named(c, p, key, v, WL_EV_LOCK, WL_RES_MUTEX);
}

static int rt_ev_unlock(struct rt_ctx *c, struct wl_phase *p, const char *key,
			const struct json_value *v)
{
	return rt_ev_named(c, p, key, v, WL_EV_UNLOCK, WL_RES_MUTEX);
}

static int rt_ev_signal(struct rt_ctx *c, struct wl_phase *p, const char *key,
			const struct json_value *v)
{
	return rt_ev_named(c, p, key, v, WL_EV_SIGNAL, WL_RES_COND);
}

static int rt_ev_broad(struct rt_ctx *c, struct wl_phase *p, const char *key,
		       const struct json_value *v)
{
	return rt_ev_named(c, p, key, v, WL_EV_BROADCAST, WL_RES_COND);
}

static int rt_ev_barrier(struct rt_ctx *c, struct wl_phase *p, const char *key,
			 const struct json_value *v)
{
	return rt_ev_named(c, p, key, v, WL_EV_BARRIER, WL_RES_BARRIER);
}

static int rt_ev_resume(struct rt_ctx *c, struct wl_phase *p, const char *key,
			const struct json_value *v)
{
	return rt_ev_named(c, p, key, v, WL_EV_RESUME, WL_RES_COND);
}

/* "wait"/"sync": {"ref": condition, "mutex": mutex}. */
static int rt_ev_cond_mutex(struct rt_ctx *c, struct wl_phase *p, const char *key,
			    const struct json_value *v, enum wl_ev_kind ev)
{
	static const char *const fields[] = { "ref", "mutex", NULL };
	const struct json_value *ref, *mtx;
	const char *rn = NULL, *mn = NULL;
	int r, m;

	if (rt_need_object(c, key, v) || rt_only_fields(c, key, v, fields))
		return -EINVAL;
	ref = json_get(v, "ref");
	mtx = json_get(v, "mutex");
	if (!ref || !mtx)
		return rtapp_fail(c, v, "key '%s': missing field '%s'", key, ref ? "mutex" : "ref");
	if (rtapp_res_name(c, key, ref, &rn) || rtapp_res_name(c, key, mtx, &mn))
		return -EINVAL;
	r = rtapp_res(c, key, ref, rn, WL_RES_COND);
	if (r < 0)
		return r;
	m = rtapp_res(c, key, mtx, mn, WL_RES_MUTEX);
	return m < 0 ? m : rtapp_ev(c, p, ev, 0, r, m, 0);
}

static int rt_ev_wait(struct rt_ctx *c, struct wl_phase *p, const char *key,
		      const struct json_value *v)
{
	return rt_ev_cond_mutex(c, p, key, v, WL_EV_WAIT);
}

static int rt_ev_sync(struct rt_ctx *c, struct wl_phase *p, const char *key,
		      const struct json_value *v)
{
	return rt_ev_cond_mutex(c, p, key, v, WL_EV_SYNC);
}

/* "timer": {"ref": name, "period": usec > 0, "mode": "relative"|"absolute"}. */
static int rt_ev_timer(struct rt_ctx *c, struct wl_phase *p, const char *key,
		       const struct json_value *v)
{
	static const char *const fields[] = { "ref", "period", "mode", NULL };
	const struct json_value *ref, *per, *mode;
	const char *name = NULL, *m = "relative";
	u64 ns = 0;
	int r;

	if (rt_need_object(c, key, v) || rt_only_fields(c, key, v, fields))
		return -EINVAL;
	ref = json_get(v, "ref");
	per = json_get(v, "period");
	mode = json_get(v, "mode");
	if (!ref || !per)
		return rtapp_fail(c, v, "key '%s': missing field '%s'", key, ref ? "period" : "ref");
	if (rtapp_res_name(c, key, ref, &name) || rtapp_usec(c, key, per, &ns))
		return -EINVAL;
	if (!ns)
		return rtapp_fail(c, per, "key '%s': timer period must be > 0", key);
	if (mode && rt_string(c, key, mode, &m))
		return -EINVAL;
	if (strcmp(m, "relative") && strcmp(m, "absolute"))
		return rtapp_fail(c, mode, "key '%s': mode must be \"relative\" or \"absolute\", got '%s'",
			       key, m);
	r = rtapp_res(c, key, ref, name, WL_RES_TIMER);
	if (r < 0)
		return r;
	c->w->res[r].per_instance = !strncmp(name, "unique", 6);
	return rtapp_ev(c, p, WL_EV_TIMER, ns, r, -1, !strcmp(m, "absolute"));
}

/* "suspend": a condition name; "" or a bare key (workgen's shorthand) = this task's name. */
static int rt_ev_suspend(struct rt_ctx *c, struct wl_phase *p, const char *key,
			 const struct json_value *v)
{
	const char *name = c->task;
	int r;

	if (v->type == JSON_STRING && v->str.s[0]) {
		if (rtapp_res_name(c, key, v, &name))
			return -EINVAL;
	} else if (v->type != JSON_NULL && v->type != JSON_STRING) {
		return rtapp_fail(c, v, "key '%s': expected a string, got %s", key, json_value_kind(v));
	}
	r = rtapp_res(c, key, v, name, WL_RES_COND);
	return r < 0 ? r : rtapp_ev(c, p, WL_EV_SUSPEND, 0, r, -1, 0);
}

/* "yield": the string is unused and may be empty. */
static int rt_ev_yield(struct rt_ctx *c, struct wl_phase *p, const char *key,
		       const struct json_value *v)
{
	if (v->type != JSON_NULL && v->type != JSON_STRING)
		return rtapp_fail(c, v, "key '%s': expected a string, got %s", key, json_value_kind(v));
	return rtapp_ev(c, p, WL_EV_YIELD, 0, -1, -1, 0);
}

static int rt_ev_fork(struct rt_ctx *c, struct wl_phase *p, const char *key,
		      const struct json_value *v)
{
	return rtapp_fail(c, v, "key '%s': the fork event is not modelled by scxsim", key);
}

/* Events by key prefix, as rt-app matches them ("runtime" before "run"). */
static const struct {
	const char *prefix;
	rt_ev_fn fn;
} rt_events[] = {
	{ "runtime", rt_ev_runtime }, { "run", rt_ev_run },         { "sleep", rt_ev_sleep },
	{ "mem", rt_ev_mem },         { "iorun", rt_ev_iorun },     { "lock", rt_ev_lock },
	{ "unlock", rt_ev_unlock },   { "signal", rt_ev_signal },   { "broad", rt_ev_broad },
	{ "wait", rt_ev_wait },       { "sync", rt_ev_sync },       { "barrier", rt_ev_barrier },
	{ "timer", rt_ev_timer },     { "resume", rt_ev_resume },   { "suspend", rt_ev_suspend },
	{ "yield", rt_ev_yield },     { "fork", rt_ev_fork },
};

static rt_ev_fn rt_event_fn(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(rt_events); i++)
		if (!strncmp(key, rt_events[i].prefix, strlen(rt_events[i].prefix)))
			return rt_events[i].fn;
	return NULL;
}

/* ---- keys of thread and phase objects ----------------------------------------------------- */

enum rt_key_class {
	K_UNKNOWN, K_EVENT, K_LEGACY, K_IGNORED, K_INSTANCE, K_LOOP, K_POLICY, K_PRIORITY,
	K_CPUS, K_TASKGROUP, K_DELAY, K_PHASES, K_DL, K_COOKIE,
};

enum { AT_TASK = 1, AT_PHASE = 2 };

/* Non-event keys: where each may appear. rt-app also takes policy/priority/taskgroup per
 * phase; scxsim does not model a policy change between phases and says so. */
static const struct {
	const char *key;
	enum rt_key_class cls;
	int where;
} rt_keys[] = {
	{ "instance", K_INSTANCE, AT_TASK },    { "loop", K_LOOP, AT_TASK | AT_PHASE },
	{ "policy", K_POLICY, AT_TASK },        { "priority", K_PRIORITY, AT_TASK },
	{ "cpus", K_CPUS, AT_TASK | AT_PHASE }, { "taskgroup", K_TASKGROUP, AT_TASK },
	{ "delay", K_DELAY, AT_TASK },          { "phases", K_PHASES, AT_TASK },
	{ "dl-runtime", K_DL, AT_TASK },        { "dl-period", K_DL, AT_TASK },
	{ "dl-deadline", K_DL, AT_TASK },       { "util_min", K_IGNORED, AT_TASK | AT_PHASE },
	{ "util_max", K_IGNORED, AT_TASK | AT_PHASE },
	{ "nodes_membind", K_IGNORED, AT_TASK | AT_PHASE },
	{ "core_cookie", K_COOKIE, AT_TASK }, /* scxsim extension: SMT core-scheduling cookie */
};

static enum rt_key_class rt_classify(const char *key, const struct json_value *v, int at,
				     bool *misplaced)
{
	*misplaced = false;
	for (size_t i = 0; i < ARRAY_SIZE(rt_keys); i++) {
		if (strcmp(rt_keys[i].key, key))
			continue;
		*misplaced = !(rt_keys[i].where & at);
		return rt_keys[i].cls;
	}
	if (rtapp_legacy_key(key, v))
		return K_LEGACY;
	return rt_event_fn(key) ? K_EVENT : K_UNKNOWN;
}

/* Check every key of obj (a thread object when at has AT_TASK, else a phase). */
static int rt_check_keys(struct rt_ctx *c, const struct json_value *obj, int at, bool phases)
{
	bool legacy = rtapp_is_legacy(obj);

	for (int i = 0; i < obj->obj.n; i++) {
		const char *key = obj->obj.m[i].key;
		const struct json_value *v = obj->obj.m[i].val;
		bool misplaced;
		enum rt_key_class k = rt_classify(key, v, at, &misplaced);

		if (k == K_UNKNOWN)
			return rtapp_fail(c, v, "unknown key '%s'", key);
		if (misplaced)
			return rtapp_fail(c, v, "key '%s' is not modelled inside a phase (give it at "
				       "task level)", key);
		if (k != K_EVENT && json_count(obj, key) > 1)
			return rtapp_fail(c, v, "key '%s' given twice", key);
		if (k == K_EVENT && phases)
			return rtapp_fail(c, v, "event key '%s' outside 'phases' (rt-app ignores it)", key);
		if (k == K_EVENT && legacy)
			return rtapp_fail(c, v, "event key '%s' mixed with the legacy 'exec' grammar", key);
		if (k == K_LEGACY && phases)
			return rtapp_fail(c, v, "legacy key '%s' outside 'phases'", key);
		if (k == K_LEGACY && !legacy)
			return rtapp_fail(c, v, "legacy key '%s' needs 'exec' in the same object", key);
		if (k == K_IGNORED && wl_ignore(c->w, key))
			return rtapp_oom(c);
	}
	return 0;
}

static int rt_cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* "cpus": a non-empty array of CPU numbers, stored sorted without duplicates. */
static int rt_cpus(struct rt_ctx *c, const struct json_value *v, int **out, int *nr)
{
	int n = 0, *cpus;

	if (v->type != JSON_ARRAY)
		return rtapp_fail(c, v, "key 'cpus': expected an array, got %s", json_value_kind(v));
	if (!v->arr.n)
		return rtapp_fail(c, v, "key 'cpus': empty CPU list");
	cpus = calloc(v->arr.n, sizeof(*cpus));
	if (!cpus)
		return rtapp_oom(c);
	for (int i = 0; i < v->arr.n; i++) {
		s64 cpu = 0;

		if (rtapp_int(c, "cpus", v->arr.v[i], 0, SCX_NR_CPUS_MAX - 1, &cpu)) {
			free(cpus);
			return -EINVAL;
		}
		cpus[i] = (int)cpu;
	}
	qsort(cpus, v->arr.n, sizeof(*cpus), rt_cmp_int);
	for (int i = 0; i < v->arr.n; i++)
		if (!n || cpus[n - 1] != cpus[i])
			cpus[n++] = cpus[i];
	*out = cpus;
	*nr = n;
	return 0;
}

/* The events of obj (a phase, or a thread without "phases") into p. */
static int rt_events_of(struct rt_ctx *c, const struct json_value *obj, struct wl_phase *p)
{
	if (rtapp_is_legacy(obj)) {
		c->legacy_used = true;
		return rtapp_legacy_phase(c, obj, p);
	}
	for (int i = 0; i < obj->obj.n; i++) {
		const char *key = obj->obj.m[i].key;
		const struct json_value *v = obj->obj.m[i].val;
		bool misplaced;

		if (rt_classify(key, v, AT_TASK | AT_PHASE, &misplaced) != K_EVENT)
			continue;
		if (rt_event_fn(key)(c, p, key, v))
			return -EINVAL;
	}
	if (!p->nr_ev)
		return rtapp_fail(c, obj, "no events (a task must run, sleep or wait on something)");
	return 0;
}

static int rt_phase(struct rt_ctx *c, const char *name, const struct json_value *obj,
		    struct wl_task *t)
{
	const struct json_value *v;
	struct wl_phase *p;
	s64 loop = 1;

	c->phase = name;
	if (strlen(name) >= sizeof(p->name))
		return rtapp_fail(c, obj, "phase name longer than %zu characters", sizeof(p->name) - 1);
	if (rt_need_object(c, name, obj) || rt_check_keys(c, obj, AT_PHASE, false))
		return -EINVAL;
	if (wl_phase_add(t, name, &p))
		return rtapp_oom(c);
	v = json_get(obj, "loop");
	if (v && rtapp_int(c, "loop", v, 1, INT32_MAX, &loop))
		return -EINVAL;
	p->loop = (int)loop;
	v = json_get(obj, "cpus");
	if (v) {
		if (rt_cpus(c, v, &p->cpus, &p->nr_cpus))
			return -EINVAL;
		p->has_cpus = true;
	}
	return rt_events_of(c, obj, p);
}

static int rt_phases(struct rt_ctx *c, const struct json_value *ph, struct wl_task *t)
{
	if (rt_need_object(c, "phases", ph))
		return -EINVAL;
	if (!ph->obj.n)
		return rtapp_fail(c, ph, "key 'phases': no phases");
	for (int i = 0; i < ph->obj.n; i++)
		if (rt_phase(c, ph->obj.m[i].key, ph->obj.m[i].val, t))
			return -EINVAL;
	c->phase = NULL;
	return 0;
}

/* policy, priority and the checks that depend on both. */
static int rt_task_sched(struct rt_ctx *c, const struct json_value *obj, struct wl_task *t)
{
	const struct json_value *pol = json_get(obj, "policy"), *pri = json_get(obj, "priority");
	const char *dl[] = { "dl-runtime", "dl-period", "dl-deadline" };
	s64 prio = 0;

	t->policy = c->w->default_policy;
	if (pol && rt_policy(c, "policy", pol, &t->policy))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(dl); i++)
		if (json_get(obj, dl[i]))
			return rtapp_fail(c, json_get(obj, dl[i]), "key '%s' is only valid with "
				       "SCHED_DEADLINE", dl[i]);
	if (rt_policy_is_rt(t->policy)) {
		prio = 10;
		if (pri && rtapp_int(c, "priority", pri, 1, 99, &prio))
			return -EINVAL;
		t->rt_prio = (int)prio;
	} else {
		prio = 0;
		if (pri && rtapp_int(c, "priority", pri, -20, 19, &prio))
			return -EINVAL;
		t->nice = (int)prio;
	}
	return 0;
}

static int rt_taskgroup(struct rt_ctx *c, const struct json_value *v, struct wl_task *t)
{
	const char *path = NULL, *why = NULL;

	if (rt_string(c, "taskgroup", v, &path))
		return -EINVAL;
	if (!path[0])
		return 0; /* rt-app: empty = no taskgroup */
	if (wl_cgroup_check(path, &why))
		return rtapp_fail(c, v, "key 'taskgroup': path '%s' %s", path, why);
	if (rt_policy_is_rt(t->policy))
		return rtapp_fail(c, v, "key 'taskgroup': no taskgroup support for policy %s (as in "
			       "rt-app)", wl_policy_name(t->policy));
	strcpy(t->cgroup, path);
	if (c->w->nr_cgroups >= RT_MAX_CGROUPS)
		return rtapp_fail(c, v, "key 'taskgroup': more than %d cgroups", RT_MAX_CGROUPS);
	return wl_cgroup_set(c->w, path, 0) ? rtapp_oom(c) : 0;
}

static int rt_task_settings(struct rt_ctx *c, const struct json_value *obj, struct wl_task *t)
{
	const struct json_value *v;
	s64 n = 0;

	if (rt_task_sched(c, obj, t))
		return -EINVAL;
	if ((v = json_get(obj, "instance"))) {
		if (rtapp_int(c, "instance", v, 1, RT_MAX_INSTANCES, &n))
			return -EINVAL;
		t->instances = (int)n;
	}
	c->threads += t->instances;
	if (c->threads > RT_MAX_THREADS)
		return rtapp_fail(c, obj, "more than %d threads in total", RT_MAX_THREADS);
	if ((v = json_get(obj, "loop"))) {
		if (v->type == JSON_NUMBER && v->num.is_int && v->num.i == 0)
			return rtapp_fail(c, v, "key 'loop': 0 (must be -1 for forever, or >= 1)");
		if (rtapp_int(c, "loop", v, -1, INT32_MAX, &n))
			return -EINVAL;
		t->loop = (int)n;
	}
	if ((v = json_get(obj, "delay")) && rtapp_usec(c, "delay", v, &t->delay_ns))
		return -EINVAL;
	if ((v = json_get(obj, "cpus")) && rt_cpus(c, v, &t->cpus, &t->nr_cpus))
		return -EINVAL;
	if ((v = json_get(obj, "taskgroup")) && rt_taskgroup(c, v, t))
		return -EINVAL;
	if ((v = json_get(obj, "core_cookie"))) {
		if (rtapp_int(c, "core_cookie", v, 0, INT64_MAX, &n))
			return -EINVAL;
		t->core_cookie = (u64)n;
	}
	return 0;
}

/* Barrier users: each thread instance whose events use the barrier counts once. */
static int rt_count_barriers(struct rt_ctx *c, const struct wl_task *t)
{
	int *bar = NULL, n = 0;

	for (int p = 0; p < t->nr_phases; p++) {
		for (int e = 0; e < t->phases[p].nr_ev; e++) {
			const struct wl_event *ev = &t->phases[p].ev[e];

			if (ev->kind != WL_EV_BARRIER)
				continue;
			if (wl_grow(&bar, n, sizeof(*bar))) {
				free(bar);
				return rtapp_oom(c);
			}
			bar[n++] = ev->res;
		}
	}
	if (n)
		qsort(bar, n, sizeof(*bar), rt_cmp_int);
	for (int i = 0; i < n; i++)
		if (!i || bar[i] != bar[i - 1])
			c->w->res[bar[i]].users += t->instances;
	free(bar);
	return 0;
}

static int rt_task(struct rt_ctx *c, const char *name, const struct json_value *obj)
{
	const struct json_value *ph;
	struct wl_task *t;
	struct wl_phase *p;
	int idx;

	c->task = name;
	c->phase = NULL;
	if (!name[0])
		return rtapp_fail(c, obj, "empty task name");
	if (strlen(name) >= sizeof(t->name))
		return rtapp_fail(c, obj, "task name longer than %zu characters", sizeof(t->name) - 1);
	if (rt_need_object(c, name, obj))
		return -EINVAL;
	ph = json_get(obj, "phases");
	if (rt_check_keys(c, obj, AT_TASK, ph != NULL))
		return -EINVAL;
	if (wl_task_add(c->w, name, &idx))
		return rtapp_oom(c);
	t = &c->w->tasks[idx];
	if (rt_task_settings(c, obj, t))
		return -EINVAL;
	if (ph) {
		if (rt_phases(c, ph, t))
			return -EINVAL;
	} else {
		/* One phase from the thread object itself; its "loop" is the task's. */
		if (wl_phase_add(t, "main", &p))
			return rtapp_oom(c);
		if (rt_events_of(c, obj, p))
			return -EINVAL;
	}
	return rt_count_barriers(c, t);
}

static int rt_tasks(struct rt_ctx *c, const struct json_value *tasks)
{
	if (rt_need_object(c, "tasks", tasks))
		return -EINVAL;
	int dup;

	if (!tasks->obj.n)
		return rtapp_fail(c, tasks, "no tasks");
	if (tasks->obj.n > RT_MAX_TASKS)
		return rtapp_fail(c, tasks, "more than %d tasks", RT_MAX_TASKS);
	dup = json_first_dup(tasks);
	if (dup >= 0)
		return rtapp_fail(c, tasks->obj.m[dup].val, "task '%s' given twice",
				  tasks->obj.m[dup].key);
	for (int i = 0; i < tasks->obj.n; i++) {
		const char *name = tasks->obj.m[i].key;

		if (rt_task(c, name, tasks->obj.m[i].val))
			return -EINVAL;
	}
	c->task = NULL;
	return 0;
}

/* A timer's mode belongs to the timer in rt-app: if any use says absolute, all uses are. */
static void rt_timer_modes(struct workload *w)
{
	bool *abs = calloc(w->nr_res + 1, sizeof(*abs));

	for (int pass = 0; abs && pass < 2; pass++)
		for (int t = 0; t < w->nr_tasks; t++)
			for (int p = 0; p < w->tasks[t].nr_phases; p++)
				for (int e = 0; e < w->tasks[t].phases[p].nr_ev; e++) {
					struct wl_event *ev = &w->tasks[t].phases[p].ev[e];

					if (ev->kind != WL_EV_TIMER)
						continue;
					if (pass == 0)
						abs[ev->res] |= ev->arg;
					else
						ev->arg = abs[ev->res];
				}
	free(abs);
}

static const char *const rt_top_keys[] = { "tasks", "global", "resources", "cgroups", "hotplug",
					   "cgroup_events", NULL };

static int rt_root(struct rt_ctx *c, const struct json_value *root)
{
	const struct json_value *v;

	if (root->type != JSON_OBJECT)
		return rtapp_fail(c, root, "expected an object at the top level, got %s",
			       json_value_kind(root));
	for (int i = 0; i < root->obj.n; i++) {
		const char *key = root->obj.m[i].key;

		if (!rt_in(rt_top_keys, key))
			return rtapp_fail(c, root->obj.m[i].val, "unknown top-level key '%s'", key);
		if (json_count(root, key) > 1)
			return rtapp_fail(c, root->obj.m[i].val, "top-level key '%s' given twice", key);
	}
	if ((v = json_get(root, "global")) && rt_global(c, v))
		return -EINVAL;
	if ((v = json_get(root, "resources")) && rt_resources(c, v))
		return -EINVAL;
	if ((v = json_get(root, "cgroups")) && rt_cgroups(c, v))
		return -EINVAL;
	if ((v = json_get(root, "hotplug")) && rt_hotplug(c, v))
		return -EINVAL;
	v = json_get(root, "tasks");
	if (!v)
		return rtapp_fail(c, NULL, "no tasks (missing top-level key 'tasks')");
	if (rt_tasks(c, v))
		return -EINVAL;
	if (c->resources && !c->legacy_used && wl_ignore(c->w, "resources"))
		return rtapp_oom(c);
	rt_timer_modes(c->w);
	if (wl_cgroups_finish(c->w))
		return rtapp_oom(c);
	/* after the tasks (moves name them) and the cgroups (weight writes need one) */
	if ((v = json_get(root, "cgroup_events")) && rt_cgroup_events(c, v))
		return -EINVAL;
	return 0;
}

int workload_load_buf(const char *name, const char *buf, size_t len, struct workload **out,
		      char *err, size_t errlen)
{
	char jerr[200];
	struct rt_ctx c = { .file = name, .err = err, .errlen = errlen };
	struct json_value *root;
	int ret;

	*out = NULL;
	root = json_parse(buf, len, JSON_RELAXED | JSON_BARE_KEYS, jerr, sizeof(jerr));
	if (!root) {
		snprintf(err, errlen, "%s:%s", name, jerr);
		return -EINVAL;
	}
	c.w = wl_new(name);
	ret = c.w ? rt_root(&c, root) : rtapp_oom(&c);
	json_index_free(&c.decl);
	wl_res_index_free(&c.rix);
	json_free(root);
	if (ret) {
		workload_free(c.w);
		return ret;
	}
	*out = c.w;
	return 0;
}

/* Whole file into a malloc'd buffer. 0 or -errno. */
static int rt_read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	char *b = NULL, *nb;
	int err = 0;

	if (!f)
		return -errno;
	for (;;) {
		nb = realloc(b, cap);
		if (!nb) {
			err = -ENOMEM;
			break;
		}
		b = nb;
		n += fread(b + n, 1, cap - n, f);
		if (ferror(f)) {
			err = -(errno ? errno : EIO);
			break;
		}
		if (n < cap)
			break;
		if (cap >= RT_MAX_FILE) {
			err = -EFBIG;
			break;
		}
		cap *= 2;
	}
	fclose(f);
	if (err) {
		free(b);
		return err;
	}
	*buf = b;
	*len = n;
	return 0;
}

int workload_load_file(const char *path, struct workload **out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int ret = rt_read_file(path, &buf, &len);

	*out = NULL;
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = workload_load_buf(path, buf, len, out, err, errlen);
	free(buf);
	return ret;
}
