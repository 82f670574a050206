/*
 * vf_insn.c — what one instruction does to the abstract state: ALU on scalar bounds (64-bit
 * and 32-bit, signed and unsigned ranges kept in sync), pointer arithmetic (only + and - of
 * a scalar, as the kernel allows), loads and stores with their bounds and permission checks
 * per pointer kind, stack slot tracking (spills, zero and misc bytes), conditional jumps
 * (decided by the bounds when possible, else both sides with bounds and NULL-ness refined).
 *
 * Invariants: bounds stay sound (see vf_int.h); an operation whose result cannot be bounded
 * yields an unknown scalar, never a narrower range; messages follow the kernel's wording.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vf_int.h"

#define U32_MAXV 0xffffffffULL

/* ---- scalars -------------------------------------------------------------------------------- */

void vf_mark_unknown(struct vf_reg *r)
{
	u8 keep = r->flags & VF_RELEASED;
	u32 pc = r->size;

	*r = (struct vf_reg){ .type = VT_SCALAR, .umax = UINT64_MAX, .smin = INT64_MIN,
			      .smax = INT64_MAX, .u32max = UINT32_MAX };
	if (keep)
		r->flags = keep, r->size = pc;
}

void vf_mark_const(struct vf_reg *r, u64 v)
{
	*r = (struct vf_reg){ .type = VT_SCALAR, .umin = v, .umax = v, .smin = (s64)v,
			      .smax = (s64)v, .u32min = (u32)v, .u32max = (u32)v };
}

bool vf_is_const(const struct vf_reg *r)
{
	return r->type == VT_SCALAR && r->umin == r->umax;
}

bool vf_is_ptr(const struct vf_reg *r)
{
	return r->type != VT_SCALAR && r->type != VT_NOT_INIT;
}

/* One pass of the kernel's reg_bounds_sync(): each view of the value narrows the others. */
static void sync_once(struct vf_reg *r)
{
	if ((r->umin >> 32) == (r->umax >> 32)) { /* same upper half: the low halves order */
		u64 hi = r->umin & ~U32_MAXV;

		r->u32min = (u32)MAX((u64)r->u32min, r->umin & U32_MAXV);
		r->u32max = (u32)MIN((u64)r->u32max, r->umax & U32_MAXV);
		r->umin = MAX(r->umin, hi | r->u32min);
		r->umax = MIN(r->umax, hi | r->u32max);
	}
	if (r->umax <= (u64)INT64_MAX || r->umin > (u64)INT64_MAX) { /* one sign */
		r->smin = MAX(r->smin, (s64)r->umin);
		r->smax = MIN(r->smax, (s64)r->umax);
	}
	if (r->smin >= 0 || r->smax < 0) { /* one sign: same order as unsigned */
		r->umin = MAX(r->umin, (u64)r->smin);
		r->umax = MIN(r->umax, (u64)r->smax);
	}
}

void vf_sync_bounds(struct vf_reg *r)
{
	sync_once(r);
	sync_once(r);
	if (r->umin > r->umax || r->smin > r->smax || r->u32min > r->u32max)
		vf_mark_unknown(r); /* contradiction: a dead path, keep sound */
}

/* range of a value of `size` bytes, zero- or sign-extended */
void vf_mark_sized(struct vf_reg *r, u32 size, bool sign)
{
	vf_mark_unknown(r);
	if (size >= 8)
		return;
	if (sign) {
		r->smin = -(1LL << (size * 8 - 1));
		r->smax = (1LL << (size * 8 - 1)) - 1;
		r->umin = 0, r->umax = UINT64_MAX;
	} else {
		r->umax = (1ULL << (size * 8)) - 1;
		r->smin = 0, r->smax = (s64)r->umax;
	}
	vf_sync_bounds(r);
}

static void set_urange(struct vf_reg *r, u64 lo, u64 hi)
{
	vf_mark_unknown(r);
	r->umin = lo, r->umax = hi;
	vf_sync_bounds(r);
}

static u64 pow2_mask(u64 v)
{
	u64 m = 0;

	while (m < v)
		m = (m << 1) | 1;
	return m;
}

