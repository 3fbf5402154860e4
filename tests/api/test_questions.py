"""/api/questions: asking, upvoting once, answering, hiding, ordering."""

import pytest

from tests.api.interaction_support import (
    MISSING_ID,
    error_code,
    record_emits,
    room,
    seed_question,
    seed_upvote,
)

QUESTION_KEYS = [
    "id",
    "sessionId",
    "userId",
    "user",
    "text",
    "upvotes",
    "isAnswered",
    "isHidden",
    "status",
    "isAnonymous",
    "createdAt",
]


@pytest.fixture
def question_id(app, live_session, admin):
    return seed_question(app, live_session, admin.id, "What is next?")


def _ask(client, headers, session_id, text="Why?"):
    return client.post("/api/questions", json={"sessionId": session_id, "text": text}, headers=headers)


def _list(client, headers, session_id):
    response = client.get(f"/api/questions/session/{session_id}", headers=headers)
    assert response.status_code == 200
    return response.get_json()


# ---------------------------------------------------------------- permissions


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 200), ("moderator", 200), ("admin", 200)])
def test_list_permissions(client, users, live_session, question_id, role, status):
    response = client.get(f"/api/questions/session/{live_session}", headers=users[role])
    assert response.status_code == status
    if status == 200:
        assert [q["id"] for q in response.get_json()] == [question_id]


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 201), ("moderator", 201), ("admin", 201)])
def test_ask_permissions(client, users, live_session, role, status):
    assert _ask(client, users[role], live_session).status_code == status


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 200), ("moderator", 200), ("admin", 200)])
def test_upvote_permissions(client, users, question_id, role, status):
    assert client.patch(f"/api/questions/{question_id}/upvote", headers=users[role]).status_code == status


@pytest.mark.parametrize("action", ["answer", "hide"])
@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 200), ("admin", 200)])
def test_moderation_permissions(client, monkeypatch, users, question_id, action, role, status):
    emits = record_emits(monkeypatch)
    response = client.patch(f"/api/questions/{question_id}/{action}", headers=users[role])
    assert response.status_code == status
    assert (emits.events() == ["questions_updated"]) is (status == 200)


@pytest.mark.parametrize("role, visible", [("attendee", False), ("moderator", False), ("admin", True)])
def test_draft_project_is_invisible_to_non_admins(app, client, users, draft_session, admin, role, visible):
    question = seed_question(app, draft_session, admin.id)
    headers = users[role]
    responses = {
        "list": client.get(f"/api/questions/session/{draft_session}", headers=headers),
        "ask": _ask(client, headers, draft_session),
        "upvote": client.patch(f"/api/questions/{question}/upvote", headers=headers),
    }
    if role != "attendee":
        responses["answer"] = client.patch(f"/api/questions/{question}/answer", headers=headers)
        responses["hide"] = client.patch(f"/api/questions/{question}/hide", headers=headers)
    for name, response in responses.items():
        expected = {"list": 200, "ask": 201}.get(name, 200) if visible else 404
        assert response.status_code == expected, name


def test_unknown_and_malformed_ids_are_404(client, moderator):
    for session in (MISSING_ID, "nope"):
        assert client.get(f"/api/questions/session/{session}", headers=moderator.headers).status_code == 404
    assert _ask(client, moderator.headers, MISSING_ID).status_code == 404
    for question in (MISSING_ID, "nope"):
        for action in ("upvote", "answer", "hide"):
            response = client.patch(f"/api/questions/{question}/{action}", headers=moderator.headers)
            assert response.status_code == 404


# ---------------------------------------------------------------- asking


def test_ask_returns_the_question_and_emits_the_visible_list(client, monkeypatch, attendee, live_session):
    emits = record_emits(monkeypatch)
    response = _ask(client, attendee.headers, live_session, "  Is it\x00 recorded?\n ")
    assert response.status_code == 201
    body = response.get_json()
    assert list(body) == [*QUESTION_KEYS, "hasUpvoted"]
    assert body["text"] == "Is it recorded?"
    assert (body["upvotes"], body["isAnswered"], body["isHidden"], body["hasUpvoted"]) == (0, False, False, False)
    assert body["user"] == {"id": attendee.id, "name": "User 1", "avatar": None, "role": "ATTENDEE"}
    data, to = emits.only("questions_updated")
    assert to == room(live_session)
    assert data == [{key: body[key] for key in QUESTION_KEYS}]


