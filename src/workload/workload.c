/*
 * workload.c — the struct workload itself: builders shared by the rt-app reader and the
 * generators (see workload_int.h), the work total of a task, and freeing.
 *
 * Invariants kept by the builders: names fit their fixed-size fields (callers check lengths
 * first and report them; the builders never truncate silently: they assert the check happened);
 * event resource indices point into workload.res; cgroups end sorted parents first with every
 * parent present.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload_int.h"

int wl_grow(void *arr, int n, size_t sz)
{
	void **pp = arr;
	void *np;

	if (n & (n - 1)) /* not 0 and not a power of two: room left */
		return 0;
	if (n >= (1 << 29))
		return -ENOMEM;
	np = realloc(*pp, (size_t)(n ? 2 * n : 1) * sz);
	if (!np)
		return -ENOMEM;
	*pp = np;
	return 0;
}

static void wl_copy_name(char *dst, size_t len, const char *src)
{
	assert(strlen(src) < len);
	snprintf(dst, len, "%s", src);
}

struct workload *wl_new(const char *source)
{
	struct workload *w = calloc(1, sizeof(*w));

	if (w)
		snprintf(w->source, sizeof(w->source), "%s", source);
	return w;
}

int wl_task_add(struct workload *w, const char *name, int *out)
{
	struct wl_task *t;

	if (wl_grow(&w->tasks, w->nr_tasks, sizeof(*w->tasks)))
		return -ENOMEM;
	t = &w->tasks[w->nr_tasks];
	memset(t, 0, sizeof(*t));
	wl_copy_name(t->name, sizeof(t->name), name);
	t->instances = 1;
	t->loop = -1;
	t->policy = w->default_policy;
	t->rt_prio = 0;
	strcpy(t->cgroup, "/");
	*out = w->nr_tasks++;
	return 0;
}

int wl_phase_add(struct wl_task *t, const char *name, struct wl_phase **out)
{
	struct wl_phase *p;

	if (wl_grow(&t->phases, t->nr_phases, sizeof(*t->phases)))
		return -ENOMEM;
	p = &t->phases[t->nr_phases++];
	memset(p, 0, sizeof(*p));
	wl_copy_name(p->name, sizeof(p->name), name);
	p->loop = 1;
	*out = p;
	return 0;
}

int wl_ev_add(struct wl_phase *p, enum wl_ev_kind kind, u64 ns, int res, int res2, u32 arg)
{
	if (wl_grow(&p->ev, p->nr_ev, sizeof(*p->ev)))
		return -ENOMEM;
	p->ev[p->nr_ev++] = (struct wl_event){ .kind = kind, .ns = ns, .res = res, .res2 = res2,
					       .arg = arg };
	return 0;
}

static const char *const wl_res_kind_names[] = {
	[WL_RES_MUTEX] = "mutex", [WL_RES_COND] = "condition", [WL_RES_BARRIER] = "barrier",
	[WL_RES_TIMER] = "timer", [WL_RES_SEM] = "semaphore",
};

const char *wl_res_kind_name(enum wl_res_kind k)
{
	return (unsigned)k < ARRAY_SIZE(wl_res_kind_names) ? wl_res_kind_names[k] : "?";
}

/* Mutex and condition may share a name (pthread pairs in rt-app files); nothing else may. */
static bool wl_kinds_may_share(enum wl_res_kind a, enum wl_res_kind b)
{
	return (a == WL_RES_MUTEX && b == WL_RES_COND) || (a == WL_RES_COND && b == WL_RES_MUTEX);
}

static u32 wl_hash(const char *s)
{
	u32 h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (u8)*s++) * 16777619u;
	return h;
}

static void wl_index_put(int *slot, u32 cap, const struct workload *w, int r)
{
	u32 i = wl_hash(w->res[r].name) & (cap - 1);

	while (slot[i])
		i = (i + 1) & (cap - 1);
	slot[i] = r + 1;
}

