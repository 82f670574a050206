#!/bin/sh
# record-calibrate.sh — the measurements behind the model's calibrated parameters
# (docs/fidelity.md, "Calibrated model parameters"), from the traces kept in tests/data/record/
# and one timing loop on this machine. Needs python3; no root. Prints:
#   1. ctx_switch_ns: the pinned pipe's steady-state round trip (perf-pipe-cpu0) and the cost of
#      a non-blocking 4-byte pipe write + read here, hence the cost of one switch;
#   2. wakeup_ipi_ns: waking -> switch-in of recorded tasks woken onto an idle CPU, split by how
#      long that CPU had idled and by whether the waker was on another CPU (recorded switches
#      only: CPU 1 does not record switches from idle, so its wakees are left out);
#   3. base_slice_ns: how long rtapp-ex3's threads ran before each preemption.
set -eu
D=${1:-tests/data/record}
python3 - "$D" <<'PY'
import gzip, os, re, statistics as st, sys, time

D = sys.argv[1]
EV = re.compile(r'^\s*(.*)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+([\d.]+):\s+(\w+):\s+(.*)$')
kv = lambda s: dict(re.findall(r'(\w+)=(\S+)', s))

def events(name):
    root = None
    for line in gzip.open(os.path.join(D, name + ".trace.gz"), "rt", errors="replace"):
        if line.startswith("# scxsim-record: root_pid="):
            root = int(line.split("=")[1])
            yield ("root", root)
            continue
        m = EV.match(line)
        if m:
            comm, ctx, cpu, flags, ts, typ, rest = m.groups()
            yield (typ, int(ctx), int(cpu), float(ts) * 1e6, kv(rest))

# 1. the pinned pipe round trip, and a pipe write + read without blocking
sw = [e[3] for e in events("perf-pipe-cpu0")
      if e[0] == "sched_switch" and e[4]["prev_comm"] == "sched-pipe"]
n = len(sw)
rt = [sw[i + 2] - sw[i] for i in range(n // 4, 3 * n // 4)]
r, w = os.pipe()
N = 200000
def best(f):
    b = 1e9
    for _ in range(5):
        t = time.perf_counter(); f(); b = min(b, time.perf_counter() - t)
    return b / N * 1e9
def pipe():
    for _ in range(N): os.write(w, b"xxxx"); os.read(r, 4)
def nosys():
    for _ in range(N): abs(1); abs(1)
pair = best(pipe) - best(nosys)
print("1. pinned pipe round trip: median %.1f us, mean %.1f us (%d switch-outs)" %
      (st.median(rt), st.mean(rt), n))
print("   pipe write+read pair without blocking: %.2f us" % (pair / 1000))
print("   => per switch (2 switches + 1 wakeup + 2 pairs per round trip): %.2f us" %
      ((st.median(rt) - 2 * pair / 1000) / 2))

# 2. wakeups onto an idle CPU
bins = [(0, 50), (50, 200), (200, 1000), (1000, 1e12)]
out = {}
for name in sorted(f[:-9] for f in os.listdir(D) if f.endswith(".trace.gz")):
    tree, idle_since, pend = set(), {}, {}
    for e in events(name):
        if e[0] == "root":
            tree.add(e[1]); continue
        typ, ctx, cpu, t, f = e
        if ctx:                      # a task runs on cpu: not idle; a pending wakee seen
            idle_since.pop(cpu, None)    # running there was switched in unrecorded (CPU 1)
            if ctx in pend and pend[ctx][1] == cpu:
                del pend[ctx]
        if typ == "sched_process_fork" and int(f["pid"]) in tree:
            tree.add(int(f["child_pid"]))
        elif typ == "sched_waking" and int(f["pid"]) in tree:
            pend.setdefault(int(f["pid"]), [t, None, None, cpu])
        elif typ == "sched_wakeup" and int(f["pid"]) in pend and pend[int(f["pid"])][1] is None:
            p, x = int(f["pid"]), int(f["target_cpu"])
            if x in idle_since and idle_since[x] <= pend[p][0]:
                pend[p][1:3] = [x, pend[p][0] - idle_since[x]]
            else:
                del pend[p]
        elif typ == "sched_switch":
            nxt = int(f["next_pid"])
            if nxt == 0:
                idle_since[cpu] = t
            else:
                idle_since.pop(cpu, None)
            if nxt in pend and pend[nxt][1] == cpu:
                w0, x, idled, wcpu = pend.pop(nxt)
                kind = "local " if wcpu == x else "remote"
                b = next(b for b in bins if b[0] <= idled < b[1])
                out.setdefault((kind, b), []).append(t - w0)
print("2. waking -> switch-in onto an idle CPU, by the CPU's idle time before the waking:")
for (kind, b), v in sorted(out.items()):
    v.sort()
    hi = "%d us" % b[1] if b[1] < 1e12 else "..."
    print("   %s  idle %4d us - %-7s n=%5d  p50 %6.1f us  p90 %8.1f us" %
          (kind, b[0], hi, len(v), v[len(v) // 2], v[int(len(v) * 0.9)]))

# 3. run length before a preemption in rtapp-ex3 (12 CPU-bound threads on 2 CPUs)
start, runs = {}, []
for e in events("rtapp-ex3"):
    if e[0] != "sched_switch":
        continue
    f = e[4]
    if (f["prev_pid"] in start and f["prev_state"].startswith("R")
            and f["prev_comm"].startswith("thread0")):
        runs.append(round((e[3] - start[f["prev_pid"]]) / 1000))
    start[f["next_pid"]] = e[3]
at4 = sum(1 for x in runs if x == 4)
print("3. rtapp-ex3: %d of %d preemptions after 4 ms of running (the HZ=250 tick)" %
      (at4, len(runs)))
PY
