/*
 * reloc.c — programs, externs and relocation: collects the functions of every code section
 * (main programs in SEC("...") sections, subprograms in .text), the extern symbols (kfuncs,
 * typed ksyms, __kconfig) and the instruction relocations at open; at bpf_obj_load() resolves
 * externs and maps through the embedder's resolver, patches the section images, and builds each
 * program by appending every subprogram it uses (transitively, once) after its own code, fixing
 * bpf-to-bpf call and callback (PSEUDO_FUNC) offsets the way libbpf does, and carrying func_info,
 * line_info and poison notes along with their new pcs.
 *
 * Invariants: section images (obj_sec.insns) are patched in place for everything that does not
 * depend on the program layout (CO-RE, maps, globals, externs); call/callback offsets are only
 * written in the per-program copies. obj->funcs is sorted by (sec, off) and non-overlapping.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf/obj_int.h"

#define MAX_PROG_INSNS (1u << 20)

static bool is_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL);
}

static bool is_ldimm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* ---- functions and programs ---------------------------------------------------------------- */

static int by_sec_off(const void *a, const void *b)
{
	const struct obj_func *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec - y->sec;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int func_from_sym(struct bpf_obj *obj, const struct obj_sym *sym, struct obj_func *f)
{
	const struct obj_sec *s = &obj->secs[sym->shndx];

	if (sym->value % 8 || sym->size % 8 || !sym->size)
		return obj_sec_err(obj, sym->shndx, -EINVAL, "function '%s' is not instruction-aligned",
				   sym->name);
	if (sym->value > s->sh.sh_size || sym->size > s->sh.sh_size - sym->value)
		return obj_sec_err(obj, sym->shndx, -EINVAL, "function '%s' [%llu, +%llu) out of range",
				   sym->name, (unsigned long long)sym->value, (unsigned long long)sym->size);
	if (s->kind == SEC_PROG && sym->bind == STB_LOCAL)
		return obj_sec_err(obj, sym->shndx, -ENOTSUP, "program '%s' is static, not supported",
				   sym->name);
	*f = (struct obj_func){ sym->name, sym->shndx, sym->value / 8, sym->size / 8, -1, NOT_PLACED };
	return 0;
}

static bool sym_is_code_func(const struct bpf_obj *obj, const struct obj_sym *sym)
{
	enum sec_kind k;

	if (sym->type != STT_FUNC || sym->shndx == SHN_UNDEF || sym->shndx >= obj->nr_secs)
		return false;
	k = obj->secs[sym->shndx].kind;
	return k == SEC_PROG || k == SEC_TEXT;
}

static void prog_classify(struct bpf_prog *p)
{
	const char *s = p->sec_name, *slash = strchr(s, '/');

	p->kind = BPF_PROG_OTHER;
	if (!strncmp(s, "struct_ops/", 11) || !strncmp(s, "struct_ops.s/", 13))
		p->kind = BPF_PROG_STRUCT_OPS;
	else if (!strcmp(s, "syscall"))
		p->kind = BPF_PROG_SYSCALL;
	/* "X.s/..." sections are sleepable; so are syscall programs (as in libbpf) */
	p->sleepable = p->kind == BPF_PROG_SYSCALL || (slash && slash - s >= 2 && !strncmp(slash - 2, ".s", 2));
}

static u32 sec_finfo_at(const struct obj_sec *s, u32 insn)
{
	for (u32 i = 0; i < s->nr_finfos; i++)
		if (s->finfos[i].insn == insn)
			return s->finfos[i].type_id;
	return 0;
}

static int make_progs(struct bpf_obj *obj)
{
	obj->progs = calloc(obj->nr_funcs ? obj->nr_funcs : 1, sizeof(*obj->progs));
	if (!obj->progs)
		return -ENOMEM;
	for (u32 i = 0; i < obj->nr_funcs; i++) {
		struct obj_func *f = &obj->funcs[i];
		struct bpf_prog *p;

		if (obj->secs[f->sec].kind != SEC_PROG)
			continue;
		f->prog = obj->nr_progs;
		p = &obj->progs[obj->nr_progs++];
		p->obj = obj;
		p->name = f->name;
		p->sec_name = obj->secs[f->sec].name;
		p->func = i;
		p->btf_id = sec_finfo_at(&obj->secs[f->sec], f->off);
		prog_classify(p);
	}
	return 0;
}

int obj_collect_funcs(struct bpf_obj *obj)
{
	int err = 0;

	obj->funcs = calloc(obj->nr_syms ? obj->nr_syms : 1, sizeof(*obj->funcs));
	if (!obj->funcs)
		return -ENOMEM;
	for (u32 i = 1; !err && i < obj->nr_syms; i++)
		if (sym_is_code_func(obj, &obj->syms[i]))
			err = func_from_sym(obj, &obj->syms[i], &obj->funcs[obj->nr_funcs++]);
	if (err)
		return err;
	qsort(obj->funcs, obj->nr_funcs, sizeof(*obj->funcs), by_sec_off);
	for (u32 i = 1; i < obj->nr_funcs; i++) {
		const struct obj_func *a = &obj->funcs[i - 1], *b = &obj->funcs[i];

		if (a->sec == b->sec && a->off + a->cnt > b->off)
			return obj_sec_err(obj, b->sec, -EINVAL, "functions '%s' and '%s' overlap",
					   a->name, b->name);
	}
	return make_progs(obj);
}

int obj_func_at(const struct bpf_obj *obj, int sec, u32 insn)
{
	for (u32 i = 0; i < obj->nr_funcs; i++)
		if (obj->funcs[i].sec == sec && obj->funcs[i].off == insn)
			return i;
	return -ENOENT;
}

int obj_func_covering(const struct bpf_obj *obj, int sec, u32 insn)
{
	for (u32 i = 0; i < obj->nr_funcs; i++) {
		const struct obj_func *f = &obj->funcs[i];

		if (f->sec == sec && insn >= f->off && insn < f->off + f->cnt)
			return i;
	}
	return -ENOENT;
}

int bpf_obj_prog_cnt(const struct bpf_obj *obj)
{
	return obj->nr_progs;
}

struct bpf_prog *bpf_obj_prog(const struct bpf_obj *obj, int i)
{
	return i >= 0 && i < (int)obj->nr_progs ? &obj->progs[i] : NULL;
}

struct bpf_prog *bpf_obj_prog_by_name(const struct bpf_obj *obj, const char *name)
{
	for (u32 i = 0; i < obj->nr_progs; i++)
		if (!strcmp(obj->progs[i].name, name))
			return &obj->progs[i];
	return NULL;
}

const char *bpf_prog_name(const struct bpf_prog *prog) { return prog->name; }
const char *bpf_prog_section(const struct bpf_prog *prog) { return prog->sec_name; }
enum bpf_prog_kind bpf_prog_kind(const struct bpf_prog *prog) { return prog->kind; }
bool bpf_prog_sleepable(const struct bpf_prog *prog) { return prog->sleepable; }
u32 bpf_prog_btf_id(const struct bpf_prog *prog) { return prog->btf_id; }

const struct bpf_insn *bpf_prog_insns(const struct bpf_prog *prog, u32 *cnt)
{
	const struct obj_func *f = &prog->obj->funcs[prog->func];

	if (prog->insns) {
		*cnt = prog->nr_insns;
		return prog->insns;
	}
	*cnt = f->cnt;
	return prog->obj->secs[f->sec].insns + f->off;
}

int bpf_prog_func_cnt(const struct bpf_prog *prog)
{
	return prog->nr_funcs;
}

const struct bpf_prog_func *bpf_prog_func(const struct bpf_prog *prog, int i)
{
	return i >= 0 && i < (int)prog->nr_funcs ? &prog->funcs[i] : NULL;
}

int bpf_prog_line_info(const struct bpf_prog *prog, u32 pc, const struct bpf_line **out)
{
	u32 lo = 0, hi = prog->nr_lines;

	/* the last line record whose pc <= pc */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (prog->lines[mid].pc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || pc >= prog->nr_insns)
		return -ENOENT;
	*out = &prog->lines[lo - 1];
	return 0;
}

const char *bpf_prog_line(const struct bpf_prog *prog, u32 pc)
{
	const struct bpf_line *l;

	return bpf_prog_line_info(prog, pc, &l) ? NULL : l->formatted;
}

const char *bpf_prog_poison_reason(const struct bpf_prog *prog, u32 pc)
{
	for (u32 i = 0; i < prog->nr_poisons; i++)
		if (prog->poisons[i].insn == pc)
			return prog->poisons[i].msg;
	return NULL;
}

/* ---- externs ------------------------------------------------------------------------------------ */

static s32 btf_find_extern(const struct btf *btf, const char *name)
{
	for (u32 id = 1; id < btf_type_cnt(btf); id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);

		if (strcmp(btf_str(btf, t->name_off), name))
			continue;
		if (btf_kind(t) == BTF_KIND_FUNC && btf_vlen(t) == BTF_FUNC_EXTERN)
			return id;
		if (btf_kind(t) == BTF_KIND_VAR && btf_var(t)->linkage == BTF_VAR_GLOBAL_EXTERN)
			return id;
	}
	return -ENOENT;
}

