"""Live commerce over Socket.IO: products_updated / product_featured, send_reaction, aggregated reactions."""

from __future__ import annotations

import uuid

import pytest

from plataforma.services import reactions
from tests.api.commerce_support import attach, make_product
from tests.conftest import UserFactory


def _ids(payload) -> list[str]:
    return [item["product"]["id"] for item in payload["products"]]


def test_every_change_emits_products_updated_and_featuring_emits_product_featured(
    client, joined, admin, moderator, attendee, live_session
):
    room = joined(attendee, live_session)
    hoodie, mug = make_product(client, admin), make_product(client, admin, name="Mug")

    item = attach(client, moderator, live_session, hoodie["id"])
    assert room.events("products_updated") == [{"sessionId": live_session, "products": [item]}]
    assert room.events("product_featured") == []

    featured = attach(client, moderator, live_session, mug["id"], featured=True, displayOrder=-1)
    assert [_ids(p) for p in room.events("products_updated")] == [[mug["id"], hoodie["id"]]]
    assert room.events("product_featured") == [{"sessionId": live_session, "item": featured}]

    url = f"/api/sessions/{live_session}/products/{hoodie['id']}"
    assert client.patch(url, json={"displayOrder": -2}, headers=moderator.headers).status_code == 200
    assert [_ids(p) for p in room.events("products_updated")] == [[hoodie["id"], mug["id"]]]
    changed = client.patch(url, json={"featured": True}, headers=moderator.headers).json
    assert room.events("product_featured") == [{"sessionId": live_session, "item": changed}]
    assert len(room.events("products_updated")) == 1
    client.patch(url, json={"featured": True, "displayOrder": -2}, headers=moderator.headers)  # no change
    assert room.events("products_updated") == [] and room.events("product_featured") == []
    client.patch(url, json={"featured": False}, headers=moderator.headers)
    assert len(room.events("products_updated")) == 1 and room.events("product_featured") == []

    assert client.delete(url, headers=moderator.headers).status_code == 204
    assert [_ids(p) for p in room.events("products_updated")] == [[mug["id"]]]


def test_deleting_or_changing_a_product_tells_every_session_showing_it(client, joined, admin, moderator, content):
    first, second, elsewhere = content.session(), content.session(), content.session()
    product = make_product(client, admin)
    attach(client, moderator, first, product["id"])
    attach(client, moderator, second, product["id"])
    rooms = {sid: joined(moderator, sid) for sid in (first, second, elsewhere)}

    client.patch(f"/api/products/{product['id']}", json={"price": "1.50"}, headers=admin.headers)
    for sid in (first, second):
        assert [p["products"][0]["product"]["price"] for p in rooms[sid].events("products_updated")] == ["1.50"]
    assert client.delete(f"/api/products/{product['id']}", headers=admin.headers).status_code == 204
    for sid in (first, second):
        assert rooms[sid].events("products_updated") == [{"sessionId": sid, "products": []}]
    assert rooms[elsewhere].events("products_updated") == []


def test_a_refused_change_emits_nothing(client, joined, admin, moderator, attendee, live_session):
    room = joined(attendee, live_session)
    product = make_product(client, admin)
    attach(client, moderator, live_session, product["id"])
    room.events("products_updated")
    body = {"productId": product["id"]}
    assert (
        client.post(f"/api/sessions/{live_session}/products", json=body, headers=moderator.headers).status_code == 409
    )
    assert room.events("products_updated") == []


# ---------------------------------------------------------------- reactions


def test_send_reaction_needs_no_join_and_is_acknowledged(app, sio, attendee, live_session):
    client = sio(attendee)
    assert client.ack("send_reaction", {"sessionId": live_session, "type": "heart"}) == {
        "ok": True,
        "data": {"accepted": True},
    }
    with app.app_context():
        assert reactions.run_once(app)["written"] == 1


@pytest.mark.parametrize(
    ("payload", "code"),
    [({"sessionId": "S", "type": "love"}, "validation_error"), ({"sessionId": "S"}, "validation_error"),
     (None, "validation_error"), ("like", "validation_error"), ({"sessionId": "D", "type": "like"}, "not_found"),
     ({"sessionId": "00000000-0000-0000-0000-000000000000", "type": "like"}, "not_found")],
)  # fmt: skip
def test_send_reaction_errors(app, sio, attendee, live_session, draft_session, payload, code):
    if isinstance(payload, dict):
        payload = {k: {"S": live_session, "D": draft_session}.get(v, v) for k, v in payload.items()}
    answer = sio(attendee).ack("send_reaction", payload)
    assert answer["ok"] is False and answer["error"]["code"] == code
    with app.app_context():
        assert reactions.run_once(app)["written"] == 0