/* dst = dst OP src on 64-bit ranges */
static void scalar_alu(struct vf_reg *d, const struct vf_reg *s, u8 op)
{
	struct vf_reg a = *d;
	u64 lo, hi;
	s64 slo, shi;
	bool c = vf_is_const(&a) && vf_is_const(s);
	u64 x = a.umin, y = s->umin;

	if (c) {
		switch (op) {
		case BPF_ADD: vf_mark_const(d, x + y); return;
		case BPF_SUB: vf_mark_const(d, x - y); return;
		case BPF_MUL: vf_mark_const(d, x * y); return;
		case BPF_DIV: vf_mark_const(d, y ? x / y : 0); return;
		case BPF_MOD: vf_mark_const(d, y ? x % y : x); return;
		case BPF_OR: vf_mark_const(d, x | y); return;
		case BPF_AND: vf_mark_const(d, x & y); return;
		case BPF_XOR: vf_mark_const(d, x ^ y); return;
		case BPF_LSH: vf_mark_const(d, x << (y & 63)); return;
		case BPF_RSH: vf_mark_const(d, x >> (y & 63)); return;
		case BPF_ARSH: vf_mark_const(d, (u64)((s64)x >> (y & 63))); return;
		}
	}
	vf_mark_unknown(d);
	switch (op) {
	case BPF_ADD:
		if (!__builtin_add_overflow(a.umin, s->umin, &lo) &&
		    !__builtin_add_overflow(a.umax, s->umax, &hi))
			d->umin = lo, d->umax = hi;
		if (!__builtin_add_overflow(a.smin, s->smin, &slo) &&
		    !__builtin_add_overflow(a.smax, s->smax, &shi))
			d->smin = slo, d->smax = shi;
		break;
	case BPF_SUB:
		if (a.umin >= s->umax)
			d->umin = a.umin - s->umax, d->umax = a.umax - s->umin;
		if (!__builtin_sub_overflow(a.smin, s->smax, &slo) &&
		    !__builtin_sub_overflow(a.smax, s->smin, &shi))
			d->smin = slo, d->smax = shi;
		break;
	case BPF_MUL:
		if (!__builtin_mul_overflow(a.umax, s->umax, &hi))
			d->umin = a.umin * s->umin, d->umax = hi;
		break;
	case BPF_DIV:
		if (vf_is_const(s) && y)
			d->umin = a.umin / y, d->umax = a.umax / y;
		else
			d->umax = a.umax;
		break;
	case BPF_MOD:
		if (vf_is_const(s) && !y)
			*d = a;
		else if (a.umax < s->umin)
			*d = a;
		else if (vf_is_const(s)) /* the kernel's scalar_min_max_umod (constant divisor) */
			d->umax = y - 1;
		else
			d->umax = MAX(a.umax, s->umax); /* x % y <= x, and y == 0 leaves x */
		break;
	case BPF_AND:
		d->umax = MIN(a.umax, s->umax);
		break;
	case BPF_OR:
		d->umin = MAX(a.umin, s->umin);
		d->umax = pow2_mask(MAX(a.umax, s->umax));
		break;
	case BPF_XOR:
		d->umax = pow2_mask(MAX(a.umax, s->umax));
		break;
	case BPF_LSH:
		if (vf_is_const(s) && y < 64 && a.umax <= (UINT64_MAX >> y))
			d->umin = a.umin << y, d->umax = a.umax << y;
		else if (vf_is_const(s) && y == 32) /* the low half moves up: `r <<= 32` */
			d->umin = (u64)a.u32min << 32, d->umax = (u64)a.u32max << 32;
		break;
	case BPF_RSH:
		if (vf_is_const(s))
			d->umin = a.umin >> (y & 63), d->umax = a.umax >> (y & 63);
		else
			d->umax = a.umax;
		break;
	case BPF_ARSH:
		if (vf_is_const(s))
			d->smin = a.smin >> (y & 63), d->smax = a.smax >> (y & 63);
		break;
	}
	vf_sync_bounds(d);
}

/* the 32-bit view of a scalar as a 64-bit range in [0, U32_MAX] */
static void view32(struct vf_reg *v, const struct vf_reg *r)
{
	if (vf_is_const(r))
		vf_mark_const(v, r->umin & U32_MAXV);
	else if (r->umax <= U32_MAXV)
		*v = *r;
	else
		set_urange(v, r->type == VT_SCALAR ? r->u32min : 0,
			   r->type == VT_SCALAR ? r->u32max : U32_MAXV);
}

/* the result of a 32-bit operation: the low 32 bits, zero-extended */
static void truncate32(struct vf_reg *r)
{
	if (vf_is_const(r))
		vf_mark_const(r, r->umin & U32_MAXV);
	else if (r->umax > U32_MAXV || r->umin > U32_MAXV)
		set_urange(r, r->u32min, r->u32max);
}

/* a 32-bit comparison refined the low 32 bits (v, a view) of scalar r */
static void set32(struct vf_reg *r, const struct vf_reg *v)
{
	if (r->type != VT_SCALAR)
		return;
	r->u32min = (u32)MAX((u64)r->u32min, v->umin);
	r->u32max = (u32)MIN((u64)r->u32max, v->umax);
	vf_sync_bounds(r);
}

/* ---- ALU ------------------------------------------------------------------------------------ */

static const char *const alu_str[16] = {
	"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian",
};

int vf_read_reg(struct vf_env *e, int regno)
{
	if (vf_reg(e, regno)->type == VT_NOT_INIT)
		return vf_error(e, "R%d !read_ok", regno);
	return 0;
}

static int ptr_alu(struct vf_env *e, const struct bpf_insn *x, struct vf_reg *d,
		   const struct vf_reg *s, bool is64)
{
	u8 op = BPF_OP(x->code);
	char t[48];
	struct vf_reg *ptr = vf_is_ptr(d) ? d : (struct vf_reg *)s;
	const struct vf_reg *off = ptr == d ? s : d;
	s64 vlo, vhi;

	if (vf_is_ptr(d) && vf_is_ptr(s)) {
		if (op == BPF_SUB && is64) { /* allowed with allow_ptr_leaks: a scalar */
			vf_mark_unknown(d);
			return 0;
		}
		return vf_error(e, "R%d pointer %s pointer prohibited", x->dst_reg, alu_str[op >> 4]);
	}
	if (!is64)
		return vf_error(e, "R%d 32-bit pointer arithmetic prohibited", x->dst_reg);

	if (ptr->flags & VF_NULL)
		return vf_error(e, "R%d pointer arithmetic on %s prohibited, null-check it first",
				x->dst_reg, vf_type_str(ptr, t, sizeof(t)));
	if (op == BPF_AND || op == BPF_OR || op == BPF_XOR)
		return vf_error(e, "R%d bitwise operator %s on pointer prohibited", x->dst_reg,
				alu_str[op >> 4]);
	if (op != BPF_ADD && op != BPF_SUB)
		return vf_error(e, "R%d pointer arithmetic with %s operator prohibited", x->dst_reg,
				alu_str[op >> 4]);
	if (op == BPF_SUB && ptr != d)
		return vf_error(e, "R%d tried to subtract pointer from scalar", x->dst_reg);
	if (ptr->type == VT_MAP_PTR || ptr->type == VT_FUNC)
		return vf_error(e, "R%d pointer arithmetic on %s prohibited", x->dst_reg,
				vf_type_str(ptr, t, sizeof(t)));
	{
		struct vf_reg res = *ptr;

		if (vf_is_const(off)) {
			s64 k = (s64)off->umin;

			if (k > VF_MAX_VAR_OFF || k < -VF_MAX_VAR_OFF)
				return vf_error(e, "R%d value %lld makes %s pointer be out of bounds",
						x->dst_reg, (long long)k, vf_type_str(ptr, t, sizeof(t)));
			res.off = (s32)(op == BPF_ADD ? res.off + k : res.off - k);
		} else {
			if (ptr->type == VT_CTX || ptr->type == VT_BTF_ID)
				return vf_error(e, "R%d pointer arithmetic with a variable offset on %s prohibited",
						x->dst_reg, vf_type_str(ptr, t, sizeof(t)));
			if (op == BPF_ADD && !__builtin_add_overflow(res.smin, off->smin, &vlo) &&
			    !__builtin_add_overflow(res.smax, off->smax, &vhi))
				res.smin = vlo, res.smax = vhi;
			else if (op == BPF_SUB && !__builtin_sub_overflow(res.smin, off->smax, &vlo) &&
				 !__builtin_sub_overflow(res.smax, off->smin, &vhi))
				res.smin = vlo, res.smax = vhi;
			else
				res.smin = INT64_MIN, res.smax = INT64_MAX;
			res.umin = res.smin >= 0 ? (u64)res.smin : 0;
			res.umax = res.smin >= 0 ? (u64)res.smax : UINT64_MAX;
		}
		*d = res;
	}
	return 0;
}

