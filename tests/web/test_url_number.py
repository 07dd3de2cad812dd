"""Numbers read from URLs: ids and page numbers."""

from __future__ import annotations

import pytest

from souk.web.pages import MAX_ID_DIGITS, url_number


@pytest.mark.parametrize(
    "text,number", [("1", 1), ("0042", 42), (" 7 ", 7), ("9" * 18, 10**18 - 1)]
)
def test_digits_are_a_number(text: str, number: int) -> None:
    assert url_number(text) == number


@pytest.mark.parametrize(
    "text", ["", " ", "-1", "1.5", "1e3", "٣", "²", "12a", "9" * (MAX_ID_DIGITS + 1)]
)
def test_anything_else_is_not(text: str) -> None:
    assert url_number(text) is None
