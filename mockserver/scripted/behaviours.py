"""Scripted behaviours as data: delays, answer steps, callee sequences, and the magic user id grammar.

Pure: no clock, no I/O, no global randomness. A :class:`Delay` is drawn with a ``random.Random`` the
caller passes in (seeded per scripted user), so the same seed replays the same timings.

Magic user ids
--------------
A uid that starts with ``ring-`` names a user whose behaviour is its id::

    magic-uid := "ring-" steps [ "@" tag ]
    steps     := step ( "-then-" step )*          the k-th call gets step k; the last step repeats
    step      := "accept-" N "s" [ "-end-" M "s" ]  accept N s after the ring, end M s after accepting
               | "reject-" N "s"                   reject N s after the ring
               | "busy-" N "s"                     answer busy N s after the ring
               | "noanswer"                        never answer (the caller's ring timer decides)
    N, M      := digits [ "." digits ]              seconds, decimals allowed (0.2, 1.5)
    tag       := [A-Za-z0-9_.-]+                    ignored: makes ids unique (ring-accept-1s@2)

Examples: ``ring-accept-2s``, ``ring-reject-0.5s``, ``ring-busy-1s``, ``ring-noanswer``,
``ring-accept-1s-end-2s``, ``ring-busy-1s-then-accept-1s`` (first call busy, later calls accepted),
``ring-accept-2s@carol`` (a second accept-after-2s user, e.g. for a group).

The same ``steps`` grammar (without ``ring-``) is accepted as an ``answer:`` string in scripts.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

#: Every uid starting with this is a magic id (when magic users are on): it is parsed, never guessed.
MAGIC_PREFIX = "ring-"
#: One-line grammar, quoted in every magic-id error message.
MAGIC_GRAMMAR = (
    "ring-accept-<N>s[-end-<M>s] | ring-reject-<N>s | ring-busy-<N>s | ring-noanswer, "
    "steps joined by -then-, optional @tag; N and M are seconds (decimals allowed)"
)

PathPart = str | int
Path = tuple[PathPart, ...]

_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = re.compile(r"^(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m|h)\Z")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_STEP = re.compile(
    rf"^(?:(?P<action>accept|reject|busy)-(?P<after>{_NUMBER})s(?:-end-(?P<end>{_NUMBER})s)?|(?P<noanswer>noanswer))$"
)
_TAG = re.compile(r"^[A-Za-z0-9_.-]+\Z")
_THEN = "-then-"


class BehaviourError(ValueError):
    """A behaviour, delay, magic id or script part is invalid.

    ``path`` locates the offending value inside a script (``("users", 0, "answer")``); the script
    loaders turn it into a JSON path or a YAML line.
    """

    def __init__(self, message: str, path: Path = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def at(self, *prefix: PathPart) -> BehaviourError:
        """The same error, located under ``prefix``."""
        return BehaviourError(self.message, (*prefix, *self.path))


class MagicIdError(BehaviourError):
    """A uid starts with ``ring-`` but does not follow the magic grammar."""

    def __init__(self, uid: str, problem: str) -> None:
        super().__init__(f"bad magic user id {uid!r}: {problem} (grammar: {MAGIC_GRAMMAR})")
        self.uid = uid
        self.problem = problem


# -- delays ----------------------------------------------------------------------------------------


class DelayKind(StrEnum):
    """How a delay is chosen."""

    FIXED = "fixed"  #: always ``a`` seconds
    UNIFORM = "uniform"  #: uniformly between ``a`` and ``b`` seconds
    NORMAL = "normal"  #: normally distributed, mean ``a``, standard deviation ``b``, clamped to [low, high]


@dataclass(frozen=True, kw_only=True)
class Delay:
    """A wait in server-clock seconds: fixed, or drawn from a distribution with a seeded RNG."""

    kind: DelayKind = DelayKind.FIXED
    a: float = 0.0
    b: float = 0.0
    low: float = 0.0  #: draws below this are raised to it (never negative)
    high: float | None = None  #: draws above this are lowered to it

    @classmethod
    def fixed(cls, seconds: float) -> Delay:
        """Always ``seconds``."""
        return cls(kind=DelayKind.FIXED, a=seconds)

    def draw(self, rng: random.Random) -> float:
        """One delay in seconds. Fixed delays never touch ``rng`` (so they leave the sequence alone)."""
        if self.kind is DelayKind.FIXED:
            value = self.a
        elif self.kind is DelayKind.UNIFORM:
            value = rng.uniform(self.a, self.b)
        else:
            value = rng.normalvariate(self.a, self.b)
        value = max(self.low, value)
        return value if self.high is None else min(self.high, value)

    def describe(self) -> str:
        """Human form: ``2s``, ``uniform(1s..3s)``, ``normal(2s, sd 0.5s)``."""
        if self.kind is DelayKind.FIXED:
            return f"{self.a:g}s"
        if self.kind is DelayKind.UNIFORM:
            return f"uniform({self.a:g}s..{self.b:g}s)"
        clamp = f", min {self.low:g}s" if self.low else ""
        clamp += f", max {self.high:g}s" if self.high is not None else ""
        return f"normal({self.a:g}s, sd {self.b:g}s{clamp})"

    def to_json(self) -> Any:
        """The script form of this delay (a number for fixed delays)."""
        if self.kind is DelayKind.FIXED:
            return self.a
        shape: dict[str, Any] = {self.kind.value: [self.a, self.b]}
        if self.low:
            shape["min"] = self.low
        if self.high is not None:
            shape["max"] = self.high
        return shape


def parse_seconds(value: Any, path: Path = ()) -> float:
    """A number of seconds from a script: a number ≥ 0, or a string like ``2s``, ``1.5s``, ``500ms``, ``10m``."""
    if isinstance(value, bool):
        raise BehaviourError(f"expected seconds, got {value!r}", path)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION.match(value.strip())
        if not match:
            raise BehaviourError(f"{value!r} is not a duration; write e.g. 2, 2s, 1.5s, 500ms, 10m or 1h", path)
        seconds = float(match["value"]) * _UNIT_SECONDS[match["unit"]]
    else:
        raise BehaviourError(f"expected seconds (a number or a string like '2s'), got {type(value).__name__}", path)
    if not math.isfinite(seconds) or seconds < 0:
        raise BehaviourError(f"seconds must be a finite number ≥ 0, got {value!r}", path)
    return seconds


def parse_delay(value: Any, path: Path = ()) -> Delay:
    """A delay from a script.

    Forms: ``2`` / ``"2s"`` (fixed), ``{fixed: 2}``, ``{uniform: [1, 3]}``,
    ``{normal: [2, 0.5], min: 1, max: 4}`` (mean, standard deviation; ``min`` defaults to 0).

    Raises:
        BehaviourError: the value is none of these, with ``path`` pointing at the culprit.
    """
    if not isinstance(value, dict):
        return Delay.fixed(parse_seconds(value, path))
    kinds = [k for k in ("fixed", "uniform", "normal") if k in value]
    unknown = sorted(set(value) - {"fixed", "uniform", "normal", "min", "max"})
    if unknown:
        raise BehaviourError(f"unknown delay key {unknown[0]!r}; use fixed, uniform or normal (+ min, max)", path)
    if len(kinds) != 1:
        raise BehaviourError("a delay object needs exactly one of fixed, uniform, normal", path)
    kind = kinds[0]
    low = parse_seconds(value["min"], (*path, "min")) if "min" in value else 0.0
    high = parse_seconds(value["max"], (*path, "max")) if "max" in value else None
    if high is not None and high < low:
        raise BehaviourError(f"max ({high:g}s) is below min ({low:g}s)", (*path, "max"))
    if kind == "fixed":
        return Delay(kind=DelayKind.FIXED, a=parse_seconds(value["fixed"], (*path, "fixed")), low=low, high=high)
    pair = value[kind]
    if not isinstance(pair, list) or len(pair) != 2:
        what = "[low, high]" if kind == "uniform" else "[mean, standard deviation]"
        raise BehaviourError(f"{kind} needs a pair {what}", (*path, kind))
    a, b = (parse_seconds(v, (*path, kind, i)) for i, v in enumerate(pair))
    if kind == "uniform" and b < a:
        raise BehaviourError(f"uniform needs low ≤ high, got [{a:g}, {b:g}]", (*path, kind))
    return Delay(kind=DelayKind(kind), a=a, b=b, low=low, high=high)


# -- callee behaviour ------------------------------------------------------------------------------


class Answer(StrEnum):
    """What a scripted callee does with one incoming call."""

    ACCEPT = "accept"
    REJECT = "reject"
    BUSY = "busy"
    NOANSWER = "noanswer"

    @property
    def status(self) -> str | None:
        """The status the callee sends (``None``: it sends nothing)."""
        return {"accept": "ongoing", "reject": "rejected", "busy": "busy"}.get(self.value)


@dataclass(frozen=True, kw_only=True)
class AnswerStep:
    """The answer to one call: act ``after`` the ring arrived; optionally end ``end_after`` an accept."""

    answer: Answer
    after: Delay | None = None  #: None only for NOANSWER
    end_after: Delay | None = None  #: only for ACCEPT

    def describe(self) -> str:
        """Human (and magic-id-like) form: ``accept-2s-end-5s``, ``noanswer``."""
        if self.answer is Answer.NOANSWER or self.after is None:
            return "noanswer"
        text = f"{self.answer.value}-{self.after.describe()}"
        return text + (f"-end-{self.end_after.describe()}" if self.end_after else "")

    def to_json(self) -> Any:
        """The script form."""
        if self.answer is Answer.NOANSWER or self.after is None:
            return "noanswer"
        shape: dict[str, Any] = {self.answer.value: self.after.to_json()}
        if self.end_after is not None:
            shape["end"] = self.end_after.to_json()
        return shape


@dataclass(frozen=True, kw_only=True)
class CalleeBehaviour:
    """How a scripted user answers calls: step k answers its k-th call; the last step repeats."""

    steps: tuple[AnswerStep, ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise BehaviourError("a behaviour needs at least one step")

    def step_for(self, call_index: int) -> AnswerStep:
        """The step for the ``call_index``-th incoming call (0-based)."""
        return self.steps[min(call_index, len(self.steps) - 1)]

    def describe(self) -> str:
        """Human form: ``busy-1s-then-accept-2s``."""
        return _THEN.join(step.describe() for step in self.steps)


def parse_steps(text: str, path: Path = ()) -> CalleeBehaviour:
    """Parse the ``steps`` grammar (``busy-1s-then-accept-2s-end-5s``) into a behaviour.

    Raises:
        BehaviourError: with a message naming the bad step and what was expected.
    """
    if not text:
        raise BehaviourError("an empty answer; write e.g. accept-2s", path)
    return CalleeBehaviour(steps=tuple(_parse_step(part, path) for part in text.split(_THEN)))


def _parse_step(text: str, path: Path) -> AnswerStep:
    match = _STEP.match(text)
    if match and not (match["end"] and match["action"] != "accept"):
        if match["noanswer"]:
            return AnswerStep(answer=Answer.NOANSWER)
        end = Delay.fixed(float(match["end"])) if match["end"] else None
        return AnswerStep(answer=Answer(match["action"]), after=Delay.fixed(float(match["after"])), end_after=end)
    raise BehaviourError(_explain_step(text), path)


def _explain_step(text: str) -> str:
    """Why ``text`` is not a step, as precisely as can be told."""
    if not text:
        return "an empty step (two '-then-' in a row, or one at an end?)"
    word, _, rest = text.partition("-")
    if word == "noanswer":
        return f"step {text!r}: noanswer takes no delay"
    if word not in ("accept", "reject", "busy"):
        return f"step {text!r}: unknown action {word!r}; use accept, reject, busy or noanswer"
    after, _, tail = rest.partition("-")
    if not re.fullmatch(rf"{_NUMBER}s", after):
        return f"step {text!r}: {word} needs a delay in seconds such as {word}-2s or {word}-1.5s, not {after!r}"
    if tail:
        if word != "accept":
            return f"step {text!r}: only accept may be followed by -end-<M>s"
        if not re.fullmatch(rf"end-{_NUMBER}s", tail):
            return f"step {text!r}: after accept-<N>s only -end-<M>s may follow, not {tail!r}"
    return f"step {text!r} is not a step"  # pragma: no cover - every failing shape is caught above


def parse_answer(value: Any, path: Path = ()) -> CalleeBehaviour:
    """A callee behaviour from a script's ``answer:``.

    Forms: a steps string (``"busy-1s-then-accept-2s"``, ``"noanswer"``); one step object
    (``{accept: 2, end: 5}``, ``{reject: {uniform: [1, 3]}}``, ``{busy: 0}``, ``{noanswer: true}``,
    each with an optional ``times: N`` to repeat it); or a list of strings / step objects, in call order.
    """
    if isinstance(value, str):
        return parse_steps(value, path)
    if isinstance(value, dict):
        return CalleeBehaviour(steps=_step_object(value, path))
    if isinstance(value, list):
        if not value:
            raise BehaviourError("an empty answer list; give at least one step", path)
        steps: list[AnswerStep] = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                steps.extend(parse_steps(item, (*path, i)).steps)
            elif isinstance(item, dict):
                steps.extend(_step_object(item, (*path, i)))
            else:
                raise BehaviourError(f"a step is a string or an object, not {type(item).__name__}", (*path, i))
        return CalleeBehaviour(steps=tuple(steps))
    raise BehaviourError(f"answer must be a string, an object or a list, not {type(value).__name__}", path)


def _step_object(value: dict[str, Any], path: Path) -> tuple[AnswerStep, ...]:
    actions = [a for a in Answer if a.value in value]
    unknown = sorted(set(value) - {*(a.value for a in Answer), "end", "times"})
    if unknown:
        raise BehaviourError(
            f"unknown step key {unknown[0]!r}; use accept, reject, busy or noanswer (+ end, times)", (*path, unknown[0])
        )
    if len(actions) != 1:
        raise BehaviourError("a step needs exactly one of accept, reject, busy, noanswer", path)
    answer = actions[0]
    times = value.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise BehaviourError(f"times must be an integer ≥ 1, got {times!r}", (*path, "times"))
    if "end" in value and answer is not Answer.ACCEPT:
        raise BehaviourError("only an accept step may have end", (*path, "end"))
    if answer is Answer.NOANSWER:
        if value["noanswer"] is not True:
            raise BehaviourError("write noanswer: true (or the string noanswer)", (*path, "noanswer"))
        step = AnswerStep(answer=Answer.NOANSWER)
    else:
        after = parse_delay(value[answer.value], (*path, answer.value))
        end = parse_delay(value["end"], (*path, "end")) if "end" in value else None
        step = AnswerStep(answer=answer, after=after, end_after=end)
    return (step,) * times


# -- magic ids -------------------------------------------------------------------------------------


def is_magic(uid: str) -> bool:
    """Whether ``uid`` claims to be a magic id (it may still be malformed)."""
    return uid.startswith(MAGIC_PREFIX)


def parse_magic_uid(uid: str) -> CalleeBehaviour | None:
    """The behaviour a magic uid names, or ``None`` if ``uid`` is not a magic id at all.

    Raises:
        MagicIdError: ``uid`` starts with ``ring-`` but breaks the grammar; the message says where.
    """
    if not is_magic(uid):
        return None
    body = uid.removeprefix(MAGIC_PREFIX)
    if "@" in body:
        body, _, tag = body.rpartition("@")
        if not _TAG.match(tag):
            raise MagicIdError(uid, f"the tag after '@' must be letters, digits, '_', '.' or '-', not {tag!r}")
    try:
        return parse_steps(body)
    except BehaviourError as exc:
        raise MagicIdError(uid, exc.message) from None


# -- caller plans ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CallPlan:
    """A scripted outgoing call: place it ``at`` after the script loads, then give up or end it.

    ``cancel`` / ``unanswered``: that long after initiating, if still ringing, send ``cancelled`` /
    ``unanswered`` (the latter as the real SDK's ring timer does). ``end``: that long after the call
    was accepted, end it. ``count`` calls are placed, ``every`` apart.
    """

    to: str
    receiver_type: str = "user"
    call_type: str = "audio"
    at: Delay = Delay()
    cancel: Delay | None = None
    unanswered: Delay | None = None
    end: Delay | None = None
    count: int = 1
    every: Delay | None = None

    def describe(self) -> str:
        """Human form: ``call bob (audio) at 5s, cancel after 3s``."""
        text = f"call {self.receiver_type} {self.to} ({self.call_type}) at {self.at.describe()}"
        for word, delay in (("cancel", self.cancel), ("unanswered", self.unanswered), ("end", self.end)):
            if delay is not None:
                text += f", {word} after {delay.describe()}"
        if self.count > 1 and self.every is not None:
            text += f", {self.count} times every {self.every.describe()}"
        return text

    def to_json(self) -> dict[str, Any]:
        """The script form."""
        shape: dict[str, Any] = {
            "to": self.to,
            "receiverType": self.receiver_type,
            "type": self.call_type,
            "at": self.at.to_json(),
        }
        for key, delay in (("cancel", self.cancel), ("unanswered", self.unanswered), ("end", self.end)):
            if delay is not None:
                shape[key] = delay.to_json()
        if self.count != 1:
            shape["count"] = self.count
        if self.every is not None:
            shape["every"] = self.every.to_json()
        return shape


_CALL_KEYS = frozenset({"to", "receiverType", "type", "at", "cancel", "unanswered", "end", "count", "every"})


def parse_call(value: Any, path: Path = ()) -> CallPlan:
    """A caller plan from a script's ``calls:`` item.

    Shape: ``{to, receiverType?: user|group, type?: audio|video, at?, cancel? | unanswered?, end?,
    count?, every?}``; every time is a delay (see :func:`parse_delay`).
    """
    if not isinstance(value, dict):
        raise BehaviourError(f"a call is an object with at least 'to', not {type(value).__name__}", path)
    unknown = sorted(set(value) - _CALL_KEYS)
    if unknown:
        raise BehaviourError(
            f"unknown call key {unknown[0]!r}; use {', '.join(sorted(_CALL_KEYS))}", (*path, unknown[0])
        )
    to = value.get("to")
    if not isinstance(to, str) or not to:
        raise BehaviourError("a call needs 'to': the uid or guid to call", (*path, "to"))
    receiver_type = value.get("receiverType", "user")
    if receiver_type not in ("user", "group"):
        raise BehaviourError(f"receiverType is user or group, not {receiver_type!r}", (*path, "receiverType"))
    call_type = value.get("type", "audio")
    if call_type not in ("audio", "video"):
        raise BehaviourError(f"type is audio or video, not {call_type!r}", (*path, "type"))
    if "cancel" in value and "unanswered" in value:
        raise BehaviourError("a call gives up by cancel or by unanswered, not both", (*path, "unanswered"))
    count = value.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise BehaviourError(f"count must be an integer ≥ 1, got {count!r}", (*path, "count"))
    if count > 1 and "every" not in value:
        raise BehaviourError("count > 1 needs every: the time between the calls", (*path, "count"))

    def delay(key: str) -> Delay | None:
        return parse_delay(value[key], (*path, key)) if key in value else None

    return CallPlan(
        to=to,
        receiver_type=receiver_type,
        call_type=call_type,
        at=delay("at") or Delay(),
        cancel=delay("cancel"),
        unanswered=delay("unanswered"),
        end=delay("end"),
        count=count,
        every=delay("every"),
    )


def render_path(path: Sequence[PathPart]) -> str:
    """``("users", 0, "answer")`` as ``users[0].answer`` (empty for the root)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
