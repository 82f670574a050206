/*
 * enable.c — loading an ext scheduler and the task lifecycle around it.
 *
 * machine_attach_scx validates the ops table (name, flags, timeout, batch), calls ops.init at
 * load (a failure means the scheduler could not be loaded), and from then on every task that
 * starts is initialized (ops.init_task, or v3 ops.prep_enable) and — when eligible: all fair
 * tasks with switch_all, only SCHED_EXT ones with SCX_OPS_SWITCH_PARTIAL — enabled
 * (ops.enable) and moved to the ext class. A task that exits gets ops.disable and
 * ops.exit_task. When ops.init_task fails for a new task, upstream fails the fork; a simulated
 * task cannot un-exist, so it stays on the fair class (counted in scheduler.stats) and the
 * scheduler keeps running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scx_int.h"

struct machine *scx_cur_machine;

struct machine *scx_current_machine(void)
{
	return scx_cur_machine;
}

/* sched_weight_to_cgroup: nice 0 (1024) -> 100, clamped to 1..10000 */
u32 scx_weight_of(const struct task_struct *p)
{
	u64 w = ((p->se.weight >> 10) * 100 + 512) / 1024;

	return w < 1 ? 1 : w > 10000 ? 10000 : (u32)w;
}

static bool task_eligible(struct scx_sched *sch, const struct task_struct *p)
{
	if (p->scx.disallow || task_is_rt(p))
		return false;
	return sch->switch_all || p->policy == WL_POLICY_EXT;
}

static int scx_init_task(struct scx_sched *sch, struct task_struct *p, bool fork)
{
	s32 ret = 0;

	p->scx.ddsp_dsq_id = SCX_DSQ_INVALID;
	p->scx.sticky_cpu = p->scx.holding_cpu = p->scx.selected_cpu = -1;
	p->scx.slice = SCX_SLICE_DFL;
	p->scx.weight = scx_weight_of(p);
	p->scx.reset_runnable_at = true;
	if (sch->ops.init_task) {
		struct scx_init_task_args args = { .fork = fork, .cgroup = p->tg };
		SCX_CALL_OP_RET(sch, SCX_KF_SLEEPABLE, init_task, p, p->cpu, ret, p, &args);
	} else if (sch->ops.prep_enable) {
		struct scx_enable_args args = { .cgroup = p->tg };
		SCX_CALL_OP_RET(sch, SCX_KF_SLEEPABLE, prep_enable, p, p->cpu, ret, p, &args);
	}
	if (sch->exiting)
		return -ECANCELED;
	if (ret < 0) {
		sch->nr_init_task_failed++;
		return ret;
	}
	p->scx.task_state = SCX_TSTATE_READY;
	return 0;
}

static void scx_enable_task(struct scx_sched *sch, struct task_struct *p)
{
	p->scx.weight = scx_weight_of(p);
	if (sch->ops.enable) {
		SCX_CALL_OP(sch, SCX_KF_REST, enable, p, p->cpu, p);
	} else if (sch->ops.enable_v3) {
		struct scx_enable_args args = { .cgroup = p->tg };
		SCX_CALL_OP(sch, SCX_KF_REST, enable_v3, p, p->cpu, p, &args);
	}
	p->scx.task_state = SCX_TSTATE_ENABLED;
	SCX_CALL_OP(sch, SCX_KF_REST, set_weight, p, p->cpu, p, p->scx.weight);
}

/* A task starts (sched_fork + post_fork + wake_up_new_task) while the scheduler is loaded. */
void scx_task_fork(struct task_struct *p)
{
	struct scx_sched *sch = p->m->scx;

	if (!sch || sch->disabled || sch->exiting || p->scx.task_state != SCX_TSTATE_NONE)
		return;
	if (scx_init_task(sch, p, true))
		return;
	if (p->scx.disallow && p->policy == WL_POLICY_EXT)
		p->policy = WL_POLICY_OTHER; /* rejected: stays on fair (upstream reverts to NORMAL) */
	if (!task_eligible(sch, p))
		return;
	scx_enable_task(sch, p);
	if (!sch->exiting)
		p->sched_class = &ext_sched_class;
}

/* ops.disable + ops.exit_task (or v3 cancel_enable/disable) for p, if it got that far. */
void scx_task_disable_exit(struct scx_sched *sch, struct task_struct *p)
{
	int st = p->scx.task_state;

	if (st == SCX_TSTATE_NONE)
		return;
	if (st == SCX_TSTATE_ENABLED)
		SCX_CALL_OP(sch, SCX_KF_REST, disable, p, p->cpu, p);
	if (sch->ops.exit_task) {
		struct scx_exit_task_args args = { .cancelled = false }; /* no fork is ever cancelled here */
		SCX_CALL_OP(sch, SCX_KF_SLEEPABLE, exit_task, p, p->cpu, p, &args);
	} else if (st != SCX_TSTATE_ENABLED && sch->ops.cancel_enable) {
		struct scx_enable_args args = { .cgroup = p->tg };
		SCX_CALL_OP(sch, SCX_KF_SLEEPABLE, cancel_enable, p, p->cpu, p, &args);
	}
	p->scx.task_state = SCX_TSTATE_NONE;
}

