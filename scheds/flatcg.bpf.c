/*
 * flatcg — cgroup CPU control by weight, with the cgroup hierarchy flattened into one level:
 * each cgroup gets the share of the machine its cpu.weight earns, compounded down the tree.
 *
 * Policy (after upstream's tools/sched_ext/scx_flatcg): a cgroup's hierarchical weight
 * (hweight, HWEIGHT_ONE = the whole machine) is the product, from the root down, of its
 * share among its ACTIVE siblings (those with runnable tasks below them): with /a (100)
 * holding /a/x (100) and /a/y (300), next to /b (100), all busy, /a and /b get 1/2 each, /a/x
 * gets 1/2 * 100/400 = 1/8 and /a/y 1/2 * 300/400 = 3/8. Instead of scheduling level by
 * level, every cgroup then competes directly with every other one:
 *  - each cgroup has its own DSQ (tasks by weighted vtime, or FIFO with fifo_sched=1) and a
 *    node in one rbtree ordered by cgroup vtime (cvtime);
 *  - a CPU that needs work pops the cgroup with the smallest cvtime, moves one of its tasks
 *    to its local DSQ and charges the cgroup a whole cgroup slice up front, scaled by
 *    HWEIGHT_ONE / hweight (so a 1/8 cgroup pays 8 slices of cvtime per slice of CPU), then
 *    puts the node back; the CPU keeps serving that cgroup for cgrp_slice_ns, and when it
 *    moves on the unused part of the slice is refunded (or the overrun charged);
 *  - activity is tracked by ops.runnable / ops.quiescent: a cgroup's first runnable task adds
 *    its weight to its parent's active sum (and up the tree while parents become active),
 *    the last one takes it away; any change bumps hweight_gen so cached hweights refresh
 *    lazily, when the cgroup is next picked;
 *  - a cgroup that idled may come back with at most a budget of cvtime credit proportional to
 *    its hweight (half the CPUs for one slice at full weight); a task that slept at most one
 *    slice of credit within its cgroup;
 *  - a waking task that finds an idle CPU goes straight to it, and so do tasks with a
 *    restricted affinity (through FALLBACK_DSQ, served before any cgroup): both bypass the
 *    cgroup tree and are charged to their cgroup afterwards, in ops.stopping, from
 *    p->se.sum_exec_runtime.
 * Run-time changes: ops.cgroup_set_weight adjusts the parent's active sum (and bumps
 * hweight_gen), ops.cgroup_move carries a task's vtime lag to its new cgroup.
 *
 * What it demonstrates: the cgroup ops (cgroup_init/exit/set_weight/move), cgroup local
 * storage, bpf_cgroup_ancestor/from_id, allocated objects in a BPF rbtree under a spin lock,
 * kptrs stashed in a hash map with bpf_kptr_xchg, one user DSQ per cgroup, runnable/quiescent,
 * per-CPU state and per-CPU statistics that the user half prints every simulated second.
 *
 * Knobs: cgrp_slice_ns (how long a CPU serves one cgroup, default SCX_SLICE_DFL; upstream -s),
 * fifo_sched (FIFO instead of weighted vtime inside a cgroup; upstream -f).
 *
 * Differences from upstream's code, on purpose: a cgroup's DSQ id is its id + 1 (scxsim's
 * root cgroup has id 0, which is FALLBACK_DSQ here; the kernel's root is 1); the number of
 * CPUs is read in ops.init (scx_bpf_nr_cpu_ids) instead of being written by the user half
 * before load; a cpu.weight write bumps hweight_gen (upstream's does not, so the new weight
 * would only be seen at the next activity change and never by always-busy cgroups); the
 * refund or overrun at the end of a cgroup slice is computed signed; time a task ran outside
 * the tree (bypass) is charged scaled by HWEIGHT_ONE / hweight like the rest, not raw.
 *
 * Limits (as upstream): a thundering herd of cgroups under a low-weight parent can take more
 * than its share for a while (each is charged only when picked); hweights are refreshed
 * lazily; tasks with a restricted affinity are served first-come first-served before every
 * cgroup; at most 16384 cgroups. A cgroup is only on the tree while it has a task queued, and
 * a task whose slice ended is not queued yet when its CPU dispatches (the kernel re-enqueues
 * prev after ops.dispatch): so a cgroup earns its share only while it has a task waiting.
 * With one CPU hog per cgroup and more cgroups than CPUs, the cgroups simply take turns
 * (tests/unit/test_sched_flatcg.c: flatcg_one_hog_per_cgroup_takes_turns).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define FALLBACK_DSQ 0
#define CGROUP_MAX_RETRIES 1024
#define HWEIGHT_ONE (1ULL << 16)

const volatile u64 cgrp_slice_ns = SCX_SLICE_DFL; /* knob: time a CPU serves one cgroup */
const volatile bool fifo_sched;                    /* knob: FIFO within a cgroup */

