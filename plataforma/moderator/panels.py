"""The live console's panels, in order: the ONE place a panel joins the console.

Each entry renders one ``<section class="panel" id="{id}">`` (with an ``<h2>``) from its partial
template. ``session.html`` includes the partials in this order and builds the phone tab bar
from the same list (a ``#id`` link per panel), so a new panel is one line here — its partial
is not included anywhere else. ``tests/moderator/test_console_tabs.py`` checks that every
section on the page has its tab and the other way round.
"""

from __future__ import annotations

from typing import NamedTuple


class ConsolePanel(NamedTuple):
    id: str  # the section's id: the tab links to #id, so it also works without JavaScript
    label: str  # the tab's text on narrow screens
    template: str  # the partial rendering <section class="panel" id="{id}">


CONSOLE_PANELS: tuple[ConsolePanel, ...] = (
    ConsolePanel("chat", "Chat", "moderator/_chat.html"),
    ConsolePanel("questions", "Questions", "moderator/_questions.html"),
    ConsolePanel("polls", "Polls", "moderator/_polls.html"),
    ConsolePanel("products", "Products", "moderator/_commerce.html"),
    ConsolePanel("stream", "Stream", "moderator/_stream.html"),
    ConsolePanel("pending", "Pending", "moderator/_pending.html"),
    ConsolePanel("moderation", "Moderation", "moderator/_moderation.html"),
)
