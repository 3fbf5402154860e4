"""/api/events: listing, /live, lookup by id or slug, slugs, admin changes."""

from __future__ import annotations

import uuid

import pytest

from plataforma.models import Event, EventSession, Room, Stream
from plataforma.services import content as content_service
from tests.api.content_helpers import READ, ROLES, Rows, admin_only, at, error_code, error_fields, iso

EVENT_KEYS = [
    "id",
    "projectId",
    "title",
    "description",
    "slug",
    "status",
    "startTime",
    "endTime",
    "category",
    "tags",
    "allowGuests",
]


@pytest.fixture
def rows(app):
    return Rows(app)


@pytest.fixture
def project(rows):
    return rows.project("LIVE")


def create(client, admin, project, **fields):
    return client.post("/api/events", json={"projectId": project, "title": "Event", **fields}, headers=admin.headers)


# Role matrix


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["", "/live", "/{id}", "/{slug}"])
def test_reads_need_a_token(client, users, rows, project, role, path):
    event_id = rows.event(project, status="LIVE", slug="the-event")
    response = client.get("/api/events" + path.format(id=event_id, slug="the-event"), headers=users[role])
    assert response.status_code == READ[role]


@pytest.mark.parametrize("role", ROLES)
def test_create_event_is_admin_only(client, users, project, role):
    response = client.post("/api/events", json={"projectId": project, "title": "T"}, headers=users[role])
    assert response.status_code == admin_only(201)[role]


@pytest.mark.parametrize("role", ROLES)
def test_update_event_is_admin_only(client, users, rows, project, role):
    event_id = rows.event(project)
    response = client.patch(f"/api/events/{event_id}", json={"title": "New"}, headers=users[role])
    assert response.status_code == admin_only(200)[role]


@pytest.mark.parametrize("role", ROLES)
def test_delete_event_is_admin_only(client, users, rows, project, role):
    event_id = rows.event(project)
    response = client.delete(f"/api/events/{event_id}", headers=users[role])
    assert response.status_code == admin_only(204)[role]
    assert rows.exists(Event, event_id) == (role != "admin")


# Create


def test_create_event_shape_and_defaults(client, admin, project):
    response = create(client, admin, project, title="Opening Keynote")
    assert response.status_code == 201
    body = response.get_json()
    assert list(body) == EVENT_KEYS
    assert body["projectId"] == project
    assert body["slug"] == "opening-keynote"
    assert body["status"] == "SCHEDULED"
    assert body["description"] is None and body["startTime"] is None and body["endTime"] is None
    assert client.get(f"/api/events/{body['id']}", headers=admin.headers).get_json() == body


def test_times_are_stored_and_returned_in_utc(client, admin, project):
    response = create(client, admin, project, startTime="2030-05-01T11:00:00+02:00", endTime="2030-05-01T10:30:00Z")
    assert response.status_code == 201
    body = response.get_json()
    assert body["startTime"] == iso(at(0)) == "2030-05-01T09:00:00.000Z"
    assert body["endTime"] == "2030-05-01T10:30:00.000Z"


def test_end_time_equal_to_start_time_is_allowed(client, admin, project):
    response = create(client, admin, project, startTime=iso(at(1)), endTime=iso(at(1)))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"projectId": None}, "projectId"),
        ({"title": None}, "title"),
        ({"title": "  "}, "title"),
        ({"projectId": "nope"}, "projectId"),
        ({"status": "RUNNING"}, "status"),
        ({"startTime": "tomorrow"}, "startTime"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "double--hyphen"}, "slug"),
        ({"slug": "live"}, "slug"),
        ({"slug": str(uuid.uuid4())}, "slug"),
        ({"startTime": "2030-05-01T10:00:00Z", "endTime": "2030-05-01T09:59:59Z"}, "endTime"),
        ({"speaker": "someone"}, "speaker"),
        ({"id": str(uuid.uuid4())}, "id"),
    ],
)
def test_create_event_validation(client, admin, project, fields, field):
    payload = {"projectId": project, "title": "Event", **fields}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = client.post("/api/events", json=payload, headers=admin.headers)
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert field in error_fields(response)


