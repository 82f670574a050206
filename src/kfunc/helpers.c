/*
 * helpers.c — the BPF helpers (called by id, include/uapi/linux/bpf.h numbering) the runtime
 * implements for schedulers: maps (through the map module's program face, bpf_map.h),
 * time (simulated), CPU id, seeded random numbers, printk, probe reads, bpf_loop and
 * bpf_for_each_map_elem (re-entering the VM with bpf_vm_callback), ring buffers, task/cgroup
 * storage, spin locks, kptr_xchg; the bpf_timer helpers are in timer.c.
 *
 * Every pointer argument is checked before use: a map must be one of this scheduler's maps,
 * keys/values/buffers must be readable or writable by the program for their whole size. A
 * misuse the kernel's verifier would reject stops the program (bpf_vm_abort) with the helper
 * and argument named; a failure the kernel reports at run time returns its errno.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "kf_int.h"

#define H(name) static u64 h_##name(KF_ARGS)
#define PTR(x) ((u64)(uintptr_t)(x))
#define ERR(e) ((u64)(s64)(e))
#define HELPER_MAX_ID 212
#define LOOP_MAX (1u << 23) /* bpf_loop's limit */

static struct rt_map *arg_map(struct bpf_vm *vm, u64 v, const char *fn)
{
	struct bpf_sched *s = kf_rt(vm);

	for (int i = 0; i < s->nr_maps; i++)
		if (PTR(s->maps[i].map) == v)
			return &s->maps[i];
	bpf_vm_abort(vm, "%s(): argument 1 (0x%llx) is not a map of this scheduler", fn,
		     (unsigned long long)v);
	return NULL;
}

/* ---- maps --------------------------------------------------------------------------------- */

/* A BPF program may look up a map-in-map (it gets the inner map) but not change it: the
 * kernel's verifier refuses update/delete on ARRAY_OF_MAPS/HASH_OF_MAPS at load. */
static bool map_changeable(struct bpf_vm *vm, const struct rt_map *m, const char *fn)
{
	if (!bpf_map_is_of_maps(m->map))
		return true;
	bpf_vm_abort(vm, "%s(): map '%s' is a map-in-map (%s): a BPF program may only look it up",
		     fn, bpf_map_name(m->map), bpf_map_type_name(bpf_map_type(m->map)));
	return false;
}

H(map_lookup_elem)
{
	struct rt_map *m = arg_map(vm, r1, "bpf_map_lookup_elem");

	if (!m || kf_arg_mem(vm, r2, bpf_map_key_size(m->map), BPF_VM_READ, "bpf_map_lookup_elem", 2))
		return 0;
	return PTR(bpf_map_prog_lookup(m->map, (const void *)(uintptr_t)r2, (u32)kf_cpu(kf_rt(vm))));
}

H(map_lookup_percpu_elem)
{
	struct rt_map *m = arg_map(vm, r1, "bpf_map_lookup_percpu_elem");

	if (!m || kf_arg_mem(vm, r2, bpf_map_key_size(m->map), BPF_VM_READ, "bpf_map_lookup_percpu_elem", 2))
		return 0;
	return PTR(bpf_map_prog_lookup(m->map, (const void *)(uintptr_t)r2, (u32)r3));
}

H(map_update_elem)
{
	const char *fn = "bpf_map_update_elem";
	struct rt_map *m = arg_map(vm, r1, fn);

	if (!m || !map_changeable(vm, m, fn) ||
	    kf_arg_mem(vm, r2, bpf_map_key_size(m->map), BPF_VM_READ, fn, 2) ||
	    kf_arg_mem(vm, r3, bpf_map_value_size(m->map), BPF_VM_READ, fn, 3))
		return 0;
	return ERR(bpf_map_prog_update(m->map, (const void *)(uintptr_t)r2,
				       (const void *)(uintptr_t)r3, r4, (u32)kf_cpu(kf_rt(vm))));
}

H(map_delete_elem)
{
	struct rt_map *m = arg_map(vm, r1, "bpf_map_delete_elem");

	if (!m || !map_changeable(vm, m, "bpf_map_delete_elem") || kf_arg_mem(vm, r2, bpf_map_key_size(m->map), BPF_VM_READ, "bpf_map_delete_elem", 2))
		return 0;
	return ERR(bpf_map_prog_delete(m->map, (const void *)(uintptr_t)r2));
}

