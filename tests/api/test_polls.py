"""/api/polls: creating, voting once, one active poll per session, results."""

import uuid

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import Poll
from tests.api.interaction_support import MISSING_ID, error_code, record_emits, room, seed_poll, seed_vote

POLL_KEYS = ["id", "sessionId", "question", "isActive", "resultsVisibility", "options", "totalVotes", "createdAt"]


@pytest.fixture
def active_poll(app, live_session):
    return seed_poll(app, live_session, ["Red", "Green", "Blue"], active=True)


def _create(client, headers, session_id, **overrides):
    body = {"sessionId": session_id, "question": "Best colour?", "options": ["Red", "Green"], **overrides}
    return client.post("/api/polls", json=body, headers=headers)


def _vote(client, headers, poll, option_index=0, option_id=None):
    option_id = option_id or poll["options"][option_index]
    return client.post("/api/polls/vote", json={"pollId": poll["id"], "optionId": option_id}, headers=headers)


def _active_ids(app, session_id) -> list[str]:
    with app.app_context():
        return [
            str(poll_id)
            for poll_id in db.session.scalars(
                sa.select(Poll.id).where(Poll.session_id == uuid.UUID(session_id), Poll.is_active.is_(True))
            )
        ]


# ---------------------------------------------------------------- permissions


@pytest.mark.parametrize("path", ["", "/active"])
@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 200), ("moderator", 200), ("admin", 200)])
def test_read_permissions(client, users, live_session, active_poll, path, role, status):
    response = client.get(f"/api/polls/session/{live_session}{path}", headers=users[role])
    assert response.status_code == status


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 201), ("admin", 201)])
def test_create_permissions(client, monkeypatch, users, live_session, role, status):
    emits = record_emits(monkeypatch)
    assert _create(client, users[role], live_session).status_code == status
    assert (emits.events() == ["poll_updated"]) is (status == 201)


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 201), ("moderator", 201), ("admin", 201)])
def test_vote_permissions(client, users, active_poll, role, status):
    assert _vote(client, users[role], active_poll).status_code == status


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 200), ("admin", 200)])
def test_activate_permissions(client, monkeypatch, users, active_poll, role, status):
    emits = record_emits(monkeypatch)
    response = client.patch(f"/api/polls/{active_poll['id']}/activate", headers=users[role])
    assert response.status_code == status
    assert (emits.events() == ["poll_updated"]) is (status == 200)


@pytest.mark.parametrize("role, visible", [("attendee", False), ("moderator", False), ("admin", True)])
def test_draft_project_is_invisible_to_non_admins(app, client, users, draft_session, role, visible):
    poll = seed_poll(app, draft_session, active=True)
    headers = users[role]
    responses = {
        "list": (client.get(f"/api/polls/session/{draft_session}", headers=headers), 200),
        "active": (client.get(f"/api/polls/session/{draft_session}/active", headers=headers), 200),
        "vote": (_vote(client, headers, poll), 201),
    }
    if role != "attendee":
        responses["create"] = (_create(client, headers, draft_session), 201)
        responses["activate"] = (client.patch(f"/api/polls/{poll['id']}/activate", headers=headers), 200)
    for name, (response, ok) in responses.items():
        assert response.status_code == (ok if visible else 404), name


def test_unknown_and_malformed_ids(client, moderator):
    for session in (MISSING_ID, "nope"):
        assert client.get(f"/api/polls/session/{session}", headers=moderator.headers).status_code == 404
        assert client.get(f"/api/polls/session/{session}/active", headers=moderator.headers).status_code == 404
    assert _create(client, moderator.headers, MISSING_ID).status_code == 404
    for poll in (MISSING_ID, "nope"):
        assert client.patch(f"/api/polls/{poll}/activate", headers=moderator.headers).status_code == 404
    unknown_poll = {"id": MISSING_ID, "options": [MISSING_ID]}
    assert _vote(client, moderator.headers, unknown_poll).status_code == 404
    malformed = client.post("/api/polls/vote", json={"pollId": "x", "optionId": "y"}, headers=moderator.headers)
    assert malformed.status_code == 400
    assert set(malformed.get_json()["error"]["fields"]) == {"pollId", "optionId"}


# ---------------------------------------------------------------- creating


