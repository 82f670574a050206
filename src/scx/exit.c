/*
 * exit.c — how an ext scheduler leaves: scx_exit() records the first exit (kind, reason,
 * message, who raised it) and switches the class to bypass at once (no more ops; every task
 * goes through the global DSQ in FIFO order); the disable event, at the same simulated time,
 * writes the state dump of an error exit (dump.c, with the dump ops), calls
 * ops.disable/exit_task for every task and ops.exit(ei), then moves every ext task back to the
 * fair class, where it finishes its work. Also the stall watchdog and SysRq-S. Messages name
 * the op, the task and the CPU.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scx_int.h"
#include "scxsim/json_write.h"

static const struct {
	enum scx_exit_kind kind;
	const char *name;
	const char *reason;
} exit_kinds[] = {
	{ SCX_EXIT_NONE, "none", "" },
	{ SCX_EXIT_DONE, "done", "Scheduler exited" },
	{ SCX_EXIT_UNREG, "unreg", "unregistered from user space" },
	{ SCX_EXIT_UNREG_BPF, "unreg_bpf", "unregistered from BPF" },
	{ SCX_EXIT_UNREG_KERN, "unreg_kern", "unregistered from the main kernel" },
	{ SCX_EXIT_SYSRQ, "sysrq", "disabled by sysrq-S" },
	{ SCX_EXIT_ERROR, "error", "runtime error" },
	{ SCX_EXIT_ERROR_BPF, "error_bpf", "scx_bpf_error" },
	{ SCX_EXIT_ERROR_STALL, "error_stall", "runnable task stall" },
};

const char *scx_exit_kind_name(enum scx_exit_kind kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_kinds); i++)
		if (exit_kinds[i].kind == kind)
			return exit_kinds[i].name;
	return "unknown";
}

const char *scx_exit_reason(enum scx_exit_kind kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_kinds); i++)
		if (exit_kinds[i].kind == kind)
			return exit_kinds[i].reason;
	return "unknown";
}

/* ---- exit and disable ------------------------------------------------------------------ */

bool scx_exit(struct scx_sched *sch, enum scx_exit_kind kind, s64 code, const char *fmt, ...)
{
	char msg[SCX_EXIT_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	scx_dump_note_error(sch, msg); /* raised by a dump op: say so in the dump */
	if (sch->exiting)
		return false;
	sch->exiting = true;
	sch->ops_off = true;
	sch->bypass_at = sch->m->sim.now ?: 1;
	scx_add_event(sch, SCX_EV_BYPASS_ACTIVATE, 1);
	sch->ei.kind = kind;
	sch->ei.exit_code = code;
	snprintf(sch->reason, sizeof(sch->reason), "%s", scx_exit_reason(kind));
	memcpy(sch->msg, msg, sizeof(sch->msg));
	sch->exit_at_ns = sch->m->sim.now;
	scx_dump_exit_context(sch);
	free(sch->dump);
	sch->dump = NULL;
	sch->ei.dump = NULL;
	sch->dump_pending = kind >= SCX_EXIT_ERROR; /* written by the disable event */
	/* bypass: kick every CPU so ext tasks go through the global DSQ */
	for (int c = 0; c < sch->m->nr_cpus; c++)
		if (cpu_rq(sch->m, c)->scx.nr_running)
			resched_curr(cpu_rq(sch->m, c));
	sim_schedule(&sch->m->sim, &sch->disable_ev, sch->m->sim.now, SIM_PRIO_HOTPLUG);
	if (sch->m->trace) {
		char d[SCX_EXIT_MSG_LEN + 32];
		snprintf(d, sizeof(d), "%s: %s", scx_exit_kind_name(kind), sch->msg);
		trace_global(sch->m, "scx_exit", d);
	}
	return true;
}

/* scx_disable_workfn: tell the scheduler, then move every task back to fair. */
void scx_disable_now(struct scx_sched *sch)
{
	struct machine *m = sch->m;

	if (sch->disabled)
		return;
	scx_dump_error(sch);
	scx_kw_release_all(sch); /* no CPU waits for a SCX_KICK_WAIT target anymore */
	sch->ops_off = false; /* the exit path's ops still run; errors in them are ignored */
	for (int i = 0; i < m->nr_tasks; i++)
		scx_task_disable_exit(sch, m->tasks[i]);
	scx_cgroups_exit(sch);
	SCX_CALL_OP(sch, SCX_KF_SLEEPABLE, exit, NULL, -1, &sch->ei);
	sch->ops_off = true;
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];
		if (p->sched_class == &ext_sched_class)
			task_set_class(p, &fair_sched_class);
	}
	sch->disabled = true;
	sim_cancel(&m->sim, &sch->watchdog_ev);
	sim_cancel(&m->sim, &sch->sysrq_ev);
}