static int wl_index_reserve(struct wl_res_index *ix, const struct workload *w)
{
	u32 cap = ix->cap ? ix->cap : 64;
	int *slot;

	while ((u64)(w->nr_res + 1) * 2 > cap)
		cap *= 2;
	if (cap == ix->cap)
		return 0;
	slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (int r = 0; r < w->nr_res; r++)
		wl_index_put(slot, cap, w, r);
	free(ix->slot);
	ix->slot = slot;
	ix->cap = cap;
	return 0;
}

void wl_res_index_free(struct wl_res_index *ix)
{
	if (!ix)
		return;
	free(ix->slot);
	ix->slot = NULL;
	ix->cap = 0;
}

/*
 * Look name up: the index of (name, kind) or -1; *clash = a resource of that name whose kind
 * may not share it, or -1.
 */
static int wl_res_lookup(const struct workload *w, const struct wl_res_index *ix,
			 const char *name, enum wl_res_kind kind, int *clash)
{
	int found = -1;

	*clash = -1;
	if (!ix || !ix->cap) {
		for (int r = 0; r < w->nr_res; r++) {
			if (strcmp(w->res[r].name, name))
				continue;
			if (w->res[r].kind == kind)
				found = r;
			else if (!wl_kinds_may_share(w->res[r].kind, kind))
				*clash = r;
		}
		return found;
	}
	for (u32 i = wl_hash(name) & (ix->cap - 1); ix->slot[i]; i = (i + 1) & (ix->cap - 1)) {
		int r = ix->slot[i] - 1;

		if (strcmp(w->res[r].name, name))
			continue;
		if (w->res[r].kind == kind)
			found = r;
		else if (!wl_kinds_may_share(w->res[r].kind, kind))
			*clash = r;
	}
	return found;
}

int wl_res_find(const struct workload *w, const struct wl_res_index *ix, const char *name,
		enum wl_res_kind kind)
{
	int clash;

	return wl_res_lookup(w, ix, name, kind, &clash);
}

int wl_res_add(struct workload *w, const char *name, enum wl_res_kind kind)
{
	struct wl_res *r;

	if (wl_grow(&w->res, w->nr_res, sizeof(*w->res)))
		return -ENOMEM;
	r = &w->res[w->nr_res];
	memset(r, 0, sizeof(*r));
	wl_copy_name(r->name, sizeof(r->name), name);
	r->kind = kind;
	return w->nr_res++;
}

int wl_res_use(struct workload *w, struct wl_res_index *ix, const char *name,
	       enum wl_res_kind kind, enum wl_res_kind *other)
{
	int clash, r = wl_res_lookup(w, ix, name, kind, &clash);

	if (r >= 0)
		return r;
	if (clash >= 0) {
		if (other)
			*other = w->res[clash].kind;
		return -EEXIST;
	}
	if (ix && wl_index_reserve(ix, w))
		return -ENOMEM;
	r = wl_res_add(w, name, kind);
	if (r >= 0 && ix)
		wl_index_put(ix->slot, ix->cap, w, r);
	return r;
}

int wl_ignore(struct workload *w, const char *key)
{
	char *dup;

	for (int i = 0; i < w->nr_ignored; i++)
		if (!strcmp(w->ignored[i], key))
			return 0;
	dup = strdup(key);
	if (!dup || wl_grow(&w->ignored, w->nr_ignored, sizeof(*w->ignored))) {
		free(dup);
		return -ENOMEM;
	}
	w->ignored[w->nr_ignored++] = dup;
	return 0;
}

int wl_cgroup_check(const char *path, const char **why)
{
	const char *c;

	if (path[0] != '/') {
		*why = "must start with '/'";
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(((struct wl_cgroup *)0)->path)) {
		*why = "longer than 63 characters";
		return -EINVAL;
	}
	if (!strcmp(path, "/"))
		return 0;
	for (c = path; *c; ) {
		const char *s = c + 1, *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (!n || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
			*why = "has an empty, '.' or '..' component";
			return -EINVAL;
		}
		c = s + n;
	}
	return 0;
}

static int wl_cgroup_find(const struct workload *w, const char *path)
{
	for (int i = 0; i < w->nr_cgroups; i++)
		if (!strcmp(w->cgroups[i].path, path))
			return i;
	return -1;
}

