/*
 * mim_bad_sym.bpf.c — a map-in-map whose static initializer points at a global variable, not
 * a map: the loader must refuse it naming the map, the slot and the symbol
 * (tests/unit/test_bpf_mapinmap.c).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

struct fifo {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16);
	__type(value, u32);
} good SEC(".maps");

u64 not_a_map = 1;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, u32);
	__array(values, struct fifo);
} outer SEC(".maps") = {
	.values = { [0] = &good, [1] = (void *)&not_a_map },
};
