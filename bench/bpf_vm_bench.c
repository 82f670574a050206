/*
 * bpf_vm_bench.c — speed of the BPF interpreter (src/ebpf/vm.c), printed as figures and
 * ratios measured in this one run (no pass/fail):
 *  1. ns per interpreted instruction on a simple counting loop;
 *  2. a callback-heavy microbenchmark: a sched_ext-style enqueue routine (hash the pid, clamp
 *     and advance the task's vtime, update a global minimum, call one helper) run as a fresh
 *     bpf_vm_exec() per call, against the same C logic compiled natively (-O2), called through
 *     a function pointer. The BPF text is what clang-19 -O2 -target bpf -mcpu=v3 produced for
 *     native_enqueue()'s source (see bench_enqueue_asm);
 *  3. the fixed cost of one bpf_vm_exec(): a two-instruction program (r0 = 0; exit).
 * Each figure is the median of 5 runs. Wall-clock time is used here only, never in the
 * simulator. `bpf_vm_bench [CALLS]` sets the calls per run (default 2,000,000): a small
 * count makes the program quick enough for valgrind --tool=callgrind, whose instruction
 * counts are the stable figure on a shared, noisy machine (see docs/bpf-vm.md); the measured
 * functions are noinline so that --toggle-collect can name them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "scxsim/bpf_asm.h"
#include "scxsim/bpf_vm.h"

#define RUNS 5

struct task {
	u64 vtime;
	u32 weight;
	u32 pid;
	u64 hash;
};

struct bctx {
	u64 min_vtime;
	u64 slice;
	u64 nr;
};

static u64 clock_now;

static __attribute__((noinline)) u64 native_now(void)
{
	return ++clock_now;
}

/* The routine both sides run. */
static __attribute__((noinline)) u64 native_enqueue(struct task *t, struct bctx *c)
{
	u64 h = t->pid, v, floor;

	for (int i = 0; i < 4; i++) {
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdULL;
	}
	t->hash = h;
	v = t->vtime;
	floor = c->min_vtime - c->slice;
	if ((s64)(v - floor) < 0)
		v = floor;
	v += c->slice * 100 / t->weight;
	t->vtime = v;
	if (v < c->min_vtime + c->slice)
		c->min_vtime += (v - c->min_vtime) / 8;
	c->nr += native_now() & 1;
	return h & 63;
}

/* clang-19 -O2 -target bpf -mcpu=v3 output for native_enqueue (helper 1 = native_now). */
static const char bench_enqueue_asm[] =
	"r6 = r2\n w2 = *(u32 *)(r1 + 0xc)\n r3 = -0xae502812aa7333 ll\n r2 *= r3\n"
	"r4 = r2\n r4 >>= 0x21\n r4 ^= r2\n r4 *= r3\n r2 = r4\n r2 >>= 0x21\n r2 ^= r4\n"
	"r2 *= r3\n r7 = r2\n r7 >>= 0x21\n r7 ^= r2\n r7 *= r3\n *(u64 *)(r1 + 0x10) = r7\n"
	"r4 = *(u64 *)(r6 + 0x8)\n r2 = *(u64 *)(r6 + 0x0)\n r5 = *(u64 *)(r1 + 0x0)\n"
	"r3 = r2\n r3 -= r4\n r0 = r5\n r0 -= r3\n if r0 s< 0x0 goto +0x1\n r3 = r5\n"
	"w5 = *(u32 *)(r1 + 0x8)\n r0 = r4\n r0 *= 0x64\n r0 /= r5\n r3 += r0\n"
	"*(u64 *)(r1 + 0x0) = r3\n r4 += r2\n if r3 >= r4 goto +0x4\n r3 -= r2\n r3 >>= 0x3\n"
	"r3 += r2\n *(u64 *)(r6 + 0x0) = r3\n call 0x1\n r0 &= 0x1\n r1 = *(u64 *)(r6 + 0x10)\n"
	"r1 += r0\n *(u64 *)(r6 + 0x10) = r1\n r7 &= 0x3f\n r0 = r7\n exit\n";

static const char bench_empty_asm[] = "r0 = 0\n exit\n";

static const char bench_loop_asm[] =
	"r0 = 0\n r1 = 10000000\n loop:\n r0 += r1\n r0 ^= 0x55\n r1 += -1\n if r1 != 0x0 goto loop\n exit\n";

static u64 bh_now(struct bpf_vm *vm, u64 a, u64 b, u64 c, u64 d, u64 e, void *ctx)
{
	return native_now();
}

