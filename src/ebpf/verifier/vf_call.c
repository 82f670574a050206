/*
 * vf_call.c — calls and exits for the static verifier: helper calls checked against a table
 * of helper prototypes (argument kinds, return kind), kfunc calls checked against their BTF
 * prototypes in scxsim's kernel BTF plus a table of kfunc flags (acquire, release, may
 * return NULL, iterator new/next/destroy, RCU lock/unlock, ownership transfer), bpf-to-bpf
 * calls and callbacks (bpf_loop, bpf_for_each_map_elem, bpf_rbtree_add: walked as loops that
 * return to the call; bpf_timer_set_callback: walked once as a separate path), reference
 * tracking, and the checks made at each exit.
 *
 * Invariants: after any call r1-r5 are NOT_INIT and r0 holds the return kind; a reference
 * acquired is in state->refs with the pc that acquired it until a release removes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vf_int.h"

/* ---- references -------------------------------------------------------------------------- */

int vf_acquire_ref(struct vf_env *e, u32 pc)
{
	struct vf_state *st = e->cur;

	if (st->nrefs == VF_MAX_REFS) {
		vf_error(e, "too many references held (%d)", VF_MAX_REFS);
		return 0;
	}
	st->refs[st->nrefs++] = (struct vf_ref){ .id = ++e->next_id, .insn = (s32)pc };
	return (int)e->next_id;
}

void vf_release_ref(struct vf_state *st, u32 ref, u32 pc)
{
	for (u32 i = 0; i < st->nrefs; i++)
		if (st->refs[i].id == ref) {
			st->refs[i] = st->refs[--st->nrefs];
			break;
		}
	for (u32 f = 0; f < st->nframes; f++) {
		struct vf_frame *fr = &st->fr[f];

		for (int i = 0; i < 11; i++)
			if (vf_is_ptr(&fr->regs[i]) && fr->regs[i].ref == ref) {
				vf_mark_unknown(&fr->regs[i]);
				fr->regs[i].flags = VF_RELEASED, fr->regs[i].size = pc;
			}
		for (int s = 0; s < VF_SLOTS; s++)
			if (fr->stype[s * 8] == VS_SPILL && vf_is_ptr(&fr->spill[s]) &&
			    fr->spill[s].ref == ref) {
				vf_mark_unknown(&fr->spill[s]);
				fr->spill[s].flags = VF_RELEASED, fr->spill[s].size = pc;
			}
	}
}

static bool has_ref(const struct vf_state *st, u32 ref)
{
	for (u32 i = 0; i < st->nrefs; i++)
		if (st->refs[i].id == ref)
			return true;
	return false;
}

/* ---- argument checks shared by helpers and kfuncs ---------------------------------------- */

static int want_ptr(struct vf_env *e, int regno, bool nullable)
{
	struct vf_reg *r = vf_reg(e, regno);
	char t[48];

	if (nullable && vf_is_const(r) && !r->umin)
		return 0;
	if (r->type == VT_SCALAR && (r->flags & VF_RELEASED))
		return vf_error(e, "R%d type=scalar expected=pointer (its reference was released at insn %u)",
				regno, r->size);
	if (!vf_is_ptr(r) || r->type == VT_FUNC || r->type == VT_MAP_PTR || r->type == VT_CTX)
		return vf_error(e, "R%d type=%s expected=fp, map_value, mem, ptr_", regno,
				vf_type_str(r, t, sizeof(t)));
	if ((r->flags & VF_NULL) && !nullable)
		return vf_error(e, "R%d type=%s expected=fp, map_value, mem, ptr_ (null-check it first)",
				regno, vf_type_str(r, t, sizeof(t)));
	return 0;
}

/* memory argument: [0, size) of what R points to, read (initialised) or written */
static int mem_arg(struct vf_env *e, int regno, u64 size, bool write, bool nullable)
{
	struct vf_reg r = *vf_reg(e, regno);
	int err = vf_read_reg(e, regno) ?: want_ptr(e, regno, nullable);

	if (err || (vf_is_const(&r) && !r.umin) || !size || r.type == VT_BTF_ID)
		return err;
	if (size > (u64)VF_MAX_VAR_OFF)
		return vf_error(e, "R%d unbounded memory access, make sure to bounds check any such access",
				regno + 1);
	if (r.type == VT_STACK) {
		err = vf_stack_check(e, regno, &r, 0, (u32)size, write, !write, true);
		if (!err && write)
			vf_stack_mark_written(e, &r, 0, (u32)size);
		return err;
	}
	return vf_check_mem(e, regno, &r, 0, (u32)size, write, !write);
}

static int scalar_arg(struct vf_env *e, int regno)
{
	struct vf_reg *r = vf_reg(e, regno);
	char t[48];
	int err = vf_read_reg(e, regno);

	if (!err && r->type != VT_SCALAR)
		err = vf_error(e, "R%d type=%s expected=scalar", regno, vf_type_str(r, t, sizeof(t)));
	return err;
}