H(map_push_elem)
{
	struct rt_map *m = arg_map(vm, r1, "bpf_map_push_elem");

	if (!m || kf_arg_mem(vm, r2, bpf_map_value_size(m->map), BPF_VM_READ, "bpf_map_push_elem", 2))
		return 0;
	return ERR(bpf_map_prog_push(m->map, (const void *)(uintptr_t)r2, r3));
}

static u64 pop_peek(struct bpf_vm *vm, u64 r1, u64 r2, bool pop)
{
	const char *fn = pop ? "bpf_map_pop_elem" : "bpf_map_peek_elem";
	struct rt_map *m = arg_map(vm, r1, fn);
	void *v = (void *)(uintptr_t)r2;

	if (!m || kf_arg_mem(vm, r2, bpf_map_value_size(m->map), BPF_VM_WRITE, fn, 2))
		return 0;
	return ERR(pop ? bpf_map_prog_pop(m->map, v) : bpf_map_prog_peek(m->map, v));
}

H(map_pop_elem) { return pop_peek(vm, r1, r2, true); }
H(map_peek_elem) { return pop_peek(vm, r1, r2, false); }

/* for_each: the key is copied where the callback may read it */
struct foreach_ctx {
	struct bpf_vm *vm;
	u64 map, fn, ctx;
	u8 key[BPF_MAP_MAX_KEY];
	bool failed;
};

static int foreach_cb(void *c, const void *key, void *value)
{
	struct foreach_ctx *f = c;
	struct bpf_sched *s = kf_rt(f->vm);
	u32 ks = bpf_map_key_size((struct bpf_map *)(uintptr_t)f->map);
	u64 args[5] = { f->map, PTR(f->key), PTR(value), f->ctx, 0 }, r0 = 0;
	bool added;

	memcpy(f->key, key, MIN(ks, sizeof(f->key)));
	added = rt_mem_tmp_add(s, f->key, ks ? ks : 1, BPF_VM_READ, "for_each key");
	if (bpf_vm_callback(f->vm, f->fn, args, &r0))
		f->failed = true;
	if (added)
		bpf_vm_region_remove(s->vm, f->key);
	return f->failed || r0 ? 1 : 0;
}

H(for_each_map_elem)
{
	struct rt_map *m = arg_map(vm, r1, "bpf_for_each_map_elem");
	struct foreach_ctx f = { vm, r1, r2, r3, { 0 }, false };
	long n;

	if (!m)
		return 0;
	n = bpf_map_prog_for_each(m->map, foreach_cb, &f, r4, (u32)kf_cpu(kf_rt(vm)));
	return ERR(n);
}

/* ---- task / cgroup storage ------------------------------------------------------------------- */

static u64 storage_get(struct bpf_vm *vm, u64 r1, u64 r2, u64 r3, u64 r4, bool task)
{
	const char *fn = task ? "bpf_task_storage_get" : "bpf_cgrp_storage_get";
	struct rt_map *m = arg_map(vm, r1, fn);
	struct task_struct *p = NULL;
	struct cgroup *c = NULL;

	if (!m || (task ? kf_arg_task(vm, r2, fn, 2, true, &p) : kf_arg_cgroup(vm, r2, fn, 2, true, &c)))
		return 0;
	if (r3 && kf_arg_mem(vm, r3, bpf_map_value_size(m->map), BPF_VM_READ, fn, 3))
		return 0;
	return PTR(bpf_map_prog_storage_get(m->map, task ? (void *)p : (void *)c,
					    (const void *)(uintptr_t)r3, r4));
}

static u64 storage_delete(struct bpf_vm *vm, u64 r1, u64 r2, bool task)
{
	const char *fn = task ? "bpf_task_storage_delete" : "bpf_cgrp_storage_delete";
	struct rt_map *m = arg_map(vm, r1, fn);
	struct task_struct *p = NULL;
	struct cgroup *c = NULL;

	if (!m || (task ? kf_arg_task(vm, r2, fn, 2, false, &p) : kf_arg_cgroup(vm, r2, fn, 2, false, &c)))
		return 0;
	return ERR(bpf_map_prog_storage_delete(m->map, task ? (void *)p : (void *)c));
}

