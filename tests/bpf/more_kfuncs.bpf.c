/*
 * more_kfuncs.bpf.c — the generic BPF kfuncs and helpers that tests/bpf/sched_features.bpf.c
 * does not call, for tests/unit/test_bpf_more.c: task and cgroup references, cgroup ancestors
 * and ids, RCU read locks, every bpf_cpumask kfunc not used there, per-CPU lookups, ring buffer
 * discard and query, task and cgroup local storage, spin locks, bpf_strncmp (SEC("syscall")
 * programs run with bpf_sched_run_prog(), each returning a value or a bit set of passed
 * checks), and the current-task helpers, read in ops.tick where the current task is the op's.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

u64 n_tick, n_tick_ok;   /* ops.tick runs, and runs where every current-task helper agreed */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} pc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u64);
} ts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u64);
} cs SEC(".maps");

struct locked {
	struct bpf_spin_lock lock;
	u64 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct locked);
} lk SEC(".maps");

/* bpf_task_acquire: the same task back, released twice; ctx[0] = pid */
SEC("syscall") int k_task_acquire(u64 *ctx)
{
	struct task_struct *p = bpf_task_from_pid((s32)ctx[0]), *q;
	int r;

	if (!p)
		return -1;
	q = bpf_task_acquire(p);
	r = q == p ? p->pid : -2;
	if (q)
		bpf_task_release(q);
	bpf_task_release(p);
	return r;
}

/* cgroups by id, ancestors, references, under an RCU read lock; ctx[0] = id of a level-2 cgroup */
SEC("syscall") int k_cgroup(u64 *ctx)
{
	struct cgroup *cg, *root, *mid, *acq;
	int r = 0;

	bpf_rcu_read_lock();
	cg = bpf_cgroup_from_id(ctx[0]);
	if (!cg) {
		bpf_rcu_read_unlock();
		return -1;
	}
	root = bpf_cgroup_ancestor(cg, 0);
	mid = bpf_cgroup_ancestor(cg, 1);
	if (root && root->level == 0 && root->kn->id == 0)
		r |= 1;
	if (mid && mid->level == 1 && cg->ancestors[1] == mid)
		r |= 2;
	if (!bpf_cgroup_ancestor(cg, 3) && bpf_cgroup_ancestor(cg, 2) == cg)
		r |= 4;
	if (!bpf_cgroup_from_id(99999))
		r |= 8;
	acq = bpf_cgroup_acquire(cg);
	if (acq == cg)
		r |= 16;
	if (acq)
		bpf_cgroup_release(acq);
	if (cg->kn->id == ctx[0] && cg->level == 2)
		r |= 32;
	bpf_rcu_read_unlock();
	return r; /* 63 */
}

