/*
 * bpf_vm.h — the BPF interpreter (ISA v1-v4, RFC 9669) that runs a loaded scheduler's
 * programs, with run-time memory checks, a per-call instruction budget, bpf-to-bpf calls,
 * helper and kfunc calls into embedder tables, and a static validation pass used at load.
 *
 * Why: the BPF schedulers run inside scxsim's process; whatever a program does, it must never
 * crash, hang or corrupt the host. Every load/store/atomic is checked against the live stack
 * frames and the memory regions the embedder registered; the budget bounds every run.
 *
 * Ownership and lifetime:
 *  - struct bpf_vm is opaque; bpf_vm_create() / bpf_vm_destroy() (NULL-safe).
 *  - Helper and kfunc tables are borrowed (not copied): they must outlive the VM.
 *  - Region names are copied (truncated to 31 chars); region memory is borrowed.
 *  - struct bpf_vm_prog is the caller's; the VM reads it during bpf_vm_exec only. A program
 *    must pass bpf_vm_validate() before it can run (it sets prog->validated).
 *
 * Memory model: registers hold real host addresses. An access [addr, addr+size) is allowed
 * when it lies wholly inside the stack frames of the current call chain or inside one
 * registered region with the needed permission. Misaligned accesses are allowed (x86 does
 * them; the kernel's verifier would reject some on strict-alignment archs). Atomics need a
 * readable and writable region. The stack is not cleared between runs (stale but
 * deterministic contents; a later static verifier rejects uninitialised reads).
 *
 * Not thread-safe: one VM per thread. Helpers may re-enter the VM (see bpf_vm_callback()).
 */
#ifndef SCXSIM_BPF_VM_H
#define SCXSIM_BPF_VM_H

#include <stdarg.h>
#include <stddef.h>
#include "scxsim/bpf_insn.h"

struct bpf_vm;

#define BPF_VM_MAX_FRAMES 8              /* call depth limit, as the kernel's MAX_CALL_FRAMES */
#define BPF_VM_DEFAULT_BUDGET 1000000ULL /* instructions per top-level bpf_vm_exec() */

/* Region permissions. */
#define BPF_VM_READ  0x1
#define BPF_VM_WRITE 0x2
#define BPF_VM_RW    (BPF_VM_READ | BPF_VM_WRITE)

/*
 * Optional source-line lookup: writes "file.c:LINE: source text" for pc into buf and returns
 * its length, or 0 when pc has no line information.
 */
typedef int (*bpf_vm_line_fn)(void *ctx, u32 pc, char *buf, size_t size);

/* A program as the VM runs it. Fill the first fields, then call bpf_vm_validate(). After
 * bpf_vm_validate(), change the instructions only by validating again: the VM decodes each
 * program once and finds the decoded form by this struct's address. */
struct bpf_vm_prog {
	const char *name;              /* for messages ("enqueue", "qmap_dispatch", ...) */
	const struct bpf_insn *insns;  /* resolved by the loader: no pseudo ld_imm64 left */
	u32 nr_insns;                  /* slots (ld_imm64 counts 2) */
	bpf_vm_line_fn line_fn;        /* optional pc -> source line */
	void *line_ctx;                /* passed to line_fn */
	bool validated;                /* set by bpf_vm_validate() on success */
};

/* A helper or kfunc: gets r1..r5 and the table entry's ctx, returns r0. */
typedef u64 (*bpf_vm_fn)(struct bpf_vm *vm, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx);

struct bpf_vm_func {
	const char *name; /* for messages; may be NULL */
	bpf_vm_fn fn;     /* NULL: this id is not available ("unknown helper N") */
	void *ctx;        /* passed to fn */
};

/*
 * Why a run or a validation failed. msg is the whole message:
 *   "PROG pc N `INSN`: REASON" and, when line info exists, "\n    file.c:LINE: source".
 */
struct bpf_vm_error {
	int code;           /* negative errno: -EINVAL (validation), -EFAULT (memory access),
			     * -E2BIG (budget), -ELOOP (call depth), -ENOENT (unknown
			     * helper/kfunc), -ECANCELED (bpf_vm_abort), -EPERM (not validated) */
	char prog[64];      /* program name */
	s64 pc;             /* instruction index, -1 when not about one instruction */
	char insn[96];      /* disassembled instruction at pc ("" when pc < 0) */
	char reason[256];   /* "invalid read of 8 bytes at 0x0 (null)", ... */
	char source[256];   /* "file.c:LINE: text" from line_fn, or "" */
	char msg[768];      /* everything above in one line (+ source line) */
};

