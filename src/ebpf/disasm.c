/*
 * disasm.c — BPF instruction -> text, in the syntax llvm-objdump-19 prints for BPF with
 * --mattr=+alu32 (the kernel verifier-log style that sched_ext developers read). Used by
 * VM error messages, `scxsim disasm` and the assembler round-trip tests.
 *
 * Invariants: the output for a legal instruction is accepted by bpf_asm() and assembles back
 * to the same bytes (bpf-to-bpf and kfunc calls print `call pseudo N` / `call kfunc N` unless
 * BPF_DISASM_LLVM is given); the layout of each kind of instruction is decided by the opcode
 * table (insn_table.c), not by re-decoding the opcode here.
 */
#include <stdarg.h>
#include <stdio.h>
#include "scxsim/bpf_asm.h"
#include "ebpf/insn_table.h"

/* A small cursor over the caller's buffer: appends never overflow, output stays terminated. */
struct out {
	char *buf;
	size_t size, len;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = MIN(o->len + (size_t)n, o->size - 1);
}

/* Signed hex as llvm prints immediates: 0x4, -0x5, -0x8000000000000000. */
static void out_shex(struct out *o, s64 v)
{
	if (v < 0)
		out_printf(o, "-0x%llx", (unsigned long long)(0 - (u64)v));
	else
		out_printf(o, "0x%llx", (unsigned long long)v);
}

/* Branch offsets always carry a sign: +0x0, +0x3, -0x8000. */
static void out_off(struct out *o, s64 off)
{
	if (off >= 0)
		out_printf(o, "+");
	out_shex(o, off);
}

static char reg_prefix(bool is32)
{
	return is32 ? 'w' : 'r';
}

/* "(r1 + 0x8)" / "(r10 - 0x4)" */
static void out_mem(struct out *o, unsigned base, s16 off)
{
	if (off < 0)
		out_printf(o, "(r%u - 0x%x)", base, (unsigned)-(s32)off);
	else
		out_printf(o, "(r%u + 0x%x)", base, (unsigned)off);
}

static const char *size_name(unsigned size)
{
	switch (size) {
	case 1: return "8";
	case 2: return "16";
	case 4: return "32";
	default: return "64";
	}
}

static void dis_alu(struct out *o, const struct bpf_insn *in, const struct bpf_op_info *op)
{
	char w = reg_prefix(op->is32);
	bool sdiv = (BPF_OP(in->code) == BPF_DIV || BPF_OP(in->code) == BPF_MOD) && in->off == 1;

	out_printf(o, "%c%u %s%s ", w, in->dst_reg, sdiv ? "s" : "", bpf_alu_op_text[BPF_OP(in->code) >> 4]);
	if (BPF_SRC(in->code) == BPF_X)
		out_printf(o, "%c%u", w, in->src_reg);
	else
		out_shex(o, in->imm);
}

static void dis_mov(struct out *o, const struct bpf_insn *in, const struct bpf_op_info *op)
{
	char w = reg_prefix(op->is32);

	out_printf(o, "%c%u = ", w, in->dst_reg);
	if (BPF_SRC(in->code) == BPF_K)
		out_shex(o, in->imm);
	else if (in->off)
		out_printf(o, "(s%d)%c%u", in->off, w, in->src_reg);
	else
		out_printf(o, "%c%u", w, in->src_reg);
}

static void dis_end(struct out *o, const struct bpf_insn *in)
{
	const char *kind = BPF_CLASS(in->code) == BPF_ALU64 ? "bswap"
			   : BPF_SRC(in->code) == BPF_TO_BE ? "be" : "le";

	out_printf(o, "r%u = %s%d r%u", in->dst_reg, kind, in->imm, in->dst_reg);
}

static void dis_lddw(struct out *o, const struct bpf_insn *in, u32 nr_left, unsigned flags)
{
	u64 v;

	if (in->src_reg) {
		out_printf(o, "ld_pseudo r%u, 0x%x, 0x%x", in->dst_reg, in->src_reg, (u32)in->imm);
		if (!(flags & BPF_DISASM_LLVM) && nr_left >= 2 && in[1].imm)
			out_printf(o, ", 0x%x", (u32)in[1].imm);
		return;
	}
	v = (u64)(u32)in->imm | (nr_left >= 2 ? (u64)(u32)in[1].imm << 32 : 0);
	out_printf(o, "r%u = ", in->dst_reg);
	out_shex(o, (s64)v);
	out_printf(o, " ll");
}

static void dis_ldst(struct out *o, const struct bpf_insn *in, const struct bpf_op_info *op)
{
	char w = reg_prefix(op->is32);
	const char *sz = size_name(op->size);

	switch (op->kind) {
	case BPF_OPK_LDX:
		out_printf(o, "%c%u = *(u%s *)", w, in->dst_reg, sz);
		out_mem(o, in->src_reg, in->off);
		break;
	case BPF_OPK_LDXSX:
		out_printf(o, "r%u = *(s%s *)", in->dst_reg, sz);
		out_mem(o, in->src_reg, in->off);
		break;
	case BPF_OPK_ST:
		out_printf(o, "*(u%s *)", sz);
		out_mem(o, in->dst_reg, in->off);
		out_printf(o, " = ");
		out_shex(o, in->imm);
		break;
	default: /* STX */
		out_printf(o, "*(u%s *)", sz);
		out_mem(o, in->dst_reg, in->off);
		out_printf(o, " = %c%u", w, in->src_reg);
		break;
	}
}

