"""Dashboard actions go through the services: the change is stored, the same Socket.IO event
as the REST API is broadcast to the session room, and the moderator sees feedback."""

from __future__ import annotations

import pytest

from plataforma.models import Message, Poll, Question

MISSING = "00000000-0000-4000-8000-000000000000"


def room(session_id) -> str:
    return f"session:{session_id}"


def console(session_id, anchor: str) -> str:
    return f"/moderator/sessions/{session_id}#{anchor}"


def followed(board, response) -> str:
    return board.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)


# ---------------------------------------------------------------- chat


def test_pin_and_unpin(mod, seed, live_session, attendee, emits):
    message_id = seed.message(live_session, attendee)
    url = f"/moderator/sessions/{live_session}/messages/{message_id}/pin"
    emits.clear()

    response = mod.post(url)
    assert response.status_code == 303 and response.headers["Location"] == console(live_session, "chat")
    assert seed.get(Message, message_id).is_pinned is True
    assert emits.named("message_pinned") == [({"messageId": message_id, "isPinned": True}, room(live_session))]
    assert "Message pinned" in followed(mod, response)

    emits.clear()
    response = mod.post(url)
    assert seed.get(Message, message_id).is_pinned is False
    assert emits.named("message_pinned") == [({"messageId": message_id, "isPinned": False}, room(live_session))]
    assert "Message unpinned." in followed(mod, response)


def test_delete_keeps_the_message_visible_to_moderators(mod, seed, live_session, attendee, emits, client):
    message_id = seed.message(live_session, attendee, "spam spam")
    emits.clear()
    response = mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/delete")
    assert response.status_code == 303
    assert seed.get(Message, message_id).is_deleted is True
    assert emits.named("message_deleted") == [({"messageId": message_id}, room(live_session))]
    html = followed(mod, response)
    assert "Message deleted" in html and "spam spam" in html and "is-deleted" in html
    # ...while attendees no longer get it from the API.
    listed = client.get(f"/api/messages/session/{live_session}", headers=attendee.headers).get_json()
    assert [m["id"] for m in listed] == []


def test_a_deleted_message_cannot_be_pinned(mod, seed, live_session, attendee, emits):
    message_id = seed.message(live_session, attendee)
    mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/delete")
    emits.clear()
    response = mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/pin")
    assert response.status_code == 303
    assert "A deleted message cannot be pinned." in followed(mod, response)
    assert emits == []
    as_json = mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/pin", as_json=True)
    assert as_json.status_code == 409 and as_json.get_json()["error"]["code"] == "message_deleted"


def test_pin_answers_json_to_the_page_script(mod, seed, live_session, attendee):
    message_id = seed.message(live_session, attendee, "<b>hi</b>")
    response = mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/pin", as_json=True)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["notice"].startswith("Message pinned")
    assert body["data"]["message"]["id"] == message_id
    assert body["data"]["message"]["isPinned"] is True
    assert body["data"]["message"]["text"] == "<b>hi</b>"  # JSON carries it as typed; the page writes textContent


@pytest.mark.parametrize("kind", ["messages/{id}/pin", "messages/{id}/delete"])
def test_messages_of_another_session_are_not_found_here(mod, seed, content, attendee, live_session, kind, emits):
    other_message = seed.message(content.session(), attendee)
    emits.clear()
    url = f"/moderator/sessions/{live_session}/" + kind.format(id=other_message)
    response = mod.post(url)
    assert response.status_code == 303 and "Message not found." in followed(mod, response)
    assert mod.post(url, as_json=True).status_code == 404
    message = seed.get(Message, other_message)
    assert (message.is_pinned, message.is_deleted) == (False, False)
    assert emits == []


@pytest.mark.parametrize("message_id", [MISSING, "nope"])
def test_unknown_messages_are_404(mod, live_session, message_id):
    response = mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/pin", as_json=True)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_actions_in_an_invisible_session_are_a_404_page(mod, seed, draft_session, admin):
    response = mod.post(f"/moderator/sessions/{draft_session}/messages/{MISSING}/pin")
    assert response.status_code == 404 and "Session not found." in response.get_data(as_text=True)