static int map_arg(struct vf_env *e, int regno, struct vf_map **m)
{
	struct vf_reg *r = vf_reg(e, regno);
	char t[48];
	int err = vf_read_reg(e, regno);

	if (!err && (r->type != VT_MAP_PTR || (r->flags & VF_NULL)))
		err = vf_error(e, "R%d type=%s expected=map_ptr", regno, vf_type_str(r, t, sizeof(t)));
	*m = err ? NULL : r->map;
	return err;
}

static void clobber_args(struct vf_env *e)
{
	for (int i = 1; i <= 5; i++)
		vf_reg(e, i)->type = VT_NOT_INIT;
}

/* ---- callbacks and subprograms --------------------------------------------------------------- */

static int enter_frame(struct vf_env *e, u32 target, u8 kind, s32 cb_call, const struct vf_reg *args)
{
	struct vf_state *st = e->cur;
	struct vf_frame *f;

	if (st->nframes == VF_MAX_FRAMES)
		return vf_error(e, "the call stack of %u frames is too deep", st->nframes + 1);
	if (target >= e->nr_insns)
		return vf_error(e, "call to invalid destination %u", target);
	f = &st->fr[st->nframes];
	memset(f, 0, sizeof(*f));
	f->callsite = (s32)e->pc;
	f->cb_call = cb_call;
	f->cb_kind = kind;
	for (int i = 1; i <= 5; i++)
		f->regs[i] = args[i];
	f->regs[10] = (struct vf_reg){ .type = VT_STACK, .frame = (u16)st->nframes };
	st->nframes++;
	e->pc = target;
	return 0;
}

/* A callback called by a helper in a loop: the walk goes on after the call (called zero
 * times) and into the callback, whose exit returns to the call (called once more). */
static int sync_callback(struct vf_env *e, u32 target, const struct vf_reg *args)
{
	struct vf_state *after = vf_state_dup(e, e->cur);
	int err;

	if (!after)
		return -ENOMEM;
	{
		struct vf_frame *f = &after->fr[after->nframes - 1];

		for (int i = 1; i <= 5; i++)
			f->regs[i].type = VT_NOT_INIT;
		vf_mark_unknown(&f->regs[0]);
	}
	err = vf_push_own(e, after, e->pc + 1);
	return err ?: enter_frame(e, target, 1, (s32)e->pc, args);
}

static int func_arg(struct vf_env *e, int regno, u32 *target)
{
	struct vf_reg *r = vf_reg(e, regno);
	char t[48];
	int err = vf_read_reg(e, regno);

	if (!err && r->type != VT_FUNC)
		err = vf_error(e, "R%d type=%s expected=func", regno, vf_type_str(r, t, sizeof(t)));
	*target = r->size;
	return err;
}

/* bpf_timer_set_callback: the callback runs later, on its own: walk it once from a fresh
 * state (r1 map, r2 key, r3 value), as the kernel's async callbacks. */
