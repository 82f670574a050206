/*
 * asm.c — the BPF assembler: text in the syntax llvm-objdump-19 prints (see bpf_asm.h) to
 * instructions. Used by the instruction tests (the .data files in tests/ebpf/), the round-trip tests and
 * hand-written test programs.
 *
 * Design: one line at a time, a cursor with small `accept` helpers; a statement is chosen by
 * its first token, operators and atomic names come from the tables in insn_table.c. Labels
 * are resolved after the last line (forward references allowed).
 * Invariants: nothing is emitted for a line that fails; every error names the line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "scxsim/bpf_asm.h"
#include "ebpf/insn_table.h"

#define ASM_NAME_MAX 64

struct asm_label {
	char name[ASM_NAME_MAX]; /* label text */
	u32 pc;                  /* slot it names */
};

enum fix_kind { FIX_OFF, FIX_IMM }; /* which field receives target - pc - 1 */

struct asm_fixup {
	char name[ASM_NAME_MAX]; /* label referenced */
	u32 pc;                  /* instruction to patch */
	int kind;                /* enum fix_kind */
	int line;                /* for the error message */
};

struct asm_state {
	struct bpf_insn *insns;   /* output, grows */
	u32 nr, cap;
	struct asm_label *labels;
	u32 nr_labels, cap_labels;
	struct asm_fixup *fixups;
	u32 nr_fixups, cap_fixups;
	const char *p;            /* cursor in the current line (NUL-terminated copy) */
	int line;                 /* 1-based line number */
	char *err;                /* caller's buffer */
	size_t err_size;
	bool failed;              /* first error wins */
};

