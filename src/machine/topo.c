/*
 * topo.c — the simulated machine's CPU topology, built from a --topo spec or cloned from a
 * sysfs tree (see include/scxsim/topo.h for the grammar and the numbering).
 *
 * Why: every layer above (runqueues, idle tracking, the ext class's topology kfuncs, the
 * example schedulers' LLC/NUMA logic) asks the topology the same questions — which core, LLC,
 * node and socket a CPU is in, and which CPUs share them — so the answers are computed once
 * here, as dense ids per CPU plus one cpumask per domain.
 *
 * Invariants of every struct topo this file returns:
 *  - 1 <= nr_cpus <= SCX_NR_CPUS_MAX and CPUs are 0..nr_cpus-1;
 *  - socket/core/llc/node ids are dense (0..nr_X-1), numbered in ascending order of the
 *    domain's first CPU; thread is the CPU's rank inside its core's CPU set;
 *  - the masks are derived from the ids alone (topo_fill_masks), so they always agree with them;
 *  - spec is canonical: parsing it again (minus the "host:" prefix) gives the same machine when
 *    the machine fits the SsCcTt grammar.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scxsim/topo.h"

#define TOPO_HOST_DIR "/sys/devices/system/cpu"
#define TOPO_GRAMMAR "expected N, SsCcTt[:llc=K][:nodes=N] or host"
#define SYSFS_FILE_MAX 8192    /* longest sysfs file read (a cpulist of 1024 CPUs fits) */
#define SYSFS_CACHE_MAX 32     /* cache/indexK scanned for K < this */
#define STR(x) #x
#define XSTR(x) STR(x)

/* ------------------------------------------------------------------------------------------ */
/* Construction shared by both sources                                                         */
/* ------------------------------------------------------------------------------------------ */

void topo_free(struct topo *t)
{
	if (!t)
		return;
	free(t->cpus);
	free(t->smt);
	free(t->llc_mask);
	free(t->node_mask);
	free(t->socket_mask);
	free(t);
}

static struct topo *topo_alloc(int nr_cpus, int nr_sockets, int nr_cores, int nr_llcs,
			       int nr_nodes)
{
	struct topo *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->nr_cpus = nr_cpus;
	t->nr_sockets = nr_sockets;
	t->nr_cores = nr_cores;
	t->nr_llcs = nr_llcs;
	t->nr_nodes = nr_nodes;
	t->cpus = calloc(nr_cpus, sizeof(*t->cpus));
	t->smt = calloc(nr_cpus, sizeof(*t->smt));
	t->llc_mask = calloc(nr_llcs, sizeof(*t->llc_mask));
	t->node_mask = calloc(nr_nodes, sizeof(*t->node_mask));
	t->socket_mask = calloc(nr_sockets, sizeof(*t->socket_mask));
	if (!t->cpus || !t->smt || !t->llc_mask || !t->node_mask || !t->socket_mask) {
		topo_free(t);
		return NULL;
	}
	return t;
}

/* Derive every mask from the per-CPU ids; core_first is scratch space for nr_cores ints. */
static void topo_fill_masks(struct topo *t, int *core_first)
{
	cpumask_fill(&t->all, t->nr_cpus);
	for (int i = 0; i < t->nr_cores; i++)
		core_first[i] = -1;
	for (int cpu = 0; cpu < t->nr_cpus; cpu++) {
		const struct topo_cpu *c = &t->cpus[cpu];

		cpumask_set(&t->llc_mask[c->llc], cpu);
		cpumask_set(&t->node_mask[c->node], cpu);
		cpumask_set(&t->socket_mask[c->socket], cpu);
		if (core_first[c->core] < 0)
			core_first[c->core] = cpu;
		cpumask_set(&t->smt[core_first[c->core]], cpu);
	}
	for (int cpu = 0; cpu < t->nr_cpus; cpu++)
		t->smt[cpu] = t->smt[core_first[t->cpus[cpu].core]];
}