static int async_callback(struct vf_env *e, u32 target, struct vf_map *m)
{
	struct vf_state *st;
	int err;

	for (u32 i = 0; i < ARRAY_SIZE(e->async_seen); i++) { /* once per callback */
		if (e->async_seen[i] == target + 1)
			return 0;
		if (!e->async_seen[i]) {
			e->async_seen[i] = target + 1;
			break;
		}
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->nframes = 1;
	st->fr[0].callsite = -1;
	st->fr[0].cb_call = -1;
	st->fr[0].cb_kind = 2;
	st->fr[0].regs[1] = (struct vf_reg){ .type = VT_MAP_PTR, .map = m };
	st->fr[0].regs[2] = (struct vf_reg){ .type = m ? VT_MAP_KEY : VT_ANY, .map = m };
	st->fr[0].regs[3] = (struct vf_reg){ .type = m ? VT_MAP_VALUE : VT_ANY, .map = m };
	st->fr[0].regs[10] = (struct vf_reg){ .type = VT_STACK };
	err = vf_push(e, st, target);
	free(st);
	return err;
}

/* ---- helpers --------------------------------------------------------------------------------- */

enum h_arg {
	HA_NONE, HA_ANY, HA_SCALAR, HA_MAP, HA_KEY, HA_VALUE, HA_VALUE_W, HA_VALUE_NULL, HA_MEM,
	HA_MEM_NULL, HA_MEM_W, HA_SIZE, HA_FUNC, HA_TASK, HA_CGROUP, HA_RB_REL, HA_TIMER, HA_LOCK,
	HA_PTR, HA_KPTR_REL, HA_MEM_W_NULL,
};
enum h_ret { HR_SCALAR, HR_MAP_VALUE_NULL, HR_RINGBUF, HR_TASK, HR_KPTR, HR_VOID, HR_U32 };

struct helper {
	u32 id;
	const char *name;
	u8 args[5];
	u8 ret;
};

/* The kernel's bpf_func_proto of each helper (kernel/bpf/helpers.c, kernel/trace/bpf_trace.c,
 * kernel/bpf/{ringbuf,bpf_task_storage,bpf_cgrp_storage}.c): an argument the proto does not
 * declare is not checked (bpf_trace_printk declares only fmt and its size: the three
 * varargs may be unset); ARG_ANYTHING is HA_ANY (any initialised register: pointers too,
 * as a privileged loader's allow_ptr_leaks permits). */
static const struct helper helpers[] = {
	{ 1, "bpf_map_lookup_elem", { HA_MAP, HA_KEY }, HR_MAP_VALUE_NULL },
	{ 2, "bpf_map_update_elem", { HA_MAP, HA_KEY, HA_VALUE, HA_ANY }, HR_SCALAR },
	{ 3, "bpf_map_delete_elem", { HA_MAP, HA_KEY }, HR_SCALAR },
	{ 5, "bpf_ktime_get_ns", { 0 }, HR_SCALAR },
	{ 6, "bpf_trace_printk", { HA_MEM, HA_SIZE }, HR_SCALAR },
	{ 7, "bpf_get_prandom_u32", { 0 }, HR_U32 },
	{ 8, "bpf_get_smp_processor_id", { 0 }, HR_U32 },
	{ 14, "bpf_get_current_pid_tgid", { 0 }, HR_SCALAR },
	{ 16, "bpf_get_current_comm", { HA_MEM_W, HA_SIZE }, HR_SCALAR },
	{ 35, "bpf_get_current_task", { 0 }, HR_SCALAR },
	{ 42, "bpf_get_numa_node_id", { 0 }, HR_U32 },
	{ 87, "bpf_map_push_elem", { HA_MAP, HA_VALUE, HA_ANY }, HR_SCALAR },
	{ 88, "bpf_map_pop_elem", { HA_MAP, HA_VALUE_W }, HR_SCALAR },
	{ 89, "bpf_map_peek_elem", { HA_MAP, HA_VALUE_W }, HR_SCALAR },
	{ 93, "bpf_spin_lock", { HA_LOCK }, HR_VOID },
	{ 94, "bpf_spin_unlock", { HA_LOCK }, HR_VOID },
	{ 113, "bpf_probe_read_kernel", { HA_MEM_W, HA_SIZE, HA_ANY }, HR_SCALAR },
	{ 115, "bpf_probe_read_kernel_str", { HA_MEM_W, HA_SIZE, HA_ANY }, HR_SCALAR },
	{ 118, "bpf_jiffies64", { 0 }, HR_SCALAR },
	{ 125, "bpf_ktime_get_boot_ns", { 0 }, HR_SCALAR },
	{ 130, "bpf_ringbuf_output", { HA_MAP, HA_MEM, HA_SIZE, HA_ANY }, HR_SCALAR },
	{ 131, "bpf_ringbuf_reserve", { HA_MAP, HA_SCALAR, HA_ANY }, HR_RINGBUF },
	{ 132, "bpf_ringbuf_submit", { HA_RB_REL, HA_ANY }, HR_VOID },
	{ 133, "bpf_ringbuf_discard", { HA_RB_REL, HA_ANY }, HR_VOID },
	{ 134, "bpf_ringbuf_query", { HA_MAP, HA_ANY }, HR_SCALAR },
	{ 156, "bpf_task_storage_get", { HA_MAP, HA_TASK, HA_VALUE_NULL, HA_ANY }, HR_MAP_VALUE_NULL },
	{ 157, "bpf_task_storage_delete", { HA_MAP, HA_TASK }, HR_SCALAR },
	{ 158, "bpf_get_current_task_btf", { 0 }, HR_TASK },
	{ 164, "bpf_for_each_map_elem", { HA_MAP, HA_FUNC, HA_ANY, HA_ANY }, HR_SCALAR },
	{ 165, "bpf_snprintf", { HA_MEM_W_NULL, HA_SIZE, HA_PTR, HA_MEM_NULL, HA_SIZE }, HR_SCALAR },
	{ 169, "bpf_timer_init", { HA_TIMER, HA_MAP, HA_ANY }, HR_SCALAR },
	{ 170, "bpf_timer_set_callback", { HA_TIMER, HA_FUNC }, HR_SCALAR },
	{ 171, "bpf_timer_start", { HA_TIMER, HA_ANY, HA_ANY }, HR_SCALAR },
	{ 172, "bpf_timer_cancel", { HA_TIMER }, HR_SCALAR },
	{ 177, "bpf_trace_vprintk", { HA_MEM, HA_SIZE, HA_MEM_NULL, HA_SIZE }, HR_SCALAR },
	{ 181, "bpf_loop", { HA_ANY, HA_FUNC, HA_ANY, HA_ANY }, HR_SCALAR },
	{ 182, "bpf_strncmp", { HA_MEM, HA_SIZE, HA_PTR }, HR_SCALAR },
	{ 194, "bpf_kptr_xchg", { HA_PTR, HA_KPTR_REL }, HR_KPTR },
	{ 195, "bpf_map_lookup_percpu_elem", { HA_MAP, HA_KEY, HA_ANY }, HR_MAP_VALUE_NULL },
	{ 210, "bpf_cgrp_storage_get", { HA_MAP, HA_CGROUP, HA_VALUE_NULL, HA_ANY }, HR_MAP_VALUE_NULL },
	{ 211, "bpf_cgrp_storage_delete", { HA_MAP, HA_CGROUP }, HR_SCALAR },
};

static const struct helper *helper_find(s32 id)
{
	for (size_t i = 0; i < ARRAY_SIZE(helpers); i++)
		if ((s32)helpers[i].id == id)
			return &helpers[i];
	return NULL;
}

static int btf_arg(struct vf_env *e, int regno, s32 want, bool nullable, const char *fn)
{
	struct vf_reg *r = vf_reg(e, regno);
	int err = vf_read_reg(e, regno) ?: want_ptr(e, regno, nullable);

	if (err || !vf_is_ptr(r) || r->type == VT_ANY)
		return err;
	if (r->type != VT_BTF_ID || (r->btf_id != (u32)want &&
				     !(want == e->cpumask_id && (s32)r->btf_id == e->bpf_cpumask_id)))
		return vf_error(e, "%s: R%d is %s%s, expected a pointer to struct %s", fn, regno,
				r->type == VT_BTF_ID ? "a pointer to struct " : "not a kernel object: ",
				r->type == VT_BTF_ID ? btf_type_name(e->kbtf, r->btf_id)
						     : vf_type_str(r, (char[48]){ 0 }, 48),
				btf_type_name(e->kbtf, (u32)want));
	return 0;
}

static int helper_args(struct vf_env *e, const struct helper *h, struct vf_map **m, u32 *cb)
{
	int err = 0;

	for (int a = 0; !err && a < 5 && h->args[a]; a++) {
		int regno = a + 1;
		struct vf_reg *r = vf_reg(e, regno), *nx = a < 4 ? vf_reg(e, regno + 1) : NULL;
		u64 sz = nx && nx->type == VT_SCALAR ? nx->umax : 0;

		switch (h->args[a]) {
		case HA_ANY: err = vf_read_reg(e, regno); break;
		case HA_SCALAR: case HA_SIZE: err = scalar_arg(e, regno); break;
		case HA_MAP: err = map_arg(e, regno, m); break;
		case HA_KEY: err = mem_arg(e, regno, *m ? (*m)->key_size : 0, false, false); break;
		case HA_VALUE: err = mem_arg(e, regno, *m ? (*m)->value_size : 0, false, false); break;
		case HA_VALUE_W: err = mem_arg(e, regno, *m ? (*m)->value_size : 0, true, false); break;
		case HA_VALUE_NULL: err = mem_arg(e, regno, *m ? (*m)->value_size : 0, false, true); break;
		case HA_MEM: err = scalar_arg(e, regno + 1) ?: mem_arg(e, regno, sz, false, false); break;
		case HA_MEM_NULL: err = scalar_arg(e, regno + 1) ?: mem_arg(e, regno, sz, false, true); break;
		case HA_MEM_W: err = scalar_arg(e, regno + 1) ?: mem_arg(e, regno, sz, true, false); break;
		case HA_MEM_W_NULL: err = scalar_arg(e, regno + 1) ?: mem_arg(e, regno, sz, true, true); break;
		case HA_PTR: err = vf_read_reg(e, regno) ?: want_ptr(e, regno, false); break;
		case HA_FUNC: err = func_arg(e, regno, cb); break;
		case HA_TASK: err = btf_arg(e, regno, e->task_id, true, h->name); break;
		case HA_CGROUP: err = btf_arg(e, regno, e->cgroup_id, true, h->name); break;
		case HA_TIMER:
		case HA_LOCK:
			err = vf_read_reg(e, regno) ?: want_ptr(e, regno, false);
			if (!err && r->type != VT_MAP_VALUE && r->type != VT_ANY)
				err = vf_error(e, "R%d type=%s expected=map_value", regno,
					       vf_type_str(r, (char[48]){ 0 }, 48));
			if (!err && h->args[a] == HA_TIMER)
				*m = r->map;
			break;
		case HA_RB_REL:
			err = vf_read_reg(e, regno);
			if (!err && (r->type != VT_MEM || !(r->flags & VF_RINGBUF) || (r->flags & VF_NULL)))
				err = vf_error(e, "R%d type=%s expected=ringbuf_mem", regno,
					       vf_type_str(r, (char[48]){ 0 }, 48));
			if (!err && r->off)
				err = vf_error(e, "R%d must have zero offset when passed to release func", regno);
			if (!err)
				vf_release_ref(e->cur, r->ref, e->pc);
			break;
		case HA_KPTR_REL:
			err = vf_read_reg(e, regno);
			if (!err && vf_is_ptr(r) && r->ref)
				vf_release_ref(e->cur, r->ref, e->pc);
			break;
		}
	}
	return err;
}

static int call_helper(struct vf_env *e, const struct bpf_insn *x)
{
	const struct helper *h = helper_find(x->imm);
	struct vf_map *m = NULL;
	struct vf_reg args[6], *r0;
	u32 cb = 0;
	u64 rb_size = vf_reg(e, 2)->umax;
	int err;

	if (!h) {
		const char *why = bpf_prog_poison_reason(e->prog, e->pc);

		return vf_error(e, "invalid func unknown#%d%s%s", x->imm, why ? ": " : "", why ? why : "");
	}
	memcpy(args, vf_cur_frame(e)->regs, sizeof(args));
	err = helper_args(e, h, &m, &cb);
	if (err)
		return err;
	if (x->imm == 93 || x->imm == 94) {
		if (x->imm == 94 && !e->cur->lock)
			return vf_error(e, "bpf_spin_unlock without taking a lock");
		if (x->imm == 93 && e->cur->lock)
			return vf_error(e, "Locking two bpf_spin_locks are not allowed");
		e->cur->lock += x->imm == 93 ? 1 : -1;
	}
	if (x->imm == 181 || x->imm == 164) { /* loop callbacks: cb(idx, ctx) / cb(map, key, value, ctx) */
		struct vf_reg cargs[6] = { 0 };

		if (x->imm == 181) {
			vf_mark_sized(&cargs[1], 4, false);
			cargs[2] = args[3];
		} else {
			cargs[1] = (struct vf_reg){ .type = VT_MAP_PTR, .map = m };
			cargs[2] = (struct vf_reg){ .type = VT_MAP_KEY, .map = m };
			cargs[3] = (struct vf_reg){ .type = VT_MAP_VALUE, .map = m };
			cargs[4] = args[3];
		}
		return sync_callback(e, cb, cargs);
	}
	if (x->imm == 170 && (err = async_callback(e, cb, m)))
		return err;
	clobber_args(e);
	r0 = vf_reg(e, 0);
	switch (h->ret) {
	case HR_SCALAR: vf_mark_unknown(r0); break;
	case HR_U32: vf_mark_sized(r0, 4, false); break;
	case HR_VOID: r0->type = VT_NOT_INIT; break;
	case HR_MAP_VALUE_NULL:
		if (m && (m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS || m->type == BPF_MAP_TYPE_HASH_OF_MAPS))
			*r0 = (struct vf_reg){ .type = VT_MAP_PTR, .map = m->inner, .flags = VF_NULL,
					       .id = ++e->next_id };
		else
			*r0 = (struct vf_reg){ .type = VT_MAP_VALUE, .map = m, .flags = VF_NULL,
					       .id = ++e->next_id };
		if (r0->type == VT_MAP_PTR && !r0->map)
			*r0 = (struct vf_reg){ .type = VT_ANY, .flags = VF_NULL, .id = r0->id };
		break;
	case HR_RINGBUF: {
		if (!vf_is_const(&args[2]))
			return vf_error(e, "R2 is not a known constant (the ring-buffer record size)");
		*r0 = (struct vf_reg){ .type = VT_MEM, .flags = VF_NULL | VF_RINGBUF,
				       .size = (u32)MIN(rb_size, (u64)UINT32_MAX) };
		r0->ref = r0->id = (u32)vf_acquire_ref(e, e->pc);
		break;
	}
	case HR_TASK:
		*r0 = (struct vf_reg){ .type = VT_BTF_ID, .btf_id = (u32)e->task_id, .flags = VF_TRUSTED };
		break;
	case HR_KPTR:
		*r0 = (struct vf_reg){ .type = VT_ANY, .flags = VF_NULL };
		r0->ref = r0->id = (u32)vf_acquire_ref(e, e->pc);
		break;
	}
	e->pc++;
	return e->err;
}

/* ---- kfuncs ---------------------------------------------------------------------------------- */

#define KF_ACQ     0x01
#define KF_REL     0x02
#define KF_RNULL   0x04
#define KF_ITNEW   0x08
#define KF_ITNEXT  0x10
#define KF_ITDEL   0x20
#define KF_RCU_ON  0x40
#define KF_RCU_OFF 0x80
#define KF_OWN1    0x100 /* takes ownership of argument 1 (a node pushed into a list/tree) */
#define KF_CB2     0x200 /* argument 2 is a callback (bpf_rbtree_add's less) */

static const struct { const char *name; u32 flags; } kflags[] = {
	{ "bpf_task_from_pid", KF_ACQ | KF_RNULL },
	{ "bpf_task_acquire", KF_ACQ | KF_RNULL },
	{ "bpf_task_release", KF_REL },
	{ "bpf_cgroup_acquire", KF_ACQ | KF_RNULL },
	{ "bpf_cgroup_from_id", KF_ACQ | KF_RNULL },
	{ "bpf_cgroup_ancestor", KF_ACQ | KF_RNULL },
	{ "bpf_cgroup_release", KF_REL },
	{ "bpf_cpumask_create", KF_ACQ | KF_RNULL },
	{ "bpf_cpumask_acquire", KF_ACQ },
	{ "bpf_cpumask_release", KF_REL },
	{ "scx_bpf_get_idle_cpumask", KF_ACQ },
	{ "scx_bpf_get_idle_smtmask", KF_ACQ },
	{ "scx_bpf_get_idle_cpumask_node", KF_ACQ },
	{ "scx_bpf_get_idle_smtmask_node", KF_ACQ },
	{ "scx_bpf_get_online_cpumask", KF_ACQ },
	{ "scx_bpf_get_possible_cpumask", KF_ACQ },
	{ "scx_bpf_put_idle_cpumask", KF_REL },
	{ "scx_bpf_put_cpumask", KF_REL },
	{ "scx_bpf_task_cgroup", KF_ACQ },
	{ "bpf_obj_new_impl", KF_ACQ | KF_RNULL },
	{ "bpf_obj_drop_impl", KF_REL },
	{ "bpf_list_push_front_impl", KF_OWN1 },
	{ "bpf_list_push_back_impl", KF_OWN1 },
	{ "bpf_list_pop_front", KF_ACQ | KF_RNULL },
	{ "bpf_list_pop_back", KF_ACQ | KF_RNULL },
	{ "bpf_rbtree_add_impl", KF_OWN1 | KF_CB2 },
	{ "bpf_rbtree_remove", KF_ACQ | KF_RNULL },
	{ "bpf_rbtree_first", KF_RNULL },
	{ "bpf_rcu_read_lock", KF_RCU_ON },
	{ "bpf_rcu_read_unlock", KF_RCU_OFF },
	{ "bpf_iter_num_new", KF_ITNEW },
	{ "bpf_iter_num_next", KF_ITNEXT | KF_RNULL },
	{ "bpf_iter_num_destroy", KF_ITDEL },
	{ "scx_bpf_dsq_peek", KF_RNULL }, /* KF_RET_NULL upstream: an empty DSQ gives NULL */
	{ "bpf_iter_scx_dsq_new", KF_ITNEW },
	{ "bpf_iter_scx_dsq_next", KF_ITNEXT | KF_RNULL },
	{ "bpf_iter_scx_dsq_destroy", KF_ITDEL },
};

static u32 kfunc_flags(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kflags); i++)
		if (!strcmp(kflags[i].name, name))
			return kflags[i].flags;
	return 0;
}

