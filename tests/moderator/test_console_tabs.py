"""The live console's panels and its phone tab bar come from one list (plataforma/moderator/panels.py).

The browser behaviour (tabs, :target without JavaScript, toasts) is in test_browser_phone.py;
these check the markup both rely on, so a panel added without its tab (or the other way round)
fails here.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from plataforma.moderator.panels import CONSOLE_PANELS


class ConsoleMarkup(HTMLParser):
    """Tabs of the tab bar, and the sections, markers and <h2>s directly inside ``[data-panels]``."""

    def __init__(self):
        super().__init__()
        self.tabs: list[tuple[str, str, bool]] = []  # (href, data-tab, is-default)
        self.children: list[tuple[str, str | None]] = []  # (kind, id) in document order
        self.headings: dict[str, int] = {}
        self._in_tabs = False
        self._panels_depth: int | None = None
        self._depth = 0
        self._section: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("link", "input", "br", "img", "meta"):
            self._void(tag, attrs)
            return
        self._depth += 1
        classes = (attrs.get("class") or "").split()
        if "data-console-tabs" in attrs:
            self._in_tabs = True
        if self._in_tabs and tag == "a":
            self.tabs.append((attrs.get("href"), attrs.get("data-tab"), "is-default" in classes))
        if "data-panels" in attrs:
            self._panels_depth = self._depth
        elif self._panels_depth is not None and self._depth == self._panels_depth + 1:
            if tag == "section":
                assert "panel" in classes, attrs
                self.children.append(("panel", attrs.get("id")))
                self._section = attrs.get("id")
            elif "panels__default" in classes:
                self.children.append(("default", None))
            else:
                self.children.append((tag, None))
        if tag == "h2" and self._section:
            self.headings[self._section] = self.headings.get(self._section, 0) + 1

    def _void(self, tag, attrs):
        if self._panels_depth is not None and self._depth == self._panels_depth:
            self.children.append((tag, None))

    def handle_endtag(self, tag):
        if tag in ("link", "input", "br", "img", "meta"):
            return
        if tag == "nav" and self._in_tabs:
            self._in_tabs = False
        if self._panels_depth is not None:
            if self._depth == self._panels_depth + 1 and tag == "section":
                self._section = None
            if self._depth == self._panels_depth:
                self._panels_depth = None
        self._depth -= 1


def console(mod, session_id, html: str | None = None) -> ConsoleMarkup:
    parser = ConsoleMarkup()
    parser.feed(html if html is not None else mod.get(f"/moderator/sessions/{session_id}").get_data(as_text=True))
    return parser


def test_every_panel_has_its_tab_in_the_same_order(mod, live_session):
    page = console(mod, live_session)
    panels = [panel_id for kind, panel_id in page.children if kind == "panel"]
    assert panels == [panel.id for panel in CONSOLE_PANELS]
    assert [(href, tab) for href, tab, _ in page.tabs] == [(f"#{panel.id}", panel.id) for panel in CONSOLE_PANELS]
    assert len(set(panels)) == len(panels)
    assert len(panels) <= 10, "static/moderator.css marks the current tab without JavaScript for up to ten panels"
    # Each panel is a <section class="panel" id> with one <h2> (what the tabs and the CSS rely on).
    assert page.headings == {panel_id: 1 for panel_id in panels}
    # Nothing else sits between the panels but the one default marker (the no-JS CSS counts on it)
    # and perhaps a partial's own stylesheet (better in session.html's head block).
    assert [kind for kind, _ in page.children if kind not in ("panel", "link")] == ["default"]


def test_the_first_panel_is_the_default_one(mod, live_session):
    page = console(mod, live_session)
    assert page.children[:2] == [("default", None), ("panel", CONSOLE_PANELS[0].id)]
    assert [tab for _, tab, is_default in page.tabs if is_default] == [CONSOLE_PANELS[0].id]


def test_a_poll_form_with_errors_shows_the_polls_panel_first(mod, live_session):
    """Without JavaScript an invalid poll re-renders the console (no #polls in the address)."""
    response = mod.post(f"/moderator/sessions/{live_session}/polls", {"question": "", "option": ["A"]})
    assert response.status_code == 400
    page = console(mod, live_session, response.get_data(as_text=True))
    default_at = page.children.index(("default", None))
    assert page.children[default_at + 1] == ("panel", "polls")
    assert [tab for _, tab, is_default in page.tabs if is_default] == ["polls"]


def test_actions_without_javascript_return_to_their_panel(mod, live_session, seed, attendee):
    message = seed.message(live_session, attendee)
    response = mod.post(f"/moderator/sessions/{live_session}/messages/{message}/pin")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/moderator/sessions/{live_session}#chat")


def test_the_console_loads_the_tab_script_and_the_commerce_styles_in_the_head(mod, live_session):
    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    head = html.split("</head>", 1)[0]
    assert "moderator-commerce.css" in head
    assert re.search(r'<script src="/static/moderator-tabs\.js" nonce="[^"]+"></script>', html)
    # The toasts' region sits in the page flow, inside the sticky chrome, not floating over it.
    assert re.search(r'<div class="chrome">\s*<nav class="tabs"', html)
