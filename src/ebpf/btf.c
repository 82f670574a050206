/*
 * btf.c — parse and query BTF blobs (see include/scxsim/btf.h for the API and the format
 * references).
 *
 * Why our own reader: scxsim has no libbpf dependency (Debian's is too old for sched_ext
 * objects) and must survive hostile objects. Parsing is two passes: the first walks the type
 * section and records where each type starts (sizes come from the kind table), the second checks
 * every name offset and every type id a type refers to.
 *
 * Invariants after btf_parse() succeeds: the blob is 4-byte aligned in memory; every type
 * record lies inside the type section; every name_off (types, members, params, enumerators)
 * points at a NUL-terminated string inside the string section; every referenced type id is
 * < nr_types; FUNC points at a FUNC_PROTO. Cycles are not rejected: every walker carries a
 * depth bound instead (BTF_MAX_DEPTH) and fails cleanly.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scxsim/btf.h"
#include "ebpf/obj_int.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "BTF is read in host byte order");

#define BTF_MAX_DEPTH 32
#define BTF_HDR_MIN 24

struct btf {
	u8 *data;         /* the copied blob (u32-aligned by malloc) */
	size_t size;
	const u8 *types;  /* type section */
	u32 types_len;
	const char *strs; /* string section */
	u32 strs_len;
	u32 *offs;        /* offs[id] = offset of type id in types; offs[0] unused */
	u32 nr_types;     /* including void */
};

/* How each kind is laid out and what its fields mean: the one table of BTF layout knowledge. */
enum ref_rule { REF_NONE, REF_SIZE, REF_TYPE, REF_TYPE_OR_VOID };
enum name_rule { NAME_ANY, NAME_REQUIRED, NAME_NONE };

struct btf_kind_desc {
	const char *name;
	u8 fixed;      /* bytes of kind data after struct btf_type */
	u8 per_vlen;   /* bytes per vlen record after that (0: vlen must be 0, except FUNC) */
	u8 ref;        /* what the size/type union holds (enum ref_rule) */
	u8 name_rule;  /* enum name_rule */
	bool kflag;    /* kind_flag allowed */
};

static const struct btf_kind_desc kind_table[NR_BTF_KINDS] = {
	[BTF_KIND_UNKN]       = { "unknown",    0, 0,  REF_NONE,         NAME_NONE,     false },
	[BTF_KIND_INT]        = { "int",        4, 0,  REF_SIZE,         NAME_REQUIRED, false },
	[BTF_KIND_PTR]        = { "ptr",        0, 0,  REF_TYPE_OR_VOID, NAME_NONE,     false },
	[BTF_KIND_ARRAY]      = { "array",     12, 0,  REF_NONE,         NAME_NONE,     false },
	[BTF_KIND_STRUCT]     = { "struct",     0, 12, REF_SIZE,         NAME_ANY,      true },
	[BTF_KIND_UNION]      = { "union",      0, 12, REF_SIZE,         NAME_ANY,      true },
	[BTF_KIND_ENUM]       = { "enum",       0, 8,  REF_SIZE,         NAME_ANY,      true },
	[BTF_KIND_FWD]        = { "fwd",        0, 0,  REF_NONE,         NAME_REQUIRED, true },
	[BTF_KIND_TYPEDEF]    = { "typedef",    0, 0,  REF_TYPE_OR_VOID, NAME_REQUIRED, false },
	[BTF_KIND_VOLATILE]   = { "volatile",   0, 0,  REF_TYPE_OR_VOID, NAME_NONE,     false },
	[BTF_KIND_CONST]      = { "const",      0, 0,  REF_TYPE_OR_VOID, NAME_NONE,     false },
	[BTF_KIND_RESTRICT]   = { "restrict",   0, 0,  REF_TYPE_OR_VOID, NAME_NONE,     false },
	[BTF_KIND_FUNC]       = { "func",       0, 0,  REF_TYPE,         NAME_REQUIRED, false },
	[BTF_KIND_FUNC_PROTO] = { "func_proto", 0, 8,  REF_TYPE_OR_VOID, NAME_NONE,     false },
	[BTF_KIND_VAR]        = { "var",        4, 0,  REF_TYPE,         NAME_REQUIRED, false },
	[BTF_KIND_DATASEC]    = { "datasec",    0, 12, REF_SIZE,         NAME_REQUIRED, false },
	[BTF_KIND_FLOAT]      = { "float",      0, 0,  REF_SIZE,         NAME_REQUIRED, false },
	[BTF_KIND_DECL_TAG]   = { "decl_tag",   4, 0,  REF_TYPE,         NAME_REQUIRED, false },
	[BTF_KIND_TYPE_TAG]   = { "type_tag",   0, 0,  REF_TYPE_OR_VOID, NAME_REQUIRED, false },
	[BTF_KIND_ENUM64]     = { "enum64",     0, 12, REF_SIZE,         NAME_ANY,      true },
};

