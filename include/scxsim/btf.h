/*
 * btf.h — a reader for BTF, the BPF Type Format (the kernel's include/uapi/linux/btf.h and
 * Documentation/bpf/btf.rst describe the encoding). scxsim reads the `.BTF` section of every
 * scheduler object and, as the CO-RE target, the `.BTF` of an object that describes scxsim's own
 * kernel types, so this works on any BTF blob, not only on one from a BPF object.
 *
 * Ownership: btf_parse() copies the blob; the struct btf owns the copy and every pointer
 * returned by the accessors below points into it (valid until btf_free()). All type ids and
 * string offsets inside a parsed btf are validated at parse time, so accessors never read out of
 * bounds; they still check their own arguments (an id from the caller may be anything).
 *
 * The layout structs below mirror the uapi ones field for field (the on-disk format is
 * little-endian and so is every host scxsim supports). Do not include <linux/btf.h> in the same
 * file: the struct names are the uapi names on purpose.
 */
#ifndef SCXSIM_BTF_H
#define SCXSIM_BTF_H

#include "scxsim/types.h"

#define BTF_MAGIC 0xeB9F
#define BTF_MAX_TYPE_ID 0x000fffff
#define BTF_MAX_VLEN 0xffff

enum btf_kind {
	BTF_KIND_UNKN = 0,      /* id 0: void */
	BTF_KIND_INT = 1,
	BTF_KIND_PTR = 2,
	BTF_KIND_ARRAY = 3,
	BTF_KIND_STRUCT = 4,
	BTF_KIND_UNION = 5,
	BTF_KIND_ENUM = 6,
	BTF_KIND_FWD = 7,
	BTF_KIND_TYPEDEF = 8,
	BTF_KIND_VOLATILE = 9,
	BTF_KIND_CONST = 10,
	BTF_KIND_RESTRICT = 11,
	BTF_KIND_FUNC = 12,
	BTF_KIND_FUNC_PROTO = 13,
	BTF_KIND_VAR = 14,
	BTF_KIND_DATASEC = 15,
	BTF_KIND_FLOAT = 16,
	BTF_KIND_DECL_TAG = 17,
	BTF_KIND_TYPE_TAG = 18,
	BTF_KIND_ENUM64 = 19,
	NR_BTF_KINDS,
};

/* INT encoding bits (in the u32 that follows an INT type) */
#define BTF_INT_SIGNED (1 << 0)
#define BTF_INT_CHAR   (1 << 1)
#define BTF_INT_BOOL   (1 << 2)

/* FUNC linkage (in vlen) and VAR linkage */
enum { BTF_FUNC_STATIC = 0, BTF_FUNC_GLOBAL = 1, BTF_FUNC_EXTERN = 2 };
enum { BTF_VAR_STATIC = 0, BTF_VAR_GLOBAL_ALLOCATED = 1, BTF_VAR_GLOBAL_EXTERN = 2 };

struct btf_type {
	u32 name_off;  /* offset in the string section; 0 = anonymous */
	u32 info;      /* bits 0-15 vlen, 24-28 kind, 31 kind_flag */
	union {
		u32 size;  /* INT, ENUM, ENUM64, STRUCT, UNION, DATASEC, FLOAT: size in bytes */
		u32 type;  /* PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO (return),
		            * VAR, DECL_TAG, TYPE_TAG: a type id */
	};
};

struct btf_array { u32 type; u32 index_type; u32 nelems; };
struct btf_member { u32 name_off; u32 type; u32 offset; /* bits; kflag: size<<24 | off */ };
struct btf_enum { u32 name_off; s32 val; };
struct btf_enum64 { u32 name_off; u32 val_lo32; u32 val_hi32; };
struct btf_param { u32 name_off; u32 type; };
struct btf_var { u32 linkage; };
struct btf_var_secinfo { u32 type; u32 offset; u32 size; };
struct btf_decl_tag { s32 component_idx; };