u32 nr_cpus = 1;   /* set in ops.init */
u64 cvtime_now;    /* cgroup vtime clock: the largest cvtime picked so far */
u64 hweight_gen = 1; /* bumped on any change of active weights: cached hweights expire */
UEI_DEFINE(uei);

enum fcg_stat {
	FCG_ACT,          /* a cgroup became active (its first runnable task) */
	FCG_DEACT,        /* ... and inactive again */
	FCG_LOCAL,        /* tasks sent straight to an idle CPU's local DSQ */
	FCG_GLOBAL,       /* tasks with a restricted affinity sent to FALLBACK_DSQ */
	FCG_HWT_UPDATES,  /* hweight recomputed */
	FCG_HWT_CACHE,    /* hweight still current */
	FCG_HWT_SKIP,     /* hweight refresh of an inactive cgroup skipped */
	FCG_ENQ_SKIP,     /* enqueue into a cgroup already on the tree */
	FCG_CNS_KEEP,     /* the CPU kept serving its cgroup */
	FCG_CNS_EXPIRE,   /* the CPU's cgroup slice ran out */
	FCG_CNS_EMPTY,    /* the CPU's cgroup had nothing left */
	FCG_CNS_GONE,     /* the CPU's cgroup was gone */
	FCG_PNC_NEXT,     /* a cgroup picked from the tree */
	FCG_PNC_EMPTY,    /* a cgroup on the tree had nothing to run */
	FCG_PNC_NO_CGRP,  /* the tree was empty */
	FCG_PNC_GONE,     /* a cgroup on the tree was gone */
	FCG_PNC_FAIL,     /* no cgroup found after CGROUP_MAX_RETRIES tries */
	FCG_NR_STATS,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, FCG_NR_STATS);
} stats SEC(".maps");

struct fcg_cpu_ctx {
	u64 cur_dsq;  /* DSQ of the cgroup this CPU serves (0: none) */
	u64 cur_at;   /* when it started serving it */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, u32);
	__type(value, struct fcg_cpu_ctx);
	__uint(max_entries, 1);
} cpu_ctx SEC(".maps");

struct fcg_cgrp_ctx {
	u64 nr_runnable;      /* runnable tasks of this cgroup itself */
	u64 nr_active;        /* leaf: 1 while nr_runnable; parent: its active children */
	u64 child_weight_sum; /* sum of the weights of its active children */
	u64 hweight_gen;      /* hweight_gen when hweight was computed */
	u64 tvtime_now;       /* task vtime clock inside the cgroup */
	s64 cvtime_delta;     /* charges (+) and refunds (-) waiting for the node to come off the tree */
	u32 weight;           /* cpu.weight */
	u32 hweight;          /* share of the machine, HWEIGHT_ONE = all of it */
	u32 queued;           /* its node is on the tree (or being picked) */
};

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fcg_cgrp_ctx);
} cgrp_ctx SEC(".maps");

