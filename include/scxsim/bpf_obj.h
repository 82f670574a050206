/*
 * bpf_obj.h — the BPF object loader: reads a `.bpf.o` compiled by
 * `clang-19 -O2 -g -target bpf -mcpu=v3` (ELF, .BTF, .BTF.ext) and turns it into programs ready
 * for the interpreter, map descriptors, struct_ops bindings and `.rodata` knobs. No kernel, no
 * libbpf: libbpf's loading semantics are followed where they exist (see docs/loader.md).
 *
 * Life cycle (libbpf-style stages):
 *   bpf_obj_open_file()/bpf_obj_open_mem()  parse and validate everything in the file; the object
 *                                           is fully described (programs, maps, externs,
 *                                           struct_ops, knobs) but nothing external is resolved
 *   bpf_obj_knob_set() ...                  patch .rodata knobs (before load only)
 *   bpf_obj_load(obj, resolver)             CO-RE against resolver->target_btf, subprogram
 *                                           appending, map/global/extern resolution to host
 *                                           values; afterwards bpf_prog_insns() is runnable
 *   bpf_obj_free()
 *
 * Ownership: the object owns every string, descriptor and instruction array it hands out; they
 * stay valid until bpf_obj_free(). Errors are negative errno values; the message ("FILE:
 * section 'S': reason", "FILE: prog 'P': ...") is in bpf_obj_errmsg() (or in the caller's buffer
 * for open, which has no object yet).
 *
 * Host values: after load, ld_imm64 instructions hold plain 64-bit values (src_reg 0): host
 * addresses of maps and global data given by the resolver, kconfig data, ksym addresses, 0 for
 * absent weak externs. Exceptions, as in the kernel ABI: ld_imm64 of a callback function keeps
 * src_reg = BPF_PSEUDO_FUNC with imm = target pc - (pc + 1); bpf-to-bpf calls keep
 * src_reg = BPF_PSEUDO_CALL with imm = target pc - (pc + 1); kfunc calls have
 * src_reg = BPF_PSEUDO_KFUNC_CALL and imm = the index the resolver returned.
 * Poisoned instructions (libbpf's convention, harmless if unreachable) are helper calls
 * (src_reg 0) with imm = BPF_OBJ_POISON_CORE (failed CO-RE relocation) or
 * BPF_OBJ_POISON_KFUNC_BASE + extern index (call of an absent weak kfunc).
 */
#ifndef SCXSIM_BPF_OBJ_H
#define SCXSIM_BPF_OBJ_H

#include "scxsim/bpf_insn.h"
#include "scxsim/btf.h"
#include "scxsim/types.h"

#define BPF_OBJ_ERR_MAX 512
#define BPF_OBJ_POISON_CORE 195896080        /* 0xbad2310, "bad relo", as libbpf */
#define BPF_OBJ_POISON_KFUNC_BASE 2002000000 /* + extern index, as libbpf */
#define BPF_OBJ_MAP_TYPE_ARRAY 2             /* kernel enum bpf_map_type value */
#define BPF_OBJ_MAP_TYPE_PERCPU_ARRAY 6
#define BPF_OBJ_MAP_TYPE_ARRAY_OF_MAPS 12
#define BPF_OBJ_MAP_TYPE_HASH_OF_MAPS 13
#define BPF_OBJ_F_INNER_MAP (1U << 12)

struct bpf_obj;
struct bpf_prog;

/* ---- open / free ---------------------------------------------------------------------- */

/* Read and validate `path`. On error returns -errno and writes one line naming the file (and
 * the section, symbol or program) into err. */
int bpf_obj_open_file(const char *path, struct bpf_obj **out, char *err, size_t errlen);
/* Same from a buffer (copied); `name` is used in messages. */
int bpf_obj_open_mem(const void *buf, size_t size, const char *name, struct bpf_obj **out,
		     char *err, size_t errlen);
void bpf_obj_free(struct bpf_obj *obj);

const char *bpf_obj_name(const struct bpf_obj *obj);   /* file name as given */
const char *bpf_obj_errmsg(const struct bpf_obj *obj); /* last error, "" if none */
const struct btf *bpf_obj_btf(const struct bpf_obj *obj);
const char *bpf_obj_license(const struct bpf_obj *obj); /* "" if no license section */

