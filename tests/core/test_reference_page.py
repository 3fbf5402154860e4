"""/api/docs: the API reference, served from our own static files under the strict CSP."""

from __future__ import annotations

import re


def test_root_redirects_to_the_reference(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/api/docs")


def test_reference_page_loads_only_our_own_files(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html  # nothing inline
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets)  # no CDN
    for asset in assets:
        with client.get(asset) as served:  # static files are streamed: close them
            assert served.status_code == 200, asset
    assert 'data-spec-url="/api/openapi.json"' in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
