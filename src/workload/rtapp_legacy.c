/*
 * rtapp_legacy.c — translation of rt-app's older periodic grammar into the event model.
 *
 * The older grammar (rt-app's taskset.json and examples/merge/) describes a periodic thread
 * or phase with "exec" (usec of work per period), "period", "deadline", "sleep" (false = do
 * not wait for the next period), "lock_order" (resources visited in order each period) and a
 * per-thread "resources" object ({"duration": usec held, "access": [mutexes held around it]}),
 * with the kinds declared in the top-level "resources" object ({"type": mutex|wait|signal|
 * broadcast|sync|run, "target": condition}). One activation becomes, for each name N of
 * lock_order (D = its duration, A = its access list):
 *     LOCK a for a in A
 *       mutex: LOCK N, RUN D, UNLOCK N      run: RUN D
 *       wait:  WAIT(N, A[0]), RUN D         sync: SYNC(target, A[0]), RUN D
 *       signal / broadcast: SIGNAL / BROADCAST(target), RUN D
 *     UNLOCK a for a in A, reversed
 * then RUN (exec - sum of D), then, unless "sleep" is false, TIMER(per-thread, period).
 * An undeclared resource is a mutex (rt-app's default resource type). "deadline" only matters
 * to SCHED_DEADLINE and is listed as ignored. docs/workload.md shows the translation.
 */
#include <errno.h>
#include <string.h>

#include "rtapp_int.h"

#define LG_TIMER "unique.legacy-period" /* "unique" prefix: one timer per thread */

static const char *const lg_keys[] = {
	"exec", "period", "deadline", "lock_order", "resources", NULL,
};

bool rtapp_legacy_key(const char *key, const struct json_value *v)
{
	if (!strcmp(key, "sleep"))
		return v->type == JSON_BOOL;
	for (int i = 0; lg_keys[i]; i++)
		if (!strcmp(lg_keys[i], key))
			return true;
	return false;
}

bool rtapp_is_legacy(const struct json_value *obj)
{
	return json_get(obj, "exec") != NULL;
}

struct lg_use {                        /* one lock_order entry, resolved */
	const char *name;
	const struct json_value *at;   /* for messages */
	const char *type;              /* declared type, "mutex" by default */
	const char *target;            /* declared target, or NULL */
	u64 hold_ns;                   /* "duration" */
	const struct json_value *access; /* array of mutex names, or NULL */
};

static int lg_lock_all(struct rt_ctx *c, struct wl_phase *p, const struct lg_use *u, bool lock)
{
	int n = u->access ? u->access->arr.n : 0;

	for (int k = 0; k < n; k++) {
		const struct json_value *a = u->access->arr.v[lock ? k : n - 1 - k];
		const char *name = NULL;
		int m;

		if (rtapp_res_name(c, "access", a, &name))
			return -EINVAL;
		m = rtapp_res(c, "access", a, name, WL_RES_MUTEX);
		if (m < 0 || rtapp_ev(c, p, lock ? WL_EV_LOCK : WL_EV_UNLOCK, 0, m, -1, 0))
			return -EINVAL;
	}
	return 0;
}

/* The mutex of a wait/sync step: the first of its access list. */
static int lg_access_mutex(struct rt_ctx *c, const struct lg_use *u)
{
	const char *name = NULL;

	if (!u->access || !u->access->arr.n)
		return rtapp_fail(c, u->at, "key 'lock_order': resource '%s' of type '%s' needs an "
			       "'access' mutex", u->name, u->type);
	if (rtapp_res_name(c, "access", u->access->arr.v[0], &name))
		return -EINVAL;
	return rtapp_res(c, "access", u->access->arr.v[0], name, WL_RES_MUTEX);
}

static int lg_target(struct rt_ctx *c, const struct lg_use *u)
{
	if (!u->target)
		return rtapp_fail(c, u->at, "key 'lock_order': resource '%s' of type '%s' needs a "
			       "'target' in the top-level resources", u->name, u->type);
	return rtapp_res(c, "lock_order", u->at, u->target, WL_RES_COND);
}

/* The primitive of one step, between the access locks. */
static int lg_primitive(struct rt_ctx *c, struct wl_phase *p, const struct lg_use *u)
{
	const char *t = u->type;
	int r, m;

	if (!strcmp(t, "run"))
		return 0;
	if (!strcmp(t, "mutex")) {
		r = rtapp_res(c, "lock_order", u->at, u->name, WL_RES_MUTEX);
		return r < 0 ? r : rtapp_ev(c, p, WL_EV_LOCK, 0, r, -1, 0);
	}
	if (!strcmp(t, "wait") || !strcmp(t, "sync")) {
		bool wait = !strcmp(t, "wait");

		r = wait ? rtapp_res(c, "lock_order", u->at, u->name, WL_RES_COND) : lg_target(c, u);
		m = r < 0 ? r : lg_access_mutex(c, u);
		return m < 0 ? m : rtapp_ev(c, p, wait ? WL_EV_WAIT : WL_EV_SYNC, 0, r, m, 0);
	}
	if (!strcmp(t, "signal") || !strcmp(t, "broadcast")) {
		r = lg_target(c, u);
		return r < 0 ? r : rtapp_ev(c, p, !strcmp(t, "signal") ? WL_EV_SIGNAL : WL_EV_BROADCAST,
					 0, r, -1, 0);
	}
	return rtapp_fail(c, u->at, "key 'lock_order': resource '%s' has type '%s', which the legacy "
		       "grammar does not use", u->name, t);
}

