"""Behaviours as data: magic ids (every form, and bad ones refused clearly), delays, answers, calls."""

from __future__ import annotations

import random

import pytest

from mockserver.core.directory import ID_PATTERN
from mockserver.scripted.behaviours import (
    Answer,
    BehaviourError,
    Delay,
    DelayKind,
    MagicIdError,
    parse_answer,
    parse_call,
    parse_delay,
    parse_magic_uid,
    parse_seconds,
)


def steps(uid: str) -> list[tuple[str, float | None, float | None]]:
    behaviour = parse_magic_uid(uid)
    assert behaviour is not None
    return [
        (s.answer.value, s.after.a if s.after else None, s.end_after.a if s.end_after else None)
        for s in behaviour.steps
    ]


@pytest.mark.parametrize(
    ("uid", "expected"),
    [
        ("ring-accept-2s", [("accept", 2.0, None)]),
        ("ring-accept-0.2s", [("accept", 0.2, None)]),
        ("ring-accept-0s", [("accept", 0.0, None)]),
        ("ring-reject-1s", [("reject", 1.0, None)]),
        ("ring-reject-0.5s", [("reject", 0.5, None)]),
        ("ring-busy-1s", [("busy", 1.0, None)]),
        ("ring-busy-12.75s", [("busy", 12.75, None)]),
        ("ring-noanswer", [("noanswer", None, None)]),
        ("ring-accept-1s-end-2s", [("accept", 1.0, 2.0)]),
        ("ring-accept-1.5s-end-0.25s", [("accept", 1.5, 0.25)]),
        # extensions: per-call sequences and tags
        ("ring-busy-1s-then-accept-1s", [("busy", 1.0, None), ("accept", 1.0, None)]),
        ("ring-noanswer-then-reject-2s", [("noanswer", None, None), ("reject", 2.0, None)]),
        ("ring-accept-2s@carol", [("accept", 2.0, None)]),
        ("ring-accept-1s-end-3s-then-busy-0s@a.b-c_d", [("accept", 1.0, 3.0), ("busy", 0.0, None)]),
    ],
)
def test_magic_id_forms(uid: str, expected: list[tuple[str, float | None, float | None]]) -> None:
    assert ID_PATTERN.match(uid), "every magic id must be a valid CometChat uid"
    assert steps(uid) == expected


@pytest.mark.parametrize("uid", ["alice", "ring", "ringo", "ring_accept_2s", "RING-accept-2s", "bring-accept-2s"])
def test_plain_uids_are_not_magic(uid: str) -> None:
    assert parse_magic_uid(uid) is None


@pytest.mark.parametrize(
    ("uid", "says"),
    [
        ("ring-", "empty answer"),
        ("ring-accept", "accept needs a delay in seconds such as accept-2s"),
        ("ring-accept-2", "accept needs a delay in seconds such as accept-2s"),
        ("ring-accept-s", "not 's'"),
        ("ring-accept-xs", "not 'xs'"),
        ("ring-accept--2s", "not ''"),
        ("ring-accept-1e3s", "not '1e3s'"),
        ("ring-accept-.5s", "not '.5s'"),
        ("ring-accept-2ms", "not '2ms'"),
        ("ring-acept-2s", "unknown action 'acept'"),
        ("ring-ignore", "unknown action 'ignore'"),
        ("ring-noanswer-2s", "noanswer takes no delay"),
        ("ring-reject-1s-end-2s", "only accept may be followed by -end-<M>s"),
        ("ring-accept-1s-end", "only -end-<M>s may follow, not 'end'"),
        ("ring-accept-1s-end-2", "only -end-<M>s may follow, not 'end-2'"),
        ("ring-accept-1s-stop-2s", "only -end-<M>s may follow"),
        ("ring-accept-1s-then-", "empty step"),
        ("ring-accept-1s-then--then-busy-1s", "empty step"),
        ("ring-accept-1s@", "the tag after '@' must be"),
        ("ring-accept-1s@a@b", "accept needs a delay"),
    ],
)
def test_bad_magic_ids_are_refused_clearly(uid: str, says: str) -> None:
    with pytest.raises(MagicIdError) as caught:
        parse_magic_uid(uid)
    message = str(caught.value)
    assert says in message
    assert repr(uid) in message, "the message names the uid"
    assert "ring-accept-<N>s" in message, "the message quotes the grammar"


def test_a_sequence_repeats_its_last_step() -> None:
    behaviour = parse_magic_uid("ring-busy-1s-then-reject-1s-then-accept-2s")
    assert behaviour is not None
    assert [behaviour.step_for(i).answer for i in range(5)] == [
        Answer.BUSY,
        Answer.REJECT,
        Answer.ACCEPT,
        Answer.ACCEPT,
        Answer.ACCEPT,
    ]
    assert behaviour.describe() == "busy-1s-then-reject-1s-then-accept-2s"


# -- delays ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(2, 2.0), (1.5, 1.5), (0, 0.0), ("2s", 2.0), ("1.5s", 1.5), ("500ms", 0.5), ("10m", 600.0), ("1h", 3600.0)],
)
def test_seconds_forms(value: object, seconds: float) -> None:
    assert parse_seconds(value) == seconds


@pytest.mark.parametrize("value", [-1, "2", "2 sec", "-2s", True, None, [2], float("inf")])
def test_bad_seconds(value: object) -> None:
    with pytest.raises(BehaviourError):
        parse_seconds(value)


