/*
 * vm_seeds.c — turns the programs of tests/ebpf/NAME.data (their "-- asm" section) into raw
 * instruction files OUTDIR/NAME, the seed corpus of the vm fuzz harness. Used by
 * scripts/fuzz.sh at fuzz time; the seeds are not committed.
 *   vm_seeds OUTDIR FILE.data...
 * A file without an asm section or whose asm does not assemble is skipped (said on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scxsim/bpf_asm.h"

static char *seed_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = calloc(1, (size_t)n + 1)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The "-- asm" section of a .data text, cut in place; NULL if none. */
static char *seed_asm(char *text)
{
	char *s = strstr(text, "-- asm\n"), *end;

	if (!s)
		return NULL;
	s += 7;
	end = strstr(s, "\n--");
	if (end)
		end[1] = '\0';
	return s;
}

static int seed_one(const char *outdir, const char *path)
{
	char *text = seed_read(path), *as, err[256], out[4096];
	const char *base = strrchr(path, '/');
	struct bpf_insn *insns = NULL;
	u32 n = 0;
	int ret = -EINVAL;

	as = text ? seed_asm(text) : NULL;
	if (!as || bpf_asm(as, &insns, &n, err, sizeof(err))) {
		fprintf(stderr, "%s: skipped (%s)\n", path, as ? err : "no -- asm section");
		goto out;
	}
	snprintf(out, sizeof(out), "%s/%s", outdir, base ? base + 1 : path);
	FILE *f = fopen(out, "wb");
	if (f) {
		ret = fwrite(insns, sizeof(*insns), n, f) == n ? 0 : -EIO;
		ret = fclose(f) ? -EIO : ret;
	}
	if (ret)
		fprintf(stderr, "%s: cannot write\n", out);
out:
	free(insns);
	free(text);
	return ret;
}

int main(int argc, char **argv)
{
	int ok = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: vm_seeds OUTDIR FILE.data...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++)
		ok += seed_one(argv[1], argv[i]) == 0;
	fprintf(stderr, "vm_seeds: %d of %d programs\n", ok, argc - 2);
	return 0;
}
