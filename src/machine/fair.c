/*
 * fair.c — the fair class: EEVDF as in Linux 6.12 (kernel/sched/fair.c), with group scheduling
 * (cgroup cpu.weight), wake-up CPU selection and load balancing.
 *
 * EEVDF: every entity has a virtual runtime v (runtime scaled by NICE_0_LOAD / weight) and a
 * virtual deadline d = v + slice * NICE_0_LOAD / weight. An entity is eligible when its lag
 * V - v >= 0, V being the load-weighted average vruntime of its cfs_rq; the scheduler picks the
 * eligible entity with the earliest deadline. Queued entities (curr excluded) live in a treap
 * ordered by (deadline, id) and augmented with each subtree's minimum vruntime, so the pick is
 * O(log n). Features modelled: PLACE_LAG, PLACE_DEADLINE_INITIAL, RUN_TO_PARITY, wake-up
 * preemption via pick_eevdf, SCHED_IDLE/SCHED_BATCH rules. Not modelled (docs/model.md):
 * DELAY_DEQUEUE, PELT load averages (instantaneous weights are used), custom slices.
 *
 * Groups: a cgroup has one cfs_rq and one group entity per CPU; the group entity's weight is
 * tg->shares * (its cfs_rq load) / (the group's load on all CPUs), clamped to [2, shares]
 * (calc_group_shares with instantaneous loads), updated on enqueue, dequeue and tick.
 *
 * Balancing: wake-ups pick prev / an idle CPU (idle core first) in the LLC (select_idle_sibling);
 * a CPU about to go idle pulls a waiting task from the busiest CPU of its smallest domain that
 * has one (SMT, LLC, node, machine); a busy CPU's tick kicks an idle CPU when tasks wait (the
 * nohz idle-balance kick); periodic balancing in the tick evens out runnable counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "machine_int.h"

#define NICE_0_LOAD (1024ULL << 10)
#define MIN_SHARES (2ULL << 10)
#define WEIGHT_IDLEPRIO 3

static const u32 prio_to_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
	1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
	110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

u64 nice_to_weight(int nice)
{
	if (nice < -20)
		nice = -20;
	if (nice > 19)
		nice = 19;
	return (u64)prio_to_weight[nice + 20] << 10;
}

static inline u64 scale_down(u64 w)
{
	u64 d = w >> 10;
	return d > 2 ? d : 2;
}

static inline u64 calc_delta_fair(u64 delta, const struct sched_entity *se)
{
	if (se->weight == NICE_0_LOAD)
		return delta;
	return (u64)(((unsigned __int128)delta * NICE_0_LOAD) / se->weight);
}

static inline struct cfs_rq *cfs_rq_of(struct sched_entity *se)
{
	return se->cfs_rq;
}

static inline bool entity_is_task(const struct sched_entity *se)
{
	return !se->my_q;
}

static inline s64 entity_key(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	return (s64)(se->vruntime - cfs_rq->min_vruntime);
}

/* ---- the treap ------------------------------------------------------------------------- */

static inline bool se_before(const struct sched_entity *a, const struct sched_entity *b)
{
	if (a->deadline != b->deadline)
		return (s64)(a->deadline - b->deadline) < 0;
	return a->id < b->id;
}

static inline void se_update(struct sched_entity *se)
{
	u64 mv = se->vruntime;

	if (se->left && (s64)(se->left->min_vruntime - mv) < 0)
		mv = se->left->min_vruntime;
	if (se->right && (s64)(se->right->min_vruntime - mv) < 0)
		mv = se->right->min_vruntime;
	se->min_vruntime = mv;
}

/* Split t into (< k) and (>= k). */
static void treap_split(struct sched_entity *t, struct sched_entity *k,
			struct sched_entity **l, struct sched_entity **r)
{
	if (!t) {
		*l = *r = NULL;
	} else if (se_before(t, k)) {
		treap_split(t->right, k, &t->right, r);
		se_update(t);
		*l = t;
	} else {
		treap_split(t->left, k, l, &t->left);
		se_update(t);
		*r = t;
	}
}

static struct sched_entity *treap_merge(struct sched_entity *l, struct sched_entity *r)
{
	if (!l)
		return r;
	if (!r)
		return l;
	if (l->tprio > r->tprio) {
		l->right = treap_merge(l->right, r);
		se_update(l);
		return l;
	}
	r->left = treap_merge(l, r->left);
	se_update(r);
	return r;
}