static int do_alu(struct vf_env *e, const struct bpf_insn *x)
{
	bool is64 = BPF_CLASS(x->code) == BPF_ALU64;
	u8 op = BPF_OP(x->code);
	struct vf_reg *d = vf_reg(e, x->dst_reg), src, a, b;
	int err = 0;

	if (op == BPF_END || op == BPF_NEG) {
		err = vf_read_reg(e, x->dst_reg);
		if (err)
			return err;
		if (vf_is_ptr(d) && op == BPF_NEG)
			return vf_error(e, "R%d pointer arithmetic with neg operator prohibited", x->dst_reg);
		if (vf_is_const(d) && op == BPF_NEG)
			vf_mark_const(d, is64 ? -d->umin : (u32)-(u32)d->umin);
		else if (op == BPF_END && !is64 && BPF_SRC(x->code) == BPF_TO_LE && x->imm < 64)
			d->type == VT_SCALAR && d->umax < (1ULL << x->imm) ? (void)0
				: vf_mark_sized(d, (u32)x->imm / 8, false);
		else
			vf_mark_sized(d, op == BPF_END && x->imm < 64 ? (u32)x->imm / 8 : (is64 ? 8 : 4), false);
		return 0;
	}
	if (BPF_SRC(x->code) == BPF_X) {
		err = vf_read_reg(e, x->src_reg);
		if (err)
			return err;
		src = *vf_reg(e, x->src_reg);
	} else {
		vf_mark_const(&src, is64 ? (u64)(s64)x->imm : (u64)(u32)x->imm);
	}
	if (op == BPF_MOV) {
		if (x->off && BPF_SRC(x->code) == BPF_X) { /* movsx */
			u32 w = (u32)x->off / 8;

			if (vf_is_ptr(&src) || !(src.umax < (1ULL << (w * 8 - 1))))
				vf_mark_sized(d, w, true);
			else
				*d = src;
			if (!is64)
				truncate32(d);
			return 0;
		}
		if (!is64 && vf_is_ptr(&src)) { /* partial copy of a pointer: a scalar (ptr leaks) */
			vf_mark_sized(d, 4, false);
			return 0;
		}
		*d = src;
		if (!is64)
			truncate32(d);
		return 0;
	}
	err = vf_read_reg(e, x->dst_reg);
	if (err)
		return err;
	if (x->off && (op == BPF_DIV || op == BPF_MOD)) { /* sdiv / smod */
		if (vf_is_ptr(d) || vf_is_ptr(&src))
			return vf_error(e, "R%d pointer arithmetic with %s operator prohibited",
					x->dst_reg, alu_str[op >> 4]);
		vf_mark_sized(d, is64 ? 8 : 4, false);
		return 0;
	}
	if (!is64 && !vf_is_ptr(d) && vf_is_ptr(&src)) {
		/* scalar op= pointer in 32 bits: the kernel says "32-bit pointer arithmetic
		 * prohibited"; clang emits it for values it knows are dead (e.g. `w8 &= w9` with
		 * w8 == 0 on a loop's exit path), so scxsim warns and goes on with a scalar */
		vf_warn(e, "R%d 32-bit pointer arithmetic prohibited (R%d is a pointer; the kernel rejects this)",
			x->dst_reg, x->src_reg);
		vf_mark_sized(d, 4, false);
		return 0;
	}
	if (vf_is_ptr(d) || vf_is_ptr(&src))
		return ptr_alu(e, x, d, &src, is64);
	if (is64) {
		scalar_alu(d, &src, op);
		return 0;
	}
	view32(&a, d);
	view32(&b, &src);
	if (op == BPF_ARSH)
		vf_mark_sized(&a, 4, false);
	else
		scalar_alu(&a, &b, op);
	truncate32(&a);
	*d = a;
	return 0;
}

/* ---- memory ---------------------------------------------------------------------------------- */

static struct vf_frame *stack_frame(struct vf_env *e, const struct vf_reg *r)
{
	return &e->cur->fr[r->frame];
}

static bool var_bounded(const struct vf_reg *r)
{
	return r->smin > -VF_MAX_VAR_OFF && r->smax < VF_MAX_VAR_OFF;
}

