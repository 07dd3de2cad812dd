"""Shipping rules for merchant-fulfilled orders: carriers and tracking numbers."""

from __future__ import annotations

import re

from souk.core.errors import InvalidInput


def _ups_check(number: str) -> bool:
    # 1Z + 6 shipper chars + 2 service digits + 7 package digits + 1 check digit.
    body, check = number[2:-1], number[-1]
    total = 0
    for index, char in enumerate(body):
        value = int(char) if char.isdigit() else (ord(char) - 63) % 10
        total += value * (2 if index % 2 else 1)
    return (10 - total % 10) % 10 == int(check)


def _mod10_usps(number: str) -> bool:
    digits = [int(c) for c in number]
    check = digits.pop()
    total = 0
    for index, digit in enumerate(reversed(digits)):
        total += digit * (3 if index % 2 == 0 else 1)
    return (10 - total % 10) % 10 == check


CARRIERS: dict[str, tuple[re.Pattern[str], str]] = {
    "UPS": (re.compile(r"^1Z[0-9A-Z]{16}$"), "1Z followed by 16 letters or digits"),
    "USPS": (
        re.compile(r"^(9[1-5]\d{20}|9[1-5]\d{24}|[A-Z]{2}\d{9}US)$"),
        "22 or 26 digits starting 91-95, or AA123456789US",
    ),
    "FedEx": (re.compile(r"^(\d{12}|\d{15}|\d{20})$"), "12, 15 or 20 digits"),
    "DHL": (re.compile(r"^(\d{10}|JJD\d{18})$"), "10 digits or JJD and 18 digits"),
    "Royal Mail": (re.compile(r"^[A-Z]{2}\d{9}GB$"), "AA123456789GB"),
    "DPD": (re.compile(r"^\d{14}$"), "14 digits"),
    "Canada Post": (re.compile(r"^(\d{16}|[A-Z]{2}\d{9}CA)$"), "16 digits or AA123456789CA"),
    "Japan Post": (re.compile(r"^(\d{11,12}|[A-Z]{2}\d{9}JP)$"), "11-12 digits or AA123456789JP"),
    "India Post": (re.compile(r"^[A-Z]{2}\d{9}IN$"), "AA123456789IN"),
    "Correos": (re.compile(r"^(P[A-Z0-9]{15,22}|[A-Z]{2}\d{9}ES)$"), "PQ... or AA123456789ES"),
}


def check_tracking(carrier: str, tracking_number: str) -> tuple[str, str]:
    """The carrier and a cleaned tracking number, or an error saying the expected format."""
    if carrier not in CARRIERS:
        raise InvalidInput(f"Choose a carrier: {', '.join(CARRIERS)}.", field="carrier")
    cleaned = re.sub(r"[\s-]", "", tracking_number).upper()
    pattern, shape = CARRIERS[carrier]
    valid = bool(pattern.match(cleaned))
    if valid and carrier == "UPS":
        valid = _ups_check(cleaned)
    if valid and carrier == "USPS" and cleaned.isdigit():
        valid = _mod10_usps(cleaned)
    if not valid:
        raise InvalidInput(
            f"{tracking_number!r} is not a {carrier} tracking number ({shape}).",
            field="tracking_number",
        )
    return carrier, cleaned