/* ---- programs --------------------------------------------------------------------------- */

enum bpf_prog_kind {
	BPF_PROG_STRUCT_OPS, /* SEC("struct_ops/NAME") or SEC("struct_ops.s/NAME") */
	BPF_PROG_SYSCALL,    /* SEC("syscall") */
	BPF_PROG_OTHER,      /* any other SEC name, kept as is */
};

int bpf_obj_prog_cnt(const struct bpf_obj *obj);
struct bpf_prog *bpf_obj_prog(const struct bpf_obj *obj, int i); /* in file order */
struct bpf_prog *bpf_obj_prog_by_name(const struct bpf_obj *obj, const char *name);

const char *bpf_prog_name(const struct bpf_prog *prog);    /* the C function name */
const char *bpf_prog_section(const struct bpf_prog *prog); /* "struct_ops.s/init" */
enum bpf_prog_kind bpf_prog_kind(const struct bpf_prog *prog);
bool bpf_prog_sleepable(const struct bpf_prog *prog);
/* Instructions: before load, the program's own instructions as in the file; after load, the
 * relocated program with its subprograms appended. */
const struct bpf_insn *bpf_prog_insns(const struct bpf_prog *prog, u32 *cnt);
/* BTF FUNC id of the program (0 if the object has no func_info for it). */
u32 bpf_prog_btf_id(const struct bpf_prog *prog);

/* Functions making up a loaded program (the main function first, then each appended
 * subprogram), from .BTF.ext func_info or the ELF symbols. */
struct bpf_prog_func {
	u32 pc;           /* first instruction */
	u32 btf_id;       /* BTF FUNC id, 0 if unknown */
	const char *name;
};
int bpf_prog_func_cnt(const struct bpf_prog *prog);
const struct bpf_prog_func *bpf_prog_func(const struct bpf_prog *prog, int i);

/* Source line of instruction `pc` of a loaded program: "file.bpf.c:42: source text" (file
 * base name; the text is the line as clang recorded it, trimmed), or NULL if unknown. */
const char *bpf_prog_line(const struct bpf_prog *prog, u32 pc);
/* The same as fields; returns 0 or -ENOENT. */
struct bpf_line {
	u32 pc;
	const char *file;  /* as recorded (may be a path) */
	const char *text;  /* source line, may be "" */
	u32 line, col;
	const char *formatted; /* what bpf_prog_line() returns */
};
int bpf_prog_line_info(const struct bpf_prog *prog, u32 pc, const struct bpf_line **out);
/* Why instruction `pc` of a loaded program was poisoned ("prog 'p': insn 12: CO-RE
 * byte_off: field 'task_struct.foo' not found in target BTF" / "... call to absent weak
 * kfunc 'x'"), or NULL if it was not. The verifier/interpreter show this when a poisoned
 * instruction turns out to be reachable. */
const char *bpf_prog_poison_reason(const struct bpf_prog *prog, u32 pc);

/* ---- maps --------------------------------------------------------------------------------- */

enum bpf_map_origin {
	BPF_MAP_ORIGIN_BTF,     /* a BTF-defined map in .maps */
	BPF_MAP_ORIGIN_DATA,    /* .data, .data.* */
	BPF_MAP_ORIGIN_RODATA,  /* .rodata, .rodata.* (read-only after load) */
	BPF_MAP_ORIGIN_BSS,     /* .bss, .bss.* (zero-initialised) */
	BPF_MAP_ORIGIN_KCONFIG, /* the values of __kconfig externs (read-only) */
};

