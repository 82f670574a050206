/*
 * elf.c — the BPF object's ELF layer and life cycle: open a file or buffer, validate the ELF64
 * little-endian EM_BPF relocatable object with bounds checks on every header, table and name,
 * classify sections, read the symbol table and .BTF, then hand over to the other stages
 * (btf_ext.c, reloc.c, struct_ops.c). Also here: the object's data description — BTF-defined
 * maps from `.maps`, internal maps from global data sections, `.rodata` knobs.
 *
 * Why so defensive: an object file is user input; scxsim must print "FILE: section 'S': reason"
 * and never crash on it (tests/fuzz/bpf_obj.c feeds it garbage). Every ELF structure is copied
 * out of the buffer with memcpy, so nothing relies on the file's alignment.
 *
 * Invariants: see obj_int.h. Map indices: .maps maps first (in .maps DATASEC order), then data
 * sections in section order, then .kconfig (created in reloc.c when externs need it).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf/obj_int.h"

/* a global data section (.bss is not backed by the file) larger than this is refused */
#define MAX_DATA_SEC (64u << 20)

/* ---- errors ------------------------------------------------------------------------------ */

static int obj_verr(struct bpf_obj *obj, int err, const char *pfx, const char *fmt, va_list ap)
{
	int n = snprintf(obj->err, sizeof(obj->err), "%s: %s", obj->name, pfx);

	if (n >= 0 && (size_t)n < sizeof(obj->err))
		vsnprintf(obj->err + n, sizeof(obj->err) - n, fmt, ap);
	return err;
}

int obj_err(struct bpf_obj *obj, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	obj_verr(obj, err, "", fmt, ap);
	va_end(ap);
	return err;
}

int obj_sec_err(struct bpf_obj *obj, int sec, int err, const char *fmt, ...)
{
	char pfx[160];
	va_list ap;

	snprintf(pfx, sizeof(pfx), "section '%.120s': ",
		 sec >= 0 && sec < (int)obj->nr_secs && obj->secs[sec].name ? obj->secs[sec].name : "?");
	va_start(ap, fmt);
	obj_verr(obj, err, pfx, fmt, ap);
	va_end(ap);
	return err;
}

/* ---- ELF header ----------------------------------------------------------------------------- */

static const struct { u16 machine; const char *name; } machine_names[] = {
	{ EM_386, "x86" }, { EM_X86_64, "x86-64" }, { EM_AARCH64, "AArch64" }, { EM_ARM, "ARM" },
	{ EM_RISCV, "RISC-V" }, { EM_PPC64, "PowerPC64" }, { EM_S390, "S/390" },
	{ EM_MIPS, "MIPS" }, { EM_BPF, "BPF" }, { EM_NONE, "none" },
};

static const char *machine_name(u16 m)
{
	for (size_t i = 0; i < ARRAY_SIZE(machine_names); i++)
		if (machine_names[i].machine == m)
			return machine_names[i].name;
	return "unknown";
}

static int elf_check_ident(struct bpf_obj *obj)
{
	const u8 *id = obj->buf;

	if (obj->size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG))
		return obj_err(obj, -EINVAL, "not an ELF file");
	if (id[EI_CLASS] != ELFCLASS64)
		return obj_err(obj, -EINVAL, "ELF class is %s (%u), expected 64-bit (%u)",
			       id[EI_CLASS] == ELFCLASS32 ? "32-bit" : "invalid", id[EI_CLASS], ELFCLASS64);
	if (id[EI_DATA] != ELFDATA2LSB)
		return obj_err(obj, -EINVAL, "ELF data encoding is %s (%u), expected little-endian (%u)",
			       id[EI_DATA] == ELFDATA2MSB ? "big-endian" : "invalid", id[EI_DATA], ELFDATA2LSB);
	if (id[EI_VERSION] != EV_CURRENT)
		return obj_err(obj, -EINVAL, "ELF version %u, expected %u", id[EI_VERSION], EV_CURRENT);
	return 0;
}

static int elf_check_header(struct bpf_obj *obj, Elf64_Ehdr *eh)
{
	int err = elf_check_ident(obj);

	if (err)
		return err;
	if (obj->size < sizeof(*eh))
		return obj_err(obj, -EINVAL, "truncated ELF header (%zu bytes)", obj->size);
	memcpy(eh, obj->buf, sizeof(*eh));
	if (eh->e_type != ET_REL)
		return obj_err(obj, -EINVAL, "e_type is %u, expected a relocatable object (%u)",
			       eh->e_type, ET_REL);
	if (eh->e_machine != EM_BPF)
		return obj_err(obj, -EINVAL, "e_machine is %s (%u), expected BPF (%u)",
			       machine_name(eh->e_machine), eh->e_machine, EM_BPF);
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return obj_err(obj, -EINVAL, "e_shentsize is %u, expected %zu", eh->e_shentsize,
			       sizeof(Elf64_Shdr));
	if (eh->e_shnum == 0 || eh->e_shstrndx == SHN_XINDEX)
		return obj_err(obj, -EINVAL, "no section headers (or extended numbering, unsupported)");
	if (eh->e_shoff > obj->size ||
	    (u64)eh->e_shnum * sizeof(Elf64_Shdr) > obj->size - eh->e_shoff)
		return obj_err(obj, -EINVAL, "section header table (%u entries at %#llx) out of range",
			       eh->e_shnum, (unsigned long long)eh->e_shoff);
	if (eh->e_shstrndx >= eh->e_shnum)
		return obj_err(obj, -EINVAL, "e_shstrndx %u out of range (%u sections)",
			       eh->e_shstrndx, eh->e_shnum);
	return 0;
}

/* ---- sections ---------------------------------------------------------------------------- */

static bool sec_in_file(const struct bpf_obj *obj, const Elf64_Shdr *sh)
{
	if (sh->sh_type == SHT_NOBITS)
		return true;
	return sh->sh_offset <= obj->size && sh->sh_size <= obj->size - sh->sh_offset;
}

