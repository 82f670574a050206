/*
 * rt.c — the rt class: SCHED_FIFO and SCHED_RR with 99 priority levels (kernel/sched/rt.c).
 * Each rq keeps one FIFO list per priority and a bitmap of non-empty levels; the highest level
 * runs. SCHED_RR tasks rotate to the tail of their level when their timeslice expires.
 *
 * Placement (push): a waking rt task goes to its previous CPU unless that CPU runs rt work of
 * equal or higher priority; then to the CPU running the lowest-priority work it may use
 * (idle first, then non-rt, preferring its LLC) — find_lowest_rq. Pull: before a CPU picks
 * something below rt, it takes a waiting rt task from an rt-overloaded CPU, so an rt task runs
 * as soon as any CPU it may use is free of higher rt work.
 */
#include "machine_int.h"

static inline int rt_idx(const struct task_struct *p)
{
	return 99 - p->rt_prio; /* 0 = highest priority (99) */
}

static int rt_highest(const struct rt_rq *rt)
{
	if (rt->bitmap[0])
		return __builtin_ctzll(rt->bitmap[0]);
	if (rt->bitmap[1])
		return 64 + __builtin_ctzll(rt->bitmap[1]);
	return -1;
}

static void rt_list_add(struct rt_rq *rt, struct task_struct *p, bool head)
{
	int i = rt_idx(p);

	p->rt.next = p->rt.prev = NULL;
	if (!rt->head[i]) {
		rt->head[i] = rt->tail[i] = p;
	} else if (head) {
		p->rt.next = rt->head[i];
		rt->head[i]->rt.prev = p;
		rt->head[i] = p;
	} else {
		p->rt.prev = rt->tail[i];
		rt->tail[i]->rt.next = p;
		rt->tail[i] = p;
	}
	rt->bitmap[i / 64] |= 1ULL << (i % 64);
}

static void rt_list_del(struct rt_rq *rt, struct task_struct *p)
{
	int i = rt_idx(p);

	if (p->rt.prev)
		p->rt.prev->rt.next = p->rt.next;
	else
		rt->head[i] = p->rt.next;
	if (p->rt.next)
		p->rt.next->rt.prev = p->rt.prev;
	else
		rt->tail[i] = p->rt.prev;
	p->rt.next = p->rt.prev = NULL;
	if (!rt->head[i])
		rt->bitmap[i / 64] &= ~(1ULL << (i % 64));
}

/* rt tasks queued here and not running. */
static void update_rt_overload(struct rq *rq)
{
	u32 waiting = rq->rt.nr_running;

	if (rq->curr && rq->curr->sched_class == &rt_sched_class && rq->curr->on_rq)
		waiting--;
	if (waiting)
		cpumask_set(&rq->m->rt_overloaded, rq->cpu);
	else
		cpumask_unset(&rq->m->rt_overloaded, rq->cpu);
}

/* The queue holds every runnable rt task, curr included (as in the kernel). */
static void enqueue_task_rt(struct rq *rq, struct task_struct *p, int flags)
{
	if (p->policy == WL_POLICY_RR && !p->rt.time_slice)
		p->rt.time_slice = rq->m->p.rr_timeslice_ns;
	rt_list_add(&rq->rt, p, false);
	p->rt.on_rq = true;
	rq->rt.nr_running++;
	update_rt_overload(rq);
}

static void dequeue_task_rt(struct rq *rq, struct task_struct *p, int flags)
{
	rt_list_del(&rq->rt, p);
	p->rt.on_rq = false;
	rq->rt.nr_running--;
	update_rt_overload(rq);
}

static void requeue_task_rt(struct rq *rq, struct task_struct *p)
{
	rt_list_del(&rq->rt, p);
	rt_list_add(&rq->rt, p, false);
}

static void yield_task_rt(struct rq *rq)
{
	requeue_task_rt(rq, rq->curr);
}

static void wakeup_preempt_rt(struct rq *rq, struct task_struct *p, int wake_flags)
{
	if (p->rt_prio > rq->curr->rt_prio)
		resched_curr(rq);
}

static struct task_struct *pick_task_rt(struct rq *rq)
{
	int i = rt_highest(&rq->rt);