static const char *kfunc_name(s32 idx)
{
	u32 nr;
	const struct rt_kfunc *k = rt_kfunc_table(&nr);

	return idx >= 0 && (u32)idx < nr ? k[idx].name : NULL;
}

bool vf_is_iter_point(struct vf_env *e, u32 pc)
{
	const struct bpf_insn *x = &e->insns[pc];
	const char *n;

	if (x->src_reg == 0)
		return x->imm == 181 || x->imm == 164;
	if (x->src_reg != BPF_PSEUDO_KFUNC_CALL || !(n = kfunc_name(x->imm)))
		return false;
	return kfunc_flags(n) & KF_ITNEXT;
}

/* the iterator argument: a stack slot of the iterator's size */
static int iter_arg(struct vf_env *e, int regno, u32 flags, u32 type_id, const char *fn)
{
	struct vf_reg *r = vf_reg(e, regno);
	const char *tn = btf_type_name(e->kbtf, type_id);
	s64 size = btf_type_size(e->kbtf, type_id), lo;
	struct vf_frame *f;
	int err = vf_read_reg(e, regno);

	if (err)
		return err;
	if (r->type != VT_STACK || r->umax || r->smin || (r->off & 7) || size <= 0 ||
	    r->off < -VF_STACK || r->off + size > 0)
		return vf_error(e, "arg#%d expected pointer to an iterator on stack", regno - 1);
	f = &e->cur->fr[r->frame];
	lo = VF_STACK + r->off;
	if (flags & KF_ITNEW) {
		for (s64 i = 0; i < size; i++)
			if (f->stype[lo + i] == VS_ITER)
				return vf_error(e, "expected uninitialized %s as arg #%d", tn + 4, regno - 1);
		memset(&f->stype[lo], VS_ITER, size);
		f->spill[lo / 8] = (struct vf_reg){ .type = VT_SCALAR, .btf_id = type_id };
		f->spill[lo / 8].ref = (u32)vf_acquire_ref(e, e->pc);
		return e->err;
	}
	for (s64 i = 0; i < size; i++)
		if (f->stype[lo + i] != VS_ITER || f->spill[lo / 8].btf_id != type_id)
			return vf_error(e, "expected an initialized %s as arg #%d", tn + 4, regno - 1);
	if (flags & KF_ITDEL) {
		vf_release_ref(e->cur, f->spill[lo / 8].ref, e->pc);
		memset(&f->stype[lo], VS_INVALID, size);
	}
	return 0;
}

