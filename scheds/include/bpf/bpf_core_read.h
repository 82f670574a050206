/*
 * bpf/bpf_core_read.h — CO-RE (compile once, run everywhere) for scxsim: clang's
 * __builtin_preserve_* intrinsics record relocations that the loader resolves against the
 * target BTF (scxsim's kernel types): field offsets/sizes/existence, type existence/size,
 * enum values. Same macro names and meanings as libbpf's.
 */
#ifndef __BPF_CORE_READ_H__
#define __BPF_CORE_READ_H__

#include "bpf_helpers.h"

/* relocation kinds (the second argument of the builtins; llvm's numbering) */
enum bpf_field_info_kind {
	BPF_FIELD_BYTE_OFFSET = 0,
	BPF_FIELD_BYTE_SIZE = 1,
	BPF_FIELD_EXISTS = 2,
	BPF_FIELD_SIGNED = 3,
	BPF_FIELD_LSHIFT_U64 = 4,
	BPF_FIELD_RSHIFT_U64 = 5,
};
enum bpf_type_id_kind {
	BPF_TYPE_ID_LOCAL = 0,
	BPF_TYPE_ID_TARGET = 1,
};
enum bpf_type_info_kind {
	BPF_TYPE_EXISTS = 0,
	BPF_TYPE_SIZE = 1,
	BPF_TYPE_MATCHES = 2,
};
enum bpf_enum_value_kind {
	BPF_ENUMVAL_EXISTS = 0,
	BPF_ENUMVAL_VALUE = 1,
};

#define ___bpf_field_ref1(field) (field)
#define ___bpf_field_ref2(type, field) (((typeof(type) *)0)->field)
#define ___bpf_field_ref(args...) ___bpf_apply(___bpf_field_ref, ___bpf_narg(args))(args)

/* bpf_core_field_exists(p->f) or bpf_core_field_exists(struct t, f) */
#define bpf_core_field_exists(field...) \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_EXISTS)
#define bpf_core_field_size(field...) \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_BYTE_SIZE)
#define bpf_core_field_offset(field...) \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_BYTE_OFFSET)

#define bpf_core_type_id_local(type) \
	__builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_LOCAL)
#define bpf_core_type_id_kernel(type) \
	__builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_TARGET)
#define bpf_core_type_exists(type) \
	__builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_EXISTS)
#define bpf_core_type_matches(type) \
	__builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_MATCHES)
#define bpf_core_type_size(type) \
	__builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_SIZE)

#define bpf_core_enum_value_exists(enum_type, enumerator) \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)enumerator, BPF_ENUMVAL_EXISTS)
#define bpf_core_enum_value(enum_type, enumerator) \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)enumerator, BPF_ENUMVAL_VALUE)

/* bpf_core_read(dst, sz, src): probe-read sz bytes at a relocated address */
#define bpf_core_read(dst, sz, src) \
	bpf_probe_read_kernel(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define bpf_core_read_str(dst, sz, src) \
	bpf_probe_read_kernel_str(dst, sz, (const void *)__builtin_preserve_access_index(src))

/* BPF_CORE_READ(p, a, b, c) == p->a->b->c, each step a relocated probe read (NULL-safe: a
 * failed read leaves 0). Up to 6 steps. */
#define ___core_rd(dst, src, fld) \
	bpf_core_read(&(dst), sizeof(dst), &((typeof(src))(src))->fld)
#define ___core_t1(s, a) typeof((s)->a)
#define ___core_t2(s, a, b) typeof(((___core_t1(s, a))0)->b)
#define ___core_t3(s, a, b, c) typeof(((___core_t2(s, a, b))0)->c)
#define ___core_t4(s, a, b, c, d) typeof(((___core_t3(s, a, b, c))0)->d)
#define ___core_t5(s, a, b, c, d, e) typeof(((___core_t4(s, a, b, c, d))0)->e)
#define ___core_t6(s, a, b, c, d, e, f) typeof(((___core_t5(s, a, b, c, d, e))0)->f)
#define ___core_r1(s, a) ({ ___core_t1(s, a) __v = 0; ___core_rd(__v, s, a); __v; })
#define ___core_r2(s, a, b) ({ ___core_t2(s, a, b) __v2 = 0; typeof((s)->a) __p2 = ___core_r1(s, a); \
	if (__p2) ___core_rd(__v2, __p2, b); __v2; })
#define ___core_r3(s, a, b, c) ({ ___core_t3(s, a, b, c) __v3 = 0; \
	___core_t2(s, a, b) __p3 = ___core_r2(s, a, b); if (__p3) ___core_rd(__v3, __p3, c); __v3; })
#define ___core_r4(s, a, b, c, d) ({ ___core_t4(s, a, b, c, d) __v4 = 0; \
	___core_t3(s, a, b, c) __p4 = ___core_r3(s, a, b, c); if (__p4) ___core_rd(__v4, __p4, d); __v4; })
#define ___core_r5(s, a, b, c, d, e) ({ ___core_t5(s, a, b, c, d, e) __v5 = 0; \
	___core_t4(s, a, b, c, d) __p5 = ___core_r4(s, a, b, c, d); if (__p5) ___core_rd(__v5, __p5, e); __v5; })
#define ___core_r6(s, a, b, c, d, e, f) ({ ___core_t6(s, a, b, c, d, e, f) __v6 = 0; \
	___core_t5(s, a, b, c, d, e) __p6 = ___core_r5(s, a, b, c, d, e); if (__p6) ___core_rd(__v6, __p6, f); __v6; })
#define BPF_CORE_READ(src, fields...) \
	___bpf_apply(___core_r, ___bpf_narg(fields))(src, fields)
#define BPF_CORE_READ_INTO(dst, src, fields...) ({ *(dst) = BPF_CORE_READ(src, fields); 0; })
#define BPF_PROBE_READ(src, fields...) BPF_CORE_READ(src, fields)

#endif