/* a cgroup's place in the tree; it lives in the stash while off the tree */
struct cgv_node {
	struct bpf_rb_node rb_node;
	u64 cvtime;
	u64 cgid;
};

private(CGV_TREE) struct bpf_spin_lock cgv_tree_lock;
private(CGV_TREE) struct bpf_rb_root cgv_tree __contains(cgv_node, rb_node);

struct cgv_node_stash {
	struct cgv_node __kptr *node;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct cgv_node_stash);
} cgv_node_stash SEC(".maps");

struct fcg_task_ctx {
	u64 bypassed_at; /* se.sum_exec_runtime when it bypassed the tree (0: it did not) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fcg_task_ctx);
} task_ctx SEC(".maps");

static void stat_inc(u32 idx)
{
	u64 *n = bpf_map_lookup_elem(&stats, &idx);

	if (n)
		(*n)++;
}

static bool vtime_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

static u64 cg_dsq(u64 cgid)
{
	return cgid + 1;
}

static bool cgv_node_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct cgv_node *x = container_of(a, struct cgv_node, rb_node);
	struct cgv_node *y = container_of(b, struct cgv_node, rb_node);

	return x->cvtime < y->cvtime;
}

static struct fcg_cgrp_ctx *cgrp_ctx_of(struct cgroup *cgrp)
{
	struct fcg_cgrp_ctx *cgc = bpf_cgrp_storage_get(&cgrp_ctx, cgrp, 0, 0);

	if (!cgc)
		scx_bpf_error("flatcg: no cgrp_ctx for cgroup %llu", cgrp->kn->id);
	return cgc;
}

static struct fcg_cgrp_ctx *ancestor_ctx_of(struct cgroup *cgrp, int level)
{
	struct fcg_cgrp_ctx *cgc;
	struct cgroup *anc = bpf_cgroup_ancestor(cgrp, level);

	if (!anc) {
		scx_bpf_error("flatcg: no ancestor at level %d of cgroup %llu", level, cgrp->kn->id);
		return NULL;
	}
	cgc = cgrp_ctx_of(anc);
	bpf_cgroup_release(anc);
	return cgc;
}

static struct fcg_task_ctx *task_ctx_of(struct task_struct *p)
{
	struct fcg_task_ctx *taskc = bpf_task_storage_get(&task_ctx, p, 0, 0);

	if (!taskc)
		scx_bpf_error("flatcg: no task_ctx for %s[%d]", p->comm, p->pid);
	return taskc;
}

/* hweight of cgrp: compounded from the root down, each level by its share of the active sum */
static void cgrp_refresh_hweight(struct cgroup *cgrp, struct fcg_cgrp_ctx *cgc)
{
	int level;

	if (!cgc->nr_active) {
		stat_inc(FCG_HWT_SKIP);
		return;
	}
	if (cgc->hweight_gen == hweight_gen) {
		stat_inc(FCG_HWT_CACHE);
		return;
	}
	stat_inc(FCG_HWT_UPDATES);
	bpf_for(level, 0, cgrp->level + 1) {
		struct fcg_cgrp_ctx *c = ancestor_ctx_of(cgrp, level), *pc;

		if (!c)
			return;
		if (!level) {
			c->hweight = HWEIGHT_ONE;
			c->hweight_gen = hweight_gen;
			continue;
		}
		pc = ancestor_ctx_of(cgrp, level - 1);
		if (!pc)
			return;
		bpf_spin_lock(&cgv_tree_lock);
		if (c->nr_active && pc->child_weight_sum) {
			c->hweight = (pc->hweight * (u64)c->weight + pc->child_weight_sum - 1) /
				     pc->child_weight_sum;
			c->hweight_gen = pc->hweight_gen;
		}
		bpf_spin_unlock(&cgv_tree_lock);
	}
}

/* Apply the pending charges to a node off the tree and cap the credit an idle cgroup keeps. */
static void cgrp_cap_budget(struct cgv_node *node, struct fcg_cgrp_ctx *cgc)
{
	s64 delta = __sync_fetch_and_sub(&cgc->cvtime_delta, cgc->cvtime_delta);
	u64 cvtime = node->cvtime + delta;
	u64 max_budget = cgrp_slice_ns * nr_cpus * cgc->hweight / (2 * HWEIGHT_ONE);

	if (vtime_before(cvtime, cvtime_now - max_budget))
		cvtime = cvtime_now - max_budget;
	node->cvtime = cvtime;
}

/* A task was queued in cgrp's DSQ: put the cgroup on the tree unless it is there already. */
static void cgrp_enqueued(struct cgroup *cgrp, struct fcg_cgrp_ctx *cgc)
{
	struct cgv_node_stash *stash;
	struct cgv_node *node;
	u64 cgid = cgrp->kn->id;

	if (__sync_val_compare_and_swap(&cgc->queued, 0, 1)) {
		stat_inc(FCG_ENQ_SKIP);
		return;
	}
	stash = bpf_map_lookup_elem(&cgv_node_stash, &cgid);
	if (!stash) {
		scx_bpf_error("flatcg: no cgv_node stash for cgroup %llu", cgid);
		return;
	}
	node = bpf_kptr_xchg(&stash->node, NULL);
	if (!node) {
		scx_bpf_error("flatcg: cgroup %llu not queued but its node is taken", cgid);
		return;
	}
	bpf_spin_lock(&cgv_tree_lock);
	cgrp_cap_budget(node, cgc);
	bpf_rbtree_add(&cgv_tree, &node->rb_node, cgv_node_less);
	bpf_spin_unlock(&cgv_tree_lock);
}

/* p runs outside the cgroup tree: ops.stopping charges its cgroup afterwards */
static void set_bypassed_at(struct task_struct *p, struct fcg_task_ctx *taskc)
{
	taskc->bypassed_at = p->se.sum_exec_runtime ?: (u64)-1;
}

s32 BPF_STRUCT_OPS(fcg_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	struct fcg_task_ctx *taskc;
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	taskc = task_ctx_of(p);
	if (taskc && idle) {
		set_bypassed_at(p, taskc);
		stat_inc(FCG_LOCAL);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	}
	return cpu;
}

static void enqueue_restricted(struct task_struct *p, struct fcg_task_ctx *taskc, u64 enq_flags)
{
	set_bypassed_at(p, taskc);
	if (p->nr_cpus_allowed == 1 && (p->flags & PF_KTHREAD)) {
		stat_inc(FCG_LOCAL);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, enq_flags);
	} else {
		stat_inc(FCG_GLOBAL);
		scx_bpf_dsq_insert(p, FALLBACK_DSQ, SCX_SLICE_DFL, enq_flags);
	}
}

