/*
 * verifier.c — the walk of the static verifier: builds the environment of one program (maps
 * and their host addresses, the sched_ext_ops prototype that types ctx, the writable task
 * fields), then explores every path depth-first as the kernel's do_check() does: one current
 * state, a stack of pending branches, states stored at pruning points (jump targets and
 * conditional fall-throughs) so that a path reaching a point already proven safe with a state
 * that subsumes it stops there. Also the log and the report.
 *
 * Invariants: a stored state is used to prune only once every path below it has ended
 * (branches == 0), except at iteration points (iterator next calls, may_goto, callback
 * calls) where the kernel too accepts convergence against the loop's own earlier state; a
 * state equal to one of its own ancestors elsewhere is an infinite loop. The states with
 * live branches are exactly the current path's ancestors (LIFO walk); only finished states
 * are evicted, so no live path's parent chain points at freed memory. The walk stops at
 * the first error or after BPF_VERIFY_MAX_INSNS instructions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vf_int.h"
#include "scxsim/bpf_asm.h"

/* ---- log and errors ---------------------------------------------------------------------- */

static void log_vappend(struct vf_env *e, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return;
	n = MIN(n, (int)sizeof(buf) - 1);
	if (e->log_len + n + 1 > e->log_cap) {
		size_t cap = MAX(e->log_cap * 2, e->log_len + n + 4096);
		char *p = realloc(e->log, cap);

		if (!p)
			return;
		e->log = p, e->log_cap = cap;
	}
	memcpy(e->log + e->log_len, buf, n + 1);
	e->log_len += n;
}

void vf_log(struct vf_env *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vappend(e, fmt, ap);
	va_end(ap);
}

static void buf_append(char **buf, size_t *len, size_t *cap, const char *text)
{
	size_t n = strlen(text);

	if (*len + n + 1 > *cap) {
		size_t c = MAX(*cap * 2, *len + n + 1024);
		char *p = realloc(*buf, c);

		if (!p)
			return;
		*buf = p, *cap = c;
	}
	memcpy(*buf + *len, text, n + 1);
	*len += n;
}

static void insn_text(struct vf_env *e, u32 pc, char *buf, size_t len);

void vf_warn(struct vf_env *e, const char *fmt, ...)
{
	char msg[256], ins[96], out[700];
	const char *line;
	va_list ap;

	if (!e->warned || e->warned[e->pc])
		return;
	e->warned[e->pc] = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	insn_text(e, e->pc, ins, sizeof(ins));
	line = bpf_prog_line(e->prog, e->pc);
	snprintf(out, sizeof(out), "pc %u `%s`: %s\n    %s\n", e->pc, ins, msg,
		 line ? line : "(no line info)");
	buf_append(&e->warn, &e->warn_len, &e->warn_cap, out);
	e->nwarn++;
}

/* A complexity limit: without the kernel's precision tracking scxsim keeps scalars the
 * kernel would forget and explores more states, so hitting a limit is "cannot prove". */