# ---------------------------------------------------------------- questions


def test_answer_and_reopen_a_question(mod, seed, live_session, attendee, emits):
    question_id = seed.question(live_session, attendee)
    url = f"/moderator/sessions/{live_session}/questions/{question_id}/answer"
    emits.clear()
    response = mod.post(url, {"answered": "true"})
    assert response.status_code == 303 and response.headers["Location"] == console(live_session, "questions")
    assert seed.get(Question, question_id).is_answered is True
    [(payload, to)] = emits.named("questions_updated")
    assert to == room(live_session) and payload[0]["id"] == question_id and payload[0]["isAnswered"] is True
    assert "Question marked as answered." in followed(mod, response)

    response = mod.post(url, {"answered": "false"})
    assert seed.get(Question, question_id).is_answered is False
    assert "Question reopened." in followed(mod, response)


def test_answer_without_a_value_means_answered(mod, seed, live_session, attendee):
    question_id = seed.question(live_session, attendee)
    mod.post(f"/moderator/sessions/{live_session}/questions/{question_id}/answer")
    assert seed.get(Question, question_id).is_answered is True


def test_hide_and_unhide_a_question(mod, seed, live_session, attendee, emits, client):
    question_id = seed.question(live_session, attendee)
    url = f"/moderator/sessions/{live_session}/questions/{question_id}/hide"
    emits.clear()
    response = mod.post(url, {"hidden": "true"})
    assert seed.get(Question, question_id).is_hidden is True
    assert emits.named("questions_updated") == [([], room(live_session))]  # attendees' list: now empty
    assert "Question hidden from attendees." in followed(mod, response)
    assert client.get(f"/api/questions/session/{live_session}", headers=attendee.headers).get_json() == []

    response = mod.post(url, {"hidden": "false"}, as_json=True)
    assert response.status_code == 200
    assert response.get_json()["data"]["question"]["isHidden"] is False
    assert response.get_json()["notice"] == "Question visible to attendees again."
    assert seed.get(Question, question_id).is_hidden is False


def test_a_nonsense_flag_is_a_400(mod, seed, live_session, attendee):
    question_id = seed.question(live_session, attendee)
    response = mod.post(
        f"/moderator/sessions/{live_session}/questions/{question_id}/hide", {"hidden": "maybe"}, as_json=True
    )
    assert response.status_code == 400 and response.get_json()["error"]["fields"] == {
        "hidden": ["Must be true or false."]
    }
    response = mod.post(f"/moderator/sessions/{live_session}/questions/{question_id}/hide", {"hidden": "maybe"})
    assert "hidden must be true or false." in followed(mod, response)
    assert seed.get(Question, question_id).is_hidden is False


def test_questions_of_another_session_are_not_found_here(mod, seed, content, attendee, live_session):
    other = seed.question(content.session(), attendee)
    response = mod.post(f"/moderator/sessions/{live_session}/questions/{other}/answer", as_json=True)
    assert response.status_code == 404
    assert seed.get(Question, other).is_answered is False


# ---------------------------------------------------------------- polls


def test_create_a_poll(mod, seed, live_session, emits):
    emits.clear()
    response = mod.post(
        f"/moderator/sessions/{live_session}/polls",
        {"question": "  Next topic?  ", "option": ["Scaling", "", "Security", "  ", "Costs"]},
    )
    assert response.status_code == 303 and response.headers["Location"] == console(live_session, "polls")
    [(payload, to)] = emits.named("poll_updated")
    assert to == room(live_session)
    assert payload["question"] == "Next topic?" and payload["isActive"] is False
    assert [o["text"] for o in payload["options"]] == ["Scaling", "Security", "Costs"]
    html = followed(mod, response)
    assert "Poll created (not active)." in html and "Next topic?" in html


