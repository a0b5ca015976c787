"""A run's rows as they come, and reports made of rows: one run's, a killed run's, or several shards'.

While a run goes, its folder holds ``run.json`` (what the run is: client, start, latency budget, …) and
``rows.jsonl`` (one finished scenario's row per line, appended as each finishes: never rewritten). The
end of the run writes ``report.json`` from the same rows with :func:`assemble`; a run killed before its
end leaves the two files, and ``ringside report merge <run>`` makes its report (``complete: false``).
:func:`merge` puts shards together — run folders of CI jobs or of a split run, each with its report.json
or its rows — into the report a single run of them all would have written: rows in catalogue order,
summary and compliance counted again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.report import compliance
from harness.report.collect import DEFAULT_LATENCY_BUDGET_MS, Row

Json = dict[str, Any]
ROWS_FILE = "rows.jsonl"
META_FILE = "run.json"


class ShardError(Exception):
    """A report or shard that cannot be read or merged: its message is one line for the user."""


class RowLog:
    """``run.json`` + ``rows.jsonl`` of a run in progress."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def start(self, meta: Json) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / META_FILE).write_text(json.dumps({**meta, "complete": None}, indent=2) + "\n", encoding="utf-8")
        (self.folder / ROWS_FILE).write_text("", encoding="utf-8")

    def append(self, row: Row) -> None:
        with (self.folder / ROWS_FILE).open("a", encoding="utf-8") as out:
            out.write(json.dumps(row.as_json(), default=str) + "\n")
            out.flush()

    def finish(self, *, complete: bool) -> None:
        path = self.folder / META_FILE
        meta = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**meta, "complete": complete}, indent=2) + "\n", encoding="utf-8")


def assemble(
    rows: list[Row],
    *,
    client: Json,
    started: float,
    finished: float,
    required: list[str],
    budget_ms: float,
    complete: bool,
    previous: dict[str, str],
) -> Json:
    """The report of ``rows`` (already in catalogue order), each row's previous verdict filled in from
    ``previous`` (scenario id → verdict in the client's previous report)."""
    for row in rows:
        row.previous_verdict = previous.get(row.id)
    return compliance.build(
        rows,
        client=client,
        started=started,
        finished=finished,
        required=required,
        budget_ms=budget_ms,
        complete=complete,
    )


@dataclass
class Shard:
    """One run's rows and what the run was, read from a run folder or a report.json."""

    source: Path
    client: Json
    started: float
    finished: float
    required: list[str]
    budget_ms: float
    complete: bool
    rows: list[Row]


def report_path(path: Path) -> Path:
    """The report.json ``path`` means: the file itself, a run folder's, or a reports folder's latest run's."""
    if path.is_file():
        return path
    if (path / "report.json").is_file():
        return path / "report.json"
    if (path / "latest" / "report.json").is_file():
        return path / "latest" / "report.json"
    if not path.exists():
        raise ShardError(f"{path}: no such file or folder")
    raise ShardError(f"{path}: no report.json here (nor in {path / 'latest'})")


