"""Script files: the JSON Schema, YAML loading, and errors that name the right line.

Each bad script below marks its bad line with ``# <-``; the loader must report ``file:N:`` for that N.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from mockserver.scripted import ScriptInvalid, check_script_data, load_script_file, load_script_text
from mockserver.scripted.script_file import SCHEMA_ID, schema, schema_problems

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "scripted-scenario.yaml"
SCHEMA_FILE = ROOT / "mockserver" / "schemas" / "script" / "script.schema.json"


def marked_line(text: str) -> int:
    """The 1-based line carrying the ``# <-`` marker."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if "# <-" in line)


def test_schema_is_draft_2020_12_with_its_id() -> None:
    loaded = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator.check_schema(loaded)
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert loaded["$id"] == SCHEMA_ID == schema()["$id"]


def test_the_documented_example_passes() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    assert schema_problems(data) == []
    script = load_script_file(EXAMPLE)
    assert [u.uid for u in script.users] == ["bob", "carol", "dave", "erin"]
    assert [g.guid for g in script.groups] == ["team"]
    assert [f.kind.value for f in script.faults] == ["duplicate", "close"]


def test_an_empty_file_is_an_empty_script(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")
    script = load_script_file(path)
    assert (script.users, script.groups, script.faults) == ((), (), ())


BAD_SCRIPTS = {
    "unknown top-level key": (
        """
        version: 1
        userz: []   # <-
        """,
        "unknown key 'userz'",
    ),
    "wrong version": (
        """
        version: 2   # <-
        """,
        "1 was expected",
    ),
    "user without uid": (
        """
        users:
          - uid: bob
            answer: accept-1s
          - name: Nobody   # <-
            answer: noanswer
        """,
        "missing required key 'uid'",
    ),
    "bad uid": (
        """
        users:
          - uid: "bob smith"   # <-
        """,
        "is not a uid or guid",
    ),
    "misspelt step key in a list": (
        """
        users:
          - uid: bob
            answer:
              - busy: 0.5
              - acept: 1   # <-
        """,
        "unknown key 'acept'",
    ),
    "bad step grammar": (
        """
        users:
          - uid: bob
            calls: []
            answer: busy-1s-then-accept-2   # <-
        """,
        "accept needs a delay in seconds",
    ),
    "negative delay": (
        """
        users:
          - uid: carol
            calls:
              - to: alice
                at: 5
              - to: alice
                at: -3   # <-
        """,
        "less than the minimum of 0",
    ),
    "bad duration string": (
        """
        users:
          - uid: carol
            calls:
              - to: alice
                cancel: 3 seconds   # <-
        """,
        "is not a delay",
    ),
    "value on the next line": (
        """
        users:
          - uid: erin
            answer:   # <-
              7
        """,
        "wrong type",
    ),
    "uniform with one bound": (
        """
        users:
          - uid: erin
            answer:
              accept:
                uniform: [1]   # <-
        """,
        "is too short",
    ),
    "cancel and unanswered": (
        """
        users:
          - uid: carol
            calls:
              - to: alice
                cancel: 3
                unanswered: 45   # <-
        """,
        "not both",
    ),
    "typo in a magic callee": (
        """
        users:
          - uid: carol
            calls:
              - to: ring-acept-2s   # <-
        """,
        "unknown action 'acept'",
    ),
    "self call": (
        """
        users:
          - uid: carol
            calls:
              - to: carol   # <-
        """,
        "cannot call themself",
    ),
    "scripted twice": (
        """
        users:
          - uid: bob
          - uid: bob   # <-
        """,
        "already scripted at users[0]",
    ),
    "group without members": (
        """
        groups:
          - guid: team
            members: []   # <-
        """,
        "should be non-empty",
    ),
    "delay fault without by": (
        """
        faults:
          - kind: drop
            user: alice
          - kind: delay   # <-
            user: alice
            status: ongoing
        """,
        "missing required key 'by'",
    ),
    "by on a drop fault": (
        """
        faults:
          - kind: drop
            user: alice
            by: 2   # <-
        """,
        "applies only to delay and duplicate faults",
    ),
    "unknown fault kind": (
        """
        faults:
          - kind: corrupt   # <-
            user: alice
        """,
        "is not one of",
    ),
    "bad status": (
        """
        faults:
          - kind: drop
            user: alice
            status: accepted   # <-
        """,
        "is not one of",
    ),
    "duplicate key": (
        """
        users:
          - uid: bob
            answer: accept-1s
            answer: reject-1s   # <-
        """,
        "duplicate key 'answer'",
    ),
    "YAML syntax": (
        """
        users:
          - uid: bob
            answer: [accept-1s   # <-
        """,
        "YAML syntax error",
    ),
    "not a mapping": (
        """
        - uid: bob   # <-
        """,
        "wrong type",
    ),
}


@pytest.mark.parametrize(("text", "says"), BAD_SCRIPTS.values(), ids=BAD_SCRIPTS.keys())
def test_a_bad_script_names_its_line(tmp_path: Path, text: str, says: str) -> None:
    text = textwrap.dedent(text).lstrip("\n")
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    with pytest.raises(ScriptInvalid) as caught:
        load_script_file(path)
    expected = f"{path}:{marked_line(text)}:"
    lines = caught.value.lines
    assert any(line.startswith(expected) and says in line for line in lines), (
        f"expected a problem at {expected} saying {says!r}, got:\n" + "\n".join(lines)
    )


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        users:
          - uid: bob
            answer: accept-2
          - uid: carol
            calls:
              - to: alice
                at: -1
        faults:
          - kind: drop
            user: alice
            copies: 2
        """
    )
    with pytest.raises(ScriptInvalid) as caught:
        load_script_text(text, "s.yaml")
    assert [line.split(":")[1] for line in caught.value.lines] == ["3", "7", "11"]
    assert str(caught.value).count("\n") == 2


def test_a_script_error_is_a_value_error_the_cli_prints() -> None:
    with pytest.raises(ValueError, match=r"^x\.yaml:1: "):
        load_script_text("seed: many\n", "x.yaml")


def test_json_bodies_get_paths_not_lines() -> None:
    with pytest.raises(ScriptInvalid) as caught:
        check_script_data({"users": [{"uid": "bob", "answer": {"accept": "soon"}}]})
    assert caught.value.lines == [
        "users[0].answer.accept: 'soon' is not a delay: seconds (2, 1.5), a duration string "
        "('2s', '1.5s', '500ms', '10m', '1h'), or {fixed: s}, {uniform: [low, high]}, "
        "{normal: [mean, sd], min?, max?}"
    ]