H(task_storage_get) { return storage_get(vm, r1, r2, r3, r4, true); }
H(task_storage_delete) { return storage_delete(vm, r1, r2, true); }
H(cgrp_storage_get) { return storage_get(vm, r1, r2, r3, r4, false); }
H(cgrp_storage_delete) { return storage_delete(vm, r1, r2, false); }

/* ---- ring buffers ------------------------------------------------------------------------------ */

static struct rt_map *ring_of_sample(struct bpf_vm *vm, u64 sample, const char *fn)
{
	struct bpf_sched *s = kf_rt(vm);

	for (int i = 0; i < s->nr_maps; i++)
		if (bpf_map_type(s->maps[i].map) == BPF_MAP_TYPE_RINGBUF &&
		    bpf_map_ringbuf_owns(s->maps[i].map, (const void *)(uintptr_t)sample))
			return &s->maps[i];
	bpf_vm_abort(vm, "%s(): argument 1 (0x%llx) is not a reserved ring buffer record", fn,
		     (unsigned long long)sample);
	return NULL;
}

H(ringbuf_output)
{
	struct rt_map *m = arg_map(vm, r1, "bpf_ringbuf_output");

	if (!m || kf_arg_mem(vm, r2, r3, BPF_VM_READ, "bpf_ringbuf_output", 2))
		return 0;
	return ERR(bpf_map_prog_ringbuf_output(m->map, (const void *)(uintptr_t)r2, r3, r4));
}

H(ringbuf_reserve)
{
	struct rt_map *m = arg_map(vm, r1, "bpf_ringbuf_reserve");

	return m ? PTR(bpf_map_prog_ringbuf_reserve(m->map, r2, r3)) : 0;
}

H(ringbuf_submit)
{
	struct rt_map *m = ring_of_sample(vm, r1, "bpf_ringbuf_submit");

	if (m)
		bpf_map_prog_ringbuf_submit(m->map, (void *)(uintptr_t)r1, r2);
	return 0;
}

H(ringbuf_discard)
{
	struct rt_map *m = ring_of_sample(vm, r1, "bpf_ringbuf_discard");

	if (m)
		bpf_map_prog_ringbuf_discard(m->map, (void *)(uintptr_t)r1, r2);
	return 0;
}

H(ringbuf_query)
{
	struct rt_map *m = arg_map(vm, r1, "bpf_ringbuf_query");

	return m ? bpf_map_prog_ringbuf_query(m->map, r2) : 0;
}

/* ---- time, CPU, randomness, current task -------------------------------------------------------- */

H(ktime_get_ns) { return kf_rt(vm)->m->sim.now; }
H(jiffies64) { return kf_rt(vm)->m->sim.now / (kf_rt(vm)->m->tick_ns ? kf_rt(vm)->m->tick_ns : 1); }
H(get_smp_processor_id) { return (u64)kf_cpu(kf_rt(vm)); }
H(get_prandom_u32) { return (u32)(rng_next(&kf_rt(vm)->rng) >> 32); }

H(get_numa_node_id)
{
	struct bpf_sched *s = kf_rt(vm);

	return (u64)s->m->topo->cpus[kf_cpu(s)].node;
}

static struct task_struct *current_task(struct bpf_sched *s)
{
	return cpu_rq(s->m, kf_cpu(s))->curr;
}

H(get_current_task) { return PTR(current_task(kf_rt(vm))); }

H(get_current_pid_tgid)
{
	struct task_struct *p = current_task(kf_rt(vm));

	return p ? ((u64)(u32)p->pid << 32) | (u32)p->pid : 0;
}

H(get_current_comm)
{
	struct task_struct *p = current_task(kf_rt(vm));
	char *buf = (char *)(uintptr_t)r1;

	if (!r2 || kf_arg_mem(vm, r1, r2, BPF_VM_WRITE, "bpf_get_current_comm", 1))
		return ERR(-EINVAL);
	snprintf(buf, r2, "%s", p ? p->comm : "swapper");
	return 0;
}

/* ---- memory ------------------------------------------------------------------------------------- */