struct bpf_map_desc {
	const char *name;     /* the variable name, or the section name for internal maps */
	enum bpf_map_origin origin;
	u32 type;             /* kernel map type number (BPF_MAP_TYPE_*) */
	u32 key_size, value_size, max_entries, map_flags;
	u32 key_type_id;      /* BTF id in bpf_obj_btf() of the key type, 0 if size-only */
	u32 value_type_id;    /* ditto for the value; for internal maps the DATASEC id */
	u32 pinning;          /* as declared (scxsim does not pin) */
	u64 map_extra;
	bool readonly;        /* .rodata* and .kconfig */
	const u8 *init_data;  /* internal maps: value_size initial bytes; NULL for .maps */
	/* map-in-map (ARRAY_OF_MAPS, HASH_OF_MAPS) declared with __array(values, struct inner):
	 * the inner map template read from that struct (name "OUTER.inner"), and the static
	 * initializer `.values = { [i] = &map, ... }` from .rel.maps: init_slots[i] is the index
	 * of the map in slot i (key i), -1 for an empty slot; nr_init_slots = max_entries (0 if
	 * the map has no initializer). NULL / 0 for other maps. */
	const struct bpf_map_desc *inner;
	const int *init_slots;
	u32 nr_init_slots;
};

int bpf_obj_map_cnt(const struct bpf_obj *obj);
const struct bpf_map_desc *bpf_obj_map(const struct bpf_obj *obj, int i);
int bpf_obj_map_by_name(const struct bpf_obj *obj, const char *name); /* index or -ENOENT */

/* ---- .rodata knobs ------------------------------------------------------------------------ */

struct bpf_knob {
	const char *name;     /* variable name */
	u32 offset, size;     /* in .rodata */
	u32 type_id;          /* BTF type of the variable */
	char type_str[64];    /* its C spelling, e.g. "const volatile u64" */
};
int bpf_obj_knob_cnt(const struct bpf_obj *obj);
const struct bpf_knob *bpf_obj_knob(const struct bpf_obj *obj, int i);
/* Set knob `name` from a string: integers of any size and signedness (decimal, 0x hex,
 * negative for signed types; range-checked), enums, bool (true/false/1/0/yes/no), char arrays
 * (string must fit with its NUL). Only before load. Errors name the knob and, for an unknown
 * name, list every knob and its type. */
int bpf_obj_knob_set(struct bpf_obj *obj, const char *name, const char *value);

/* ---- externs and the resolver ------------------------------------------------------------- */

enum bpf_extern_kind {
	BPF_EXTERN_KFUNC,   /* extern function __ksym */
	BPF_EXTERN_KSYM,    /* extern variable __ksym (typed kernel symbol) */
	BPF_EXTERN_KCONFIG, /* extern variable __kconfig */
};

struct bpf_extern {
	const char *name;          /* full name as in the object, "bpf_foo___v2" */
	const char *essential;     /* without the ___flavor suffix, "bpf_foo" */
	enum bpf_extern_kind kind;
	bool weak;
	u32 btf_id;                /* FUNC or VAR id in bpf_obj_btf() */
	u32 type_id;               /* FUNC_PROTO id (kfunc) or the variable's type id */
	/* results of load */
	bool resolved;
	s32 kfunc_idx;             /* kfunc: index the resolver returned, -1 if absent */
	u64 addr;                  /* kfunc/ksym: host address (0 if absent); kconfig: offset in .kconfig */
};
int bpf_obj_extern_cnt(const struct bpf_obj *obj);
const struct bpf_extern *bpf_obj_extern(const struct bpf_obj *obj, int i);

/* What bpf_obj_load() asks the embedder. Any callback may be NULL: the corresponding
 * references then fail to resolve (maps/globals: error; externs: absent). A callback returns 0
 * on success, -ENOENT for "not there" (weak externs then resolve to 0 / are poisoned; strong
 * ones are an error naming the extern and the program), other negative errno to abort. */