	return i < 0 ? NULL : rq->rt.head[i];
}

static void put_prev_task_rt(struct rq *rq, struct task_struct *prev)
{
	update_rt_overload(rq);
}

static void set_next_task_rt(struct rq *rq, struct task_struct *p)
{
	update_rt_overload(rq);
}

/* Priority of the work a CPU runs, for placement: higher = busier with important work. */
static int cpu_prio(struct rq *rq)
{
	if (!rq->curr && !rq->nr_running)
		return -2;
	if (!rq->curr || rq->curr->sched_class != &rt_sched_class)
		return -1;
	return rq->curr->rt_prio;
}

/* find_lowest_rq: an allowed CPU running the lowest-priority work below p, LLC first. */
static int find_lowest_cpu(struct task_struct *p, int prev)
{
	struct machine *m = p->m;
	int best = -1, best_prio = p->rt_prio, cpu;

	for_each_cpu(cpu, &p->cpus_mask) {
		if (cpu >= m->nr_cpus)
			break;
		struct rq *rq = cpu_rq(m, cpu);
		int pr = cpu_prio(rq);
		if (!rq->online || pr >= best_prio)
			continue;
		if (best >= 0 && pr == best_prio && !cpus_share_llc(m, cpu, prev))
			continue;
		best = cpu;
		best_prio = pr;
	}
	return best;
}

static int select_task_rq_rt(struct task_struct *p, int prev_cpu, int wake_flags)
{
	struct machine *m = p->m;
	struct rq *rq;
	int cpu;

	if (prev_cpu < 0 || !cpumask_test(&p->cpus_mask, prev_cpu))
		prev_cpu = cpumask_first(&p->cpus_mask);
	rq = cpu_rq(m, prev_cpu);
	if (rq->curr && rq->curr->sched_class == &rt_sched_class && rq->curr->rt_prio >= p->rt_prio) {
		cpu = find_lowest_cpu(p, prev_cpu);
		if (cpu >= 0)
			return cpu;
	} else if (rq->rt.nr_running && rt_highest(&rq->rt) <= 99 - p->rt_prio) {
		cpu = find_lowest_cpu(p, prev_cpu);
		if (cpu >= 0)
			return cpu;
	}
	return prev_cpu;
}

static void task_tick_rt(struct rq *rq, struct task_struct *p)
{
	u64 tick = rq->m->tick_ns;

	if (p->policy != WL_POLICY_RR)
		return;
	if (p->rt.time_slice > tick) {
		p->rt.time_slice -= tick;
		return;
	}
	p->rt.time_slice = rq->m->p.rr_timeslice_ns;
	if (rq->rt.head[rt_idx(p)] != rq->rt.tail[rt_idx(p)]) {
		requeue_task_rt(rq, p);
		resched_curr(rq);
	}
}

/* pull_rt_task: before rq picks below rt, take a higher waiting rt task from elsewhere. */
void rt_check_pull(struct rq *rq)
{
	struct machine *m = rq->m;
	int cpu, mine = rt_highest(&rq->rt);

	if (cpumask_empty(&m->rt_overloaded))
		return;
	for_each_cpu(cpu, &m->rt_overloaded) {
		struct rq *src = cpu_rq(m, cpu);
		if (cpu == rq->cpu)
			continue;
		for (struct task_struct *p = src->rt.head[rt_highest(&src->rt)]; p; p = p->rt.next) {
			if (p->on_cpu || !cpumask_test(&p->cpus_mask, rq->cpu))
				continue;
			if (mine >= 0 && rt_idx(p) >= mine)
				break;
			migrate_task(p, rq->cpu);
			return;
		}
	}
}

const struct sched_class rt_sched_class = {
	.name = "rt",
	.rank = 1,
	.enqueue = enqueue_task_rt,
	.dequeue = dequeue_task_rt,
	.yield = yield_task_rt,
	.wakeup_preempt = wakeup_preempt_rt,
	.pick_task = pick_task_rt,
	.put_prev = put_prev_task_rt,
	.set_next = set_next_task_rt,
	.select_cpu = select_task_rq_rt,
	.tick = task_tick_rt,
};
