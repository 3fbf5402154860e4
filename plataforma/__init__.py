"""Plataforma Live: the application factory."""

from __future__ import annotations

import logging
import os

from flask import Flask, g, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from plataforma import auth, cli, errors, models, realtime  # noqa: F401  (models: register tables)
from plataforma import extensions as ext
from plataforma.api import init_app as init_api
from plataforma.config import load_config
from plataforma.moderator import bp as moderator_bp
from plataforma.realtime import fanout, jsoncodec, packets
from plataforma.realtime.origins import origin_checker
from plataforma.services import events, redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Pages allow only our own scripts, styles and Socket.IO connections.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:", "https:"],
    "connect-src": ["'self'", "ws:", "wss:"],
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
}


class PlataformaFlask(Flask):
    def make_default_options_response(self):
        """``Allow`` lists the methods of the route the path resolves to (as documented), not of
        every rule that could match it (``/api/events/live`` is not ``/api/events/<event_id>``)."""
        response = self.response_class()
        if request.url_rule is not None:
            path = request.url_rule.rule
            for rule in self.url_map.iter_rules():
                if rule.rule == path:
                    response.allow.update(rule.methods or ())
        return response


def create_app(overrides: dict | None = None) -> Flask:
    app = PlataformaFlask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    app.config.update(load_config(app.instance_path, overrides))
    app.json.sort_keys = False  # keep schema field order on the wire
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_logging(app)

    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    ext.db.init_app(app)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            ext.ping_when_idle(ext.db.engine, app.config["DATABASE_PING_IDLE_SECONDS"])
    ext.migrate.init_app(
        app, ext.db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True, compare_type=True
    )
    ext.jwt.init_app(app)
    auth.init_app(app)
    # Registered before Flask-Limiter so that it runs after the limiter's header hook.
    app.after_request(_edge_headers)
    ext.limiter.init_app(app)
    ext.csrf.init_app(app)
    ext.cors.init_app(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        supports_credentials=False,
        always_send=False,
        max_age=600,
        # Let an SPA read when to retry and how much budget is left.
        expose_headers=["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"],
    )
    ext.talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["FORCE_HTTPS"],
        frame_options="DENY",
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="strict-origin-when-cross-origin",
    )
    redis.init_app(app)
    init_api(app)
    errors.register_error_handlers(app)
    _init_socketio(app)
    cli.init_app(app)
    app.register_blueprint(moderator_bp)

    @app.before_request
    def refuse_large_bodies():
        length = request.content_length
        if length is not None and length > app.config["MAX_CONTENT_LENGTH"]:
            raise RequestEntityTooLarge()

    @app.teardown_appcontext
    def drop_pending_events(_exc):
        events.discard_pending()

    return app


# Responses under these carry tokens or private data: no cache (browser, proxy, CDN) may keep them.
PRIVATE_PREFIXES = ("/api/auth/", "/api/profiles/")


def _edge_headers(response):
    response.headers["Server"] = "plataforma"  # no framework or version
    if request.path.startswith(PRIVATE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Flask-Limiter sends Retry-After on every limited response, from its own window; keep it
    # only on 429s, and there prefer the wait our own limit computed (chat flood control).
    retry_after = g.get("retry_after")
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    elif retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _init_socketio(app: Flask) -> None:
    realtime.init_app(app)
    redis_url = app.config["REDIS_URL"] if not app.config["TESTING"] else None
    ext.socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        client_manager=fanout.client_manager(redis_url, app.config["SOCKETIO_CHANNEL"], jsoncodec),
        json=jsoncodec,
        cors_allowed_origins=origin_checker(app.config["CORS_ORIGINS"]),
        ping_interval=app.config["SOCKETIO_PING_INTERVAL"],
        ping_timeout=app.config["SOCKETIO_PING_TIMEOUT"],
        logger=False,
        engineio_logger=False,
    )
    packets.guard(ext.socketio.server, app)


def _configure_logging(app: Flask) -> None:
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
