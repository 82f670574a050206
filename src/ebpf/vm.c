/*
 * vm.c — the BPF interpreter: VM lifecycle, memory regions, the static validation pass,
 * decoding (each program once per VM, into handlers for the exact operation) and the
 * execution loop (computed-goto dispatch over the decoded slots).
 *
 * Why an interpreter with run-time checks: scheduler programs run in scxsim's own process and
 * must never crash, hang or corrupt it. Every memory access is checked: r10 + constant
 * accesses inside the frame are proven when decoding; any other access is checked against
 * two windows (the regions hit last), the live stack frames, then the embedder's regions
 * (a hint table, then a search). The budget is charged per straight run of instructions,
 * with the exact stop when it runs out mid-run; calls are bounded in depth.
 *
 * Why decoding: dispatch is one load and one indirect jump, no handler re-reads a field to
 * find out what to do, jump and call targets and ld_imm64 values are precomputed, and the
 * pairs clang emits most often run as one handler (fewer indirect jumps: the interpreter's
 * cost is mostly their mispredictions, see docs/bpf-vm.md).
 *
 * Invariants: the interpreter runs only decoded code, and decoding validates the
 * instructions it decodes (a copy, kept to detect a program struct that now names other
 * instructions), so jump targets are in range and the last instruction cannot fall
 * through. The second slot of an ld_imm64 decodes to the invalid handler: entering one (a
 * bad entry_pc or callback address) is an error, not a crash. Decoded slots have the same
 * indices as the program's, so a pc in an error is ip - base. Registers are u64[16] so that
 * any 4-bit register field indexes inside the array. The caches (decoded programs, windows,
 * hints) change only the speed, never a result, an error or a count: the VM stays
 * deterministic.
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

struct vm_code;
static int vm_run(struct bpf_vm *vm, struct vm_code *code, u32 entry, const u64 args[5], u64 *r0out,
		  const void *const **labels);
static void windows_reset(struct bpf_vm *vm);
static void windows_drop(struct bpf_vm *vm, u64 start);
static void code_flush(struct bpf_vm *vm);
static void code_reap(struct bpf_vm *vm);

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
	windows_reset(vm);
	return vm;
}

void bpf_vm_destroy(struct bpf_vm *vm)
{
	if (!vm)
		return;
	code_flush(vm); /* not running: frees them all */
	code_reap(vm);
	free(vm->codes);
	free(vm->regions);
	free(vm->stack);
	free(vm);
}

/* Decoded programs hold pointers into the tables: a new table means decoding again. */
void bpf_vm_set_helpers(struct bpf_vm *vm, const struct bpf_vm_func *table, u32 nr)
{
	vm->helpers = table;
	vm->nr_helpers = table ? nr : 0;
	code_flush(vm);
}

