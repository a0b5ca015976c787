"""The mock server's settings, as the CLI and the pytest plugin give them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

#: Defaults printed at start so an app developer can copy them into ``CometChat.init``.
DEFAULT_APP_ID = "ringside"
DEFAULT_API_KEY = "ringside-api-key"
#: Request bodies above this many bytes are refused with ERR_BODY_TOO_LARGE (the SDK's are < 2 KiB).
DEFAULT_MAX_BODY = 256 * 1024
#: Memory bounds (docs/reliability.md, "Memory bounds"): journal entries kept in memory (the rest only in
#: the --journal file), ended calls kept and for how long (server-clock seconds), auth tokens per user.
DEFAULT_JOURNAL_SIZE = 10_000
DEFAULT_MAX_ENDED_CALLS = 1_000
DEFAULT_CALL_RETENTION = 3_600.0
DEFAULT_MAX_TOKENS_PER_USER = 32
#: Frames one device may have waiting to be written before it is closed as a slow consumer (docs/reliability.md).
DEFAULT_SEND_QUEUE = 512
#: Real seconds one frame may take to be written to a device's socket before it is closed as a slow consumer.
DEFAULT_SEND_DEADLINE = 5.0
#: Real seconds a WebSocket may stay open without authenticating.
DEFAULT_AUTH_DEADLINE = 10.0


@dataclass(kw_only=True)
class ServerConfig:
    """Everything ``ringside serve`` can be told."""

    host: str = "127.0.0.1"
    port: int = 0  #: 0: the OS picks a free port
    tls: bool = True
    tls_dir: Path | None = None  #: where the CA lives (default ~/.cache/ringside/tls)
    app_id: str = DEFAULT_APP_ID
    api_key: str = DEFAULT_API_KEY
    region: str = "eu"
    users: list[str] = field(default_factory=list)  #: uids created up front
    fake_users: int = 0  #: this many more users with seeded fake names
    groups: dict[str, list[str]] = field(default_factory=dict)  #: guid -> member uids, created up front
    #: given: ids, auth tokens and jwts follow from it (reproducible runs); None: they come from ``secrets``
    seed: int | None = None
    clock: str = "real"  #: real | scaled:N | virtual
    journal_path: Path | None = None
    auto_create_users: bool = False  #: create unknown users on their first login
    ring_timeout: float | None = None  #: server-side ring expiry (extension); None: off
    max_body: int = DEFAULT_MAX_BODY
    public_host: str | None = None  #: host written into settings (default: host, or 127.0.0.1 for 0.0.0.0)
    script_path: Path | None = None  #: a YAML script of scripted users (issue: scripted users)
    magic_users: bool = True  #: ring-accept-2s & co. exist on first use
    journal_size: int = DEFAULT_JOURNAL_SIZE  #: journal entries kept in memory (a ring; all of them in journal_path)
    max_ended_calls: int = DEFAULT_MAX_ENDED_CALLS  #: ended calls kept (the oldest ended are forgotten first)
    call_retention: float = DEFAULT_CALL_RETENTION  #: server-clock seconds an ended call is kept at most
    max_tokens_per_user: int = DEFAULT_MAX_TOKENS_PER_USER  #: auth tokens per user (the least recently used go)
    #: the secret every control request must carry (docs/control-api.md); a fresh one per config
    control_token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    send_queue: int = DEFAULT_SEND_QUEUE  #: frames waiting per device before it is closed as a slow consumer
    send_deadline: float = DEFAULT_SEND_DEADLINE  #: real seconds one frame's write may take (same consequence)
    auth_deadline: float = DEFAULT_AUTH_DEADLINE  #: real seconds a socket may stay unauthenticated

    @property
    def advertised_host(self) -> str:
        """The host the SDK is told to come back to."""
        if self.public_host:
            return self.public_host
        return "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
