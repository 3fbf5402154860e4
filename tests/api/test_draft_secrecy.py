"""Items inside a DRAFT project answer exactly like items that do not exist."""

import uuid

import pytest

from tests.api.interaction_support import seed_messages, seed_poll, seed_question, seed_survey


@pytest.mark.parametrize("kind", ["question", "poll", "message", "survey"])
def test_draft_items_and_missing_items_get_the_same_404(app, client, moderator, admin, draft_session, kind):
    seeded = {
        "question": lambda: seed_question(app, draft_session, admin.id),
        "poll": lambda: seed_poll(app, draft_session, active=True)["id"],
        "message": lambda: seed_messages(app, draft_session, admin.id, 1)[0],
        "survey": lambda: seed_survey(app, draft_session)["id"],
    }[kind]()
    request = {
        "question": lambda i: client.patch(f"/api/questions/{i}/answer", headers=moderator.headers, json={}),
        "poll": lambda i: client.patch(f"/api/polls/{i}/activate", headers=moderator.headers, json={}),
        "message": lambda i: client.patch(f"/api/messages/{i}/pin", headers=moderator.headers),
        "survey": lambda i: client.post(
            "/api/surveys/response", headers=moderator.headers, json={"surveyId": i, "responses": {}}
        ),
    }[kind]
    hidden, missing = request(seeded), request(str(uuid.uuid4()))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json == missing.json
