"""Idempotent demo data: run ``flask --app wsgi seed-demo`` as often as you like."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from plataforma.extensions import db
from plataforma.models import (
    Credential,
    Event,
    EventSession,
    EventStatus,
    Poll,
    PollOption,
    Product,
    ProductFeatureSpan,
    Project,
    ProjectStatus,
    Role,
    Room,
    SessionProduct,
    Stream,
    StreamSource,
    StreamStatus,
    Survey,
    SurveyField,
    SurveyFieldType,
    utcnow,
)
from plataforma.services import accounts, commit

DEMO_USERS = [
    (Role.ADMIN, "admin@demo.plataforma.live", "demo-admin-pass", "Ada Admin"),
    (Role.MODERATOR, "moderator@demo.plataforma.live", "demo-moderator-pass", "Mo Moderator"),
    (Role.ATTENDEE, "attendee@demo.plataforma.live", "demo-attendee-pass", "Ana Attendee"),
]
DEMO_SLUG = "plataforma-live-demo"


def seed_demo() -> list[tuple[str, str, str]]:
    for role, email, password, name in DEMO_USERS:
        if db.session.scalar(select(Credential).where(Credential.email == email)) is None:
            accounts.create_user(email=email, password=password, name=name, role=role)

    if db.session.scalar(select(Event).where(Event.slug == DEMO_SLUG)) is None:
        _seed_event()
    commit()
    return [(role.value, email, password) for role, email, password, _ in DEMO_USERS]


def _seed_event() -> None:
    now = utcnow()
    project = Project(
        name="Plataforma Live Demo",
        description="A demo project with one live event.",
        status=ProjectStatus.LIVE,
        youtube_video_id="dQw4w9WgXcQ",
    )
    event = Event(
        project=project,
        title="Plataforma Live Demo",
        slug=DEMO_SLUG,
        description="Keynote, panel and live shopping.",
        status=EventStatus.LIVE,
        start_time=now - timedelta(minutes=30),
        end_time=now + timedelta(hours=3),
        allow_guests=True,  # try guest viewers: POST /api/auth/guest {eventId}
    )
    keynote = EventSession(
        event=event,
        title="Opening keynote",
        speaker="Dr. Live",
        start_time=now - timedelta(minutes=30),
        end_time=now + timedelta(minutes=30),
    )
    panel = EventSession(
        event=event,
        title="Panel: the future of live events",
        speaker="Panel",
        start_time=now + timedelta(minutes=45),
        end_time=now + timedelta(hours=2),
    )
    db.session.add_all([project, event, keynote, panel])
    db.session.flush()

    db.session.add(
        Stream(
            event_id=event.id,
            source_type=StreamSource.YOUTUBE,
            source_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            status=StreamStatus.LIVE,
            started_at=now - timedelta(minutes=30),
        )
    )
    db.session.add_all(
        [
            Room(event_id=event.id, name="Main stage", speaker="Dr. Live", topic="Keynote", is_main_stage=True),
            Room(event_id=event.id, name="Breakout A", speaker="Bea", topic="Workshops"),
        ]
    )
    poll = Poll(session_id=keynote.id, question="Where are you watching from?", is_active=True)
    db.session.add(poll)
    db.session.flush()
    for position, text in enumerate(["Europe", "Americas", "Asia", "Elsewhere"]):
        db.session.add(PollOption(poll_id=poll.id, text=text, position=position))
    survey = Survey(session_id=keynote.id, title="How was the keynote?", is_active=True)
    survey.fields = [
        SurveyField(question="Rate the keynote", type=SurveyFieldType.RATING, required=True, position=0),
        SurveyField(question="Best part?", type=SurveyFieldType.CHOICE, options=["Talk", "Q&A", "Demo"], position=1),
        SurveyField(question="Anything else?", type=SurveyFieldType.TEXT, position=2),
    ]
    db.session.add(survey)
    _seed_products(keynote.id, now)


DEMO_PRODUCTS = [
    # name, price, original price, description; the first is featured in the keynote
    ("Plataforma hoodie", "49.90", "59.90", "Organic cotton hoodie with the Plataforma Live logo."),
    ("Conference mug", "12.00", None, "A 350 ml ceramic mug for the long sessions."),
    ("Live sticker pack", "4.50", None, "Ten vinyl stickers."),
]


def _seed_products(session_id, now) -> None:
    for order, (name, price, original, description) in enumerate(DEMO_PRODUCTS):
        product = Product(
            name=name,
            description=description,
            price=Decimal(price),
            original_price=Decimal(original) if original else None,
            currency="USD",
            category="merch",
            in_stock=True,
        )
        db.session.add(product)
        db.session.flush()
        featured = order == 0
        db.session.add(
            SessionProduct(
                session_id=session_id,
                product_id=product.id,
                featured=featured,
                display_order=order,
                featured_at=now if featured else None,
                added_at=now,
            )
        )
        if featured:
            db.session.add(ProductFeatureSpan(session_id=session_id, product_id=product.id, started_at=now))
