"""The adapter client moved to :mod:`adapter_protocol.client`; these names stay importable from here."""

from adapter_protocol.client import (
    DEFAULT_COMMAND_DEADLINE,
    READY_PREFIX,
    RESULT_SCHEMAS,
    SPAWN_DEADLINE,
    AdapterService,
    ClientInstance,
    CommandResult,
    ServiceStartError,
    StderrTail,
)

__all__ = [
    "DEFAULT_COMMAND_DEADLINE",
    "READY_PREFIX",
    "RESULT_SCHEMAS",
    "SPAWN_DEADLINE",
    "AdapterService",
    "ClientInstance",
    "CommandResult",
    "ServiceStartError",
    "StderrTail",
]
