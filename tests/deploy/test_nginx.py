"""The shipped ``deploy/nginx.conf`` in front of two ``python wsgi.py`` processes on Redis.

Debian's nginx (``.ci/run`` installs it, like chromium) listens on a free, non-80 port with the
repository's server block (only the upstream addresses and the listen port are changed), and a
moderator's dashboard, opened in Chromium through it, must go live over Socket.IO and show
messages posted to *either* process. With ``Host $host`` (the port dropped) the Socket.IO origin
check refused the page and the dashboard stayed on "Reconnecting…".
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.moderator.test_browser import chromium  # noqa: F401  (fixture)
from tests.realtime.conftest import require_redis
from tests.realtime.e2e import ROOT, WAIT, Server, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.browser]

NGINX = "/usr/sbin/nginx"
PASSWORD = "nginx-test-password"


def _nginx_binary() -> str:
    if not os.path.exists(NGINX):
        if os.environ.get("CI"):
            pytest.fail(f"{NGINX} is missing: .ci/run installs Debian's nginx-light package")
        pytest.skip(f"{NGINX} not installed (apt-get install nginx-light); CI is unset, so skipping")
    return NGINX


def nginx_config(tmp: Path, port: int, upstreams: list[int]) -> Path:
    """deploy/nginx.conf with local upstreams and port, inside a minimal main configuration."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site, count = re.subn(r"server app1:3000;\s*server app2:3000;", "".join(
        f"server 127.0.0.1:{p}; " for p in upstreams), site)  # fmt: skip
    assert count == 1, "deploy/nginx.conf no longer has the app1/app2 upstream this test rewrites"
    site, count = re.subn(r"listen 80;", f"listen 127.0.0.1:{port};", site)
    assert count == 1
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir()
    main = f"""
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    {site}
}}
"""
    path = tmp / "nginx.conf"
    path.write_text(main)
    return path


@pytest.fixture
def proxied_cluster(tmp_path, database_url, e2e_app):
    nginx = _nginx_binary()
    redis_url = require_redis()
    channel = f"plataforma-nginx-{uuid.uuid4().hex[:10]}"
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    servers, process = [], None
    try:
        for _ in range(2):
            # CORS_ORIGIN is the SPA's origin (not the proxy's): the dashboard's own origin must be
            # recognised from the Host header nginx forwards.
            servers.append(Server(database_url, REDIS_URL=redis_url, SOCKETIO_CHANNEL=channel,
                                  TRUSTED_PROXIES=1, CORS_ORIGIN="http://localhost:5173").start())  # fmt: skip
        config = nginx_config(tmp_path, port, [s.port for s in servers])
        if os.geteuid() == 0:
            os.chmod(tmp_path, 0o755)  # workers run as an unprivileged user
            for sub in tmp_path.iterdir():
                if sub.is_dir():
                    shutil.chown(sub, user="www-data")
        process = subprocess.Popen([nginx, "-c", str(config), "-p", str(tmp_path)], stderr=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 15
        while True:
            try:
                if requests.get(public + "/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("nginx did not come up: " + (tmp_path / "error.log").read_text(errors="replace"))
            time.sleep(0.1)
        yield public, servers
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        for server in servers:
            server.stop()
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"{channel}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_dashboard_goes_live_through_nginx_on_a_non_default_port(
    chromium,  # noqa: F811
    proxied_cluster,
    e2e_users,
    e2e_content,
    tmp_path,
):
    from playwright.sync_api import expect, sync_playwright

    public, (a, b) = proxied_cluster
    session_id = e2e_content.session(title="Proxied keynote")
    moderator = e2e_users("MODERATOR", password=PASSWORD)
    fan = e2e_users(name="Pat Proxy")
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-background-networking"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860}, reduced_motion="reduce")
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
            expect.set_options(timeout=15_000)
            page.goto(f"{public}/moderator/sessions/{session_id}")
            expect(page).to_have_url(re.compile(r"/moderator/login\?next="))
            page.get_by_label("Email").fill(moderator.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Proxied keynote")).to_be_visible()
            expect(page.locator("[data-conn]")).to_have_attribute("data-state", "live")

            # A message posted to each process directly: whichever one serves the page, Redis
            # carries the other's event to it.
            for server, text in ((a, "via process A"), (b, "via process B")):
                posted = requests.post(
                    f"{server.url}/api/messages",
                    json={"sessionId": session_id, "text": text},
                    headers=fan.headers,
                    timeout=WAIT,
                )
                assert posted.status_code == 201, posted.text
                expect(page.locator(f"#msg-{posted.json()['id']} .msg__text")).to_have_text(text)
            page.screenshot(path=str(tmp_path / "through-nginx.png"))
            assert problems == []
        finally:
            browser.close()
