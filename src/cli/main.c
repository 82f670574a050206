/*
 * main.c — the scxsim command: dispatches the subcommand (run, verify, disasm, record, diff)
 * from a table and prints usage. Exit status: 0 ok, 1 scheduler could not be loaded, 2 usage.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct subcmd subcmds[] = {
	{ "run", cmd_run, "run a workload under a scheduler on a simulated machine" },
	{ "record", cmd_record, "record a command on the real kernel (tracefs) as a result + replay workload" },
	{ "diff", cmd_diff, "compare two result JSON files (e.g. real vs simulated)" },
	{ "verify", cmd_verify, "BPF object: load and statically check every program (exit 0 if accepted)" },
	{ "disasm", cmd_disasm, "BPF object: each program's instructions with source lines" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: scxsim COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		fprintf(f, "  %-8s %s\n", subcmds[i].name, subcmds[i].help);
	fprintf(f, "\n'scxsim COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		if (!strcmp(argv[1], subcmds[i].name))
			return subcmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "scxsim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
