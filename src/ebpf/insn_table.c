/*
 * insn_table.c — the BPF opcode table: one entry per opcode byte (RFC 9669 encoding) saying
 * whether scxsim accepts it, its kind, operand width, access size and the fields that must be
 * zero; plus the atomic-operation table and the operator spellings used by the assembler and
 * the disassembler. Everything here is static data: adding an opcode is adding a row.
 *
 * Invariants: rows not written below are zero (kind BPF_OPK_NONE, i.e. illegal). Legacy
 * BPF_ABS/BPF_IND loads have their own kind so the validator can say why they are refused.
 * Extra constraints that are not "field must be zero" (sdiv off=1, movsx off=8/16/32, END imm,
 * atomic imm, call src_reg) are checked by the validator.
 */
#include "ebpf/insn_table.h"

#define Z_ALL (BPF_FZ_DST | BPF_FZ_SRC | BPF_FZ_OFF | BPF_FZ_IMM)

/* Arithmetic op in both classes and both sources. off of div/mod is checked by the validator. */
#define ALU_ROW(op, nm, offz)                                                              \
	[BPF_ALU | (op) | BPF_K] = { nm "32", BPF_OPK_ALU, 1, 0, BPF_FZ_SRC | (offz) },    \
	[BPF_ALU | (op) | BPF_X] = { nm "32", BPF_OPK_ALU, 1, 0, BPF_FZ_IMM | (offz) },    \
	[BPF_ALU64 | (op) | BPF_K] = { nm, BPF_OPK_ALU, 0, 0, BPF_FZ_SRC | (offz) },       \
	[BPF_ALU64 | (op) | BPF_X] = { nm, BPF_OPK_ALU, 0, 0, BPF_FZ_IMM | (offz) }

#define JMP_ROW(op, nm)                                                                    \
	[BPF_JMP | (op) | BPF_K] = { nm, BPF_OPK_JMP, 0, 0, BPF_FZ_SRC },                   \
	[BPF_JMP | (op) | BPF_X] = { nm, BPF_OPK_JMP, 0, 0, BPF_FZ_IMM },                   \
	[BPF_JMP32 | (op) | BPF_K] = { nm "32", BPF_OPK_JMP, 1, 0, BPF_FZ_SRC },            \
	[BPF_JMP32 | (op) | BPF_X] = { nm "32", BPF_OPK_JMP, 1, 0, BPF_FZ_IMM }

#define MEM_ROW(sz, bytes, w, sfx)                                                         \
	[BPF_LDX | BPF_MEM | (sz)] = { "ldx" sfx, BPF_OPK_LDX, w, bytes, BPF_FZ_IMM },      \
	[BPF_ST | BPF_MEM | (sz)] = { "st" sfx, BPF_OPK_ST, w, bytes, BPF_FZ_SRC },         \
	[BPF_STX | BPF_MEM | (sz)] = { "stx" sfx, BPF_OPK_STX, w, bytes, BPF_FZ_IMM }

