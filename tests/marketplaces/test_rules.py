from __future__ import annotations

import pytest

from souk.core.money import exponent
from souk.marketplaces.rules import (
    MARKETPLACES,
    SHIP_TO_COUNTRY,
    by_marketplace_id,
    marketplace,
)


def test_the_ten_sites_exist_with_currency_language_and_zone():
    assert set(MARKETPLACES) >= {"US", "CA", "MX", "UK", "DE", "FR", "IT", "ES", "IN", "JP"}
    for site in MARKETPLACES.values():
        exponent(site.currency)  # a currency Money knows
        assert site.zone.key == site.time_zone
        assert len(site.language) == 2


@pytest.mark.parametrize(
    ("code", "currency", "language", "zone"),
    [
        ("US", "USD", "en", "America/New_York"),
        ("UK", "GBP", "en", "Europe/London"),
        ("DE", "EUR", "de", "Europe/Berlin"),
        ("JP", "JPY", "ja", "Asia/Tokyo"),
        ("IN", "INR", "en", "Asia/Kolkata"),
        ("MX", "MXN", "es", "America/Mexico_City"),
    ],
)
def test_site_details(code, currency, language, zone):
    site = marketplace(code.lower())
    assert (site.currency, site.language, site.time_zone) == (currency, language, zone)


def test_marketplace_ids_are_unique_and_resolve():
    ids = [m.marketplace_id for m in MARKETPLACES.values()]
    assert len(set(ids)) == len(ids)
    assert by_marketplace_id("ATVPDKIKX0DER").code == "US"


def test_uk_site_ships_to_gb():
    assert SHIP_TO_COUNTRY["UK"] == "GB"
    assert SHIP_TO_COUNTRY["DE"] == "DE"


def test_unknown_site():
    with pytest.raises(KeyError):
        marketplace("ZZ")
