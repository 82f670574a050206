/*
 * topo.c — fuzz harness for the --topo spec parser (topo_parse in src/machine/topo.c). The spec
 * "host" is skipped: it reads this machine's sysfs, not the input (topo_from_sysfs has its own
 * unit tests on the fake trees in tests/data/sysfs).
 * Properties: a failure returns -EINVAL-like errno, no topology and a message naming the spec
 * ("bad topology 'SPEC': reason"); a success gives 1..SCX_NR_CPUS_MAX CPUs whose ids are dense
 * and whose masks hold them, and a canonical spec that parses again to the same machine.
 */
#include "fuzz.h"
#include "scxsim/topo.h"

static void fz_check_topo(const struct topo *t, const char *spec)
{
	if (t->nr_cpus < 1 || t->nr_cpus > SCX_NR_CPUS_MAX)
		fz_fail("topo '%s': %d CPUs", spec, t->nr_cpus);
	for (int c = 0; c < t->nr_cpus; c++) {
		const struct topo_cpu *x = &t->cpus[c];

		if (x->socket < 0 || x->socket >= t->nr_sockets || x->core < 0 ||
		    x->core >= t->nr_cores || x->llc < 0 || x->llc >= t->nr_llcs || x->node < 0 ||
		    x->node >= t->nr_nodes || x->thread < 0)
			fz_fail("topo '%s': cpu %d has ids out of range", spec, c);
		if (!cpumask_test(&t->smt[c], c) || !cpumask_test(&t->llc_mask[x->llc], c) ||
		    !cpumask_test(&t->node_mask[x->node], c) ||
		    !cpumask_test(&t->socket_mask[x->socket], c) || !cpumask_test(&t->all, c))
			fz_fail("topo '%s': cpu %d missing from its masks", spec, c);
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *spec = fz_strdup(data, size);
	struct topo *t = NULL, *again = NULL;
	char err[256] = "";

	if (!spec || !strcmp(spec, "host")) {
		free(spec);
		return 0;
	}
	if (topo_parse(spec, &t, err, sizeof(err))) {
		if (t)
			fz_fail("topo_parse('%s') failed but returned a topology", spec);
		if (!strstr(err, "topology") || strlen(err) < 16)
			fz_fail("topo_parse('%s'): message does not say what and why: \"%s\"", spec, err);
		free(spec);
		return 0;
	}
	fz_check_topo(t, spec);
	if (topo_parse(t->spec, &again, err, sizeof(err)))
		fz_fail("canonical spec '%s' of '%s' does not parse: %s", t->spec, spec, err);
	if (again->nr_cpus != t->nr_cpus || again->nr_llcs != t->nr_llcs ||
	    again->nr_nodes != t->nr_nodes || strcmp(again->spec, t->spec))
		fz_fail("canonical spec '%s' of '%s' parses to another machine", t->spec, spec);
	topo_free(again);
	topo_free(t);
	free(spec);
	return 0;
}
