/*
 * gen.c — built-in workload generators: "NAME[:k=v,k=v...]" → struct workload, built from the
 * same event model as rt-app files (semaphores model pipes and sockets).
 *
 *   cpuhog     n CPU-bound tasks, open-ended (loop of 1 s RUN chunks) or work=MS each
 *   pipe       `perf bench sched pipe`: two tasks ping-pong through two semaphores
 *   hackbench  `perf bench sched messaging` (socket mode): groups of senders and receivers
 *   schbench   message threads waking worker threads that each do cputime of work
 *
 * Each generator is a parameter table (key, default, range) plus a build function, so the
 * spec parser, its error messages and the docs come from one place. The cost constants are
 * documented (with their reasons) in docs/workload.md. Output is a pure function of the spec.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload_int.h"

/* pipe: CPU work per message on each side (a pipe write or read syscall plus copying). */
#define PIPE_MSG_NS        1000
/* hackbench: unix socket send buffer (net.core.wmem_default) and per-skb overhead. */
#define HB_SNDBUF          212992
#define HB_SKB_OVERHEAD    576
/* hackbench: syscall cost of one write / read, plus copying at WL_MEM_BYTES_PER_NS. */
#define HB_WRITE_NS        1500
#define HB_READ_NS         1000
#define HB_MAX_TASKS       65536
#define GEN_MAX_PARAMS     8
#define GEN_ABSENT         INT64_MIN   /* default meaning "not given" */

struct gen_param {
	const char *key;
	s64 def;                  /* GEN_ABSENT: optional, no default */
	s64 min, max;
};

struct gen {
	const char *name;
	const struct gen_param *params; /* terminated by a NULL key */
	int (*build)(struct workload *w, const s64 *v);
};

/* ---- build helpers ------------------------------------------------------------------------ */

static int gen_task(struct workload *w, const char *name, int loop, struct wl_task **t,
		    struct wl_phase **p)
{
	int idx, err = wl_task_add(w, name, &idx);

	if (err)
		return err;
	*t = &w->tasks[idx];
	(*t)->loop = loop;
	return wl_phase_add(*t, "main", p);
}

static int gen_sem(struct workload *w, const char *name, u32 initial)
{
	int r = wl_res_add(w, name, WL_RES_SEM); /* generated names are unique */

	if (r >= 0)
		w->res[r].initial = initial;
	return r;
}

/* ---- cpuhog ------------------------------------------------------------------------------- */

enum { CPUHOG_N, CPUHOG_NICE, CPUHOG_WORK };

static const struct gen_param cpuhog_params[] = {
	[CPUHOG_N] = { "n", 1, 1, HB_MAX_TASKS },
	[CPUHOG_NICE] = { "nice", 0, -20, 19 },
	[CPUHOG_WORK] = { "work", GEN_ABSENT, 1, INT64_MAX / NSEC_PER_MSEC },
	{ .key = NULL },
};

static int cpuhog_build(struct workload *w, const s64 *v)
{
	bool finite = v[CPUHOG_WORK] != GEN_ABSENT;
	u64 ns = finite ? (u64)v[CPUHOG_WORK] * NSEC_PER_MSEC : NSEC_PER_SEC;

	for (int i = 0; i < v[CPUHOG_N]; i++) {
		char name[32];
		struct wl_task *t;
		struct wl_phase *p;
		int err;

		snprintf(name, sizeof(name), "cpuhog-%d", i);
		err = gen_task(w, name, finite ? 1 : -1, &t, &p);
		err = err ?: wl_ev_add(p, WL_EV_RUN, ns, -1, -1, 0);
		if (err)
			return err;
		t->nice = (int)v[CPUHOG_NICE];
	}
	return 0;
}

/* ---- pipe --------------------------------------------------------------------------------- */

enum { PIPE_LOOPS };

static const struct gen_param pipe_params[] = {
	[PIPE_LOOPS] = { "loops", 100000, 1, 1000000000 },
	{ .key = NULL },
};

