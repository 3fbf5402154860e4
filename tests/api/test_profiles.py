"""GET/PATCH /api/profiles/:id: ownership, role rules, email visibility."""

import uuid

import pytest


def test_anyone_signed_in_reads_a_profile_without_its_email(client, attendee, moderator):
    response = client.get(f"/api/profiles/{moderator.id}", headers=attendee.headers)
    assert response.status_code == 200
    body = response.json
    assert body["id"] == moderator.id
    assert body["role"] == "MODERATOR"
    assert "email" not in body
    assert set(body) >= {"name", "avatar", "company", "title", "status", "lastLoginAt", "createdAt", "updatedAt"}


def test_self_and_admin_see_the_email(client, attendee, admin):
    own = client.get(f"/api/profiles/{attendee.id}", headers=attendee.headers)
    assert own.json["email"] == attendee.email
    as_admin = client.get(f"/api/profiles/{attendee.id}", headers=admin.headers)
    assert as_admin.json["email"] == attendee.email


def test_profiles_need_a_token(client, attendee):
    assert client.get(f"/api/profiles/{attendee.id}").status_code == 401
    assert client.patch(f"/api/profiles/{attendee.id}", json={"name": "x"}).status_code == 401


@pytest.mark.parametrize("ident", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_profile_is_404(client, attendee, ident):
    response = client.get(f"/api/profiles/{ident}", headers=attendee.headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_update_own_profile(client, attendee):
    response = client.patch(
        f"/api/profiles/{attendee.id}",
        headers=attendee.headers,
        json={
            "name": " Ana\u200b ",
            "company": "ACME",
            "title": "",
            "avatar": "https://img.example/a.png",
            "status": "ONLINE",
        },
    )
    assert response.status_code == 200
    body = response.json
    assert (body["name"], body["company"], body["title"], body["status"]) == ("Ana", "ACME", None, "ONLINE")
    assert body["avatar"] == "https://img.example/a.png"
    again = client.get(f"/api/profiles/{attendee.id}", headers=attendee.headers)
    assert again.json["company"] == "ACME"


def test_cannot_update_someone_elses_profile(client, attendee, moderator):
    response = client.patch(f"/api/profiles/{moderator.id}", headers=attendee.headers, json={"name": "Hacked"})
    assert response.status_code == 403
    assert client.get(f"/api/profiles/{moderator.id}", headers=moderator.headers).json["name"] != "Hacked"


@pytest.mark.parametrize("who", ["attendee", "moderator"])
def test_only_admins_change_roles(client, make_user, who):
    user = make_user(who.upper())
    response = client.patch(f"/api/profiles/{user.id}", headers=user.headers, json={"role": "ADMIN"})
    assert response.status_code == 403
    assert client.get("/api/auth/me", headers=user.headers).json["profile"]["role"] == who.upper()


@pytest.mark.parametrize(
    "body",
    [
        {"id": str(uuid.uuid4())},
        {"email": "new@example.com"},
        {"createdAt": "2020-01-01T00:00:00Z"},
        {"role": "SUPERUSER"},
        {"name": ""},
        {"name": 42},
        {"avatar": "javascript:alert(1)"},
    ],
)
def test_invalid_profile_changes_are_400_and_change_nothing(client, attendee, body):
    before = client.get(f"/api/profiles/{attendee.id}", headers=attendee.headers).json
    response = client.patch(f"/api/profiles/{attendee.id}", headers=attendee.headers, json=body)
    assert response.status_code == 400
    assert response.json["error"]["fields"]
    after = client.get(f"/api/profiles/{attendee.id}", headers=attendee.headers).json
    assert after == before


def test_admin_changes_anyones_profile_and_role(client, attendee, admin):
    response = client.patch(
        f"/api/profiles/{attendee.id}", headers=admin.headers, json={"role": "MODERATOR", "name": "Promoted"}
    )
    assert response.status_code == 200
    assert response.json["role"] == "MODERATOR"
    # The change applies to the user's existing token at once.
    assert client.get("/api/auth/me", headers=attendee.headers).json["profile"]["role"] == "MODERATOR"


def test_the_last_admin_cannot_be_demoted(client, admin):
    response = client.patch(f"/api/profiles/{admin.id}", headers=admin.headers, json={"role": "ATTENDEE"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "last_admin"
