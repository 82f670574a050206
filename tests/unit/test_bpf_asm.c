/*
 * test_bpf_asm.c — tests of the BPF assembler and disassembler (src/ebpf/asm.c, disasm.c):
 *  - round trip asm(disasm(x)) == x for field variants of every legal opcode;
 *  - llvm-objdump-19 agreement: the same variants, written as raw bytes into a .s file
 *    assembled by clang-19, and the C file tests/data/ebpf/insn_forms.c compiled by clang-19
 *    -mcpu=v4, are disassembled by `llvm-objdump-19 -d --mattr=+alu32`; scxsim must print each
 *    instruction the same (modulo whitespace and the `<label>` suffix). These tests need
 *    clang-19 and llvm-objdump-19 (Debian packages clang-19, llvm-19) and fail without them;
 *  - the assembler's extra forms (labels, decimal, comments) and its error messages.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "test.h"
#include "scxsim/bpf_asm.h"
#include "ebpf/insn_table.h"

#define I(c, d, s, o, i) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }

/* ---- variants of every legal opcode ---- */

struct variants {
	struct bpf_insn *v; /* pairs: v[2k], v[2k+1] (second slot used by ld_imm64 only) */
	u32 n, cap;
};

static void add(struct variants *vs, struct bpf_insn a, struct bpf_insn b)
{
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? vs->cap * 2 : 256;
		vs->v = realloc(vs->v, 2 * vs->cap * sizeof(*vs->v));
		if (!vs->v)
			abort();
	}
	vs->v[2 * vs->n] = a;
	vs->v[2 * vs->n + 1] = b;
	vs->n++;
}

static const s32 imms[] = { 0, 1, -1, 0x7fffffff, INT32_MIN, 0x1234 };
static const s16 offs[] = { 0, 1, -1, 0x7fff, INT16_MIN, 8 };
static const u8 regs[][2] = { { 0, 0 }, { 1, 2 }, { 9, 10 }, { 10, 3 } };

static void variants_of(struct variants *vs, u8 code)
{
	const struct bpf_op_info *op = &bpf_op_table[code];
	struct bpf_insn z = I(0, 0, 0, 0, 0);
	u8 o = BPF_OP(code);
	bool x = BPF_SRC(code) == BPF_X;

	for (unsigned r = 0; r < ARRAY_SIZE(regs); r++) {
		u8 d = regs[r][0], s = regs[r][1];

		for (unsigned k = 0; k < ARRAY_SIZE(imms); k++) {
			s32 imm = imms[k];
			s16 off = offs[k];

			switch (op->kind) {
			case BPF_OPK_ALU:
				add(vs, (struct bpf_insn)I(code, d, x ? s : 0, 0, x ? 0 : imm), z);
				if (o == BPF_DIV || o == BPF_MOD)
					add(vs, (struct bpf_insn)I(code, d, x ? s : 0, 1, x ? 0 : imm), z);
				break;
			case BPF_OPK_MOV:
				add(vs, (struct bpf_insn)I(code, d, x ? s : 0, 0, x ? 0 : imm), z);
				if (x && k < 3 - op->is32)
					add(vs, (struct bpf_insn)I(code, d, s, 8 << k, 0), z);
				break;
			case BPF_OPK_NEG: add(vs, (struct bpf_insn)I(code, d, 0, 0, 0), z); break;
			case BPF_OPK_END:
				if (k < 3)
					add(vs, (struct bpf_insn)I(code, d, 0, 0, 16 << k), z);
				break;
			case BPF_OPK_LDDW:
				add(vs, (struct bpf_insn)I(code, d, 0, 0, imm), (struct bpf_insn)I(0, 0, 0, 0, imms[(k + 2) % 6]));
				add(vs, (struct bpf_insn)I(code, d, 1 + k % 6, 0, imm), z);
				break;
			case BPF_OPK_LDX: case BPF_OPK_LDXSX: case BPF_OPK_STX:
				add(vs, (struct bpf_insn)I(code, d, s, off, 0), z);
				break;
			case BPF_OPK_ST: add(vs, (struct bpf_insn)I(code, d, 0, off, imm), z); break;
			case BPF_OPK_ATOMIC:
				add(vs, (struct bpf_insn)I(code, d, s, off, bpf_atomic_table[(k + 4 * r) % bpf_atomic_table_len].imm), z);
				break;
			case BPF_OPK_JA: case BPF_OPK_JCOND:
				add(vs, (struct bpf_insn)I(code, 0, 0, off, 0), z);
				break;
			case BPF_OPK_GOTOL: add(vs, (struct bpf_insn)I(code, 0, 0, 0, imm), z); break;
			case BPF_OPK_JMP:
				add(vs, (struct bpf_insn)I(code, d, x ? s : 0, off, x ? 0 : imm), z);
				break;
			case BPF_OPK_CALL:
				add(vs, (struct bpf_insn)I(code, 0, r % 3, 0, imm), z);
				break;
			case BPF_OPK_EXIT: add(vs, (struct bpf_insn)I(code, 0, 0, 0, 0), z); break;
			default: break;
			}
		}
	}
}

