"""Known failures of the bundled clients; installed as the package ``harness._known_failures``.

This file only makes the directory a package so the wheel can carry the lists (see harness/resources.py).
"""
