"""The web client fixtures of tests/web, for the storefront in other languages."""

from tests.web.conftest import Browser, browser, other_browser  # noqa: F401
