def test_fixtures_create_a_visible_session(client, attendee, live_session, draft_session):
    assert client.get("/api/auth/me", headers=attendee.headers).status_code == 200
    assert live_session != draft_session