@pytest.mark.parametrize("text", ["", "  \x00 ", "x" * 501, None, 7])
def test_ask_validation(client, monkeypatch, attendee, live_session, text):
    emits = record_emits(monkeypatch)
    response = _ask(client, attendee.headers, live_session, text)
    assert response.status_code == 400
    assert "text" in response.get_json()["error"]["fields"]
    assert emits == []


def test_ask_rejects_unknown_fields(client, attendee, live_session):
    response = client.post(
        "/api/questions", json={"sessionId": live_session, "text": "hi", "upvotes": 99}, headers=attendee.headers
    )
    assert response.status_code == 400
    assert "upvotes" in response.get_json()["error"]["fields"]


# ---------------------------------------------------------------- ordering and visibility


def test_list_orders_by_upvotes_then_oldest_first(app, client, attendee, live_session):
    u = attendee.id
    newest_popular = seed_question(app, live_session, u, "a", upvotes=5, age_seconds=10)
    oldest_popular = seed_question(app, live_session, u, "b", upvotes=5, age_seconds=300)
    unpopular_old = seed_question(app, live_session, u, "c", upvotes=0, age_seconds=900)
    middle = seed_question(app, live_session, u, "d", upvotes=2, age_seconds=1)
    assert [q["id"] for q in _list(client, attendee.headers, live_session)] == [
        oldest_popular,
        newest_popular,
        middle,
        unpopular_old,
    ]


def test_hidden_questions_reach_moderators_only(app, client, attendee, moderator, admin, live_session):
    shown = seed_question(app, live_session, attendee.id, "shown")
    hidden = seed_question(app, live_session, attendee.id, "hidden", is_hidden=True, age_seconds=5)
    assert [q["id"] for q in _list(client, attendee.headers, live_session)] == [shown]
    for headers in (moderator.headers, admin.headers):
        listed = _list(client, headers, live_session)
        assert [(q["id"], q["isHidden"]) for q in listed] == [(hidden, True), (shown, False)]


def test_attendees_cannot_upvote_a_hidden_question(app, client, monkeypatch, attendee, moderator, live_session):
    hidden = seed_question(app, live_session, moderator.id, is_hidden=True)
    emits = record_emits(monkeypatch)
    response = client.patch(f"/api/questions/{hidden}/upvote", headers=attendee.headers)
    assert response.status_code == 404
    assert emits == []
    assert client.patch(f"/api/questions/{hidden}/upvote", headers=moderator.headers).status_code == 200


# ---------------------------------------------------------------- upvotes


def test_upvote_once_per_user(client, monkeypatch, make_user, attendee, live_session, question_id):
    emits = record_emits(monkeypatch)
    first = client.patch(f"/api/questions/{question_id}/upvote", headers=attendee.headers)
    assert first.status_code == 200
    assert (first.get_json()["upvotes"], first.get_json()["hasUpvoted"]) == (1, True)

    again = client.patch(f"/api/questions/{question_id}/upvote", headers=attendee.headers)
    assert again.status_code == 409
    assert error_code(again) == "already_upvoted"

    other = make_user()
    assert client.patch(f"/api/questions/{question_id}/upvote", headers=other.headers).get_json()["upvotes"] == 2
    [listed] = _list(client, attendee.headers, live_session)
    assert (listed["upvotes"], listed["hasUpvoted"]) == (2, True)
    # Two successful upvotes, two broadcasts; the refused one emitted nothing.
    assert emits.events() == ["questions_updated", "questions_updated"]
    assert emits[-1][1][0]["upvotes"] == 2 and "hasUpvoted" not in emits[-1][1][0]


def test_upvotes_reorder_the_list(app, client, attendee, moderator, live_session):
    older = seed_question(app, live_session, attendee.id, "older", age_seconds=60)
    newer = seed_question(app, live_session, attendee.id, "newer")
    assert [q["id"] for q in _list(client, attendee.headers, live_session)] == [older, newer]
    client.patch(f"/api/questions/{newer}/upvote", headers=moderator.headers)
    assert [q["id"] for q in _list(client, attendee.headers, live_session)] == [newer, older]


def test_has_upvoted_is_per_caller(app, client, attendee, moderator, live_session):
    mine = seed_question(app, live_session, moderator.id, "mine", upvotes=1)
    theirs = seed_question(app, live_session, moderator.id, "theirs", upvotes=1, age_seconds=1)
    seed_upvote(app, mine, attendee.id)
    seed_upvote(app, theirs, moderator.id)
    by_attendee = {q["id"]: q["hasUpvoted"] for q in _list(client, attendee.headers, live_session)}
    by_moderator = {q["id"]: q["hasUpvoted"] for q in _list(client, moderator.headers, live_session)}
    assert by_attendee == {mine: True, theirs: False}
    assert by_moderator == {mine: False, theirs: True}


