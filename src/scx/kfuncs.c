/*
 * kfuncs.c — the scx_bpf_* kfuncs of the ext class, under their current upstream names and the
 * v3 names. Each checks its calling context against the op being run (kf_mask, as the kernel
 * does) and validates every argument; a violation ejects the scheduler with a message naming
 * the kfunc, the op, the task and the CPU. Called outside any op (no current machine) they do
 * nothing and return a neutral value.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include "scx_int.h"

static const char *mask_desc(u32 mask)
{
	if (mask == SCX_KF_SELECT_CPU)
		return "ops.select_cpu()";
	if (mask == SCX_KF_DISPATCH)
		return "ops.dispatch()";
	if (mask == (SCX_KF_ENQUEUE | SCX_KF_DISPATCH))
		return "ops.select_cpu(), ops.enqueue() and ops.dispatch()";
	if (mask == (SCX_KF_SELECT_CPU | SCX_KF_ENQUEUE))
		return "ops.select_cpu() and ops.enqueue()";
	if (mask == SCX_KF_CPU_RELEASE)
		return "ops.cpu_release()";
	if (mask == SCX_KF_SLEEPABLE)
		return "sleepable ops (ops.init(), ops.init_task(), ...)";
	if (mask == SCX_KF_RQ_LOCKED)
		return "rq-locked ops";
	return "other ops";
}

bool scx_kf_allowed(struct scx_sched *sch, u32 mask, const char *kfunc)
{
	if (sch->kf_mask & mask)
		return true;
	scx_error(sch, "%s() called from %s (cpu %d%s%s%s): allowed only from %s", kfunc,
		  sch->cur_op ? sch->cur_op : "outside any op", sch->cur_cpu,
		  sch->cur_task ? ", task " : "", sch->cur_task ? sch->cur_task->comm : "",
		  sch->cur_task ? "" : "", mask_desc(mask));
	return false;
}

static struct scx_sched *cur(void)
{
	struct scx_sched *sch = scx_sch(scx_cur_machine);

	return sch && !sch->disabled ? sch : NULL;
}

static struct rq *cur_rq(struct scx_sched *sch)
{
	return sch->cur_cpu >= 0 ? cpu_rq(sch->m, sch->cur_cpu) : NULL;
}

/* ---- DSQs -------------------------------------------------------------------------------- */

s32 scx_bpf_create_dsq(u64 dsq_id, s32 node)
{
	struct scx_sched *sch = cur();

	if (!sch || !scx_kf_allowed(sch, SCX_KF_SLEEPABLE, "scx_bpf_create_dsq"))
		return -EINVAL;
	if (node < -1 || node >= sch->m->topo->nr_nodes)
		return -EINVAL;
	return dsq_create_user(sch, dsq_id);
}

void scx_bpf_destroy_dsq(u64 dsq_id)
{
	struct scx_sched *sch = cur();
	struct scx_dsq *dsq;

	if (!sch)
		return;
	dsq = dsq_find_user(sch, dsq_id);
	if (!dsq)
		return;
	if (dsq->nr) {
		scx_error(sch, "attempting to destroy in-use DSQ 0x%llx (nr=%u) from %s",
			  (unsigned long long)dsq_id, dsq->nr, sch->cur_op ? sch->cur_op : "?");
		return;
	}
	dsq_destroy_user(sch, dsq_id);
}

static bool insert_preamble(struct scx_sched *sch, struct task_struct *p, u64 enq_flags,
			    const char *kfunc)
{
	if (!scx_kf_allowed(sch, SCX_KF_ENQUEUE | SCX_KF_DISPATCH, kfunc))
		return false;
	if (!p) {
		scx_error(sch, "%s() called with a NULL task from %s", kfunc, sch->cur_op);
		return false;
	}
	if (enq_flags & ~SCX_ENQ_USER_MASK) {
		scx_error(sch, "%s(): invalid enq_flags 0x%llx for %s[%d] from %s", kfunc,
			  (unsigned long long)enq_flags, p->comm, p->pid, sch->cur_op);
		return false;
	}
	return true;
}

