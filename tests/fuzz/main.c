/*
 * main.c — a main() for the fuzz harnesses without libFuzzer: runs LLVMFuzzerTestOneInput()
 * once on each file named on the command line (the minimized crash inputs in
 * tests/fuzz/crashes/HARNESS/ and the seeds in tests/fuzz/seeds/HARNESS/), so `make test` can
 * replay them under ASan+UBSan with the ordinary compiler. Prints "ok FILE" per input; a broken
 * property or a sanitizer report aborts with a non-zero exit status. Exit 2 on an unreadable file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int fz_read(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	unsigned char *b = malloc(cap);

	if (!f || !b) {
		if (f)
			fclose(f);
		free(b);
		return -errno;
	}
	for (size_t got; (got = fread(b + n, 1, cap - n, f)) > 0;) {
		n += got;
		if (n == cap) {
			unsigned char *nb = realloc(b, cap *= 2);

			if (!nb) {
				free(b);
				fclose(f);
				return -ENOMEM;
			}
			b = nb;
		}
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		unsigned char *buf = NULL;
		size_t len = 0;
		int e = fz_read(argv[i], &buf, &len);

		if (e) {
			fprintf(stderr, "%s: cannot read: %s\n", argv[i], strerror(-e));
			return 2;
		}
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		printf("ok %s\n", argv[i]);
	}
	return 0;
}
