"""Harness errors, each with its side: the client broke the contract (FAIL) or the run is broken (ERROR).

``ComplianceViolation`` is an ``AssertionError`` so pytest reports it as a failure; everything else here
is an ERROR: the scenario, the script, the adapter service or the harness itself is at fault.
"""

from __future__ import annotations

# The errors about a test service belong to the adapter protocol; the same classes are re-exported here.
from typing import Any

from adapter_protocol.errors import AdapterError, ComplianceViolation, HarnessError, ServiceStartError

__all__ = [
    "SERVICE_EXIT",
    "AdapterError",
    "CapabilityMissing",
    "ComplianceViolation",
    "HarnessError",
    "PayloadMismatch",
    "ScenarioError",
    "ServiceStartError",
]


class PayloadMismatch(ComplianceViolation):
    """A FAIL from comparing a payload: carries what the step expected and what the client gave (JSON
    values), so the report can show the difference field by field."""

    def __init__(self, message: str, *, expected: Any, actual: Any) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class ScenarioError(HarnessError):
    """Raised when a scenario or script asks for something impossible (unknown user, clock backwards)."""


class CapabilityMissing(HarnessError):
    """Raised (and turned into a skip) when a scenario needs a capability the service lacks."""


#: Exit status of a run stopped because the client's test service could not be started or kept dying.
SERVICE_EXIT = 3