static struct sched_entity *treap_insert(struct sched_entity *t, struct sched_entity *n)
{
	if (!t) {
		n->left = n->right = NULL;
		se_update(n);
		return n;
	}
	if (n->tprio > t->tprio) {
		treap_split(t, n, &n->left, &n->right);
		se_update(n);
		return n;
	}
	if (se_before(n, t))
		t->left = treap_insert(t->left, n);
	else
		t->right = treap_insert(t->right, n);
	se_update(t);
	return t;
}

static struct sched_entity *treap_remove(struct sched_entity *t, struct sched_entity *n)
{
	if (!t)
		return NULL;
	if (t == n) {
		struct sched_entity *r = treap_merge(t->left, t->right);
		n->left = n->right = NULL;
		return r;
	}
	if (se_before(n, t))
		t->left = treap_remove(t->left, n);
	else
		t->right = treap_remove(t->right, n);
	se_update(t);
	return t;
}

static struct sched_entity *treap_first(struct sched_entity *t)
{
	while (t && t->left)
		t = t->left;
	return t;
}

/* ---- avg_vruntime and eligibility ------------------------------------------------------- */

static void avg_vruntime_add(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	u64 w = scale_down(se->weight);

	cfs_rq->avg_vruntime += entity_key(cfs_rq, se) * (s64)w;
	cfs_rq->avg_load += w;
}

static void avg_vruntime_sub(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	u64 w = scale_down(se->weight);

	cfs_rq->avg_vruntime -= entity_key(cfs_rq, se) * (s64)w;
	cfs_rq->avg_load -= w;
}

/* The tree's weighted key sum and load, with curr (kept out of the tree) added in. */
static void avg_with_curr(struct cfs_rq *cfs_rq, s64 *avg, s64 *load)
{
	struct sched_entity *curr = cfs_rq->curr;

	*avg = cfs_rq->avg_vruntime;
	*load = (s64)cfs_rq->avg_load;
	if (curr && curr->on_rq) {
		u64 w = scale_down(curr->weight);
		*avg += entity_key(cfs_rq, curr) * (s64)w;
		*load += w;
	}
}

static u64 avg_vruntime(struct cfs_rq *cfs_rq)
{
	s64 avg, load;

	avg_with_curr(cfs_rq, &avg, &load);
	if (load) {
		if (avg < 0)
			avg -= load - 1;
		avg /= load;
	}
	return cfs_rq->min_vruntime + avg;
}

static bool vruntime_eligible(struct cfs_rq *cfs_rq, u64 vruntime)
{
	s64 avg, load;

	avg_with_curr(cfs_rq, &avg, &load);
	return avg >= (s64)(vruntime - cfs_rq->min_vruntime) * load;
}

static inline bool entity_eligible(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	return vruntime_eligible(cfs_rq, se->vruntime);
}

static void update_min_vruntime(struct cfs_rq *cfs_rq)
{
	struct sched_entity *root = cfs_rq->root, *curr = cfs_rq->curr;
	u64 v = cfs_rq->min_vruntime;
	s64 delta;

	if (curr) {
		if (curr->on_rq)
			v = curr->vruntime;
		else
			curr = NULL;
	}
	if (root) {
		if (!curr || (s64)(root->min_vruntime - v) < 0)
			v = root->min_vruntime;
	}
	delta = (s64)(v - cfs_rq->min_vruntime);
	if (delta > 0) {
		cfs_rq->avg_vruntime -= (s64)cfs_rq->avg_load * delta;
		cfs_rq->min_vruntime = v;
	}
}

static void enqueue_tree(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	avg_vruntime_add(cfs_rq, se);
	cfs_rq->root = treap_insert(cfs_rq->root, se);
}

static void dequeue_tree(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	cfs_rq->root = treap_remove(cfs_rq->root, se);
	avg_vruntime_sub(cfs_rq, se);
}

/* ---- load and group shares ------------------------------------------------------------- */

static void cfs_load_add(struct cfs_rq *cfs_rq, s64 delta)
{
	cfs_rq->load += delta;
	if (cfs_rq->tg)
		cfs_rq->tg->load_sum += delta;
}

