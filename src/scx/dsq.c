/*
 * dsq.c — dispatch queues. A DSQ holds tasks either in FIFO order (a doubly linked list) or
 * ordered by p->scx.dsq_vtime (a treap keyed by (vtime, insertion sequence), O(log n)); a DSQ
 * holds one kind at a time, as upstream requires. Built-in DSQs (global, per-CPU local) are
 * always FIFO. User DSQs are created and destroyed by id and kept in an array sorted by id
 * (binary search; creation and destruction are rare, lookups are not).
 */
#include <errno.h>
#include <stdlib.h>
#include "scx_int.h"

void dsq_init(struct scx_dsq *dsq, u64 id, int cpu)
{
	*dsq = (struct scx_dsq){ .id = id, .cpu = cpu };
}

/* ---- vtime treap ------------------------------------------------------------------------ */

static inline bool pq_before(const struct task_struct *a, const struct task_struct *b)
{
	if (a->scx.dsq_vtime != b->scx.dsq_vtime)
		return (s64)(a->scx.dsq_vtime - b->scx.dsq_vtime) < 0;
	return a->scx.dsq_seq < b->scx.dsq_seq;
}

static void pq_split(struct task_struct *t, struct task_struct *k, struct task_struct **l,
		     struct task_struct **r)
{
	if (!t) {
		*l = *r = NULL;
	} else if (pq_before(t, k)) {
		pq_split(t->scx.pq_right, k, &t->scx.pq_right, r);
		*l = t;
	} else {
		pq_split(t->scx.pq_left, k, l, &t->scx.pq_left);
		*r = t;
	}
}

static struct task_struct *pq_merge(struct task_struct *l, struct task_struct *r)
{
	if (!l)
		return r;
	if (!r)
		return l;
	if (l->scx.pq_prio > r->scx.pq_prio) {
		l->scx.pq_right = pq_merge(l->scx.pq_right, r);
		return l;
	}
	r->scx.pq_left = pq_merge(l, r->scx.pq_left);
	return r;
}

static struct task_struct *pq_insert(struct task_struct *t, struct task_struct *n)
{
	if (!t)
		return n;
	if (n->scx.pq_prio > t->scx.pq_prio) {
		pq_split(t, n, &n->scx.pq_left, &n->scx.pq_right);
		return n;
	}
	if (pq_before(n, t))
		t->scx.pq_left = pq_insert(t->scx.pq_left, n);
	else
		t->scx.pq_right = pq_insert(t->scx.pq_right, n);
	return t;
}

static struct task_struct *pq_remove(struct task_struct *t, struct task_struct *n)
{
	if (!t)
		return NULL;
	if (t == n) {
		struct task_struct *r = pq_merge(t->scx.pq_left, t->scx.pq_right);
		n->scx.pq_left = n->scx.pq_right = NULL;
		return r;
	}
	if (pq_before(n, t))
		t->scx.pq_left = pq_remove(t->scx.pq_left, n);
	else
		t->scx.pq_right = pq_remove(t->scx.pq_right, n);
	return t;
}

/* In-order successor of p in the treap rooted at t. */
static struct task_struct *pq_succ(struct task_struct *t, struct task_struct *p)
{
	struct task_struct *succ = NULL;

	if (p->scx.pq_right) {
		for (succ = p->scx.pq_right; succ->scx.pq_left; succ = succ->scx.pq_left)
			;
		return succ;
	}
	while (t && t != p) {
		if (pq_before(p, t)) {
			succ = t;
			t = t->scx.pq_left;
		} else {
			t = t->scx.pq_right;
		}
	}
	return succ;
}

/* ---- queue operations -------------------------------------------------------------------- */

