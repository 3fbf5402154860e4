"""SIGKILL under load (real ``python wsgi.py``): nothing the server acknowledged is lost — chat
messages, poll votes, question upvotes, survey responses. A write is acknowledged only after its
commit, so whatever the process was doing when it died was never acknowledged."""

from __future__ import annotations

import gc
import signal
import threading
import time

import pytest
import requests
import sqlalchemy as sa

from plataforma.extensions import db
from tests.realtime.e2e import WAIT, Client, Server

pytestmark = pytest.mark.e2e

USERS = 24


def _ok(response, status=201) -> dict:
    assert response.status_code == status, response.text
    return response.json()


# A client whose server was killed mid-call can leave its socket to the garbage collector.
@pytest.mark.filterwarnings("ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning")
def test_sigkill_under_load_loses_nothing_acknowledged(database_url, e2e_app, e2e_users, e2e_content):
    session_id = e2e_content.session()
    admin = e2e_users("ADMIN")
    attendees = [e2e_users() for _ in range(USERS)]
    server = Server(database_url, RATELIMIT_DEFAULT="100000 per second", RATELIMIT_CHAT="100000 per second").start()
    acked: dict[str, set] = {"message": set(), "vote": set(), "upvote": set(), "survey": set()}
    stop = threading.Event()
    try:
        api = f"{server.url}/api"
        staff = {"Authorization": f"Bearer {admin.token}"}
        body = {"sessionId": session_id, "question": "Pick", "options": ["a", "b"], "isActive": True}
        poll = _ok(requests.post(f"{api}/polls", json=body, headers=staff, timeout=WAIT))
        question = _ok(requests.post(f"{api}/questions", json={"sessionId": session_id, "text": "Q?"}, headers=staff))
        body = {"sessionId": session_id, "title": "Feedback", "fields": [{"question": "Say", "type": "TEXT"}]}
        survey = _ok(requests.post(f"{api}/surveys", json=body, headers=staff, timeout=WAIT))
        sockets = [Client(server.url, user.token).connect() for user in attendees[:4]]
        for socket in sockets:
            assert socket.call("join_session", {"sessionId": session_id})["ok"]

        def chat(socket: Client) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    answer = socket.call("send_message", {"sessionId": session_id, "text": f"m{n}"})
                except Exception:  # the server died mid-call: not acknowledged
                    return
                if answer["ok"]:
                    acked["message"].add(answer["data"]["id"])

        def one_by_one() -> None:
            for user in attendees:
                headers = {"Authorization": f"Bearer {user.token}"}
                calls = [
                    ("vote", "post", "/polls/vote", {"pollId": poll["id"], "optionId": poll["options"][0]["id"]}),
                    ("upvote", "patch", f"/questions/{question['id']}/upvote", None),
                    (
                        "survey",
                        "post",
                        "/surveys/response",
                        {"surveyId": survey["id"], "responses": {survey["fields"][0]["id"]: "ok"}},
                    ),
                ]
                for kind, method, path, payload in calls:
                    if stop.is_set():
                        return
                    try:
                        response = requests.request(method, api + path, json=payload, headers=headers, timeout=WAIT)
                    except requests.RequestException:
                        return
                    if response.status_code in (200, 201):
                        acked[kind].add(user.id)

        threads = [threading.Thread(target=chat, args=(s,)) for s in sockets] + [threading.Thread(target=one_by_one)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=WAIT)
        stop.set()
        for thread in threads:
            thread.join(timeout=WAIT)
        for socket in sockets:
            socket.close()
    finally:
        stop.set()
        server.stop()
        sockets = threads = None
        gc.collect()  # the dead connections' sockets are closed here, under this test's warning filter

    print("\nacknowledged before the kill:", {kind: len(ids) for kind, ids in acked.items()})
    assert acked["message"] and acked["vote"]  # the kill happened under load
    with e2e_app.app_context():
        rows = {
            "message": set(db.session.scalars(sa.text("SELECT CAST(id AS TEXT) FROM messages"))),
            "vote": set(db.session.scalars(sa.text("SELECT CAST(user_id AS TEXT) FROM poll_votes"))),
            "upvote": set(db.session.scalars(sa.text("SELECT CAST(user_id AS TEXT) FROM question_upvotes"))),
            "survey": set(db.session.scalars(sa.text("SELECT CAST(user_id AS TEXT) FROM survey_responses"))),
        }
        db.session.remove()
    normal = {kind: {value.replace("-", "").lower() for value in values} for kind, values in rows.items()}
    for kind, ids in acked.items():
        lost = {i for i in ids if i.replace("-", "").lower() not in normal[kind]}
        assert lost == set(), f"{len(lost)} acknowledged {kind}(s) lost"