void BPF_STRUCT_OPS(fcg_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct fcg_task_ctx *taskc = task_ctx_of(p);
	struct fcg_cgrp_ctx *cgc;
	struct cgroup *cgrp;

	if (!taskc)
		return;
	/* a per-cgroup DSQ must hold only tasks every CPU may run */
	if (p->nr_cpus_allowed != nr_cpus) {
		enqueue_restricted(p, taskc, enq_flags);
		return;
	}
	cgrp = scx_bpf_task_cgroup(p);
	if (!cgrp)
		return;
	cgc = cgrp_ctx_of(cgrp);
	if (cgc) {
		u64 dsq = cg_dsq(cgrp->kn->id);

		if (fifo_sched) {
			scx_bpf_dsq_insert(p, dsq, SCX_SLICE_DFL, enq_flags);
		} else {
			u64 tvtime = p->scx.dsq_vtime;

			/* a task that slept keeps at most one slice of credit */
			if (vtime_before(tvtime, cgc->tvtime_now - SCX_SLICE_DFL))
				tvtime = cgc->tvtime_now - SCX_SLICE_DFL;
			scx_bpf_dsq_insert_vtime(p, dsq, SCX_SLICE_DFL, tvtime, enq_flags);
		}
		cgrp_enqueued(cgrp, cgc);
	}
	bpf_cgroup_release(cgrp);
}

