/*
 * vm.c — the BPF interpreter: VM lifecycle, memory regions, the static validation pass and
 * the execution loop (computed-goto dispatch over the 256 opcode bytes).
 *
 * Why an interpreter with run-time checks: scheduler programs run in scxsim's own process and
 * must never crash, hang or corrupt it. Every memory access is checked against the live stack
 * frames (fast path: one compare) and then the embedder's regions (binary search behind a
 * last-hit cache); every instruction decrements the budget; calls are bounded in depth.
 *
 * Invariants: a program runs only after bpf_vm_validate() accepted it, so jump targets are in
 * range and the last instruction cannot fall through; an ld_imm64 second slot (code 0, an
 * illegal opcode) is never executed because no jump lands on it — entering one anyway (a bad
 * entry_pc or callback address) hits the invalid-opcode label, an error, not a crash.
 * Registers are u64[16] so that any 4-bit register field indexes inside the array.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scxsim/bpf_asm.h"
#include "ebpf/insn_table.h"
#include "ebpf/vm_int.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the interpreter assumes a little-endian host (le16/le32 are truncations)"
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- lifecycle and configuration ---- */

struct bpf_vm *bpf_vm_create(void)
{
	struct bpf_vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->stack = aligned_alloc(16, VM_STACK_BYTES);
	if (!vm->stack) {
		free(vm);
		return NULL;
	}
	memset(vm->stack, 0, VM_STACK_BYTES);
	vm->stack_top = (u64)(uintptr_t)(vm->stack + VM_STACK_BYTES);
	vm->budget = BPF_VM_DEFAULT_BUDGET;
	return vm;
}

void bpf_vm_destroy(struct bpf_vm *vm)
{
	if (!vm)
		return;
	free(vm->regions);
	free(vm->stack);
	free(vm);
}

void bpf_vm_set_helpers(struct bpf_vm *vm, const struct bpf_vm_func *table, u32 nr)
{
	vm->helpers = table;
	vm->nr_helpers = table ? nr : 0;
}

void bpf_vm_set_kfuncs(struct bpf_vm *vm, const struct bpf_vm_func *table, u32 nr)
{
	vm->kfuncs = table;
	vm->nr_kfuncs = table ? nr : 0;
}

void bpf_vm_set_budget(struct bpf_vm *vm, u64 insns)
{
	vm->budget = insns ? insns : BPF_VM_DEFAULT_BUDGET;
}

void bpf_vm_set_user(struct bpf_vm *vm, void *user)
{
	vm->user = user;
}

void *bpf_vm_user(const struct bpf_vm *vm)
{
	return vm->user;
}

const struct bpf_vm_error *bpf_vm_last_error(const struct bpf_vm *vm)
{
	return &vm->err;
}

u64 bpf_vm_insn_count(const struct bpf_vm *vm)
{
	return vm->insn_count;
}

/* ---- memory regions ---- */