const struct bpf_op_info bpf_op_table[256] = {
	ALU_ROW(BPF_ADD, "add", BPF_FZ_OFF),
	ALU_ROW(BPF_SUB, "sub", BPF_FZ_OFF),
	ALU_ROW(BPF_MUL, "mul", BPF_FZ_OFF),
	ALU_ROW(BPF_DIV, "div", 0),
	ALU_ROW(BPF_OR, "or", BPF_FZ_OFF),
	ALU_ROW(BPF_AND, "and", BPF_FZ_OFF),
	ALU_ROW(BPF_LSH, "lsh", BPF_FZ_OFF),
	ALU_ROW(BPF_RSH, "rsh", BPF_FZ_OFF),
	ALU_ROW(BPF_MOD, "mod", 0),
	ALU_ROW(BPF_XOR, "xor", BPF_FZ_OFF),
	ALU_ROW(BPF_ARSH, "arsh", BPF_FZ_OFF),
	[BPF_ALU | BPF_MOV | BPF_K] = { "mov32", BPF_OPK_MOV, 1, 0, BPF_FZ_SRC | BPF_FZ_OFF },
	[BPF_ALU | BPF_MOV | BPF_X] = { "mov32", BPF_OPK_MOV, 1, 0, BPF_FZ_IMM },
	[BPF_ALU64 | BPF_MOV | BPF_K] = { "mov", BPF_OPK_MOV, 0, 0, BPF_FZ_SRC | BPF_FZ_OFF },
	[BPF_ALU64 | BPF_MOV | BPF_X] = { "mov", BPF_OPK_MOV, 0, 0, BPF_FZ_IMM },
	[BPF_ALU | BPF_NEG | BPF_K] = { "neg32", BPF_OPK_NEG, 1, 0, BPF_FZ_SRC | BPF_FZ_OFF | BPF_FZ_IMM },
	[BPF_ALU64 | BPF_NEG | BPF_K] = { "neg", BPF_OPK_NEG, 0, 0, BPF_FZ_SRC | BPF_FZ_OFF | BPF_FZ_IMM },
	[BPF_ALU | BPF_END | BPF_TO_LE] = { "le", BPF_OPK_END, 0, 0, BPF_FZ_SRC | BPF_FZ_OFF },
	[BPF_ALU | BPF_END | BPF_TO_BE] = { "be", BPF_OPK_END, 0, 0, BPF_FZ_SRC | BPF_FZ_OFF },
	[BPF_ALU64 | BPF_END | BPF_K] = { "bswap", BPF_OPK_END, 0, 0, BPF_FZ_SRC | BPF_FZ_OFF },

	[BPF_LD | BPF_IMM | BPF_DW] = { "lddw", BPF_OPK_LDDW, 0, 8, BPF_FZ_OFF },
	[BPF_LD | BPF_ABS | BPF_W] = { "ldabsw", BPF_OPK_LEGACY, 0, 4, 0 },
	[BPF_LD | BPF_ABS | BPF_H] = { "ldabsh", BPF_OPK_LEGACY, 0, 2, 0 },
	[BPF_LD | BPF_ABS | BPF_B] = { "ldabsb", BPF_OPK_LEGACY, 0, 1, 0 },
	[BPF_LD | BPF_IND | BPF_W] = { "ldindw", BPF_OPK_LEGACY, 0, 4, 0 },
	[BPF_LD | BPF_IND | BPF_H] = { "ldindh", BPF_OPK_LEGACY, 0, 2, 0 },
	[BPF_LD | BPF_IND | BPF_B] = { "ldindb", BPF_OPK_LEGACY, 0, 1, 0 },

	MEM_ROW(BPF_W, 4, 1, "w"),
	MEM_ROW(BPF_H, 2, 1, "h"),
	MEM_ROW(BPF_B, 1, 1, "b"),
	MEM_ROW(BPF_DW, 8, 0, "dw"),
	[BPF_LDX | BPF_MEMSX | BPF_W] = { "ldxsw", BPF_OPK_LDXSX, 0, 4, BPF_FZ_IMM },
	[BPF_LDX | BPF_MEMSX | BPF_H] = { "ldxsh", BPF_OPK_LDXSX, 0, 2, BPF_FZ_IMM },
	[BPF_LDX | BPF_MEMSX | BPF_B] = { "ldxsb", BPF_OPK_LDXSX, 0, 1, BPF_FZ_IMM },
	[BPF_STX | BPF_ATOMIC | BPF_W] = { "atomic32", BPF_OPK_ATOMIC, 1, 4, 0 },
	[BPF_STX | BPF_ATOMIC | BPF_DW] = { "atomic64", BPF_OPK_ATOMIC, 0, 8, 0 },

	[BPF_JMP | BPF_JA] = { "ja", BPF_OPK_JA, 0, 0, BPF_FZ_DST | BPF_FZ_SRC | BPF_FZ_IMM },
	[BPF_JMP32 | BPF_JA] = { "gotol", BPF_OPK_GOTOL, 0, 0, BPF_FZ_DST | BPF_FZ_SRC | BPF_FZ_OFF },
	[BPF_JMP | BPF_JCOND] = { "may_goto", BPF_OPK_JCOND, 0, 0, BPF_FZ_DST | BPF_FZ_SRC | BPF_FZ_IMM },
	JMP_ROW(BPF_JEQ, "jeq"),
	JMP_ROW(BPF_JGT, "jgt"),
	JMP_ROW(BPF_JGE, "jge"),
	JMP_ROW(BPF_JSET, "jset"),
	JMP_ROW(BPF_JNE, "jne"),
	JMP_ROW(BPF_JSGT, "jsgt"),
	JMP_ROW(BPF_JSGE, "jsge"),
	JMP_ROW(BPF_JLT, "jlt"),
	JMP_ROW(BPF_JLE, "jle"),
	JMP_ROW(BPF_JSLT, "jslt"),
	JMP_ROW(BPF_JSLE, "jsle"),
	[BPF_JMP | BPF_CALL] = { "call", BPF_OPK_CALL, 0, 0, BPF_FZ_DST },
	[BPF_JMP | BPF_EXIT] = { "exit", BPF_OPK_EXIT, 0, 0, Z_ALL },
};

const struct bpf_atomic_info bpf_atomic_table[] = {
	{ BPF_ADD, "+=", "add" },
	{ BPF_OR, "|=", "or" },
	{ BPF_AND, "&=", "and" },
	{ BPF_XOR, "^=", "xor" },
	{ BPF_ADD | BPF_FETCH, "+=", "add" },
	{ BPF_OR | BPF_FETCH, "|=", "or" },
	{ BPF_AND | BPF_FETCH, "&=", "and" },
	{ BPF_XOR | BPF_FETCH, "^=", "xor" },
	{ BPF_XCHG, NULL, "xchg" },
	{ BPF_CMPXCHG, NULL, "cmpxchg" },
};
const unsigned bpf_atomic_table_len = ARRAY_SIZE(bpf_atomic_table);

const struct bpf_atomic_info *bpf_atomic_lookup(s32 imm)
{
	for (unsigned i = 0; i < bpf_atomic_table_len; i++)
		if (bpf_atomic_table[i].imm == imm)
			return &bpf_atomic_table[i];
	return NULL;
}

const char *const bpf_alu_op_text[16] = {
	[BPF_ADD >> 4] = "+=", [BPF_SUB >> 4] = "-=", [BPF_MUL >> 4] = "*=",
	[BPF_DIV >> 4] = "/=", [BPF_OR >> 4] = "|=", [BPF_AND >> 4] = "&=",
	[BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=", [BPF_MOD >> 4] = "%=",
	[BPF_XOR >> 4] = "^=", [BPF_ARSH >> 4] = "s>>=",
};

const char *const bpf_jmp_op_text[16] = {
	[BPF_JEQ >> 4] = "==", [BPF_JGT >> 4] = ">", [BPF_JGE >> 4] = ">=",
	[BPF_JSET >> 4] = "&", [BPF_JNE >> 4] = "!=", [BPF_JSGT >> 4] = "s>",
	[BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<", [BPF_JLE >> 4] = "<=",
	[BPF_JSLT >> 4] = "s<", [BPF_JSLE >> 4] = "s<=",
};
