"""Deliberate faults: switches that make the reference client misbehave in one known way each.

The harness needs clients it *knows* are wrong, to prove that each scenario can fail. A
:class:`Quirks` value is read at a few seams of :class:`~refclient.client.RingingClient` and
:mod:`refclient.rules`; all switches are off by default, which is the faithful client.

Turn them on by name (the field name with ``-`` for ``_``)::

    python -m refclient.service --quirks skip-cancelled-callback,no-echo-suppression
    RINGSIDE_REFCLIENT_QUIRKS=ignore-custom-timeout python -m refclient.service
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["ENV_VAR", "Quirks"]

#: Environment variable with a comma-separated list of quirk names.
ENV_VAR = "RINGSIDE_REFCLIENT_QUIRKS"


@dataclass(frozen=True, kw_only=True)
class Quirks:
    """Which deliberate faults are on. Each field is one fault; its comment says what changes."""

    #: Never invoke ``onIncomingCallCancelled`` (the local effects of the event still happen).
    skip_cancelled_callback: bool = False
    #: Invoke ``onOutgoingCallAccepted`` twice for every ``ongoing`` event that fires it.
    double_accepted_callback: bool = False
    #: ``reject_call`` sends ``busy`` when asked for ``rejected``, and ``rejected`` when asked for ``busy``.
    swap_busy_rejected: bool = False
    #: ``initiate_call`` ignores its ``timeout`` argument: the ring timer always runs 45 s.
    ignore_custom_timeout: bool = False
    #: An ``ongoing`` event does not stop the caller's ring timer (it still fires ``unanswered``).
    ring_timer_survives_accept: bool = False
    #: ``reject_call(sid, "cancelled")`` sends ``{"status": "rejected"}`` (the local effects stay those of a cancel).
    cancel_sends_rejected: bool = False
    #: Do not drop WebSocket frames whose envelope ``deviceId`` is this device's own resource.
    no_echo_suppression: bool = False
    #: ``end_call`` and a received ``ended`` event leave the active call (and its ring timer) in place.
    keep_active_call_after_end: bool = False
    #: ``initiate_call`` sends the callee as ``receiverId`` instead of ``receiver`` (the SDK's pre-send field).
    wrong_payload_field: bool = False
    #: ``accept_call`` skips the ``CALL_IN_PROGRESS`` guard and replaces the active call.
    accept_while_busy: bool = False
    #: An event that stops the ring timer (``ongoing``) stops it only 1 s later, so a timer due within
    #: that second still fires and sends ``unanswered``.
    ring_timer_stops_late: bool = False
    #: The call session's ``onCallEnded`` handler skips ``clearActiveCall()`` (it still ends the session).
    session_end_keeps_active_call: bool = False
    #: Calls carry ``duration: None`` even when the server's ``ended`` entity has one.
    no_call_duration: bool = False
    #: ``generate_token`` asks for a token for another session (the last other one it knew, else the
    #: session id with its last character changed) and returns whatever the server gave.
    token_for_wrong_session: bool = False
    #: ``remove_call_listener`` silences only ``onIncomingCallReceived`` and ``onIncomingCallCancelled``;
    #: the listener still gets the caller-side and ended callbacks.
    remove_listener_partial: bool = False

    @classmethod
    def names(cls) -> list[str]:
        """Every quirk name, as used on the command line."""
        return [f.name.replace("_", "-") for f in dataclasses.fields(cls)]

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Quirks:
        """Quirks with exactly ``names`` on (each a name from :meth:`names`; blanks are ignored).

        Raises:
            ValueError: a name is not a known quirk.
        """
        known = set(cls.names())
        chosen: dict[str, bool] = {}
        for raw in names:
            name = raw.strip()
            if not name:
                continue
            if name not in known:
                raise ValueError(f"unknown quirk {name!r}; known quirks: {', '.join(sorted(known))}")
            chosen[name.replace("-", "_")] = True
        return cls(**chosen)

    @classmethod
    def parse(cls, text: str) -> Quirks:
        """Quirks from a comma-separated list of names (``""`` → all off)."""
        return cls.from_names(text.split(","))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Quirks:
        """Quirks from :data:`ENV_VAR` (unset → all off)."""
        env = os.environ if environ is None else environ
        return cls.parse(env.get(ENV_VAR, ""))

    def merged(self, other: Quirks) -> Quirks:
        """The quirks on in either ``self`` or ``other``."""
        return Quirks.from_names(self.enabled() + other.enabled())

    def enabled(self) -> list[str]:
        """Names of the quirks that are on."""
        return [f.name.replace("_", "-") for f in dataclasses.fields(self) if getattr(self, f.name)]