static int pipe_build(struct workload *w, const s64 *v)
{
	int ab = gen_sem(w, "pipe-ab", 0), ba = gen_sem(w, "pipe-ba", 0), err;
	struct wl_task *t;
	struct wl_phase *p;

	if (ab < 0 || ba < 0)
		return -ENOMEM;
	err = gen_task(w, "pipe-ping-0", (int)v[PIPE_LOOPS], &t, &p);
	err = err ?: wl_ev_add(p, WL_EV_RUN, PIPE_MSG_NS, -1, -1, 0);
	err = err ?: wl_ev_add(p, WL_EV_SEM_POST, 0, ab, -1, 1);
	err = err ?: wl_ev_add(p, WL_EV_SEM_WAIT, 0, ba, -1, 0);
	err = err ?: gen_task(w, "pipe-pong-0", (int)v[PIPE_LOOPS], &t, &p);
	err = err ?: wl_ev_add(p, WL_EV_SEM_WAIT, 0, ab, -1, 0);
	err = err ?: wl_ev_add(p, WL_EV_RUN, PIPE_MSG_NS, -1, -1, 0);
	err = err ?: wl_ev_add(p, WL_EV_SEM_POST, 0, ba, -1, 1);
	return err;
}

/* ---- hackbench ---------------------------------------------------------------------------- */

enum { HB_GROUPS, HB_FDS, HB_LOOPS, HB_DATASIZE };

static const struct gen_param hackbench_params[] = {
	[HB_GROUPS] = { "groups", 10, 1, 1000 },
	[HB_FDS] = { "fds", 20, 1, 1000 },
	[HB_LOOPS] = { "loops", 100, 1, 10000000 },
	[HB_DATASIZE] = { "datasize", 100, 1, 1 << 20 },
	{ .key = NULL },
};

/* Messages one receiver's socket holds before senders block. */
static u32 hb_capacity(s64 datasize)
{
	s64 c = HB_SNDBUF / (datasize + HB_SKB_OVERHEAD);

	return c < 1 ? 1 : (u32)c;
}

static u64 hb_copy_ns(s64 datasize)
{
	return (u64)(datasize + WL_MEM_BYTES_PER_NS - 1) / WL_MEM_BYTES_PER_NS;
}

/* Receiver r of group g: loops x fds times { wait data; read; post space }. */
static int hb_receiver(struct workload *w, const s64 *v, int g, int r, int data, int space)
{
	char name[32];
	struct wl_task *t;
	struct wl_phase *p;
	int err;

	snprintf(name, sizeof(name), "hackbench-r-%lld", (long long)(g * v[HB_FDS] + r));
	err = gen_task(w, name, (int)v[HB_LOOPS], &t, &p);
	if (err)
		return err;
	p->loop = (int)v[HB_FDS];
	err = wl_ev_add(p, WL_EV_SEM_WAIT, 0, data, -1, 0);
	err = err ?: wl_ev_add(p, WL_EV_RUN, HB_READ_NS + hb_copy_ns(v[HB_DATASIZE]), -1, -1, 0);
	return err ?: wl_ev_add(p, WL_EV_SEM_POST, 0, space, -1, 1);
}

/* Sender s of group g: loops times, to each receiver: { wait space; write; post data }. */
static int hb_sender(struct workload *w, const s64 *v, int g, int s, int first_res)
{
	char name[32];
	struct wl_task *t;
	struct wl_phase *p;
	int err;

	snprintf(name, sizeof(name), "hackbench-s-%lld", (long long)(g * v[HB_FDS] + s));
	err = gen_task(w, name, (int)v[HB_LOOPS], &t, &p);
	for (int r = 0; !err && r < v[HB_FDS]; r++) {
		int data = first_res + 2 * r, space = data + 1;

		err = wl_ev_add(p, WL_EV_SEM_WAIT, 0, space, -1, 0);
		err = err ?: wl_ev_add(p, WL_EV_RUN, HB_WRITE_NS + hb_copy_ns(v[HB_DATASIZE]),
				       -1, -1, 0);
		err = err ?: wl_ev_add(p, WL_EV_SEM_POST, 0, data, -1, 1);
	}
	return err;
}

