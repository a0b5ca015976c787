"""The latency budget's one parser, shared by ``ringside run --latency-budget``, pytest's
``--ringside-latency-budget`` and ``$RINGSIDE_LATENCY_BUDGET`` (each words its own error)."""

from __future__ import annotations

import argparse


def milliseconds(text: str) -> float:
    """``text`` as a number of milliseconds, 0 or more and finite; ``ValueError`` otherwise."""
    value = float(text)  # ValueError for what is not a number
    if not 0 <= value < float("inf"):  # also refuses nan
        raise ValueError(f"not a budget: {text!r}")
    return value


def option(text: str) -> float:
    """:func:`milliseconds` as an argparse ``type`` (``ringside run --latency-budget``, pytest's option)."""
    try:
        return milliseconds(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants milliseconds (0 or more), not {text!r}") from None