static int asm_fail(struct asm_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int asm_fail(struct asm_state *st, const char *fmt, ...)
{
	char reason[160];
	va_list ap;

	if (st->failed)
		return -EINVAL;
	st->failed = true;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (st->err_size) {
		if (st->p && *st->p)
			snprintf(st->err, st->err_size, "line %d: %s near '%.24s'", st->line, reason, st->p);
		else
			snprintf(st->err, st->err_size, "line %d: %s", st->line, reason);
	}
	return -EINVAL;
}

static bool grow(void **arr, u32 *cap, u32 need, size_t elem)
{
	void *n;
	u32 c;

	if (need <= *cap)
		return true;
	c = *cap ? *cap * 2 : 64;
	while (c < need)
		c *= 2;
	n = realloc(*arr, (size_t)c * elem);
	if (!n)
		return false;
	*arr = n;
	*cap = c;
	return true;
}

/* ---- the cursor ---- */

static bool is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

static void skip_ws(struct asm_state *st)
{
	while (*st->p == ' ' || *st->p == '\t' || *st->p == '\r')
		st->p++;
}

/* Punctuation or operator text. */
static bool accept(struct asm_state *st, const char *s)
{
	size_t n = strlen(s);

	skip_ws(st);
	if (strncmp(st->p, s, n))
		return false;
	st->p += n;
	return true;
}

/* A whole word: must not continue with an identifier character. */
static bool accept_word(struct asm_state *st, const char *s)
{
	size_t n = strlen(s);

	skip_ws(st);
	if (strncmp(st->p, s, n) || is_ident_char(st->p[n]))
		return false;
	st->p += n;
	return true;
}

static bool peek_reg(struct asm_state *st)
{
	skip_ws(st);
	return (st->p[0] == 'r' || st->p[0] == 'w') && isdigit((unsigned char)st->p[1]);
}

static bool parse_reg(struct asm_state *st, u8 *reg, bool *is32)
{
	const char *s;
	unsigned n = 0;

	if (!peek_reg(st))
		return false;
	s = st->p + 1;
	while (isdigit((unsigned char)*s) && n < 100)
		n = n * 10 + (*s++ - '0');
	if (n > 10 || is_ident_char(*s))
		return false;
	*reg = (u8)n;
	*is32 = st->p[0] == 'w';
	st->p = s;
	return true;
}

/* [+-] (0x hex | decimal); the magnitude must fit in 64 bits. */
static bool parse_num(struct asm_state *st, s64 *out)
{
	const char *s;
	bool neg = false;
	u64 v = 0;
	int base = 10, digits = 0;

	skip_ws(st);
	s = st->p;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, digits++) {
		int d;

		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (!digits || is_ident_char(*s))
		return false;
	*out = (s64)(neg ? 0 - v : v);
	st->p = s;
	return true;
}

static bool parse_ident(struct asm_state *st, char *buf)
{
	size_t n = 0;

	skip_ws(st);
	if (!isalpha((unsigned char)*st->p) && *st->p != '_' && *st->p != '.')
		return false;
	while (is_ident_char(st->p[n]) && n < ASM_NAME_MAX - 1)
		n++;
	if (is_ident_char(st->p[n]))
		return false;
	memcpy(buf, st->p, n);
	buf[n] = '\0';
	st->p += n;
	return true;
}

static bool at_end(struct asm_state *st)
{
	skip_ws(st);
	return *st->p == '\0';
}

/* ---- output ---- */

static int emit(struct asm_state *st, u8 code, u8 dst, u8 src, s16 off, s32 imm)
{
	if (!grow((void **)&st->insns, &st->cap, st->nr + 1, sizeof(*st->insns)))
		return -ENOMEM;
	st->insns[st->nr++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
						 .off = off, .imm = imm };
	return 0;
}

static int add_fixup(struct asm_state *st, const char *name, int kind)
{
	if (!grow((void **)&st->fixups, &st->cap_fixups, st->nr_fixups + 1, sizeof(*st->fixups)))
		return -ENOMEM;
	st->fixups[st->nr_fixups] = (struct asm_fixup){ .pc = st->nr, .kind = kind, .line = st->line };
	strcpy(st->fixups[st->nr_fixups++].name, name);
	return 0;
}

static int add_label(struct asm_state *st, const char *name)
{
	for (u32 i = 0; i < st->nr_labels; i++)
		if (!strcmp(st->labels[i].name, name))
			return asm_fail(st, "label '%s' defined twice", name);
	if (!grow((void **)&st->labels, &st->cap_labels, st->nr_labels + 1, sizeof(*st->labels)))
		return -ENOMEM;
	strcpy(st->labels[st->nr_labels].name, name);
	st->labels[st->nr_labels++].pc = st->nr;
	return 0;
}

/* ---- operands ---- */

static bool fits_s16(s64 v) { return v >= INT16_MIN && v <= INT16_MAX; }
static bool fits_s32(s64 v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* An immediate for an instruction of width is32: 32-bit forms also take 0x80000000..0xffffffff. */
static int parse_imm(struct asm_state *st, bool is32, s32 *imm)
{
	s64 v;

	if (!parse_num(st, &v))
		return asm_fail(st, "expected a number");
	if (!fits_s32(v) && !(is32 && v >= 0 && v <= UINT32_MAX))
		return asm_fail(st, "immediate %lld does not fit in 32 bits", (long long)v);
	*imm = (s32)(u32)(u64)v;
	return 0;
}

/* A jump target: a signed number or a label; `kind` says which field the fixup patches. */
static int parse_target(struct asm_state *st, int kind, s64 *val, bool *is_label)
{
	char name[ASM_NAME_MAX];

	*is_label = false;
	*val = 0;
	if (parse_num(st, val))
		return 0;
	if (!parse_ident(st, name))
		return asm_fail(st, "expected a jump offset or a label");
	*is_label = true;
	return add_fixup(st, name, kind);
}

static int parse_off_target(struct asm_state *st, s16 *off)
{
	bool lbl;
	s64 v;
	int err = parse_target(st, FIX_OFF, &v, &lbl);

	if (err)
		return err;
	if (!fits_s16(v))
		return asm_fail(st, "jump offset %lld does not fit in 16 bits", (long long)v);
	*off = (s16)v;
	return 0;
}

/* "(rN + 0x8)", "(rN - 4)" or "(rN)". */
static int parse_memref(struct asm_state *st, u8 *base, s16 *off)
{
	bool w = false, neg;
	s64 v = 0;

	if (!accept(st, "(") || !parse_reg(st, base, &w) || w)
		return asm_fail(st, "expected '(rN + off)'");
	if (!accept(st, ")")) {
		if (accept(st, "+"))
			neg = false;
		else if (accept(st, "-"))
			neg = true;
		else
			return asm_fail(st, "expected '+' or '-'");
		if (!parse_num(st, &v) || v < 0)
			return asm_fail(st, "expected an offset");
		v = neg ? -v : v;
		if (!fits_s16(v))
			return asm_fail(st, "offset %lld does not fit in 16 bits", (long long)v);
		if (!accept(st, ")"))
			return asm_fail(st, "expected ')'");
	}
	*off = (s16)v;
	return 0;
}

/* "u8" .. "u64" or "s8" .. "s32" → BPF size bits; *sign set for s. */
static int parse_type(struct asm_state *st, bool allow_signed, u8 *size, bool *sign)
{
	static const struct { const char *name; u8 size; } types[] = {
		{ "8", BPF_B }, { "16", BPF_H }, { "32", BPF_W }, { "64", BPF_DW },
	};

	skip_ws(st);
	*sign = *st->p == 's';
	if (*st->p != 'u' && !(allow_signed && *sign))
		return asm_fail(st, "expected a type such as u32");
	st->p++;
	for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
		if (accept_word(st, types[i].name)) {
			*size = types[i].size;
			if (*sign && *size == BPF_DW)
				return asm_fail(st, "no s64 load: use u64");
			return 0;
		}
	}
	return asm_fail(st, "expected 8, 16, 32 or 64");
}

/* "*(u32 *)" after the opening "*(" or "(" has been accepted. */
static int parse_cast(struct asm_state *st, bool allow_signed, u8 *size, bool *sign)
{
	int err = parse_type(st, allow_signed, size, sign);

	if (!err && (!accept(st, "*") || !accept(st, ")")))
		err = asm_fail(st, "expected '*)'");
	return err;
}

/* ---- statements ---- */

static int stmt_call(struct asm_state *st)
{
	char name[ASM_NAME_MAX];
	u8 src = 0;
	s32 imm = 0;
	int err;

	if (accept_word(st, "pseudo"))
		src = BPF_PSEUDO_CALL;
	else if (accept_word(st, "kfunc"))
		src = BPF_PSEUDO_KFUNC_CALL;
	skip_ws(st);
	if (src != BPF_PSEUDO_KFUNC_CALL && !isdigit((unsigned char)*st->p) && *st->p != '-' &&
	    *st->p != '+' && parse_ident(st, name)) {
		err = add_fixup(st, name, FIX_IMM);
		return err ?: emit(st, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0);
	}
	err = parse_imm(st, false, &imm);
	return err ?: emit(st, BPF_JMP | BPF_CALL, 0, src, 0, imm);
}

static int stmt_goto(struct asm_state *st, u8 code)
{
	s16 off = 0;
	int err = parse_off_target(st, &off);

	return err ?: emit(st, code, 0, 0, off, 0);
}

static int stmt_gotol(struct asm_state *st)
{
	bool lbl;
	s64 v;
	int err = parse_target(st, FIX_IMM, &v, &lbl);

	if (!err && !fits_s32(v))
		err = asm_fail(st, "jump offset does not fit in 32 bits");
	return err ?: emit(st, BPF_JMP32 | BPF_JA, 0, 0, 0, (s32)v);
}

/* Longest spelling first so "s<=" is not read as "s<". */
static int parse_jmp_op(struct asm_state *st, u8 *op)
{
	int best = -1;
	size_t best_len = 0;

	skip_ws(st);
	for (int i = 0; i < 16; i++) {
		const char *t = bpf_jmp_op_text[i];

		if (t && strlen(t) > best_len && !strncmp(st->p, t, strlen(t))) {
			best = i;
			best_len = strlen(t);
		}
	}
	if (best < 0)
		return asm_fail(st, "expected a comparison");
	st->p += best_len;
	*op = (u8)(best << 4);
	return 0;
}

static int stmt_if(struct asm_state *st)
{
	u8 dst, src = 0, op = 0;
	bool w, w2;
	s32 imm = 0;
	s16 off = 0;
	int err;

	if (!parse_reg(st, &dst, &w))
		return asm_fail(st, "expected a register");
	err = parse_jmp_op(st, &op);
	if (err)
		return err;
	if (parse_reg(st, &src, &w2)) {
		if (w2 != w)
			return asm_fail(st, "mixed r and w registers");
		op |= BPF_X;
	} else if ((err = parse_imm(st, w, &imm))) {
		return err;
	}
	if (!accept_word(st, "goto"))
		return asm_fail(st, "expected 'goto'");
	err = parse_off_target(st, &off);
	return err ?: emit(st, (w ? BPF_JMP32 : BPF_JMP) | op, dst, src, off, imm);
}

static const struct bpf_atomic_info *atomic_by_op(const char *text, bool fetch)
{
	for (unsigned i = 0; i < bpf_atomic_table_len; i++) {
		const struct bpf_atomic_info *a = &bpf_atomic_table[i];

		if (a->op && !strcmp(a->op, text) && !!(a->imm & BPF_FETCH) == fetch)
			return a;
	}
	return NULL;
}

/* lock *(u64 *)(r1 + 0x0) += r2 */
static int stmt_lock(struct asm_state *st)
{
	static const char *const ops[] = { "+=", "|=", "&=", "^=" };
	const struct bpf_atomic_info *a = NULL;
	u8 size, base, src;
	bool sign, w;
	s16 off;
	int err;

	if (!accept(st, "*") || !accept(st, "("))
		return asm_fail(st, "expected '*('");
	err = parse_cast(st, false, &size, &sign) ?: parse_memref(st, &base, &off);
	if (err)
		return err;
	for (unsigned i = 0; i < ARRAY_SIZE(ops) && !a; i++)
		if (accept(st, ops[i]))
			a = atomic_by_op(ops[i], false);
	if (!a)
		return asm_fail(st, "expected +=, |=, &= or ^=");
	if (size != BPF_W && size != BPF_DW)
		return asm_fail(st, "atomics are 32 or 64 bit");
	if (!parse_reg(st, &src, &w))
		return asm_fail(st, "expected a register");
	return emit(st, BPF_STX | BPF_ATOMIC | size, base, src, off, a->imm);
}

/* *(u32 *)(r1 + 0x8) = r2 | imm */
static int stmt_store(struct asm_state *st)
{
	u8 size, base, src;
	bool sign, w;
	s16 off;
	s32 imm;
	int err = parse_cast(st, false, &size, &sign) ?: parse_memref(st, &base, &off);

	if (err)
		return err;
	if (!accept(st, "="))
		return asm_fail(st, "expected '='");
	if (parse_reg(st, &src, &w))
		return emit(st, BPF_STX | BPF_MEM | size, base, src, off, 0);
	err = parse_imm(st, size != BPF_DW, &imm);
	return err ?: emit(st, BPF_ST | BPF_MEM | size, base, 0, off, imm);
}

/* ld_pseudo r1, 0x2, 0x0[, upper] — or ld_pseudo r1, 4, label (imm = label - pc - 1) */
static int stmt_ld_pseudo(struct asm_state *st)
{
	s64 kind, lo, hi = 0;
	u8 dst;
	bool w;
	int err;

	char name[ASM_NAME_MAX];

	if (!parse_reg(st, &dst, &w) || w || !accept(st, ",") || !parse_num(st, &kind) ||
	    !accept(st, ","))
		return asm_fail(st, "expected 'ld_pseudo rN, KIND, IMM'");
	if (!parse_num(st, &lo)) { /* a label: imm = its offset, as for BPF_PSEUDO_FUNC */
		if (!parse_ident(st, name))
			return asm_fail(st, "expected a number or a label");
		lo = 0;
		if ((err = add_fixup(st, name, FIX_IMM)))
			return err;
	}
	if (accept(st, ",") && !parse_num(st, &hi))
		return asm_fail(st, "expected a number");
	if (kind < 1 || kind > 15 || lo < INT32_MIN || lo > UINT32_MAX || hi < INT32_MIN || hi > UINT32_MAX)
		return asm_fail(st, "ld_pseudo operand out of range");
	err = emit(st, BPF_LD | BPF_IMM | BPF_DW, dst, (u8)kind, 0, (s32)(u32)(u64)lo);
	return err ?: emit(st, 0, 0, 0, 0, (s32)(u32)(u64)hi);
}

/* r1 += r2 | imm, and the signed div/mod forms. */
static int stmt_alu(struct asm_state *st, u8 dst, bool w)
{
	static const struct { const char *text; u8 op; s16 off; } ops[] = {
		{ "s>>=", BPF_ARSH, 0 }, { "s/=", BPF_DIV, 1 }, { "s%=", BPF_MOD, 1 },
		{ "<<=", BPF_LSH, 0 }, { ">>=", BPF_RSH, 0 }, { "+=", BPF_ADD, 0 },
		{ "-=", BPF_SUB, 0 }, { "*=", BPF_MUL, 0 }, { "/=", BPF_DIV, 0 },
		{ "%=", BPF_MOD, 0 }, { "|=", BPF_OR, 0 }, { "&=", BPF_AND, 0 }, { "^=", BPF_XOR, 0 },
	};
	u8 cls = w ? BPF_ALU : BPF_ALU64, src;
	bool w2;
	s32 imm;

	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
		if (!accept(st, ops[i].text))
			continue;
		if (parse_reg(st, &src, &w2)) {
			if (w2 != w)
				return asm_fail(st, "mixed r and w registers");
			return emit(st, cls | ops[i].op | BPF_X, dst, src, ops[i].off, 0);
		}
		return parse_imm(st, w, &imm) ?: emit(st, cls | ops[i].op | BPF_K, dst, 0, ops[i].off, imm);
	}
	return asm_fail(st, "expected '=' or an operator such as '+='");
}

