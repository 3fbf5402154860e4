"""All models, imported here so Alembic and ``db.create_all`` see every table."""

from plataforma.models.base import utcnow
from plataforma.models.commerce import Product, Reaction, SessionProduct
from plataforma.models.content import (
    Event,
    EventSession,
    EventStatus,
    Project,
    ProjectStatus,
    Room,
    Stream,
    StreamSource,
    StreamStatus,
)
from plataforma.models.interaction import (
    EventUser,
    Message,
    Poll,
    PollOption,
    PollVote,
    Question,
    QuestionUpvote,
    SessionView,
    Survey,
    SurveyField,
    SurveyFieldType,
    SurveyResponse,
)
from plataforma.models.users import Credential, Profile, RevokedToken, Role, UserStatus

__all__ = [
    "Credential",
    "Event",
    "EventSession",
    "EventStatus",
    "EventUser",
    "Message",
    "Poll",
    "PollOption",
    "PollVote",
    "Product",
    "Profile",
    "Project",
    "ProjectStatus",
    "Question",
    "QuestionUpvote",
    "Reaction",
    "RevokedToken",
    "Role",
    "Room",
    "SessionProduct",
    "SessionView",
    "Stream",
    "StreamSource",
    "StreamStatus",
    "Survey",
    "SurveyField",
    "SurveyFieldType",
    "SurveyResponse",
    "UserStatus",
    "utcnow",
]
