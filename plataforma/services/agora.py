"""Agora AccessToken2 (``"007"…``): the token format Agora's RTC SDKs verify, built here.

Why our own ~60 lines and not a package: ``agoraiotools==0.3.4`` (PyPI) builds the RTC tokens of
Agora's published test vectors correctly, but importing it raises ``DeprecationWarning`` (its
package ``__init__`` imports every legacy token module), its salt and issue time can only be fixed
through name-mangled private attributes, it returns ``""`` instead of failing on a bad app id or
certificate, and it drops service types that Agora's own multi-service vector uses. This module
reproduces Agora's published vectors byte for byte (tests/api/test_rtc_tokens.py: the
AgoraDynamicKey repository's ``AccessToken2Test`` strings, salt and issue time fixed).

The format (all integers little-endian)::

    token     = "007" + base64(zlib(string(signature) + info))
    info      = string(app_id) + u32(issued_at) + u32(expire) + u32(salt) + u16(len(services)) + services
    service   = u16(type) + u16(len(privileges)) + [u16(privilege) + u32(expire)]... (by privilege) + fields
    RTC       = type 1, fields string(channel) + string(uid as decimal text, "" for uid 0)
    signature = HMAC-SHA256(key=signing, msg=info), signing = HMAC(u32(salt), HMAC(u32(issued_at), certificate))

``expire`` values are seconds from ``issued_at`` (the token's, and each privilege's).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import time
import zlib
from collections.abc import Iterable

VERSION = "007"
SERVICE_RTC = 1
# RTC privileges.
JOIN_CHANNEL = 1
PUBLISH_AUDIO = 2
PUBLISH_VIDEO = 3
PUBLISH_DATA = 4
SUBSCRIBER_PRIVILEGES = (JOIN_CHANNEL,)
PUBLISHER_PRIVILEGES = (JOIN_CHANNEL, PUBLISH_AUDIO, PUBLISH_VIDEO, PUBLISH_DATA)

_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
UINT32_MAX = 2**32 - 1


def is_key(value: str | None) -> bool:
    """An Agora app id or app certificate: 32 hexadecimal characters."""
    return isinstance(value, str) and bool(_HEX32.fullmatch(value))


def _u16(value: int) -> bytes:
    return struct.pack("<H", value)


def _u32(value: int) -> bytes:
    return struct.pack("<I", value)


def _string(value: str | bytes) -> bytes:
    data = value.encode("utf-8") if isinstance(value, str) else value
    return _u16(len(data)) + data


def service(kind: int, privileges: dict[int, int], fields: bytes = b"") -> bytes:
    """One packed service: its type, its privileges (sorted) with their expiry, then its own fields."""
    packed = _u16(len(privileges)) + b"".join(_u16(p) + _u32(privileges[p]) for p in sorted(privileges))
    return _u16(kind) + packed + fields


def rtc_service(channel: str, uid: int, privileges: Iterable[int], expire: int) -> bytes:
    """The RTC service for ``channel`` and ``uid`` (0 = any uid), each privilege valid ``expire`` seconds."""
    return service(SERVICE_RTC, dict.fromkeys(privileges, expire), _string(channel) + _string(str(uid) if uid else ""))


def build(app_id: str, app_certificate: str, services: list[bytes], *, expire: int, issued_at: int, salt: int) -> str:
    """An AccessToken2 carrying ``services`` (packed by :func:`service`), in the order given."""
    if not (is_key(app_id) and is_key(app_certificate)):
        raise ValueError("The Agora app id and certificate must be 32 hexadecimal characters.")
    info = _string(app_id) + _u32(issued_at) + _u32(expire) + _u32(salt) + _u16(len(services)) + b"".join(services)
    signing = hmac.new(_u32(issued_at), app_certificate.encode(), hashlib.sha256).digest()
    signing = hmac.new(_u32(salt), signing, hashlib.sha256).digest()
    signature = hmac.new(signing, info, hashlib.sha256).digest()
    return VERSION + base64.b64encode(zlib.compress(_string(signature) + info)).decode("ascii")


def rtc_token(
    app_id: str,
    app_certificate: str,
    channel: str,
    uid: int,
    *,
    publisher: bool,
    expire: int,
    issued_at: int | None = None,
    salt: int | None = None,
) -> str:
    """An RTC token: join for a subscriber; join and publish audio, video and data for a publisher."""
    if not 0 <= uid <= UINT32_MAX:
        raise ValueError("An Agora uid is an unsigned 32-bit integer.")
    privileges = PUBLISHER_PRIVILEGES if publisher else SUBSCRIBER_PRIVILEGES
    return build(
        app_id,
        app_certificate,
        [rtc_service(channel, uid, privileges, expire)],
        expire=expire,
        issued_at=int(time.time()) if issued_at is None else issued_at,
        salt=secrets.randbelow(99_999_999) + 1 if salt is None else salt,
    )
