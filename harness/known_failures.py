"""Known failures of a client: scenarios that fail for a documented reason, expected to keep failing.

A YAML list ``- id: <stable id>`` / ``reason: <why>``. Each listed scenario is marked strict xfail:
if it fails, the report says "known failure" with the reason; if it starts passing, the run fails
("remove it from the list"), so the list never goes stale.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.clients import known_failures_file
from harness.errors import ScenarioError
from harness.report.collect import stable_id


def load(path: Path) -> dict[str, str]:
    """Stable id → reason."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list) or not all(isinstance(e, dict) and "id" in e and "reason" in e for e in data):
        raise ScenarioError(f"{path}: a known-failures file is a list of {{id, reason}} entries")
    return {str(e["id"]): str(e["reason"]) for e in data}


def default_for(config: pytest.Config) -> Path | None:
    """The bundled client's own list, when testing a bundled client by name."""
    if config.getoption("ringside_client_cmd") or config.getoption("ringside_client_url"):
        return None
    name = str(config.getoption("ringside_client"))
    return None if ":" in name else known_failures_file(name)


def apply(items: list[pytest.Item], listed: dict[str, str]) -> None:
    """Mark listed scenarios as strict expected failures."""
    for item in items:
        reason = listed.get(stable_id(item))
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=f"known failure: {reason}", strict=True))
