"""SQLite's WAL checkpoints, off the server's event loop.

In WAL mode SQLite copies the log back into the database (a checkpoint) inside the commit that
fills the log past ``wal_autocheckpoint`` pages, and syncs the file there. sqlite3 is a blocking
call: under eventlet that commit holds every socket of the process, 45-90 ms at SQLite's default
of 1,000 pages and still 30-55 ms at 100 pages whenever the disk is slow to sync (measured with
``benchmarks/hub_watch.py`` and ``strace`` at 1,000 listeners x 20 msg/s; docs/benchmarks.md).

The served process (``wsgi.py``) therefore turns automatic checkpoints off and runs them from a
native thread of its own, once a second: sqlite3 releases the GIL while SQLite works, so the event
loop keeps serving. A PASSIVE checkpoint waits for no reader or writer, and writers never wait for
it; a log that writes and reads never let start over is restarted past :data:`MAX_LOG_PAGES`.
Anything else that opens the database (the CLI, the test suite, another WSGI server) keeps
SQLite's automatic checkpoints, at :data:`AUTOCHECKPOINT_PAGES`.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine

AUTOCHECKPOINT_PAGES = 100  # when no checkpointer runs: a tenth of SQLite's default, shorter stalls
INTERVAL_SECONDS = 1.0
# A writer starts the log over only when a checkpoint has copied all of it back and no reader is
# still on it; under writes and reads that never pause that may not happen, and the log file would
# grow without end. Past this size a RESTART checkpoint makes the next writer start over: it holds
# writers back while it waits for readers, so it waits briefly and tries again a second later.
MAX_LOG_PAGES = 10_000  # ~40 MB (the file keeps its size; it is reused from the start)
RESTART_WAIT_MS = 20
_autocheckpoint = [AUTOCHECKPOINT_PAGES]


def autocheckpoint_pages() -> int:
    """``PRAGMA wal_autocheckpoint`` for new connections: 0 once :func:`start` has run."""
    return _autocheckpoint[0]


def checkpoint(connection: sqlite3.Connection, max_log_pages: int = MAX_LOG_PAGES) -> tuple[int, int, int]:
    """A PASSIVE checkpoint; then, if the log is past ``max_log_pages`` and all of it was copied back
    (else a reader still needs its older pages: waiting for it would hold writers back), a RESTART one.
    Returns the last one's (busy, pages in the log, pages copied back)."""
    result = tuple(connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
    busy, pages, copied = result
    if not busy and pages > max_log_pages and copied == pages:
        result = tuple(connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone())
    return result


def _say(message: str) -> None:
    """From the native thread: not through ``logging``, whose locks eventlet made green (taking one
    there can hang the thread, or switch greenlets across threads)."""
    sys.stderr.write(f"plataforma.sqlite_wal: {message}\n")
    sys.stderr.flush()


class Checkpointer:
    """Checkpoints one SQLite file every ``interval`` seconds, from the native thread it starts."""

    def __init__(self, path: str, *, thread_class: type[threading.Thread], sleep, interval: float) -> None:
        self.path, self.sleep, self.interval = path, sleep, interval
        self.stopped = False  # a plain flag: under eventlet, threading.Event is green
        self.thread = thread_class(target=self.run, name="sqlite-checkpoint", daemon=True)

    def run(self) -> None:
        connection, failing = None, False
        while not self.stopped:
            self.sleep(self.interval)
            try:
                if connection is None:
                    connection = sqlite3.connect(self.path, isolation_level=None)
                    connection.execute(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
                checkpoint(connection)
                failing = False
            except Exception as exc:  # a full disk, a moved file: say so once, keep trying
                if not failing:
                    _say(f"checkpoint of {self.path} failed, will retry: {exc!r}")
                failing = True
        if connection is not None:
            connection.close()

    def stop(self) -> None:
        self.stopped = True


def start(
    engine: Engine,
    *,
    thread_class: type[threading.Thread],
    sleep: Callable[[float], None],
    interval: float = INTERVAL_SECONDS,
) -> Checkpointer | None:
    """Checkpoint ``engine``'s SQLite file from a native thread (``thread_class`` and ``sleep`` must be
    the unpatched ones); None for any other database. Connections opened before are closed, so every
    connection from now on leaves checkpoints to the thread."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return None
    _autocheckpoint[0] = 0
    engine.dispose()
    checkpointer = Checkpointer(path, thread_class=thread_class, sleep=sleep, interval=interval)
    checkpointer.thread.start()
    return checkpointer


def stop(checkpointer: Checkpointer | None) -> None:
    """Stop the thread (tests); new connections checkpoint by themselves again."""
    _autocheckpoint[0] = AUTOCHECKPOINT_PAGES
    if checkpointer is not None:
        checkpointer.stop()
        checkpointer.thread.join(checkpointer.interval * 5 + 1)
