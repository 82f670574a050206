/*
 * graph_sched.bpf.c — a scheduler that keeps its runnable tasks in BPF memory instead of a
 * DSQ, for the graph kfunc tests (src/kfunc/graph.c): each enqueue allocates a node with
 * bpf_obj_new(); tasks with an even pid go to a FIFO list, the others to an rbtree ordered by
 * vtime (weighted, as scx_simple's vtime mode); ops.dispatch takes the leftmost rbtree node,
 * else the list's first, drops the node and inserts the task into the local DSQ. Both
 * collections sit in a private section with their spin lock, as upstream flatcg keeps its
 * cgroup tree. An idle CPU is kicked on every enqueue so no task waits for nothing.
 *
 * ops.init first runs a self-test of the collections (results in order_rb[] and
 * order_list[]): five keys added to a scratch rbtree come out sorted with ties in insertion
 * order; a list filled with push_front/push_back comes out front to back, then back to front;
 * an object holding a list of three nodes is dropped with them, and so is a hash map element
 * holding two (nothing may remain after the callback).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u64 slice_ns = SCX_SLICE_DFL;

struct tnode {
	struct bpf_rb_node rb;
	struct bpf_list_node ln;
	u64 vtime;
	u64 key;     /* self-test key */
	s32 pid;
};

/* an object holding a list of its own: dropping it drops what it holds */
struct bag {
	struct bpf_spin_lock lock;
	struct bpf_list_head items __contains(tnode, ln);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, struct bag);
} bags SEC(".maps");

private(Q) struct bpf_spin_lock qlock;
private(Q) struct bpf_rb_root qtree __contains(tnode, rb);
private(Q) struct bpf_list_head qlist __contains(tnode, ln);
private(T) struct bpf_spin_lock tlock;
private(T) struct bpf_rb_root ttree __contains(tnode, rb);
private(T) struct bpf_list_head tlist __contains(tnode, ln);

static u64 vtime_now;
u64 nr_rb_added, nr_list_added, nr_dispatched, nr_alloc_fail, nr_lost;
u64 order_rb[5], order_list[6];
s64 selftest_err;
UEI_DEFINE(uei);

static bool node_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct tnode *x = container_of(a, struct tnode, rb);
	struct tnode *y = container_of(b, struct tnode, rb);

	return (s64)(x->vtime - y->vtime) < 0;
}

s32 BPF_STRUCT_OPS(gs_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (idle)
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(gs_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct tnode *n = bpf_obj_new(struct tnode);
	u64 vtime = p->scx.dsq_vtime;
	s32 cpu;

	if (!n) {
		__sync_fetch_and_add(&nr_alloc_fail, 1);
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, slice_ns, enq_flags);
		return;
	}
	if ((s64)(vtime - (vtime_now - slice_ns)) < 0)
		vtime = vtime_now - slice_ns;
	n->vtime = vtime;
	n->pid = p->pid;
	bpf_spin_lock(&qlock);
	if (p->pid & 1) {
		bpf_rbtree_add(&qtree, &n->rb, node_less);
		nr_rb_added++;
	} else {
		bpf_list_push_back(&qlist, &n->ln);
		nr_list_added++;
	}
	bpf_spin_unlock(&qlock);
	cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	if (cpu >= 0)
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
}

/* The next queued node: leftmost of the tree, else the list's first. */
static struct tnode *next_node(void)
{
	struct bpf_rb_node *rb;
	struct bpf_list_node *ln;
	struct tnode *n = NULL;

	bpf_spin_lock(&qlock);
	rb = bpf_rbtree_first(&qtree);
	if (rb) {
		rb = bpf_rbtree_remove(&qtree, rb);
		if (rb)
			n = container_of(rb, struct tnode, rb);
	} else {
		ln = bpf_list_pop_front(&qlist);
		if (ln)
			n = container_of(ln, struct tnode, ln);
	}
	bpf_spin_unlock(&qlock);
	return n;
}

void BPF_STRUCT_OPS(gs_dispatch, s32 cpu, struct task_struct *prev)
{
	struct task_struct *p;
	struct tnode *n = next_node();
	s32 pid;

	if (!n)
		return;
	pid = n->pid;
	bpf_obj_drop(n);
	p = bpf_task_from_pid(pid);
	if (!p) {
		__sync_fetch_and_add(&nr_lost, 1);
		return;
	}
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	bpf_task_release(p);
	nr_dispatched++;
}

