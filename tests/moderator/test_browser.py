"""The dashboard in a real browser against a real server (``python wsgi.py``, eventlet).

A moderator signs in, opens the live session, sees an attendee's message (posted through
the REST API) arrive without a reload, pins it, creates and activates a poll and watches
its result bar move when an attendee votes. Screenshots at 1280px and at tablet width are
saved in the test's temporary directory.

Needs Debian's Chromium at /usr/bin/chromium (``.ci/run`` installs it). Without it the test
is skipped, unless CI is set, where a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "browser-test-password"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]
SECRET = "browser-test-secret-" + "x" * 32


@pytest.fixture(scope="module")
def chromium() -> str:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); CI is unset, so skipping")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database(tmp_path):
    """A fresh database for the server: PostgreSQL when the run uses it, else a SQLite file."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path / "browser.db")
        return
    from plataforma.config import normalise_database_url

    url = sa.engine.make_url(normalise_database_url(base))
    name = f"plataforma_browser_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _flask(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _seed_live_session(database_url: str) -> dict:
    """A live project > live event > session, written straight to the database."""
    from plataforma import create_app
    from plataforma.extensions import db
    from plataforma.models import Event, EventSession, EventStatus, Project, ProjectStatus, utcnow

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        project = Project(name="Browser Summit", status=ProjectStatus.LIVE)
        event = Event(project=project, title="Browser Summit 2030", slug="browser-summit", status=EventStatus.LIVE)
        event.start_time = utcnow()
        session = EventSession(event=event, title="Keynote: shipping live", speaker="Ana Speaker")
        db.session.add_all([project, event, session])
        db.session.flush()
        ids = {"event": str(event.id), "session": str(session.id)}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids


@pytest.fixture
def server(tmp_path, database):
    """``python wsgi.py`` on a free port with a migrated database, a moderator and a live session."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": database,
        "SECRET_KEY": SECRET,
        "JWT_SECRET_KEY": SECRET,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        # The dashboard is served by this server, so its own origin must be allowed for Socket.IO.
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("TEST_DATABASE_URL", "REDIS_URL", "FORCE_HTTPS"):
        env.pop(name, None)
    if os.environ.get("TEST_REDIS_URL"):
        env["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
    _flask(env, "db", "upgrade")
    _flask(env, "create-user", "--email", "mod@browser.test", "--password", PASSWORD, "--name", "Mia Moderator",
           "--role", "MODERATOR")  # fmt: skip
    ids = _seed_live_session(database)

    log_path = tmp_path / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    import requests

    try:
        for _ in range(200):  # up to ~20 s to boot
            if process.poll() is not None:
                pytest.fail("the server exited:\n" + log_path.read_text())
            try:
                if requests.get(base_url + "/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("the server did not answer /health:\n" + log_path.read_text())
        yield {"url": base_url, "log": log_path, **ids}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def console_page(chromium: str, base: str, session_id: str, problems: list[str], *, expected_statuses=()):
    """A 1280 px Chromium page signed in to the session's live console, connected, marked so that a
    reload shows (``window.__noReload``). Page errors and 4xx/5xx answers (other than
    ``expected_statuses``) are appended to ``problems``; dialogs are accepted."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

            def on_response(r):
                if r.status >= 400 and r.status not in expected_statuses:
                    problems.append(f"HTTP {r.status} {r.url}")

            page.on("response", on_response)
            page.on("dialog", lambda dialog: dialog.accept())
            expect.set_options(timeout=15_000)
            page.goto(base + f"/moderator/login?next=/moderator/sessions/{session_id}")
            page.get_by_label("Email").fill("mod@browser.test")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")
            page.evaluate("window.__noReload = 'still here'")
            yield page
        finally:
            browser.close()