void bpf_vm_set_kfuncs(struct bpf_vm *vm, const struct bpf_vm_func *table, u32 nr)
{
	vm->kfuncs = table;
	vm->nr_kfuncs = table ? nr : 0;
	code_flush(vm);
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

/*
 * Regions live in one array. regions[0..nr_sorted) is sorted by start and found by binary
 * search; a region removed from it stays as a tombstone (flags 0, empty) that keeps the
 * order, until tombstones are half of it and one pass drops them all. After it come at most
 * VM_RECENT regions in the order they were added, found by a scan. An embedder adds and
 * removes short-lived regions around calls (a callback's argument struct, a map element):
 * they come and go without moving the sorted part; a region that stays moves into it when
 * the recent part is full, and an element re-created at the address of a tombstone takes
 * the tombstone's place. Invariant that makes a tombstone safe to find by binary search: no
 * live sorted region contains a tombstone's start (settling checks, and drops them if so).
 */

static bool region_live(const struct vm_region *r)
{
	return r->flags != 0;
}

/* Index of the last sorted entry (live or tombstone) whose start is <= addr, or -1. */
static s64 region_floor(const struct bpf_vm *vm, u64 addr)
{
	s64 lo = 0, hi = (s64)vm->nr_sorted - 1, found = -1;

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

/* Index of the live region with the greatest start <= addr, or -1 (for messages). */
static s64 region_below(const struct bpf_vm *vm, u64 addr)
{
	s64 best = region_floor(vm, addr);

	while (best >= 0 && !region_live(&vm->regions[best]))
		best--;
	for (u32 k = vm->nr_sorted; k < vm->nr_regions; k++)
		if (vm->regions[k].start <= addr && (best < 0 || vm->regions[k].start > vm->regions[best].start))
			best = k;
	return best;
}

/* Index of the recent region containing addr, or -1. */
static s64 region_recent_find(const struct bpf_vm *vm, u64 addr)
{
	for (u32 k = vm->nr_sorted; k < vm->nr_regions; k++)
		if (addr - vm->regions[k].start < vm->regions[k].end - vm->regions[k].start)
			return k;
	return -1;
}

/* The region containing addr (index), or -1. */
static s64 region_search(const struct bpf_vm *vm, u64 addr)
{
	s64 i = region_floor(vm, addr); /* a tombstone there: no sorted region holds addr */

	if (i < 0 || !region_live(&vm->regions[i]) || addr >= vm->regions[i].end)
		i = region_recent_find(vm, addr);
	return i;
}

/* The hint slot of addr: by its 64-byte line, folded with its page. */
static u32 *region_hint(struct bpf_vm *vm, u64 addr)
{
	return &vm->hint[((addr >> 6) ^ (addr >> 15)) & (VM_HINTS - 1)];
}

/*
 * The region containing addr, or NULL. A table of hints, indexed by the address's line,
 * remembers the region found there last: an index below nr_regions names a real entry (a
 * tombstone is empty and matches nothing) and the range is checked, so a stale hint only
 * costs the search it would have saved.
 */
static const struct vm_region *region_find(struct bpf_vm *vm, u64 addr)
{
	u32 *hint = region_hint(vm, addr);
	s64 i = *hint;

	if (i < vm->nr_regions && addr - vm->regions[i].start < vm->regions[i].end - vm->regions[i].start)
		return &vm->regions[i];
	i = region_search(vm, addr);
	if (i < 0)
		return NULL;
	*hint = (u32)i;
	return &vm->regions[i];
}

/*
 * Does [start, end) overlap a live region? *tombs counts the tombstones whose start lies in
 * it (other than at start itself).
 */
static bool region_overlaps(const struct bpf_vm *vm, u64 start, u64 end, u32 *tombs)
{
	s64 i = region_floor(vm, start);

	*tombs = 0;
	if (i >= 0 && region_live(&vm->regions[i]) && vm->regions[i].end > start)
		return true;
	for (u32 j = (u32)(i + 1); j < vm->nr_sorted && vm->regions[j].start < end; j++) {
		if (region_live(&vm->regions[j]))
			return true;
		(*tombs)++;
	}
	for (u32 k = vm->nr_sorted; k < vm->nr_regions; k++)
		if (vm->regions[k].start < end && start < vm->regions[k].end)
			return true;
	return false;
}

/* Drops every tombstone (one pass; indices move, hint[] are only hints). */
static void region_compact(struct bpf_vm *vm)
{
	u32 w = 0;

	for (u32 r = 0; r < vm->nr_sorted; r++)
		if (region_live(&vm->regions[r]))
			vm->regions[w++] = vm->regions[r];
	memmove(&vm->regions[w], &vm->regions[vm->nr_sorted],
		(vm->nr_regions - vm->nr_sorted) * sizeof(vm->regions[0]));
	vm->nr_regions -= vm->nr_sorted - w;
	vm->nr_sorted = w;
	vm->nr_tombs = 0;
}

/* Moves the oldest recent region to its place in the sorted part. */
static void region_settle(struct bpf_vm *vm)
{
	struct vm_region r = vm->regions[vm->nr_sorted];
	s64 i = region_floor(vm, r.start);
	u32 tombs = 0;

	for (u32 j = (u32)(i + 1); j < vm->nr_sorted && vm->regions[j].start < r.end; j++)
		tombs++; /* only tombstones can start inside r */
	if (tombs || (i >= 0 && !region_live(&vm->regions[i]) && vm->regions[i].start == r.start)) {
		region_compact(vm); /* r would contain a tombstone's start */
		i = region_floor(vm, r.start);
	}
	memmove(&vm->regions[i + 2], &vm->regions[i + 1], (vm->nr_sorted - (i + 1)) * sizeof(r));
	vm->regions[i + 1] = r;
	vm->nr_sorted++;
}

static int regions_reserve(struct bpf_vm *vm)
{
	u32 cap = vm->cap_regions ? vm->cap_regions * 2 : 16;
	struct vm_region *n;

	if (vm->nr_regions < vm->cap_regions)
		return 0;
	n = realloc(vm->regions, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	vm->regions = n;
	vm->cap_regions = cap;
	return 0;
}

int bpf_vm_region_add(struct bpf_vm *vm, void *ptr, size_t len, unsigned flags, const char *name)
{
	u64 start = (u64)(uintptr_t)ptr, end = start + len;
	struct vm_region *r;
	u32 tombs;
	s64 i;

	if (!ptr || !len || end < start || !flags || (flags & ~BPF_VM_RW))
		return -EINVAL; /* a region at 0 would make null pointers valid */
	if (region_overlaps(vm, start, end, &tombs))
		return -EEXIST;
	i = region_floor(vm, start);
	if (i >= 0 && !region_live(&vm->regions[i]) && vm->regions[i].start == start && !tombs) {
		r = &vm->regions[i]; /* a tombstone at start: its place, no move */
		vm->nr_tombs--;
	} else {
		if (regions_reserve(vm))
			return -ENOMEM;
		if (vm->nr_regions - vm->nr_sorted == VM_RECENT)
			region_settle(vm);
		r = &vm->regions[vm->nr_regions++];
	}
	*r = (struct vm_region){ .start = start, .end = end, .flags = flags };
	name = name ? name : "?";
	for (size_t k = 0; k + 1 < sizeof(r->name) && name[k]; k++) /* a bounded copy, no printf */
		r->name[k] = name[k];
	return 0;
}

int bpf_vm_region_remove(struct bpf_vm *vm, const void *ptr)
{
	u64 start = (u64)(uintptr_t)ptr;
	s64 i;

	for (u32 k = vm->nr_regions; k-- > vm->nr_sorted;) { /* newest first */
		if (vm->regions[k].start != start)
			continue;
		memmove(&vm->regions[k], &vm->regions[k + 1], (vm->nr_regions - k - 1) * sizeof(vm->regions[0]));
		vm->nr_regions--;
		windows_drop(vm, start);
		return 0;
	}
	i = region_floor(vm, start);
	if (i < 0 || !region_live(&vm->regions[i]) || vm->regions[i].start != start)
		return -ENOENT;
	vm->regions[i] = (struct vm_region){ .start = start, .end = start }; /* tombstone */
	if (++vm->nr_tombs * 2 > vm->nr_sorted)
		region_compact(vm);
	windows_drop(vm, start);
	return 0;
}

u32 bpf_vm_region_count(const struct bpf_vm *vm)
{
	return vm->nr_regions - vm->nr_tombs;
}

/*
 * Empties the access windows: each becomes frame 0 of the stack, which is live whenever a
 * program runs (the interpreter checks the live frames first, so this never allows more).
 */
static struct vm_window window_empty(const struct bpf_vm *vm)
{
	return (struct vm_window){ vm->stack_top - BPF_STACK_SIZE, BPF_STACK_SIZE - 8 };
}

static void windows_reset(struct bpf_vm *vm)
{
	vm->rd[0] = vm->rd[1] = vm->wr[0] = vm->wr[1] = window_empty(vm);
}

/* Empties the windows of the region that started at start (just removed). */
static void windows_drop(struct bpf_vm *vm, u64 start)
{
	for (int k = 0; k < 2; k++) {
		if (vm->rd[k].lo == start)
			vm->rd[k] = window_empty(vm);
		if (vm->wr[k].lo == start)
			vm->wr[k] = window_empty(vm);
	}
}

/* Lowest address of the live stack frames. */
static u64 stack_live_lo(const struct bpf_vm *vm)
{
	return vm->stack_top - (u64)vm->depth * BPF_STACK_SIZE;
}

/* The slow path of every access: a registered region that holds the whole access. */
static bool region_access_ok(struct bpf_vm *vm, u64 addr, u64 size, unsigned flags)
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

/*
 * Forgets the error of the previous top-level run. Invariant: err.code != 0 only while
 * have_err, so a run that succeeds leaves code 0 and an empty message without clearing
 * anything when nothing failed before it.
 */
static void error_clear(struct bpf_vm *vm)
{
	vm->have_err = false;
	vm->err.code = 0;
	vm->err.msg[0] = '\0';
}

void bpf_vm_abort(struct bpf_vm *vm, const char *fmt, ...)
{
	va_list ap;

	if (vm->have_err)
		return;
	va_start(ap, fmt);
	error_vset(&vm->err, vm->cur_code ? vm->cur_code->prog : NULL, vm->running ? (s64)vm->cur_pc : -1,
		   -ECANCELED, fmt, ap);
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
	i = region_below(vm, addr);
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

/* The checks of bpf_vm_validate() on prog's instructions; prog is not changed. */
static int validate_insns(const struct bpf_vm_prog *prog, struct bpf_vm_error *err)
{
	u8 *second = NULL;
	int ret = 0;

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
	return ret;
}

/*
 * bpf_vm_validate() calls so far, by all threads. A VM compares it with the value it saw when
 * it last checked a decoded program: while nothing was validated since, the program cannot
 * have been replaced by another one at the same address (see "decoding").
 */
static u64 vm_validations;

static u64 validations_now(void)
{
	return __atomic_load_n(&vm_validations, __ATOMIC_RELAXED);
}

int bpf_vm_validate(struct bpf_vm_prog *prog, struct bpf_vm_error *err)
{
	int ret;

	__atomic_add_fetch(&vm_validations, 1, __ATOMIC_RELAXED);
	prog->validated = false;
	ret = validate_insns(prog, err);
	if (!ret) {
		prog->validated = true;
		if (err)
			memset(err, 0, sizeof(*err));
	}
	return ret;
}

/* ---- decoding ---- */

/*
 * Each VM decodes a program once, at its first run, into an array of struct vm_insn (one per
 * slot, same indices) whose handler is chosen for the exact operation: the opcode byte, plus
 * off for div/mod (signed) and mov (sign extension), imm for byte swaps and atomics, src_reg
 * for calls. The interpreter then dispatches with one load and one jump, and no handler
 * re-examines a field to find out what to do.
 *
 * The decoded programs are kept in a hash table keyed by the address of the caller's struct
 * bpf_vm_prog (behind a 16-slot table of the ones found last, by the same key), with a copy
 * of the instructions decoded. A run uses the entry when the struct
 * still names the same instructions (pointer and count) and either no program was validated
 * anywhere since the entry was last checked (the common case: one compare), or the
 * instructions still equal the copy (a memcmp after a validation, e.g. when a freed program's
 * address was reused). Otherwise the program is decoded again. Decoding validates the copy
 * again, so the interpreter only ever runs code that passed validation, whatever the caller
 * did to the struct after bpf_vm_validate().
 */

/* Every handler of vm_run(), by name: label op_NAME, enum value VM_OP_NAME. */
#define VM_ALU4(X, n) X(n##64_k) X(n##64_x) X(n##32_k) X(n##32_x)
#define VM_ALU3(X, n) X(n##3_k) X(n##3_x) /* rA = rB; rA op= K|rC, fused (decode_fuse) */
/*
 * Pairs fused by direct jump (decode_fuse): the first instruction's handler ends with a jump
 * to the second's plain handler instead of an indirect dispatch. The pairs clang emits most
 * often in the example and test schedulers (static counts over 4,600 instructions: rA = rB
 * then call 159, lddw + ldxdw 150, rA = K then call 141, add + stxdw 115, ...); firsts never
 * transfer control. A short list on purpose: every handler added grows the interpreter's
 * code, and a product of all firsts and seconds measured slower than this list.
 */
#define VM_PAIRS(P, X)                                                                      \
	P(X, mov64_x, call_fn) P(X, lddw, ldxdw) P(X, mov64_k, call_fn) P(X, add64_k, stxdw) \
	P(X, lddw, call_fn) P(X, ldxdw, add64_k) P(X, mov64_x, mov64_k) P(X, ldxdw, lddw)    \
	P(X, ldxdw, ldxdw) P(X, lddw, mov64_x) P(X, add64_k, lddw) P(X, ldxdw, mov64_x)      \
	P(X, mov64_k, mov64_k) P(X, lddw, mov64_k) P(X, mov32_k, call_fn) P(X, lddw, mov32_k) \
	P(X, mov32_k, stxw) P(X, stxdw, lddw) P(X, stxdw, exit) P(X, add64_x, stxdw)         \
	P(X, add64_k, stxw) P(X, add64_x, stxw) P(X, ldxdw, add64_x)
#define VM_PAIR_NAME(X, a, b) X(a##__##b)
#define VM_JMP4(X, n) X(n##_k) X(n##_x) X(n##32_k) X(n##32_x)
#define VM_ATOMICS(X, w)                                                                    \
	X(add##w) X(or##w) X(and##w) X(xor##w) X(fadd##w) X(for##w) X(fand##w) X(fxor##w)   \
	X(xchg##w) X(cmpxchg##w)
#define VM_MEM(X, s)                                                                        \
	X(ldxb##s) X(ldxh##s) X(ldxw##s) X(ldxdw##s) X(ldxsb##s) X(ldxsh##s) X(ldxsw##s)     \
	X(stb##s) X(sth##s) X(stw##s) X(stdw##s) X(stxb##s) X(stxh##s) X(stxw##s) X(stxdw##s)
#define VM_OPS(X)                                                                           \
	X(invalid)                                                                          \
	VM_ALU4(X, add) VM_ALU4(X, sub) VM_ALU4(X, mul) VM_ALU4(X, udiv) VM_ALU4(X, sdiv)    \
	VM_ALU4(X, umod) VM_ALU4(X, smod) VM_ALU4(X, or) VM_ALU4(X, and) VM_ALU4(X, xor)     \
	VM_ALU4(X, lsh) VM_ALU4(X, rsh) VM_ALU4(X, arsh) VM_ALU4(X, mov)                     \
	X(movsx64_8) X(movsx64_16) X(movsx64_32) X(movsx32_8) X(movsx32_16)                 \
	X(neg64) X(neg32) X(le16) X(le32) X(le64) X(be16) X(be32) X(be64) X(lddw)           \
	VM_MEM(X, ) VM_MEM(X, _fp)                                                          \
	VM_ATOMICS(X, 32) VM_ATOMICS(X, 64)                                                 \
	X(ja) X(gotol) X(may_goto)                                                          \
	VM_JMP4(X, jeq) VM_JMP4(X, jgt) VM_JMP4(X, jge) VM_JMP4(X, jset) VM_JMP4(X, jne)     \
	VM_JMP4(X, jsgt) VM_JMP4(X, jsge) VM_JMP4(X, jlt) VM_JMP4(X, jle) VM_JMP4(X, jslt)   \
	VM_JMP4(X, jsle)                                                                    \
	X(call_local) X(call_fn) X(call_unknown) X(exit) X(budget)                           \
	VM_ALU3(X, add) VM_ALU3(X, sub) VM_ALU3(X, mul) VM_ALU3(X, or) VM_ALU3(X, and)       \
	VM_ALU3(X, xor) VM_ALU3(X, lsh) VM_ALU3(X, rsh) VM_ALU3(X, arsh)                     \
	VM_PAIRS(VM_PAIR_NAME, X)

#define VM_OP_ENUM(n) VM_OP_##n,
enum vm_op { VM_OPS(VM_OP_ENUM) VM_NR_OPS };

_Static_assert(VM_OP_budget < 256, "vm_op_of_code holds u8 (fused handlers come after)");
/* decode_op() turns an unsigned div/mod handler into the signed one by adding 4. */
_Static_assert(VM_OP_sdiv64_k == VM_OP_udiv64_k + 4 && VM_OP_smod32_x == VM_OP_umod32_x + 4,
	       "div/mod handler order");

#define ALU_CODES(n, op)                                                                    \
	[BPF_ALU64 | (op) | BPF_K] = VM_OP_##n##64_k, [BPF_ALU64 | (op) | BPF_X] = VM_OP_##n##64_x, \
	[BPF_ALU | (op) | BPF_K] = VM_OP_##n##32_k, [BPF_ALU | (op) | BPF_X] = VM_OP_##n##32_x
#define JMP_CODES(n, op)                                                                    \
	[BPF_JMP | (op) | BPF_K] = VM_OP_##n##_k, [BPF_JMP | (op) | BPF_X] = VM_OP_##n##_x,   \
	[BPF_JMP32 | (op) | BPF_K] = VM_OP_##n##32_k, [BPF_JMP32 | (op) | BPF_X] = VM_OP_##n##32_x

/* The handler of each opcode byte before off/imm/src_reg refine it (0: invalid). */
static const u8 vm_op_of_code[256] = {
	ALU_CODES(add, BPF_ADD), ALU_CODES(sub, BPF_SUB), ALU_CODES(mul, BPF_MUL),
	ALU_CODES(udiv, BPF_DIV), ALU_CODES(umod, BPF_MOD), ALU_CODES(or, BPF_OR),
	ALU_CODES(and, BPF_AND), ALU_CODES(xor, BPF_XOR), ALU_CODES(lsh, BPF_LSH),
	ALU_CODES(rsh, BPF_RSH), ALU_CODES(arsh, BPF_ARSH), ALU_CODES(mov, BPF_MOV),
	[BPF_ALU64 | BPF_NEG] = VM_OP_neg64, [BPF_ALU | BPF_NEG] = VM_OP_neg32,
	[BPF_ALU | BPF_END | BPF_TO_LE] = VM_OP_le64, [BPF_ALU | BPF_END | BPF_TO_BE] = VM_OP_be64,
	[BPF_ALU64 | BPF_END | BPF_K] = VM_OP_be64,
	[BPF_LD | BPF_IMM | BPF_DW] = VM_OP_lddw,
	[BPF_LDX | BPF_MEM | BPF_B] = VM_OP_ldxb, [BPF_LDX | BPF_MEM | BPF_H] = VM_OP_ldxh,
	[BPF_LDX | BPF_MEM | BPF_W] = VM_OP_ldxw, [BPF_LDX | BPF_MEM | BPF_DW] = VM_OP_ldxdw,
	[BPF_LDX | BPF_MEMSX | BPF_B] = VM_OP_ldxsb, [BPF_LDX | BPF_MEMSX | BPF_H] = VM_OP_ldxsh,
	[BPF_LDX | BPF_MEMSX | BPF_W] = VM_OP_ldxsw,
	[BPF_ST | BPF_MEM | BPF_B] = VM_OP_stb, [BPF_ST | BPF_MEM | BPF_H] = VM_OP_sth,
	[BPF_ST | BPF_MEM | BPF_W] = VM_OP_stw, [BPF_ST | BPF_MEM | BPF_DW] = VM_OP_stdw,
	[BPF_STX | BPF_MEM | BPF_B] = VM_OP_stxb, [BPF_STX | BPF_MEM | BPF_H] = VM_OP_stxh,
	[BPF_STX | BPF_MEM | BPF_W] = VM_OP_stxw, [BPF_STX | BPF_MEM | BPF_DW] = VM_OP_stxdw,
	[BPF_STX | BPF_ATOMIC | BPF_W] = VM_OP_add32, [BPF_STX | BPF_ATOMIC | BPF_DW] = VM_OP_add64,
	[BPF_JMP | BPF_JA] = VM_OP_ja, [BPF_JMP32 | BPF_JA] = VM_OP_gotol,
	[BPF_JMP | BPF_JCOND] = VM_OP_may_goto,
	JMP_CODES(jeq, BPF_JEQ), JMP_CODES(jgt, BPF_JGT), JMP_CODES(jge, BPF_JGE),
	JMP_CODES(jset, BPF_JSET), JMP_CODES(jne, BPF_JNE), JMP_CODES(jsgt, BPF_JSGT),
	JMP_CODES(jsge, BPF_JSGE), JMP_CODES(jlt, BPF_JLT), JMP_CODES(jle, BPF_JLE),
	JMP_CODES(jslt, BPF_JSLT), JMP_CODES(jsle, BPF_JSLE),
	[BPF_JMP | BPF_CALL] = VM_OP_call_fn, [BPF_JMP | BPF_EXIT] = VM_OP_exit,
};

/* Atomic operations by imm, as offsets from add32/add64 (the table's order). */
static const struct {
	s32 imm;
	u8 delta;
} vm_atomic_ops[] = {
	{ BPF_ADD, VM_OP_add32 - VM_OP_add32 }, { BPF_OR, VM_OP_or32 - VM_OP_add32 },
	{ BPF_AND, VM_OP_and32 - VM_OP_add32 }, { BPF_XOR, VM_OP_xor32 - VM_OP_add32 },
	{ BPF_ADD | BPF_FETCH, VM_OP_fadd32 - VM_OP_add32 },
	{ BPF_OR | BPF_FETCH, VM_OP_for32 - VM_OP_add32 },
	{ BPF_AND | BPF_FETCH, VM_OP_fand32 - VM_OP_add32 },
	{ BPF_XOR | BPF_FETCH, VM_OP_fxor32 - VM_OP_add32 },
	{ BPF_XCHG, VM_OP_xchg32 - VM_OP_add32 }, { BPF_CMPXCHG, VM_OP_cmpxchg32 - VM_OP_add32 },
};

_Static_assert(VM_OP_cmpxchg64 - VM_OP_add64 == VM_OP_cmpxchg32 - VM_OP_add32, "atomic order");

static unsigned decode_atomic(unsigned base, s32 imm)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vm_atomic_ops); i++)
		if (vm_atomic_ops[i].imm == imm)
			return base + vm_atomic_ops[i].delta;
	return VM_OP_invalid; /* not reached for a validated program */
}

/*
 * Is the access of a load or store at r10 + off inside the frame whatever happens? r10 is
 * read-only and always the current frame's top, so such an access needs no check at run time.
 */
static bool mem_in_frame(const struct bpf_insn *in)
{
	const struct bpf_op_info *op = &bpf_op_table[in->code];
	u8 base = op->kind == BPF_OPK_LDX || op->kind == BPF_OPK_LDXSX ? in->src_reg : in->dst_reg;

	return base == BPF_REG_10 && in->off >= -BPF_STACK_SIZE && in->off + op->size <= 0;
}

/* The handler of one validated instruction. */
static unsigned decode_op(const struct bpf_insn *in)
{
	unsigned op = vm_op_of_code[in->code];
	unsigned w = in->imm == 16 ? 0 : in->imm == 32 ? 1 : 2; /* byte-swap width */

	switch (op) {
	case VM_OP_udiv64_k ... VM_OP_udiv32_x:
	case VM_OP_umod64_k ... VM_OP_umod32_x:
		return in->off ? op + 4 : op;
	case VM_OP_ldxb ... VM_OP_stxdw:
		return mem_in_frame(in) ? op + (VM_OP_ldxb_fp - VM_OP_ldxb) : op;
	case VM_OP_mov64_x:
		return !in->off ? op : in->off == 8 ? VM_OP_movsx64_8 : in->off == 16 ? VM_OP_movsx64_16
										      : VM_OP_movsx64_32;
	case VM_OP_mov32_x:
		return !in->off ? op : in->off == 8 ? VM_OP_movsx32_8 : VM_OP_movsx32_16;
	case VM_OP_le64:
		return VM_OP_le16 + w;
	case VM_OP_be64:
		return VM_OP_be16 + w;
	case VM_OP_add32:
	case VM_OP_add64:
		return decode_atomic(op, in->imm);
	case VM_OP_call_fn:
		return in->src_reg == BPF_PSEUDO_CALL ? VM_OP_call_local : op;
	default:
		return op;
	}
}

_Static_assert(VM_OP_stxdw_fp - VM_OP_ldxb_fp == VM_OP_stxdw - VM_OP_ldxb, "memory op order");
_Static_assert(VM_OP_le64 == VM_OP_le16 + 2 && VM_OP_be64 == VM_OP_be16 + 2, "swap order");

/* The helper or kfunc a call names, or NULL when the VM's table has none at that index. */
static const struct bpf_vm_func *decode_fn(const struct bpf_vm *vm, const struct bpf_insn *in)
{
	const struct bpf_vm_func *tab = in->src_reg ? vm->kfuncs : vm->helpers;
	u32 nr = in->src_reg ? vm->nr_kfuncs : vm->nr_helpers;

	return (u32)in->imm < nr && tab[in->imm].fn ? &tab[in->imm] : NULL;
}

/* Fills the operand fields of slot pc: jump targets, call targets, the ld_imm64 value. */
static void decode_operands(const struct bpf_vm *vm, struct vm_insn *out, const struct bpf_insn *in,
			    u32 pc, unsigned op, const void *const *labels)
{
	switch (bpf_op_table[in[pc].code].kind) {
	case BPF_OPK_JA: case BPF_OPK_JCOND: case BPF_OPK_JMP:
		out[pc].tgt = &out[pc + in[pc].off + 1];
		break;
	case BPF_OPK_GOTOL:
		out[pc].tgt = &out[pc + in[pc].imm + 1];
		break;
	case BPF_OPK_CALL:
		if (op == VM_OP_call_local)
			out[pc].tgt = &out[pc + in[pc].imm + 1];
		else if (!(out[pc].fn = decode_fn(vm, &in[pc])))
			out[pc].op = labels[VM_OP_call_unknown];
		break;
	case BPF_OPK_LDDW:
		out[pc].imm64 = (u64)(u32)in[pc].imm | (u64)(u32)in[pc + 1].imm << 32;
		break;
	default:
		break;
	}
}

/* Does the instruction end a straight run (control may go elsewhere after it)? */
static bool insn_ends_run(const struct bpf_insn *in)
{
	switch (bpf_op_table[in->code].kind) {
	case BPF_OPK_JA: case BPF_OPK_GOTOL: case BPF_OPK_JCOND: case BPF_OPK_JMP:
	case BPF_OPK_CALL: case BPF_OPK_EXIT:
		return true;
	default:
		return false;
	}
}

/*
 * Decodes the n validated slots of in into out; returns the longest run (in instructions).
 * The second slot of an ld_imm64 gets the invalid handler (it is an error to enter it) and
 * is a run of its own. Runs are counted backwards: a validated program ends with exit or
 * goto, so every non-terminal slot has a successor.
 */
static u32 decode_insns(const struct bpf_vm *vm, struct vm_insn *out, const struct bpf_insn *in,
			u32 n, const void *const *labels)
{
	u32 longest = 1;

	for (u32 pc = 0; pc < n; pc++) {
		unsigned op = decode_op(&in[pc]);

		out[pc] = (struct vm_insn){ .op = labels[op], .imm = in[pc].imm, .off = in[pc].off,
					    .dst = in[pc].dst_reg, .src = in[pc].src_reg };
		decode_operands(vm, out, in, pc, op, labels);
		if (op == VM_OP_lddw) {
			pc++;
			out[pc] = (struct vm_insn){ .op = labels[VM_OP_invalid], .imm = in[pc].imm };
		}
	}
	for (u32 pc = n; pc-- > 0;) {
		if (out[pc].op == labels[VM_OP_invalid] || insn_ends_run(&in[pc]))
			out[pc].run = 1;
		else
			out[pc].run = 1 + out[pc + (in[pc].code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1)].run;
		if (out[pc].run > longest)
			longest = out[pc].run;
	}
	return longest;
}

/* The fused handler of "rA = rB" followed by in (which may be anything), or 0. */
static unsigned fuse_mov_alu(const struct bpf_insn *mov, const struct bpf_insn *in)
{
	static const u8 alu3[16] = {
		[BPF_ADD >> 4] = VM_OP_add3_k, [BPF_SUB >> 4] = VM_OP_sub3_k,
		[BPF_MUL >> 4] = VM_OP_mul3_k, [BPF_OR >> 4] = VM_OP_or3_k,
		[BPF_AND >> 4] = VM_OP_and3_k, [BPF_XOR >> 4] = VM_OP_xor3_k,
		[BPF_LSH >> 4] = VM_OP_lsh3_k, [BPF_RSH >> 4] = VM_OP_rsh3_k,
		[BPF_ARSH >> 4] = VM_OP_arsh3_k,
	};
	unsigned op = alu3[BPF_OP(in->code) >> 4];

	if (BPF_CLASS(in->code) != BPF_ALU64 || !op || in->dst_reg != mov->dst_reg || in->off)
		return 0;
	if (BPF_SRC(in->code) == BPF_K)
		return op;
	return in->src_reg != mov->dst_reg ? op + 1 : 0; /* rC must not be rA (just written) */
}

/* The pair table: plain handlers first and second, fused handler. */
#define VM_PAIR_ENTRY(X, a, b) { VM_OP_##a, VM_OP_##b, VM_OP_##a##__##b },
static const struct {
	u16 first, second, fused;
} vm_pairs[] = { VM_PAIRS(VM_PAIR_ENTRY, ) };

/* The fused handler of plain handlers first then second (VM_PAIRS), or 0. */
static unsigned fuse_pair(unsigned first, unsigned second)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vm_pairs); i++)
		if (vm_pairs[i].first == first && vm_pairs[i].second == second)
			return vm_pairs[i].fused;
	return 0;
}

/*
 * Fuses pairs of instructions clang emits all the time into one handler, so that the second
 * runs without an indirect dispatch: "rA = rB" then "rA op= K|rC" become one three-address
 * operation (e.g. r2 = r10; r2 += -8), and the pairs of VM_PAIR_FIRSTS x VM_PAIR_COLS jump
 * directly to the second's plain handler. Only the first slot changes: the second keeps its
 * own handler (a jump may land on it), a fused handler steps ip to the second slot before
 * running it (a fault names the right pc), and a partial run (out_partial) runs the plain
 * handlers, so the budget still stops between the two. A slot may be the second of one
 * pair and the first of another: each fused handler runs exactly its two instructions.
 */
static void decode_fuse(struct vm_insn *out, const struct bpf_insn *in, u32 n,
			const void *const *labels)
{
	/* pass 0: three-address operations (the better fusion); pass 1: VM_PAIRS in the rest */
	for (int pass = 0; pass < 2; pass++) {
		for (u32 pc = 0; pc < n; pc++) {
			unsigned first = decode_op(&in[pc]), second, op;
			u32 next = pc + (first == VM_OP_lddw ? 2 : 1);

			/* out[] is not labels[decode_op()] for an lddw's second slot, an unknown
			 * call, or a slot already fused */
			if (next >= n || out[pc].op != labels[first])
				continue;
			second = decode_op(&in[next]);
			if (out[next].op != labels[second])
				continue;
			if (pass == 0)
				op = first == VM_OP_mov64_x ? fuse_mov_alu(&in[pc], &in[next]) : 0;
			else
				op = fuse_pair(first, second);
			if (!op)
				continue;
			out[pc].op = labels[op];
			pc = next;
		}
	}
}

_Static_assert(VM_OP_add3_x == VM_OP_add3_k + 1 && VM_OP_arsh3_x == VM_OP_arsh3_k + 1,
	       "alu3 order");

static void code_free(struct vm_code *c)
{
	if (!c)
		return;
	free(c->copy);
	free(c->code);
	free(c->scratch);
	free(c);
}

/* The code hint slot of prog: a direct-mapped cache in front of the hash table. */
static struct vm_code **code_hint(struct bpf_vm *vm, const struct bpf_vm_prog *prog)
{
	uintptr_t a = (uintptr_t)prog;

	return &vm->code_hint[((a >> 4) ^ (a >> 10)) & (VM_CODE_HINTS - 1)];
}

/* Frees c now, or later when it may be running (a nested run replaced it). */
static void code_retire(struct bpf_vm *vm, struct vm_code *c)
{
	struct vm_code **hint = code_hint(vm, c->prog);

	if (*hint == c)
		*hint = NULL;
	if (vm->running) {
		c->next = vm->retired;
		vm->retired = c;
	} else {
		code_free(c);
	}
}

/* Frees the codes retired while programs ran; only when none runs. */
static void code_reap(struct bpf_vm *vm)
{
	while (vm->retired) {
		struct vm_code *c = vm->retired;

		vm->retired = c->next;
		code_free(c);
	}
}

static u32 code_bucket(const struct bpf_vm *vm, const struct bpf_vm_prog *prog)
{
	u64 h = (u64)(uintptr_t)prog;

	h = (h ^ (h >> 29)) * 0x9e3779b97f4a7c15ULL;
	return (u32)(h >> 32) & (vm->cap_codes - 1);
}

/* Every decoded program, freed (or retired) and forgotten. */
static void code_flush(struct bpf_vm *vm)
{
	for (u32 b = 0; b < vm->cap_codes; b++) {
		while (vm->codes[b]) {
			struct vm_code *c = vm->codes[b];

			vm->codes[b] = c->next;
			code_retire(vm, c);
		}
	}
	vm->nr_codes = 0;
}

static int code_grow(struct bpf_vm *vm)
{
	u32 cap = vm->cap_codes ? vm->cap_codes * 2 : 16, old_cap = vm->cap_codes;
	struct vm_code **old = vm->codes, **n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	vm->codes = n;
	vm->cap_codes = cap;
	for (u32 b = 0; b < old_cap; b++) {
		while (old[b]) {
			struct vm_code *c = old[b];
			u32 nb = code_bucket(vm, c->prog);

			old[b] = c->next;
			c->next = n[nb];
			n[nb] = c;
		}
	}
	free(old);
	return 0;
}

/* Decodes prog (validating its instructions again) into a new entry, or sets vm->err. */
static struct vm_code *code_new(struct bpf_vm *vm, const struct bpf_vm_prog *prog, int *ret)
{
	struct vm_code *c = calloc(1, sizeof(*c));
	struct bpf_vm_prog copy = *prog;
	const void *const *labels = NULL;
	struct bpf_vm_error e;
	u32 longest;

	*ret = -ENOMEM;
	if (!c || !(c->copy = malloc(prog->nr_insns * sizeof(*c->copy))) ||
	    !(c->code = malloc(prog->nr_insns * sizeof(*c->code))))
		goto fail;
	memcpy(c->copy, prog->insns, prog->nr_insns * sizeof(*c->copy));
	copy.insns = c->copy;
	*ret = validate_insns(&copy, &e);
	if (*ret) {
		if (*ret != -ENOMEM && !vm->have_err) {
			vm->err = e;
			vm->have_err = true;
		}
		goto fail;
	}
	vm_run(NULL, NULL, 0, NULL, NULL, &labels);
	longest = decode_insns(vm, c->code, c->copy, prog->nr_insns, labels);
	decode_fuse(c->code, c->copy, prog->nr_insns, labels);
	/* a partial run is at most longest - 1 instructions of up to 2 slots, then the stop */
	c->scratch_cap = (longest - 1) * 2 + 1;
	if (c->scratch_cap > prog->nr_insns + 1)
		c->scratch_cap = prog->nr_insns + 1;
	c->scratch = malloc(c->scratch_cap * sizeof(*c->scratch));
	*ret = -ENOMEM;
	if (!c->scratch)
		goto fail;
	*ret = 0;
	c->prog = prog;
	c->insns = prog->insns;
	c->nr_insns = prog->nr_insns;
	c->stamp = validations_now();
	return c;
fail:
	code_free(c);
	return NULL;
}

/* Does entry c (whose key is prog) still hold what prog names? */
static bool code_current(struct vm_code *c, const struct bpf_vm_prog *prog, u64 now)
{
	if (c->insns != prog->insns || c->nr_insns != prog->nr_insns)
		return false;
	if (c->stamp != now && memcmp(c->copy, prog->insns, c->nr_insns * sizeof(*c->copy)))
		return false;
	c->stamp = now;
	return true;
}

/* The slow path of code_get(): search, check, decode and insert. */
static __attribute__((noinline)) struct vm_code *code_lookup(struct bpf_vm *vm,
							     const struct bpf_vm_prog *prog, int *ret)
{
	u64 now = validations_now();
	struct vm_code **pp, *c;

	if (vm->nr_codes >= VM_CODE_MAX && !vm->running)
		code_flush(vm);
	if (vm->nr_codes >= vm->cap_codes && (*ret = code_grow(vm)))
		return NULL;
	for (pp = &vm->codes[code_bucket(vm, prog)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->prog != prog)
			continue;
		if (code_current(*pp, prog, now))
			return *code_hint(vm, prog) = *pp;
		c = *pp; /* stale: the struct now names other instructions */
		*pp = c->next;
		vm->nr_codes--;
		code_retire(vm, c);
		break;
	}
	c = code_new(vm, prog, ret);
	if (!c)
		return NULL;
	pp = &vm->codes[code_bucket(vm, prog)];
	c->next = *pp;
	*pp = c;
	vm->nr_codes++;
	return *code_hint(vm, prog) = c;
}

/* The decoded form of prog for this VM (NULL with *ret set and vm->err filled on failure). */
static inline struct vm_code *code_get(struct bpf_vm *vm, const struct bpf_vm_prog *prog, int *ret)
{
	struct vm_code *c = *code_hint(vm, prog);

	if (likely(c && c->prog == prog && c->insns == prog->insns && c->nr_insns == prog->nr_insns &&
		   c->stamp == validations_now()))
		return c;
	return code_lookup(vm, prog, ret);
}

/* ---- execution ---- */

/* What a bpf-to-bpf call saves; r10 is recomputed from the depth. */
struct vm_frame {
	const struct vm_insn *ret; /* instruction after the call */
	u64 saved[4];              /* the caller's r6..r9 */
	u32 loops;                 /* the caller's may_goto allowance */
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

/* Puts region r first in a pair of windows (unless it is there already). */
static void window_push(struct vm_window *w, const struct vm_region *r)
{
	if (w[0].lo == r->start)
		return;
	w[1] = w[0];
	w[0] = (struct vm_window){ r->start, r->end - r->start - 8 };
}

/*
 * The access [addr, addr+size) missed the live stack and the windows: allowed if one region
 * holds it with the permission; that region then becomes the first window(s) it fits.
 */
static __attribute__((noinline)) bool mem_slow(struct bpf_vm *vm, u64 addr, u64 size,
					       unsigned flags)
{
	const struct vm_region *r = region_find(vm, addr);

	if (!r || size > r->end - addr || (r->flags & flags) != flags)
		return false;
	if (r->end - r->start >= 8) {
		if (r->flags & BPF_VM_READ)
			window_push(vm->rd, r);
		if (r->flags & BPF_VM_WRITE)
			window_push(vm->wr, r);
	}
	return true;
}

#define DST reg[ip->dst]
#define SRC reg[ip->src]
#define IMM (ip->imm)
#define PC ((u32)(ip - base))
/* pc of ip for an error: ip may be in the scratch copy of a partial run */
#define ERR_PC ((u32)(sc ? sc_pc + (ip - sc) : ip - base))
/*
 * The budget is charged when control enters a straight run, for the whole run (ip->run
 * instructions); inside a run an instruction only steps to the next. When the budget left
 * does not cover the run, out_partial runs the part it covers from a copy that ends in a
 * stop slot, so the error names the exact instruction, as if each one had been charged.
 */
#define ENTER()                                                                             \
	do {                                                                                \
		if (unlikely(__builtin_sub_overflow(left, (u64)ip->run, &left)))            \
			goto out_partial;                                                   \
		goto *ip->op;                                                               \
	} while (0)
#define NEXT()                                         \
	do {                                           \
		ip++;                                  \
		goto *ip->op;                          \
	} while (0)
#define BRANCH(cond)                                   \
	do {                                           \
		ip = (cond) ? ip->tgt : ip + 1;        \
		ENTER();                               \
	} while (0)
/* [a, a+sz) inside window w */
#define IN_WIN(w, a, sz) ((a) - (w).lo <= (w).last8 + (8 - (sz)))
#define IN_WINS(ws, a, sz) (IN_WIN((ws)[0], a, sz) || IN_WIN((ws)[1], a, sz))
/*
 * An access of sz bytes at a: inside one of the windows for the access, else inside the live
 * stack frames (one subtraction and one compare), else in a region found by mem_slow().
 * Most accesses to the stack are r10 + constant, proven safe when decoded (the _fp handlers).
 */
#define MEMCHK(a, sz, HIT, acc)                                                             \
	do {                                                                                \
		addr = (a);                                                                 \
		if (!(HIT) && addr - stk_lo > stk_span - (sz) &&                            \
		    unlikely(!mem_slow(vm, addr, (sz), (acc)))) {                           \
			fsz = (sz);                                                         \
			facc = (acc);                                                       \
			goto out_fault;                                                     \
		}                                                                           \
	} while (0)
#define RD_HIT(sz) IN_WINS(vm->rd, addr, sz)
#define WR_HIT(sz) IN_WINS(vm->wr, addr, sz)
#define HOST(a) ((void *)(uintptr_t)(a))

#define ALU_OPS(name, E64, E32)                                                             \
	op_##name##64_k: { u64 a = DST, b = (u64)(s64)IMM; DST = (E64); NEXT(); }           \
	op_##name##64_x: { u64 a = DST, b = SRC; DST = (E64); NEXT(); }                     \
	op_##name##32_k: { u32 a = (u32)DST, b = (u32)IMM; DST = (u32)(E32); NEXT(); }       \
	op_##name##32_x: { u32 a = (u32)DST, b = (u32)SRC; DST = (u32)(E32); NEXT(); }
/* rA = rB; rA op= K|rC (decode_fuse): ip is the mov, ip[1] the operation */
#define ALU3_OPS(name, E)                                                                   \
	op_##name##3_k: { u64 a = SRC, b = (u64)(s64)ip[1].imm; DST = (E); ip += 2; goto *ip->op; } \
	op_##name##3_x: { u64 a = SRC, b = reg[ip[1].src]; DST = (E); ip += 2; goto *ip->op; }
#define JMP_OPS(name, C64, C32)                                                             \
	op_##name##_k: { u64 a = DST, b = (u64)(s64)IMM; BRANCH(C64); }                     \
	op_##name##_x: { u64 a = DST, b = SRC; BRANCH(C64); }                               \
	op_##name##32_k: { u32 a = (u32)DST, b = (u32)IMM; BRANCH(C32); }                   \
	op_##name##32_x: { u32 a = (u32)DST, b = (u32)SRC; BRANCH(C32); }
#define LDX_OP(name, T, R)                                                                  \
	op_##name: { T v; MEMCHK(SRC + (s64)ip->off, sizeof(T), RD_HIT(sizeof(T)), BPF_VM_READ); \
		memcpy(&v, HOST(addr), sizeof(T)); DST = (R)v; NEXT(); }
#define ST_OP(name, T, V)                                                                   \
	op_##name: { T v = (T)(V);                                                          \
		MEMCHK(DST + (s64)ip->off, sizeof(T), WR_HIT(sizeof(T)), BPF_VM_WRITE);     \
		memcpy(HOST(addr), &v, sizeof(T)); NEXT(); }
/*
 * A fused pair (VM_PAIRS): the first instruction's work (FIRST_a), ip to the second (ADV_a
 * slots), then the second's plain handler by a direct jump.
 */
#define VM_PAIR_CODE(X, a, b) op_##a##__##b: FIRST_##a ip += ADV_##a; goto op_##b;
#define FIRST_lddw DST = ip->imm64;
#define FIRST_mov64_x DST = SRC;
#define FIRST_mov64_k DST = (u64)(s64)IMM;
#define FIRST_mov32_k DST = (u32)IMM;
#define FIRST_mov32_x DST = (u32)SRC;
#define FIRST_add64_k DST += (u64)(s64)IMM;
#define FIRST_add64_x DST += SRC;
#define FIRST_ldxdw { u64 v; MEMCHK(SRC + (s64)ip->off, 8, RD_HIT(8), BPF_VM_READ);          \
		      memcpy(&v, HOST(addr), 8); DST = v; }
