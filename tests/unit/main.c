/*
 * main.c — runs every registered unit test (see tests/test.h) in name order and prints
 * "N passed, N failed" last. argv[1], when given, selects tests whose name contains it.
 */
#include <stdlib.h>
#include "test.h"

static struct test_case *cases;
static int nr_cases, cap_cases;

void test_register(const char *name, void (*fn)(int *), const char *file)
{
	if (nr_cases == cap_cases) {
		cap_cases = cap_cases ? cap_cases * 2 : 64;
		cases = realloc(cases, cap_cases * sizeof(*cases));
		if (!cases)
			abort();
	}
	cases[nr_cases++] = (struct test_case){ name, fn, file };
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct test_case *)a)->name, ((const struct test_case *)b)->name);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	qsort(cases, nr_cases, sizeof(*cases), by_name);
	for (int i = 0; i < nr_cases; i++) {
		int f = 0;

		if (argc > 1 && !strstr(cases[i].name, argv[1]))
			continue;
		cases[i].fn(&f);
		if (f) {
			fprintf(stderr, "FAIL %s (%s)\n", cases[i].name, cases[i].file);
			failed++;
		} else {
			passed++;
		}
	}
	free(cases);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