/* the type a kfunc parameter points to (modifiers skipped), 0 if not a pointer */
static const struct btf_type *param_pointee(struct vf_env *e, u32 type, u32 *id)
{
	const struct btf_type *t = btf_skip_mods_typedefs(e->kbtf, type, id);

	if (!t || btf_kind(t) != BTF_KIND_PTR)
		return NULL;
	return btf_skip_mods_typedefs(e->kbtf, t->type, id);
}

/* `const T *`: the kfunc only reads the buffer; otherwise it may fill it (scx_bpf_events()),
 * so the bytes count as written after the call */
static bool param_const(struct vf_env *e, u32 type)
{
	u32 id;
	const struct btf_type *t = btf_skip_mods_typedefs(e->kbtf, type, &id);

	for (t = t ? btf_type_by_id(e->kbtf, t->type) : NULL; t; t = btf_type_by_id(e->kbtf, t->type)) {
		if (btf_kind(t) == BTF_KIND_CONST)
			return true;
		if (btf_kind(t) != BTF_KIND_VOLATILE && btf_kind(t) != BTF_KIND_TYPEDEF &&
		    btf_kind(t) != BTF_KIND_TYPE_TAG && btf_kind(t) != BTF_KIND_RESTRICT)
			return false;
	}
	return false;
}