/* [lo, hi) of an access of size at fixed offset `off` of pointer r, with its variable part */
static int region_check(struct vf_env *e, int regno, const struct vf_reg *r, s64 off, u32 size,
			s64 limit, const char *what)
{
	__int128 lo = (__int128)off + r->off + r->smin, hi = (__int128)off + r->off + r->smax + size;

	if (r->umin != r->umax || r->smin) {
		if (r->smin < 0 && lo < 0)
			return vf_error(e, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.",
					regno);
		if (!var_bounded(r))
			return vf_error(e, "R%d unbounded memory access, make sure to bounds check any such access",
					regno);
	}
	if (lo < 0 || hi > limit)
		return vf_error(e, "invalid access to %s, %s=%lld off=%lld size=%u", what,
				!strcmp(what, "map value") ? "value_size" : "mem_size", (long long)limit,
				(long long)(lo < 0 ? lo : hi - size), size);
	return 0;
}

static bool var_off(const struct vf_reg *r)
{
	return r->umin != r->umax || r->smin;
}

/* [*lo, *hi): the frame offsets (from r10) an access of `size` at `off` from r may touch;
 * with a variable offset every position the bounds allow (the kernel lets a privileged
 * program access the stack at a variable offset: check_stack_access_within_bounds) */
static void stack_span(const struct vf_reg *r, s64 off, u32 size, s64 *lo, s64 *hi)
{
	*lo = off + r->off + (var_off(r) ? r->smin : 0);
	*hi = off + r->off + (var_off(r) ? r->smax : 0) + size;
}

int vf_stack_check(struct vf_env *e, int regno, const struct vf_reg *r, s64 off, u32 size,
		   bool write, bool need_init, bool indirect)
{
	const struct vf_frame *f = stack_frame(e, r);
	const char *how = indirect ? " indirect access to" : write ? " write to" : " read from";
	s64 lo, hi;

	if (var_off(r) && !var_bounded(r))
		return vf_error(e, "invalid unbounded variable-offset%s stack R%d", how, regno);
	stack_span(r, off, size, &lo, &hi);
	if (var_off(r) && (lo < -VF_STACK || hi > 0 || !size))
		return vf_error(e, "invalid variable-offset%s stack R%d var_off=(smin=%lld,smax=%lld) off=%lld size=%u",
				how, regno, (long long)r->smin, (long long)r->smax,
				(long long)(off + r->off), size);
	if (lo < -VF_STACK || hi > 0 || !size)
		return vf_error(e, "invalid%s stack R%d off=%lld size=%u", how, regno, (long long)lo,
				size);
	if (write || !need_init)
		return 0;
	for (s64 i = lo; i < hi; i++)
		if (f->stype[VF_STACK + i] == VS_INVALID) {
			/* the kernel lets privileged programs (sched_ext needs CAP_SYS_ADMIN:
			 * allow_uninit_stack) read it: a warning, the value is unknown */
			vf_warn(e, indirect ? "invalid indirect read from stack R%d off %lld+%lld size %u (uninitialized)"
					    : "invalid read from stack R%d off %lld+%lld size %u (uninitialized)",
				regno, (long long)lo, (long long)(i - lo), size);
			return 0;
		}
		else if (f->stype[VF_STACK + i] == VS_ITER)
			return vf_error(e, "R%d reads iterator state on the stack (off %lld)", regno,
					(long long)lo);
	return 0;
}

static int btf_field_check(struct vf_env *e, int regno, const struct vf_reg *r, s64 off,
			   u32 size, bool write)
{
	s64 lo = off + r->off, sz = btf_type_size(e->kbtf, r->btf_id);
	const char *name = btf_type_name(e->kbtf, r->btf_id);
	const s32 *ok[] = { e->task_slice, e->task_vtime, e->task_disallow };

	if (sz <= 0) /* opaque: reads are the kernel's probe reads */
		return write ? vf_error(e, "R%d cannot write into opaque %s", regno, name) : 0;
	if (lo < 0 || lo + size > sz)
		return vf_error(e, "access beyond struct %s at off %lld size %u", name, (long long)lo,
				size);
	if (!write)
		return 0;
	if ((s32)r->btf_id == e->task_id)
		for (int i = 0; i < 3; i++)
			if (ok[i][0] >= 0 && lo >= ok[i][0] && lo + size <= ok[i][1])
				return 0;
	return vf_error(e, "R%d write into %s at off %lld size %u is not allowed%s", regno, name,
			(long long)lo, size,
			(s32)r->btf_id == e->task_id ? " (only p->scx.slice, p->scx.dsq_vtime and "
						       "p->scx.disallow are writable)" : "");
}

int vf_check_mem(struct vf_env *e, int regno, const struct vf_reg *r, s64 off, u32 size,
		 bool write, bool need_init)
{
	char t[48];

	switch (r->type) {
	case VT_NOT_INIT:
		return vf_error(e, "R%d !read_ok", regno);
	case VT_SCALAR:
		if (r->flags & VF_RELEASED)
			return vf_error(e, "R%d invalid mem access 'scalar' (its reference was released at insn %u)",
					regno, r->size);
		return vf_error(e, "R%d invalid mem access 'scalar'", regno);
	default:
		break;
	}
	if (r->flags & VF_NULL)
		return vf_error(e, "R%d invalid mem access '%s'", regno, vf_type_str(r, t, sizeof(t)));
	switch (r->type) {
	case VT_STACK:
		return vf_stack_check(e, regno, r, off, size, write, need_init, false);
	case VT_MAP_VALUE:
		if (write && r->map->readonly)
			return vf_error(e, "write into map forbidden, value_size=%u off=%lld size=%u",
					r->map->value_size, (long long)(off + r->off), size);
		return region_check(e, regno, r, off, size, r->map->value_size, "map value");
	case VT_MAP_KEY:
		if (write)
			return vf_error(e, "R%d cannot write into map_key", regno);
		return region_check(e, regno, r, off, size, r->map->key_size, "map key");
	case VT_MEM:
		if (write && (r->flags & VF_RDONLY))
			return vf_error(e, "R%d cannot write into %s", regno, vf_type_str(r, t, sizeof(t)));
		return region_check(e, regno, r, off, size, r->size, "memory");
	case VT_CTX:
		if (write || off + r->off < 0 || off + r->off + size > r->size || r->umax)
			return vf_error(e, "invalid bpf_context access off=%lld size=%u",
					(long long)(off + r->off), size);
		return 0;
	case VT_BTF_ID:
		return btf_field_check(e, regno, r, off, size, write);
	case VT_ANY:
		return 0;
	default:
		return vf_error(e, "R%d invalid mem access '%s'", regno, vf_type_str(r, t, sizeof(t)));
	}
}

