"""Configuration read from the environment (SPEC §3).

Every variable is optional in development; production refuses to start with
default or weak secrets.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from datetime import timedelta

from plataforma.values import TRUE_STRINGS

MIN_SECRET_BYTES = 32
SECRET_NAMES = ("SECRET_KEY", "JWT_SECRET_KEY")


class ConfigError(RuntimeError):
    """The environment describes a configuration we refuse to run."""


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE_STRINGS


def _csv(name: str, default: str) -> list[str]:
    raw = os.environ.get(name, default)
    return [part.strip().rstrip("/") for part in raw.split(",") if part.strip()]


def _secret(name: str, env: str, instance_path: str) -> str:
    value = os.environ.get(name, "")
    if env == "production":
        if len(value.encode()) < MIN_SECRET_BYTES or value.lower() in {"changeme", "secret", "dev"}:
            raise ConfigError(
                f"{name} must be set to a random value of at least {MIN_SECRET_BYTES} bytes in production"
            )
        return value
    if value:
        return value
    if env == "testing":
        return secrets.token_hex(MIN_SECRET_BYTES)  # each test app is a fresh world
    # Development: generated once and kept under instance/ (git-ignored), so a restart does not
    # sign out the SPA and the dashboard.
    return _development_secrets(instance_path)[name]


DEV_SECRETS_FILE = "dev-secrets.json"


def _read_secrets(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            stored = json.load(fh)
    except (OSError, ValueError):
        return None
    ok = isinstance(stored, dict) and all(
        isinstance(stored.get(k), str) and len(stored[k]) >= MIN_SECRET_BYTES for k in SECRET_NAMES
    )
    return stored if ok else None


def _development_secrets(instance_path: str) -> dict:
    path = os.path.join(instance_path, DEV_SECRETS_FILE)
    stored = _read_secrets(path)
    if stored is not None:
        return stored
    stored = {name: secrets.token_hex(MIN_SECRET_BYTES) for name in SECRET_NAMES}
    try:
        os.makedirs(instance_path, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=instance_path, prefix=".dev-secrets.")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(stored, fh)
            try:
                os.link(tmp, path)  # atomic and exclusive: two processes starting at once agree
            except FileExistsError:
                winner = _read_secrets(path)
                if winner is not None:
                    return winner
                os.replace(tmp, path)  # an unreadable leftover: replace it
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise ConfigError(f"cannot keep development keys in {path}: {exc}") from exc
    return stored


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    # No pool_pre_ping: a connection is checked before use only after sitting idle
    # (DATABASE_PING_IDLE_SECONDS, extensions.ping_when_idle).
    return {"pool_size": 10, "max_overflow": 20, "pool_recycle": 1800}


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgres://` / `postgresql://` forms and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment plus ``overrides``."""
    overrides = dict(overrides or {})
    env = overrides.get("APP_ENV") or os.environ.get("APP_ENV", "development")
    if env not in {"development", "production", "testing"}:
        raise ConfigError(f"APP_ENV must be development, production or testing, not {env!r}")

    default_db = "sqlite:///" + os.path.join(instance_path, "plataforma.db")
    database_url = normalise_database_url(os.environ.get("DATABASE_URL") or default_db)
    redis_url = os.environ.get("REDIS_URL") or None

    config = {
        "APP_ENV": env,
        "TESTING": env == "testing",
        "DEBUG": False,
        "SECRET_KEY": _secret("SECRET_KEY", env, instance_path),
        "JWT_SECRET_KEY": _secret("JWT_SECRET_KEY", env, instance_path),
        "HOST": os.environ.get("HOST", "127.0.0.1"),
        "PORT": int(os.environ.get("PORT", "3000")),
        # Database
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Auth tokens: short access tokens, rotating refresh tokens.
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(seconds=int(os.environ.get("JWT_ACCESS_SECONDS", "3600"))),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=int(os.environ.get("JWT_REFRESH_DAYS", "30"))),
        "JWT_ENCODE_AUDIENCE": "authenticated",
        "JWT_DECODE_AUDIENCE": "authenticated",
        "JWT_ERROR_MESSAGE_KEY": "message",
        "SUPABASE_JWT_SECRET": os.environ.get("SUPABASE_JWT_SECRET") or None,
        "AGORA_APP_ID": os.environ.get("AGORA_APP_ID") or None,
        "AGORA_APP_CERTIFICATE": os.environ.get("AGORA_APP_CERTIFICATE") or None,
        # Lifetime of an RTC token (SPEC §11); Agora caps privileges at 24 hours.
        "AGORA_TOKEN_EXPIRY": int(os.environ.get("AGORA_TOKEN_EXPIRY", "3600")),
        # Edge
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "CORS_ORIGINS": _csv("CORS_ORIGIN", "http://localhost:5173"),
        "FORCE_HTTPS": _flag("FORCE_HTTPS"),
        "REDIS_URL": redis_url,
        # Rate limits. Our own names: Flask-Limiter's RATELIMIT_DEFAULT would apply
        # to every route (static files and the dashboard too).
        "AUTH_RATE_LIMIT": os.environ.get("RATELIMIT_AUTH", "100 per 15 minutes"),
        "API_RATE_LIMIT": os.environ.get("RATELIMIT_DEFAULT", "1000 per 15 minutes"),
        "CHAT_RATE_LIMIT": os.environ.get("RATELIMIT_CHAT", "5 per 5 seconds"),
        "ROOM_RATE_LIMIT": os.environ.get("RATELIMIT_ROOM", "20 per 10 seconds"),  # join/leave per socket
        "REACTION_RATE_LIMIT": os.environ.get("RATELIMIT_REACTION", "10 per second"),  # per user, all sessions
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: Flask-Limiter counts in memory (and logs a warning) until it answers again.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Sockets (SPEC §17): open sockets per user across processes; events per connection.
        "MAX_SOCKETS_PER_USER": int(os.environ.get("MAX_SOCKETS_PER_USER", "10")),
        "SOCKET_EVENT_BUDGET": os.environ.get("SOCKET_EVENT_BUDGET", "50 per 5 seconds"),
        # A socket's user (profile, token revocation) is read again when a change is announced, or after this.
        "ACTOR_CACHE_SECONDS": float(os.environ.get("ACTOR_CACHE_SECONDS", "30")),
        # OpenAPI (flask-smorest)
        "API_TITLE": "Plataforma Live API",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
            "security": [{"bearerAuth": []}],
        },
        # Dashboard cookies and CSRF (flask-wtf; checked only on dashboard forms).
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("FORCE_HTTPS"),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # Socket.IO: wsgi.py sets "eventlet" after monkey-patching; CLI and tests use threads.
        "SOCKETIO_ASYNC_MODE": os.environ.get("SOCKETIO_ASYNC_MODE") or "threading",
        # The Redis pub/sub channel and key prefix: one per deployment (and per test run).
        "SOCKETIO_CHANNEL": os.environ.get("SOCKETIO_CHANNEL") or "plataforma-socketio",
        # Engine.IO heartbeat (seconds): a ping every interval; no pong within the timeout closes the socket.
        "SOCKETIO_PING_INTERVAL": int(os.environ.get("SOCKETIO_PING_INTERVAL", "25")),
        "SOCKETIO_PING_TIMEOUT": int(os.environ.get("SOCKETIO_PING_TIMEOUT", "20")),
        # permessage-deflate on Socket.IO websockets: off, as Node's socket.io (docs/benchmarks.md).
        "WEBSOCKET_COMPRESSION": _flag("WEBSOCKET_COMPRESSION"),
        # Under load (this share of wall time spent writing broadcasts), broadcasts are written to
        # websockets once per BROADCAST_COALESCE_MS, several at a time (0: never; benchmarks.md).
        "BROADCAST_COALESCE_MS": float(os.environ.get("BROADCAST_COALESCE_MS", "50")),
        "BROADCAST_COALESCE_BUSY": float(os.environ.get("BROADCAST_COALESCE_BUSY", "0.5")),
        # Rooms this big get at most one viewer_count broadcast per interval (see README).
        "VIEWER_COUNT_IMMEDIATE_MAX": int(os.environ.get("VIEWER_COUNT_IMMEDIATE_MAX", "200")),
        "VIEWER_COUNT_INTERVAL": float(os.environ.get("VIEWER_COUNT_INTERVAL", "1")),
        # How often open visits left by stopped processes are closed (seconds).
        "VISIT_SWEEP_SECONDS": float(os.environ.get("VISIT_SWEEP_SECONDS", "60")),
        # PostgreSQL: a pooled connection idle this long is pinged before use (0: always; docs/operations.md).
        "DATABASE_PING_IDLE_SECONDS": float(os.environ.get("DATABASE_PING_IDLE_SECONDS", "1")),
        # Process: logging, proxies in front (ProxyFix hops), and the server loop of wsgi.py.
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Every open socket holds one green thread: eventlet's default pool (1,024) caps the audience.
        "MAX_CONNECTIONS": int(os.environ.get("MAX_CONNECTIONS", "10000")),
        "ACCESS_LOG": os.environ.get("ACCESS_LOG") == "1",
        "GC_THRESHOLD": tuple(int(x) for x in os.environ.get("GC_THRESHOLD", "50000,20,100").split(",")),
        # Resume after reconnect and webhooks (SPEC §16; docs/webhooks-and-resume.md).
        "EVENT_RETENTION_HOURS": float(os.environ.get("EVENT_RETENTION_HOURS", "48")),
        "WEBHOOK_ALLOW_PRIVATE": _flag("WEBHOOK_ALLOW_PRIVATE"),
        "WEBHOOK_WORKER": os.environ.get("WEBHOOK_WORKER", "inline"),  # inline (in wsgi.py) | off
        "WEBHOOK_POLL_SECONDS": float(os.environ.get("WEBHOOK_POLL_SECONDS", "1")),
        "WEBHOOK_CONCURRENCY": int(os.environ.get("WEBHOOK_CONCURRENCY", "8")),
        "WEBHOOK_TIMEOUT": float(os.environ.get("WEBHOOK_TIMEOUT", "10")),
        "WEBHOOK_LEASE_SECONDS": float(os.environ.get("WEBHOOK_LEASE_SECONDS", "60")),
        "WEBHOOK_CA_BUNDLE": os.environ.get("WEBHOOK_CA_BUNDLE") or None,  # else the system's CAs
        "WEBHOOK_BACKOFF_SECONDS": [float(x) for x in _csv("WEBHOOK_BACKOFF_SECONDS", "5,30,120,600,1800")],
    }
    if env == "testing":
        config.update(
            {"SOCKETIO_ASYNC_MODE": "threading", "RATELIMIT_STORAGE_URI": "memory://", "FAST_PASSWORD_HASH": True}
        )
    config.update(overrides)
    if not 60 <= config["AGORA_TOKEN_EXPIRY"] <= 86400:
        raise ConfigError("AGORA_TOKEN_EXPIRY must be between 60 and 86400 seconds")
    if not 0 <= config["BROADCAST_COALESCE_MS"] <= 1000 or not 0 < config["BROADCAST_COALESCE_BUSY"] <= 1:
        raise ConfigError("BROADCAST_COALESCE_MS must be 0-1000 and BROADCAST_COALESCE_BUSY above 0, at most 1")
    if not 0 <= config["DATABASE_PING_IDLE_SECONDS"] <= 3600:
        raise ConfigError("DATABASE_PING_IDLE_SECONDS must be 0-3600")
    if config["WEBHOOK_WORKER"] not in {"inline", "off"}:
        raise ConfigError(f"WEBHOOK_WORKER must be inline or off, not {config['WEBHOOK_WORKER']!r}")
    # Rate-limit keys in Redis belong to the deployment, like its Socket.IO channel.
    config.setdefault("RATELIMIT_KEY_PREFIX", f"{config['SOCKETIO_CHANNEL']}:limits")
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(config["SQLALCHEMY_DATABASE_URI"])
    return config