/* the bpf_cpumask kfuncs sched_features does not use; bit i set = check i passed */
SEC("syscall") int k_cpumask(u64 *ctx)
{
	struct bpf_cpumask *a = bpf_cpumask_create(), *b = bpf_cpumask_create();
	struct bpf_cpumask *d = bpf_cpumask_create(), *ref;
	int r = 0;
	u32 x;

	if (!a || !b || !d) {
		if (a)
			bpf_cpumask_release(a);
		if (b)
			bpf_cpumask_release(b);
		if (d)
			bpf_cpumask_release(d);
		return -1;
	}
	bpf_cpumask_set_cpu(0, a);
	bpf_cpumask_set_cpu(1, a);                               /* a = {0,1} */
	bpf_cpumask_set_cpu(1, b);
	bpf_cpumask_set_cpu(2, b);                               /* b = {1,2} */
	if (bpf_cpumask_and(d, cast_mask(a), cast_mask(b)) && bpf_cpumask_weight(cast_mask(d)) == 1 &&
	    bpf_cpumask_test_cpu(1, cast_mask(d)))
		r |= 1 << 0;
	bpf_cpumask_or(d, cast_mask(a), cast_mask(b));
	if (bpf_cpumask_weight(cast_mask(d)) == 3)
		r |= 1 << 1;
	bpf_cpumask_xor(d, cast_mask(a), cast_mask(b));
	if (bpf_cpumask_weight(cast_mask(d)) == 2 && !bpf_cpumask_test_cpu(1, cast_mask(d)))
		r |= 1 << 2;
	if (bpf_cpumask_equal(cast_mask(a), cast_mask(a)) && !bpf_cpumask_equal(cast_mask(a), cast_mask(b)))
		r |= 1 << 3;
	if (bpf_cpumask_intersects(cast_mask(a), cast_mask(b)))
		r |= 1 << 4;
	bpf_cpumask_and(d, cast_mask(a), cast_mask(b));
	if (bpf_cpumask_subset(cast_mask(d), cast_mask(a)) && !bpf_cpumask_subset(cast_mask(a), cast_mask(b)))
		r |= 1 << 5;
	if (bpf_cpumask_first_zero(cast_mask(a)) == 2 && bpf_cpumask_first_and(cast_mask(a), cast_mask(b)) == 1)
		r |= 1 << 6;
	if (!bpf_cpumask_test_and_set_cpu(3, a) && bpf_cpumask_test_and_set_cpu(3, a))
		r |= 1 << 7;
	if (bpf_cpumask_test_and_clear_cpu(3, a) && !bpf_cpumask_test_cpu(3, cast_mask(a)))
		r |= 1 << 8;
	bpf_cpumask_setall(d);
	if (bpf_cpumask_full(cast_mask(d)) && bpf_cpumask_weight(cast_mask(d)) == 4)
		r |= 1 << 9;
	bpf_cpumask_clear(d);
	if (bpf_cpumask_empty(cast_mask(d)) && bpf_cpumask_first(cast_mask(d)) >= 4)
		r |= 1 << 10;
	bpf_cpumask_copy(d, cast_mask(a));
	if (bpf_cpumask_equal(cast_mask(d), cast_mask(a)))
		r |= 1 << 11;
	x = bpf_cpumask_any_distribute(cast_mask(a));
	if (x <= 1 && bpf_cpumask_any_and_distribute(cast_mask(a), cast_mask(b)) == 1)
		r |= 1 << 12;
	bpf_cpumask_clear_cpu(0, a);
	if (bpf_cpumask_weight(cast_mask(a)) == 1 && bpf_cpumask_any_distribute(cast_mask(d)) <= 1)
		r |= 1 << 13;
	ref = bpf_cpumask_acquire(a);                            /* a second reference ... */
	if (ref == a)
		r |= 1 << 14;
	bpf_cpumask_release(ref);
	bpf_cpumask_release(a);                                  /* ... so two releases are fine */
	bpf_cpumask_release(b);
	bpf_cpumask_release(d);
	return r; /* 0x7fff */
}

/* per-CPU slots: lookup_percpu_elem for one CPU, lookup_elem for the current one (CPU 0 here) */
SEC("syscall") int k_percpu(u64 *ctx)
{
	u32 k = 0;
	u64 *v2 = bpf_map_lookup_percpu_elem(&pc, &k, 2), *v0 = bpf_map_lookup_percpu_elem(&pc, &k, 0);
	u64 *cur;

	if (!v2 || !v0 || v2 == v0)
		return -1;
	*v2 = 42;
	*v0 = 7;
	cur = bpf_map_lookup_elem(&pc, &k);
	if (!cur || *cur != 7)
		return -2;
	if (bpf_map_lookup_percpu_elem(&pc, &k, 99))
		return -3;
	return (int)(*v2 * 10 + *cur); /* 427 */
}

/* ring buffer: a discarded record, then a submitted one; what query reports after each */
SEC("syscall") int k_ringbuf(u64 *ctx)
{
	u64 *rec = bpf_ringbuf_reserve(&rb, 8, 0);
	u64 avail0, avail1;

	if (!rec)
		return -1;
	bpf_ringbuf_discard(rec, 0);
	avail0 = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	rec = bpf_ringbuf_reserve(&rb, 8, 0);
	if (!rec)
		return -2;
	*rec = 5;
	bpf_ringbuf_submit(rec, 0);
	avail1 = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	return (int)(bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE) * 10000 + avail1 * 100 + avail0);
}