/* Parameter names the kernel reads annotations from (`x__sz`, `x__nullable`, `x__ign`, `x__k`).
 * scxsim's kernel BTF comes from extern declarations, whose FUNC_PROTOs clang leaves unnamed:
 * the kernel's names of the kfuncs whose parameters carry an annotation are listed here. */
static const struct { const char *fn; const char *names[5]; } kparam_names[] = {
	{ "scx_bpf_events", { "events", "events__sz" } },
	{ "scx_bpf_error_bstr", { "fmt", "data", "data__sz" } },
	{ "scx_bpf_exit_bstr", { "exit_code", "fmt", "data", "data__sz" } },
	{ "scx_bpf_dump_bstr", { "fmt", "data", "data__sz" } },
	{ "bpf_obj_new_impl", { "local_type_id__k", "meta__ign" } },
	{ "bpf_obj_drop_impl", { "p__alloc", "meta__ign" } },
	{ "bpf_list_push_front_impl", { "head", "node", "meta__ign", "off" } },
	{ "bpf_list_push_back_impl", { "head", "node", "meta__ign", "off" } },
	{ "bpf_rbtree_add_impl", { "root", "node", "less", "meta__ign", "off" } },
};

static const char *kparam_name(struct vf_env *e, const char *fn, const struct btf_type *proto, u32 a)
{
	const char *n = btf_str(e->kbtf, btf_params(proto)[a].name_off);

	if (n && *n)
		return n;
	for (size_t i = 0; i < ARRAY_SIZE(kparam_names); i++)
		if (!strcmp(kparam_names[i].fn, fn))
			return a < 5 ? kparam_names[i].names[a] : NULL;
	return NULL;
}

