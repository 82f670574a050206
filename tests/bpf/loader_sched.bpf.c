/*
 * loader_sched.bpf.c — test object for the loader (tests/unit/test_bpf_obj.c): a small
 * sched_ext-shaped scheduler that exercises every construct the loader handles: BTF-defined
 * maps, .data/.rodata/.bss and a named .data.* section, `const volatile` knobs of many types,
 * subprograms shared by two programs and called transitively, a bpf_loop callback, strong, weak
 * and ___flavored kfuncs, a __kconfig extern, a typed __ksym variable, struct_ops and
 * struct_ops.s programs bound in a `.struct_ops.link` variable, and a syscall program.
 */
#include "loader_test.h"

struct task_struct;

enum knob_mode { MODE_FIFO = 0, MODE_VTIME = 1, MODE_RR = 7 };

struct stat_val { u64 cnt; u64 sum; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, u32);
	__type(value, struct stat_val);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16);
	__uint(key_size, 0);
	__uint(value_size, 8);
} fifo SEC(".maps");

/* knobs (.rodata) */
const volatile u64 slice_ns = 20000000;
const volatile s32 nice_bias = -5;
const volatile u8 small = 200;
const volatile bool verbose = false;
const volatile char tag[8] = "abc";
const volatile enum knob_mode mode = MODE_VTIME;
const volatile s8 tiny = -1;

/* globals */
u64 nr_enqueued;                           /* .bss */
u32 seed = 0x1234;                          /* .data */
u64 extra[4] SEC(".data.extra") = { 1, 2, 3, 4 };

extern int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_SCHED_DEBUG __kconfig __weak;
extern const int runqueues __ksym __weak;

extern void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym;
extern s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
extern void scx_bpf_missing_kfunc(u64 x) __ksym __weak;
extern u32 scx_bpf_flavored___v2(u64 a, u64 b) __ksym __weak;
extern u32 scx_bpf_flavored___v1(u32 a) __ksym __weak;

static __noinline u64 scale(u64 v)
{
	return v * slice_ns / 1000 + nr_enqueued;
}

static __noinline u64 weight_of(u32 pid)
{
	return scale(pid) + seed + extra[pid & 3];
}

static int count_cb(u32 idx, void *ctx)
{
	nr_enqueued += idx;
	return 0;
}

SEC("struct_ops/enqueue")
void BPF_PROG_enqueue(struct task_struct *p, u64 enq_flags)
{
	u32 key = 0;
	struct stat_val *v = bpf_map_lookup_elem(&stats, &key);

	if (v)
		v->cnt++;
	nr_enqueued++;
	scx_bpf_dispatch(p, 0, weight_of(enq_flags), enq_flags);
	if (bpf_ksym_exists(scx_bpf_missing_kfunc))
		scx_bpf_missing_kfunc(LINUX_KERNEL_VERSION);
	if (bpf_ksym_exists(scx_bpf_flavored___v2))
		nr_enqueued += scx_bpf_flavored___v2(1, 2);
	else if (bpf_ksym_exists(scx_bpf_flavored___v1))
		nr_enqueued += scx_bpf_flavored___v1(1);
}

SEC("struct_ops/dispatch")
void BPF_PROG_dispatch(s32 cpu, struct task_struct *prev)
{
	bpf_loop(4, count_cb, NULL, 0);
	nr_enqueued += scale(cpu) + (CONFIG_SCHED_DEBUG ? 1 : 0) + (&runqueues ? 1 : 0);
}

SEC("struct_ops.s/init")
s32 BPF_PROG_init(void)
{
	return scx_bpf_create_dsq(0, -1) + mode + small + tiny + nice_bias + verbose + tag[0];
}

SEC("struct_ops/exit")
void BPF_PROG_exit(void *info)
{
	nr_enqueued = 0;
}

SEC("syscall")
int setup(void *ctx)
{
	return seed;
}

struct sched_ext_ops {
	s32 (*select_cpu)(struct task_struct *p, s32 prev_cpu, u64 wake_flags);
	void (*enqueue)(struct task_struct *p, u64 enq_flags);
	void (*dispatch)(s32 cpu, struct task_struct *prev);
	s32 (*init)(void);
	void (*exit)(void *info);
	u64 flags;
	u32 timeout_ms;
	u32 dispatch_max_batch;
	u32 exit_dump_len;
	s32 neg;
	char name[128];
};

SEC(".struct_ops.link")
struct sched_ext_ops loader_ops = {
	.enqueue = (void *)BPF_PROG_enqueue,
	.dispatch = (void *)BPF_PROG_dispatch,
	.init = (void *)BPF_PROG_init,
	.exit = (void *)BPF_PROG_exit,
	.flags = 0x5,
	.timeout_ms = 3000,
	.dispatch_max_batch = 16,
	.exit_dump_len = 0,
	.neg = -42,
	.name = "loader_test",
};

char _license[] SEC("license") = "GPL";
