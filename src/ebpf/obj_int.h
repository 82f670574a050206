/*
 * obj_int.h — internals of the BPF object loader shared by elf.c (ELF, sections, symbols, maps,
 * knobs, object life cycle), btf_ext.c (.BTF.ext), reloc.c (programs, relocations, externs,
 * load), core.c (CO-RE) and struct_ops.c.
 *
 * Invariants once bpf_obj_open_*() returned 0: every section with file data lies inside buf;
 * every symbol's name is a NUL-terminated string and its shndx is a valid section index (or
 * SHN_UNDEF/SHN_ABS); every relocation's symbol index and offset were checked; program and
 * subprogram functions (funcs[]) lie inside their section and are sorted by (sec, off);
 * every per-section relocation / line / func / CO-RE record refers to an instruction inside
 * its section. Nothing here is freed before bpf_obj_free().
 */
#ifndef SCXSIM_EBPF_OBJ_INT_H
#define SCXSIM_EBPF_OBJ_INT_H

#include <elf.h>

#include "scxsim/bpf_obj.h"
#include "scxsim/btf.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* llvm's BPF relocation types (glibc's elf.h has some of them) */
#ifndef R_BPF_64_64
#define R_BPF_64_64 1
#endif
#ifndef R_BPF_64_ABS64
#define R_BPF_64_ABS64 2
#endif
#ifndef R_BPF_64_ABS32
#define R_BPF_64_ABS32 3
#endif
#ifndef R_BPF_64_NODYLD32
#define R_BPF_64_NODYLD32 4
#endif
#ifndef R_BPF_64_32
#define R_BPF_64_32 10
#endif

enum sec_kind {
	SEC_OTHER,       /* ignored (debug info, llvm_addrsig, ...) */
	SEC_PROG,        /* executable, not .text: holds main programs */
	SEC_TEXT,        /* .text: subprograms */
	SEC_DATA,        /* .data, .data.* */
	SEC_RODATA,      /* .rodata, .rodata.* */
	SEC_BSS,         /* .bss, .bss.* */
	SEC_MAPS,        /* .maps */
	SEC_STRUCT_OPS,  /* .struct_ops, .struct_ops.link */
	SEC_LICENSE,     /* license */
	SEC_BTF,
	SEC_BTF_EXT,
	SEC_REL,
	SEC_SYMTAB,
	SEC_STRTAB,
};

enum relo_type {
	RELO_CALL,          /* bpf-to-bpf call via a symbol */
	RELO_SUBPROG_ADDR,  /* ld_imm64 of a function (callback) */
	RELO_MAP,           /* ld_imm64 of a .maps map */
	RELO_DATA,          /* ld_imm64 of global data (internal map + offset) */
	RELO_EXTERN_LD64,   /* ld_imm64 of an extern (kconfig, ksym, kfunc address) */
	RELO_EXTERN_CALL,   /* call of an extern function (kfunc) */
};

struct obj_relo {
	u32 insn;           /* section-relative instruction index */
	enum relo_type type;
	int map_idx;        /* RELO_MAP, RELO_DATA */
	int ext_idx;        /* RELO_EXTERN_* */
	u64 sym_off;        /* symbol value (bytes) */
	int tsec;           /* RELO_CALL/RELO_SUBPROG_ADDR: section of the symbol */
	u32 rel_idx;        /* index of the ELF relocation, for messages */
};

struct obj_poison {    /* an instruction the loader poisoned, and why */
	u32 insn;           /* section-relative (in obj_sec) or pc (in bpf_prog) */
	char *msg;          /* owned by the section; programs point at it */
};

struct obj_line {      /* .BTF.ext line_info record, section-relative */
	u32 insn;
	u32 file_off, line_off;
	u32 line, col;
};

struct obj_finfo {     /* .BTF.ext func_info record */
	u32 insn;
	u32 type_id;
};

struct obj_core_relo { /* .BTF.ext core_relo record */
	u32 insn;
	u32 type_id;
	u32 access_str_off;
	u32 kind;
};

struct obj_sec {
	const char *name;
	Elf64_Shdr sh;            /* a copy of the header */
	const u8 *data;           /* inside obj->buf; NULL for NOBITS or empty */
	enum sec_kind kind;
	int rel;                  /* index of the REL section that applies to this one, or -1 */
	int map_idx;              /* internal map of a data section, or -1 */
	struct bpf_insn *insns;   /* SEC_PROG/SEC_TEXT: the image, patched at load */
	u32 nr_insns;
	struct obj_relo *relos;   /* instruction relocations, sorted by insn */
	u32 nr_relos;
	struct obj_line *lines;   /* sorted by insn */
	u32 nr_lines;
	struct obj_finfo *finfos; /* sorted by insn */
	u32 nr_finfos;
	struct obj_core_relo *cores;
	u32 nr_cores;
	struct obj_poison *poisons; /* added at load, in instruction order per kind */
	u32 nr_poisons;
};

