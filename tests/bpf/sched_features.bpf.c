/*
 * sched_features.bpf.c — programs that exercise the runtime's helpers and kfuncs one by one,
 * run from tests/unit/test_bpf_sched.c with bpf_sched_run_prog() (SEC("syscall") programs,
 * ctx = the u64 array the test passes). Each returns a value the test checks; the struct_ops
 * part is a minimal FIFO scheduler so that the object loads as a scheduler.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u32 knob_u32 = 7;
const volatile char knob_name[8] = "abc";
u64 counter;
char text[64];
struct bpf_cpumask __kptr *stash;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} h SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, u32);
} q SEC(".maps");

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

/* sum of ctx[0] + knob_u32 */
SEC("syscall") int f_args(u64 *ctx)
{
	return (int)(ctx[0] + knob_u32);
}

static long add_cb(u64 i, void *c)
{
	*(u64 *)c += i;
	return i == 9 ? 1 : 0; /* stop after i == 9 */
}

/* bpf_loop: 0 + 1 + ... + 9 = 45, 10 iterations -> 45 * 100 + 10 */
SEC("syscall") int f_loop(u64 *ctx)
{
	u64 sum = 0;
	long n = bpf_loop(100, add_cb, &sum, 0);

	return (int)(sum * 100 + n);
}

static long sum_elem(void *map, u32 *key, u64 *val, u64 *acc)
{
	*acc += *key * 1000 + *val;
	return 0;
}

/* hash map update/lookup/delete and for_each: keys 1..3 with values 10, 20, 30, key 2 deleted */
SEC("syscall") int f_maps(u64 *ctx)
{
	u64 acc = 0, v;
	u32 k;

	for (k = 1; k <= 3; k++) {
		v = k * 10;
		if (bpf_map_update_elem(&h, &k, &v, BPF_NOEXIST))
			return -1;
	}
	k = 1;
	if (bpf_map_update_elem(&h, &k, &v, BPF_NOEXIST) != -EEXIST)
		return -2;
	k = 2;
	if (bpf_map_delete_elem(&h, &k) || bpf_map_lookup_elem(&h, &k))
		return -3;
	if (bpf_for_each_map_elem(&h, sum_elem, &acc, 0) != 2)
		return -4;
	return (int)acc; /* 1010 + 3030 = 4040 */
}

/* queue push/pop/peek */
SEC("syscall") int f_queue(u64 *ctx)
{
	u32 a = 5, b = 6, out = 0, r = 0;

	bpf_map_push_elem(&q, &a, 0);
	bpf_map_push_elem(&q, &b, 0);
	if (bpf_map_peek_elem(&q, &out) || out != 5)
		return -1;
	bpf_map_pop_elem(&q, &out);
	r = out * 10;
	bpf_map_pop_elem(&q, &out);
	r += out;
	return bpf_map_pop_elem(&q, &out) == -ENOENT ? (int)r : -2; /* 56 */
}

/* printk and snprintf */
SEC("syscall") int f_print(u64 *ctx)
{
	u64 args[3];

	args[0] = 42;
	args[1] = (u64)(unsigned long)knob_name;
	args[2] = 0xab;

	bpf_printk("hello %d %s", 42, "world");
	bpf_printk("many %d %d %d %d %x", 1, 2, 3, 4, 255);
	return bpf_snprintf(text, sizeof(text), "n=%llu s=%s x=%x", args, sizeof(args));
}

/* a format with more conversions than arguments stops the program */
SEC("syscall") int f_print_bad(u64 *ctx)
{
	bpf_printk("%d %d %d %d %d", 1, 2, 3, 4);
	return 0;
}

/* probe reads: a readable string, then a wild pointer (-EFAULT, no crash) */
SEC("syscall") int f_probe(u64 *ctx)
{
	char buf[16];
	long n = bpf_probe_read_kernel_str(buf, sizeof(buf), (void *)knob_name);
	long bad = bpf_probe_read_kernel(buf, 8, (void *)0x1000);

	return (int)(n * 100 + (bad == -EFAULT ? 1 : 0)); /* "abc" -> 4 bytes -> 401 */
}

