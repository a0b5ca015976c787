"""The journal: every request, response, WebSocket frame, timer, fault and callback, in order.

Each entry carries ``seq`` (gapless), ``t`` (server clock, virtual when the clock is virtual) and
``wall`` (real time), plus whatever identifies it (connection, user, device, session id). An entry is
recorded *before* the thing it describes is processed, so a request that crashes the handler is still
there. Entries are appended to a JSON Lines file as they happen, if asked (the whole history), and the
newest ``capacity`` of them are kept in memory: a ring, so a server that runs for days holds a bounded
journal (docs/reliability.md). A reader asking for entries the ring has already dropped learns it:
:meth:`Journal.evicted_after` says how many, and the probe refuses to answer with fewer.

What each kind carries is declared once, as a TypedDict per kind, in :mod:`mockserver.journal_types`;
:meth:`Journal.record` refuses a field its kind does not declare (a writer drifting from the type).

Credentials become fingerprints (:mod:`mockserver.redaction`) before any entry leaves the journal: at
once when it goes to the file, otherwise on the first read that reaches it. Redacting on read keeps the
walk over every frame off the request path of a server nobody is reading the journal of.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, NoReturn

import orjson

from mockserver.clock import Clock, RealClock
from mockserver.journal_types import ENTRY_TYPES
from mockserver.jsoncodec import encode_line
from mockserver.redaction import redact

Entry = dict[str, Any]
#: Entries kept in memory by default (about 1.5 KiB each on average: ~15 MB; a scenario needs a few hundred).
DEFAULT_CAPACITY = 10_000

#: Every kind of entry, with what it records.
KINDS: dict[str, str] = {
    "http.request": "a REST or control request as received (method, path, headers that matter, body)",
    "http.response": "the reply to a request (status, body)",
    "ws.open": "a WebSocket connection was accepted",
    "ws.in": "a frame from a client",
    "ws.out": "a frame to a client",
    "ws.close": "a WebSocket connection closed",
    "ws.evict": "the server closes a socket that does not take its frames (slow consumer) or never authenticated",
    "call": "a call changed (session id, status, actor): the timeline's backbone",
    "timer": "a server-side timer fired (script step, ring expiry, delayed fault)",
    "fault": "an injected fault took effect",
    "script": "a scripted user acted or a script was loaded",
    "callback": "a client-under-test reported a listener callback (the adapter's callback sink)",
    "callback.repeat": "a retried callback report that had already arrived (kept once)",
    "control": "the control API changed something (reset, clock, users)",
    "error": "something went wrong inside ringside (a bug: the entry has the traceback)",
}
_BASE_KEYS = frozenset({"seq", "kind", "t", "wall"})
#: Per kind: every field a writer may give.
_FIELDS: dict[str, frozenset[str]] = {
    kind: frozenset(t.__required_keys__ | t.__optional_keys__) - _BASE_KEYS  # type: ignore[attr-defined]
    for kind, t in ENTRY_TYPES.items()
}
assert set(_FIELDS) == set(KINDS), "every journal kind needs a TypedDict in mockserver.journal_types"
#: Per kind: every key an entry laid out by its writer (:meth:`Journal.append`) may hold.
_KEYS: dict[str, frozenset[str]] = {kind: fields | _BASE_KEYS for kind, fields in _FIELDS.items()}


def _decoded(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with every JSON kept encoded (``bytes``) decoded."""
    if not any(type(value) is bytes for value in fields.values()):
        return fields
    return {key: orjson.loads(value) if type(value) is bytes else value for key, value in fields.items()}


def _refuse(kind: str, fields: dict[str, Any]) -> NoReturn:
    """A kind that is not one, or a field its kind does not declare (a writer drifting from the type)."""
    allowed = _FIELDS.get(kind)
    if allowed is None:
        raise ValueError(f"unknown journal kind {kind!r}")
    undeclared = fields.keys() - allowed
    raise ValueError(f"journal kind {kind!r} declares no {sorted(undeclared)} (mockserver/journal_types.py)")


