/*
 * btf_ext.c — read `.BTF.ext`: func_info (which BTF FUNC starts at which instruction),
 * line_info (instruction → file, line, column, source text) and core_relo (CO-RE relocation
 * requests). Records are grouped per ELF section in the file; they are stored on that section
 * (struct obj_sec) with section-relative instruction indices, sorted by instruction, and later
 * copied to each program with its own pcs when subprograms are appended (reloc.c).
 *
 * Invariants after obj_parse_btf_ext(): every stored record names an instruction inside its
 * section, every string offset it holds is valid in the object's BTF, func_info type ids are
 * BTF FUNCs. A missing .BTF.ext is fine (no lines, no CO-RE); a malformed one is an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf/obj_int.h"

struct btf_ext_hdr {
	u16 magic;
	u8 version;
	u8 flags;
	u32 hdr_len;
	u32 func_info_off, func_info_len;
	u32 line_info_off, line_info_len;
	u32 core_relo_off, core_relo_len; /* present when hdr_len >= 32 */
};

enum ext_part { EXT_FUNC, EXT_LINE, EXT_CORE };

/* Per part: its name in messages and the minimum record size. */
static const struct { const char *name; u32 min_rec; } ext_parts[] = {
	[EXT_FUNC] = { "func_info", 8 },
	[EXT_LINE] = { "line_info", 16 },
	[EXT_CORE] = { "core_relo", 16 },
};

struct ext_cursor {
	const u8 *p;
	u32 left;
};

static bool cur_u32(struct ext_cursor *c, u32 *v)
{
	if (c->left < 4)
		return false;
	memcpy(v, c->p, 4);
	c->p += 4;
	c->left -= 4;
	return true;
}

static int ext_err(struct bpf_obj *obj, enum ext_part part, const char *why)
{
	return obj_sec_err(obj, obj->btf_ext_sec, -EINVAL, "%s: %s", ext_parts[part].name, why);
}

static int grow(void **arr, u32 nr, size_t elem, u32 add)
{
	void *n = realloc(*arr, (size_t)(nr + add) * elem);

	if (!n)
		return -ENOMEM;
	*arr = n;
	return 0;
}

static int ext_check_insn(struct bpf_obj *obj, enum ext_part part, int sec, u32 off)
{
	if (off % sizeof(struct bpf_insn) || off / sizeof(struct bpf_insn) >= obj->secs[sec].nr_insns)
		return obj_sec_err(obj, obj->btf_ext_sec, -EINVAL,
				   "%s: instruction offset %u outside section '%s'", ext_parts[part].name,
				   off, obj->secs[sec].name);
	return 0;
}

static int ext_add_func(struct bpf_obj *obj, struct obj_sec *s, const u32 *r)
{
	const struct btf_type *t = btf_type_by_id(obj->btf, r[1]);

	if (!t || btf_kind(t) != BTF_KIND_FUNC)
		return ext_err(obj, EXT_FUNC, "type id is not a BTF FUNC");
	s->finfos[s->nr_finfos++] = (struct obj_finfo){ r[0] / 8, r[1] };
	return 0;
}

static int ext_add_line(struct bpf_obj *obj, struct obj_sec *s, const u32 *r)
{
	if (!btf_str(obj->btf, r[1]) || !btf_str(obj->btf, r[2]))
		return ext_err(obj, EXT_LINE, "string offset out of range");
	s->lines[s->nr_lines++] = (struct obj_line){ r[0] / 8, r[1], r[2], r[3] >> 10, r[3] & 0x3ff };
	return 0;
}

static int ext_add_core(struct bpf_obj *obj, struct obj_sec *s, const u32 *r)
{
	if (!btf_type_by_id(obj->btf, r[1]) || !btf_str(obj->btf, r[2]))
		return ext_err(obj, EXT_CORE, "type id or access string out of range");
	s->cores[s->nr_cores++] = (struct obj_core_relo){ r[0] / 8, r[1], r[2], r[3] };
	return 0;
}

static int ext_reserve(struct obj_sec *s, enum ext_part part, u32 n)
{
	switch (part) {
	case EXT_FUNC: return grow((void **)&s->finfos, s->nr_finfos, sizeof(*s->finfos), n);
	case EXT_LINE: return grow((void **)&s->lines, s->nr_lines, sizeof(*s->lines), n);
	default: return grow((void **)&s->cores, s->nr_cores, sizeof(*s->cores), n);
	}
}

static int ext_add(struct bpf_obj *obj, enum ext_part part, int sec, const u32 *r)
{
	struct obj_sec *s = &obj->secs[sec];
	int err = ext_check_insn(obj, part, sec, r[0]);

	if (err)
		return err;
	switch (part) {
	case EXT_FUNC: return ext_add_func(obj, s, r);
	case EXT_LINE: return ext_add_line(obj, s, r);
	default: return ext_add_core(obj, s, r);
	}
}

