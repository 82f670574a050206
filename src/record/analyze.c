/*
 * analyze.c — typed trace events -> the figures of one recorded process tree (struct rec_result)
 * and each of its tasks' replay steps.
 *
 * The tree: the root pid and every task forked, transitively, from a member (fork events are
 * followed in time order; a pid leaves the tree at its last switch-out after exit, so a reused
 * pid is not confused with it). Everything else is noise, counted apart.
 *
 * Per CPU the analysis keeps who is current. Every event says who was running (its context
 * column), which checks that model: on this machine's kernel the sched_switch events of CPU 1
 * whose prev is swapper/1 are never recorded (shared/facts.md), nor, it turned out, those of
 * some other tasks (tokio-rt-worker threads of pid 1), so when a task shows up on a CPU where
 * another is believed current, the switch is rebuilt. Its time is the CPU's last recorded event
 * or the task's wakeup, whichever is later, plus the median delay between that bound and a
 * *recorded* idle->task switch, measured on the CPUs that do record them (pass 1); never later
 * than the task's own event. Rebuilt switches are counted: from idle (reconstructed) and from
 * another task (recon_other).
 *
 * Window: from the root's fork (or first appearance) to the last event involving the tree.
 * Idle and noise CPU time are accumulated from the window start and read at each tree event,
 * so time after the last tree event is never counted.
 *
 * Wakeup latency runs from the wakeup's request, the first sched_waking of the sleep (the
 * moment the simulator's wake-up starts too), to the task's switch-in: on this kernel a wakeup
 * aimed at an idle CPU is queued to it by IPI (TTWU_QUEUE) and its sched_wakeup fires only when
 * that CPU has woken up, so measured from sched_wakeup the IPI delay would not show. Without a
 * sched_waking (lost) it runs from sched_wakeup.
 *
 * Replay steps: a task's CPU time between blocking points is one RUN; a block ended by a
 * wakeup from irq/idle/another program is a SLEEP of the measured length; a block ended by a
 * recorded task (sched_waking in that task's context) becomes SUSPEND (arg: the waker), with a
 * RESUME (arg: the sleeper) placed in the waker's steps at that moment (its RUN split); only the
 * first waking of a sleep counts, so RESUMEs and SUSPENDs pair one to one.
 *
 * Net replay runs (rec_analyze_costs): the recorded CPU time of a burst already holds what the
 * kernel spent switching to the task (and, after a migration, refilling caches); the simulator
 * charges its own ctx_switch_ns / migration_ns on top of a replay's run at every switch-in. So
 * each switch-in of the recording owes costs->switch_ns (+ migration_ns when the task last ran
 * on another CPU), paid out of the task's next RUN steps (never below 0; what a step cannot
 * pay is carried to the next). runtime_ns stays the measured figure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "record/record_int.h"

enum { T_NEW, T_RUNNABLE, T_RUNNING, T_SLEEPING, T_DEAD };

/* pid -> u64 map, open addressing, linear probing; value 0 means "absent". */
struct pmap {
	s32 *key;
	u64 *val;
	u32 cap, n;
};

static u32 pmap_slot(const struct pmap *m, s32 pid)
{
	u32 h = (u32)pid * 2654435761u;

	for (u32 i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == pid || m->key[i] == -1)
			return i;
}

static int pmap_grow(struct pmap *m)
{
	struct pmap n = { .cap = m->cap ? m->cap * 2 : 256 };

	n.key = malloc(n.cap * sizeof(*n.key));
	n.val = calloc(n.cap, sizeof(*n.val));
	if (!n.key || !n.val) {
		free(n.key);
		free(n.val);
		return -ENOMEM;
	}
	memset(n.key, 0xff, n.cap * sizeof(*n.key));
	for (u32 i = 0; i < m->cap; i++) {
		if (m->key[i] == -1)
			continue;
		u32 s = pmap_slot(&n, m->key[i]);
		n.key[s] = m->key[i];
		n.val[s] = m->val[i];
		n.n++;
	}
	free(m->key);
	free(m->val);
	*m = n;
	return 0;
}

static u64 pmap_get(const struct pmap *m, s32 pid)
{
	if (!m->cap || pid < 0)
		return 0;
	u32 s = pmap_slot(m, pid);
	return m->key[s] == pid ? m->val[s] : 0;
}

