"""The dashboard on a phone, in a real browser against a real server (``python wsgi.py``).

A 390 x 844 phone (device scale 3, touch) and a 360 px one visit every dashboard page with
demo-like data (long messages, unbroken words and URLs, long product names, many polls):
no page scrolls sideways and every visible control is a 44 x 44 px touch target. On the live
console the panels are tabs: with JavaScript real ARIA tabs (click, arrow keys, unseen counts,
the selection kept across live updates, a reconnect and a reload), without JavaScript #id links
the CSS follows (:target). A toast never covers a control: whatever was clickable before it
appears is still clickable after it, or was pushed down out of view. A 1280 x 800 desktop keeps
the three columns.

Full-page screenshots go to a ``phone-screenshots`` folder in the test's temporary directory (the
path is printed; ``MODERATOR_SCREENSHOT_DIR`` gets copies). Same set-up as test_browser.py (its
fixtures are reused): Debian's Chromium, skipped without it unless CI is set.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from plataforma.moderator.panels import CONSOLE_PANELS
from tests.moderator.test_browser import PASSWORD, Attendee, chromium, database, server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "reduced_motion": "reduce",
}
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänsmütze" * 3
LONG_URL = "https://example.com/" + "a-very-long-path-segment-without-any-spaces/" * 4 + "?utm_source=" + "x" * 40
BRAND = "rgb(79, 70, 229)"  # --brand: the selected tab's colour

# Everything a finger can press. A checkbox counts by its <label> (the whole label toggles it).
CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=tab]"

# On a phone a page wider than the screen is zoomed out to fit, and innerWidth grows with it: so
# the page must not be wider than the device (the layout viewport, clientWidth) either.
PAGE_FITS_JS = """
(device) => {
  const doc = document.documentElement;
  const width = device;
  // Who sticks out (ignoring what sits inside a sideways scroller, like the tab bar).
  const scroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    // Not rendered (inside a closed <details>, whose content Chromium lays out but does not show).
    if (!el.checkVisibility()) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 0.5 && !scroller(el)) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
    }
  }
  return {
    scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, clientWidth: doc.clientWidth, device,
    wide: wide.slice(0, 8),
  };
}
"""

SMALL_TARGETS_JS = """
(selector) => {
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    let box = el.getBoundingClientRect();
    if (!box.width || !box.height || !el.checkVisibility({visibilityProperty: true})) continue;
    if (box.right <= 0 || box.bottom + window.scrollY <= 0) continue;  // parked off screen (the skip link)
    if (el.type === "checkbox" || el.type === "radio") box = (el.closest("label") || el).getBoundingClientRect();
    if (box.width < 43.5 || box.height < 43.5) {
      const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.type || "").trim().slice(0, 40);
      small.push(`${el.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}
"""

# A control is on screen when its centre is inside the viewport and inside every scrolling box
# around it (a panel's own scroller on a desktop, the sideways tab bar); a tap there reaches it
# when the hit test finds the control itself or something inside it.
ON_SCREEN_JS = """
const onScreen = (el) => {
  // Not rendered (e.g. inside a closed <details>, which keeps a layout box in Chromium).
  if (!el.checkVisibility({visibilityProperty: true})) return null;
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height) return null;
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) return null;
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const style = getComputedStyle(p);
    if (style.overflowX === "visible" && style.overflowY === "visible") continue;
    const c = p.getBoundingClientRect();
    if (x < c.left || x > c.right || y < c.top || y > c.bottom) return null;
  }
  return {x, y};
};
const reachable = (el, point) => {
  const hit = document.elementFromPoint(point.x, point.y);
  return Boolean(hit && (hit === el || el.contains(hit)));
};
const describe = (el, point) => {
  const hit = document.elementFromPoint(point.x, point.y);
  const name = (el.textContent || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 30);
  const where = `${Math.round(point.x)},${Math.round(point.y)}`;
  return `${el.tagName.toLowerCase()} "${name}" at ${where} under ${hit && hit.className}`;
};
"""

# Every control on screen that a tap cannot reach.
BLOCKED_JS = (
    "(selector) => {"
    + ON_SCREEN_JS
    + """
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    const point = onScreen(el);
    if (point && !reachable(el, point)) out.push(describe(el, point));
  }
  return out;
}"""
)

# Remember the controls a tap reaches now (but not inside `skip`, e.g. the item the action moves)...
PROBE_JS = (
    "([selector, skip]) => {"
    + ON_SCREEN_JS
    + """
  const moving = skip ? document.querySelector(skip) : null;
  window.__probe = [...document.querySelectorAll(selector)].filter((el) => {
    const point = onScreen(el);
    return point && reachable(el, point) && !(moving && moving.contains(el));
  });
  return window.__probe.length;
}"""
)

# ...and later: which of them are still on screen but can no longer be reached.
PROBE_AGAIN_JS = (
    "() => {"
    + ON_SCREEN_JS
    + """
  return window.__probe.filter((el) => el.isConnected).map((el) => [el, onScreen(el)])
    .filter(([el, point]) => point && !reachable(el, point)).map(([el, point]) => describe(el, point));
}"""
)


def _seed_demo_like(database_url: str, ids: dict) -> None:
    """A busy session: attendees, 30 chat messages, 12 questions, 8 polls, products, views, webhooks."""
    import sqlalchemy as sa

    from plataforma import create_app
    from plataforma.extensions import db
    from plataforma.models import (
        Credential,
        DeliveryStatus,
        Event,
        EventSession,
        EventStatus,
        Message,
        Poll,
        PollOption,
        PollVote,
        Product,
        Profile,
        Project,
        ProjectStatus,
        Question,
        Role,
        SessionProduct,
        SessionView,
        Webhook,
        WebhookDelivery,
        utcnow,
    )
    from plataforma.services import accounts

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        now = utcnow()
        session = db.session.get(EventSession, uuid.UUID(ids["session"]))
        event = session.event
        # The moderator becomes an admin: the webhooks page is admin only.
        moderator = db.session.scalar(sa.select(Profile).join(Credential).where(Credential.email == "mod@browser.test"))
        moderator.role = Role.ADMIN
        event.description = f"Three days of talks. Details: {LONG_URL} and {LONG_WORD}."
        session.speaker = "Dr. Maximiliana Evangelina Rodríguez-Oppenheimer"

        people = [
            accounts.create_user(email=f"fan{i}@browser.test", password=None, name=name)
            for i, name in enumerate(["Flo Fan", "Ana", "Bea Longname " + "X" * 60, "Chen", "Dmitri", LONG_WORD[:110]])
        ]
        texts = [
            "Hello from the back row!",
            f"Slides? {LONG_URL}",
            f"This is {LONG_WORD} and it goes on",
            "Can you repeat the part about back-pressure and the event log? " * 3,
            "👏👏👏 great demo",
            "Audio is clear here",
        ]
        messages = []
        for i in range(30):
            message = Message(
                session_id=session.id,
                user_id=people[i % len(people)].id,
                text=texts[i % len(texts)],
                is_pinned=i in (3, 11),
                is_deleted=i == 7,
            )
            message.created_at = now - timedelta(minutes=60 - i)
            messages.append(message)
        db.session.add_all(messages)

        questions = []
        for i in range(12):
            question = Question(
                session_id=session.id,
                user_id=people[i % len(people)].id,
                text=[f"How does {LONG_WORD} scale?", "Costs at 10k viewers? " * 4, f"Docs: {LONG_URL}"][i % 3],
                upvotes=(12 - i) * 3,
                is_answered=i == 2,
                is_hidden=i == 5,
            )
            question.created_at = now - timedelta(minutes=40 - i)
            questions.append(question)
        db.session.add_all(questions)

        for i in range(8):
            question = (
                f"Poll {i + 1}: which {LONG_WORD[:60]} topic next?"
                if i % 2
                else f"Poll {i + 1}: what should we cover in the next session of this very long conference?"
            )
            poll = Poll(session_id=session.id, question=question, is_active=i == 0)
            poll.options = [
                PollOption(text=text, position=j)
                for j, text in enumerate(["Scaling", "Security " + LONG_WORD[:80], "Costs", "Something else entirely"])
            ]
            db.session.add(poll)
            db.session.flush()
            for k, person in enumerate(people[: 2 + i % 4]):
                db.session.add(PollVote(poll_id=poll.id, option_id=poll.options[k % 4].id, user_id=person.id))

        products = [
            Product(name=name, price=Decimal(price), currency="EUR", in_stock=i != 2, original_price=Decimal("99.00"))
            for i, (name, price) in enumerate(
                [
                    ("Hoodie", "49.90"),
                    ("Limited edition conference backpack with a very long product name for testing", "89.00"),
                    (LONG_WORD[:150], "19.00"),
                    ("Mug", "12.00"),
                    ("Sticker pack", "4.50"),
                    ("Catalogue only: " + LONG_WORD[:120], "7.00"),
                    ("Catalogue only: cap", "15.00"),
                ]
            )
        ]
        db.session.add_all(products)
        db.session.flush()
        for order, product in enumerate(products[:5]):
            db.session.add(
                SessionProduct(session_id=session.id, product_id=product.id, display_order=order, featured=order == 1)
            )

        for i, person in enumerate(people):
            joined = now - timedelta(hours=3) + timedelta(minutes=20 * i)
            view = SessionView(session_id=session.id, user_id=person.id, joined_at=joined)
            view.left_at = now - timedelta(minutes=10 * i)
            db.session.add(view)

        other = Project(name="A project with a rather long name " + LONG_WORD[:50], status=ProjectStatus.LIVE)
        db.session.add(other)
        for i in range(4):
            db.session.add(
                Event(
                    project=other,
                    title=f"Event {i}: {LONG_WORD[:100]}",
                    slug=f"event-{i}",
                    status=EventStatus.SCHEDULED,
                    start_time=now + timedelta(days=i + 1),
                )
            )
        db.session.add(
            EventSession(
                event=event,
                title="Panel: " + LONG_WORD[:120],
                speaker="Many speakers " * 5,
                start_time=now + timedelta(hours=2),
            )
        )

        hooks = [
            Webhook(
                url=LONG_URL,
                events=["message.created", "poll.closed", "stream.started"],
                secret="whsec_x",
                description="The CRM integration " + LONG_WORD[:60],
            ),
            Webhook(url="https://hooks.example.com/short", events=["user.banned"], secret="whsec_y"),
        ]
        db.session.add_all(hooks)
        db.session.flush()
        for i in range(6):
            status = [DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.PENDING][i % 3]
            db.session.add(
                WebhookDelivery(
                    webhook_id=hooks[i % 2].id,
                    event="message.created",
                    payload={"n": i},
                    status=status,
                    attempts=i,
                    attempts_left=3,
                    last_status_code=500 if status != DeliveryStatus.DELIVERED else 200,
                    last_error=None if status == DeliveryStatus.DELIVERED else "Timeout: " + LONG_WORD[:100],
                    # A pending delivery is not due: the server's worker leaves it alone.
                    next_attempt_at=now + timedelta(days=1) if status == DeliveryStatus.PENDING else None,
                )
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _sign_in(page, base: str, next_path: str) -> None:
    page.goto(base + f"/moderator/login?next={next_path}")
    page.get_by_label("Email").fill("mod@browser.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: urlsplit(url).path == next_path)


def _assert_fits(page, where: str) -> None:
    fits = page.evaluate(PAGE_FITS_JS, page.viewport_size["width"])
    assert fits["innerWidth"] == fits["clientWidth"] == fits["device"], f"{where}: zoomed out to fit {fits}"
    assert fits["scrollWidth"] <= fits["innerWidth"], f"{where}: scrolls sideways {fits}"
    assert fits["wide"] == [], f"{where}: wider than the screen {fits}"
    small = page.evaluate(SMALL_TARGETS_JS, CONTROLS)
    assert small == [], f"{where}: touch targets under 44x44 px: {small}"


class Shots:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        print(f"\nphone screenshots: {folder}")

    def __call__(self, page, name: str, full_page: bool = True) -> None:
        page.screenshot(path=str(self.folder / f"{name}.png"), full_page=full_page)

    def publish(self) -> None:
        target = os.environ.get("MODERATOR_SCREENSHOT_DIR")
        if target:
            for path in self.folder.glob("*.png"):
                shutil.copy(path, Path(target) / path.name)


def _watch(page, problems: list[str]) -> None:
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)


def _panels_shown(page) -> list[str]:
    return page.eval_on_selector_all("[data-panels] > .panel", "els => els.filter(e => e.offsetParent).map(e => e.id)")


def test_every_dashboard_page_fits_a_phone(chromium, server, database, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, session_id, event_id = server["url"], server["session"], server["event"]
    _seed_demo_like(database, server)
    shots = Shots(tmp_path / "phone-screenshots")
    problems: list[str] = []
    pages = {
        "events": "/moderator",
        "event": f"/moderator/events/{event_id}",
        "session": f"/moderator/sessions/{session_id}",
        "analytics": f"/moderator/sessions/{session_id}/analytics",
        "analytics-minute": f"/moderator/sessions/{session_id}/analytics?bucket=minute",
        "webhooks": "/moderator/webhooks",
        "audit": f"/moderator/events/{event_id}/audit",
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            for width in (390, 360):
                context = browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 844}})
                page = context.new_page()
                _watch(page, problems)
                expect.set_options(timeout=15_000)
                page.goto(base + "/moderator/login")
                _assert_fits(page, f"login @{width}")
                shots(page, f"login-{width}")
                _sign_in(page, base, "/moderator")
                for name, path in pages.items():
                    page.goto(base + path)
                    if name == "analytics":
                        page.get_by_text("Timeline as a table").click()  # open the table too
                    if name == "session":
                        expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")
                        # Every tab's panel, one at a time.
                        for tab in page.get_by_role("tab").all():
                            tab.click()
                            panel_id = tab.get_attribute("aria-controls")
                            expect(page.locator(f"#{panel_id}")).to_be_visible()
                            _assert_fits(page, f"session #{panel_id} @{width}")
                            shots(page, f"session-{panel_id}-{width}")
                        continue
                    _assert_fits(page, f"{name} @{width}")
                    shots(page, f"{name}-{width}")
                context.close()

            # The desktop keeps its columns: chat, questions and polls side by side, no tab bar.
            desktop = browser.new_page(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
            _watch(desktop, problems)
            _sign_in(desktop, base, f"/moderator/sessions/{session_id}")
            expect(desktop.locator("[data-conn]")).to_have_attribute("data-state", "live")
            expect(desktop.locator("[data-console-tabs]")).to_be_hidden()
            boxes = [desktop.locator(f"#{name}").bounding_box() for name in ("chat", "questions", "polls")]
            assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"], boxes
            assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"], boxes
            assert all(box["width"] > 350 for box in boxes), boxes
            fits = desktop.evaluate(PAGE_FITS_JS, 1280)
            assert fits["scrollWidth"] <= fits["innerWidth"] == 1280 and fits["wide"] == [], fits
            shots(desktop, "session-desktop-1280", full_page=False)
        finally:
            browser.close()
    shots.publish()
    assert problems == []


def test_console_tabs_and_toasts_on_a_phone(chromium, server, database, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, session_id = server["url"], server["session"]
    _seed_demo_like(database, server)
    shots = Shots(tmp_path / "phone-screenshots")
    attendee = Attendee(base, session_id)
    problems: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
            try:
                context = browser.new_context(**PHONE)
                page = context.new_page()
                _watch(page, problems)
                expect.set_options(timeout=15_000)
                _sign_in(page, base, f"/moderator/sessions/{session_id}")
                expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")
                page.evaluate("window.__noReload = 'still here'")

                # Proper tabs: one tablist, a tab per panel, the first one selected.
                expect(page.get_by_role("tablist")).to_have_count(1)
                tabs = page.get_by_role("tab")
                expect(tabs).to_have_text([re.compile(panel.label) for panel in CONSOLE_PANELS])
                chat_tab = page.get_by_role("tab", name="Chat")
                expect(chat_tab).to_have_attribute("aria-selected", "true")
                assert _panels_shown(page) == ["chat"]
                expect(page.locator("#chat")).to_have_attribute("role", "tabpanel")

                # Click: Questions.
                page.get_by_role("tab", name="Questions").click()
                assert _panels_shown(page) == ["questions"]
                expect(page.get_by_role("tab", name="Questions")).to_have_attribute("aria-selected", "true")
                expect(chat_tab).to_have_attribute("aria-selected", "false")
                expect(chat_tab).to_have_attribute("tabindex", "-1")
                assert page.url.endswith("#questions")

                # Keys: arrows move and select, End / Home jump, focus follows.
                page.get_by_role("tab", name="Questions").focus()
                page.keyboard.press("ArrowRight")
                expect(page.get_by_role("tab", name="Polls")).to_be_focused()
                assert _panels_shown(page) == ["polls"]
                page.keyboard.press("End")
                assert _panels_shown(page) == [CONSOLE_PANELS[-1].id]
                page.keyboard.press("ArrowRight")  # wraps around
                assert _panels_shown(page) == ["chat"]
                page.keyboard.press("ArrowLeft")
                assert _panels_shown(page) == [CONSOLE_PANELS[-1].id]
                page.keyboard.press("Home")
                page.keyboard.press("ArrowRight")
                page.keyboard.press("ArrowRight")
                assert _panels_shown(page) == ["polls"]

                # Live updates land in the other tabs: counted as unseen there, the selection stays.
                assert attendee.join() >= 2
                message = attendee.say("New while you look at the polls " + LONG_WORD)
                expect(page.locator(f"#msg-{message['id']}")).to_have_count(1)
                response = attendee.http.post(
                    base + "/api/questions", json={"sessionId": session_id, "text": "A new question?"}, timeout=10
                )
                assert response.status_code == 201, response.text
                attendee.say("And another message")
                expect(page.locator('[data-tab="chat"] [data-unseen]')).to_have_text("2")
                expect(page.locator('[data-tab="questions"] [data-unseen]')).to_have_text("1")
                expect(page.get_by_role("tab", name="Chat, 2 new")).to_be_visible()
                expect(page.locator('[data-tab="polls"] [data-unseen]')).to_be_hidden()
                assert _panels_shown(page) == ["polls"]
                shots(page, "tabs-unseen", full_page=False)

                # A dropped connection: the page reconnects and re-reads the lists; still on Polls.
                # (The items now on the page are marked: the resync replaces them with fresh ones.)
                page.evaluate("document.querySelectorAll('[data-list] > *').forEach((el) => el.dataset.stale = '1')")
                page.evaluate("window.plataformaConsole.socket.io.engine.close()")
                expect(page.locator("[data-conn]")).not_to_have_attribute("data-state", "live")
                expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")
                expect(page.locator('[data-list="polls"] > [data-stale]')).to_have_count(0)
                expect(page.locator('[data-list="chat"] > [data-stale]')).to_have_count(0)
                assert _panels_shown(page) == ["polls"]
                expect(page.get_by_role("tab", name="Polls")).to_have_attribute("aria-selected", "true")

                # Toasts never cover a control. Bring a poll's button near the bottom of the screen
                # (where the toasts used to float), note every control a tap reaches, act, compare.
                # The poll itself moves to the top of the list (the live one comes first): not counted.
                closed = page.locator("#polls .poll:not(.is-active)").nth(2)
                closed_id = closed.get_attribute("id")
                button = closed.get_by_role("button", name="Activate")
                button.scroll_into_view_if_needed()
                page.evaluate("(y) => window.scrollBy(0, y)", button.bounding_box()["y"] - 700)
                assert page.evaluate(PROBE_JS, [CONTROLS, f"#{closed_id}"]) >= 5
                scrolled = page.evaluate("window.scrollY")
                assert scrolled > 0
                button.click()
                toast = page.locator(".flashes .flash--success").last
                expect(toast).to_contain_text("Poll is live")
                expect(toast).to_be_in_viewport()
                covered = page.evaluate(PROBE_AGAIN_JS)
                assert covered == [], f"the toast covers controls: {covered}"
                # It pushed the page down instead (no scroll anchoring moved the page back under it).
                assert page.evaluate("window.scrollY") == scrolled
                shots(page, "toast-phone", full_page=False)

                # The same at the top of the page: every control on screen can be tapped.
                page.get_by_role("tab", name="Chat").click()
                page.evaluate("window.scrollTo(0, 0)")
                first = page.locator("#chat [data-message-id]:not(.is-deleted)").first
                first.get_by_role("button", name=re.compile("Pin|Unpin")).click()
                expect(page.locator(".flashes .flash--success").last).to_contain_text(re.compile("Message (un)?pinned"))
                # A toast can be dismissed with a 44 px button.
                close_box = page.locator(".flashes .flash__close").last.bounding_box()
                assert close_box["width"] >= 44 and close_box["height"] >= 44, close_box
                page.evaluate("window.scrollTo(0, 0)")
                blocked = page.evaluate(BLOCKED_JS, CONTROLS)
                assert blocked == [], f"not reachable with toasts on screen: {blocked}"
                shots(page, "toasts-top-phone", full_page=False)

                # The chat tab's unseen count was cleared when it was opened; a reload keeps the tab.
                expect(page.locator('[data-tab="chat"] [data-unseen]')).to_be_hidden()
                expect(page.locator(f"#msg-{message['id']}")).to_be_visible()
                assert page.evaluate("window.__noReload") == "still here"
                page.get_by_role("tab", name="Products").click()
                page.reload()
                expect(page.get_by_role("tab", name="Products")).to_have_attribute("aria-selected", "true")
                assert _panels_shown(page) == ["products"]
                context.close()

                # A desktop: a toast does not cover the polls (it used to float over the bottom right).
                desktop = browser.new_page(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
                _watch(desktop, problems)
                _sign_in(desktop, base, f"/moderator/sessions/{session_id}")
                expect(desktop.locator("[data-conn]")).to_have_attribute("data-state", "live")
                desktop.locator("#questions [data-question-id]").first.get_by_role(
                    "button", name=re.compile("Mark answered|Reopen")
                ).click()
                expect(desktop.locator(".flashes .flash--success").last).to_contain_text("Question marked as answered")
                blocked = desktop.evaluate(BLOCKED_JS, CONTROLS)
                assert blocked == [], f"not reachable with a toast on screen: {blocked}"
                shots(desktop, "toast-desktop-1280", full_page=False)
                assert problems == []
            finally:
                browser.close()
    finally:
        attendee.close()
    shots.publish()


def test_console_tabs_work_without_javascript(chromium, server, database, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, session_id = server["url"], server["session"]
    _seed_demo_like(database, server)
    shots = Shots(tmp_path / "phone-screenshots")
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(**PHONE, java_script_enabled=False)
            page = context.new_page()
            _watch(page, problems)
            expect.set_options(timeout=15_000)
            _sign_in(page, base, f"/moderator/sessions/{session_id}")
            expect(page.get_by_role("heading", name="Keynote: shipping live")).to_be_visible()

            def selected_tabs() -> list[str]:
                return page.eval_on_selector_all(
                    "[data-console-tabs] [data-tab]",
                    f"els => els.filter(e => getComputedStyle(e).color === '{BRAND}').map(e => e.dataset.tab)",
                )

            # Links, not ARIA tabs; the default panel (chat) shows and its tab is marked.
            expect(page.get_by_role("tab")).to_have_count(0)
            assert _panels_shown(page) == ["chat"]
            assert selected_tabs() == ["chat"]
            _assert_fits(page, "no-JS session #chat")
            shots(page, "nojs-chat")

            for name in ("Questions", "Polls", "Products", "Chat"):
                page.get_by_role("link", name=name, exact=True).click()
                panel_id = name.lower()
                page.wait_for_url(re.compile(f"#{panel_id}$"))
                assert _panels_shown(page) == [panel_id]
                assert selected_tabs() == [panel_id]
                _assert_fits(page, f"no-JS session #{panel_id}")
            shots(page, "nojs-questions-after-loop")

            # A form posts and redirects back to its panel (#polls), which shows with the notice.
            page.get_by_role("link", name="Polls", exact=True).click()
            polls = page.locator("#polls")
            polls.locator("summary", has_text="New poll").click()  # <details>: no script needed
            polls.get_by_label("Question").fill("Made without JavaScript?")
            polls.get_by_label("Option 1", exact=True).fill("Yes")
            polls.get_by_label("Option 2", exact=True).fill("Also yes")
            polls.get_by_role("button", name="Create poll").click()
            page.wait_for_url(re.compile(r"#polls$"))
            assert _panels_shown(page) == ["polls"]
            expect(page.locator(".flash--success")).to_contain_text("Poll created")
            expect(page.locator(".flash--success")).to_be_in_viewport()
            expect(polls.locator(".poll", has_text="Made without JavaScript?")).to_be_visible()
            shots(page, "nojs-polls-created")

            # An invalid poll re-renders the console (no #fragment): the polls panel is the default then.
            polls.locator("summary", has_text="New poll").click()
            polls.get_by_label("Question").fill("")
            polls.get_by_role("button", name="Create poll").click()
            expect(page.locator("#polls [data-form-errors]")).to_be_visible()
            assert _panels_shown(page) == ["polls"]
            assert selected_tabs() == ["polls"]
            shots(page, "nojs-poll-errors")
            context.close()
        finally:
            browser.close()
    shots.publish()
    # The invalid poll answers 400 on purpose (the browser logs that too); nothing else went wrong.
    assert problems == [
        f"HTTP 400 {server['url']}/moderator/sessions/{session_id}/polls",
        "console error: Failed to load resource: the server responded with a status of 400 (BAD REQUEST)",
    ]
