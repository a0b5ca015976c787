"""The scripting engine of one hub: scripted users, magic ids, loaded scripts and armed faults.

:func:`install` wires it into a :class:`~mockserver.hub.Hub` through the hub's extension points only:

* ``hub.on_demand_users`` (first, so it is asked even with ``--auto-users``): a magic uid comes into
  being, scripted device included, the moment it is first called or logs in;
* ``hub.outbound_hooks``: message faults;
* ``hub.admission_rules``: reconnect refusal after a ``close`` fault;
* ``hub.reset_hooks``: ``/_ringside/reset`` drops scripted devices, faults and control scripts, then
  applies the startup script (``--script``) again;
* ``hub.extensions["scripting"]``: where the control routes find the engine.
"""

from __future__ import annotations

import contextlib
import itertools
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockserver.core import ErrorCode, RingsideError
from mockserver.core.directory import ID_PATTERN
from mockserver.scripted.behaviours import CalleeBehaviour, MagicIdError, is_magic, parse_magic_uid
from mockserver.scripted.faults import FaultBook
from mockserver.scripted.script import Script
from mockserver.scripted.script_file import load_script_file
from mockserver.scripted.user import ScriptedUser

if TYPE_CHECKING:
    from mockserver.hub import Hub

Json = dict[str, Any]

#: The key under which the engine sits in ``hub.extensions``.
EXTENSION_KEY = "scripting"


@dataclass(frozen=True, kw_only=True)
class LoadedScript:
    """A script in force: its id, where it came from, when it was loaded, and what it made."""

    id: str
    source: str  #: "file:<path>" or "control"
    loaded_at: float
    script: Script
    fault_ids: tuple[str, ...]

    def to_json(self) -> Json:
        """The control API's view."""
        return {
            "id": self.id,
            "source": self.source,
            "loadedAt": self.loaded_at,
            "description": self.script.description,
            "users": [
                {
                    "uid": u.uid,
                    "answer": u.answer.describe() if u.answer else None,
                    "calls": [c.describe() for c in u.calls],
                }
                for u in self.script.users
            ],
            "groups": [{"guid": g.guid, "members": list(g.members)} for g in self.script.groups],
            "faults": list(self.fault_ids),
            "script": self.script.raw,
        }