int wl_cgroup_set(struct workload *w, const char *path, u32 weight)
{
	int i = wl_cgroup_find(w, path);

	if (!strcmp(path, "/"))
		return 0; /* the root always exists and has no weight */
	if (i < 0) {
		if (wl_grow(&w->cgroups, w->nr_cgroups, sizeof(*w->cgroups)))
			return -ENOMEM;
		i = w->nr_cgroups++;
		wl_copy_name(w->cgroups[i].path, sizeof(w->cgroups[i].path), path);
		w->cgroups[i].weight = 100;
	}
	if (weight)
		w->cgroups[i].weight = weight;
	return 0;
}

/* Path order with '/' below every other byte: a depth-first walk of the tree. */
static int wl_path_byte(unsigned char c)
{
	return c == '/' ? 1 : c ? c + 1 : 0;
}

static int wl_cgroup_cmp(const void *a, const void *b)
{
	const unsigned char *x = (const void *)((const struct wl_cgroup *)a)->path;
	const unsigned char *y = (const void *)((const struct wl_cgroup *)b)->path;

	for (; *x && *x == *y; x++, y++)
		;
	return wl_path_byte(*x) - wl_path_byte(*y);
}

int wl_cgroups_finish(struct workload *w)
{
	char parent[sizeof(w->cgroups[0].path)];
	int err;

	/* Parents are appended while iterating; they are checked in turn for their own parents. */
	for (int i = 0; i < w->nr_cgroups; i++) {
		char *slash;

		snprintf(parent, sizeof(parent), "%s", w->cgroups[i].path);
		slash = strrchr(parent, '/');
		if (!slash || slash == parent)
			continue;
		*slash = '\0';
		err = wl_cgroup_set(w, parent, 0);
		if (err)
			return err;
	}
	if (w->nr_cgroups)
		qsort(w->cgroups, w->nr_cgroups, sizeof(*w->cgroups), wl_cgroup_cmp);
	return 0;
}

static const char *const wl_policy_names[] = {
	[WL_POLICY_OTHER] = "SCHED_OTHER", [WL_POLICY_BATCH] = "SCHED_BATCH",
	[WL_POLICY_IDLE] = "SCHED_IDLE", [WL_POLICY_FIFO] = "SCHED_FIFO",
	[WL_POLICY_RR] = "SCHED_RR", [WL_POLICY_EXT] = "SCHED_EXT",
};

const char *wl_policy_name(enum wl_policy p)
{
	return (unsigned)p < ARRAY_SIZE(wl_policy_names) ? wl_policy_names[p] : "?";
}

/* a * b + c, saturating at INT64_MAX (all operands non-negative). */
static s64 sat_muladd(s64 a, s64 b, s64 c)
{
	s64 r;

	if (__builtin_mul_overflow(a, b, &r) || __builtin_add_overflow(r, c, &r))
		return INT64_MAX;
	return r;
}

s64 workload_task_work_ns(const struct wl_task *t)
{
	s64 total = 0;

	if (!t || t->loop < 0)
		return -1;
	for (int i = 0; i < t->nr_phases; i++) {
		const struct wl_phase *p = &t->phases[i];
		s64 phase = 0;

		for (int e = 0; e < p->nr_ev; e++) {
			if (p->ev[e].kind != WL_EV_RUN && p->ev[e].kind != WL_EV_RUNTIME)
				continue;
			phase = sat_muladd(1, phase, p->ev[e].ns > INT64_MAX ? INT64_MAX : (s64)p->ev[e].ns);
		}
		total = sat_muladd(phase, p->loop, total);
	}
	return sat_muladd(total, t->loop, 0);
}

void workload_free(struct workload *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->nr_tasks; i++) {
		struct wl_task *t = &w->tasks[i];

		for (int p = 0; p < t->nr_phases; p++) {
			free(t->phases[p].ev);
			free(t->phases[p].cpus);
		}
		free(t->phases);
		free(t->cpus);
	}
	for (int i = 0; i < w->nr_ignored; i++)
		free(w->ignored[i]);
	free(w->ignored);
	free(w->tasks);
	free(w->res);
	free(w->cgroups);
	free(w->hotplug);
	free(w->cg_events);
	free(w);
}
