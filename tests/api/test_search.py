"""Search (SPEC §14): accents, prefixes, ranking, DRAFT, filters; event category and tags; discover."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from plataforma.extensions import db
from plataforma.models import Event, Message, Product, SessionView, utcnow
from tests.api.content_helpers import Rows


@pytest.fixture
def rows(app):
    return Rows(app)


def search(client, user, **params):
    response = client.get("/api/search", query_string=params, headers=user.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def titles(items, key="title"):
    return [item[key] for item in items]


@pytest.fixture
def catalogue(rows, app):
    project = rows.project("LIVE")
    draft = rows.project("DRAFT")
    ids = {
        "cafe": rows.event(project, title="Café Olé night", category="Food", tags=["coffee", "latin"]),
        "desc": rows.event(project, title="Morning talk", description="All about cafés and pastries"),
        "tag": rows.event(project, title="Brewing basics", tags=["cafeteria"]),
        "draft": rows.event(draft, title="Secret café launch"),
        "other": rows.event(project, title="Unrelated", description="nothing here", status="LIVE"),
    }
    ids["session"] = rows.session(ids["other"], title="Latte art", speaker="José Café")
    ids["draft_session"] = rows.session(ids["draft"], title="Café backstage")
    rows.add(Product, name="Café grinder", price=Decimal("49.90"), category="Kitchen", in_stock=True)
    rows.add(Product, name="Mug", description="For your café au lait", price=Decimal("9.00"), in_stock=False)
    return ids


def test_accent_and_case_insensitive_prefix_matching(client, attendee, catalogue):
    body = search(client, attendee, q="CAFE")
    # Title matches first, then description/tag-only ones; "cafeteria" is a prefix match too.
    assert titles(body["events"])[:1] == ["Café Olé night"]
    assert set(titles(body["events"])) == {"Café Olé night", "Morning talk", "Brewing basics"}
    assert titles(body["sessions"]) == ["Latte art"]  # the speaker's name
    assert titles(body["products"], "name") == ["Café grinder", "Mug"]
    assert body["totals"] == {"events": 3, "sessions": 1, "products": 2}
    assert body["query"] == "CAFE"


def test_every_word_must_match_a_word_prefix(client, attendee, catalogue):
    assert titles(search(client, attendee, q="café olé")["events"]) == ["Café Olé night"]
    assert search(client, attendee, q="afe")["totals"]["events"] == 0  # not a word prefix
    assert search(client, attendee, q="cafe nothing")["totals"]["events"] == 0
    assert titles(search(client, attendee, q="lat")["events"]) == ["Café Olé night"]  # the "latin" tag


def test_title_matches_rank_before_description_matches(client, attendee, catalogue):
    events = titles(search(client, attendee, q="cafés")["events"])
    assert events == ["Morning talk"]  # "cafés" is not a prefix of "cafe" (title) but is in the description
    ranked = titles(search(client, attendee, q="caf", type="events")["events"])
    assert ranked[0] == "Café Olé night" and set(ranked[1:]) == {"Morning talk", "Brewing basics"}


def test_draft_content_is_hidden_from_non_admins(client, attendee, moderator, admin, catalogue):
    for user in (attendee, moderator):
        body = search(client, user, q="secret")
        assert body["events"] == [] and body["totals"]["events"] == 0
        assert search(client, user, q="backstage")["sessions"] == []
    assert titles(search(client, admin, q="secret")["events"]) == ["Secret café launch"]
    assert titles(search(client, admin, q="backstage")["sessions"]) == ["Café backstage"]


def test_filters_type_and_pagination(client, attendee, catalogue):
    body = search(client, attendee, q="cafe", type="products", minPrice="10", inStock="true")
    assert titles(body["products"], "name") == ["Café grinder"] and body["events"] == []
    assert body["products"][0]["price"] == "49.90"
    assert titles(search(client, attendee, q="cafe", type="products", maxPrice="10")["products"], "name") == ["Mug"]
    assert titles(search(client, attendee, q="cafe", category="food")["events"]) == ["Café Olé night"]
    assert search(client, attendee, q="latte", status="SCHEDULED")["sessions"] == []
    assert titles(search(client, attendee, q="latte", status="LIVE")["sessions"]) == ["Latte art"]
    page = search(client, attendee, q="cafe", type="events", limit=1, offset=1)
    assert len(page["events"]) == 1 and page["totals"]["events"] == 3


@pytest.mark.parametrize("q", ["", "   ", "x" * 201])
def test_query_length_is_checked_after_trimming(client, attendee, q):
    assert client.get("/api/search", query_string={"q": q}, headers=attendee.headers).status_code == 400


def test_search_needs_a_token_and_punctuation_finds_nothing(client, attendee, catalogue):
    assert client.get("/api/search?q=cafe").status_code == 401
    assert search(client, attendee, q="!!!")["totals"] == {"events": 0, "sessions": 0, "products": 0}


def test_search_documents_follow_updates(client, admin, catalogue):
    response = client.patch(
        f"/api/events/{catalogue['other']}", json={"title": "Jalapeño fiesta"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert titles(search(client, admin, q="jalapeno")["events"]) == ["Jalapeño fiesta"]
    assert search(client, admin, q="unrelated")["totals"]["events"] == 0


# Category and tags


def test_event_tags_are_normalised(client, admin, rows):
    project = rows.project()
    body = {
        "projectId": project,
        "title": "Tagged",
        "category": " Music ",
        "tags": ["Jazz", "jazz", " Live ", "JAZZ", "blues"],
    }
    response = client.post("/api/events", json=body, headers=admin.headers)
    assert response.status_code == 201, response.get_json()
    event = response.get_json()
    assert event["tags"] == ["jazz", "live", "blues"] and event["category"] == "Music"
    too_many = {"projectId": project, "title": "Many", "tags": [f"t{i}" for i in range(11)]}
    assert client.post("/api/events", json=too_many, headers=admin.headers).status_code == 400
    too_long = {"projectId": project, "title": "Long", "tags": ["x" * 31]}
    assert client.post("/api/events", json=too_long, headers=admin.headers).status_code == 400
    assert client.post("/api/events", json={**too_long, "tags": [""]}, headers=admin.headers).status_code == 400
    untagged = client.post("/api/events", json={"projectId": project, "title": "Plain"}, headers=admin.headers)
    assert untagged.get_json()["tags"] == [] and untagged.get_json()["category"] is None


def test_events_filter_by_category_and_tag(client, attendee, rows):
    project = rows.project()
    rows.event(project, title="A", category="Music", tags=["jazz", "live"])
    rows.event(project, title="B", category="music", tags=["rock"])
    rows.event(project, title="C", category="Tech", tags=["jazz"])

    def listed(**params):
        return sorted(e["title"] for e in client.get("/api/events", query_string=params, headers=attendee.headers).json)

    assert listed(category="MUSIC") == ["A", "B"]
    assert listed(tag="Jazz") == ["A", "C"]
    assert listed(category="music", tag="jazz") == ["A"]
    assert listed(tag="nope") == []


# Discover


def test_discover_orders_live_upcoming_and_trending(client, attendee, make_user, rows):
    now = utcnow()
    project = rows.project()
    early = rows.event(project, title="Live early", status="LIVE", start_time=now - timedelta(hours=3))
    late = rows.event(project, title="Live late", status="LIVE", start_time=now - timedelta(hours=1))
    rows.event(project, title="Soon", start_time=now + timedelta(hours=1))
    rows.event(project, title="Later", start_time=now + timedelta(days=2))
    rows.event(project, title="Past scheduled", start_time=now - timedelta(days=1))
    rows.event(rows.project("DRAFT"), title="Draft live", status="LIVE", start_time=now)
    busy = rows.event(project, title="Chatty", status="ENDED", start_time=now - timedelta(days=1))
    watchers = [uuid.UUID(make_user().id) for _ in range(2)]
    early_session, busy_session = rows.session(early), rows.session(busy)
    rows.add_many(
        SessionView,
        [
            {"session_id": uuid.UUID(early_session), "user_id": uid, "joined_at": now - timedelta(minutes=5)}
            for uid in watchers
        ]
        + [{"session_id": uuid.UUID(early_session), "user_id": watchers[0], "joined_at": now - timedelta(minutes=9)}],
    )
    rows.add_many(
        Message,
        [
            {"session_id": uuid.UUID(busy_session), "user_id": watchers[0], "text": "hi", "created_at": now}
            for _ in range(3)
        ]
        + [
            {
                "session_id": uuid.UUID(rows.session(late)),
                "user_id": watchers[1],
                "text": "old",
                "created_at": now - timedelta(days=2),
            }
        ],
    )
    body = client.get("/api/discover", headers=attendee.headers).get_json()
    assert titles(body["live"]) == ["Live late", "Live early"]
    assert titles(body["upcoming"]) == ["Soon", "Later"]
    # Two viewers now (a second tab is no extra viewer), then 3 recent messages; old messages do not count.
    assert titles(body["trending"]) == ["Live early", "Chatty"]
    assert client.get("/api/discover").status_code == 401


def test_documents_are_filled_for_every_writer(app, rows):
    event_id = rows.event(title="Ünïcode Title", description="Some DESCRIPTION", tags=["x-ray"])
    with app.app_context():
        event = db.session.get(Event, uuid.UUID(event_id))
        assert event.search_title == " unicode title "
        assert event.search_text == " unicode title some description x ray "