static const struct btf_type void_type;

const char *btf_kind_name(u32 kind)
{
	return kind < NR_BTF_KINDS ? kind_table[kind].name : "unknown";
}

static int btf_errf(char *err, size_t errlen, const char *what, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "%s: ", what);
	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- pass 0: header ---------------------------------------------------------------- */

struct btf_hdr {
	u16 magic;
	u8 version;
	u8 flags;
	u32 hdr_len;
	u32 type_off, type_len, str_off, str_len;
};

static bool range_ok(u64 off, u64 len, u64 size)
{
	return off <= size && len <= size - off;
}

static int btf_check_header(struct btf *btf, const char *what, char *err, size_t errlen)
{
	struct btf_hdr h;
	u64 base;

	if (btf->size < BTF_HDR_MIN)
		return btf_errf(err, errlen, what, "too small for a header (%zu bytes)", btf->size);
	memcpy(&h, btf->data, sizeof(h));
	if (h.magic != BTF_MAGIC)
		return btf_errf(err, errlen, what, "bad magic 0x%04x (expected 0xeb9f)", h.magic);
	if (h.version != 1)
		return btf_errf(err, errlen, what, "unsupported version %u", h.version);
	if (h.hdr_len < BTF_HDR_MIN || h.hdr_len > btf->size)
		return btf_errf(err, errlen, what, "bad header length %u", h.hdr_len);
	base = h.hdr_len;
	if (!range_ok(base + h.type_off, h.type_len, btf->size))
		return btf_errf(err, errlen, what, "type section [%u, +%u) out of range", h.type_off, h.type_len);
	if (!range_ok(base + h.str_off, h.str_len, btf->size))
		return btf_errf(err, errlen, what, "string section [%u, +%u) out of range", h.str_off, h.str_len);
	if ((base + h.type_off) % 4 || h.type_len % 4)
		return btf_errf(err, errlen, what, "type section not 4-byte aligned");
	if (h.type_off < h.str_off ? h.type_off + (u64)h.type_len > h.str_off
				   : h.str_off + (u64)h.str_len > h.type_off)
		return btf_errf(err, errlen, what, "type and string sections overlap");
	if (!h.str_len || btf->data[base + h.str_off] != '\0' ||
	    btf->data[base + h.str_off + h.str_len - 1] != '\0')
		return btf_errf(err, errlen, what, "string section must start and end with NUL");
	btf->types = btf->data + base + h.type_off;
	btf->types_len = h.type_len;
	btf->strs = (const char *)btf->data + base + h.str_off;
	btf->strs_len = h.str_len;
	return 0;
}

/* ---- pass 1: index the types ------------------------------------------------------- */

static u64 btf_rec_size(const struct btf_type *t)
{
	const struct btf_kind_desc *d = &kind_table[btf_kind(t)];

	return sizeof(*t) + d->fixed + (u64)d->per_vlen * btf_vlen(t);
}

