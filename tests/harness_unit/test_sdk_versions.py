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


FAKE_NPM = """#!/bin/sh
echo "$*" >> "$FAKE_NPM_LOG"
case "$FAKE_NPM_MODE" in
  missing) echo "npm error code ETARGET"; echo "npm error notarget No matching version found for $5"; exit 1 ;;
  offline) echo "npm error code ECONNREFUSED"; echo "npm error request to https://registry.example failed"; exit 1 ;;
esac
if [ "$1" = view ]; then echo '["4.0.0", "4.1.0-beta1", "4.2.0"]'; exit 0; fi
# npm install --no-audit --no-fund --no-save --loglevel=http --prefix DIR PACKAGE@VERSION
dir="$7"; spec="$8"; version="${spec##*@}"; package="${spec%@*}"
mkdir -p "$dir/node_modules/$package"
echo "{\\"name\\": \\"$package\\", \\"version\\": \\"$version\\"}" > "$dir/node_modules/$package/package.json"
echo "npm http fetch GET 200 https://registry.example/$package 3ms"
echo "added 1 package in 10ms"
"""


@pytest.fixture
def npm_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM)
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_NPM_LOG", str(tmp_path / "npm.log"))
    monkeypatch.setenv("RINGSIDE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("FAKE_NPM_MODE", raising=False)
    return tmp_path / "npm.log"


def test_first_use_installs_one_folder_per_version_once(npm_log: Path, tmp_path: Path) -> None:
    import io  # noqa: PLC0415

    out = io.StringIO()
    sdk = Sdk("cometchat-pro", "3.0.13")
    package = sdk_versions.install(sdk, tmp_path / "cache", log=out)
    target = tmp_path / "cache" / "sdks" / "@cometchat-pro+chat@3.0.13"
    assert package == target / "node_modules" / "@cometchat-pro" / "chat"
    assert (
        out.getvalue().splitlines()[0] == f"ringside: installing @cometchat-pro/chat@3.0.13 into {target} (first use)"
    )
    assert "  added 1 package in 10ms" in out.getvalue().splitlines()
    assert sdk_versions.install(sdk, tmp_path / "cache", log=out) == package  # reused: npm not asked again
    assert npm_log.read_text().splitlines() == [
        f"install --no-audit --no-fund --no-save --loglevel=http --prefix {target} @cometchat-pro/chat@3.0.13"
    ]
    command = clients.command_for("cometchat-pro@3.0.13")
    assert command.endswith(f"service.js --sdk {package}")


def test_a_version_the_registry_lacks_is_a_version_error_and_leaves_nothing(
    npm_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_NPM_MODE", "missing")
    with pytest.raises(
        VersionError, match=r"^cometchat-js@4\.0\.4: the npm registry has no @cometchat/chat-sdk-javascript@4\.0\.4"
    ):
        sdk_versions.install(Sdk("cometchat-js", "4.0.4"), tmp_path / "cache")
    assert not (tmp_path / "cache" / "sdks" / "@cometchat+chat-sdk-javascript@4.0.4").exists()


def test_an_unreachable_registry_is_an_install_error_in_one_line(
    npm_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness import js_adapter  # noqa: PLC0415

    monkeypatch.setenv("FAKE_NPM_MODE", "offline")
    with pytest.raises(js_adapter.InstallError, match="ECONNREFUSED") as caught:
        sdk_versions.install(Sdk("cometchat-js", "4.0.5"), tmp_path / "cache")
    assert "\n" not in str(caught.value) and "is the npm registry reachable?" in str(caught.value)


def test_the_registry_lists_versions_without_prereleases_and_is_remembered(
    npm_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sdk_versions.published_versions("@cometchat/chat-sdk-javascript") == ["4.0.0", "4.2.0"]
    assert sdk_versions.resolve("cometchat-js@latest") == ["cometchat-js@4.2.0"]
    monkeypatch.setenv("FAKE_NPM_MODE", "offline")  # the registry is gone: the list it gave last time
    assert sdk_versions.resolve("cometchat-js@all") == ["cometchat-js@4.0.0", "cometchat-js@4.2.0"]
