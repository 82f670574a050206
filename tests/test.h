/*
 * test.h — the unit-test registry. A test is `TEST(name) { ... }` in any tests/unit/ source file;
 * it registers itself at load time and tests/unit/main.c runs all of them (or those whose name
 * contains argv[1]) in name order, printing one line per failure and a last line
 * "N passed, N failed". CHECK* record a failure and return from the test.
 */
#ifndef SCXSIM_TEST_H
#define SCXSIM_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(int *failed);
	const char *file;
};

void test_register(const char *name, void (*fn)(int *), const char *file);

#define TEST(name)                                                         \
	static void test_##name(int *test_failed_);                        \
	__attribute__((constructor)) static void test_reg_##name(void)      \
	{                                                                  \
		test_register(#name, test_##name, __FILE__);               \
	}                                                                  \
	static void test_##name(int *test_failed_)

#define FAIL_(...)                                                         \
	do {                                                               \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);          \
		fprintf(stderr, __VA_ARGS__);                              \
		fputc('\n', stderr);                                       \
		*test_failed_ = 1;                                         \
		return;                                                    \
	} while (0)

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond))                                               \
			FAIL_("CHECK(%s) failed", #cond);                  \
	} while (0)

#define CHECK_EQ(a, b)                                                     \
	do {                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);        \
		if (a_ != b_)                                              \
			FAIL_("%s == %s failed: %lld != %lld", #a, #b, a_, b_); \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *a_ = (a), *b_ = (b);                           \
		if (!a_ || !b_ || strcmp(a_, b_))                          \
			FAIL_("%s == %s failed: \"%s\" != \"%s\"", #a, #b,  \
			      a_ ? a_ : "(null)", b_ ? b_ : "(null)");      \
	} while (0)

/* Substring check, for error messages. */
#define CHECK_CONTAINS(hay, needle)                                        \
	do {                                                               \
		const char *h_ = (hay), *n_ = (needle);                    \
		if (!h_ || !strstr(h_, n_))                                \
			FAIL_("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_); \
	} while (0)

#endif
