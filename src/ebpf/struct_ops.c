/*
 * struct_ops.c — the struct_ops variables of an object (`.struct_ops` and `.struct_ops.link`
 * sections, e.g. `SEC(".struct_ops.link") struct sched_ext_ops simple_ops = {...}`): their
 * bytes, their BTF struct type, and which program each function-pointer member holds. The
 * binding comes from R_BPF_64_ABS64 relocations in `.rel.struct_ops(.link)`: the relocation
 * offset (minus the variable's offset) is a member offset, found by name in BTF; the symbol is
 * a program's FUNC. Data members (name, flags, timeout_ms, ...) are read from the bytes by
 * member name.
 *
 * Invariants: every slot's member is a pointer to a function prototype that starts exactly at
 * the relocated offset, and its program is a struct_ops program of this object; slots are
 * sorted by offset and unique; program slots in `data` are zero.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf/obj_int.h"

static int sops_add(struct bpf_obj *obj, struct obj_struct_ops **out)
{
	struct obj_struct_ops *n = realloc(obj->sops, (obj->nr_sops + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	obj->sops = n;
	*out = &n[obj->nr_sops++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

static int sops_from_var(struct bpf_obj *obj, int sec, const struct btf_var_secinfo *vs)
{
	const struct obj_sec *s = &obj->secs[sec];
	const struct btf_type *v = btf_type_by_id(obj->btf, vs->type), *t;
	struct obj_struct_ops *so;
	u32 tid;
	int err;

	if (btf_kind(v) != BTF_KIND_VAR)
		return obj_sec_err(obj, sec, -EINVAL, "datasec entry is not a variable");
	t = btf_skip_mods_typedefs(obj->btf, v->type, &tid);
	if (!t || btf_kind(t) != BTF_KIND_STRUCT || t->size != vs->size || !s->data)
		return obj_sec_err(obj, sec, -EINVAL, "'%s' is not a struct variable of matching size",
				   btf_str(obj->btf, v->name_off));
	err = sops_add(obj, &so);
	if (err)
		return err;
	so->data = malloc(vs->size ? vs->size : 1);
	if (!so->data)
		return -ENOMEM;
	memcpy(so->data, s->data + vs->offset, vs->size);
	so->pub = (struct bpf_struct_ops){ .name = btf_str(obj->btf, v->name_off), .section = s->name,
		.link = !strcmp(s->name, ".struct_ops.link"), .type_id = tid,
		.type_name = btf_str(obj->btf, t->name_off), .data = so->data, .size = vs->size };
	return 0;
}

/* the struct_ops variable of section sec covering byte off of the section, -ENOENT if none */
static int sops_covering(const struct bpf_obj *obj, int sec, u64 off, u32 *var_off)
{
	s32 ds = btf_find_by_name_kind(obj->btf, obj->secs[sec].name, BTF_KIND_DATASEC);
	const struct btf_type *t = btf_type_by_id(obj->btf, ds);

	for (u32 i = 0; i < btf_vlen(t); i++) {
		const struct btf_var_secinfo *vs = &btf_secinfos(t)[i];

		if (off < vs->offset || off >= (u64)vs->offset + vs->size)
			continue;
		*var_off = vs->offset;
		for (u32 k = 0; k < obj->nr_sops; k++)
			if (obj->sops[k].pub.name == btf_str(obj->btf, btf_type_by_id(obj->btf, vs->type)->name_off))
				return k;
	}
	return -ENOENT;
}