static void reweight_entity(struct cfs_rq *cfs_rq, struct sched_entity *se, u64 weight)
{
	bool curr = cfs_rq->curr == se;
	u64 old = se->weight;

	if (weight == old)
		return;
	if (se->on_rq) {
		u64 avr = avg_vruntime(cfs_rq);
		s64 vlag, vslice;

		if (!curr)
			dequeue_tree(cfs_rq, se);
		cfs_load_add(cfs_rq, -(s64)old);
		vlag = (s64)(avr - se->vruntime);
		vlag = (s64)(((__int128)vlag * (s64)old) / (s64)weight);
		se->vruntime = avr - vlag;
		vslice = (s64)(se->deadline - avr);
		vslice = (s64)(((__int128)vslice * (s64)old) / (s64)weight);
		se->deadline = avr + vslice;
		se->weight = weight;
		cfs_load_add(cfs_rq, (s64)weight);
		if (!curr)
			enqueue_tree(cfs_rq, se);
		update_min_vruntime(cfs_rq);
	} else {
		se->vlag = (s64)(((__int128)se->vlag * (s64)old) / (s64)weight);
		se->weight = weight;
	}
}

/* calc_group_shares with instantaneous loads. */
static void update_cfs_group(struct sched_entity *se)
{
	struct cfs_rq *gcfs = se->my_q;
	struct cgroup *tg;
	u64 load, tg_weight, shares;

	if (!gcfs)
		return;
	tg = gcfs->tg;
	load = gcfs->load;
	tg_weight = tg->load_sum;
	shares = tg->shares;
	if (tg_weight)
		shares = (u64)(((unsigned __int128)tg->shares * load) / tg_weight);
	if (shares < MIN_SHARES)
		shares = MIN_SHARES;
	if (shares > tg->shares)
		shares = tg->shares;
	reweight_entity(cfs_rq_of(se), se, shares);
}

/* ---- entity operations ----------------------------------------------------------------- */

static bool update_deadline(struct machine *m, struct sched_entity *se)
{
	if ((s64)(se->vruntime - se->deadline) < 0)
		return false;
	se->slice = m->base_slice;
	se->deadline = se->vruntime + calc_delta_fair(se->slice, se);
	return true;
}

static void update_curr(struct cfs_rq *cfs_rq)
{
	struct sched_entity *curr = cfs_rq->curr;
	struct machine *m = cfs_rq->rq->m;
	u64 now = m->sim.now, delta;

	if (!curr)
		return;
	delta = now - curr->exec_start;
	if ((s64)delta <= 0)
		return;
	curr->exec_start = now;
	curr->sum_exec_runtime += delta;
	curr->vruntime += calc_delta_fair(delta, curr);
	bool resched = update_deadline(m, curr);
	update_min_vruntime(cfs_rq);
	if (cfs_rq->nr_running > 1 && resched)
		resched_curr(cfs_rq->rq);
}

static void place_entity(struct cfs_rq *cfs_rq, struct sched_entity *se, int flags)
{
	struct machine *m = cfs_rq->rq->m;
	u64 vruntime = avg_vruntime(cfs_rq), vslice;
	s64 lag = 0;

	se->slice = m->base_slice;
	vslice = calc_delta_fair(se->slice, se);
	if (cfs_rq->nr_running && se->vlag) {
		struct sched_entity *curr = cfs_rq->curr;
		s64 load = (s64)cfs_rq->avg_load;

		if (curr && curr->on_rq)
			load += scale_down(curr->weight);
		lag = se->vlag;
		if (!load)
			load = 1;
		lag = (s64)(((__int128)lag * (load + (s64)scale_down(se->weight))) / load);
	}
	se->vruntime = vruntime - lag;
	if (flags & ENQUEUE_INITIAL)
		vslice /= 2;
	se->deadline = se->vruntime + vslice;
}

static void update_entity_lag(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	struct machine *m = cfs_rq->rq->m;
	s64 lag = (s64)(avg_vruntime(cfs_rq) - se->vruntime);
	s64 limit = (s64)calc_delta_fair(MAX(2 * se->slice, m->tick_ns), se);

	se->vlag = lag < -limit ? -limit : lag > limit ? limit : lag;
}

static void enqueue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se, int flags)
{
	bool curr = cfs_rq->curr == se;

	if (curr)
		place_entity(cfs_rq, se, flags);
	update_curr(cfs_rq);
	update_cfs_group(se);
	if (!curr)
		place_entity(cfs_rq, se, flags);
	cfs_load_add(cfs_rq, (s64)se->weight);
	cfs_rq->nr_running++;
	if (!curr)
		enqueue_tree(cfs_rq, se);
	se->on_rq = true;
}

static void dequeue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se, int flags)
{
	update_curr(cfs_rq);
	update_entity_lag(cfs_rq, se);
	if (se != cfs_rq->curr)
		dequeue_tree(cfs_rq, se);
	se->on_rq = false;
	cfs_load_add(cfs_rq, -(s64)se->weight);
	cfs_rq->nr_running--;
	update_cfs_group(se);
	if (!(flags & DEQUEUE_SAVE))
		update_min_vruntime(cfs_rq);
}

