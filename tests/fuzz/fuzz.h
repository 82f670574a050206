/*
 * fuzz.h — what the harnesses in tests/fuzz/ share. Each harness is one .c file defining
 * LLVMFuzzerTestOneInput(): it feeds the bytes to one public entry point of scxsim, checks the
 * properties that hold for every input (an error names the input and says why; a success leaves
 * a consistent object) and frees everything, so ASan/UBSan/LSan and libFuzzer's timeout see any
 * crash, leak, undefined behaviour or hang.
 *
 * Built two ways (Makefile): with clang-19 -fsanitize=fuzzer,... for `make fuzz`, and with the
 * ordinary compiler plus tests/fuzz/main.c (a main() that runs the harness on files) under
 * ASan+UBSan for the regression step of `make test` (tests/fuzz/regress.sh).
 *
 * A broken property calls fz_fail(), which prints why and aborts: libFuzzer reports it as a
 * crash and keeps the input; main.c's run exits non-zero.
 */
#ifndef SCXSIM_FUZZ_H
#define SCXSIM_FUZZ_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

__attribute__((format(printf, 1, 2), noreturn)) static inline void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz property broken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* FZ_VERBOSE=1 in the environment: harnesses say how far each input went (on stderr). */
static inline bool fz_verbose(void)
{
	const char *v = getenv("FZ_VERBOSE");

	return v && *v == '1';
}

/* The input as a NUL-terminated string (a copy; stops at the first NUL byte). Caller frees. */
static inline char *fz_strdup(const unsigned char *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* An error message must start with the input's name and say something after it. */
static inline void fz_check_msg(const char *what, const char *msg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(msg, name, n) || strlen(msg) < n + 3)
		fz_fail("%s: message does not name '%s' and a reason: \"%s\"", what, name, msg);
}

#endif