/*
 * cgrp gains its first runnable task or loses its last: add or take its weight from its
 * parent's active sum, and up the tree as long as parents change state too.
 */
static void update_active_weight_sums(struct cgroup *cgrp, bool runnable)
{
	struct fcg_cgrp_ctx *cgc = cgrp_ctx_of(cgrp);
	bool updated = false;
	int idx;

	if (!cgc)
		return;
	if (runnable) {
		if (__sync_fetch_and_add(&cgc->nr_runnable, 1))
			return;
		stat_inc(FCG_ACT);
	} else {
		if (__sync_sub_and_fetch(&cgc->nr_runnable, 1))
			return;
		stat_inc(FCG_DEACT);
		/* refresh while still counted, so a charge that follows sees its last share */
		cgrp_refresh_hweight(cgrp, cgc);
	}
	bpf_for(idx, 0, cgrp->level) {
		int level = cgrp->level - idx;
		struct fcg_cgrp_ctx *c = ancestor_ctx_of(cgrp, level), *pc;
		bool propagate = false;

		if (!c)
			break;
		pc = ancestor_ctx_of(cgrp, level - 1);
		if (!pc)
			break;
		bpf_spin_lock(&cgv_tree_lock);
		if (runnable && !c->nr_active++) {
			pc->child_weight_sum += c->weight;
			propagate = true;
		} else if (!runnable && c->nr_active && !--c->nr_active) {
			pc->child_weight_sum -= c->weight;
			propagate = true;
		}
		bpf_spin_unlock(&cgv_tree_lock);
		updated |= propagate;
		if (!propagate)
			break;
	}
	if (updated)
		__sync_fetch_and_add(&hweight_gen, 1);
	if (runnable)
		cgrp_refresh_hweight(cgrp, cgc);
}

void BPF_STRUCT_OPS(fcg_runnable, struct task_struct *p, u64 enq_flags)
{
	struct cgroup *cgrp = scx_bpf_task_cgroup(p);

	if (cgrp) {
		update_active_weight_sums(cgrp, true);
		bpf_cgroup_release(cgrp);
	}
}

void BPF_STRUCT_OPS(fcg_quiescent, struct task_struct *p, u64 deq_flags)
{
	struct cgroup *cgrp = scx_bpf_task_cgroup(p);

	if (cgrp) {
		update_active_weight_sums(cgrp, false);
		bpf_cgroup_release(cgrp);
	}
}

void BPF_STRUCT_OPS(fcg_running, struct task_struct *p)
{
	struct fcg_cgrp_ctx *cgc;
	struct cgroup *cgrp;

	if (fifo_sched)
		return;
	cgrp = scx_bpf_task_cgroup(p);
	if (!cgrp)
		return;
	cgc = cgrp_ctx_of(cgrp);
	if (cgc && vtime_before(cgc->tvtime_now, p->scx.dsq_vtime))
		cgc->tvtime_now = p->scx.dsq_vtime;
	bpf_cgroup_release(cgrp);
}

