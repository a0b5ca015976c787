"""The JS SDK's local rules as pure functions: the ring timeout, and status → listener dispatch.

Nothing here does I/O or reads a clock; :class:`~refclient.client.RingingClient` asks these
functions what to do and then does it.

Dispatch table (wire spec §4, checked against ``publishCallMessage`` in ``CometChat.js`` 4.2.0).
"me" is the logged-in uid, compared case-insensitively; "end" means "clear the active call and its
ring timer, if the active call has this session id"; before/after is relative to the callbacks::

    status      user call                                  group call
    ----------  -----------------------------------------  -------------------------------------------
    initiated   onIncomingCallReceived if initiator != me  onIncomingCallReceived if initiator != me
    ongoing     clear ring timer if it is this session;    onOutgoingCallAccepted if initiator == me;
                onOutgoingCallAccepted if initiator == me  clear ring timer if it is this session (*)
    rejected    end (before); onOutgoingCallRejected       onOutgoingCallRejected if initiator == me
                if initiator == me
    busy        same as rejected (**)                      onOutgoingCallRejected if initiator == me
    cancelled   onIncomingCallCancelled if initiator != me; same as user
                end (after)
    unanswered  initiator == me: onOutgoingCallRejected    same as user
                else: end (before); onIncomingCallCancelled
    ended       onCallEndedMessageReceived; end (after)    same as user
    other       ignored                                    ignored

(*) Deliberate fix of an SDK bug: the SDK never clears the ring timer for a group call, so a caller
whose group call was answered still sends ``unanswered`` when the timer runs out. We clear it when
the ``ongoing`` event is for the session the ring timer is running for.

(***) The reference client follows the *spec* where the SDK does not: the SDK makes no initiator
check on user calls, so another device of the callee hears "outgoing call accepted / rejected" for
its own user's answer, and another device of the caller hears "incoming call" for its own call. The
harness's oracles treat that as a callback on the wrong side (the JS SDK lists it as a known failure).
The client also drops a repeated event (same session and status) and anything for a session it has
already seen end — see ``RingingClient._publish``.

(**) The SDK ends the active call on ``busy`` inside its per-listener loop, so with no listener
registered it does not end it at all; we end it regardless, as for ``rejected``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from refclient.faults import Quirks
from refclient.listeners import CallbackName
from refclient.model import Call, CallStatus

__all__ = ["DEFAULT_TIMEOUT", "Dispatch", "EndActive", "plan_dispatch", "resolve_timeout"]

#: Ring timeout used when none (or a useless one) is given: ``DEFAULT_VALUES.CALL_TIMEOUT``.
DEFAULT_TIMEOUT = 45


def resolve_timeout(timeout: float | None) -> int:
    """The ring timeout in whole seconds, as the SDK's ``resolveTimeout`` computes it.

    ``None`` → 45; otherwise ``floor(timeout)``, and a result ≤ 0 → 45. (Not-a-number and infinities,
    which JS would turn into an immediate timer, also give 45.)

    >>> [resolve_timeout(x) for x in (None, 0, -5, 2.7, 60)]
    [45, 45, 45, 2, 60]
    """
    if timeout is None or not math.isfinite(timeout):
        return DEFAULT_TIMEOUT
    whole = math.floor(timeout)
    return DEFAULT_TIMEOUT if whole <= 0 else whole


class EndActive(Enum):
    """Whether (and when) an event ends the matching active call."""

    NEVER = "never"
    BEFORE_CALLBACKS = "before"
    AFTER_CALLBACKS = "after"


@dataclass(frozen=True)
class Dispatch:
    """What the client must do for one received call event, in this order:

    1. clear the ring timer if ``clear_ring_timer``;
    2. end the active call if ``end_active`` is ``BEFORE_CALLBACKS``;
    3. invoke every listener's callback for each name in ``callbacks``, in order;
    4. end the active call if ``end_active`` is ``AFTER_CALLBACKS``.
    """

    callbacks: tuple[CallbackName, ...] = ()
    clear_ring_timer: bool = False
    end_active: EndActive = EndActive.NEVER


def _same_uid(uid: str | None, me: str) -> bool:
    return uid is not None and uid.lower() == me.lower()


def plan_dispatch(
    call: Call,
    *,
    me: str,
    active_session: str | None,
    ring_session: str | None,
    quirks: Quirks | None = None,
) -> Dispatch:
    """What to do with a call event (see the module docstring for the table).

    Args:
        call: the parsed call message.
        me: the logged-in uid.
        active_session: session id of the active call, or ``None``.
        ring_session: session id the ring timer runs for, or ``None`` when no ring timer is armed.
        quirks: deliberate faults to apply (default: none).
    """
    quirks = quirks or Quirks()
    plan = _faithful(call, me=me, active_session=active_session, ring_session=ring_session)
    return _with_quirks(plan, call, quirks)


def _faithful(call: Call, *, me: str, active_session: str | None, ring_session: str | None) -> Dispatch:
    matches = active_session is not None and active_session == call.session_id
    end_if = EndActive.BEFORE_CALLBACKS if matches else EndActive.NEVER
    end_after = EndActive.AFTER_CALLBACKS if matches else EndActive.NEVER
    mine = _same_uid(call.initiator, me)
    group = call.is_group
    status = call.status

    if status == CallStatus.INITIATED:
        return Dispatch(callbacks=() if mine else (CallbackName.INCOMING_CALL_RECEIVED,))
    if status == CallStatus.ONGOING:
        return Dispatch(
            callbacks=(CallbackName.OUTGOING_CALL_ACCEPTED,) if mine else (),
            clear_ring_timer=ring_session is not None and ring_session == call.session_id,
        )
    if status in (CallStatus.REJECTED, CallStatus.BUSY):
        if group:
            return Dispatch(callbacks=(CallbackName.OUTGOING_CALL_REJECTED,) if mine else ())
        return Dispatch(callbacks=(CallbackName.OUTGOING_CALL_REJECTED,) if mine else (), end_active=end_if)
    if status == CallStatus.CANCELLED:
        return Dispatch(callbacks=() if mine else (CallbackName.INCOMING_CALL_CANCELLED,), end_active=end_after)
    if status == CallStatus.UNANSWERED:
        if mine:
            return Dispatch(callbacks=(CallbackName.OUTGOING_CALL_REJECTED,))
        return Dispatch(callbacks=(CallbackName.INCOMING_CALL_CANCELLED,), end_active=end_if)
    if status == CallStatus.ENDED:
        return Dispatch(callbacks=(CallbackName.CALL_ENDED_MESSAGE_RECEIVED,), end_active=end_after)
    return Dispatch()


def _with_quirks(plan: Dispatch, call: Call, quirks: Quirks) -> Dispatch:
    callbacks = list(plan.callbacks)
    if quirks.skip_cancelled_callback:
        callbacks = [name for name in callbacks if name != CallbackName.INCOMING_CALL_CANCELLED]
    if quirks.double_accepted_callback:
        callbacks = [twice for name in callbacks for twice in _repeat(name)]
    clear = plan.clear_ring_timer and not (quirks.ring_timer_survives_accept and call.status == CallStatus.ONGOING)
    end_active = plan.end_active
    if quirks.keep_active_call_after_end and call.status == CallStatus.ENDED:
        end_active = EndActive.NEVER
    return Dispatch(callbacks=tuple(callbacks), clear_ring_timer=clear, end_active=end_active)


def _repeat(name: CallbackName) -> list[CallbackName]:
    return [name, name] if name == CallbackName.OUTGOING_CALL_ACCEPTED else [name]
