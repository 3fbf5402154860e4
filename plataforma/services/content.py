"""Projects, events, sessions, streams and rooms: reads with visibility, admin changes.

Reads apply SPEC §5 (a DRAFT project and everything in it is 404 to non-admins).
Changes are admin-only (checked here too, so every caller gets the same rule),
flush and never commit. Deleting a parent relies on the ``ON DELETE CASCADE``
foreign keys (on SQLite :mod:`plataforma.extensions` turns their enforcement on).
Streams live in :mod:`plataforma.services.streams`.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from plataforma.errors import Conflict, NotFound, ValidationFailed
from plataforma.extensions import db
from plataforma.models import (
    Event,
    EventSession,
    EventStatus,
    Profile,
    Project,
    ProjectStatus,
    Room,
)
from plataforma.schemas.base import clean_text
from plataforma.schemas.content import SLUG_PATTERN
from plataforma.services import get_or_404
from plataforma.services.search import event_filters
from plataforma.services.slugs import RESERVED_SLUGS, available_slug, is_reserved, slugify
from plataforma.services.visibility import published_events, require_admin, visible_event, visible_project
from plataforma.values import as_utc, as_uuid


def apply_changes(obj, changes: dict) -> None:
    for key, value in changes.items():
        setattr(obj, key, value)


def _update(actor: Profile, model, ident, changes: dict, what: str):
    """The plain admin PATCH: load (404), set the given fields, flush."""
    require_admin(actor)
    obj = get_or_404(model, ident, what)
    apply_changes(obj, changes)
    db.session.flush()
    return obj


def _delete(actor: Profile, model, ident, what: str) -> None:
    """Admin DELETE; children go with the parent through ON DELETE CASCADE."""
    require_admin(actor)
    db.session.delete(get_or_404(model, ident, what))
    db.session.flush()


def _check_times(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and as_utc(end) < as_utc(start):
        raise ValidationFailed(
            "The end time is before the start time.", fields={"endTime": ["Must not be before startTime."]}
        )


def _page(query: Select, limit: int, offset: int) -> list:
    return list(db.session.scalars(query.limit(limit).offset(offset)))


# Projects


def list_projects(actor: Profile, *, status: ProjectStatus | None = None, limit: int = 50, offset: int = 0):
    require_admin(actor)
    query = select(Project).order_by(Project.created_at.desc(), Project.id)
    if status is not None:
        query = query.where(Project.status == status)
    return _page(query, limit, offset)


def get_project(actor: Profile, project_id) -> Project:
    return visible_project(actor, project_id)


def create_project(actor: Profile, data: dict) -> Project:
    require_admin(actor)
    project = Project(**data)
    db.session.add(project)
    db.session.flush()
    return project


def update_project(actor: Profile, project_id, changes: dict) -> Project:
    return _update(actor, Project, project_id, changes, "project")


def delete_project(actor: Profile, project_id) -> None:
    """Deletes the project's events and, through them, everything inside."""
    _delete(actor, Project, project_id, "project")


# Events


def _events_newest_first(query: Select) -> Select:
    return query.order_by(Event.start_time.desc().nulls_last(), Event.created_at.desc(), Event.id)


def list_events(
    actor: Profile,
    *,
    status: EventStatus | None = None,
    project_id: uuid.UUID | None = None,
    category: str | None = None,
    tag: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Event]:
    query = event_filters(published_events(select(Event), actor), status=status, category=category, tag=tag)
    if project_id is not None:
        query = query.where(Event.project_id == project_id)
    return _page(_events_newest_first(query), limit, offset)


def get_event(actor: Profile, id_or_slug: str) -> Event:
    """By id when the value is a UUID, else by slug (slugs are never UUID-shaped)."""
    event_id = as_uuid(id_or_slug)
    if event_id is not None:
        return visible_event(actor, event_id)
    slug = id_or_slug.lower()
    if not re.fullmatch(SLUG_PATTERN, slug):  # nothing else can exist (and NUL bytes never reach SQL)
        raise NotFound("Event not found.")
    event = db.session.scalar(published_events(select(Event).where(Event.slug == slug), actor))
    if event is None:
        raise NotFound("Event not found.")
    return event


def live_event(actor: Profile) -> Event:
    """The most recently started LIVE event the actor may see."""
    query = published_events(select(Event).where(Event.status == EventStatus.LIVE), actor)
    event = db.session.scalar(_events_newest_first(query).limit(1))
    if event is None:
        raise NotFound("No event is live.", code="no_live_event")
    return event


