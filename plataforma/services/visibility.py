"""Who may see and do what (SPEC §5): a DRAFT project and everything in it is 404 to non-admins;
a guest (SPEC §12) sees only its own event, while that event allows guests, and everything else is
404 to it; role guards for the services (the roles themselves are ``Role.is_staff`` / ``Role.is_admin``)."""

from __future__ import annotations

import functools

from sqlalchemy import Row, Select, bindparam, select

from plataforma.errors import Forbidden, NotFound
from plataforma.extensions import db
from plataforma.models import Event, EventSession, Guest, Profile, Project, ProjectStatus
from plataforma.services import parse_uuid


def is_admin(actor: Profile | None) -> bool:
    return actor is not None and actor.is_admin


def require_admin(actor: Profile | None, message: str = "Only an admin can change content.") -> None:
    """403 unless ``actor`` is an admin."""
    if not is_admin(actor):
        raise Forbidden(message)


def require_staff(actor: Profile | None, message: str) -> None:
    """403 unless ``actor`` is a moderator or an admin."""
    if actor is None or not actor.is_moderator:
        raise Forbidden(message)


def is_guest(actor) -> bool:
    return actor is not None and actor.is_guest


def _guest_scope(query: Select, event_id) -> Select:
    """Restrict a query that joins ``Event`` to a guest's event, while it allows guests."""
    return query.where(Event.id == event_id, Event.allow_guests.is_(True))


def _without_drafts(query: Select) -> Select:
    """Restrict a query that joins ``Event`` to events whose project is not a DRAFT."""
    return query.join(Project, Project.id == Event.project_id).where(Project.status != ProjectStatus.DRAFT)


def published_events(query: Select, actor: Profile | Guest | None) -> Select:
    """Restrict an ``Event`` query to events whose project non-admins may see (a guest: its event)."""
    if is_admin(actor):
        return query
    query = _without_drafts(query)
    return _guest_scope(query, actor.event_id) if is_guest(actor) else query


def visible_project(actor: Profile | Guest | None, project_id) -> Project:
    project = db.session.get(Project, parse_uuid(project_id, "project"))
    hidden = project is None or (project.status == ProjectStatus.DRAFT and not is_admin(actor))
    if hidden or is_guest(actor):
        raise NotFound("Project not found.")
    return project


def visible_event(actor: Profile | None, event_id) -> Event:
    event_id = parse_uuid(event_id, "event")
    event = db.session.scalar(published_events(select(Event).where(Event.id == event_id), actor))
    if event is None:
        raise NotFound("Event not found.")
    return event


def visible_session(actor: Profile | None, session_id, *, missing: str = "Session not found.") -> EventSession:
    """The session, if its project is visible to ``actor``; one query.

    ``missing`` is the 404 message: a poll of a DRAFT project must answer exactly like a poll
    that does not exist ("Poll not found."), or the message would reveal that it does.
    """
    session = _visible(actor, session_id, ()).scalar()
    if session is None:
        raise NotFound(missing)
    return session


def visible_session_row(actor: Profile | None, session_id, *columns, missing: str = "Session not found.") -> Row:
    """As :func:`visible_session`, but only ``columns`` of the session (and its ``id``), as a Core row:
    for the hot paths (every chat message) that read a few settings and change nothing."""
    row = _visible(actor, session_id, tuple(columns)).one_or_none()
    if row is None:
        raise NotFound(missing)
    return row


def _visible(actor: Profile | None, session_id, columns: tuple):
    """The result of :func:`_session_query` for ``actor`` and ``session_id`` (404 for an id that is not a UUID)."""
    session_id = parse_uuid(session_id, "session")
    guest = is_guest(actor)
    params = {"session_id": session_id, "event_id": actor.event_id} if guest else {"session_id": session_id}
    return db.session.execute(_session_query(is_admin(actor), guest, columns), params)


@functools.cache
def _session_query(admin: bool, guest: bool, columns: tuple) -> Select:
    """:func:`visible_session`'s statement (or :func:`visible_session_row`'s, for ``columns``), built once
    per kind of actor (every chat message runs it)."""
    selected = (EventSession.id, *columns) if columns else (EventSession,)
    query = (
        select(*selected)
        .join(Event, Event.id == EventSession.event_id)
        .where(EventSession.id == bindparam("session_id"))
    )
    if not admin:
        query = _without_drafts(query)
    if guest:
        query = _guest_scope(query, bindparam("event_id"))
    return query


def visible_session_ids(session_ids, *, admin: bool, guest_event=None) -> set:
    """Which of ``session_ids`` exist and are visible to an admin (``admin``), to everyone else, or (with
    ``guest_event``) to the guests of that event."""
    ids = list(session_ids)
    found: set = set()
    for start in range(0, len(ids), 500):
        query = select(EventSession.id).where(EventSession.id.in_(ids[start : start + 500]))
        if not admin:
            query = _without_drafts(query.join(Event, Event.id == EventSession.event_id))
            if guest_event is not None:
                query = _guest_scope(query, guest_event)
        found.update(db.session.scalars(query))
    return found
