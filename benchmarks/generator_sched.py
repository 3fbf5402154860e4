"""Where the load generator's wall time goes, once a second: on a CPU, waiting for one, asleep.

    python benchmarks/generator_sched.py [SECONDS] &     # default 600; then run ours.sh or saturation.sh

It waits for each ``fanout.js`` that ``../shared/perf/compare.sh`` starts and, until it exits,
prints one line a second: the share of wall time it ran on a CPU, the share it was runnable but
waiting on a run queue (``/proc/<pid>/schedstat``), the rest (asleep: nothing to read, no timer
due), and the machine's idle and softirq time (``/proc/stat``, in % of one core). A generator
asleep part of the time waits for the server; one waiting on a run queue waits for a CPU
(docs/benchmarks.md: at the Node peer's saturation it is the second, against either server).
Linux only. The first and last seconds of each generator are its ramp and its exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _generator() -> tuple[int, str] | None:
    """The running ``fanout.js`` (pid, label), if any."""
    found = subprocess.run(["pgrep", "-f", "fanout.js"], capture_output=True, text=True).stdout.split()
    for pid in found:
        try:
            with open(f"/proc/{pid}/cmdline") as cmdline:
                argv = cmdline.read().split("\0")
        except OSError:
            continue
        if argv and argv[0].endswith("node") and "--url" in argv:
            label = argv[argv.index("--label") + 1] if "--label" in argv else "?"
            return int(pid), label
    return None


def _schedstat(pid: int) -> tuple[float, float]:
    with open(f"/proc/{pid}/schedstat") as stats:
        on_cpu, waiting, _slices = stats.read().split()
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def _machine() -> tuple[int, int, int]:
    """Jiffies: idle (with iowait), total, softirq."""
    with open("/proc/stat") as stats:
        values = [int(v) for v in stats.readline().split()[1:]]
    return values[3] + values[4], sum(values), values[6]


def watch(pid: int, label: str) -> None:
    previous, cores = None, 100 * (os.cpu_count() or 1)
    while True:
        try:
            now, (on_cpu, waiting), (idle, total, softirq) = time.monotonic(), _schedstat(pid), _machine()
        except (OSError, ValueError):
            print(f"{label}: generator {pid} gone", flush=True)
            return
        if previous is not None:
            t0, c0, w0, i0, n0, s0 = previous
            wall, jiffies = now - t0, max(1, total - n0)
            ran, queued = (on_cpu - c0) / wall, (waiting - w0) / wall
            print(
                f"{label}: on a CPU {100 * ran:5.1f} %  waiting for one {100 * queued:5.1f} %  "
                f"asleep {100 * max(0.0, 1 - ran - queued):5.1f} %  |  "
                f"machine idle {cores * (idle - i0) / jiffies:5.1f} %  "
                f"softirq {cores * (softirq - s0) / jiffies:5.1f} %",
                flush=True,
            )
        previous = (now, on_cpu, waiting, idle, total, softirq)
        time.sleep(1)


def main() -> None:
    deadline = time.monotonic() + (float(sys.argv[1]) if len(sys.argv) > 1 else 600)
    while time.monotonic() < deadline:
        found = _generator()
        if found is None:
            time.sleep(0.05)
            continue
        print(f"generator {found[0]} ({found[1]})", flush=True)
        watch(*found)


if __name__ == "__main__":
    main()