def create_event(actor: Profile, data: dict) -> Event:
    require_admin(actor)
    data = dict(data)
    project = get_or_404(Project, data.pop("project_id"), "project")
    _check_times(data.get("start_time"), data.get("end_time"))
    explicit = _explicit_slug(data.pop("slug", None))
    event = Event(id=uuid.uuid4(), project_id=project.id, **data)
    _save_with_slug(event, explicit)
    return event


def update_event(actor: Profile, event_id, changes: dict) -> Event:
    require_admin(actor)
    event = get_or_404(Event, event_id, "event")
    changes = dict(changes)
    _check_times(changes.get("start_time", event.start_time), changes.get("end_time", event.end_time))
    slug_given = "slug" in changes
    explicit = _explicit_slug(changes.pop("slug", None))
    apply_changes(event, changes)
    db.session.flush()  # before the slug's savepoint, so a retry there cannot lose these changes
    if slug_given and explicit != event.slug:
        # ``slug: null`` (or "") asks for one derived from the title again.
        _save_with_slug(event, explicit)
    return event


def delete_event(actor: Profile, event_id) -> None:
    _delete(actor, Event, event_id, "event")


def _explicit_slug(slug: str | None) -> str | None:
    if slug is not None and is_reserved(slug):
        reserved = ", ".join(sorted(RESERVED_SLUGS))
        raise ValidationFailed(
            "This slug is reserved.", fields={"slug": [f"Must not be a UUID or one of: {reserved}."]}
        )
    return slug


def _save_with_slug(event: Event, explicit: str | None, attempts: int = 3) -> None:
    """Flush with the explicit slug (409 if taken) or a derived one (retried on a race)."""
    for attempt in range(attempts):
        slug = explicit or available_slug(slugify(clean_text(event.title)), exclude_id=event.id)
        try:
            # Set inside the savepoint: begin_nested() flushes pending changes before it starts.
            with db.session.begin_nested():
                event.slug = slug
                db.session.add(event)
                db.session.flush()
            return
        except IntegrityError:
            if db.session.scalar(select(Event.id).where(Event.slug == slug)) is None:
                raise
            if explicit or attempt == attempts - 1:
                raise Conflict("An event with this slug already exists.", code="slug_taken") from None


# Sessions


def list_sessions(actor: Profile, event_id) -> list[EventSession]:
    event = visible_event(actor, event_id)
    query = (
        select(EventSession)
        .where(EventSession.event_id == event.id)
        .order_by(EventSession.start_time.asc().nulls_last(), EventSession.created_at, EventSession.id)
    )
    return list(db.session.scalars(query))


def create_session(actor: Profile, data: dict) -> EventSession:
    require_admin(actor)
    data = dict(data)
    event = get_or_404(Event, data.pop("event_id"), "event")
    _check_times(data.get("start_time"), data.get("end_time"))
    session = EventSession(event_id=event.id, **data)
    db.session.add(session)
    db.session.flush()
    return session


def update_session(actor: Profile, session_id, changes: dict) -> EventSession:
    require_admin(actor)
    session = get_or_404(EventSession, session_id, "session")
    _check_times(changes.get("start_time", session.start_time), changes.get("end_time", session.end_time))
    apply_changes(session, changes)
    db.session.flush()
    return session


def delete_session(actor: Profile, session_id) -> None:
    _delete(actor, EventSession, session_id, "session")


# Rooms


def list_rooms(actor: Profile, event_id) -> list[Room]:
    """Main stage first, then in creation order."""
    event = visible_event(actor, event_id)
    query = select(Room).where(Room.event_id == event.id).order_by(Room.is_main_stage.desc(), Room.created_at, Room.id)
    return list(db.session.scalars(query))


def create_room(actor: Profile, data: dict) -> Room:
    require_admin(actor)
    data = dict(data)
    event = get_or_404(Event, data.pop("event_id"), "event")
    room = Room(event_id=event.id, **data)
    db.session.add(room)
    db.session.flush()
    return room


def update_room(actor: Profile, room_id, changes: dict) -> Room:
    return _update(actor, Room, room_id, changes, "room")


def delete_room(actor: Profile, room_id) -> None:
    _delete(actor, Room, room_id, "room")
