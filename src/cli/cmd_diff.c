/*
 * cmd_diff.c — `scxsim diff REAL.json SIM.json [--json] [--check SPEC]`: the real kernel's
 * figures (scxsim record) next to the simulator's (scxsim run --json), with the relative error
 * of each; the comparison itself is rec_diff_files (src/record/diff.c). With --check, each figure
 * of SPEC ("ctx_switches=10,task_runtime=5,...": percent bands) is checked instead, one line per
 * figure, and the exit status says whether all were within their band.
 * Exit: 0 done (every checked figure within its band), 1 a checked figure out of its band,
 * 2 bad usage, a bad SPEC, or an unreadable / malformed file (one line naming it).
 */
#include <string.h>
#include "cli/cli.h"
#include "record/record_int.h"

static const char diff_usage[] = "usage: scxsim diff REAL.json SIM.json [--json | --check SPEC]\n";

static int diff_bad(const char *what, const char *arg)
{
	fprintf(stderr, "scxsim diff: %s '%s'\n%s", what, arg, diff_usage);
	return 2;
}

int cmd_diff(int argc, char **argv)
{
	const char *files[2], *check = NULL;
	int nf = 0, rc;
	bool json = false;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--check") && i + 1 < argc)
			check = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1])
			return diff_bad(strcmp(argv[i], "--check") ? "unknown option" : "needs a SPEC:",
					argv[i]);
		else if (nf < 2)
			files[nf++] = argv[i];
		else
			return diff_bad("too many files:", argv[i]);
	}
	if (nf != 2) {
		fprintf(stderr, "scxsim diff: need REAL.json and SIM.json\n%s", diff_usage);
		return 2;
	}
	if (check && json)
		return diff_bad("--json and --check do not go together:", check);
	rc = check ? rec_diff_check_files(files[0], files[1], check, stdout, err, sizeof(err))
		   : rec_diff_files(files[0], files[1], json, stdout, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "scxsim diff: %s\n", err);
		return 2;
	}
	return rc ? 1 : 0;
}