static int vf_limit(struct vf_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int vf_limit(struct vf_env *e, const char *fmt, ...)
{
	va_list ap;

	if (e->err)
		return e->err;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->err = -ERANGE;
	e->err_pc = (s32)e->pc;
	return e->err;
}

int vf_error(struct vf_env *e, const char *fmt, ...)
{
	va_list ap;

	if (e->err)
		return e->err;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->err = e->cur && e->cur->widened ? -ERANGE : -EACCES;
	e->err_pc = (s32)e->pc;
	return e->err;
}

/* ---- register text ------------------------------------------------------------------------- */

const char *vf_type_str(const struct vf_reg *r, char *buf, size_t len)
{
	static const char *const base[] = {
		[VT_NOT_INIT] = "?", [VT_SCALAR] = "scalar", [VT_CTX] = "ctx", [VT_STACK] = "fp",
		[VT_MAP_VALUE] = "map_value", [VT_MAP_PTR] = "map_ptr", [VT_BTF_ID] = "ptr_",
		[VT_MEM] = "mem", [VT_FUNC] = "func", [VT_ANY] = "ptr", [VT_MAP_KEY] = "map_key",
	};
	const char *pre = "", *post = "";

	if (r->flags & VF_RDONLY)
		pre = "rdonly_";
	if (r->flags & VF_RINGBUF)
		pre = "ringbuf_";
	if (r->type == VT_BTF_ID)
		pre = r->flags & VF_UNTRUSTED ? "untrusted_" : r->flags & VF_TRUSTED ? "trusted_" : "";
	if (r->flags & VF_NULL)
		post = r->type == VT_BTF_ID ? "or_null_" : "_or_null";
	snprintf(buf, len, "%s%s%s", pre, base[r->type], post);
	return buf;
}

void vf_reg_str(const struct vf_reg *r, char *buf, size_t len)
{
	char t[48];

	vf_type_str(r, t, sizeof(t));
	if (r->type == VT_SCALAR && r->umin == r->umax)
		snprintf(buf, len, "%lld", (long long)r->umin);
	else if (r->type == VT_SCALAR)
		snprintf(buf, len, "scalar(umin=%llu,umax=%llu,smin=%lld,smax=%lld)",
			 (unsigned long long)r->umin, (unsigned long long)r->umax,
			 (long long)r->smin, (long long)r->smax);
	else
		snprintf(buf, len, "%s(off=%d%s%s%s,ref=%u)", t, r->off,
			 r->map ? ",map=" : "", r->map ? r->map->name : "",
			 r->umin != r->umax || r->umin ? ",var" : "", r->ref);
}

static void log_regs(struct vf_env *e, const struct vf_state *st)
{
	const struct vf_frame *f = &st->fr[st->nframes - 1];
	char buf[160];

	vf_log(e, "   frame%u:", st->nframes - 1);
	for (int i = 0; i < 11; i++) {
		if (f->regs[i].type == VT_NOT_INIT)
			continue;
		vf_reg_str(&f->regs[i], buf, sizeof(buf));
		vf_log(e, " R%d=%s", i, buf);
	}
	vf_log(e, "\n");
}

static void insn_text(struct vf_env *e, u32 pc, char *buf, size_t len)
{
	bpf_disasm_insn(&e->insns[pc], e->nr_insns - pc, buf, len, 0);
}

/* ---- states ---------------------------------------------------------------------------------- */

size_t vf_state_size(u32 nframes)
{
	return offsetof(struct vf_state, fr) + nframes * sizeof(struct vf_frame);
}

/* Working states (the current one, pending branches) are full-size buffers recycled through
 * a free list: a branch is a copy, and fresh 38 KB allocations cost page faults. */
struct vf_state *vf_state_dup(struct vf_env *e, const struct vf_state *st)
{
	struct vf_state *n = e->nfree ? e->free_states[--e->nfree] : malloc(sizeof(*n));

	if (n)
		memcpy(n, st, vf_state_size(st->nframes));
	return n;
}

void vf_state_put(struct vf_env *e, struct vf_state *st)
{
	if (!st)
		return;
	if (e->nfree == e->cap_free) {
		u32 cap = e->cap_free ? e->cap_free * 2 : 64;
		struct vf_state **p = cap <= 4096 ? realloc(e->free_states, cap * sizeof(*p)) : NULL;

		if (!p) {
			free(st);
			return;
		}
		e->free_states = p, e->cap_free = cap;
	}
	e->free_states[e->nfree++] = st;
}

/* Queue st (owned: it is the caller's no more) to be walked from pc. */
int vf_push_own(struct vf_env *e, struct vf_state *st, u32 pc)
{
	if (e->nr_stack == e->cap_stack) {
		u32 cap = e->cap_stack ? e->cap_stack * 2 : 64;
		struct vf_path *p = realloc(e->stack, cap * sizeof(*p));

		if (!p) {
			vf_state_put(e, st);
			return -ENOMEM;
		}
		e->stack = p, e->cap_stack = cap;
	}
	if (e->nr_stack > 8192) {
		vf_state_put(e, st);
		return vf_limit(e, "BPF program is too complex: %u pending branches", e->nr_stack);
	}
	e->stack[e->nr_stack++] = (struct vf_path){ .st = st, .pc = pc, .node = e->node };
	if (e->node)
		e->node->branches++;
	return 0;
}

int vf_push(struct vf_env *e, const struct vf_state *st, u32 pc)
{
	struct vf_state *n = vf_state_dup(e, st);

	return n ? vf_push_own(e, n, pc) : -ENOMEM;
}

/* A path ended: release the pruning points whose every path has ended. */
static void path_end(struct vf_env *e)
{
	for (struct vf_node *n = e->node; n; n = n->parent)
		if (--n->branches)
			break;
	e->path_done = true;
}

/* ---- subsumption: is every run from `cur` covered by the safe runs from `old`? ------------ */

struct idmap { u32 old[64], cur[64]; int n; };

static bool ids_match(struct idmap *m, u32 o, u32 c)
{
	if (!o && !c)
		return true;
	if (!o || !c)
		return false;
	for (int i = 0; i < m->n; i++)
		if (m->old[i] == o || m->cur[i] == c)
			return m->old[i] == o && m->cur[i] == c;
	if (m->n == 64)
		return false;
	m->old[m->n] = o, m->cur[m->n++] = c;
	return true;
}

static bool range_within(const struct vf_reg *o, const struct vf_reg *c)
{
	return o->umin <= c->umin && c->umax <= o->umax && o->smin <= c->smin && c->smax <= o->smax;
}

static bool reg_covers(const struct vf_reg *o, const struct vf_reg *c, struct idmap *m, bool exact)
{
	if (o->type == VT_NOT_INIT)
		return !exact || c->type == VT_NOT_INIT; /* never read on the old path */
	if (o->type != c->type)
		return false;
	if (o->type == VT_SCALAR)
		return exact ? !memcmp(&o->umin, &c->umin, 4 * sizeof(u64)) : range_within(o, c);
	return o->flags == c->flags && o->off == c->off && o->frame == c->frame &&
	       o->size == c->size && o->btf_id == c->btf_id && o->map == c->map &&
	       (exact ? !memcmp(&o->umin, &c->umin, 4 * sizeof(u64)) : range_within(o, c)) &&
	       ids_match(m, o->id, c->id) && ids_match(m, o->ref, c->ref);
}

static bool frame_regs_cover(const struct vf_frame *o, const struct vf_frame *c, struct idmap *m,
			     bool exact, u16 live)
{
	if (o->callsite != c->callsite || o->cb_call != c->cb_call)
		return false;
	for (int i = 0; i < 11; i++)
		if (((live >> i) & 1) && !reg_covers(&o->regs[i], &c->regs[i], m, exact))
			return false;
	return true;
}

static bool frame_stack_covers(const struct vf_frame *o, const struct vf_frame *c,
			       struct idmap *m, bool exact)
{
	if (memcmp(o->stype, c->stype, VF_STACK)) /* the common case (equal kinds) is cheap */
		for (int b = 0; b < VF_STACK; b++) {
			if (o->stype[b] == VS_INVALID && !exact)
				continue;
			if (o->stype[b] == c->stype[b] ||
			    (o->stype[b] == VS_MISC && c->stype[b] == VS_ZERO))
				continue;
			return false;
		}
	for (int s = 0; s < VF_SLOTS; s++)
		if ((o->stype[s * 8] == VS_SPILL || o->stype[s * 8] == VS_ITER) &&
		    !reg_covers(&o->spill[s], &c->spill[s], m, exact))
			return false;
	return true;
}

/* registers of frame i that the rest of the walk may read: live at the current pc for the
 * top frame, live where the frame above returns to for the others (r0-r5 are redefined) */
static u16 frame_live(const struct vf_env *e, const struct vf_state *st, u32 i, u32 pc)
{
	const struct vf_frame *up;
	u32 ret;

	if (i + 1 == st->nframes)
		return (u16)(e->live[pc] | 0x400);
	up = &st->fr[i + 1];
	ret = up->cb_kind == 1 ? (u32)up->cb_call : (u32)up->callsite + 1;
	if (ret >= e->nr_insns)
		return 0x7ff;
	return (u16)((e->live[ret] & ~0x3f) | 0x7c0 | (up->cb_kind == 1 ? 0x3e : 0));
}

static bool state_covers(const struct vf_env *e, const struct vf_state *o,
			 const struct vf_state *c, bool exact)
{
	struct idmap m = { .n = 0 };

	if (o->nframes != c->nframes || o->nrefs != c->nrefs || o->rcu != c->rcu ||
	    o->lock != c->lock)
		return false;
	/* registers first, innermost frame first: a loop counter differs there, cheaply */
	for (u32 i = o->nframes; i-- > 0;)
		if (!frame_regs_cover(&o->fr[i], &c->fr[i], &m, exact, frame_live(e, c, i, e->pc)))
			return false;
	for (u32 i = o->nframes; i-- > 0;)
		if (!frame_stack_covers(&o->fr[i], &c->fr[i], &m, exact))
			return false;
	for (u32 i = 0; i < o->nrefs; i++)
		if (!ids_match(&m, o->refs[i].id, c->refs[i].id))
			return false;
	return true;
}

/* Widening with thresholds: a bound that moved since the loop's earlier state jumps to the
 * next limit of its kind (u8, u16, s32, u32, s64, u64), so a loop counter kept in 32 bits
 * stays in [0, U32_MAX] (its zero extension survives, as the kernel keeps it: a later
 * `if w7 > 127` then bounds the 64-bit value too). */
static u64 widen_up(u64 v, const u64 *lim, int n)
{
	for (int i = 0; i < n; i++)
		if (v <= lim[i])
			return lim[i];
	return lim[n - 1];
}

static void scalar_widen(const struct vf_reg *o, struct vf_reg *c)
{
	static const u64 ulim[] = { 0xff, 0xffff, 0x7fffffff, 0xffffffff, INT64_MAX, UINT64_MAX };
	static const u64 u32lim[] = { 0xff, 0xffff, 0x7fffffff, 0xffffffff };
	static const s64 slo[] = { 0, -0x80000000LL, INT64_MIN };

	if (c->umax > o->umax)
		c->umax = widen_up(c->umax, ulim, 6);
	if (c->umin < o->umin)
		c->umin = 0;
	if (c->smax > o->smax)
		c->smax = (s64)widen_up((u64)MAX(c->smax, 0), ulim, 5);
	if (c->smin < o->smin)
		for (int i = 0; i < 3; i++)
			if (c->smin >= slo[i]) {
				c->smin = slo[i];
				break;
			}
	if (c->u32max > o->u32max)
		c->u32max = (u32)widen_up(c->u32max, u32lim, 4);
	if (c->u32min < o->u32min)
		c->u32min = 0;
	vf_sync_bounds(c);
}

/* Same shape (types, pointers, stack kinds) as o, scalars aside: widen cur's scalars that o
 * does not cover (scalar_widen). Returns true if it did. */
static bool state_widen(const struct vf_state *o, struct vf_state *c)
{
	bool did = false;

	if (o->nframes != c->nframes || o->nrefs != c->nrefs)
		return false;
	for (u32 i = 0; i < o->nrefs; i++) /* the same iterator instances: one loop's iterations */
		if (o->refs[i].id != c->refs[i].id)
			return false;
	for (u32 i = 0; i < o->nframes; i++) {
		const struct vf_frame *of = &o->fr[i];
		struct vf_frame *cf = &c->fr[i];

		for (int r = 0; r < 11; r++)
			if (of->regs[r].type == VT_SCALAR && cf->regs[r].type == VT_SCALAR &&
			    !range_within(&of->regs[r], &cf->regs[r]))
				scalar_widen(&of->regs[r], &cf->regs[r]), did = true;
		for (int s = 0; s < VF_SLOTS; s++)
			if (of->stype[s * 8] == VS_SPILL && cf->stype[s * 8] == VS_SPILL &&
			    of->spill[s].type == VT_SCALAR && cf->spill[s].type == VT_SCALAR &&
			    !range_within(&of->spill[s], &cf->spill[s]))
				scalar_widen(&of->spill[s], &cf->spill[s]), did = true;
	}
	if (did)
		c->widened = true;
	return did;
}

/* Is stored state n on the current path's parent chain? In a depth-first walk with a LIFO
 * stack of pending paths, every pending path was pushed from a node on the chain of the path
 * that was current then, and all nodes made below it after the push have ended before it is
 * popped: the nodes with live branches are exactly the current node's ancestors. So the test
 * is the count, not a walk up a chain that a 1024-iteration loop makes thousands long. */
static bool is_ancestor(const struct vf_node *n)
{
	return n->branches != 0;
}

/* An open-coded iterator or a loop callback is active: the kernel's states differ there by
 * the iteration depth, so equal states are no infinite loop (the iteration point converges). */
static bool in_loop_construct(const struct vf_state *st)
{
	for (u32 f = 0; f < st->nframes; f++) {
		if (st->fr[f].cb_kind == 1)
			return true;
		for (int b = 0; b < VF_STACK; b += 8)
			if (st->fr[f].stype[b] == VS_ITER)
				return true;
	}
	return false;
}

#define VF_MAX_STATES_PER_INSN 4096

/* Forget a finished stored state that keeps failing to prune (the kernel's miss_cnt >
 * hit_cnt * 3 + 3 eviction): loops store one state per iteration, and comparing against
 * all of them is what makes a 1024-iteration loop slow. A state with branches == 0 is on no
 * live path's parent chain, so nothing points at it but the visited list. */
static void node_evict(struct vf_env *e, struct vf_node **link)
{
	struct vf_node *n = *link;

	*link = n->next;
	free(n->st);
	free(n);
	e->evicted++;
}

/* At a pruning point: 1 pruned, 0 go on (a new stored state or not), <0 error. */
static int prune_check(struct vf_env *e)
{
	bool iter = e->prune[e->pc] == 2, looping = false;
	struct vf_node *n, **link;
	u32 nr = 0;

	for (link = &e->visited[e->pc]; (n = *link);) {
		bool anc = is_ancestor(n);

		looping = looping || anc;
		if (!n->branches || (iter && anc)) {
			if (state_covers(e, n->st, e->cur, false)) {
				n->hit++;
				e->pruned++;
				return 1;
			}
			if (!n->branches && ++n->miss > n->hit * 3 + 3) {
				node_evict(e, link);
				continue;
			}
		} else if (anc && state_covers(e, n->st, e->cur, true)) {
			/* the same state again below itself: an infinite loop, unless an iterator
			 * or loop callback is active (the kernel's states differ there by the
			 * iteration depth) or widening made the states equal: then converged */
			if (!e->cur->widened && !in_loop_construct(e->cur))
				return vf_error(e, "infinite loop detected at insn %u", e->pc);
			if (e->cur->widened) {
				e->pruned++;
				return 1;
			}
		}
		nr++;
		link = &n->next;
	}
	if (nr >= VF_MAX_STATES_PER_INSN) /* keep walking without storing more here */
		return 0;
	/* inside a loop (this point is already on the path), store a state only every 20
	 * jumps or 100 instructions, as the kernel: iterations differ and rarely prune */
	if (looping && !iter && e->jmps - e->jmps_at_add < 20 && e->processed - e->insns_at_add < 100)
		return 0;
	if (iter)
		for (n = e->visited[e->pc]; n; n = n->next)
			if (is_ancestor(n) && state_widen(n->st, e->cur))
				break;
	n = calloc(1, sizeof(*n));
	if (n) /* stored states are only read: the frames in use are enough */
		n->st = malloc(vf_state_size(e->cur->nframes));
	if (n && n->st)
		memcpy(n->st, e->cur, vf_state_size(e->cur->nframes));
	if (!n || !n->st) {
		free(n);
		return -ENOMEM;
	}
	n->parent = e->node;
	n->branches = 1;
	n->next = e->visited[e->pc];
	e->visited[e->pc] = n;
	e->node = n;
	e->states++;
	e->jmps_at_add = e->jmps;
	e->insns_at_add = e->processed;
	return 0;
}

/* ---- the environment ------------------------------------------------------------------------ */

static void env_map_fill(struct vf_map *vm, const struct rt_map *rm)
{
	const struct bpf_map_desc *d = rm->desc;

	*vm = (struct vf_map){
		.name = d->name, .type = d->type, .key_size = d->key_size,
		.value_size = rm->map ? bpf_map_value_size(rm->map) : d->value_size,
		.max_entries = d->max_entries,
		.readonly = d->readonly || (d->map_flags & BPF_F_RDONLY_PROG),
		.value_type_id = d->value_type_id, .addr = (u64)(uintptr_t)rm->map,
		.value_addr = (u64)(uintptr_t)rm->value,
	};
	if (d->readonly && rm->value)
		vm->bytes = rm->value;
}

static int env_maps(struct vf_env *e)
{
	struct bpf_sched *s = e->s;
	int n = s->nr_maps, k;

	e->maps = calloc(2 * n + 1, sizeof(*e->maps));
	if (!e->maps)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		env_map_fill(&e->maps[i], &s->maps[i]);
	k = n;
	for (int i = 0; i < n; i++) {
		const struct bpf_map_desc *in = s->maps[i].desc->inner;

		if (!in)
			continue;
		e->maps[k] = (struct vf_map){ .name = in->name, .type = in->type,
			.key_size = in->key_size, .value_size = in->value_size,
			.max_entries = in->max_entries, .value_type_id = in->value_type_id,
			.readonly = in->map_flags & BPF_F_RDONLY_PROG };
		e->maps[i].inner = &e->maps[k++];
	}
	e->nr_maps = k;
	return 0;
}

/* Arguments the kernel's cfi stubs for sched_ext_ops name `__nullable` (kernel/sched/ext.c:
 * `sched_ext_ops__dispatch(s32 prev_cpu, struct task_struct *prev__nullable)`,
 * `sched_ext_ops__yield(struct task_struct *from, struct task_struct *to__nullable)`): the
 * kernel types them PTR_TO_BTF_ID | PTR_TRUSTED | PTR_MAYBE_NULL, so they must be
 * null-checked before use. scxsim's kernel BTF has no stubs: the table stands for them. */
static const struct { int op; u32 args; } nullable_args[] = {
	{ RT_OP_DISPATCH, 1u << 1 },
	{ RT_OP_YIELD, 1u << 1 },
};

static u32 op_nullable_args(int op)
{
	for (size_t i = 0; i < ARRAY_SIZE(nullable_args); i++)
		if (nullable_args[i].op == op)
			return nullable_args[i].args;
	return 0;
}

/* The sched_ext_ops member this program is bound to: its prototype types ctx. */
static void env_ctx(struct vf_env *e)
{
	struct bpf_sched *s = e->s;
	s32 ops = btf_find_by_name_kind(e->kbtf, "sched_ext_ops", BTF_KIND_STRUCT);
	struct btf_member_info mi;

	for (int o = 0; o < RT_NR_OPS && ops >= 0; o++) {
		const char *member = o == RT_OP_ENABLE_V3 ? "enable_v3" : rt_op_member(o);
		const struct btf_type *t;
		u32 id;

		if (!s->op[o] || s->op[o]->prog != e->prog)
			continue;
		if (btf_member_by_name(e->kbtf, (u32)ops, member, &mi))
			continue;
		t = btf_skip_mods_typedefs(e->kbtf, mi.type_id, &id);
		if (t && btf_kind(t) == BTF_KIND_PTR)
			t = btf_skip_mods_typedefs(e->kbtf, t->type, &id);
		if (t && btf_kind(t) == BTF_KIND_FUNC_PROTO) {
			e->ctx_proto = id;
			e->ret_void = t->type == 0;
			e->ctx_nullable = op_nullable_args(o);
		}
		return;
	}
}

static s32 kid(const struct btf *b, const char *name)
{
	s32 id = btf_find_by_name_kind(b, name, BTF_KIND_STRUCT);

	return id < 0 ? 0 : id;
}

static void field_range(struct vf_env *e, const char *name, s32 scx_off, s32 out[2])
{
	struct btf_member_info mi;
	s32 scx = btf_find_by_name_kind(e->kbtf, "sched_ext_entity", BTF_KIND_STRUCT);

	out[0] = out[1] = -1;
	if (scx < 0 || btf_member_by_name(e->kbtf, (u32)scx, name, &mi))
		return;
	out[0] = scx_off + (s32)(mi.bit_offset / 8);
	out[1] = out[0] + (s32)btf_type_size(e->kbtf, mi.type_id);
}

static void env_types(struct vf_env *e)
{
	struct btf_member_info mi;

	e->task_id = kid(e->kbtf, "task_struct");
	e->cgroup_id = kid(e->kbtf, "cgroup");
	e->cpumask_id = kid(e->kbtf, "cpumask");
	e->bpf_cpumask_id = kid(e->kbtf, "bpf_cpumask");
	if (!e->task_id || btf_member_by_name(e->kbtf, (u32)e->task_id, "scx", &mi)) {
		e->task_slice[0] = e->task_vtime[0] = e->task_disallow[0] = -1;
		return;
	}
	field_range(e, "slice", (s32)(mi.bit_offset / 8), e->task_slice);
	field_range(e, "dsq_vtime", (s32)(mi.bit_offset / 8), e->task_vtime);
	field_range(e, "disallow", (s32)(mi.bit_offset / 8), e->task_disallow);
}

static void init_state(struct vf_env *e, struct vf_state *st)
{
	memset(st, 0, sizeof(*st));
	st->nframes = 1;
	st->fr[0].callsite = -1;
	st->fr[0].cb_call = -1;
	st->fr[0].regs[1] = (struct vf_reg){ .type = VT_CTX, .size = 8 * 12 };
	if (e->ctx_proto)
		st->fr[0].regs[1].size = 8 * btf_vlen(btf_type_by_id(e->kbtf, e->ctx_proto));
	st->fr[0].regs[10] = (struct vf_reg){ .type = VT_STACK };
}

/* Pruning points: jump targets and the fall-through of conditional jumps; iteration points
 * (2): may_goto and calls that loop (iterator next kfuncs, bpf_loop, for_each_map_elem). */
static void env_prune_points(struct vf_env *e)
{
	for (u32 pc = 0; pc < e->nr_insns; pc++) {
		const struct bpf_insn *x = &e->insns[pc];
		u8 cls = BPF_CLASS(x->code), op = BPF_OP(x->code);
		s64 t;

		if (x->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			pc++;
			continue;
		}
		if (cls != BPF_JMP && cls != BPF_JMP32)
			continue;
		if (op == BPF_CALL) {
			if (vf_is_iter_point(e, pc))
				e->prune[pc] = 2;
			continue;
		}
		if (op == BPF_EXIT)
			continue;
		t = (s64)pc + 1 + (cls == BPF_JMP32 && op == BPF_JA ? x->imm : x->off);
		if (t >= 0 && t < e->nr_insns && !e->prune[t])
			e->prune[t] = 1;
		if (op == 0xe0) /* may_goto */
			e->prune[pc] = 2;
		if (op != BPF_JA && pc + 1 < e->nr_insns && !e->prune[pc + 1])
			e->prune[pc + 1] = 1;
	}
}

/* Registers each instruction reads and writes, for the static liveness below. */
static void insn_use_def(const struct bpf_insn *x, u16 *use, u16 *def)
{
	u8 cls = BPF_CLASS(x->code), op = BPF_OP(x->code);
	u16 d = (u16)(1u << x->dst_reg), s = (u16)(1u << x->src_reg);

	*use = *def = 0;
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		*use = (op == BPF_MOV ? 0 : d) | (BPF_SRC(x->code) == BPF_X && op != BPF_END && op != BPF_NEG ? s : 0);
		*def = d;
		return;
	case BPF_LDX: *use = s, *def = d; return;
	case BPF_ST: *use = d; return;
	case BPF_STX:
		*use = d | s;
		if (BPF_MODE(x->code) == BPF_ATOMIC && x->imm == BPF_CMPXCHG)
			*use |= 1, *def = 1;
		else if (BPF_MODE(x->code) == BPF_ATOMIC && (x->imm & BPF_FETCH))
			*def = s;
		return;
	case BPF_LD: *def = d; return;
	}
	if (op == BPF_CALL)
		*use = 0x3e, *def = 0x3f;
	else if (op == BPF_EXIT)
		*use = 1;
	else if (op != BPF_JA && op != 0xe0)
		*use = d | (BPF_SRC(x->code) == BPF_X ? s : 0);
}

