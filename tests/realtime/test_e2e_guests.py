"""End to end (SPEC §11, §12): a guest gets its token from a real ``python wsgi.py`` over HTTP, connects with
a real python-socketio client, joins and hears the room: chat, the stream starting and pausing, viewer
counts; what guests may not do is refused; the guest's Agora token is real."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.realtime.e2e import WAIT, Server

pytestmark = pytest.mark.e2e
APP_ID = "0123456789abcdef0123456789abcdef"
CERTIFICATE = "fedcba9876543210fedcba9876543210"


@pytest.fixture(scope="module")
def server(database_url):
    server = Server(database_url, AGORA_APP_ID=APP_ID, AGORA_APP_CERTIFICATE=CERTIFICATE).start()
    yield server
    server.stop()


def test_a_guest_socket_receives_room_events(server, e2e_app, e2e_users, e2e_content, e2e_clients):
    from plataforma.extensions import db
    from plataforma.models import Stream, StreamSource

    event = e2e_content.event(allow_guests=True)
    session = e2e_content.session(event)
    with e2e_app.app_context():
        stream = Stream(event_id=uuid.UUID(event), source_type=StreamSource.AGORA, source_url="stage")
        db.session.add(stream)
        db.session.commit()
        stream_id = str(stream.id)
        db.session.remove()
    attendee, moderator = e2e_users(), e2e_users("MODERATOR")

    response = requests.post(f"{server.url}/api/auth/guest", json={"eventId": event}, timeout=WAIT)
    assert response.status_code == 201, response.text
    token = response.json()["session"]["access_token"]
    guest = e2e_clients(server.url, token)
    ack = guest.call("join_session", {"sessionId": session})
    assert ack["ok"] and ack["data"]["viewerCount"] == 1

    watcher = e2e_clients(server.url, attendee.token)
    assert watcher.call("join_session", {"sessionId": session})["data"]["viewerCount"] == 2
    assert guest.wait_for("viewer_count", lambda data: data["count"] == 2)

    posted = requests.post(
        f"{server.url}/api/messages", json={"sessionId": session, "text": "hello guests"}, headers=attendee.headers,
        timeout=WAIT,
    )  # fmt: skip
    assert posted.status_code == 201
    assert guest.wait_for("new_message")["text"] == "hello guests"

    for action in ("start", "pause"):
        changed = requests.post(
            f"{server.url}/api/streams/{stream_id}/{action}", headers=moderator.headers, timeout=WAIT
        )
        assert changed.status_code == 200, changed.text
    statuses = [guest.wait_for("stream_status", nth=n)["status"] for n in (1, 2)]
    assert statuses == ["LIVE", "PAUSED"]

    refused = guest.call("send_message", {"sessionId": session, "text": "me too"})
    assert refused["ok"] is False and refused["error"]["code"] == "guest_not_allowed"
    assert guest.call("send_reaction", {"sessionId": session, "type": "clap"}) == {
        "ok": True,
        "data": {"accepted": True},
    }

    headers = {"Authorization": f"Bearer {token}"}
    rtc = requests.post(f"{server.url}/api/streams/{stream_id}/rtc-token", json={}, headers=headers, timeout=WAIT)
    assert rtc.status_code == 200 and rtc.json()["token"].startswith("007")
    assert rtc.json()["channel"] == "stage" and rtc.json()["role"] == "subscriber"
