/*
 * loader_core_target.bpf.c — the "target" BTF for the CO-RE tests: the same kernel types as
 * loader_core.bpf.c laid out differently (fields reordered, sizes changed, a field moved into
 * an anonymous struct, different bitfields, enum values changed, a field, a type and an
 * enumerator missing), plus kfunc definitions whose prototypes the kfunc flavour tests compare
 * against. Only its .BTF is used; the code exists to make clang emit the types.
 */
#include "loader_test.h"

struct task_struct;

struct sched_entity {
	u32 weight;
	u32 pad;
	u64 x;
	u64 vruntime;
};

struct task_struct {
	u64 state;
	struct sched_entity se;
	struct {
		u32 pad2;
		int pid;
	};
	char comm[32];
	u16 other : 7, prio : 6, flags : 3;
	s64 sval;
	u64 ucnt;
};

struct rq_match {
	u32 nr;
	u64 clock;
	u64 more;
};

enum scx_flags { SCX_B = 20, SCX_A = 10 };

struct task_struct target_task;
struct rq_match target_rq;
enum scx_flags target_flags;

__noinline void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags)
{
	target_task.state = dsq_id + slice + enq_flags + (u64)p;
}

__noinline u32 scx_bpf_flavored(u64 a, u64 b)
{
	return a + b;
}

__noinline s32 scx_bpf_create_dsq(u64 dsq_id, s32 node)
{
	return dsq_id + node;
}

char _license[] SEC("license") = "GPL";