def test_create_is_inactive_by_default_and_emits_poll_updated(client, monkeypatch, moderator, live_session):
    emits = record_emits(monkeypatch)
    response = _create(client, moderator.headers, live_session, question="  Best\x00 colour? ", options=[" a ", "b"])
    assert response.status_code == 201
    body = response.get_json()
    assert list(body) == [*POLL_KEYS, "userVoteOptionId"]
    assert body["question"] == "Best colour?"
    assert body["isActive"] is False
    assert [(o["text"], o["votes"]) for o in body["options"]] == [("a", 0), ("b", 0)]
    assert (body["totalVotes"], body["userVoteOptionId"]) == (0, None)
    data, to = emits.only("poll_updated")
    assert to == room(live_session)
    assert data == {key: body[key] for key in POLL_KEYS}  # no userVoteOptionId in broadcasts


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"options": ["only one"]}, "options"),
        ({"options": [f"o{i}" for i in range(11)]}, "options"),
        ({"options": ["Same", " same "]}, "options"),
        ({"options": ["ok", "  "]}, "options.1"),
        ({"options": ["ok", "x" * 201]}, "options.1"),
        ({"options": "Red,Green"}, "options"),
        ({"question": ""}, "question"),
        ({"question": "x" * 501}, "question"),
        ({"isActive": "true"}, "isActive"),
        ({"votes": 3}, "votes"),
    ],
)
def test_create_validation(client, monkeypatch, moderator, live_session, overrides, field):
    emits = record_emits(monkeypatch)
    response = _create(client, moderator.headers, live_session, **overrides)
    assert response.status_code == 400
    field_errors = response.get_json()["error"]["fields"]  # nested problems have dotted names (options.1)
    assert any(k == field or k.startswith(field + ".") for k in field_errors), field_errors
    assert emits == []


def test_create_accepts_10_options_of_200_characters(client, moderator, live_session):
    options = [f"{i}" + "x" * 199 for i in range(10)]
    response = _create(client, moderator.headers, live_session, options=options)
    assert response.status_code == 201
    assert [o["text"] for o in response.get_json()["options"]] == options


def test_create_active_closes_the_other_active_poll(app, client, monkeypatch, moderator, live_session, active_poll):
    emits = record_emits(monkeypatch)
    response = _create(client, moderator.headers, live_session, isActive=True)
    assert response.status_code == 201
    new_id = response.get_json()["id"]
    assert _active_ids(app, live_session) == [new_id]
    assert [(event, data["id"], data["isActive"]) for event, data, _ in emits] == [
        ("poll_updated", active_poll["id"], False),
        ("poll_updated", new_id, True),
    ]


# ---------------------------------------------------------------- voting


def test_vote_counts_and_returns_the_callers_choice(client, monkeypatch, make_user, live_session, active_poll):
    voters = [make_user() for _ in range(3)]
    emits = record_emits(monkeypatch)
    responses = [_vote(client, voter.headers, active_poll, index) for voter, index in zip(voters, [1, 1, 2])]
    assert [r.status_code for r in responses] == [201, 201, 201]
    body = responses[-1].get_json()
    assert [(o["text"], o["votes"]) for o in body["options"]] == [("Red", 0), ("Green", 2), ("Blue", 1)]
    assert body["totalVotes"] == 3
    assert body["userVoteOptionId"] == active_poll["options"][2]
    assert responses[0].get_json()["userVoteOptionId"] == active_poll["options"][1]

    assert emits.events() == ["poll_updated"] * 3
    data, to = emits[-1][1], emits[-1][2]
    assert to == room(live_session)
    assert "userVoteOptionId" not in data
    assert (data["totalVotes"], [o["votes"] for o in data["options"]]) == (3, [0, 2, 1])


def test_second_vote_is_409_and_changes_nothing(client, monkeypatch, attendee, live_session, active_poll):
    assert _vote(client, attendee.headers, active_poll, 0).status_code == 201
    emits = record_emits(monkeypatch)
    again = _vote(client, attendee.headers, active_poll, 1)
    assert again.status_code == 409
    assert error_code(again) == "already_voted"
    assert emits == []
    poll = client.get(f"/api/polls/session/{live_session}/active", headers=attendee.headers).get_json()
    assert (poll["totalVotes"], poll["userVoteOptionId"]) == (1, active_poll["options"][0])


def test_vote_with_an_option_of_another_poll_is_400(app, client, monkeypatch, attendee, live_session, active_poll):
    other = seed_poll(app, live_session, ["X", "Y"])
    emits = record_emits(monkeypatch)
    for option_id in (other["options"][0], MISSING_ID):
        response = _vote(client, attendee.headers, active_poll, option_id=option_id)
        assert response.status_code == 400
        assert error_code(response) == "invalid_option"
    assert emits == []


def test_vote_in_an_inactive_poll_is_409(app, client, monkeypatch, attendee, live_session):
    closed = seed_poll(app, live_session)
    emits = record_emits(monkeypatch)
    response = _vote(client, attendee.headers, closed)
    assert response.status_code == 409
    assert error_code(response) == "poll_inactive"
    assert emits == []


# ---------------------------------------------------------------- activation


def test_activate_toggles_without_a_body(app, client, moderator, live_session):
    poll = seed_poll(app, live_session)
    url = f"/api/polls/{poll['id']}/activate"
    assert client.patch(url, headers=moderator.headers).get_json()["isActive"] is True
    assert client.patch(url, headers=moderator.headers).get_json()["isActive"] is False
    assert client.patch(url, json={}, headers=moderator.headers).get_json()["isActive"] is True