static int hackbench_build(struct workload *w, const s64 *v)
{
	u32 cap = hb_capacity(v[HB_DATASIZE]);

	if (v[HB_GROUPS] * v[HB_FDS] * 2 > HB_MAX_TASKS)
		return -E2BIG;
	for (int g = 0; g < v[HB_GROUPS]; g++) {
		int first = w->nr_res, err = 0;

		for (int r = 0; !err && r < v[HB_FDS]; r++) {
			char name[48];
			int data, space;

			snprintf(name, sizeof(name), "hackbench-g%d-r%d-data", g, r);
			data = gen_sem(w, name, 0);
			snprintf(name, sizeof(name), "hackbench-g%d-r%d-space", g, r);
			space = gen_sem(w, name, cap);
			err = data < 0 || space < 0 ? -ENOMEM : hb_receiver(w, v, g, r, data, space);
		}
		for (int s = 0; !err && s < v[HB_FDS]; s++)
			err = hb_sender(w, v, g, s, first);
		if (err)
			return err;
	}
	return 0;
}

/* ---- schbench ----------------------------------------------------------------------------- */

enum { SB_MTHREADS, SB_WORKERS, SB_CPUTIME, SB_SLEEPTIME, SB_LOOPS };

static const struct gen_param schbench_params[] = {
	[SB_MTHREADS] = { "mthreads", 2, 1, 1024 },
	[SB_WORKERS] = { "workers", 4, 1, 1024 },
	[SB_CPUTIME] = { "cputime", 1000, 1, 1000000000 },
	[SB_SLEEPTIME] = { "sleeptime", 10000, 0, 1000000000 },
	[SB_LOOPS] = { "loops", 200, 1, 10000000 },
	{ .key = NULL },
};

static int schbench_group(struct workload *w, const s64 *v, int m)
{
	int first = w->nr_res, err;
	char name[48];
	struct wl_task *t;
	struct wl_phase *p;

	for (int k = 0; k < v[SB_WORKERS]; k++) {
		snprintf(name, sizeof(name), "schbench-m%d-w%d", m, k);
		if (gen_sem(w, name, 0) < 0)
			return -ENOMEM;
	}
	snprintf(name, sizeof(name), "schbench-m-%d", m);
	err = gen_task(w, name, (int)v[SB_LOOPS], &t, &p);
	for (int k = 0; !err && k < v[SB_WORKERS]; k++)
		err = wl_ev_add(p, WL_EV_SEM_POST, 0, first + k, -1, 1);
	err = err ?: wl_ev_add(p, WL_EV_SLEEP, (u64)v[SB_SLEEPTIME] * NSEC_PER_USEC, -1, -1, 0);
	for (int k = 0; !err && k < v[SB_WORKERS]; k++) {
		snprintf(name, sizeof(name), "schbench-w-%lld", (long long)(m * v[SB_WORKERS] + k));
		err = gen_task(w, name, (int)v[SB_LOOPS], &t, &p);
		err = err ?: wl_ev_add(p, WL_EV_SEM_WAIT, 0, first + k, -1, 0);
		err = err ?: wl_ev_add(p, WL_EV_RUN, (u64)v[SB_CPUTIME] * NSEC_PER_USEC, -1, -1, 0);
	}
	return err;
}

static int schbench_build(struct workload *w, const s64 *v)
{
	int err = 0;

	for (int m = 0; !err && m < v[SB_MTHREADS]; m++)
		err = schbench_group(w, v, m);
	return err;
}

/* ---- the generator table and the spec parser ---------------------------------------------- */

static const struct gen gens[] = {
	{ "cpuhog", cpuhog_params, cpuhog_build },
	{ "pipe", pipe_params, pipe_build },
	{ "hackbench", hackbench_params, hackbench_build },
	{ "schbench", schbench_params, schbench_build },
};

