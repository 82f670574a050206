/*
 * vm_int.h — the inside of struct bpf_vm (the interpreter's state), shared by vm.c and,
 * later, by the JIT which must honour the same memory model, budget and error reporting.
 *
 * Invariants:
 *  - No two live regions overlap. regions[0..nr_sorted) is sorted by start and holds
 *    nr_tombs tombstones (flags 0, start == end: removed regions keeping the order), never
 *    more than half of it; no live sorted region contains a tombstone's start.
 *    regions[nr_sorted..nr_regions) are the recent ones (at most VM_RECENT, all live), in
 *    the order they were added. hint[] are only hints (an index >= nr_regions is
 *    ignored, any other index names a real entry; a tombstone matches no address).
 *  - rd[] and wr[] are access windows: each is a registered region of at least 8 bytes that is
 *    readable (rd) or writable (wr), or frame 0 of the stack (the "empty" value, live whenever
 *    a program runs). bpf_vm_region_remove() empties those of the region it removes; nothing
 *    else removes memory, and a region's flags never change.
 *  - The BPF stack is one block of BPF_VM_MAX_FRAMES frames of BPF_STACK_SIZE bytes; frame k
 *    (k = 0 is the outermost) spans [stack_top - (k+1)*512, stack_top - k*512) and its r10 is
 *    stack_top - k*512. Frames 0..depth-1 are live: a program may access any live frame
 *    (a callee may use a pointer into its caller's frame).
 *  - running counts the nested bpf_vm_exec/bpf_vm_callback runs in progress; the budget and
 *    the error are shared by all of them.
 *  - A struct vm_code is the decoded form of one program for this VM (see vm.c, "decoding"):
 *    it was validated when decoded and is never changed afterwards (except its scratch
 *    slots). Decoding resolves helper and kfunc calls, so setting either table flushes them.
 *    Codes replaced while a program runs go to `retired` and are freed when no program runs
 *    (nothing points at them then). code_hint[] and the hash table name only live codes.
 */
#ifndef SCXSIM_EBPF_VM_INT_H
#define SCXSIM_EBPF_VM_INT_H

#include "scxsim/bpf_vm.h"

#define VM_REGION_NAME_MAX 32
#define VM_STACK_BYTES (BPF_VM_MAX_FRAMES * BPF_STACK_SIZE)
#define VM_MAX_LOOPS (8u * 1024 * 1024) /* may_goto iterations per frame, as the kernel's */
#define VM_CODE_MAX 1024                /* decoded programs kept per VM before a flush */
#define VM_RECENT 16                    /* regions kept unsorted, newest last (see vm.c) */
#define VM_HINTS 512                    /* region hints by address (a power of two) */
#define VM_CODE_HINTS 16                /* decoded-program hints by address (a power of two) */

struct vm_region {
	u64 start;                    /* first byte */
	u64 end;                      /* one past the last byte */
	u32 flags;                    /* BPF_VM_READ | BPF_VM_WRITE */
	char name[VM_REGION_NAME_MAX]; /* for messages */
};

/* An address range the interpreter may access without a search: [lo, lo + last8 + 8). */
struct vm_window {
	u64 lo;    /* first byte */
	u64 last8; /* length - 8 (windows are at least 8 bytes): the last offset of an 8-byte access */
};

/*
 * One decoded instruction: the slot of the same index in the program, with its handler (a
 * label of vm_run()) picked for the exact operation (the opcode byte plus off, imm or src_reg
 * where they select the operation), so that dispatch is one load and one indirect jump.
 * A straight run is a sequence of slots that ends with the first jump, call, exit or invalid
 * slot; the budget is charged for a whole run when control enters it (see vm.c).
 */
struct vm_insn {
	const void *op;                       /* handler address */
	union {
		const struct vm_insn *tgt;    /* jump, bpf-to-bpf call: the target slot */
		const struct bpf_vm_func *fn; /* helper or kfunc call: the table entry */
		u64 imm64;                    /* ld_imm64: the value */
	};
	s32 imm;                              /* as encoded */
	u32 run;                              /* instructions from here to the end of the run */
	s16 off;                              /* as encoded */
	u8 dst;                               /* dst_reg */
	u8 src;                               /* src_reg */
};

struct vm_code {
	const struct bpf_vm_prog *prog;  /* key: the caller's struct (compared, never read) */
	const struct bpf_insn *insns;    /* prog->insns when decoded (compared, never read) */
	struct bpf_insn *copy;           /* the instructions decoded, owned */
	u32 nr_insns;                    /* slots in copy and code */
	u64 stamp;                       /* validation counter when last checked against prog */
	struct vm_insn *code;            /* nr_insns decoded slots, owned */
	struct vm_insn *scratch;         /* the start of a run + a stop slot (budget), owned */
	u32 scratch_cap;                 /* slots in scratch: the longest run's + 1 */
	struct vm_code *next;            /* hash chain, or the retired list */
};

struct bpf_vm {
	struct vm_region *regions;        /* disjoint; sorted part, then recent part */
	u32 nr_regions, cap_regions;
	u32 nr_sorted;                    /* entries in the sorted part, tombstones included */
	u32 nr_tombs;                     /* tombstones in the sorted part */
	u32 hint[VM_HINTS];               /* region index found last, by address line */
	struct vm_window rd[2];           /* readable windows, most recent first */
	struct vm_window wr[2];           /* writable windows, most recent first */
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
	u32 cur_pc;                       /* pc of the call being made now */
	struct vm_code *cur_code;         /* the program running now (for abort and callbacks) */
	u32 running;                      /* nested runs in progress */
	bool have_err;                    /* err describes a failure of the current run */
	struct vm_code **codes;           /* hash table of decoded programs by prog address */
	u32 nr_codes, cap_codes;          /* entries; buckets (a power of two, or 0) */
	struct vm_code *code_hint[VM_CODE_HINTS]; /* by prog address: codes found last */
	struct vm_code *retired;          /* replaced while running: freed when idle */
	struct bpf_vm_error err;          /* last failure */
};

#endif