void dsq_insert(struct scx_sched *sch, struct scx_dsq *dsq, struct task_struct *p, u64 enq_flags)
{
	p->scx.dsq = dsq;
	p->scx.dsq_seq = ++sch->dsq_seq;
	dsq->nr++;
	if (enq_flags & SCX_ENQ_DSQ_PRIQ) {
		u64 x = p->scx.dsq_seq * 0x9e3779b97f4a7c15ULL;
		p->scx.pq_prio = rng_splitmix(&x);
		p->scx.pq_left = p->scx.pq_right = NULL;
		dsq->vtime = true;
		dsq->priq = pq_insert(dsq->priq, p);
		return;
	}
	p->scx.dsq_next = p->scx.dsq_prev = NULL;
	if (!dsq->head) {
		dsq->head = dsq->tail = p;
	} else if (enq_flags & SCX_ENQ_HEAD) {
		p->scx.dsq_next = dsq->head;
		dsq->head->scx.dsq_prev = p;
		dsq->head = p;
	} else {
		p->scx.dsq_prev = dsq->tail;
		dsq->tail->scx.dsq_next = p;
		dsq->tail = p;
	}
}

void dsq_remove(struct scx_dsq *dsq, struct task_struct *p)
{
	if (dsq->vtime) {
		dsq->priq = pq_remove(dsq->priq, p);
	} else {
		if (p->scx.dsq_prev)
			p->scx.dsq_prev->scx.dsq_next = p->scx.dsq_next;
		else
			dsq->head = p->scx.dsq_next;
		if (p->scx.dsq_next)
			p->scx.dsq_next->scx.dsq_prev = p->scx.dsq_prev;
		else
			dsq->tail = p->scx.dsq_prev;
		p->scx.dsq_next = p->scx.dsq_prev = NULL;
	}
	p->scx.dsq = NULL;
	if (--dsq->nr == 0)
		dsq->vtime = false;
}

struct task_struct *dsq_first(const struct scx_dsq *dsq)
{
	struct task_struct *t = dsq->priq;

	if (!dsq->vtime)
		return dsq->head;
	while (t && t->scx.pq_left)
		t = t->scx.pq_left;
	return t;
}

struct task_struct *dsq_next(const struct scx_dsq *dsq, struct task_struct *p)
{
	return dsq->vtime ? pq_succ(dsq->priq, p) : p->scx.dsq_next;
}

/* ---- user DSQs --------------------------------------------------------------------------- */

static int dsq_index(struct scx_sched *sch, u64 id, bool *found)
{
	int lo = 0, hi = sch->nr_user;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (sch->user[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < sch->nr_user && sch->user[lo]->id == id;
	return lo;
}

struct scx_dsq *dsq_find_user(struct scx_sched *sch, u64 id)
{
	bool found;
	int i = dsq_index(sch, id, &found);

	return found ? sch->user[i] : NULL;
}

int dsq_create_user(struct scx_sched *sch, u64 id)
{
	struct scx_dsq *dsq, **v;
	bool found;
	int i;

	if (id & SCX_DSQ_FLAG_BUILTIN)
		return -EINVAL;
	i = dsq_index(sch, id, &found);
	if (found)
		return -EEXIST;
	dsq = malloc(sizeof(*dsq));
	v = realloc(sch->user, (sch->nr_user + 1) * sizeof(*v));
	if (!dsq || !v) {
		free(dsq);
		if (v)
			sch->user = v;
		return -ENOMEM;
	}
	sch->user = v;
	dsq_init(dsq, id, -1);
	for (int k = sch->nr_user; k > i; k--)
		sch->user[k] = sch->user[k - 1];
	sch->user[i] = dsq;
	sch->nr_user++;
	return 0;
}

void dsq_destroy_user(struct scx_sched *sch, u64 id)
{
	bool found;
	int i = dsq_index(sch, id, &found);

	if (!found)
		return;
	free(sch->user[i]);
	for (int k = i; k < sch->nr_user - 1; k++)
		sch->user[k] = sch->user[k + 1];
	sch->nr_user--;
}

void dsq_free_all(struct scx_sched *sch)
{
	for (int i = 0; i < sch->nr_user; i++)
		free(sch->user[i]);
	free(sch->user);
	sch->user = NULL;
	sch->nr_user = 0;
}