static int pmap_set(struct pmap *m, s32 pid, u64 v)
{
	if (pid < 0)
		return 0;
	if ((m->n + 1) * 2 > m->cap && pmap_grow(m))
		return -ENOMEM;
	u32 s = pmap_slot(m, pid);
	if (m->key[s] == -1) {
		m->key[s] = pid;
		m->n++;
	}
	m->val[s] = v;
	return 0;
}

static void pmap_free(struct pmap *m)
{
	free(m->key);
	free(m->val);
}

struct cpu_st {
	s32 curr;          /* -1 unknown, 0 idle, else pid */
	u64 since;         /* start of curr's interval */
	u64 last_seen;     /* time of the CPU's last recorded (or rebuilt) event */
	bool idle_known;   /* pass 1: the switch to idle was recorded */
	u64 idle_acc;      /* idle time inside the window, up to `since` */
	u64 noise_acc;     /* non-tree CPU time inside the window, up to `since` */
};

struct ana {
	const struct rec_trace *t;
	struct rec_result *r;
	struct cpu_st *cpu;
	struct pmap tree;  /* pid -> task index + 1 (live tree tasks) */
	struct pmap wake;  /* pid -> last sched_wakeup(_new) time + 1 */
	struct pmap noise; /* pid -> first in-window switch-in time + 1 */
	struct pmap waking; /* pid -> first sched_waking time of the current sleep + 1 */
	struct rec_costs costs; /* owed per switch-in by the replay's runs (0: gross runs) */
	u64 *debt;         /* per task index: cost not yet taken from its RUN steps */
	s32 *last_cpu;     /* per task index: CPU of its last switch-in, -1 none */
	u64 noise_preempt; /* tree task switched out runnable for a non-tree task */
	bool started;      /* window started (root seen) */
	int err;           /* sticky -ENOMEM */
};

/* ---- helpers -------------------------------------------------------------------------------- */

static void ana_nomem(struct ana *a, int rc)
{
	if (rc && !a->err)
		a->err = rc;
}

static int task_idx(const struct ana *a, s32 pid)
{
	return pid > 0 ? (int)pmap_get(&a->tree, pid) - 1 : -1;
}

static struct rec_task *task_of(struct ana *a, s32 pid)
{
	int i = task_idx(a, pid);

	return i >= 0 ? &a->r->tasks[i] : NULL;
}

static void task_push_step(struct ana *a, struct rec_task *k, u8 kind, s32 arg, u64 ns)
{
	if (k->nr_steps == k->cap_steps) {
		int cap = k->cap_steps ? k->cap_steps * 2 : 16;
		struct rec_step *n = realloc(k->steps, (size_t)cap * sizeof(*n));
		if (!n)
			return ana_nomem(a, -ENOMEM);
		k->steps = n;
		k->cap_steps = cap;
	}
	k->steps[k->nr_steps++] = (struct rec_step){ .kind = kind, .arg = arg, .ns = ns };
}

static void task_push_lat(struct ana *a, struct rec_task *k, u64 ns)
{
	if (k->nr_lat == k->cap_lat) {
		int cap = k->cap_lat ? k->cap_lat * 2 : 16;
		u64 *n = realloc(k->lat, (size_t)cap * sizeof(*n));
		if (!n)
			return ana_nomem(a, -ENOMEM);
		k->lat = n;
		k->cap_lat = cap;
	}
	k->lat[k->nr_lat++] = ns;
}

/* Move the task's CPU time since mark into burst_ns (while it runs). */
static void task_burst_update(struct rec_task *k, u64 t)
{
	if (k->st == T_RUNNING && t > k->mark_ns) {
		k->burst_ns += t - k->mark_ns;
		k->mark_ns = t;
	}
}

static void task_flush_run(struct ana *a, struct rec_task *k, u64 t)
{
	u64 *debt = &a->debt[k - a->r->tasks], pay;

	task_burst_update(k, t);
	pay = MIN(*debt, k->burst_ns);
	*debt -= pay;
	task_push_step(a, k, REC_STEP_RUN, 0, k->burst_ns - pay);
	k->burst_ns = 0;
}

/* A switch-in of task index i on cpu: what the simulator will charge for it is owed. */
static void task_owe_switch(struct ana *a, int i, int cpu)
{
	a->debt[i] += a->costs.switch_ns;
	if (a->last_cpu[i] >= 0 && a->last_cpu[i] != cpu)
		a->debt[i] += a->costs.migration_ns;
	a->last_cpu[i] = cpu;
}