static void insert_commit(struct scx_sched *sch, struct task_struct *p, u64 dsq_id, u64 enq_flags,
			  const char *kfunc)
{
	if (sch->ddsp_task) {
		if (p != sch->ddsp_task) {
			scx_error(sch, "%s(): %s is for %s[%d] but tries to direct-dispatch %s[%d]",
				  kfunc, sch->cur_op, sch->ddsp_task->comm, sch->ddsp_task->pid,
				  p->comm, p->pid);
			return;
		}
		if (sch->ddsp_done) {
			scx_error(sch, "%s(): %s[%d] already direct-dispatched in %s", kfunc, p->comm,
				  p->pid, sch->cur_op);
			return;
		}
		p->scx.ddsp_dsq_id = dsq_id;
		p->scx.ddsp_enq_flags = enq_flags;
		sch->ddsp_done = true;
		return;
	}
	if (!sch->dsp_rq) {
		scx_error(sch, "%s() for %s[%d] outside a dispatch or enqueue path (%s)", kfunc,
			  p->comm, p->pid, sch->cur_op);
		return;
	}
	if (sch->dsp_cursor >= sch->dsp_max_batch) {
		scx_error(sch, "%s(): dispatch buffer overflow (more than dispatch_max_batch=%u inserts in one ops.dispatch() on cpu %d)",
			  kfunc, sch->dsp_max_batch, sch->dsp_rq->cpu);
		return;
	}
	sch->dsp_buf[sch->dsp_cursor++] = (struct scx_dsp_buf_ent){ p, p->scx.ops_qseq, dsq_id, enq_flags };
}

void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags)
{
	struct scx_sched *sch = cur();

	if (!sch || !insert_preamble(sch, p, enq_flags, "scx_bpf_dsq_insert"))
		return;
	p->scx.slice = slice ? slice : (p->scx.slice ? p->scx.slice : 1);
	insert_commit(sch, p, dsq_id, enq_flags, "scx_bpf_dsq_insert");
}

void scx_bpf_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags)
{
	struct scx_sched *sch = cur();

	if (!sch || !insert_preamble(sch, p, enq_flags, "scx_bpf_dsq_insert_vtime"))
		return;
	p->scx.slice = slice ? slice : (p->scx.slice ? p->scx.slice : 1);
	p->scx.dsq_vtime = vtime;
	insert_commit(sch, p, dsq_id, enq_flags | SCX_ENQ_DSQ_PRIQ, "scx_bpf_dsq_insert_vtime");
}

void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, dsq_id, slice, enq_flags);
}

void scx_bpf_dispatch_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags)
{
	scx_bpf_dsq_insert_vtime(p, dsq_id, slice, vtime, enq_flags);
}

static struct scx_dsq *lookup_dsq(struct scx_sched *sch, u64 dsq_id, const char *kfunc)
{
	struct scx_dsq *dsq = dsq_id == SCX_DSQ_GLOBAL ? &sch->global : dsq_find_user(sch, dsq_id);

	if (!dsq)
		scx_error(sch, "%s(): invalid DSQ id 0x%llx in %s", kfunc, (unsigned long long)dsq_id,
			  sch->cur_op);
	return dsq;
}

static bool move_to_local(u64 dsq_id, const char *kfunc)
{
	struct scx_sched *sch = cur();
	struct scx_dsq *dsq;

	if (!sch || !scx_kf_allowed(sch, SCX_KF_DISPATCH, kfunc) || !sch->dsp_rq)
		return false;
	dsq = lookup_dsq(sch, dsq_id, kfunc);
	if (!dsq)
		return false;
	/* earlier inserts land first, and free the dispatch buffer (as upstream) */
	scx_flush_dispatch(sch, sch->dsp_rq);
	if (scx_consume_dsq(sch, sch->dsp_rq, dsq)) {
		sch->dsp_nr_tasks++;
		return true;
	}
	return false;
}

bool scx_bpf_dsq_move_to_local(u64 dsq_id)
{
	return move_to_local(dsq_id, "scx_bpf_dsq_move_to_local");
}

bool scx_bpf_consume(u64 dsq_id)
{
	struct scx_sched *sch = cur();

	/* v3 ops.consume() may call it too */
	if (sch && sch->cur_op && !sch->dsp_rq && !(sch->kf_mask & SCX_KF_DISPATCH))
		return move_to_local(dsq_id, "scx_bpf_consume");
	return move_to_local(dsq_id, "scx_bpf_consume");
}

/* The first task of user DSQ dsq_id (vtime order for a vtime DSQ), NULL if it is empty. Built-in
 * and non-existent DSQs eject the scheduler (upstream 6.19). */
struct task_struct *scx_bpf_dsq_peek(u64 dsq_id)
{
	struct scx_sched *sch = cur();
	struct scx_dsq *dsq;