/* A string table: in the file, non-empty, NUL-terminated at its end. */
static int elf_check_strtab(struct bpf_obj *obj, int idx, const char *what)
{
	const Elf64_Shdr *sh = &obj->secs[idx].sh;

	if (sh->sh_type != SHT_STRTAB)
		return obj_err(obj, -EINVAL, "%s (section %d) is not a string table", what, idx);
	if (!sh->sh_size || obj->buf[sh->sh_offset + sh->sh_size - 1] != '\0')
		return obj_err(obj, -EINVAL, "%s (section %d) is empty or not NUL-terminated", what, idx);
	return 0;
}

static int elf_load_sections(struct bpf_obj *obj, const Elf64_Ehdr *eh)
{
	const Elf64_Shdr *strs;
	int err;

	obj->nr_secs = eh->e_shnum;
	obj->secs = calloc(obj->nr_secs, sizeof(*obj->secs));
	if (!obj->secs)
		return -ENOMEM;
	for (u32 i = 0; i < obj->nr_secs; i++) {
		struct obj_sec *s = &obj->secs[i];

		memcpy(&s->sh, obj->buf + eh->e_shoff + i * sizeof(Elf64_Shdr), sizeof(s->sh));
		s->rel = -1;
		s->map_idx = -1;
		if (!sec_in_file(obj, &s->sh))
			return obj_err(obj, -EINVAL, "section %u: data [%#llx, +%#llx) out of range", i,
				       (unsigned long long)s->sh.sh_offset, (unsigned long long)s->sh.sh_size);
	}
	err = elf_check_strtab(obj, eh->e_shstrndx, "section name table");
	if (err)
		return err;
	strs = &obj->secs[eh->e_shstrndx].sh;
	for (u32 i = 0; i < obj->nr_secs; i++) {
		struct obj_sec *s = &obj->secs[i];

		if (s->sh.sh_name >= strs->sh_size)
			return obj_err(obj, -EINVAL, "section %u: name offset %u out of range", i, s->sh.sh_name);
		s->name = (const char *)obj->buf + strs->sh_offset + s->sh.sh_name;
		if (s->sh.sh_type != SHT_NOBITS && s->sh.sh_size)
			s->data = obj->buf + s->sh.sh_offset;
	}
	return 0;
}

int obj_find_sec(const struct bpf_obj *obj, const char *name)
{
	for (u32 i = 1; i < obj->nr_secs; i++)
		if (!strcmp(obj->secs[i].name, name))
			return i;
	return -ENOENT;
}

/* data section name: exactly `base` or `base.` followed by anything */
static bool is_data_name(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '.');
}

static enum sec_kind classify(const struct obj_sec *s)
{
	const Elf64_Shdr *sh = &s->sh;

	if (sh->sh_type == SHT_SYMTAB)
		return SEC_SYMTAB;
	if (sh->sh_type == SHT_STRTAB)
		return SEC_STRTAB;
	if (sh->sh_type == SHT_REL)
		return SEC_REL;
	if (!strcmp(s->name, ".BTF"))
		return SEC_BTF;
	if (!strcmp(s->name, ".BTF.ext"))
		return SEC_BTF_EXT;
	if (sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_EXECINSTR))
		return strcmp(s->name, ".text") ? SEC_PROG : SEC_TEXT;
	if (!strcmp(s->name, ".maps"))
		return SEC_MAPS;
	if (!strcmp(s->name, ".struct_ops") || !strcmp(s->name, ".struct_ops.link"))
		return SEC_STRUCT_OPS;
	if (!strcmp(s->name, "license"))
		return SEC_LICENSE;
	if (sh->sh_type == SHT_NOBITS && is_data_name(s->name, ".bss"))
		return SEC_BSS;
	if (sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_ALLOC)) {
		if (is_data_name(s->name, ".rodata"))
			return SEC_RODATA;
		if (is_data_name(s->name, ".data"))
			return SEC_DATA;
	}
	return SEC_OTHER;
}

bool obj_sec_is_data(const struct obj_sec *s)
{
	return s->kind == SEC_DATA || s->kind == SEC_RODATA || s->kind == SEC_BSS;
}

static int elf_check_rel(struct bpf_obj *obj, int i)
{
	struct obj_sec *s = &obj->secs[i];
	u32 target = s->sh.sh_info;

	if (s->sh.sh_link != (u32)obj->symtab)
		return obj_sec_err(obj, i, -EINVAL, "sh_link %u is not the symbol table", s->sh.sh_link);
	if (target == 0 || target >= obj->nr_secs)
		return obj_sec_err(obj, i, -EINVAL, "applies to section %u, out of range", target);
	if (s->sh.sh_entsize != sizeof(Elf64_Rel) || s->sh.sh_size % sizeof(Elf64_Rel))
		return obj_sec_err(obj, i, -EINVAL, "entry size %llu / size %llu invalid",
				   (unsigned long long)s->sh.sh_entsize, (unsigned long long)s->sh.sh_size);
	if (obj->secs[target].rel >= 0)
		return obj_sec_err(obj, i, -EINVAL, "second relocation section for '%s'",
				   obj->secs[target].name);
	obj->secs[target].rel = i;
	return 0;
}

static int elf_classify_sections(struct bpf_obj *obj)
{
	int err = 0;

	obj->symtab = obj->text = obj->maps_sec = obj->btf_sec = obj->btf_ext_sec = -1;
	for (u32 i = 1; i < obj->nr_secs; i++) {
		struct obj_sec *s = &obj->secs[i];

		s->kind = classify(s);
		if (s->kind == SEC_SYMTAB) {
			if (obj->symtab >= 0)
				return obj_sec_err(obj, i, -EINVAL, "more than one symbol table");
			obj->symtab = i;
		}
		if (s->kind == SEC_TEXT)
			obj->text = i;
		if (s->kind == SEC_MAPS)
			obj->maps_sec = i;
		if (s->kind == SEC_BTF)
			obj->btf_sec = i;
		if (s->kind == SEC_BTF_EXT)
			obj->btf_ext_sec = i;
		if ((s->kind == SEC_PROG || s->kind == SEC_TEXT) && s->sh.sh_size % sizeof(struct bpf_insn))
			return obj_sec_err(obj, i, -EINVAL, "size %llu is not a multiple of 8",
					   (unsigned long long)s->sh.sh_size);
		if (s->sh.sh_type == SHT_RELA && s->sh.sh_info < obj->nr_secs &&
		    obj->secs[s->sh.sh_info].sh.sh_flags & SHF_EXECINSTR)
			return obj_sec_err(obj, i, -EINVAL, "RELA relocations are not used by BPF");
	}
	if (obj->symtab < 0)
		return obj_err(obj, -EINVAL, "no symbol table");
	for (u32 i = 1; !err && i < obj->nr_secs; i++)
		if (obj->secs[i].kind == SEC_REL)
			err = elf_check_rel(obj, i);
	return err;
}