static int btf_push_off(struct btf *btf, u32 off, u32 *cap)
{
	if (btf->nr_types == *cap) {
		u32 ncap = *cap ? *cap * 2 : 256;
		u32 *n = realloc(btf->offs, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		btf->offs = n;
		*cap = ncap;
	}
	btf->offs[btf->nr_types++] = off;
	return 0;
}

static int btf_index_types(struct btf *btf, const char *what, char *err, size_t errlen)
{
	u32 off = 0, cap = 0;
	int ret = btf_push_off(btf, 0, &cap); /* id 0: void */

	while (!ret && off < btf->types_len) {
		const struct btf_type *t = (const void *)(btf->types + off);
		u64 rec;

		if (btf->types_len - off < sizeof(*t))
			return btf_errf(err, errlen, what, "type [%u] truncated", btf->nr_types);
		if (btf_kind(t) == BTF_KIND_UNKN || btf_kind(t) >= NR_BTF_KINDS)
			return btf_errf(err, errlen, what, "type [%u] has invalid kind %u",
					btf->nr_types, btf_kind(t));
		rec = btf_rec_size(t);
		if (rec > btf->types_len - off)
			return btf_errf(err, errlen, what, "type [%u] (%s) runs past the type section",
					btf->nr_types, btf_kind_name(btf_kind(t)));
		if (btf->nr_types > BTF_MAX_TYPE_ID)
			return btf_errf(err, errlen, what, "too many types");
		ret = btf_push_off(btf, off, &cap);
		off += rec;
	}
	return ret;
}

/* ---- pass 2: validate names and references ---------------------------------------- */

static bool btf_str_ok(const struct btf *btf, u32 off)
{
	return off < btf->strs_len;
}

static bool btf_id_ok(const struct btf *btf, u32 id, bool void_ok)
{
	return id < btf->nr_types && (void_ok || id != 0);
}

/* Names and ids of the per-vlen records of one type. */
static int btf_check_records(const struct btf *btf, u32 id, const struct btf_type *t,
			     const char *what, char *err, size_t errlen)
{
	u32 k = btf_kind(t), n = btf_vlen(t);

	for (u32 i = 0; i < n; i++) {
		u32 name = 0, ref = 0;
		bool has_ref = true, void_ok = false;

		switch (k) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			name = btf_members(t)[i].name_off, ref = btf_members(t)[i].type;
			break;
		case BTF_KIND_ENUM:
			name = btf_enums(t)[i].name_off, has_ref = false;
			break;
		case BTF_KIND_ENUM64:
			name = btf_enums64(t)[i].name_off, has_ref = false;
			break;
		case BTF_KIND_FUNC_PROTO:
			name = btf_params(t)[i].name_off, ref = btf_params(t)[i].type;
			void_ok = i == n - 1; /* trailing void = variadic */
			break;
		case BTF_KIND_DATASEC:
			ref = btf_secinfos(t)[i].type;
			break;
		default:
			has_ref = false;
		}
		if (!btf_str_ok(btf, name))
			return btf_errf(err, errlen, what, "type [%u] record %u: name offset %u out of range",
					id, i, name);
		if (has_ref && !btf_id_ok(btf, ref, void_ok))
			return btf_errf(err, errlen, what, "type [%u] record %u: type id %u invalid", id, i, ref);
	}
	return 0;
}