#define FIRST_ldxw { u32 v; MEMCHK(SRC + (s64)ip->off, 4, RD_HIT(4), BPF_VM_READ);           \
		     memcpy(&v, HOST(addr), 4); DST = v; }
#define FIRST_stxdw { u64 v = SRC; MEMCHK(DST + (s64)ip->off, 8, WR_HIT(8), BPF_VM_WRITE);    \
		      memcpy(HOST(addr), &v, 8); }
#define ADV_lddw 2
#define ADV_mov64_x 1
#define ADV_mov64_k 1
#define ADV_mov32_k 1
#define ADV_mov32_x 1
#define ADV_add64_k 1
#define ADV_add64_x 1
#define ADV_ldxdw 1
#define ADV_ldxw 1
#define ADV_stxdw 1
/* r10 + off, proven inside the frame when decoded (mem_in_frame) */
#define LDX_FP(name, T, R)                                                                  \
	op_##name##_fp: { T v; memcpy(&v, HOST(reg[10] + (s64)ip->off), sizeof(T));         \
		DST = (R)v; NEXT(); }
#define ST_FP(name, T, V)                                                                   \
	op_##name##_fp: { T v = (T)(V); memcpy(HOST(reg[10] + (s64)ip->off), &v, sizeof(T)); \
		NEXT(); }