def test_fixed_delay_never_touches_the_rng() -> None:
    rng = random.Random(1)
    state = rng.getstate()
    assert parse_delay("2s").draw(rng) == 2.0
    assert parse_delay({"fixed": 3}).draw(rng) == 3.0
    assert rng.getstate() == state


def test_uniform_delay_is_within_bounds_and_seeded() -> None:
    delay = parse_delay({"uniform": [1, 3]})
    assert delay.kind is DelayKind.UNIFORM
    draws = [delay.draw(random.Random(f"7:bob:{i}")) for i in range(200)]
    assert all(1 <= d <= 3 for d in draws)
    assert min(draws) < 1.5 and max(draws) > 2.5, "it spreads over the range"
    again = [delay.draw(random.Random(f"7:bob:{i}")) for i in range(200)]
    assert draws == again, "the same seed gives the same draws"


def test_normal_delay_is_clamped() -> None:
    delay = parse_delay({"normal": [1, 5], "max": 4})
    rng = random.Random(3)
    draws = [delay.draw(rng) for _ in range(500)]
    assert min(draws) == 0.0, "min defaults to 0: never negative"
    assert max(draws) == 4.0
    mean = parse_delay({"normal": ["2s", "0.1s"]})
    draws = [mean.draw(rng) for _ in range(500)]
    assert 1.9 < sum(draws) / len(draws) < 2.1


@pytest.mark.parametrize(
    ("value", "path", "says"),
    [
        ({"uniform": [3, 1]}, ("uniform",), "low ≤ high"),
        ({"uniform": [1]}, ("uniform",), "pair"),
        ({"normal": [1, 2], "min": 3, "max": 2}, ("max",), "below min"),
        ({"uniform": [1, 2], "normal": [1, 2]}, (), "exactly one"),
        ({"gauss": [1, 2]}, (), "unknown delay key 'gauss'"),
        ({"uniform": [1, "x"]}, ("uniform", 1), "not a duration"),
    ],
)
def test_bad_delays_name_their_place(value: object, path: tuple[object, ...], says: str) -> None:
    with pytest.raises(BehaviourError) as caught:
        parse_delay(value, ("users", 0, "answer", "accept"))
    assert caught.value.path == ("users", 0, "answer", "accept", *path)
    assert says in caught.value.message


def test_delay_round_trips_through_json() -> None:
    for value in (2.0, {"uniform": [1.0, 3.0]}, {"normal": [2.0, 0.5], "min": 1.0, "max": 4.0}):
        assert parse_delay(parse_delay(value).to_json()) == parse_delay(value)
    assert Delay.fixed(2).describe() == "2s"


# -- answers and calls -----------------------------------------------------------------------------


def test_answer_forms_agree() -> None:
    as_text = parse_answer("busy-1s-then-accept-2s-end-5s")
    as_list = parse_answer([{"busy": 1}, {"accept": "2s", "end": 5}])
    as_mixed = parse_answer(["busy-1s", {"accept": 2, "end": "5s"}])
    assert as_text == as_list == as_mixed
    assert parse_answer({"noanswer": True}) == parse_answer("noanswer")
    times = parse_answer([{"busy": 0, "times": 2}, "accept-1s"])
    assert [s.answer for s in times.steps] == [Answer.BUSY, Answer.BUSY, Answer.ACCEPT]


@pytest.mark.parametrize(
    ("value", "path", "says"),
    [
        ({"reject": 1, "end": 2}, ("end",), "only an accept step may have end"),
        ({"accept": 1, "busy": 2}, (), "exactly one of"),
        ({"acept": 1}, ("acept",), "unknown step key 'acept'"),
        ({"noanswer": False}, ("noanswer",), "noanswer: true"),
        ({"busy": 1, "times": 0}, ("times",), "times must be an integer ≥ 1"),
        ([], (), "empty answer list"),
        (["accept-1s", 3], (1,), "a step is a string or an object"),
        (["accept-1s", "acept-2s"], (1,), "unknown action 'acept'"),
        (7, (), "answer must be a string"),
    ],
)
def test_bad_answers_name_their_place(value: object, path: tuple[object, ...], says: str) -> None:
    with pytest.raises(BehaviourError) as caught:
        parse_answer(value, ("answer",))
    assert caught.value.path == ("answer", *path)
    assert says in caught.value.message


def test_call_plans() -> None:
    plan = parse_call({"to": "alice", "type": "video", "at": "5s", "cancel": 3})
    assert (plan.to, plan.call_type, plan.receiver_type, plan.at.a, plan.cancel) == (
        "alice",
        "video",
        "user",
        5.0,
        Delay.fixed(3),
    )
    group = parse_call({"to": "team", "receiverType": "group", "end": 30, "count": 3, "every": "1m"})
    assert group.count == 3 and group.every == Delay.fixed(60)
    assert parse_call(group.to_json()) == group


@pytest.mark.parametrize(
    ("value", "path", "says"),
    [
        ({"to": "a", "cancel": 1, "unanswered": 2}, ("unanswered",), "not both"),
        ({"to": "a", "count": 2}, ("count",), "needs every"),
        ({"to": "a", "type": "fax"}, ("type",), "audio or video"),
        ({"to": "a", "receiverType": "room"}, ("receiverType",), "user or group"),
        ({"at": 1}, ("to",), "needs 'to'"),
        ({"to": "a", "when": 1}, ("when",), "unknown call key 'when'"),
    ],
)
def test_bad_calls_name_their_place(value: object, path: tuple[object, ...], says: str) -> None:
    with pytest.raises(BehaviourError) as caught:
        parse_call(value, ("calls", 0))
    assert caught.value.path == ("calls", 0, *path)
    assert says in caught.value.message
