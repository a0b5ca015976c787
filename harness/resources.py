"""Where ringside's bundled files are, in a checkout and in an installed wheel alike.

Four directories of the repository that are not Python code travel as packages of the wheel
(``pyproject.toml`` maps them) and are found here, and only here, through :mod:`importlib.resources`:

* the scenario catalogue, ``features/`` → package ``harness._catalogue``;
* the known-failures lists of the bundled clients, ``clients/known-failures/`` → ``harness._known_failures``;
* the CometChat JS SDK adapter's sources, ``clients/cometchat-js/`` → ``harness._cometchat_js``
  (without ``node_modules``: :mod:`harness.js_adapter` installs those on first use);
* the example calling page, ``examples/web-calling/`` → ``harness._example`` (its sources:
  ``ringside example`` copies them out and builds the bundle).

In an editable install (``make setup``) each package resolves to its directory in the checkout; from a
wheel, to its copy in site-packages. Nothing here depends on the working directory.

The user cache (the JS adapter's npm installs, one folder per package@version) is
``$RINGSIDE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ringside``, else ``~/.cache/ringside``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
from importlib import resources
from pathlib import Path
from typing import Final

CATALOGUE: Final = "harness._catalogue"
KNOWN_FAILURES: Final = "harness._known_failures"
COMETCHAT_JS: Final = "harness._cometchat_js"
EXAMPLE: Final = "harness._example"

#: Files of a resource package that are packaging plumbing, not content.
_PLUMBING: Final = frozenset({"__init__.py", "__pycache__"})

# Directories that importlib.resources had to extract (a zipped install) live as long as the process.
_EXTRACTED = contextlib.ExitStack()
atexit.register(_EXTRACTED.close)


def package_dir(package: str) -> Path:
    """A real directory with the files of a resource package (pytest and node want paths)."""
    files = resources.files(package)
    if isinstance(files, Path):
        return files
    return _EXTRACTED.enter_context(resources.as_file(files))


def features_dir() -> Path:
    """The bundled scenario catalogue: a directory pytest can collect (``test_catalogue.py`` + ``*.feature``)."""
    return package_dir(CATALOGUE)


def catalogue_files() -> list[Path]:
    """The catalogue's own files, relative to :func:`features_dir` (what ``ringside features`` copies out)."""
    return content_files(features_dir())


def known_failures_file(client: str) -> Path | None:
    """The known-failures list of a bundled client (``cometchat-js`` → ``cometchat-js.yaml``), if it has one."""
    path = package_dir(KNOWN_FAILURES) / f"{client}.yaml"
    return path if path.is_file() else None


def js_adapter_sources() -> Path:
    """The JS adapter's packaged sources (in a checkout, ``clients/cometchat-js`` with its node_modules)."""
    return package_dir(COMETCHAT_JS)


def example_dir() -> Path:
    """The example calling page's packaged sources (in a checkout, ``examples/web-calling``, perhaps built)."""
    return package_dir(EXAMPLE)


def cache_dir() -> Path:
    """ringside's user cache: ``$RINGSIDE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ringside``, else ``~/.cache/ringside``."""
    explicit = os.environ.get("RINGSIDE_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ringside"


def content_files(directory: Path, *, recursive: bool = True) -> list[Path]:
    """The files under ``directory`` (relative, sorted), without packaging plumbing, dot-files and node_modules."""
    found: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = [] if not recursive else [d for d in dirs if not _skipped(d) and d != "node_modules"]
        found += [Path(root, name).relative_to(directory) for name in files if not _skipped(name)]
    return sorted(found)


def _skipped(name: str) -> bool:
    return name in _PLUMBING or name.startswith(".") or name.endswith(".pyc")
