/*
 * bpf_sched.c — fuzz harness for the BPF scheduler runtime as `scxsim run --sched FILE.bpf.o`
 * drives it: bpf_sched_open_mem() (ELF, BTF, .BTF.ext, relocations, CO-RE, struct_ops), then —
 * when the object opens — load onto a 2-CPU machine (maps, relocation against scxsim's kernel
 * BTF and kfunc table, validation), attach (ops.init runs) and a 10 ms simulated run of a small
 * run/sleep workload, so mutated real schedulers also exercise the VM, the kfuncs and the ext
 * class at run time. Each callback has a budget of 20000 instructions.
 *
 * Properties: every open/load/attach failure is -errno with a message naming the object
 * ("fz.bpf.o..."); a scheduler that misbehaves at run time is ejected, never the host: the run
 * returns 0 and every task is still accounted for.
 * Seeds: build/scheds/NAME.bpf.o and build/tests/bpf/NAME.bpf.o.
 */
#include <errno.h>

#include "fuzz.h"
#include "scxsim/bpf_sched.h"
#include "scxsim/machine.h"
#include "scxsim/scx.h"
#include "scxsim/topo.h"
#include "scxsim/workload.h"

#define FZ_NAME "fz.bpf.o"
#define FZ_RUN_NS (10ULL * 1000 * 1000)

static const char fz_workload[] =
	"{ \"tasks\": {"
	"  \"a\": { \"instance\": 2, \"loop\": -1, \"run\": 300, \"sleep\": 200 },"
	"  \"b\": { \"loop\": 10, \"run\": 1000, \"sleep\": 50, \"cpus\": [1] },"
	"  \"c\": { \"loop\": -1, \"run\": 2000, \"priority\": 5 } } }";

static struct topo *fz_topo;
static struct workload *fz_wl;

static void fz_setup(void)
{
	char err[256];

	if (!fz_topo && topo_parse("2", &fz_topo, err, sizeof(err)))
		fz_fail("topo_parse: %s", err);
	if (!fz_wl && workload_load_buf("fz.json", fz_workload, sizeof(fz_workload) - 1, &fz_wl,
					err, sizeof(err)))
		fz_fail("workload: %s", err);
}

static void fz_check_err(const char *stage, const char *msg)
{
	if (!strstr(msg, FZ_NAME) || strlen(msg) < sizeof(FZ_NAME) + 3)
		fz_fail("%s: message does not name the object and a reason: \"%s\"", stage, msg);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct bpf_sched *s = NULL;
	struct machine *m = NULL;
	struct machine_params p;
	char err[BPF_SCHED_ERR_MAX] = "";

	fz_setup();
	if (bpf_sched_open_mem(data, size, FZ_NAME, &s, err, sizeof(err))) {
		if (s)
			fz_fail("bpf_sched_open_mem failed but returned a scheduler");
		if (fz_verbose())
			fprintf(stderr, "bpf_sched: open: %s\n", err);
		fz_check_err("open", err);
		return 0;
	}
	bpf_sched_set_print(s, false);
	bpf_sched_set_budget(s, 20000);
	machine_params_default(&p);
	m = machine_create(fz_topo, fz_wl, &p, 1, err, sizeof(err));
	if (!m)
		fz_fail("machine_create: %s", err);
	if (bpf_sched_load(s, m)) {
		if (fz_verbose())
			fprintf(stderr, "bpf_sched: load: %s\n", bpf_sched_errmsg(s));
		fz_check_err("load", bpf_sched_errmsg(s));
		goto out;
	}
	if (bpf_sched_attach(s)) {
		if (fz_verbose())
			fprintf(stderr, "bpf_sched: attach: %s\n", bpf_sched_errmsg(s));
		fz_check_err("attach", bpf_sched_errmsg(s));
		goto out;
	}
	int e = machine_run(m, FZ_RUN_NS);
	if (e && e != -ENOMEM)
		fz_fail("machine_run: %d", e);
	const struct scx_exit_info *ei = machine_scx_exit_info(m);
	if (ei && ei->kind != SCX_EXIT_NONE && (!ei->msg || !ei->reason))
		fz_fail("scheduler exit %d without a reason and message", ei->kind);
	if (fz_verbose())
		fprintf(stderr, "bpf_sched: ran %s: %llu calls, %llu insns, %llu events, exit %d %s: %s\n",
			bpf_sched_name(s), (unsigned long long)bpf_sched_nr_calls(s),
			(unsigned long long)bpf_sched_nr_insns(s), (unsigned long long)machine_events(m),
			ei ? ei->kind : -1, ei && ei->reason ? ei->reason : "",
			ei && ei->msg ? ei->msg : "");
out:
	machine_destroy(m);
	bpf_sched_free(s);
	return 0;
}