void vf_stack_mark_written(struct vf_env *e, const struct vf_reg *r, s64 off, u32 size)
{
	struct vf_frame *f = stack_frame(e, r);
	s64 lo, hi;

	stack_span(r, off, size, &lo, &hi);
	for (s64 i = lo; i < hi; i++) {
		s64 b = VF_STACK + i;

		if (f->stype[b] == VS_SPILL || f->stype[b] == VS_ITER) { /* break the spill */
			s64 s0 = b & ~7LL;

			for (int k = 0; k < 8; k++)
				if (f->stype[s0 + k] == VS_SPILL || f->stype[s0 + k] == VS_ITER)
					f->stype[s0 + k] = VS_MISC;
		}
		f->stype[b] = VS_MISC;
	}
}

/* The BTF field of a map value at byte `off`: a kptr gives a BTF object (or NULL). */
static bool map_kptr(struct vf_env *e, const struct vf_map *m, s64 off, struct vf_reg *out)
{
	const struct btf *b = e->pbtf;
	u32 id = m->value_type_id, tid;
	const struct btf_type *t = btf_type_by_id(b, id);
	struct btf_member_info mi;
	s32 kt;

	if (!t || off < 0)
		return false;
	if (btf_kind(t) == BTF_KIND_DATASEC) {
		const struct btf_var_secinfo *vs = btf_secinfos(t);
		bool found = false;

		for (u32 i = 0; i < btf_vlen(t) && !found; i++)
			if (off >= vs[i].offset && off < vs[i].offset + vs[i].size) {
				id = btf_type_by_id(b, vs[i].type)->type;
				off -= vs[i].offset, found = true;
			}
		if (!found)
			return false;
	}
	t = btf_skip_mods_typedefs(b, id, &tid);
	if (t && btf_is_composite(t)) {
		if (btf_member_by_offset(b, tid, (u32)off, &mi) || mi.bit_offset / 8 != (u64)off)
			return false;
		id = mi.type_id;
	} else if (off) {
		return false;
	}
	t = btf_skip_mods_typedefs(b, id, &tid);
	if (!t || btf_kind(t) != BTF_KIND_PTR)
		return false;
	/* __kptr is a type tag on the pointee: PTR -> TYPE_TAG "kptr" -> struct */
	t = btf_type_by_id(b, t->type);
	if (!t || btf_kind(t) != BTF_KIND_TYPE_TAG || strncmp(btf_str(b, t->name_off), "kptr", 4))
		return false;
	t = btf_skip_mods_typedefs(b, t->type, &tid);
	kt = t ? btf_find_by_name_kind(e->kbtf, btf_type_name(b, tid), BTF_KIND_STRUCT) : -1;
	*out = (struct vf_reg){ .type = kt > 0 ? VT_BTF_ID : VT_ANY, .flags = VF_NULL,
				.btf_id = kt > 0 ? (u32)kt : 0, .id = ++e->next_id };
	return true;
}

/* The value a load gives, from what it reads (the access is already checked). */
static void load_result(struct vf_env *e, const struct vf_reg *p, s64 off, u32 size, bool sx,
			struct vf_reg *out)
{
	s64 at = off + p->off;

	vf_mark_sized(out, size, sx);
	if (p->type == VT_MAP_VALUE && p->map->bytes && !p->umax && !p->smin && at >= 0 &&
	    at + size <= p->map->value_size) { /* frozen .rodata: a known value, as the kernel */
		u64 v = 0;

		memcpy(&v, p->map->bytes + at, size);
		if (sx && size < 8 && (v >> (size * 8 - 1)) & 1)
			v |= ~0ULL << (size * 8);
		vf_mark_const(out, v);
	} else if (p->type == VT_MAP_VALUE && size == 8 && !p->umax && !p->smin) {
		map_kptr(e, p->map, at, out);
	} else if (p->type == VT_CTX && size == 8 && e->ctx_proto) {
		const struct btf_type *proto = btf_type_by_id(e->kbtf, e->ctx_proto);
		u32 arg = (u32)at / 8, id;
		const struct btf_type *t;

		if (at % 8 || arg >= btf_vlen(proto))
			return;
		t = btf_skip_mods_typedefs(e->kbtf, btf_params(proto)[arg].type, &id);
		if (t && btf_kind(t) == BTF_KIND_PTR) {
			t = btf_skip_mods_typedefs(e->kbtf, t->type, &id);
			*out = (struct vf_reg){ .type = t && btf_is_composite(t) ? VT_BTF_ID : VT_ANY,
						.flags = VF_TRUSTED, .btf_id = id };
			if (arg < 32 && (e->ctx_nullable >> arg) & 1) { /* a `__nullable` op arg */
				out->flags |= VF_NULL;
				out->id = ++e->next_id;
			}
		}
	} else if (p->type == VT_BTF_ID && size == 8) {
		struct btf_member_info mi;
		const struct btf_type *t;
		u32 id;

		if (btf_member_by_offset(e->kbtf, p->btf_id, (u32)at, &mi) ||
		    mi.bit_offset / 8 != (u64)at)
			return;
		t = btf_skip_mods_typedefs(e->kbtf, mi.type_id, &id);
		if (!t || btf_kind(t) != BTF_KIND_PTR)
			return;
		t = btf_skip_mods_typedefs(e->kbtf, t->type, &id);
		if (t && btf_is_composite(t))
			*out = (struct vf_reg){ .type = VT_BTF_ID, .flags = VF_UNTRUSTED, .btf_id = id };
	}
}