static int topo_finish(struct topo *t)
{
	int *scratch = calloc(t->nr_cores, sizeof(*scratch));

	if (!scratch)
		return -ENOMEM;
	topo_fill_masks(t, scratch);
	free(scratch);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The SsCcTt grid                                                                            */
/* ------------------------------------------------------------------------------------------ */

struct topo_grid {
	u64 s, c, t;     /* sockets, cores per socket, threads per core */
	u64 llc, nodes;  /* machine-wide LLC and NUMA domains */
	bool plain;      /* came from the "N" form */
};

static int fmt_why(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fmt_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Is the grid a machine scxsim can build? 0, or -EINVAL with the reason in why. */
static int grid_check(const struct topo_grid *g, char *why, size_t len)
{
	static const struct { const char *name; size_t off; } counts[] = {
		{ "sockets", offsetof(struct topo_grid, s) },
		{ "cores per socket", offsetof(struct topo_grid, c) },
		{ "threads per core", offsetof(struct topo_grid, t) },
		{ "llc", offsetof(struct topo_grid, llc) },
		{ "nodes", offsetof(struct topo_grid, nodes) },
	};
	u64 cpus;

	for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
		if (*(const u64 *)((const char *)g + counts[i].off) == 0)
			return fmt_why(why, len, "zero %s", counts[i].name);
	if (__builtin_mul_overflow(g->s, g->c, &cpus) || __builtin_mul_overflow(cpus, g->t, &cpus))
		return fmt_why(why, len, "%llu*%llu*%llu CPUs overflows", (unsigned long long)g->s,
			       (unsigned long long)g->c, (unsigned long long)g->t);
	if (cpus > SCX_NR_CPUS_MAX)
		return fmt_why(why, len, "%llu CPUs is more than the maximum of %d",
			       (unsigned long long)cpus, SCX_NR_CPUS_MAX);
	if (g->llc % g->s)
		return fmt_why(why, len, "llc=%llu is not a multiple of the %llu sockets",
			       (unsigned long long)g->llc, (unsigned long long)g->s);
	if (g->c % (g->llc / g->s))
		return fmt_why(why, len, "llc=%llu: %llu cores per socket do not split into %llu LLCs per socket",
			       (unsigned long long)g->llc, (unsigned long long)g->c,
			       (unsigned long long)(g->llc / g->s));
	if (g->llc % g->nodes)
		return fmt_why(why, len, "nodes=%llu does not divide the %llu LLCs (a node holds whole LLCs)",
			       (unsigned long long)g->nodes, (unsigned long long)g->llc);
	if (g->nodes % g->s && g->s % g->nodes)
		return fmt_why(why, len, "nodes=%llu is neither a multiple nor a divisor of the %llu sockets",
			       (unsigned long long)g->nodes, (unsigned long long)g->s);
	return 0;
}

/* Where CPU cpu sits in a checked grid (x86 numbering: cpu = t*(S*C) + s*C + c). */
static struct topo_cpu grid_place(const struct topo_grid *g, int cpu)
{
	int per_thread = g->s * g->c, rest = cpu % per_thread;
	int s = rest / g->c, c = rest % g->c;
	int cores_per_llc = g->c / (g->llc / g->s);
	int llc = s * (int)(g->llc / g->s) + c / cores_per_llc;

	return (struct topo_cpu){
		.socket = s,
		.core = s * g->c + c,
		.thread = cpu / per_thread,
		.llc = llc,
		.node = llc / (int)(g->llc / g->nodes),
	};
}

/* Canonical spec: "N" for one socket, one thread, one LLC, one node; else every field. */
static void grid_spec(const struct topo_grid *g, char *buf, size_t len)
{
	if (g->s == 1 && g->t == 1 && g->llc == 1 && g->nodes == 1)
		snprintf(buf, len, "%llu", (unsigned long long)g->c);
	else
		snprintf(buf, len, "%llus%lluc%llut:llc=%llu:nodes=%llu", (unsigned long long)g->s,
			 (unsigned long long)g->c, (unsigned long long)g->t,
			 (unsigned long long)g->llc, (unsigned long long)g->nodes);
}

static int grid_build(const struct topo_grid *g, struct topo **out)
{
	int nr_cpus = g->s * g->c * g->t;
	struct topo *t = topo_alloc(nr_cpus, g->s, g->s * g->c, g->llc, g->nodes);
	int err;

	if (!t)
		return -ENOMEM;
	for (int cpu = 0; cpu < nr_cpus; cpu++)
		t->cpus[cpu] = grid_place(g, cpu);
	grid_spec(g, t->spec, sizeof(t->spec));
	err = topo_finish(t);
	if (err) {
		topo_free(t);
		return err;
	}
	*out = t;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Spec parser                                                                                 */
/* ------------------------------------------------------------------------------------------ */

struct spec_parser {
	const char *spec;   /* whole spec, for messages */
	const char *p;      /* cursor */
	char *err;
	size_t errlen;
};

static int sp_fail(struct spec_parser *sp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int sp_fail(struct spec_parser *sp, const char *fmt, ...)
{
	char why[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (sp->err && sp->errlen)
		snprintf(sp->err, sp->errlen, "bad topology '%s': %s", sp->spec, why);
	return -EINVAL;
}

static int sp_col(const struct spec_parser *sp)
{
	return (int)(sp->p - sp->spec) + 1;
}

/* A decimal count at the cursor, 0..INT_MAX; `what` names it in the syntax message (NULL = grammar). */
static int sp_count(struct spec_parser *sp, const char *what, u64 *out)
{
	u64 v = 0;

	if (*sp->p == '-')
		return sp_fail(sp, "negative count at column %d", sp_col(sp));
	if (!isdigit((unsigned char)*sp->p))
		return what ? sp_fail(sp, "expected %s at column %d", what, sp_col(sp))
			    : sp_fail(sp, TOPO_GRAMMAR " (at column %d)", sp_col(sp));
	for (const char *start = sp->p; isdigit((unsigned char)*sp->p); sp->p++) {
		v = v * 10 + (u64)(*sp->p - '0');
		if (v > INT_MAX) {
			sp->p = start;
			return sp_fail(sp, "number at column %d is too large", sp_col(sp));
		}
	}
	*out = v;
	return 0;
}

static int sp_expect(struct spec_parser *sp, char c)
{
	if (*sp->p != c)
		return sp_fail(sp, TOPO_GRAMMAR " (at column %d)", sp_col(sp));
	sp->p++;
	return 0;
}

/* The options a SsCcTt spec may carry, each at most once. */
static const struct spec_opt {
	const char *name;
	size_t off;           /* field of struct topo_grid */
} spec_opts[] = {
	{ "llc", offsetof(struct topo_grid, llc) },
	{ "nodes", offsetof(struct topo_grid, nodes) },
};

/* ":name=count" at the cursor. seen has one bit per spec_opts entry. */
static int sp_option(struct spec_parser *sp, struct topo_grid *g, unsigned *seen)
{
	size_t n = strcspn(sp->p, "=:");

	for (size_t i = 0; i < ARRAY_SIZE(spec_opts); i++) {
		if (strlen(spec_opts[i].name) != n || strncmp(sp->p, spec_opts[i].name, n))
			continue;
		if (*seen & (1u << i))
			return sp_fail(sp, "repeated option '%s'", spec_opts[i].name);
		*seen |= 1u << i;
		sp->p += n;
		if (*sp->p != '=')
			return sp_fail(sp, "option '%s' needs '=COUNT' (at column %d)",
				       spec_opts[i].name, sp_col(sp));
		sp->p++;
		return sp_count(sp, "a count", (u64 *)((char *)g + spec_opts[i].off));
	}
	if (!n)
		return sp_fail(sp, "expected an option llc=K or nodes=N at column %d", sp_col(sp));
	return sp_fail(sp, "unknown option '%.*s' (known: llc, nodes)", (int)n, sp->p);
}

static int sp_grid(struct spec_parser *sp, struct topo_grid *g)
{
	unsigned seen = 0;
	int err;

	err = sp_count(sp, NULL, &g->s);
	if (!err && !*sp->p) {  /* "N" */
		*g = (struct topo_grid){ .s = 1, .c = g->s, .t = 1, .llc = 1, .nodes = 1, .plain = true };
		return g->c ? 0 : sp_fail(sp, "zero CPUs");
	}
	if (!err && *sp->p == ':')
		return sp_fail(sp, "options need the SsCcTt form (e.g. 1s%lluc1t%s)",
			       (unsigned long long)g->s, sp->p);
	err = err ?: sp_expect(sp, 's');
	err = err ?: sp_count(sp, NULL, &g->c);
	err = err ?: sp_expect(sp, 'c');
	err = err ?: sp_count(sp, NULL, &g->t);
	err = err ?: sp_expect(sp, 't');
	while (!err && *sp->p == ':') {
		sp->p++;
		err = sp_option(sp, g, &seen);
	}
	if (!err && *sp->p)
		err = sp_fail(sp, TOPO_GRAMMAR " (at column %d)", sp_col(sp));
	if (!err && !(seen & 1))
		g->llc = g->s;
	if (!err && !(seen & 2))
		g->nodes = g->s;
	return err;
}

int topo_parse(const char *spec, struct topo **out, char *err, size_t errlen)
{
	struct spec_parser sp = { .spec = spec ? spec : "", .p = spec, .err = err, .errlen = errlen };
	struct topo_grid g = { 0 };
	char why[160];
	int ret;

	*out = NULL;
	if (!spec || !*spec)
		return sp_fail(&sp, "empty");
	if (!strcmp(spec, "host"))
		return topo_from_sysfs(TOPO_HOST_DIR, out, err, errlen);
	ret = sp_grid(&sp, &g);
	if (ret)
		return ret;
	if (grid_check(&g, why, sizeof(why)))
		return sp_fail(&sp, "%s", why);
	ret = grid_build(&g, out);
	if (ret)
		sp_fail(&sp, "out of memory");
	return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* sysfs reader                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* What one online CPU's sysfs files say, as one group mask per domain kind. */
struct sysfs_cpu {
	long pkg;               /* topology/physical_package_id */
	long core_id;           /* topology/core_id, only when no sibling list exists */
	bool has_core_list;     /* core mask read from core_cpus_list / thread_siblings_list */
	bool has_cache;         /* some cache/indexK exists */
};

/* The domain kinds, in the order they are numbered; `file` names the source in messages. */
enum sysfs_kind { SK_SOCKET, SK_CORE, SK_LLC, SK_NODE, SK_NR };

static const char *const sysfs_kind_file[SK_NR] = {
	[SK_SOCKET] = "topology/physical_package_id",
	[SK_CORE] = "topology/{core_cpus,thread_siblings}_list or core_id",
	[SK_LLC] = "cache/index*/shared_cpu_list",
	[SK_NODE] = "../node/node*/cpulist",
};

struct sysfs_ctx {
	const char *dir;
	char *err;
	size_t errlen;
	int n;                          /* online CPUs: 0..n-1 */
	struct cpumask online;
	struct sysfs_cpu *cpu;          /* n entries */
	struct cpumask *grp[SK_NR];     /* per kind, per CPU: the CPUs of its domain */
	int *id[SK_NR];                 /* per kind, per CPU: dense domain id */
	int nr[SK_NR];                  /* per kind: number of domains */
	char buf[SYSFS_FILE_MAX];
};

static int sx_fail(struct sysfs_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int sx_fail(struct sysfs_ctx *x, const char *fmt, ...)
{
	char why[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (x->err && x->errlen)
		snprintf(x->err, x->errlen, "host topology: %s", why);
	return -EINVAL;
}

/*
 * Read dir/<rel> into x->buf. -ENOENT (no message) when the file is missing and optional,
 * -EINVAL with a message naming the path otherwise.
 */
static int sx_read(struct sysfs_ctx *x, bool optional, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int sx_read(struct sysfs_ctx *x, bool optional, const char *fmt, ...)
{
	char rel[128], path[PATH_MAX];
	size_t n;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", x->dir, rel);
	f = fopen(path, "r");
	if (!f && optional && errno == ENOENT)
		return -ENOENT;
	if (!f)
		return sx_fail(x, "%s: %s", path, strerror(errno));
	n = fread(x->buf, 1, sizeof(x->buf), f);
	fclose(f);
	if (n == sizeof(x->buf))
		return sx_fail(x, "%s: longer than %d bytes", path, SYSFS_FILE_MAX - 1);
	x->buf[n] = '\0';
	return 0;
}

static bool only_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !*s;
}

/* A decimal integer (sign allowed) followed only by whitespace. */
static bool parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return end != s && !errno && !isspace((unsigned char)*s) && only_space(end);
}

/* One "A" or "A-B" item of a cpulist at *s. */
static const char *cpulist_item(const char **s, struct cpumask *m)
{
	long a, b;
	char *end;

	if (!isdigit((unsigned char)**s))
		return "expected a CPU number";
	a = b = strtol(*s, &end, 10);
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return "expected a CPU number after '-'";
		b = strtol(end + 1, &end, 10);
	}
	*s = end;
	if (a >= SCX_NR_CPUS_MAX || b >= SCX_NR_CPUS_MAX)
		return "CPU number beyond the maximum of " XSTR(SCX_NR_CPUS_MAX) " CPUs";
	if (a > b)
		return "reversed range";
	for (long c = a; c <= b; c++)
		cpumask_set(m, c);
	return NULL;
}

/* Kernel cpulist format "0-3,8,10-11" (may be empty); NULL or the problem. */
static const char *cpulist_parse(const char *s, struct cpumask *m)
{
	const char *why;

	cpumask_clear(m);
	if (only_space(s))
		return NULL;
	for (;;) {
		why = cpulist_item(&s, m);
		if (why)
			return why;
		if (*s != ',')
			break;
		s++;
	}
	return only_space(s) ? NULL : "unexpected character";
}

/* Read a cpulist file into m, restricted to online CPUs; -ENOENT as sx_read. */
static int sx_cpulist(struct sysfs_ctx *x, struct cpumask *m, bool optional, const char *rel)
{
	const char *why;
	int err;

	err = sx_read(x, optional, "%s", rel);
	if (err)
		return err;
	why = cpulist_parse(x->buf, m);
	if (why)
		return sx_fail(x, "%s/%s: %s in '%.*s'", x->dir, rel, why,
			       (int)strcspn(x->buf, "\n"), x->buf);
	cpumask_and(m, m, &x->online);
	return 0;
}

static int sx_long(struct sysfs_ctx *x, long *v, bool optional, const char *rel)
{
	int err = sx_read(x, optional, "%s", rel);

	if (err)
		return err;
	if (!parse_long(x->buf, v))
		return sx_fail(x, "%s/%s: not a number: '%.*s'", x->dir, rel,
			       (int)strcspn(x->buf, "\n"), x->buf);
	return 0;
}

static int sx_online(struct sysfs_ctx *x)
{
	int err = sx_cpulist(x, &x->online, false, "online");
	struct cpumask want;
	int w;

	if (err)
		return err;
	w = cpumask_weight(&x->online);
	if (!w)
		return sx_fail(x, "%s/online: no CPU online", x->dir);
	cpumask_fill(&want, w);
	if (!cpumask_equal(&want, &x->online))
		return sx_fail(x, "%s/online: online CPUs '%.*s' have holes; only CPUs 0..N-1 all online are supported",
			       x->dir, (int)strcspn(x->buf, "\n"), x->buf);
	x->n = w;
	return 0;
}

static int sx_alloc(struct sysfs_ctx *x)
{
	x->cpu = calloc(x->n, sizeof(*x->cpu));
	if (!x->cpu)
		return -ENOMEM;
	for (int k = 0; k < SK_NR; k++) {
		x->grp[k] = calloc(x->n, sizeof(*x->grp[k]));
		x->id[k] = calloc(x->n, sizeof(*x->id[k]));
		if (!x->grp[k] || !x->id[k])
			return -ENOMEM;
	}
	return 0;
}

static void sx_release(struct sysfs_ctx *x)
{
	free(x->cpu);
	for (int k = 0; k < SK_NR; k++) {
		free(x->grp[k]);
		free(x->id[k]);
	}
}

/* Package id and core CPU set (or core_id when no sibling list exists) of one CPU. */
static int sx_cpu_topology(struct sysfs_ctx *x, int cpu)
{
	static const char *const lists[] = { "core_cpus_list", "thread_siblings_list" };
	struct sysfs_cpu *c = &x->cpu[cpu];
	char rel[96];
	int err;

	snprintf(rel, sizeof(rel), "cpu%d/topology/physical_package_id", cpu);
	err = sx_long(x, &c->pkg, false, rel);
	for (size_t i = 0; !err && !c->has_core_list && i < ARRAY_SIZE(lists); i++) {
		snprintf(rel, sizeof(rel), "cpu%d/topology/%s", cpu, lists[i]);
		err = sx_cpulist(x, &x->grp[SK_CORE][cpu], true, rel);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		c->has_core_list = !err;
	}
	if (!err && !c->has_core_list) {
		snprintf(rel, sizeof(rel), "cpu%d/topology/core_id", cpu);
		err = sx_long(x, &c->core_id, false, rel);
	}
	return err;
}

/* The highest cache level's shared_cpu_list of one CPU, if it has a cache directory. */
static int sx_cpu_cache(struct sysfs_ctx *x, int cpu)
{
	char rel[96];
	long level, best = 0;
	int err = 0, best_idx = -1;

	for (int k = 0; k < SYSFS_CACHE_MAX; k++) {
		snprintf(rel, sizeof(rel), "cpu%d/cache/index%d/level", cpu, k);
		err = sx_long(x, &level, true, rel);
		if (err == -ENOENT)
			break;
		if (err)
			return err;
		if (level < 1)
			return sx_fail(x, "%s/%s: cache level %ld is not >= 1", x->dir, rel, level);
		if (level > best) {
			best = level;
			best_idx = k;
		}
	}
	if (best_idx < 0)
		return 0;
	x->cpu[cpu].has_cache = true;
	snprintf(rel, sizeof(rel), "cpu%d/cache/index%d/shared_cpu_list", cpu, best_idx);
	return sx_cpulist(x, &x->grp[SK_LLC][cpu], false, rel);
}

/* Group masks derived from ids: socket from package ids, core from (package, core_id). */
static void sx_group_by_ids(struct sysfs_ctx *x)
{
	for (int i = 0; i < x->n; i++) {
		for (int j = 0; j < x->n; j++) {
			bool same_pkg = x->cpu[i].pkg == x->cpu[j].pkg;

			if (same_pkg)
				cpumask_set(&x->grp[SK_SOCKET][i], j);
			if (!x->cpu[i].has_core_list && same_pkg &&
			    x->cpu[i].core_id == x->cpu[j].core_id)
				cpumask_set(&x->grp[SK_CORE][i], j);
		}
	}
}

/* Without a cache directory on every CPU, the LLC falls back to one per socket. */
static void sx_llc_fallback(struct sysfs_ctx *x)
{
	bool every_cpu_has_cache = true;

	for (int i = 0; i < x->n; i++)
		every_cpu_has_cache = every_cpu_has_cache && x->cpu[i].has_cache;
	if (every_cpu_has_cache)
		return;
	for (int i = 0; i < x->n; i++)
		x->grp[SK_LLC][i] = x->grp[SK_SOCKET][i];
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* The node numbers under dir (entries "nodeN"), sorted; -ENOENT if dir is missing. */
static int sx_node_list(struct sysfs_ctx *x, const char *dir, long **out, int *nr)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long *v = NULL, id;
	int n = 0, cap = 0;

	*out = NULL;
	*nr = 0;
	if (!d)
		return errno == ENOENT ? -ENOENT : sx_fail(x, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "node", 4) || !isdigit((unsigned char)e->d_name[4]) ||
		    !parse_long(e->d_name + 4, &id))
			continue;
		if (n == cap) {
			long *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv) {
				closedir(d);
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = id;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_long);
	*out = v;
	*nr = n;
	return 0;
}

/* Assign each CPU its node's CPU set; every online CPU must be in exactly one node. */
static int sx_nodes_assign(struct sysfs_ctx *x, const long *ids, int nr)
{
	int *owner = calloc(x->n, sizeof(*owner)), err = 0;
	char rel[96];
	struct cpumask m;
	int cpu;

	if (!owner)
		return -ENOMEM;
	for (int i = 0; !err && i < nr; i++) {
		snprintf(rel, sizeof(rel), "../node/node%ld/cpulist", ids[i]);
		err = sx_cpulist(x, &m, false, rel);
		if (err)
			break;
		for_each_cpu(cpu, &m) {
			if (owner[cpu]) {
				err = sx_fail(x, "%s/../node: cpu%d is in node%ld and node%ld", x->dir,
					      cpu, ids[owner[cpu] - 1], ids[i]);
				break;
			}
			owner[cpu] = i + 1;
			x->grp[SK_NODE][cpu] = m;
		}
	}
	for (cpu = 0; !err && cpu < x->n; cpu++)
		if (!owner[cpu])
			err = sx_fail(x, "%s/../node: cpu%d is in no node", x->dir, cpu);
	free(owner);
	return err;
}

static int sx_nodes(struct sysfs_ctx *x)
{
	char dir[PATH_MAX];
	long *ids;
	int nr, err;

	snprintf(dir, sizeof(dir), "%s/../node", x->dir);
	err = sx_node_list(x, dir, &ids, &nr);
	if (err == -ENOENT || (!err && !nr)) {
		for (int i = 0; i < x->n; i++)
			x->grp[SK_NODE][i] = x->online;
		free(ids);
		return 0;
	}
	err = err ?: sx_nodes_assign(x, ids, nr);
	free(ids);
	return err;
}

/*
 * Check that kind k's group masks partition the CPUs and give every CPU the dense id of its
 * group, groups numbered in ascending order of their first CPU.
 */
static int sx_number(struct sysfs_ctx *x, enum sysfs_kind k)
{
	const struct cpumask *g = x->grp[k];
	int j;

	x->nr[k] = 0;
	for (int i = 0; i < x->n; i++) {
		int first = cpumask_first(&g[i]);

		if (!cpumask_test(&g[i], i))
			return sx_fail(x, "%s/cpu%d/%s: the CPU is not in its own set", x->dir, i,
				       sysfs_kind_file[k]);
		if (first < i && !cpumask_equal(&g[first], &g[i]))
			return sx_fail(x, "%s: cpu%d and cpu%d disagree in %s", x->dir, first, i,
				       sysfs_kind_file[k]);
		if (first == i)
			for_each_cpu(j, &g[i])
				if (!cpumask_equal(&g[j], &g[i]))
					return sx_fail(x, "%s: cpu%d and cpu%d disagree in %s", x->dir,
						       i, j, sysfs_kind_file[k]);
		x->id[k][i] = first == i ? x->nr[k]++ : x->id[k][first];
	}
	return 0;
}

/* A core must sit inside one socket; its CPUs' thread index is their rank in the core. */
static int sx_check_cores(struct sysfs_ctx *x)
{
	struct cpumask m;

	for (int i = 0; i < x->n; i++) {
		cpumask_and(&m, &x->grp[SK_CORE][i], &x->grp[SK_SOCKET][i]);
		if (!cpumask_equal(&m, &x->grp[SK_CORE][i]))
			return sx_fail(x, "%s: the core of cpu%d spans several packages", x->dir, i);
	}
	return 0;
}

static int core_rank(const struct cpumask *core, int cpu)
{
	int rank = 0, j;

	for_each_cpu(j, core)
		if (j < cpu)
			rank++;
	return rank;
}

/* "host:" + the canonical spec when the machine is exactly some SsCcTt grid, else "host:N". */
static void sx_spec(struct topo *t)
{
	struct topo_grid g = { .s = t->nr_sockets, .llc = t->nr_llcs, .nodes = t->nr_nodes };
	char why[160], spec[48];
	bool fits = t->nr_cores % t->nr_sockets == 0 && t->nr_cpus % t->nr_cores == 0;

	g.c = t->nr_cores / t->nr_sockets;
	g.t = t->nr_cpus / t->nr_cores;
	fits = fits && !grid_check(&g, why, sizeof(why));
	for (int cpu = 0; fits && cpu < t->nr_cpus; cpu++) {
		struct topo_cpu want = grid_place(&g, cpu);

		fits = !memcmp(&want, &t->cpus[cpu], sizeof(want));
	}
	if (fits)
		grid_spec(&g, spec, sizeof(spec));
	else
		snprintf(spec, sizeof(spec), "%d", t->nr_cpus);
	snprintf(t->spec, sizeof(t->spec), "host:%s", spec);
}

static int sx_build(struct sysfs_ctx *x, struct topo **out)
{
	struct topo *t = topo_alloc(x->n, x->nr[SK_SOCKET], x->nr[SK_CORE], x->nr[SK_LLC],
				    x->nr[SK_NODE]);
	int err;

	if (!t)
		return -ENOMEM;
	for (int i = 0; i < x->n; i++)
		t->cpus[i] = (struct topo_cpu){
			.socket = x->id[SK_SOCKET][i],
			.core = x->id[SK_CORE][i],
			.thread = core_rank(&x->grp[SK_CORE][i], i),
			.llc = x->id[SK_LLC][i],
			.node = x->id[SK_NODE][i],
		};
	err = topo_finish(t);
	if (err) {
		topo_free(t);
		return err;
	}
	sx_spec(t);
	*out = t;
	return 0;
}

static int sx_read_cpus(struct sysfs_ctx *x)
{
	int err = 0;

	for (int cpu = 0; !err && cpu < x->n; cpu++) {
		err = sx_cpu_topology(x, cpu);
		err = err ?: sx_cpu_cache(x, cpu);
	}
	if (!err) {
		sx_group_by_ids(x);
		sx_llc_fallback(x);
	}
	return err;
}

static int sx_number_all(struct sysfs_ctx *x)
{
	int err = 0;

	for (int k = 0; !err && k < SK_NR; k++)
		err = sx_number(x, k);
	return err ?: sx_check_cores(x);
}

int topo_from_sysfs(const char *cpu_dir, struct topo **out, char *err, size_t errlen)
{
	struct sysfs_ctx *x = calloc(1, sizeof(*x));
	int ret;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	x->dir = cpu_dir;
	x->err = err;
	x->errlen = errlen;
	ret = sx_online(x);
	ret = ret ?: sx_alloc(x);
	ret = ret ?: sx_read_cpus(x);
	ret = ret ?: sx_nodes(x);
	ret = ret ?: sx_number_all(x);
	ret = ret ?: sx_build(x, out);
	if (ret == -ENOMEM)
		sx_fail(x, "%s: out of memory", cpu_dir);
	sx_release(x);
	free(x);
	return ret;
}
