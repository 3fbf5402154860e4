"""Beside a benchmark run: every second, the CPU of each group of processes and the machine's idle time.

    python benchmarks/cpu_by_group.py SECONDS > series.txt &
    ../shared/perf/ours.sh . --db pg --procs 2 --clients 1000 --rate 200 --duration 15

One line a second: the load generator (``node … fanout.js``), the Node peer (any other ``node``), our
servers (``python``), PostgreSQL, Redis, kernel threads, the rest, each in % of one core (from
``/proc/<pid>/stat``), then the machine's idle, softirq and system time (from ``/proc/stat``, % of one
core: a 2-core machine has 200). It shows which side of a run is saturated: at the Node peer's
saturation the generator sat at its one thread's ceiling with half the machine idle beside our pair
(docs/benchmarks.md).
"""

from __future__ import annotations

import collections
import os
import sys
import time

GROUPS = ["generator", "peer", "python", "postgres", "redis-server", "kworker", "other"]
IDLE, SYSTEM, SOFTIRQ = 3, 2, 6  # fields of /proc/stat's cpu line after the name


def _group(pid: str, comm: str) -> str:
    if comm == "node":
        try:
            with open(f"/proc/{pid}/cmdline") as f:
                return "generator" if "fanout.js" in f.read() else "peer"
        except OSError:
            return "other"
    if comm.startswith("kworker"):
        return "kworker"
    return comm if comm in GROUPS else "other"


def _snapshot() -> tuple[dict[str, tuple[str, int]], list[int]]:
    """Each process's group and CPU ticks (user + system), and the machine's ticks by kind."""
    processes = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        processes[pid] = (_group(pid, comm), int(fields[11]) + int(fields[12]))
    with open("/proc/stat") as f:
        machine = [int(x) for x in f.readline().split()[1:]]
    return processes, machine


def _share(before: list[int], after: list[int], field: int) -> str:
    """The machine's time of one kind over the second, in % of one core."""
    total = max(sum(after) - sum(before), 1)
    return f"{100 * (os.cpu_count() or 1) * (after[field] - before[field]) / total:.0f}"


def main(seconds: int) -> None:
    ticks = os.sysconf("SC_CLK_TCK")
    print("t " + " ".join(GROUPS) + " idle softirq system", flush=True)
    before, machine_before = _snapshot()
    for t in range(seconds):
        time.sleep(1)
        after, machine_after = _snapshot()
        used = collections.Counter()
        for pid, (group, cpu) in after.items():
            earlier = before.get(pid)
            used[group] += cpu - (earlier[1] if earlier and earlier[0] == group else 0)
        cells = " ".join(f"{100 * used[group] / ticks:.0f}" for group in GROUPS)
        shares = " ".join(_share(machine_before, machine_after, i) for i in (IDLE, SOFTIRQ, SYSTEM))
        print(f"{t} {cells} {shares}", flush=True)
        before, machine_before = after, machine_after


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 120)
