"""Tenancy: the app's users, groups, auth tokens and JWTs. Pure data; ids from a seed, or from ``secrets``."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from mockserver.core.errors import ErrorCode, RingsideError

try:  # CPython's own SHA-256: the same digest as OpenSSL's, and cheaper to start (one per session id)
    from _sha256 import sha256  # type: ignore[import-not-found,no-redef]
except ImportError:  # pragma: no cover - an interpreter built without it keeps hashlib's
    pass

#: uids and guids the server accepts: what CometChat allows, and URL-safe (the SDK does not encode).
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{1,100}\Z")  # \Z: "$" would let a final newline through


@dataclass(kw_only=True, slots=True)
class User:
    """A user of the app. (Slots: the backend reads a user's fields at every move.)"""

    uid: str
    name: str
    created_at: float
    avatar: str | None = None
    role: str = "default"
    metadata: dict[str, Any] = field(default_factory=dict)
    last_active_at: float = 0.0


@dataclass(kw_only=True)
class Group:
    """A group: calling it rings every member but the caller."""

    guid: str
    name: str
    members: list[str]
    owner: str
    created_at: float


class IdSource:
    """Hex ids. With a seed, deterministic and unguessable-*looking*: the same seed gives the same ids in
    the same order (for reproducible test runs; anyone who knows the seed can compute every token).
    Without one (``seed=None``), every id comes from :mod:`secrets`: unpredictable, never the same twice."""

    def __init__(self, seed: int | None) -> None:
        self._seed = seed
        self._counters: dict[str, int] = {}
        self._prefixes: dict[str, bytes] = {}  # kind -> b"<seed>:<kind>:", what each hashed id starts with

    @property
    def deterministic(self) -> bool:
        """Whether ids follow from the seed."""
        return self._seed is not None

    def next(self, kind: str, length: int = 32) -> str:
        """The next hex id of ``kind`` (each kind counts on its own)."""
        counters = self._counters
        n = counters[kind] = counters.get(kind, 0) + 1
        prefix = self._prefixes.get(kind)
        if prefix is None:
            if self._seed is None:
                return secrets.token_hex((length + 1) // 2)[:length]
            prefix = self._prefixes[kind] = f"{self._seed}:{kind}:".encode()
        return sha256(b"%b%d" % (prefix, n)).hexdigest()[:length]  # sha256 of "<seed>:<kind>:<n>"

    def count(self, kind: str, n: int = 1) -> int:
        """Bump the counter of ``kind`` by ``n`` and return the first of the ``n`` new values (for
        sequential ids such as message ids)."""
        first = self._counters.get(kind, 0) + 1
        self._counters[kind] = first + n - 1
        return first


def check_id(value: str, what: str) -> str:
    """Refuse ids that are not URL-safe: the SDK puts them into paths unencoded."""
    if not ID_PATTERN.match(value):
        raise RingsideError(
            ErrorCode.VALIDATION_FAILED,
            f"{what} must be 1-100 characters of A-Z a-z 0-9 _ . @ -",
            {"field": what, "value": value[:200]},
        )
    return value


class Directory:
    """Users, groups and credentials of one app."""

    def __init__(self, ids: IdSource, *, max_tokens_per_user: int | None = None) -> None:
        self._ids = ids
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self._tokens: dict[str, str] = {}  # authToken -> uid
        #: per user, its tokens from least to most recently used (issued or presented)
        self._recent: dict[str, dict[str, None]] = {}
        #: a user keeps at most this many auth tokens; None: no limit (docs/reliability.md)
        self.max_tokens_per_user = max_tokens_per_user
        #: tokens dropped for the limit so far
        self.tokens_dropped = 0
        #: one jwt per login, so a logout (or a dropped token) signs out that login's sockets only
        self._jwts: dict[str, str] = {}  # jwt -> the auth token it was issued with
        self._login_jwts: dict[str, str] = {}  # auth token -> its jwt

    def add_user(self, uid: str, *, now: float, name: str | None = None, **extra: Any) -> User:
        """Create a user; refuses a uid that exists."""
        check_id(uid, "uid")
        if uid in self.users:
            raise RingsideError(ErrorCode.UID_ALREADY_EXISTS, f"user {uid!r} already exists", {"uid": uid})
        user = User(uid=uid, name=name or uid.capitalize(), created_at=now, last_active_at=now, **extra)
        self.users[uid] = user
        return user

    def user(self, uid: str) -> User:
        """The user ``uid``, or ERR_UID_NOT_FOUND."""
        try:
            return self.users[uid]
        except KeyError:
            raise RingsideError(ErrorCode.UID_NOT_FOUND, f"no user {uid!r}", {"uid": uid}) from None

    def add_group(self, guid: str, *, name: str | None, members: list[str], now: float) -> Group:
        """Create (or replace) a group of existing users; the first member owns it."""
        check_id(guid, "guid")
        for uid in members:
            self.user(uid)
        group = Group(
            guid=guid,
            name=name or guid,
            members=list(dict.fromkeys(members)),
            owner=members[0] if members else "",
            created_at=now,
        )
        self.groups[guid] = group
        return group

    def issue_token(self, uid: str) -> str:
        """A new auth token for ``uid`` (each login gets its own, like the real service)."""
        self.user(uid)
        token = f"{uid}_{self._ids.next('token')}"
        self._tokens[token] = uid
        self._used(uid, token)
        return token

    def _used(self, uid: str, token: str) -> None:
        """``token`` was just issued or presented: it is now ``uid``'s most recently used one. Beyond the
        limit the least recently used go: every login makes a token and SDKs rarely log out, but a
        device still using its token keeps it (the time of day plays no part: an idle app stays logged in)."""
        recent = self._recent.setdefault(uid, {})
        recent.pop(token, None)
        recent[token] = None
        limit = self.max_tokens_per_user
        while limit is not None and len(recent) > limit:
            oldest = next(iter(recent))
            del recent[oldest]
            self._tokens.pop(oldest, None)
            self.tokens_dropped += 1

    def user_for_token(self, token: str | None) -> User:
        """The user an auth token belongs to, or AUTH_ERR_AUTH_TOKEN_NOT_FOUND."""
        uid = self._tokens.get(token or "")
        if uid is None:
            raise RingsideError(
                ErrorCode.AUTH_TOKEN_NOT_FOUND,
                "The auth token is missing or does not exist." if token else "The authToken header is missing.",
                {},
            )
        assert token is not None
        self._used(uid, token)
        return self.users[uid]

    def jwt_for(self, token: str) -> str:
        """The WebSocket credential of the login ``token`` (sent in /me, echoed in the WS auth frame).

        One per login, valid while its token is: a logout revokes it and no other login's."""
        uid = self.user_for_token(token).uid
        jwt = self._login_jwts.get(token)
        if jwt is None:
            # Tokens also go without a logout (the per-user limit): drop their jwts now and then.
            if len(self._login_jwts) > 2 * len(self._tokens) + 64:
                for gone in [t for t in self._login_jwts if t not in self._tokens]:
                    self._jwts.pop(self._login_jwts.pop(gone), None)
            jwt = f"jwt.{uid}.{self._ids.next('jwt')}"
            self._login_jwts[token] = jwt
            self._jwts[jwt] = token
        return jwt

    def revoke(self, token: str) -> None:
        """Forget an auth token and its jwt (logout)."""
        uid = self._tokens.pop(token, None)
        if uid is not None:
            self._recent.get(uid, {}).pop(token, None)
        if (jwt := self._login_jwts.pop(token, None)) is not None:
            self._jwts.pop(jwt, None)

    def user_for_jwt(self, jwt: str | None) -> User | None:
        """The user a WebSocket credential belongs to, if its login is still valid."""
        uid = self._tokens.get(self._jwts.get(jwt or "", ""))
        return self.users.get(uid) if uid else None

    def tokens_of(self, uid: str) -> list[str]:
        """Every auth token issued to ``uid`` (for the control API)."""
        return [t for t, u in self._tokens.items() if u == uid]