	if (!sch)
		return NULL;
	if (dsq_id & SCX_DSQ_FLAG_BUILTIN) {
		scx_error(sch, "peek disallowed on builtin DSQ 0x%llx", (unsigned long long)dsq_id);
		return NULL;
	}
	dsq = dsq_find_user(sch, dsq_id);
	if (!dsq) {
		scx_error(sch, "peek on non-existent DSQ 0x%llx", (unsigned long long)dsq_id);
		return NULL;
	}
	return dsq_first(dsq);
}

s32 scx_bpf_dsq_nr_queued(u64 dsq_id)
{
	struct scx_sched *sch = cur();
	struct scx_dsq *dsq = NULL;

	if (!sch)
		return -ENOENT;
	if (dsq_id == SCX_DSQ_LOCAL) {
		struct rq *rq = cur_rq(sch);
		dsq = rq ? &rq->scx.local : NULL;
	} else if ((dsq_id & SCX_DSQ_FLAG_LOCAL_ON) == SCX_DSQ_FLAG_LOCAL_ON &&
		   (dsq_id & SCX_DSQ_FLAG_BUILTIN)) {
		u64 cpu = dsq_id & SCX_DSQ_LOCAL_CPU_MASK;
		if (cpu < (u64)sch->m->nr_cpus)
			dsq = &cpu_rq(sch->m, (int)cpu)->scx.local;
	} else if (dsq_id == SCX_DSQ_GLOBAL) {
		dsq = &sch->global;
	} else {
		dsq = dsq_find_user(sch, dsq_id);
	}
	return dsq ? (s32)dsq->nr : -ENOENT;
}

u32 scx_bpf_dispatch_nr_slots(void)
{
	struct scx_sched *sch = cur();

	if (!sch || !scx_kf_allowed(sch, SCX_KF_DISPATCH, "scx_bpf_dispatch_nr_slots"))
		return 0;
	return sch->dsp_max_batch - sch->dsp_cursor;
}

void scx_bpf_dispatch_cancel(void)
{
	struct scx_sched *sch = cur();

	if (!sch || !scx_kf_allowed(sch, SCX_KF_DISPATCH, "scx_bpf_dispatch_cancel"))
		return;
	if (sch->dsp_cursor)
		sch->dsp_cursor--;
	else
		scx_error(sch, "scx_bpf_dispatch_cancel(): dispatch buffer is empty (%s)", sch->cur_op);
}

/* ---- kicks and re-enqueueing -------------------------------------------------------------- */

/*
 * Validation as the kernel's scx_kick_cpu(): an invalid CPU, or SCX_KICK_IDLE together with
 * PREEMPT/WAIT, is an error (the kick then acts as IDLE, as upstream). scxsim also refuses
 * unknown flag bits (upstream ignores them): a scheduler passing them is either buggy or built
 * for a newer kernel, and either way should hear about it. While the scheduler is exiting
 * (bypass) kicks are suppressed, as upstream.
 */
void scx_bpf_kick_cpu(s32 cpu, u64 flags)
{
	struct scx_sched *sch = cur();

	if (!sch || !scx_cpu_valid(sch, cpu, "in scx_bpf_kick_cpu()"))
		return;
	if (flags & ~(SCX_KICK_IDLE | SCX_KICK_PREEMPT | SCX_KICK_WAIT)) {
		scx_error(sch, "scx_bpf_kick_cpu(): invalid flags 0x%llx (cpu %d, %s)",
			  (unsigned long long)flags, cpu, sch->cur_op ? sch->cur_op : "outside any op");
		return;
	}
	if ((flags & SCX_KICK_IDLE) && (flags & (SCX_KICK_PREEMPT | SCX_KICK_WAIT))) {
		scx_error(sch, "scx_bpf_kick_cpu(): PREEMPT/WAIT cannot be used with SCX_KICK_IDLE "
			  "(cpu %d, flags 0x%llx, %s)", cpu, (unsigned long long)flags,
			  sch->cur_op ? sch->cur_op : "outside any op");
		flags = SCX_KICK_IDLE;
	}
	if (sch->exiting)
		return;
	scx_kick(sch, cpu, flags);
}

