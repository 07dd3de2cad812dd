"""Listing text passes the same contact rules as messages: no way off the platform,
and no false alarms on honest listings."""

from __future__ import annotations

import pytest

from souk.catalog.rules import ProductDraft, check_product_draft, off_platform_contact
from souk.core.errors import InvalidInput
from souk.simulation.demo_catalog import plan_catalog


@pytest.mark.parametrize(
    ("field", "draft"),
    [
        ("title", ProductDraft("Kettle - order at www.kettles-direct.com", "Home/Kitchen")),
        ("bullets", ProductDraft("Kettle", "Home/Kitchen", bullets=("Call 0800 123 4567",))),
        (
            "description",
            ProductDraft(
                "Kettle", "Home/Kitchen", description="Questions? mail sales at kettles dot com"
            ),
        ),
        ("bullets", ProductDraft("Kettle", "Home/Kitchen", bullets=("Follow @kettlehouse",))),
    ],
)
def test_contact_details_in_listings_are_refused_naming_the_field(field, draft):
    with pytest.raises(InvalidInput) as refused:
        check_product_draft(draft)
    assert refused.value.field == field
    assert "through souk only" in refused.value.message


@pytest.mark.parametrize(
    "title",
    [
        "Fahrenheit 451 (1966) [DVD]",
        "Battlefield Earth: A Saga of the Year 3000 (2000) [Blu-ray]",
        "Murder at 1600 (1997) [Blu-ray]",
    ],
)
def test_a_year_in_brackets_is_not_a_phone_number(title):
    assert off_platform_contact(title) == []


@pytest.mark.parametrize("products", [1500, 3000, 4000])
def test_no_false_positives_on_the_demo_catalog(products):
    """Every listing the demo generates (films and products) passes, at several sizes."""
    flagged = []
    for plan in plan_catalog(products, seed=7):
        d = plan.draft
        for text in (d.title, d.description, *d.bullets):
            if off_platform_contact(text):
                flagged.append(text)
    assert flagged == []
