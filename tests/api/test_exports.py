"""CSV exports (SPEC §13): parsed back with the csv module."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import pytest

from plataforma.models import EventUser, Message, Question, SessionView, SurveyResponse
from plataforma.services import exports
from tests.api.content_helpers import T0, Rows, iso
from tests.api.interaction_support import seed_poll, seed_survey, seed_vote

KINDS = ("messages", "questions", "polls", "surveys", "viewers")


@pytest.fixture
def rows(app):
    return Rows(app)


@pytest.fixture
def session_id(rows):
    return rows.session(rows.event())


def parse(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


def test_cells_that_look_like_formulas_are_neutralised():
    for text in ("=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"):
        assert exports.cell(text) == "'" + text
    assert exports.cell("plain = text") == "plain = text"
    assert exports.cell(None) == "" and exports.cell(True) == "true" and exports.cell(3) == "3"
    assert exports.cell(T0) == "2030-05-01T09:00:00.000Z"


def test_rows_are_rfc_4180_and_streamed_in_chunks(monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    chunks = list(exports.csv_lines(["a", "b"], [(1, 'say "hi"'), (2, "x,y"), (3, "line\nbreak")]))
    assert len(chunks) == 2  # header + 2 rows, then the last row
    text = "".join(chunks)
    assert text.startswith('a,b\r\n1,"say ""hi"""\r\n2,"x,y"\r\n')
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["a", "b"],
        ["1", 'say "hi"'],
        ["2", "x,y"],
        ["3", "line\nbreak"],
    ]


ROLE_STATUS = {"anonymous": 401, "attendee": 403, "moderator": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLE_STATUS)
@pytest.mark.parametrize("kind", KINDS)
def test_session_exports_are_for_moderators(client, users, session_id, role, kind):
    response = client.get(f"/api/sessions/{session_id}/export/{kind}.csv", headers=users[role])
    assert response.status_code == ROLE_STATUS[role]
    if response.status_code == 200:
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == f'attachment; filename="session-{session_id}-{kind}.csv"'
        assert len(parse(response)) == 1  # the header row only


def test_unknown_kinds_and_draft_sessions_are_404(client, moderator, admin, rows, session_id):
    assert client.get(f"/api/sessions/{session_id}/export/secrets.csv", headers=moderator.headers).status_code == 404
    event_id = rows.event()
    assert client.get(f"/api/events/{event_id}/export/messages.csv", headers=moderator.headers).status_code == 404
    draft_event = rows.event(project_status="DRAFT")
    draft = rows.session(draft_event)
    assert client.get(f"/api/sessions/{draft}/export/messages.csv", headers=moderator.headers).status_code == 404
    assert client.get(f"/api/events/{draft_event}/export/attendance.csv", headers=moderator.headers).status_code == 404
    assert client.get(f"/api/sessions/{draft}/export/messages.csv", headers=admin.headers).status_code == 200


def test_messages_export(client, moderator, make_user, rows, session_id):
    author = make_user(name="Zoë, the tester")
    sid, uid = uuid.UUID(session_id), uuid.UUID(author.id)
    rows.add(Message, session_id=sid, user_id=uid, text='=HYPERLINK("http://evil")', created_at=T0)
    rows.add(
        Message, session_id=sid, user_id=uid, text="Olá, café ☕", created_at=T0 + timedelta(seconds=1), is_pinned=True
    )
    response = client.get(f"/api/sessions/{session_id}/export/messages.csv", headers=moderator.headers)
    header, first, second = parse(response)
    assert header == ["id", "createdAt", "userId", "userName", "text", "isPinned", "isDeleted"]
    assert first[1:] == [iso(T0), author.id, "Zoë, the tester", '\'=HYPERLINK("http://evil")', "false", "false"]
    assert second[4:] == ["Olá, café ☕", "true", "false"]