static const struct gen *gen_find(const char *spec)
{
	size_t n = strcspn(spec, ":");

	for (size_t i = 0; i < ARRAY_SIZE(gens); i++)
		if (strlen(gens[i].name) == n && !strncmp(gens[i].name, spec, n))
			return &gens[i];
	return NULL;
}

bool workload_is_generator(const char *spec)
{
	return spec && gen_find(spec) != NULL;
}

static void gen_list_keys(const struct gen *g, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; g->params[i].key && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "", g->params[i].key);
}

/* One "key=value" item of the spec (NUL-terminated) into v[]; seen[] catches repeats. */
static int gen_param_set(const struct gen *g, char *item, s64 *v, bool *seen, char *err,
			 size_t errlen)
{
	char *eq = strchr(item, '='), *end, keys[160];
	long long x;
	int i;

	if (!eq) {
		snprintf(err, errlen, "%s: '%s': expected key=value", g->name, item);
		return -EINVAL;
	}
	*eq = '\0';
	for (i = 0; g->params[i].key && strcmp(g->params[i].key, item); i++)
		;
	if (!g->params[i].key) {
		gen_list_keys(g, keys, sizeof(keys));
		snprintf(err, errlen, "%s: unknown key '%s' (known: %s)", g->name, item, keys);
		return -EINVAL;
	}
	if (seen[i]) {
		snprintf(err, errlen, "%s: key '%s' given twice", g->name, item);
		return -EINVAL;
	}
	seen[i] = true;
	errno = 0;
	x = strtoll(eq + 1, &end, 10);
	if (!eq[1] || *end || errno || x < g->params[i].min || x > g->params[i].max) {
		snprintf(err, errlen, "%s: key '%s': expected an integer in [%lld, %lld], got '%s'",
			 g->name, item, (long long)g->params[i].min, (long long)g->params[i].max,
			 eq + 1);
		return -EINVAL;
	}
	v[i] = x;
	return 0;
}

static int gen_params(const struct gen *g, const char *spec, s64 *v, char *err, size_t errlen)
{
	bool seen[GEN_MAX_PARAMS] = { 0 };
	const char *args = strchr(spec, ':');
	char *copy, *item, *save = NULL;
	int ret = 0;

	for (int i = 0; g->params[i].key; i++)
		v[i] = g->params[i].def;
	if (!args)
		return 0;
	copy = strdup(args + 1);
	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", g->name);
		return -ENOMEM;
	}
	if (!copy[0] || strstr(copy, ",,") || copy[0] == ',' || copy[strlen(copy) - 1] == ',') {
		snprintf(err, errlen, "%s: empty parameter in '%s'", g->name, spec);
		ret = -EINVAL;
	}
	for (item = strtok_r(copy, ",", &save); !ret && item; item = strtok_r(NULL, ",", &save))
		ret = gen_param_set(g, item, v, seen, err, errlen);
	free(copy);
	return ret;
}

int workload_generate(const char *spec, struct workload **out, char *err, size_t errlen)
{
	const struct gen *g = spec ? gen_find(spec) : NULL;
	s64 v[GEN_MAX_PARAMS];
	struct workload *w;
	int ret;

	*out = NULL;
	if (!g) {
		snprintf(err, errlen, "unknown generator '%.*s' (known: cpuhog, pipe, hackbench, "
			 "schbench)", spec ? (int)strcspn(spec, ":") : 0, spec ? spec : "");
		return -EINVAL;
	}
	ret = gen_params(g, spec, v, err, errlen);
	if (ret)
		return ret;
	w = wl_new(spec);
	ret = w ? g->build(w, v) : -ENOMEM;
	if (ret == -E2BIG)
		snprintf(err, errlen, "%s: groups x fds x 2 exceeds %d tasks", g->name, HB_MAX_TASKS);
	else if (ret)
		snprintf(err, errlen, "%s: out of memory", g->name);
	if (ret) {
		workload_free(w);
		return ret == -E2BIG ? -EINVAL : ret;
	}
	*out = w;
	return 0;
}
