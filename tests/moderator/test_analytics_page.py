"""The session analytics page of the dashboard: figures, the SVG chart, retention, products, exports."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from plataforma.extensions import db
from plataforma.models import Product, SessionProduct, SessionView

T0 = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)


def _views(app, session_id, user, spans):
    with app.app_context():
        db.session.add_all(
            SessionView(
                session_id=uuid.UUID(session_id),
                user_id=uuid.UUID(user.id),
                joined_at=T0 + timedelta(minutes=start),
                left_at=T0 + timedelta(minutes=end),
            )
            for start, end in spans
        )
        db.session.commit()


def stat(html: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def test_analytics_page_shows_figures_chart_retention_products_and_exports(app, mod, live_session, make_user):
    _views(app, live_session, make_user(), [(10, 70), (30, 40)])
    _views(app, live_session, make_user(), [(20, 25)])
    with app.app_context():
        product = Product(name="Mug <b>", price=Decimal("9.90"))
        db.session.add(product)
        db.session.flush()
        db.session.add(SessionProduct(session_id=uuid.UUID(live_session), product_id=product.id))
        db.session.commit()
    response = mod.get(f"/moderator/sessions/{live_session}/analytics")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert stat(html, "uniqueViewers") == "2" and stat(html, "totalViews") == "3"
    assert stat(html, "totalWatchSeconds") == "1 h 05 min"  # 60 min + 5 min
    assert stat(html, "p50") == "5 min 00 s" and stat(html, "p90") == "1 h 00 min"
    assert "<svg" in html and "<polyline" in html and "<script" not in html.split("</main>")[0]
    assert 'style="' not in html  # CSP: no inline styles
    assert "Mug &lt;b&gt;" in html  # escaped
    for kind in ("messages", "questions", "polls", "surveys", "viewers"):
        assert f"/moderator/sessions/{live_session}/export/{kind}.csv" in html
    assert "moderator-analytics.css" in html


def test_minute_buckets_and_empty_sessions(mod, live_session):
    html = mod.get(f"/moderator/sessions/{live_session}/analytics?bucket=minute").get_data(as_text=True)
    assert "Nobody has watched this session yet." in html and "<svg" not in html


def test_the_console_links_to_the_analytics_page(mod, live_session):
    html = mod.get(f"/moderator/sessions/{live_session}").get_data(as_text=True)
    assert f'href="/moderator/sessions/{live_session}/analytics"' in html


def test_dashboard_exports_use_the_cookie_session(app, mod, dashboard, live_session, make_user):
    _views(app, live_session, make_user(name="Ana"), [(0, 1)])
    response = mod.get(f"/moderator/sessions/{live_session}/export/viewers.csv")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows[1][1] == "Ana" and rows[1][4] == "60"
    assert mod.get(f"/moderator/sessions/{live_session}/export/nope.csv").status_code == 404
    # Not signed in: sent to the login page.
    assert dashboard().get(f"/moderator/sessions/{live_session}/analytics").status_code in (302, 303)


def test_draft_sessions_are_404_for_moderators(dashboard, moderator, admin, draft_session):
    assert dashboard(moderator).get(f"/moderator/sessions/{draft_session}/analytics").status_code == 404
    assert dashboard(admin).get(f"/moderator/sessions/{draft_session}/analytics").status_code == 200
