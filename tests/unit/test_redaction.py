"""The journal's redaction: its fast path (no credential key anywhere → the entry as it is) must
decide exactly as the full walk does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.clock import VirtualClock
from mockserver.journal import Journal
from mockserver.redaction import SECRET_KEYS, _dict, fingerprint, redact

# keys: ordinary names, credential keys in any case, and look-alikes (a Kelvin sign lower-cases to "k")
secret_spellings = st.sampled_from(sorted(SECRET_KEYS)).flatmap(
    lambda key: st.sampled_from([key, key.upper(), key.title(), key.replace("k", "\u212a"), key + "x", '"' + key])
)
keys = st.text(max_size=6) | secret_spellings
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | secret_spellings,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, values, max_size=4))
def test_the_fast_path_redacts_exactly_what_the_walk_redacts(fields: dict[str, Any]) -> None:
    assert redact(fields) == _dict(fields)


def test_an_entry_without_credentials_is_returned_as_the_same_object() -> None:
    frame = {"frame": {"body": {"data": {"entities": {"on": {"entity": {"sessionid": "v1.eu.x"}}}}}}}
    assert redact(frame) is frame


def test_text_that_mentions_a_credential_key_is_not_redacted() -> None:
    fields = {"body": '{"authToken": "not a key of this entry, just text"}'}
    assert redact(fields) is fields


def test_credentials_at_any_depth_become_fingerprints() -> None:
    fields = {"headers": {"AuthToken": "t1"}, "frame": {"body": {"auth": "jwt"}}, "list": [{"apiKey": "k"}]}
    assert redact(fields) == {
        "headers": {"AuthToken": fingerprint("t1")},
        "frame": {"body": {"auth": fingerprint("jwt")}},
        "list": [{"apiKey": fingerprint("k")}],
    }


def test_the_journal_redacts_each_entry_once_whenever_it_is_read(tmp_path: Path) -> None:
    """In memory an entry is redacted on the first read that reaches it (not on the request path); with a
    file, at once. Either way a reader never sees a credential, and never a fingerprint of a fingerprint."""
    for path in (None, tmp_path / "journal.jsonl"):
        journal = Journal(VirtualClock(), path=path)
        journal.record("ws.in", conn=1, uid="bob", device="d", frame={"body": {"auth": "jwt-1"}})
        first = journal.entries()
        journal.record("ws.in", conn=1, uid="bob", device="d", frame={"body": {"auth": "jwt-2"}})
        journal.record("ws.out", conn=1, uid="bob", device="d", frame={"body": {"code": "200"}})
        both = journal.entries()
        assert [e["frame"]["body"] for e in both] == [
            {"auth": fingerprint("jwt-1")},
            {"auth": fingerprint("jwt-2")},
            {"code": "200"},
        ], path
        assert first[0] is both[0]
        if path is not None:
            journal.close()
            assert "jwt-" not in path.read_text()