static int stack_load(struct vf_env *e, int regno, const struct vf_reg *p, s64 off, u32 size,
		      bool sx, struct vf_reg *out)
{
	struct vf_frame *f = stack_frame(e, p);
	s64 lo = off + p->off, hi;
	int err = vf_stack_check(e, regno, p, off, size, false, true, false);
	bool zero = true;

	if (err)
		return err;
	if (var_off(p)) { /* any of the positions: zero only if all are */
		stack_span(p, off, size, &lo, &hi);
		for (s64 i = lo; i < hi; i++)
			zero = zero && f->stype[VF_STACK + i] == VS_ZERO;
		if (zero)
			vf_mark_const(out, 0);
		else
			vf_mark_sized(out, size, sx);
		return 0;
	}
	if (size == 8 && !(lo & 7) && f->stype[VF_STACK + lo] == VS_SPILL) {
		*out = f->spill[(VF_STACK + lo) / 8];
		return 0;
	}
	if (f->stype[VF_STACK + (lo & ~7LL)] == VS_SPILL) {
		const struct vf_reg *sp = &f->spill[(VF_STACK + lo) / 8];

		if (vf_is_const(sp) && !(lo & 7) && size < 8 && !sx) { /* low bytes of a constant */
			vf_mark_const(out, sp->umin & ((1ULL << (size * 8)) - 1));
			return 0;
		}
		if (size < 8 && sp->type == VT_SCALAR && sp->umax < (1ULL << (size * 8)) && !(lo & 7) && !sx) {
			*out = *sp;
			return 0;
		}
	}
	for (u32 i = 0; i < size; i++)
		if (f->stype[VF_STACK + lo + i] != VS_ZERO)
			zero = false;
	if (zero)
		vf_mark_const(out, 0);
	else
		vf_mark_sized(out, size, sx);
	return 0;
}

static const u32 size_bytes[4] = { 4, 2, 1, 8 };

static int do_ldx(struct vf_env *e, const struct bpf_insn *x)
{
	u32 size = size_bytes[BPF_SIZE(x->code) >> 3];
	bool sx = BPF_MODE(x->code) == BPF_MEMSX;
	struct vf_reg p, out;
	int err = vf_read_reg(e, x->src_reg);

	if (err)
		return err;
	p = *vf_reg(e, x->src_reg);
	if (p.type == VT_STACK && !(p.flags & VF_NULL))
		err = stack_load(e, x->src_reg, &p, x->off, size, sx, &out);
	else {
		err = vf_check_mem(e, x->src_reg, &p, x->off, size, false, true);
		if (!err)
			load_result(e, &p, x->off, size, sx, &out);
	}
	if (!err)
		*vf_reg(e, x->dst_reg) = out;
	return err;
}

static void stack_store(struct vf_env *e, const struct vf_reg *p, s64 off, u32 size,
			const struct vf_reg *val)
{
	struct vf_frame *f = stack_frame(e, p);
	s64 lo = off + p->off;

	vf_stack_mark_written(e, p, off, size);
	if (var_off(p)) /* which bytes were written is unknown: all of the span are misc */
		return;
	if (size == 8 && !(lo & 7) && val) {
		memset(&f->stype[VF_STACK + lo], VS_SPILL, 8);
		f->spill[(VF_STACK + lo) / 8] = *val;
		return;
	}
	if (val && vf_is_const(val) && !val->umin)
		memset(&f->stype[VF_STACK + lo], VS_ZERO, size);
}

static int do_store(struct vf_env *e, const struct bpf_insn *x)
{
	u32 size = size_bytes[BPF_SIZE(x->code) >> 3];
	struct vf_reg p, val;
	int err = vf_read_reg(e, x->dst_reg);

	if (!err && BPF_CLASS(x->code) == BPF_STX)
		err = vf_read_reg(e, x->src_reg);
	if (err)
		return err;
	p = *vf_reg(e, x->dst_reg);
	if (BPF_CLASS(x->code) == BPF_STX)
		val = *vf_reg(e, x->src_reg);
	else
		vf_mark_const(&val, (u64)(s64)x->imm);
	if (BPF_MODE(x->code) == BPF_ATOMIC) {
		char t[48];

		if (p.type == VT_CTX || p.type == VT_BTF_ID)
			return vf_error(e, "BPF_ATOMIC stores into R%d %s is not allowed", x->dst_reg,
					vf_type_str(&p, t, sizeof(t)));
		if (vf_is_ptr(&val))
			return vf_error(e, "R%d leaks addr into mem", x->src_reg);
		err = vf_check_mem(e, x->dst_reg, &p, x->off, size, true, false);
		err = err ?: vf_check_mem(e, x->dst_reg, &p, x->off, size, false, true);
		if (err)
			return err;
		if (x->imm & BPF_FETCH) {
			int r = x->imm == BPF_CMPXCHG ? 0 : x->src_reg;

			if (x->imm == BPF_CMPXCHG && (err = vf_read_reg(e, 0)))
				return err;
			vf_mark_sized(vf_reg(e, r), size, false);
		}
		if (p.type == VT_STACK)
			stack_store(e, &p, x->off, size, NULL);
		return 0;
	}
	if (p.type == VT_STACK && !(p.flags & VF_NULL)) {
		err = vf_stack_check(e, x->dst_reg, &p, x->off, size, true, false, false);
		if (!err)
			stack_store(e, &p, x->off, size, size == 8 || vf_is_const(&val) ||
				    val.type == VT_SCALAR ? &val : NULL);
		return err;
	}
	return vf_check_mem(e, x->dst_reg, &p, x->off, size, true, false);
}

