"""The coverage of the conformance catalogue: every statement of the spec with the scenarios that check it.

``python -m harness.coverage`` parses every ``features/**/*.feature`` with pytest-bdd's own parser, reads
the statement list ``features/spec-statements.yaml`` and writes ``docs/coverage.md``: each statement
of the spec (then the wire facts and robustness rules the catalogue relies on) with its scenarios, or
why it needs real media; then for each requirement tag (``@spec-…``, ``@robustness``, meanings from
``features/README.md``) the scenarios that carry it, and counts by tier, area and capability.
``--check`` only validates (a stable id, a requirement tag and a tier on every scenario; ids unique;
every statement checked by existing scenarios or marked as needing media) and exits 1 on a problem.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from pytest_bdd.parser import FeatureParser

from harness.clients import ROOT

FEATURES = ROOT / "features"
README = FEATURES / "README.md"
STATEMENTS = FEATURES / "spec-statements.yaml"
OUTPUT = ROOT / "docs" / "coverage.md"
TIERS = ("must", "should")
_ID = re.compile(r"^id-(?P<area>[A-Z]+)-(?P<number>\d{3})$")
_MEANING = re.compile(r"^\|\s*`@(?P<tag>spec-[\w-]+|robustness)`\s*\|\s*(?P<meaning>.+?)\s*\|\s*$")
#: The tag of ringside's own robustness rules (not a statement of the spec).
ROBUSTNESS = "robustness"
#: Where a statement comes from: the spec, the wire facts where the spec is silent, ringside's own rules.
SOURCES = ("spec", "wire", "robustness")


@dataclass(frozen=True)
class Entry:
    """One scenario as the table sees it."""

    id: str
    name: str
    path: str  #: relative to features/
    tags: frozenset[str]

    @property
    def area(self) -> str:
        """The folder under features/ (initiate, accept, …)."""
        return self.path.split("/", 1)[0]

    @property
    def specs(self) -> list[str]:
        """Requirement tags (``spec-…`` and ``robustness``), sorted."""
        return sorted(t for t in self.tags if t.startswith("spec-") or t == ROBUSTNESS)

    @property
    def tier(self) -> str | None:
        """``must`` or ``should`` (None if missing)."""
        return next((t for t in TIERS if t in self.tags), None)


def collect(features: Path = FEATURES) -> list[Entry]:
    """Every scenario of every feature file, with its feature's tags merged in."""
    entries: list[Entry] = []
    for path in sorted(features.rglob("*.feature")):
        relative = path.relative_to(features).as_posix()
        feature = FeatureParser(str(features), relative).parse()
        feature_tags = {str(t) for t in feature.tags}
        for scenario in feature.scenarios.values():
            tags = frozenset(feature_tags | {str(t) for t in scenario.tags})
            ids = [t.removeprefix("id-") for t in tags if t.startswith("id-")]
            entries.append(Entry(id=ids[0] if len(ids) == 1 else "", name=str(scenario.name), path=relative, tags=tags))
    return entries


def problems(entries: list[Entry]) -> list[str]:
    """What breaks the catalogue's rules (features/README.md)."""
    out: list[str] = []
    for entry in entries:
        where = f"{entry.path}: {entry.name!r}"
        ids = [t for t in entry.tags if t.startswith("id-")]
        if len(ids) != 1 or not _ID.match(ids[0]):
            out.append(f"{where}: needs exactly one @id-<AREA>-<NNN> tag, has {sorted(ids) or 'none'}")
        if not entry.specs:
            out.append(f"{where}: needs a requirement tag @spec-… or @robustness")
        if entry.tier is None:
            out.append(f"{where}: needs a tier @must or @should")
    for stable_id, count in Counter(e.id for e in entries if e.id).items():
        if count > 1:
            out.append(f"id {stable_id} is used by {count} scenarios")
    return out


@dataclass(frozen=True)
class Statement:
    """One statement of the spec (or a wire fact, or a robustness rule) and what checks it."""

    id: str
    section: str
    statement: str
    source: str = "spec"
    scenarios: tuple[str, ...] = ()
    media: str | None = None


