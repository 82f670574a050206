/*
 * core.c — CO-RE ("compile once, run everywhere") relocation of a BPF object against a target
 * BTF (scxsim's own kernel types): for every .BTF.ext core_relo record, parse the access string
 * against the local type, find candidate target types by "essential" name (ignoring ___flavor
 * suffixes), match the access path member by member, compute the local and target values for
 * the relocation kind and patch the instruction (ALU/ALU64 imm, LDX/ST/STX off and size,
 * ld_imm64). Semantics follow libbpf's relo_core.c as documented there and in
 * Documentation/bpf/llvm_reloc.rst; the code is ours.
 *
 * Failure handling as in libbpf: when no candidate matches, existence kinds resolve to 0 and
 * every other kind poisons the instruction (a call to helper 0xbad2310) with a note that says
 * which program, instruction, type and field failed; such code is legal when guarded by an
 * existence check (dead code). With `strict`, a relocation that would poison fails the load with
 * that message instead. Ambiguous candidates and malformed records are always errors.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf/obj_int.h"

enum core_kind {
	CORE_FIELD_BYTE_OFFSET = 0,
	CORE_FIELD_BYTE_SIZE = 1,
	CORE_FIELD_EXISTS = 2,
	CORE_FIELD_SIGNED = 3,
	CORE_FIELD_LSHIFT_U64 = 4,
	CORE_FIELD_RSHIFT_U64 = 5,
	CORE_TYPE_ID_LOCAL = 6,
	CORE_TYPE_ID_TARGET = 7,
	CORE_TYPE_EXISTS = 8,
	CORE_TYPE_SIZE = 9,
	CORE_ENUMVAL_EXISTS = 10,
	CORE_ENUMVAL_VALUE = 11,
	CORE_TYPE_MATCHES = 12,
	NR_CORE_KINDS,
};

enum core_class { CLS_FIELD, CLS_TYPE, CLS_ENUMVAL };

static const struct { const char *name; enum core_class cls; } core_kinds[NR_CORE_KINDS] = {
	[CORE_FIELD_BYTE_OFFSET] = { "byte_off", CLS_FIELD },
	[CORE_FIELD_BYTE_SIZE] = { "byte_sz", CLS_FIELD },
	[CORE_FIELD_EXISTS] = { "field_exists", CLS_FIELD },
	[CORE_FIELD_SIGNED] = { "signed", CLS_FIELD },
	[CORE_FIELD_LSHIFT_U64] = { "lshift_u64", CLS_FIELD },
	[CORE_FIELD_RSHIFT_U64] = { "rshift_u64", CLS_FIELD },
	[CORE_TYPE_ID_LOCAL] = { "local_type_id", CLS_TYPE },
	[CORE_TYPE_ID_TARGET] = { "target_type_id", CLS_TYPE },
	[CORE_TYPE_EXISTS] = { "type_exists", CLS_TYPE },
	[CORE_TYPE_SIZE] = { "type_size", CLS_TYPE },
	[CORE_ENUMVAL_EXISTS] = { "enumval_exists", CLS_ENUMVAL },
	[CORE_ENUMVAL_VALUE] = { "enumval_value", CLS_ENUMVAL },
	[CORE_TYPE_MATCHES] = { "type_matches", CLS_TYPE },
};

#define SPEC_MAX 64
#define CORE_DEPTH 32

struct core_acc {
	u32 type_id;        /* struct/union holding a named member, or the array element type */
	u32 idx;            /* member index or array index */
	const char *name;   /* member / enumerator name, NULL for an array index */
};

struct core_spec {
	const struct btf *btf;
	u32 root_id;
	u32 kind;
	struct core_acc acc[SPEC_MAX]; /* high-level: named members and array indices */
	u32 len;
	u32 raw[SPEC_MAX];             /* low-level: every index of the access string */
	u32 raw_len;
	u64 bit_off;
};

struct core_res {
	u64 orig, val;
	u32 orig_sz, new_sz;     /* load/store size for byte_off of non-bitfields */
	u32 orig_tid, new_tid;   /* field types for the size-change check */
	bool poison, validate, bad_memsz;
};

struct core_ctx {
	struct bpf_obj *obj;
	const struct btf *local, *targ;
	int sec;
	const struct obj_core_relo *r;
	const char *prog;     /* function containing the instruction */
	u32 insn;             /* function-relative instruction index */
	bool strict;
};

static const char *kind_name(u32 kind)
{
	return kind < NR_CORE_KINDS ? core_kinds[kind].name : "unknown";
}

static int core_err(const struct core_ctx *c, int err, const char *why)
{
	return obj_err(c->obj, err, "prog '%s': insn %u: CO-RE %s (%u): %s", c->prog, c->insn,
		       kind_name(c->r->kind), c->r->kind, why);
}