static void set_next_entity(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	if (se->on_rq) {
		dequeue_tree(cfs_rq, se);
		se->vlag = (s64)se->deadline; /* RUN_TO_PARITY: protect this slice */
	}
	cfs_rq->curr = se;
	se->exec_start = cfs_rq->rq->m->sim.now;
}

static void put_prev_entity(struct cfs_rq *cfs_rq, struct sched_entity *prev)
{
	if (prev->on_rq) {
		update_curr(cfs_rq);
		enqueue_tree(cfs_rq, prev);
	}
	cfs_rq->curr = NULL;
}

static struct sched_entity *pick_eevdf(struct cfs_rq *cfs_rq)
{
	struct sched_entity *node = cfs_rq->root, *first = treap_first(cfs_rq->root);
	struct sched_entity *curr = cfs_rq->curr, *best = NULL;

	if (cfs_rq->nr_running == 1)
		return curr && curr->on_rq ? curr : first;
	if (curr && (!curr->on_rq || !entity_eligible(cfs_rq, curr)))
		curr = NULL;
	if (curr && curr->vlag == (s64)curr->deadline)
		return curr; /* RUN_TO_PARITY */
	if (first && entity_eligible(cfs_rq, first)) {
		best = first;
	} else {
		while (node) {
			if (node->left && vruntime_eligible(cfs_rq, node->left->min_vruntime)) {
				node = node->left;
				continue;
			}
			if (entity_eligible(cfs_rq, node)) {
				best = node;
				break;
			}
			node = node->right;
		}
	}
	if (!best || (curr && se_before(curr, best)))
		best = curr;
	return best ? best : first;
}

/* ---- rq bookkeeping: waiting-task list and overload mask ------------------------------- */

static void cfs_list_add(struct rq *rq, struct task_struct *p)
{
	p->cfs_prev = NULL;
	p->cfs_next = rq->cfs_head;
	if (rq->cfs_head)
		rq->cfs_head->cfs_prev = p;
	rq->cfs_head = p;
}

static void cfs_list_del(struct rq *rq, struct task_struct *p)
{
	if (p->cfs_prev)
		p->cfs_prev->cfs_next = p->cfs_next;
	else
		rq->cfs_head = p->cfs_next;
	if (p->cfs_next)
		p->cfs_next->cfs_prev = p->cfs_prev;
	p->cfs_next = p->cfs_prev = NULL;
}

/* Fair tasks queued on rq that are not running. */
static u32 cfs_waiting(struct rq *rq)
{
	u32 n = rq->cfs.h_nr_running;

	if (rq->curr && rq->curr->sched_class == &fair_sched_class && rq->curr->on_rq)
		n--;
	return n;
}

/* Tasks wait here for a CPU: something runs already (a task just woken onto an idle CPU, its
 * resched on the way, is not waiting for another CPU to pull it). */
static void update_overload(struct rq *rq)
{
	if (cfs_waiting(rq) && rq->nr_running >= 2)
		cpumask_set(&rq->m->overloaded, rq->cpu);
	else
		cpumask_unset(&rq->m->overloaded, rq->cpu);
}

/* ---- class operations ------------------------------------------------------------------ */

static void enqueue_task_fair(struct rq *rq, struct task_struct *p, int flags)
{
	struct sched_entity *se = &p->se;

	for (; se; se = se->parent) {
		if (se->on_rq)
			break;
		enqueue_entity(cfs_rq_of(se), se, flags);
		cfs_rq_of(se)->h_nr_running++;
		flags = ENQUEUE_WAKEUP;
	}
	for (; se; se = se->parent) {
		update_curr(cfs_rq_of(se));
		update_cfs_group(se);
		cfs_rq_of(se)->h_nr_running++;
	}
	cfs_list_add(rq, p);
	update_overload(rq);
}

static void dequeue_task_fair(struct rq *rq, struct task_struct *p, int flags)
{
	struct sched_entity *se = &p->se;

	for (; se; se = se->parent) {
		struct cfs_rq *cfs_rq = cfs_rq_of(se);
		dequeue_entity(cfs_rq, se, flags);
		cfs_rq->h_nr_running--;
		if (cfs_rq->load) {
			se = se->parent;
			break;
		}
		flags |= DEQUEUE_SLEEP;
	}
	for (; se; se = se->parent) {
		update_curr(cfs_rq_of(se));
		update_cfs_group(se);
		cfs_rq_of(se)->h_nr_running--;
	}
	cfs_list_del(rq, p);
	update_overload(rq);
}