/* live-in registers per pc, backwards to a fixed point (calls and exits end a function's
 * flow; a callee is analysed through its own instructions) */
static void env_liveness(struct vf_env *e)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (u32 pc = e->nr_insns; pc-- > 0;) {
			const struct bpf_insn *x = &e->insns[pc];
			u8 cls = BPF_CLASS(x->code), op = BPF_OP(x->code);
			u16 use, def, out = 0, in;
			u32 n = pc + (x->code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1);

			if (pc && e->insns[pc - 1].code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    (pc < 2 || e->insns[pc - 2].code != (BPF_LD | BPF_IMM | BPF_DW)))
				continue; /* second slot of an ld_imm64 */
			insn_use_def(x, &use, &def);
			if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL) {
				s64 t = (s64)pc + 1 + (cls == BPF_JMP32 && op == BPF_JA ? x->imm : x->off);

				if (op != BPF_EXIT && t >= 0 && t < e->nr_insns)
					out |= e->live[t];
				if (op != BPF_EXIT && op != BPF_JA && n < e->nr_insns)
					out |= e->live[n];
			} else if (n < e->nr_insns) {
				out = e->live[n];
			}
			in = (u16)(use | (out & ~def));
			if (in != e->live[pc])
				e->live[pc] = in, changed = true;
		}
	}
}

