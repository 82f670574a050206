/*
 * graph.c — the BPF "graph" kfuncs (kernel/bpf/helpers.c): objects a program allocates
 * (bpf_obj_new_impl / bpf_obj_drop_impl) and the two collections they can be linked into,
 * lists (bpf_list_push_front_impl / push_back_impl / pop_front / pop_back) and red-black
 * trees (bpf_rbtree_add_impl / first / remove), for schedulers that keep their own queues in
 * BPF memory (upstream scx_flatcg keeps cgroups in an rbtree ordered by vtime).
 *
 * Why the bookkeeping lives here and not in the opaque bytes: struct bpf_list_head (16
 * bytes), bpf_list_node (24), bpf_rb_root (16) and bpf_rb_node (32) sit in memory the program
 * may write (map values, globals, objects); the kernel's verifier forbids touching them, scxsim
 * has no such verifier, so a link stored there could be forged into a wild host pointer. The
 * opaque bytes are left as the program sees them (zero = empty), and the truth is kept in
 * three tables sorted by address: live objects, collections (keyed by the head/root address),
 * and the collection each linked node belongs to. Every pointer a program passes is checked
 * against them before use.
 *
 * Invariants:
 *  - an object is registered RW with the VM ("bpf_obj TYPE") from bpf_obj_new to its drop;
 *    a dropped object is unregistered at once (a later access faults) and its memory is kept
 *    until the end of the top-level callback (rt_graph_sync), so its address is not reused
 *    while a stale register may still hold it; rt_graph_release frees everything.
 *  - a node is in at most one collection; a dropped object has no linked node; dropping an
 *    object drops, recursively, every node of the collections it contains (as the kernel does),
 *    and so does a map value that goes away (rt_graph_forget, from the map region callback).
 *  - a list keeps insertion order; an rbtree is ordered by the program's less() callback, an
 *    element equal to others goes after them (the kernel walks right on !less), so the order
 *    is deterministic.
 *  - misuse (double drop, foreign pointer, a node already linked, removing a node that is not
 *    in the tree, a graph kfunc from inside less()) stops the program with bpf_vm_abort: the
 *    trampoline ejects the scheduler with the program, pc and source line.
 * bpf_spin_lock/unlock pairing is checked by the helpers (helpers.c); that the right lock is
 * held around a graph kfunc is not checked (single-threaded simulation).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kf_int.h"

#define PTR(x) ((u64)(uintptr_t)(x))
#define GRAPH_HEAD_SIZE 16     /* struct bpf_list_head, struct bpf_rb_root */
#define GRAPH_LIST_NODE_SIZE 24 /* struct bpf_list_node */
#define GRAPH_RB_NODE_SIZE 32  /* struct bpf_rb_node */
#define GRAPH_OBJ_MAX 4096     /* the kernel's bpf_mem_alloc limit for one object */
#define GRAPH_MAX_OBJS (1u << 20)
#define GRAPH_DROP_DEPTH 16    /* nested collections dropped recursively */

struct bpf_list_head;
struct bpf_list_node;
struct bpf_rb_root;
struct bpf_rb_node;

enum graph_kind { GRAPH_LIST = 1, GRAPH_RBTREE = 2 };

static const char *const kind_a[] = { [GRAPH_LIST] = "a list", [GRAPH_RBTREE] = "an rbtree" };

/* A table of u64 keys kept sorted (binary search), each with a pointer value. */
struct gkv {
	u64 key;
	void *val;
};

struct gtab {
	struct gkv *e;
	u32 n, cap;
};

struct gobj {
	u8 *mem;       /* calloc'd, size bytes */
	u32 size;
	u32 type_id;   /* in the program's BTF */
};

struct gcoll {
	u64 addr;      /* of the bpf_list_head / bpf_rb_root */
	enum graph_kind kind;
	u64 *node;     /* node addresses, in list order / tree order */
	u32 n, cap;
};

struct graph {
	const struct bpf_sched *s;
	struct gtab objs;   /* object address -> struct gobj */
	struct gtab colls;  /* head/root address -> struct gcoll */
	struct gtab owner;  /* linked node address -> struct gcoll */
	void **zombie;      /* dropped, unregistered, freed at the next sync */
	u32 nr_zombie, cap_zombie;
	bool in_less;       /* inside an rbtree less() callback */
};

