/*
 * bpf_asm.h — text <-> BPF instructions. The syntax is what `llvm-objdump-19 -d
 * --mattr=+alu32` prints for BPF (the kernel verifier-log style): `r0 = 0x1`, `w1 += w2`,
 * `r0 = *(u64 *)(r1 + 0x8)`, `if r1 > 0x10 goto +0x2`, `lock *(u64 *)(r1 + 0x0) += r2`, ...
 * (docs/bpf-vm.md lists every form).
 *
 * The assembler also accepts decimal numbers, labels (`lbl:` and `goto lbl`, `if ... goto lbl`,
 * `call lbl` for a bpf-to-bpf call, `ld_pseudo rN, 4, lbl` for a callback address),
 * `call pseudo N` / `call kfunc N`, a trailing `<label>`
 * as objdump prints it, and comments starting with `;`, `#` or `//`.
 *
 * Ownership: bpf_asm() returns a malloc'ed array the caller frees with free().
 * Round trip: for every legal instruction x, bpf_asm(bpf_disasm_insn(x)) == x.
 */
#ifndef SCXSIM_BPF_ASM_H
#define SCXSIM_BPF_ASM_H

#include <stdio.h>
#include "scxsim/bpf_insn.h"

/*
 * Assembles `text` (lines separated by '\n'). On success returns 0 and sets *insns (malloc'ed,
 * caller frees) and *nr_insns (slots, ld_imm64 counts 2). On failure returns -EINVAL (or
 * -ENOMEM) and writes "line N: reason near 'text'" into err (if err_size > 0).
 */
int bpf_asm(const char *text, struct bpf_insn **insns, u32 *nr_insns, char *err, size_t err_size);

/* Disassembly flags. */
#define BPF_DISASM_LLVM 0x1 /* print calls exactly as llvm-objdump does (`call 0x4` for every
			     * call kind); by default a bpf-to-bpf call prints `call pseudo N`
			     * and a kfunc call `call kfunc N` so that the text round-trips. */

/*
 * Writes the text of the instruction at insn (insn[1] is read only for ld_imm64, and only when
 * nr_left >= 2) into buf (always NUL-terminated when size > 0). Jump offsets print as
 * `+0x3`/`-0x3` without the `<label>` suffix. Returns the number of slots the instruction
 * takes (1 or 2); an illegal or truncated instruction prints `<unknown>` and returns 1.
 */
int bpf_disasm_insn(const struct bpf_insn *insn, u32 nr_left, char *buf, size_t size,
		    unsigned flags);

/* Prints a whole program, one instruction a line as "%6u: text", ld_imm64 counting 2 slots. */
void bpf_disasm_write(FILE *out, const struct bpf_insn *insns, u32 nr_insns, unsigned flags);

#endif