void scx_task_dead(struct task_struct *p)
{
	struct scx_sched *sch = p->m->scx;

	if (sch && !sch->disabled)
		scx_task_disable_exit(sch, p);
}

/* ---- load ------------------------------------------------------------------------------ */

static int validate_ops(const struct sched_ext_ops *ops, char *err, size_t errlen)
{
	size_t n = strnlen(ops->name, SCX_OPS_NAME_LEN);

	if (n == 0 || n == SCX_OPS_NAME_LEN) {
		snprintf(err, errlen, "ops.name must be a non-empty string shorter than %d bytes",
			 SCX_OPS_NAME_LEN);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char c = ops->name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.')) {
			snprintf(err, errlen, "ops.name '%s': only letters, digits, '_' and '.' are allowed",
				 ops->name);
			return -EINVAL;
		}
	}
	if (ops->flags & ~SCX_OPS_ALL_FLAGS) {
		snprintf(err, errlen, "%s: unknown ops.flags 0x%llx", ops->name,
			 (unsigned long long)(ops->flags & ~SCX_OPS_ALL_FLAGS));
		return -EINVAL;
	}
	if ((ops->flags & SCX_OPS_BUILTIN_IDLE_PER_NODE) && ops->update_idle &&
	    !(ops->flags & SCX_OPS_KEEP_BUILTIN_IDLE)) {
		snprintf(err, errlen, "%s: SCX_OPS_BUILTIN_IDLE_PER_NODE requires CPU idle selection enabled (ops.update_idle() without SCX_OPS_KEEP_BUILTIN_IDLE)",
			 ops->name);
		return -EINVAL;
	}
	if (ops->dispatch_max_batch > SCX_DSP_MAX_BATCH_LIMIT) {
		snprintf(err, errlen, "%s: ops.dispatch_max_batch %u exceeds scxsim's maximum of %u",
			 ops->name, ops->dispatch_max_batch, SCX_DSP_MAX_BATCH_LIMIT);
		return -E2BIG;
	}
	if (ops->timeout_ms > SCX_WATCHDOG_MAX_TIMEOUT_MS) {
		snprintf(err, errlen, "%s: ops.timeout_ms %u exceeds the maximum of %u ms", ops->name,
			 ops->timeout_ms, SCX_WATCHDOG_MAX_TIMEOUT_MS);
		return -EINVAL;
	}
	return 0;
}

/*
 * The checks upstream's validate_ops() makes after ops.init(): a failure is a scheduler error
 * (SCX_EXIT_ERROR, ops.exit() is told) and the load fails.
 */
static int validate_ops_after_init(struct scx_sched *sch)
{
	if ((sch->ops.flags & SCX_OPS_ENQ_LAST) && !sch->ops.enqueue) {
		scx_error(sch, "SCX_OPS_ENQ_LAST requires ops.enqueue() to be implemented");
		return -EINVAL;
	}
	return 0;
}

/* A load that failed still tells the scheduler why, through ops.exit (as upstream). */
static void load_failed(struct scx_sched *sch, s32 ret, const char *why)
{
	if (!sch->exiting) {
		sch->exiting = true;
		sch->ei.kind = SCX_EXIT_ERROR;
		snprintf(sch->reason, sizeof(sch->reason), "%s", scx_exit_reason(SCX_EXIT_ERROR));
		snprintf(sch->msg, sizeof(sch->msg), "%s", why);
		scx_dump_exit_context(sch);
		sch->dump_pending = true;
	}
	scx_dump_error(sch); /* not loaded: no dump op is called */
	sch->ops_off = false;
	SCX_CALL_OP(sch, SCX_KF_SLEEPABLE, exit, NULL, -1, &sch->ei);
	sch->ops_off = true;
}

/*
 * What upstream (6.12+) does when ops.init(), the checks after it or a cgroup_init fail:
 * scx_enable() records the error, disables at once and still reports success, so the error
 * reaches user space through the exit info (UEI), not as an attach failure. The scheduler
 * stays attached, disabled: every task runs on fair, the result shows the exit.
 */
static int attached_then_ejected(struct scx_sched *sch)
{
	sim_cancel(&sch->m->sim, &sch->watchdog_ev);
	sch->exit_at_ns = sch->m->sim.now;
	sch->disabled = true;
	sch->ops_off = true;
	return 0;
}

