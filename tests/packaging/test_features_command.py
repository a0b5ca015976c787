"""``ringside features [DIR]`` (or ``--dest DIR``) copies the bundled catalogue out."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import resources
from harness.cli import main


def test_it_copies_the_catalogue_and_says_how_to_run_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "mine"
    assert main(["features", "--dest", str(dest)]) == 0

    source = resources.features_dir()
    for name in resources.catalogue_files():
        assert (dest / name).read_bytes() == (source / name).read_bytes()
    assert not (dest / "__init__.py").exists()
    written = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert written == sorted(str(p) for p in resources.catalogue_files())
    out = capsys.readouterr().out.splitlines()
    features = len(list(source.rglob("*.feature")))
    assert out[0].startswith(f"ringside: wrote the catalogue to {dest}: {features} feature files, ")
    assert out[1] == (
        f"ringside: run it with `ringside run --features {dest}` or `pytest {dest} --ringside-client python`"
    )


def test_the_default_destination_is_ringside_features_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["features"]) == 0
    assert (tmp_path / "ringside-features" / "test_catalogue.py").is_file()
    assert (tmp_path / "ringside-features" / "accept" / "accept.feature").is_file()


def test_an_empty_existing_directory_is_fine(tmp_path: Path) -> None:
    assert main(["features", "--dest", str(tmp_path)]) == 0
    assert (tmp_path / "spec-statements.yaml").is_file()


def test_a_non_empty_destination_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["features", "--dest", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"ringside features: {tmp_path} is not empty; choose another destination or remove it\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_file_as_destination_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a-file"
    target.write_text("")
    assert main(["features", "--dest", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"ringside features: {target} exists and is not a directory; choose another destination or remove it\n"
    )


def test_the_destination_may_be_given_as_an_argument(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["features", str(tmp_path / "mine")]) == 0
    assert (tmp_path / "mine" / "test_catalogue.py").is_file()
    assert main(["features", str(tmp_path / "a"), "--dest", str(tmp_path / "b")]) == 2
    assert capsys.readouterr().err.endswith(
        f"two destinations ({tmp_path / 'a'} and --dest {tmp_path / 'b'}); give one\n"
    )
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
