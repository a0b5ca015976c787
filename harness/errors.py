"""Harness errors, each with its side: the client broke the contract (FAIL) or the run is broken (ERROR).

``ComplianceViolation`` is an ``AssertionError`` so pytest reports it as a failure; everything else here
is an ERROR: the scenario, the script, the adapter service or the harness itself is at fault.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""


class ComplianceViolation(AssertionError):
    """Raised when the client under test broke the contract (wrong callback, missing event, bad payload)."""


class ScenarioError(HarnessError):
    """Raised when a scenario or script asks for something impossible (unknown user, clock backwards)."""


class AdapterError(ComplianceViolation):
    """Raised when the adapter test service crashes, hangs, answers garbage or breaks the protocol.

    The service is part of the client under test, so this FAILS the scenario (with a clear reason)."""


class CapabilityMissing(HarnessError):
    """Raised (and turned into a skip) when a scenario needs a capability the service lacks."""