static int lg_step(struct rt_ctx *c, struct wl_phase *p, const struct lg_use *u)
{
	int r;

	if (lg_lock_all(c, p, u, true) || lg_primitive(c, p, u))
		return -EINVAL;
	if (u->hold_ns && rtapp_ev(c, p, WL_EV_RUN, u->hold_ns, -1, -1, 0))
		return -ENOMEM;
	if (!strcmp(u->type, "mutex")) {
		r = rtapp_res(c, "lock_order", u->at, u->name, WL_RES_MUTEX);
		if (r < 0 || rtapp_ev(c, p, WL_EV_UNLOCK, 0, r, -1, 0))
			return -EINVAL;
	}
	return lg_lock_all(c, p, u, false);
}

/* Resolve lock_order entry v against the thread's (mine) and the top-level resources. */
static int lg_resolve(struct rt_ctx *c, const struct json_value *v, const struct json_index *mine,
		      struct lg_use *u)
{
	static const char *const fields[] = { "duration", "access", NULL };
	const struct json_value *decl, *use, *x;

	memset(u, 0, sizeof(*u));
	u->at = v;
	u->type = "mutex";
	if (rtapp_res_name(c, "lock_order", v, &u->name))
		return -EINVAL;
	decl = json_index_get(&c->decl, u->name);
	if ((x = json_get(decl, "type")))
		u->type = x->str.s;          /* checked by the top-level reader */
	if ((x = json_get(decl, "target")))
		u->target = x->str.s;
	use = json_index_get(mine, u->name);
	if (!use)
		return 0;
	if (use->type != JSON_OBJECT)
		return rtapp_fail(c, use, "key 'resources': '%s': expected an object, got %s", u->name,
			       json_value_kind(use));
	for (int i = 0; i < use->obj.n; i++) {
		const char *k = use->obj.m[i].key;
		int f = 0;

		while (fields[f] && strcmp(fields[f], k))
			f++;
		if (!fields[f] || json_count(use, k) > 1)
			return rtapp_fail(c, use->obj.m[i].val, "key 'resources': '%s': %s field '%s'",
				       u->name, fields[f] ? "repeated" : "unknown", k);
	}
	if ((x = json_get(use, "duration")) && rtapp_usec(c, "duration", x, &u->hold_ns))
		return -EINVAL;
	if ((x = json_get(use, "access"))) {
		if (x->type != JSON_ARRAY)
			return rtapp_fail(c, x, "key 'access': expected an array, got %s",
				       json_value_kind(x));
		u->access = x;
	}
	return 0;
}

static int lg_steps(struct rt_ctx *c, const struct json_value *obj, struct wl_phase *p,
		    u64 exec, u64 *held)
{
	const struct json_value *order = json_get(obj, "lock_order"), *mine = json_get(obj, "resources");
	struct json_index ix;
	struct lg_use u;
	int ret = 0;

	*held = 0;
	if (mine && mine->type != JSON_OBJECT)
		return rtapp_fail(c, mine, "key 'resources': expected an object, got %s",
			       json_value_kind(mine));
	if (!order)
		return 0;
	if (order->type != JSON_ARRAY)
		return rtapp_fail(c, order, "key 'lock_order': expected an array, got %s",
			       json_value_kind(order));
	if (json_index_init(&ix, mine))
		return rtapp_oom(c);
	for (int i = 0; !ret && i < order->arr.n; i++) {
		ret = lg_resolve(c, order->arr.v[i], &ix, &u) ?: lg_step(c, p, &u);
		*held += u.hold_ns;
		if (!ret && *held > exec)
			ret = rtapp_fail(c, order->arr.v[i], "key 'lock_order': resource durations "
					 "exceed 'exec'");
	}
	json_index_free(&ix);
	return ret;
}

int rtapp_legacy_phase(struct rt_ctx *c, const struct json_value *obj, struct wl_phase *p)
{
	const struct json_value *v, *per = json_get(obj, "period");
	u64 exec = 0, period = 0, dl = 0, held = 0;
	bool sleep = true;
	int t;

	if (rtapp_usec(c, "exec", json_get(obj, "exec"), &exec))
		return -EINVAL;
	if (per && rtapp_usec(c, "period", per, &period))
		return -EINVAL;
	if (per && !period)
		return rtapp_fail(c, per, "key 'period': must be > 0");
	if (per && exec > period)
		return rtapp_fail(c, json_get(obj, "exec"), "key 'exec': larger than 'period'");
	if ((v = json_get(obj, "deadline"))) {
		if (rtapp_usec(c, "deadline", v, &dl))
			return -EINVAL;
		if (wl_ignore(c->w, "deadline"))
			return rtapp_oom(c);
	}
	if ((v = json_get(obj, "sleep")))
		sleep = v->b;
	if (sleep && !per)
		return rtapp_fail(c, json_get(obj, "exec"), "key 'exec': a periodic legacy task needs "
			       "'period' (or \"sleep\": false)");
	if (lg_steps(c, obj, p, exec, &held))
		return -EINVAL;
	if (exec > held && rtapp_ev(c, p, WL_EV_RUN, exec - held, -1, -1, 0))
		return -ENOMEM;
	if (sleep) {
		t = rtapp_res(c, "period", per, LG_TIMER, WL_RES_TIMER);
		if (t < 0)
			return t;
		c->w->res[t].per_instance = true;
		if (rtapp_ev(c, p, WL_EV_TIMER, period, t, -1, 0))
			return -ENOMEM;
	}
	if (!p->nr_ev)
		return rtapp_fail(c, obj, "no events (exec is 0 and nothing else happens)");
	return 0;
}
