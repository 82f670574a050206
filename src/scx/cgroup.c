/*
 * cgroup.c — the ext scheduler's cgroup callbacks, as kernel/sched/ext.c calls them:
 *   - ops.cgroup_init for every cgroup at load (parents first; a failure fails the load) and for
 *     a cgroup created at run time by a move (scx_tg_online; a failure refuses the move, and a
 *     later move into the same cgroup asks again); ops.cgroup_exit at unload, children first,
 *     for the cgroups that were initialized;
 *   - a move (scx_cgroup_can_attach): ops.cgroup_prep_move(p, from, to) for each thread the
 *     scheduler knows (init_task done), rt and fair ones included as upstream; the first
 *     non-zero return refuses the whole move and the threads already prepared hear
 *     ops.cgroup_cancel_move; otherwise each thread, once its group is switched, hears
 *     ops.cgroup_move(p, from, to) with p's rq "locked" (scx_bpf_task_cgroup(p) == to);
 *   - ops.cgroup_set_weight(cgrp, weight) when cpu.weight changes.
 * A return that is not a negative errno (positive, or below -4095) is ops_sanitize_err's case:
 * the scheduler is ejected ("returned an invalid errno") and the operation fails with -EPROTO.
 * Contexts: cgroup_init/exit/prep_move/cancel_move/set_weight are unlocked (SCX_KF_SLEEPABLE),
 * cgroup_move is SCX_KF_REST on its task. Nothing is called once the scheduler is exiting.
 *
 * Invariant: p->scx.cgrp_moving_from is set only between a successful prep and the move's
 * commit or cancel of the same event.
 */
#include <errno.h>
#include <stdio.h>
#include "scx_int.h"

#define MAX_ERRNO 4095

static bool cgroup_ops_on(const struct scx_sched *sch)
{
	return sch && !sch->exiting;
}

/* ops_sanitize_err */
static int sanitize_err(struct scx_sched *sch, const char *op, s32 ret)
{
	if (ret < 0 && ret >= -MAX_ERRNO)
		return ret;
	scx_error(sch, "ops.%s() returned an invalid errno %d", op, ret);
	return -EPROTO;
}

static void cgroups_forget(struct machine *m)
{
	for (int i = 0; i < m->nr_tgs; i++)
		m->tgs[i]->scx_inited = false;
}

/* ops.cgroup_init for every cgroup, parents first (the machine keeps them in that order). A
 * failure fails the load: no cgroup stays initialized (upstream calls no cgroup_exit then). */
int scx_cgroups_init(struct scx_sched *sch, char *err, size_t errlen)
{
	struct machine *m = sch->m;

	cgroups_forget(m);
	for (int i = 0; i < m->nr_tgs; i++) {
		struct cgroup *cg = m->tgs[i];
		struct scx_cgroup_init_args args = { .weight = cg->cpu_weight };
		s32 ret = 0;

		SCX_CALL_OP_RET(sch, SCX_KF_SLEEPABLE, cgroup_init, NULL, -1, ret, cg, &args);
		if (ret < 0 || sch->exiting) {
			snprintf(err, errlen, "%s: ops.cgroup_init() failed (%d) for cgroup %s%s%s",
				 sch->ops.name, ret, cg->path, sch->exiting ? ": " : "",
				 sch->exiting ? sch->msg : "");
			cgroups_forget(m);
			return -ECANCELED;
		}
		cg->scx_inited = true;
	}
	return 0;
}

/* ops.cgroup_exit for every initialized cgroup, children first. */
void scx_cgroups_exit(struct scx_sched *sch)
{
	struct machine *m = sch->m;

	for (int i = m->nr_tgs - 1; i >= 0; i--) {
		if (!m->tgs[i]->scx_inited)
			continue;
		m->tgs[i]->scx_inited = false;
		SCX_CALL_OP(sch, SCX_KF_SLEEPABLE, cgroup_exit, NULL, -1, m->tgs[i]);
	}
}

/* scx_tg_online: a cgroup created while the scheduler runs. */
int scx_cgroup_online(struct machine *m, struct cgroup *tg)
{
	struct scx_sched *sch = m->scx;
	struct scx_cgroup_init_args args = { .weight = tg->cpu_weight };
	s32 ret = 0;

	if (!cgroup_ops_on(sch) || tg->scx_inited)
		return 0;
	SCX_CALL_OP_RET(sch, SCX_KF_SLEEPABLE, cgroup_init, NULL, -1, ret, tg, &args);
	if (ret)
		return sanitize_err(sch, "cgroup_init", ret);
	tg->scx_inited = true;
	return 0;
}

/* Every prepared thread of the move hears ops.cgroup_cancel_move. */
static void cancel_attach(struct scx_sched *sch, struct task_struct **set, int n, struct cgroup *to)
{
	for (int i = 0; i < n; i++) {
		struct task_struct *p = set[i];
		if (!p->scx.cgrp_moving_from)
			continue;
		SCX_CALL_OP(sch, SCX_KF_SLEEPABLE, cgroup_cancel_move, p, -1, p, p->scx.cgrp_moving_from, to);
		p->scx.cgrp_moving_from = NULL;
	}
}

int scx_cgroup_can_attach(struct machine *m, struct task_struct **set, int n, struct cgroup *to)
{
	struct scx_sched *sch = m->scx;

	if (!cgroup_ops_on(sch))
		return 0;
	for (int i = 0; i < n; i++) {
		struct task_struct *p = set[i];
		s32 ret = 0;

		if (p->scx.task_state == SCX_TSTATE_NONE || p->tg == to)
			continue; /* not (yet) known to the scheduler, or no move at all */
		SCX_CALL_OP_RET(sch, SCX_KF_SLEEPABLE, cgroup_prep_move, p, -1, ret, p, p->tg, to);
		if (ret) {
			cancel_attach(sch, set, n, to);
			return sanitize_err(sch, "cgroup_prep_move", ret);
		}
		p->scx.cgrp_moving_from = p->tg;
	}
	return 0;
}

void scx_cgroup_move_task(struct task_struct *p)
{
	struct scx_sched *sch = p->m->scx;
	struct cgroup *from = p->scx.cgrp_moving_from;

	p->scx.cgrp_moving_from = NULL;
	if (!from || !cgroup_ops_on(sch))
		return;
	SCX_CALL_OP(sch, SCX_KF_REST, cgroup_move, p, p->cpu, p, from, p->tg);
}

/* scx_group_set_weight (the machine calls it only when the weight changes). */
void scx_cgroup_set_weight(struct machine *m, struct cgroup *tg, u32 weight)
{
	struct scx_sched *sch = m->scx;

	if (!cgroup_ops_on(sch) || !tg->scx_inited)
		return;
	SCX_CALL_OP(sch, SCX_KF_SLEEPABLE, cgroup_set_weight, NULL, -1, tg, weight);
}