/* ---- the walk --------------------------------------------------------------------------------- */

static int walk_path(struct vf_env *e)
{
	char buf[96];
	int err = 0;

	e->path_done = false;
	while (!err && !e->path_done) {
		if (e->pc >= e->nr_insns)
			return vf_error(e, "jump out of range from insn %u", e->pc);
		if (++e->processed > BPF_VERIFY_MAX_INSNS)
			return vf_limit(e, "BPF program is too large. Processed %llu insn",
					(unsigned long long)e->processed);
		if (e->prune[e->pc]) {
			err = prune_check(e);
			if (err > 0) {
				if (e->flags & BPF_VERIFY_VERBOSE)
					vf_log(e, "%u: safe\n", e->pc);
				path_end(e);
				return 0;
			}
			if (err)
				return err;
		}
		if (e->flags & BPF_VERIFY_VERBOSE) {
			insn_text(e, e->pc, buf, sizeof(buf));
			vf_log(e, "%u: (%02x) %s\n", e->pc, e->insns[e->pc].code, buf);
		}
		err = vf_step(e);
		if (!err && (e->flags & BPF_VERIFY_VERBOSE) && !e->path_done)
			log_regs(e, e->cur);
	}
	if (e->path_done && !err)
		path_end(e);
	return err;
}