static int btf_check_type(const struct btf *btf, u32 id, const char *what, char *err, size_t errlen)
{
	const struct btf_type *t = btf_type_by_id(btf, id);
	const struct btf_kind_desc *d = &kind_table[btf_kind(t)];
	u32 k = btf_kind(t);

	if (!btf_str_ok(btf, t->name_off))
		return btf_errf(err, errlen, what, "type [%u] (%s): name offset %u out of range",
				id, d->name, t->name_off);
	if (d->name_rule == NAME_REQUIRED && !btf->strs[t->name_off])
		return btf_errf(err, errlen, what, "type [%u] (%s) must have a name", id, d->name);
	if (d->name_rule == NAME_NONE && t->name_off)
		return btf_errf(err, errlen, what, "type [%u] (%s) must be anonymous", id, d->name);
	if (btf_kflag(t) && !d->kflag)
		return btf_errf(err, errlen, what, "type [%u] (%s) has kind_flag set", id, d->name);
	if (!d->per_vlen && btf_vlen(t) && !(k == BTF_KIND_FUNC && btf_vlen(t) <= BTF_FUNC_EXTERN))
		return btf_errf(err, errlen, what, "type [%u] (%s) has vlen %u", id, d->name, btf_vlen(t));
	if ((d->ref == REF_TYPE || d->ref == REF_TYPE_OR_VOID) &&
	    !btf_id_ok(btf, t->type, d->ref == REF_TYPE_OR_VOID))
		return btf_errf(err, errlen, what, "type [%u] (%s) refers to invalid type id %u",
				id, d->name, t->type);
	if (k == BTF_KIND_ARRAY &&
	    (!btf_id_ok(btf, btf_array(t)->type, false) || !btf_id_ok(btf, btf_array(t)->index_type, false)))
		return btf_errf(err, errlen, what, "type [%u] (array) refers to an invalid type id", id);
	if (k == BTF_KIND_FUNC && btf_kind(btf_type_by_id(btf, t->type)) != BTF_KIND_FUNC_PROTO)
		return btf_errf(err, errlen, what, "type [%u] (func) does not point at a func_proto", id);
	if (k == BTF_KIND_INT && (btf_int_bits(t) > 128 || btf_int_offset(t) + btf_int_bits(t) > t->size * 8u))
		return btf_errf(err, errlen, what, "type [%u] (int) has bad bits/offset", id);
	return btf_check_records(btf, id, t, what, err, errlen);
}

int btf_parse(const void *data, size_t size, const char *what, struct btf **out,
	      char *err, size_t errlen)
{
	struct btf *btf;
	int ret;

	*out = NULL;
	btf = calloc(1, sizeof(*btf));
	if (!btf || !(btf->data = malloc(size ? size : 1))) {
		free(btf);
		return -ENOMEM;
	}
	if (size)
		memcpy(btf->data, data, size);
	btf->size = size;
	ret = btf_check_header(btf, what, err, errlen);
	ret = ret ?: btf_index_types(btf, what, err, errlen);
	for (u32 id = 1; !ret && id < btf->nr_types; id++)
		ret = btf_check_type(btf, id, what, err, errlen);
	if (ret) {
		btf_free(btf);
		return ret;
	}
	*out = btf;
	return 0;
}

void btf_free(struct btf *btf)
{
	if (!btf)
		return;
	free(btf->offs);
	free(btf->data);
	free(btf);
}

/* ---- lookups ------------------------------------------------------------------------- */

u32 btf_type_cnt(const struct btf *btf)
{
	return btf->nr_types;
}

const struct btf_type *btf_type_by_id(const struct btf *btf, u32 id)
{
	if (id == 0)
		return &void_type;
	if (id >= btf->nr_types)
		return NULL;
	return (const void *)(btf->types + btf->offs[id]);
}

const char *btf_str(const struct btf *btf, u32 off)
{
	return off < btf->strs_len ? btf->strs + off : NULL;
}

const char *btf_type_name(const struct btf *btf, u32 id)
{
	const struct btf_type *t = btf_type_by_id(btf, id);

	return t ? btf_str(btf, t->name_off) : NULL;
}

s32 btf_find_by_name_kind(const struct btf *btf, const char *name, u32 kind)
{
	for (u32 id = 1; id < btf->nr_types; id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);

		if (btf_kind(t) == kind && !strcmp(btf->strs + t->name_off, name))
			return id;
	}
	return -ENOENT;
}

