"""Which browser origins may open a Socket.IO connection.

Engine.IO refuses every origin outside an explicit list, the server's own
included; the dashboard is served by this server, so its own origin (as the
browser sees it, also behind a proxy that forwards scheme and host) is always
allowed, plus every ``CORS_ORIGIN``.
"""

from __future__ import annotations


def _first(value: str) -> str:
    return value.split(",")[0].strip()


def own_origins(environ: dict) -> set[str]:
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST", "")
    origins = {f"{scheme}://{host}"}
    if "HTTP_X_FORWARDED_PROTO" in environ or "HTTP_X_FORWARDED_HOST" in environ:
        forwarded_scheme = _first(environ.get("HTTP_X_FORWARDED_PROTO", scheme))
        forwarded_host = _first(environ.get("HTTP_X_FORWARDED_HOST", host))
        origins.add(f"{forwarded_scheme}://{forwarded_host}")
    return origins


def origin_checker(allowed: list[str]):
    allowed_set = {origin.rstrip("/") for origin in allowed}

    def is_allowed(origin: str | None, environ: dict) -> bool:
        if not origin:  # not a browser: nothing to protect against
            return True
        origin = origin.rstrip("/")
        return origin in allowed_set or origin in own_origins(environ)

    return is_allowed
