"""Shared fixtures live in the fixture modules listed here, to keep this file small."""

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.web",
    "tests.fixtures.catalogue",
    "tests.fixtures.admin",
    "tests.fixtures.browser",
]