static const struct btf_type *btf_skip(const struct btf *btf, u32 id, u32 *res_id, bool typedefs)
{
	const struct btf_type *t = btf_type_by_id(btf, id);

	for (int depth = 0; t && depth < BTF_MAX_DEPTH; depth++) {
		if (!btf_is_modifier(t) && !(typedefs && btf_kind(t) == BTF_KIND_TYPEDEF)) {
			if (res_id)
				*res_id = id;
			return t;
		}
		id = t->type;
		t = btf_type_by_id(btf, id);
	}
	return NULL;
}

const struct btf_type *btf_skip_mods(const struct btf *btf, u32 id, u32 *res_id)
{
	return btf_skip(btf, id, res_id, false);
}

const struct btf_type *btf_skip_mods_typedefs(const struct btf *btf, u32 id, u32 *res_id)
{
	return btf_skip(btf, id, res_id, true);
}

s64 btf_type_size(const struct btf *btf, u32 id)
{
	u64 mult = 1;

	for (int depth = 0; depth < BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t = btf_skip_mods_typedefs(btf, id, &id);

		if (!t)
			return -EINVAL;
		switch (btf_kind(t)) {
		case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_STRUCT:
		case BTF_KIND_UNION: case BTF_KIND_DATASEC: case BTF_KIND_FLOAT:
			if (t->size && mult > (u64)INT32_MAX / t->size)
				return -E2BIG;
			return mult * t->size;
		case BTF_KIND_PTR:
			return mult * 8;
		case BTF_KIND_VAR:
			id = t->type;
			break;
		case BTF_KIND_ARRAY:
			if (btf_array(t)->nelems && mult > (u64)INT32_MAX / btf_array(t)->nelems)
				return -E2BIG;
			mult *= btf_array(t)->nelems;
			id = btf_array(t)->type;
			break;
		default:
			return -EINVAL;
		}
	}
	return -EINVAL;
}

/* ---- members ---------------------------------------------------------------------------- */

static void btf_fill_member(const struct btf *btf, u32 parent, u32 i, u32 base,
			    struct btf_member_info *out)
{
	const struct btf_type *t = btf_type_by_id(btf, parent);
	const struct btf_member *m = &btf_members(t)[i];

	out->name = btf_str(btf, m->name_off);
	out->type_id = m->type;
	out->bit_offset = base + btf_member_bit_offset(t, i);
	out->bitfield_size = btf_member_bitfield_size(t, i);
	out->parent_id = parent;
	out->index = i;
}

/* id of the struct/union an anonymous member opens, or 0 */
static u32 btf_anon_composite(const struct btf *btf, const struct btf_member *m)
{
	u32 id;
	const struct btf_type *mt;

	if (m->name_off)
		return 0;
	mt = btf_skip_mods_typedefs(btf, m->type, &id);
	return mt && btf_is_composite(mt) ? id : 0;
}

static int btf_member_name_rec(const struct btf *btf, u32 id, const char *name, u32 base,
			       struct btf_member_info *out, int depth)
{
	const struct btf_type *t = btf_skip_mods_typedefs(btf, id, &id);

	if (!t || depth > BTF_MAX_DEPTH)
		return -EINVAL;
	if (!btf_is_composite(t))
		return -EINVAL;
	for (u32 i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		u32 anon = btf_anon_composite(btf, m);

		if (m->name_off && !strcmp(btf->strs + m->name_off, name)) {
			btf_fill_member(btf, id, i, base, out);
			return 0;
		}
		if (anon && !btf_member_name_rec(btf, anon, name, base + btf_member_bit_offset(t, i),
						 out, depth + 1))
			return 0;
	}
	return -ENOENT;
}

int btf_member_by_name(const struct btf *btf, u32 id, const char *name,
		       struct btf_member_info *out)
{
	const struct btf_type *t = btf_skip_mods_typedefs(btf, id, NULL);

