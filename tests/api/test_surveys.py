"""/api/surveys: admins build surveys, attendees answer each once."""

import pytest

from tests.api.interaction_support import MISSING_ID, error_code, record_emits, seed_survey

SURVEY_KEYS = ["id", "sessionId", "title", "isActive", "fields", "createdAt", "hasResponded"]
FIELD_KEYS = ["id", "question", "type", "options", "required"]

FIELDS = [
    {"question": "Rate the talk", "type": "RATING", "required": True},
    {"question": "Best part?", "type": "CHOICE", "options": ["Talk", "Demo", "Q&A"]},
    {"question": "Anything else?", "type": "TEXT"},
]


@pytest.fixture
def survey(app, live_session):
    return seed_survey(app, live_session)


def _create(client, headers, session_id, **overrides):
    body = {"sessionId": session_id, "title": "Feedback", "fields": FIELDS, **overrides}
    return client.post("/api/surveys", json=body, headers=headers)


def _respond(client, headers, survey_id, responses):
    return client.post("/api/surveys/response", json={"surveyId": survey_id, "responses": responses}, headers=headers)


# ---------------------------------------------------------------- permissions


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 200), ("moderator", 200), ("admin", 200)])
def test_list_permissions(client, users, live_session, survey, role, status):
    response = client.get(f"/api/surveys/session/{live_session}", headers=users[role])
    assert response.status_code == status
    if status == 200:
        assert [s["id"] for s in response.get_json()] == [survey["id"]]


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 403), ("admin", 201)])
def test_create_permissions(client, users, live_session, role, status):
    assert _create(client, users[role], live_session).status_code == status


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 403), ("admin", 200)])
def test_update_permissions(client, users, survey, role, status):
    response = client.patch(f"/api/surveys/{survey['id']}", json={"title": "New"}, headers=users[role])
    assert response.status_code == status


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 201), ("moderator", 201), ("admin", 201)])
def test_respond_permissions(client, users, survey, role, status):
    assert _respond(client, users[role], survey["id"], {survey["rating"]: 5}).status_code == status


@pytest.mark.parametrize("role, visible", [("attendee", False), ("moderator", False), ("admin", True)])
def test_draft_project_is_invisible_to_non_admins(app, client, users, admin, draft_session, role, visible):
    survey = seed_survey(app, draft_session)
    headers = users[role]
    listing = client.get(f"/api/surveys/session/{draft_session}", headers=headers)
    answering = _respond(client, headers, survey["id"], {survey["rating"]: 3})
    if visible:
        assert (listing.status_code, answering.status_code) == (200, 201)
    else:
        assert (listing.status_code, answering.status_code) == (404, 404)
    # Admin-only writes still find the survey for admins.
    assert _create(client, admin.headers, draft_session).status_code == 201
    assert client.patch(f"/api/surveys/{survey['id']}", json={}, headers=admin.headers).status_code == 200


def test_unknown_and_malformed_ids(client, admin):
    for session in (MISSING_ID, "nope"):
        assert client.get(f"/api/surveys/session/{session}", headers=admin.headers).status_code == 404
        assert client.patch(f"/api/surveys/{session}", json={"title": "x"}, headers=admin.headers).status_code == 404
    assert _create(client, admin.headers, MISSING_ID).status_code == 404
    assert _respond(client, admin.headers, MISSING_ID, {}).status_code == 404
    malformed = _respond(client, admin.headers, "nope", {})
    assert malformed.status_code == 400 and "surveyId" in malformed.get_json()["error"]["fields"]


# ---------------------------------------------------------------- creating


def test_create_returns_the_survey_with_fields_in_order(client, monkeypatch, admin, live_session):
    emits = record_emits(monkeypatch)
    response = _create(client, admin.headers, live_session, title="  Feedback\x00 ")
    assert response.status_code == 201
    body = response.get_json()
    assert list(body) == SURVEY_KEYS
    assert (body["title"], body["isActive"], body["sessionId"]) == ("Feedback", True, live_session)
    assert [list(f) for f in body["fields"]] == [FIELD_KEYS] * 3
    assert [(f["question"], f["type"], f["options"], f["required"]) for f in body["fields"]] == [
        ("Rate the talk", "RATING", None, True),
        ("Best part?", "CHOICE", ["Talk", "Demo", "Q&A"], False),
        ("Anything else?", "TEXT", None, False),
    ]
    assert emits == []  # SPEC §7 defines no survey event


def test_create_inactive(client, admin, live_session):
    assert _create(client, admin.headers, live_session, isActive=False).get_json()["isActive"] is False