static int slot_add(struct obj_struct_ops *so, const char *member, u32 off, struct bpf_prog *prog)
{
	struct bpf_struct_ops_slot *n = realloc(so->slots, (so->pub.nr_slots + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	so->slots = n;
	n[so->pub.nr_slots++] = (struct bpf_struct_ops_slot){ member, off, prog };
	so->pub.slots = n;
	return 0;
}

static int slot_check_member(struct bpf_obj *obj, int rsec, u32 j, const struct obj_struct_ops *so,
			     u32 off, struct btf_member_info *mi)
{
	const struct btf_type *mt;

	if (btf_member_by_offset(obj->btf, so->pub.type_id, off, mi) || mi->bit_offset != off * 8)
		return obj_sec_err(obj, rsec, -EINVAL, "relocation %u: offset %u of '%s' is not a member",
				   j, off, so->pub.name);
	mt = btf_skip_mods_typedefs(obj->btf, mi->type_id, NULL);
	if (mt && btf_kind(mt) == BTF_KIND_PTR)
		mt = btf_skip_mods_typedefs(obj->btf, mt->type, NULL);
	if (!mt || btf_kind(mt) != BTF_KIND_FUNC_PROTO)
		return obj_sec_err(obj, rsec, -EINVAL, "relocation %u: member '%s' of '%s' is not a function pointer",
				   j, mi->name, so->pub.name);
	return 0;
}

static struct bpf_prog *slot_prog(struct bpf_obj *obj, const struct obj_sym *sym)
{
	for (u32 i = 0; i < obj->nr_progs; i++) {
		const struct obj_func *f = &obj->funcs[obj->progs[i].func];

		if (f->sec == sym->shndx && f->off * 8 == sym->value && sym->type == STT_FUNC)
			return &obj->progs[i];
	}
	return NULL;
}

static int sops_reloc_one(struct bpf_obj *obj, int sec, u32 j)
{
	int rsec = obj->secs[sec].rel;
	struct btf_member_info mi;
	struct bpf_prog *prog;
	Elf64_Rel rel;
	u32 var_off;
	int k, err;

	memcpy(&rel, obj->secs[rsec].data + (size_t)j * sizeof(rel), sizeof(rel));
	if (ELF64_R_TYPE(rel.r_info) != R_BPF_64_ABS64)
		return obj_sec_err(obj, rsec, -EINVAL, "relocation %u: type %u, expected R_BPF_64_ABS64",
				   j, (u32)ELF64_R_TYPE(rel.r_info));
	k = sops_covering(obj, sec, rel.r_offset, &var_off);
	if (k < 0 || rel.r_offset + 8 > (u64)var_off + obj->sops[k].pub.size)
		return obj_sec_err(obj, rsec, -EINVAL, "relocation %u out of range (offset %#llx)", j,
				   (unsigned long long)rel.r_offset);
	prog = slot_prog(obj, &obj->syms[ELF64_R_SYM(rel.r_info)]);
	if (!prog || prog->kind != BPF_PROG_STRUCT_OPS)
		return obj_sec_err(obj, rsec, -EINVAL, "relocation %u: symbol '%s' is not a struct_ops program",
				   j, obj->syms[ELF64_R_SYM(rel.r_info)].name);
	err = slot_check_member(obj, rsec, j, &obj->sops[k], rel.r_offset - var_off, &mi);
	if (err)
		return err;
	memset(obj->sops[k].data + (rel.r_offset - var_off), 0, 8);
	return slot_add(&obj->sops[k], mi.name, rel.r_offset - var_off, prog);
}

static int by_slot_off(const void *a, const void *b)
{
	const struct bpf_struct_ops_slot *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int sops_sort_slots(struct bpf_obj *obj)
{
	for (u32 k = 0; k < obj->nr_sops; k++) {
		struct obj_struct_ops *so = &obj->sops[k];

		if (!so->slots)
			continue;
		qsort(so->slots, so->pub.nr_slots, sizeof(*so->slots), by_slot_off);
		for (u32 i = 1; i < so->pub.nr_slots; i++)
			if (so->slots[i].offset == so->slots[i - 1].offset)
				return obj_err(obj, -EINVAL, "struct_ops '%s': member '%s' relocated twice",
					       so->pub.name, so->slots[i].member);
	}
	return 0;
}

static int sops_collect_sec(struct bpf_obj *obj, int sec)
{
	s32 ds = btf_find_by_name_kind(obj->btf, obj->secs[sec].name, BTF_KIND_DATASEC);
	const struct btf_type *t;
	int err = 0;

	if (ds < 0)
		return obj_sec_err(obj, sec, -EINVAL, "no BTF description of the section");
	t = btf_type_by_id(obj->btf, ds);
	for (u32 i = 0; !err && i < btf_vlen(t); i++)
		err = sops_from_var(obj, sec, &btf_secinfos(t)[i]);
	if (err || obj->secs[sec].rel < 0)
		return err;
	for (u32 j = 0; !err && j < obj->secs[obj->secs[sec].rel].sh.sh_size / sizeof(Elf64_Rel); j++)
		err = sops_reloc_one(obj, sec, j);
	return err;
}

int obj_collect_struct_ops(struct bpf_obj *obj)
{
	int err = 0;

	for (u32 i = 1; !err && i < obj->nr_secs; i++)
		if (obj->secs[i].kind == SEC_STRUCT_OPS)
			err = sops_collect_sec(obj, i);
	return err ?: sops_sort_slots(obj);
}

void obj_free_struct_ops(struct bpf_obj *obj)
{
	for (u32 k = 0; k < obj->nr_sops; k++) {
		free(obj->sops[k].data);
		free(obj->sops[k].slots);
	}
	free(obj->sops);
}

int bpf_obj_struct_ops_cnt(const struct bpf_obj *obj)
{
	return obj->nr_sops;
}

const struct bpf_struct_ops *bpf_obj_struct_ops(const struct bpf_obj *obj, int i)
{
	return i >= 0 && i < (int)obj->nr_sops ? &obj->sops[i].pub : NULL;
}

struct bpf_prog *bpf_struct_ops_prog(const struct bpf_struct_ops *ops, const char *member)
{
	for (u32 i = 0; i < ops->nr_slots; i++)
		if (!strcmp(ops->slots[i].member, member))
			return ops->slots[i].prog;
	return NULL;
}

static int sops_member(const struct bpf_obj *obj, const struct bpf_struct_ops *ops, const char *member,
		       struct btf_member_info *mi, const struct btf_type **mt)
{
	int err = btf_member_by_name(obj->btf, ops->type_id, member, mi);

	if (err)
		return -ENOENT;
	*mt = btf_skip_mods_typedefs(obj->btf, mi->type_id, NULL);
	return *mt ? 0 : -EINVAL;
}

int bpf_struct_ops_read_int(const struct bpf_obj *obj, const struct bpf_struct_ops *ops,
			    const char *member, s64 *val)
{
	struct btf_member_info mi;
	const struct btf_type *mt;
	bool is_signed;
	u64 raw = 0;
	u32 size, bits;
	int err = sops_member(obj, ops, member, &mi, &mt);

	if (err)
		return err;
	if (btf_kind(mt) != BTF_KIND_INT && !btf_is_any_enum(mt))
		return -EINVAL;
	size = mt->size;
	is_signed = btf_kind(mt) == BTF_KIND_INT ? btf_int_encoding(mt) & BTF_INT_SIGNED : btf_kflag(mt);
	if (size == 0 || size > 8)
		return -EINVAL;
	if (mi.bitfield_size) {
		u32 byte = mi.bit_offset / 8, shift = mi.bit_offset % 8;

		if (byte + (shift + mi.bitfield_size + 7) / 8 > ops->size || mi.bitfield_size + shift > 64)
			return -EINVAL;
		memcpy(&raw, ops->data + byte, (shift + mi.bitfield_size + 7) / 8);
		raw = (raw >> shift) & (mi.bitfield_size == 64 ? ~0ULL : (1ULL << mi.bitfield_size) - 1);
		bits = mi.bitfield_size;
	} else {
		if (mi.bit_offset % 8 || mi.bit_offset / 8 + size > ops->size)
			return -EINVAL;
		memcpy(&raw, ops->data + mi.bit_offset / 8, size);
		bits = size * 8;
	}
	if (is_signed && bits < 64 && (raw >> (bits - 1)) & 1)
		raw |= ~0ULL << bits;
	*val = (s64)raw;
	return 0;
}

int bpf_struct_ops_read_str(const struct bpf_obj *obj, const struct bpf_struct_ops *ops,
			    const char *member, char *buf, size_t len)
{
	struct btf_member_info mi;
	const struct btf_type *mt, *et;
	u32 n, off;
	int err = sops_member(obj, ops, member, &mi, &mt);

	if (err)
		return err;
	if (btf_kind(mt) != BTF_KIND_ARRAY)
		return -EINVAL;
	et = btf_skip_mods_typedefs(obj->btf, btf_array(mt)->type, NULL);
	if (!et || btf_kind(et) != BTF_KIND_INT || et->size != 1 || mi.bit_offset % 8)
		return -EINVAL;
	n = btf_array(mt)->nelems;
	off = mi.bit_offset / 8;
	if ((u64)off + n > ops->size || !len)
		return -EINVAL;
	n = strnlen((const char *)ops->data + off, n);
	if (n >= len)
		return -E2BIG;
	memcpy(buf, ops->data + off, n);
	buf[n] = '\0';
	return 0;
}
