"""docs/asyncapi.yaml: a well-formed AsyncAPI 3 document whose payloads are the wire schemas, and every
frame the server really sends in the catalogue matches one of its server → client messages.

A sample of the catalogue (a scenario for each call status, a group call, an error, a reconnect; ``make
fuzz`` runs all of it) runs with the Python reference client in a subprocess, with a plugin that copies
every ``ws.out`` journal entry out; each frame must validate (jsonschema, Draft 2020-12) against
exactly one of the messages the document says the server sends.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from harness.runner import PLUGINS, pytest_env
from mockserver import schemas

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "asyncapi.yaml"
#: a scenario for each status of a call frame, a group call, a refused request and a reconnect (auth
#: replies and pongs come with them); ``make fuzz`` checks the whole catalogue too (the test marked ``fuzz``)
SAMPLE = ["ACC-001", "BUSY-001", "CAN-001", "REJ-001", "TMO-001", "GRP-001", "ERR-001", "ROB-001"]
SAMPLE_TAGS = " or ".join(f"id-{i}" for i in SAMPLE)


def _document() -> dict[str, Any]:
    loaded = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _pointer(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _payload_schema(message: dict[str, Any]) -> dict[str, Any]:
    """A message's payload as a schema the wire registry resolves (file $refs → the schemas' $id)."""
    payload = message["payload"]
    assert payload["schemaFormat"] == "application/schema+json;version=draft-2020-12"
    schema = dict(payload["schema"])
    ref = schema.get("$ref")
    if ref is not None:
        path = (DOCUMENT.parent / ref).resolve()
        assert path.is_file(), f"{ref} does not exist"
        assert path.parent == (ROOT / "mockserver" / "schemas" / "wire").resolve(), ref
        schema["$ref"] = schemas.uri("wire/" + path.name.removesuffix(".schema.json"))
    return schema


def _messages(document: dict[str, Any], action: str) -> dict[str, dict[str, Any]]:
    """The messages of operations with ``action`` ("send": server → client), replies going the other way."""
    found: dict[str, dict[str, Any]] = {}
    for operation in document["operations"].values():
        refs = [m["$ref"] for m in operation.get("messages", [])] if operation["action"] == action else []
        if operation["action"] != action and "reply" in operation:
            refs += [m["$ref"] for m in operation["reply"]["messages"]]
        for ref in refs:
            message = _pointer(document, ref)
            if "$ref" in message:
                message = _pointer(document, message["$ref"])
            found[ref.rsplit("/", 1)[-1]] = message
    return found


def test_the_document_is_asyncapi_3_and_every_reference_resolves() -> None:
    document = _document()
    assert document["asyncapi"] == "3.0.0"
    channel = document["channels"]["chat"]
    assert channel["address"] == "/"
    for name, message in channel["messages"].items():
        resolved = _pointer(document, message["$ref"])
        Draft202012Validator.check_schema(_payload_schema(resolved))
        assert resolved["name"], name
    for name, operation in document["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        assert _pointer(document, operation["channel"]["$ref"]) is channel, name
    sent = _messages(document, "send")
    received = _messages(document, "receive")
    assert set(sent) == {"authReply", "pong", "callFrame", "errorFrame"}
    assert set(received) == {"authFrame", "ping", "otherFrame"}


def _validators() -> dict[str, Any]:
    registry = schemas.registry()
    return {
        name: Draft202012Validator(_payload_schema(message), registry=registry)
        for name, message in _messages(_document(), "send").items()
    }


def catalogue_frames(tmp_path: Path, tags: str | None) -> list[dict[str, Any]]:
    """Run the catalogue (the scenarios ``tags`` selects, or all) with the Python client; the frames sent."""
    out = tmp_path / "frames.jsonl"
    out.touch()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features",
            *(["--ringside-tags", tags] if tags else []),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "fuzz.frame_capture",
            "--ringside-client",
            "python",
            "-o",
            "addopts=",
        ],
        cwd=ROOT,
        # plugin autoload off (as ringside run starts pytest): ringside's plugins and the frame capture by name
        env={
            **pytest_env(),
            "PYTEST_PLUGINS": ",".join(PLUGINS),
            "RINGSIDE_FRAMES_OUT": str(out),
            "PYTHONPATH": str(ROOT / "tests"),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _check_frames(frames: list[dict[str, Any]]) -> Counter[str]:
    validators = _validators()
    kinds: Counter[str] = Counter()
    for captured in frames:
        frame = captured["frame"]
        matching = [name for name, validator in validators.items() if validator.is_valid(frame)]
        assert len(matching) == 1, f"{captured['device']}: {frame!r:.400} matches {matching or 'no message'}"
        kinds[matching[0]] += 1
    return kinds


def test_every_frame_the_server_sent_in_a_sample_of_the_catalogue_is_a_documented_message(tmp_path: Path) -> None:
    frames = catalogue_frames(tmp_path, SAMPLE_TAGS)
    kinds = _check_frames(frames)
    assert len(frames) > 20, len(frames)
    assert kinds["callFrame"] > 10 and kinds["authReply"] > 5, kinds


@pytest.mark.fuzz
def test_every_frame_the_server_sent_in_the_whole_catalogue_is_a_documented_message(tmp_path: Path) -> None:
    frames = catalogue_frames(tmp_path, None)
    kinds = _check_frames(frames)
    assert kinds["callFrame"] > 300 and kinds["authReply"] > 100, kinds
