"""The errors a harness raises about a test service, each with its side (FAIL or ERROR).

``ComplianceViolation`` is an ``AssertionError`` so pytest reports it as a failure: the client broke
the contract. ``HarnessError`` and its subclasses are ERRORs: the run itself is broken.
``harness.errors`` re-exports these and adds the harness's own.
"""

from __future__ import annotations

__all__ = ["AdapterError", "ComplianceViolation", "HarnessError", "ServiceStartError"]


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""


class ComplianceViolation(AssertionError):
    """Raised when the client under test broke the contract (wrong callback, missing event, bad payload)."""


class AdapterError(ComplianceViolation):
    """Raised when the adapter test service crashes, hangs, answers garbage or breaks the protocol.

    The service is part of the client under test, so this FAILS the scenario (with a clear reason)."""


class ServiceStartError(HarnessError):
    """The client's test service could not be started (or attached to): the run cannot go on."""
