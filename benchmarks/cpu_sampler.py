"""Where a server's CPU goes, sampled on CPU time only: a profile that a busy machine does not skew.

    OURS_SITECUSTOMIZE=$PWD/benchmarks/cpu_sampler.py CPU_SAMPLER_DELAY=8 \\
        ../shared/perf/ours.sh . --db pg --clients 50 --rate 100 --duration 15
    python benchmarks/cpu_sampler.py /tmp/cpu_sampler.*.txt          # the report

``ours.sh`` loads the file into each server process as ``sitecustomize``. ``CPU_SAMPLER_DELAY``
seconds after the process starts (default 8: past the ramp of a 1,000-client run, inside its load),
it samples the running Python stack for ``CPU_SAMPLER_SECONDS`` (default 8) on ``SIGPROF``, which the
kernel sends per CPU time the process consumes (``ITIMER_PROF``; one sample per scheduler tick, 4 ms
here), and writes the stacks, collapsed, to ``/tmp/cpu_sampler.<pid>.txt``. Run as a script on such
files, it prints each function's share of the samples, with its callees (inclusive) and alone (self).

Why not only py-spy: py-spy counts a thread that is runnable as busy, also while it waits for a CPU.
With the servers, PostgreSQL and the load generator sharing two cores, the hub's ``epoll_wait`` got
13-28 % of py-spy's samples (the process woken, waiting to run), none here. A system call's own
time is charged to the Python frame that made it (the handler runs when the call returns).
"""

from __future__ import annotations

import collections
import os
import signal
import sys
import threading
import time

_counts: collections.Counter = collections.Counter()
_state = {"on": False}


def _sample(_signum, frame) -> None:
    if not _state["on"]:
        return
    names = []
    while frame is not None:
        code = frame.f_code
        names.append(f"{code.co_qualname} ({code.co_filename.rsplit('site-packages/', 1)[-1]})")
        frame = frame.f_back
    _counts[";".join(reversed(names))] += 1


def _run(delay: float, seconds: float) -> None:
    time.sleep(delay)  # a real thread, started before wsgi.py monkey-patches
    _state["on"] = True
    signal.setitimer(signal.ITIMER_PROF, 0.001, 0.001)
    time.sleep(seconds)
    signal.setitimer(signal.ITIMER_PROF, 0, 0)
    _state["on"] = False
    with open(f"/tmp/cpu_sampler.{os.getpid()}.txt", "w") as out:
        out.writelines(f"{stack} {n}\n" for stack, n in _counts.items())
    sys.stderr.write(f"cpu_sampler: {sum(_counts.values())} samples in /tmp/cpu_sampler.{os.getpid()}.txt\n")
    while True:  # a real thread started before the monkey-patching: ending it would fail in threading's
        time.sleep(3600)  # bookkeeping, which eventlet replaced meanwhile (a KeyError in the server log)


def report(paths: list[str], top: int = 40) -> None:
    inclusive: collections.Counter = collections.Counter()
    alone: collections.Counter = collections.Counter()
    total = 0
    for path in paths:
        with open(path) as lines:
            for line in lines:
                stack, _, count = line.rstrip("\n").rpartition(" ")
                frames, n = stack.split(";"), int(count)
                total += n
                inclusive.update(dict.fromkeys(frames, n))  # a recursive function counts once
                alone[frames[-1]] += n
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("self", alone)):
        print(f"-- {title}")
        for name, n in counter.most_common(top):
            print(f"{100 * n / max(total, 1):5.1f}%  {name}")


if __name__ == "__main__":
    report(sys.argv[1:])
elif os.path.basename(sys.argv[0] if sys.argv else "") == "wsgi.py":
    signal.signal(signal.SIGPROF, _sample)
    delay, seconds = (float(os.environ.get(name, "8")) for name in ("CPU_SAMPLER_DELAY", "CPU_SAMPLER_SECONDS"))
    threading.Thread(target=_run, args=(delay, seconds), daemon=True).start()
