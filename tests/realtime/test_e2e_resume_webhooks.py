"""End to end (SPEC §16): resume after reconnect with real clients against a real ``python wsgi.py``,
and webhooks delivered by the server's own worker to a loopback receiver, across a kill -9."""

from __future__ import annotations

import threading

import pytest
import requests
from standardwebhooks.webhooks import Webhook as Verifier

from tests.realtime.e2e import WAIT, Client, Server
from tests.realtime.test_resume import EXPECTED
from tests.webhook_support import Receiver

pytestmark = pytest.mark.e2e


class MetaClient(Client):
    """Also keeps the second argument ``{sessionId, seq}`` of numbered events."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.numbered: list[dict] = []

    def _record(self, event, *args):
        if len(args) == 2:
            with self._cond:
                self.numbered.append({"event": event, "data": args[0], "seq": args[1]["seq"]})
        super()._record(event, *args)


def _api(server, method, path, user, json=None):
    response = requests.request(method, f"{server.url}/api{path}", json=json, headers=user.headers, timeout=WAIT)
    assert response.status_code < 300, (path, response.status_code, response.text)
    return response.json() if response.content else None


def test_resume_after_changes_made_over_rest_while_disconnected(database_url, e2e_users, e2e_content, e2e_clients):
    server = Server(database_url).start()
    try:
        session_id = e2e_content.session()
        attendee, moderator = e2e_users(), e2e_users("MODERATOR")
        watcher = MetaClient(server.url, moderator.token).connect()
        assert watcher.call("join_session", {"sessionId": session_id})["ok"]
        _api(server, "POST", "/messages", attendee, {"sessionId": session_id, "text": "before"})

        mobile = e2e_clients(server.url, attendee.token)
        seen = mobile.call("join_session", {"sessionId": session_id})["data"]["seq"]
        assert seen == 1
        mobile.close()

        message = _api(server, "POST", "/messages", attendee, {"sessionId": session_id, "text": "while away"})
        _api(server, "PATCH", f"/messages/{message['id']}/pin", moderator)
        _api(server, "DELETE", f"/messages/{message['id']}", moderator)
        question = _api(server, "POST", "/questions", attendee, {"sessionId": session_id, "text": "q?"})
        _api(server, "PATCH", f"/questions/{question['id']}/answer", moderator, {})
        poll = _api(
            server,
            "POST",
            "/polls",
            moderator,
            {"sessionId": session_id, "question": "Which?", "options": ["A", "B"], "isActive": True},
        )
        _api(server, "POST", "/polls/vote", attendee, {"pollId": poll["id"], "optionId": poll["options"][1]["id"]})
        _api(server, "PATCH", f"/polls/{poll['id']}/activate", moderator, {"isActive": False})
        watcher.wait_for("poll_updated", lambda p: p["isActive"] is False)

        back = MetaClient(server.url, attendee.token).connect()
        answer = back.call("join_session", {"sessionId": session_id, "afterSeq": seen})["data"]
        sent_while_away = [event for event in watcher.numbered if event["seq"] > seen]
        assert answer["missed"] == sent_while_away
        assert [event["seq"] for event in answer["missed"]] == list(range(2, 10))  # no gap, no duplicate
        assert [event["event"] for event in answer["missed"]] == EXPECTED
        assert answer["seq"] == 9
        # The REST log says the same.
        log = _api(server, "GET", f"/sessions/{session_id}/events?after={seen}", attendee)
        assert [{k: e[k] for k in ("event", "data", "seq")} for e in log] == answer["missed"]
        # A client that ignores the second argument still gets the payload as its first.
        _api(server, "POST", "/messages", moderator, {"sessionId": session_id, "text": "live again"})
        assert back.wait_for("new_message")["text"] == "live again"
        assert back.numbered[-1]["seq"] == 10
        back.close()
        watcher.close()
    finally:
        server.stop()


def _create_hook(server, admin, url) -> dict:
    return _api(server, "POST", "/webhooks", admin, {"url": url, "events": ["message.created"]})


def test_webhook_retried_after_a_500_with_the_same_id_and_a_valid_signature(database_url, e2e_users, e2e_content):
    with Receiver(statuses=[500]) as receiver:
        server = Server(database_url, WEBHOOK_ALLOW_PRIVATE="true", WEBHOOK_BACKOFF_SECONDS="1").start()
        try:
            admin, attendee = e2e_users("ADMIN"), e2e_users()
            hook = _create_hook(server, admin, receiver.url)
            session_id = e2e_content.session()
            message = _api(server, "POST", "/messages", attendee, {"sessionId": session_id, "text": "signed"})
            first, second = receiver.wait(2)
            deliveries = _api(server, "GET", f"/webhooks/{hook['id']}/deliveries", admin)
        finally:
            server.stop()
    for headers, body, _ in (first, second):
        payload = Verifier(hook["secret"]).verify(body, headers)
        assert payload["type"] == "message.created" and payload["data"] == message
    assert first[0]["webhook-id"] == second[0]["webhook-id"] == deliveries[0]["id"]
    assert deliveries[0]["status"] in {"pending", "delivered"}  # the 200 may not be recorded yet
    assert deliveries[0]["attempts"] >= 1


def test_an_outbox_row_written_before_a_crash_is_delivered_after_the_restart(database_url, e2e_users, e2e_content):
    with Receiver() as receiver:
        # The first server writes the outbox row but has no worker (the crash comes before any attempt).
        crashed = Server(database_url, WEBHOOK_ALLOW_PRIVATE="true", WEBHOOK_WORKER="off").start()
        try:
            admin, attendee = e2e_users("ADMIN"), e2e_users()
            hook = _create_hook(crashed, admin, receiver.url)
            session_id = e2e_content.session()
            message = _api(crashed, "POST", "/messages", attendee, {"sessionId": session_id, "text": "survives"})
            crashed.process.kill()  # SIGKILL: no clean stop
            crashed.process.wait(WAIT)
        finally:
            crashed.stop()
        assert receiver.requests == []

        restarted = Server(database_url, WEBHOOK_ALLOW_PRIVATE="true").start()
        try:
            headers, body, _ = receiver.wait(1)[0]
        finally:
            restarted.stop()
    payload = Verifier(hook["secret"]).verify(body, headers)
    assert payload["data"] == message


def test_a_slow_receiver_delays_neither_http_nor_sockets(database_url, e2e_users, e2e_content, e2e_clients):
    release = threading.Event()
    with Receiver(hold=release) as receiver:
        server = Server(database_url, WEBHOOK_ALLOW_PRIVATE="true").start()
        try:
            admin, attendee = e2e_users("ADMIN"), e2e_users()
            _create_hook(server, admin, receiver.url)
            session_id = e2e_content.session()
            _api(server, "POST", "/messages", attendee, {"sessionId": session_id, "text": "slow"})
            receiver.wait(1)  # the worker is now inside its HTTP call, which waits for us
            # While it waits, the server answers HTTP and Socket.IO (a blocked hub would time these out).
            assert requests.get(f"{server.url}/health", timeout=WAIT).status_code == 200
            socket = e2e_clients(server.url, attendee.token)
            assert socket.call("join_session", {"sessionId": session_id})["data"]["seq"] == 1
            assert not release.is_set()
            release.set()
        finally:
            release.set()
            server.stop()
