"""mockserver.jsoncodec: strict decoding with documented bounds, and output that is always strict JSON."""

from __future__ import annotations

import json
import math

import pytest

from mockserver.core import ErrorCode, RingsideError
from mockserver.jsoncodec import MAX_DEPTH, MAX_SAFE_INTEGER, decode, encode, encode_line, encode_text


def _strict(text: str | bytes) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} in {text!r}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    "raw, code",
    [
        ("[" * 100_000 + "]" * 100_000, ErrorCode.JSON_TOO_DEEP),
        ("[" * 1025 + "]" * 1025, ErrorCode.JSON_TOO_DEEP),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), ErrorCode.JSON_TOO_DEEP),
        ('{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), ErrorCode.JSON_TOO_DEEP),
        ("9" * 5000, ErrorCode.NUMBER_OUT_OF_RANGE),
        (str(2**64), ErrorCode.NUMBER_OUT_OF_RANGE),
        (str(MAX_SAFE_INTEGER + 1), ErrorCode.NUMBER_OUT_OF_RANGE),
        (f"[{-(MAX_SAFE_INTEGER + 1)}]", ErrorCode.NUMBER_OUT_OF_RANGE),
        ("1e300", ErrorCode.NUMBER_OUT_OF_RANGE),
        ("1e400", ErrorCode.NUMBER_OUT_OF_RANGE),
        ("NaN", ErrorCode.BAD_JSON),
        ('{"x": NaN}', ErrorCode.BAD_JSON),
        ("[Infinity]", ErrorCode.BAD_JSON),
        ("-Infinity", ErrorCode.BAD_JSON),
        ('"\\udc00"', ErrorCode.BAD_JSON),
        (b'"\xff"', ErrorCode.BAD_JSON),
        ("{'a': 1}", ErrorCode.BAD_JSON),
        ("", ErrorCode.BAD_JSON),
    ],
)
def test_refusals_carry_their_code(raw: str | bytes, code: ErrorCode) -> None:
    with pytest.raises(RingsideError) as refused:
        decode(raw)
    assert refused.value.code is code
    assert refused.value.status_hint == 400


def test_what_the_bounds_allow() -> None:
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert decode(nested) is not None
    assert decode(f"[{MAX_SAFE_INTEGER}, {-MAX_SAFE_INTEGER}, 1.5e15, 0.1, -0]") == [
        MAX_SAFE_INTEGER,
        -MAX_SAFE_INTEGER,
        1.5e15,
        0.1,
        0,
    ]
    assert decode(b'{"a": "\\ud83d\\ude00", "b": [true, null]}') == {"a": "\U0001f600", "b": [True, None]}


def test_size_limit() -> None:
    assert decode('"' + "x" * 98 + '"', max_bytes=100) == "x" * 98
    with pytest.raises(RingsideError) as refused:
        decode('"' + "é" * 60 + '"', max_bytes=100)  # 60 characters, 122 bytes
    assert refused.value.code is ErrorCode.BODY_TOO_LARGE
    assert refused.value.details == {"limit": 100}


def test_encoding_is_compact_and_never_nan() -> None:
    value = {"a": [1, 2.5, None], "nan": math.nan, "inf": -math.inf}
    assert encode(value) == b'{"a":[1,2.5,null],"nan":null,"inf":null}'
    assert _strict(encode_text(value)) == {"a": [1, 2.5, None], "nan": None, "inf": None}


def test_journal_lines_take_anything_and_stay_strict() -> None:
    class Opaque:
        def __str__(self) -> str:
            return "opaque"

    line = encode_line({"seq": 1, 2: Opaque(), "big": 2**80, "f": math.nan, "nested": {"x": [math.inf]}})
    assert "\n" not in line
    assert _strict(line) == {"seq": 1, "2": "opaque", "big": 2**80, "f": None, "nested": {"x": [None]}}
    assert _strict(encode_line({"k": Opaque()})) == {"k": "opaque"}