/* Atomic read-modify-write: new value E of old and b (= src); FETCH: src receives old. */
#define ATOMIC_OP(name, T, E, FETCH)                                                        \
	op_##name: { T old, b = (T)SRC, v;                                                  \
		MEMCHK(DST + (s64)ip->off, sizeof(T), RD_HIT(sizeof(T)) && WR_HIT(sizeof(T)), BPF_VM_RW); \
		memcpy(&old, HOST(addr), sizeof(T)); v = (E); memcpy(HOST(addr), &v, sizeof(T)); \
		if (FETCH) SRC = old;                                                       \
		NEXT(); }
#define ATOMIC_OPS(w, T)                                                                    \
	ATOMIC_OP(add##w, T, old + b, 0) ATOMIC_OP(or##w, T, old | b, 0)                     \
	ATOMIC_OP(and##w, T, old & b, 0) ATOMIC_OP(xor##w, T, old ^ b, 0)                    \
	ATOMIC_OP(fadd##w, T, old + b, 1) ATOMIC_OP(for##w, T, old | b, 1)                   \
	ATOMIC_OP(fand##w, T, old & b, 1) ATOMIC_OP(fxor##w, T, old ^ b, 1)                  \
	ATOMIC_OP(xchg##w, T, b, 1)                                                         \
	op_cmpxchg##w: { T old, v;                                                          \
		MEMCHK(DST + (s64)ip->off, sizeof(T), RD_HIT(sizeof(T)) && WR_HIT(sizeof(T)), BPF_VM_RW); \
		memcpy(&old, HOST(addr), sizeof(T)); v = old == (T)reg[0] ? (T)SRC : old;    \
		memcpy(HOST(addr), &v, sizeof(T)); reg[0] = old; NEXT(); }
#define VM_OP_LABEL(n) [VM_OP_##n] = &&op_##n,

/*
 * Runs a decoded program from entry in a new frame at the current depth. The one long
 * function of the module: one label per handler, each ending in its own dispatch. Called
 * with vm == NULL, it only stores its table of handler addresses in *labels (for decoding).
 */
static int vm_run(struct bpf_vm *vm, struct vm_code *code, u32 entry, const u64 args[5], u64 *r0out,
		  const void *const **labels)
{
	static const void *const handlers[VM_NR_OPS] = { VM_OPS(VM_OP_LABEL) };
	const struct vm_insn *base, *ip, *sc = NULL;
	const struct bpf_vm_prog *prog;
	struct vm_code *prev_code;
	/* fsz, facc, addr: set before any jump to out_fault */
	u32 prev_pc, depth0, nf = 0, loops = VM_MAX_LOOPS, fsz, sc_pc = 0, sc_rest = 0;
	struct vm_frame frames[BPF_VM_MAX_FRAMES];
	u64 reg[16], left, addr, stk_lo, stk_span, n, slots;
	unsigned facc;
	int ret = 0;

	if (unlikely(!vm)) {
		*labels = handlers;
		return 0;
	}
	base = code->code;
	ip = base + entry;
	prog = code->prog;
	if (!vm->running) { /* a top-level run */
		if (unlikely(vm->have_err))
			error_clear(vm);
		vm->budget_left = vm->budget;
	}
	depth0 = vm->depth;
	if (depth0 >= BPF_VM_MAX_FRAMES)
		return vm_fail(vm, prog, entry, -ELOOP, "call depth > %d", BPF_VM_MAX_FRAMES);
	vm->running++;
	prev_code = vm->cur_code;
	prev_pc = vm->cur_pc;
	left = vm->budget_left;
	vm->depth = depth0 + 1;
	vm->cur_code = code;
	reg[10] = vm->stack_top - (u64)depth0 * BPF_STACK_SIZE;
	stk_lo = reg[10] - BPF_STACK_SIZE;
	stk_span = vm->stack_top - stk_lo;
	/* explicit stores: cheaper than zeroing the array per call; r11..r15 are never named by
	 * a validated program */
	reg[0] = reg[6] = reg[7] = reg[8] = reg[9] = 0;
	if (args) { /* one load per argument: a wider load spanning two of the caller's stores
		     * would wait for them to reach the cache instead of forwarding */
		const volatile u64 *va = args;

		reg[1] = va[0];
		reg[2] = va[1];
		reg[3] = va[2];
		reg[4] = va[3];
		reg[5] = va[4];
	} else {
		reg[1] = reg[2] = reg[3] = reg[4] = reg[5] = 0;
	}
	ENTER();

	ALU_OPS(add, a + b, a + b)
	ALU_OPS(sub, a - b, a - b)
	ALU_OPS(mul, a * b, a * b)
	ALU_OPS(udiv, b ? a / b : 0, b ? a / b : 0)
	ALU_OPS(sdiv, sdiv64(a, b), sdiv32(a, b))
	ALU_OPS(umod, b ? a % b : a, b ? a % b : a)
	ALU_OPS(smod, smod64(a, b), smod32(a, b))
	ALU_OPS(or, a | b, a | b)
	ALU_OPS(and, a & b, a & b)
	ALU_OPS(xor, a ^ b, a ^ b)
	ALU_OPS(lsh, a << (b & 63), a << (b & 31))
	ALU_OPS(rsh, a >> (b & 63), a >> (b & 31))
	ALU_OPS(arsh, (u64)((s64)a >> (b & 63)), (u32)((s32)a >> (b & 31)))
	ALU_OPS(mov, ((void)a, b), ((void)a, b))
	ALU3_OPS(add, a + b)
	ALU3_OPS(sub, a - b)
	ALU3_OPS(mul, a * b)
	ALU3_OPS(or, a | b)
	ALU3_OPS(and, a & b)
	ALU3_OPS(xor, a ^ b)
	ALU3_OPS(lsh, a << (b & 63))
	ALU3_OPS(rsh, a >> (b & 63))
	ALU3_OPS(arsh, (u64)((s64)a >> (b & 63)))
	VM_PAIRS(VM_PAIR_CODE, )
op_movsx64_8:
	DST = (u64)(s64)(s8)SRC;
	NEXT();
op_movsx64_16:
	DST = (u64)(s64)(s16)SRC;
	NEXT();
op_movsx64_32:
	DST = (u64)(s64)(s32)SRC;
	NEXT();
op_movsx32_8:
	DST = (u32)(s32)(s8)SRC;
	NEXT();
op_movsx32_16:
	DST = (u32)(s32)(s16)SRC;
	NEXT();
op_neg64:
	DST = 0 - DST;
	NEXT();
op_neg32:
	DST = (u32)(0 - (u32)DST);
	NEXT();
op_le16:
	DST = (u16)DST;
	NEXT();
op_le32:
	DST = (u32)DST;
	NEXT();
op_le64:
	NEXT();
op_be16:
	DST = __builtin_bswap16((u16)DST);
	NEXT();
op_be32:
	DST = __builtin_bswap32((u32)DST);
	NEXT();
op_be64:
	DST = __builtin_bswap64(DST);
	NEXT();
op_lddw:
	DST = ip->imm64;
	ip += 2;
	goto *ip->op;

	LDX_OP(ldxb, u8, u64)
	LDX_OP(ldxh, u16, u64)
	LDX_OP(ldxw, u32, u64)
	LDX_OP(ldxdw, u64, u64)
	LDX_OP(ldxsb, s8, s64)
	LDX_OP(ldxsh, s16, s64)
	LDX_OP(ldxsw, s32, s64)
	ST_OP(stb, u8, IMM)
	ST_OP(sth, u16, IMM)
	ST_OP(stw, u32, IMM)
	ST_OP(stdw, u64, (s64)IMM)
	ST_OP(stxb, u8, SRC)
	ST_OP(stxh, u16, SRC)
	ST_OP(stxw, u32, SRC)
	ST_OP(stxdw, u64, SRC)
	LDX_FP(ldxb, u8, u64)
	LDX_FP(ldxh, u16, u64)
	LDX_FP(ldxw, u32, u64)
	LDX_FP(ldxdw, u64, u64)
	LDX_FP(ldxsb, s8, s64)
	LDX_FP(ldxsh, s16, s64)
	LDX_FP(ldxsw, s32, s64)
	ST_FP(stb, u8, IMM)
	ST_FP(sth, u16, IMM)
	ST_FP(stw, u32, IMM)
	ST_FP(stdw, u64, (s64)IMM)
	ST_FP(stxb, u8, SRC)
	ST_FP(stxh, u16, SRC)
	ST_FP(stxw, u32, SRC)
	ST_FP(stxdw, u64, SRC)
	ATOMIC_OPS(32, u32)
	ATOMIC_OPS(64, u64)

op_ja:
op_gotol:
	ip = ip->tgt;
	ENTER();
op_may_goto:
	if (loops) {
		loops--;
		ip++;
	} else {
		ip = ip->tgt;
	}
	ENTER();
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

op_call_local:
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
	ip = ip->tgt;
	ENTER();
op_call_fn:
	vm->budget_left = left;
	vm->cur_pc = PC;
	reg[0] = ip->fn->fn(vm, reg[1], reg[2], reg[3], reg[4], reg[5], ip->fn->ctx);
	left = vm->budget_left;
	if (unlikely(vm->have_err)) {
		ret = vm->err.code;
		goto out;
	}
	ip++;
	ENTER();
op_call_unknown:
	ret = vm_fail(vm, prog, PC, -ENOENT, "unknown %s %d",
		      ip->src == BPF_PSEUDO_KFUNC_CALL ? "kfunc" : "helper", IMM);
	goto out;

op_exit:
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
	ENTER();

op_invalid:
	ret = vm_fail(vm, prog, PC, -EINVAL, "invalid instruction (opcode 0x%02x)", code->copy[PC].code);
	goto out;
out_partial:
	left += ip->run; /* undo the subtraction that wrapped */
	if (!left)
		goto op_budget;
	/* copy the `left` instructions the budget covers (no control transfer among them:
	 * the run's last instruction is the one that ends it) and a stop slot after them */
	for (n = 0, slots = 0; n < left; n++)
		slots += code->copy[PC + slots].code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1;
	memcpy(code->scratch, ip, slots * sizeof(*ip));
	for (n = 0; n < slots; n++) /* plain handlers: a fused one would run past the stop */
		code->scratch[n].op = handlers[decode_op(&code->copy[PC + n])];
	code->scratch[slots] = (struct vm_insn){ .op = &&op_budget, .run = ip[slots].run };
	sc_pc = PC;
	sc_rest = ip[slots].run;
	sc = code->scratch;
	ip = sc;
	left = 0;
	goto *ip->op;
op_budget:
	left = 0;
	ret = vm_fail(vm, prog, ERR_PC, -E2BIG, "instruction budget of %llu exhausted",
		      (unsigned long long)vm->budget);
	goto out;
out_fault:
	/* the run was charged in full: give back what follows the faulting instruction */
	left += ip->run - 1 - sc_rest;
	ret = vm_fault(vm, prog, ERR_PC, addr, fsz, facc, reg[10]);
out:
	vm->budget_left = left;
	vm->depth = depth0;
	vm->cur_code = prev_code;
	vm->cur_pc = prev_pc;
	if (!--vm->running) {
		vm->insn_count += vm->budget - left;
		if (unlikely(vm->retired != NULL))
			code_reap(vm); /* nothing runs now */
	}
	return ret;
}

/* bpf_vm_exec() when its fast path does not apply: checks, decoding, then the same run. */
static __attribute__((noinline)) int exec_slow(struct bpf_vm *vm, struct bpf_vm_prog *prog,
					       u32 entry_pc, const u64 args[5], u64 *r0)
{
	struct vm_code *code;
	int ret;

	if (!vm->running) { /* what vm_run() resets, for the errors below */
		if (vm->have_err)
			error_clear(vm);
		vm->budget_left = vm->budget;
	}
	if (!prog || !prog->validated)
		return vm_fail(vm, prog, -1, -EPERM, "program was not validated (call bpf_vm_validate)");
	if (entry_pc >= prog->nr_insns)
		return vm_fail(vm, prog, -1, -EINVAL, "entry pc %u is outside the program (%u instructions)",
			       entry_pc, prog->nr_insns);
	code = code_get(vm, prog, &ret);
	return code ? vm_run(vm, code, entry_pc, args, r0, NULL) : ret;
}

/* The fast path: the program's code is in its hint slot and still current. */
int bpf_vm_exec(struct bpf_vm *vm, struct bpf_vm_prog *prog, u32 entry_pc, const u64 args[5],
		u64 *r0)
{
	struct vm_code *c = *code_hint(vm, prog);

	if (likely(c && c->prog == prog && prog->validated && entry_pc < c->nr_insns &&
		   c->insns == prog->insns && c->nr_insns == prog->nr_insns &&
		   c->stamp == validations_now()))
		return vm_run(vm, c, entry_pc, args, r0, NULL);
	return exec_slow(vm, prog, entry_pc, args, r0);
}

int bpf_vm_callback(struct bpf_vm *vm, u64 fn, const u64 args[5], u64 *r0)
{
	struct vm_code *c = vm->cur_code;
	u64 base;

	if (!vm->running || !c)
		return -EINVAL;
	base = (u64)(uintptr_t)c->insns;
	if (fn < base || (fn - base) % sizeof(struct bpf_insn) ||
	    (fn - base) / sizeof(struct bpf_insn) >= c->nr_insns)
		return vm_fail(vm, c->prog, vm->cur_pc, -EINVAL,
			       "callback address 0x%llx is not an instruction of this program",
			       (unsigned long long)fn);
	return vm_run(vm, c, (u32)((fn - base) / sizeof(struct bpf_insn)), args, r0, NULL);
}