static struct task_struct *pick_task_fair(struct rq *rq)
{
	struct cfs_rq *cfs_rq = &rq->cfs;
	struct sched_entity *se;

	if (!cfs_rq->nr_running)
		return NULL;
	do {
		if (cfs_rq->curr && cfs_rq->curr->on_rq)
			update_curr(cfs_rq);
		se = pick_eevdf(cfs_rq);
		if (!se)
			return NULL;
		cfs_rq = se->my_q;
	} while (cfs_rq);
	return task_of(se);
}

static void put_prev_task_fair(struct rq *rq, struct task_struct *prev)
{
	for (struct sched_entity *se = &prev->se; se; se = se->parent)
		put_prev_entity(cfs_rq_of(se), se);
	update_overload(rq);
}

static void set_next_task_fair(struct rq *rq, struct task_struct *p)
{
	for (struct sched_entity *se = &p->se; se; se = se->parent)
		set_next_entity(cfs_rq_of(se), se);
	update_overload(rq);
}

static void update_curr_fair(struct rq *rq)
{
	update_curr(cfs_rq_of(&rq->curr->se));
}

static bool se_is_idle(struct sched_entity *se)
{
	return entity_is_task(se) && task_of(se)->policy == WL_POLICY_IDLE;
}

static void wakeup_preempt_fair(struct rq *rq, struct task_struct *p, int wake_flags)
{
	struct sched_entity *se = &rq->curr->se, *pse = &p->se;

	if (se == pse || rq->need_resched)
		return;
	/* find_matching_se: walk both up to a common cfs_rq */
	while (se->depth > pse->depth)
		se = se->parent;
	while (pse->depth > se->depth)
		pse = pse->parent;
	while (cfs_rq_of(se) != cfs_rq_of(pse)) {
		se = se->parent;
		pse = pse->parent;
	}
	if (se_is_idle(se) && !se_is_idle(pse))
		goto preempt;
	if (se_is_idle(se) != se_is_idle(pse))
		return;
	if (p->policy == WL_POLICY_BATCH || p->policy == WL_POLICY_IDLE)
		return;
	update_curr(cfs_rq_of(se));
	if (pick_eevdf(cfs_rq_of(se)) == pse)
		goto preempt;
	return;
preempt:
	resched_curr(rq);
}

static void yield_task_fair(struct rq *rq)
{
	struct sched_entity *se = &rq->curr->se;

	if (rq->nr_running == 1)
		return;
	update_curr(cfs_rq_of(se));
	se->deadline += calc_delta_fair(se->slice, se);
}

/* ---- CPU selection --------------------------------------------------------------------- */

static inline bool cpu_idle(struct machine *m, int cpu)
{
	return cpumask_test(&m->idle, cpu);
}

static int mask_next_wrap(const struct cpumask *mk, int start, int nr_cpus)
{
	int c = cpumask_next(mk, start);

	if (c < 0 || c >= nr_cpus)
		c = cpumask_first(mk);
	return c;
}

/* An idle CPU in target's LLC for p: idle core first, then any idle CPU; -1 if none. */
int fair_select_idle(struct machine *m, struct task_struct *p, int target)
{
	const struct topo *t = m->topo;
	struct cpumask cand;
	int cpu;

	cpumask_and(&cand, &t->llc_mask[t->cpus[target].llc], &m->idle);
	cpumask_and(&cand, &cand, &p->cpus_mask);
	if (cpumask_empty(&cand))
		return -1;
	if (t->nr_cores < t->nr_cpus) {
		for_each_cpu(cpu, &cand) {
			struct cpumask core;
			cpumask_and(&core, &t->smt[cpu], &m->idle);
			if (cpumask_equal(&core, &t->smt[cpu]))
				return cpu;
		}
	}
	return mask_next_wrap(&cand, target + 1, m->nr_cpus);
}

static int select_idle_sibling(struct machine *m, struct task_struct *p, int prev, int target)
{
	int cpu;

	if (cpu_idle(m, target) && cpumask_test(&p->cpus_mask, target))
		return target;
	if (prev != target && cpus_share_llc(m, prev, target) && cpu_idle(m, prev) &&
	    cpumask_test(&p->cpus_mask, prev))
		return prev;
	cpu = fair_select_idle(m, p, target);
	return cpu >= 0 ? cpu : target;
}

