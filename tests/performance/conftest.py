"""The web tests' HTTP clients, for the Account health and appeals pages."""

from tests.web.conftest import browser, other_browser  # noqa: F401  (fixtures)