static int kfunc_arg(struct vf_env *e, const char *fn, u32 flags, const struct btf_type *proto,
		     u32 a, u32 *cb)
{
	const struct btf_param *p = &btf_params(proto)[a];
	const char *pname = kparam_name(e, fn, proto, a);
	int regno = (int)a + 1;
	u32 id;
	const struct btf_type *pt = param_pointee(e, p->type, &id);
	bool nullable = pname && strstr(pname, "__nullable");

	if (!pt) /* an integer */
		return scalar_arg(e, regno);
	if (btf_kind(pt) == BTF_KIND_FUNC_PROTO || ((flags & KF_CB2) && a == 2))
		return func_arg(e, regno, cb);
	if (btf_is_composite(pt) && !strncmp(btf_type_name(e->kbtf, id), "bpf_iter_", 9))
		return iter_arg(e, regno, flags, id, fn);
	if (btf_is_composite(pt) && ((s32)id == e->task_id || (s32)id == e->cgroup_id ||
				     (s32)id == e->cpumask_id || (s32)id == e->bpf_cpumask_id))
		return btf_arg(e, regno, (s32)id, nullable, fn);
	if (a + 1 < btf_vlen(proto)) { /* a memory buffer with its size next (`x, x__sz`) */
		const char *nn = kparam_name(e, fn, proto, a + 1);
		struct vf_reg *sz = vf_reg(e, regno + 1);

		if (nn && strstr(nn, "__sz") && sz->type == VT_SCALAR)
			return mem_arg(e, regno, sz->umax, !param_const(e, p->type), nullable);
	}
	if (btf_kind(pt) == BTF_KIND_UNKN || (pname && strstr(pname, "__ign")))
		return vf_read_reg(e, regno); /* void *: anything (bpf_obj_new's meta) */
	return vf_read_reg(e, regno) ?: want_ptr(e, regno, nullable);
}

static int kfunc_ret(struct vf_env *e, const char *fn, u32 flags, const struct btf_type *proto)
{
	struct vf_reg *r0 = vf_reg(e, 0);
	u32 id;
	const struct btf_type *t = btf_skip_mods_typedefs(e->kbtf, proto->type, &id);
	const struct btf_type *pt = param_pointee(e, proto->type, &id);

	if (!proto->type) {
		r0->type = VT_NOT_INIT;
		return 0;
	}
	if (!pt) {
		s64 sz = btf_type_size(e->kbtf, proto->type);
		bool sign = t && btf_kind(t) == BTF_KIND_INT && (btf_int_encoding(t) & BTF_INT_SIGNED);

		vf_mark_sized(r0, sz > 0 && sz < 8 ? (u32)sz : 8, sign);
		if (t && btf_kind(t) == BTF_KIND_INT && (btf_int_encoding(t) & BTF_INT_BOOL))
			r0->umax = 1, r0->smax = 1;
		return 0;
	}
	if (btf_is_composite(pt) && strcmp(btf_type_name(e->kbtf, id), "bpf_list_node") &&
	    strcmp(btf_type_name(e->kbtf, id), "bpf_rb_node"))
		*r0 = (struct vf_reg){ .type = VT_BTF_ID, .btf_id = id, .flags = VF_TRUSTED };
	else if (btf_kind(pt) == BTF_KIND_INT)
		*r0 = (struct vf_reg){ .type = VT_MEM, .size = (u32)btf_type_size(e->kbtf, id),
				       .flags = VF_RDONLY };
	else
		*r0 = (struct vf_reg){ .type = VT_ANY };
	if (flags & KF_RNULL) {
		r0->flags |= VF_NULL;
		r0->id = ++e->next_id;
	}
	if (flags & KF_ACQ) {
		r0->ref = (u32)vf_acquire_ref(e, e->pc);
		r0->id = r0->ref;
	}
	return e->err;
}

