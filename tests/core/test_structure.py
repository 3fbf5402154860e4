"""Rules of the package layout that import-linter cannot see (it checks the layers and cycles)."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "plataforma"


def _sources_matching(pattern: str) -> set[str]:
    regex = re.compile(pattern)
    return {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if regex.search(path.read_text(encoding="utf-8"))
    }


def test_only_the_events_module_emits_socket_events():
    # realtime/fanout.py is the client manager: it implements python-socketio's emit, it emits nothing.
    assert _sources_matching(r"socketio\.emit\(|\bemit\(") == {"services/events.py", "realtime/fanout.py"}


def test_only_config_reads_the_environment():
    assert _sources_matching(r"os\.environ|os\.getenv|getenv\(") == {"config.py"}


def test_no_test_only_socket_event_ships_in_the_package():
    assert _sources_matching(r"debug_slow_query|pg_sleep") == set()