static void disable_fn(struct sim *s, struct sim_event *ev)
{
	struct scx_sched *sch = container_of(ev, struct scx_sched, disable_ev);

	scx_disable_now(sch);
}

static void sysrq_fn(struct sim *s, struct sim_event *ev)
{
	struct scx_sched *sch = container_of(ev, struct scx_sched, sysrq_ev);

	scx_exit(sch, SCX_EXIT_SYSRQ, 0, "sysrq-S at t=%llu ns", (unsigned long long)s->now);
}

void machine_sysrq_at(struct machine *m, u64 at_ns)
{
	struct scx_sched *sch = m->scx;

	if (!sch)
		return;
	sim_schedule(&m->sim, &sch->sysrq_ev, at_ns, SIM_PRIO_HOTPLUG);
}

/* ---- the watchdog ---------------------------------------------------------------------- */

static void watchdog_fn(struct sim *s, struct sim_event *ev)
{
	struct scx_sched *sch = container_of(ev, struct scx_sched, watchdog_ev);
	struct machine *m = sch->m;

	for (int c = 0; c < m->nr_cpus; c++) {
		struct task_struct *p = cpu_rq(m, c)->scx.run_head;
		if (!p || s->now - p->scx.runnable_at <= sch->timeout_ns)
			continue;
		u64 ms = (s->now - p->scx.runnable_at) / NSEC_PER_MSEC;
		scx_exit(sch, SCX_EXIT_ERROR_STALL, 0,
			 "%s[%d] failed to run for %llu.%03llus (cpu %d, %s)", p->comm, p->pid,
			 (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000), c,
			 p->scx.dsq ? (p->scx.dsq->id == SCX_DSQ_GLOBAL ? "on the global DSQ" :
				       p->scx.dsq->cpu >= 0 ? "on a local DSQ" : "on a user DSQ") :
				      p->scx.ops_state == SCX_OPSS_QUEUED ? "held by the scheduler" :
									     "not queued anywhere");
		return;
	}
	sim_schedule(s, ev, s->now + sch->timeout_ns / 2, SIM_PRIO_CHECK);
}

/* The run stopped (every task exited) before the disable event: still write the dump. */
void scx_run_end(struct machine *m)
{
	if (m->scx && !m->scx->disabled)
		scx_dump_error(m->scx);
}

void scx_watchdog_start(struct scx_sched *sch)
{
	sim_event_init(&sch->disable_ev, disable_fn);
	sim_event_init(&sch->watchdog_ev, watchdog_fn);
	sim_event_init(&sch->sysrq_ev, sysrq_fn);
	sim_schedule(&sch->m->sim, &sch->watchdog_ev, sch->m->sim.now + sch->timeout_ns / 2,
		     SIM_PRIO_CHECK);
}

/* ---- reporting ------------------------------------------------------------------------- */

const struct scx_exit_info *machine_scx_exit_info(const struct machine *m)
{
	static const struct scx_exit_info none = { .kind = SCX_EXIT_NONE, .reason = "", .msg = "" };

	return m->scx ? &m->scx->ei : &none;
}

