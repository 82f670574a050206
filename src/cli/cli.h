/*
 * cli.h — the scxsim subcommands. main.c dispatches argv[1] to one of these; each returns the
 * process exit status (0 ok, 1 scheduler could not be loaded / verify failed, 2 bad usage or input).
 */
#ifndef SCXSIM_CLI_H
#define SCXSIM_CLI_H

#include <stdbool.h>

int cmd_run(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_diff(int argc, char **argv);

struct machine;
/* Attach an ext scheduler given as NAME (an example built into build/scheds) or
 * FILE.bpf.o[:knob=v,...] to m. 0, or -errno with the reason in err. (sched_load.c) */
int cli_sched_attach(struct machine *m, const char *spec, char *err, size_t errlen);
/* The same, returning the run command's exit status: 0, 1 (could not be loaded) or 2 (bad
 * input: spec, missing file, knob). */
int cli_sched_attach_status(struct machine *m, const char *spec, char *err, size_t errlen);
/* Whether cli_sched_attach runs the static verifier before attaching (default: yes; a
 * rejected program fails the load as the kernel's verifier would). */
void cli_set_verify(bool on);

#endif