@pytest.mark.parametrize(
    "fields, problem",
    [
        ([{"question": "Pick", "type": "CHOICE"}], "options"),
        ([{"question": "Pick", "type": "CHOICE", "options": ["only"]}], "options"),
        ([{"question": "Pick", "type": "CHOICE", "options": ["a", " A "]}], "options"),
        ([{"question": "Pick", "type": "CHOICE", "options": ["a", ""]}], "options"),
        ([{"question": "Rate", "type": "RATING", "options": ["1", "2"]}], "options"),
        ([{"question": "Say", "type": "TEXT", "options": []}], "options"),
        ([{"question": "Say", "type": "ESSAY"}], "type"),
        ([{"question": "", "type": "TEXT"}], "question"),
        ([{"question": "Say", "type": "TEXT", "required": "yes"}], "required"),
        ([{"question": "Say", "type": "TEXT", "weight": 2}], "weight"),
    ],
)
def test_create_rejects_bad_fields(client, admin, live_session, fields, problem):
    response = _create(client, admin.headers, live_session, fields=fields)
    assert response.status_code == 400
    field_errors = response.get_json()["error"]["fields"]
    # Nested problems get dotted names (SPEC §4: name -> list of messages).
    assert any(key == f"fields.0.{problem}" or key.startswith(f"fields.0.{problem}.") for key in field_errors)
    assert all(isinstance(m, list) and all(isinstance(s, str) for s in m) for m in field_errors.values())


@pytest.mark.parametrize(
    "overrides, field",
    [({"fields": []}, "fields"), ({"title": " "}, "title"), ({"isActive": 1}, "isActive"), ({"extra": 1}, "extra")],
)
def test_create_rejects_bad_surveys(client, admin, live_session, overrides, field):
    response = _create(client, admin.headers, live_session, **overrides)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


# ---------------------------------------------------------------- updating


def test_update_changes_title_and_activity(client, admin, survey):
    url = f"/api/surveys/{survey['id']}"
    response = client.patch(url, json={"title": " Renamed ", "isActive": False}, headers=admin.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title"], body["isActive"]) == ("Renamed", False)
    assert [f["id"] for f in body["fields"]] == [survey["rating"], survey["choice"], survey["text"]]
    assert client.patch(url, json={"isActive": True}, headers=admin.headers).get_json() == {**body, "isActive": True}


@pytest.mark.parametrize("body", [{"fields": []}, {"title": ""}, {"isActive": "false"}, {"sessionId": MISSING_ID}])
def test_update_validation(client, admin, survey, body):
    assert client.patch(f"/api/surveys/{survey['id']}", json=body, headers=admin.headers).status_code == 400


# ---------------------------------------------------------------- responding


def test_respond_stores_cleaned_answers(client, attendee, survey):
    answers = {survey["rating"]: 4, survey["choice"]: "Demo", survey["text"]: "  Great\x00 talk\n thanks "}
    response = _respond(client, attendee.headers, survey["id"], answers)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["surveyId"], body["userId"]) == (survey["id"], attendee.id)
    assert body["responses"] == {survey["rating"]: 4, survey["choice"]: "Demo", survey["text"]: "Great talk\n thanks"}


def test_respond_accepts_field_ids_in_any_case_and_text_up_to_2000(client, attendee, survey):
    answers = {survey["rating"].upper(): 1, survey["text"]: "x" * 2000}
    response = _respond(client, attendee.headers, survey["id"], answers)
    assert response.status_code == 201
    assert response.get_json()["responses"] == {survey["rating"]: 1, survey["text"]: "x" * 2000}


@pytest.mark.parametrize("value", [0, 6, 3.5, True, "4", None, [4]])
def test_rating_must_be_an_integer_from_1_to_5(client, attendee, survey, value):
    response = _respond(client, attendee.headers, survey["id"], {survey["rating"]: value})
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == [survey["rating"]]


@pytest.mark.parametrize("value", ["Keynote", "demo", 1, ["Demo"]])
def test_choice_must_be_one_of_the_options(client, attendee, survey, value):
    response = _respond(client, attendee.headers, survey["id"], {survey["rating"]: 3, survey["choice"]: value})
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == [survey["choice"]]


@pytest.mark.parametrize("value", ["x" * 2001, 5, {"a": 1}])
def test_text_must_be_a_string_of_at_most_2000(client, attendee, survey, value):
    response = _respond(client, attendee.headers, survey["id"], {survey["rating"]: 3, survey["text"]: value})
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == [survey["text"]]


def test_required_fields_and_unknown_field_ids(client, attendee, survey):
    response = _respond(client, attendee.headers, survey["id"], {survey["choice"]: "Talk", MISSING_ID: 1, "x": 2})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        survey["rating"]: ["This field is required."],
        MISSING_ID: ["Unknown field."],
        "x": ["Unknown field."],
    }