/* name of the DATASEC that lists type id, or NULL */
static const char *btf_datasec_of(const struct btf *btf, u32 id)
{
	for (u32 d = 1; d < btf_type_cnt(btf); d++) {
		const struct btf_type *t = btf_type_by_id(btf, d);

		if (btf_kind(t) != BTF_KIND_DATASEC)
			continue;
		for (u32 i = 0; i < btf_vlen(t); i++)
			if (btf_secinfos(t)[i].type == id)
				return btf_str(btf, t->name_off);
	}
	return NULL;
}

static int extern_classify(struct bpf_obj *obj, struct bpf_extern *e)
{
	s32 id = btf_find_extern(obj->btf, e->name);
	const struct btf_type *t;
	const char *sec;

	if (id < 0)
		return obj_err(obj, -EINVAL, "extern '%s' has no BTF description", e->name);
	t = btf_type_by_id(obj->btf, id);
	e->btf_id = id;
	e->type_id = t->type;
	if (btf_kind(t) == BTF_KIND_FUNC) {
		e->kind = BPF_EXTERN_KFUNC;
		return 0;
	}
	sec = btf_datasec_of(obj->btf, id);
	if (sec && !strcmp(sec, ".kconfig"))
		e->kind = BPF_EXTERN_KCONFIG;
	else if (sec && !strcmp(sec, ".ksyms"))
		e->kind = BPF_EXTERN_KSYM;
	else
		return obj_err(obj, -EINVAL, "extern variable '%s' is neither __kconfig nor __ksym",
			       e->name);
	return 0;
}