void BPF_STRUCT_OPS(fcg_stopping, struct task_struct *p, bool runnable)
{
	struct fcg_task_ctx *taskc;
	struct fcg_cgrp_ctx *cgc;
	struct cgroup *cgrp;

	/* what it used of its slice, scaled by 100 / weight (a yield counts as a whole slice) */
	if (!fifo_sched)
		p->scx.dsq_vtime += (SCX_SLICE_DFL - p->scx.slice) * 100 / p->scx.weight;
	taskc = task_ctx_of(p);
	if (!taskc || !taskc->bypassed_at)
		return;
	cgrp = scx_bpf_task_cgroup(p);
	if (!cgrp)
		return;
	cgc = cgrp_ctx_of(cgrp);
	if (cgc) {
		u64 ran = p->se.sum_exec_runtime - taskc->bypassed_at;

		__sync_fetch_and_add(&cgc->cvtime_delta,
				     (s64)(ran * HWEIGHT_ONE / (cgc->hweight ?: 1)));
		taskc->bypassed_at = 0;
	}
	bpf_cgroup_release(cgrp);
}

void BPF_STRUCT_OPS(fcg_cgroup_set_weight, struct cgroup *cgrp, u32 weight)
{
	struct fcg_cgrp_ctx *cgc = cgrp_ctx_of(cgrp), *pc = NULL;

	if (!cgc)
		return;
	if (cgrp->level) {
		pc = ancestor_ctx_of(cgrp, cgrp->level - 1);
		if (!pc)
			return;
	}
	bpf_spin_lock(&cgv_tree_lock);
	if (pc && cgc->nr_active)
		pc->child_weight_sum += (s64)weight - cgc->weight;
	cgc->weight = weight;
	bpf_spin_unlock(&cgv_tree_lock);
	/* every cached hweight may depend on this weight */
	__sync_fetch_and_add(&hweight_gen, 1);
}

/* The node goes back to its stash (the cgroup had nothing to run) or is freed (gone). */
static void cgrp_unqueue(struct cgv_node *node, struct fcg_cgrp_ctx *cgc)
{
	u64 cgid = node->cgid;
	struct cgv_node_stash *stash = bpf_map_lookup_elem(&cgv_node_stash, &cgid);

	if (!stash) {
		stat_inc(FCG_PNC_GONE);
		bpf_obj_drop(node);
		return;
	}
	cgc->queued = 0;
	node = bpf_kptr_xchg(&stash->node, node);
	if (node) {
		scx_bpf_error("flatcg: cgroup %llu has two nodes", cgid);
		bpf_obj_drop(node);
	}
}

/*
 * Pop the cgroup with the smallest cvtime and move one of its tasks to the local DSQ. True when
 * done (a cgroup picked, *dsqp set, or the tree empty, *dsqp = 0); false to try again.
 */
static bool try_pick_next_cgroup(u64 *dsqp)
{
	struct bpf_rb_node *rb;
	struct cgv_node *node;
	struct fcg_cgrp_ctx *cgc;
	struct cgroup *cgrp;
	u64 cgid;

	bpf_spin_lock(&cgv_tree_lock);
	rb = bpf_rbtree_first(&cgv_tree);
	if (!rb) {
		bpf_spin_unlock(&cgv_tree_lock);
		stat_inc(FCG_PNC_NO_CGRP);
		*dsqp = 0;
		return true;
	}
	rb = bpf_rbtree_remove(&cgv_tree, rb);
	bpf_spin_unlock(&cgv_tree_lock);
	if (!rb) {
		scx_bpf_error("flatcg: the first node could not be removed");
		return true;
	}
	node = container_of(rb, struct cgv_node, rb_node);
	cgid = node->cgid;
	if (vtime_before(cvtime_now, node->cvtime))
		cvtime_now = node->cvtime;

	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp) {
		stat_inc(FCG_PNC_GONE);
		bpf_obj_drop(node);
		return false;
	}
	cgc = bpf_cgrp_storage_get(&cgrp_ctx, cgrp, 0, 0);
	if (!cgc) {
		bpf_cgroup_release(cgrp);
		stat_inc(FCG_PNC_GONE);
		bpf_obj_drop(node);
		return false;
	}
	if (!scx_bpf_dsq_move_to_local(cg_dsq(cgid))) {
		bpf_cgroup_release(cgrp);
		stat_inc(FCG_PNC_EMPTY);
		cgrp_unqueue(node, cgc);
		return false;
	}
	cgrp_refresh_hweight(cgrp, cgc);
	bpf_cgroup_release(cgrp);

	/* charge a whole cgroup slice now (refunded later): a herd of low-weight cgroups cannot
	 * all jump in at once */
	bpf_spin_lock(&cgv_tree_lock);
	node->cvtime += cgrp_slice_ns * HWEIGHT_ONE / (cgc->hweight ?: 1);
	cgrp_cap_budget(node, cgc);
	bpf_rbtree_add(&cgv_tree, &node->rb_node, cgv_node_less);
	bpf_spin_unlock(&cgv_tree_lock);
	*dsqp = cg_dsq(cgid);
	stat_inc(FCG_PNC_NEXT);
	return true;
}