def test_create_event_in_unknown_project_is_404(client, admin):
    response = create(client, admin, str(uuid.uuid4()))
    assert response.status_code == 404


# Slugs


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("  Café  Déjà   Vu  ", "cafe-deja-vu"),
        ("Ñandú & Co. 2030", "nandu-co-2030"),
        ("!!!", "event"),
        ("日本語", "event"),
        ("live", "live-2"),
        ("x" * 200 + " tail", "x" * 200),
    ],
)
def test_slug_is_derived_from_the_title(client, admin, project, title, slug):
    response = create(client, admin, project, title=title[:200])
    assert response.status_code == 201
    assert response.get_json()["slug"] == slug


def test_derived_slugs_get_numbered_on_collision(client, admin, project):
    slugs = [create(client, admin, project, title="Demo Day").get_json()["slug"] for _ in range(3)]
    assert slugs == ["demo-day", "demo-day-2", "demo-day-3"]
    # A prefix-sharing slug is not a collision, and gaps are reused.
    assert create(client, admin, project, title="Demo Day Two").get_json()["slug"] == "demo-day-two"
    second = client.get("/api/events/demo-day-2", headers=admin.headers).get_json()
    assert client.delete(f"/api/events/{second['id']}", headers=admin.headers).status_code == 204
    assert create(client, admin, project, title="Demo Day").get_json()["slug"] == "demo-day-2"


def test_derived_slug_skips_explicit_ones(client, admin, project):
    assert create(client, admin, project, title="X", slug="gala-2").status_code == 201
    assert create(client, admin, project, title="Gala").get_json()["slug"] == "gala"
    assert create(client, admin, project, title="Gala").get_json()["slug"] == "gala-3"


def test_explicit_duplicate_slug_is_409(client, admin, project):
    assert create(client, admin, project, slug="summit").status_code == 201
    response = create(client, admin, project, title="Other", slug="summit")
    assert response.status_code == 409
    assert error_code(response) == "slug_taken"


def test_patch_slug(client, admin, rows, project):
    rows.event(project, slug="taken")
    event_id = rows.event(project, title="Spring Fair", slug="old-slug")
    url = f"/api/events/{event_id}"

    response = client.patch(url, json={"slug": "taken"}, headers=admin.headers)
    assert response.status_code == 409
    assert error_code(response) == "slug_taken"
    assert client.get(url, headers=admin.headers).get_json()["slug"] == "old-slug"

    assert client.patch(url, json={"slug": "new-slug"}, headers=admin.headers).get_json()["slug"] == "new-slug"
    assert client.patch(url, json={"slug": "new-slug"}, headers=admin.headers).status_code == 200
    # A new title keeps the slug (links stay valid); slug: null derives it again.
    assert client.patch(url, json={"title": "Autumn Fair"}, headers=admin.headers).get_json()["slug"] == "new-slug"
    assert client.patch(url, json={"slug": None}, headers=admin.headers).get_json()["slug"] == "autumn-fair"
    assert client.patch(url, json={"slug": None}, headers=admin.headers).get_json()["slug"] == "autumn-fair"


@pytest.fixture
def lose_first_race(monkeypatch):
    """The first derived slug is one another request has just taken (the unique index decides)."""
    real = content_service.available_slug
    calls = []

    def stale(base, **kwargs):
        calls.append(base)
        return "race" if len(calls) == 1 else real(base, **kwargs)

    monkeypatch.setattr(content_service, "available_slug", stale)
    return calls


def test_derived_slug_is_retried_after_losing_a_race(client, admin, rows, project, lose_first_race):
    rows.event(project, slug="race")
    response = create(client, admin, project, title="Race")
    assert response.status_code == 201
    assert response.get_json()["slug"] == "race-2"
    assert len(lose_first_race) == 2