/* Index of the last region whose start is <= addr, or -1. */
static s64 region_floor(const struct bpf_vm *vm, u64 addr)
{
	s64 lo = 0, hi = (s64)vm->nr_regions - 1, found = -1;

	while (lo <= hi) {
		s64 mid = lo + (hi - lo) / 2;

		if (vm->regions[mid].start <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/* The region containing addr by binary search, or NULL; remembers it in last_hit[]. */
static const struct vm_region *region_search(struct bpf_vm *vm, u64 addr)
{
	s64 i = region_floor(vm, addr);

	if (i < 0 || addr >= vm->regions[i].end)
		return NULL;
	vm->last_hit[1] = vm->last_hit[0];
	vm->last_hit[0] = (u32)i;
	return &vm->regions[i];
}

/*
 * The region containing addr, or NULL. Two cached indices catch the usual pattern of a
 * callback alternating between two objects (a task and a map value); any index below
 * nr_regions names a real region, so a stale index only costs a miss. Inlined into every
 * memory instruction: the hit path is two compares per entry.
 */
static inline __attribute__((always_inline)) const struct vm_region *region_find(struct bpf_vm *vm, u64 addr)
{
	for (int k = 0; k < 2; k++) {
		u32 h = vm->last_hit[k];

		if (h < vm->nr_regions && addr - vm->regions[h].start < vm->regions[h].end - vm->regions[h].start)
			return &vm->regions[h];
	}
	return region_search(vm, addr);
}

int bpf_vm_region_add(struct bpf_vm *vm, void *ptr, size_t len, unsigned flags, const char *name)
{
	u64 start = (u64)(uintptr_t)ptr, end = start + len;
	s64 i = region_floor(vm, start);
	struct vm_region *r;

	if (!ptr || !len || end < start || !flags || (flags & ~BPF_VM_RW))
		return -EINVAL; /* a region at 0 would make null pointers valid */
	if ((i >= 0 && vm->regions[i].end > start) ||
	    ((u64)(i + 1) < vm->nr_regions && vm->regions[i + 1].start < end))
		return -EEXIST;
	if (vm->nr_regions == vm->cap_regions) {
		u32 cap = vm->cap_regions ? vm->cap_regions * 2 : 16;
		struct vm_region *n = realloc(vm->regions, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		vm->regions = n;
		vm->cap_regions = cap;
	}
	r = &vm->regions[i + 1];
	memmove(r + 1, r, (vm->nr_regions - (i + 1)) * sizeof(*r));
	*r = (struct vm_region){ .start = start, .end = end, .flags = flags };
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "?");
	vm->nr_regions++;
	return 0;
}

int bpf_vm_region_remove(struct bpf_vm *vm, const void *ptr)
{
	u64 start = (u64)(uintptr_t)ptr;
	s64 i = region_floor(vm, start);

	if (i < 0 || vm->regions[i].start != start)
		return -ENOENT;
	memmove(&vm->regions[i], &vm->regions[i + 1], (vm->nr_regions - i - 1) * sizeof(vm->regions[0]));
	vm->nr_regions--;
	return 0;
}

u32 bpf_vm_region_count(const struct bpf_vm *vm)
{
	return vm->nr_regions;
}

/* Lowest address of the live stack frames. */
static u64 stack_live_lo(const struct bpf_vm *vm)
{
	return vm->stack_top - (u64)vm->depth * BPF_STACK_SIZE;
}

/* The slow path of every access: a registered region that holds the whole access. */
static inline __attribute__((always_inline)) bool region_access_ok(struct bpf_vm *vm, u64 addr, u64 size, unsigned flags)
{
	const struct vm_region *r = region_find(vm, addr);

	return r && size <= r->end - addr && (r->flags & flags) == flags;
}

int bpf_vm_check_mem(struct bpf_vm *vm, u64 addr, u64 size, unsigned flags)
{
	u64 lo = stack_live_lo(vm);

	if (size && addr >= lo && addr < vm->stack_top && size <= vm->stack_top - addr)
		return 0;
	if (!size || !region_access_ok(vm, addr, size, flags))
		return -EFAULT;
	return 0;
}

/* ---- errors ---- */

static void error_compose(struct bpf_vm_error *e)
{
	int n;

	if (e->pc >= 0)
		n = snprintf(e->msg, sizeof(e->msg), "%s pc %lld `%s`: %s", e->prog, (long long)e->pc,
			     e->insn, e->reason);
	else
		n = snprintf(e->msg, sizeof(e->msg), "%s: %s", e->prog, e->reason);
	if (e->source[0] && n > 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, "\n    %s", e->source);
}

/* Fills e about prog at pc (pc < 0: not about one instruction). */
static void error_vset(struct bpf_vm_error *e, const struct bpf_vm_prog *prog, s64 pc, int code,
		       const char *fmt, va_list ap)
{
	memset(e, 0, sizeof(*e));
	e->code = code;
	e->pc = pc;
	snprintf(e->prog, sizeof(e->prog), "%s", prog && prog->name ? prog->name : "bpf");
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	if (prog && pc >= 0 && pc < prog->nr_insns) {
		bpf_disasm_insn(&prog->insns[pc], prog->nr_insns - (u32)pc, e->insn, sizeof(e->insn), 0);
		if (prog->line_fn && prog->line_fn(prog->line_ctx, (u32)pc, e->source, sizeof(e->source)) <= 0)
			e->source[0] = '\0';
	}
	error_compose(e);
}

static void error_set(struct bpf_vm_error *e, const struct bpf_vm_prog *prog, s64 pc, int code,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void error_set(struct bpf_vm_error *e, const struct bpf_vm_prog *prog, s64 pc, int code,
		      const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	error_vset(e, prog, pc, code, fmt, ap);
	va_end(ap);
}

static int vm_fail(struct bpf_vm *vm, const struct bpf_vm_prog *prog, s64 pc, int code,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int vm_fail(struct bpf_vm *vm, const struct bpf_vm_prog *prog, s64 pc, int code,
		   const char *fmt, ...)
{
	va_list ap;

	if (vm->have_err) /* the first error of a run is the one reported */
		return vm->err.code;
	va_start(ap, fmt);
	error_vset(&vm->err, prog, pc, code, fmt, ap);
	va_end(ap);
	vm->have_err = true;
	return code;
}

void bpf_vm_abort(struct bpf_vm *vm, const char *fmt, ...)
{
	va_list ap;

	if (vm->have_err)
		return;
	va_start(ap, fmt);
	error_vset(&vm->err, vm->cur_prog, vm->running ? (s64)vm->cur_pc : -1, -ECANCELED, fmt, ap);
	va_end(ap);
	vm->have_err = true;
}

/* Explains why [addr, addr+size) is not accessible ("(null)", "(outside the stack: ...)"). */
static void fault_where(struct bpf_vm *vm, u64 addr, u64 size, u64 fp, char *buf, size_t len)
{
	s64 i;

	if (addr == 0) {
		snprintf(buf, len, "(null)");
		return;
	}
	if (addr < 4096) {
		snprintf(buf, len, "(null + 0x%llx)", (unsigned long long)addr);
		return;
	}
	if (addr + BPF_STACK_SIZE >= (u64)(uintptr_t)vm->stack && addr < vm->stack_top + BPF_STACK_SIZE) {
		s64 rel = (s64)(addr - fp);

		snprintf(buf, len, "(outside the stack frame: r10 %c %lld)", rel < 0 ? '-' : '+',
			 (long long)(rel < 0 ? -rel : rel));
		return;
	}
	i = region_floor(vm, addr);
	if (i >= 0 && addr < vm->regions[i].end)
		snprintf(buf, len, "(runs %llu bytes past the end of region '%s')",
			 (unsigned long long)(addr + size - vm->regions[i].end), vm->regions[i].name);
	else if (i >= 0)
		snprintf(buf, len, "(not in any region; %llu bytes past the end of '%s')",
			 (unsigned long long)(addr - vm->regions[i].end), vm->regions[i].name);
	else
		snprintf(buf, len, "(not in any region)");
}

static int vm_fault(struct bpf_vm *vm, const struct bpf_vm_prog *prog, u32 pc, u64 addr, u64 size,
		    unsigned flags, u64 fp)
{
	const struct vm_region *r = region_find(vm, addr);
	const char *what = flags == BPF_VM_READ ? "read" : flags == BPF_VM_WRITE ? "write" : "atomic access";
	char where[160];

	if (r && size <= r->end - addr && (flags & BPF_VM_WRITE) && !(r->flags & BPF_VM_WRITE))
		return vm_fail(vm, prog, pc, -EFAULT, "write to read-only region '%s' (%llu bytes at 0x%llx)",
			       r->name, (unsigned long long)size, (unsigned long long)addr);
	if (r && size <= r->end - addr)
		return vm_fail(vm, prog, pc, -EFAULT, "read of write-only region '%s' (%llu bytes at 0x%llx)",
			       r->name, (unsigned long long)size, (unsigned long long)addr);
	fault_where(vm, addr, size, fp, where, sizeof(where));
	return vm_fail(vm, prog, pc, -EFAULT, "invalid %s of %llu bytes at 0x%llx %s", what,
		       (unsigned long long)size, (unsigned long long)addr, where);
}

/* ---- static validation ---- */

static const char *const field_names[] = { "dst_reg", "src_reg", "off", "imm" };

static int field_value(const struct bpf_insn *in, int i)
{
	switch (i) {
	case 0: return in->dst_reg;
	case 1: return in->src_reg;
	case 2: return in->off;
	default: return in->imm;
	}
}

/* Is pc a jump/call target the program may reach? */
static int check_target(const struct bpf_vm_prog *prog, const u8 *second, u32 pc, s64 target,
			struct bpf_vm_error *err)
{
	if (target < 0 || target >= prog->nr_insns) {
		error_set(err, prog, pc, -EINVAL, "jump target %lld is outside the program (0..%u)",
			  (long long)target, prog->nr_insns - 1);
		return -EINVAL;
	}
	if (second[target]) {
		error_set(err, prog, pc, -EINVAL, "jump target %lld is the second slot of ld_imm64",
			  (long long)target);
		return -EINVAL;
	}
	return 0;
}

/* Which register an instruction writes, or -1. */
static int insn_writes_reg(const struct bpf_insn *in, const struct bpf_op_info *op)
{
	switch (op->kind) {
	case BPF_OPK_ALU: case BPF_OPK_MOV: case BPF_OPK_NEG: case BPF_OPK_END:
	case BPF_OPK_LDDW: case BPF_OPK_LDX: case BPF_OPK_LDXSX:
		return in->dst_reg;
	case BPF_OPK_ATOMIC:
		return in->imm == BPF_CMPXCHG ? 0 : (in->imm & BPF_FETCH) ? in->src_reg : -1;
	default:
		return -1;
	}
}

/* Constraints of one kind beyond "these fields are zero". */
static int check_kind(const struct bpf_vm_prog *prog, u32 pc, const struct bpf_op_info *op,
		      struct bpf_vm_error *err)
{
	const struct bpf_insn *in = &prog->insns[pc];
	u8 o = BPF_OP(in->code);

	switch (op->kind) {
	case BPF_OPK_ALU:
		if ((o == BPF_DIV || o == BPF_MOD) && in->off != 0 && in->off != 1)
			goto bad_off;
		return 0;
	case BPF_OPK_MOV:
		if (BPF_SRC(in->code) == BPF_X && in->off && in->off != 8 && in->off != 16 &&
		    !(in->off == 32 && !op->is32))
			goto bad_off;
		return 0;
	case BPF_OPK_END:
		if (in->imm != 16 && in->imm != 32 && in->imm != 64) {
			error_set(err, prog, pc, -EINVAL, "invalid byte-swap width %d", in->imm);
			return -EINVAL;
		}
		return 0;
	case BPF_OPK_ATOMIC:
		if (!bpf_atomic_lookup(in->imm)) {
			error_set(err, prog, pc, -EINVAL, "invalid atomic operation 0x%x", (u32)in->imm);
			return -EINVAL;
		}
		return 0;
	case BPF_OPK_CALL:
		if (in->src_reg > BPF_PSEUDO_KFUNC_CALL) {
			error_set(err, prog, pc, -EINVAL, "invalid call kind (src_reg %u)", in->src_reg);
			return -EINVAL;
		}
		if (in->src_reg != BPF_PSEUDO_KFUNC_CALL && in->off)
			goto bad_off;
		return 0;
	default:
		return 0;
	}
bad_off:
	error_set(err, prog, pc, -EINVAL, "invalid offset %d for %s", in->off, op->name);
	return -EINVAL;
}

/* ld_imm64: needs its second slot, blank, and a value the loader resolved. */
static int check_lddw(const struct bpf_vm_prog *prog, u32 pc, struct bpf_vm_error *err)
{
	const struct bpf_insn *in = &prog->insns[pc];

	if (pc + 1 >= prog->nr_insns) {
		error_set(err, prog, pc, -EINVAL, "ld_imm64 is missing its second slot");
		return -EINVAL;
	}
	if (in[1].code || in[1].dst_reg || in[1].src_reg || in[1].off) {
		error_set(err, prog, pc, -EINVAL, "malformed second slot of ld_imm64");
		return -EINVAL;
	}
	if (in->src_reg) {
		error_set(err, prog, pc, -EINVAL,
			  "unresolved pseudo ld_imm64 (src_reg %u): the loader must resolve it", in->src_reg);
		return -EINVAL;
	}
	return 0;
}

/* Opcode, reserved fields, registers and r10 of one instruction. */
static int check_insn(const struct bpf_vm_prog *prog, u32 pc, struct bpf_vm_error *err)
{
	const struct bpf_insn *in = &prog->insns[pc];
	const struct bpf_op_info *op = &bpf_op_table[in->code];
	int w;

	if (op->kind == BPF_OPK_NONE) {
		error_set(err, prog, pc, -EINVAL, "invalid opcode 0x%02x", in->code);
		return -EINVAL;
	}
	if (op->kind == BPF_OPK_LEGACY) {
		error_set(err, prog, pc, -EINVAL, "legacy BPF_ABS/BPF_IND packet loads are not supported");
		return -EINVAL;
	}
	for (int i = 0; i < 4; i++) {
		if ((op->zero & (1 << i)) && field_value(in, i)) {
			error_set(err, prog, pc, -EINVAL, "reserved field %s of %s is %d, must be 0",
				  field_names[i], op->name, field_value(in, i));
			return -EINVAL;
		}
	}
	if (in->dst_reg > BPF_REG_10 ||
	    (in->src_reg > BPF_REG_10 && op->kind != BPF_OPK_CALL && op->kind != BPF_OPK_LDDW)) {
		error_set(err, prog, pc, -EINVAL, "invalid register r%u",
			  in->dst_reg > BPF_REG_10 ? in->dst_reg : in->src_reg);
		return -EINVAL;
	}
	w = insn_writes_reg(in, op);
	if (w == BPF_REG_10) {
		error_set(err, prog, pc, -EINVAL, "write to r10 (the frame pointer is read-only)");
		return -EINVAL;
	}
	return op->kind == BPF_OPK_LDDW ? check_lddw(prog, pc, err) : check_kind(prog, pc, op, err);
}

/* Target of a jump or bpf-to-bpf call at pc; false if the instruction does not jump. */
static bool insn_target(const struct bpf_insn *in, u32 pc, s64 *t)
{
	switch (bpf_op_table[in->code].kind) {
	case BPF_OPK_JA: case BPF_OPK_JCOND: case BPF_OPK_JMP:
		*t = (s64)pc + in->off + 1;
		return true;
	case BPF_OPK_GOTOL:
		*t = (s64)pc + in->imm + 1;
		return true;
	case BPF_OPK_CALL:
		*t = (s64)pc + in->imm + 1;
		return in->src_reg == BPF_PSEUDO_CALL;
	default:
		return false;
	}
}

static int check_targets(const struct bpf_vm_prog *prog, const u8 *second, struct bpf_vm_error *err)
{
	for (u32 pc = 0; pc < prog->nr_insns; pc++) {
		s64 t;
		int e;

		if (second[pc] || !insn_target(&prog->insns[pc], pc, &t))
			continue;
		e = check_target(prog, second, pc, t, err);
		if (e)
			return e;
	}
	return 0;
}

static int check_last(const struct bpf_vm_prog *prog, const u8 *second, struct bpf_vm_error *err)
{
	u32 last = prog->nr_insns - 1;
	u8 kind = bpf_op_table[prog->insns[last].code].kind;

	if (second[last] || (kind != BPF_OPK_EXIT && kind != BPF_OPK_JA && kind != BPF_OPK_GOTOL)) {
		error_set(err, prog, last, -EINVAL, "the last instruction must be exit or goto");
		return -EINVAL;
	}
	return 0;
}

int bpf_vm_validate(struct bpf_vm_prog *prog, struct bpf_vm_error *err)
{
	u8 *second = NULL;
	int ret = 0;

	prog->validated = false;
	if (!prog->insns || !prog->nr_insns || prog->nr_insns > (1u << 20)) {
		error_set(err, prog, -1, -EINVAL, "program has %u instructions (1..%u allowed)",
			  prog->insns ? prog->nr_insns : 0, 1u << 20);
		return -EINVAL;
	}
	second = calloc(prog->nr_insns, 1);
	if (!second)
		return -ENOMEM;
	for (u32 pc = 0; pc < prog->nr_insns && !ret; pc++) {
		ret = check_insn(prog, pc, err);
		if (!ret && prog->insns[pc].code == (BPF_LD | BPF_IMM | BPF_DW))
			second[++pc] = 1;
	}
	ret = ret ?: check_targets(prog, second, err);
	ret = ret ?: check_last(prog, second, err);
	free(second);
	if (!ret) {
		prog->validated = true;
		if (err)
			memset(err, 0, sizeof(*err));
	}
	return ret;
}

/* ---- execution ---- */

/* What a bpf-to-bpf call saves; r10 is recomputed from the depth. */
struct vm_frame {
	const struct bpf_insn *ret; /* instruction after the call */
	u64 saved[4];               /* the caller's r6..r9 */
	u32 loops;                  /* the caller's may_goto allowance */
};

static inline u64 sdiv64(u64 a, u64 b)
{
	if (!b)
		return 0;
	if ((s64)b == -1)
		return 0 - a; /* INT64_MIN / -1 wraps to INT64_MIN */
	return (u64)((s64)a / (s64)b);
}

static inline u64 smod64(u64 a, u64 b)
{
	if (!b)
		return a;
	if ((s64)b == -1)
		return 0;
	return (u64)((s64)a % (s64)b);
}

static inline u32 sdiv32(u32 a, u32 b)
{
	if (!b)
		return 0;
	if ((s32)b == -1)
		return 0 - a;
	return (u32)((s32)a / (s32)b);
}

static inline u32 smod32(u32 a, u32 b)
{
	if (!b)
		return a;
	if ((s32)b == -1)
		return 0;
	return (u32)((s32)a % (s32)b);
}

static inline u64 mov_sx64(u64 v, s16 off)
{
	switch (off) {
	case 8: return (u64)(s64)(s8)v;
	case 16: return (u64)(s64)(s16)v;
	case 32: return (u64)(s64)(s32)v;
	default: return v;
	}
}

static inline u32 mov_sx32(u32 v, s16 off)
{
	switch (off) {
	case 8: return (u32)(s32)(s8)v;
	case 16: return (u32)(s32)(s16)v;
	default: return v;
	}
}

static inline u64 bswap_n(u64 v, s32 width)
{
	switch (width) {
	case 16: return __builtin_bswap16((u16)v);
	case 32: return __builtin_bswap32((u32)v);
	default: return __builtin_bswap64(v);
	}
}

static inline u64 le_n(u64 v, s32 width)
{
	switch (width) {
	case 16: return (u16)v;
	case 32: return (u32)v;
	default: return v;
	}
}

/* New value of an add/or/and/xor/xchg atomic (cmpxchg is handled by the caller). */
static inline u64 atomic_apply(s32 imm, u64 old, u64 val)
{
	switch (imm & ~BPF_FETCH) {
	case BPF_ADD: return old + val;
	case BPF_OR: return old | val;
	case BPF_AND: return old & val;
	case BPF_XOR: return old ^ val;
	default: return val; /* BPF_XCHG */
	}
}

static const struct bpf_vm_func *vm_func(const struct bpf_vm_func *tab, u32 nr, s32 id)
{
	if (id < 0 || (u32)id >= nr || !tab[id].fn)
		return NULL;
	return &tab[id];
}

#define DST reg[ip->dst_reg]
#define SRC reg[ip->src_reg]
#define IMM (ip->imm)
#define PC ((u32)(ip - insns))
#define DISPATCH()                                     \
	do {                                           \
		if (unlikely(left == 0))               \
			goto out_budget;               \
		left--;                                \
		goto *jt[ip->code];                    \
	} while (0)
#define NEXT()                                         \
	do {                                           \
		ip++;                                  \
		DISPATCH();                            \
	} while (0)
#define JUMP(off)                                      \
	do {                                           \
		ip += (s64)(off) + 1;                  \
		DISPATCH();                            \
	} while (0)
/* Fast path: inside the live stack frames; else a region with the permission. */
#define MEMCHK(a, sz, acc)                                                                  \
	do {                                                                                \
		addr = (a);                                                                 \
		if (unlikely(addr - stk_lo > stk_span - (sz)) &&                           \
		    !region_access_ok(vm, addr, (sz), (acc))) {                             \
			fsz = (sz);                                                         \
			facc = (acc);                                                       \
			goto out_fault;                                                     \
		}                                                                           \
	} while (0)
#define HOST(a) ((void *)(uintptr_t)(a))

#define ALU_OPS(name, E64, E32)                                                             \
	name##64_k: { u64 a = DST, b = (u64)(s64)IMM; DST = (E64); NEXT(); }                \
	name##64_x: { u64 a = DST, b = SRC; DST = (E64); NEXT(); }                          \
	name##32_k: { u32 a = (u32)DST, b = (u32)IMM; DST = (u32)(E32); NEXT(); }            \
	name##32_x: { u32 a = (u32)DST, b = (u32)SRC; DST = (u32)(E32); NEXT(); }
#define ALU_LABELS(name, op)                                                                \
	[BPF_ALU64 | (op) | BPF_K] = &&name##64_k, [BPF_ALU64 | (op) | BPF_X] = &&name##64_x,  \
	[BPF_ALU | (op) | BPF_K] = &&name##32_k, [BPF_ALU | (op) | BPF_X] = &&name##32_x
#define JMP_OPS(name, C64, C32)                                                             \
	name##_k: { u64 a = DST, b = (u64)(s64)IMM; if (C64) JUMP(ip->off); NEXT(); }       \
	name##_x: { u64 a = DST, b = SRC; if (C64) JUMP(ip->off); NEXT(); }                 \
	name##32_k: { u32 a = (u32)DST, b = (u32)IMM; if (C32) JUMP(ip->off); NEXT(); }      \
	name##32_x: { u32 a = (u32)DST, b = (u32)SRC; if (C32) JUMP(ip->off); NEXT(); }
#define JMP_LABELS(name, op)                                                                \
	[BPF_JMP | (op) | BPF_K] = &&name##_k, [BPF_JMP | (op) | BPF_X] = &&name##_x,          \
	[BPF_JMP32 | (op) | BPF_K] = &&name##32_k, [BPF_JMP32 | (op) | BPF_X] = &&name##32_x
#define LDX_OP(name, T, R)                                                                  \
	name: { T v; MEMCHK(SRC + (s64)ip->off, sizeof(T), BPF_VM_READ);                    \
		memcpy(&v, HOST(addr), sizeof(T)); DST = (R)v; NEXT(); }
#define ST_OP(name, T)                                                                      \
	name: { T v = (T)IMM; MEMCHK(DST + (s64)ip->off, sizeof(T), BPF_VM_WRITE);          \
		memcpy(HOST(addr), &v, sizeof(T)); NEXT(); }
#define STX_OP(name, T)                                                                     \
	name: { T v = (T)SRC; MEMCHK(DST + (s64)ip->off, sizeof(T), BPF_VM_WRITE);          \
		memcpy(HOST(addr), &v, sizeof(T)); NEXT(); }
#define ATOMIC_OP(name, T)                                                                  \
	name: { T old, nv;                                                                  \
		MEMCHK(DST + (s64)ip->off, sizeof(T), BPF_VM_RW);                            \
		memcpy(&old, HOST(addr), sizeof(T));                                        \
		if (IMM == BPF_CMPXCHG) {                                                   \
			nv = old == (T)reg[0] ? (T)SRC : old;                               \
			reg[0] = old;                                                       \
		} else {                                                                    \
			nv = (T)atomic_apply(IMM, old, (T)SRC);                             \
			if (IMM & BPF_FETCH)                                                \
				SRC = old;                                                  \
		}                                                                           \
		memcpy(HOST(addr), &nv, sizeof(T)); NEXT(); }

/*
 * Runs prog from entry in a new frame at the current depth. The one long function of the
 * module: one label per opcode, reached through jt[code].
 */
static int vm_run(struct bpf_vm *vm, struct bpf_vm_prog *prog, u32 entry, const u64 args[5], u64 *r0out)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
	static const void *const jt[256] = {
		[0 ... 255] = &&op_invalid,
		ALU_LABELS(add, BPF_ADD), ALU_LABELS(sub, BPF_SUB), ALU_LABELS(mul, BPF_MUL),
		ALU_LABELS(div, BPF_DIV), ALU_LABELS(or, BPF_OR), ALU_LABELS(and, BPF_AND),
		ALU_LABELS(lsh, BPF_LSH), ALU_LABELS(rsh, BPF_RSH), ALU_LABELS(mod, BPF_MOD),
		ALU_LABELS(xor, BPF_XOR), ALU_LABELS(arsh, BPF_ARSH), ALU_LABELS(mov, BPF_MOV),
		[BPF_ALU64 | BPF_NEG] = &&neg64, [BPF_ALU | BPF_NEG] = &&neg32,
		[BPF_ALU | BPF_END | BPF_TO_LE] = &&end_le, [BPF_ALU | BPF_END | BPF_TO_BE] = &&end_be,
		[BPF_ALU64 | BPF_END | BPF_K] = &&end_be,
		[BPF_LD | BPF_IMM | BPF_DW] = &&lddw,
		[BPF_LDX | BPF_MEM | BPF_B] = &&ldxb, [BPF_LDX | BPF_MEM | BPF_H] = &&ldxh,
		[BPF_LDX | BPF_MEM | BPF_W] = &&ldxw, [BPF_LDX | BPF_MEM | BPF_DW] = &&ldxdw,
		[BPF_LDX | BPF_MEMSX | BPF_B] = &&ldxsb, [BPF_LDX | BPF_MEMSX | BPF_H] = &&ldxsh,
		[BPF_LDX | BPF_MEMSX | BPF_W] = &&ldxsw,
		[BPF_ST | BPF_MEM | BPF_B] = &&stb, [BPF_ST | BPF_MEM | BPF_H] = &&sth,
		[BPF_ST | BPF_MEM | BPF_W] = &&stw, [BPF_ST | BPF_MEM | BPF_DW] = &&stdw,
		[BPF_STX | BPF_MEM | BPF_B] = &&stxb, [BPF_STX | BPF_MEM | BPF_H] = &&stxh,
		[BPF_STX | BPF_MEM | BPF_W] = &&stxw, [BPF_STX | BPF_MEM | BPF_DW] = &&stxdw,
		[BPF_STX | BPF_ATOMIC | BPF_W] = &&atomic32, [BPF_STX | BPF_ATOMIC | BPF_DW] = &&atomic64,
		[BPF_JMP | BPF_JA] = &&ja, [BPF_JMP32 | BPF_JA] = &&gotol,
		[BPF_JMP | BPF_JCOND] = &&may_goto,
		JMP_LABELS(jeq, BPF_JEQ), JMP_LABELS(jgt, BPF_JGT), JMP_LABELS(jge, BPF_JGE),
		JMP_LABELS(jset, BPF_JSET), JMP_LABELS(jne, BPF_JNE), JMP_LABELS(jsgt, BPF_JSGT),
		JMP_LABELS(jsge, BPF_JSGE), JMP_LABELS(jlt, BPF_JLT), JMP_LABELS(jle, BPF_JLE),
		JMP_LABELS(jslt, BPF_JSLT), JMP_LABELS(jsle, BPF_JSLE),
		[BPF_JMP | BPF_CALL] = &&call, [BPF_JMP | BPF_EXIT] = &&exit,
	};
#pragma GCC diagnostic pop
	const struct bpf_insn *const insns = prog->insns;
	const struct bpf_insn *ip = insns + entry;
	struct bpf_vm_prog *prev_prog = vm->cur_prog;
	u32 prev_pc = vm->cur_pc, base = vm->depth, nf = 0, loops = VM_MAX_LOOPS, fsz = 0;
	struct vm_frame frames[BPF_VM_MAX_FRAMES];
	const struct bpf_vm_func *fn;
	u64 reg[16], left = vm->budget_left, addr = 0, stk_lo, stk_span;
	unsigned facc = 0;
	int ret = 0;

	if (base >= BPF_VM_MAX_FRAMES)
		return vm_fail(vm, prog, entry, -ELOOP, "call depth > %d", BPF_VM_MAX_FRAMES);
	vm->depth++;
	vm->cur_prog = prog;
	reg[10] = vm->stack_top - (u64)base * BPF_STACK_SIZE;
	stk_lo = reg[10] - BPF_STACK_SIZE;
	stk_span = vm->stack_top - stk_lo;
	/* explicit stores: cheaper than zeroing the array per call; r11..r15 are never named by
	 * a validated program */
	reg[0] = reg[6] = reg[7] = reg[8] = reg[9] = 0;
	reg[1] = args ? args[0] : 0;
	reg[2] = args ? args[1] : 0;
	reg[3] = args ? args[2] : 0;
	reg[4] = args ? args[3] : 0;
	reg[5] = args ? args[4] : 0;
	DISPATCH();

	ALU_OPS(add, a + b, a + b)
	ALU_OPS(sub, a - b, a - b)
	ALU_OPS(mul, a * b, a * b)
	ALU_OPS(div, ip->off ? sdiv64(a, b) : b ? a / b : 0, ip->off ? sdiv32(a, b) : b ? a / b : 0)
	ALU_OPS(mod, ip->off ? smod64(a, b) : b ? a % b : a, ip->off ? smod32(a, b) : b ? a % b : a)
	ALU_OPS(or, a | b, a | b)
	ALU_OPS(and, a & b, a & b)
	ALU_OPS(xor, a ^ b, a ^ b)
	ALU_OPS(lsh, a << (b & 63), a << (b & 31))
	ALU_OPS(rsh, a >> (b & 63), a >> (b & 31))
	ALU_OPS(arsh, (u64)((s64)a >> (b & 63)), (u32)((s32)a >> (b & 31)))
	ALU_OPS(mov, ((void)a, likely(!ip->off) ? b : mov_sx64(b, ip->off)),
		((void)a, likely(!ip->off) ? b : mov_sx32(b, ip->off)))
neg64:
	DST = 0 - DST;
	NEXT();
neg32:
	DST = (u32)(0 - (u32)DST);
	NEXT();
end_le:
	DST = le_n(DST, IMM);
	NEXT();
end_be:
	DST = bswap_n(DST, IMM);
	NEXT();
lddw:
	DST = (u64)(u32)IMM | (u64)(u32)ip[1].imm << 32;
	ip += 2;
	DISPATCH();

	LDX_OP(ldxb, u8, u64)
	LDX_OP(ldxh, u16, u64)
	LDX_OP(ldxw, u32, u64)
	LDX_OP(ldxdw, u64, u64)
	LDX_OP(ldxsb, s8, s64)
	LDX_OP(ldxsh, s16, s64)
	LDX_OP(ldxsw, s32, s64)
	ST_OP(stb, u8)
	ST_OP(sth, u16)
	ST_OP(stw, u32)
	ST_OP(stdw, u64)
	STX_OP(stxb, u8)
	STX_OP(stxh, u16)
	STX_OP(stxw, u32)
	STX_OP(stxdw, u64)
	ATOMIC_OP(atomic32, u32)
	ATOMIC_OP(atomic64, u64)

ja:
	JUMP(ip->off);
gotol:
	JUMP(IMM);
may_goto:
	if (!loops)
		JUMP(ip->off);
	loops--;
	NEXT();
	JMP_OPS(jeq, a == b, a == b)
	JMP_OPS(jgt, a > b, a > b)
	JMP_OPS(jge, a >= b, a >= b)
	JMP_OPS(jset, a & b, a & b)
	JMP_OPS(jne, a != b, a != b)
	JMP_OPS(jsgt, (s64)a > (s64)b, (s32)a > (s32)b)
	JMP_OPS(jsge, (s64)a >= (s64)b, (s32)a >= (s32)b)
	JMP_OPS(jlt, a < b, a < b)
	JMP_OPS(jle, a <= b, a <= b)
	JMP_OPS(jslt, (s64)a < (s64)b, (s32)a < (s32)b)
	JMP_OPS(jsle, (s64)a <= (s64)b, (s32)a <= (s32)b)

call:
	if (ip->src_reg == BPF_PSEUDO_CALL) {
		if (vm->depth >= BPF_VM_MAX_FRAMES) {
			ret = vm_fail(vm, prog, PC, -ELOOP, "call depth > %d", BPF_VM_MAX_FRAMES);
			goto out;
		}
		frames[nf] = (struct vm_frame){ ip + 1, { reg[6], reg[7], reg[8], reg[9] }, loops };
		nf++;
		vm->depth++;
		loops = VM_MAX_LOOPS;
		reg[10] -= BPF_STACK_SIZE;
		stk_lo -= BPF_STACK_SIZE;
		stk_span += BPF_STACK_SIZE;
		JUMP(IMM);
	}
	if (ip->src_reg == BPF_PSEUDO_KFUNC_CALL) {
		fn = vm_func(vm->kfuncs, vm->nr_kfuncs, IMM);
		if (!fn) {
			ret = vm_fail(vm, prog, PC, -ENOENT, "unknown kfunc %d", IMM);
			goto out;
		}
	} else {
		fn = vm_func(vm->helpers, vm->nr_helpers, IMM);
		if (!fn) {
			ret = vm_fail(vm, prog, PC, -ENOENT, "unknown helper %d", IMM);
			goto out;
		}
	}
	vm->budget_left = left;
	vm->cur_pc = PC;
	reg[0] = fn->fn(vm, reg[1], reg[2], reg[3], reg[4], reg[5], fn->ctx);
	left = vm->budget_left;
	vm->cur_prog = prog;
	if (unlikely(vm->have_err)) {
		ret = vm->err.code;
		goto out;
	}
	NEXT();

exit:
	if (!nf) {
		if (r0out)
			*r0out = reg[0];
		goto out;
	}
	nf--;
	ip = frames[nf].ret;
	memcpy(&reg[6], frames[nf].saved, sizeof(frames[nf].saved));
	loops = frames[nf].loops;
	vm->depth--;
	reg[10] += BPF_STACK_SIZE;
	stk_lo += BPF_STACK_SIZE;
	stk_span -= BPF_STACK_SIZE;
	DISPATCH();

op_invalid:
	ret = vm_fail(vm, prog, PC, -EINVAL, "invalid instruction (opcode 0x%02x)", ip->code);
	goto out;
out_budget:
	ret = vm_fail(vm, prog, PC, -E2BIG, "instruction budget of %llu exhausted",
		      (unsigned long long)vm->budget);
	goto out;
out_fault:
	ret = vm_fault(vm, prog, PC, addr, fsz, facc, reg[10]);
out:
	vm->budget_left = left;
	vm->depth = base;
	vm->cur_prog = prev_prog;
	vm->cur_pc = prev_pc;
	return ret;
}

int bpf_vm_exec(struct bpf_vm *vm, struct bpf_vm_prog *prog, u32 entry_pc, const u64 args[5],
		u64 *r0)
{
	bool top = !vm->running;
	int ret;

	if (top) { /* cheap reset: a run that succeeds leaves code 0 and an empty message */
		vm->have_err = false;
		vm->err.code = 0;
		vm->err.msg[0] = '\0';
		vm->budget_left = vm->budget;
	}
	if (!prog || !prog->validated) {
		ret = vm_fail(vm, prog, -1, -EPERM, "program was not validated (call bpf_vm_validate)");
	} else if (entry_pc >= prog->nr_insns) {
		ret = vm_fail(vm, prog, -1, -EINVAL, "entry pc %u is outside the program (%u instructions)",
			      entry_pc, prog->nr_insns);
	} else {
		vm->running++;
		ret = vm_run(vm, prog, entry_pc, args, r0);
		vm->running--;
	}
	if (top)
		vm->insn_count += vm->budget - vm->budget_left;
	return ret;
}

int bpf_vm_callback(struct bpf_vm *vm, u64 fn, const u64 args[5], u64 *r0)
{
	struct bpf_vm_prog *p = vm->cur_prog;
	u64 base;
	int ret;

	if (!vm->running || !p)
		return -EINVAL;
	base = (u64)(uintptr_t)p->insns;
	if (fn < base || (fn - base) % sizeof(struct bpf_insn) ||
	    (fn - base) / sizeof(struct bpf_insn) >= p->nr_insns)
		return vm_fail(vm, p, vm->cur_pc, -EINVAL,
			       "callback address 0x%llx is not an instruction of this program",
			       (unsigned long long)fn);
	vm->running++;
	ret = vm_run(vm, p, (u32)((fn - base) / sizeof(struct bpf_insn)), args, r0);
	vm->running--;
	return ret;
}
