"""The Products panel and the reactions ticker in a real browser against a real server (``python wsgi.py``).

Same set-up as test_browser.py (its fixtures are reused): Debian's Chromium, skipped without it
unless CI is set.
"""

from __future__ import annotations

import os
import re
import shutil
from decimal import Decimal
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


def _catalogue(database_url: str, names_prices) -> dict[str, str]:
    from plataforma import create_app
    from plataforma.extensions import db
    from plataforma.models import Product

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        products = [Product(name=name, price=Decimal(price), currency="EUR") for name, price in names_prices]
        db.session.add_all(products)
        db.session.commit()
        ids = {p.name: str(p.id) for p in products}
        db.session.remove()
        db.engine.dispose()
    return ids


def test_a_moderator_runs_the_products_panel_in_the_browser(chromium, server, database, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    base, session_id = server["url"], server["session"]
    ids = _catalogue(database, [("Hoodie", "49.90"), ("Mug", "12.00"), ("Cap", "19.00")])
    attendee = Attendee(base, session_id)
    attendee.join()
    problems: list[str] = []
    try:
        with console_page(chromium, base, session_id, problems) as page:
            panel = page.locator("#products")
            expect(panel.locator('[data-empty="products"]')).to_be_visible()

            # Attach Hoodie, featured at once; then Mug.
            panel.get_by_label("Attach from the catalogue").select_option(label="Hoodie · 49.90 EUR")
            panel.get_by_label("Feature it now").check()
            panel.get_by_role("button", name="Attach").click()
            hoodie = panel.locator(f"#product-{ids['Hoodie']}")
            expect(hoodie).to_have_class(re.compile(r"\bis-featured\b"))
            expect(page.locator(".flash--success").last).to_contain_text("Hoodie attached and featured.")
            panel.get_by_label("Attach from the catalogue").select_option(label="Mug · 12.00 EUR")
            panel.get_by_role("button", name="Attach").click()
            expect(panel.locator("[data-product-id]")).to_have_count(2)
            expect(panel.locator("[data-commerce-count]")).to_have_text("2")

            # Reorder: Mug to the top.
            mug = panel.locator(f"#product-{ids['Mug']}")
            mug.get_by_label("Display order of Mug").fill("-1")
            mug.get_by_role("button", name="Move").click()
            expect(panel.locator("[data-product-id]").first).to_have_id(f"product-{ids['Mug']}")

            # Unfeature Hoodie; detach Mug (after the confirmation dialog).
            hoodie.get_by_role("button", name="Unfeature").click()
            expect(hoodie).not_to_have_class(re.compile(r"\bis-featured\b"))
            mug.get_by_role("button", name="Detach").click()
            expect(panel.locator("[data-product-id]")).to_have_count(1)

            # A change made elsewhere (the REST API) appears without a reload.
            signin = requests.post(
                base + "/api/auth/signin", json={"email": "mod@browser.test", "password": PASSWORD}, timeout=10
            )
            headers = {"Authorization": "Bearer " + signin.json()["session"]["access_token"]}
            attached = requests.post(
                base + f"/api/sessions/{session_id}/products",
                json={"productId": ids["Cap"], "featured": True, "displayOrder": 5},
                headers=headers,
                timeout=10,
            )
            assert attached.status_code == 201, attached.text
            expect(panel.locator(f"#product-{ids['Cap']}")).to_have_class(re.compile(r"\bis-featured\b"))
            expect(page.locator(".flash").last).to_contain_text("Cap is featured on screen.")

            # The attendee saw the same changes over Socket.IO.
            assert attendee.socket is not None

            # Reactions: the ticker adds up the aggregated batches.
            for kind in ("fire", "fire", "heart"):
                ack = attendee.socket.call("send_reaction", {"sessionId": session_id, "type": kind}, timeout=10)
                assert ack == {"ok": True, "data": {"accepted": True}}
            expect(panel.locator('[data-reaction="fire"] [data-reaction-total]')).to_have_text("2")
            expect(panel.locator('[data-reaction="heart"] [data-reaction-total]')).to_have_text("1")
            expect(panel.locator('[data-reaction="like"] [data-reaction-total]')).to_have_text("0")

            assert page.evaluate("window.__noReload") == "still here"
            panel.screenshot(path=str(tmp_path / "products-panel.png"))
            assert problems == []
    finally:
        attendee.close()
    assert (tmp_path / "products-panel.png").stat().st_size > 5_000
    if os.environ.get("MODERATOR_SCREENSHOT_DIR"):  # handy for looking at the picture
        shutil.copy(tmp_path / "products-panel.png", Path(os.environ["MODERATOR_SCREENSHOT_DIR"]))