/* Returns false when imm is no atomic operation. */
static bool dis_atomic(struct out *o, const struct bpf_insn *in, const struct bpf_op_info *op)
{
	const struct bpf_atomic_info *a = bpf_atomic_lookup(in->imm);
	char w = reg_prefix(op->is32);
	const char *sz = size_name(op->size);
	const char *sfx = op->is32 ? "32_32" : "_64";

	if (!a)
		return false;
	if (in->imm == BPF_CMPXCHG) {
		out_printf(o, "%c0 = cmpxchg%s(r%u %c 0x%x, %c0, %c%u)", w, sfx, in->dst_reg,
			   in->off < 0 ? '-' : '+', (unsigned)(in->off < 0 ? -(s32)in->off : in->off),
			   w, w, in->src_reg);
	} else if (in->imm == BPF_XCHG) {
		out_printf(o, "%c%u = xchg%s(r%u %c 0x%x, %c%u)", w, in->src_reg, sfx, in->dst_reg,
			   in->off < 0 ? '-' : '+', (unsigned)(in->off < 0 ? -(s32)in->off : in->off),
			   w, in->src_reg);
	} else if (in->imm & BPF_FETCH) {
		out_printf(o, "%c%u = atomic_fetch_%s((u%s *)", w, in->src_reg, a->name, sz);
		out_mem(o, in->dst_reg, in->off);
		out_printf(o, ", %c%u)", w, in->src_reg);
	} else {
		out_printf(o, "lock *(u%s *)", sz);
		out_mem(o, in->dst_reg, in->off);
		out_printf(o, " %s %c%u", a->op, w, in->src_reg);
	}
	return true;
}

static void dis_jmp(struct out *o, const struct bpf_insn *in, const struct bpf_op_info *op)
{
	char w = reg_prefix(op->is32);

	out_printf(o, "if %c%u %s ", w, in->dst_reg, bpf_jmp_op_text[BPF_OP(in->code) >> 4]);
	if (BPF_SRC(in->code) == BPF_X)
		out_printf(o, "%c%u", w, in->src_reg);
	else
		out_shex(o, in->imm);
	out_printf(o, " goto ");
	out_off(o, in->off);
}

static void dis_call(struct out *o, const struct bpf_insn *in, unsigned flags)
{
	out_printf(o, "call ");
	if (!(flags & BPF_DISASM_LLVM)) {
		if (in->src_reg == BPF_PSEUDO_CALL)
			out_printf(o, "pseudo ");
		else if (in->src_reg == BPF_PSEUDO_KFUNC_CALL)
			out_printf(o, "kfunc ");
	}
	out_shex(o, in->imm);
}

int bpf_disasm_insn(const struct bpf_insn *in, u32 nr_left, char *buf, size_t size,
		    unsigned flags)
{
	const struct bpf_op_info *op = &bpf_op_table[in->code];
	struct out o = { buf, size, 0 };
	int slots = 1;

	if (size)
		buf[0] = '\0';
	switch (op->kind) {
	case BPF_OPK_ALU: dis_alu(&o, in, op); break;
	case BPF_OPK_MOV: dis_mov(&o, in, op); break;
	case BPF_OPK_NEG: out_printf(&o, "%c%u = -%c%u", reg_prefix(op->is32), in->dst_reg,
				     reg_prefix(op->is32), in->dst_reg); break;
	case BPF_OPK_END: dis_end(&o, in); break;
	case BPF_OPK_LDDW:
		if (nr_left < 2)
			goto unknown;
		dis_lddw(&o, in, nr_left, flags);
		slots = 2;
		break;
	case BPF_OPK_LEGACY:
		out_printf(&o, "r0 = *(u%s *)skb[", size_name(op->size));
		if (BPF_MODE(in->code) == BPF_IND)
			out_printf(&o, "r%u]", in->src_reg);
		else {
			out_shex(&o, in->imm);
			out_printf(&o, "]");
		}
		break;
	case BPF_OPK_LDX: case BPF_OPK_LDXSX: case BPF_OPK_ST: case BPF_OPK_STX:
		dis_ldst(&o, in, op);
		break;
	case BPF_OPK_ATOMIC:
		if (!dis_atomic(&o, in, op))
			goto unknown;
		break;
	case BPF_OPK_JA: out_printf(&o, "goto "); out_off(&o, in->off); break;
	case BPF_OPK_GOTOL: out_printf(&o, "gotol "); out_off(&o, in->imm); break;
	case BPF_OPK_JCOND: out_printf(&o, "may_goto "); out_off(&o, in->off); break;
	case BPF_OPK_JMP: dis_jmp(&o, in, op); break;
	case BPF_OPK_CALL: dis_call(&o, in, flags); break;
	case BPF_OPK_EXIT: out_printf(&o, "exit"); break;
	default:
		goto unknown;
	}
	return slots;
unknown:
	o.len = 0;
	out_printf(&o, "<unknown>");
	return 1;
}

void bpf_disasm_write(FILE *out, const struct bpf_insn *insns, u32 nr_insns, unsigned flags)
{
	char line[128];

	for (u32 pc = 0; pc < nr_insns;) {
		int n = bpf_disasm_insn(&insns[pc], nr_insns - pc, line, sizeof(line), flags);

		fprintf(out, "%6u: %s\n", pc, line);
		pc += n;
	}
}
