"""RTC tokens (SPEC §11): Agora AccessToken2 built byte for byte as Agora's published test vectors say,
and `POST /api/streams/:id/rtc-token` checked by decoding what it hands out (channel, uid, privileges,
expiry, signature verified with the certificate)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
import uuid
import zlib
from datetime import datetime

import pytest

from plataforma.services import agora
from tests.api.content_helpers import ROLES, Rows, error_code

# Agora's published vectors: AgoraDynamicKey (github.com/AgoraIO/Tools, DynamicKey/AgoraDynamicKey/python3/test/
# AccessToken2Test.py): app id, certificate, channel, uid, issue time 1111111, salt 1, expire 600.
VECTOR_APP_ID = "970CA35de60c44645bbae8a215061b33"
VECTOR_CERTIFICATE = "5CFd2fd1755d40ecb72977518be15d3b"
VECTOR_CHANNEL = "7d72365eb983485397e3e3f9d460bdda"
VECTOR_UID = 2882341273
VECTOR_RTC = (
    "007eJxTYBBbsMMnKq7p9Hf/HcIX5kce9b518kCiQgSr5Zrp4X1Tu6UUGCzNDZwdjU1TUs0Mkk1MzExMk5ISUy0SjQxNDcw"
    "Mk4yN3b8IMEQwMTAwMoAwBIL4CgzmKeZGxmamqUmWFsYmFqbGluapxqnGaZYpJmYGSSkpiVwMRhYWRsYmhkbmxgDCaiTj"
)
VECTOR_RTC_UID_0 = (
    "007eJxTYLhzZP08Lxa1Pg57+TcXb/3cZ3wi4V6kbpbOog0G2dOYk20UGCzNDZwdjU1TUs0Mkk1MzExMk5ISUy0SjQxNDcw"
    "Mk4yN3b8IMEQwMTAwMoAwBIL4CgzmKeZGxmamqUmWFsYmFqbGluapxqnGaZYpJmYGSSkpiQwMADacImo="
)
# test_multi_service: RTC with join + publish audio / video / data, then RTM, streaming, RTNS and chat.
VECTOR_MULTI = (
    "007eJxTYAh5UWu1drfhsnu9etvupS0v/iFs+3PC/Sbl8gdht55xSusqMFiaGzg7GpumpJoZJJuYmJmYJiUlplokGhmaGpg"
    "ZJhkbu38RYIhgYmBgZGBgYAWSLEAM4jOBSWYwyQImFRjMU8yNjM1MU5MsLYxNLEyNLc1TjVON0yxTTMwMklJSErkYjCwsj"
    "IxNDI3MjZmA5kBM4mQoSS0uiS8tTi1iZmBCMZ40I1mgToSYgCwDAGL1OcI="
)
APP_ID = "0123456789abcdef0123456789abcdef"
CERTIFICATE = "fedcba9876543210fedcba9876543210"
JOIN, AUDIO, VIDEO, DATA = 1, 2, 3, 4


# ---------------------------------------------------------------- an independent decoder


class Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt: str):
        value = struct.unpack_from("<" + fmt, self.data, self.at)[0]
        self.at += struct.calcsize(fmt)
        return value

    def string(self) -> bytes:
        size = self.take("H")
        value = self.data[self.at : self.at + size]
        self.at += size
        return value


def decode(token: str, certificate: str) -> dict:
    """Unpack an RTC AccessToken2 and verify its signature with ``certificate`` (written from the format's
    description, not from the builder under test)."""
    assert token.startswith("007")
    raw = zlib.decompress(base64.b64decode(token[3:]))
    reader = Reader(raw)
    signature = reader.string()
    info = raw[reader.at :]
    decoded = {
        "app_id": reader.string().decode(),
        "issued_at": reader.take("I"),
        "expire": reader.take("I"),
        "salt": reader.take("I"),
    }
    services = {}
    for _ in range(reader.take("H")):
        kind = reader.take("H")
        privileges = {reader.take("H"): reader.take("I") for _ in range(reader.take("H"))}
        assert kind == 1, "only the RTC service is expected"
        services[kind] = {"privileges": privileges, "channel": reader.string().decode(), "uid": reader.string()}
    assert reader.at == len(raw), "trailing bytes"
    key = hmac.new(struct.pack("<I", decoded["issued_at"]), certificate.encode(), hashlib.sha256).digest()
    key = hmac.new(struct.pack("<I", decoded["salt"]), key, hashlib.sha256).digest()
    decoded["signature_ok"] = hmac.compare_digest(signature, hmac.new(key, info, hashlib.sha256).digest())
    decoded["rtc"] = services[1]
    return decoded


# ---------------------------------------------------------------- the builder against Agora's vectors


def test_the_builder_reproduces_agoras_rtc_vector():
    token = agora.rtc_token(
        VECTOR_APP_ID, VECTOR_CERTIFICATE, VECTOR_CHANNEL, VECTOR_UID, publisher=False, expire=600,
        issued_at=1111111, salt=1,
    )  # fmt: skip
    assert token == VECTOR_RTC


def test_the_builder_reproduces_agoras_uid_0_vector():
    token = agora.rtc_token(
        VECTOR_APP_ID, VECTOR_CERTIFICATE, VECTOR_CHANNEL, 0, publisher=False, expire=600, issued_at=1111111, salt=1
    )
    assert token == VECTOR_RTC_UID_0


def test_the_builder_reproduces_agoras_multi_service_vector_with_publish_privileges():
    s = agora._string
    services = [
        agora.rtc_service(VECTOR_CHANNEL, VECTOR_UID, agora.PUBLISHER_PRIVILEGES, 600),
        agora.service(2, {1: 600}, s("test_user")),  # RTM login
        agora.service(3, {1: 600, 2: 600}, s(VECTOR_CHANNEL) + s(str(VECTOR_UID))),  # streaming
        agora.service(4, {}),  # RTNS
        agora.service(5, {1: 600}, s(str(VECTOR_UID))),  # chat user
    ]
    token = agora.build(VECTOR_APP_ID, VECTOR_CERTIFICATE, services, expire=600, issued_at=1111111, salt=1)
    assert token == VECTOR_MULTI


def test_the_decoder_reads_agoras_vector():
    decoded = decode(VECTOR_RTC, VECTOR_CERTIFICATE)
    assert decoded["signature_ok"]
    assert (decoded["app_id"], decoded["issued_at"], decoded["expire"], decoded["salt"]) == (
        VECTOR_APP_ID, 1111111, 600, 1,
    )  # fmt: skip
    assert decoded["rtc"] == {"privileges": {JOIN: 600}, "channel": VECTOR_CHANNEL, "uid": b"2882341273"}
    assert not decode(VECTOR_RTC, CERTIFICATE)["signature_ok"]


@pytest.mark.parametrize("bad", ["", "0123", "g" * 32, "0" * 33, None])
def test_the_builder_refuses_keys_that_are_not_32_hex_characters(bad):
    with pytest.raises(ValueError):
        agora.rtc_token(bad, CERTIFICATE, "c", 1, publisher=False, expire=60)
    with pytest.raises(ValueError):
        agora.rtc_token(APP_ID, bad, "c", 1, publisher=False, expire=60)


def test_fresh_salts():
    tokens = {agora.rtc_token(APP_ID, CERTIFICATE, "c", 7, publisher=False, expire=60) for _ in range(20)}
    assert len(tokens) > 1


# ---------------------------------------------------------------- the route


@pytest.fixture
def app(make_app):
    """Every fixture of these tests (client, users) on an app with Agora configured."""
    return make_app(AGORA_APP_ID=APP_ID, AGORA_APP_CERTIFICATE=CERTIFICATE)


@pytest.fixture
def rows(app):
    return Rows(app)


@pytest.fixture
def stream(rows):
    return rows.stream(rows.event(), source_type="AGORA", source_url="stage:main", status="LIVE")


def _ask(client, user_headers, stream, **body):
    return client.post(f"/api/streams/{stream}/rtc-token", json=body or None, headers=user_headers)


def test_a_subscriber_token_decodes_to_the_channel_uid_join_and_expiry(client, attendee, stream):
    before = int(time.time())
    response = _ask(client, attendee.headers, stream)
    after = int(time.time())
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert list(body) == ["appId", "channel", "uid", "role", "token", "expiresAt"]
    assert (body["appId"], body["channel"], body["role"]) == (APP_ID, "stage:main", "subscriber")
    decoded = decode(body["token"], CERTIFICATE)
    assert decoded["signature_ok"]
    assert decoded["app_id"] == APP_ID and before <= decoded["issued_at"] <= after
    assert decoded["expire"] == 3600
    assert decoded["rtc"] == {"privileges": {JOIN: 3600}, "channel": "stage:main", "uid": str(body["uid"]).encode()}
    expires = datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00")).timestamp()
    assert expires == decoded["issued_at"] + 3600


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_a_publisher_token_joins_and_publishes_audio_video_and_data(client, users, stream, role):
    body = _ask(client, users[role], stream, role="publisher").get_json()
    assert body["role"] == "publisher"
    decoded = decode(body["token"], CERTIFICATE)
    assert decoded["signature_ok"]
    assert decoded["rtc"]["privileges"] == {JOIN: 3600, AUDIO: 3600, VIDEO: 3600, DATA: 3600}


PUBLISHER = {"anonymous": 401, "attendee": 403, "moderator": 200, "admin": 200}
SUBSCRIBER = {"anonymous": 401, "attendee": 200, "moderator": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, users, stream, role):
    assert _ask(client, users[role], stream, role="publisher").status_code == PUBLISHER[role]
    assert _ask(client, users[role], stream, role="subscriber").status_code == SUBSCRIBER[role]
    assert _ask(client, users[role], stream).status_code == SUBSCRIBER[role]


def test_an_attendee_asking_to_publish_is_forbidden(client, attendee, stream):
    response = _ask(client, attendee.headers, stream, role="publisher")
    assert response.status_code == 403 and error_code(response) == "forbidden"


def test_a_users_uid_is_stable_non_zero_and_32_bit(client, make_user, stream):
    first, second = make_user(), make_user()
    uid = _ask(client, first.headers, stream).get_json()["uid"]
    assert uid == _ask(client, first.headers, stream).get_json()["uid"]
    assert uid != _ask(client, second.headers, stream).get_json()["uid"]
    assert 0 < uid < 2**32
    from plataforma.services import rtc

    assert uid == rtc.user_uid(uuid.UUID(first.id))  # from the user id: every token of the user carries it


def test_uids_are_never_zero_and_users_and_guests_do_not_share_a_range():
    from plataforma.services import rtc

    uids = [rtc.user_uid(uuid.uuid4()) for _ in range(2000)]
    assert all(0 < uid < 2**31 for uid in uids)
    assert len(set(uids)) > 1990
    guests = [rtc.guest_uid() for _ in range(2000)]
    assert all(2**31 <= uid < 2**32 for uid in guests)


def test_the_expiry_comes_from_agora_token_expiry(make_app):
    app = make_app(AGORA_APP_ID=APP_ID, AGORA_APP_CERTIFICATE=CERTIFICATE, AGORA_TOKEN_EXPIRY=120)
    from tests.conftest import UserFactory

    user = UserFactory(app)()
    stream = Rows(app).stream(Rows(app).event(), source_type="AGORA", source_url="room-2")
    body = app.test_client().post(f"/api/streams/{stream}/rtc-token", json={}, headers=user.headers).get_json()
    decoded = decode(body["token"], CERTIFICATE)
    assert decoded["expire"] == 120 and decoded["rtc"]["privileges"] == {JOIN: 120}
    expires = datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00")).timestamp()
    assert expires == decoded["issued_at"] + 120


@pytest.mark.parametrize("source_type", ["YOUTUBE", "HLS", "RTMP"])
def test_only_agora_streams_have_rtc_tokens(client, attendee, rows, source_type):
    stream = rows.stream(rows.event(), source_type=source_type)
    response = _ask(client, attendee.headers, stream)
    assert response.status_code == 409 and error_code(response) == "not_rtc"


@pytest.mark.parametrize(
    ("app_id", "certificate"),
    [
        (None, None),
        (APP_ID, None),
        (None, CERTIFICATE),
        ("abc", CERTIFICATE),
        (APP_ID, "z" * 32),
        (APP_ID + "0", CERTIFICATE),
    ],
)
def test_without_a_valid_app_id_and_certificate_it_is_503(make_app, app_id, certificate):
    from tests.conftest import UserFactory

    app = make_app(AGORA_APP_ID=app_id, AGORA_APP_CERTIFICATE=certificate)
    user = UserFactory(app)()
    stream = Rows(app).stream(Rows(app).event(), source_type="AGORA", source_url="room")
    response = app.test_client().post(f"/api/streams/{stream}/rtc-token", headers=user.headers)
    assert response.status_code == 503 and error_code(response) == "rtc_not_configured"


def test_hidden_and_unknown_streams_are_404(client, attendee, admin, rows):
    draft = rows.stream(rows.event(project_status="DRAFT"), source_type="AGORA", source_url="secret")
    assert _ask(client, attendee.headers, draft).status_code == 404
    assert _ask(client, admin.headers, draft).status_code == 200
    assert _ask(client, attendee.headers, str(uuid.uuid4())).status_code == 404


@pytest.mark.parametrize("body", [{"role": "host"}, {"role": None}, {"uid": 5}])
def test_bad_bodies_are_400(client, attendee, stream, body):
    response = client.post(f"/api/streams/{stream}/rtc-token", json=body, headers=attendee.headers)
    assert response.status_code == 400


def test_agora_token_expiry_is_bounded():
    from plataforma.config import ConfigError, load_config

    with pytest.raises(ConfigError):
        load_config("/tmp", {"APP_ENV": "testing", "AGORA_TOKEN_EXPIRY": 0})
    assert load_config("/tmp", {"APP_ENV": "testing"})["AGORA_TOKEN_EXPIRY"] == 3600
