"""The step reference: every step of the library, as a sentence, what it does, and its exact pattern.

``python -m harness.stepdoc`` reads ``harness/steps/*.py`` with ``ast`` and writes ``docs/steps.md``, so
people writing their own ``.feature`` files see every sentence they can use. A pattern built with an
f-string is evaluated in its own module (the module is imported for that), so the docs show the regular
expression pytest-bdd really matches, and :func:`readable` turns it into a sentence with ``<parameters>``
and ``[optional parts]``.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.clients import ROOT

STEPS = ROOT / "harness" / "steps"
OUTPUT = ROOT / "docs" / "steps.md"
KINDS = ("given", "when", "then")


@dataclass(frozen=True)
class Step:
    """One step definition (a function may carry several, e.g. both given and when)."""

    kind: str
    pattern: str
    doc: str
    module: str


def _pattern(decorator: ast.expr, namespace: dict[str, Any], path: Path) -> tuple[str, str] | None:
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name) and decorator.func.id in KINDS):
        return None
    argument = decorator.args[0] if decorator.args else None
    if isinstance(argument, ast.Call) and argument.args:  # parsers.re(...) / parsers.parse(...)
        argument = argument.args[0]
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return decorator.func.id, argument.value
    if isinstance(argument, ast.JoinedStr):  # an f-string: the value it has in its module
        value = eval(compile(ast.Expression(body=argument), str(path), "eval"), namespace)  # our own source
        return decorator.func.id, str(value)
    return None


def collect(folder: Path = STEPS) -> list[Step]:
    """Every step definition under ``folder``, in source order."""
    steps: list[Step] = []
    for path in sorted(folder.glob("*.py")):
        namespace = vars(importlib.import_module(f"harness.steps.{path.stem}"))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                doc = (ast.get_docstring(node) or "").splitlines()[0:1]
                for decorator in node.decorator_list:
                    found = _pattern(decorator, namespace, path)
                    if found:
                        steps.append(Step(kind=found[0], pattern=found[1], doc=doc[0] if doc else "", module=path.stem))
    return steps


def _closing(pattern: str, start: int) -> int:
    """The index of the ``)`` closing the group that opens at ``start``."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced group in {pattern!r}")


_NAMED = re.compile(r"\?P<(\w+)>")
_WORDS = re.compile(r"^[\w -]+(?:\|[\w -]+)+$")


def readable(pattern: str) -> str:
    """A step pattern as a sentence: ``<name>`` for a parameter, ``[…]`` around an optional part."""
    return _readable(pattern.removeprefix("^").removesuffix("$"))


def _readable(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        optional = False
        if char == "(":
            end = _closing(pattern, i)
            inner = pattern[i + 1 : end]
            optional = pattern[end + 1 : end + 2] == "?"
            named = _NAMED.match(inner)
            if named:
                text = f"<{named.group(1)}>"
            else:
                body = _readable(inner.removeprefix("?:"))
                text = body if optional or "|" not in body else f"({body})"
            out.append(f"[{text}]" if optional else text)
            i = end + (2 if optional else 1)
            continue
        if char == "\\":
            out.append(pattern[i + 1])
            i += 2
            continue
        if char == "?" and out:  # "seconds?": an optional letter
            out[-1] = f"[{out[-1]}]"
        elif char == "|":
            out.append(" | " if pattern[i - 1 : i] == ")" else "|")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def choices(steps: list[Step]) -> dict[str, list[str]]:
    """Parameters that take one of a few words (``<kind>``: audio, video), over every step."""
    found: dict[str, list[str]] = {}
    for step in steps:
        for match in re.finditer(r"\(\?P<(\w+)>([^()]*)\)", step.pattern):
            name, body = match.groups()
            if _WORDS.match(body):
                for word in body.split("|"):
                    if word not in found.setdefault(name, []):
                        found[name].append(word)
    return found


def render(steps: list[Step]) -> str:
    """The whole of docs/steps.md."""
    lines = [
        "# The step library",
        "",
        "Generated by `python -m harness.stepdoc` from `harness/steps/`; do not edit. Each step is shown as a",
        "sentence: `<name>` is a parameter, `[…]` an optional part, `a|b` a choice. Names like `alice` are",
        "parties (client instances) or users; `ring-accept-2s` and friends are scripted users",
        "(docs/scripted-users.md). The exact regular expressions (pytest-bdd `parsers.re`) follow at the end.",
        "",
        "## Parameters with fixed values",
        "",
    ]
    for name, words in sorted(choices(steps).items()):
        lines.append(f"- `<{name}>`: {', '.join(f'`{w}`' for w in words)}")
    lines.append("")
    for kind in KINDS:
        mine = [s for s in steps if s.kind == kind]
        lines += [f"## {kind.capitalize()} ({len(mine)})", "", "| step | does | module |", "|---|---|---|"]
        for step in mine:
            sentence = _cell(f"{kind.capitalize()} {readable(step.pattern)}")
            lines.append(f"| `{sentence}` | {step.doc} | `{step.module}` |")
        lines.append("")
    lines += ["## Exact patterns", "", "| step | regular expression |", "|---|---|"]
    for step in steps:
        lines.append(f"| `{_cell(readable(step.pattern))}` | `{_cell(step.pattern)}` |")
    lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    """Write docs/steps.md (``--check``: exit 1 if it is out of date)."""
    parser = argparse.ArgumentParser(prog="python -m harness.stepdoc", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/steps.md is out of date")
    args = parser.parse_args(argv)
    text = render(collect())
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        return 0 if current == text else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"stepdoc: {len(collect())} steps -> {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