def statements(path: Path = STATEMENTS) -> list[Statement]:
    """The statement list, in its order (an entry missing a field comes back with it empty)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [
        Statement(
            id=str(item.get("id", "")),
            section=str(item.get("section", "")),
            statement=str(item.get("statement", "")),
            source=str(item.get("source", "spec")),
            scenarios=tuple(str(s) for s in item.get("scenarios") or ()),
            media=str(item["media"]) if item.get("media") else None,
        )
        for item in raw
    ]


def statement_problems(listed: list[Statement], entries: list[Entry]) -> list[str]:
    """What breaks the statement list's rules: each statement is checked by scenarios that exist, or
    says why it needs real media (not both); ids unique; a known source."""
    known = {e.id for e in entries}
    out: list[str] = []
    for item in listed:
        where = f"statement {item.id or '(no id)'}"
        if not item.id or not item.section or not item.statement:
            out.append(f"{where}: needs an id, a section and the statement")
        if item.source not in SOURCES:
            out.append(f"{where}: source {item.source!r} is not one of {', '.join(SOURCES)}")
        if not item.scenarios and not item.media:
            out.append(f"{where}: no scenario checks it and it has no media note")
        if item.scenarios and item.media:
            out.append(f"{where}: has scenarios and a media note; keep one")
        missing = [s for s in item.scenarios if s not in known]
        if missing:
            out.append(f"{where}: names scenarios that do not exist: {', '.join(missing)}")
    for stable_id, count in Counter(i.id for i in listed if i.id).items():
        if count > 1:
            out.append(f"statement id {stable_id} is used {count} times")
    return out


def meanings(readme: Path = README) -> dict[str, str]:
    """Requirement tag → one-line meaning, from the table in features/README.md."""
    if not readme.exists():
        return {}
    found: dict[str, str] = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        if match := _MEANING.match(line):
            found[match["tag"]] = match["meaning"]
    return found


_HEADINGS = {
    "spec": "## Statements of the spec → scenarios",
    "wire": "## Wire facts relied on where the spec is silent → scenarios",
    "robustness": "## ringside's robustness rules → scenarios",
}


def _statement_lines(listed: list[Statement], entries: list[Entry]) -> list[str]:
    names = {e.id: e.name for e in entries}
    lines: list[str] = []
    for source in SOURCES:
        mine = [i for i in listed if i.source == source]
        if not mine:
            continue
        lines += ["", _HEADINGS[source], "", "| id | section | statement | checked by |", "|---|---|---|---|"]
        for item in mine:
            checked = (
                "<br>".join(f"`{s}` {names.get(s, '(missing)')}" for s in item.scenarios)
                if item.scenarios
                else f"needs real media: {item.media}"
            )
            lines.append(f"| {item.id} | {item.section} | {item.statement} | {checked} |")
    return lines


def render(entries: list[Entry], described: dict[str, str], listed: list[Statement] | None = None) -> str:
    """The whole of docs/coverage.md."""
    listed = listed or []
    specs = sorted({s for e in entries for s in e.specs}, key=lambda s: (s not in described, s))
    spec_statements = [i for i in listed if i.source == "spec"]
    media = sum(1 for i in spec_statements if i.media)
    lines = [
        "# Coverage of the conformance catalogue",
        "",
        "Generated by `python -m harness.coverage` from `features/spec-statements.yaml` and the tags of",
        "`features/**/*.feature`; do not edit. Tag meanings: `features/README.md`.",
        "",
        f"**{len(entries)} scenarios**: "
        + ", ".join(f"{Counter(e.tier for e in entries)[t]} `@{t}`" for t in TIERS)
        + f"; {sum('needs-virtual-time' in e.tags for e in entries)} need virtual time.",
        "",
        f"**{len(spec_statements)} statements of the spec**: {len(spec_statements) - media} checked by scenarios,"
        f" {media} need real media (a media session ringside does not have); plus"
        f" {sum(1 for i in listed if i.source == 'wire')} wire facts and"
        f" {sum(1 for i in listed if i.source == 'robustness')} robustness rules.",
    ]
    lines += _statement_lines(listed, entries)
    lines += [
        "",
        "## Requirement tag → scenarios",
        "",
        "| requirement | meaning | scenarios |",
        "|---|---|---|",
    ]
    for spec in specs:
        covered = sorted((e for e in entries if spec in e.specs), key=lambda e: e.id)
        names = "<br>".join(f"`{e.id}` {e.name}" for e in covered)
        lines.append(f"| `@{spec}` ({len(covered)}) | {described.get(spec, '(not described)')} | {names} |")
    missing = sorted(set(described) - set(specs))
    if missing:
        lines += ["", "Requirement tags with no scenario: " + ", ".join(f"`@{m}`" for m in missing)]
    lines += ["", "## By area and tier", "", "| area | scenarios | @must | @should |", "|---|---|---|---|"]
    for area in sorted({e.area for e in entries}):
        mine = [e for e in entries if e.area == area]
        tiers = Counter(e.tier for e in mine)
        lines.append(f"| {area} | {len(mine)} | {tiers['must']} | {tiers['should']} |")
    lines.append(
        f"| **total** | **{len(entries)}** | **{Counter(e.tier for e in entries)['must']}** |"
        f" **{Counter(e.tier for e in entries)['should']}** |"
    )
    capabilities = Counter(t for e in entries for t in e.tags if t.startswith("requires-"))
    lines += ["", "## Capabilities needed", "", "| capability | scenarios |", "|---|---|"]
    lines += [f"| `{c.removeprefix('requires-')}` | {n} |" for c, n in sorted(capabilities.items())]
    lines.append(
        f"| none (plain user calls) | {sum(not any(t.startswith('requires-') for t in e.tags) for e in entries)} |"
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/coverage.md (or, with ``--check``, only validate the catalogue)."""
    parser = argparse.ArgumentParser(prog="python -m harness.coverage", description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=Path, default=FEATURES, help="the catalogue (default features/)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write (default docs/coverage.md)")
    parser.add_argument("--check", action="store_true", help="only validate the tags; exit 1 on a problem")
    args = parser.parse_args(argv)
    entries = collect(args.features)
    listed = statements(args.features / STATEMENTS.name)
    found = problems(entries) + statement_problems(listed, entries)
    for problem in found:
        print(f"coverage: {problem}", file=sys.stderr)
    if args.check:
        return 1 if found else 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(entries, meanings(args.features / "README.md"), listed), encoding="utf-8")
    print(f"coverage: {len(entries)} scenarios -> {args.output}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