void BPF_STRUCT_OPS(gs_running, struct task_struct *p)
{
	if ((s64)(vtime_now - p->scx.dsq_vtime) < 0)
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(gs_stopping, struct task_struct *p, bool runnable)
{
	p->scx.dsq_vtime += (slice_ns - p->scx.slice) * 100 / p->scx.weight;
}

void BPF_STRUCT_OPS(gs_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

/* ---- self-test of ordering --------------------------------------------------------------------- */

static int st_add(u64 vtime, u64 key)
{
	struct tnode *n = bpf_obj_new(struct tnode);

	if (!n)
		return -ENOMEM;
	n->vtime = vtime;
	n->key = key;
	bpf_spin_lock(&tlock);
	bpf_rbtree_add(&ttree, &n->rb, node_less);
	bpf_spin_unlock(&tlock);
	return 0;
}

static int st_push(u64 key, bool front)
{
	struct tnode *n = bpf_obj_new(struct tnode);

	if (!n)
		return -ENOMEM;
	n->key = key;
	bpf_spin_lock(&tlock);
	if (front)
		bpf_list_push_front(&tlist, &n->ln);
	else
		bpf_list_push_back(&tlist, &n->ln);
	bpf_spin_unlock(&tlock);
	return 0;
}

static u64 st_take_rb(void)
{
	struct bpf_rb_node *rb;
	struct tnode *n;
	u64 key;

	bpf_spin_lock(&tlock);
	rb = bpf_rbtree_first(&ttree);
	if (rb)
		rb = bpf_rbtree_remove(&ttree, rb);
	bpf_spin_unlock(&tlock);
	if (!rb)
		return 0;
	n = container_of(rb, struct tnode, rb);
	key = n->key;
	bpf_obj_drop(n);
	return key;
}

static u64 st_take_list(bool front)
{
	struct bpf_list_node *ln;
	struct tnode *n;
	u64 key;

	bpf_spin_lock(&tlock);
	ln = front ? bpf_list_pop_front(&tlist) : bpf_list_pop_back(&tlist);
	bpf_spin_unlock(&tlock);
	if (!ln)
		return 0;
	n = container_of(ln, struct tnode, ln);
	key = n->key;
	bpf_obj_drop(n);
	return key;
}

static int selftest(void)
{
	/* (vtime, key): sorted by vtime, ties in insertion order -> keys 4 2 5 1 3 */
	int err = st_add(50, 1) ?: st_add(30, 2) ?: st_add(50, 3) ?: st_add(10, 4) ?: st_add(30, 5);
	int i;

	/* pushes: back 1, back 2, front 3, back 4, front 5 -> 5 3 1 2 4 */
	err = err ?: st_push(1, false) ?: st_push(2, false) ?: st_push(3, true) ?: st_push(4, false) ?:
		     st_push(5, true);
	if (err)
		return err;
	for (i = 0; i < 5; i++)
		order_rb[i] = st_take_rb();
	order_list[0] = st_take_list(true);
	order_list[1] = st_take_list(false);
	order_list[2] = st_take_list(true);
	order_list[3] = st_take_list(false);
	order_list[4] = st_take_list(true);
	order_list[5] = st_take_list(true); /* empty: 0 */
	return st_take_rb() ? -EINVAL : 0;    /* the tree is empty again */
}

/* three nodes in a bag, then the bag dropped with them inside */
static int st_bag(void)
{
	struct bag *b = bpf_obj_new(struct bag);
	struct tnode *n;
	int i;

	if (!b)
		return -ENOMEM;
	for (i = 0; i < 3; i++) {
		n = bpf_obj_new(struct tnode);
		if (!n)
			break;
		bpf_spin_lock(&b->lock);
		bpf_list_push_back(&b->items, &n->ln);
		bpf_spin_unlock(&b->lock);
	}
	bpf_obj_drop(b);
	return i == 3 ? 0 : -ENOMEM;
}

/* two nodes in a list inside a hash map value, then the element deleted with them inside */
static int st_map_bag(void)
{
	struct bag zero = {}, *b;
	struct tnode *n;
	u32 key = 1;
	int i;

	if (bpf_map_update_elem(&bags, &key, &zero, BPF_NOEXIST))
		return -EINVAL;
	b = bpf_map_lookup_elem(&bags, &key);
	if (!b)
		return -ENOENT;
	for (i = 0; i < 2; i++) {
		n = bpf_obj_new(struct tnode);
		if (!n)
			return -ENOMEM;
		bpf_spin_lock(&b->lock);
		bpf_list_push_front(&b->items, &n->ln);
		bpf_spin_unlock(&b->lock);
	}
	return bpf_map_delete_elem(&bags, &key);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(gs_init)
{
	selftest_err = selftest() ?: st_bag() ?: st_map_bag();
	return (s32)selftest_err;
}

void BPF_STRUCT_OPS(gs_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(graph_ops,
	       .select_cpu = (void *)gs_select_cpu,
	       .enqueue = (void *)gs_enqueue,
	       .dispatch = (void *)gs_dispatch,
	       .running = (void *)gs_running,
	       .stopping = (void *)gs_stopping,
	       .enable = (void *)gs_enable,
	       .init = (void *)gs_init,
	       .exit = (void *)gs_exit,
	       .timeout_ms = 5000,
	       .name = "bpf_graph");