static const struct bpf_vm_func bench_helpers[] = { [1] = { "now", bh_now, NULL } };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static int build(struct bpf_vm_prog *p, const char *name, const char *text)
{
	struct bpf_insn *insns;
	struct bpf_vm_error e;
	char err[256];

	if (bpf_asm(text, &insns, &p->nr_insns, err, sizeof(err))) {
		fprintf(stderr, "bench: %s: %s\n", name, err);
		return -1;
	}
	p->name = name;
	p->insns = insns;
	if (bpf_vm_validate(p, &e)) {
		fprintf(stderr, "bench: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* ns per instruction of the counting loop. */
static double bench_loop(struct bpf_vm *vm, struct bpf_vm_prog *p)
{
	u64 before = bpf_vm_insn_count(vm), r0;
	double t0 = now_ns(), t1;

	if (bpf_vm_exec(vm, p, 0, NULL, &r0))
		fprintf(stderr, "bench: %s\n", bpf_vm_last_error(vm)->msg);
	t1 = now_ns();
	return (t1 - t0) / (double)(bpf_vm_insn_count(vm) - before);
}

#define TASKS 64

static int calls = 2000000; /* per run; argv[1] */

static double insns_per_call; /* measured by bench_enqueue_bpf */

static void tasks_init(struct task *t, struct bctx *c)
{
	for (int i = 0; i < TASKS; i++)
		t[i] = (struct task){ .vtime = 1000 * i, .weight = 100 + 37 * i, .pid = 1000 + i };
	*c = (struct bctx){ .min_vtime = 5000, .slice = 20000 };
}

/* ns per call of the enqueue routine, interpreted; *sum receives a checksum. */
static __attribute__((noinline)) double bench_enqueue_bpf(struct bpf_vm *vm, struct bpf_vm_prog *p, struct task *t,
				struct bctx *c, u64 *sum)
{
	double t0 = now_ns();
	u64 s = 0, r0 = 0, before = bpf_vm_insn_count(vm);

	for (int i = 0; i < calls; i++) {
		u64 args[5] = { (u64)(uintptr_t)&t[i % TASKS], (u64)(uintptr_t)c };

		if (bpf_vm_exec(vm, p, 0, args, &r0)) {
			fprintf(stderr, "bench: %s\n", bpf_vm_last_error(vm)->msg);
			break;
		}
		s += r0;
	}
	*sum = s + c->min_vtime + c->nr;
	insns_per_call = (double)(bpf_vm_insn_count(vm) - before) / calls;
	return (now_ns() - t0) / calls;
}

/* ns per bpf_vm_exec() of a program that does nothing: the fixed cost of a call. */
static __attribute__((noinline)) double bench_empty(struct bpf_vm *vm, struct bpf_vm_prog *p)
{
	double t0 = now_ns();
	u64 r0 = 0;

	for (int i = 0; i < calls; i++) {
		if (bpf_vm_exec(vm, p, 0, NULL, &r0)) {
			fprintf(stderr, "bench: %s\n", bpf_vm_last_error(vm)->msg);
			break;
		}
	}
	return (now_ns() - t0) / calls;
}

static __attribute__((noinline)) double bench_enqueue_native(u64 (*fn)(struct task *, struct bctx *), struct task *t,
				   struct bctx *c, u64 *sum)
{
	double t0 = now_ns();
	u64 s = 0;

	for (int i = 0; i < calls; i++)
		s += fn(&t[i % TASKS], c);
	*sum = s + c->min_vtime + c->nr;
	return (now_ns() - t0) / calls;
}

int main(int argc, char **argv)
{
	static struct task tasks[TASKS];
	static struct bctx ctx;
	u64 (*volatile native)(struct task *, struct bctx *) = native_enqueue;
	struct bpf_vm *vm = bpf_vm_create();
	struct bpf_vm_prog loop = { 0 }, enq = { 0 }, empty = { 0 };
	double ns_insn[RUNS], ns_bpf[RUNS], ns_nat[RUNS], ns_empty[RUNS];
	u64 sum_bpf = 0, sum_nat = 0;
	int ret = 1;

	if (argc > 1 && atoi(argv[1]) > 0)
		calls = atoi(argv[1]);
	if (!vm || build(&loop, "loop", bench_loop_asm) || build(&enq, "enqueue", bench_enqueue_asm) ||
	    build(&empty, "empty", bench_empty_asm))
		goto out;
	bpf_vm_set_helpers(vm, bench_helpers, 2);
	bpf_vm_set_budget(vm, 100000000);
	if (bpf_vm_region_add(vm, tasks, sizeof(tasks), BPF_VM_RW, "tasks") ||
	    bpf_vm_region_add(vm, &ctx, sizeof(ctx), BPF_VM_RW, "ctx"))
		goto out;
	for (int r = 0; r < RUNS; r++) {
		ns_insn[r] = bench_loop(vm, &loop);
		tasks_init(tasks, &ctx);
		clock_now = 0;
		ns_bpf[r] = bench_enqueue_bpf(vm, &enq, tasks, &ctx, &sum_bpf);
		tasks_init(tasks, &ctx);
		clock_now = 0;
		ns_nat[r] = bench_enqueue_native(native, tasks, &ctx, &sum_nat);
		ns_empty[r] = bench_empty(vm, &empty);
	}
	printf("bpf_vm: simple loop            %8.2f ns/insn  (%.0f M insn/s)\n", median(ns_insn, RUNS),
	       1e3 / median(ns_insn, RUNS));
	printf("bpf_vm: enqueue, interpreted   %8.1f ns/call  (%.1f insns + 1 helper per call)\n",
	       median(ns_bpf, RUNS), insns_per_call);
	printf("bpf_vm: enqueue, native -O2    %8.1f ns/call\n", median(ns_nat, RUNS));
	printf("bpf_vm: empty program          %8.1f ns/call  (fixed cost of one bpf_vm_exec)\n",
	       median(ns_empty, RUNS));
	printf("bpf_vm: interpreted / native   %8.1fx  (median of %d runs; results %s)\n",
	       median(ns_bpf, RUNS) / median(ns_nat, RUNS), RUNS, sum_bpf == sum_nat ? "agree" : "DIFFER");
	ret = sum_bpf == sum_nat ? 0 : 1;
out:
	free((void *)loop.insns);
	free((void *)enq.insns);
	free((void *)empty.insns);
	bpf_vm_destroy(vm);
	return ret;
}
