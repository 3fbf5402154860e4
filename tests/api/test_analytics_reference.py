"""Session and event analytics (SPEC §13) against a brute-force reference, over random visits.

``tests/api/test_analytics.py`` checks hand-computed fixtures; this module draws a few hundred
visits per seed — users and guests, several tabs, ties, open views, zero-length views, views closed
before they opened, joins and leaves exactly on minute and hour boundaries, two sessions of one
event — and compares every figure of the SQL with the same definitions computed here the slow,
obvious way (interval unions per viewer, concurrency evaluated at every boundary instant).

Times are whole or half seconds, so epoch seconds are exact in floating point on both databases.
"""

from __future__ import annotations

import math
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from plataforma.extensions import db
from plataforma.models import Profile, SessionView
from plataforma.services import analytics
from plataforma.services.analytics_figures import viewer_figures
from tests.api.content_helpers import T0, Rows

NOW = T0 + timedelta(hours=3)
SPAN = 3 * 3600  # visits start within three hours before NOW


def _draw_visits(rng: random.Random, viewers: list, n: int) -> list[tuple]:
    """(viewer, start seconds, end seconds or None) after T0; None = still open."""
    visits = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.15:  # on a minute or hour boundary
            size = rng.choice([60, 3600])
            start = size * rng.randrange(0, SPAN // size + 1)
        else:
            start = rng.randrange(0, SPAN * 2) / 2
        length = rng.random()
        if length < 0.1:
            end = None  # open
        elif length < 0.15:
            end = start  # zero length
        elif length < 0.18:
            end = max(0, start - rng.randrange(1, 30))  # closed before it opened (clock skew)
        elif length < 0.3:
            end = (math.floor(start / 60) + rng.randrange(1, 5)) * 60  # leaves on a minute boundary
        else:
            end = start + rng.randrange(1, 2 * 3600 * 2) / 2
        if end is not None:
            end = min(end, SPAN)  # nobody left after now
        visits.append((rng.choice(viewers), start, end))
    # Ties: some visits start exactly when another one ends, or with it.
    for _ in range(n // 10):
        viewer, start, end = rng.choice(visits)
        if end is not None:
            visits.append((rng.choice(viewers), end, min(SPAN, end + rng.randrange(0, 600))))
        visits.append((rng.choice(viewers), start, None if rng.random() < 0.3 else min(SPAN, start + 120)))
    return visits


def _islands(intervals: list[tuple[float, float, bool]]) -> list[tuple[float, float | None]]:
    """Merged intervals of one viewer: (start, end); end None while a view of it is open. Touching ones merge."""
    merged: list[list] = []
    for start, end, open_ in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] = merged[-1][2] or open_
        else:
            merged.append([start, end, open_])
    return [(start, None if open_ else end) for start, end, open_ in merged]


def _concurrency(islands: list[tuple[float, float | None]], t: float) -> int:
    return sum(1 for start, end in islands if start <= t and (end is None or t < end))


def reference(visits: list[tuple], now: float, size: int | None) -> dict:
    """The figures of docs/analytics-and-search.md, by brute force."""
    per_viewer: dict = {}
    spans = []
    for viewer, start, end in visits:
        stop = now if end is None else max(end, start)
        per_viewer.setdefault(viewer, []).append((start, stop, end is None))
        spans.append((start, stop, end is None))
    watch, islands = {}, []
    for viewer, intervals in per_viewer.items():
        own = _islands(intervals)
        union = sorted(intervals)
        total, reach = 0.0, None
        for start, stop, _ in union:
            if reach is None or start > reach:
                total += stop - start
                reach = stop
            elif stop > reach:
                total += stop - reach
                reach = stop
        watch[viewer] = math.floor(total)
        islands.extend(own)
    times = sorted(watch.values())

    def rank(p: int) -> int:
        return times[max(1, math.ceil(p * len(times) / 100)) - 1] if times else 0

    starts = sorted({start for start, _ in islands})
    peak, peak_at = 0, None
    for t in starts:
        level = _concurrency(islands, t)
        if level > peak:
            peak, peak_at = level, t
    figures = {
        "unique_viewers": len(watch),
        "total_views": len(visits),
        "total_watch_seconds": sum(times),
        "avg_watch_seconds": round(sum(times) / len(times), 2) if times else 0.0,
        "retention": {f"p{p}": rank(p) for p in (25, 50, 75, 90)},
        "peak_concurrent": peak,
        "peak_at": None if peak_at is None else T0 + timedelta(seconds=peak_at),
    }
    if size is None:
        return figures
    first = math.floor(min(s for s, _, _ in spans) / size) * size
    last = math.floor(max(e for _, e, _ in spans) / size) * size
    moments = sorted({start for start, _ in islands} | {end for _, end in islands if end is not None})
    timeline = []
    for bucket in range(first, last + size, size):
        inside = [t for t in moments if bucket < t < bucket + size]
        timeline.append(
            {
                "start": T0 + timedelta(seconds=bucket),
                "joins": sum(1 for s, _, _ in spans if math.floor(s / size) * size == bucket),
                "leaves": sum(1 for _, e, open_ in spans if not open_ and math.floor(e / size) * size == bucket),
                "peak_concurrent": max(_concurrency(islands, t) for t in [bucket, *inside]),
            }
        )
    figures["timeline"] = timeline
    return figures


@pytest.fixture
def rows(app):
    return Rows(app)


def _store(rows: Rows, session_id: str, visits: list[tuple], kinds: dict) -> None:
    rows.add_many(
        SessionView,
        [
            {
                "session_id": uuid.UUID(session_id),
                "user_id": viewer if kinds[viewer] == "user" else None,
                "guest_id": viewer if kinds[viewer] == "guest" else None,
                "joined_at": T0 + timedelta(seconds=start),
                "left_at": None if end is None else T0 + timedelta(seconds=end),
            }
            for viewer, start, end in visits
        ],
    )


def _as_utc(value):
    return value.astimezone(UTC) if isinstance(value, datetime) else value


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_match_a_brute_force_reference(app, rows, make_user, moderator, seed):
    rng = random.Random(seed)
    kinds = {uuid.UUID(make_user("ATTENDEE").id): "user" for _ in range(6)}
    kinds |= {uuid.uuid4(): "guest" for _ in range(3)}
    viewers = list(kinds)
    event_id = rows.event(title="Reference")
    sessions = [rows.session(event_id, title=f"Session {i}") for i in range(2)]
    visits = {sid: _draw_visits(rng, viewers, 80 + 40 * i) for i, sid in enumerate(sessions)}
    for sid, drawn in visits.items():
        _store(rows, sid, drawn, kinds)
    now = (NOW - T0).total_seconds()

    with app.test_request_context():
        actor = db.session.get(Profile, uuid.UUID(moderator.id))
        for sid in sessions:
            for bucket, size in (("hour", 3600), ("minute", 60)):
                got = analytics.session_analytics(actor, sid, bucket=bucket, now=NOW)
                expected = reference(visits[sid], now, size)
                for key, value in expected.items():
                    if key == "timeline":
                        got_timeline = [{k: _as_utc(v) for k, v in b.items()} for b in got["timeline"]]
                        assert got_timeline == value, (sid, bucket)
                    else:
                        assert _as_utc(got[key]) == value, (sid, bucket, key)

        event = analytics.event_analytics(actor, event_id, now=NOW)
        together = reference([v for drawn in visits.values() for v in drawn], now, None)
        assert event["unique_viewers"] == together["unique_viewers"]
        assert event["total_watch_seconds"] == together["total_watch_seconds"]
        assert event["peak_concurrent"] == together["peak_concurrent"]
        assert _as_utc(event["peak_at"]) == together["peak_at"]
        for item, sid in zip(event["sessions"], sessions, strict=True):
            alone = reference(visits[sid], now, None)
            assert {k: _as_utc(item[k]) for k in alone} == alone

        # The timeline rows of several sessions in one statement (per-session partitions) are each
        # session's own rows (the service asks for one session at a time today).
        ids = [uuid.UUID(sid) for sid in sessions]
        together, rows_together = viewer_figures(ids, NOW, bucket_size=60)
        for sid in ids:
            alone, rows_alone = viewer_figures([sid], NOW, bucket_size=60)
            assert together[sid] == alone[sid]
            mine = sorted((tuple(row)[2:] + (row.kind,) for row in rows_together if row.sid == sid), key=repr)
            assert mine and mine == sorted((tuple(row)[2:] + (row.kind,) for row in rows_alone), key=repr)