class Scripting:
    """Scripted users, scripts and faults of one hub."""

    def __init__(self, hub: Hub, *, startup: Script | None = None, startup_source: str = "") -> None:
        self.hub = hub
        self.users: dict[str, ScriptedUser] = {}
        self.faults = FaultBook(hub)
        self.scripts: list[LoadedScript] = []
        self.startup = startup
        self.startup_source = startup_source
        self._ids = itertools.count(1)

    @property
    def seed(self) -> int:
        """The default seed of drawn delays (the server's ``--seed``; 0 without one)."""
        return self.hub.config.seed or 0

    # -- users -------------------------------------------------------------------------------------

    def on_demand(self, uid: str) -> bool:
        """Hub on-demand rule: a well-formed magic uid exists (and is listening) from its first use.

        Raises:
            RingsideError: ERR_SCRIPT_INVALID for a ``ring-…`` uid that breaks the grammar (a login
                gets this error; a call to it fails as an unknown receiver; both are journaled).
        """
        if not self.hub.config.magic_users or not is_magic(uid) or not ID_PATTERN.match(uid):
            return False  # an over-long or non-URL-safe id is refused by the directory itself
        try:
            behaviour = parse_magic_uid(uid)
        except MagicIdError as exc:
            self.hub.journal.record("script", uid=uid, event="magic-id-refused", message=exc.message)
            raise RingsideError(ErrorCode.SCRIPT_INVALID, exc.message, {"uid": uid}) from None
        assert behaviour is not None
        self._scripted(uid, behaviour, source="magic")
        return True

    def ensure_magic_users(self) -> None:
        """Give every magic uid already in the directory (``--users``, groups) its scripted device."""
        if not self.hub.config.magic_users:
            return
        for uid in list(self.hub.backend.directory.users):
            if uid not in self.users and is_magic(uid):
                try:
                    behaviour = parse_magic_uid(uid)
                except MagicIdError as exc:
                    self.hub.journal.record("script", uid=uid, event="magic-id-refused", message=exc.message)
                    continue
                self._scripted(uid, behaviour, source="magic")

    def _scripted(
        self, uid: str, behaviour: CalleeBehaviour | None, *, source: str, seed: int | None = None
    ) -> ScriptedUser:
        user = self.users.get(uid)
        if user is None:
            rng = random.Random(f"{self.seed if seed is None else seed}:{uid}")
            user = ScriptedUser(self.hub, uid, behaviour=behaviour, rng=rng, source=source)
            self.users[uid] = user
        else:
            user.set_behaviour(behaviour, source=source)
        user.connect()
        return user

    # -- scripts -----------------------------------------------------------------------------------

    async def apply(self, script: Script, *, source: str) -> LoadedScript:
        """Put ``script`` in force now: users (created if missing), groups, outgoing calls, faults.

        A user scripted again takes the newer answer (its per-call sequence starts over); calls add up.
        """
        hub, directory = self.hub, self.hub.backend.directory
        script_id = f"s{next(self._ids)}"
        seed = self.seed if script.seed is None else script.seed
        now = hub.clock.now()
        for spec in script.users:
            if spec.uid not in directory.users:
                directory.add_user(spec.uid, now=now, name=spec.name)
            elif spec.name:
                directory.users[spec.uid].name = spec.name
            user = self._scripted(spec.uid, spec.answer, source=f"script:{script_id}", seed=seed)
            user.schedule_calls(spec.calls)
        for group in script.groups:
            for uid in group.members:
                if uid not in directory.users:
                    with contextlib.suppress(RingsideError):  # malformed magic ids were refused by parse_script
                        self.on_demand(uid)  # a magic member gets its scripted device first
                    directory.add_user(uid, now=now)
            directory.add_group(group.guid, name=group.name, members=list(group.members), now=now)
        fault_ids = [
            (await self.faults.arm(spec, source=f"script:{script_id}", seed=seed)).id for spec in script.faults
        ]
        loaded = LoadedScript(id=script_id, source=source, loaded_at=now, script=script, fault_ids=tuple(fault_ids))
        self.scripts.append(loaded)
        hub.journal.record(
            "script",
            event="loaded",
            scriptId=script_id,
            source=source,
            users=[u.uid for u in script.users],
            groups=[g.guid for g in script.groups],
            faults=fault_ids,
        )
        return loaded

    def clear_scripts(self) -> None:
        """Forget every loaded script: scripted users go offline (magic ids fall back to their id's
        behaviour), planned calls are cancelled, faults armed by scripts are disarmed. Users and
        groups stay in the directory."""
        for uid, user in list(self.users.items()):
            if user.source == "magic":
                continue
            magic = _magic_or_none(uid) if self.hub.config.magic_users else None
            if magic is not None:
                user.disconnect()
                user.set_behaviour(magic, source="magic")
                user.connect()
                continue
            user.disconnect()
            del self.users[uid]
        self.faults.clear(source_prefix="script:")
        self.scripts.clear()
        self.hub.journal.record("script", event="cleared")

    async def on_reset(self) -> None:
        """Hub reset hook: back to the state right after start."""
        for user in self.users.values():
            user.disconnect()
        self.users.clear()
        self.faults.reset()
        self.scripts.clear()
        if self.startup is not None:
            await self.apply(self.startup, source=self.startup_source)
        self.ensure_magic_users()

    def to_json(self) -> Json:
        """The control API's view: loaded scripts and every scripted user."""
        return {
            "scripts": [s.to_json() for s in self.scripts],
            "users": [u.describe() for u in self.users.values()],
            "magicUsers": self.hub.config.magic_users,
        }


def _magic_or_none(uid: str) -> CalleeBehaviour | None:
    try:
        return parse_magic_uid(uid)
    except MagicIdError:
        return None


def scripting_of(hub: Hub) -> Scripting:
    """The engine :func:`install` attached to ``hub``."""
    engine = hub.extensions.get(EXTENSION_KEY)
    if not isinstance(engine, Scripting):
        raise RingsideError(ErrorCode.INTERNAL, "scripted users are not installed on this server", {})
    return engine


async def install(hub: Hub) -> Scripting:
    """Wire scripted users, magic ids and faults into ``hub``; load ``hub.config.script_path`` if set.

    The script file is parsed before anything is wired, so a bad file fails here (with
    ``file:line: message`` lines) and leaves the hub untouched.

    Raises:
        ScriptInvalid: the startup script is unreadable or invalid (a ``ValueError``).
    """
    startup: Script | None = None
    source = ""
    if hub.config.script_path is not None:
        startup = load_script_file(hub.config.script_path)
        source = f"file:{hub.config.script_path}"
    engine = Scripting(hub, startup=startup, startup_source=source)
    hub.extensions[EXTENSION_KEY] = engine
    hub.on_demand_users.insert(0, engine.on_demand)
    hub.add_outbound_hook(engine.faults.hook, idle=engine.faults.idle)
    hub.admission_rules.append(engine.faults.admission)
    hub.reset_hooks.append(engine.on_reset)
    engine.ensure_magic_users()
    if startup is not None:
        await engine.apply(startup, source=source)
    return engine
