"""Stopping the whole run from wherever a scenario runs, with one message and one exit status.

In one pytest process this is :func:`pytest.exit`. Under pytest-xdist a worker's ``pytest.exit`` would
end only that worker (and its controller would report a crash): so the worker also leaves the message
and status in its ``workeroutput``, and the controller, told that the worker went down
(:func:`stop_if_a_worker_stopped`), stops the run with them, as a single process would have.
"""

from __future__ import annotations

from typing import Any, NoReturn

import pytest

#: ``workeroutput`` key: [message, exit status] of a worker that stopped the run.
WORKER_STOP = "ringside-stop"


def stop_run(config: pytest.Config, message: str, returncode: int) -> NoReturn:
    """End the run (every worker of it) with ``message`` and exit status ``returncode``."""
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_STOP] = [message, int(returncode)]
    pytest.exit(message, returncode=returncode)


def stop_if_a_worker_stopped(node: Any) -> None:
    """On the xdist controller, when a worker is down: stop the run as the worker asked, if it did."""
    stop = getattr(node, "workeroutput", {}).get(WORKER_STOP)
    if stop:
        pytest.exit(str(stop[0]), returncode=int(stop[1]))
