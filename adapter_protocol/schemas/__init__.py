"""The adapter protocol's JSON Schemas (``adapter/<name>``), validated with the wire schemas they refer to.

The ``*.schema.json`` files next to this module are package data; their ``$id`` is
``https://ringside.dev/schemas/adapter/<name>.schema.json``. An adapter ``call`` carries the raw wire
call message, so the catalogue holds the server's ``wire/`` schemas too: ``validate("wire/…")`` works
here as well.
"""

from __future__ import annotations

from typing import Final

from mockserver.schemas import WIRE, SchemaCatalog, SchemaProblem, SchemaSource, SchemaViolation, UnknownSchemaError

__all__ = [
    "ADAPTER",
    "CATALOG",
    "SchemaProblem",
    "SchemaViolation",
    "UnknownSchemaError",
    "assert_valid",
    "names",
    "validate",
]

#: The adapter schemas' folder (this package).
ADAPTER: Final = SchemaSource("adapter", __name__, "")
#: Adapter and wire schemas in one registry.
CATALOG: Final = SchemaCatalog(WIRE, ADAPTER)


def names() -> list[str]:
    """Every schema name of the catalogue (``adapter/…`` and ``wire/…``), sorted."""
    return CATALOG.names()


def validate(name: str, instance: object) -> list[SchemaProblem]:
    """Validate ``instance`` against schema ``name`` (``"adapter/callback"``); ``[]`` when valid."""
    return CATALOG.validate(name, instance)


def assert_valid(name: str, instance: object) -> None:
    """Raise :class:`SchemaViolation` listing every problem if ``instance`` violates schema ``name``."""
    CATALOG.assert_valid(name, instance)
