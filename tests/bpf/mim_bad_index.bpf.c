/*
 * mim_bad_index.bpf.c — a map-in-map whose static initializer sets slot [5] of a 2-entry
 * outer map: the loader must refuse it naming the map, the slot and max_entries
 * (tests/unit/test_bpf_mapinmap.c).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

struct fifo {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16);
	__type(value, u32);
} good SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, u32);
	__array(values, struct fifo);
} outer SEC(".maps") = {
	.values = { [0] = &good, [5] = &good },
};
