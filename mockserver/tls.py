"""A local certificate authority and a server certificate for 127.0.0.1 / localhost / ::1.

Made with trustme on first run and kept in a directory (default ``~/.cache/ringside/tls``) so the
CA stays the same across runs: trust it once (``NODE_EXTRA_CA_CERTS=<ca.pem>`` for Node, the
system or browser store for a browser) and every later ``ringside serve`` is trusted too.
"""

from __future__ import annotations

import fcntl
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

#: Names the server certificate covers (browsers need IP SANs, not just a common name).
SERVER_NAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the CA certificate and the server's certificate chain and key."""

    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        """An SSL context for the server side."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts this CA (for Python clients and tests)."""
        return ssl.create_default_context(cafile=str(self.ca))


def default_tls_dir() -> Path:
    """``$RINGSIDE_TLS_DIR``, else ``tls`` in ringside's cache: ``$RINGSIDE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/ringside``, else ``~/.cache/ringside``."""
    if env := os.environ.get("RINGSIDE_TLS_DIR"):
        return Path(env)
    if env := os.environ.get("RINGSIDE_CACHE_DIR"):
        return Path(env).expanduser() / "tls"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "ringside" / "tls"


def control_token_file(directory: Path | None, port: int) -> Path:
    """Where ``ringside serve`` on ``port`` keeps its control token: beside the CA (``--tls-dir``, else
    :func:`default_tls_dir`; the same directory with ``--no-tls``), one file per port."""
    return (directory or default_tls_dir()) / f"control-{port}.token"


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only (0600 from the start, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


def ensure_tls_files(directory: Path | None = None) -> TlsFiles:
    """Load the CA and server certificate from ``directory``, creating them on first use."""
    directory = directory or default_tls_dir()
    files = TlsFiles(ca=directory / "ca.pem", cert=directory / "server.pem", key=directory / "server.key")
    if files.ca.exists() and files.cert.exists() and files.key.exists():
        return files
    directory.mkdir(parents=True, exist_ok=True)
    # Several servers may start at once on a fresh machine: one makes the CA, the others wait for it.
    with directory.with_name(directory.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (files.ca.exists() and files.cert.exists() and files.key.exists()):
            _create(files)
    return files


def _create(files: TlsFiles) -> None:
    import trustme  # noqa: PLC0415 (once per machine: not every start pays for importing it)

    ca = trustme.CA(organization_name="ringside local CA")
    leaf = ca.issue_cert(*SERVER_NAMES)
    ca.cert_pem.write_to_path(str(files.ca))
    leaf.private_key_pem.write_to_path(str(files.key))
    files.key.chmod(0o600)
    leaf.cert_chain_pems[0].write_to_path(str(files.cert))
    for pem in leaf.cert_chain_pems[1:]:
        pem.write_to_path(str(files.cert), append=True)
