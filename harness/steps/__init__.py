"""The step library: one module per domain noun. Registered by the plugin, usable from any project."""

STEP_MODULES = (
    "harness.steps.parties",
    "harness.steps.calls",
    "harness.steps.callbacks",
    "harness.steps.time",
    "harness.steps.listeners",
    "harness.steps.remote",
    "harness.steps.scripted",
    "harness.steps.session",
)
