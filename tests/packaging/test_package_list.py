"""pyproject.toml lists the wheel's packages by hand (three of them map directories outside any package):
every Python package of the source tree must be in that list, and every mapped directory must exist."""

from __future__ import annotations

import tomllib
from pathlib import Path

from harness import resources

ROOT = Path(__file__).resolve().parents[2]
REFCLIENT = ROOT / "clients" / "python" / "refclient"
TOP_LEVEL = ("adapter_protocol", "harness", "mockserver")


def _config() -> dict[str, object]:
    setuptools: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return setuptools


def _python_packages() -> set[str]:
    """Dotted names of every directory with Python modules under the code roots."""
    found: set[str] = set()
    for top in TOP_LEVEL:
        for init in (ROOT / top).rglob("*.py"):
            if "__pycache__" not in init.parts:
                found.add(".".join(init.parent.relative_to(ROOT).parts))
    found |= {
        ".".join(("refclient", *p.parent.relative_to(REFCLIENT).parts))
        for p in REFCLIENT.rglob("*.py")
        if "__pycache__" not in p.parts
    }
    return found


def test_every_python_package_is_listed() -> None:
    listed = set(_config()["packages"])  # type: ignore[call-overload]
    missing = sorted(_python_packages() - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml, or the wheel lacks them"


def _directory(name: str, package_dir: dict[str, str]) -> Path:
    """Where setuptools takes package ``name`` from: its own mapping, its nearest mapped parent's, or the root."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in package_dir:
            return ROOT / package_dir[prefix] / Path(*parts[cut:])
    return ROOT / Path(*parts)


def test_every_listed_package_and_mapped_directory_exists() -> None:
    config = _config()
    package_dir: dict[str, str] = config["package-dir"]  # type: ignore[assignment]
    for name in config["packages"]:  # type: ignore[attr-defined]
        directory = _directory(name, package_dir)
        assert (directory / "__init__.py").is_file(), f"{name}: no {directory.relative_to(ROOT)}/__init__.py"


def test_the_resource_packages_are_the_repository_directories_in_a_checkout() -> None:
    # make setup's editable install maps them onto the checkout, so an edit to features/ is seen at once
    assert resources.features_dir() == ROOT / "features"
    assert resources.known_failures_file("cometchat-js") == ROOT / "clients" / "known-failures" / "cometchat-js.yaml"
    assert resources.known_failures_file("python") is None
    assert resources.js_adapter_sources() == ROOT / "clients" / "cometchat-js"


def test_the_catalogue_files_are_the_features_directory_without_packaging_plumbing() -> None:
    names = {str(p) for p in resources.catalogue_files()}
    on_disk = {str(p.relative_to(ROOT / "features")) for p in (ROOT / "features").rglob("*.feature")}
    assert on_disk and on_disk <= names
    assert {"test_catalogue.py", "spec-statements.yaml", "README.md"} <= names
    assert not any(n.endswith("__init__.py") or "__pycache__" in n for n in names)
