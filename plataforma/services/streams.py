"""Streams: reads with visibility, admin changes, and the ``stream_status`` broadcast."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import Select, select

from plataforma.errors import NotFound, ValidationFailed
from plataforma.extensions import db
from plataforma.models import Event, EventSession, Profile, Stream, StreamSource, StreamStatus, utcnow
from plataforma.schemas.content import StreamSchema
from plataforma.services import events, get_or_404, parse_uuid, webhooks
from plataforma.services.content import apply_changes, require_admin
from plataforma.services.visibility import published_events, visible_event

# Source URL schemes by stream type. YouTube takes a video URL or a bare video id, Agora a
# channel name (Agora's character set); neither may smuggle in another scheme (javascript:...),
# since players put these values into pages.
SOURCE_SCHEMES = {StreamSource.HLS: ("http://", "https://"), StreamSource.RTMP: ("rtmp://", "rtmps://")}
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{6,64}")
AGORA_CHANNEL = re.compile(r"[A-Za-z0-9 !#$%&()+\-:;<=.>?@\[\]^_{|}~,]{1,64}")
# Stream status -> webhook event (SPEC §11/§16); PAUSED joins with the stream lifecycle work.
STREAM_WEBHOOKS = {StreamStatus.LIVE: "stream.started", StreamStatus.ENDED: "stream.ended"}
SCRIPT_SCHEME = re.compile(r"(javascript|vbscript|data|file|blob):", re.IGNORECASE)


def _visible_streams(actor: Profile) -> Select:
    return published_events(select(Stream).join(Event, Event.id == Stream.event_id), actor)


def get_stream(actor: Profile, stream_id) -> Stream:
    stream_id = parse_uuid(stream_id, "stream")
    stream = db.session.scalar(_visible_streams(actor).where(Stream.id == stream_id))
    if stream is None:
        raise NotFound("Stream not found.")
    return stream


def list_streams(actor: Profile, event_id) -> list[Stream]:
    event = visible_event(actor, event_id)
    query = select(Stream).where(Stream.event_id == event.id).order_by(Stream.created_at, Stream.id)
    return list(db.session.scalars(query))


def active_stream(actor: Profile, event_id) -> Stream:
    """The event's LIVE stream (the most recently started if several are)."""
    event = visible_event(actor, event_id)
    query = (
        select(Stream)
        .where(Stream.event_id == event.id, Stream.status == StreamStatus.LIVE)
        .order_by(Stream.started_at.desc().nulls_last(), Stream.created_at.desc())
        .limit(1)
    )
    stream = db.session.scalar(query)
    if stream is None:
        raise NotFound("The event has no live stream.", code="no_active_stream")
    return stream


def create_stream(actor: Profile, data: dict) -> Stream:
    require_admin(actor)
    data = dict(data)
    event = get_or_404(Event, data.pop("event_id"), "event")
    status = data.pop("status", StreamStatus.IDLE)
    _check_source(data["source_type"], data.get("source_url"))
    stream = Stream(id=uuid.uuid4(), event_id=event.id, status=StreamStatus.IDLE, **data)
    db.session.add(stream)
    _set_stream_status(stream, status)
    db.session.flush()
    return stream


def update_stream(actor: Profile, stream_id, changes: dict) -> Stream:
    require_admin(actor)
    stream = get_or_404(Stream, stream_id, "stream")
    changes = dict(changes)
    status = changes.pop("status", None)
    _check_source(changes.get("source_type", stream.source_type), changes.get("source_url", stream.source_url))
    apply_changes(stream, changes)
    if status is not None:
        _set_stream_status(stream, status)
    db.session.flush()
    return stream


def _check_source(source_type: StreamSource, source_url: str | None) -> None:
    if not source_url:
        return
    schemes = SOURCE_SCHEMES.get(source_type)
    if schemes:
        problem = None if source_url.lower().startswith(schemes) else f"must start with {' or '.join(schemes)}"
    elif source_type == StreamSource.YOUTUBE:
        ok = source_url.lower().startswith(("https://", "http://")) or YOUTUBE_ID.fullmatch(source_url)
        problem = None if ok else "must be a YouTube URL (http/https) or a video id"
    else:  # AGORA: a channel name, never a URL of another kind
        ok = AGORA_CHANNEL.fullmatch(source_url) and not SCRIPT_SCHEME.match(source_url)
        problem = None if ok else "must be an Agora channel name (up to 64 letters, digits and symbols)"
    if problem:
        raise ValidationFailed(
            "The source URL does not fit the source type.",
            fields={"sourceUrl": [f"A {source_type.value} source {problem}."]},
        )


def _set_stream_status(stream: Stream, status: StreamStatus) -> None:
    """Going LIVE stamps startedAt, ENDED stamps endedAt, IDLE resets both; then tell the event's rooms."""
    if status == stream.status:
        return
    now = utcnow()
    if status == StreamStatus.LIVE:
        stream.started_at, stream.ended_at = now, None
    elif status == StreamStatus.ENDED:
        stream.ended_at = now
    else:
        stream.started_at = stream.ended_at = None
    stream.status = status
    session_ids = db.session.scalars(select(EventSession.id).where(EventSession.event_id == stream.event_id))
    events.stream_status(session_ids, stream.id, stream.event_id, status.value)
    hook = STREAM_WEBHOOKS.get(status)
    if hook:
        db.session.flush()  # defaults (createdAt) filled in
        webhooks.enqueue(hook, StreamSchema().dump(stream))
