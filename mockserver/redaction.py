"""Credentials never reach the journal: each value is replaced by a short fingerprint.

A journal (in memory, served by ``GET /_ringside/journal``, and on disk with ``--journal``) is read by
people and tools that should not learn a credential from it. Every value under a credential key
(:data:`SECRET_KEYS`, matched case-insensitively at any depth: the ``authtoken`` / ``apikey`` request
headers, ``authToken`` / ``jwt`` in replies, the WebSocket auth frame's ``auth``, a control reply's
``apiKey`` and ``authTokens``, the control token and the callback sink's key) becomes
``"<redacted:3fa9c1>"``: the first 6 hex digits of its SHA-256, so a reader can still tell two tokens
apart and match one they hold (:func:`fingerprint`). Raw text that is not JSON (an undecodable frame,
a request body as received) is kept as it came.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

import orjson

__all__ = ["SECRET_KEYS", "fingerprint", "redact"]

#: Keys whose values are credentials (lower-case; matched case-insensitively).
SECRET_KEYS = frozenset(
    {
        "authtoken",
        "authtokens",
        "apikey",
        "jwt",
        "auth",
        "authorization",
        "x-ringside-control-token",
        "controltoken",
        "sinkkey",
    }
)


#: A credential key as it appears in compact JSON, once lower-cased: ``"apikey":``. Inside a JSON string
#: a quote is escaped (``\\"``), so this matches keys only, never text that merely mentions one.
_SECRET_KEY_IN_JSON = re.compile(
    rb'"(?:' + b"|".join(re.escape(k.encode()) for k in sorted(SECRET_KEYS, key=len, reverse=True)) + rb')":'
)


@functools.lru_cache(maxsize=4096)
def fingerprint(secret: str) -> str:
    """What the journal shows instead of ``secret``: ``<redacted:`` + 6 hex digits of its SHA-256 + ``>``."""
    return f"<redacted:{hashlib.sha256(secret.encode('utf-8', 'surrogatepass')).hexdigest()[:6]}>"


def redact(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with every credential replaced by its fingerprint. Copy-on-write: what holds no
    credential is returned as is (the same object), so a reply being sent keeps its real token."""
    if not _may_hold_a_secret(fields):
        return fields
    return _dict(fields)


def _may_hold_a_secret(fields: dict[str, Any]) -> bool:
    """False when no key anywhere in ``fields`` is a credential key. Most entries (frames, call
    replies) hold none, and orjson plus one regex over the bytes costs a tenth of walking them."""
    try:
        encoded = orjson.dumps(fields, option=orjson.OPT_NON_STR_KEYS, default=repr)
    except (TypeError, orjson.JSONEncodeError):  # something orjson cannot walk: let the walk decide
        return True
    if not encoded.isascii():  # a non-ASCII key may lower-case to a credential key ("apiKey" with a Kelvin sign)
        return True
    return _SECRET_KEY_IN_JSON.search(encoded.lower()) is not None


def _dict(value: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] | None = None
    for key, item in value.items():
        kind = type(item)
        if kind is str or kind is list:  # a credential is a string (authTokens: a list of them)
            if isinstance(key, str) and key.lower() in SECRET_KEYS:
                new = _hide(item)
            elif kind is list:
                new = _list(item)
            else:
                continue
        elif isinstance(item, dict):
            new = _dict(item)
        else:
            continue
        if new is not item:
            if changed is None:
                changed = dict(value)
            changed[key] = new
    return value if changed is None else changed


def _list(value: list[Any]) -> list[Any]:
    changed: list[Any] | None = None
    for index, item in enumerate(value):
        if isinstance(item, dict):
            new: Any = _dict(item)
        elif isinstance(item, list):
            new = _list(item)
        else:
            continue
        if new is not item:
            if changed is None:
                changed = list(value)
            changed[index] = new
    return value if changed is None else changed


def _hide(value: Any) -> Any:
    if isinstance(value, str):
        return fingerprint(value)
    if isinstance(value, list):
        return [fingerprint(v) if isinstance(v, str) else v for v in value]
    return value  # a credential key holding a number, null or object: nothing secret to hide
