"""A script as data: scripted users (answers, outgoing calls), groups and faults, parsed from plain JSON.

The YAML loader (``script_file.py``) and the control API (``POST /_ringside/scripts``) both validate
against ``schemas/script/script.schema.json`` first, then call :func:`parse_script`, which checks what
a schema cannot say well (step grammar, "exactly one of", "only for delay faults") and reports each
problem with its path in the script, so a YAML file can name the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.core.directory import ID_PATTERN
from mockserver.scripted.behaviours import (
    BehaviourError,
    CalleeBehaviour,
    CallPlan,
    MagicIdError,
    Path,
    parse_answer,
    parse_call,
    parse_magic_uid,
    render_path,
)
from mockserver.scripted.faults import FaultSpec, parse_fault


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a script: where (a path into the script) and what."""

    path: Path
    message: str

    def __str__(self) -> str:
        where = render_path(self.path)
        return f"{where}: {self.message}" if where else self.message


class ScriptInvalid(ValueError):
    """A script breaks its schema or its rules; ``problems`` lists every problem found, in order."""

    def __init__(self, problems: list[Problem], *, rendered: list[str] | None = None) -> None:
        self.problems = problems
        self.lines = rendered if rendered is not None else [str(p) for p in problems]
        super().__init__("\n".join(self.lines))


@dataclass(frozen=True, kw_only=True)
class UserScript:
    """One scripted user: how it answers calls, and the calls it places."""

    uid: str
    name: str | None = None
    answer: CalleeBehaviour | None = None  #: None: it never answers
    calls: tuple[CallPlan, ...] = ()


@dataclass(frozen=True, kw_only=True)
class GroupScript:
    """A group the script creates (members that do not exist yet are created too)."""

    guid: str
    name: str | None
    members: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Script:
    """A whole script."""

    description: str | None = None
    seed: int | None = None  #: RNG seed for drawn delays (default: the server's --seed)
    users: tuple[UserScript, ...] = ()
    groups: tuple[GroupScript, ...] = ()
    faults: tuple[FaultSpec, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False)  #: the JSON it came from


def parse_script(data: Any) -> Script:
    """Build a :class:`Script` from decoded JSON / YAML (already schema-checked or not).

    Raises:
        ScriptInvalid: listing every problem found, each with its path.
    """
    if not isinstance(data, dict):
        raise ScriptInvalid([Problem((), f"a script is an object (mapping), not {type(data).__name__}")])
    problems: list[Problem] = []
    users: list[UserScript] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(_list(data, "users", problems)):
        try:
            user = _parse_user(item, ("users", i))
        except BehaviourError as exc:
            problems.append(Problem(exc.path, exc.message))
            continue
        if user.uid in seen:
            problems.append(
                Problem(("users", i, "uid"), f"user {user.uid!r} is already scripted at users[{seen[user.uid]}]")
            )
        seen[user.uid] = i
        users.append(user)
    groups: list[GroupScript] = []
    for i, item in enumerate(_list(data, "groups", problems)):
        try:
            groups.append(_parse_group(item, ("groups", i)))
        except BehaviourError as exc:
            problems.append(Problem(exc.path, exc.message))
    faults: list[FaultSpec] = []
    for i, item in enumerate(_list(data, "faults", problems)):
        try:
            faults.append(parse_fault(item, ("faults", i)))
        except BehaviourError as exc:
            problems.append(Problem(exc.path, exc.message))
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        problems.append(Problem(("seed",), f"seed must be an integer, not {seed!r}"))
    description = data.get("description")
    if problems:
        raise ScriptInvalid(problems)
    return Script(
        description=description if isinstance(description, str) else None,
        seed=seed,
        users=tuple(users),
        groups=tuple(groups),
        faults=tuple(faults),
        raw=data,
    )


def _list(data: dict[str, Any], key: str, problems: list[Problem]) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(Problem((key,), f"{key} must be a list"))
        return []
    return value


def _uid(value: Any, path: Path, what: str = "uid") -> str:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise BehaviourError(f"{what} must be 1-100 characters of A-Z a-z 0-9 _ . @ -, not {value!r}", path)
    return value


def _check_magic(uid: str, path: Path) -> None:
    """A ``ring-…`` uid the script calls or groups must be a well-formed magic id (typos show here)."""
    try:
        parse_magic_uid(uid)
    except MagicIdError as exc:
        raise BehaviourError(exc.message, path) from None


def _parse_user(item: Any, path: Path) -> UserScript:
    if not isinstance(item, dict):
        raise BehaviourError("a user is an object with at least 'uid'", path)
    unknown = sorted(set(item) - {"uid", "name", "answer", "calls"})
    if unknown:
        raise BehaviourError(f"unknown user key {unknown[0]!r}; use uid, name, answer, calls", (*path, unknown[0]))
    uid = _uid(item.get("uid"), (*path, "uid"))
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise BehaviourError("name must be a string", (*path, "name"))
    answer = parse_answer(item["answer"], (*path, "answer")) if "answer" in item else None
    calls = item.get("calls", [])
    if not isinstance(calls, list):
        raise BehaviourError("calls must be a list", (*path, "calls"))
    plans = tuple(parse_call(call, (*path, "calls", i)) for i, call in enumerate(calls))
    for i, plan in enumerate(plans):
        if plan.receiver_type == "user" and plan.to == uid:
            raise BehaviourError(f"{uid!r} cannot call themself", (*path, "calls", i, "to"))
        if plan.receiver_type == "user":
            _check_magic(plan.to, (*path, "calls", i, "to"))
    return UserScript(uid=uid, name=name, answer=answer, calls=plans)


def _parse_group(item: Any, path: Path) -> GroupScript:
    if not isinstance(item, dict):
        raise BehaviourError("a group is an object with 'guid' and 'members'", path)
    unknown = sorted(set(item) - {"guid", "name", "members"})
    if unknown:
        raise BehaviourError(f"unknown group key {unknown[0]!r}; use guid, name, members", (*path, unknown[0]))
    guid = _uid(item.get("guid"), (*path, "guid"), "guid")
    members = item.get("members")
    if not isinstance(members, list) or not members:
        raise BehaviourError("members must be a non-empty list of uids", (*path, "members"))
    uids = tuple(_uid(m, (*path, "members", i)) for i, m in enumerate(members))
    for i, uid in enumerate(uids):
        _check_magic(uid, (*path, "members", i))
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise BehaviourError("name must be a string", (*path, "name"))
    return GroupScript(guid=guid, name=name, members=uids)
