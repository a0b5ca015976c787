"""Serve the example page (this folder) on loopback: ``make example`` (docs/app-developers.md).

Only the standard library: the page is static, and the SDK in it talks to ``ringside serve`` directly.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description="Serve the web-calling example page.")
    parser.add_argument("--port", type=int, default=8000, help="port for the page (default 8000)")
    parser.add_argument(
        "--ringside", default="127.0.0.1:8443", help="host:port of ringside serve (default 127.0.0.1:8443)"
    )
    args = parser.parse_args()
    if not (HERE / "dist" / "app.js").exists():
        print(
            f"example: dist/app.js is missing: run `npm ci && npm run build` in {HERE} (make example and ringside example do)",
            file=sys.stderr,
        )
        return 2
    handler = functools.partial(Quiet, directory=str(HERE))
    try:
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as exc:
        print(f"example: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"example: open http://127.0.0.1:{httpd.server_address[1]}/?host={args.ringside}&uid=alice", flush=True)
    print(
        f"example: it talks to ringside at https://{args.ringside} (make serve, or ringside serve --port {args.ringside.rpartition(':')[2]})",
        flush=True,
    )
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
