/*
 * diff.c — fuzz harness for `scxsim diff` (src/record/diff.c): its JSON reader of two result
 * files, the task matching and the table / JSON / --check output. The input is split at its first
 * NUL byte into the "real" and the "sim" file (no NUL: the same bytes for both); each part is
 * written to a memfd and read back through /proc/self/fd/N, the path the messages must name.
 * Output goes to /dev/null.
 * Properties: rec_diff_files and rec_diff_check_files return 0, or -errno with a message that
 * starts with the path of the file at fault (or "diff: out of memory"); a --check returns the
 * number of figures outside their band (>= 0).
 * Seeds: tests/data/record/NAME.json (real and replay results) and workloads-run results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "scxsim/record.h"
#include "record/record_int.h"

static int fz_memfd(const unsigned char *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fzdiff", 0);

	if (fd < 0)
		return -errno;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -EIO;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

static void fz_check(const char *what, int rc, const char *err, const char *real, const char *sim)
{
	if (rc >= 0 || !strcmp(err, "diff: out of memory"))
		return;
	if (strncmp(err, real, strlen(real)) && strncmp(err, sim, strlen(sim)))
		fz_fail("%s: %d with a message that names neither file: \"%s\"", what, rc, err);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const unsigned char *nul = memchr(data, 0, size);
	size_t rlen = nul ? (size_t)(nul - data) : size;
	const unsigned char *s = nul ? nul + 1 : data;
	size_t slen = nul ? size - rlen - 1 : size;
	char real[64], sim[64], err[512];
	int fr = fz_memfd(data, rlen, real, sizeof(real));
	int fs = fz_memfd(s, slen, sim, sizeof(sim));
	FILE *null = fopen("/dev/null", "w");

	if (fr >= 0 && fs >= 0 && null) {
		for (int json = 0; json < 2; json++) {
			err[0] = '\0';
			fz_check("rec_diff_files", rec_diff_files(real, sim, json, null, err, sizeof(err)),
				 err, real, sim);
		}
		err[0] = '\0';
		fz_check("rec_diff_check_files",
			 rec_diff_check_files(real, sim, "duration=10,ctx_switches=20,lat_p99=50,"
					      "task_runtime=10,task_lat_p50=30,min_share=1",
					      null, err, sizeof(err)),
			 err, real, sim);
	}
	if (fr >= 0)
		close(fr);
	if (fs >= 0)
		close(fs);
	if (null)
		fclose(null);
	return 0;
}
