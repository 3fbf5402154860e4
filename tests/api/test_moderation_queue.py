"""The question approval queue and poll results visibility (SPEC §15), over REST."""

from __future__ import annotations

import pytest

from tests.api.interaction_support import error_code, record_emits, room
from tests.api.moderation_support import audit_actions, event_of, patch_settings


def _ask(client, user, session_id, text="Why?"):
    return client.post("/api/questions", json={"sessionId": session_id, "text": text}, headers=user.headers)


def _ids(client, user, session_id) -> list[str]:
    response = client.get(f"/api/questions/session/{session_id}", headers=user.headers)
    assert response.status_code == 200
    return [q["id"] for q in response.get_json()]


@pytest.fixture
def moderated(client, moderator, live_session):
    patch_settings(client, moderator, live_session, questionModeration=True)
    return live_session


def test_a_pending_question_is_seen_by_its_author_and_moderators_only(
    client, monkeypatch, attendee, make_user, moderator, admin, moderated
):
    emits = record_emits(monkeypatch)
    asked = _ask(client, attendee, moderated, "Pending?")
    assert asked.status_code == 201
    question = asked.get_json()
    assert question["status"] == "PENDING"
    # The room hears nothing; the moderators' room hears question_pending.
    assert emits.events() == ["question_pending"]
    data, to = emits.only("question_pending")
    assert to == f"moderators:{moderated}"
    assert data["sessionId"] == moderated and data["question"]["id"] == question["id"]
    assert data["question"]["userId"] == attendee.id
    assert _ids(client, attendee, moderated) == [question["id"]]
    assert _ids(client, moderator, moderated) == [question["id"]]
    assert _ids(client, admin, moderated) == [question["id"]]
    stranger = make_user()
    assert _ids(client, stranger, moderated) == []
    # Not even by id: upvoting someone else's pending question is "not found".
    response = client.patch(f"/api/questions/{question['id']}/upvote", headers=stranger.headers)
    assert response.status_code == 404


def test_approve_publishes_the_question(app, client, monkeypatch, attendee, make_user, moderator, moderated):
    question_id = _ask(client, attendee, moderated).get_json()["id"]
    emits = record_emits(monkeypatch)
    approved = client.patch(f"/api/questions/{question_id}/approve", headers=moderator.headers)
    assert approved.status_code == 200 and approved.get_json()["status"] == "APPROVED"
    data, to = emits.only("questions_updated")
    assert to == room(moderated) and [q["id"] for q in data] == [question_id]
    assert _ids(client, make_user(), moderated) == [question_id]
    assert audit_actions(app, event_of(app, moderated)) == ["session.settings", "question.approve"]
    # Approving again changes nothing.
    emits.clear()
    assert client.patch(f"/api/questions/{question_id}/approve", headers=moderator.headers).status_code == 200
    assert emits.events() == []


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 200), ("admin", 200)])
def test_approve_permissions(client, users, attendee, moderated, role, status):
    question_id = _ask(client, attendee, moderated).get_json()["id"]
    assert client.patch(f"/api/questions/{question_id}/approve", headers=users[role]).status_code == status


def test_approve_unknown_question_is_not_found(client, moderator):
    response = client.patch("/api/questions/00000000-0000-4000-8000-000000000000/approve", headers=moderator.headers)
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_moderators_questions_skip_the_queue(client, moderator, make_user, moderated):
    question = _ask(client, moderator, moderated).get_json()
    assert question["status"] == "APPROVED"
    assert _ids(client, make_user(), moderated) == [question["id"]]


def test_questions_updated_never_carries_a_pending_question(
    client, monkeypatch, attendee, make_user, moderator, moderated
):
    visible = _ask(client, moderator, moderated, "visible").get_json()["id"]
    pending = _ask(client, attendee, moderated, "pending").get_json()["id"]
    emits = record_emits(monkeypatch)
    client.patch(f"/api/questions/{visible}/upvote", headers=make_user().headers)
    client.patch(f"/api/questions/{pending}/upvote", headers=attendee.headers)  # the author may upvote their own
    payloads = [data for event, data, _room in emits if event == "questions_updated"]
    assert len(payloads) == 2
    assert all([q["id"] for q in payload] == [visible] for payload in payloads)


