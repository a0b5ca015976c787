"""What the core forgets and what it never does: ended calls past a count or an age, tokens past a count.

All on explicit ``now`` values: the core keeps no timers, so forgetting happens when a move brings time.
"""

from __future__ import annotations

import pytest

from mockserver.core import Backend, CallStatus, ErrorCode, RingsideError
from mockserver.core.directory import Directory, IdSource

T0 = 1_800_000_000.0


def make_backend(**limits: float | None) -> Backend:
    backend = Backend(app_id="app", **limits)  # type: ignore[arg-type]
    for uid in ("alice", "bob", "carol"):
        backend.directory.add_user(uid, now=T0)
    return backend


def ended_call(backend: Backend, *, now: float, caller: str = "alice", callee: str = "bob") -> str:
    sid = backend.initiate(
        caller, receiver=callee, receiver_type="user", call_type="audio", now=now, resource="R"
    ).call.session_id
    backend.update(callee, sid, "rejected", now=now, resource="R")
    return sid


def test_without_limits_nothing_is_forgotten():
    backend = make_backend()
    sids = [ended_call(backend, now=T0 + i * 1e6) for i in range(20)]
    assert list(backend.calls) == sids and backend.calls_trimmed == 0


def test_the_earliest_ended_calls_go_beyond_the_count_limit():
    backend = make_backend(max_ended_calls=3)
    sids = [ended_call(backend, now=T0 + i) for i in range(5)]
    assert list(backend.calls) == sids[-3:] and list(backend.ended) == sids[-3:]
    assert backend.calls_trimmed == 2
    with pytest.raises(RingsideError) as gone:
        backend.call(sids[0])
    assert gone.value.code is ErrorCode.CALL_NOT_FOUND, "a forgotten call is a call that never was"
    with pytest.raises(RingsideError) as moved:
        backend.update("alice", sids[0], "ended", now=T0 + 10, resource="R")
    assert moved.value.code is ErrorCode.CALL_NOT_FOUND


def test_live_calls_are_never_forgotten_however_old_or_many():
    backend = make_backend(max_ended_calls=1, call_retention=10.0)
    ringing = backend.initiate(
        "carol", receiver="alice", receiver_type="user", call_type="audio", now=T0, resource="R"
    ).call.session_id
    ongoing = backend.initiate(
        "carol", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="R"
    ).call.session_id
    backend.update("bob", ongoing, "ongoing", now=T0, resource="R")
    for i in range(1, 50):
        ended_call(backend, now=T0 + i * 100)
    assert backend.calls[ringing].status is CallStatus.INITIATED
    assert backend.calls[ongoing].status is CallStatus.ONGOING
    assert set(backend.live) == {ringing, ongoing}
    assert len(backend.ended) == 1
    # once it ends, a live call becomes an ended one like any other
    backend.update("carol", ongoing, "ended", now=T0 + 10_000, resource="R")
    assert ongoing in backend.calls and ongoing in backend.ended


def test_ended_calls_older_than_the_retention_go_when_time_comes_with_a_move():
    backend = make_backend(call_retention=60.0)
    old = ended_call(backend, now=T0)
    recent = ended_call(backend, now=T0 + 30)
    assert backend.trim(T0 + 60) == [], "exactly at the retention: still kept"
    assert backend.trim(T0 + 60.5) == [old]
    assert list(backend.calls) == [recent]
    ended_call(backend, now=T0 + 1_000)  # a move trims with its own now
    assert recent not in backend.calls


def test_reset_forgets_the_retention_bookkeeping_too():
    backend = make_backend(max_ended_calls=2)
    ended_call(backend, now=T0)
    backend.reset()
    assert backend.ended == {} and backend.calls == {} and backend.directory.max_tokens_per_user is None


def test_tokens_beyond_the_limit_go_least_recently_used_first():
    directory = Directory(IdSource(0), max_tokens_per_user=2)
    directory.add_user("alice", now=T0)
    directory.add_user("bob", now=T0)
    first, second = directory.issue_token("alice"), directory.issue_token("alice")
    bobs = directory.issue_token("bob")
    directory.user_for_token(first)  # in use: now the most recent
    third = directory.issue_token("alice")
    assert sorted(directory.tokens_of("alice")) == sorted([first, third])
    with pytest.raises(RingsideError) as gone:
        directory.user_for_token(second)
    assert gone.value.code is ErrorCode.AUTH_TOKEN_NOT_FOUND
    assert directory.user_for_token(bobs).uid == "bob", "one user's logins never push out another's tokens"
    assert directory.tokens_dropped == 1
    directory.revoke(first)  # logout frees its place
    fourth = directory.issue_token("alice")
    assert sorted(directory.tokens_of("alice")) == sorted([third, fourth]) and directory.tokens_dropped == 1


def test_the_backend_hands_its_token_limit_to_every_directory():
    backend = make_backend(max_tokens_per_user=1)
    assert backend.directory.max_tokens_per_user == 1
    backend.reset()
    assert backend.directory.max_tokens_per_user == 1


def test_a_dropped_token_takes_its_logins_jwt_with_it():
    directory = Directory(IdSource(0), max_tokens_per_user=1)
    directory.add_user("alice", now=T0)
    first = directory.issue_token("alice")
    jwt = directory.jwt_for(first)
    assert directory.user_for_jwt(jwt) is not None
    directory.issue_token("alice")  # pushes the first login out, as a logout would
    assert directory.user_for_jwt(jwt) is None