/* New task: an idle allowed CPU (round robin over the machine), else the least loaded. */
static int select_fork_cpu(struct machine *m, struct task_struct *p)
{
	struct cpumask cand;
	int cpu, best = -1;
	u32 best_nr = ~0u;

	cpumask_and(&cand, &m->idle, &p->cpus_mask);
	if (!cpumask_empty(&cand)) {
		cpu = mask_next_wrap(&cand, m->fork_rr, m->nr_cpus);
		m->fork_rr = cpu + 1;
		return cpu;
	}
	for_each_cpu(cpu, &p->cpus_mask) {
		if (cpu >= m->nr_cpus)
			break;
		u32 nr = cpu_rq(m, cpu)->nr_running;
		if (nr < best_nr) {
			best_nr = nr;
			best = cpu;
		}
	}
	return best;
}

static int select_task_rq_fair(struct task_struct *p, int prev_cpu, int wake_flags)
{
	struct machine *m = p->m;
	int this_cpu = m->cur_cpu, target = prev_cpu;

	if (wake_flags & WF_FORK)
		return select_fork_cpu(m, p);
	if (prev_cpu < 0 || !cpumask_test(&p->cpus_mask, prev_cpu))
		target = prev_cpu = cpumask_first(&p->cpus_mask);
	if (this_cpu >= 0 && this_cpu != prev_cpu && cpumask_test(&p->cpus_mask, this_cpu) &&
	    !cpus_share_llc(m, this_cpu, prev_cpu)) {
		/* wake_affine: prefer the waker's CPU when it is idle or only runs the waker */
		if (cpu_idle(m, this_cpu) ||
		    ((wake_flags & WF_SYNC) && cpu_rq(m, this_cpu)->nr_running == 1))
			target = this_cpu;
		else if (!cpu_idle(m, prev_cpu) &&
			 cpu_rq(m, this_cpu)->nr_running < cpu_rq(m, prev_cpu)->nr_running)
			target = this_cpu;
	}
	return select_idle_sibling(m, p, prev_cpu, target);
}

/* ---- load balancing -------------------------------------------------------------------- */

/* The first waiting task on src that may run on dst at or before `at` in the list, walking
 * towards the most recently queued (at NULL: from the least recently queued). */
static struct task_struct *next_detachable(struct rq *src, int dst, struct task_struct *at)
{
	struct task_struct *p = at;

	if (!p)
		for (p = src->cfs_head; p && p->cfs_next; p = p->cfs_next)
			;
	for (; p; p = p->cfs_prev)
		if (!p->on_cpu && cpumask_test(&p->cpus_mask, dst))
			return p;
	return NULL;
}

static struct task_struct *detachable_task(struct rq *src, int dst)
{
	return next_detachable(src, dst, NULL);
}

/* p's share of its CPU's root load (the kernel's task_h_load, from instantaneous weights). */
static u64 task_h_load(struct task_struct *p)
{
	u64 load = p->se.weight;

	for (struct sched_entity *se = &p->se; se->parent; se = se->parent) {
		u64 group_load = cfs_rq_of(se)->load;

		load = load * se->parent->weight / (group_load ? group_load : 1);
	}
	return load ? load : 1;
}

#define BALANCE_SCAN_MAX 16

/*
 * Most loaded CPU with waiting fair tasks in span, excluding self. Looks at no more than
 * BALANCE_SCAN_MAX candidates, starting after self (like the kernel's bounded idle scans), so
 * balancing costs O(1) per call whatever the machine's size.
 */
static struct rq *find_busiest(struct machine *m, const struct cpumask *span, int self)
{
	struct cpumask cand;
	struct rq *busiest = NULL;
	int seen = 0;

	cpumask_and(&cand, span, &m->overloaded);
	cpumask_unset(&cand, self);
	/* two passes: the CPUs after self, then the ones before it */
	for (int pass = 0; pass < 2 && seen < BALANCE_SCAN_MAX; pass++) {
		int cpu = cpumask_next(&cand, pass ? 0 : self + 1);
		for (; cpu >= 0 && cpu < m->nr_cpus && seen < BALANCE_SCAN_MAX;
		     cpu = cpumask_next(&cand, cpu + 1)) {
			struct rq *rq;
			if (pass && cpu > self)
				break;
			rq = cpu_rq(m, cpu);
			if (!busiest || rq->cfs.load > busiest->cfs.load)
				busiest = rq;
			seen++;
		}
	}
	return busiest;
}

