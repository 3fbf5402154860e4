"""The dashboard's moderation (SPEC §15): settings form, pending queue, bans from chat and questions
(10 min / 1 h / event) with "lift", the audit log page. Usable without JavaScript (forms + CSRF)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import EventBan, EventSession, Question, utcnow
from plataforma.values import as_utc


def _event_of(app, session_id) -> str:
    with app.app_context():
        return str(db.session.get(EventSession, uuid.UUID(session_id)).event_id)


def _ban_of(app, user_id):
    with app.app_context():
        ban = db.session.scalar(sa.select(EventBan).where(EventBan.user_id == uuid.UUID(user_id)))
        db.session.expunge_all()
        return ban


def test_the_console_shows_the_moderation_and_pending_panels(mod, live_session):
    page = mod.get(f"/moderator/sessions/{live_session}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="moderation"' in html and 'id="pending"' in html
    assert "moderator-moderation.js" in html and "<script>" not in html  # no inline script
    assert f"/moderator/sessions/{live_session}/settings" in html


def test_settings_form_without_javascript(app, mod, live_session, emits):
    form = {
        "chat_enabled": "true",
        "question_moderation": "true",
        "slow_mode_seconds": "15",
        "blocked_terms": "spam\r\nfree money\r\n\r\n",
    }
    response = mod.post(f"/moderator/sessions/{live_session}/settings", form)
    assert response.status_code == 303 and response.headers["Location"].endswith("#moderation")
    with app.app_context():
        settings = db.session.get(EventSession, uuid.UUID(live_session)).settings
    assert settings == {
        "chat_enabled": True,
        "slow_mode_seconds": 15,
        "questions_enabled": False,  # an unticked box is "off"
        "question_moderation": True,
        "anonymous_questions": False,
        "blocked_terms": ["spam", "free money"],
    }
    assert [name for name, _data, _room in emits if name == "session_settings"] == ["session_settings"]
    html = mod.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert "Session settings saved." in html and "free money" in html


def test_settings_form_errors(mod, live_session):
    response = mod.post(f"/moderator/sessions/{live_session}/settings", {"slow_mode_seconds": "99999"}, as_json=True)
    assert response.status_code == 400 and "slowModeSeconds" in response.get_json()["error"]["fields"]
    response = mod.post(f"/moderator/sessions/{live_session}/settings", {"slow_mode_seconds": "soon"}, as_json=True)
    assert response.status_code == 400


def test_settings_need_the_csrf_token(mod, live_session):
    response = mod.post(f"/moderator/sessions/{live_session}/settings", {"chat_enabled": "true"}, csrf=False)
    assert response.status_code == 400


def test_pending_queue_approve_and_hide(app, mod, seed, client, moderator, attendee, live_session):
    client.patch(f"/api/sessions/{live_session}/settings", json={"questionModeration": True}, headers=moderator.headers)
    first = seed.question(live_session, attendee, "First pending?")
    second = seed.question(live_session, attendee, "Second pending?")
    page = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert f'data-pending-id="{first}"' in page and f'data-pending-id="{second}"' in page
    assert f'id="question-{first}"' not in page  # not among the published questions yet

    response = mod.post(f"/moderator/sessions/{live_session}/questions/{first}/approve")
    assert response.status_code == 303
    assert seed.get(Question, first).status.value == "APPROVED"
    answer = mod.post(f"/moderator/sessions/{live_session}/questions/{second}/hide", {"hidden": "true"}, as_json=True)
    assert answer.status_code == 200 and seed.get(Question, second).is_hidden is True
    fragment = mod.get(f"/moderator/sessions/{live_session}/moderation-panel?part=pending").get_data(as_text=True)
    assert "data-pending-id" not in fragment
    page = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert f'id="question-{first}"' in page


@pytest.mark.parametrize("duration, seconds", [("600", 600), ("3600", 3600), ("event", None)])
def test_ban_from_a_chat_message(app, mod, seed, attendee, live_session, duration, seconds):
    message_id = seed.message(live_session, attendee)
    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert f"/moderator/sessions/{live_session}/messages/{message_id}/ban" in html
    response = mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/ban", {"duration": duration})
    assert response.status_code == 303
    ban = _ban_of(app, attendee.id)
    assert str(ban.event_id) == _event_of(app, live_session)
    if seconds is None:
        assert ban.until is None
    else:
        left = as_utc(ban.until) - utcnow()
        assert timedelta(seconds=seconds - 60) < left <= timedelta(seconds=seconds)


def test_ban_from_a_question_then_lift(app, mod, seed, attendee, live_session):
    question_id = seed.question(live_session, attendee)
    answer = mod.post(
        f"/moderator/sessions/{live_session}/questions/{question_id}/ban", {"duration": "event"}, as_json=True
    )
    assert answer.status_code == 200 and answer.get_json()["data"]["ban"]["userId"] == attendee.id
    panel = mod.get(f"/moderator/sessions/{live_session}/moderation-panel?part=settings").get_data(as_text=True)
    assert f'data-ban-user="{attendee.id}"' in panel and "until lifted" in panel
    response = mod.post(f"/moderator/sessions/{live_session}/bans/{attendee.id}/lift")
    assert response.status_code == 303 and _ban_of(app, attendee.id) is None
    again = mod.post(f"/moderator/sessions/{live_session}/bans/{attendee.id}/lift", as_json=True)
    assert again.status_code == 404


def test_staff_cannot_be_banned_from_the_dashboard(app, mod, seed, make_user, live_session):
    other = make_user("MODERATOR")
    message_id = seed.message(live_session, other)
    url = f"/moderator/sessions/{live_session}/messages/{message_id}/ban"
    answer = mod.post(url, {"duration": "600"}, as_json=True)
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "cannot_ban_staff"
    bad = mod.post(url, {"duration": "forever"}, as_json=True)
    assert bad.status_code == 400


def test_the_audit_log_page(app, mod, seed, attendee, live_session):
    message_id = seed.message(live_session, attendee)
    mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/pin")
    mod.post(f"/moderator/sessions/{live_session}/messages/{message_id}/ban", {"duration": "600"})
    page = mod.get(f"/moderator/events/{_event_of(app, live_session)}/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("user.ban") < html.index("message.pin")  # newest first
    assert mod.get(f"/moderator/events/{uuid.uuid4()}/audit").status_code == 404


def test_attendees_and_strangers_are_kept_out(dashboard, attendee, live_session, app):
    board = dashboard(None)
    assert board.get(f"/moderator/events/{_event_of(app, live_session)}/audit").status_code in (302, 303)
    assert board.post(f"/moderator/sessions/{live_session}/settings", csrf=False).status_code in (302, 303, 400)