static int walk(struct vf_env *e)
{
	int err;

	e->cur = malloc(sizeof(*e->cur));
	if (!e->cur)
		return -ENOMEM;
	init_state(e, e->cur);
	e->pc = 0;
	for (;;) {
		err = walk_path(e);
		vf_state_put(e, e->cur);
		e->cur = NULL;
		if (err || !e->nr_stack)
			return err;
		e->nr_stack--;
		e->cur = e->stack[e->nr_stack].st;
		e->pc = e->stack[e->nr_stack].pc;
		e->node = e->stack[e->nr_stack].node;
		if (e->flags & BPF_VERIFY_VERBOSE)
			vf_log(e, "from branch to %u\n", e->pc);
	}
}

static void env_free(struct vf_env *e)
{
	for (u32 pc = 0; e->visited && pc < e->nr_insns; pc++)
		for (struct vf_node *n = e->visited[pc], *nx; n; n = nx) {
			nx = n->next;
			free(n->st);
			free(n);
		}
	for (u32 i = 0; i < e->nr_stack; i++)
		free(e->stack[i].st);
	for (u32 i = 0; i < e->nfree; i++)
		free(e->free_states[i]);
	free(e->free_states);
	free(e->stack);
	free(e->visited);
	free(e->prune);
	free(e->live);
	free(e->maps);
	free(e->warned);
	free(e->cur);
}

