"""A figure: ringside's value beside a baseline measured in the same run, their ratio, a goal, a verdict."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

PASS, FAIL, SOFT_MISS, SKIPPED = "pass", "FAIL", "miss (soft)", "skipped"


@dataclass
class Figure:
    """One line of the table.

    ``ratio`` is value / baseline unless the figure says otherwise (the catalogue's is scripted / wall,
    a speed-up). A hard goal missed fails ``make bench``; a soft one is reported. ``value`` None means
    the figure could not be measured (``note`` says why): a hard goal then fails, a soft one is reported.
    """

    group: str
    name: str
    unit: str
    value: float | None
    baseline: float | None
    baseline_label: str
    ratio: float | None
    goal: str
    hard: bool
    met: bool | None
    note: str = ""
    skipped: bool = False  #: not measured on purpose (a flag left it out): no verdict

    @property
    def verdict(self) -> str:
        if self.skipped:
            return SKIPPED
        if self.met:
            return PASS
        return FAIL if self.hard else SOFT_MISS

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "name": self.name,
            "unit": self.unit,
            "value": _finite(self.value),
            "baseline": _finite(self.baseline),
            "baselineLabel": self.baseline_label,
            "ratio": _finite(self.ratio),
            "goal": self.goal,
            "hard": self.hard,
            "verdict": self.verdict,
            "note": self.note,
        }


def _finite(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else round(x, 6)


def ratio(value: float | None, baseline: float | None) -> float | None:
    if value is None or baseline is None or baseline == 0 or math.isnan(value) or math.isnan(baseline):
        return None
    return value / baseline


Check = Callable[[float, float, float | None], bool]  # (value, baseline, ratio) -> goal met


def make(
    group: str,
    name: str,
    unit: str,
    value: float | None,
    baseline: float | None,
    *,
    goal: str,
    check: Check,
    hard: bool,
    baseline_label: str = "bare",
    ratio_value: float | None = None,
    note: str = "",
    skipped: bool = False,
) -> Figure:
    r = ratio_value if ratio_value is not None else ratio(value, baseline)
    met: bool | None = None
    if value is not None and baseline is not None and not math.isnan(value) and not math.isnan(baseline):
        met = bool(check(value, baseline, r))
    return Figure(group, name, unit, value, baseline, baseline_label, r, goal, hard, met, note, skipped)


def fmt(x: float | None) -> str:
    if x is None or math.isnan(x):
        return "—"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def table(figures: Sequence[Figure]) -> str:
    """The figures as a plain-text table, notes below."""
    head = ("figure", "ringside", "baseline", "ratio", "goal", "verdict")
    rows = [
        (
            f"{f.name} ({f.unit})",
            fmt(f.value),
            f"{fmt(f.baseline)} {f.baseline_label}",
            "—" if f.ratio is None else f"{f.ratio:.2f}x" if f.ratio < 100 else f"{f.ratio:,.0f}x",
            f"{f.goal}{'' if f.hard else ' (soft)'}",
            f.verdict,
        )
        for f in figures
    ]
    widths = [max(len(str(r[i])) for r in (head, *rows)) for i in range(len(head))]
    align = ("<", ">", ">", ">", "<", "<")
    lines = []
    for row in (head, *rows):
        lines.append("  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths, strict=True)).rstrip())
        if row is head:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  {f.name}: {f.note}" for f in figures if f.note]
    return "\n".join(lines + (["", "notes:", *notes] if notes else []))
