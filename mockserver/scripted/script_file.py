"""Loading scripts: YAML files and JSON bodies, checked against the script schema, errors by line.

Validation runs in two passes: the JSON Schema (Draft 2020-12,
``mockserver/schemas/script/script.schema.json``), then :func:`~mockserver.scripted.script.parse_script`
for what a schema says badly (step grammar, "exactly one of"). Both report problems as paths into the
script; for a YAML file each path is mapped back to a line through the nodes ``yaml.compose`` builds
(every node keeps its start mark), so every message reads ``file:line: where: what``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path as FilePath
from typing import Any

import yaml

from mockserver import schemas
from mockserver.scripted.behaviours import Path, PathPart
from mockserver.scripted.script import Problem, Script, ScriptInvalid, parse_script

#: The schema's ``$id``.
SCHEMA_ID = "https://ringside.dev/schemas/script/script.schema.json"
#: Its name in the server's schema catalogue.
_NAME = "script/script"
_MAX_MESSAGE = 300


@functools.cache
def schema() -> dict[str, Any]:
    """The script schema (loaded once from package data, checked as a Draft 2020-12 schema)."""
    return schemas.CATALOG.schema(_NAME)


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator  # noqa: PLC0415 (only an invalid script needs it)

    return Draft202012Validator(schema())


def schema_problems(data: Any) -> list[Problem]:
    """Every way ``data`` breaks the script schema, each with its path (``[]`` when valid).

    The server catalogue's compiled validator answers "valid?" first; only an invalid script pays for
    jsonschema's walk, which names the problems."""
    if schemas.CATALOG.is_valid(_NAME, data):
        return []
    found: dict[tuple[Path, str], None] = {}
    for error in _validator().iter_errors(data):
        for problem in _problems(error):
            found.setdefault((problem.path, problem.message))
    return [Problem(path, message) for path, message in found]


def check_script_data(data: Any) -> Script:
    """A script from decoded JSON (the control API's body): schema first, then the script's rules.

    Raises:
        ScriptInvalid: every problem, each rendered as ``path: message``.
    """
    problems = schema_problems(data)
    try:
        script = parse_script(data)
    except ScriptInvalid as exc:
        # Rule problems the schema did not already report (at, above or below the same place).
        problems += [p for p in exc.problems if not any(_related(p.path, q.path) for q in problems)]
    if problems:
        raise ScriptInvalid(sorted(problems, key=lambda p: _path_key(p.path)))
    return script


def load_script_text(text: str, filename: str = "<script>") -> Script:
    """A script from YAML text; problems are reported as ``filename:line: path: message``.

    Raises:
        ScriptInvalid: on YAML syntax errors, duplicate keys, schema or rule violations.
    """
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        duplicates = list(_duplicate_keys(root)) if root is not None else []
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        line = _yaml_error_line(exc, text)
        problem = f"{exc.problem or 'bad YAML'}" + (f" ({exc.context})" if exc.context else "")
        message = f"{filename}:{line}: YAML syntax error: {problem}"
        raise ScriptInvalid([Problem((), f"YAML syntax error: {problem}")], rendered=[message]) from None
    except yaml.YAMLError as exc:
        raise ScriptInvalid(
            [Problem((), f"YAML error: {exc}")], rendered=[f"{filename}:1: YAML error: {exc}"]
        ) from None
    finally:
        loader.dispose()
    if duplicates:
        problems = [
            Problem(path, f"duplicate key {path[-1]!r} (YAML would silently keep the last)") for path, _ in duplicates
        ]
        rendered = [f"{filename}:{line}: {problem}" for (_, line), problem in zip(duplicates, problems, strict=True)]
        raise ScriptInvalid(problems, rendered=rendered)
    if data is None:
        data = {}
    try:
        return check_script_data(data)
    except ScriptInvalid as exc:
        located = sorted(((line_of(root, p.path), p) for p in exc.problems), key=lambda lp: lp[0])
        raise ScriptInvalid(
            [p for _, p in located], rendered=[f"{filename}:{line}: {p}" for line, p in located]
        ) from None


def load_script_file(path: FilePath | str) -> Script:
    """A script from a YAML (or JSON: YAML is a superset) file.

    Raises:
        ScriptInvalid: see :func:`load_script_text`; an unreadable file is reported as line 1.
    """
    path = FilePath(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptInvalid([Problem((), f"cannot read: {exc}")], rendered=[f"{path}:1: cannot read: {exc}"]) from None
    return load_script_text(text, str(path))


# -- lines -----------------------------------------------------------------------------------------


def line_of(root: yaml.Node | None, path: Path) -> int:
    """The 1-based line of the YAML node at ``path`` (or of its deepest existing ancestor).

    A mapping entry is located by its key (so ``answer: …`` names the ``answer:`` line even when the
    value starts on the next line); a list item by the item itself.
    """
    if root is None:
        return 1
    node: yaml.Node = root
    line = root.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            entry = next((kv for kv in node.value if _key_matches(kv[0], part)), None)
            if entry is None:
                break
            line = entry[0].start_mark.line + 1
            node = entry[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _yaml_error_line(exc: yaml.MarkedYAMLError, text: str) -> int:
    """Where a YAML syntax error is: where parsing failed, unless that is the end of the file
    (an unclosed bracket or quote), in which case where the unclosed thing started."""
    problem, context = exc.problem_mark, exc.context_mark
    if problem is None:
        return context.line + 1 if context is not None else 1
    at_end = problem.line >= len(text.rstrip().splitlines())
    if at_end and context is not None:
        return context.line + 1
    return problem.line + 1


def _key_matches(key: yaml.Node, part: PathPart) -> bool:
    return isinstance(key, yaml.ScalarNode) and key.value == str(part)


def _duplicate_keys(node: yaml.Node, path: Path = ()) -> Iterator[tuple[Path, int]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if name is not None and name in seen:
                yield (*path, name), key.start_mark.line + 1
            if name is not None:
                seen.add(name)
            yield from _duplicate_keys(value, (*path, name) if name is not None else path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*path, i))


# -- schema errors as problems ---------------------------------------------------------------------
# jsonschema is untyped here, so its ValidationError objects are handled as Any.


def _problems(error: Any) -> Iterator[Problem]:
    path: Path = tuple(error.absolute_path)
    schema_node = error.schema if isinstance(error.schema, dict) else {}
    validator = error.validator
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        declared = schema_node.get("properties", {})
        allowed = ", ".join(sorted(declared))
        for key in error.instance:
            if key not in declared:
                yield Problem((*path, key), f"unknown key {key!r}; allowed here: {allowed}")
        return
    if validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if isinstance(k, str) and k not in error.instance]
        for key in missing:
            yield Problem(path, f"missing required key {key!r}")
        return
    if validator == "pattern" and schema_node.get("description"):
        yield Problem(path, f"{error.instance!r} is not {schema_node['description']}")
        return
    if validator == "type" and schema_node.get("description"):
        yield Problem(path, f"{_short(error.instance)} has the wrong type: expected {schema_node['description']}")
        return
    yield Problem(path, _shorten(str(error.message)))


def _short(value: Any) -> str:
    return _shorten(repr(value), 60)


def _shorten(message: str, limit: int = _MAX_MESSAGE) -> str:
    message = re.sub(r"\s+", " ", message)
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _related(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _path_key(path: Path) -> tuple[tuple[int, str], ...]:
    return tuple((p, "") if isinstance(p, int) else (-1, p) for p in path)
