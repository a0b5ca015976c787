"""ringside's harness: a pytest plugin and pytest-bdd step library that drive any client under test."""