def test_patch_keeps_other_changes_when_its_slug_is_retried(client, admin, rows, project, lose_first_race):
    rows.event(project, slug="race")
    event_id = rows.event(project, title="Race", slug="original")
    response = client.patch(
        f"/api/events/{event_id}", json={"slug": None, "description": "kept"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert (response.get_json()["slug"], response.get_json()["description"]) == ("race-2", "kept")
    stored = client.get(f"/api/events/{event_id}", headers=admin.headers).get_json()
    assert (stored["slug"], stored["description"]) == ("race-2", "kept")


# Get by id or slug


def test_get_by_id_or_slug(client, attendee, rows, project):
    event_id = rows.event(project, slug="spring-summit")
    by_id = client.get(f"/api/events/{event_id}", headers=attendee.headers)
    by_slug = client.get("/api/events/spring-summit", headers=attendee.headers)
    by_upper_slug = client.get("/api/events/Spring-Summit", headers=attendee.headers)
    assert by_id.status_code == by_slug.status_code == by_upper_slug.status_code == 200
    assert by_id.get_json() == by_slug.get_json() == by_upper_slug.get_json()
    assert by_id.get_json()["id"] == event_id


@pytest.mark.parametrize("ref", [str(uuid.uuid4()), "no-such-event"])
def test_unknown_event_is_404(client, attendee, ref):
    response = client.get(f"/api/events/{ref}", headers=attendee.headers)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


@pytest.mark.parametrize(("role", "expected"), [("attendee", 404), ("moderator", 404), ("admin", 200)])
def test_events_of_draft_projects_are_hidden(client, users, rows, role, expected):
    event_id = rows.event(project_status="DRAFT", slug="secret")
    assert client.get(f"/api/events/{event_id}", headers=users[role]).status_code == expected
    assert client.get("/api/events/secret", headers=users[role]).status_code == expected


@pytest.mark.parametrize("ref", [str(uuid.uuid4()), "not-a-uuid"])
def test_changing_an_unknown_event_is_404(client, admin, ref):
    assert client.patch(f"/api/events/{ref}", json={}, headers=admin.headers).status_code == 404
    assert client.delete(f"/api/events/{ref}", headers=admin.headers).status_code == 404


# List


def test_list_newest_start_first_then_unscheduled(client, attendee, rows, project):
    early = rows.event(project, start_time=at(1))
    unscheduled = rows.event(project)
    late = rows.event(project, start_time=at(5))
    middle = rows.event(project, start_time=at(3))
    body = client.get("/api/events", headers=attendee.headers).get_json()
    assert [e["id"] for e in body] == [late, middle, early, unscheduled]

    page = client.get("/api/events?limit=2&offset=1", headers=attendee.headers).get_json()
    assert [e["id"] for e in page] == [middle, early]


def test_list_hides_draft_projects_from_non_admins(client, users, rows, project):
    visible = rows.event(project)
    hidden = rows.event(project_status="DRAFT")
    ended = rows.event(project_status="ENDED")
    for role in ("attendee", "moderator"):
        ids = {e["id"] for e in client.get("/api/events", headers=users[role]).get_json()}
        assert ids == {visible, ended}
    ids = {e["id"] for e in client.get("/api/events", headers=users["admin"]).get_json()}
    assert ids == {visible, hidden, ended}


def test_list_filters_by_status_and_project(client, attendee, rows, project):
    live = rows.event(project, status="LIVE")
    scheduled = rows.event(project, status="SCHEDULED")
    elsewhere = rows.event(status="LIVE")
    draft_project = rows.project("DRAFT")
    rows.event(draft_project)

    def ids(query):
        response = client.get(f"/api/events?{query}", headers=attendee.headers)
        assert response.status_code == 200
        return {e["id"] for e in response.get_json()}

    assert ids("status=LIVE") == {live, elsewhere}
    assert ids("status=SCHEDULED") == {scheduled}
    assert ids(f"projectId={project}") == {live, scheduled}
    assert ids(f"projectId={project}&status=LIVE") == {live}
    assert ids(f"projectId={draft_project}") == set()
    assert ids(f"projectId={uuid.uuid4()}") == set()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=live", "status"),
        ("status=DRAFT", "status"),
        ("projectId=abc", "projectId"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("offset=-1", "offset"),
    ],
)
def test_list_rejects_bad_query(client, attendee, query, field):
    response = client.get(f"/api/events?{query}", headers=attendee.headers)
    assert response.status_code == 400
    assert field in error_fields(response)


def test_list_query_count_is_the_same_for_1_and_50_events(client, attendee, rows, project, count_queries):
    def measure():
        with count_queries() as queries:
            response = client.get("/api/events?limit=200", headers=attendee.headers)
        return queries.count, len(response.get_json())

    rows.event(project)
    one, listed = measure()
    assert listed == 1
    rows.add_many(
        Event,
        [
            {"project_id": uuid.UUID(project), "title": f"E{i}", "slug": f"bulk-{i}", "start_time": at(i)}
            for i in range(49)
        ],
    )
    fifty, listed = measure()
    assert listed == 50
    assert fifty == one


# /live


def test_live_is_404_without_a_live_event(client, attendee, rows, project):
    rows.event(project, status="SCHEDULED")
    rows.event(project, status="ENDED", start_time=at(2))
    response = client.get("/api/events/live", headers=attendee.headers)
    assert response.status_code == 404
    assert error_code(response) == "no_live_event"


def test_live_is_the_most_recently_started_visible_live_event(client, users, rows, project):
    rows.event(project, status="LIVE", start_time=at(1))
    newest = rows.event(project, status="LIVE", start_time=at(3))
    rows.event(project, status="SCHEDULED", start_time=at(9))
    rows.event(project, status="LIVE")  # never started: after every started one
    draft = rows.event(status="LIVE", start_time=at(5), project_status="DRAFT")

    assert client.get("/api/events/live", headers=users["attendee"]).get_json()["id"] == newest
    assert client.get("/api/events/live", headers=users["moderator"]).get_json()["id"] == newest
    assert client.get("/api/events/live", headers=users["admin"]).get_json()["id"] == draft


def test_live_is_not_mistaken_for_a_slug(client, admin, rows, project):
    rows.event(project, status="SCHEDULED", slug="live-2")
    assert client.get("/api/events/live", headers=admin.headers).status_code == 404


# Update / delete


def test_update_event(client, admin, rows, project):
    event_id = rows.event(project, title="Old", start_time=at(0), end_time=at(2))
    response = client.patch(
        f"/api/events/{event_id}",
        json={"title": "New", "status": "LIVE", "description": "About", "endTime": iso(at(3))},
        headers=admin.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title"], body["status"], body["description"]) == ("New", "LIVE", "About")
    assert (body["startTime"], body["endTime"]) == (iso(at(0)), iso(at(3)))


def test_update_event_with_empty_body(client, admin, rows, project):
    event_id = rows.event(project)
    before = client.get(f"/api/events/{event_id}", headers=admin.headers).get_json()
    response = client.patch(f"/api/events/{event_id}", json={}, headers=admin.headers)
    assert response.status_code == 200
    assert response.get_json() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"endTime": iso(at(-1))}, "endTime"),  # before the stored start
        ({"startTime": iso(at(3))}, "endTime"),  # after the stored end
        ({"projectId": str(uuid.uuid4())}, "projectId"),
        ({"title": None}, "title"),
        ({"status": "DRAFT"}, "status"),
        ({"color": "red"}, "color"),
    ],
)
def test_update_event_validation(client, admin, rows, project, payload, field):
    event_id = rows.event(project, start_time=at(0), end_time=at(2))
    response = client.patch(f"/api/events/{event_id}", json=payload, headers=admin.headers)
    assert response.status_code == 400
    assert field in error_fields(response)


def test_clearing_start_time_allows_any_end(client, admin, rows, project):
    event_id = rows.event(project, start_time=at(5), end_time=at(6))
    response = client.patch(
        f"/api/events/{event_id}", json={"startTime": None, "endTime": iso(at(1))}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.get_json()["startTime"] is None


def test_deleting_an_event_deletes_its_sessions_streams_and_rooms(client, admin, rows, project):
    event_id = rows.event(project)
    session_id, stream_id, room_id = rows.session(event_id), rows.stream(event_id), rows.room(event_id)
    sibling = rows.event(project)
    sibling_session = rows.session(sibling)

    assert client.delete(f"/api/events/{event_id}", headers=admin.headers).status_code == 204
    assert not rows.exists(Event, event_id)
    assert not rows.exists(EventSession, session_id)
    assert not rows.exists(Stream, stream_id)
    assert not rows.exists(Room, room_id)
    assert rows.exists(EventSession, sibling_session)
    assert client.get(f"/api/events/{event_id}", headers=admin.headers).status_code == 404
