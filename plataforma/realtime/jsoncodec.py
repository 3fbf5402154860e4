"""JSON for Socket.IO packets and the Redis pub/sub messages: orjson, with the stdlib's semantics.

python-socketio takes any module with ``dumps``/``loads`` (``json=``). orjson is several times
faster, but it differs from ``json`` in a few places; this codec keeps the stdlib's results:

* output: compact (python-socketio asks for ``separators=(",", ":")``, orjson's only form). orjson
  writes non-ASCII as UTF-8 where the stdlib writes ``\\uXXXX`` escapes (``ensure_ascii``): the same
  JSON value once parsed, and the websocket frame is UTF-8 either way.
* non-str dict keys (ints, floats, bools, None) become strings as the stdlib makes them
  (``OPT_NON_STR_KEYS``).
* datetimes and dataclasses are not serialised by orjson here (``OPT_PASSTHROUGH_*``): they fall
  back to the stdlib, which refuses them as before, so a payload never silently changes format
  (our schemas turn times into ``...Z`` strings before they are emitted). Anything else orjson
  refuses (ints beyond 64 bits, unknown types) also goes to the stdlib.
* NaN and infinities: the stdlib writes ``NaN`` (not JSON; JSON.parse in the browser throws);
  orjson writes ``null``. Our payloads carry no such floats.
* loads: whatever orjson rejects (``NaN``, lone surrogates) is retried with the stdlib, which
  decides. orjson reads integers beyond 64 bits as floats, silently; a text with a run of 19 or
  more digits is therefore read by the stdlib.
"""

from __future__ import annotations

import json as _json
import re

import orjson

_LONG_DIGITS = re.compile(r"\d{19}")

OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(obj, **kwargs) -> str:
    try:
        return orjson.dumps(obj, option=OPTIONS).decode()
    except TypeError:
        return _json.dumps(obj, **kwargs)


def loads(text, **kwargs):
    if isinstance(text, str) and _LONG_DIGITS.search(text):
        return _json.loads(text, **kwargs)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _json.loads(text, **kwargs)