/* ld_imm64: a map, a map value (global data), a callback, or a plain number */
static int do_ld_imm64(struct vf_env *e, const struct bpf_insn *x)
{
	struct vf_reg *d = vf_reg(e, x->dst_reg);
	u64 v = (u64)(u32)x[0].imm | ((u64)(u32)x[1].imm << 32);

	if (x->src_reg == BPF_PSEUDO_FUNC) {
		*d = (struct vf_reg){ .type = VT_FUNC, .size = e->pc + 1 + x->imm };
		return 0;
	}
	for (int i = 0; i < e->s->nr_maps; i++) {
		struct vf_map *m = &e->maps[i];

		if (m->addr && v == m->addr) {
			*d = (struct vf_reg){ .type = VT_MAP_PTR, .map = m };
			return 0;
		}
		if (m->value_addr && v >= m->value_addr && v < m->value_addr + m->value_size) {
			*d = (struct vf_reg){ .type = VT_MAP_VALUE, .map = m,
					      .off = (s32)(v - m->value_addr) };
			return 0;
		}
	}
	vf_mark_const(d, v);
	return 0;
}

/* ---- branches ---------------------------------------------------------------------------------- */

/* 1 taken, 0 not taken, -1 unknown; a and b are scalars */
static int branch_taken(u8 op, const struct vf_reg *a, const struct vf_reg *b)
{
	switch (op) {
	case BPF_JEQ:
		if (vf_is_const(a) && vf_is_const(b))
			return a->umin == b->umin;
		return a->umin > b->umax || a->umax < b->umin || a->smin > b->smax ||
		       a->smax < b->smin ? 0 : -1;
	case BPF_JNE: {
		int t = branch_taken(BPF_JEQ, a, b);
		return t < 0 ? -1 : !t;
	}
	case BPF_JGT: return a->umin > b->umax ? 1 : a->umax <= b->umin ? 0 : -1;
	case BPF_JGE: return a->umin >= b->umax ? 1 : a->umax < b->umin ? 0 : -1;
	case BPF_JLT: return a->umax < b->umin ? 1 : a->umin >= b->umax ? 0 : -1;
	case BPF_JLE: return a->umax <= b->umin ? 1 : a->umin > b->umax ? 0 : -1;
	case BPF_JSGT: return a->smin > b->smax ? 1 : a->smax <= b->smin ? 0 : -1;
	case BPF_JSGE: return a->smin >= b->smax ? 1 : a->smax < b->smin ? 0 : -1;
	case BPF_JSLT: return a->smax < b->smin ? 1 : a->smin >= b->smax ? 0 : -1;
	case BPF_JSLE: return a->smax <= b->smin ? 1 : a->smin > b->smax ? 0 : -1;
	case BPF_JSET:
		if (vf_is_const(a) && vf_is_const(b))
			return !!(a->umin & b->umin);
		if (vf_is_const(b) && (a->umax < (b->umin & -b->umin)))
			return 0; /* every bit tested is above a's maximum */
		return -1;
	}
	return -1;
}

static u8 negate_op(u8 op)
{
	switch (op) {
	case BPF_JEQ: return BPF_JNE;
	case BPF_JNE: return BPF_JEQ;
	case BPF_JGT: return BPF_JLE;
	case BPF_JGE: return BPF_JLT;
	case BPF_JLT: return BPF_JGE;
	case BPF_JLE: return BPF_JGT;
	case BPF_JSGT: return BPF_JSLE;
	case BPF_JSGE: return BPF_JSLT;
	case BPF_JSLT: return BPF_JSGE;
	case BPF_JSLE: return BPF_JSGT;
	}
	return 0; /* JSET: no refinement */
}

/* refine a and b so that `a op b` holds */
static void refine(struct vf_reg *a, struct vf_reg *b, u8 op)
{
	switch (op) {
	case BPF_JEQ:
		a->umin = b->umin = MAX(a->umin, b->umin);
		a->umax = b->umax = MIN(a->umax, b->umax);
		a->smin = b->smin = MAX(a->smin, b->smin);
		a->smax = b->smax = MIN(a->smax, b->smax);
		break;
	case BPF_JNE:
		if (vf_is_const(b)) {
			if (a->umin == b->umin && a->umin < a->umax) a->umin++;
			else if (a->umax == b->umin && a->umin < a->umax) a->umax--;
		}
		break;
	case BPF_JGT:
		if (b->umin < UINT64_MAX) a->umin = MAX(a->umin, b->umin + 1);
		if (a->umax > 0) b->umax = MIN(b->umax, a->umax - 1);
		break;
	case BPF_JGE:
		a->umin = MAX(a->umin, b->umin);
		b->umax = MIN(b->umax, a->umax);
		break;
	case BPF_JLT: refine(b, a, BPF_JGT); return;
	case BPF_JLE: refine(b, a, BPF_JGE); return;
	case BPF_JSGT:
		if (b->smin < INT64_MAX) a->smin = MAX(a->smin, b->smin + 1);
		if (a->smax > INT64_MIN) b->smax = MIN(b->smax, a->smax - 1);
		break;
	case BPF_JSGE:
		a->smin = MAX(a->smin, b->smin);
		b->smax = MIN(b->smax, a->smax);
		break;
	case BPF_JSLT: refine(b, a, BPF_JSGT); return;
	case BPF_JSLE: refine(b, a, BPF_JSGE); return;
	}
	vf_sync_bounds(a);
	vf_sync_bounds(b);
}

/* after `ptr == NULL` (is_null) or `ptr != NULL`: every register/spill with its id */
static void mark_null(struct vf_state *st, u32 id, u32 ref, bool is_null, u32 pc)
{
	for (u32 f = 0; f < st->nframes; f++) {
		struct vf_frame *fr = &st->fr[f];

		for (int i = 0; i < 11 + VF_SLOTS; i++) {
			struct vf_reg *r = i < 11 ? &fr->regs[i] : &fr->spill[i - 11];

			if (i >= 11 && fr->stype[(i - 11) * 8] != VS_SPILL)
				continue;
			if (!vf_is_ptr(r) || r->id != id || !(r->flags & VF_NULL))
				continue;
			if (is_null)
				vf_mark_const(r, 0);
			else
				r->flags &= ~VF_NULL;
		}
	}
	if (is_null && ref)
		vf_release_ref(st, ref, pc);
}