/* ---- access strings ---------------------------------------------------------------------------- */

static int parse_raw(const char *s, struct core_spec *sp)
{
	if (!*s || *s == ':')
		return -EINVAL;
	while (*s) {
		char *end;
		unsigned long v;

		if (*s == ':')
			s++;
		if (*s < '0' || *s > '9' || sp->raw_len == SPEC_MAX)
			return -EINVAL;
		v = strtoul(s, &end, 10);
		if (v > INT_MAX)
			return -EINVAL;
		sp->raw[sp->raw_len++] = v;
		s = end;
		if (*s && *s != ':')
			return -EINVAL;
	}
	return 0;
}

static bool is_flex_array(const struct btf *btf, const struct core_acc *parent,
			  const struct btf_array *a)
{
	const struct btf_type *t;

	if (!parent->name || a->nelems)
		return false;
	t = btf_type_by_id(btf, parent->type_id);
	return parent->idx == btf_vlen(t) - 1u;
}

static int spec_step(struct core_spec *sp, u32 *id, u32 idx)
{
	const struct btf_type *t = btf_skip_mods_typedefs(sp->btf, *id, id);
	struct core_acc *acc = &sp->acc[sp->len];
	s64 sz;

	if (!t)
		return -EINVAL;
	if (btf_is_composite(t)) {
		const struct btf_member *m;

		if (idx >= btf_vlen(t))
			return -EINVAL;
		m = &btf_members(t)[idx];
		sp->bit_off += btf_member_bit_offset(t, idx);
		if (m->name_off) {
			*acc = (struct core_acc){ *id, idx, btf_str(sp->btf, m->name_off) };
			sp->len++;
		}
		*id = m->type;
		return 0;
	}
	if (btf_kind(t) != BTF_KIND_ARRAY)
		return -EINVAL;
	if (!btf_skip_mods_typedefs(sp->btf, btf_array(t)->type, id))
		return -EINVAL;
	if (!is_flex_array(sp->btf, acc - 1, btf_array(t)) && idx >= btf_array(t)->nelems)
		return -EINVAL;
	*acc = (struct core_acc){ *id, idx, NULL };
	sp->len++;
	sz = btf_type_size(sp->btf, *id);
	if (sz < 0)
		return -EINVAL;
	sp->bit_off += (u64)idx * sz * 8;
	return 0;
}

static int spec_parse(const struct btf *btf, const struct obj_core_relo *r, struct core_spec *sp)
{
	const char *s = btf_str(btf, r->access_str_off);
	const struct btf_type *t;
	u32 id;
	s64 sz;
	int err;

	memset(sp, 0, sizeof(*sp));
	sp->btf = btf;
	sp->root_id = r->type_id;
	sp->kind = r->kind;
	if (!s || parse_raw(s, sp))
		return -EINVAL;
	if (core_kinds[r->kind].cls == CLS_TYPE)
		return sp->raw_len == 1 && sp->raw[0] == 0 ? 0 : -EINVAL;
	t = btf_skip_mods_typedefs(btf, r->type_id, &id);
	if (!t)
		return -EINVAL;
	sp->acc[0] = (struct core_acc){ id, sp->raw[0], NULL };
	sp->len = 1;
	if (core_kinds[r->kind].cls == CLS_ENUMVAL) {
		if (!btf_is_any_enum(t) || sp->raw_len > 1 || sp->raw[0] >= btf_vlen(t))
			return -EINVAL;
		sp->acc[0].name = btf_str(btf, btf_kind(t) == BTF_KIND_ENUM ? btf_enums(t)[sp->raw[0]].name_off
									   : btf_enums64(t)[sp->raw[0]].name_off);
		return 0;
	}
	sz = btf_type_size(btf, id);
	if (sz < 0)
		return -EINVAL;
	sp->bit_off = (u64)sp->raw[0] * sz * 8;
	for (u32 i = 1; i < sp->raw_len; i++)
		if ((err = spec_step(sp, &id, sp->raw[i])))
			return err;
	return 0;
}

/* "task_struct.se.vruntime", "foo[3].bar" */
static void spec_fmt(const struct core_spec *sp, char *buf, size_t len)
{
	const char *root = btf_type_name(sp->btf, sp->root_id);
	size_t n = snprintf(buf, len, "%s", root && *root ? root : "(anon)");

	for (u32 i = 0; i < sp->len && n < len; i++) {
		if (sp->acc[i].name)
			n += snprintf(buf + n, len - n, "%s%s", core_kinds[sp->kind].cls == CLS_ENUMVAL ? "::" : ".",
				      sp->acc[i].name);
		else if (i > 0 || sp->acc[i].idx)
			n += snprintf(buf + n, len - n, "[%u]", sp->acc[i].idx);
	}
}

