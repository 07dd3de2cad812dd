"""The country sites souk runs: currency, language, time zone, and the
marketplace ids the seller API uses (the same ids SP-API clients send)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Marketplace:
    code: str  # also the country code of the site
    marketplace_id: str  # SP-API MarketplaceId
    name: str
    domain: str
    currency: str
    locale: str  # language and region for formatting, e.g. "de_DE"
    time_zone: str  # the site's business zone (buyers may be in others)
    region: str  # SP-API region: NA, EU or FE

    @property
    def no_reply_address(self) -> str:
        """The sender of souk's own e-mails (notices, reminders, digests) here."""
        return f"no-reply@{self.domain}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def language(self) -> str:
        return self.locale.split("_")[0]


MARKETPLACES: dict[str, Marketplace] = {
    m.code: m
    for m in [
        Marketplace(
            "US",
            "ATVPDKIKX0DER",
            "United States",
            "souk.com",
            "USD",
            "en_US",
            "America/New_York",
            "NA",
        ),
        Marketplace(
            "CA", "A2EUQ1WTGCTBG2", "Canada", "souk.ca", "CAD", "en_CA", "America/Toronto", "NA"
        ),
        Marketplace(
            "MX",
            "A1AM78C64UM0Y8",
            "Mexico",
            "souk.com.mx",
            "MXN",
            "es_MX",
            "America/Mexico_City",
            "NA",
        ),
        Marketplace(
            "UK",
            "A1F83G8C2ARO7P",
            "United Kingdom",
            "souk.co.uk",
            "GBP",
            "en_GB",
            "Europe/London",
            "EU",
        ),
        Marketplace(
            "DE", "A1PA6795UKMFR9", "Germany", "souk.de", "EUR", "de_DE", "Europe/Berlin", "EU"
        ),
        Marketplace(
            "FR", "A13V1IB3VIYZZH", "France", "souk.fr", "EUR", "fr_FR", "Europe/Paris", "EU"
        ),
        Marketplace("IT", "APJ6JRA9NG5V4", "Italy", "souk.it", "EUR", "it_IT", "Europe/Rome", "EU"),
        Marketplace(
            "ES", "A1RKKUPIHCS9HS", "Spain", "souk.es", "EUR", "es_ES", "Europe/Madrid", "EU"
        ),
        Marketplace(
            "IN", "A21TJRUUN4KGV", "India", "souk.in", "INR", "en_IN", "Asia/Kolkata", "EU"
        ),
        Marketplace(
            "JP", "A1VC38T7YXB528", "Japan", "souk.co.jp", "JPY", "ja_JP", "Asia/Tokyo", "FE"
        ),
    ]
}

BY_MARKETPLACE_ID: dict[str, Marketplace] = {m.marketplace_id: m for m in MARKETPLACES.values()}

# The country an address must be in to buy on a site (the UK site ships to GB).
SHIP_TO_COUNTRY: dict[str, str] = {code: ("GB" if code == "UK" else code) for code in MARKETPLACES}


def marketplace(code: str) -> Marketplace:
    """The marketplace with this code (``US``, ``DE``...); unknown codes raise ``KeyError``."""
    return MARKETPLACES[code.upper()]


def by_marketplace_id(marketplace_id: str) -> Marketplace:
    return BY_MARKETPLACE_ID[marketplace_id]
