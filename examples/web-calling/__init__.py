"""The example calling page (HTML and JavaScript); installed as the package ``harness._example``.

This file only makes the directory a package so the wheel can carry the page's sources;
``ringside example DIR`` copies them out and builds the bundle (see harness/example_cmd.py).
"""
