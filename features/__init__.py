"""ringside's scenario catalogue; installed as the package ``harness._catalogue`` (see harness/resources.py).

This file only makes the directory a package so the wheel can carry it and importlib.resources can find
it; ``pytest features`` collects ``test_catalogue.py`` as before.
"""