static void report_fill(struct vf_env *e, struct bpf_verify_report *r)
{
	const char *line;

	r->insns_processed = e->processed;
	r->states = e->states;
	r->pruned = e->pruned;
	r->pc = e->err ? e->err_pc : -1;
	if (!e->err) {
		r->verdict = BPF_VERIFY_ACCEPTED;
		return;
	}
	r->verdict = e->err == -ERANGE ? BPF_VERIFY_UNPROVEN : BPF_VERIFY_REJECTED;
	snprintf(r->msg, sizeof(r->msg), "%s", e->msg);
	if (e->err_pc >= 0 && (u32)e->err_pc < e->nr_insns) {
		insn_text(e, (u32)e->err_pc, r->insn, sizeof(r->insn));
		line = bpf_prog_line(e->prog, (u32)e->err_pc);
		snprintf(r->line, sizeof(r->line), "%s", line ? line : "");
	}
}

int bpf_verify_prog(struct bpf_sched *s, int i, unsigned flags, struct bpf_verify_report *r)
{
	struct vf_env e = { .s = s, .flags = flags, .err_pc = -1 };
	int err;

	memset(r, 0, sizeof(*r));
	r->pc = -1;
	if (!s || !s->loaded || i < 0 || i >= s->nr_progs)
		return -EINVAL;
	e.prog = s->progs[i].prog;
	e.insns = bpf_prog_insns(e.prog, &e.nr_insns);
	e.kbtf = s->kbtf;
	e.pbtf = bpf_obj_btf(s->obj);
	env_ctx(&e);
	if (!e.ctx_proto) {
		r->verdict = BPF_VERIFY_SKIPPED;
		snprintf(r->msg, sizeof(r->msg), "not bound to a sched_ext_ops callback: not verified");
		return 0;
	}
	env_types(&e);
	err = env_maps(&e);
	e.prune = calloc(e.nr_insns + 1, 1);
	e.visited = calloc(e.nr_insns + 1, sizeof(*e.visited));
	e.warned = calloc(e.nr_insns + 1, 1);
	e.live = calloc(e.nr_insns + 1, sizeof(*e.live));
	if (err || !e.prune || !e.visited || !e.warned || !e.live) {
		env_free(&e);
		return -ENOMEM;
	}
	env_prune_points(&e);
	env_liveness(&e);
	err = walk(&e);
	if (err == -ENOMEM) {
		env_free(&e);
		free(e.log);
		free(e.warn);
		return err;
	}
	report_fill(&e, r);
	r->log = e.log;
	r->warnings = e.warn;
	r->nr_warnings = e.nwarn;
	env_free(&e);
	return 0;
}

void bpf_verify_report_fini(struct bpf_verify_report *r)
{
	if (!r)
		return;
	free(r->log);
	free(r->warnings);
	r->log = r->warnings = NULL;
}

const char *bpf_verdict_str(enum bpf_verdict v)
{
	static const char *const s[] = { "accepted", "rejected", "cannot prove", "skipped" };

	return v <= BPF_VERIFY_SKIPPED ? s[v] : "?";
}
