"""Scripted remote users: the mock plays the other party of a call, with timing and faults.

See docs/scripted-users.md. Importing this package registers its control routes.

* :mod:`.behaviours`: delays, answer steps, caller plans, the magic-id grammar (pure);
* :mod:`.script` / :mod:`.script_file`: scripts as data; YAML loading with line-precise errors;
* :mod:`.user`: the scripted device that hears call frames and acts through the hub;
* :mod:`.faults`: message-level faults and reconnect refusal;
* :mod:`.engine`: one hub's scripting state, and :func:`install`;
* :mod:`.routes`: ``/_ringside/scripts`` and ``/_ringside/faults``.
"""

from mockserver.scripted import routes as _routes  # registers the control routes
from mockserver.scripted.behaviours import (
    MAGIC_GRAMMAR,
    BehaviourError,
    CalleeBehaviour,
    CallPlan,
    Delay,
    MagicIdError,
    parse_answer,
    parse_delay,
    parse_magic_uid,
)
from mockserver.scripted.engine import Scripting, install, scripting_of
from mockserver.scripted.faults import FaultKind, FaultSpec
from mockserver.scripted.script import Script, ScriptInvalid
from mockserver.scripted.script_file import check_script_data, load_script_file, load_script_text
from mockserver.scripted.user import ScriptedUser, resource_of

__all__ = [
    "MAGIC_GRAMMAR",
    "BehaviourError",
    "CallPlan",
    "CalleeBehaviour",
    "Delay",
    "FaultKind",
    "FaultSpec",
    "MagicIdError",
    "Script",
    "ScriptInvalid",
    "ScriptedUser",
    "Scripting",
    "check_script_data",
    "install",
    "load_script_file",
    "load_script_text",
    "parse_answer",
    "parse_delay",
    "parse_magic_uid",
    "resource_of",
    "scripting_of",
]

del _routes