def test_activate_with_explicit_booleans_is_idempotent(app, client, monkeypatch, moderator, live_session):
    poll = seed_poll(app, live_session)
    url = f"/api/polls/{poll['id']}/activate"
    emits = record_emits(monkeypatch)
    for value in (True, True, False, False):
        response = client.patch(url, json={"isActive": value}, headers=moderator.headers)
        assert response.status_code == 200 and response.get_json()["isActive"] is value
    assert [data["isActive"] for _, data, _ in emits] == [True, False]


@pytest.mark.parametrize("value", ["true", 1, "toggle"])
def test_activate_rejects_non_booleans(app, client, moderator, live_session, value):
    poll = seed_poll(app, live_session)
    response = client.patch(f"/api/polls/{poll['id']}/activate", json={"isActive": value}, headers=moderator.headers)
    assert response.status_code == 400
    assert "isActive" in response.get_json()["error"]["fields"]


def test_activating_one_poll_closes_the_others_in_the_session(
    app, client, monkeypatch, content, moderator, live_session, active_poll
):
    other_session = content.session()
    elsewhere = seed_poll(app, other_session, active=True)
    waiting = seed_poll(app, live_session)
    emits = record_emits(monkeypatch)
    response = client.patch(f"/api/polls/{waiting['id']}/activate", json={"isActive": True}, headers=moderator.headers)
    assert response.status_code == 200 and response.get_json()["isActive"] is True
    assert _active_ids(app, live_session) == [waiting["id"]]
    assert _active_ids(app, other_session) == [elsewhere["id"]]  # other sessions are untouched
    assert [(data["id"], data["isActive"], to) for _, data, to in emits] == [
        (active_poll["id"], False, room(live_session)),
        (waiting["id"], True, room(live_session)),
    ]
    active = client.get(f"/api/polls/session/{live_session}/active", headers=moderator.headers).get_json()
    assert active["id"] == waiting["id"]


def test_no_active_poll_is_404(app, client, attendee, live_session):
    seed_poll(app, live_session)
    response = client.get(f"/api/polls/session/{live_session}/active", headers=attendee.headers)
    assert response.status_code == 404
    assert error_code(response) == "no_active_poll"


# ---------------------------------------------------------------- listing


def test_list_is_newest_first_with_results_and_the_callers_vote(app, client, make_user, attendee, live_session):
    old = seed_poll(app, live_session, ["A", "B"], age_seconds=100)
    new = seed_poll(app, live_session, ["C", "D", "E"], active=True)
    seed_vote(app, old, 1, attendee.id)
    for _ in range(2):
        seed_vote(app, new, 2, make_user().id)
    listed = client.get(f"/api/polls/session/{live_session}", headers=attendee.headers).get_json()
    assert [p["id"] for p in listed] == [new["id"], old["id"]]
    assert [list(p) for p in listed] == [[*POLL_KEYS, "userVoteOptionId"]] * 2
    assert [(p["totalVotes"], [o["votes"] for o in p["options"]]) for p in listed] == [(2, [0, 0, 2]), (1, [0, 1])]
    assert [p["userVoteOptionId"] for p in listed] == [None, old["options"][1]]


def test_list_runs_the_same_number_of_queries_for_1_and_50_polls(
    app, client, make_user, attendee, content, count_queries
):
    voters = [make_user() for _ in range(3)]
    counts = []
    for n in (1, 50):
        session_id = content.session()
        polls = [seed_poll(app, session_id, ["a", "b", "c"], age_seconds=i) for i in range(n)]
        for i, poll in enumerate(polls):
            for voter in voters[: 1 + i % 3]:
                seed_vote(app, poll, i % 3, voter.id)
            if i % 2 == 0:
                seed_vote(app, poll, 0, attendee.id)
        with count_queries() as q:
            response = client.get(f"/api/polls/session/{session_id}", headers=attendee.headers)
        listed = response.get_json()
        assert response.status_code == 200 and len(listed) == n
        assert [p["totalVotes"] for p in listed] == [1 + i % 3 + (i % 2 == 0) for i in range(n)]
        assert [p["userVoteOptionId"] is not None for p in listed] == [i % 2 == 0 for i in range(n)]
        counts.append(q.count)
    assert counts[0] == counts[1]


def test_poll_list_takes_limit_and_offset(client, attendee, live_session):
    from tests.api.interaction_support import seed_poll

    newest_first = [seed_poll(client.application, live_session, age_seconds=n)["id"] for n in range(3)]
    url = f"/api/polls/session/{live_session}"
    assert [p["id"] for p in client.get(f"{url}?limit=1", headers=attendee.headers).json] == newest_first[:1]
    assert [p["id"] for p in client.get(f"{url}?offset=1", headers=attendee.headers).json] == newest_first[1:]
    assert client.get(f"{url}?offset=-1", headers=attendee.headers).status_code == 400