class Journal:
    """An append-only, thread-safe log of everything the server saw and did (the newest ``capacity``
    entries in memory, every entry in the file at ``path`` if given)."""

    def __init__(
        self,
        clock: Clock,
        *,
        wall: RealClock | None = None,
        path: Path | None = None,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"a journal keeps at least 1 entry in memory (got capacity {capacity})")
        self.clock = clock
        self.capacity = capacity
        self.path = path
        self._wall = wall or RealClock()
        #: t and wall are one reading when both clocks are the system's wall clock
        self._one_clock = type(clock) is RealClock and type(self._wall) is RealClock
        self._entries: deque[Entry] = deque(maxlen=capacity)
        #: how many of the newest entries still hold their credentials (redacted on the next read)
        self._unredacted = 0
        self._seq = 0
        #: entries the ring pushed out of memory, and the newest seq among them (0: none yet)
        self.evicted = 0
        self._evicted_through = 0
        #: the seqs the last :meth:`clear` dropped on purpose (not evicted: nobody lost them by surprise)
        self._cleared = (0, 0)
        self._lock = threading.Lock()
        self._file: IO[str] | None = path.open("a", encoding="utf-8") if path else None

    def record(self, kind: str, **fields: Any) -> Entry:
        """Append an entry of ``kind`` (one of :data:`KINDS`) and return it (for its ``seq``: what it
        holds is redacted only when it is read).

        A field given as ``bytes`` is JSON already encoded (a frame or reply as sent): it is kept so and
        decoded when the entry is first read (or at once when it goes to the file), so a reader sees the
        decoded value. Kept encoded, a frame is one object the garbage collector never visits instead
        of dozens it walks on every full collection (docs/performance.md)."""
        allowed = _FIELDS.get(kind)
        if allowed is None or not allowed.issuperset(fields):
            _refuse(kind, fields)
        return self._keep({"seq": 0, "kind": kind, "t": 0.0, "wall": 0.0, **fields})

    def append(self, entry: Entry) -> Entry:
        """:meth:`record` for the writers on the hot path (every request, reply, frame and call event), which
        lay the entry out themselves, the four keys every entry has first:
        ``{"seq": 0, "kind": kind, "t": 0.0, "wall": 0.0, **fields}``. Here ``seq``, ``t`` and ``wall`` are
        filled in (the dict keeps its order) and the entry is kept as it is: no keyword dict, no copy
        of it (docs/performance.md). The same refusals as :meth:`record`; returns the entry kept."""
        kind = entry["kind"]
        allowed = _KEYS.get(kind)
        if allowed is None or not allowed.issuperset(entry):
            _refuse(kind, {key: value for key, value in entry.items() if key not in _BASE_KEYS})
        return self._keep(entry)

    def _keep(self, entry: Entry) -> Entry:
        """Stamp ``entry`` (its seq, t and wall, laid out first) and keep it: in the ring, and in the file."""
        lock = self._lock
        lock.acquire()  # not ``with``: this runs for every request and frame (a third of the lock's cost)
        try:
            seq = self._seq = self._seq + 1
            now = self.clock.now()
            # the real clock is the wall clock: read once (a clock read is a fair part of a record)
            entry["seq"], entry["t"] = seq, now
            entry["wall"] = now if self._one_clock else self._wall.now()
            entries = self._entries
            if len(entries) == self.capacity:
                # the ring holds the seqs just before this one, gapless: the oldest goes
                self._evicted_through = seq - self.capacity
                self.evicted += 1
            if self._file:
                # credentials become fingerprints (mockserver/redaction.py); the base keys hold none
                entry = redact(_decoded(entry))
                entries.append(entry)
                self._file.write(encode_line(entry) + "\n")
                self._file.flush()
            else:
                entries.append(entry)
                if self._unredacted < self.capacity:  # never more than the entries in memory
                    self._unredacted += 1
        finally:
            lock.release()
        return entry

    def _redact_pending(self) -> None:
        """Decode and redact, in place, the newest entries not yet read (the caller holds the lock)."""
        if self._unredacted:
            for entry in itertools.islice(reversed(self._entries), self._unredacted):
                for key in [key for key, value in entry.items() if type(value) is bytes]:
                    entry[key] = orjson.loads(entry[key])  # JSON kept encoded since it was recorded
                redacted = redact(entry)
                if redacted is not entry:
                    entry.update(redacted)
            self._unredacted = 0

    def entries(self, *, since: int = 0, kinds: Iterable[str] | None = None, limit: int | None = None) -> list[Entry]:
        """Entries in memory with ``seq > since``, optionally only of ``kinds``, at most ``limit`` of them
        (the oldest first). Entries the ring has dropped are not among them: see :meth:`evicted_after`."""
        wanted = set(kinds) if kinds else None
        with self._lock:
            self._redact_pending()
            start = self._index_after(since)
            count = len(self._entries) - start
            if count <= 0:
                return []
            if count < len(self._entries) // 2:  # the usual read, the newest few: walk in from the end
                tail = list(itertools.islice(reversed(self._entries), count))
                tail.reverse()
            else:
                tail = list(itertools.islice(self._entries, start, None))
        matching = (e for e in tail if wanted is None or e["kind"] in wanted)
        return list(itertools.islice(matching, limit)) if limit is not None else list(matching)

    def _index_after(self, since: int) -> int:
        # seq is gapless within the kept entries, so the index is a subtraction
        if not self._entries:
            return 0
        first: int = self._entries[0]["seq"]
        return max(0, min(len(self._entries), since - first + 1))

    def __len__(self) -> int:
        """Entries in memory."""
        return len(self._entries)

    @property
    def first_seq(self) -> int:
        """The oldest entry still in memory (``last_seq + 1`` if memory holds none)."""
        with self._lock:
            return int(self._entries[0]["seq"]) if self._entries else self._seq + 1

    def evicted_after(self, since: int) -> int:
        """How many entries with ``seq > since`` the ring has pushed out of memory (0: all still here,
        or cleared on purpose by :meth:`clear`). With a file, they are still in it."""
        with self._lock:
            lost = max(0, self._evicted_through - since)
            first, last = self._cleared
            cleared = max(0, min(last, self._evicted_through) - max(first - 1, since))
            return lost - cleared

    @property
    def last_seq(self) -> int:
        """The newest entry's seq (0 if none yet)."""
        return self._seq

    def clear(self) -> None:
        """Drop the in-memory entries (the file keeps them); seq keeps counting."""
        with self._lock:
            if self._entries:
                self._cleared = (int(self._entries[0]["seq"]), int(self._entries[-1]["seq"]))
            self._entries.clear()
            self._unredacted = 0

    def close(self) -> None:
        """Close the JSON Lines file, if any."""
        if self._file:
            self._file.close()
            self._file = None
