"""Streams: reads with visibility, admin changes, the lifecycle (SPEC §11) and the ``stream_status`` broadcast.

The lifecycle is one table, :data:`TRANSITIONS`: moderators start / pause / end a stream
(:func:`change_status`), an admin's ``PATCH status`` obeys the same table (:func:`update_stream`), and
anything else is 409 ``invalid_transition``. ``startedAt`` is set by the first start only (a resume
keeps it), ``endedAt`` by the end. Every change tells each session room of the event
(``stream_status``, numbered) and the webhooks (``stream.started`` / ``stream.paused`` / ``stream.ended``).
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import Select, select

from plataforma.errors import Conflict, NotFound, ValidationFailed
from plataforma.extensions import db
from plataforma.models import Event, EventSession, Profile, Stream, StreamSource, StreamStatus, utcnow
from plataforma.schemas.content import StreamSchema
from plataforma.services import audit, events, get_or_404, parse_uuid, webhooks
from plataforma.services.content import apply_changes, require_admin
from plataforma.services.visibility import published_events, require_staff, visible_event

# Source URL schemes by stream type. YouTube takes a video URL or a bare video id, Agora a
# channel name (Agora's character set); neither may smuggle in another scheme (javascript:...),
# since players put these values into pages.
SOURCE_SCHEMES = {StreamSource.HLS: ("http://", "https://"), StreamSource.RTMP: ("rtmp://", "rtmps://")}
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{6,64}")
AGORA_CHANNEL = re.compile(r"[A-Za-z0-9 !#$%&()+\-:;<=.>?@\[\]^_{|}~,]{1,64}")
SCRIPT_SCHEME = re.compile(r"(javascript|vbscript|data|file|blob):", re.IGNORECASE)

# Target status -> the statuses it may be reached from (SPEC §11). Nothing goes back to IDLE.
TRANSITIONS = {
    StreamStatus.LIVE: frozenset({StreamStatus.IDLE, StreamStatus.PAUSED}),  # start, resume
    StreamStatus.PAUSED: frozenset({StreamStatus.LIVE}),
    StreamStatus.ENDED: frozenset({StreamStatus.LIVE, StreamStatus.PAUSED}),
}
# The moderators' actions (POST /api/streams/:id/<action>) and the status each leads to.
ACTIONS = {"start": StreamStatus.LIVE, "pause": StreamStatus.PAUSED, "end": StreamStatus.ENDED}
ACTION_OF = {status: action for action, status in ACTIONS.items()}
# A new stream starts IDLE, or LIVE at once (its first start).
CREATE_STATUSES = (StreamStatus.IDLE, StreamStatus.LIVE)
# Stream status -> webhook event (SPEC §16); a resume is a start again (``startedAt`` tells them apart).
STREAM_WEBHOOKS = {
    StreamStatus.LIVE: "stream.started",
    StreamStatus.PAUSED: "stream.paused",
    StreamStatus.ENDED: "stream.ended",
}


def can_transition(current: StreamStatus, target: StreamStatus) -> bool:
    return current in TRANSITIONS.get(target, ())


def _visible_streams(actor: Profile) -> Select:
    return published_events(select(Stream).join(Event, Event.id == Stream.event_id), actor)


def get_stream(actor: Profile, stream_id, *, lock: bool = False) -> Stream:
    """A stream the actor may see (404 otherwise); ``lock`` holds its row until the commit (PostgreSQL),
    so two status changes at once are decided one after the other."""
    stream_id = parse_uuid(stream_id, "stream")
    query = _visible_streams(actor).where(Stream.id == stream_id)
    if lock:
        query = query.with_for_update(of=Stream)
    stream = db.session.scalar(query)
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
    if status not in CREATE_STATUSES:
        problem = "A new stream is IDLE or LIVE; then start, pause and end it."
        raise ValidationFailed("A new stream is IDLE or LIVE.", fields={"status": [problem]})
    _check_source(data["source_type"], data.get("source_url"))
    stream = Stream(id=uuid.uuid4(), event_id=event.id, status=StreamStatus.IDLE, **data)
    db.session.add(stream)
    if status != StreamStatus.IDLE:
        _transition(stream, status)
    db.session.flush()
    return stream


def update_stream(actor: Profile, stream_id, changes: dict) -> Stream:
    """Admin PATCH; a ``status`` obeys :data:`TRANSITIONS` (409 ``invalid_transition``), and the
    current status again changes nothing (the same PATCH twice is harmless)."""
    require_admin(actor)
    stream = get_stream(actor, stream_id, lock=True)  # an admin sees every stream
    changes = dict(changes)
    status = changes.pop("status", None)
    _check_source(changes.get("source_type", stream.source_type), changes.get("source_url", stream.source_url))
    apply_changes(stream, changes)
    if status is not None and status != stream.status:
        _transition(stream, status)
        db.session.flush()
        _audit(actor, stream, f"stream.{ACTION_OF[status]}")
    db.session.flush()
    return stream


def change_status(actor: Profile, stream_id, action: str) -> Stream:
    """``start`` (IDLE or PAUSED -> LIVE), ``pause`` (LIVE -> PAUSED), ``end`` (LIVE or PAUSED -> ENDED):
    moderator+; 409 ``invalid_transition`` from any other status."""
    require_staff(actor, "Only moderators can start, pause or end a stream.")
    stream = get_stream(actor, stream_id, lock=True)
    _transition(stream, ACTIONS[action])
    db.session.flush()
    _audit(actor, stream, f"stream.{action}")
    return stream


def _audit(actor: Profile, stream: Stream, action: str) -> None:
    """stream.start / stream.pause / stream.end in the audit log (SPEC §15), by POST or by PATCH."""
    audit.record(actor, stream.event_id, None, action, "stream", stream.id, {"status": stream.status.value})


def _transition(stream: Stream, status: StreamStatus) -> None:
    if not can_transition(stream.status, status):
        raise Conflict(
            f"A {stream.status.value} stream cannot become {status.value}.",
            code="invalid_transition",
        )
    _set_stream_status(stream, status)


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
    """The first start stamps startedAt, the end stamps endedAt; then tell the event's rooms and webhooks."""
    now = utcnow()
    if status == StreamStatus.LIVE and stream.started_at is None:
        stream.started_at = now
    elif status == StreamStatus.ENDED:
        stream.ended_at = now
    stream.status = status
    session_ids = db.session.scalars(select(EventSession.id).where(EventSession.event_id == stream.event_id))
    events.stream_status(session_ids, stream.id, stream.event_id, status.value)
    hook = STREAM_WEBHOOKS.get(status)
    if hook:
        db.session.flush()  # defaults (createdAt) filled in
        webhooks.enqueue(hook, StreamSchema().dump(stream))