/* One group: section name, count, records. */
static int ext_parse_group(struct bpf_obj *obj, enum ext_part part, struct ext_cursor *c, u32 rec)
{
	u32 name_off, n;
	const char *name;
	int sec, err;

	if (!cur_u32(c, &name_off) || !cur_u32(c, &n))
		return ext_err(obj, part, "truncated section header");
	name = btf_str(obj->btf, name_off);
	if (!name)
		return ext_err(obj, part, "section name offset out of range");
	sec = obj_find_sec(obj, name);
	if (sec < 0 || (obj->secs[sec].kind != SEC_PROG && obj->secs[sec].kind != SEC_TEXT))
		return obj_sec_err(obj, obj->btf_ext_sec, -EINVAL, "%s: '%s' is not a code section",
				   ext_parts[part].name, name);
	if ((u64)n * rec > c->left)
		return ext_err(obj, part, "records run past the end");
	err = ext_reserve(&obj->secs[sec], part, n);
	for (u32 i = 0; !err && i < n; i++) {
		u32 r[4];

		memcpy(r, c->p + (size_t)i * rec, sizeof(u32) * (ext_parts[part].min_rec / 4));
		err = ext_add(obj, part, sec, r);
	}
	c->p += (size_t)n * rec;
	c->left -= n * rec;
	return err;
}

static int ext_parse_part(struct bpf_obj *obj, enum ext_part part, const u8 *base, u32 len)
{
	struct ext_cursor c = { base, len };
	u32 rec;
	int err = 0;

	if (!len)
		return 0;
	if (!cur_u32(&c, &rec))
		return ext_err(obj, part, "truncated");
	if (rec < ext_parts[part].min_rec || rec % 4 || rec > 1024)
		return ext_err(obj, part, "bad record size");
	while (!err && c.left)
		err = ext_parse_group(obj, part, &c, rec);
	return err;
}

static int by_insn(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static void ext_sort(struct bpf_obj *obj)
{
	for (u32 i = 0; i < obj->nr_secs; i++) {
		struct obj_sec *s = &obj->secs[i];

		/* stable enough: records of one section never share an instruction in practice,
		 * and equal keys keep a deterministic (qsort-defined) but harmless order */
		if (s->lines)
			qsort(s->lines, s->nr_lines, sizeof(*s->lines), by_insn);
		if (s->finfos)
			qsort(s->finfos, s->nr_finfos, sizeof(*s->finfos), by_insn);
	}
}

/* Section images exist before the funcs are collected, so func_info / line_info can be
 * checked against the instruction count here. */
static int ext_load_images(struct bpf_obj *obj)
{
	for (u32 i = 1; i < obj->nr_secs; i++) {
		struct obj_sec *s = &obj->secs[i];

		if (s->kind != SEC_PROG && s->kind != SEC_TEXT)
			continue;
		s->nr_insns = s->sh.sh_size / sizeof(struct bpf_insn);
		s->insns = malloc(s->nr_insns ? s->sh.sh_size : 1);
		if (!s->insns)
			return -ENOMEM;
		if (s->nr_insns)
			memcpy(s->insns, s->data, s->sh.sh_size);
	}
	return 0;
}

static int ext_check_part(struct bpf_obj *obj, const char *what, u64 off, u64 len, u32 size)
{
	if (off > size || len > size - off)
		return obj_sec_err(obj, obj->btf_ext_sec, -EINVAL, "%s [%llu, +%llu) out of range", what,
				   (unsigned long long)off, (unsigned long long)len);
	return 0;
}

int obj_parse_btf_ext(struct bpf_obj *obj)
{
	const struct obj_sec *s;
	struct btf_ext_hdr h = { 0 };
	u32 size;
	const u8 *d;
	int err = ext_load_images(obj);

	if (err || obj->btf_ext_sec < 0)
		return err;
	s = &obj->secs[obj->btf_ext_sec];
	d = s->data;
	size = s->sh.sh_size;
	if (!d || size < 24)
		return obj_sec_err(obj, obj->btf_ext_sec, -EINVAL, "too small for a header");
	memcpy(&h, d, 24);
	if (h.magic != BTF_MAGIC || h.version != 1)
		return obj_sec_err(obj, obj->btf_ext_sec, -EINVAL, "bad magic or version");
	if (h.hdr_len < 24 || h.hdr_len > size)
		return obj_sec_err(obj, obj->btf_ext_sec, -EINVAL, "bad header length %u", h.hdr_len);
	if (h.hdr_len >= 32)
		memcpy(&h.core_relo_off, d + 24, 8);
	d += h.hdr_len;
	size -= h.hdr_len;
	err = ext_check_part(obj, "func_info", h.func_info_off, h.func_info_len, size);
	err = err ?: ext_check_part(obj, "line_info", h.line_info_off, h.line_info_len, size);
	err = err ?: ext_check_part(obj, "core_relo", h.core_relo_off, h.core_relo_len, size);
	err = err ?: ext_parse_part(obj, EXT_FUNC, d + h.func_info_off, h.func_info_len);
	err = err ?: ext_parse_part(obj, EXT_LINE, d + h.line_info_off, h.line_info_len);
	err = err ?: ext_parse_part(obj, EXT_CORE, d + h.core_relo_off, h.core_relo_len);
	if (!err)
		ext_sort(obj);
	return err;
}