/* r1 = *(u64 *)(r2 + 8) / r1 = *(s16 *)(r2 - 2) */
static int rhs_load(struct asm_state *st, u8 dst, bool w)
{
	u8 size, base;
	bool sign;
	s16 off;
	int err = parse_cast(st, true, &size, &sign) ?: parse_memref(st, &base, &off);

	if (err)
		return err;
	if (sign && w)
		return asm_fail(st, "sign-extending loads write r registers");
	if (w && size == BPF_DW)
		return asm_fail(st, "a 64-bit load writes an r register");
	return emit(st, BPF_LDX | (sign ? BPF_MEMSX : BPF_MEM) | size, dst, base, off, 0);
}

/* wS = atomic_fetch_add((u32 *)(r1 + 0x0), wS) */
static int rhs_fetch(struct asm_state *st, u8 dst, bool w)
{
	const struct bpf_atomic_info *a = NULL;
	char name[ASM_NAME_MAX];
	u8 size, base, src;
	bool sign, w2;
	s16 off;
	int err;

	if (!parse_ident(st, name))
		return asm_fail(st, "expected add, or, and or xor");
	for (unsigned i = 0; i < bpf_atomic_table_len; i++)
		if ((bpf_atomic_table[i].imm & BPF_FETCH) && bpf_atomic_table[i].op &&
		    !strcmp(bpf_atomic_table[i].name, name))
			a = &bpf_atomic_table[i];
	if (!a)
		return asm_fail(st, "unknown atomic_fetch_%s", name);
	if (!accept(st, "(") || !accept(st, "("))
		return asm_fail(st, "expected '(('");
	err = parse_cast(st, false, &size, &sign) ?: parse_memref(st, &base, &off);
	if (err)
		return err;
	if (!accept(st, ",") || !parse_reg(st, &src, &w2) || !accept(st, ")"))
		return asm_fail(st, "expected ', reg)'");
	if (src != dst || w2 != w || (size == BPF_W) != w || (size != BPF_W && size != BPF_DW))
		return asm_fail(st, "atomic_fetch needs the same register on both sides, w for u32, r for u64");
	return emit(st, BPF_STX | BPF_ATOMIC | size, base, src, off, a->imm);
}

