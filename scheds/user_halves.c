/*
 * user_halves.c — the user halves of the example schedulers (see include/scxsim/user_half.h):
 *   simple   every second: dispatches to an idle CPU's local DSQ vs queued in the shared DSQ
 *            (the per-CPU `stats` map summed over CPUs), like upstream's scx_simple;
 *   qmap     every second: enqueued / dispatched / dequeued / re-enqueued / direct counts;
 *   central  every second: total / queued / dispatched / preemptions / mismatches / timer runs;
 *   flatcg   every second: hweight_gen and the per-CPU `stats` map summed over CPUs (cgroup
 *            activations, bypasses, hweight refreshes, what dispatch did with the CPU's
 *            cgroup and with the tree), like upstream's scx_flatcg, but cumulative (upstream
 *            prints the deltas of each interval).
 *   pair     every second: total / dispatched / kicks / preemptions, batch expiries (exp, waits,
 *            found nothing), cgroup switches (next, collisions, ran dry), as upstream's
 *            scx_pair; the pairs (computed by its ops.init) in the final report.
 * Each prints its final counts and, when the scheduler exited, the exit info it recorded.
 */
#include <stdlib.h>
#include <string.h>
#include "scxsim/bpf_map.h"
#include "scxsim/bpf_sched.h"
#include "scxsim/machine.h"
#include "scxsim/scx.h"
#include "scxsim/user_half.h"

static u64 global_u64(struct user_half_ctx *c, const char *name)
{
	size_t size = 0;
	u64 *v = bpf_sched_global(c->s, name, &size);

	return v && size == sizeof(u64) ? *v : 0;
}