/* ---- compatibility ------------------------------------------------------------------------------ */

static bool kinds_compat(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) || (btf_is_any_enum(a) && btf_is_any_enum(b));
}

static bool names_match(const char *a, const char *b)
{
	size_t la = btf_essential_name_len(a), lb = btf_essential_name_len(b);

	return la == lb && !strncmp(a, b, la);
}

static int fields_compat(const struct btf *lb, u32 lid, const struct btf *tb, u32 tid)
{
	for (int depth = 0; depth < CORE_DEPTH; depth++) {
		const struct btf_type *l = btf_skip_mods_typedefs(lb, lid, &lid);
		const struct btf_type *t = btf_skip_mods_typedefs(tb, tid, &tid);
		const char *ln, *tn;

		if (!l || !t)
			return -EINVAL;
		if (btf_is_composite(l) && btf_is_composite(t))
			return 1;
		if (!kinds_compat(l, t))
			return 0;
		switch (btf_kind(l)) {
		case BTF_KIND_PTR: case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_FWD: case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
			ln = btf_str(lb, l->name_off), tn = btf_str(tb, t->name_off);
			return !*ln || !*tn || names_match(ln, tn);
		case BTF_KIND_INT:
			return btf_int_offset(l) == 0 && btf_int_offset(t) == 0;
		case BTF_KIND_ARRAY:
			lid = btf_array(l)->type, tid = btf_array(t)->type;
			break;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

static int types_compat(const struct btf *lb, u32 lid, const struct btf *tb, u32 tid, int level)
{
	for (int depth = 0; depth < CORE_DEPTH; depth++) {
		const struct btf_type *l = btf_skip_mods_typedefs(lb, lid, &lid);
		const struct btf_type *t = btf_skip_mods_typedefs(tb, tid, &tid);

		if (!l || !t)
			return -EINVAL;
		if (!kinds_compat(l, t))
			return 0;
		switch (btf_kind(l)) {
		case BTF_KIND_UNKN: case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM:
		case BTF_KIND_FWD: case BTF_KIND_ENUM64: case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_INT:
			return btf_int_offset(l) == 0 && btf_int_offset(t) == 0;
		case BTF_KIND_PTR:
			lid = l->type, tid = t->type;
			break;
		case BTF_KIND_ARRAY:
			lid = btf_array(l)->type, tid = btf_array(t)->type;
			break;
		case BTF_KIND_FUNC_PROTO:
			if (btf_vlen(l) != btf_vlen(t) || level <= 0)
				return level <= 0 ? -EINVAL : 0;
			for (u32 i = 0; i < btf_vlen(l); i++) {
				int ok = types_compat(lb, btf_params(l)[i].type, tb, btf_params(t)[i].type, level - 1);

				if (ok <= 0)
					return ok;
			}
			lid = l->type, tid = t->type;
			break;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

/* libbpf's "types match" relation for TYPE_MATCHES (bpf_core_type_matches()). */
static int types_match(const struct btf *lb, u32 lid, const struct btf *tb, u32 tid, bool behind_ptr,
		       int level);

static bool names_match_or_anon(const struct btf *lb, u32 loff, const struct btf *tb, u32 toff)
{
	const char *l = btf_str(lb, loff), *t = btf_str(tb, toff);

	if (!*t)
		return !*l;
	return names_match(l, t);
}

static int enums_match(const struct btf *lb, const struct btf_type *l, const struct btf *tb,
		       const struct btf_type *t)
{
	if (l->size != t->size || btf_vlen(l) > btf_vlen(t))
		return 0;
	for (u32 i = 0; i < btf_vlen(l); i++) {
		u32 ln = btf_kind(l) == BTF_KIND_ENUM ? btf_enums(l)[i].name_off : btf_enums64(l)[i].name_off;
		bool found = false;

		for (u32 j = 0; j < btf_vlen(t) && !found; j++) {
			u32 tn = btf_kind(t) == BTF_KIND_ENUM ? btf_enums(t)[j].name_off : btf_enums64(t)[j].name_off;

			found = names_match_or_anon(lb, ln, tb, tn);
		}
		if (!found)
			return 0;
	}
	return 1;
}

static int composites_match(const struct btf *lb, const struct btf_type *l, const struct btf *tb,
			    const struct btf_type *t, bool behind_ptr, int level)
{
	if (btf_vlen(l) > btf_vlen(t))
		return 0;
	for (u32 i = 0; i < btf_vlen(l); i++) {
		const struct btf_member *lm = &btf_members(l)[i];
		int found = 0;

		for (u32 j = 0; j < btf_vlen(t) && found == 0; j++) {
			const struct btf_member *tm = &btf_members(t)[j];

			if (names_match_or_anon(lb, lm->name_off, tb, tm->name_off))
				found = types_match(lb, lm->type, tb, tm->type, behind_ptr, level - 1);
		}
		if (found <= 0)
			return found;
	}
	return 1;
}

static int types_match(const struct btf *lb, u32 lid, const struct btf *tb, u32 tid, bool behind_ptr,
		       int level)
{
	if (level <= 0)
		return -EINVAL;
	for (int depth = 0; depth < CORE_DEPTH; depth++) {
		const struct btf_type *l = btf_skip_mods_typedefs(lb, lid, &lid);
		const struct btf_type *t = btf_skip_mods_typedefs(tb, tid, &tid);
		u32 lk, tk;

		if (!l || !t)
			return -EINVAL;
		if (!names_match_or_anon(lb, l->name_off, tb, t->name_off))
			return 0;
		lk = btf_kind(l), tk = btf_kind(t);
		switch (lk) {
		case BTF_KIND_UNKN:
			return lk == tk;
		case BTF_KIND_FWD:
			if (behind_ptr && lk != tk)
				return (tk == BTF_KIND_STRUCT && !btf_kflag(l)) || (tk == BTF_KIND_UNION && btf_kflag(l));
			return lk == tk && btf_kflag(l) == btf_kflag(t);
		case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
			return btf_is_any_enum(t) ? enums_match(lb, l, tb, t) : 0;
		case BTF_KIND_STRUCT: case BTF_KIND_UNION:
			if (behind_ptr)
				return lk == tk || (tk == BTF_KIND_FWD && (lk == BTF_KIND_UNION) == btf_kflag(t));
			return lk == tk ? composites_match(lb, l, tb, t, behind_ptr, level) : 0;
		case BTF_KIND_INT:
			return lk == tk && l->size == t->size &&
			       (btf_int_encoding(l) & BTF_INT_SIGNED) == (btf_int_encoding(t) & BTF_INT_SIGNED);
		case BTF_KIND_PTR:
			if (lk != tk)
				return 0;
			behind_ptr = true;
			lid = l->type, tid = t->type;
			break;
		case BTF_KIND_ARRAY:
			if (lk != tk || btf_array(l)->nelems != btf_array(t)->nelems)
				return 0;
			lid = btf_array(l)->type, tid = btf_array(t)->type;
			break;
		case BTF_KIND_FUNC_PROTO:
			if (lk != tk || btf_vlen(l) != btf_vlen(t))
				return 0;
			for (u32 i = 0; i < btf_vlen(l); i++) {
				int ok = types_match(lb, btf_params(l)[i].type, tb, btf_params(t)[i].type,
						     behind_ptr, level - 1);

				if (ok <= 0)
					return ok;
			}
			lid = l->type, tid = t->type;
			break;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- matching a local spec to a target candidate ----------------------------------------------- */

static int match_member(const struct btf *lb, const struct core_acc *lacc, const struct btf *tb, u32 tid,
			struct core_spec *ts, u32 *next_id, int depth)
{
	const struct btf_type *t = btf_skip_mods_typedefs(tb, tid, &tid);
	const struct btf_type *lt = btf_type_by_id(lb, lacc->type_id);
	const struct btf_member *lm = &btf_members(lt)[lacc->idx];

	if (!t || depth > CORE_DEPTH)
		return -EINVAL;
	if (!btf_is_composite(t))
		return 0;
	for (u32 i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		u32 bit = btf_member_bit_offset(t, i);
		int found;

		if (ts->raw_len == SPEC_MAX)
			return -E2BIG;
		ts->bit_off += bit;
		ts->raw[ts->raw_len++] = i;
		if (!m->name_off) {
			found = match_member(lb, lacc, tb, m->type, ts, next_id, depth + 1);
			if (found)
				return found;
		} else if (!strcmp(lacc->name, btf_str(tb, m->name_off))) {
			ts->acc[ts->len++] = (struct core_acc){ tid, i, btf_str(tb, m->name_off) };
			*next_id = m->type;
			found = fields_compat(lb, lm->type, tb, m->type);
			if (!found)
				ts->len--;
			return found;
		}
		ts->bit_off -= bit;
		ts->raw_len--;
	}
	return 0;
}

static int match_array_step(const struct core_spec *ls, u32 i, struct core_spec *ts, u32 *tid)
{
	const struct core_acc *lacc = &ls->acc[i];
	s64 sz;

	if (i > 0) {
		const struct btf_type *t = btf_skip_mods_typedefs(ts->btf, *tid, tid);
		const struct btf_array *a;

		if (!t || btf_kind(t) != BTF_KIND_ARRAY)
			return 0;
		a = btf_array(t);
		if (!is_flex_array(ts->btf, &ts->acc[ts->len - 1], a) && lacc->idx >= a->nelems)
			return 0;
		if (!btf_skip_mods_typedefs(ts->btf, a->type, tid))
			return -EINVAL;
	}
	if (ts->raw_len == SPEC_MAX)
		return -E2BIG;
	ts->acc[ts->len++] = (struct core_acc){ *tid, lacc->idx, NULL };
	ts->raw[ts->raw_len++] = lacc->idx;
	sz = btf_type_size(ts->btf, *tid);
	if (sz < 0)
		return -EINVAL;
	ts->bit_off += (u64)lacc->idx * sz * 8;
	return 1;
}

static int match_enumval(const struct core_spec *ls, struct core_spec *ts, u32 tid)
{
	const struct btf_type *t = btf_skip_mods_typedefs(ts->btf, tid, &tid);

	if (!t || !btf_is_any_enum(t))
		return 0;
	for (u32 i = 0; i < btf_vlen(t); i++) {
		u32 noff = btf_kind(t) == BTF_KIND_ENUM ? btf_enums(t)[i].name_off : btf_enums64(t)[i].name_off;
		const char *n = btf_str(ts->btf, noff);

		if (names_match(ls->acc[0].name, n)) {
			ts->acc[0] = (struct core_acc){ tid, i, n };
			ts->len = 1;
			ts->raw[0] = i;
			ts->raw_len = 1;
			return 1;
		}
	}
	return 0;
}

static int spec_match(const struct core_spec *ls, const struct btf *tb, u32 tid, struct core_spec *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->btf = tb;
	ts->root_id = tid;
	ts->kind = ls->kind;
	if (core_kinds[ls->kind].cls == CLS_TYPE)
		return ls->kind == CORE_TYPE_MATCHES ? types_match(ls->btf, ls->root_id, tb, tid, false, CORE_DEPTH)
						     : types_compat(ls->btf, ls->root_id, tb, tid, CORE_DEPTH);
	if (core_kinds[ls->kind].cls == CLS_ENUMVAL)
		return match_enumval(ls, ts, tid);
	for (u32 i = 0; i < ls->len; i++) {
		int ok;

		if (!btf_skip_mods_typedefs(tb, tid, &tid))
			return -EINVAL;
		if (ls->acc[i].name)
			ok = match_member(ls->btf, &ls->acc[i], tb, tid, ts, &tid, 0);
		else
			ok = match_array_step(ls, i, ts, &tid);
		if (ok <= 0)
			return ok;
	}
	return 1;
}

/* ---- computing values ---------------------------------------------------------------------------- */

static int calc_array_field(const struct core_spec *sp, u32 kind, u64 *val, u32 *sz, u32 *tid)
{
	const struct core_acc *acc = &sp->acc[sp->len - 1];
	s64 s = btf_type_size(sp->btf, acc->type_id);

	if (s < 0)
		return -EINVAL;
	if (kind == CORE_FIELD_BYTE_OFFSET) {
		*val = sp->bit_off / 8;
		*sz = s;
		*tid = acc->type_id;
	} else if (kind == CORE_FIELD_BYTE_SIZE) {
		*val = s;
	} else {
		return -EOPNOTSUPP;
	}
	return 0;
}

/* spec == NULL: the field was not found in the target */
static int calc_field(const struct core_spec *sp, u32 kind, u64 *val, u32 *fsz, u32 *ftid, bool *validate)
{
	const struct core_acc *acc;
	const struct btf_type *t, *mt;
	u32 mtid, bit_sz, byte_sz, byte_off;
	u64 bit_off;

	*fsz = 0;
	if (kind == CORE_FIELD_EXISTS) {
		*val = !!sp;
		return 0;
	}
	if (!sp)
		return -EUCLEAN;
	acc = &sp->acc[sp->len - 1];
	if (!acc->name)
		return calc_array_field(sp, kind, val, fsz, ftid);
	t = btf_type_by_id(sp->btf, acc->type_id);
	mt = btf_skip_mods_typedefs(sp->btf, btf_members(t)[acc->idx].type, &mtid);
	if (!mt)
		return -EINVAL;
	bit_off = sp->bit_off;
	bit_sz = btf_member_bitfield_size(t, acc->idx);
	if (bit_sz) {
		byte_sz = mt->size;
		if (!byte_sz)
			return -EINVAL;
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return -E2BIG;
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		s64 s = btf_type_size(sp->btf, mtid);

		if (s < 0)
			return -EINVAL;
		byte_sz = s;
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
	}
	if (validate)
		*validate = !btf_member_bitfield_size(t, acc->idx);
	switch (kind) {
	case CORE_FIELD_BYTE_OFFSET:
		*val = byte_off;
		if (!btf_member_bitfield_size(t, acc->idx))
			*fsz = byte_sz, *ftid = mtid;
		break;
	case CORE_FIELD_BYTE_SIZE:
		*val = byte_sz;
		break;
	case CORE_FIELD_SIGNED:
		*val = (btf_is_any_enum(mt) && btf_kflag(mt)) ||
		       (btf_kind(mt) == BTF_KIND_INT && (btf_int_encoding(mt) & BTF_INT_SIGNED));
		if (validate)
			*validate = true;
		break;
	case CORE_FIELD_LSHIFT_U64:
		*val = 64 - (bit_off + bit_sz - byte_off * 8);
		break;
	default: /* CORE_FIELD_RSHIFT_U64 */
		*val = 64 - bit_sz;
		if (validate)
			*validate = true;
		break;
	}
	return 0;
}

static int calc_type(const struct core_spec *sp, u32 kind, u64 *val)
{
	s64 s;

	if (!sp) {
		*val = 0;
		return 0;
	}
	switch (kind) {
	case CORE_TYPE_ID_TARGET:
		*val = sp->root_id;
		return 0;
	case CORE_TYPE_EXISTS: case CORE_TYPE_MATCHES:
		*val = 1;
		return 0;
	case CORE_TYPE_SIZE:
		s = btf_type_size(sp->btf, sp->root_id);
		if (s < 0)
			return -EINVAL;
		*val = s;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int calc_enumval(const struct core_spec *sp, u32 kind, u64 *val)
{
	const struct btf_type *t;

	if (kind == CORE_ENUMVAL_EXISTS) {
		*val = !!sp;
		return 0;
	}
	if (!sp)
		return -EUCLEAN;
	t = btf_type_by_id(sp->btf, sp->acc[0].type_id);
	*val = btf_kind(t) == BTF_KIND_ENUM ? (u64)(s64)btf_enums(t)[sp->acc[0].idx].val
					    : btf_enum64_value(&btf_enums64(t)[sp->acc[0].idx]);
	return 0;
}

static bool memsz_adjust_ok(const struct core_spec *ls, const struct core_spec *ts, const struct core_res *res)
{
	const struct btf_type *o = btf_type_by_id(ls->btf, res->orig_tid);
	const struct btf_type *n = btf_type_by_id(ts->btf, res->new_tid);

	if (!o || !n)
		return false;
	if (btf_kind(o) == BTF_KIND_PTR && btf_kind(n) == BTF_KIND_PTR)
		return true;
	return btf_kind(o) == BTF_KIND_INT && btf_kind(n) == BTF_KIND_INT &&
	       !(btf_int_encoding(o) & BTF_INT_SIGNED) && !(btf_int_encoding(n) & BTF_INT_SIGNED);
}

static int calc_relo(u32 kind, const struct core_spec *ls, const struct core_spec *ts, struct core_res *res)
{
	int err;

	memset(res, 0, sizeof(*res));
	res->validate = true;
	switch (core_kinds[kind].cls) {
	case CLS_FIELD:
		err = calc_field(ls, kind, &res->orig, &res->orig_sz, &res->orig_tid, &res->validate);
		err = err ?: calc_field(ts, kind, &res->val, &res->new_sz, &res->new_tid, NULL);
		if (!err && res->orig_sz != res->new_sz)
			res->bad_memsz = !memsz_adjust_ok(ls, ts, res);
		break;
	case CLS_TYPE:
		err = calc_type(ls, kind, &res->orig);
		err = err ?: calc_type(ts, kind, &res->val);
		if (kind == CORE_TYPE_ID_TARGET)
			res->validate = false;
		break;
	default:
		err = calc_enumval(ls, kind, &res->orig);
		err = err ?: calc_enumval(ts, kind, &res->val);
		break;
	}
	if (err == -EUCLEAN) {
		res->poison = true;
		err = 0;
	}
	return err;
}

/* ---- candidates ------------------------------------------------------------------------------------ */

static int find_result(const struct core_ctx *c, const struct core_spec *ls, struct core_res *res,
		       struct core_spec *best)
{
	const struct btf_type *lt = btf_type_by_id(c->local, c->r->type_id);
	const char *lname = btf_str(c->local, lt->name_off);
	struct core_spec *cand = calloc(1, sizeof(*cand));
	struct core_res cres;
	u32 found = 0;
	int err = cand ? 0 : -ENOMEM;

	if (!*lname)
		err = err ?: core_err(c, -EOPNOTSUPP, "relocation against an anonymous type");
	for (u32 id = 1; !err && id < btf_type_cnt(c->targ); id++) {
		const struct btf_type *t = btf_type_by_id(c->targ, id);
		int ok;

		if (!kinds_compat(lt, t) || !names_match(lname, btf_str(c->targ, t->name_off)))
			continue;
		ok = spec_match(ls, c->targ, id, cand);
		if (ok < 0)
			err = core_err(c, -EINVAL, "error matching a target candidate");
		if (ok <= 0)
			continue;
		err = calc_relo(c->r->kind, ls, cand, &cres);
		if (err)
			err = core_err(c, err, "cannot compute the value (a type without size, or a bitfield "
				       "no 8-byte load covers)");
		if (!err && found && (cand->bit_off != best->bit_off || cres.poison != res->poison ||
				      cres.val != res->val))
			err = core_err(c, -EINVAL, "ambiguous: target candidates disagree");
		if (!err && !found++) {
			*res = cres;
			*best = *cand;
		}
	}
	if (!err && !found && calc_relo(c->r->kind, ls, NULL, res))
		err = core_err(c, -EINVAL, "cannot compute the local value");
	free(cand);
	return err;
}

/* ---- patching -------------------------------------------------------------------------------------- */

static int bpf_size_bytes(u8 code)
{
	static const int bytes[4] = { [BPF_W >> 3] = 4, [BPF_H >> 3] = 2, [BPF_B >> 3] = 1, [BPF_DW >> 3] = 8 };

	return bytes[BPF_SIZE(code) >> 3];
}

static int bytes_bpf_size(u32 sz)
{
	return sz == 8 ? BPF_DW : sz == 4 ? BPF_W : sz == 2 ? BPF_H : sz == 1 ? BPF_B : -1;
}

static int poison(const struct core_ctx *c, struct bpf_insn *in, const char *why)
{
	char msg[BPF_OBJ_ERR_MAX];
	bool ld = in->code == (BPF_LD | BPF_IMM | BPF_DW);

	snprintf(msg, sizeof(msg), "prog '%s': insn %u: CO-RE %s: %s", c->prog, c->insn,
		 core_kinds[c->r->kind].name, why);
	if (c->strict)
		return obj_err(c->obj, -ENOENT, "%s", msg);
	if (ld && c->r->insn + 1 < c->obj->secs[c->sec].nr_insns)
		in[1] = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = BPF_OBJ_POISON_CORE };
	in[0] = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = BPF_OBJ_POISON_CORE };
	return obj_add_poison(c->obj, c->sec, c->r->insn, msg);
}

static int patch_ldx(const struct core_ctx *c, struct bpf_insn *in, struct core_res *res,
		     const char *why)
{
	char m[128];
	int bsz;

	if (res->validate && (u64)(s64)in->off != res->orig) {
		snprintf(m, sizeof(m), "instruction offset %d, expected %llu", in->off, (unsigned long long)res->orig);
		return core_err(c, -EINVAL, m);
	}
	if (res->val > SHRT_MAX)
		return core_err(c, -ERANGE, "target offset does not fit an instruction");
	if (res->bad_memsz) {
		res->poison = true;
		return poison(c, in, why);
	}
	in->off = res->val;
	if (res->new_sz == res->orig_sz)
		return 0;
	if (bpf_size_bytes(in->code) != (int)res->orig_sz)
		return core_err(c, -EINVAL, "access size does not match the local field size");
	bsz = bytes_bpf_size(res->new_sz);
	if (bsz < 0)
		return core_err(c, -EINVAL, "target field size cannot be loaded by one instruction");
	in->code = BPF_MODE(in->code) | bsz | BPF_CLASS(in->code);
	return 0;
}

static int patch_ldimm64(const struct core_ctx *c, struct bpf_insn *in, const struct core_res *res)
{
	u64 imm;

	if (c->r->insn + 1 >= c->obj->secs[c->sec].nr_insns || in[0].src_reg || in[0].off ||
	    in[1].code || in[1].dst_reg || in[1].src_reg || in[1].off)
		return core_err(c, -EINVAL, "ld_imm64 has an unexpected form");
	imm = (u32)in[0].imm | ((u64)(u32)in[1].imm << 32);
	if (res->validate && imm != res->orig)
		return core_err(c, -EINVAL, "ld_imm64 value does not match the local value");
	in[0].imm = (s32)(u32)res->val;
	in[1].imm = (s32)(u32)(res->val >> 32);
	return 0;
}

static int patch_insn(const struct core_ctx *c, struct core_res *res, const char *why)
{
	struct bpf_insn *in = &c->obj->secs[c->sec].insns[c->r->insn];
	char m[128];

	if (res->poison)
		return poison(c, in, why);
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU: case BPF_ALU64:
		if (BPF_SRC(in->code) != BPF_K)
			return core_err(c, -EINVAL, "ALU instruction does not take an immediate");
		if (res->validate && (u64)(s64)in->imm != res->orig && (u64)(u32)in->imm != res->orig) {
			snprintf(m, sizeof(m), "instruction immediate %d, expected %llu", in->imm,
				 (unsigned long long)res->orig);
			return core_err(c, -EINVAL, m);
		}
		if (res->val > UINT32_MAX && ((s64)res->val < INT32_MIN || (s64)res->val > INT32_MAX))
			return core_err(c, -ERANGE, "value does not fit a 32-bit immediate");
		in->imm = (s32)res->val;
		return 0;
	case BPF_LDX: case BPF_ST: case BPF_STX:
		return patch_ldx(c, in, res, why);
	case BPF_LD:
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
			return patch_ldimm64(c, in, res);
		/* fallthrough */
	default:
		return core_err(c, -EINVAL, "instruction cannot be CO-RE relocated");
	}
}

/* ---- driver ----------------------------------------------------------------------------------------- */

static void why_not_found(const struct core_ctx *c, const struct core_spec *ls, const struct core_res *res,
			  char *why, size_t len)
{
	char path[256];

	spec_fmt(ls, path, sizeof(path));
	if (res->bad_memsz)
		snprintf(why, len, "field '%s' changed size in the target and is not an unsigned integer or pointer",
			 path);
	else if (core_kinds[c->r->kind].cls == CLS_FIELD)
		snprintf(why, len, "field '%s' (access %s) not found in the target BTF", path,
			 btf_str(c->local, c->r->access_str_off));
	else if (core_kinds[c->r->kind].cls == CLS_ENUMVAL)
		snprintf(why, len, "enumerator '%s' not found in the target BTF", path);
	else
		snprintf(why, len, "type '%s' not found in the target BTF", path);
}

static int core_record(struct core_ctx *c, const struct core_spec *ls, const struct core_res *res)
{
	struct bpf_obj *obj = c->obj;
	struct bpf_core_result *n = realloc(obj->cores, (obj->nr_cores + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	obj->cores = n;
	n = &n[obj->nr_cores++];
	*n = (struct bpf_core_result){ c->prog, c->insn, core_kinds[c->r->kind].name, "",
				       res->orig, res->poison ? 0 : res->val, res->poison };
	spec_fmt(ls, n->spec, sizeof(n->spec));
	return 0;
}

static int core_one(struct core_ctx *c)
{
	struct core_spec *ls = calloc(2, sizeof(*ls));
	struct core_res res;
	char why[400];
	int err = ls ? 0 : -ENOMEM;

	if (!err && c->r->kind >= NR_CORE_KINDS)
		err = core_err(c, -EINVAL, "unknown relocation kind");
	if (!err && spec_parse(c->local, c->r, ls))
		err = obj_err(c->obj, -EINVAL, "prog '%s': insn %u: CO-RE: bad access string '%s' for type [%u]",
			      c->prog, c->insn, btf_str(c->local, c->r->access_str_off), c->r->type_id);
	if (!err && c->r->kind == CORE_TYPE_ID_LOCAL)
		res = (struct core_res){ .orig = c->r->type_id, .val = c->r->type_id };
	else if (!err)
		err = find_result(c, ls, &res, &ls[1]);
	if (!err) {
		why_not_found(c, ls, &res, why, sizeof(why));
		err = patch_insn(c, &res, why);
	}
	if (!err)
		err = core_record(c, ls, &res);
	free(ls);
	return err;
}

int bpf_obj_core_result_cnt(const struct bpf_obj *obj)
{
	return obj->nr_cores;
}

const struct bpf_core_result *bpf_obj_core_result(const struct bpf_obj *obj, int i)
{
	return i >= 0 && i < (int)obj->nr_cores ? &obj->cores[i] : NULL;
}

int obj_core_relocate(struct bpf_obj *obj, const struct btf *targ, bool strict)
{
	int err = 0;

	for (u32 i = 0; !err && i < obj->nr_secs; i++) {
		const struct obj_sec *s = &obj->secs[i];

		for (u32 j = 0; !err && j < s->nr_cores; j++) {
			int f = obj_func_covering(obj, i, s->cores[j].insn);
			struct core_ctx c = { obj, obj->btf, targ, i, &s->cores[j],
					      f >= 0 ? obj->funcs[f].name : s->name,
					      f >= 0 ? s->cores[j].insn - obj->funcs[f].off : s->cores[j].insn, strict };

			err = core_one(&c);
		}
	}
	return err;
}
