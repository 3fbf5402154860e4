"""Connection auth: who may open a socket, and losing it when the token dies."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token

from plataforma.realtime import housekeeping


def _error_code(client) -> str:
    assert not client.is_connected()
    assert client.connect_errors, "the server sent no connect_error"
    return client.connect_errors[-1]["data"]["code"]


def test_a_valid_token_in_auth_connects(sio, attendee):
    assert sio(attendee).is_connected()


def test_a_valid_token_in_the_query_string_connects(sio, attendee):
    assert sio(query_string=f"token={attendee.token}").is_connected()


def test_a_bearer_prefix_is_accepted(sio, attendee):
    assert sio(auth={"token": f"Bearer {attendee.token}"}).is_connected()


@pytest.mark.parametrize("auth", [None, {}, {"token": ""}, {"token": None}, "just-a-string", {"token": 42}])
def test_no_token_is_refused(sio, auth):
    client = sio(auth=auth)
    assert _error_code(client) in {"unauthorized", "invalid_token"}


def test_missing_token_is_unauthorized(sio):
    assert _error_code(sio(auth={})) == "unauthorized"


def test_a_malformed_token_is_refused(sio):
    assert _error_code(sio(auth={"token": "not.a.jwt"})) == "invalid_token"


def test_a_forged_token_is_refused(sio, attendee):
    claims = pyjwt.decode(attendee.token, options={"verify_signature": False})
    forged = pyjwt.encode(claims, "another-secret-that-is-long-enough-0123456789", algorithm="HS256")
    assert _error_code(sio(auth={"token": forged})) == "invalid_token"


def test_an_expired_token_is_refused(app, sio, attendee):
    with app.app_context():
        token = create_access_token(identity=attendee.id, expires_delta=timedelta(seconds=-5))
    assert _error_code(sio(auth={"token": token})) == "token_expired"


def test_a_refresh_token_is_refused(sio, attendee):
    assert _error_code(sio(auth={"token": attendee.session["refresh_token"]})) == "invalid_token"


def test_a_token_of_an_unknown_user_is_refused(app, sio):
    with app.app_context():
        token = create_access_token(identity=str(uuid.uuid4()))
    assert _error_code(sio(auth={"token": token})) == "invalid_token"


def test_a_revoked_token_is_refused(client, sio, attendee):
    assert client.post("/api/auth/signout", headers=attendee.headers).status_code == 204
    assert _error_code(sio(attendee)) == "token_revoked"


def test_signing_out_ends_the_powers_of_an_open_socket(client, joined, attendee, make_user, live_session):
    viewer = make_user()
    watcher = joined(viewer, live_session)
    socket = joined(attendee, live_session)
    assert watcher.events("viewer_count")[-1]["count"] == 2
    assert client.post("/api/auth/signout", headers=attendee.headers).status_code == 204

    answer = socket.ack("send_message", {"sessionId": live_session, "text": "still here?"})

    assert answer == {"ok": False, "error": {"code": "token_revoked", "message": "The token has been revoked."}}
    assert socket.wait_disconnected()
    # The client is marked disconnected before the server's disconnect handler counts it out.
    assert watcher.wait_events("viewer_count")[-1] == {"sessionId": live_session, "count": 1}
    assert client.get(f"/api/messages/session/{live_session}", headers=viewer.headers).json == []


def test_the_sweep_disconnects_a_passive_socket_whose_token_was_revoked(app, client, sio, attendee, make_user):
    passive = sio(attendee)
    other = sio(make_user())
    assert client.post("/api/auth/signout", headers=attendee.headers).status_code == 204

    with app.app_context():
        done = housekeeping.run_once()

    assert len(done["disconnected"]) == 1
    assert not passive.is_connected()
    assert other.is_connected()


def test_the_sweep_disconnects_a_passive_socket_whose_token_expired(app, sio, attendee, make_user):
    """The sweep only looked at revoked tokens: a passive socket kept receiving after expiry."""
    passive = sio(attendee)
    other = sio(make_user())
    [expired] = [c for c in app.extensions["plataforma.connections"].all() if str(c.user_id) == attendee.id]
    expired.expires_at = time.time() - 1

    with app.app_context():
        done = housekeeping.run_once()

    assert done["disconnected"] == [expired.sid]
    assert passive.wait_disconnected()
    assert other.is_connected()


def test_an_expired_token_ends_the_powers_of_an_open_socket(app, joined, attendee, live_session):
    socket = joined(attendee, live_session)
    for conn in app.extensions["plataforma.connections"].all():
        conn.expires_at = time.time() - 1

    answer = socket.ack("send_message", {"sessionId": live_session, "text": "hello"})

    assert answer["ok"] is False and answer["error"]["code"] == "token_expired"
    assert socket.wait_disconnected()


def test_a_role_change_applies_to_the_open_socket(client, sio, admin, make_user, draft_session):
    demoted = make_user("ADMIN")
    socket = sio(demoted)
    assert socket.ack("join_session", {"sessionId": draft_session})["ok"]
    assert socket.ack("leave_session", {"sessionId": draft_session})["ok"]

    response = client.patch(f"/api/profiles/{demoted.id}", json={"role": "ATTENDEE"}, headers=admin.headers)
    assert response.status_code == 200

    answer = socket.ack("join_session", {"sessionId": draft_session})
    assert answer["ok"] is False and answer["error"]["code"] == "not_found"
    assert socket.is_connected()


# ---------------------------------------------------------------- reserved event names


def _registered(app, sid=None):
    connections = app.extensions["plataforma.connections"].all()
    return [c for c in connections if sid is None or c.sid == sid]


@pytest.mark.parametrize("args", [(), ("x",), ("io server disconnect",), ("a", "b", "c")])
def test_a_client_event_named_disconnect_changes_nothing(app, joined, attendee, make_user, live_session, args):
    """python-socketio dispatched it to the disconnect handler: the connection left the registry and
    the viewer count while the socket stayed in the room (an uncounted listener surviving sweeps)."""
    watcher = joined(make_user(), live_session)
    sneaky = joined(attendee, live_session)
    watcher.get_received()
    before = _registered(app)

    answer = sneaky.ack("disconnect", *args)

    assert answer["ok"] is False and answer["error"]["code"] == "unknown_event"
    assert sneaky.is_connected() and _registered(app) == before
    assert watcher.events("viewer_count") == []
    assert sneaky.ack("send_message", {"sessionId": live_session, "text": "still counted"})["ok"] is True
    sneaky.disconnect()  # the real disconnect still works
    assert watcher.events("viewer_count") == [{"sessionId": live_session, "count": 1}]


@pytest.mark.parametrize("with_token", [True, False])
def test_a_client_event_named_connect_changes_nothing(app, joined, attendee, make_user, live_session, with_token):
    """It used to replace the connection record (a ghost viewer, a visit never closed), or, without a
    token, raise ConnectionRefusedError out of an event handler (no ack)."""
    sneaky = joined(attendee, live_session)
    [record] = _registered(app)
    args = ("environ", {"token": make_user().token}) if with_token else ()

    answer = sneaky.ack("connect", *args)

    assert answer["ok"] is False and answer["error"]["code"] == "unknown_event"
    assert _registered(app) == [record] and list(record.joined) == [uuid.UUID(live_session)]
    assert sneaky.is_connected()
    sneaky.disconnect()
    with app.app_context():
        from plataforma.realtime.connections import presence

        assert presence().count(live_session) == 0


def test_the_registry_never_replaces_a_live_sid():
    from plataforma.realtime.connections import Connection, Registry

    registry = Registry()
    first = Connection(sid="s", user_id=uuid.uuid4(), jti=None, expires_at=None)
    assert registry.add(first) is True
    assert registry.add(Connection(sid="s", user_id=uuid.uuid4(), jti=None, expires_at=None)) is False
    assert registry.get("s") is first


def test_the_registry_counts_each_users_open_connections():
    from plataforma.realtime.connections import Connection, Registry

    registry = Registry()
    alice, bob = uuid.uuid4(), uuid.uuid4()
    for sid, user in (("a1", alice), ("a2", alice), ("b1", bob)):
        assert registry.add(Connection(sid=sid, user_id=user, jti=None, expires_at=None))
    assert registry.add(Connection(sid="a1", user_id=alice, jti=None, expires_at=None)) is False  # refused: no count
    assert (registry.count_user(alice), registry.count_user(bob)) == (2, 1)
    assert registry.pop("a1").user_id == alice
    assert registry.pop("a1") is None  # popped twice: counted once
    assert (registry.count_user(alice), registry.count_user(bob)) == (1, 1)
    registry.pop("a2"), registry.pop("b1")
    assert (registry.count_user(alice), registry.count_user(bob)) == (0, 0)
    assert registry._per_user == {}  # nobody left: nothing kept per user
