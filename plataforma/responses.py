"""Response helpers shared by the entry points (the JSON API and the dashboard)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context


def csv_response(filename: str, chunks: Iterator[str]) -> Response:
    """A streamed CSV download; the rows are read while the body is sent (the request's session stays open)."""
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
