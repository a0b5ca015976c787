"""The one JSON codec of the server: strict in (REST, WebSocket, control), compact out (replies, frames, journal).

Decoding is orjson's, which by itself refuses ``NaN``, ``Infinity``, numbers that overflow a double,
invalid UTF-8 and lone surrogates, plus ringside's own limits (docs/reliability.md, "Strict input"):

* **size**: at most ``max_bytes`` → ``ERR_BODY_TOO_LARGE`` (the edge bounds bodies and frames to the
  server's ``max_body``, 256 KiB by default, before they get here: aiohttp's ``client_max_size`` and
  ``max_msg_size``);
* **depth**: at most :data:`MAX_DEPTH` nested arrays / objects → ``ERR_JSON_TOO_DEEP`` (the SDK's
  deepest payload, a call message, nests 6; orjson alone would take 1,024);
* **numbers**: magnitude at most :data:`MAX_SAFE_INTEGER` (2**53 - 1, the largest integer a JavaScript
  client holds exactly) → ``ERR_NUMBER_OUT_OF_RANGE``. orjson silently turns an integer beyond 64 bits
  into a float, so the bound is on magnitude, integer or not; the SDK's largest numbers are
  millisecond timestamps (~1.8e12).

Anything else that is not JSON → ``ERR_BAD_JSON``. Every refusal is a :class:`RingsideError`, so the
edge answers it with the wire's error envelope (REST, control) or an error frame (WebSocket).

Encoding never emits ``NaN`` or ``Infinity`` (a non-finite float becomes ``null``) and is compact.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from mockserver.core import ErrorCode, RingsideError

__all__ = ["MAX_DEPTH", "MAX_SAFE_INTEGER", "decode", "encode", "encode_line", "encode_text"]

#: Deepest nesting of arrays and objects accepted (a top-level object is depth 1).
MAX_DEPTH = 64
#: Largest magnitude of a number accepted: ``Number.MAX_SAFE_INTEGER``.
MAX_SAFE_INTEGER = 2**53 - 1


def decode(data: bytes | str, *, max_bytes: int | None = None) -> Any:
    """Parse ``data`` strictly; raise :class:`RingsideError` (BAD_JSON, JSON_TOO_DEEP,
    NUMBER_OUT_OF_RANGE, BODY_TOO_LARGE) for anything ringside does not take. ``max_bytes`` None: the
    caller has bounded the size already."""
    if max_bytes is not None and _size(data, max_bytes) > max_bytes:
        raise RingsideError(
            ErrorCode.BODY_TOO_LARGE, f"the JSON is larger than {max_bytes} bytes", {"limit": max_bytes}
        )
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise _too_deep() from None
        if "number is infinity" in str(exc):  # e.g. a 5,000-digit integer, or 1e400
            raise _out_of_range(str(exc)) from None
        raise RingsideError(ErrorCode.BAD_JSON, f"the body is not valid JSON: {exc}", {}) from None
    _check(value)
    return value


def _size(data: bytes | str, limit: int) -> int:
    if isinstance(data, str) and limit < len(data) * 4 and len(data) <= limit:
        return len(data.encode("utf-8", "surrogatepass"))  # a character takes up to 4 bytes
    return len(data)


def _too_deep() -> RingsideError:
    return RingsideError(
        ErrorCode.JSON_TOO_DEEP, f"the JSON nests deeper than {MAX_DEPTH} levels", {"limit": MAX_DEPTH}
    )


def _check(value: Any) -> None:
    """Depth and number bounds, without recursion (the value may be 1,024 deep). Values are what orjson
    makes: dict, list, str, int, float, bool, None (exact types, so ``type() is`` suffices)."""
    kind = type(value)
    if kind is not dict and kind is not list:
        _check_number(value)
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep()
        for item in container.values() if type(container) is dict else container:
            kind = type(item)
            if kind is dict or kind is list:
                stack.append((item, depth + 1))
            elif (kind is int or kind is float) and not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                raise _out_of_range(repr(item)[:40])


def _check_number(value: Any) -> None:
    kind = type(value)
    if (kind is int or kind is float) and not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise _out_of_range(repr(value)[:40])


def _out_of_range(got: str) -> RingsideError:
    return RingsideError(
        ErrorCode.NUMBER_OUT_OF_RANGE,
        f"a number's magnitude is beyond {MAX_SAFE_INTEGER} (2**53 - 1)",
        {"limit": MAX_SAFE_INTEGER, "got": got},
    )


def encode(value: Any) -> bytes:
    """Compact JSON bytes; a non-finite float becomes ``null``. For ringside's own values (replies, frames)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _fallback(value)


def encode_text(value: Any) -> str:
    """:func:`encode` as a ``str`` (a WebSocket text frame)."""
    return encode(value).decode("utf-8")


def encode_line(value: Any) -> str:
    """One JSON Lines record (no newline) for the journal: anything not JSON-native is written as its
    ``str``, non-string keys as strings; never raises, never ``NaN``."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except orjson.JSONEncodeError:
        return _fallback(value).decode("utf-8")


def _fallback(value: Any) -> bytes:
    # what orjson refuses (an integer beyond 64 bits, a str subclass key…): the stdlib, after making
    # every float finite, so the output stays strict JSON
    return json.dumps(_finite(value), default=str, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
