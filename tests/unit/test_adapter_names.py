"""The adapter protocol's names (``adapter_protocol.names``) are the ones its schemas, docs and clients use.

One list of commands, capabilities and callbacks; each place that spells them out must agree with it,
so a command added in one place and forgotten in another fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from adapter_protocol import schemas
from adapter_protocol.client import RESULT_SCHEMAS
from adapter_protocol.names import READY_PREFIX, Callback, Capability, Command
from refclient import service as refservice
from refclient.instance import COMMANDS as REFCLIENT_COMMANDS
from refclient.listeners import CallbackName

ROOT = Path(__file__).resolve().parents[2]


def _enum(schema: str, *path: str) -> list[str]:
    node = schemas.CATALOG.schema(schema)
    for key in path:
        node = node[key]
    return list(node["enum"])


def test_command_request_schema_lists_every_command_and_only_those():
    assert _enum("adapter/command-request", "properties", "command") == [c.value for c in Command]
    branches = schemas.CATALOG.schema("adapter/command-request")["$defs"]
    for command in Command:
        assert branches[command]["properties"]["command"] == {"const": command.value}


def test_every_command_request_branch_accepts_what_the_harness_sends():
    assert schemas.validate("adapter/command-request", {"command": "sync", "params": {"atLeast": 3}}) == []
    assert schemas.validate("adapter/command-request", {"command": "getSession", "params": {}}) == []
    assert (
        schemas.validate(
            "adapter/command-request", {"command": "startSession", "params": {"sessionId": "s", "token": "t"}}
        )
        == []
    )
    assert (
        schemas.validate("adapter/command-request", {"command": "sessionEvent", "params": {"event": "callEnded"}}) == []
    )
    assert schemas.validate("adapter/command-request", {"command": "teleport", "params": {}})


def test_service_info_schema_lists_every_capability():
    assert _enum("adapter/service-info", "properties", "capabilities", "items") == [c.value for c in Capability]


def test_callback_schema_lists_every_callback():
    assert _enum("adapter/callback", "properties", "callback") == [c.value for c in Callback]
    assert {c.value for c in CallbackName} == {c.value for c in Callback}


def test_result_schemas_name_real_commands_and_schemas():
    assert set(RESULT_SCHEMAS) <= set(Command)
    for schema in RESULT_SCHEMAS.values():
        assert schema in schemas.names()


def test_the_reference_client_implements_every_command_and_declares_every_capability():
    assert set(REFCLIENT_COMMANDS) == set(Command)
    assert [c.value for c in Capability] == refservice.CAPABILITIES
    assert refservice.READY_PREFIX == READY_PREFIX


def test_the_js_adapter_declares_known_capabilities():
    source = (ROOT / "clients" / "cometchat-js" / "service.js").read_text(encoding="utf-8")
    declared = re.search(r"const CAPABILITIES = \[(.*?)\]", source, re.S)
    assert declared is not None
    assert set(re.findall(r'"([a-z-]+)"', declared.group(1))) <= {c.value for c in Capability}


def test_the_protocol_doc_tables_every_command_and_capability():
    doc = (ROOT / "docs" / "adapter-protocol.md").read_text(encoding="utf-8")
    tabled_commands = set(re.findall(r"^\| `(\w+)` \|", doc, re.M))
    assert {c.value for c in Command} <= tabled_commands
    for capability in Capability:
        assert f"`{capability.value}`" in doc
