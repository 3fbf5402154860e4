"""Dashboard pages: events (live first), an event's sessions, the live session console."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from plataforma.extensions import db
from plataforma.models import Message

MISSING = "00000000-0000-4000-8000-000000000000"


def titles(html: str, css_class: str = "list__title") -> list[str]:
    return re.findall(rf'<span class="{css_class}">([^<]*)</span>', html)


def test_events_are_listed_live_first_then_newest(mod, content):
    base = datetime(2030, 5, 1, tzinfo=UTC)
    project = content.project()
    content.event(project, status="ENDED", title="Old ended", start_time=base - timedelta(days=30))
    content.event(project, status="SCHEDULED", title="Next week", start_time=base + timedelta(days=7))
    content.event(project, status="LIVE", title="On air", start_time=base)
    content.event(project, status="SCHEDULED", title="Next month", start_time=base + timedelta(days=30))
    html = mod.get("/moderator").get_data(as_text=True)
    assert titles(html) == ["On air", "Next month", "Next week", "Old ended"]
    assert "is-live" in html and "status--live" in html


def test_draft_projects_are_hidden_from_moderators_but_not_admins(dashboard, moderator, admin, content):
    content.event(title="Published", project_status="LIVE")
    draft_event = content.event(title="Secret draft", project_status="DRAFT")
    assert titles(dashboard(moderator).get("/moderator").get_data(as_text=True)) == ["Published"]
    admin_board = dashboard(admin)
    admin_html = admin_board.get("/moderator").get_data(as_text=True)
    assert sorted(titles(admin_html)) == ["Published", "Secret draft"] and "draft project" in admin_html
    assert dashboard(moderator).get(f"/moderator/events/{draft_event}").status_code == 404
    assert admin_board.get(f"/moderator/events/{draft_event}").status_code == 200


def test_events_page_has_an_empty_state(mod):
    html = mod.get("/moderator").get_data(as_text=True)
    assert "No events yet" in html


def test_events_are_paginated(mod, content):
    project = content.project()
    for n in range(51):
        content.event(project, status="ENDED", title=f"Event {n:02d}")
    first = mod.get("/moderator").get_data(as_text=True)
    second = mod.get("/moderator?page=2").get_data(as_text=True)
    assert len(titles(first)) == 50 and len(titles(second)) == 1
    assert "Older ›" in first and "‹ Newer" in second
    assert "No events on this page" in mod.get("/moderator?page=9").get_data(as_text=True)


def test_event_page_lists_its_sessions_in_running_order(mod, content):
    event_id = content.event(title="Summit")
    base = datetime(2030, 5, 1, 9, tzinfo=UTC)
    late = content.session(event_id, title="Closing", start_time=base + timedelta(hours=8), speaker="Bea")
    early = content.session(event_id, title="Keynote", start_time=base, speaker="Ana")
    content.session(title="Other event's session")
    html = mod.get(f"/moderator/events/{event_id}").get_data(as_text=True)
    assert titles(html) == ["Keynote", "Closing"]
    assert html.index(f"/moderator/sessions/{early}") < html.index(f"/moderator/sessions/{late}")
    assert "Ana" in html and "Summit" in html


def test_event_without_sessions_shows_an_empty_state(mod, content):
    html = mod.get(f"/moderator/events/{content.event()}").get_data(as_text=True)
    assert "No sessions yet" in html


@pytest.mark.parametrize("path", ["/moderator/events/{id}", "/moderator/sessions/{id}"])
@pytest.mark.parametrize("ident", [MISSING, "not-a-uuid"])
def test_unknown_pages_are_a_404_page(mod, path, ident):
    response = mod.get(path.format(id=ident))
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "not found" in response.get_data(as_text=True).lower()


def test_unknown_dashboard_urls_render_the_html_error_page(mod):
    response = mod.get("/moderator/nope")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Back to events" in response.get_data(as_text=True)


def test_draft_sessions_are_404_for_moderators_and_open_for_admins(dashboard, moderator, admin, draft_session):
    assert dashboard(moderator).get(f"/moderator/sessions/{draft_session}").status_code == 404
    assert dashboard(admin).get(f"/moderator/sessions/{draft_session}").status_code == 200


def test_empty_session_console_explains_every_panel(mod, live_session):
    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert "No messages yet." in html and "No questions yet." in html and "No polls yet." in html
    # The empty-state blocks are visible (not hidden) when there is nothing to show.
    assert re.search(r'data-empty="chat"\s*>', html)


def _ids_in_order(html: str, attr: str) -> list[str]:
    return re.findall(rf'<li class="[^"]*"\s+id="[a-z]+-([0-9a-f-]{{36}})" {attr}=', html)


def test_chat_is_newest_first_with_pinned_on_top_and_deleted_marked(app, mod, seed, live_session, attendee):
    first = seed.message(live_session, attendee, "first")
    second = seed.message(live_session, attendee, "second")
    third = seed.message(live_session, attendee, "third")
    gone = seed.message(live_session, attendee, "rude words")
    with app.app_context():  # distinct times, so the order does not depend on clock resolution
        base = datetime(2030, 1, 1, tzinfo=UTC)
        for n, message_id in enumerate([first, second, third, gone]):
            message = db.session.get(Message, uuid.UUID(message_id))
            message.created_at = base + timedelta(seconds=n)
        db.session.get(Message, uuid.UUID(first)).is_pinned = True
        db.session.get(Message, uuid.UUID(gone)).is_deleted = True
        db.session.commit()
    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert _ids_in_order(html, "data-message-id") == [first, gone, third, second]
    deleted_item = re.search(rf'<li class="msg is-deleted"\s+id="msg-{gone}"', html)
    assert deleted_item, "deleted messages stay visible to moderators, marked"
    assert re.search(rf'<li class="msg is-pinned"\s+id="msg-{first}"', html)
    assert 'data-count="chat">3<' in html  # deleted ones do not count


def test_questions_are_by_upvotes_with_hidden_and_answered_shown(app, mod, seed, live_session, attendee, make_user):
    voters = [make_user() for _ in range(2)]
    low = seed.question(live_session, attendee, "low")
    top = seed.question(live_session, attendee, "top")
    hidden = seed.question(live_session, attendee, "hidden one")
    for voter in voters:
        seed.upvote(top, voter)
    seed.upvote(hidden, voters[0])
    from plataforma.models import Question

    with app.app_context():
        db.session.get(Question, uuid.UUID(hidden)).is_hidden = True
        db.session.get(Question, uuid.UUID(low)).is_answered = True
        db.session.commit()
    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert _ids_in_order(html, "data-question-id") == [top, hidden, low]
    assert re.search(rf'<li class="question is-hidden"\s+id="question-{hidden}"', html)
    assert re.search(rf'<li class="question is-answered"\s+id="question-{low}"', html)
    assert 'data-count="questions">1<' in html  # open = neither answered nor hidden


def test_polls_show_result_bars_with_counts_and_percentages(mod, seed, live_session, moderator, make_user):
    poll_id = seed.poll(live_session, moderator, "Pizza or tacos?", ["Pizza", "Tacos", "Neither"], active=True)
    for index in (0, 0, 1):
        seed.vote(poll_id, make_user(), index)
    closed = seed.poll(live_session, moderator, "Older poll")
    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert html.index(f'id="poll-{poll_id}"') < html.index(f'id="poll-{closed}"')  # the live one first
    assert re.search(rf'<article class="poll is-active" id="poll-{poll_id}"', html)
    bars = re.findall(
        r'<span data-field="votes">(\d+)</span> · <span data-field="percent">(\d+)</span>%</span>\s*</div>\s*'
        r'<progress class="bar__meter" data-field="meter" max="(\d+)" value="(\d+)">',
        html.split('<template id="tpl-message">')[0],  # the page, not the empty item templates
    )
    assert bars[:3] == [("2", "67", "3", "2"), ("1", "33", "3", "1"), ("0", "0", "3", "0")]
    assert bars[3:] == [("0", "0", "1", "0"), ("0", "0", "1", "0")]  # no votes: an empty bar, never max=0


def test_user_text_is_escaped_everywhere(mod, seed, live_session, make_user, moderator):
    evil = make_user(name="<img src=x onerror=alert(1)>")
    payload = "<script>alert('x')</script><b>bold</b>"
    seed.message(live_session, evil, payload)
    seed.question(live_session, evil, payload)
    seed.poll(live_session, moderator, payload, [payload, "<i>two</i>"])
    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bold</b>" not in html and "<img src=x" not in html
    assert "<i>two</i>" not in html
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"
    assert html.count(escaped) == 4  # message, question, poll question, poll option
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_console_is_wired_for_live_updates_without_inline_code(mod, live_session):
    response = mod.get(f"/moderator/sessions/{live_session}")
    html = response.get_data(as_text=True)
    assert f'data-session-id="{live_session}"' in html
    assert re.search(r'data-socket-token="[\w-]+\.[\w-]+\.[\w-]+"', html)
    assert '<script src="/static/vendor/socket.io.min.js"' in html
    assert '<script src="/static/moderator.js"' in html
    assert "<script>" not in html and " style=" not in html and " on" + "click=" not in html
    for template in ("tpl-message", "tpl-question", "tpl-poll", "tpl-poll-option"):
        assert f'<template id="{template}">' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_every_form_on_the_console_carries_a_csrf_token(mod, seed, live_session, attendee, moderator):
    seed.message(live_session, attendee)
    seed.question(live_session, attendee)
    seed.poll(live_session, moderator)
    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    forms = re.findall(r"<form\b.*?</form>", html, flags=re.S)
    assert len(forms) >= 10
    for form in forms:
        assert 'name="csrf_token" value="' in form, form


def test_the_vendored_socket_io_client_is_served(client):
    response = client.get("/static/vendor/socket.io.min.js")
    assert response.status_code == 200
    assert b"Socket.IO v4" in response.data[:200]
    response.close()


def test_the_console_reads_a_bounded_number_of_queries(
    mod, app, seed, live_session, attendee, moderator, count_queries
):
    def measure() -> int:
        with count_queries() as queries:
            assert mod.get(f"/moderator/sessions/{live_session}").status_code == 200
        return queries.count

    seed.message(live_session, attendee)
    seed.question(live_session, attendee)
    seed.poll(live_session, moderator)
    small = measure()
    for n in range(10):
        seed.message(live_session, attendee, f"more {n}")
        seed.question(live_session, attendee, f"more {n}")
        seed.poll(live_session, moderator, f"Poll {n}")
    assert measure() == small