static inline u16 btf_vlen(const struct btf_type *t) { return t->info & 0xffff; }
static inline u32 btf_kind(const struct btf_type *t) { return (t->info >> 24) & 0x1f; }
static inline bool btf_kflag(const struct btf_type *t) { return t->info >> 31; }
/* the data that follows a type, viewed as its kind's record(s) */
static inline u32 btf_int_info(const struct btf_type *t) { return *(const u32 *)(t + 1); }
static inline u32 btf_int_encoding(const struct btf_type *t) { return (btf_int_info(t) >> 24) & 0x0f; }
static inline u32 btf_int_offset(const struct btf_type *t) { return (btf_int_info(t) >> 16) & 0xff; }
static inline u32 btf_int_bits(const struct btf_type *t) { return btf_int_info(t) & 0xff; }
static inline const struct btf_array *btf_array(const struct btf_type *t) { return (const void *)(t + 1); }
static inline const struct btf_member *btf_members(const struct btf_type *t) { return (const void *)(t + 1); }
static inline const struct btf_enum *btf_enums(const struct btf_type *t) { return (const void *)(t + 1); }
static inline const struct btf_enum64 *btf_enums64(const struct btf_type *t) { return (const void *)(t + 1); }
static inline const struct btf_param *btf_params(const struct btf_type *t) { return (const void *)(t + 1); }
static inline const struct btf_var *btf_var(const struct btf_type *t) { return (const void *)(t + 1); }
static inline const struct btf_var_secinfo *btf_secinfos(const struct btf_type *t) { return (const void *)(t + 1); }
static inline const struct btf_decl_tag *btf_decl_tag(const struct btf_type *t) { return (const void *)(t + 1); }
static inline u32 btf_member_bit_offset(const struct btf_type *t, u32 i)
{
	u32 off = btf_members(t)[i].offset;

	return btf_kflag(t) ? off & 0xffffff : off;
}
static inline u32 btf_member_bitfield_size(const struct btf_type *t, u32 i)
{
	return btf_kflag(t) ? btf_members(t)[i].offset >> 24 : 0;
}
static inline u64 btf_enum64_value(const struct btf_enum64 *e)
{
	return ((u64)e->val_hi32 << 32) | e->val_lo32;
}
static inline bool btf_is_composite(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION;
}
static inline bool btf_is_any_enum(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_ENUM || btf_kind(t) == BTF_KIND_ENUM64;
}
static inline bool btf_is_modifier(const struct btf_type *t)
{
	u32 k = btf_kind(t);

	return k == BTF_KIND_VOLATILE || k == BTF_KIND_CONST || k == BTF_KIND_RESTRICT ||
	       k == BTF_KIND_TYPE_TAG;
}

struct btf;

/* Parse a BTF blob (header + types + strings), copying it. `what` names the blob in messages
 * ("sched.bpf.o: .BTF"). Returns 0 or -EINVAL/-ENOMEM with a one-line reason in err. */
int btf_parse(const void *data, size_t size, const char *what, struct btf **out,
	      char *err, size_t errlen);
void btf_free(struct btf *btf);

/* Number of type ids including id 0 (void): valid ids are 0 .. btf_type_cnt()-1. */
u32 btf_type_cnt(const struct btf *btf);
/* The type with this id, NULL if out of range. Id 0 returns a static void type. */
const struct btf_type *btf_type_by_id(const struct btf *btf, u32 id);
/* The string at off in the string section ("" for 0), NULL if off is out of range. */
const char *btf_str(const struct btf *btf, u32 off);
/* Name of a type ("" when anonymous, NULL when id is out of range). */
const char *btf_type_name(const struct btf *btf, u32 id);
/* Lower-case kind name as btf.rst spells it ("int", "struct", "func_proto", ...). */
const char *btf_kind_name(u32 kind);

/* First type id with this exact name and kind, or -ENOENT. */
s32 btf_find_by_name_kind(const struct btf *btf, const char *name, u32 kind);
/* Follow const/volatile/restrict/type_tag (and typedefs for the second). Returns the final
 * type and stores its id in *res_id (may be NULL); NULL on a broken id or a cycle. */
const struct btf_type *btf_skip_mods(const struct btf *btf, u32 id, u32 *res_id);
const struct btf_type *btf_skip_mods_typedefs(const struct btf *btf, u32 id, u32 *res_id);
/* Size in bytes of a type (through modifiers/typedefs; arrays multiply; pointers 8).
 * -EINVAL for kinds without a size (void, func, fwd, ...), -E2BIG on overflow. */
s64 btf_type_size(const struct btf *btf, u32 id);

/* A member found by name or offset. bit_offset is from the start of the outer struct, through
 * any anonymous struct/union members that had to be entered; bitfield_size is 0 if none. */
struct btf_member_info {
	const char *name;
	u32 type_id;       /* member type (modifiers not skipped) */
	u32 bit_offset;
	u32 bitfield_size;
	u32 parent_id;     /* the struct/union that directly holds the member */
	u32 index;         /* the member's index in parent_id */
};
/* Find member `name` in struct/union `id` (modifiers/typedefs skipped), searching into
 * anonymous struct/union members. 0, -ENOENT, or -EINVAL when id is not a struct/union. */
int btf_member_by_name(const struct btf *btf, u32 id, const char *name,
		       struct btf_member_info *out);
/* The innermost named member that covers byte `byte_off` (through anonymous members). */
int btf_member_by_offset(const struct btf *btf, u32 id, u32 byte_off,
			 struct btf_member_info *out);

/* Write the C spelling of a type ("struct task_struct *", "const char[16]", "u64",
 * "int (*)(void *, u64)") into buf. Returns the length it needed (like snprintf) or -EINVAL. */
int btf_type_str(const struct btf *btf, u32 id, char *buf, size_t len);

/* Length of a name without its CO-RE "___flavor" suffix (up to the last "___"). */
size_t btf_essential_name_len(const char *name);

#endif
