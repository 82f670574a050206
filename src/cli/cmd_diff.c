/*
 * cmd_diff.c — `scxsim diff REAL.json SIM.json [--json]`: the real kernel's figures (scxsim
 * record) next to the simulator's (scxsim run --json), with the relative error of each; the
 * comparison itself is rec_diff_files (src/record/diff.c).
 * Exit: 0 done, 2 bad usage or an unreadable / malformed file (one line naming it).
 */
#include <string.h>
#include "cli/cli.h"
#include "scxsim/record.h"

static const char diff_usage[] = "usage: scxsim diff REAL.json SIM.json [--json]\n";

int cmd_diff(int argc, char **argv)
{
	const char *files[2];
	int nf = 0;
	bool json = false;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "scxsim diff: unknown option '%s'\n%s", argv[i], diff_usage);
			return 2;
		} else if (nf < 2) {
			files[nf++] = argv[i];
		} else {
			fprintf(stderr, "scxsim diff: too many files ('%s')\n%s", argv[i], diff_usage);
			return 2;
		}
	}
	if (nf != 2) {
		fprintf(stderr, "scxsim diff: need REAL.json and SIM.json\n%s", diff_usage);
		return 2;
	}
	if (rec_diff_files(files[0], files[1], json, stdout, err, sizeof(err))) {
		fprintf(stderr, "scxsim diff: %s\n", err);
		return 2;
	}
	return 0;
}