def test_questions_polls_and_surveys_exports(client, moderator, make_user, app, rows, session_id):
    voter = make_user(name="Voter")
    rows.add(Question, session_id=uuid.UUID(session_id), user_id=uuid.UUID(voter.id), text="-1 or +1?", upvotes=2)
    poll = seed_poll(app, session_id, options=("Tea", "@Coffee"), question="Best?")
    seed_vote(app, poll, 0, voter.id)
    survey = seed_survey(app, session_id)
    rows.add(
        SurveyResponse,
        survey_id=uuid.UUID(survey["id"]),
        user_id=uuid.UUID(voter.id),
        responses={survey["rating"]: 5, survey["text"]: "=cmd|' /C calc'!A0"},
    )
    questions = parse(client.get(f"/api/sessions/{session_id}/export/questions.csv", headers=moderator.headers))
    assert questions[1][3:6] == ["Voter", "'-1 or +1?", "2"]
    polls = parse(client.get(f"/api/sessions/{session_id}/export/polls.csv", headers=moderator.headers))
    assert [(row[2], row[5], row[6]) for row in polls[1:]] == [("Best?", "Tea", "1"), ("Best?", "'@Coffee", "0")]
    surveys = parse(client.get(f"/api/sessions/{session_id}/export/surveys.csv", headers=moderator.headers))
    assert surveys[0][-3:] == ["fieldId", "question", "answer"]
    answers = {row[7]: row[8] for row in surveys[1:]}
    assert answers == {"Rate it": "5", "Comments": "'=cmd|' /C calc'!A0"}
    assert {row[0] for row in surveys[1:]} == {survey["id"]} and surveys[1][4] == "Voter"


def test_viewers_and_attendance_exports(client, moderator, make_user, rows):
    event_id = rows.event()
    session_id = rows.session(event_id)
    viewer = make_user(name="Watcher")
    uid = uuid.UUID(viewer.id)
    rows.add(
        SessionView, session_id=uuid.UUID(session_id), user_id=uid, joined_at=T0, left_at=T0 + timedelta(minutes=5)
    )
    rows.add(
        SessionView,
        session_id=uuid.UUID(session_id),
        user_id=uid,
        joined_at=T0 + timedelta(minutes=1),
        left_at=T0 + timedelta(minutes=6),
    )
    rows.add(
        EventUser,
        event_id=uuid.UUID(event_id),
        user_id=uid,
        joined_at=T0,
        left_at=T0 + timedelta(minutes=6),
        watch_time=360,
        engagement_score=6.0,
    )
    viewers = parse(client.get(f"/api/sessions/{session_id}/export/viewers.csv", headers=moderator.headers))
    assert viewers == [
        ["userId", "name", "joinedAt", "leftAt", "watchSeconds", "live"],
        [viewer.id, "Watcher", iso(T0), iso(T0 + timedelta(minutes=6)), "360", "false"],
    ]
    response = client.get(f"/api/events/{event_id}/export/attendance.csv", headers=moderator.headers)
    assert response.headers["Content-Disposition"] == f'attachment; filename="event-{event_id}-attendance.csv"'
    assert parse(response) == [
        ["userId", "name", "joinedAt", "leftAt", "watchSeconds", "engagementScore"],
        [viewer.id, "Watcher", iso(T0), iso(T0 + timedelta(minutes=6)), "360", "6.0"],
    ]


def test_a_big_export_streams_in_many_chunks(client, moderator, make_user, rows, session_id, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 50)
    author = make_user()
    sid, uid = uuid.UUID(session_id), uuid.UUID(author.id)
    rows.add_many(
        Message,
        [
            {"session_id": sid, "user_id": uid, "text": f"m{i}", "created_at": T0 + timedelta(seconds=i)}
            for i in range(420)
        ],
    )
    response = client.get(f"/api/sessions/{session_id}/export/messages.csv", headers=moderator.headers, buffered=False)
    assert response.is_streamed
    chunks = [chunk for chunk in response.response if chunk]
    response.close()
    assert len(chunks) == 9  # 420 rows / 50 per chunk, plus the rest
    text = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode()
    assert [row[4] for row in csv.reader(io.StringIO(text, newline=""))][1:] == [f"m{i}" for i in range(420)]