/* ---- symbols -------------------------------------------------------------------------------- */

static int elf_check_sym(struct bpf_obj *obj, u32 i, const Elf64_Sym *es, const Elf64_Shdr *strs)
{
	if (es->st_name >= strs->sh_size)
		return obj_sec_err(obj, obj->symtab, -EINVAL, "symbol %u: name offset %u out of range",
				   i, es->st_name);
	if (es->st_shndx == SHN_COMMON)
		return obj_sec_err(obj, obj->symtab, -EINVAL, "symbol %u: common symbols are not supported", i);
	if (es->st_shndx >= obj->nr_secs && es->st_shndx != SHN_ABS)
		return obj_sec_err(obj, obj->symtab, -EINVAL, "symbol %u: section index %u out of range",
				   i, es->st_shndx);
	return 0;
}

static int elf_load_symbols(struct bpf_obj *obj)
{
	const struct obj_sec *st = &obj->secs[obj->symtab];
	const Elf64_Shdr *strs;
	int err;

	if (st->sh.sh_entsize != sizeof(Elf64_Sym) || st->sh.sh_size % sizeof(Elf64_Sym))
		return obj_sec_err(obj, obj->symtab, -EINVAL, "bad symbol entry size");
	if (st->sh.sh_link == 0 || st->sh.sh_link >= obj->nr_secs)
		return obj_sec_err(obj, obj->symtab, -EINVAL, "string table index %u out of range",
				   st->sh.sh_link);
	err = elf_check_strtab(obj, st->sh.sh_link, "symbol string table");
	if (err)
		return err;
	strs = &obj->secs[st->sh.sh_link].sh;
	obj->nr_syms = st->sh.sh_size / sizeof(Elf64_Sym);
	obj->syms = calloc(obj->nr_syms ? obj->nr_syms : 1, sizeof(*obj->syms));
	if (!obj->syms)
		return -ENOMEM;
	for (u32 i = 0; i < obj->nr_syms; i++) {
		Elf64_Sym es;

		memcpy(&es, st->data + i * sizeof(es), sizeof(es));
		err = elf_check_sym(obj, i, &es, strs);
		if (err)
			return err;
		obj->syms[i] = (struct obj_sym){
			.name = (const char *)obj->buf + strs->sh_offset + es.st_name,
			.value = es.st_value, .size = es.st_size, .shndx = es.st_shndx,
			.type = ELF64_ST_TYPE(es.st_info), .bind = ELF64_ST_BIND(es.st_info),
		};
	}
	return 0;
}

/* ---- BTF ------------------------------------------------------------------------------------- */

static int obj_load_btf(struct bpf_obj *obj)
{
	const struct obj_sec *s;
	char what[300];

	if (obj->btf_sec < 0)
		return obj_err(obj, -EINVAL, "no .BTF section (compile with clang -g)");
	s = &obj->secs[obj->btf_sec];
	snprintf(what, sizeof(what), "%s: section '.BTF'", obj->name);
	return btf_parse(s->data, s->data ? s->sh.sh_size : 0, what, &obj->btf, obj->err,
			 sizeof(obj->err));
}

/* The symbol named `name` defined in section sec, or NULL. */
static const struct obj_sym *sym_in_sec(const struct bpf_obj *obj, const char *name, int sec)
{
	for (u32 i = 1; i < obj->nr_syms; i++)
		if (obj->syms[i].shndx == sec && obj->syms[i].type != STT_SECTION &&
		    !strcmp(obj->syms[i].name, name))
			return &obj->syms[i];
	return NULL;
}

static int fixup_datasec(struct bpf_obj *obj, u32 id, struct btf_type *t, int sec)
{
	const struct obj_sec *s = &obj->secs[sec];
	struct btf_var_secinfo *vs = (void *)(t + 1);

	if (t->size == 0)
		t->size = s->sh.sh_size;
	if (t->size != s->sh.sh_size)
		return obj_sec_err(obj, sec, -EINVAL, "BTF datasec [%u] size %u != section size %llu",
				   id, t->size, (unsigned long long)s->sh.sh_size);
	for (u32 i = 0; i < btf_vlen(t); i++) {
		const struct btf_type *v = btf_type_by_id(obj->btf, vs[i].type);
		const char *vname = btf_str(obj->btf, v->name_off);
		const struct obj_sym *sym = btf_kind(v) == BTF_KIND_VAR ? sym_in_sec(obj, vname, sec) : NULL;

		if (sym)
			vs[i].offset = sym->value;
		if ((u64)vs[i].offset + vs[i].size > t->size)
			return obj_sec_err(obj, sec, -EINVAL, "variable '%s' [%u, +%u) outside the section",
					   vname, vs[i].offset, vs[i].size);
	}
	return 0;
}

static int obj_fixup_datasecs(struct bpf_obj *obj)
{
	int err = 0;

	for (u32 id = 1; !err && id < btf_type_cnt(obj->btf); id++) {
		struct btf_type *t = btf_type_mut(obj->btf, id);
		int sec;

		if (btf_kind(t) != BTF_KIND_DATASEC)
			continue;
		sec = obj_find_sec(obj, btf_str(obj->btf, t->name_off));
		if (sec > 0)
			err = fixup_datasec(obj, id, t, sec);
	}
	return err;
}

/* ---- license ----------------------------------------------------------------------------------- */

static int obj_read_license(struct bpf_obj *obj)
{
	int sec = obj_find_sec(obj, "license");
	const struct obj_sec *s;

	obj->license = "";
	if (sec < 0)
		return 0;
	s = &obj->secs[sec];
	if (!s->data || !memchr(s->data, '\0', s->sh.sh_size))
		return obj_sec_err(obj, sec, -EINVAL, "license is not a NUL-terminated string");
	obj->license = (const char *)s->data;
	return 0;
}

