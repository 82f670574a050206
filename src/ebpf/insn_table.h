/*
 * insn_table.h — the one table of BPF opcodes (RFC 9669): for each of the 256 opcode bytes,
 * whether it is legal in scxsim, its kind (which decides how the other fields are read), its
 * operand width and access size, and which fields must be zero. The validator, the assembler
 * and the disassembler all read this table instead of re-deriving the encoding in code.
 *
 * Invariants: an entry with kind BPF_OPK_NONE is illegal; every legal entry has a name;
 * `size` is the memory access size in bytes for loads/stores/atomics (else 0).
 */
#ifndef SCXSIM_EBPF_INSN_TABLE_H
#define SCXSIM_EBPF_INSN_TABLE_H

#include "scxsim/bpf_insn.h"

/* BPF_JMP | BPF_JCOND (0xe5): may_goto. Not in bpf_insn.h (v4 extension of 2024). */
#define BPF_JCOND 0xe0

enum bpf_op_kind {
	BPF_OPK_NONE = 0,   /* illegal opcode */
	BPF_OPK_ALU,        /* dst op= src|imm (add, sub, ..., div/mod with off 0|1) */
	BPF_OPK_MOV,        /* dst = src|imm (X form: off 0 or movsx 8/16[/32]) */
	BPF_OPK_NEG,        /* dst = -dst */
	BPF_OPK_END,        /* le/be (ALU) or bswap (ALU64); imm = 16|32|64 */
	BPF_OPK_LDDW,       /* ld_imm64, two slots */
	BPF_OPK_LEGACY,     /* BPF_ABS/BPF_IND packet load: rejected with its own message */
	BPF_OPK_LDX,        /* dst = *(uN *)(src + off) */
	BPF_OPK_LDXSX,      /* dst = *(sN *)(src + off) */
	BPF_OPK_ST,         /* *(uN *)(dst + off) = imm */
	BPF_OPK_STX,        /* *(uN *)(dst + off) = src */
	BPF_OPK_ATOMIC,     /* imm selects the atomic operation */
	BPF_OPK_JA,         /* goto +off */
	BPF_OPK_GOTOL,      /* gotol +imm (JMP32 | JA) */
	BPF_OPK_JCOND,      /* may_goto +off */
	BPF_OPK_JMP,        /* if dst op src|imm goto +off */
	BPF_OPK_CALL,       /* helper / bpf-to-bpf / kfunc call by src_reg */
	BPF_OPK_EXIT,       /* return r0 */
};

/* Fields that must be zero in a legal instruction of this opcode. */
#define BPF_FZ_DST 0x1
#define BPF_FZ_SRC 0x2
#define BPF_FZ_OFF 0x4
#define BPF_FZ_IMM 0x8

struct bpf_op_info {
	const char *name; /* mnemonic, e.g. "add64", "ldxw", "jslt32" (NULL when illegal) */
	u8 kind;          /* enum bpf_op_kind */
	u8 is32;          /* 32-bit operands (ALU, JMP32, w-register loads/stores) */
	u8 size;          /* memory access size in bytes, 0 if none */
	u8 zero;          /* BPF_FZ_* fields that must be zero */
};

extern const struct bpf_op_info bpf_op_table[256];

/* One entry of the atomic-operation table (imm of BPF_STX | BPF_ATOMIC). */
struct bpf_atomic_info {
	s32 imm;          /* BPF_ADD, BPF_OR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG, ... */
	const char *op;   /* "+=", "|=", ... for the lock form, NULL for xchg/cmpxchg */
	const char *name; /* "add", "or", "and", "xor", "xchg", "cmpxchg" */
};

extern const struct bpf_atomic_info bpf_atomic_table[];
extern const unsigned bpf_atomic_table_len;

/* Returns the table entry for an atomic imm, or NULL if imm is no atomic operation. */
const struct bpf_atomic_info *bpf_atomic_lookup(s32 imm);

/* Operator text of ALU ops (index BPF_OP >> 4): "+=", "-=", ... NULL for mov/neg/end. */
extern const char *const bpf_alu_op_text[16];
/* Operator text of conditional jumps (index BPF_OP >> 4): "==", ">", ... NULL otherwise. */
extern const char *const bpf_jmp_op_text[16];

#endif
