"""Lengths and counts that input must respect, in one place.

The marshmallow schemas (REST, sockets), the services' defence-in-depth checks and the
moderator dashboard's forms and templates all read these; change a limit here only.
Imports nothing of ours, so every layer may use it.
"""

from __future__ import annotations

MESSAGE_MAX = 500
QUESTION_MAX = 500

POLL_QUESTION_MAX = 500
POLL_OPTION_MAX = 200
POLL_MIN_OPTIONS = 2
POLL_MAX_OPTIONS = 10

SURVEY_TITLE_MAX = 200
SURVEY_QUESTION_MAX = 500
SURVEY_MAX_FIELDS = 50
SURVEY_TEXT_MAX = 2000
CHOICE_MIN_OPTIONS = 2
CHOICE_MAX_OPTIONS = 20
CHOICE_OPTION_MAX = 200

LIST_MAX = 200  # the largest `limit` of any paginated list

# Moderation (SPEC §15)
SLOW_MODE_MAX = 3600
BLOCKED_TERMS_MAX = 200
BLOCKED_TERM_MAX = 50
BAN_REASON_MAX = 500
BAN_DURATION_MAX = 10 * 365 * 24 * 3600  # ten years; longer is "until lifted" (null)