/* "(r1 + 0x8" inside xchg/cmpxchg: the register, a sign and an offset, no parentheses. */
static int parse_addr_args(struct asm_state *st, u8 *base, s16 *off)
{
	bool w, neg;
	s64 v;

	if (!accept(st, "(") || !parse_reg(st, base, &w) || w)
		return asm_fail(st, "expected '(rN + off'");
	if (accept(st, "+"))
		neg = false;
	else if (accept(st, "-"))
		neg = true;
	else
		return asm_fail(st, "expected '+' or '-'");
	if (!parse_num(st, &v) || v < 0 || !fits_s16(neg ? -v : v))
		return asm_fail(st, "expected an offset");
	*off = (s16)(neg ? -v : v);
	return 0;
}

/* rS = xchg_64(r1 + 0x0, rS) / r0 = cmpxchg_64(r1 + 0x0, r0, rS) and the 32-bit forms. */
static int rhs_xchg(struct asm_state *st, u8 dst, bool w, bool cmp)
{
	u8 base = 0, src = 0, r0 = 0;
	bool w2, w3;
	s16 off = 0;
	int err = parse_addr_args(st, &base, &off);

	if (err)
		return err;
	if (cmp && (!accept(st, ",") || !parse_reg(st, &r0, &w3) || r0 != 0 || w3 != w || dst != 0))
		return asm_fail(st, "cmpxchg compares and returns r0/w0");
	if (!accept(st, ",") || !parse_reg(st, &src, &w2) || w2 != w || !accept(st, ")"))
		return asm_fail(st, "expected ', reg)' of the same width");
	if (!cmp && src != dst)
		return asm_fail(st, "xchg returns into its source register");
	return emit(st, BPF_STX | BPF_ATOMIC | (w ? BPF_W : BPF_DW), base, src, off,
		    cmp ? BPF_CMPXCHG : BPF_XCHG);
}

