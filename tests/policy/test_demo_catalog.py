"""False positives of the listing red lines on the demo catalog: none allowed.

The demo catalog is what ``make run`` loads (``souk demo load``: 3,000 products
from seed 7, a quarter of them real films); an honest catalog must pass every
listing rule. ``souk policy scan-catalog`` measures the same on a loaded
database, offers included.
"""

from __future__ import annotations

from souk.core.policy import load_policy
from souk.policy import rules
from souk.policy.service import listing_rules
from souk.simulation.demo_catalog import plan_catalog


def test_no_red_line_fires_on_the_demo_catalog() -> None:
    listing = listing_rules(load_policy().default.conduct)
    checked = 0
    found: dict[str, list[str]] = {}
    for plan in plan_catalog(3000, 7):
        draft = plan.draft
        checked += 1
        for violation in rules.listing_violations(
            rules.ListingText(draft.title, tuple(draft.bullets), draft.description), listing
        ):
            found.setdefault(violation.rule, []).append(f"{draft.title}: {violation.message}")
    assert checked == 3000
    assert found == {}, {rule: (len(v), v[:5]) for rule, v in found.items()}
