"""Binds every .feature file under features/ to the ringside step library."""

from pytest_bdd import scenarios

scenarios(".")
