"""Dashboard form input, validated by the same schemas as the REST API and the sockets."""

from __future__ import annotations

from flask import request
from marshmallow import ValidationError

from plataforma.errors import ValidationFailed
from plataforma.limits import POLL_MAX_OPTIONS
from plataforma.schemas.interaction import PollCreateSchema
from plataforma.values import as_flag

poll_create_schema = PollCreateSchema()


def poll_form_values() -> dict:
    """What the moderator typed, to fill the form again when it has errors."""
    options = [value for value in request.form.getlist("option")][:POLL_MAX_OPTIONS]
    return {
        "question": request.form.get("question", ""),
        "options": options,
        "is_active": as_flag(request.form.get("is_active")) is True,
    }


def load_poll_create(session_id) -> dict:
    """The new poll as ``PollCreateSchema`` loads it; blank option inputs are unused slots, not options."""
    values = poll_form_values()
    options = [text for text in request.form.getlist("option") if text.strip()]
    payload = {"sessionId": str(session_id), "question": values["question"], "options": options}
    if values["is_active"]:
        payload["isActive"] = True
    try:
        return poll_create_schema.load(payload)
    except ValidationError as exc:
        raise ValidationFailed(
            "The poll is not valid: check the highlighted fields.", fields=_flat(exc.messages)
        ) from None


def _flat(messages) -> dict[str, list[str]]:
    """``{"options": {"2": ["Too long."]}}`` -> ``{"options": ["Option 3: Too long."]}``."""
    flat: dict[str, list[str]] = {}
    for field, problems in (messages or {}).items():
        if isinstance(problems, dict):
            flat[field] = [
                f"Option {int(index) + 1}: {message}" if str(index).isdigit() else str(message)
                for index, items in problems.items()
                for message in (items if isinstance(items, list) else [items])
            ]
        else:
            flat[field] = [str(message) for message in problems]
    return flat