static void task_set_comm(struct rec_task *k, const char *comm)
{
	if (comm[0])
		memcpy(k->comm, comm, REC_COMM_LEN);
}

/* Room for one more task in the per-task side arrays. */
static int task_side_grow(struct ana *a, int n)
{
	u64 *d = realloc(a->debt, (size_t)n * sizeof(*d));

	if (!d)
		return -ENOMEM;
	a->debt = d;
	s32 *c = realloc(a->last_cpu, (size_t)n * sizeof(*c));
	if (!c)
		return -ENOMEM;
	a->last_cpu = c;
	a->debt[n - 1] = 0;
	a->last_cpu[n - 1] = -1;
	return 0;
}

static struct rec_task *task_create(struct ana *a, s32 pid, s32 ppid, const char *comm, s32 prio,
				    u64 t)
{
	struct rec_result *r = a->r;
	struct rec_task *n = realloc(r->tasks, (size_t)(r->nr_tasks + 1) * sizeof(*n));

	if (n)
		r->tasks = n;
	if (!n || task_side_grow(a, r->nr_tasks + 1)) {
		ana_nomem(a, -ENOMEM);
		return NULL;
	}
	struct rec_task *k = &r->tasks[r->nr_tasks];
	*k = (struct rec_task){ .pid = pid, .ppid = ppid, .prio = prio, .fork_ns = t,
				.st = T_NEW, .on_cpu = -1, .since_ns = t, .waker = -1 };
	task_set_comm(k, comm);
	ana_nomem(a, pmap_set(&a->tree, pid, (u64)r->nr_tasks + 1));
	r->nr_tasks++;
	return k;
}

/* ---- CPU time accounting --------------------------------------------------------------------- */

static u64 cpu_open_ns(const struct ana *a, const struct cpu_st *c, u64 t)
{
	u64 from = MAX(c->since, a->r->start_ns);

	return a->started && t > from ? t - from : 0;
}

/* Close the current interval of CPU c at t into the idle / noise accumulators. */
static void cpu_account(struct ana *a, struct cpu_st *c, u64 t)
{
	u64 d = cpu_open_ns(a, c, t);

	if (c->curr == 0)
		c->idle_acc += d;
	else if (c->curr > 0 && task_idx(a, c->curr) < 0)
		c->noise_acc += d;
}

/* At a tree event: the window extends to t; read idle and noise time up to t. */
static void window_extend(struct ana *a, u64 t)
{
	struct rec_result *r = a->r;
	u64 idle = 0, noise = 0;

	for (int i = 0; i < r->nr_cpus; i++) {
		struct cpu_st *c = &a->cpu[i];
		u64 d = cpu_open_ns(a, c, t);
		idle += c->idle_acc + (c->curr == 0 ? d : 0);
		noise += c->noise_acc + (c->curr > 0 && task_idx(a, c->curr) < 0 ? d : 0);
	}
	r->idle_ns = idle;
	r->noise_runtime_ns = noise;
	r->end_ns = MAX(r->end_ns, t);
}

/* ---- task state transitions ----------------------------------------------------------------- */

/* A sleep ends at t (wakeup, or a switch-in whose wakeup was not seen): its replay step. */
static void task_end_sleep(struct ana *a, struct rec_task *k, u64 t)
{
	if (k->waker >= 0)
		task_push_step(a, k, REC_STEP_SUSPEND, k->waker, 0);
	else
		task_push_step(a, k, REC_STEP_SLEEP, 0, t - MIN(k->since_ns, t));
	k->waker = -1;
}

static void task_start_running(struct rec_task *k, struct ana *a, int cpu, u64 t,
			       bool is_switch)
{
	if (k->st == T_SLEEPING) {      /* its wakeup was not seen */
		task_end_sleep(a, k, t);
		ana_nomem(a, pmap_set(&a->waking, k->pid, 0));
	}
	if (k->st == T_RUNNABLE) {
		k->wait_ns += t - MIN(k->since_ns, t);
		if (k->woken_ns) {
			task_push_lat(a, k, t - MIN(k->woken_ns, t));
			k->woken_ns = 0;
		}
	}
	k->st = T_RUNNING;
	k->on_cpu = cpu;
	k->since_ns = k->mark_ns = t;
	k->nr_switch_in += is_switch;
	if (is_switch)
		task_owe_switch(a, (int)(k - a->r->tasks), cpu);
}

