/*
 * vm_int.h — the inside of struct bpf_vm (the interpreter's state), shared by vm.c and,
 * later, by the JIT which must honour the same memory model, budget and error reporting.
 *
 * Invariants:
 *  - regions[] is sorted by start and no two regions overlap; last_hit[] are only hints
 *    (an index >= nr_regions is ignored, any other index names a real region).
 *  - The BPF stack is one block of BPF_VM_MAX_FRAMES frames of BPF_STACK_SIZE bytes; frame k
 *    (k = 0 is the outermost) spans [stack_top - (k+1)*512, stack_top - k*512) and its r10 is
 *    stack_top - k*512. Frames 0..depth-1 are live: a program may access any live frame
 *    (a callee may use a pointer into its caller's frame).
 *  - running counts the nested bpf_vm_exec/bpf_vm_callback runs in progress; the budget and
 *    the error are shared by all of them.
 */
#ifndef SCXSIM_EBPF_VM_INT_H
#define SCXSIM_EBPF_VM_INT_H

#include "scxsim/bpf_vm.h"

#define VM_REGION_NAME_MAX 32
#define VM_STACK_BYTES (BPF_VM_MAX_FRAMES * BPF_STACK_SIZE)
#define VM_MAX_LOOPS (8u * 1024 * 1024) /* may_goto iterations per frame, as the kernel's */

struct vm_region {
	u64 start;                    /* first byte */
	u64 end;                      /* one past the last byte */
	u32 flags;                    /* BPF_VM_READ | BPF_VM_WRITE */
	char name[VM_REGION_NAME_MAX]; /* for messages */
};

struct bpf_vm {
	struct vm_region *regions;        /* sorted by start, disjoint */
	u32 nr_regions, cap_regions;
	u32 last_hit[2];                  /* indices of the two regions that matched last */
	const struct bpf_vm_func *helpers; /* borrowed, indexed by helper id */
	u32 nr_helpers;
	const struct bpf_vm_func *kfuncs; /* borrowed, indexed by kfunc index */
	u32 nr_kfuncs;
	u64 budget;                       /* instructions per top-level run */
	u64 budget_left;                  /* of the run in progress (synced around calls) */
	u64 insn_count;                   /* executed by finished top-level runs */
	void *user;                       /* embedder pointer */
	u8 *stack;                        /* VM_STACK_BYTES, 16-byte aligned */
	u64 stack_top;                    /* (u64)(stack + VM_STACK_BYTES) */
	u32 depth;                        /* live frames, all runs together */
	u32 running;                      /* nested runs in progress */
	struct bpf_vm_prog *cur_prog;     /* program running now (for abort/callback) */
	u32 cur_pc;                       /* pc of the call being made now */
	bool have_err;                    /* err describes a failure of the current run */
	struct bpf_vm_error err;          /* last failure */
};

#endif