static int take(struct vf_env *e, struct vf_state *st, u32 target, bool push)
{
	if (push)
		return vf_push(e, st, target);
	e->pc = target;
	return 0;
}

static bool can_be_null(const struct vf_reg *r)
{
	return (r->flags & (VF_NULL | VF_UNTRUSTED)) || r->type == VT_ANY;
}

static int do_jcond(struct vf_env *e, const struct bpf_insn *x)
{
	bool is64 = BPF_CLASS(x->code) == BPF_JMP;
	u8 op = BPF_OP(x->code);
	u32 target = e->pc + 1 + x->off, next = e->pc + 1;
	struct vf_reg *d = vf_reg(e, x->dst_reg), k, *s = &k, a, b;
	int err = vf_read_reg(e, x->dst_reg), t;

	e->jmps++;
	if (!err && BPF_SRC(x->code) == BPF_X)
		err = vf_read_reg(e, x->src_reg);
	if (err)
		return err;
	if (BPF_SRC(x->code) == BPF_X)
		s = vf_reg(e, x->src_reg);
	else
		vf_mark_const(&k, is64 ? (u64)(s64)x->imm : (u64)(u32)x->imm);

	/* pointer against 0: NULL checks */
	if ((vf_is_ptr(d) && vf_is_const(s) && !s->umin && is64 && (op == BPF_JEQ || op == BPF_JNE)) ||
	    (vf_is_ptr(s) && vf_is_const(d) && !d->umin && is64 && (op == BPF_JEQ || op == BPF_JNE))) {
		struct vf_reg *p = vf_is_ptr(d) ? d : s;
		u32 id = p->id, ref = p->ref;
		bool null_on_taken = op == BPF_JEQ;
		struct vf_state *other;

		if (!can_be_null(p))  /* a non-NULL pointer is never 0 */
			return take(e, e->cur, null_on_taken ? next : target, false);
		if (!(p->flags & VF_NULL) || !id) { /* untrusted: both sides, no refinement */
			err = vf_push(e, e->cur, target);
			e->pc = next;
			return err;
		}
		other = vf_state_dup(e, e->cur);
		if (!other)
			return -ENOMEM;
		mark_null(other, id, ref, null_on_taken, e->pc);
		mark_null(e->cur, id, ref, !null_on_taken, e->pc);
		err = vf_push_own(e, other, target);
		e->pc = next;
		return err;
	}
	if (vf_is_ptr(d) || vf_is_ptr(s)) { /* other pointer comparisons: both sides */
		err = vf_push(e, e->cur, target);
		e->pc = next;
		return err;
	}
	if (is64) {
		a = *d, b = *s;
	} else {
		view32(&a, d);
		view32(&b, s);
		if (op >= BPF_JSGT && op != BPF_JLT && op != BPF_JLE) { /* signed 32-bit */
			if (a.umax > 0x7fffffff) vf_mark_sized(&a, 4, true);
			if (b.umax > 0x7fffffff) vf_mark_sized(&b, 4, true);
		}
	}
	t = branch_taken(op, &a, &b);
	if (t >= 0) {
		e->pc = t ? target : next;
		return 0;
	}
	{
		struct vf_state *other = vf_state_dup(e, e->cur);
		bool sgn = op >= BPF_JSGT && op != BPF_JLT && op != BPF_JLE;
		u64 lim = sgn ? 0x7fffffff : U32_MAXV;
		bool exact = is64 || (d->umax <= lim && (BPF_SRC(x->code) == BPF_K ? (sgn ? (x->imm >= 0) : true)
							 : s->umax <= lim));
		struct vf_frame *of;

		if (!other)
			return -ENOMEM;
		of = &other->fr[other->nframes - 1];
		struct vf_reg *od = &of->regs[x->dst_reg];
		struct vf_reg ok = k, *os = BPF_SRC(x->code) == BPF_X ? &of->regs[x->src_reg] : &ok;

		if (!is64 && !sgn) { /* unsigned 32-bit: refine the low halves */
			struct vf_reg va, vb;

			view32(&va, od), view32(&vb, os);
			refine(&va, &vb, op);
			set32(od, &va), set32(os, &vb);
			if (negate_op(op)) {
				view32(&va, d), view32(&vb, s);
				refine(&va, &vb, negate_op(op));
				set32(d, &va), set32(s, &vb);
			}
		} else if (exact) { /* taken side in `other`, fall-through in cur */
			refine(od, os, op);
			if (negate_op(op))
				refine(d, s, negate_op(op));
		}
		err = vf_push_own(e, other, target);
		e->pc = next;
		return err;
	}
}

/* ---- one instruction ------------------------------------------------------------------------ */

int vf_step(struct vf_env *e)
{
	const struct bpf_insn *x = &e->insns[e->pc];
	u8 cls = BPF_CLASS(x->code), op = BPF_OP(x->code);
	int err;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		err = do_alu(e, x);
		e->pc++;
		return err;
	case BPF_LDX:
		err = do_ldx(e, x);
		e->pc++;
		return err;
	case BPF_ST:
	case BPF_STX:
		err = do_store(e, x);
		e->pc++;
		return err;
	case BPF_LD:
		err = do_ld_imm64(e, x);
		e->pc += 2;
		return err;
	}
	/* jumps */
	if (op == BPF_JA) {
		e->pc += 1 + (cls == BPF_JMP32 ? x->imm : x->off);
		return 0;
	}
	if (op == 0xe0) { /* may_goto: both ways */
		err = vf_push(e, e->cur, e->pc + 1 + x->off);
		e->pc++;
		return err;
	}
	if (op == BPF_CALL)
		return vf_call(e, x);
	if (op == BPF_EXIT)
		return vf_exit(e);
	return do_jcond(e, x);
}
