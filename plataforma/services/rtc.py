"""RTC tokens for Agora streams (SPEC §11): who gets which uid and which privileges.

* Only ``AGORA`` streams (409 ``not_rtc``); the channel is the stream's ``sourceUrl``.
* ``subscriber`` (join) for anyone who may see the stream, guests included; ``publisher`` (join and
  publish audio, video and data) for moderators and admins only (403).
* A user's uid is stable (same user, same uid: a digest of the user id) and never 0 (Agora's "any
  uid"); user uids are in ``[1, 2^31)``, guests get a fresh random one in ``[2^31, 2^32)`` per call, so a
  guest never takes a user's uid. Two users share a uid with probability ~n²/2^32 (about 1 % for
  10,000 users of one channel; Agora then drops the earlier connection).
* Valid ``AGORA_TOKEN_EXPIRY`` seconds (default 3600) = ``expiresAt``; without a 32-hex-character
  ``AGORA_APP_ID`` and ``AGORA_APP_CERTIFICATE``: 503 ``rtc_not_configured``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from datetime import UTC, datetime

from flask import current_app

from plataforma.errors import Conflict, Forbidden, GuestNotAllowed, ServiceUnavailable
from plataforma.models import StreamSource
from plataforma.services import agora
from plataforma.services.streams import get_stream

USER_UIDS = 2**31  # users: 1 .. 2^31 - 1; guests: 2^31 .. 2^32 - 1


def user_uid(user_id: uuid.UUID) -> int:
    """The stable, non-zero Agora uid of a user."""
    digest = hashlib.sha256(b"plataforma-live/agora-uid/" + user_id.bytes).digest()
    return int.from_bytes(digest[:4], "big") % (USER_UIDS - 1) + 1


def guest_uid() -> int:
    """A fresh uid for a guest, outside the users' range."""
    return USER_UIDS + secrets.randbelow(USER_UIDS)


def _credentials() -> tuple[str, str]:
    app_id = current_app.config.get("AGORA_APP_ID")
    certificate = current_app.config.get("AGORA_APP_CERTIFICATE")
    if not (agora.is_key(app_id) and agora.is_key(certificate)):
        raise ServiceUnavailable(
            "RTC is not configured on this server (AGORA_APP_ID and AGORA_APP_CERTIFICATE).", code="rtc_not_configured"
        )
    return app_id, certificate


def issue_token(actor, stream_id, role: str = "subscriber") -> dict:
    """``{app_id, channel, uid, role, token, expires_at}`` for the stream's Agora channel."""
    stream = get_stream(actor, stream_id)
    if stream.source_type != StreamSource.AGORA or not stream.source_url:
        raise Conflict("This stream is not an Agora (RTC) stream.", code="not_rtc")
    publisher = role == "publisher"
    if publisher and actor.is_guest:
        raise GuestNotAllowed("Guests can only watch: ask for a subscriber token.")
    if publisher and not actor.is_moderator:
        raise Forbidden("Only moderators and admins can publish to a stream.")
    app_id, certificate = _credentials()
    expire = int(current_app.config["AGORA_TOKEN_EXPIRY"])
    issued_at = int(time.time())
    uid = guest_uid() if actor.is_guest else user_uid(actor.id)
    token = agora.rtc_token(
        app_id, certificate, stream.source_url, uid, publisher=publisher, expire=expire, issued_at=issued_at
    )
    return {
        "app_id": app_id,
        "channel": stream.source_url,
        "uid": uid,
        "role": role,
        "token": token,
        "expires_at": datetime.fromtimestamp(issued_at + expire, tz=UTC),
    }
