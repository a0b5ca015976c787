"""The CometChat JS SDK adapter (JavaScript); installed as the package ``harness._cometchat_js``.

This file only makes the directory a package so the wheel can carry the adapter's sources (without
node_modules); harness/js_adapter.py installs its npm dependencies into a user cache on first use.
"""