def test_fields_of_another_survey_are_unknown(app, client, attendee, live_session, survey):
    other = seed_survey(app, live_session, title="Other")
    response = _respond(client, attendee.headers, survey["id"], {survey["rating"]: 2, other["rating"]: 2})
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == [other["rating"]]


def test_optional_fields_may_be_omitted_or_blank(client, attendee, survey):
    response = _respond(client, attendee.headers, survey["id"], {survey["rating"]: 5, survey["text"]: "   "})
    assert response.status_code == 201
    assert response.get_json()["responses"] == {survey["rating"]: 5}


def test_one_response_per_user(client, make_user, attendee, survey):
    assert _respond(client, attendee.headers, survey["id"], {survey["rating"]: 5}).status_code == 201
    again = _respond(client, attendee.headers, survey["id"], {survey["rating"]: 1})
    assert again.status_code == 409
    assert error_code(again) == "already_responded"
    assert _respond(client, make_user().headers, survey["id"], {survey["rating"]: 1}).status_code == 201


def test_inactive_survey_refuses_responses(app, client, admin, attendee, live_session):
    closed = seed_survey(app, live_session, active=False)
    response = _respond(client, attendee.headers, closed["id"], {closed["rating"]: 5})
    assert response.status_code == 409
    assert error_code(response) == "survey_inactive"
    client.patch(f"/api/surveys/{closed['id']}", json={"isActive": True}, headers=admin.headers)
    assert _respond(client, attendee.headers, closed["id"], {closed["rating"]: 5}).status_code == 201


def test_responses_must_be_an_object(client, attendee, survey):
    response = _respond(client, attendee.headers, survey["id"], [5])
    assert response.status_code == 400
    assert "responses" in response.get_json()["error"]["fields"]


# ---------------------------------------------------------------- listing


def test_list_runs_the_same_number_of_queries_for_1_and_50_surveys(app, client, attendee, content, count_queries):
    counts = []
    for n in (1, 50):
        session_id = content.session()
        ids = [seed_survey(app, session_id, title=f"s{i}", active=i % 2 == 0)["id"] for i in range(n)]
        with count_queries() as q:
            response = client.get(f"/api/surveys/session/{session_id}", headers=attendee.headers)
        listed = response.get_json()
        assert response.status_code == 200
        assert [s["id"] for s in listed] == ids
        assert all([f["type"] for f in s["fields"]] == ["RATING", "CHOICE", "TEXT"] for s in listed)
        counts.append(q.count)
    assert counts[0] == counts[1]


def test_has_responded_is_for_the_caller(client, make_user, admin, attendee, live_session, survey):
    other = make_user()
    url = f"/api/surveys/session/{live_session}"
    assert [s["hasResponded"] for s in client.get(url, headers=attendee.headers).get_json()] == [False]
    assert _respond(client, attendee.headers, survey["id"], {survey["rating"]: 4}).status_code == 201
    assert [s["hasResponded"] for s in client.get(url, headers=attendee.headers).get_json()] == [True]
    assert [s["hasResponded"] for s in client.get(url, headers=other.headers).get_json()] == [False]
    assert [s["hasResponded"] for s in client.get(url, headers=admin.headers).get_json()] == [False]
    # changes answer for the caller too: the admin has not answered, then has
    patch = client.patch(f"/api/surveys/{survey['id']}", json={"title": "New"}, headers=admin.headers)
    assert patch.get_json()["hasResponded"] is False
    assert _respond(client, admin.headers, survey["id"], {survey["rating"]: 5}).status_code == 201
    patch = client.patch(f"/api/surveys/{survey['id']}", json={"title": "Newer"}, headers=admin.headers)
    assert patch.get_json()["hasResponded"] is True
    assert _create(client, admin.headers, live_session).get_json()["hasResponded"] is False


def test_has_responded_costs_one_query_for_the_whole_list(app, client, attendee, content, count_queries):
    counts = []
    for n in (1, 50):
        session_id = content.session()
        made = [seed_survey(app, session_id, title=f"s{i}") for i in range(n)]
        answered = {s["id"] for s in made[::2]}
        for s in made[::2]:
            assert _respond(client, attendee.headers, s["id"], {s["rating"]: 3}).status_code == 201
        with count_queries() as q:
            listed = client.get(f"/api/surveys/session/{session_id}", headers=attendee.headers).get_json()
        assert {s["id"] for s in listed if s["hasResponded"]} == answered
        assert all(s["hasResponded"] is False for s in listed if s["id"] not in answered)
        counts.append(q.count)
    assert counts[0] == counts[1]
