"""The interface catalogs: every storefront string has a German and a French translation,
placeholders survive translation, and Babel formats numbers, prices and dates per locale."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from souk.core.money import Money
from souk.marketplaces.rules import MARKETPLACES
from souk.web import locale
from souk.web.pages import ENV, format_day, format_moment, format_money, format_short_day

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_the_templates_mark_their_strings():
    messages = locale.extract_messages()
    assert len(messages) > 200
    for expected in ("Add to Cart", "Proceed to checkout", "Your Orders", "Sign in", "Search souk"):
        assert expected in messages
    # Every storefront template named in the list exists and contributes strings.
    seen = {where for m in messages.values() for where, _ in m.locations}
    assert set(locale.STOREFRONT_TEMPLATES) <= seen


@pytest.mark.parametrize("language", locale.CATALOG_LANGUAGES)
def test_every_storefront_string_is_translated(language: str):
    missing = locale.missing_translations(language)
    assert missing == [], f"{language} lacks {len(missing)} translation(s): {missing[:5]}"


@pytest.mark.parametrize("language", locale.CATALOG_LANGUAGES)
def test_translations_keep_every_placeholder(language: str):
    catalog = locale.read_catalog(language)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= wanted, (message.id, text)
            # A plural form may leave the number out ("Artikel"), nothing else.
            assert wanted - set(PLACEHOLDER.findall(text)) <= {"num"}, (message.id, text)
            assert text.count("%") - 2 * text.count("%%") == len(PLACEHOLDER.findall(text))


def test_catalogs_compile_in_memory_and_render():
    german = locale.translations("de")
    assert german.gettext("Add to Cart") == "In den Einkaufswagen"
    assert (
        german.ngettext("Cart, %(num)d item", "Cart, %(num)d items", 2)
        == "Einkaufswagen, %(num)d Artikel"
    )
    assert locale.translations("fr").gettext("Your Orders") == "Vos commandes"
    assert locale.translations("en").gettext("Your Orders") == "Your Orders"
    assert locale.translations("xx").gettext("Your Orders") == "Your Orders"
    template = ENV.from_string(
        '{{ _("Sold by %(seller)s", seller=name) }}|'
        '{{ ngettext("%(num)d offer", "%(num)d offers", n) }}'
    )
    html = template.render(_translations=locale.translations("fr"), name="<b>Kessel</b>", n=3)
    assert html == "Vendu par &lt;b&gt;Kessel&lt;/b&gt;|3 offres"  # values stay escaped
    assert template.render(name="A", n=1) == "Sold by A|1 offer"  # no catalog: English


def test_no_compiled_catalogs_are_kept_in_the_source_tree():
    assert not list(locale.LOCALE_DIR.rglob("*.mo"))


def test_formatting_locale_keeps_the_marketplace_country():
    assert locale.formatting_locale("de", "DE", "de_DE") == "de_DE"
    assert locale.formatting_locale("en", "DE", "de_DE") == "en_DE"
    assert locale.formatting_locale("fr", "DE", "de_DE") == "fr"
    assert locale.formatting_locale("de", "UK", "en_GB") == "de"
    assert locale.formatting_locale("fr", "FR", "fr_FR") == "fr_FR"


@pytest.mark.parametrize(
    ("minor", "currency", "loc", "shown"),
    [
        (1999, "EUR", "de_DE", "19,99\xa0€"),
        (123456, "EUR", "de_DE", "1.234,56\xa0€"),
        (1999, "EUR", "fr_FR", "19,99\xa0€"),
        (1999, "EUR", "en_DE", "19,99\xa0€"),
        (1999, "USD", "en_US", "$19.99"),
        (1999, "GBP", "en_GB", "£19.99"),
        (1999, "JPY", "ja_JP", "￥1,999"),
        (123456789, "INR", "en_IN", "₹12,34,567.89"),
    ],
)
def test_prices_are_written_the_local_way(minor: int, currency: str, loc: str, shown: str):
    assert format_money(Money(currency, minor), loc) == shown


def test_dates_in_language_and_zone():
    moment = datetime(2026, 3, 3, 4, 30, tzinfo=UTC)
    de, us, jp = MARKETPLACES["DE"], MARKETPLACES["US"], MARKETPLACES["JP"]
    assert format_day(moment, de) == "Dienstag, 3. März"
    assert format_day(moment, us) == "Monday, March 2"  # 23:30 the evening before in New York
    assert format_day(moment, us, zone=ZoneInfo("Asia/Tokyo")) == "Tuesday, March 3"
    assert format_day(moment, de, locale="fr") == "mardi 3 mars"
    assert format_short_day(moment, jp).startswith("2026/03/03")
    assert format_moment(moment, ZoneInfo("Europe/Berlin"), "de_DE") == "03.03.2026, 05:30 MEZ"
    assert format_day(None, de) == ""


def test_update_adds_new_strings_untranslated_and_the_check_names_them(tmp_path, monkeypatch):
    import shutil

    from babel.messages.pofile import read_po, write_po

    copy = tmp_path / "locale"
    shutil.copytree(locale.LOCALE_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(locale, "LOCALE_DIR", copy)
    path = locale.po_path("de")
    with path.open("rb") as source:
        catalog = read_po(source, locale="de")
    catalog.delete("Proceed to checkout")
    catalog.delete("Cart, %(num)d item")
    with path.open("wb") as target:
        write_po(target, catalog)
    assert set(locale.missing_translations("de")) == {"Proceed to checkout", "Cart, %(num)d item"}
    assert locale.update_catalogs() == {"de": 2, "fr": 0}
    # Added, but untranslated: still reported until a translator fills them in.
    assert set(locale.missing_translations("de")) == {"Proceed to checkout", "Cart, %(num)d item"}
    assert locale.missing_translations("fr") == []
    with path.open("rb") as source:
        entry = read_po(source, locale="de").get("Cart, %(num)d item")
    assert entry is not None and entry.pluralizable