struct obj_sym {
	const char *name;
	u64 value, size;
	u16 shndx;
	u8 type, bind;
};

/* A function in an executable section: a main program or a subprogram. */
struct obj_func {
	const char *name;
	int sec;
	u32 off, cnt;     /* in instructions */
	int prog;         /* index in obj->progs if a main program, else -1 */
	u32 placed;       /* load scratch: pc in the program being built, NOT_PLACED if not */
};
#define NOT_PLACED UINT32_MAX

struct bpf_prog {
	struct bpf_obj *obj;
	const char *name;
	const char *sec_name;
	enum bpf_prog_kind kind;
	bool sleepable;
	int func;                  /* index in obj->funcs */
	u32 btf_id;
	struct bpf_insn *insns;    /* after load */
	u32 nr_insns;
	struct bpf_prog_func *funcs;
	u32 nr_funcs;
	struct bpf_line *lines;    /* sorted by pc */
	u32 nr_lines;
	struct obj_poison *poisons; /* sorted by pc; msg borrowed from the section */
	u32 nr_poisons;
};

struct obj_map {
	struct bpf_map_desc desc;
	u8 *data;                  /* internal maps: owned initial bytes (desc.init_data) */
	int sec;                   /* data section or .maps */
	u32 sec_off;               /* .maps: symbol offset */
	u32 sec_size;              /* .maps: the definition's size */
	bool has_values;           /* .maps: declares `values` (map-in-map) ... */
	u32 values_off;            /* ... at this byte offset in the definition */
	struct bpf_map_desc *inner; /* owned: desc.inner */
	int *init_slots;           /* owned: desc.init_slots */
};

struct obj_struct_ops {
	struct bpf_struct_ops pub;
	u8 *data;
	struct bpf_struct_ops_slot *slots;
};

struct bpf_obj {
	char *name;
	u8 *buf;                   /* the whole file, owned */
	size_t size;
	char err[BPF_OBJ_ERR_MAX];

	struct obj_sec *secs;
	u32 nr_secs;
	struct obj_sym *syms;
	u32 nr_syms;
	int symtab, text, maps_sec, btf_sec, btf_ext_sec;

	struct btf *btf;
	const char *license;

	struct obj_func *funcs;
	u32 nr_funcs;
	struct bpf_prog *progs;
	u32 nr_progs;

	struct obj_map *maps;
	u32 nr_maps;
	int kconfig_map;           /* -1 if no __kconfig extern */
	int rodata_map;            /* the .rodata internal map, -1 if none */

	struct bpf_extern *exts;
	u32 nr_exts;

	struct bpf_knob *knobs;
	u32 nr_knobs;

	struct obj_struct_ops *sops;
	u32 nr_sops;

	struct bpf_core_result *cores;
	u32 nr_cores;

	bool loaded, load_failed;
};

/* errors: write "NAME: <fmt>" into obj->err and return err */
int obj_err(struct bpf_obj *obj, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int obj_sec_err(struct bpf_obj *obj, int sec, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* elf.c */
int obj_find_sec(const struct bpf_obj *obj, const char *name);
bool obj_sec_is_data(const struct obj_sec *s);
int obj_sym_map(const struct bpf_obj *obj, const struct obj_sym *sym);
struct btf_type *btf_type_mut(struct btf *btf, u32 id);

/* btf_ext.c */
int obj_parse_btf_ext(struct bpf_obj *obj);

/* reloc.c */
int obj_collect_funcs(struct bpf_obj *obj);
int obj_collect_externs(struct bpf_obj *obj);
int obj_collect_relos(struct bpf_obj *obj);
int obj_func_at(const struct bpf_obj *obj, int sec, u32 insn);      /* starting exactly at insn */
int obj_func_covering(const struct bpf_obj *obj, int sec, u32 insn);

int obj_add_poison(struct bpf_obj *obj, int sec, u32 insn, const char *msg);

/* core.c */
int obj_core_relocate(struct bpf_obj *obj, const struct btf *targ, bool strict);

/* struct_ops.c */
int obj_collect_struct_ops(struct bpf_obj *obj);
void obj_free_struct_ops(struct bpf_obj *obj);

#endif