def test_without_moderation_questions_are_approved(client, attendee, live_session):
    assert _ask(client, attendee, live_session).get_json()["status"] == "APPROVED"


# ---------------------------------------------------------------- poll results visibility


def _poll(client, moderator, session_id, visibility=None, active=True):
    body = {"sessionId": session_id, "question": "Best?", "options": ["A", "B"], "isActive": active}
    if visibility:
        body["resultsVisibility"] = visibility
    response = client.post("/api/polls", json=body, headers=moderator.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_results_visibility_defaults_to_live(client, moderator, attendee, live_session):
    poll = _poll(client, moderator, live_session)
    assert poll["resultsVisibility"] == "LIVE"
    voted = client.post(
        "/api/polls/vote", json={"pollId": poll["id"], "optionId": poll["options"][0]["id"]}, headers=attendee.headers
    )
    assert voted.get_json()["totalVotes"] == 1


def test_after_close_hides_counts_from_attendees_until_closed(client, moderator, attendee, make_user, live_session):
    poll = _poll(client, moderator, live_session, "AFTER_CLOSE")
    assert poll["resultsVisibility"] == "AFTER_CLOSE" and poll["totalVotes"] == 0  # moderators see counts
    body = {"pollId": poll["id"], "optionId": poll["options"][1]["id"]}
    voted = client.post("/api/polls/vote", json=body, headers=attendee.headers).get_json()
    assert voted["totalVotes"] is None and all(o["votes"] is None for o in voted["options"])
    assert voted["userVoteOptionId"] == poll["options"][1]["id"]  # one's own vote is no secret
    other = make_user()
    listed = client.get(f"/api/polls/session/{live_session}", headers=other.headers).get_json()[0]
    assert listed["totalVotes"] is None
    active = client.get(f"/api/polls/session/{live_session}/active", headers=other.headers).get_json()
    assert active["totalVotes"] is None
    staff = client.get(f"/api/polls/session/{live_session}", headers=moderator.headers).get_json()[0]
    assert staff["totalVotes"] == 1 and [o["votes"] for o in staff["options"]] == [0, 1]
    # Closing publishes.
    closed = client.patch(f"/api/polls/{poll['id']}/activate", json={"isActive": False}, headers=moderator.headers)
    assert closed.status_code == 200
    listed = client.get(f"/api/polls/session/{live_session}", headers=other.headers).get_json()[0]
    assert listed["totalVotes"] == 1 and [o["votes"] for o in listed["options"]] == [0, 1]


def test_after_close_room_events_hide_counts_and_moderators_get_them(
    client, monkeypatch, moderator, attendee, live_session
):
    poll = _poll(client, moderator, live_session, "AFTER_CLOSE")
    emits = record_emits(monkeypatch)
    body = {"pollId": poll["id"], "optionId": poll["options"][0]["id"]}
    client.post("/api/polls/vote", json=body, headers=attendee.headers)
    assert emits.events() == ["poll_updated", "poll_results"]
    public, to = emits.only("poll_updated")
    assert to == room(live_session) and public["totalVotes"] is None
    full, to = emits.only("poll_results")
    assert to == f"moderators:{live_session}" and full["totalVotes"] == 1
    emits.clear()
    client.patch(f"/api/polls/{poll['id']}/activate", json={"isActive": False}, headers=moderator.headers)
    assert emits.events() == ["poll_updated"]
    assert emits.only("poll_updated")[0]["totalVotes"] == 1


def test_results_visibility_is_validated(client, moderator, live_session):
    body = {"sessionId": live_session, "question": "Q", "options": ["A", "B"], "resultsVisibility": "NEVER"}
    response = client.post("/api/polls", json=body, headers=moderator.headers)
    assert response.status_code == 400 and "resultsVisibility" in response.get_json()["error"]["fields"]