static void task_stop_running(struct rec_task *k, struct ana *a, u64 t, const char *state)
{
	if (k->st != T_RUNNING)
		return;
	k->runtime_ns += t - MIN(k->since_ns, t);
	task_burst_update(k, t);
	k->on_cpu = -1;
	k->since_ns = t;
	if (state[0] == 'R') {
		k->st = T_RUNNABLE;
		k->nr_preempted++;
		return;
	}
	task_flush_run(a, k, t);
	k->st = T_SLEEPING;
	if (state[0] == 'Z' || state[0] == 'X' || k->exited) {
		k->st = T_DEAD;
		ana_nomem(a, pmap_set(&a->tree, k->pid, 0));
	}
}

/* Switch CPU c from prev to next at t (prev_state for prev). */
static void cpu_switch(struct ana *a, int cpu, u64 t, s32 prev, s32 next, const char *state)
{
	struct cpu_st *c = &a->cpu[cpu];
	struct rec_task *kp = task_of(a, prev), *kn = task_of(a, next);

	t = MAX(t, c->since);
	cpu_account(a, c, t);
	c->last_seen = MAX(c->last_seen, t);
	if (kp)
		task_stop_running(kp, a, t, state);
	if (kn)
		task_start_running(kn, a, cpu, t, true);
	else if (next > 0 && a->started && !pmap_get(&a->noise, next))
		ana_nomem(a, pmap_set(&a->noise, next, t + 1));
	if (kp || kn)
		a->r->ctx_switches++;
	if (kp && !kn && next > 0 && state[0] == 'R')
		a->noise_preempt++;
	c->curr = next;
	c->since = t;
}

/* ---- the CPU-1 quirk ------------------------------------------------------------------------ */

/* Earliest time pid can have been switched in on c: the CPU's last event, pid's wakeup. */
static u64 recon_lower(const struct ana *a, const struct cpu_st *c, s32 pid)
{
	u64 lo = c->last_seen;
	u64 w = pmap_get(&a->wake, pid);
	const struct rec_task *k = task_idx(a, pid) >= 0 ? &a->r->tasks[task_idx(a, pid)] : NULL;

	if (w)
		lo = MAX(lo, w - 1);
	if (k && k->st == T_RUNNABLE)
		lo = MAX(lo, k->since_ns);
	return lo;
}

/* Check the CPU model against the event's context; rebuild what is missing. */
static void cpu_check_ctx(struct ana *a, const struct rec_event *ev)
{
	struct cpu_st *c = &a->cpu[ev->cpu];
	s32 x = ev->ctx_pid;
	struct rec_task *k;
	u64 est;

	if (c->curr == x)
		return;
	if (c->curr < 0) {              /* first event of this CPU: take it as it is */
		c->curr = x;
		c->since = c->last_seen = ev->ts_ns;
		k = task_of(a, x);
		if (k && k->st != T_RUNNING)
			task_start_running(k, a, ev->cpu, ev->ts_ns, false);
		return;
	}
	est = MIN(recon_lower(a, c, x) + a->r->recon_delay_ns, ev->ts_ns);
	if (c->curr == 0)
		a->r->reconstructed++;
	else
		a->r->recon_other++;
	cpu_switch(a, ev->cpu, est, c->curr, x, x == 0 ? "S" : "R");
}

/* Pass 1: the delay between "last known idle or woken" and a recorded idle->task switch. */
static int cmp_u64(const void *x, const void *y)
{
	u64 a = *(const u64 *)x, b = *(const u64 *)y;

	return a < b ? -1 : a > b;
}

