/*
 * graph_hostile.bpf.c — a FIFO scheduler with one misuse of the graph kfuncs per knob, for
 * the _fail tests of src/kfunc/graph.c: each must eject the scheduler (SCX_EXIT_ERROR) with a
 * message naming the kfunc, the program, the pc and the source line, and every task must then
 * finish on fair. `after` enqueues happen normally before the misuse.
 *   bad=1  bpf_obj_drop() twice                  bad=2  push a node already in a list
 *   bad=3  remove a node that is not in the tree bad=4  drop a pointer into a map value
 *   bad=5  read an object after dropping it      bad=6  add a node already in the tree
 *   bad=7  drop an object still in a list        bad=8  a list head used as an rbtree root
 *   bad=9  a graph kfunc inside less()           bad=10 bpf_obj_new() of a non-struct id
 *   bad=11 spin lock taken twice                 bad=12 spin unlock of a free lock
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u32 bad;
const volatile u64 after = 20;

u64 nr_enq;
volatile u64 sink;

struct obj {
	struct bpf_rb_node rb;
	struct bpf_list_node ln;
	u64 v;
};

private(H) struct bpf_spin_lock hlock;
private(H) struct bpf_rb_root hroot __contains(obj, rb);
private(H) struct bpf_list_head hlist __contains(obj, ln);
private(H) struct bpf_list_head hlist2 __contains(obj, ln);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} small SEC(".maps");

static bool obj_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct obj, rb)->v < container_of(b, struct obj, rb)->v;
}

static bool evil_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return bpf_rbtree_first(&hroot) != NULL;
}

static __noinline int misuse(void)
{
	struct obj *o = bpf_obj_new(struct obj), *o2;
	struct bpf_rb_node *rb;
	u32 zero = 0;
	u64 *v;

	if (!o)
		return -ENOMEM;
	switch (bad) {
	case 1:
		bpf_obj_drop(o);
		bpf_obj_drop(o); /* dropped twice */
		return 0;
	case 2:
		bpf_list_push_back(&hlist, &o->ln);
		bpf_list_push_back(&hlist2, &o->ln); /* already in hlist */
		return 0;
	case 3:
		rb = bpf_rbtree_remove(&hroot, &o->rb); /* never added */
		sink = (u64)rb;
		return 0;
	case 4:
		v = bpf_map_lookup_elem(&small, &zero);
		if (v)
			bpf_obj_drop(v); /* not an object */
		bpf_obj_drop(o);
		return 0;
	case 5:
		o->v = 7;
		bpf_obj_drop(o);
		sink = o->v; /* use after drop */
		return 0;
	case 6:
		o->v = 1;
		bpf_rbtree_add(&hroot, &o->rb, obj_less);
		bpf_rbtree_add(&hroot, &o->rb, obj_less); /* already in the tree */
		return 0;
	case 7:
		bpf_list_push_front(&hlist, &o->ln);
		bpf_obj_drop(o); /* still linked */
		return 0;
	case 8:
		bpf_list_push_front(&hlist, &o->ln);
		o2 = bpf_obj_new(struct obj);
		if (o2)
			bpf_rbtree_add((struct bpf_rb_root *)&hlist, &o2->rb, obj_less);
		return 0;
	case 9:
		bpf_rbtree_add(&hroot, &o->rb, obj_less);
		o2 = bpf_obj_new(struct obj);
		if (o2)
			bpf_rbtree_add(&hroot, &o2->rb, evil_less); /* evil_less calls a graph kfunc */
		return 0;
	case 10:
		sink = (u64)bpf_obj_new_impl(1, NULL); /* type 1 is not our struct */
		bpf_obj_drop(o);
		return 0;
	case 11:
		bpf_spin_lock(&hlock);
		bpf_spin_lock(&hlock); /* deadlock */
		bpf_obj_drop(o);
		return 0;
	case 12:
		bpf_spin_unlock(&hlock); /* not held */
		bpf_obj_drop(o);
		return 0;
	}
	bpf_obj_drop(o);
	return 0;
}

void BPF_STRUCT_OPS(gh_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (++nr_enq > after && bad)
		misuse();
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SCX_OPS_DEFINE(graph_hostile_ops,
	       .enqueue = (void *)gh_enqueue,
	       .name = "graph_hostile");
