"""Versioned SDK clients: names, lists and ranges of published versions, the range matcher of known failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import clients, known_failures, sdk_versions
from harness.sdk_versions import Sdk, VersionError, expand, in_range, split_clients

PUBLISHED = ["4.0.0", "4.0.2", "4.0.10", "4.0.9", "4.1.1", "4.1.5", "4.2.0"]


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("4.1.0", ">=4.1.0 <4.1.5", True),
        ("4.1.4", ">=4.1.0 <4.1.5", True),
        ("4.1.5", ">=4.1.0 <4.1.5", False),
        ("4.0.13", ">=4.1.0 <4.1.5", False),
        ("4.0.10", ">4.0.9", True),  # numeric, not text: 10 > 9
        ("4.0.9", "<=4.0.9", True),
        ("4.0.9", "4.0.9", True),
        ("4.0.9", "=4.0.8", False),
        ("3.0.13", "<4.0.0 || >=4.2.0", True),
        ("4.1.1", "<4.0.0 || >=4.2.0", False),
        ("4.2.0", "<4.0.0 || >=4.2.0", True),
        ("4.0.0", "*", True),
        ("4.0.0", "", True),
    ],
)
def test_in_range(version: str, spec: str, expected: bool) -> None:
    assert in_range(version, spec) is expected


@pytest.mark.parametrize("spec", [">=4.1", "~4.1.0", "^4.0.0", ">= 4.1.0", "4.x", "latest"])
def test_a_range_it_does_not_understand_is_one_line_error(spec: str) -> None:
    with pytest.raises(VersionError, match="bad version range") as caught:
        in_range("4.1.0", spec)
    assert "\n" not in str(caught.value)


def test_split_clients_continues_a_list_of_versions() -> None:
    assert split_clients("cometchat-js@4.0.0,4.0.5..4.1.1,cometchat-pro@3.0.13,python") == [
        ("cometchat-js", "4.0.0,4.0.5..4.1.1"),
        ("cometchat-pro", "3.0.13"),
        ("python", ""),
    ]
    with pytest.raises(VersionError, match="names no version"):
        split_clients("cometchat-js@")


def test_expand_ranges_all_latest_and_lists_of_published_versions() -> None:
    def versions(spec: str) -> list[str]:
        return [s.version for s in expand("cometchat-js", spec, published=PUBLISHED)]

    assert versions("4.0.2..4.1.1") == ["4.0.2", "4.0.9", "4.0.10", "4.1.1"]
    assert versions("all") == ["4.0.0", "4.0.2", "4.0.9", "4.0.10", "4.1.1", "4.1.5", "4.2.0"]
    assert versions("latest") == ["4.2.0"]
    assert versions("4.2.0,4.0.0,latest") == ["4.0.0", "4.2.0"]  # sorted, each once
    with pytest.raises(VersionError, match="runs backwards"):
        versions("4.2.0..4.0.0")
    with pytest.raises(VersionError, match="no published version"):
        versions("5.0.0..5.1.0")
    with pytest.raises(VersionError, match="wants a version"):
        versions("4.1")


def test_an_exact_version_needs_no_registry() -> None:
    assert expand("cometchat-pro", "3.0.13") == [Sdk("cometchat-pro", "3.0.13")]
    assert Sdk("cometchat-pro", "3.0.13").package == "@cometchat-pro/chat"
    assert Sdk("cometchat-js", "4.0.5").folder == "@cometchat+chat-sdk-javascript@4.0.5"
    assert sdk_versions.resolve("python,cometchat-js@4.0.5,4.0.2") == [
        "python",
        "cometchat-js@4.0.2",
        "cometchat-js@4.0.5",
    ]


def test_version_of_a_client_name() -> None:
    assert sdk_versions.version_of("cometchat-js@4.0.5") == "4.0.5"
    assert sdk_versions.version_of("cometchat-js") == sdk_versions.pinned()
    assert sdk_versions.version_of("python") is None
    assert sdk_versions.version_of("cometchat-js@latest") is None  # not one exact version yet


def test_one_known_failures_list_per_package() -> None:
    assert clients.known_failures_file("cometchat-js@4.0.5") == clients.known_failures_file("cometchat-js")


def test_the_pinned_version_runs_the_adapters_own_sdk() -> None:
    assert sdk_versions.sdk_dir(Sdk("cometchat-js", sdk_versions.pinned())) is None
    assert "--sdk" not in clients.command_for(f"cometchat-js@{sdk_versions.pinned()}")


KF = """\
- id: A-001
  reason: "old versions fail it"
  versions: "<4.1.0"
  step: "Then it works"
  failure: "broken"
- id: A-001
  reason: "newer versions fail it another way"
  versions: ">=4.1.0 <4.2.0"
  step: "Then it works"
  failure: "otherwise"
- id: A-002
  reason: "every version fails it"
  step: "Then it works"
  failure: "broken"
"""


def test_known_failures_apply_per_version(tmp_path: Path) -> None:
    path = tmp_path / "kf.yaml"
    path.write_text(KF, encoding="utf-8")
    old = known_failures.load(path, "4.0.5")
    assert old["A-001"].reason == "old versions fail it" and "A-002" in old
    middle = known_failures.load(path, "4.1.5")
    assert middle["A-001"].failure == "otherwise"
    newest = known_failures.load(path, "4.2.0")
    assert set(newest) == {"A-002"}  # out of both ranges: listed for no other version
    assert set(known_failures.load(path, None)) == {"A-002"}  # unknown version: only entries without a range
    assert middle["A-001"].as_json(True, "x")["versions"] == ">=4.1.0 <4.2.0"


def test_overlapping_entries_for_one_version_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "kf.yaml"
    path.write_text(KF.replace('"<4.1.0"', '"<4.1.2"'), encoding="utf-8")
    assert known_failures.load(path, "4.0.5")["A-001"].reason == "old versions fail it"
    with pytest.raises(pytest.UsageError, match=r"two entries for A-001 apply to version 4\.1\.1"):
        known_failures.load(path, "4.1.1")


def test_a_bad_range_is_refused_when_the_list_is_read(tmp_path: Path) -> None:
    path = tmp_path / "kf.yaml"
    path.write_text(KF.replace('"<4.1.0"', '"~4.1"'), encoding="utf-8")
    with pytest.raises(pytest.UsageError, match=r"entry 1 \(A-001\): bad version range"):
        known_failures.load_all(path)


def test_record_writes_into_the_entry_of_the_reports_version(tmp_path: Path) -> None:
    path = tmp_path / "kf.yaml"
    path.write_text(KF, encoding="utf-8")
    assert known_failures.record_observed(path, {"A-001": "seen on 4.1.5"}, "4.1.5") == ["A-001"]
    entries = known_failures.load_all(path)
    assert [e.observed for e in entries] == [None, "seen on 4.1.5", None]
    assert [e.versions for e in entries] == ["<4.1.0", ">=4.1.0 <4.2.0", None]