/* Total time CPUs spun in SCX_KICK_WAIT waits (ended ones, and the running ones up to now). */
static u64 scx_kick_wait_ns(const struct machine *m)
{
	u64 ns = 0;

	for (int c = 0; c < m->nr_cpus; c++) {
		const struct rq *rq = cpu_rq((struct machine *)m, c);
		ns += rq->scx.kick_wait_ns + (rq->spinning ? m->sim.now - rq->spin_since : 0);
	}
	return ns;
}

void scx_write_result(struct machine *m, struct jw *w)
{
	struct scx_sched *sch = m->scx;
	bool exited = sch && sch->ei.kind != SCX_EXIT_NONE;

	jw_key(w, "exit");
	jw_obj_begin(w);
	jw_kstr(w, "kind", exited ? scx_exit_kind_name(sch->ei.kind) : "none");
	jw_kstr(w, "reason", exited ? sch->reason : "");
	jw_kstr(w, "msg", exited ? sch->msg : "");
	jw_kuint(w, "at_ns", exited ? sch->exit_at_ns : 0);
	if (exited)
		jw_kint(w, "exit_code", sch->ei.exit_code);
	if (exited && sch->dump)
		jw_kstr(w, "dump", sch->dump);
	jw_obj_end(w);
	if (sch && sch->nr_ddumps) {
		jw_key(w, "debug_dumps");
		jw_arr_begin(w);
		for (int i = 0; i < sch->nr_ddumps; i++) {
			jw_obj_begin(w);
			jw_kuint(w, "at_ns", sch->ddumps[i].at_ns);
			jw_kstr(w, "dump", sch->ddumps[i].text);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	if (!sch)
		return;
	jw_key(w, "stats");
	jw_obj_begin(w);
	jw_kuint(w, "nr_enqueued", sch->nr_enqueued);
	jw_kuint(w, "nr_dispatch_calls", sch->nr_dispatch_calls);
	jw_kuint(w, "nr_dispatched", sch->nr_dispatched);
	jw_kuint(w, "nr_kicks", sch->nr_kicks);
	jw_kuint(w, "nr_kick_waits", sch->nr_kick_waits);
	jw_kuint(w, "kick_wait_ns", scx_kick_wait_ns(m));
	jw_kuint(w, "nr_init_task_failed", sch->nr_init_task_failed);
	jw_obj_end(w);
}

/* ext-specific invariants, part of the periodic sweep */
void scx_invariants(struct machine *m)
{
	struct scx_sched *sch = m->scx;
	u32 nr = 0;

	if (!sch || sch->disabled)
		return;
	int spinning = 0;
	for (int c = 0; c < m->nr_cpus; c++)
		spinning += cpu_rq(m, c)->spinning;
	m->inv_checked++;
	if (spinning != sch->nr_kw_spinning)
		machine_violation(m, "%d CPUs spin in SCX_KICK_WAIT waits but %d are counted", spinning,
				  sch->nr_kw_spinning);
	for (int c = 0; c < m->nr_cpus; c++) {
		struct rq *rq = cpu_rq(m, c);
		nr = 0;
		for (struct task_struct *p = dsq_first(&rq->scx.local); p; p = dsq_next(&rq->scx.local, p)) {
			nr++;
			m->inv_checked++;
			if (p->cpu != c)
				machine_violation(m, "cpu %d: local DSQ holds %s[%d] of cpu %d", c, p->comm,
						  p->pid, p->cpu);
		}
		m->inv_checked++;
		if (nr != rq->scx.local.nr)
			machine_violation(m, "cpu %d: local DSQ count %u but %u tasks", c, rq->scx.local.nr, nr);
		m->inv_checked++;
		if (rq->spinning && !cpumask_weight(&rq->scx.kw_targets) && !sim_event_pending(&rq->scx.kw_ev))
			machine_violation(m, "cpu %d spins in a SCX_KICK_WAIT wait with no CPU to wait for", c);
	}
}

const char *scx_ops_name(const struct machine *m)
{
	return m->scx ? m->scx->ops.name : "";
}

u64 scx_exit_at_ns(const struct machine *m)
{
	return m->scx ? m->scx->exit_at_ns : 0;
}