/* be16 / le32 / bswap64 rN */
static int rhs_end(struct asm_state *st, u8 dst, const char *kind, u8 code)
{
	static const char *const widths[] = { "16", "32", "64" };
	u8 src;
	bool w;

	if (strncmp(st->p, kind, strlen(kind)))
		return 1;
	for (unsigned i = 0; i < ARRAY_SIZE(widths); i++) {
		char word[16];

		snprintf(word, sizeof(word), "%s%s", kind, widths[i]);
		if (!accept_word(st, word))
			continue;
		if (!parse_reg(st, &src, &w) || w || src != dst)
			return asm_fail(st, "expected the same r register");
		return emit(st, code, dst, 0, 0, 16 << i);
	}
	return 1;
}

/* r1 = (s8)r2, w1 = (s16)w2 */
static int rhs_movsx(struct asm_state *st, u8 dst, bool w)
{
	u8 size, src;
	bool sign, w2;
	int err = parse_type(st, true, &size, &sign);

	if (err)
		return err;
	if (!sign || size == BPF_DW || !accept(st, ")") || !parse_reg(st, &src, &w2) || w2 != w)
		return asm_fail(st, "expected '(s8|s16|s32)reg' of the same width");
	if (w && size == BPF_W)
		return asm_fail(st, "w = (s32)w is not an instruction");
	return emit(st, (w ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_X, dst, src,
		    size == BPF_B ? 8 : size == BPF_H ? 16 : 32, 0);
}

static int rhs_number(struct asm_state *st, u8 dst, bool w)
{
	s64 v;
	int err;

	if (!parse_num(st, &v))
		return asm_fail(st, "expected a register, a number or a load");
	if (accept_word(st, "ll")) {
		if (w)
			return asm_fail(st, "ld_imm64 writes an r register");
		err = emit(st, BPF_LD | BPF_IMM | BPF_DW, dst, 0, 0, (s32)(u32)(u64)v);
		return err ?: emit(st, 0, 0, 0, 0, (s32)(u32)((u64)v >> 32));
	}
	if (!fits_s32(v) && !(w && v >= 0 && v <= UINT32_MAX))
		return asm_fail(st, "immediate %lld does not fit in 32 bits (add 'll')", (long long)v);
	return emit(st, (w ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_K, dst, 0, 0, (s32)(u32)(u64)v);
}

/* Everything that starts "REG = ". */
static int stmt_assign(struct asm_state *st, u8 dst, bool w)
{
	u8 src;
	bool w2;
	int r;

	if (accept(st, "*") && accept(st, "("))
		return rhs_load(st, dst, w);
	if (accept(st, "atomic_fetch_"))
		return rhs_fetch(st, dst, w);
	if (accept_word(st, w ? "xchg32_32" : "xchg_64"))
		return rhs_xchg(st, dst, w, false);
	if (accept_word(st, w ? "cmpxchg32_32" : "cmpxchg_64"))
		return rhs_xchg(st, dst, w, true);
	if (accept(st, "(") )
		return rhs_movsx(st, dst, w);
	skip_ws(st);
	if (st->p[0] == '-' && (st->p[1] == 'r' || st->p[1] == 'w')) {
		st->p++;
		if (!parse_reg(st, &src, &w2) || src != dst || w2 != w)
			return asm_fail(st, "negation is 'rN = -rN'");
		return emit(st, (w ? BPF_ALU : BPF_ALU64) | BPF_NEG | BPF_K, dst, 0, 0, 0);
	}
	if (!w) {
		if ((r = rhs_end(st, dst, "be", BPF_ALU | BPF_END | BPF_TO_BE)) <= 0 ||
		    (r = rhs_end(st, dst, "le", BPF_ALU | BPF_END | BPF_TO_LE)) <= 0 ||
		    (r = rhs_end(st, dst, "bswap", BPF_ALU64 | BPF_END | BPF_K)) <= 0)
			return r;
	}
	if (parse_reg(st, &src, &w2)) {
		if (w2 != w)
			return asm_fail(st, "mixed r and w registers");
		return emit(st, (w ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_X, dst, src, 0, 0);
	}
	return rhs_number(st, dst, w);
}

static int stmt_reg(struct asm_state *st)
{
	u8 dst;
	bool w;

	if (!parse_reg(st, &dst, &w))
		return asm_fail(st, "expected an instruction");
	skip_ws(st);
	if (st->p[0] == '=' && st->p[1] != '=') {
		st->p++;
		return stmt_assign(st, dst, w);
	}
	return stmt_alu(st, dst, w);
}

static int parse_statement(struct asm_state *st)
{
	if (accept_word(st, "exit"))
		return emit(st, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (accept_word(st, "call"))
		return stmt_call(st);
	if (accept_word(st, "goto"))
		return stmt_goto(st, BPF_JMP | BPF_JA);
	if (accept_word(st, "gotol"))
		return stmt_gotol(st);
	if (accept_word(st, "may_goto"))
		return stmt_goto(st, BPF_JMP | BPF_JCOND);
	if (accept_word(st, "if"))
		return stmt_if(st);
	if (accept_word(st, "lock"))
		return stmt_lock(st);
	if (accept_word(st, "ld_pseudo"))
		return stmt_ld_pseudo(st);
	if (accept(st, "*") && accept(st, "("))
		return stmt_store(st);
	return stmt_reg(st);
}

/* Cuts comments and objdump's trailing "<label>" from a line copy. */
static void strip_line(char *s)
{
	char *c = strpbrk(s, ";#");
	char *slash = strstr(s, "//");
	size_t n;

	if (c)
		*c = '\0';
	if (slash)
		*slash = '\0';
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	if (n && s[n - 1] == '>') {
		char *lt = strrchr(s, '<');

		if (lt && lt != s && strcmp(lt, "<unknown>"))
			*lt = '\0';
	}
}

/* objdump's "  12:\tb7 01 00 00 ..\t" prefix: an index, a colon and 2-digit hex bytes. */
static void skip_objdump_prefix(struct asm_state *st)
{
	const char *s = st->p;

	skip_ws(st);
	s = st->p;
	if (!isdigit((unsigned char)*s))
		return;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s != ':')
		return;
	st->p = s + 1;
	for (;;) {
		skip_ws(st);
		if (isxdigit((unsigned char)st->p[0]) && isxdigit((unsigned char)st->p[1]) &&
		    (st->p[2] == ' ' || st->p[2] == '\t'))
			st->p += 2;
		else
			break;
	}
}

static int parse_line(struct asm_state *st, char *line)
{
	char name[ASM_NAME_MAX];
	const char *save;
	int err;

	strip_line(line);
	st->p = line;
	skip_objdump_prefix(st);
	for (;;) { /* labels, possibly several, before the statement */
		save = st->p;
		if (parse_ident(st, name) && accept(st, ":")) {
			if ((err = add_label(st, name)))
				return err;
			continue;
		}
		st->p = save;
		break;
	}
	if (at_end(st))
		return 0;
	err = parse_statement(st);
	if (!err && !at_end(st))
		err = asm_fail(st, "unexpected text");
	return err;
}

static int resolve_fixups(struct asm_state *st)
{
	for (u32 i = 0; i < st->nr_fixups; i++) {
		struct asm_fixup *f = &st->fixups[i];
		u32 j;
		s64 rel;

		for (j = 0; j < st->nr_labels && strcmp(st->labels[j].name, f->name); j++)
			;
		st->line = f->line;
		st->p = NULL;
		if (j == st->nr_labels)
			return asm_fail(st, "unknown label '%s'", f->name);
		rel = (s64)st->labels[j].pc - f->pc - 1;
		if (f->kind == FIX_OFF) {
			if (!fits_s16(rel))
				return asm_fail(st, "label '%s' is too far for a 16-bit offset", f->name);
			st->insns[f->pc].off = (s16)rel;
		} else {
			st->insns[f->pc].imm = (s32)rel;
		}
	}
	return 0;
}

int bpf_asm(const char *text, struct bpf_insn **insns, u32 *nr_insns, char *err, size_t err_size)
{
	struct asm_state st = { .err = err, .err_size = err_size };
	const char *s = text;
	char *line = NULL;
	int ret = 0;

	*insns = NULL;
	*nr_insns = 0;
	if (err_size)
		err[0] = '\0';
	while (*s && !ret) {
		size_t n = strcspn(s, "\n");

		free(line);
		line = strndup(s, n);
		if (!line) {
			ret = -ENOMEM;
			break;
		}
		st.line++;
		ret = parse_line(&st, line);
		s += n + (s[n] == '\n');
	}
	ret = ret ?: resolve_fixups(&st);
	if (ret == -ENOMEM && err_size)
		snprintf(err, err_size, "line %d: out of memory", st.line);
	free(line);
	free(st.labels);
	free(st.fixups);
	if (ret) {
		free(st.insns);
		return ret;
	}
	*insns = st.insns;
	*nr_insns = st.nr;
	return 0;
}