# ---------------------------------------------------------------- answer / hide


@pytest.mark.parametrize("action, key", [("answer", "isAnswered"), ("hide", "isHidden")])
def test_answer_and_hide_default_true_and_take_explicit_booleans(
    client, monkeypatch, moderator, question_id, action, key
):
    url = f"/api/questions/{question_id}/{action}"
    emits = record_emits(monkeypatch)
    assert client.patch(url, headers=moderator.headers).get_json()[key] is True
    assert client.patch(url, json={key: True}, headers=moderator.headers).get_json()[key] is True
    assert client.patch(url, json={key: False}, headers=moderator.headers).get_json()[key] is False
    assert client.patch(url, json={}, headers=moderator.headers).get_json()[key] is True
    # Only actual changes are broadcast (true, [no-op], false, true).
    assert emits.events() == ["questions_updated"] * 3


@pytest.mark.parametrize("action, key", [("answer", "isAnswered"), ("hide", "isHidden")])
@pytest.mark.parametrize("value", ["true", 1, None, "yes"])
def test_answer_and_hide_reject_non_booleans(client, monkeypatch, moderator, question_id, action, key, value):
    emits = record_emits(monkeypatch)
    response = client.patch(f"/api/questions/{question_id}/{action}", json={key: value}, headers=moderator.headers)
    assert response.status_code == 400
    assert key in response.get_json()["error"]["fields"]
    assert emits == []


def test_hide_broadcasts_the_list_without_the_hidden_question(
    app, client, monkeypatch, attendee, moderator, live_session
):
    keep = seed_question(app, live_session, attendee.id, "keep")
    drop = seed_question(app, live_session, attendee.id, "drop", age_seconds=5)
    emits = record_emits(monkeypatch)
    response = client.patch(f"/api/questions/{drop}/hide", headers=moderator.headers)
    assert response.get_json()["isHidden"] is True
    data, to = emits.only("questions_updated")
    assert to == room(live_session)
    assert [q["id"] for q in data] == [keep]

    client.patch(f"/api/questions/{drop}/hide", json={"isHidden": False}, headers=moderator.headers)
    assert [q["id"] for q in emits[-1][1]] == [drop, keep]


def test_answered_state_is_visible_to_attendees(client, attendee, moderator, live_session, question_id):
    client.patch(f"/api/questions/{question_id}/answer", headers=moderator.headers)
    [listed] = _list(client, attendee.headers, live_session)
    assert listed["isAnswered"] is True


# ---------------------------------------------------------------- no N+1


@pytest.mark.parametrize("role", ["attendee", "moderator"])
def test_list_runs_the_same_number_of_queries_for_1_and_50_questions(
    app, client, make_user, users, attendee, moderator, content, count_queries, role
):
    caller = {"attendee": attendee, "moderator": moderator}[role]
    counts = []
    for n in (1, 50):
        session_id = content.session()
        authors = [make_user() for _ in range(min(n, 5))]
        ids = [
            seed_question(app, session_id, authors[i % len(authors)].id, f"q{i}", upvotes=i, is_hidden=i % 7 == 3)
            for i in range(n)
        ]
        for question in ids[::2]:
            seed_upvote(app, question, caller.id)
        with count_queries() as q:
            listed = _list(client, users[role], session_id)
        expected = n if role == "moderator" else n - sum(1 for i in range(n) if i % 7 == 3)
        assert len(listed) == expected
        assert {x["id"] for x in listed if x["hasUpvoted"]} == set(ids[::2]) & {x["id"] for x in listed}
        assert {x["user"]["id"] for x in listed} <= {a.id for a in authors}
        counts.append(q.count)
    assert counts[0] == counts[1]


def test_question_list_takes_limit_and_offset(client, attendee, admin, live_session):
    from tests.api.interaction_support import seed_question

    ids = [seed_question(client.application, live_session, admin.id, f"q{n}", upvotes=10 - n) for n in range(3)]
    url = f"/api/questions/session/{live_session}"
    assert [q["id"] for q in client.get(f"{url}?limit=2", headers=attendee.headers).json] == ids[:2]
    assert [q["id"] for q in client.get(f"{url}?limit=2&offset=2", headers=attendee.headers).json] == ids[2:]
    assert client.get(f"{url}?limit=0", headers=attendee.headers).status_code == 400
    assert client.get(f"{url}?limit=201", headers=attendee.headers).status_code == 400
