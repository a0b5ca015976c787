"""Compliance reports: collect one row per scenario, write report.json and junit.xml at the end."""
