"""The REST route index: a path is searched only with the routes that could match it, and answers as a
search through every route in order would (docs/performance.md)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import rest

SEGMENTS = ["users", "me", "calls", "auth_tokens", "settings", "call_tokens", "user_sessions", "v3.0", "u1", "",
            "x\n", "\n", "a b", "%0A"]  # fmt: skip


def _every_route(path: str) -> list[rest.Route]:
    return [route for route in rest.ROUTES if route.pattern.search(path)]


def _indexed(path: str) -> list[rest.Route]:
    return [route for _, route in rest._candidates(path) if route.pattern.search(path)]


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(st.sampled_from(SEGMENTS) | st.text(max_size=4), max_size=6),
    st.sampled_from(["", "/", "\n", "/\n", "//"]),
    st.booleans(),
)
def test_the_index_finds_what_every_route_would(segments: list[str], tail: str, rooted: bool) -> None:
    path = ("/" if rooted else "") + "/".join(segments) + tail
    assert _indexed(path) == _every_route(path)


def test_a_final_newline_is_part_of_the_last_segment() -> None:
    # "$" matched before a final newline: GET /calls/%0A was answered as GET /calls (schemathesis found it)
    path = "/v3.0/calls/\n"
    assert [r.handler for r in _indexed(path)] == [rest.update_call, rest.get_call]
    match = rest.ROUTES[rest.ROUTES.index(_indexed(path)[1])].pattern.search(path)
    assert match is not None and match["sid"] == "\n"
    assert not _every_route("/v3.0/me\n")


def test_every_route_is_indexed() -> None:
    indexed = [r for routes in (*rest._BY_LAST.values(), *rest._BY_BEFORE_PARAM.values()) for _, r in routes]
    assert sorted(id(r) for r in indexed) == sorted(id(r) for r in rest.ROUTES)
