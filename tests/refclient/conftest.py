"""Make ``import refclient`` mean the reference client, wherever pytest was started.

Two things can shadow it: the package may not be installed (use the source tree), and when another
test package puts ``tests/`` on ``sys.path`` (pytest's rootdir-relative imports), this very
directory, ``tests/refclient``, becomes an empty namespace package called ``refclient``. Putting the
source tree first on ``sys.path`` and dropping a namespace-package import fixes both.
"""

from __future__ import annotations

import sys
from pathlib import Path

SOURCE = str(Path(__file__).resolve().parents[2] / "clients" / "python")

if SOURCE not in sys.path:
    sys.path.insert(0, SOURCE)
_loaded = sys.modules.get("refclient")
if _loaded is not None and getattr(_loaded, "__file__", None) is None:  # the namespace impostor
    for name in [n for n in sys.modules if n == "refclient" or n.startswith("refclient.")]:
        del sys.modules[name]