/* one graph per runtime that used a graph kfunc */
static struct graph **graphs;
static u32 nr_graphs;

void rt_graph_sync(struct bpf_sched *s);
void rt_graph_release(struct bpf_sched *s);
void rt_graph_forget(struct bpf_sched *s, const void *ptr, size_t len);
u32 rt_graph_nr_objs(const struct bpf_sched *s);

/* ---- sorted tables ------------------------------------------------------------------------- */

static u32 gtab_lower(const struct gtab *t, u64 key)
{
	u32 lo = 0, hi = t->n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (t->e[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void *gtab_get(const struct gtab *t, u64 key)
{
	u32 i = gtab_lower(t, key);

	return i < t->n && t->e[i].key == key ? t->e[i].val : NULL;
}

/* the entry with the greatest key <= key, or NULL */
static struct gkv *gtab_floor(const struct gtab *t, u64 key)
{
	u32 i = gtab_lower(t, key);

	if (i < t->n && t->e[i].key == key)
		return &t->e[i];
	return i ? &t->e[i - 1] : NULL;
}

static int gtab_put(struct gtab *t, u64 key, void *val)
{
	u32 i = gtab_lower(t, key);

	if (t->n == t->cap) {
		u32 cap = t->cap ? t->cap * 2 : 16;
		struct gkv *e = realloc(t->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		t->e = e;
		t->cap = cap;
	}
	memmove(&t->e[i + 1], &t->e[i], (t->n - i) * sizeof(*t->e));
	t->e[i] = (struct gkv){ key, val };
	t->n++;
	return 0;
}

static void gtab_del(struct gtab *t, u64 key)
{
	u32 i = gtab_lower(t, key);

	if (i >= t->n || t->e[i].key != key)
		return;
	memmove(&t->e[i], &t->e[i + 1], (t->n - i - 1) * sizeof(*t->e));
	t->n--;
}

/* ---- per-runtime state ------------------------------------------------------------------------ */

static struct graph *graph_find(const struct bpf_sched *s, u32 *idx)
{
	for (u32 i = 0; i < nr_graphs; i++) {
		if (graphs[i]->s == s) {
			if (idx)
				*idx = i;
			return graphs[i];
		}
	}
	return NULL;
}

static struct graph *graph_get(const struct bpf_sched *s)
{
	struct graph *g = graph_find(s, NULL), **n;

	if (g)
		return g;
	n = realloc(graphs, (nr_graphs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	graphs = n;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->s = s;
	graphs[nr_graphs++] = g;
	return g;
}

static void graph_free_zombies(struct graph *g)
{
	for (u32 i = 0; i < g->nr_zombie; i++)
		free(g->zombie[i]);
	g->nr_zombie = 0;
}

void rt_graph_sync(struct bpf_sched *s)
{
	struct graph *g = s ? graph_find(s, NULL) : NULL;

	if (g)
		graph_free_zombies(g);
}

void rt_graph_release(struct bpf_sched *s)
{
	u32 idx;
	struct graph *g = s ? graph_find(s, &idx) : NULL;

	if (!g)
		return;
	for (u32 i = 0; i < g->objs.n; i++) {
		struct gobj *o = g->objs.e[i].val;

		if (s->vm)
			bpf_vm_region_remove(s->vm, o->mem);
		free(o->mem);
		free(o);
	}
	for (u32 i = 0; i < g->colls.n; i++) {
		struct gcoll *c = g->colls.e[i].val;

		free(c->node);
		free(c);
	}
	graph_free_zombies(g);
	free(g->zombie);
	free(g->objs.e);
	free(g->colls.e);
	free(g->owner.e);
	free(g);
	memmove(&graphs[idx], &graphs[idx + 1], (nr_graphs - idx - 1) * sizeof(*graphs));
	if (!--nr_graphs) {
		free(graphs);
		graphs = NULL;
	}
}

static void range_drain(struct bpf_vm *vm, struct graph *g, u64 lo, u64 hi, int depth);

void rt_graph_forget(struct bpf_sched *s, const void *ptr, size_t len)
{
	struct graph *g = s ? graph_find(s, NULL) : NULL;

	if (g && s->vm)
		range_drain(s->vm, g, PTR(ptr), PTR(ptr) + len, 0);
}

u32 rt_graph_nr_objs(const struct bpf_sched *s)
{
	struct graph *g = s ? graph_find(s, NULL) : NULL;

	return g ? g->objs.n : 0;
}

/* The live object that holds [addr, addr + len), or NULL. */
static struct gobj *graph_obj_at(const struct graph *g, u64 addr, u64 len)
{
	struct gkv *e = gtab_floor(&g->objs, addr);
	struct gobj *o = e ? e->val : NULL;

	if (!o || addr + len < addr || addr + len > e->key + o->size)
		return NULL;
	return o;
}

/* ---- argument checks -------------------------------------------------------------------------- */

static struct graph *graph_enter(struct bpf_vm *vm, const char *fn)
{
	struct graph *g = graph_get(kf_rt(vm));

	if (!g) {
		bpf_vm_abort(vm, "%s(): out of memory", fn);
		return NULL;
	}
	if (g->in_less) {
		bpf_vm_abort(vm, "%s(): called from an rbtree less() callback", fn);
		return NULL;
	}
	return g;
}

/* A head/root: 16 bytes the program may write; an existing collection of the other kind at
 * that address is a misuse. Returns the collection (created empty) or NULL after aborting. */
static struct gcoll *arg_coll(struct bpf_vm *vm, struct graph *g, u64 v, enum graph_kind kind,
			      const char *fn)
{
	const char *what = kind == GRAPH_LIST ? "bpf_list_head" : "bpf_rb_root";
	struct gcoll *c;

	if (!v || bpf_vm_check_mem(vm, v, GRAPH_HEAD_SIZE, BPF_VM_RW)) {
		bpf_vm_abort(vm, "%s(): argument 1 (0x%llx) is not a %s in the program's writable memory",
			     fn, (unsigned long long)v, what);
		return NULL;
	}
	c = gtab_get(&g->colls, v);
	if (c && c->kind != kind) {
		bpf_vm_abort(vm, "%s(): argument 1 (0x%llx) is %s, not a %s", fn,
			     (unsigned long long)v, kind_a[c->kind], what);
		return NULL;
	}
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c || gtab_put(&g->colls, v, c)) {
		free(c);
		bpf_vm_abort(vm, "%s(): out of memory", fn);
		return NULL;
	}
	c->addr = v;
	c->kind = kind;
	return c;
}

/* A node: inside an object from bpf_obj_new_impl() that is still alive. */
static int arg_node(struct bpf_vm *vm, struct graph *g, u64 v, u64 size, int arg, const char *fn)
{
	if (v && graph_obj_at(g, v, size))
		return 0;
	bpf_vm_abort(vm, "%s(): argument %d (0x%llx) is not a node inside an object from bpf_obj_new()%s",
		     fn, arg, (unsigned long long)v, v ? " (or the object was dropped)" : "");
	return -EFAULT;
}

/* A node about to be linked must not be linked already. */
static int arg_free_node(struct bpf_vm *vm, struct graph *g, u64 v, u64 size, const char *fn)
{
	const struct gcoll *c;

	if (arg_node(vm, g, v, size, 2, fn))
		return -EFAULT;
	c = gtab_get(&g->owner, v);
	if (!c)
		return 0;
	bpf_vm_abort(vm, "%s(): argument 2 (0x%llx): node is already in %s (head 0x%llx)", fn,
		     (unsigned long long)v, kind_a[c->kind], (unsigned long long)c->addr);
	return -EINVAL;
}

/* ---- collections ------------------------------------------------------------------------------ */

static int coll_insert(struct graph *g, struct gcoll *c, u32 at, u64 node)
{
	if (c->n == c->cap) {
		u32 cap = c->cap ? c->cap * 2 : 8;
		u64 *n = realloc(c->node, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->node = n;
		c->cap = cap;
	}
	if (gtab_put(&g->owner, node, c))
		return -ENOMEM;
	memmove(&c->node[at + 1], &c->node[at], (c->n - at) * sizeof(*c->node));
	c->node[at] = node;
	c->n++;
	return 0;
}

static u64 coll_take(struct graph *g, struct gcoll *c, u32 at)
{
	u64 node = c->node[at];

	memmove(&c->node[at], &c->node[at + 1], (c->n - at - 1) * sizeof(*c->node));
	c->n--;
	gtab_del(&g->owner, node);
	return node;
}

/* ---- objects ---------------------------------------------------------------------------------- */

static void obj_destroy(struct bpf_vm *vm, struct graph *g, struct gobj *o, int depth);

/* Take the object's other nodes out of whatever collections hold them. */
static void obj_unlink(struct graph *g, const struct gobj *o)
{
	u64 lo = PTR(o->mem);
	u32 i;

	while ((i = gtab_lower(&g->owner, lo)) < g->owner.n && g->owner.e[i].key < lo + o->size) {
		struct gcoll *c = g->owner.e[i].val;
		u64 node = g->owner.e[i].key;

		for (u32 k = 0; k < c->n; k++) {
			if (c->node[k] == node) {
				coll_take(g, c, k);
				break;
			}
		}
	}
}

/* Drop every node of the collections whose head lies in [lo, hi), and forget them. */
static void range_drain(struct bpf_vm *vm, struct graph *g, u64 lo, u64 hi, int depth)
{
	for (u32 i = gtab_lower(&g->colls, lo); i < g->colls.n && g->colls.e[i].key < hi;) {
		struct gcoll *c = g->colls.e[i].val;

		while (c->n) {
			struct gobj *child = graph_obj_at(g, coll_take(g, c, c->n - 1), 1);

			if (child && depth < GRAPH_DROP_DEPTH) {
				obj_unlink(g, child);
				obj_destroy(vm, g, child, depth + 1);
			}
		}
		gtab_del(&g->colls, c->addr);
		free(c->node);
		free(c);
		i = gtab_lower(&g->colls, lo);
	}
}

/* Unregister and retire an object (memory freed at the next rt_graph_sync). */
static void obj_destroy(struct bpf_vm *vm, struct graph *g, struct gobj *o, int depth)
{
	void **z;

	range_drain(vm, g, PTR(o->mem), PTR(o->mem) + o->size, depth);
	gtab_del(&g->objs, PTR(o->mem));
	bpf_vm_region_remove(vm, o->mem);
	if (g->nr_zombie == g->cap_zombie) {
		u32 cap = g->cap_zombie ? g->cap_zombie * 2 : 16;

		z = realloc(g->zombie, cap * sizeof(*z));
		if (!z) {
			free(o->mem); /* no room to defer: the region is already gone */
			free(o);
			return;
		}
		g->zombie = z;
		g->cap_zombie = cap;
	}
	g->zombie[g->nr_zombie++] = o->mem;
	free(o);
}

/* Is a node of this object linked somewhere? Returns its address or 0. */
static u64 obj_linked_node(const struct graph *g, const struct gobj *o)
{
	u64 lo = PTR(o->mem);
	u32 i = gtab_lower(&g->owner, lo);

	return i < g->owner.n && g->owner.e[i].key < lo + o->size ? g->owner.e[i].key : 0;
}

static int obj_type(struct bpf_vm *vm, u64 id, u32 *size, const char **name)
{
	const struct bpf_sched *s = kf_rt(vm);
	const struct btf *btf = s->obj ? bpf_obj_btf(s->obj) : NULL;
	const struct btf_type *t = btf && id <= (u32)-1 ? btf_type_by_id(btf, (u32)id) : NULL;
	s64 sz = t ? btf_type_size(btf, (u32)id) : -EINVAL;

	if (!t || btf_kind(t) != BTF_KIND_STRUCT || sz <= 0 || sz > GRAPH_OBJ_MAX) {
		bpf_vm_abort(vm, "bpf_obj_new_impl(): argument 1: type id %llu is not a struct of at most %d bytes in the program's BTF",
			     (unsigned long long)id, GRAPH_OBJ_MAX);
		return -EINVAL;
	}
	*size = (u32)sz;
	*name = btf_type_name(btf, (u32)id);
	return 0;
}

u64 kf_bpf_obj_new_impl(KF_ARGS)
{
	struct graph *g = graph_enter(vm, "bpf_obj_new_impl");
	const char *tname;
	char rname[32];
	struct gobj *o;
	u32 size;

	if (!g || obj_type(vm, r1, &size, &tname))
		return 0;
	if (g->objs.n >= GRAPH_MAX_OBJS)
		return 0;
	o = calloc(1, sizeof(*o));
	if (o)
		o->mem = calloc(1, size);
	snprintf(rname, sizeof(rname), "bpf_obj %s", tname);
	if (!o || !o->mem || bpf_vm_region_add(vm, o->mem, size, BPF_VM_RW, rname)) {
		if (o)
			free(o->mem);
		free(o);
		return 0;
	}
	if (gtab_put(&g->objs, PTR(o->mem), o)) {
		bpf_vm_region_remove(vm, o->mem);
		free(o->mem);
		free(o);
		return 0;
	}
	o->size = size;
	o->type_id = (u32)r1;
	return PTR(o->mem);
}

u64 kf_bpf_obj_drop_impl(KF_ARGS)
{
	const char *fn = "bpf_obj_drop_impl";
	struct graph *g = graph_enter(vm, fn);
	struct gobj *o = g ? gtab_get(&g->objs, r1) : NULL;
	u64 linked;

	if (!g)
		return 0;
	if (!o) {
		bpf_vm_abort(vm, "%s(): argument 1 (0x%llx) is not an object from bpf_obj_new()%s", fn,
			     (unsigned long long)r1,
			     r1 ? " (dropped twice, or a foreign pointer)" : " (NULL)");
		return 0;
	}
	linked = obj_linked_node(g, o);
	if (linked) {
		bpf_vm_abort(vm, "%s(): object 0x%llx is still in %s (node 0x%llx): remove it first",
			     fn, (unsigned long long)r1,
			     kind_a[((struct gcoll *)gtab_get(&g->owner, linked))->kind],
			     (unsigned long long)linked);
		return 0;
	}
	obj_destroy(vm, g, o, 0);
	return 0;
}

/* ---- lists ------------------------------------------------------------------------------------ */

static u64 list_push(struct bpf_vm *vm, u64 head, u64 node, bool front, const char *fn)
{
	struct graph *g = graph_enter(vm, fn);
	struct gcoll *c = g ? arg_coll(vm, g, head, GRAPH_LIST, fn) : NULL;

	if (!c || arg_free_node(vm, g, node, GRAPH_LIST_NODE_SIZE, fn))
		return 0;
	if (coll_insert(g, c, front ? 0 : c->n, node)) {
		bpf_vm_abort(vm, "%s(): out of memory", fn);
		return 0;
	}
	return 0;
}

static u64 list_pop(struct bpf_vm *vm, u64 head, bool front, const char *fn)
{
	struct graph *g = graph_enter(vm, fn);
	struct gcoll *c = g ? arg_coll(vm, g, head, GRAPH_LIST, fn) : NULL;

	if (!c || !c->n)
		return 0;
	return coll_take(g, c, front ? 0 : c->n - 1);
}

u64 kf_bpf_list_push_front_impl(KF_ARGS)
{
	return list_push(vm, r1, r2, true, "bpf_list_push_front_impl");
}

u64 kf_bpf_list_push_back_impl(KF_ARGS)
{
	return list_push(vm, r1, r2, false, "bpf_list_push_back_impl");
}

u64 kf_bpf_list_pop_front(KF_ARGS) { return list_pop(vm, r1, true, "bpf_list_pop_front"); }
u64 kf_bpf_list_pop_back(KF_ARGS) { return list_pop(vm, r1, false, "bpf_list_pop_back"); }

/* ---- rbtrees ---------------------------------------------------------------------------------- */

/* less(a, b) through the program's callback: 1, 0, or -1 after an error (the program stops). */
static int rb_less(struct bpf_vm *vm, struct graph *g, u64 fn, u64 a, u64 b)
{
	u64 args[5] = { a, b, 0, 0, 0 }, r0 = 0;
	int err;

	g->in_less = true;
	err = bpf_vm_callback(vm, fn, args, &r0);
	g->in_less = false;
	return err ? -1 : (r0 & 0xff) != 0;
}

/* Position of a new node: after every element it is not less than (upper bound). */
static int rb_pos(struct bpf_vm *vm, struct graph *g, const struct gcoll *c, u64 less, u64 node,
		  u32 *pos)
{
	u32 lo = 0, hi = c->n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		int l = rb_less(vm, g, less, node, c->node[mid]);

		if (l < 0)
			return -EFAULT;
		if (l)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return 0;
}

u64 kf_bpf_rbtree_add_impl(KF_ARGS)
{
	const char *fn = "bpf_rbtree_add_impl";
	struct graph *g = graph_enter(vm, fn);
	struct gcoll *c = g ? arg_coll(vm, g, r1, GRAPH_RBTREE, fn) : NULL;
	u32 pos;

	if (!c || arg_free_node(vm, g, r2, GRAPH_RB_NODE_SIZE, fn))
		return 0;
	if (!r3) {
		bpf_vm_abort(vm, "%s(): argument 3 is NULL, a less() callback is required", fn);
		return 0;
	}
	if (rb_pos(vm, g, c, r3, r2, &pos))
		return 0; /* the callback's error stops the program */
	if (coll_insert(g, c, pos, r2))
		bpf_vm_abort(vm, "%s(): out of memory", fn);
	return 0;
}

u64 kf_bpf_rbtree_first(KF_ARGS)
{
	const char *fn = "bpf_rbtree_first";
	struct graph *g = graph_enter(vm, fn);
	struct gcoll *c = g ? arg_coll(vm, g, r1, GRAPH_RBTREE, fn) : NULL;

	return c && c->n ? c->node[0] : 0;
}

u64 kf_bpf_rbtree_remove(KF_ARGS)
{
	const char *fn = "bpf_rbtree_remove";
	struct graph *g = graph_enter(vm, fn);
	struct gcoll *c = g ? arg_coll(vm, g, r1, GRAPH_RBTREE, fn) : NULL;

	if (!c || arg_node(vm, g, r2, GRAPH_RB_NODE_SIZE, 2, fn))
		return 0;
	if (gtab_get(&g->owner, r2) == c) {
		for (u32 i = 0; i < c->n; i++)
			if (c->node[i] == r2)
				return coll_take(g, c, i);
	}
	bpf_vm_abort(vm, "%s(): argument 2 (0x%llx): node is not in this rbtree (root 0x%llx)", fn,
		     (unsigned long long)r2, (unsigned long long)r1);
	return 0;
}

/* ---- the C kfuncs ------------------------------------------------------------------------------
 * Their prototypes are the kernel's (what the loader checks a program's declarations against,
 * kfunc_types.h); they act on the program now running (rt_cur) and exist for BPF programs
 * only: called from C outside a program they do nothing and return NULL / -EINVAL. */

#define GRAPH_CALL(name, a1, a2, a3, a4, a5) \
	(rt_cur && rt_cur->vm ? kf_##name(rt_cur->vm, PTR(a1), PTR(a2), PTR(a3), PTR(a4), PTR(a5), NULL) : 0)

void *bpf_obj_new_impl(u64 local_type_id, void *meta)
{
	return (void *)(uintptr_t)GRAPH_CALL(bpf_obj_new_impl, local_type_id, meta, 0, 0, 0);
}

void bpf_obj_drop_impl(void *kptr, void *meta)
{
	GRAPH_CALL(bpf_obj_drop_impl, kptr, meta, 0, 0, 0);
}

int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node, void *meta, u64 off)
{
	return rt_cur ? (int)GRAPH_CALL(bpf_list_push_front_impl, head, node, meta, off, 0) : -EINVAL;
}

int bpf_list_push_back_impl(struct bpf_list_head *head, struct bpf_list_node *node, void *meta, u64 off)
{
	return rt_cur ? (int)GRAPH_CALL(bpf_list_push_back_impl, head, node, meta, off, 0) : -EINVAL;
}

struct bpf_list_node *bpf_list_pop_front(struct bpf_list_head *head)
{
	return (struct bpf_list_node *)(uintptr_t)GRAPH_CALL(bpf_list_pop_front, head, 0, 0, 0, 0);
}

struct bpf_list_node *bpf_list_pop_back(struct bpf_list_head *head)
{
	return (struct bpf_list_node *)(uintptr_t)GRAPH_CALL(bpf_list_pop_back, head, 0, 0, 0, 0);
}

int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			bool (*less)(struct bpf_rb_node *a, const struct bpf_rb_node *b), void *meta, u64 off)
{
	return rt_cur ? (int)GRAPH_CALL(bpf_rbtree_add_impl, root, node, less, meta, off) : -EINVAL;
}

struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root)
{
	return (struct bpf_rb_node *)(uintptr_t)GRAPH_CALL(bpf_rbtree_first, root, 0, 0, 0, 0);
}

struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root, struct bpf_rb_node *node)
{
	return (struct bpf_rb_node *)(uintptr_t)GRAPH_CALL(bpf_rbtree_remove, root, node, 0, 0, 0);
}