u32 scx_bpf_reenqueue_local(void)
{
	struct scx_sched *sch = cur();
	struct rq *rq;
	u32 n = 0;

	if (!sch || !scx_kf_allowed(sch, SCX_KF_CPU_RELEASE, "scx_bpf_reenqueue_local"))
		return 0;
	rq = cur_rq(sch);
	while (rq && rq->scx.local.nr) {
		struct task_struct *p = dsq_first(&rq->scx.local);
		dsq_remove(&rq->scx.local, p);
		scx_do_enqueue(sch, rq, p, SCX_ENQ_REENQ);
		n++;
		if (n > 100000)
			break;
	}
	return n;
}

/* ---- idle CPUs ---------------------------------------------------------------------------- */

/* upstream: the global idle kfuncs refuse when SCX_OPS_BUILTIN_IDLE_PER_NODE is set */
static bool global_idle_ok(struct scx_sched *sch, const char *kfunc)
{
	if (!sch->idle_per_node)
		return true;
	scx_error(sch, "%s() from %s: per-node idle tracking is enabled (SCX_OPS_BUILTIN_IDLE_PER_NODE): use %s_node()",
		  kfunc, sch->cur_op ? sch->cur_op : "outside any op", kfunc);
	return false;
}

static bool need_builtin_idle(struct scx_sched *sch, const char *kfunc)
{
	if (sch->builtin_idle)
		return true;
	scx_error(sch, "%s(): built-in idle tracking is disabled (ops.update_idle() without SCX_OPS_KEEP_BUILTIN_IDLE)",
		  kfunc);
	return false;
}

/*
 * What scx_bpf_select_cpu_dfl() and scx_bpf_select_cpu_and() share (upstream's
 * select_cpu_from_kfunc): prev_cpu valid, built-in idle tracking on, called from
 * ops.select_cpu() or ops.enqueue() (6.16+; v3 allowed only ops.select_cpu()), each failure
 * ejecting the scheduler. The idle CPU claimed within allowed & p's affinity, or -errno.
 */
static s32 select_cpu_from_kfunc(struct scx_sched *sch, struct task_struct *p, s32 prev_cpu,
				 const struct cpumask *allowed, u64 flags, const char *kfunc)
{
	char where[64];
	struct cpumask cand;

	snprintf(where, sizeof(where), "passed to %s()", kfunc);
	if (!scx_cpu_valid(sch, prev_cpu, where))
		return -EINVAL;
	if (!need_builtin_idle(sch, kfunc))
		return -EBUSY;
	if (!scx_kf_allowed(sch, SCX_KF_SELECT_CPU | SCX_KF_ENQUEUE, kfunc))
		return -EPERM;
	cpumask_and(&cand, allowed, &p->cpus_mask);
	return scx_select_cpu_in(sch, p, prev_cpu, &cand, flags);
}

s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu, u64 wake_flags, bool *is_idle)
{
	struct scx_sched *sch = cur();
	s32 cpu;

	if (is_idle)
		*is_idle = false;
	if (!sch || !p)
		return prev_cpu;
	cpu = select_cpu_from_kfunc(sch, p, prev_cpu, &p->cpus_mask, 0, "scx_bpf_select_cpu_dfl");
	if (cpu < 0)
		return prev_cpu < 0 || prev_cpu >= sch->m->nr_cpus ? 0 : prev_cpu;
	if (is_idle)
		*is_idle = true;
	return cpu;
}

s32 scx_bpf_select_cpu_and(struct task_struct *p, s32 prev_cpu, u64 wake_flags,
			   const struct cpumask *cpus_allowed, u64 flags)
{
	struct scx_sched *sch = cur();

	if (!sch || !p || !cpus_allowed)
		return -EINVAL;
	return select_cpu_from_kfunc(sch, p, prev_cpu, cpus_allowed, flags, "scx_bpf_select_cpu_and");
}

s32 scx_bpf_pick_idle_cpu(const struct cpumask *cpus_allowed, u64 flags)
{
	struct scx_sched *sch = cur();

	if (!sch || !global_idle_ok(sch, "scx_bpf_pick_idle_cpu") ||
	    !need_builtin_idle(sch, "scx_bpf_pick_idle_cpu") || !cpus_allowed)
		return -EBUSY;
	return scx_pick_idle_cpu(sch, cpus_allowed, flags);
}