static int call_kfunc(struct vf_env *e, const struct bpf_insn *x)
{
	const char *fn = kfunc_name(x->imm);
	s32 fid = fn ? btf_find_by_name_kind(e->kbtf, fn, BTF_KIND_FUNC) : -1;
	const struct btf_type *proto;
	u32 flags, cb = 0;
	struct vf_reg args[6];
	int err = 0;

	if (fid < 0)
		return vf_error(e, "calling kernel function %d is not allowed", x->imm);
	proto = btf_type_by_id(e->kbtf, btf_type_by_id(e->kbtf, (u32)fid)->type);
	flags = kfunc_flags(fn);
	memcpy(args, vf_cur_frame(e)->regs, sizeof(args));
	for (u32 a = 0; !err && a < btf_vlen(proto) && a < 5; a++)
		err = kfunc_arg(e, fn, flags, proto, a, &cb);
	if (err)
		return err;
	if (flags & KF_REL) {
		struct vf_reg *r = &args[1];

		if (!vf_is_ptr(r) || !r->ref || !has_ref(e->cur, r->ref))
			return vf_error(e, "R1 must be referenced when passed to release function %s", fn);
		vf_release_ref(e->cur, r->ref, e->pc);
	}
	if ((flags & KF_OWN1) && vf_is_ptr(&args[2]) && args[2].ref)
		vf_release_ref(e->cur, args[2].ref, e->pc);
	if (flags & KF_RCU_ON)
		e->cur->rcu++;
	if (flags & KF_RCU_OFF) {
		if (!e->cur->rcu)
			return vf_error(e, "unmatched rcu read unlock (kernel function %s)", fn);
		e->cur->rcu--;
	}
	if (flags & KF_CB2) { /* bpf_rbtree_add's less(a, b): walked once, then after the call */
		struct vf_reg cargs[6] = { 0 };

		cargs[1] = (struct vf_reg){ .type = VT_ANY };
		cargs[2] = (struct vf_reg){ .type = VT_ANY };
		return enter_frame(e, cb, 3, -1, cargs);
	}
	clobber_args(e);
	err = kfunc_ret(e, fn, flags, proto);
	e->pc++;
	return err;
}

/* ---- calls and exits --------------------------------------------------------------------------- */

int vf_call(struct vf_env *e, const struct bpf_insn *x)
{
	if (x->src_reg == BPF_PSEUDO_CALL) {
		struct vf_reg args[6];

		for (int i = 1; i <= 5; i++)
			args[i] = *vf_reg(e, i);
		return enter_frame(e, e->pc + 1 + x->imm, 0, -1, args);
	}
	if (x->src_reg == BPF_PSEUDO_KFUNC_CALL)
		return call_kfunc(e, x);
	return call_helper(e, x);
}

static int check_r0_scalar(struct vf_env *e, const char *where)
{
	struct vf_reg *r0 = vf_reg(e, 0);
	char t[48];

	if (r0->type == VT_NOT_INIT)
		return vf_error(e, "R0 !read_ok");
	if (r0->type != VT_SCALAR)
		return vf_error(e, "At %s the register R0 is not a known value (%s)", where,
				vf_type_str(r0, t, sizeof(t)));
	return 0;
}

static int exit_main(struct vf_env *e)
{
	struct vf_state *st = e->cur;
	int err = 0;

	if (st->fr[0].cb_kind == 2)
		err = check_r0_scalar(e, "async callback return");
	else if (!e->ret_void)
		err = check_r0_scalar(e, "program exit");
	if (err)
		return err;
	if (st->nrefs)
		return vf_error(e, "Unreleased reference id=%u alloc_insn=%d", st->refs[0].id,
				st->refs[0].insn);
	if (st->rcu)
		return vf_error(e, "bpf_rcu_read_unlock is missing");
	if (st->lock)
		return vf_error(e, "bpf_spin_unlock is missing");
	e->path_done = true;
	return 0;
}

int vf_exit(struct vf_env *e)
{
	struct vf_state *st = e->cur;
	struct vf_frame *callee, *caller;
	int err;

	if (st->nframes == 1)
		return exit_main(e);
	callee = &st->fr[st->nframes - 1];
	caller = &st->fr[st->nframes - 2];
	if (callee->cb_kind == 1) { /* back to the helper call, which may call it again */
		err = check_r0_scalar(e, "callback return");
		if (err)
			return err;
		st->nframes--;
		e->pc = (u32)callee->cb_call;
		return 0;
	}
	if (callee->cb_kind == 3) { /* a kfunc's callback: r0 is the kfunc's (int) result */
		err = check_r0_scalar(e, "callback return");
		if (err)
			return err;
		vf_mark_unknown(&callee->regs[0]);
	}
	caller->regs[0] = callee->regs[0];
	for (int i = 1; i <= 5; i++)
		caller->regs[i].type = VT_NOT_INIT;
	e->pc = (u32)callee->callsite + 1;
	st->nframes--;
	return 0;
}
