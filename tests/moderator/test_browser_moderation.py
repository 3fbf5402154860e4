"""The Moderation and Pending panels and the ban buttons in a real browser against a real server.

Same set-up as test_browser.py (its fixtures are reused): Debian's Chromium, skipped without it
unless CI is set.
"""

from __future__ import annotations

import pytest

from tests.moderator.test_browser import (  # noqa: F401  (fixtures)
    PASSWORD,
    Attendee,
    chromium,
    console_page,
    database,
    server,
)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_a_moderator_moderates_live_in_the_browser(chromium, server):  # noqa: F811
    from playwright.sync_api import expect

    base, session_id = server["url"], server["session"]
    attendee = Attendee(base, session_id)
    attendee.join()
    problems: list[str] = []
    try:
        with console_page(chromium, base, session_id, problems, expected_statuses=(403,)) as page:
            # Settings: hold questions for approval.
            moderation = page.locator("#moderation")
            moderation.get_by_label("Approve questions before attendees see them").check()
            moderation.get_by_role("button", name="Save settings").click()
            expect(page.locator(".flash--success").last).to_contain_text("Session settings saved.")

            # An attendee asks: the question arrives in the queue live; approving publishes it.
            asked = attendee.http.post(
                base + "/api/questions", json={"sessionId": session_id, "text": "Is this held?"}, timeout=10
            )
            assert asked.status_code == 201 and asked.json()["status"] == "PENDING"
            pending = page.locator("#pending")
            expect(pending.locator("[data-pending-id]")).to_have_count(1)
            expect(pending.locator('[data-count="pending"]')).to_have_text("1")
            pending.get_by_role("button", name="Approve").click()
            expect(pending.locator("[data-pending-id]")).to_have_count(0)
            expect(page.locator(f"#question-{asked.json()['id']}")).to_be_visible()

            # Ban the author of a chat message for 10 minutes: the ban is listed, the attendee told.
            message = attendee.say("buy my stuff")
            item = page.locator(f"#msg-{message['id']}")
            expect(item).to_be_visible()
            item.locator("summary", has_text="Ban").click()
            item.get_by_role("button", name="10 min").click()
            expect(moderation.locator("[data-ban-user]")).to_have_count(1)
            refused = attendee.http.post(
                base + "/api/messages", json={"sessionId": session_id, "text": "again"}, timeout=10
            )
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "banned"

            moderation.get_by_role("button", name="Lift").click()
            expect(moderation.locator("[data-ban-user]")).to_have_count(0)
            assert attendee.say("thanks").get("id")
            assert page.evaluate("window.__noReload") == "still here"
            assert problems == []
    finally:
        attendee.close()