class Attendee:
    """An attendee using the public API (REST) and a Socket.IO connection, like the SPA would."""

    def __init__(self, base_url: str, session_id: str):
        import requests

        self.http = requests.Session()
        self.base_url, self.session_id = base_url, session_id
        response = self.http.post(
            base_url + "/api/auth/signup",
            json={"email": f"fan-{uuid.uuid4().hex[:6]}@browser.test", "password": PASSWORD, "name": "Flo Fan"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        self.token = response.json()["session"]["access_token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        self.socket = None

    def join(self) -> int:
        import socketio

        self.socket = socketio.Client(reconnection=False)
        self.socket.connect(self.base_url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10)
        ack = self.socket.call("join_session", {"sessionId": self.session_id}, timeout=10)
        assert ack["ok"], ack
        return ack["data"]["viewerCount"]

    def say(self, text: str) -> dict:
        response = self.http.post(
            self.base_url + "/api/messages", json={"sessionId": self.session_id, "text": text}, timeout=10
        )
        assert response.status_code == 201, response.text
        return response.json()

    def vote_in_active_poll(self, option_text: str) -> None:
        poll = self.http.get(self.base_url + f"/api/polls/session/{self.session_id}/active", timeout=10).json()
        option = next(o for o in poll["options"] if o["text"] == option_text)
        response = self.http.post(
            self.base_url + "/api/polls/vote", json={"pollId": poll["id"], "optionId": option["id"]}, timeout=10
        )
        assert response.status_code == 201, response.text

    def close(self) -> None:
        if self.socket is not None:
            self.socket.disconnect()


def test_a_moderator_runs_a_live_session_in_the_browser(chromium, server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    base = server["url"]
    attendee = Attendee(base, server["session"])
    problems: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-background-networking"]
            )
            try:
                # Reduced motion: the stylesheet then turns animations off, so screenshots are stable.
                page = browser.new_page(viewport={"width": 1280, "height": 860}, reduced_motion="reduce")
                page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
                page.on(
                    "response",
                    lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
                )
                page.on(
                    "console",
                    lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None,
                )
                expect.set_options(timeout=15_000)

                # Anonymous: sent to the login page. Sign in as the moderator created with the CLI.
                page.goto(base + "/moderator")
                expect(page).to_have_url(re.compile(r"/moderator/login\?next="))
                page.screenshot(path=str(tmp_path / "login.png"))
                page.get_by_label("Email").fill("mod@browser.test")
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                expect(page.get_by_role("heading", name="Events")).to_be_visible()
                page.screenshot(path=str(tmp_path / "events.png"))

                # Events (live first) -> the event's sessions -> the live console.
                page.get_by_role("link", name=re.compile("Browser Summit 2030")).click()
                page.get_by_role("link", name=re.compile("Keynote: shipping live")).click()
                expect(page.get_by_role("heading", name="Keynote: shipping live")).to_be_visible()
                expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")
                expect(page.locator("[data-viewer-count]")).to_have_text("1")
                page.evaluate("window.__noReload = 'still here'")

                # An attendee joins over Socket.IO: the viewer count moves.
                assert attendee.join() == 2
                expect(page.locator("[data-viewer-count]")).to_have_text("2")

                # ...and chats through the REST API: the message appears, as text, without a reload.
                text = "Hello from the audience <b>not bold</b>"
                message = attendee.say(text)
                item = page.locator(f"#msg-{message['id']}")
                expect(item.locator(".msg__text")).to_have_text(text)
                expect(item.locator(".msg__author")).to_have_text("Flo Fan")
                assert item.locator(".msg__text b").count() == 0
                expect(page.locator('[data-count="chat"]')).to_have_text("1")
                expect(page.locator('[data-empty="chat"]')).to_be_hidden()

                # Pin it: the page updates in place and the API agrees.
                item.get_by_role("button", name="Pin").click()
                expect(item).to_have_class(re.compile(r"\bis-pinned\b"))
                expect(item.locator(".badge--pin")).to_be_visible()
                expect(page.locator(".flash--success").last).to_contain_text("Message pinned")
                listed = attendee.http.get(base + f"/api/messages/session/{server['session']}", timeout=10).json()
                assert [m["isPinned"] for m in listed] == [True]

                # A few more messages and a question, so the screenshot shows a working console.
                for line in ["Can you share the slides?", "Great talk so far!", "Audio is clear here"]:
                    attendee.say(line)
                response = attendee.http.post(
                    base + "/api/questions",
                    json={"sessionId": server["session"], "text": "How do you scale the socket layer?"},
                    timeout=10,
                )
                assert response.status_code == 201, response.text
                expect(page.locator("[data-question-id]")).to_have_count(1)
                expect(page.locator('[data-count="chat"]')).to_have_text("4")
                expect(page.locator("[data-message-id]").first).to_have_id(f"msg-{message['id']}")  # pinned on top

                # Create a poll with the form, then activate it.
                polls = page.locator("#polls")
                polls.get_by_label("Question").fill("Which topic next?")
                for index, option in enumerate(["Scaling", "Security", "Costs"]):
                    polls.get_by_label(f"Option {index + 1}", exact=True).fill(option)
                polls.get_by_role("button", name="Create poll").click()
                poll = polls.locator(".poll", has_text="Which topic next?")
                expect(poll).to_be_visible()
                expect(poll).not_to_have_class(re.compile(r"\bis-active\b"))
                poll.get_by_role("button", name="Activate").click()
                expect(poll).to_have_class(re.compile(r"\bis-active\b"))
                expect(poll.get_by_role("button", name="Close poll")).to_be_visible()

                # The attendee votes: the bar, count and percentage move without a reload.
                bars = poll.locator(".bar")
                expect(bars.nth(0).locator('[data-field="votes"]')).to_have_text("0")
                attendee.vote_in_active_poll("Security")
                expect(bars.nth(1).locator('[data-field="votes"]')).to_have_text("1")
                expect(bars.nth(1).locator('[data-field="percent"]')).to_have_text("100")
                expect(poll.locator('[data-field="total"]')).to_have_text("1")
                meter = bars.nth(1).locator("progress")
                assert meter.evaluate("el => [el.value, el.max]") == [1, 1]
                assert bars.nth(0).locator("progress").evaluate("el => el.value") == 0

                assert page.evaluate("window.__noReload") == "still here"
                page.screenshot(path=str(tmp_path / "moderator-1280.png"), full_page=False)
                page.set_viewport_size({"width": 768, "height": 1024})
                page.screenshot(path=str(tmp_path / "moderator-768.png"), full_page=True)
                assert problems == []
            finally:
                browser.close()
    finally:
        attendee.close()
    for name in ("moderator-1280.png", "moderator-768.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    if os.environ.get("MODERATOR_SCREENSHOT_DIR"):  # handy for looking at the pictures
        for name in ("login.png", "events.png", "moderator-1280.png", "moderator-768.png"):
            shutil.copy(tmp_path / name, Path(os.environ["MODERATOR_SCREENSHOT_DIR"]) / name)