static const struct cpumask *domain_span(struct machine *m, int cpu, int level)
{
	const struct topo *t = m->topo;

	switch (level) {
	case 0: return &t->smt[cpu];
	case 1: return &t->llc_mask[t->cpus[cpu].llc];
	case 2: return &t->node_mask[t->cpus[cpu].node];
	default: return &t->all;
	}
}

/*
 * How many times a failing balance of this domain has halved the load a task may carry over
 * (the kernel's nr_balance_failed): one per busy balance interval, 16 x span-weight ms (its
 * busy_factor x min_interval), that the imbalance has lasted. Starts the clock if needed.
 */
static u32 balance_failures(struct rq *rq, int level, const struct cpumask *span)
{
	u64 now = rq->m->sim.now, interval = 16 * (u64)cpumask_weight(span) * NSEC_PER_MSEC;

	if (!rq->lb_fail_since[level]) {
		rq->lb_fail_since[level] = now ? now : 1;
		return 0;
	}
	return (u32)MIN((now - rq->lb_fail_since[level]) / interval, 10);
}

/*
 * Periodic balance of one domain against its busiest CPU: move waiting tasks, least recently
 * queued first, while the load imbalance (half the load difference) can take them. A task
 * heavier than what is left is skipped, unless failed balances have halved its load enough:
 * so a one-task imbalance between equal tasks is corrected after one busy interval, and then
 * back the other way, and N hogs on M < N CPUs share them evenly over time, as on Linux.
 */
static int pull_imbalance(struct rq *rq, struct rq *src, int level, const struct cpumask *span,
			  int n)
{
	u64 mine = rq->cfs.load, theirs = src->cfs.load;
	struct task_struct *p = NULL;
	s64 imb;
	u32 shift;
	int pulled = 0;

	if (theirs <= mine) {
		rq->lb_fail_since[level] = 0;
		return 0;
	}
	imb = (s64)(theirs - mine) / 2;
	shift = balance_failures(rq, level, span);
	p = next_detachable(src, rq->cpu, NULL);
	while (pulled < n && imb > 0 && p) {
		u64 load = task_h_load(p);
		struct task_struct *next = p->cfs_prev; /* the walk goes on from here */

		if ((s64)(load >> shift) <= imb) {
			migrate_task(p, rq->cpu);
			imb -= (s64)load;
			pulled++;
		}
		p = next ? next_detachable(src, rq->cpu, next) : NULL;
	}
	if (pulled)
		rq->lb_fail_since[level] = 0;
	return pulled;
}

/* Pull up to n waiting tasks from the busiest CPU of the smallest domain that has one:
 * periodic (`periodic`: by load imbalance) or about to idle (any waiting task). */
static int pull_tasks(struct rq *rq, int n, bool periodic)
{
	struct machine *m = rq->m;
	int pulled = 0;

	if (cpumask_empty(&m->overloaded)) {
		memset(rq->lb_fail_since, 0, sizeof(rq->lb_fail_since));
		return 0;
	}
	for (int level = 0; level < 4 && !pulled; level++) {
		const struct cpumask *span = domain_span(m, rq->cpu, level);
		struct rq *src = find_busiest(m, span, rq->cpu);

		if (!src) {
			rq->lb_fail_since[level] = 0;
			continue;
		}
		if (periodic) {
			pulled = pull_imbalance(rq, src, level, span, n);
			continue;
		}
		while (pulled < n) {
			struct task_struct *p = detachable_task(src, rq->cpu);
			if (!p)
				break;
			migrate_task(p, rq->cpu);
			pulled++;
		}
	}
	return pulled;
}

/* newidle balance */
static bool balance_fair(struct rq *rq)
{
	return pull_tasks(rq, 1, false) > 0;
}

/* nohz idle-balance kick: tasks wait here while a CPU they may use idles. */
void fair_nohz_kick(struct rq *rq)
{
	struct machine *m = rq->m;
	struct task_struct *p;
	struct cpumask cand;

	if (!cfs_waiting(rq) || cpumask_empty(&m->idle))
		return;
	p = detachable_task(rq, rq->cpu);
	if (!p)
		return;
	for (int level = 1; level < 4; level++) {
		cpumask_and(&cand, domain_span(m, rq->cpu, level), &m->idle);
		cpumask_and(&cand, &cand, &p->cpus_mask);
		int cpu = cpumask_first(&cand);
		if (cpu >= 0) {
			resched_curr(cpu_rq(m, cpu));
			return;
		}
	}
}