def test_send_reaction_rate_limited_per_user_shared_with_rest(make_app, sio, content):
    app = make_app(REACTION_RATE_LIMIT="2 per minute")
    user = UserFactory(app)()
    session_id = content.session()
    client = sio(user, on_app=app)
    body = {"sessionId": session_id, "type": "like"}
    assert app.test_client().post("/api/reactions", json=body, headers=user.headers).status_code == 202
    assert client.ack("send_reaction", body)["ok"] is True
    answer = client.ack("send_reaction", body)
    assert answer["ok"] is False and answer["error"]["code"] == "rate_limited"


def test_reactions_are_broadcast_as_one_batch_per_room_per_round(app, sio, joined, make_user, content):
    session_id, quiet = content.session(), content.session()
    watchers = [joined(make_user(), session_id) for _ in range(2)]
    elsewhere = joined(make_user(), quiet)
    senders = [sio(make_user()) for _ in range(4)]
    for index, sender in enumerate(senders):
        for kind in ("like", "fire", "like")[: index + 1]:
            assert sender.ack("send_reaction", {"sessionId": session_id, "type": kind})["ok"]
    # Nothing is broadcast per reaction.
    assert all(watcher.events("reactions") == [] for watcher in watchers)

    with app.app_context():
        assert reactions.run_once(app) == {"broadcasts": 1, "written": 9}
    batch = {"sessionId": session_id, "counts": {"like": 6, "heart": 0, "fire": 3, "clap": 0}}
    for watcher in watchers:
        assert watcher.events("reactions") == [batch]
    assert elsewhere.events("reactions") == []

    with app.app_context():
        assert reactions.run_once(app) == {"broadcasts": 0, "written": 0}  # idle rooms hear nothing
    assert all(watcher.events("reactions") == [] for watcher in watchers)

    senders[0].ack("send_reaction", {"sessionId": session_id, "type": "clap"})
    with app.app_context():
        reactions.run_once(app)
    assert watchers[0].events("reactions") == [
        {"sessionId": session_id, "counts": {"like": 0, "heart": 0, "fire": 0, "clap": 1}}
    ]
    totals = app.test_client().get(f"/api/sessions/{session_id}/reactions", headers=make_user().headers).json
    assert totals["totals"] == {"like": 6, "heart": 0, "fire": 3, "clap": 1}


# ---------------------------------------------------------------- the cheap path of a reaction


def test_a_reaction_uses_the_cached_user_until_a_revocation_commits(app, sio, client, attendee, live_session):
    from plataforma.realtime.connections import registry

    socket = sio(attendee)
    body = {"sessionId": live_session, "type": "like"}
    assert socket.ack("send_reaction", body)["ok"] is True
    with app.app_context():
        (conn,) = registry().all()
        assert conn.actor is not None  # the actor cache (guard.current_actor) holds the user
    assert socket.ack("send_reaction", body)["ok"] is True
    assert client.post("/api/auth/signout", headers=attendee.headers).status_code == 204
    answer = socket.ack("send_reaction", body)  # the revocation bumped the generation: re-read at once
    assert answer["ok"] is False and answer["error"]["code"] == "token_revoked"


def test_a_role_change_reaches_the_cached_user_at_the_next_reaction(app, sio, make_user, draft_session):
    from plataforma.extensions import db
    from plataforma.models import Profile, Role

    user = make_user()
    socket = sio(user)
    body = {"sessionId": draft_session, "type": "like"}
    assert socket.ack("send_reaction", body)["error"]["code"] == "not_found"
    with app.app_context():
        db.session.get(Profile, uuid.UUID(user.id)).role = Role.ADMIN
        db.session.commit()
    assert socket.ack("send_reaction", body)["ok"] is True


def test_memory_windows_count_per_key():
    from plataforma.services.flood import MemoryWindows

    windows = MemoryWindows()
    assert [windows.hit("a", 3, 60) for _ in range(3)] == [None, None, None]
    wait = windows.hit("a", 3, 60)
    assert wait is not None and 59 < wait <= 60
    assert windows.hit("b", 3, 60) is None