static int recon_calibrate(struct ana *a)
{
	const struct rec_trace *t = a->t;
	u64 *s = malloc(((size_t)t->nr_ev + 1) * sizeof(*s));
	int n = 0, rc = 0;

	if (!s)
		return -ENOMEM;
	for (int i = 0; i < t->nr_ev && !rc; i++) {
		const struct rec_event *ev = &t->ev[i];
		struct cpu_st *c = &a->cpu[ev->cpu];

		if (ev->type == REC_EV_WAKEUP || ev->type == REC_EV_WAKEUP_NEW)
			rc = pmap_set(&a->wake, ev->pid, ev->ts_ns + 1);
		if (ev->type == REC_EV_SWITCH && ev->pid == 0 && ev->pid2 > 0 && c->idle_known) {
			u64 lo = recon_lower(a, c, ev->pid2);
			s[n++] = ev->ts_ns - MIN(lo, ev->ts_ns);
		}
		c->last_seen = ev->ts_ns;
		if (ev->type == REC_EV_SWITCH)
			c->idle_known = ev->pid2 == 0;
	}
	if (n) {
		qsort(s, n, sizeof(*s), cmp_u64);
		a->r->recon_delay_ns = s[(n - 1) / 2];
	}
	a->r->recon_samples = (u64)n;
	free(s);
	pmap_free(&a->wake);
	memset(&a->wake, 0, sizeof(a->wake));
	for (int i = 0; i < a->r->nr_cpus; i++)
		a->cpu[i] = (struct cpu_st){ .curr = -1 };
	return rc;
}

/* ---- events --------------------------------------------------------------------------------- */

static void on_switch(struct ana *a, const struct rec_event *ev)
{
	struct cpu_st *c = &a->cpu[ev->cpu];
	struct rec_task *k;

	if (c->curr != ev->pid) {       /* context column and prev_pid disagree */
		a->r->recon_other++;
		cpu_switch(a, ev->cpu, ev->ts_ns, c->curr, ev->pid, "R");
	}
	if ((k = task_of(a, ev->pid)))
		task_set_comm(k, ev->comm);
	if ((k = task_of(a, ev->pid2)))
		task_set_comm(k, ev->comm2);
	cpu_switch(a, ev->cpu, ev->ts_ns, ev->pid, ev->pid2, ev->state);
}

static void on_waking(struct ana *a, const struct rec_event *ev)
{
	struct rec_task *k = task_of(a, ev->pid);
	int w = ev->ctx_irq == '.' ? task_idx(a, ev->ctx_pid) : -1;

	if (k && k->st == T_SLEEPING && !pmap_get(&a->waking, ev->pid))
		ana_nomem(a, pmap_set(&a->waking, ev->pid, ev->ts_ns + 1));
	if (!k || k->st != T_SLEEPING || w < 0 || ev->ctx_pid == ev->pid || k->waker >= 0)
		return;
	struct rec_task *waker = &a->r->tasks[w];
	task_flush_run(a, waker, ev->ts_ns);
	task_push_step(a, waker, REC_STEP_RESUME, (s32)(k - a->r->tasks), 0);
	k->waker = w;
}

static void on_wakeup(struct ana *a, const struct rec_event *ev)
{
	struct rec_task *k;

	ana_nomem(a, pmap_set(&a->wake, ev->pid, ev->ts_ns + 1));
	if (!(k = task_of(a, ev->pid)))
		return;
	task_set_comm(k, ev->comm);
	if (ev->type == REC_EV_WAKEUP_NEW) {
		if (k->st == T_NEW) {
			k->st = T_RUNNABLE;
			k->since_ns = ev->ts_ns;
		}
		return;
	}
	k->nr_wakeups++;
	if (k->st == T_RUNNING)
		k->nr_wakeups_running++;
	if (k->st != T_SLEEPING && k->st != T_NEW)
		return;
	if (k->st == T_SLEEPING)
		task_end_sleep(a, k, ev->ts_ns);
	u64 waking = pmap_get(&a->waking, ev->pid);
	ana_nomem(a, pmap_set(&a->waking, ev->pid, 0));
	k->st = T_RUNNABLE;
	k->since_ns = ev->ts_ns;
	k->woken_ns = waking && waking - 1 <= ev->ts_ns ? waking - 1 : ev->ts_ns;
}

static void on_fork(struct ana *a, const struct rec_event *ev)
{
	struct rec_task *parent = task_of(a, ev->pid);

	if (parent) {
		task_create(a, ev->pid2, ev->pid, ev->comm2, parent->prio, ev->ts_ns);
		return;
	}
	if (ev->pid2 == a->r->root_pid && !a->started) {
		a->r->start_ns = ev->ts_ns;
		a->started = true;
		task_create(a, ev->pid2, -1, ev->comm2, 120, ev->ts_ns);
	}
}