struct bpf_obj_resolver {
	void *ctx;
	/* Host address of map `idx`'s object (what ld_imm64 of the map gives: the pointer helpers
	 * such as bpf_map_lookup_elem receive). */
	int (*map_addr)(void *ctx, const struct bpf_obj *obj, int idx, u64 *addr);
	/* Host address of the value bytes of internal map `idx` (global data). The embedder
	 * copies init_data there (after bpf_obj_load() filled .kconfig, see below). */
	int (*map_value_addr)(void *ctx, const struct bpf_obj *obj, int idx, u64 *addr);
	/* A kfunc: look `ext->essential` up; check the prototype with bpf_obj_func_proto_compat()
	 * against the target's; give its table index and the address of its implementation
	 * (non-zero; used when the program takes the kfunc's address, as bpf_ksym_exists() does). */
	int (*kfunc)(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *ext,
		     s32 *idx, u64 *addr);
	/* A typed __ksym variable: its host address. */
	int (*ksym)(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *ext, u64 *addr);
	/* A __kconfig variable: write its value (size bytes) into buf. */
	int (*kconfig)(void *ctx, const struct bpf_obj *obj, const struct bpf_extern *ext,
		       void *buf, u32 size);
	/* Target BTF for CO-RE relocations (scxsim's kernel types). Required if the object has any
	 * CO-RE relocation. */
	const struct btf *target_btf;
	/* false (libbpf behaviour): a CO-RE relocation that finds no target poisons the
	 * instruction (see bpf_prog_poison_reason()); true: it fails the load with that message. */
	bool core_strict;
};

/* Relocate everything (see the header comment). Once only; -EALREADY afterwards. On error the
 * object stays loaded-failed and the message names program, instruction and reason. */
int bpf_obj_load(struct bpf_obj *obj, const struct bpf_obj_resolver *res);
bool bpf_obj_loaded(const struct bpf_obj *obj);

/* What CO-RE did, one entry per .BTF.ext core_relo record, in file order (after load). */
struct bpf_core_result {
	const char *prog;     /* function holding the instruction */
	u32 insn;             /* instruction index inside that function */
	const char *kind;     /* libbpf's name: "byte_off", "field_exists", "type_size", ... */
	char spec[160];       /* local access: "task_struct.se.vruntime", "scx_flags::SCX_B" */
	u64 local_val;        /* value the compiler put in (local BTF) */
	u64 target_val;       /* value after relocation (0 when poisoned) */
	bool poisoned;
};
int bpf_obj_core_result_cnt(const struct bpf_obj *obj);
const struct bpf_core_result *bpf_obj_core_result(const struct bpf_obj *obj, int i);

/* Is the local function prototype `local_proto` (in local btf) compatible with `targ_proto`
 * (in targ btf)? Same argument count; each argument and the return type pairwise of the same
 * kind: integers (and enums) of the same size, pointers (to structs/unions: of the same
 * flavour-less name; to anything else: any pointer), void with void. Returns true/false;
 * on false writes the first difference into why (may be NULL). */
bool bpf_obj_func_proto_compat(const struct btf *local, u32 local_proto,
			       const struct btf *targ, u32 targ_proto, char *why, size_t whylen);

/* ---- struct_ops --------------------------------------------------------------------------- */

struct bpf_struct_ops_slot {
	const char *member;     /* "enqueue" */
	u32 offset;             /* byte offset in the struct */
	struct bpf_prog *prog;  /* the program stored there */
};

struct bpf_struct_ops {
	const char *name;       /* the variable name, "simple_ops" */
	const char *section;    /* ".struct_ops" or ".struct_ops.link" */
	bool link;              /* declared in .struct_ops.link */
	u32 type_id;            /* BTF id of the struct type in bpf_obj_btf() */
	const char *type_name;  /* "sched_ext_ops" */
	const u8 *data;         /* the variable's bytes (program slots are zero) */
	u32 size;
	const struct bpf_struct_ops_slot *slots; /* ordered by offset */
	u32 nr_slots;
};

int bpf_obj_struct_ops_cnt(const struct bpf_obj *obj);
const struct bpf_struct_ops *bpf_obj_struct_ops(const struct bpf_obj *obj, int i);
/* The program bound to member `member`, NULL if none. */
struct bpf_prog *bpf_struct_ops_prog(const struct bpf_struct_ops *ops, const char *member);
/* Read data member `member` by name: an integer (any size, sign-extended when signed, enums
 * and bool too) into *val. -ENOENT if there is no such member, -EINVAL if it is not an integer. */
int bpf_struct_ops_read_int(const struct bpf_obj *obj, const struct bpf_struct_ops *ops,
			    const char *member, s64 *val);
/* Read a char-array member (e.g. name[128]) as a NUL-terminated string into buf. */
int bpf_struct_ops_read_str(const struct bpf_obj *obj, const struct bpf_struct_ops *ops,
			    const char *member, char *buf, size_t len);

#endif