s32 scx_bpf_pick_any_cpu(const struct cpumask *cpus_allowed, u64 flags)
{
	struct scx_sched *sch = cur();
	struct cpumask ok;
	s32 cpu;

	if (!sch || !global_idle_ok(sch, "scx_bpf_pick_any_cpu") || !cpus_allowed)
		return -EBUSY;
	if (sch->builtin_idle) {
		cpu = scx_pick_idle_cpu(sch, cpus_allowed, flags);
		if (cpu >= 0)
			return cpu;
	}
	/* spread the picks over the allowed online CPUs (cpumask_any_distribute) */
	cpumask_and(&ok, cpus_allowed, &sch->online);
	cpu = scx_any_and_distribute(sch, &ok, &ok);
	return cpu < 0 ? -EBUSY : cpu;
}

bool scx_bpf_test_and_clear_cpu_idle(s32 cpu)
{
	struct scx_sched *sch = cur();

	if (!sch || !need_builtin_idle(sch, "scx_bpf_test_and_clear_cpu_idle") ||
	    !scx_cpu_valid(sch, cpu, "in scx_bpf_test_and_clear_cpu_idle()"))
		return false;
	return scx_test_and_clear_cpu_idle(sch, cpu);
}

static const struct cpumask empty_mask;

const struct cpumask *scx_bpf_get_idle_cpumask(void)
{
	struct scx_sched *sch = cur();

	if (!sch || !global_idle_ok(sch, "scx_bpf_get_idle_cpumask") ||
	    !need_builtin_idle(sch, "scx_bpf_get_idle_cpumask"))
		return &empty_mask;
	return &sch->idle_cpu;
}

const struct cpumask *scx_bpf_get_idle_smtmask(void)
{
	struct scx_sched *sch = cur();

	if (!sch || !global_idle_ok(sch, "scx_bpf_get_idle_smtmask") ||
	    !need_builtin_idle(sch, "scx_bpf_get_idle_smtmask"))
		return &empty_mask;
	return sch->m->topo->nr_cores < sch->m->nr_cpus ? &sch->idle_smt : &sch->idle_cpu;
}

void scx_bpf_put_idle_cpumask(const struct cpumask *mask)
{
}

void scx_bpf_put_cpumask(const struct cpumask *mask)
{
}

u32 scx_bpf_nr_cpu_ids(void)
{
	struct scx_sched *sch = cur();

	return sch ? (u32)sch->m->nr_cpus : 0;
}

const struct cpumask *scx_bpf_get_possible_cpumask(void)
{
	struct scx_sched *sch = cur();

	return sch ? &sch->m->topo->all : &empty_mask;
}

const struct cpumask *scx_bpf_get_online_cpumask(void)
{
	struct scx_sched *sch = cur();

	return sch ? &sch->online : &empty_mask;
}

/* ---- tasks ------------------------------------------------------------------------------- */

s32 scx_bpf_task_cpu(const struct task_struct *p)
{
	return p ? p->cpu : -EINVAL;
}

bool scx_bpf_task_running(const struct task_struct *p)
{
	return p && p->on_cpu;
}

struct cgroup *scx_bpf_task_cgroup(struct task_struct *p)
{
	struct scx_sched *sch = cur();

	if (!sch || !p)
		return NULL;
	if (!scx_kf_allowed(sch, SCX_KF_RQ_LOCKED, "scx_bpf_task_cgroup"))
		return sch->m->tgs[0];
	if (p != sch->cur_task) {
		scx_error(sch, "scx_bpf_task_cgroup() called on %s[%d], not the task of %s", p->comm,
			  p->pid, sch->cur_op);
		return sch->m->tgs[0];
	}
	return p->tg;
}

/* ---- errors and exits ---------------------------------------------------------------------- */

void scx_bpf_error_str(const char *msg)
{
	struct scx_sched *sch = cur();

	if (sch)
		scx_exit(sch, SCX_EXIT_ERROR_BPF, 0, "%s", msg ? msg : "");
}

void scx_bpf_exit_str(s64 code, const char *msg)
{
	struct scx_sched *sch = cur();

	if (sch)
		scx_exit(sch, SCX_EXIT_UNREG_BPF, code, "%s", msg ? msg : "");
}

void scx_bpf_error(const char *fmt, ...)
{
	char buf[SCX_EXIT_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	scx_bpf_error_str(buf);
}

void scx_bpf_exit(s64 code, const char *fmt, ...)
{
	char buf[SCX_EXIT_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	scx_bpf_exit_str(code, buf);
}

u64 scx_bpf_now(void)
{
	struct scx_sched *sch = cur();

	return sch ? sch->m->sim.now : 0;
}