static void on_event(struct ana *a, const struct rec_event *ev)
{
	struct rec_task *k;

	switch (ev->type) {
	case REC_EV_SWITCH:
		on_switch(a, ev);
		break;
	case REC_EV_WAKING:
		on_waking(a, ev);
		break;
	case REC_EV_WAKEUP:
	case REC_EV_WAKEUP_NEW:
		on_wakeup(a, ev);
		break;
	case REC_EV_MIGRATE:
		if ((k = task_of(a, ev->pid))) {
			k->nr_migrations++;
			a->r->migrations++;
		}
		break;
	case REC_EV_FORK:
		on_fork(a, ev);
		break;
	case REC_EV_EXIT:
		if ((k = task_of(a, ev->pid))) {
			k->exited = true;
			k->exit_ns = ev->ts_ns;
		}
		break;
	}
}

static bool ev_mentions(const struct ana *a, const struct rec_event *ev)
{
	return task_idx(a, ev->ctx_pid) >= 0 || task_idx(a, ev->pid) >= 0 ||
	       ((ev->type == REC_EV_SWITCH || ev->type == REC_EV_FORK) && task_idx(a, ev->pid2) >= 0);
}

/* The root appears without a fork event (trace started late): create it at first sight. */
static void root_appear(struct ana *a, const struct rec_event *ev)
{
	s32 root = a->r->root_pid;

	if (a->started || (ev->type == REC_EV_FORK && ev->pid2 == root))
		return;
	if (ev->ctx_pid != root && ev->pid != root && !(ev->type == REC_EV_SWITCH && ev->pid2 == root))
		return;
	a->r->start_ns = ev->ts_ns;
	a->started = true;
	task_create(a, root, -1, ev->pid == root ? ev->comm : ev->comm2, 120, ev->ts_ns);
}

static void ana_event(struct ana *a, const struct rec_event *ev)
{
	bool before;

	root_appear(a, ev);
	before = ev_mentions(a, ev);
	cpu_check_ctx(a, ev);
	on_event(a, ev);
	a->cpu[ev->cpu].last_seen = MAX(a->cpu[ev->cpu].last_seen, ev->ts_ns);
	if (before || ev_mentions(a, ev)) {
		a->r->tree_events++;
		window_extend(a, ev->ts_ns);
	} else {
		a->r->noise_events++;
	}
}

/* ---- results -------------------------------------------------------------------------------- */

u64 rec_percentile(const u64 *sorted, int n, int per_mille)
{
	if (n <= 0)
		return 0;
	long rank = ((long)per_mille * n + 999) / 1000;
	return sorted[MAX(rank, 1) - 1];
}

/* Tasks alive at the end: close their intervals at the window's end. */
static void tasks_finish(struct ana *a)
{
	struct rec_result *r = a->r;

	for (int i = 0; i < r->nr_tasks; i++) {
		struct rec_task *k = &r->tasks[i];
		u64 end = MAX(r->end_ns, k->since_ns);
		if (k->st == T_RUNNING) {
			k->runtime_ns += end - k->since_ns;
			task_flush_run(a, k, end);
		} else if (k->st == T_RUNNABLE) {
			k->wait_ns += end - k->since_ns;
		}
	}
}

