"""The report's JSON Schema (``report/report``: ``report.json``), next to this module as package data."""

from __future__ import annotations

from typing import Final

from adapter_protocol.schemas import SchemaProblem
from mockserver.schemas import SchemaCatalog, SchemaSource

__all__ = ["CATALOG", "REPORT", "assert_valid", "validate"]

REPORT: Final = SchemaSource("report", __name__, "")
CATALOG: Final = SchemaCatalog(REPORT)


def validate(name: str, instance: object) -> list[SchemaProblem]:
    """Validate ``instance`` against schema ``name`` (``"report/report"``); ``[]`` when valid."""
    return CATALOG.validate(name, instance)


def assert_valid(name: str, instance: object) -> None:
    """Raise ``SchemaViolation`` listing every problem if ``instance`` violates schema ``name``."""
    CATALOG.assert_valid(name, instance)