	if (!t || !btf_is_composite(t))
		return -EINVAL;
	return btf_member_name_rec(btf, id, name, 0, out, 0);
}

static u64 btf_member_bits(const struct btf *btf, const struct btf_type *t, u32 i)
{
	s64 sz;

	if (btf_member_bitfield_size(t, i))
		return btf_member_bitfield_size(t, i);
	sz = btf_type_size(btf, btf_members(t)[i].type);
	return sz > 0 ? (u64)sz * 8 : 0;
}

static int btf_member_off_rec(const struct btf *btf, u32 id, u64 bit, u32 base,
			      struct btf_member_info *out, int depth)
{
	const struct btf_type *t = btf_skip_mods_typedefs(btf, id, &id);

	if (!t || !btf_is_composite(t) || depth > BTF_MAX_DEPTH)
		return -EINVAL;
	for (u32 i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		u64 start = base + (u64)btf_member_bit_offset(t, i);
		u64 bits = btf_member_bits(btf, t, i);
		u32 anon = btf_anon_composite(btf, m);

		if (bit < start || bit >= start + bits)
			continue;
		if (anon && !btf_member_off_rec(btf, anon, bit, start, out, depth + 1))
			return 0;
		if (m->name_off) {
			btf_fill_member(btf, id, i, base, out);
			return 0;
		}
	}
	return -ENOENT;
}

int btf_member_by_offset(const struct btf *btf, u32 id, u32 byte_off,
			 struct btf_member_info *out)
{
	return btf_member_off_rec(btf, id, (u64)byte_off * 8, 0, out, 0);
}

/* ---- type names ----------------------------------------------------------------------- */

/* A bounded string under construction; `need` counts what would have been written. */
struct sbuf {
	char *buf;
	size_t len;
	size_t need;
};

static void sb_puts(struct sbuf *sb, const char *s)
{
	for (; *s; s++, sb->need++)
		if (sb->need + 1 < sb->len)
			sb->buf[sb->need] = *s;
	if (sb->len)
		sb->buf[MIN(sb->need, sb->len - 1)] = '\0';
}

#define DECL_MAX 512

static int btf_decl(const struct btf *btf, u32 id, const char *decl, struct sbuf *sb, int depth);

static void btf_base_name(const struct btf *btf, const struct btf_type *t, struct sbuf *sb)
{
	const char *name = btf->strs + t->name_off;
	const char *tag = "";

	switch (btf_kind(t)) {
	case BTF_KIND_UNKN: name = "void"; break;
	case BTF_KIND_STRUCT: tag = "struct "; break;
	case BTF_KIND_UNION: tag = "union "; break;
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64: tag = "enum "; break;
	case BTF_KIND_FWD: tag = btf_kflag(t) ? "union " : "struct "; break;
	default: break;
	}
	sb_puts(sb, tag);
	sb_puts(sb, *name ? name : "(anon)");
}

static int btf_decl_proto(const struct btf *btf, const struct btf_type *t, const char *decl,
			  struct sbuf *sb, int depth)
{
	char d[DECL_MAX];
	struct sbuf ps = { d, sizeof(d), 0 };
	u32 n = btf_vlen(t);

	sb_puts(&ps, decl);
	sb_puts(&ps, "(");
	if (!n)
		sb_puts(&ps, "void");
	for (u32 i = 0; i < n; i++) {
		char a[DECL_MAX];
		struct sbuf as = { a, sizeof(a), 0 };
		u32 pt = btf_params(t)[i].type;

		if (i)
			sb_puts(&ps, ", ");
		if (!pt && i == n - 1) {
			sb_puts(&ps, "...");
			continue;
		}
		if (btf_decl(btf, pt, "", &as, depth + 1) < 0)
			return -EINVAL;
		sb_puts(&ps, a);
	}
	sb_puts(&ps, ")");
	return btf_decl(btf, t->type, d, sb, depth + 1);
}