static int totals_finish(struct ana *a)
{
	struct rec_result *r = a->r;
	size_t n = 0;
	u64 *all;

	for (int i = 0; i < r->nr_tasks; i++)
		n += (size_t)r->tasks[i].nr_lat;
	all = malloc((n + 1) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	n = 0;
	for (int i = 0; i < r->nr_tasks; i++) {
		struct rec_task *k = &r->tasks[i];
		if (k->nr_lat)
			memcpy(all + n, k->lat, (size_t)k->nr_lat * sizeof(*all));
		n += (size_t)k->nr_lat;
	}
	qsort(all, n, sizeof(*all), cmp_u64);
	r->lat = (struct rec_pct){ rec_percentile(all, (int)n, 500), rec_percentile(all, (int)n, 990),
				   rec_percentile(all, (int)n, 999), n ? all[n - 1] : 0, n };
	free(all);
	for (u32 i = 0; i < a->noise.cap; i++)
		if (a->noise.key[i] != -1 && a->noise.val[i] && a->noise.val[i] - 1 <= r->end_ns)
			r->noise_tasks++;
	return 0;
}

/* Is name taken by one of the first n tasks? */
static bool name_taken(const struct rec_result *r, int n, const char *name)
{
	for (int j = 0; j < n; j++)
		if (!strcmp(r->tasks[j].name, name))
			return true;
	return false;
}

/*
 * Unique replay names: the comm, then comm-2, comm-3, ... for later tasks with the same comm.
 * A name is at most REC_COMM_LEN - 1 characters, as a simulated task's comm (TASK_COMM_LEN)
 * holds it, so `diff` finds the task again: a long comm is cut to leave room for the suffix.
 */
static void tasks_name(struct rec_result *r)
{
	for (int i = 0; i < r->nr_tasks; i++) {
		char *name = r->tasks[i].name, sfx[16] = "";
		int same = 1;
		for (int j = 0; j < i; j++)
			same += !strcmp(r->tasks[j].comm, r->tasks[i].comm);
		for (int n = same; n == same || name_taken(r, i, name); n++) {
			if (n > 1)
				snprintf(sfx, sizeof(sfx), "-%d", n);
			else
				sfx[0] = 0;
			int room = REC_COMM_LEN - 1 - (int)strlen(sfx);
			snprintf(name, sizeof(r->tasks[i].name), "%.*s%s", room, r->tasks[i].comm, sfx);
		}
	}
}

static int result_init(struct rec_result *r, const struct rec_trace *t, const struct rec_opts *o,
		       char *err, size_t errlen)
{
	r->nr_cpus = MAX(t->nr_cpus, 1);
	r->root_pid = o && o->root_pid ? o->root_pid : t->root_pid;
	snprintf(r->command, sizeof(r->command), "%s", t->command);
	snprintf(r->source, sizeof(r->source), "%s", t->name);
	r->nr_events = (u64)t->nr_ev;
	r->malformed_lines = t->nr_malformed;
	r->lost_events = t->lost_events;
	r->overruns = t->overruns;
	r->dropped = t->dropped;
	r->late_start = t->late_start;
	if (r->root_pid <= 0) {
		snprintf(err, errlen, "%s: no root pid: the trace has no '# scxsim-record: root_pid=N' "
			 "line; give --root-pid N", t->name);
		return -EINVAL;
	}
	return 0;
}

int rec_analyze(const struct rec_trace *t, const struct rec_opts *o, struct rec_result **out,
		char *err, size_t errlen)
{
	return rec_analyze_costs(t, o, NULL, out, NULL, err, errlen);
}

int rec_analyze_costs(const struct rec_trace *t, const struct rec_opts *o,
		      const struct rec_costs *costs, struct rec_result **out,
		      struct rec_extra *extra, char *err, size_t errlen)
{
	struct ana a = { .t = t, .costs = costs ? *costs : (struct rec_costs){ 0 } };
	int rc;

	*out = NULL;
	a.r = calloc(1, sizeof(*a.r));
	if (!a.r)
		goto nomem;
	rc = result_init(a.r, t, o, err, errlen);
	if (rc)
		goto fail;
	a.cpu = calloc((size_t)a.r->nr_cpus, sizeof(*a.cpu));
	if (!a.cpu)
		goto nomem;
	rc = recon_calibrate(&a);
	if (o && o->fixed_delay)
		a.r->recon_delay_ns = o->recon_delay_ns;
	for (int i = 0; i < t->nr_ev && !rc && !a.err; i++)
		ana_event(&a, &t->ev[i]);
	rc = rc ?: a.err;
	if (!rc)
		tasks_finish(&a);
	rc = rc ?: a.err ?: totals_finish(&a);
	if (rc)
		goto nomem;
	if (!a.started) {
		snprintf(err, errlen, "%s: root pid %d never appears in the trace", t->name,
			 a.r->root_pid);
		rc = -EINVAL;
		goto fail;
	}
	tasks_name(a.r);
	if (extra)
		*extra = (struct rec_extra){ .noise_preemptions = a.noise_preempt,
					     .costs = a.costs };
	*out = a.r;
	a.r = NULL;
	goto out;
nomem:
	snprintf(err, errlen, "%s: out of memory", t->name);
	rc = -ENOMEM;
fail:
	rec_result_free(a.r);
out:
	free(a.cpu);
	pmap_free(&a.tree);
	pmap_free(&a.wake);
	pmap_free(&a.noise);
	pmap_free(&a.waking);
	free(a.debt);
	free(a.last_cpu);
	return rc;
}

void rec_result_free(struct rec_result *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nr_tasks; i++) {
		free(r->tasks[i].lat);
		free(r->tasks[i].steps);
	}
	free(r->tasks);
	free(r);
}
