/*
 * bpf_sched.h — the BPF scheduler runtime: loads a sched_ext scheduler compiled with
 * `clang-19 -O2 -g -target bpf -mcpu=v3 -I scheds/include` and makes it the machine's ext
 * class, exactly as a C ops table would be (machine_attach_scx): each struct_ops slot becomes
 * a C trampoline that builds the u64 ctx[] argument array, runs the program in the
 * interpreter (bpf_vm.h) and returns r0.
 *
 * Life cycle (libbpf-like stages):
 *   bpf_sched_open(path)          read the object (bpf_obj.h), find its sched_ext_ops variable
 *   bpf_sched_set_knob(s, n, v)   patch .rodata knobs (`const volatile` globals), before load
 *   bpf_sched_load(s, m)          create maps for m's CPUs, relocate (maps, globals, kfuncs by
 *                                 name, helpers by id, CO-RE against scxsim's kernel BTF),
 *                                 validate every program, build the ops table
 *   bpf_sched_attach(s)           machine_attach_scx(): ops.init runs now
 *   machine_run(m, ...)
 *   bpf_sched_free(s)             before or after machine_destroy(m); after it, the
 *                                 machine's ext ops are inert (they find no runtime)
 *
 * Safety: BPF touches only registered memory: map values, globals (.rodata read-only), the
 * ctx array, tasks (read-only except p->scx.slice, p->scx.dsq_vtime, p->scx.disallow),
 * cgroups, cpumasks (read-only), the exit info and its strings, and the program's stack.
 * Every pointer passed to a kfunc is checked (a task must be a task of the machine, a cpumask
 * readable, an out-pointer writable). A fault, an exhausted instruction budget or a bad kfunc
 * argument in a callback ejects the scheduler with SCX_EXIT_ERROR and the interpreter's whole
 * message (program, pc, instruction, source line); every task then finishes on fair.
 *
 * Ownership: the runtime owns the object, maps and programs; strings it returns live until
 * bpf_sched_free(). Errors are negative errno with one line in bpf_sched_errmsg() (or in the
 * caller's buffer for open), naming the file, and the section/program/knob/map.
 * Not thread-safe (the simulator is single-threaded).
 */
#ifndef SCXSIM_BPF_SCHED_H
#define SCXSIM_BPF_SCHED_H

#include <stddef.h>
#include <stdio.h>
#include "scxsim/types.h"

struct bpf_sched;
struct bpf_map;
struct machine;
struct sched_ext_ops;

#define BPF_SCHED_ERR_MAX 1024

/* Open a .bpf.o (copied into memory). -errno with "FILE: reason" in err. */
int bpf_sched_open(const char *path, struct bpf_sched **out, char *err, size_t errlen);
/* The same from a buffer; name is used in messages. */
int bpf_sched_open_mem(const void *buf, size_t size, const char *name, struct bpf_sched **out,
		       char *err, size_t errlen);
void bpf_sched_free(struct bpf_sched *s); /* NULL-safe */

const char *bpf_sched_errmsg(const struct bpf_sched *s); /* last error, "" if none */
const char *bpf_sched_name(const struct bpf_sched *s);   /* ops.name ("" before load) */

/* Use the sched_ext_ops variable named var (before load). An object may define several (the
 * upstream hotplug selftest has one with and one without cpu_online/offline); by default the
 * first in section order is used. -ENOENT naming the variables there are. */
int bpf_sched_select_ops(struct bpf_sched *s, const char *var);

/* Set one knob from a string (before load). Unknown names list every knob and its type. */
int bpf_sched_set_knob(struct bpf_sched *s, const char *name, const char *value);
/* "a=1,b=0x10,name=str": each item as bpf_sched_set_knob(). */
int bpf_sched_set_knobs(struct bpf_sched *s, const char *list);

/* Budget of instructions per callback (default BPF_VM_DEFAULT_BUDGET; 0 restores it). */
void bpf_sched_set_budget(struct bpf_sched *s, u64 insns);
/* Mirror bpf_printk output to stderr (default true). The log is kept either way. */
void bpf_sched_set_print(struct bpf_sched *s, bool print);

/* Create maps for machine m (per-CPU maps get m's CPU count), relocate, validate, bind the
 * struct_ops programs. Once; -EALREADY afterwards. */
int bpf_sched_load(struct bpf_sched *s, struct machine *m);
/* Load it as m's ext scheduler (ops.init runs). -errno, message names the reason. */
int bpf_sched_attach(struct bpf_sched *s);
/* The ops table the runtime built (valid after load). */
const struct sched_ext_ops *bpf_sched_ops(const struct bpf_sched *s);
/* The runtime attached to m, NULL if none. */
struct bpf_sched *bpf_sched_of(const struct machine *m);

/* A global variable of the object (in .data/.bss/.rodata/...) by name: its bytes (valid while
 * loaded) and size; NULL if there is none or before load. */
void *bpf_sched_global(const struct bpf_sched *s, const char *name, size_t *size);
/* Print "global NAME = VALUE" for every integer, bool and enum variable of the object's
 * writable data sections (.data, .bss, .data.*), in section and declaration order: what an
 * upstream user half reads from skel->bss / skel->data after a run. The number printed. */
int bpf_sched_print_globals(const struct bpf_sched *s, FILE *f);
/* A map by name (BTF-defined maps by variable name, internal maps by section name). */
struct bpf_map *bpf_sched_map(const struct bpf_sched *s, const char *name);

/* bpf_printk / bpf_trace_printk output so far, one line per call ("" if none). */
const char *bpf_sched_log(const struct bpf_sched *s);

/* Statistics: program runs (callbacks) and instructions executed so far. */
u64 bpf_sched_nr_calls(const struct bpf_sched *s);
u64 bpf_sched_nr_insns(const struct bpf_sched *s);

/* Run the scheduler program `prog` (by function name) once with ctx = args[0..nr-1], outside
 * any scheduler op (no kfunc context): for tests of programs and helpers. r0 in *ret.
 * -ENOENT (no such program), the VM's error otherwise (message in bpf_sched_errmsg()). */
int bpf_sched_run_prog(struct bpf_sched *s, const char *prog, const u64 *args, u32 nr, u64 *ret);

#endif