/* Lifecycle and configuration. */
struct bpf_vm *bpf_vm_create(void);
void bpf_vm_destroy(struct bpf_vm *vm);
void bpf_vm_set_helpers(struct bpf_vm *vm, const struct bpf_vm_func *table, u32 nr);
void bpf_vm_set_kfuncs(struct bpf_vm *vm, const struct bpf_vm_func *table, u32 nr);
void bpf_vm_set_budget(struct bpf_vm *vm, u64 insns); /* 0 restores the default */
void bpf_vm_set_user(struct bpf_vm *vm, void *user);  /* embedder pointer for helpers */
void *bpf_vm_user(const struct bpf_vm *vm);

/*
 * Memory regions. Regions never overlap each other. add: -EINVAL (NULL, len 0, address wraps,
 * bad flags), -EEXIST (overlaps a region), -ENOMEM. remove: by start address, -ENOENT if none.
 * Both may be called from a helper while a program runs.
 */
int bpf_vm_region_add(struct bpf_vm *vm, void *ptr, size_t len, unsigned flags, const char *name);
int bpf_vm_region_remove(struct bpf_vm *vm, const void *ptr);
u32 bpf_vm_region_count(const struct bpf_vm *vm);

/*
 * Checks that [addr, addr+size) is accessible with `flags` (BPF_VM_READ/WRITE) for the
 * program now running (its live stack frames count): 0 or -EFAULT. For helpers that take
 * pointers from BPF (e.g. a map key on the stack) before they dereference them.
 */
int bpf_vm_check_mem(struct bpf_vm *vm, u64 addr, u64 size, unsigned flags);

/*
 * Static checks at load: opcodes legal (per the opcode table), reserved fields zero,
 * registers in range, no write to r10, jump and call targets inside the program and not into
 * the second slot of an ld_imm64, no unresolved pseudo ld_imm64, last instruction exit or
 * goto. 0 and prog->validated = true, or -EINVAL with *err filled (err may be NULL).
 */
int bpf_vm_validate(struct bpf_vm_prog *prog, struct bpf_vm_error *err);

/*
 * Runs prog from entry_pc with r1..r5 = args[0..4] (args may be NULL: all zero) and a fresh
 * frame; on success returns 0 and stores r0 in *r0 (if r0 is non-NULL). On failure returns
 * the negative error code; bpf_vm_last_error() describes it. A top-level call resets the
 * instruction budget; a call made while a program runs (from a helper) is nested: it shares
 * the budget and the call depth, and its error also stops the outer program.
 */
int bpf_vm_exec(struct bpf_vm *vm, struct bpf_vm_prog *prog, u32 entry_pc, const u64 args[5],
		u64 *r0);

/*
 * Re-entry for helpers such as bpf_loop or for_each_map_elem: calls the subprogram of the
 * running program whose address is fn. The loader resolves an ld_imm64 with
 * src_reg=BPF_PSEUDO_FUNC to (u64)&insns[target pc]; that value is what the program passes
 * to the helper. Shares the budget and the call depth (the callback is one frame deeper).
 * Returns 0 with *r0 set, or a negative error (recorded; the outer program stops when the
 * helper returns). -EINVAL when fn is not an instruction of the running program.
 */
int bpf_vm_callback(struct bpf_vm *vm, u64 fn, const u64 args[5], u64 *r0);

/*
 * Called by a helper or kfunc: stops the running program with this reason (printf format);
 * the error names the program, the call instruction and its pc. The helper should return
 * right after (its return value is ignored).
 */
void bpf_vm_abort(struct bpf_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The error of the last failed bpf_vm_exec() (code 0 if the last run succeeded). */
const struct bpf_vm_error *bpf_vm_last_error(const struct bpf_vm *vm);

/* Instructions executed by all runs of this VM so far (for benchmarks and statistics). */
u64 bpf_vm_insn_count(const struct bpf_vm *vm);

#endif