def load_report(path: Path) -> Json:
    """A report.json (or the one a folder holds), checked to be a ringside report."""
    file = report_path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ShardError(f"{file}: cannot read it ({exc.strerror})") from None
    except ValueError as exc:
        raise ShardError(f"{file}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list) or "client" not in data:
        raise ShardError(f"{file}: not a ringside report (no client and scenarios)")
    return data


def load_shard(path: Path) -> Shard:
    """A run folder (its report.json, else its run.json + rows.jsonl), a reports folder (its latest run) or
    a report.json."""
    folder = path if path.is_dir() else None
    if folder is not None and not (folder / "report.json").is_file() and (folder / ROWS_FILE).is_file():
        return _rows_shard(folder)
    if folder is not None and not (folder / "report.json").is_file() and (folder / "latest").is_dir():
        latest = folder / "latest"
        if not (latest / "report.json").is_file() and (latest / ROWS_FILE).is_file():
            return _rows_shard(latest)
    report = load_report(path)
    try:
        return Shard(
            source=report_path(path),
            client=report["client"],
            started=float(report["startedAt"]),
            finished=float(report["finishedAt"]),
            required=list((report.get("assessment") or {}).get("requiredCapabilities", [])),
            budget_ms=float(report.get("latencyBudgetMs", DEFAULT_LATENCY_BUDGET_MS)),
            complete=bool(report.get("complete", True)),
            rows=[Row.from_json(r) for r in report["scenarios"]],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ShardError(f"{report_path(path)}: not a ringside report ({type(exc).__name__}: {exc})") from None


def _rows_shard(folder: Path) -> Shard:
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except OSError:
        raise ShardError(f"{folder}: has {ROWS_FILE} but no {META_FILE}") from None
    except ValueError as exc:
        raise ShardError(f"{folder / META_FILE}: not JSON ({exc})") from None
    rows = []
    with (folder / ROWS_FILE).open(encoding="utf-8") as lines:
        for line in lines:
            try:
                rows.append(Row.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                break  # the line being written when the run was killed: the rows before it stand
    started = float(meta.get("startedAt") or 0.0)
    finished = max([started, (folder / ROWS_FILE).stat().st_mtime])
    return Shard(
        source=folder,
        client=meta.get("client") or {"name": "unknown"},
        started=started,
        finished=finished,
        required=list(meta.get("requiredCapabilities") or []),
        budget_ms=float(meta.get("latencyBudgetMs", DEFAULT_LATENCY_BUDGET_MS)),
        complete=bool(meta.get("complete")) and len(rows) >= int(meta.get("scenarios") or 0),
        rows=rows,
    )


def load_any(path: Path) -> Json:
    """A report: a report.json (or a folder's), else the report of a killed run's rows (``complete: false``)."""
    try:
        return load_report(path)
    except ShardError:
        folder = path / "latest" if (path / "latest" / ROWS_FILE).is_file() else path
        if not (folder / ROWS_FILE).is_file():
            raise
        return merge([load_shard(folder)])


def _identity(client: Json) -> tuple[Any, ...]:
    return (client.get("name"), client.get("service"), client.get("version"))


def catalogue_order(rows: Iterable[Row]) -> list[Row]:
    """Rows in the catalogue's order: by their place in the whole collection (then node id)."""
    return sorted(rows, key=lambda r: (r.position is None, r.position if r.position is not None else 0, r.nodeid))


def merge(shards: list[Shard], *, previous: dict[str, str] | None = None) -> Json:
    """The one report of several shards of one client. Raises :class:`ShardError` (one line) for shards of
    different clients or latency budgets, or a scenario in two shards."""
    if not shards:
        raise ShardError("nothing to merge")
    first = shards[0]
    for other in shards[1:]:
        if _identity(other.client) != _identity(first.client):
            raise ShardError(
                f"cannot merge reports of different clients: {first.source} is {_describe(first.client)}, "
                f"{other.source} is {_describe(other.client)}"
            )
        if other.budget_ms != first.budget_ms:
            raise ShardError(
                f"cannot merge reports with different latency budgets: {first.source} {first.budget_ms:g} ms, "
                f"{other.source} {other.budget_ms:g} ms"
            )
    seen: dict[str, Path] = {}
    rows: list[Row] = []
    for shard in shards:
        for row in shard.rows:
            if row.nodeid in seen:
                raise ShardError(f"scenario {row.id} is in two shards: {seen[row.nodeid]} and {shard.source}")
            seen[row.nodeid] = shard.source
            rows.append(row)
    required = sorted({c for shard in shards for c in shard.required})
    return assemble(
        catalogue_order(rows),
        client=first.client,
        started=min(s.started for s in shards),
        finished=max(s.finished for s in shards),
        required=required,
        budget_ms=first.budget_ms,
        complete=all(s.complete for s in shards),
        previous=previous if previous is not None else {r.id: r.previous_verdict for r in rows if r.previous_verdict},
    )


def _describe(client: Json) -> str:
    version = f" {client['version']}" if client.get("version") else ""
    return f"{client.get('name')!r} ({client.get('service')}{version})"
