"""Where a server's latency stalls come from: long hub iterations and collector pauses, one line each.

    OURS_SITECUSTOMIZE=$PWD/benchmarks/hub_watch.py ../shared/perf/ours.sh . --clients 1000 --rate 20 --pin

``ours.sh`` loads the file into each server process as ``sitecustomize``; the lines go to the
server's stderr (``server0.log`` in the run's directory). Set ``HUB_WATCH_MS`` (default 30) for the
threshold. Diagnostics only: the watching thread takes a few per cent of a core.

* ``stall``: the eventlet hub did not poll its sockets for that long, so every socket waited. A
  thread of its own (started before ``wsgi.py`` monkey-patches, so a real one) samples the main
  thread's stack every 5 ms while the hub is away and prints, when the hub is back, the stretch's
  length and the most frequent of our frames and library leaf frames in it. A hub that is merely
  busy with many short green threads shows up the same way: a stretch is one pass of the hub's loop.
* ``gc``: a collection that took longer than a third of the threshold, with its generation and how many
  objects it freed (a large count means reference cycles somewhere).
"""

from __future__ import annotations

import collections
import gc
import os
import sys
import threading
import time
import traceback

THRESHOLD = float(os.environ.get("HUB_WATCH_MS", "30")) / 1000
_sleep = time.sleep  # bound now: after monkey-patching, time.sleep is green and this thread has no hub
_main = threading.main_thread().ident
_state = {"in_wait": False, "last": None}


def _say(line: str) -> None:
    sys.stderr.write(f"hub_watch {time.strftime('%H:%M:%S')} {line}\n")
    sys.stderr.flush()


def _patch_hub() -> bool:
    module = sys.modules.get("eventlet.hubs.poll")  # epolls.Hub inherits its wait
    if getattr(module, "Hub", None) is None:  # not imported, or still being imported
        return False
    original = module.Hub.wait

    def wait(self, seconds=None):
        _state["in_wait"] = True
        try:
            return original(self, seconds)
        finally:
            _state["in_wait"] = False
            _state["last"] = time.monotonic()

    module.Hub.wait = wait
    return True


def _summary(frame) -> str:
    frames = traceback.extract_stack(frame, limit=80)
    ours = [f.name for f in frames if f"{os.sep}plataforma{os.sep}" in f.filename][-4:]
    leaf = [f"{os.path.basename(f.filename)}:{f.name}" for f in frames[-3:]]
    return f"{' > '.join(ours) or '-'} | {' > '.join(leaf)}"


def _watch() -> None:
    patched, samples, longest = False, collections.Counter(), 0.0
    while True:
        _sleep(0.005)
        if not patched:
            patched = _patch_hub()
            continue
        last = _state["last"]
        away = 0.0 if last is None or _state["in_wait"] else time.monotonic() - last
        if away > THRESHOLD:
            longest = max(longest, away)
            frame = sys._current_frames().get(_main)
            if frame is not None:
                samples[_summary(frame)] += 1
        elif longest:
            top = "; ".join(f"{count}x {where}" for where, count in samples.most_common(2))
            _say(f"stall {longest * 1000:.0f} ms: {top}")
            samples, longest = collections.Counter(), 0.0


_gc_start = [0.0]


def _gc_callback(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_start[0] = time.perf_counter()
        return
    took = time.perf_counter() - _gc_start[0]
    if took > THRESHOLD / 3:
        _say(f"gc gen{info['generation']} {took * 1000:.1f} ms, {info['collected']} objects freed")


gc.callbacks.append(_gc_callback)
threading.Thread(target=_watch, name="hub_watch", daemon=True).start()
