"""The live console's Stream panel (SPEC §11, §15 dashboard): the event's streams with their status and only
the buttons that status allows; start / pause / end post and redirect without JavaScript, answer JSON to
the page script, go through the same service (409 `invalid_transition`, `stream_status` to the rooms)."""

from __future__ import annotations

import re
import uuid

import pytest

from plataforma.extensions import db
from plataforma.models import Stream, StreamSource, StreamStatus
from tests.moderator.conftest import csrf_from


@pytest.fixture
def stream_of(app):
    def make(session_id, status=StreamStatus.IDLE, **values) -> str:
        from plataforma.models import EventSession

        with app.app_context():
            session = db.session.get(EventSession, uuid.UUID(session_id))
            stream = Stream(
                event_id=session.event_id,
                source_type=values.pop("source_type", StreamSource.HLS),
                source_url=values.pop("source_url", "https://cdn.example.com/live.m3u8"),
                status=status,
                **values,
            )
            db.session.add(stream)
            db.session.commit()
            return str(stream.id)

    return make


def _panel(html: str) -> str:
    start = html.index('id="stream"')
    return html[start : html.index("</section>", start)]


def _visible_actions(panel: str, stream_id: str) -> list[str]:
    item = panel[panel.index(f'data-stream-id="{stream_id}"') :]
    item = item[: item.index("</li>")]
    forms = re.findall(r"<form[^>]*data-stream-action=\"(\w+)\"[^>]*>", item)
    hidden = re.findall(r"<form[^>]*data-stream-action=\"(\w+)\"[^>]*hidden[^>]*>", item)
    return [action for action in forms if action not in hidden]


def test_the_panel_shows_each_stream_with_the_buttons_its_status_allows(mod, live_session, stream_of):
    idle = stream_of(live_session)
    live = stream_of(live_session, StreamStatus.LIVE)
    paused = stream_of(live_session, StreamStatus.PAUSED)
    ended = stream_of(live_session, StreamStatus.ENDED)
    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert '<section class="panel panel--stream" id="stream"' in html
    assert "moderator-stream.js" in html and "moderator-stream.css" in html
    panel = _panel(html)
    assert _visible_actions(panel, idle) == ["start"]
    assert _visible_actions(panel, live) == ["pause", "end"]
    assert _visible_actions(panel, paused) == ["start", "end"]
    assert _visible_actions(panel, ended) == []
    assert "Resume" in panel and "Not started" in panel and "Paused" in panel and "Ended" in panel


def test_no_streams_says_so(mod, live_session):
    panel = _panel(mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True))
    assert "No stream yet." in panel


def test_start_pause_end_without_javascript(mod, client, moderator, live_session, stream_of, emits):
    stream = stream_of(live_session)
    base = f"/moderator/sessions/{live_session}/streams/{stream}"
    for action, status in (("start", "LIVE"), ("pause", "PAUSED"), ("start", "LIVE"), ("end", "ENDED")):
        response = mod.post(f"{base}/{action}")
        assert response.status_code == 303
        assert response.headers["Location"] == f"/moderator/sessions/{live_session}#stream"
        assert client.get(f"/api/streams/{stream}", headers=moderator.headers).get_json()["status"] == status
    statuses = [data["status"] for data, room in emits.named("stream_status") if room == f"session:{live_session}"]
    assert statuses == ["LIVE", "PAUSED", "LIVE", "ENDED"]
    page = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert "The stream has ended." in page  # the flash of the last action
    assert _visible_actions(_panel(page), stream) == []


def test_an_invalid_transition_is_refused(mod, live_session, stream_of, emits):
    stream = stream_of(live_session, StreamStatus.ENDED)
    response = mod.post(f"/moderator/sessions/{live_session}/streams/{stream}/start")
    assert response.status_code == 303
    assert "cannot become LIVE" in mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    answer = mod.post(f"/moderator/sessions/{live_session}/streams/{stream}/pause", as_json=True)
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "invalid_transition"
    assert emits.named("stream_status") == []


def test_the_page_script_gets_the_stream(mod, live_session, stream_of):
    stream = stream_of(live_session)
    answer = mod.post(f"/moderator/sessions/{live_session}/streams/{stream}/start", as_json=True)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is True and body["notice"] == "The stream is live."
    assert body["data"]["stream"]["id"] == stream and body["data"]["stream"]["status"] == "LIVE"
    assert body["data"]["stream"]["startedAt"]


def test_forms_need_the_csrf_token(mod, client, moderator, live_session, stream_of, emits):
    stream = stream_of(live_session)
    response = mod.post(f"/moderator/sessions/{live_session}/streams/{stream}/start", csrf=False)
    assert response.status_code == 400
    assert client.get(f"/api/streams/{stream}", headers=moderator.headers).get_json()["status"] == "IDLE"
    assert emits == []
    assert csrf_from(mod.get(f"/moderator/sessions/{live_session}"))  # every panel form carries one


def test_another_events_stream_and_unknown_actions_are_404(mod, content, live_session, stream_of):
    elsewhere = stream_of(content.session())
    assert mod.post(f"/moderator/sessions/{live_session}/streams/{elsewhere}/start").status_code == 303  # + a flash
    answer = mod.post(f"/moderator/sessions/{live_session}/streams/{elsewhere}/start", as_json=True)
    assert answer.status_code == 404
    stream = stream_of(live_session)
    assert mod.post(f"/moderator/sessions/{live_session}/streams/{stream}/restart").status_code == 404


def test_signed_out_visitors_cannot_use_the_panel(dashboard, client, moderator, live_session, stream_of):
    stream = stream_of(live_session)
    board = dashboard(None)
    board.client.get("/moderator/login")
    board.client.post(f"/moderator/sessions/{live_session}/streams/{stream}/start")
    assert client.get(f"/api/streams/{stream}", headers=moderator.headers).get_json()["status"] == "IDLE"