/* The CPU leaves the cgroup it served: refund the unused part of the slice (or charge more). */
static void cgrp_settle(struct fcg_cpu_ctx *cpuc, u64 now)
{
	struct fcg_cgrp_ctx *cgc;
	struct cgroup *cgrp = bpf_cgroup_from_id(cpuc->cur_dsq - 1);

	if (!cgrp) {
		stat_inc(FCG_CNS_GONE);
		return;
	}
	cgc = bpf_cgrp_storage_get(&cgrp_ctx, cgrp, 0, 0);
	if (cgc) {
		u64 hw = cgc->hweight ?: 1, end = cpuc->cur_at + cgrp_slice_ns;

		/* unsigned arithmetic on the magnitude: -mcpu=v3 has no signed division */
		if (vtime_before(now, end))
			__sync_fetch_and_sub(&cgc->cvtime_delta, (end - now) * HWEIGHT_ONE / hw);
		else
			__sync_fetch_and_add(&cgc->cvtime_delta, (now - end) * HWEIGHT_ONE / hw);
	} else {
		stat_inc(FCG_CNS_GONE);
	}
	bpf_cgroup_release(cgrp);
}

void BPF_STRUCT_OPS(fcg_dispatch, s32 cpu, struct task_struct *prev)
{
	struct fcg_cpu_ctx *cpuc;
	u32 zero = 0;
	u64 now = scx_bpf_now();
	bool picked = false;

	cpuc = bpf_map_lookup_elem(&cpu_ctx, &zero);
	if (!cpuc) {
		scx_bpf_error("flatcg: no cpu_ctx on CPU %d", cpu);
		return;
	}
	if (cpuc->cur_dsq) {
		if (vtime_before(now, cpuc->cur_at + cgrp_slice_ns)) {
			if (scx_bpf_dsq_move_to_local(cpuc->cur_dsq)) {
				stat_inc(FCG_CNS_KEEP);
				return;
			}
			stat_inc(FCG_CNS_EMPTY);
		} else {
			stat_inc(FCG_CNS_EXPIRE);
		}
		cgrp_settle(cpuc, now);
	}
	cpuc->cur_at = now;
	cpuc->cur_dsq = 0;
	if (scx_bpf_dsq_move_to_local(FALLBACK_DSQ))
		return;
	bpf_repeat(CGROUP_MAX_RETRIES) {
		if (try_pick_next_cgroup(&cpuc->cur_dsq)) {
			picked = true;
			break;
		}
	}
	if (!picked)
		stat_inc(FCG_PNC_FAIL);
}

s32 BPF_STRUCT_OPS(fcg_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	struct fcg_task_ctx *taskc;
	struct fcg_cgrp_ctx *cgc;

	taskc = bpf_task_storage_get(&task_ctx, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!taskc)
		return -ENOMEM;
	taskc->bypassed_at = 0;
	cgc = args->cgroup ? cgrp_ctx_of(args->cgroup) : NULL;
	if (!cgc)
		return -ENOENT;
	p->scx.dsq_vtime = cgc->tvtime_now;
	return 0;
}