/* bpf_for, bpf_repeat, iterator bounds */
SEC("syscall") int f_iter(u64 *ctx)
{
	int i, sum = 0;

	bpf_for(i, 3, 7)
		sum += i;   /* 3+4+5+6 = 18 */
	bpf_repeat(5)
		sum += 100;
	bpf_for(i, 5, 2) /* empty: start > end */
		sum += 1000;
	return sum; /* 518 */
}

/* cpumask kfuncs, kptr stash */
SEC("syscall") int f_cpumask(u64 *ctx)
{
	struct bpf_cpumask *m = bpf_cpumask_create(), *o;
	int r;

	if (!m)
		return -1;
	bpf_cpumask_set_cpu(1, m);
	bpf_cpumask_set_cpu(3, m);
	bpf_cpumask_set_cpu(5000, m); /* beyond nr_cpu_ids: ignored */
	r = bpf_cpumask_weight(cast_mask(m)) * 1000 + bpf_cpumask_first(cast_mask(m)) * 100 +
	    bpf_cpumask_test_cpu(3, cast_mask(m)) * 10 + bpf_cpumask_empty(cast_mask(m));
	o = bpf_kptr_xchg(&stash, m);
	if (o)
		bpf_cpumask_release(o);
	return r; /* 2110 */
}

/* the stashed mask is still there in a later call; release it */
SEC("syscall") int f_cpumask2(u64 *ctx)
{
	struct bpf_cpumask *m = bpf_kptr_xchg(&stash, NULL);
	int w;

	if (!m)
		return -1;
	w = bpf_cpumask_weight(cast_mask(m));
	bpf_cpumask_release(m);
	return w;
}

/* releasing twice is caught */
SEC("syscall") int f_cpumask_double_release(u64 *ctx)
{
	struct bpf_cpumask *m = bpf_cpumask_create();

	if (!m)
		return -1;
	bpf_cpumask_release(m);
	bpf_cpumask_release(m);
	return 0;
}

/* tasks by pid, CO-RE reads, a field scxsim does not have (guarded) */
SEC("syscall") int f_task(u64 *ctx)
{
	struct task_struct *p = bpf_task_from_pid((s32)ctx[0]);
	int r;

	if (!p)
		return -1;
	r = p->pid * 10 + (p->comm[0] == 'w');
	bpf_task_release(p);
	return r;
}

/* ring buffer reserve/submit, output */
SEC("syscall") int f_ringbuf(u64 *ctx)
{
	u64 *rec = bpf_ringbuf_reserve(&rb, 8, 0);

	if (!rec)
		return -1;
	*rec = 99;
	bpf_ringbuf_submit(rec, 0);
	return bpf_ringbuf_output(&rb, &counter, 8, 0) == 0 ? 1 : -2;
}

/* time, CPU, random */
SEC("syscall") int f_misc(u64 *ctx)
{
	u32 a = bpf_get_prandom_u32(), b = bpf_get_prandom_u32();

	counter = bpf_ktime_get_ns();
	return (a != b) + bpf_get_smp_processor_id() * 10;
}

/* flavours: a compatible one resolves, an incompatible one is absent */
bool scx_bpf_consume___v3(u64 dsq_id) __ksym __weak;
void scx_bpf_kick_cpu___wrong(s32 cpu, u32 flags) __ksym __weak;
/* an upstream kfunc scxsim does not implement (arenas) */
void *bpf_arena_alloc_pages(void *map, void *addr, u32 page_cnt, int node_id, u64 flags) __ksym __weak;

/* a weak kfunc scxsim does not have is absent; a present one exists */
SEC("syscall") int f_ksym(u64 *ctx)
{
	return bpf_ksym_exists(bpf_arena_alloc_pages) * 1000 + bpf_ksym_exists(scx_bpf_now) * 100 +
	       bpf_ksym_exists(scx_bpf_consume___v3) * 10 + bpf_ksym_exists(scx_bpf_kick_cpu___wrong);
}

void BPF_STRUCT_OPS(feat_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SCX_OPS_DEFINE(feat_ops,
	       .enqueue = (void *)feat_enqueue,
	       .flags = SCX_OPS_SWITCH_PARTIAL,
	       .name = "features");