def test_create_a_poll_that_is_live_at_once_closes_the_live_one(mod, seed, live_session, moderator, emits):
    old = seed.poll(live_session, moderator, active=True)
    emits.clear()
    response = mod.post(
        f"/moderator/sessions/{live_session}/polls",
        {"question": "Now?", "option": ["Yes", "No"], "is_active": "true"},
        as_json=True,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["notice"].startswith("Poll created and live")
    assert [(p["question"], p["isActive"]) for p in body["data"]["polls"]] == [("Now?", True), ("Best talk?", False)]
    assert seed.get(Poll, old).is_active is False
    assert sorted(p["isActive"] for p, _ in emits.named("poll_updated")) == [False, True]


@pytest.mark.parametrize(
    "form, field",
    [
        ({"question": "", "option": ["A", "B"]}, "question"),
        ({"question": "One option?", "option": ["Only", "", ""]}, "options"),
        ({"question": "Dupes?", "option": ["Same", "same"]}, "options"),
        ({"question": "Too many?", "option": [f"O{n}" for n in range(11)]}, "options"),
        ({"question": "Long?", "option": ["A", "B" * 201]}, "options"),
        ({"question": "Q" * 501, "option": ["A", "B"]}, "question"),
    ],
)
def test_invalid_polls_are_refused_with_the_form_kept(mod, live_session, emits, form, field):
    emits.clear()
    url = f"/moderator/sessions/{live_session}/polls"
    response = mod.post(url, form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The poll is not valid" in html and "has-error" in html
    if form["question"] and len(form["question"]) < 100:
        assert f'value="{form["question"]}"' in html  # what was typed is still there
    as_json = mod.post(url, form, as_json=True)
    assert as_json.status_code == 400 and field in as_json.get_json()["error"]["fields"]
    assert emits == []
    assert "No polls yet." in mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)


def test_activate_and_close_a_poll_one_live_at_a_time(mod, seed, live_session, moderator, emits):
    first = seed.poll(live_session, moderator, "First?", active=True)
    second = seed.poll(live_session, moderator, "Second?")
    emits.clear()
    response = mod.post(f"/moderator/sessions/{live_session}/polls/{second}/activate", {"active": "true"})
    assert response.status_code == 303 and response.headers["Location"] == console(live_session, "polls")
    assert (seed.get(Poll, first).is_active, seed.get(Poll, second).is_active) == (False, True)
    updates = {p["id"]: p["isActive"] for p, to in emits.named("poll_updated") if to == room(live_session)}
    assert updates == {first: False, second: True}
    assert "Poll is live" in followed(mod, response)

    # Submitting the same form twice keeps it live (an explicit state, not a toggle).
    mod.post(f"/moderator/sessions/{live_session}/polls/{second}/activate", {"active": "true"})
    assert seed.get(Poll, second).is_active is True

    response = mod.post(
        f"/moderator/sessions/{live_session}/polls/{second}/activate", {"active": "false"}, as_json=True
    )
    assert response.get_json()["notice"] == "Poll closed."
    assert [p["isActive"] for p in response.get_json()["data"]["polls"]] == [False, False]
    assert seed.get(Poll, second).is_active is False


def test_polls_of_another_session_are_not_found_here(mod, seed, content, moderator, live_session):
    other = seed.poll(content.session(), moderator)
    response = mod.post(f"/moderator/sessions/{live_session}/polls/{other}/activate", {"active": "true"})
    assert "Poll not found." in followed(mod, response)
    assert seed.get(Poll, other).is_active is False


def test_an_admin_acts_in_a_draft_session(dashboard, admin, seed, draft_session, attendee, moderator):
    board = dashboard(admin)
    poll_id = seed.poll(draft_session, admin)
    response = board.post(f"/moderator/sessions/{draft_session}/polls/{poll_id}/activate", {"active": "true"})
    assert response.status_code == 303
    assert seed.get(Poll, poll_id).is_active is True