/* Sum over CPUs of a per-CPU array's u64 value at key. */
static u64 percpu_sum(struct user_half_ctx *c, const char *map, u32 key)
{
	struct bpf_map *mp = bpf_sched_map(c->s, map);
	u64 *vals, sum = 0;

	if (!mp)
		return 0;
	vals = calloc(c->nr_cpus, sizeof(*vals));
	if (vals && bpf_map_user_lookup(mp, &key, vals, 0) == 0)
		for (int i = 0; i < c->nr_cpus; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

static void report_exit(struct user_half_ctx *c, const char *name)
{
	const struct scx_exit_info *ei = machine_scx_exit_info(c->m);

	if (ei->kind != SCX_EXIT_NONE)
		fprintf(c->out, "%s: exited: %s (%s) %s\n", name, scx_exit_kind_name(ei->kind),
			ei->reason, ei->msg);
}

static void simple_tick(struct user_half_ctx *c, u64 now)
{
	fprintf(c->out, "simple: t=%.3fs local=%llu global=%llu\n", now / 1e9,
		(unsigned long long)percpu_sum(c, "stats", 0), (unsigned long long)percpu_sum(c, "stats", 1));
}

static void simple_fini(struct user_half_ctx *c)
{
	simple_tick(c, machine_now(c->m));
	report_exit(c, "simple");
}

static void qmap_tick(struct user_half_ctx *c, u64 now)
{
	fprintf(c->out, "qmap: t=%.3fs enq=%llu dsp=%llu deq=%llu reenq=%llu direct=%llu\n", now / 1e9,
		(unsigned long long)global_u64(c, "nr_enqueued"),
		(unsigned long long)global_u64(c, "nr_dispatched"),
		(unsigned long long)global_u64(c, "nr_dequeued"),
		(unsigned long long)global_u64(c, "nr_reenqueued"),
		(unsigned long long)global_u64(c, "nr_direct"));
}

static void qmap_fini(struct user_half_ctx *c)
{
	qmap_tick(c, machine_now(c->m));
	report_exit(c, "qmap");
}

static void central_tick(struct user_half_ctx *c, u64 now)
{
	fprintf(c->out, "central: t=%.3fs total=%llu queued=%llu dispatched=%llu preempted=%llu mismatched=%llu timers=%llu\n",
		now / 1e9, (unsigned long long)global_u64(c, "nr_total"),
		(unsigned long long)global_u64(c, "nr_queued"),
		(unsigned long long)global_u64(c, "nr_dispatched"),
		(unsigned long long)global_u64(c, "nr_preempts"),
		(unsigned long long)global_u64(c, "nr_mismatches"),
		(unsigned long long)global_u64(c, "nr_timers"));
}

static void central_fini(struct user_half_ctx *c)
{
	central_tick(c, machine_now(c->m));
	report_exit(c, "central");
}

/* flatcg's per-CPU stats, in the order of enum fcg_stat in scheds/flatcg.bpf.c */
enum { FCG_ACT, FCG_DEACT, FCG_LOCAL, FCG_GLOBAL, FCG_HWT_UPDATES, FCG_HWT_CACHE, FCG_HWT_SKIP,
       FCG_ENQ_SKIP, FCG_CNS_KEEP, FCG_CNS_EXPIRE, FCG_CNS_EMPTY, FCG_CNS_GONE, FCG_PNC_NEXT,
       FCG_PNC_EMPTY, FCG_PNC_NO_CGRP, FCG_PNC_GONE, FCG_PNC_FAIL, FCG_NR_STATS };

static void flatcg_tick(struct user_half_ctx *c, u64 now)
{
	unsigned long long st[FCG_NR_STATS];

	for (u32 i = 0; i < FCG_NR_STATS; i++)
		st[i] = percpu_sum(c, "stats", i);
	fprintf(c->out, "flatcg: t=%.3fs hweight_gen=%llu act=%llu deact=%llu global=%llu local=%llu"
		" | HWT cache=%llu update=%llu skip=%llu | ENQ skip=%llu"
		" | CNS keep=%llu expire=%llu empty=%llu gone=%llu"
		" | PNC next=%llu empty=%llu nocgrp=%llu gone=%llu fail=%llu\n",
		now / 1e9, (unsigned long long)global_u64(c, "hweight_gen"), st[FCG_ACT], st[FCG_DEACT],
		st[FCG_GLOBAL], st[FCG_LOCAL], st[FCG_HWT_CACHE], st[FCG_HWT_UPDATES], st[FCG_HWT_SKIP],
		st[FCG_ENQ_SKIP], st[FCG_CNS_KEEP], st[FCG_CNS_EXPIRE], st[FCG_CNS_EMPTY],
		st[FCG_CNS_GONE], st[FCG_PNC_NEXT], st[FCG_PNC_EMPTY], st[FCG_PNC_NO_CGRP],
		st[FCG_PNC_GONE], st[FCG_PNC_FAIL]);
}

static void flatcg_fini(struct user_half_ctx *c)
{
	flatcg_tick(c, machine_now(c->m));
	report_exit(c, "flatcg");
}

static void pair_tick(struct user_half_ctx *c, u64 now)
{
	fprintf(c->out, "pair: t=%.3fs total=%llu dispatched=%llu kicks=%llu preemptions=%llu "
		"exp=%llu exp_wait=%llu exp_empty=%llu cgnext=%llu cgcoll=%llu cgempty=%llu\n",
		now / 1e9, (unsigned long long)global_u64(c, "nr_total"),
		(unsigned long long)global_u64(c, "nr_dispatched"),
		(unsigned long long)global_u64(c, "nr_kicks"),
		(unsigned long long)global_u64(c, "nr_preemptions"),
		(unsigned long long)global_u64(c, "nr_exps"),
		(unsigned long long)global_u64(c, "nr_exp_waits"),
		(unsigned long long)global_u64(c, "nr_exp_empty"),
		(unsigned long long)global_u64(c, "nr_cgrp_next"),
		(unsigned long long)global_u64(c, "nr_cgrp_coll"),
		(unsigned long long)global_u64(c, "nr_cgrp_empty"));
}

/* "pair: pairs [0,2] [1,3] [4]" from the cpu_pairs array ({pair_cpu, pair_id, idx} per CPU) */
static void pair_print_pairs(struct user_half_ctx *c)
{
	size_t size = 0;
	const s32 *v = bpf_sched_global(c->s, "cpu_pairs", &size);

	fputs("pair: pairs", c->out);
	for (int i = 0; v && i < c->nr_cpus && (size_t)(i + 1) * 3 * sizeof(s32) <= size; i++) {
		s32 other = v[i * 3];
		if (other < 0)
			fprintf(c->out, " [%d]", i);
		else if (other > i)
			fprintf(c->out, " [%d,%d]", i, other);
	}
	fputc('\n', c->out);
}

static void pair_fini(struct user_half_ctx *c)
{
	pair_print_pairs(c);
	pair_tick(c, machine_now(c->m));
	report_exit(c, "pair");
}

static const struct user_half halves[] = {
	{ "simple", NSEC_PER_SEC, simple_tick, simple_fini },
	{ "qmap", NSEC_PER_SEC, qmap_tick, qmap_fini },
	{ "central", NSEC_PER_SEC, central_tick, central_fini },
	{ "flatcg", NSEC_PER_SEC, flatcg_tick, flatcg_fini },
	{ "pair", NSEC_PER_SEC, pair_tick, pair_fini },
};

const struct user_half *user_half_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(halves); i++)
		if (!strcmp(halves[i].name, name))
			return &halves[i];
	return NULL;
}


static void tick_tramp(void *ctx, u64 now)
{
	struct user_half_ctx *c = ctx;
	const struct user_half *uh = user_half_find(bpf_sched_name(c->s));

	if (uh && uh->tick)
		uh->tick(c, now);
}

const struct user_half *user_half_start(struct machine *m, int nr_cpus, FILE *out,
					struct user_half_ctx *ctx)
{
	struct bpf_sched *s = bpf_sched_of(m);
	const struct user_half *uh = s ? user_half_find(bpf_sched_name(s)) : NULL;

	if (!uh)
		return NULL;
	*ctx = (struct user_half_ctx){ m, s, nr_cpus, out };
	if (uh->tick && uh->period_ns && machine_every(m, uh->period_ns, tick_tramp, ctx))
		return NULL;
	return uh;
}