static int kconfig_layout(struct bpf_obj *obj)
{
	struct obj_map *m;
	u32 off = 0;

	for (u32 i = 0; i < obj->nr_exts; i++) {
		struct bpf_extern *e = &obj->exts[i];
		s64 sz;
		u32 align;

		if (e->kind != BPF_EXTERN_KCONFIG)
			continue;
		sz = btf_type_size(obj->btf, e->type_id);
		if (sz <= 0 || sz > 4096)
			return obj_err(obj, -EINVAL, "kconfig extern '%s' has no usable size", e->name);
		align = sz >= 8 ? 8 : sz >= 4 ? 4 : sz >= 2 ? 2 : 1;
		off = (off + align - 1) / align * align;
		e->addr = off;
		off += sz;
	}
	if (!off)
		return 0;
	m = realloc(obj->maps, (obj->nr_maps + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	obj->maps = m;
	m = &obj->maps[obj->nr_maps];
	memset(m, 0, sizeof(*m));
	m->desc = (struct bpf_map_desc){ .name = ".kconfig", .origin = BPF_MAP_ORIGIN_KCONFIG,
		.type = BPF_OBJ_MAP_TYPE_ARRAY, .key_size = 4, .value_size = off, .max_entries = 1,
		.readonly = true };
	m->sec = -1;
	m->data = calloc(1, off);
	if (!m->data)
		return -ENOMEM;
	m->desc.init_data = m->data;
	obj->kconfig_map = obj->nr_maps++;
	return 0;
}

static bool sym_is_extern(const struct obj_sym *s)
{
	return s->shndx == SHN_UNDEF && *s->name && (s->bind == STB_GLOBAL || s->bind == STB_WEAK);
}

int obj_collect_externs(struct bpf_obj *obj)
{
	int err = 0;

	obj->exts = calloc(obj->nr_syms ? obj->nr_syms : 1, sizeof(*obj->exts));
	if (!obj->exts)
		return -ENOMEM;
	for (u32 i = 1; !err && i < obj->nr_syms; i++) {
		const struct obj_sym *s = &obj->syms[i];
		struct bpf_extern *e;

		if (!sym_is_extern(s))
			continue;
		e = &obj->exts[obj->nr_exts++];
		e->name = s->name;
		e->essential = strndup(s->name, btf_essential_name_len(s->name));
		if (!e->essential)
			return -ENOMEM;
		e->weak = s->bind == STB_WEAK;
		e->kfunc_idx = -1;
		err = extern_classify(obj, e);
	}
	return err ?: kconfig_layout(obj);
}

static int ext_by_sym(const struct bpf_obj *obj, const struct obj_sym *s)
{
	for (u32 i = 0; i < obj->nr_exts; i++)
		if (obj->exts[i].name == s->name)
			return i;
	return -ENOENT;
}

int bpf_obj_extern_cnt(const struct bpf_obj *obj)
{
	return obj->nr_exts;
}

const struct bpf_extern *bpf_obj_extern(const struct bpf_obj *obj, int i)
{
	return i >= 0 && i < (int)obj->nr_exts ? &obj->exts[i] : NULL;
}

/* ---- relocation records --------------------------------------------------------------------- */

struct rel_ctx {
	struct bpf_obj *obj;
	int sec;
	u32 j;                  /* relocation index */
	const struct obj_sym *sym;
	const struct bpf_insn *insn;
	u32 insn_idx;
	u32 type;
};

static int rel_err(const struct rel_ctx *c, const char *why)
{
	return obj_sec_err(c->obj, c->obj->secs[c->sec].rel, -EINVAL, "relocation %u (insn %u, symbol '%s'): %s",
			   c->j, c->insn_idx, c->sym->name, why);
}

static int rel_call(const struct rel_ctx *c, struct obj_relo *r)
{
	const struct obj_sec *ts = &c->obj->secs[c->sym->shndx];

	if (c->insn->src_reg != BPF_PSEUDO_CALL)
		return rel_err(c, "call instruction is not a bpf-to-bpf call");
	if (c->type != R_BPF_64_32)
		return rel_err(c, "call needs an R_BPF_64_32 relocation");
	if (sym_is_extern(c->sym)) {
		r->type = RELO_EXTERN_CALL;
		r->ext_idx = ext_by_sym(c->obj, c->sym);
		if (r->ext_idx < 0 || c->obj->exts[r->ext_idx].kind != BPF_EXTERN_KFUNC)
			return rel_err(c, "call of an extern that is not a kfunc");
		return 0;
	}
	if (c->sym->shndx == SHN_UNDEF || c->sym->shndx >= c->obj->nr_secs ||
	    (ts->kind != SEC_TEXT && c->sym->shndx != c->sec) || c->sym->value % 8)
		return rel_err(c, "call target is not a function in .text");
	r->type = RELO_CALL;
	r->tsec = c->sym->shndx;
	return 0;
}

static int rel_ldimm64_local(const struct rel_ctx *c, struct obj_relo *r)
{
	const struct obj_sec *ts = &c->obj->secs[c->sym->shndx];

	if (ts->kind == SEC_TEXT || ts->kind == SEC_PROG) {
		if ((c->sym->value + (u32)c->insn->imm) % 8)
			return rel_err(c, "function address is not instruction-aligned");
		r->type = RELO_SUBPROG_ADDR;
		r->tsec = c->sym->shndx;
		return 0;
	}
	if (ts->kind == SEC_MAPS) {
		r->type = RELO_MAP;
		r->map_idx = obj_sym_map(c->obj, c->sym);
		return r->map_idx < 0 ? rel_err(c, "not a map defined in .maps") : 0;
	}
	if (obj_sec_is_data(ts)) {
		r->type = RELO_DATA;
		r->map_idx = ts->map_idx;
		return r->map_idx < 0 ? rel_err(c, "reference into an empty data section") : 0;
	}
	return rel_err(c, "reference to a section that is not code, map or global data");
}

static int rel_ldimm64(const struct rel_ctx *c, struct obj_relo *r)
{
	if (c->insn_idx + 1 >= c->obj->secs[c->sec].nr_insns)
		return rel_err(c, "ld_imm64 truncated at the end of the section");
	if (c->type != R_BPF_64_64)
		return rel_err(c, "ld_imm64 needs an R_BPF_64_64 relocation");
	if (sym_is_extern(c->sym)) {
		r->type = RELO_EXTERN_LD64;
		r->ext_idx = ext_by_sym(c->obj, c->sym);
		return r->ext_idx < 0 ? rel_err(c, "unknown extern") : 0;
	}
	if (c->sym->shndx == SHN_UNDEF || c->sym->shndx == SHN_ABS)
		return rel_err(c, "undefined or absolute symbol");
	return rel_ldimm64_local(c, r);
}

static int rel_one(struct bpf_obj *obj, int sec, u32 j, struct obj_relo *r)
{
	struct obj_sec *s = &obj->secs[sec];
	const struct obj_sec *rs = &obj->secs[s->rel];
	Elf64_Rel rel;
	struct rel_ctx c = { .obj = obj, .sec = sec, .j = j };
	u32 symi;

	memcpy(&rel, rs->data + (size_t)j * sizeof(rel), sizeof(rel));
	symi = ELF64_R_SYM(rel.r_info);
	c.type = ELF64_R_TYPE(rel.r_info);
	if (symi == 0 || symi >= obj->nr_syms)
		return obj_sec_err(obj, s->rel, -EINVAL, "relocation %u: symbol index %u out of range", j, symi);
	if (rel.r_offset % 8 || rel.r_offset / 8 >= s->nr_insns)
		return obj_sec_err(obj, s->rel, -EINVAL, "relocation %u out of range (offset %#llx)", j,
				   (unsigned long long)rel.r_offset);
	c.sym = &obj->syms[symi];
	c.insn_idx = rel.r_offset / 8;
	c.insn = &s->insns[c.insn_idx];
	*r = (struct obj_relo){ .insn = c.insn_idx, .map_idx = -1, .ext_idx = -1,
				.sym_off = c.sym->value, .tsec = -1, .rel_idx = j };
	if (is_call(c.insn))
		return rel_call(&c, r);
	if (is_ldimm64(c.insn))
		return rel_ldimm64(&c, r);
	return rel_err(&c, "instruction cannot be relocated (not a call or ld_imm64)");
}

static int by_relo_insn(const void *a, const void *b)
{
	const struct obj_relo *x = a, *y = b;

	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int rel_collect_sec(struct bpf_obj *obj, int sec)
{
	struct obj_sec *s = &obj->secs[sec];
	u32 n = obj->secs[s->rel].sh.sh_size / sizeof(Elf64_Rel);
	int err = 0;

	s->relos = calloc(n ? n : 1, sizeof(*s->relos));
	if (!s->relos)
		return -ENOMEM;
	for (u32 j = 0; !err && j < n; j++)
		err = rel_one(obj, sec, j, &s->relos[s->nr_relos++]);
	qsort(s->relos, s->nr_relos, sizeof(*s->relos), by_relo_insn);
	for (u32 j = 1; !err && j < s->nr_relos; j++)
		if (s->relos[j].insn == s->relos[j - 1].insn)
			err = obj_sec_err(obj, s->rel, -EINVAL, "two relocations of instruction %u",
					  s->relos[j].insn);
	return err;
}

/* Relocation sections of non-code sections (debug info, .BTF, struct_ops): entries are
 * checked for bounds here; struct_ops.c interprets the struct_ops ones. */
static int rel_check_other(struct bpf_obj *obj, int rsec)
{
	const struct obj_sec *rs = &obj->secs[rsec], *ts = &obj->secs[rs->sh.sh_info];
	u32 n = rs->sh.sh_size / sizeof(Elf64_Rel);

	for (u32 j = 0; j < n; j++) {
		Elf64_Rel rel;

		memcpy(&rel, rs->data + (size_t)j * sizeof(rel), sizeof(rel));
		if (ELF64_R_SYM(rel.r_info) >= obj->nr_syms)
			return obj_sec_err(obj, rsec, -EINVAL, "relocation %u: symbol index %u out of range",
					   j, (u32)ELF64_R_SYM(rel.r_info));
		if (rel.r_offset >= ts->sh.sh_size)
			return obj_sec_err(obj, rsec, -EINVAL, "relocation %u out of range (offset %#llx)", j,
					   (unsigned long long)rel.r_offset);
	}
	return 0;
}

int obj_collect_relos(struct bpf_obj *obj)
{
	int err = 0;

	for (u32 i = 1; !err && i < obj->nr_secs; i++) {
		const struct obj_sec *s = &obj->secs[i];

		if (s->kind == SEC_REL && obj->secs[s->sh.sh_info].kind != SEC_PROG &&
		    obj->secs[s->sh.sh_info].kind != SEC_TEXT)
			err = rel_check_other(obj, i);
		else if ((s->kind == SEC_PROG || s->kind == SEC_TEXT) && s->rel >= 0)
			err = rel_collect_sec(obj, i);
	}
	return err;
}

static const struct obj_relo *relo_at(const struct obj_sec *s, u32 insn)
{
	u32 lo = 0, hi = s->nr_relos;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (s->relos[mid].insn == insn)
			return &s->relos[mid];
		if (s->relos[mid].insn < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- load: externs ------------------------------------------------------------------------------ */

/* name of the first program that references extern e (for messages) */
static const char *ext_user(const struct bpf_obj *obj, int e)
{
	for (u32 i = 0; i < obj->nr_secs; i++) {
		const struct obj_sec *s = &obj->secs[i];

		for (u32 j = 0; j < s->nr_relos; j++) {
			int f = s->relos[j].ext_idx == e ? obj_func_covering(obj, i, s->relos[j].insn) : -1;

			if (f >= 0)
				return obj->funcs[f].name;
		}
	}
	return "?";
}

static int ext_resolve_one(struct bpf_obj *obj, const struct bpf_obj_resolver *res, int i)
{
	struct bpf_extern *e = &obj->exts[i];
	struct obj_map *kc = obj->kconfig_map >= 0 ? &obj->maps[obj->kconfig_map] : NULL;
	int err = -ENOENT;

	switch (e->kind) {
	case BPF_EXTERN_KFUNC:
		if (res->kfunc)
			err = res->kfunc(res->ctx, obj, e, &e->kfunc_idx, &e->addr);
		if (!err && (e->kfunc_idx < 0 || !e->addr))
			return obj_err(obj, -EINVAL, "kfunc '%s': resolver gave index %d, address %#llx",
				       e->name, e->kfunc_idx, (unsigned long long)e->addr);
		break;
	case BPF_EXTERN_KSYM:
		if (res->ksym)
			err = res->ksym(res->ctx, obj, e, &e->addr);
		break;
	case BPF_EXTERN_KCONFIG:
		if (res->kconfig)
			err = res->kconfig(res->ctx, obj, e, kc->data + e->addr,
					   btf_type_size(obj->btf, e->type_id));
		break;
	}
	if (err == -ENOENT && e->weak) {
		if (e->kind != BPF_EXTERN_KCONFIG)
			e->addr = 0;
		e->kfunc_idx = -1;
		return 0;
	}
	if (err == -ENOENT)
		return obj_err(obj, -ENOENT, "prog '%s': %s '%s' not found (declare it __weak to make it optional)",
			       ext_user(obj, i), e->kind == BPF_EXTERN_KFUNC ? "kfunc" :
			       e->kind == BPF_EXTERN_KSYM ? "ksym" : "kconfig", e->name);
	if (err)
		return obj->err[0] ? err : obj_err(obj, err, "extern '%s': resolver failed (%d)", e->name, err);
	e->resolved = true;
	return 0;
}

static int resolve_externs(struct bpf_obj *obj, const struct bpf_obj_resolver *res)
{
	int err = 0;

	for (u32 i = 0; !err && i < obj->nr_exts; i++)
		err = ext_resolve_one(obj, res, i);
	return err;
}

/* ---- load: data relocations ----------------------------------------------------------------------- */

struct addr_cache {
	u64 *addr;
	u8 *state; /* bit 0: map addr known, bit 1: value addr known */
};

static int map_addr(struct bpf_obj *obj, const struct bpf_obj_resolver *res, struct addr_cache *ac,
		    int idx, bool value, u64 *out)
{
	u8 bit = value ? 2 : 1;
	u64 *slot = &ac->addr[idx * 2 + value];
	int err;

	if (ac->state[idx] & bit) {
		*out = *slot;
		return 0;
	}
	if (value)
		err = res->map_value_addr ? res->map_value_addr(res->ctx, obj, idx, slot) : -ENOENT;
	else
		err = res->map_addr ? res->map_addr(res->ctx, obj, idx, slot) : -ENOENT;
	if (err)
		return obj_err(obj, err, "map '%s': resolver gave no %saddress (%d)",
			       obj->maps[idx].desc.name, value ? "value " : "", err);
	ac->state[idx] |= bit;
	*out = *slot;
	return 0;
}

static void set_ldimm64(struct bpf_insn *in, u64 v)
{
	in[0].src_reg = 0;
	in[0].imm = (s32)(u32)v;
	in[1].imm = (s32)(u32)(v >> 32);
}

int obj_add_poison(struct bpf_obj *obj, int sec, u32 insn, const char *msg)
{
	struct obj_sec *s = &obj->secs[sec];
	struct obj_poison *n = realloc(s->poisons, (s->nr_poisons + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	s->poisons = n;
	n[s->nr_poisons].insn = insn;
	n[s->nr_poisons].msg = strdup(msg);
	if (!n[s->nr_poisons].msg)
		return -ENOMEM;
	s->nr_poisons++;
	return 0;
}

static int patch_ext_call(struct bpf_obj *obj, int sec, const struct obj_relo *r)
{
	struct bpf_insn *in = &obj->secs[sec].insns[r->insn];
	const struct bpf_extern *e = &obj->exts[r->ext_idx];
	int f = obj_func_covering(obj, sec, r->insn);
	char msg[300];

	if (e->resolved) {
		in->src_reg = BPF_PSEUDO_KFUNC_CALL;
		in->off = 0;
		in->imm = e->kfunc_idx;
		return 0;
	}
	*in = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = BPF_OBJ_POISON_KFUNC_BASE + r->ext_idx };
	snprintf(msg, sizeof(msg), "prog '%s': insn %u: call to absent weak kfunc '%s'",
		 f >= 0 ? obj->funcs[f].name : "?", f >= 0 ? r->insn - obj->funcs[f].off : r->insn, e->name);
	return obj_add_poison(obj, sec, r->insn, msg);
}

static int patch_data(struct bpf_obj *obj, const struct bpf_obj_resolver *res, struct addr_cache *ac,
		      int sec, const struct obj_relo *r)
{
	struct bpf_insn *in = &obj->secs[sec].insns[r->insn];
	const struct bpf_extern *e = r->ext_idx >= 0 ? &obj->exts[r->ext_idx] : NULL;
	u64 base, off = (u64)(u32)in->imm + r->sym_off;
	int err = 0;

	switch (r->type) {
	case RELO_MAP:
		err = map_addr(obj, res, ac, r->map_idx, false, &base);
		off = 0;
		break;
	case RELO_DATA:
		if (off > obj->maps[r->map_idx].desc.value_size)
			return obj_sec_err(obj, sec, -EINVAL, "insn %u: offset %llu past the end of '%s'",
					   r->insn, (unsigned long long)off, obj->maps[r->map_idx].desc.name);
		err = map_addr(obj, res, ac, r->map_idx, true, &base);
		break;
	default: /* RELO_EXTERN_LD64 */
		if (e->kind == BPF_EXTERN_KCONFIG)
			err = map_addr(obj, res, ac, obj->kconfig_map, true, &base);
		else
			base = e->addr;
		off = e->kind == BPF_EXTERN_KCONFIG ? e->addr + (u32)in->imm : 0;
		break;
	}
	if (!err)
		set_ldimm64(in, base + off);
	return err;
}

static int relocate_data(struct bpf_obj *obj, const struct bpf_obj_resolver *res)
{
	struct addr_cache ac = { calloc(obj->nr_maps * 2 + 1, sizeof(u64)), calloc(obj->nr_maps + 1, 1) };
	int err = ac.addr && ac.state ? 0 : -ENOMEM;

	for (u32 i = 0; !err && i < obj->nr_secs; i++) {
		const struct obj_sec *s = &obj->secs[i];

		for (u32 j = 0; !err && j < s->nr_relos; j++) {
			const struct obj_relo *r = &s->relos[j];

			if (r->type == RELO_EXTERN_CALL)
				err = patch_ext_call(obj, i, r);
			else if (r->type != RELO_CALL && r->type != RELO_SUBPROG_ADDR)
				err = patch_data(obj, res, &ac, i, r);
		}
	}
	free(ac.addr);
	free(ac.state);
	return err;
}

/* ---- load: building programs ---------------------------------------------------------------------- */

struct builder {
	struct bpf_obj *obj;
	struct bpf_prog *prog;
	int *order;       /* funcs in placement order */
	u32 nr_order;
	u32 cap;          /* capacity of prog->insns */
};

static int build_place(struct builder *b, int fi)
{
	struct obj_func *f = &b->obj->funcs[fi];
	struct bpf_prog *p = b->prog;

	if (p->nr_insns + (u64)f->cnt > MAX_PROG_INSNS)
		return obj_err(b->obj, -E2BIG, "prog '%s': more than %u instructions with subprograms",
			       p->name, MAX_PROG_INSNS);
	if (p->nr_insns + f->cnt > b->cap) {
		u32 ncap = MAX(b->cap * 2, p->nr_insns + f->cnt);
		struct bpf_insn *n = realloc(p->insns, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->insns = n;
		b->cap = ncap;
	}
	memcpy(p->insns + p->nr_insns, b->obj->secs[f->sec].insns + f->off, f->cnt * sizeof(*p->insns));
	f->placed = p->nr_insns;
	p->nr_insns += f->cnt;
	b->order[b->nr_order++] = fi;
	return 0;
}

/* The function a call / callback at section insn i of func f targets. */
static int build_target(struct builder *b, const struct obj_func *f, u32 i, const struct obj_relo *r)
{
	const struct bpf_insn *in = &b->obj->secs[f->sec].insns[i];
	int tsec = f->sec;
	s64 tgt;
	int g;

	if (r && r->type == RELO_SUBPROG_ADDR)
		tsec = r->tsec, tgt = ((s64)r->sym_off + (u32)in->imm) / 8;
	else if (r)
		tsec = r->tsec, tgt = (s64)r->sym_off / 8 + in->imm + 1;
	else
		tgt = (s64)i + in->imm + 1;
	g = tgt >= 0 && tgt <= UINT32_MAX ? obj_func_at(b->obj, tsec, tgt) : -ENOENT;
	if (g < 0)
		return obj_err(b->obj, -EINVAL, "prog '%s': insn %u of '%s' targets instruction %lld of "
			       "section '%s', which is not the start of a function", b->prog->name,
			       i - f->off, f->name, (long long)tgt, b->obj->secs[tsec].name);
	return g;
}

static int build_fix_insn(struct builder *b, const struct obj_func *f, u32 i)
{
	const struct obj_sec *s = &b->obj->secs[f->sec];
	const struct bpf_insn *in = &s->insns[i];
	const struct obj_relo *r = relo_at(s, i);
	u32 pc = f->placed + (i - f->off);
	bool call = is_call(in) && in->src_reg == BPF_PSEUDO_CALL;
	bool cb = r && r->type == RELO_SUBPROG_ADDR;
	int g, err = 0;

	if (!call && !cb)
		return 0;
	g = build_target(b, f, i, r);
	if (g < 0)
		return g;
	if (b->obj->funcs[g].placed == NOT_PLACED)
		err = build_place(b, g);
	if (err)
		return err;
	b->prog->insns[pc].imm = (s32)b->obj->funcs[g].placed - (s32)pc - 1;
	if (cb) {
		b->prog->insns[pc].src_reg = BPF_PSEUDO_FUNC;
		b->prog->insns[pc + 1].imm = 0;
	}
	return 0;
}

static int build_funcs(struct builder *b)
{
	struct bpf_prog *p = b->prog;

	p->funcs = calloc(b->nr_order, sizeof(*p->funcs));
	if (!p->funcs)
		return -ENOMEM;
	for (u32 k = 0; k < b->nr_order; k++) {
		const struct obj_func *f = &b->obj->funcs[b->order[k]];

		p->funcs[k] = (struct bpf_prog_func){ f->placed,
			sec_finfo_at(&b->obj->secs[f->sec], f->off), f->name };
	}
	p->nr_funcs = b->nr_order;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int line_format(struct bpf_obj *obj, struct bpf_line *l)
{
	const char *text = l->text;
	size_t n;
	char *buf;

	while (*text == ' ' || *text == '\t')
		text++;
	n = strlen(base_name(l->file)) + strlen(text) + 32;
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	snprintf(buf, n, *text ? "%s:%u: %s" : "%s:%u", base_name(l->file), l->line, text);
	l->formatted = buf;
	return 0;
}

static int build_lines(struct builder *b)
{
	struct bpf_prog *p = b->prog;
	u32 n = 0;
	int err = 0;

	for (u32 k = 0; k < b->nr_order; k++)
		n += b->obj->secs[b->obj->funcs[b->order[k]].sec].nr_lines;
	p->lines = calloc(n ? n : 1, sizeof(*p->lines));
	if (!p->lines)
		return -ENOMEM;
	for (u32 k = 0; !err && k < b->nr_order; k++) {
		const struct obj_func *f = &b->obj->funcs[b->order[k]];
		const struct obj_sec *s = &b->obj->secs[f->sec];

		for (u32 j = 0; !err && j < s->nr_lines; j++) {
			const struct obj_line *ol = &s->lines[j];
			struct bpf_line *l = &p->lines[p->nr_lines];

			if (ol->insn < f->off || ol->insn >= f->off + f->cnt)
				continue;
			*l = (struct bpf_line){ f->placed + ol->insn - f->off, btf_str(b->obj->btf, ol->file_off),
				btf_str(b->obj->btf, ol->line_off), ol->line, ol->col, NULL };
			err = line_format(b->obj, l);
			p->nr_lines += !err;
		}
	}
	return err;
}

static int build_poisons(struct builder *b)
{
	struct bpf_prog *p = b->prog;
	u32 n = 0;

	for (u32 k = 0; k < b->nr_order; k++)
		n += b->obj->secs[b->obj->funcs[b->order[k]].sec].nr_poisons;
	p->poisons = calloc(n ? n : 1, sizeof(*p->poisons));
	if (!p->poisons)
		return -ENOMEM;
	for (u32 k = 0; k < b->nr_order; k++) {
		const struct obj_func *f = &b->obj->funcs[b->order[k]];
		const struct obj_sec *s = &b->obj->secs[f->sec];

		for (u32 j = 0; j < s->nr_poisons; j++) {
			u32 in = s->poisons[j].insn;

			if (in >= f->off && in < f->off + f->cnt)
				p->poisons[p->nr_poisons++] = (struct obj_poison){ f->placed + in - f->off,
										   s->poisons[j].msg };
		}
	}
	return 0;
}

static int build_prog(struct bpf_obj *obj, struct bpf_prog *p, int *order)
{
	struct builder b = { obj, p, order, 0, 0 };
	int err;

	for (u32 i = 0; i < obj->nr_funcs; i++)
		obj->funcs[i].placed = NOT_PLACED;
	err = build_place(&b, p->func);
	/* placing appends to order[], so this walks every function placed so far, including
	 * the ones placed while walking */
	for (u32 k = 0; !err && k < b.nr_order; k++) {
		const struct obj_func *f = &obj->funcs[order[k]];

		for (u32 i = f->off; !err && i < f->off + f->cnt; i++)
			err = build_fix_insn(&b, f, i);
	}
	err = err ?: build_funcs(&b);
	err = err ?: build_lines(&b);
	return err ?: build_poisons(&b);
}

static int build_progs(struct bpf_obj *obj)
{
	int *order = calloc(obj->nr_funcs ? obj->nr_funcs : 1, sizeof(*order));
	int err = order ? 0 : -ENOMEM;

	for (u32 i = 0; !err && i < obj->nr_progs; i++)
		err = build_prog(obj, &obj->progs[i], order);
	free(order);
	return err;
}

static bool obj_has_core(const struct bpf_obj *obj)
{
	for (u32 i = 0; i < obj->nr_secs; i++)
		if (obj->secs[i].nr_cores)
			return true;
	return false;
}

int bpf_obj_load(struct bpf_obj *obj, const struct bpf_obj_resolver *res)
{
	static const struct bpf_obj_resolver none;
	int err = 0;

	if (obj->loaded || obj->load_failed)
		return obj_err(obj, -EALREADY, "already loaded");
	obj->err[0] = '\0';
	res = res ?: &none;
	if (obj_has_core(obj))
		err = res->target_btf ? obj_core_relocate(obj, res->target_btf, res->core_strict)
				      : obj_err(obj, -EINVAL, "object has CO-RE relocations but no target BTF was given");
	err = err ?: resolve_externs(obj, res);
	err = err ?: relocate_data(obj, res);
	err = err ?: build_progs(obj);
	if (err && !obj->err[0])
		obj_err(obj, err, "load failed: %s", strerror(-err));
	obj->loaded = !err;
	obj->load_failed = !!err;
	return err;
}

/* ---- prototype compatibility for kfunc flavours ------------------------------------------------------ */

enum arg_class { ARG_VOID, ARG_INT, ARG_PTR, ARG_STRUCT_PTR, ARG_OTHER };

struct arg_desc {
	enum arg_class cls;
	s64 size;          /* ARG_INT */
	const char *name;  /* ARG_STRUCT_PTR / ARG_OTHER: type name */
	size_t name_len;   /* essential length */
};

static struct arg_desc arg_describe(const struct btf *btf, u32 id)
{
	const struct btf_type *t = btf_skip_mods_typedefs(btf, id, &id);
	struct arg_desc d = { ARG_OTHER, 0, "", 0 };

	if (!t)
		return d;
	switch (btf_kind(t)) {
	case BTF_KIND_UNKN:
		d.cls = ARG_VOID;
		break;
	case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		d.cls = ARG_INT, d.size = t->size;
		break;
	case BTF_KIND_PTR:
		d.cls = ARG_PTR;
		t = btf_skip_mods_typedefs(btf, t->type, NULL);
		if (t && (btf_is_composite(t) || btf_kind(t) == BTF_KIND_FWD)) {
			d.cls = ARG_STRUCT_PTR;
			d.name = btf_str(btf, t->name_off);
		}
		break;
	default:
		d.name = btf_str(btf, t->name_off);
		break;
	}
	d.name_len = btf_essential_name_len(d.name);
	return d;
}

static const char *arg_class_name(enum arg_class c)
{
	static const char *const names[] = { "void", "integer", "pointer", "struct pointer", "other" };

	return names[c];
}

static bool arg_compat(const struct btf *lb, u32 lid, const struct btf *tb, u32 tid, const char *what,
		       char *why, size_t whylen)
{
	struct arg_desc l = arg_describe(lb, lid), t = arg_describe(tb, tid);
	bool ok = l.cls == t.cls;

	if (ok && l.cls == ARG_INT)
		ok = l.size == t.size;
	if (ok && (l.cls == ARG_STRUCT_PTR || l.cls == ARG_OTHER))
		ok = l.name_len == t.name_len && !strncmp(l.name, t.name, l.name_len);
	if (!ok && why)
		snprintf(why, whylen, "%s: local is %s%s%.*s (size %lld), target is %s%s%.*s (size %lld)",
			 what, arg_class_name(l.cls), *l.name ? " " : "", (int)l.name_len, l.name,
			 (long long)l.size, arg_class_name(t.cls), *t.name ? " " : "", (int)t.name_len,
			 t.name, (long long)t.size);
	return ok;
}

bool bpf_obj_func_proto_compat(const struct btf *local, u32 local_proto,
			       const struct btf *targ, u32 targ_proto, char *why, size_t whylen)
{
	const struct btf_type *lt = btf_skip_mods_typedefs(local, local_proto, NULL);
	const struct btf_type *tt = btf_skip_mods_typedefs(targ, targ_proto, NULL);
	char what[32];

	if (!lt || !tt || btf_kind(lt) != BTF_KIND_FUNC_PROTO || btf_kind(tt) != BTF_KIND_FUNC_PROTO) {
		if (why)
			snprintf(why, whylen, "not a function prototype");
		return false;
	}
	if (btf_vlen(lt) != btf_vlen(tt)) {
		if (why)
			snprintf(why, whylen, "local has %u arguments, target has %u", btf_vlen(lt), btf_vlen(tt));
		return false;
	}
	for (u32 i = 0; i < btf_vlen(lt); i++) {
		snprintf(what, sizeof(what), "argument %u", i + 1);
		if (!arg_compat(local, btf_params(lt)[i].type, targ, btf_params(tt)[i].type, what, why, whylen))
			return false;
	}
	return arg_compat(local, lt->type, targ, tt->type, "return type", why, whylen);
}