/* task and cgroup local storage: create, find again, delete; ctx[0] = pid, ctx[1] = cgroup id */
SEC("syscall") int k_storage(u64 *ctx)
{
	struct task_struct *p = bpf_task_from_pid((s32)ctx[0]);
	struct cgroup *cg = bpf_cgroup_from_id(ctx[1]);
	u64 *v, *w;
	int r = 0;

	if (!p || !cg) {
		if (p)
			bpf_task_release(p);
		return -1;
	}
	if (!bpf_task_storage_get(&ts, p, 0, 0))
		r |= 1;                                              /* nothing yet */
	v = bpf_task_storage_get(&ts, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v) {
		*v = 5;
		w = bpf_task_storage_get(&ts, p, 0, 0);
		if (w == v && *w == 5)
			r |= 2;
	}
	if (!bpf_task_storage_delete(&ts, p) && !bpf_task_storage_get(&ts, p, 0, 0))
		r |= 4;
	v = bpf_cgrp_storage_get(&cs, cg, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v) {
		*v = 9;
		w = bpf_cgrp_storage_get(&cs, cg, 0, 0);
		if (w == v && *w == 9)
			r |= 8;
	}
	if (!bpf_cgrp_storage_delete(&cs, cg) && !bpf_cgrp_storage_get(&cs, cg, 0, 0))
		r |= 16;
	bpf_task_release(p);
	return r; /* 31 */
}

/* a spin-locked counter in a map value */
SEC("syscall") int k_spin(u64 *ctx)
{
	u32 k = 0;
	struct locked *v = bpf_map_lookup_elem(&lk, &k);

	if (!v)
		return -1;
	bpf_spin_lock(&v->lock);
	v->n += 3;
	bpf_spin_unlock(&v->lock);
	return (int)v->n;
}

/* bpf_strncmp: equal, smaller, greater, and a prefix bounded by s1_sz */
SEC("syscall") int k_strncmp(u64 *ctx)
{
	char buf[8] = "abc";
	int r = 0;

	if (bpf_strncmp(buf, sizeof(buf), "abc") == 0)
		r |= 1;
	if (bpf_strncmp(buf, sizeof(buf), "abd") < 0)
		r |= 2;
	if (bpf_strncmp(buf, sizeof(buf), "ab") > 0)
		r |= 4;
	if (bpf_strncmp(buf, 2, "abz") == 0)
		r |= 8;
	return r; /* 15 */
}

/* ops.tick runs on the CPU whose current task is p: the current-task helpers must say so */
void BPF_STRUCT_OPS(kf_tick, struct task_struct *p)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	u64 pid_tgid = bpf_get_current_pid_tgid();
	char comm[16];
	bool ok;

	n_tick++;
	bpf_get_current_comm(comm, sizeof(comm));
	ok = cur == p && (struct task_struct *)bpf_get_current_task() == p &&
	     (u32)(pid_tgid >> 32) == (u32)p->pid && (u32)pid_tgid == (u32)p->pid &&
	     comm[0] == p->comm[0] && comm[1] == p->comm[1] &&
	     bpf_get_smp_processor_id() == (u32)scx_bpf_task_cpu(p) &&
	     bpf_get_numa_node_id() == 0 &&
	     bpf_ktime_get_boot_ns() == bpf_ktime_get_ns() &&
	     bpf_jiffies64() == bpf_ktime_get_ns() / 1000000;
	if (ok)
		n_tick_ok++;
}

void BPF_STRUCT_OPS(kf_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SCX_OPS_DEFINE(kf_ops,
	       .enqueue = (void *)kf_enqueue,
	       .tick = (void *)kf_tick,
	       .name = "more_kfuncs");
