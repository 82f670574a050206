# scxsim — plain Make, pattern rules, out-of-tree builds with O=DIR (default build/).
#   make            build build/scxsim, the unit tests and the example schedulers
#   make test       build and run every test, normally and under ASan+UBSan
#   make demo       install missing packages (as root), build, run the main job
#   make bench      build and run the benchmarks in bench/
#   make fuzz       build the fuzz harnesses with clang-19 libFuzzer and run each FUZZ_SECONDS
.DELETE_ON_ERROR:
.SUFFIXES:

O        ?= build
CC       ?= gcc
BPF_CC   ?= clang-19
SAN      ?=
SANFLAGS := -fsanitize=address,undefined
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
XCFLAGS  := -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
            -Iinclude -Isrc -Itests -MMD -MP $(if $(SAN),$(SANFLAGS) -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
LDFLAGS  += $(if $(SAN),$(SANFLAGS))
LDLIBS   := -lm
BPFFLAGS := -O2 -g -target bpf -mcpu=v3 -Ischeds/include \
            -Wno-compare-distinct-pointer-types -Wno-incompatible-function-pointer-types
LLVM_OBJCOPY ?= llvm-objcopy-19
# The target BTF: scxsim's kernel types compiled for BPF (src/btfgen). glibc's headers need the
# host's multiarch directory and a 64-bit word size (stubs.h) to be readable by -target bpf.
KBTF_FLAGS := -g -O0 -target bpf -Iinclude -Isrc -D__x86_64__ \
              -idirafter /usr/include/$(shell gcc -print-multiarch 2>/dev/null)

LIB_SRCS  := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*' ! -path 'src/btfgen/*')) \
             $(sort $(filter-out %.bpf.c,$(wildcard scheds/*.c)))
CLI_SRCS  := $(sort $(wildcard src/cli/*.c))
TEST_SRCS := $(sort $(wildcard tests/unit/*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BPF_SRCS  := $(sort $(wildcard scheds/*.bpf.c))
# scheds/*.c that are not .bpf.c: the schedulers' user halves (host code, in the library)
TBPF_SRCS := $(sort $(wildcard tests/bpf/*.bpf.c))

LIB_OBJS  := $(LIB_SRCS:%.c=$(O)/obj/%.o) $(O)/obj/gen/kernel_btf.o
CLI_OBJS  := $(CLI_SRCS:%.c=$(O)/obj/%.o)
# subcommands without main(): the unit tests call them too
CMD_OBJS  := $(filter-out $(O)/obj/src/cli/main.o,$(CLI_OBJS))
TEST_OBJS := $(TEST_SRCS:%.c=$(O)/obj/%.o)
BPF_OBJS  := $(BPF_SRCS:scheds/%.bpf.c=$(O)/scheds/%.bpf.o)
TBPF_OBJS := $(TBPF_SRCS:tests/bpf/%.bpf.c=$(O)/tests/bpf/%.bpf.o)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(O)/bench/%)
# Fuzz harnesses (tests/fuzz/NAME.c, docs/fuzzing.md). FUZZ_REGRESS: the same harnesses with
# tests/fuzz/main.c instead of libFuzzer, built by the ordinary compiler (replays of
# tests/fuzz/crashes/ and seeds/ in `make test`). FUZZ_BINS: libFuzzer builds (clang-19).
FUZZ_NAMES := bpf_obj bpf_sched workload topo vm trace diff json
FUZZ_REGRESS := $(FUZZ_NAMES:%=$(O)/fuzz-regress/%)
FUZZ_BINS := $(FUZZ_NAMES:%=$(O)/fuzz/%)
FUZZ_CC ?= clang-19
FUZZ_SAN := -fsanitize=fuzzer,address,undefined
FUZZ_SECONDS ?= 60

LIB := $(O)/libscxsim.a

all: $(O)/scxsim $(O)/tests/unit $(BPF_OBJS) $(TBPF_OBJS)

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(XCFLAGS) -c $< -o $@

$(O)/gen/kernel_types.bpf.o: src/btfgen/kernel_types.c
	@mkdir -p $(@D)
	$(BPF_CC) $(KBTF_FLAGS) -MMD -MP -MT $@ -MF $(O)/gen/kernel_types.d -c $< -o $@

$(O)/gen/kernel.btf: $(O)/gen/kernel_types.bpf.o
	$(LLVM_OBJCOPY) --dump-section .BTF=$@ $<

$(O)/gen/kernel_btf.c: $(O)/gen/kernel.btf src/btfgen/embed.sh
	sh src/btfgen/embed.sh $< scxsim_kernel_btf > $@

$(O)/obj/gen/kernel_btf.o: $(O)/gen/kernel_btf.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(XCFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(O)/scxsim: $(CLI_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/unit: $(TEST_OBJS) $(CMD_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/bench/%: $(O)/obj/bench/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/scheds/%.bpf.o: scheds/%.bpf.c $(wildcard scheds/include/*.h scheds/include/*/*.h)
	@mkdir -p $(@D)
	$(BPF_CC) $(BPFFLAGS) -c $< -o $@

$(O)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c $(wildcard scheds/include/*.h scheds/include/*/*.h)
	@mkdir -p $(@D)
	$(BPF_CC) $(BPFFLAGS) -c $< -o $@

$(O)/fuzz-regress/%: $(O)/obj/tests/fuzz/%.o $(O)/obj/tests/fuzz/main.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/fuzz/vm_seeds: $(O)/obj/tests/fuzz/vm_seeds.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The library for libFuzzer: scxsim built again by clang-19 with coverage and sanitizers.
$(O)/fuzz/lib/libscxsim.a: FORCE
	$(MAKE) O=$(O)/fuzz/lib CC=$(FUZZ_CC) SAN=1 OPT=-O1 \
		SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined" $@

$(O)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(O)/fuzz/lib/libscxsim.a
	$(FUZZ_CC) -g -O1 -std=gnu11 $(FUZZ_SAN) -fno-sanitize-recover=undefined -Iinclude -Isrc \
		-Itests $< $(O)/fuzz/lib/libscxsim.a -lm -o $@

fuzz-build: $(FUZZ_BINS) $(O)/fuzz/vm_seeds all

fuzz: fuzz-build
	@sh scripts/fuzz.sh $(O) $(FUZZ_SECONDS) $(FUZZ_NAMES)

deps:
	@sh scripts/deps.sh

test: deps
	$(MAKE) all
	$(MAKE) O=$(O)/san SAN=1 OPT=-O1 $(O)/san/tests/unit $(O)/san/scxsim \
		$(FUZZ_NAMES:%=$(O)/san/fuzz-regress/%)
	@sh tests/run.sh $(O) $(O)/san

demo: deps
	$(MAKE) all
	@sh scripts/demo.sh $(O)

bench: $(BENCH_BINS) $(O)/scxsim
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b || exit 1; done

clean:
	rm -rf $(O)

FORCE:

# keep the harness objects of the plain-program builds between runs
.SECONDARY: $(FUZZ_NAMES:%=$(O)/obj/tests/fuzz/%.o) $(O)/obj/tests/fuzz/main.o

.PHONY: all deps test demo bench clean fuzz fuzz-build FORCE

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
-include $(wildcard $(O)/gen/kernel_types.d)