H(probe_read_kernel)
{
	if (kf_arg_mem(vm, r1, r2, BPF_VM_WRITE, "bpf_probe_read_kernel", 1))
		return 0;
	if (!r2)
		return 0;
	if (bpf_vm_check_mem(vm, r3, r2, BPF_VM_READ)) {
		memset((void *)(uintptr_t)r1, 0, r2);
		return ERR(-EFAULT);
	}
	memmove((void *)(uintptr_t)r1, (const void *)(uintptr_t)r3, r2);
	return 0;
}

H(probe_read_kernel_str)
{
	char *dst = (char *)(uintptr_t)r1;
	u64 i;

	if (!r2)
		return 0;
	if (kf_arg_mem(vm, r1, r2, BPF_VM_WRITE, "bpf_probe_read_kernel_str", 1))
		return 0;
	for (i = 0; i + 1 < r2; i++) {
		if (bpf_vm_check_mem(vm, r3 + i, 1, BPF_VM_READ)) {
			dst[0] = '\0';
			return ERR(-EFAULT);
		}
		dst[i] = *(const char *)(uintptr_t)(r3 + i);
		if (!dst[i])
			return i + 1;
	}
	dst[i] = '\0';
	return i + 1;
}

H(kptr_xchg)
{
	u64 old;

	if (kf_arg_mem(vm, r1, sizeof(u64), BPF_VM_RW, "bpf_kptr_xchg", 1))
		return 0;
	memcpy(&old, (void *)(uintptr_t)r1, sizeof(old));
	memcpy((void *)(uintptr_t)r1, &r2, sizeof(r2));
	return old;
}

H(spin_lock)
{
	u32 *l = (u32 *)(uintptr_t)r1;

	if (kf_arg_obj(vm, r1, sizeof(u32), sizeof(u32), BPF_VM_RW, "bpf_spin_lock", 1))
		return 0;
	if (*l) {
		bpf_vm_abort(vm, "bpf_spin_lock(): lock at 0x%llx is already held (deadlock)",
			     (unsigned long long)r1);
		return 0;
	}
	*l = 1;
	return 0;
}

H(spin_unlock)
{
	u32 *l = (u32 *)(uintptr_t)r1;

	if (kf_arg_obj(vm, r1, sizeof(u32), sizeof(u32), BPF_VM_RW, "bpf_spin_unlock", 1))
		return 0;
	if (!*l) {
		bpf_vm_abort(vm, "bpf_spin_unlock(): lock at 0x%llx is not held", (unsigned long long)r1);
		return 0;
	}
	*l = 0;
	return 0;
}

/* ---- printk ------------------------------------------------------------------------------------- */

static u64 printk(struct bpf_vm *vm, const char *fn, u64 fmt, u64 fmt_size, const u64 *args, u32 nr)
{
	char line[1024];

	if (rt_bstr_format(vm, fmt, fmt_size, args, nr, line, sizeof(line))) {
		bpf_vm_abort(vm, "%s(): %s", fn, line);
		return 0;
	}
	rt_log_append(kf_rt(vm), line);
	return strlen(line);
}

H(trace_printk)
{
	u64 args[3] = { r3, r4, r5 };

	return printk(vm, "bpf_trace_printk", r1, r2, args, 3);
}

/* data/data_len: an array of u64 arguments in BPF memory */
static int arg_array(struct bpf_vm *vm, u64 data, u64 len, u64 *args, u32 *nr, const char *fn, int arg)
{
	if (len % 8 || len > 12 * 8) {
		bpf_vm_abort(vm, "%s(): data_len %llu must be a multiple of 8, at most 96", fn,
			     (unsigned long long)len);
		return -EINVAL;
	}
	if (len && kf_arg_mem(vm, data, len, BPF_VM_READ, fn, arg))
		return -EFAULT;
	if (len)
		memcpy(args, (const void *)(uintptr_t)data, len);
	*nr = (u32)(len / 8);
	return 0;
}

H(trace_vprintk)
{
	u64 args[12];
	u32 nr;

	if (arg_array(vm, r3, r4, args, &nr, "bpf_trace_vprintk", 3))
		return 0;
	return printk(vm, "bpf_trace_vprintk", r1, r2, args, nr);
}