/* Append the C declaration of type `id` around declarator `decl`. */
static int btf_decl(const struct btf *btf, u32 id, const char *decl, struct sbuf *sb, int depth)
{
	const struct btf_type *t = btf_type_by_id(btf, id);
	char d[DECL_MAX];
	struct sbuf ds = { d, sizeof(d), 0 };
	const struct btf_type *tt;

	if (!t || depth > BTF_MAX_DEPTH)
		return -EINVAL;
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		tt = btf_skip_mods(btf, t->type, NULL);
		if (tt && (btf_kind(tt) == BTF_KIND_ARRAY || btf_kind(tt) == BTF_KIND_FUNC_PROTO)) {
			sb_puts(&ds, "(*"), sb_puts(&ds, decl), sb_puts(&ds, ")");
		} else {
			sb_puts(&ds, "*"), sb_puts(&ds, decl);
		}
		return btf_decl(btf, t->type, d, sb, depth + 1);
	case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT:
		tt = btf_skip_mods(btf, t->type, NULL);
		if (tt && btf_kind(tt) == BTF_KIND_PTR) {
			sb_puts(&ds, btf_kind_name(btf_kind(t)));
			sb_puts(&ds, *decl ? " " : ""), sb_puts(&ds, decl);
			return btf_decl(btf, t->type, d, sb, depth + 1);
		}
		sb_puts(sb, btf_kind_name(btf_kind(t)));
		sb_puts(sb, " ");
		return btf_decl(btf, t->type, decl, sb, depth + 1);
	case BTF_KIND_TYPE_TAG: case BTF_KIND_DECL_TAG:
		return btf_decl(btf, t->type, decl, sb, depth + 1);
	case BTF_KIND_ARRAY:
		snprintf(d, sizeof(d), "%s[%u]", decl, btf_array(t)->nelems);
		return btf_decl(btf, btf_array(t)->type, d, sb, depth + 1);
	case BTF_KIND_FUNC_PROTO:
		return btf_decl_proto(btf, t, decl, sb, depth);
	case BTF_KIND_FUNC:
		sb_puts(&ds, btf->strs + t->name_off), sb_puts(&ds, decl);
		return btf_decl(btf, t->type, d, sb, depth + 1);
	case BTF_KIND_VAR:
		sb_puts(&ds, btf->strs + t->name_off), sb_puts(&ds, decl);
		return btf_decl(btf, t->type, d, sb, depth + 1);
	default:
		btf_base_name(btf, t, sb);
		if (*decl)
			sb_puts(sb, *decl == '[' ? "" : " ");
		sb_puts(sb, decl);
		return 0;
	}
}

int btf_type_str(const struct btf *btf, u32 id, char *buf, size_t len)
{
	struct sbuf sb = { buf, len, 0 };

	if (len)
		buf[0] = '\0';
	if (btf_decl(btf, id, "", &sb, 0) < 0)
		return -EINVAL;
	return sb.need;
}

size_t btf_essential_name_len(const char *name)
{
	size_t n = strlen(name);

	/* the last "___" that has a non-'_' character on both sides */
	for (size_t p = n >= 4 ? n - 4 : 0; p >= 1; p--)
		if (name[p - 1] != '_' && !strncmp(name + p, "___", 3) && name[p + 3] != '_')
			return p;
	return n;
}

/* Loader-private (obj_int.h): DATASEC sizes and offsets are fixed up from the ELF symbols, as
 * libbpf does, because clang leaves them 0 in object files. Only sizes/offsets change, which
 * keeps every invariant checked by btf_parse(). */
struct btf_type *btf_type_mut(struct btf *btf, u32 id)
{
	if (id == 0 || id >= btf->nr_types)
		return NULL;
	return (struct btf_type *)(btf->data + (btf->types - btf->data) + btf->offs[id]);
}