int machine_attach_scx(struct machine *m, const struct sched_ext_ops *ops, char *err, size_t errlen)
{
	struct scx_sched *sch;
	s32 ret = 0;
	int e;

	if (m->scx) {
		snprintf(err, errlen, "a scheduler is already attached");
		return -EBUSY;
	}
	e = validate_ops(ops, err, errlen);
	if (e)
		return e;
	sch = calloc(1, sizeof(*sch));
	if (!sch) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	sch->ops = *ops;
	sch->m = m;
	sch->switch_all = !(ops->flags & SCX_OPS_SWITCH_PARTIAL);
	sch->builtin_idle = !ops->update_idle || (ops->flags & SCX_OPS_KEEP_BUILTIN_IDLE);
	sch->timeout_ns = (u64)(ops->timeout_ms ? ops->timeout_ms : SCX_WATCHDOG_MAX_TIMEOUT_MS) *
			  NSEC_PER_MSEC;
	sch->dsp_max_batch = ops->dispatch_max_batch ? ops->dispatch_max_batch : SCX_DSP_DFL_MAX_BATCH;
	sch->dsp_buf = calloc(sch->dsp_max_batch, sizeof(*sch->dsp_buf));
	sch->ei.reason = sch->reason;
	sch->ei.msg = sch->msg;
	if (!sch->dsp_buf) {
		free(sch);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	dsq_init(&sch->global, SCX_DSQ_GLOBAL, -1);
	cpumask_fill(&sch->online, m->nr_cpus);
	m->scx = sch;
	sch->idle_per_node = ops->flags & SCX_OPS_BUILTIN_IDLE_PER_NODE;
	scx_idle_reset(sch);
	scx_idle_topology(sch);
	scx_watchdog_start(sch);
	scx_dump_init(sch);
	SCX_CALL_OP_RET(sch, SCX_KF_SLEEPABLE, init, NULL, -1, ret);
	const char *stage = "ops.init() failed";
	if (ret >= 0 && !sch->exiting) {
		stage = "invalid ops";
		ret = validate_ops_after_init(sch);
	}
	if (ret >= 0 && !sch->exiting)
		ret = scx_cgroups_init(sch, err, errlen);
	if (ret == -ECANCELED) {
		load_failed(sch, ret, err);
		return attached_then_ejected(sch);
	}
	if (ret < 0 || sch->exiting) {
		if (sch->exiting)
			snprintf(err, errlen, "%s: %s: %s", ops->name, stage, sch->msg);
		else
			snprintf(err, errlen, "%s: ops.init() failed (%d)", ops->name, ret);
		load_failed(sch, ret, err);
		return attached_then_ejected(sch);
	}
	sch->loaded = true;
	return 0;
}

void scx_sched_free(struct machine *m)
{
	struct scx_sched *sch = m->scx;

	if (!sch)
		return;
	sim_cancel(&m->sim, &sch->watchdog_ev);
	sim_cancel(&m->sim, &sch->disable_ev);
	sim_cancel(&m->sim, &sch->sysrq_ev);
	scx_dump_free(sch);
	dsq_free_all(sch);
	scx_kfuncs_more_release(sch);
	free(sch->dsp_buf);
	free(sch->kw_seq);
	free(sch->dump);
	free(sch);
	m->scx = NULL;
}

/* The task's affinity changed (set_cpus_allowed_scx). */
void scx_set_cpumask(struct task_struct *p)
{
	struct scx_sched *sch = p->m->scx;

	if (sch && !sch->disabled && p->sched_class == &ext_sched_class)
		SCX_CALL_OP(sch, SCX_KF_REST, set_cpumask, p, p->cpu, p, &p->cpus_mask);
}

/* A CPU goes offline or comes online (handle_hotplug): the scheduler must handle it or exit. */
void scx_cpu_hotplug(struct rq *rq, bool online)
{
	struct scx_sched *sch = rq->m->scx;
	int cpu = rq->cpu;

	if (!sch || sch->disabled)
		return;
	if (online) {
		cpumask_set(&sch->online, cpu);
	} else {
		cpumask_unset(&sch->online, cpu);
		scx_test_and_clear_cpu_idle(sch, cpu);
		scx_kw_offline(sch, rq);
	}
	scx_idle_topology(sch);
	if (sch->exiting)
		return;
	if (online && sch->ops.cpu_online)
		SCX_CALL_OP(sch, SCX_KF_SLEEPABLE, cpu_online, NULL, cpu, cpu);
	else if (!online && sch->ops.cpu_offline)
		SCX_CALL_OP(sch, SCX_KF_SLEEPABLE, cpu_offline, NULL, cpu, cpu);
	else
		scx_exit(sch, SCX_EXIT_UNREG_KERN, (s64)(SCX_ECODE_ACT_RESTART | SCX_ECODE_RSN_HOTPLUG),
			 "cpu %d going %s, exiting scheduler", cpu, online ? "online" : "offline");
}