H(snprintf)
{
	const char *fn = "bpf_snprintf";
	char out[1024];
	u64 args[12];
	u32 nr;
	size_t n;

	if (arg_array(vm, r4, r5, args, &nr, fn, 4) ||
	    (r2 && kf_arg_mem(vm, r1, r2, BPF_VM_WRITE, fn, 1)))
		return 0;
	if (rt_bstr_format(vm, r3, sizeof(out), args, nr, out, sizeof(out)))
		return ERR(-EINVAL);
	n = strlen(out);
	if (r2)
		snprintf((char *)(uintptr_t)r1, r2, "%s", out);
	return n + 1;
}

/* bpf_strncmp(s1, s1_sz, s2): s1 is s1_sz bytes of program memory, s2 a NUL-terminated
 * string (the kernel wants it read-only; scxsim reads it byte by byte with checks) */
H(strncmp)
{
	const char *a = (const char *)(uintptr_t)r1;

	if (kf_arg_mem(vm, r1, r2, BPF_VM_READ, "bpf_strncmp", 1))
		return 0;
	for (u64 i = 0; i < r2; i++) {
		char b;

		if (kf_arg_mem(vm, r3 + i, 1, BPF_VM_READ, "bpf_strncmp", 3))
			return 0;
		b = *(const char *)(uintptr_t)(r3 + i);
		if (a[i] != b)
			return (u64)(s64)((unsigned char)a[i] < (unsigned char)b ? -1 : 1);
		if (!b)
			return 0;
	}
	return 0;
}

/* ---- bpf_loop ----------------------------------------------------------------------------------- */

H(loop)
{
	u64 i, r0 = 0;

	if (r4)
		return ERR(-EINVAL);
	if (r1 > LOOP_MAX)
		return ERR(-E2BIG);
	for (i = 0; i < r1; i++) {
		u64 args[5] = { i, r3, 0, 0, 0 };

		if (bpf_vm_callback(vm, r2, args, &r0))
			return 0; /* the error stops the program */
		if (r0) {
			i++;
			break;
		}
	}
	return i;
}

/* ---- the table (index = helper id) --------------------------------------------------------------- */

#define E(id, name) [id] = { "bpf_" #name, h_##name, NULL }

static const struct bpf_vm_func helpers[HELPER_MAX_ID] = {
	E(1, map_lookup_elem),
	E(2, map_update_elem),
	E(3, map_delete_elem),
	E(5, ktime_get_ns),
	E(6, trace_printk),
	E(7, get_prandom_u32),
	E(8, get_smp_processor_id),
	E(14, get_current_pid_tgid),
	E(16, get_current_comm),
	E(35, get_current_task),
	E(42, get_numa_node_id),
	E(87, map_push_elem),
	E(88, map_pop_elem),
	E(89, map_peek_elem),
	E(93, spin_lock),
	E(94, spin_unlock),
	E(113, probe_read_kernel),
	E(115, probe_read_kernel_str),
	E(118, jiffies64),
	[125] = { "bpf_ktime_get_boot_ns", h_ktime_get_ns, NULL },
	E(130, ringbuf_output),
	E(131, ringbuf_reserve),
	E(132, ringbuf_submit),
	E(133, ringbuf_discard),
	E(134, ringbuf_query),
	E(156, task_storage_get),
	E(157, task_storage_delete),
	[158] = { "bpf_get_current_task_btf", h_get_current_task, NULL },
	E(164, for_each_map_elem),
	E(165, snprintf),
	[169] = { "bpf_timer_init", kf_timer_init, NULL },
	[170] = { "bpf_timer_set_callback", kf_timer_set_callback, NULL },
	[171] = { "bpf_timer_start", kf_timer_start, NULL },
	[172] = { "bpf_timer_cancel", kf_timer_cancel, NULL },
	E(177, trace_vprintk),
	E(181, loop),
	E(182, strncmp),
	E(194, kptr_xchg),
	E(195, map_lookup_percpu_elem),
	E(210, cgrp_storage_get),
	E(211, cgrp_storage_delete),
};

const struct bpf_vm_func *rt_helper_vm_table(u32 *nr)
{
	*nr = HELPER_MAX_ID;
	return helpers;
}
