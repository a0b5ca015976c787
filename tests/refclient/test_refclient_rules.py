"""The SDK's local rules as pure functions: ring-timeout resolution and the §4 dispatch table."""

from __future__ import annotations

import math

import pytest
from refclient_support import call_message

from refclient import Call, Quirks, resolve_timeout
from refclient.listeners import CallbackName as CB
from refclient.rules import Dispatch, EndActive, plan_dispatch

NEVER, BEFORE, AFTER = EndActive.NEVER, EndActive.BEFORE_CALLBACKS, EndActive.AFTER_CALLBACKS


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [(None, 45), (0, 45), (-5, 45), (2.7, 2), (0.5, 45), (1, 1), (60, 60), (59.999, 59), (math.nan, 45)],
)
def test_resolve_timeout_floors_and_falls_back_to_45(timeout, seconds):
    assert resolve_timeout(timeout) == seconds


def plan(status, *, receiver_type="user", initiator="alice", me="alice", active=None, ring=None, quirks=None):
    receiver = "team" if receiver_type == "group" else "bob"
    call = Call.from_message(
        call_message("S", status, initiator=initiator, receiver=receiver, receiver_type=receiver_type)
    )
    return plan_dispatch(call, me=me, active_session=active, ring_session=ring, quirks=quirks)


# (status, me is the initiator?, active call is this session?) -> expected Dispatch, for USER calls.
USER_TABLE = [
    ("initiated", False, False, Dispatch((CB.INCOMING_CALL_RECEIVED,))),
    ("initiated", True, True, Dispatch()),  # the caller's other device: not an incoming call (spec; the SDK fires)
    ("ongoing", True, True, Dispatch((CB.OUTGOING_CALL_ACCEPTED,))),  # no ring timer for S here
    ("ongoing", False, False, Dispatch()),  # the callee's other device: not an outgoing accept (spec)
    ("rejected", True, True, Dispatch((CB.OUTGOING_CALL_REJECTED,), end_active=BEFORE)),
    ("rejected", True, False, Dispatch((CB.OUTGOING_CALL_REJECTED,))),
    ("busy", True, True, Dispatch((CB.OUTGOING_CALL_REJECTED,), end_active=BEFORE)),
    ("busy", False, False, Dispatch()),
    ("cancelled", False, True, Dispatch((CB.INCOMING_CALL_CANCELLED,), end_active=AFTER)),
    ("cancelled", False, False, Dispatch((CB.INCOMING_CALL_CANCELLED,))),
    ("unanswered", True, True, Dispatch((CB.OUTGOING_CALL_REJECTED,))),
    ("unanswered", False, True, Dispatch((CB.INCOMING_CALL_CANCELLED,), end_active=BEFORE)),
    ("unanswered", False, False, Dispatch((CB.INCOMING_CALL_CANCELLED,))),
    ("ended", True, True, Dispatch((CB.CALL_ENDED_MESSAGE_RECEIVED,), end_active=AFTER)),
    ("ended", False, False, Dispatch((CB.CALL_ENDED_MESSAGE_RECEIVED,))),
    ("weird", True, True, Dispatch()),
]

GROUP_TABLE = [
    ("initiated", False, False, Dispatch((CB.INCOMING_CALL_RECEIVED,))),
    ("initiated", True, True, Dispatch()),
    ("ongoing", True, True, Dispatch((CB.OUTGOING_CALL_ACCEPTED,))),  # ring timer not for S: kept
    ("ongoing", False, False, Dispatch()),
    ("rejected", True, True, Dispatch((CB.OUTGOING_CALL_REJECTED,))),  # group: never ends the call
    ("rejected", False, True, Dispatch()),
    ("busy", True, True, Dispatch((CB.OUTGOING_CALL_REJECTED,))),
    ("busy", False, False, Dispatch()),
    ("cancelled", False, True, Dispatch((CB.INCOMING_CALL_CANCELLED,), end_active=AFTER)),
    ("unanswered", True, True, Dispatch((CB.OUTGOING_CALL_REJECTED,))),
    ("unanswered", False, True, Dispatch((CB.INCOMING_CALL_CANCELLED,), end_active=BEFORE)),
    ("ended", False, True, Dispatch((CB.CALL_ENDED_MESSAGE_RECEIVED,), end_active=AFTER)),
]


def test_user_call_ongoing_clears_the_ring_timer_of_its_session():
    assert plan("ongoing", ring="S").clear_ring_timer
    assert not plan("ongoing", ring="OTHER").clear_ring_timer


@pytest.mark.parametrize(("status", "mine", "matches", "expected"), USER_TABLE)
def test_user_call_dispatch(status, mine, matches, expected):
    got = plan(status, initiator="alice" if mine else "bob", active="S" if matches else "OTHER")
    assert got == expected


@pytest.mark.parametrize(("status", "mine", "matches", "expected"), GROUP_TABLE)
def test_group_call_dispatch(status, mine, matches, expected):
    got = plan(status, receiver_type="group", initiator="alice" if mine else "bob", active="S" if matches else None)
    assert got == expected


def test_initiator_comparison_ignores_case():
    assert plan("initiated", receiver_type="group", initiator="ALICE", me="alice") == Dispatch()


def test_group_ongoing_clears_the_ring_timer_of_its_own_session_only():
    """The deliberate fix of the SDK's group bug: the answered group call no longer rings out."""
    assert plan("ongoing", receiver_type="group", ring="S").clear_ring_timer is True
    assert plan("ongoing", receiver_type="group", ring="OTHER").clear_ring_timer is False
    assert plan("ongoing", receiver_type="group", ring=None).clear_ring_timer is False


def test_quirk_skip_cancelled_callback_keeps_the_local_effect():
    got = plan("cancelled", initiator="bob", active="S", quirks=Quirks(skip_cancelled_callback=True))
    assert got == Dispatch((), end_active=AFTER)


def test_quirk_double_accepted_callback():
    got = plan("ongoing", quirks=Quirks(double_accepted_callback=True))
    assert got.callbacks == (CB.OUTGOING_CALL_ACCEPTED, CB.OUTGOING_CALL_ACCEPTED)


def test_quirk_ring_timer_survives_accept():
    assert plan("ongoing", quirks=Quirks(ring_timer_survives_accept=True)).clear_ring_timer is False


def test_quirk_keep_active_call_after_end():
    got = plan("ended", active="S", quirks=Quirks(keep_active_call_after_end=True))
    assert got == Dispatch((CB.CALL_ENDED_MESSAGE_RECEIVED,))
