"""The Stream panel in a real browser against a real server (``python wsgi.py``): start / pause / end with the
buttons, and a change made through the API shown live (``stream_status`` over Socket.IO), no reload.

Same set-up as test_browser.py (its fixtures are reused): Debian's Chromium, skipped without it unless CI is set.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import requests

from tests.moderator.test_browser import (  # noqa: F401  (fixtures)
    PASSWORD,
    Attendee,
    chromium,
    console_page,
    database,
    server,
)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def _stream(database_url: str, event_id: str) -> str:
    from plataforma import create_app
    from plataforma.extensions import db
    from plataforma.models import Stream, StreamSource

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        stream = Stream(event_id=uuid.UUID(event_id), source_type=StreamSource.AGORA, source_url="main-stage")
        db.session.add(stream)
        db.session.commit()
        stream_id = str(stream.id)
        db.session.remove()
        db.engine.dispose()
    return stream_id


def test_a_moderator_starts_pauses_and_ends_the_stream_in_the_browser(chromium, server, database, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    base, session_id = server["url"], server["session"]
    stream_id = _stream(database, server["event"])
    attendee = Attendee(base, session_id)
    attendee.join()
    problems: list[str] = []
    try:
        with console_page(chromium, base, session_id, problems) as page:
            item = page.locator(f'#stream [data-stream-id="{stream_id}"]')
            status = item.locator("[data-stream-status]")
            expect(status).to_have_text("Not started")
            expect(item.get_by_role("button", name="Pause")).to_be_hidden()

            item.get_by_role("button", name="Start").click()
            expect(status).to_have_text("Live")
            expect(item.get_by_role("button", name="Start")).to_be_hidden()
            item.get_by_role("button", name="Pause").click()
            expect(status).to_have_text("Paused")
            expect(item.get_by_role("button", name="Resume")).to_be_visible()

            # A change made elsewhere (the REST API) appears without a reload.
            signin = requests.post(
                base + "/api/auth/signin", json={"email": "mod@browser.test", "password": PASSWORD}, timeout=10
            )
            headers = {"Authorization": "Bearer " + signin.json()["session"]["access_token"]}
            resumed = requests.post(base + f"/api/streams/{stream_id}/start", headers=headers, timeout=10)
            assert resumed.status_code == 200, resumed.text
            expect(status).to_have_text("Live")
            expect(item.get_by_role("button", name="Pause")).to_be_visible()

            item.get_by_role("button", name="End").click()  # confirmed by the dialog handler
            expect(status).to_have_text("Ended")
            expect(item.locator("form:not([hidden])")).to_have_count(0)

            assert page.evaluate("window.__noReload") == "still here"
            page.locator("#stream").screenshot(path=str(tmp_path / "stream-panel.png"))
            assert problems == []
    finally:
        attendee.close()
    assert (tmp_path / "stream-panel.png").stat().st_size > 2_000
    if os.environ.get("MODERATOR_SCREENSHOT_DIR"):  # handy for looking at the picture
        shutil.copy(tmp_path / "stream-panel.png", Path(os.environ["MODERATOR_SCREENSHOT_DIR"]))