/* ---- maps ----------------------------------------------------------------------------------------- */

static int obj_add_map(struct bpf_obj *obj, struct obj_map **out)
{
	struct obj_map *n = realloc(obj->maps, (obj->nr_maps + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	obj->maps = n;
	*out = &n[obj->nr_maps++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

/* __uint(name, N) is `int (*name)[N]`: N is the array's element count. */
static int map_field_uint(struct bpf_obj *obj, const char *map, const char *field, u32 type,
			  u32 *val)
{
	const struct btf_type *t = btf_skip_mods_typedefs(obj->btf, type, NULL);
	const struct btf_type *a;

	if (!t || btf_kind(t) != BTF_KIND_PTR)
		return obj_err(obj, -EINVAL, "map '%s': field '%s' is not declared with __uint()", map, field);
	a = btf_type_by_id(obj->btf, t->type);
	if (!a || btf_kind(a) != BTF_KIND_ARRAY)
		return obj_err(obj, -EINVAL, "map '%s': field '%s' is not declared with __uint()", map, field);
	*val = btf_array(a)->nelems;
	return 0;
}

/* __type(name, T) is `typeof(T) *name`: size and id of T. */
static int map_field_type(struct bpf_obj *obj, const char *map, const char *field, u32 type,
			  u32 *id, u32 *size)
{
	const struct btf_type *t = btf_skip_mods_typedefs(obj->btf, type, NULL);
	s64 sz;

	if (!t || btf_kind(t) != BTF_KIND_PTR)
		return obj_err(obj, -EINVAL, "map '%s': field '%s' is not declared with __type()", map, field);
	sz = btf_type_size(obj->btf, t->type);
	if (sz <= 0 || sz > UINT32_MAX)
		return obj_err(obj, -EINVAL, "map '%s': %s type has no valid size", map, field);
	*id = t->type;
	*size = sz;
	return 0;
}

enum map_field_how { MF_UINT, MF_TYPE, MF_IGNORE };

/* BTF map definition fields: name → how to read it and where it goes. */
static const struct {
	const char *name;
	enum map_field_how how;
	size_t off;    /* u32 field in bpf_map_desc */
	size_t id_off; /* MF_TYPE: type id field */
} map_fields[] = {
	{ "type", MF_UINT, offsetof(struct bpf_map_desc, type), 0 },
	{ "max_entries", MF_UINT, offsetof(struct bpf_map_desc, max_entries), 0 },
	{ "map_flags", MF_UINT, offsetof(struct bpf_map_desc, map_flags), 0 },
	{ "key_size", MF_UINT, offsetof(struct bpf_map_desc, key_size), 0 },
	{ "value_size", MF_UINT, offsetof(struct bpf_map_desc, value_size), 0 },
	{ "pinning", MF_UINT, offsetof(struct bpf_map_desc, pinning), 0 },
	{ "key", MF_TYPE, offsetof(struct bpf_map_desc, key_size), offsetof(struct bpf_map_desc, key_type_id) },
	{ "value", MF_TYPE, offsetof(struct bpf_map_desc, value_size), offsetof(struct bpf_map_desc, value_type_id) },
	{ "numa_node", MF_IGNORE, 0, 0 },
	{ "map_extra", MF_IGNORE, 0, 0 },
};

static int map_parse_field(struct bpf_obj *obj, struct bpf_map_desc *d, const char *fname, u32 type)
{
	for (size_t i = 0; i < ARRAY_SIZE(map_fields); i++) {
		u32 *dst = (u32 *)((char *)d + map_fields[i].off), val = 0, id = 0;
		int err;

		if (strcmp(map_fields[i].name, fname))
			continue;
		if (map_fields[i].how == MF_IGNORE)
			return 0;
		if (map_fields[i].how == MF_UINT) {
			err = map_field_uint(obj, d->name, fname, type, &val);
		} else {
			err = map_field_type(obj, d->name, fname, type, &id, &val);
			if (!err && *dst && *dst != val)
				return obj_err(obj, -EINVAL, "map '%s': %s size %u conflicts with %s type size %u",
					       d->name, fname, *dst, fname, val);
			if (!err)
				*(u32 *)((char *)d + map_fields[i].id_off) = id;
		}
		if (!err && map_fields[i].how == MF_UINT && *dst && *dst != val)
			return obj_err(obj, -EINVAL, "map '%s': %s %u conflicts with %u", d->name, fname, val, *dst);
		if (!err)
			*dst = val;
		return err;
	}
	return obj_err(obj, -EINVAL, "map '%s': unknown field '%s'", d->name, fname);
}

static bool map_type_of_maps(u32 type)
{
	return type == BPF_OBJ_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_OBJ_MAP_TYPE_HASH_OF_MAPS;
}

/* The inner map template: `__array(values, struct inner)` is `typeof(struct inner) *values[]`,
 * an array of pointers to the inner definition, read like an outer one (libbpf's
 * parse_btf_map_def with is_inner). A pointer to a function is a prog-array initializer. */
static int map_parse_inner(struct bpf_obj *obj, struct obj_map *m, u32 type)
{
	const char *name = m->desc.name;
	const struct btf_type *arr = btf_skip_mods_typedefs(obj->btf, type, NULL), *ptr, *def;
	struct bpf_map_desc *in;
	char *iname;
	int err = 0;

	if (!arr || btf_kind(arr) != BTF_KIND_ARRAY)
		return obj_err(obj, -EINVAL, "map '%s': 'values' is not an array (use __array())", name);
	ptr = btf_skip_mods_typedefs(obj->btf, btf_array(arr)->type, NULL);
	if (!ptr || btf_kind(ptr) != BTF_KIND_PTR)
		return obj_err(obj, -EINVAL, "map '%s': 'values' elements are not pointers", name);
	def = btf_skip_mods_typedefs(obj->btf, ptr->type, NULL);
	if (def && btf_kind(def) == BTF_KIND_FUNC_PROTO)
		return obj_err(obj, -ENOTSUP, "map '%s': prog-array 'values' are not supported", name);
	if (!def || btf_kind(def) != BTF_KIND_STRUCT)
		return obj_err(obj, -EINVAL, "map '%s': 'values' do not point at a map definition", name);
	in = calloc(1, sizeof(*in));
	iname = malloc(strlen(name) + sizeof(".inner"));
	if (!in || !iname) {
		free(in);
		free(iname);
		return -ENOMEM;
	}
	sprintf(iname, "%s.inner", name);
	in->name = iname;
	in->origin = BPF_MAP_ORIGIN_BTF;
	m->inner = in;
	m->desc.inner = in;
	for (u32 i = 0; !err && i < btf_vlen(def); i++) {
		const char *f = btf_str(obj->btf, btf_members(def)[i].name_off);

		if (!strcmp(f, "values"))
			return obj_err(obj, -ENOTSUP, "map '%s': an inner map with 'values' (nested "
				       "map-in-map) is not supported", name);
		err = map_parse_field(obj, in, f, btf_members(def)[i].type);
	}
	if (!err && !in->type)
		err = obj_err(obj, -EINVAL, "map '%s': inner map definition has no type", name);
	return err;
}

/* `values` must be the last member (a flexible array, as libbpf requires). */
static int map_parse_values(struct bpf_obj *obj, struct obj_map *m, const struct btf_type *def,
			    u32 i)
{
	if (i != btf_vlen(def) - 1)
		return obj_err(obj, -EINVAL, "map '%s': 'values' must be the last member",
			       m->desc.name);
	m->has_values = true;
	m->values_off = btf_member_bit_offset(def, i) / 8;
	return map_parse_inner(obj, m, btf_members(def)[i].type);
}

/* After all members: a map-in-map has a template and value_size 4 (libbpf fills it in). */
static int map_check_values(struct bpf_obj *obj, struct obj_map *m)
{
	struct bpf_map_desc *d = &m->desc;

	if (!map_type_of_maps(d->type)) {
		if (m->has_values)
			return obj_err(obj, -EINVAL, "map '%s': 'values' given, but type %u is not a "
				       "map-in-map (ARRAY_OF_MAPS/HASH_OF_MAPS)", d->name, d->type);
		return 0;
	}
	if (!m->has_values)
		return obj_err(obj, -EINVAL, "map '%s': a map-in-map needs its inner map declared "
			       "with __array(values, struct inner)", d->name);
	if (d->value_size && d->value_size != 4)
		return obj_err(obj, -EINVAL, "map '%s': conflicting value size %u != 4", d->name,
			       d->value_size);
	d->value_size = 4;
	return 0;
}

static int map_from_var(struct bpf_obj *obj, const struct btf_var_secinfo *vs)
{
	const struct btf_type *v = btf_type_by_id(obj->btf, vs->type);
	const struct btf_type *def;
	struct obj_map *m;
	int err;

	if (btf_kind(v) != BTF_KIND_VAR)
		return obj_sec_err(obj, obj->maps_sec, -EINVAL, "datasec entry is not a variable");
	def = btf_skip_mods_typedefs(obj->btf, v->type, NULL);
	if (!def || btf_kind(def) != BTF_KIND_STRUCT)
		return obj_err(obj, -EINVAL, "map '%s': definition is not a struct",
			       btf_str(obj->btf, v->name_off));
	err = obj_add_map(obj, &m);
	if (err)
		return err;
	m->desc.name = btf_str(obj->btf, v->name_off);
	m->desc.origin = BPF_MAP_ORIGIN_BTF;
	m->sec = obj->maps_sec;
	m->sec_off = vs->offset;
	m->sec_size = vs->size;
	for (u32 i = 0; !err && i < btf_vlen(def); i++) {
		const struct btf_member *mb = &btf_members(def)[i];
		const char *f = btf_str(obj->btf, mb->name_off);

		err = !strcmp(f, "values") ? map_parse_values(obj, m, def, i)
					   : map_parse_field(obj, &m->desc, f, mb->type);
	}
	if (!err && !m->desc.type)
		err = obj_err(obj, -EINVAL, "map '%s': no type given", m->desc.name);
	return err ?: map_check_values(obj, m);
}

static int obj_collect_maps(struct bpf_obj *obj)
{
	const struct btf_type *ds;
	s32 id;
	int err = 0;

	if (obj->maps_sec < 0)
		return 0;
	id = btf_find_by_name_kind(obj->btf, ".maps", BTF_KIND_DATASEC);
	if (id < 0)
		return obj_sec_err(obj, obj->maps_sec, -EINVAL, "no BTF description of .maps");
	ds = btf_type_by_id(obj->btf, id);
	for (u32 i = 0; !err && i < btf_vlen(ds); i++)
		err = map_from_var(obj, &btf_secinfos(ds)[i]);
	return err;
}

static enum bpf_map_origin sec_origin(enum sec_kind k)
{
	return k == SEC_RODATA ? BPF_MAP_ORIGIN_RODATA : k == SEC_BSS ? BPF_MAP_ORIGIN_BSS
								: BPF_MAP_ORIGIN_DATA;
}

static int map_from_data_sec(struct bpf_obj *obj, int sec)
{
	struct obj_sec *s = &obj->secs[sec];
	struct obj_map *m;
	s32 dsid = btf_find_by_name_kind(obj->btf, s->name, BTF_KIND_DATASEC);
	int err;

	if (s->sh.sh_size > MAX_DATA_SEC)
		return obj_sec_err(obj, sec, -E2BIG, "too large (%llu bytes, limit %u)",
				   (unsigned long long)s->sh.sh_size, MAX_DATA_SEC);
	err = obj_add_map(obj, &m);
	if (err)
		return err;
	m->desc.name = s->name;
	m->desc.origin = sec_origin(s->kind);
	m->desc.type = BPF_OBJ_MAP_TYPE_ARRAY;
	m->desc.key_size = 4;
	m->desc.value_size = s->sh.sh_size;
	m->desc.max_entries = 1;
	m->desc.value_type_id = dsid > 0 ? dsid : 0;
	m->desc.readonly = s->kind == SEC_RODATA;
	m->sec = sec;
	m->data = calloc(1, s->sh.sh_size);
	if (!m->data)
		return -ENOMEM;
	if (s->data)
		memcpy(m->data, s->data, s->sh.sh_size);
	m->desc.init_data = m->data;
	s->map_idx = obj->nr_maps - 1;
	if (!strcmp(s->name, ".rodata"))
		obj->rodata_map = s->map_idx;
	return 0;
}

static int obj_collect_data_maps(struct bpf_obj *obj)
{
	int err = 0;

	for (u32 i = 1; !err && i < obj->nr_secs; i++)
		if (obj_sec_is_data(&obj->secs[i]) && obj->secs[i].sh.sh_size)
			err = map_from_data_sec(obj, i);
	return err;
}

/* ---- map-in-map initializers (.rel.maps) --------------------------------------------------- */

/* The BTF-defined map whose definition covers byte off of .maps, or NULL. */
static struct obj_map *map_covering(struct bpf_obj *obj, u64 off)
{
	for (u32 i = 0; i < obj->nr_maps; i++) {
		struct obj_map *m = &obj->maps[i];

		if (m->sec == obj->maps_sec && off >= m->sec_off && off - m->sec_off < m->sec_size)
			return m;
	}
	return NULL;
}

/* Does map t fit the template (the kernel's bpf_map_meta_equal, checked early)? NULL, or the
 * name of the first property that differs with t's value in *have and the template's in *want. */
static const char *map_template_diff(const struct bpf_map_desc *in, const struct bpf_map_desc *t,
				     u32 *have, u32 *want)
{
	bool arr = in->type == BPF_OBJ_MAP_TYPE_ARRAY || in->type == BPF_OBJ_MAP_TYPE_PERCPU_ARRAY;
	const struct { const char *name; u32 t, in; } f[] = {
		{ "type", t->type, in->type },
		{ "key_size", t->key_size, in->key_size },
		{ "value_size", t->value_size, in->value_size },
		{ "map_flags", t->map_flags, in->map_flags },
		{ "max_entries", t->max_entries,
		  arr && !(in->map_flags & BPF_OBJ_F_INNER_MAP) ? in->max_entries : t->max_entries },
	};

	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		if (f[i].t != f[i].in) {
			*have = f[i].t;
			*want = f[i].in;
			return f[i].name;
		}
	}
	return NULL;
}

/* One relocation of .rel.maps: `[slot] = &target` inside map m's `values` (libbpf's
 * bpf_object__collect_map_relos). */
static int map_init_slot(struct bpf_obj *obj, int rsec, u32 j, const Elf64_Rel *rel)
{
	const struct obj_sym *sym = &obj->syms[ELF64_R_SYM(rel->r_info)];
	struct obj_map *m = map_covering(obj, rel->r_offset);
	const char *why;
	u64 moff;
	u32 slot, have, want;
	int t;

	if (!m)
		return obj_sec_err(obj, rsec, -EINVAL, "relocation %u (offset %#llx) is not inside a "
				   "map definition", j, (unsigned long long)rel->r_offset);
	if (!m->has_values || !map_type_of_maps(m->desc.type))
		return obj_err(obj, -EINVAL, "map '%s': initializer relocation outside a map-in-map's "
			       "'values'", m->desc.name);
	moff = rel->r_offset - m->sec_off;
	if (moff < m->values_off || (moff - m->values_off) % 8)
		return obj_err(obj, -EINVAL, "map '%s': initializer relocation at offset %llu is not "
			       "a 'values' slot", m->desc.name, (unsigned long long)moff);
	slot = (u32)((moff - m->values_off) / 8);
	if (slot >= m->desc.max_entries)
		return obj_err(obj, -E2BIG, "map '%s': 'values' slot [%u] is out of range "
			       "(max_entries %u)", m->desc.name, slot, m->desc.max_entries);
	t = sym->shndx == obj->maps_sec ? obj_sym_map(obj, sym) : -ENOENT;
	if (t < 0)
		return obj_err(obj, -EINVAL, "map '%s': 'values' slot [%u] points at '%s', which is "
			       "not a map of .maps", m->desc.name, slot, sym->name);
	why = map_template_diff(m->inner, &obj->maps[t].desc, &have, &want);
	if (why)
		return obj_err(obj, -EINVAL, "map '%s': 'values' slot [%u] is map '%s' with %s %u, "
			       "the inner map template has %u", m->desc.name, slot,
			       obj->maps[t].desc.name, why, have, want);
	if (!m->init_slots) {
		m->init_slots = malloc(sizeof(int) * m->desc.max_entries);
		if (!m->init_slots)
			return -ENOMEM;
		for (u32 k = 0; k < m->desc.max_entries; k++)
			m->init_slots[k] = -1;
		m->desc.init_slots = m->init_slots;
		m->desc.nr_init_slots = m->desc.max_entries;
	}
	m->init_slots[slot] = t;
	return 0;
}

static int obj_collect_map_inits(struct bpf_obj *obj)
{
	const struct obj_sec *rs;
	int err = 0;

	if (obj->maps_sec < 0 || obj->secs[obj->maps_sec].rel < 0)
		return 0;
	rs = &obj->secs[obj->secs[obj->maps_sec].rel];
	for (u32 j = 0; !err && j < rs->sh.sh_size / sizeof(Elf64_Rel); j++) {
		Elf64_Rel rel;

		memcpy(&rel, rs->data + (size_t)j * sizeof(rel), sizeof(rel));
		err = map_init_slot(obj, obj->secs[obj->maps_sec].rel, j, &rel);
	}
	return err;
}

int obj_sym_map(const struct bpf_obj *obj, const struct obj_sym *sym)
{
	const struct obj_sec *s = &obj->secs[sym->shndx];

	if (s->kind != SEC_MAPS)
		return s->map_idx;
	for (u32 i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].sec == sym->shndx && obj->maps[i].sec_off == sym->value)
			return i;
	return -ENOENT;
}

/* ---- knobs ------------------------------------------------------------------------------------- */

static int obj_collect_knobs(struct bpf_obj *obj)
{
	s32 id = btf_find_by_name_kind(obj->btf, ".rodata", BTF_KIND_DATASEC);
	const struct btf_type *ds;

	if (id < 0 || obj->rodata_map < 0)
		return 0;
	ds = btf_type_by_id(obj->btf, id);
	obj->knobs = calloc(btf_vlen(ds) ? btf_vlen(ds) : 1, sizeof(*obj->knobs));
	if (!obj->knobs)
		return -ENOMEM;
	for (u32 i = 0; i < btf_vlen(ds); i++) {
		const struct btf_var_secinfo *vs = &btf_secinfos(ds)[i];
		const struct btf_type *v = btf_type_by_id(obj->btf, vs->type);
		struct bpf_knob *k = &obj->knobs[obj->nr_knobs];

		if (btf_kind(v) != BTF_KIND_VAR)
			continue;
		if (btf_type_size(obj->btf, v->type) != vs->size ||
		    (u64)vs->offset + vs->size > obj->maps[obj->rodata_map].desc.value_size)
			return obj_sec_err(obj, obj->maps[obj->rodata_map].sec, -EINVAL,
					   "variable '%s': BTF size does not match its place in the section",
					   btf_str(obj->btf, v->name_off));
		k->name = btf_str(obj->btf, v->name_off);
		k->offset = vs->offset;
		k->size = vs->size;
		k->type_id = v->type;
		btf_type_str(obj->btf, v->type, k->type_str, sizeof(k->type_str));
		obj->nr_knobs++;
	}
	return 0;
}

int bpf_obj_knob_cnt(const struct bpf_obj *obj)
{
	return obj->nr_knobs;
}

const struct bpf_knob *bpf_obj_knob(const struct bpf_obj *obj, int i)
{
	return i >= 0 && i < (int)obj->nr_knobs ? &obj->knobs[i] : NULL;
}

static int knob_unknown(struct bpf_obj *obj, const char *name)
{
	char list[BPF_OBJ_ERR_MAX / 2] = "";
	size_t n = 0;

	for (u32 i = 0; i < obj->nr_knobs && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s (%s)", i ? ", " : "",
			      obj->knobs[i].name, obj->knobs[i].type_str);
	if (!obj->nr_knobs)
		return obj_err(obj, -ENOENT, "unknown knob '%s': the object has no knobs (const volatile globals)",
			       name);
	return obj_err(obj, -ENOENT, "unknown knob '%s'; knobs: %s", name, list);
}

static bool parse_s64(const char *s, s64 *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 0);
	return *s && !*end && !errno;
}

static bool parse_u64(const char *s, u64 *v)
{
	char *end;

	if (*s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return *s && !*end && !errno;
}

static int knob_set_int(struct bpf_obj *obj, const struct bpf_knob *k, u8 *dst, u32 size,
			bool is_signed, const char *value)
{
	u64 u;
	s64 v;

	if (size == 0 || size > 8)
		return obj_err(obj, -EINVAL, "knob '%s': integer of %u bytes not supported", k->name, size);
	if (is_signed) {
		s64 max = size == 8 ? INT64_MAX : (s64)((1ULL << (size * 8 - 1)) - 1);

		if (!parse_s64(value, &v) || v > max || v < -max - 1)
			return obj_err(obj, -ERANGE, "knob '%s' (%s): '%s' is not an integer in [%lld, %lld]",
				       k->name, k->type_str, value, (long long)(-max - 1), (long long)max);
		u = v;
	} else {
		u64 max = size == 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;

		if (!parse_u64(value, &u) || u > max)
			return obj_err(obj, -ERANGE, "knob '%s' (%s): '%s' is not an integer in [0, %llu]",
				       k->name, k->type_str, value, (unsigned long long)max);
	}
	memcpy(dst, &u, size); /* little-endian: the low bytes */
	return 0;
}

static int knob_set_bool(struct bpf_obj *obj, const struct bpf_knob *k, u8 *dst, u32 size,
			 const char *value)
{
	static const struct { const char *s; u8 v; } words[] = {
		{ "true", 1 }, { "false", 0 }, { "1", 1 }, { "0", 0 }, { "yes", 1 }, { "no", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (!strcmp(words[i].s, value)) {
			memset(dst, 0, size);
			dst[0] = words[i].v;
			return 0;
		}
	}
	return obj_err(obj, -EINVAL, "knob '%s' (%s): '%s' is not true/false/1/0/yes/no",
		       k->name, k->type_str, value);
}

static int knob_set_enum(struct bpf_obj *obj, const struct bpf_knob *k, const struct btf_type *t,
			 u8 *dst, const char *value)
{
	for (u32 i = 0; i < btf_vlen(t); i++) {
		bool e64 = btf_kind(t) == BTF_KIND_ENUM64;
		u32 noff = e64 ? btf_enums64(t)[i].name_off : btf_enums(t)[i].name_off;
		u64 v = e64 ? btf_enum64_value(&btf_enums64(t)[i]) : (u64)(s64)btf_enums(t)[i].val;

		if (!strcmp(btf_str(obj->btf, noff), value)) {
			memcpy(dst, &v, MIN(t->size, 8u));
			return 0;
		}
	}
	return knob_set_int(obj, k, dst, t->size, btf_kflag(t), value);
}

static int knob_set_chars(struct bpf_obj *obj, const struct bpf_knob *k, u8 *dst, u32 n,
			  const char *value)
{
	size_t len = strlen(value);

	if (len >= n)
		return obj_err(obj, -E2BIG, "knob '%s' (%s): string of %zu characters does not fit",
			       k->name, k->type_str, len);
	memset(dst, 0, n);
	memcpy(dst, value, len);
	return 0;
}

static int knob_set(struct bpf_obj *obj, const struct bpf_knob *k, const char *value)
{
	u8 *dst = obj->maps[obj->rodata_map].data + k->offset;
	const struct btf_type *t = btf_skip_mods_typedefs(obj->btf, k->type_id, NULL);
	const struct btf_type *et;

	switch (t ? btf_kind(t) : BTF_KIND_UNKN) {
	case BTF_KIND_INT:
		if (btf_int_encoding(t) & BTF_INT_BOOL)
			return knob_set_bool(obj, k, dst, t->size, value);
		return knob_set_int(obj, k, dst, t->size, btf_int_encoding(t) & BTF_INT_SIGNED, value);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return knob_set_enum(obj, k, t, dst, value);
	case BTF_KIND_ARRAY:
		et = btf_skip_mods_typedefs(obj->btf, btf_array(t)->type, NULL);
		if (et && btf_kind(et) == BTF_KIND_INT && et->size == 1)
			return knob_set_chars(obj, k, dst, btf_array(t)->nelems, value);
		break;
	default:
		break;
	}
	return obj_err(obj, -EINVAL, "knob '%s' has type %s, which cannot be set from a string",
		       k->name, k->type_str);
}

int bpf_obj_knob_set(struct bpf_obj *obj, const char *name, const char *value)
{
	if (obj->loaded || obj->load_failed)
		return obj_err(obj, -EBUSY, "knob '%s': knobs must be set before load", name);
	for (u32 i = 0; i < obj->nr_knobs; i++)
		if (!strcmp(obj->knobs[i].name, name))
			return knob_set(obj, &obj->knobs[i], value);
	return knob_unknown(obj, name);
}

/* ---- life cycle ---------------------------------------------------------------------------------- */

static int obj_open(struct bpf_obj *obj)
{
	Elf64_Ehdr eh;
	int err;

	obj->kconfig_map = obj->rodata_map = -1;
	err = elf_check_header(obj, &eh);
	err = err ?: elf_load_sections(obj, &eh);
	err = err ?: elf_classify_sections(obj);
	err = err ?: elf_load_symbols(obj);
	err = err ?: obj_read_license(obj);
	err = err ?: obj_load_btf(obj);
	err = err ?: obj_fixup_datasecs(obj);
	err = err ?: obj_parse_btf_ext(obj);
	err = err ?: obj_collect_funcs(obj);
	err = err ?: obj_collect_maps(obj);
	err = err ?: obj_collect_data_maps(obj);
	err = err ?: obj_collect_externs(obj);
	err = err ?: obj_collect_relos(obj);
	err = err ?: obj_collect_map_inits(obj);
	err = err ?: obj_collect_knobs(obj);
	err = err ?: obj_collect_struct_ops(obj);
	if (err && !obj->err[0])
		obj_err(obj, err, "%s", strerror(-err));
	return err;
}

static void copy_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

int bpf_obj_open_mem(const void *buf, size_t size, const char *name, struct bpf_obj **out,
		     char *err, size_t errlen)
{
	struct bpf_obj *obj = calloc(1, sizeof(*obj));
	int ret;

	*out = NULL;
	if (!obj || !(obj->name = strdup(name ? name : "(buffer)")) ||
	    !(obj->buf = malloc(size ? size : 1))) {
		bpf_obj_free(obj);
		copy_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (size)
		memcpy(obj->buf, buf, size);
	obj->size = size;
	ret = obj_open(obj);
	if (ret) {
		copy_err(err, errlen, obj->err);
		bpf_obj_free(obj);
		return ret;
	}
	*out = obj;
	return 0;
}

static int read_file(const char *path, u8 **buf, size_t *size)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, n = 0, got;
	u8 *b = NULL;

	if (!f)
		return -errno;
	do {
		if (n == cap) {
			u8 *nb = realloc(b, cap = cap ? cap * 2 : 65536);

			if (!nb) {
				free(b);
				fclose(f);
				return -ENOMEM;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (ferror(f)) {
		free(b);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*buf = b;
	*size = n;
	return 0;
}

int bpf_obj_open_file(const char *path, struct bpf_obj **out, char *err, size_t errlen)
{
	u8 *buf = NULL;
	size_t size = 0;
	int ret = read_file(path, &buf, &size);

	*out = NULL;
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = bpf_obj_open_mem(buf, size, path, out, err, errlen);
	free(buf);
	return ret;
}

static void obj_free_progs(struct bpf_obj *obj)
{
	for (u32 i = 0; i < obj->nr_progs; i++) {
		struct bpf_prog *p = &obj->progs[i];

		for (u32 j = 0; j < p->nr_lines; j++)
			free((char *)p->lines[j].formatted);
		free(p->lines);
		free(p->poisons);
		free(p->funcs);
		free(p->insns);
	}
	free(obj->progs);
}

void bpf_obj_free(struct bpf_obj *obj)
{
	if (!obj)
		return;
	obj_free_struct_ops(obj);
	obj_free_progs(obj);
	for (u32 i = 0; obj->secs && i < obj->nr_secs; i++) {
		free(obj->secs[i].insns);
		free(obj->secs[i].relos);
		free(obj->secs[i].lines);
		free(obj->secs[i].finfos);
		free(obj->secs[i].cores);
		for (u32 j = 0; j < obj->secs[i].nr_poisons; j++)
			free(obj->secs[i].poisons[j].msg);
		free(obj->secs[i].poisons);
	}
	for (u32 i = 0; i < obj->nr_maps; i++) {
		free(obj->maps[i].data);
		if (obj->maps[i].inner)
			free((char *)obj->maps[i].inner->name);
		free(obj->maps[i].inner);
		free(obj->maps[i].init_slots);
	}
	free(obj->maps);
	for (u32 i = 0; i < obj->nr_exts; i++)
		free((char *)obj->exts[i].essential);
	free(obj->exts);
	free(obj->knobs);
	free(obj->cores);
	free(obj->funcs);
	free(obj->secs);
	free(obj->syms);
	btf_free(obj->btf);
	free(obj->buf);
	free(obj->name);
	free(obj);
}

/* ---- accessors --------------------------------------------------------------------------------- */

const char *bpf_obj_name(const struct bpf_obj *obj) { return obj->name; }
const char *bpf_obj_errmsg(const struct bpf_obj *obj) { return obj->err; }
const struct btf *bpf_obj_btf(const struct bpf_obj *obj) { return obj->btf; }
const char *bpf_obj_license(const struct bpf_obj *obj) { return obj->license; }
bool bpf_obj_loaded(const struct bpf_obj *obj) { return obj->loaded; }

int bpf_obj_map_cnt(const struct bpf_obj *obj)
{
	return obj->nr_maps;
}

const struct bpf_map_desc *bpf_obj_map(const struct bpf_obj *obj, int i)
{
	return i >= 0 && i < (int)obj->nr_maps ? &obj->maps[i].desc : NULL;
}

int bpf_obj_map_by_name(const struct bpf_obj *obj, const char *name)
{
	for (u32 i = 0; i < obj->nr_maps; i++)
		if (!strcmp(obj->maps[i].desc.name, name))
			return i;
	return -ENOENT;
}
