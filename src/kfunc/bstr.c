/*
 * bstr.c — the formatter behind scx_bpf_error()/scx_bpf_exit() (the bstr kfuncs),
 * bpf_trace_printk/bpf_trace_vprintk/bpf_snprintf: a printf subset over an array of u64
 * arguments, as the kernel's bpf_bprintf_prepare() accepts it: flags (-+ 0#), width and
 * precision digits, length modifiers (hh h l ll z), conversions d i u x X o c s p %. Every %s
 * argument is a BPF pointer read byte by byte through the VM's memory check (an unreadable
 * one prints "(fault)"), so a hostile format can never read host memory.
 *
 * Errors (-EINVAL: unterminated or unreadable format, unknown conversion, more conversions
 * than arguments) leave the reason in the output buffer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kf_int.h"

#define BSTR_FMT_MAX 1024
#define BSTR_STR_MAX 512

struct bstr_out {
	char *buf;
	size_t len, size;
};

static void out_add(struct bstr_out *o, const char *s, size_t n)
{
	size_t room = o->size - 1 - o->len;

	n = MIN(n, room);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* the string at BPF address v, as far as it is readable */
static void read_str(struct bpf_vm *vm, u64 v, char *buf, size_t max)
{
	size_t i = 0;

	for (; i + 1 < max; i++) {
		if (bpf_vm_check_mem(vm, v + i, 1, BPF_VM_READ)) {
			if (i)
				buf[i] = '\0';
			else
				snprintf(buf, max, "(fault)");
			return;
		}
		buf[i] = *(const char *)(uintptr_t)(v + i);
		if (!buf[i])
			return;
	}
	buf[i] = '\0';
}

static int fail(char *out, size_t outlen, const char *why)
{
	snprintf(out, outlen, "%s", why);
	return -EINVAL;
}

/* One conversion: spec is "%[flags][width][.prec][len]C" (host printf syntax, len normalised). */
static int convert(struct bpf_vm *vm, struct bstr_out *o, const char *spec, size_t speclen, char conv,
		   u64 arg, int lenmod)
{
	char f[48], tmp[BSTR_STR_MAX + 64], str[BSTR_STR_MAX];
	int n;

	if (speclen + 4 >= sizeof(f))
		return -EINVAL;
	memcpy(f, spec, speclen);
	f[speclen] = '\0';
	switch (conv) {
	case 'd': case 'i':
		strcat(f, "lld");
		n = snprintf(tmp, sizeof(tmp), f, lenmod == 8 ? (long long)(s64)arg : lenmod == 2 ? (long long)(s16)arg :
			     lenmod == 1 ? (long long)(s8)arg : (long long)(s32)arg);
		break;
	case 'u': case 'x': case 'X': case 'o':
		strcat(f, conv == 'u' ? "llu" : conv == 'x' ? "llx" : conv == 'X' ? "llX" : "llo");
		n = snprintf(tmp, sizeof(tmp), f, lenmod == 8 ? (unsigned long long)arg : lenmod == 2 ? (unsigned long long)(u16)arg :
			     lenmod == 1 ? (unsigned long long)(u8)arg : (unsigned long long)(u32)arg);
		break;
	case 'c':
		strcat(f, "c");
		n = snprintf(tmp, sizeof(tmp), f, (int)(u8)arg);
		break;
	case 'p':
		n = snprintf(tmp, sizeof(tmp), "0x%llx", (unsigned long long)arg);
		break;
	default: /* 's' */
		read_str(vm, arg, str, sizeof(str));
		strcat(f, "s");
		n = snprintf(tmp, sizeof(tmp), f, str);
		break;
	}
	if (n > 0)
		out_add(o, tmp, MIN((size_t)n, sizeof(tmp) - 1));
	return 0;
}

int rt_bstr_format(struct bpf_vm *vm, u64 fmtp, u64 fmt_size, const u64 *args, u32 nr, char *out,
		   size_t outlen)
{
	char fmt[BSTR_FMT_MAX];
	struct bstr_out o = { out, 0, outlen };
	u32 used = 0;
	size_t max = MIN(fmt_size, sizeof(fmt));

	if (!outlen)
		return -EINVAL;
	out[0] = '\0';
	for (size_t i = 0;; i++) {
		if (i >= max)
			return fail(out, outlen, "format is not NUL-terminated within its size");
		if (bpf_vm_check_mem(vm, fmtp + i, 1, BPF_VM_READ))
			return fail(out, outlen, "format string is not readable");
		fmt[i] = *(const char *)(uintptr_t)(fmtp + i);
		if (!fmt[i])
			break;
	}
	for (const char *p = fmt; *p; p++) {
		const char *start = p;
		int lenmod = 4;
		size_t speclen;

		if (*p != '%') {
			out_add(&o, p, 1);
			continue;
		}
		if (p[1] == '%') {
			out_add(&o, "%", 1);
			p++;
			continue;
		}
		p++;
		while (*p && strchr("-+ 0#", *p))
			p++;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		speclen = (size_t)(p - start);
		if (*p == 'h')
			lenmod = p[1] == 'h' ? (p++, 1) : 2, p++;
		else if (*p == 'l' || *p == 'z')
			lenmod = 8, p += (p[0] == 'l' && p[1] == 'l') ? 2 : 1;
		if (!*p || !strchr("diuxXocsp", *p))
			return fail(out, outlen, "unsupported conversion in format (supported: %d %i %u %x %X %o %c %s %p %%)");
		if (used >= nr)
			return fail(out, outlen, "format has more conversions than arguments");
		if (convert(vm, &o, start, speclen, *p, args[used++], *p == 'p' ? 8 : lenmod))
			return fail(out, outlen, "conversion specification too long");
	}
	return 0;
}

void rt_log_append(struct bpf_sched *s, const char *line)
{
	size_t n = strlen(line), need = s->log_len + n + 2;

	if (s->print)
		fprintf(stderr, "bpf: %s\n", line);
	if (need > s->log_cap) {
		size_t cap = need * 2;
		char *l = realloc(s->log, cap);

		if (!l)
			return;
		s->log = l;
		s->log_cap = cap;
	}
	memcpy(s->log + s->log_len, line, n);
	s->log_len += n;
	s->log[s->log_len++] = '\n';
	s->log[s->log_len] = '\0';
}