/* A cgroup appears (at load, or created by a move): its DSQ, its context and its tree node. */
s32 BPF_STRUCT_OPS_SLEEPABLE(fcg_cgroup_init, struct cgroup *cgrp, struct scx_cgroup_init_args *args)
{
	struct cgv_node_stash empty = {}, *stash;
	struct fcg_cgrp_ctx *cgc;
	struct cgv_node *node;
	u64 cgid = cgrp->kn->id;
	s32 ret = scx_bpf_create_dsq(cg_dsq(cgid), -1);

	if (ret)
		return ret;
	cgc = bpf_cgrp_storage_get(&cgrp_ctx, cgrp, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!cgc) {
		ret = -ENOMEM;
		goto err_dsq;
	}
	cgc->weight = args->weight;
	cgc->hweight = HWEIGHT_ONE;
	ret = bpf_map_update_elem(&cgv_node_stash, &cgid, &empty, BPF_NOEXIST);
	if (ret)
		goto err_dsq;
	stash = bpf_map_lookup_elem(&cgv_node_stash, &cgid);
	node = bpf_obj_new(struct cgv_node);
	if (!stash || !node) {
		if (node)
			bpf_obj_drop(node);
		ret = -ENOMEM;
		goto err_stash;
	}
	node->cgid = cgid;
	node->cvtime = cvtime_now;
	node = bpf_kptr_xchg(&stash->node, node);
	if (node) {
		bpf_obj_drop(node);
		ret = -EBUSY;
		goto err_stash;
	}
	return 0;
err_stash:
	bpf_map_delete_elem(&cgv_node_stash, &cgid);
err_dsq:
	scx_bpf_destroy_dsq(cg_dsq(cgid));
	return ret;
}

/* A node still on the tree is freed when it reaches the front (its cgroup is gone by then). */
void BPF_STRUCT_OPS(fcg_cgroup_exit, struct cgroup *cgrp)
{
	u64 cgid = cgrp->kn->id;

	bpf_map_delete_elem(&cgv_node_stash, &cgid);
	scx_bpf_destroy_dsq(cg_dsq(cgid));
}

/* keep the task's lag: its vtime relative to its cgroup's clock moves with it */
void BPF_STRUCT_OPS(fcg_cgroup_move, struct task_struct *p, struct cgroup *from, struct cgroup *to)
{
	struct fcg_cgrp_ctx *fc = cgrp_ctx_of(from), *tc;
	s64 lag;

	if (!fc || !(tc = cgrp_ctx_of(to)))
		return;
	lag = p->scx.dsq_vtime - fc->tvtime_now;
	p->scx.dsq_vtime = tc->tvtime_now + lag;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(fcg_init)
{
	nr_cpus = scx_bpf_nr_cpu_ids();
	return scx_bpf_create_dsq(FALLBACK_DSQ, -1);
}

void BPF_STRUCT_OPS(fcg_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(flatcg_ops,
	       .select_cpu = (void *)fcg_select_cpu,
	       .enqueue = (void *)fcg_enqueue,
	       .dispatch = (void *)fcg_dispatch,
	       .runnable = (void *)fcg_runnable,
	       .running = (void *)fcg_running,
	       .stopping = (void *)fcg_stopping,
	       .quiescent = (void *)fcg_quiescent,
	       .init_task = (void *)fcg_init_task,
	       .cgroup_set_weight = (void *)fcg_cgroup_set_weight,
	       .cgroup_init = (void *)fcg_cgroup_init,
	       .cgroup_exit = (void *)fcg_cgroup_exit,
	       .cgroup_move = (void *)fcg_cgroup_move,
	       .init = (void *)fcg_init,
	       .exit = (void *)fcg_exit,
	       .flags = SCX_OPS_HAS_CGROUP_WEIGHT | SCX_OPS_ENQ_EXITING,
	       .name = "flatcg");