static void task_tick_fair(struct rq *rq, struct task_struct *curr)
{
	struct machine *m = rq->m;
	u64 interval;

	for (struct sched_entity *se = &curr->se; se; se = se->parent) {
		update_curr(cfs_rq_of(se));
		update_cfs_group(se);
	}
	/* periodic balance, staggered by CPU, every 4 ms of ticks */
	interval = MAX(1, 4 * NSEC_PER_MSEC / m->tick_ns);
	if ((rq->nr_ticks + rq->cpu) % interval == 0)
		pull_tasks(rq, 8, true);
}

const struct sched_class fair_sched_class = {
	.name = "fair",
	.rank = 2,
	.enqueue = enqueue_task_fair,
	.dequeue = dequeue_task_fair,
	.yield = yield_task_fair,
	.wakeup_preempt = wakeup_preempt_fair,
	.pick_task = pick_task_fair,
	.put_prev = put_prev_task_fair,
	.set_next = set_next_task_fair,
	.select_cpu = select_task_rq_fair,
	.tick = task_tick_fair,
	.update_curr = update_curr_fair,
	.balance = balance_fair,
};

/* ---- setup ----------------------------------------------------------------------------- */

static void se_init(struct machine *m, struct sched_entity *se)
{
	u64 x = ++m->next_se_id;

	se->id = x;
	se->tprio = rng_splitmix(&x);
}

void fair_init_rq(struct machine *m, struct rq *rq)
{
	rq->cfs.rq = rq;
}

/* Task entity: weight from nice/policy, placed under its group's cfs_rq on its CPU. */
void fair_task_init(struct machine *m, struct task_struct *p)
{
	struct sched_entity *se = &p->se;

	se_init(m, se);
	se->weight = p->policy == WL_POLICY_IDLE ? (WEIGHT_IDLEPRIO << 10) : nice_to_weight(p->nice);
	se->slice = m->base_slice;
}

/* Point p's entity at its group's cfs_rq of p->cpu (called whenever p->cpu changes). */
void fair_attach_cpu(struct task_struct *p)
{
	struct cgroup *tg = p->tg;
	int cpu = p->cpu;

	if (!tg || !tg->cfs_rq) {
		p->se.cfs_rq = &cpu_rq(p->m, cpu)->cfs;
		p->se.parent = NULL;
		p->se.depth = 0;
	} else {
		p->se.cfs_rq = &tg->cfs_rq[cpu];
		p->se.parent = &tg->se[cpu];
		p->se.depth = tg->level;
	}
}

/* Per-CPU cfs_rq and group entity of one non-root group; its parent's come first. */
int fair_tg_alloc(struct machine *m, struct cgroup *tg)
{
	tg->cfs_rq = calloc(m->nr_cpus, sizeof(*tg->cfs_rq));
	tg->se = calloc(m->nr_cpus, sizeof(*tg->se));
	if (!tg->cfs_rq || !tg->se)
		return -ENOMEM;
	for (int c = 0; c < m->nr_cpus; c++) {
		struct cfs_rq *cfs = &tg->cfs_rq[c];
		struct sched_entity *se = &tg->se[c];
		struct cgroup *parent = tg->parent;

		cfs->rq = cpu_rq(m, c);
		cfs->tg = tg;
		cfs->my_se = se;
		se_init(m, se);
		se->my_q = cfs;
		se->weight = tg->shares;
		se->slice = m->base_slice;
		se->depth = tg->level - 1;
		if (parent && parent->cfs_rq) {
			se->cfs_rq = &parent->cfs_rq[c];
			se->parent = &parent->se[c];
		} else {
			se->cfs_rq = &cpu_rq(m, c)->cfs;
		}
	}
	return 0;
}

/* Every non-root group of the machine at creation (parents come first). */
int tg_setup(struct machine *m)
{
	int e = 0;

	for (int i = 1; i < m->nr_tgs && !e; i++)
		e = fair_tg_alloc(m, m->tgs[i]);
	return e;
}

/*
 * tg->shares changed (a cpu.weight write): on every CPU, re-weigh the group's entity and the
 * ones above it, as the kernel's __sched_group_set_shares does (update_cfs_group up the tree,
 * each cfs_rq's curr charged first so the old weight covers the time before the write).
 */
void fair_tg_shares_changed(struct machine *m, struct cgroup *tg)
{
	if (!tg->se)
		return;
	for (int c = 0; c < m->nr_cpus; c++) {
		for (struct sched_entity *se = &tg->se[c]; se; se = se->parent) {
			update_curr(cfs_rq_of(se));
			update_cfs_group(se);
		}
	}
}