static void all_variants(struct variants *vs)
{
	memset(vs, 0, sizeof(*vs));
	for (unsigned code = 0; code < 256; code++)
		if (bpf_op_table[code].kind != BPF_OPK_NONE && bpf_op_table[code].kind != BPF_OPK_LEGACY)
			variants_of(vs, (u8)code);
}

static bool is_lddw(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

TEST(bpf_asm_round_trip_every_opcode)
{
	struct variants vs;
	int bad = 0, codes = 0;
	bool seen[256] = { 0 };

	all_variants(&vs);
	for (u32 i = 0; i < vs.n && bad < 10; i++) {
		const struct bpf_insn *x = &vs.v[2 * i];
		u32 slots = is_lddw(x) ? 2 : 1, n = 0;
		struct bpf_insn *out = NULL;
		char text[128], err[256];

		codes += !seen[x->code];
		seen[x->code] = true;
		bpf_disasm_insn(x, slots, text, sizeof(text), 0);
		if (bpf_asm(text, &out, &n, err, sizeof(err))) {
			fprintf(stderr, "  0x%02x '%s': %s\n", x->code, text, err);
			bad++;
		} else if (n != slots || memcmp(out, x, slots * sizeof(*x))) {
			fprintf(stderr, "  0x%02x '%s' does not assemble back to the same bytes\n", x->code, text);
			bad++;
		}
		free(out);
	}
	free(vs.v);
	CHECK_EQ(bad, 0);
	CHECK_EQ(codes, 120);
}

/* ---- llvm-objdump-19 agreement ---- */

static bool have_tool(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* Collapses runs of blanks to one space and drops objdump's trailing " <label>". */
static void normalize(char *s)
{
	char *w = s, *lt;
	bool sp = false;

	for (char *r = s; *r; r++) {
		if (*r == ' ' || *r == '\t') {
			sp = w != s;
			continue;
		}
		if (sp)
			*w++ = ' ';
		sp = false;
		*w++ = *r;
	}
	*w = '\0';
	lt = strrchr(s, '<');
	if (lt && lt > s && lt[-1] == ' ' && strcmp(lt, "<unknown>") && w[-1] == '>')
		lt[-1] = '\0';
}

/*
 * Disassembles obj with llvm-objdump-19 and checks each instruction line against scxsim's
 * disassembly of the bytes objdump printed, and that scxsim's text assembles back to them.
 * Returns the number of mismatches (-1 if objdump could not run); *count = lines checked.
 */
static int compare_objdump(const char *obj, int *count)
{
	char cmd[512], line[512];
	FILE *f;
	int bad = 0;

	snprintf(cmd, sizeof(cmd), "llvm-objdump-19 -d --mattr=+alu32 %s", obj);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	*count = 0;
	while (fgets(line, sizeof(line), f)) {
		char *bytes = strchr(line, '\t'), *text, mine[128], err[256];
		struct bpf_insn raw[2] = { 0 }, *out = NULL;
		unsigned nb = 0, v;
		int used;
		u32 n = 0;

		if (!bytes || !(text = strchr(bytes + 1, '\t')))
			continue;
		*text++ = '\0';
		text[strcspn(text, "\n")] = '\0';
		for (char *p = bytes + 1; nb < 16 && sscanf(p, "%2x%n", &v, &used) == 1; p += used)
			((u8 *)raw)[nb++] = (u8)v;
		if (nb != 8 && nb != 16)
			continue;
		(*count)++;
		normalize(text);
		bpf_disasm_insn(raw, nb / 8, mine, sizeof(mine), BPF_DISASM_LLVM);
		if (strcmp(mine, text)) {
			fprintf(stderr, "  objdump '%s' vs scxsim '%s'\n", text, mine);
			bad++;
			continue;
		}
		bpf_disasm_insn(raw, nb / 8, mine, sizeof(mine), 0);
		if (bpf_asm(mine, &out, &n, err, sizeof(err)) || n != nb / 8 || memcmp(out, raw, nb)) {
			fprintf(stderr, "  '%s' does not assemble back (%s)\n", mine, err);
			bad++;
		}
		free(out);
	}
	if (pclose(f))
		return -1;
	return bad;
}

/* Is x an instruction objdump and scxsim are compared on? */
static bool llvm_comparable(const struct bpf_insn *x)
{
	/* objdump prints ld_pseudo operands differently when the upper imm is non-zero, and
	 * `call` the same for every kind; both are compared only in their plain forms. */
	return !(is_lddw(x) && x->src_reg) || !x[1].imm;
}

TEST(bpf_asm_matches_llvm_objdump_every_opcode)
{
	char dir[] = "/tmp/scxsim_asm_XXXXXX", path[128], obj[128], cmd[512];
	struct variants vs;
	int count = 0, bad, expect = 0;
	FILE *f;

	if (!have_tool("clang-19") || !have_tool("llvm-objdump-19"))
		FAIL_("clang-19 and llvm-objdump-19 are needed (apt-get install clang-19 llvm-19)");
	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/all.s", dir);
	snprintf(obj, sizeof(obj), "%s/all.o", dir);
	f = fopen(path, "w");
	CHECK(f);
	all_variants(&vs);
	fprintf(f, ".text\n.globl f\nf:\n");
	for (u32 i = 0; i < vs.n; i++) {
		const struct bpf_insn *x = &vs.v[2 * i];
		u32 slots = is_lddw(x) ? 2 : 1;

		if (!llvm_comparable(x))
			continue;
		expect++;
		for (u32 b = 0; b < 8 * slots; b++)
			fprintf(f, "%s0x%02x", b % 8 ? "," : b ? "\n.byte " : ".byte ", ((const u8 *)x)[b]);
		fprintf(f, "\n");
	}
	fclose(f);
	free(vs.v);
	snprintf(cmd, sizeof(cmd), "clang-19 -target bpf -c %s -o %s", path, obj);
	CHECK_EQ(system(cmd), 0);
	bad = compare_objdump(obj, &count);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
	CHECK_EQ(bad, 0);
	CHECK_EQ(count, expect);
}

TEST(bpf_asm_matches_llvm_objdump_compiled_c)
{
	char dir[] = "/tmp/scxsim_asm_XXXXXX", obj[128], cmd[512];
	int count = 0, bad;

	if (!have_tool("clang-19") || !have_tool("llvm-objdump-19"))
		FAIL_("clang-19 and llvm-objdump-19 are needed (apt-get install clang-19 llvm-19)");
	CHECK(mkdtemp(dir));
	snprintf(obj, sizeof(obj), "%s/insn_forms.o", dir);
	snprintf(cmd, sizeof(cmd), "clang-19 -O2 -g -target bpf -mcpu=v4 -c tests/data/ebpf/insn_forms.c -o %s", obj);
	CHECK_EQ(system(cmd), 0);
	bad = compare_objdump(obj, &count);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
	CHECK_EQ(bad, 0);
	CHECK(count > 150);
}

/* ---- the assembler's own forms ---- */

static int asm1(const char *text, struct bpf_insn *out, u32 max, char *err)
{
	struct bpf_insn *insns = NULL;
	u32 n = 0;
	int ret = bpf_asm(text, &insns, &n, err, 256);

	if (!ret) {
		ret = (int)n;
		if (n)
			memcpy(out, insns, MIN(n, max) * sizeof(*out));
	}
	free(insns);
	return ret;
}

TEST(bpf_asm_labels_decimal_comments)
{
	struct bpf_insn o[8];
	char err[256];

	CHECK_EQ(asm1("top: r0 = 10 ; ten\n# a comment line\n  w1 -= 3 // three\n"
		      "if w1 s< w0 goto top\ngoto end\nend:\nexit", o, 8, err), 5);
	CHECK_EQ(o[0].code, BPF_ALU64 | BPF_MOV | BPF_K);
	CHECK_EQ(o[0].imm, 10);
	CHECK_EQ(o[1].code, BPF_ALU | BPF_SUB | BPF_K);
	CHECK_EQ(o[2].code, BPF_JMP32 | BPF_JSLT | BPF_X);
	CHECK_EQ(o[2].off, -3);
	CHECK_EQ(o[3].off, 0);
	CHECK_EQ(asm1("call sub\nexit\nsub: exit", o, 8, err), 3);
	CHECK_EQ(o[0].src_reg, BPF_PSEUDO_CALL);
	CHECK_EQ(o[0].imm, 1);
	CHECK_EQ(asm1("call kfunc 7\ncall pseudo -2\ncall 12", o, 8, err), 3);
	CHECK_EQ(o[0].src_reg, BPF_PSEUDO_KFUNC_CALL);
	CHECK_EQ(o[0].imm, 7);
	CHECK_EQ(o[1].src_reg, BPF_PSEUDO_CALL);
	CHECK_EQ(o[1].imm, -2);
	CHECK_EQ(o[2].src_reg, 0);
	CHECK_EQ(o[2].imm, 12);
	CHECK_EQ(asm1("ld_pseudo r2, 4, f\nexit\nf: exit", o, 8, err), 4);
	CHECK_EQ(o[0].src_reg, BPF_PSEUDO_FUNC);
	CHECK_EQ(o[0].imm, 2); /* target = pc + imm + 1 */
	CHECK_EQ(asm1("r1 = *(u32 *)(r2)\nw3 = 0xffffffff\nif w3 == 0xffffffff goto +1", o, 8, err), 3);
	CHECK_EQ(o[0].off, 0);
	CHECK_EQ(o[1].imm, -1);
	CHECK_EQ(o[2].imm, -1);
	CHECK_EQ(asm1("r1 = *(u32 *)(r2 + 8)\n*(u32 *)(r10 - 4) = r1", o, 8, err), 2);
	CHECK_EQ(o[0].code, BPF_LDX | BPF_MEM | BPF_W); /* r-register spelling of a 32-bit load */
	CHECK_EQ(o[1].code, BPF_STX | BPF_MEM | BPF_W);
	CHECK_EQ(o[1].off, -4);
	CHECK_EQ(asm1("", o, 8, err), 0);
}

static const struct { const char *text, *err; } asm_errors[] = {
	{ "r11 = 1", "line 1: expected an instruction near 'r11 = 1'" },
	{ "foo", "line 1: expected an instruction near 'foo'" },
	{ "r1 ** 2", "line 1: expected '=' or an operator such as '+=' near '** 2'" },
	{ "exit extra", "line 1: unexpected text near 'extra'" },
	{ "r0 = 0x100000000", "immediate 4294967296 does not fit in 32 bits (add 'll')" },
	{ "r0 += 0x80000000", "immediate 2147483648 does not fit in 32 bits" },
	{ "r0 = 0x10000000000000000 ll", "expected a register, a number or a load" },
	{ "w0 = 1 ll", "ld_imm64 writes an r register" },
	{ "r0 = 1\ngoto nowhere", "line 2: unknown label 'nowhere'" },
	{ "l:\nl: exit", "line 2: label 'l' defined twice" },
	{ "if r0 == w1 goto +1", "mixed r and w registers" },
	{ "w0 += r1", "mixed r and w registers" },
	{ "if r0 ~ 1 goto +1", "expected a comparison" },
	{ "if r0 == 1 +1", "expected 'goto'" },
	{ "goto +0x8000", "jump offset 32768 does not fit in 16 bits" },
	{ "r0 = *(u32 *)(r1 + 0x8000)", "offset 32768 does not fit in 16 bits" },
	{ "r0 = *(s64 *)(r1 + 0)", "no s64 load" },
	{ "w0 = *(s8 *)(r1 + 0)", "sign-extending loads write r registers" },
	{ "w0 = *(u64 *)(r1 + 0)", "a 64-bit load writes an r register" },
	{ "r0 = *(x32 *)(r1 + 0)", "expected a type such as u32" },
	{ "r0 = *(u31 *)(r1 + 0)", "expected 8, 16, 32 or 64" },
	{ "r0 = *(u32)(r1 + 0)", "expected '*)'" },
	{ "r0 = *(u32 *)(w1 + 0)", "expected '(rN + off)'" },
	{ "r0 = *(u32 *)(r1 * 0)", "expected '+' or '-'" },
	{ "lock *(u16 *)(r1 + 0) += r2", "atomics are 32 or 64 bit" },
	{ "lock *(u64 *)(r1 + 0) -= r2", "expected +=, |=, &= or ^=" },
	{ "r2 = atomic_fetch_sub((u64 *)(r1 + 0), r2)", "unknown atomic_fetch_sub" },
	{ "r2 = atomic_fetch_add((u64 *)(r1 + 0), r3)", "same register on both sides" },
	{ "r2 = xchg_64(r1 + 0, r3)", "xchg returns into its source register" },
	{ "r1 = cmpxchg_64(r1 + 0, r0, r3)", "cmpxchg compares and returns r0/w0" },
	{ "r1 = be16 r2", "expected the same r register" },
	{ "r1 = -r2", "negation is 'rN = -rN'" },
	{ "w1 = (s32)w2", "w = (s32)w is not an instruction" },
	{ "r1 = (u8)r2", "expected '(s8|s16|s32)reg' of the same width" },
	{ "ld_pseudo r1, 0x20, 0", "ld_pseudo operand out of range" },
	{ "ld_pseudo r1 0x2", "expected 'ld_pseudo rN, KIND, IMM'" },
	{ "*(u32 *)(r1 + 0) r2", "expected '='" },
	{ "call", "expected a number" },
	{ "r0 = 1\n\n   r0 +=", "line 3: expected a number" },
};

TEST(bpf_asm_errors)
{
	for (unsigned i = 0; i < ARRAY_SIZE(asm_errors); i++) {
		struct bpf_insn *insns = (struct bpf_insn *)1;
		char err[256];
		u32 n = 99;

		if (!bpf_asm(asm_errors[i].text, &insns, &n, err, sizeof(err)))
			FAIL_("'%s' assembled", asm_errors[i].text);
		CHECK(insns == NULL);
		CHECK_EQ(n, 0);
		CHECK_CONTAINS(err, asm_errors[i].err);
	}
}

TEST(bpf_disasm_special_cases)
{
	struct bpf_insn in[3] = { I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1), I(0, 0, 0, 0, 0), I(0xff, 0, 0, 0, 0) };
	struct bpf_insn call = I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 3);
	char buf[128], small[8];
	FILE *f;

	CHECK_EQ(bpf_disasm_insn(&in[0], 1, buf, sizeof(buf), 0), 1); /* truncated ld_imm64 */
	CHECK_STR(buf, "<unknown>");
	CHECK_EQ(bpf_disasm_insn(&in[0], 2, buf, sizeof(buf), 0), 2);
	CHECK_STR(buf, "r1 = 0x1 ll");
	CHECK_EQ(bpf_disasm_insn(&in[2], 1, buf, sizeof(buf), 0), 1);
	CHECK_STR(buf, "<unknown>");
	bpf_disasm_insn(&call, 1, buf, sizeof(buf), 0);
	CHECK_STR(buf, "call kfunc 0x3");
	bpf_disasm_insn(&call, 1, buf, sizeof(buf), BPF_DISASM_LLVM);
	CHECK_STR(buf, "call 0x3");
	CHECK_EQ(bpf_disasm_insn(&in[0], 2, small, sizeof(small), 0), 2); /* truncates safely */
	CHECK_STR(small, "r1 = 0x");
	f = tmpfile();
	CHECK(f);
	bpf_disasm_write(f, in, 3, 0);
	rewind(f);
	CHECK(fgets(buf, sizeof(buf), f));
	CHECK_STR(buf, "     0: r1 = 0x1 ll\n");
	CHECK(fgets(buf, sizeof(buf), f));
	CHECK_STR(buf, "     2: <unknown>\n");
	fclose(f);
}
