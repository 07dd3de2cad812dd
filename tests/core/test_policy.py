"""Policy: defaults from policy.toml, overridden globally or per marketplace."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from souk.core.policy import load_policy
from souk.marketplaces.rules import MARKETPLACES


def test_defaults_cover_every_marketplace():
    book = load_policy()
    for code in MARKETPLACES:
        policy = book.for_marketplace(code)
        assert policy.checkout.max_quantity_per_line > 0
        assert {"standard", "expedited", "next_day"} <= set(policy.shipping.speeds)
        assert 0 <= policy.shipping.cutoff_hour_local <= 23
        assert policy.cancellation.seller_reasons


def test_marketplace_override_in_defaults_keeps_unlisted_fields():
    book = load_policy()
    jp = book.for_marketplace("JP").shipping.speeds["expedited"]
    us = book.for_marketplace("US").shipping.speeds["expedited"]
    assert jp.charge_minor != us.charge_minor
    assert jp.channels == us.channels  # not repeated in the override, inherited


def test_override_file_per_marketplace(tmp_path):
    override = tmp_path / "policy.toml"
    override.write_text(
        "[marketplace.DE.checkout]\n"
        "max_quantity_per_line = 5\n"
        "[marketplace.DE.shipping]\n"
        "cutoff_hour_local = 12\n"
    )
    book = load_policy(override)
    assert book.for_marketplace("DE").checkout.max_quantity_per_line == 5
    assert book.for_marketplace("DE").shipping.cutoff_hour_local == 12
    # Everything else in DE, and every other marketplace, keeps the defaults.
    default = load_policy()
    assert book.for_marketplace("DE").checkout.max_lines_per_cart == (
        default.for_marketplace("DE").checkout.max_lines_per_cart
    )
    assert book.for_marketplace("US").checkout.max_quantity_per_line == (
        default.for_marketplace("US").checkout.max_quantity_per_line
    )
    assert book.for_marketplace("FR").shipping.cutoff_hour_local == (
        default.for_marketplace("FR").shipping.cutoff_hour_local
    )


def test_global_override_applies_everywhere_but_marketplace_override_wins(tmp_path):
    override = tmp_path / "policy.toml"
    override.write_text(
        "[checkout]\nmax_quantity_per_line = 7\n"
        "[marketplace.UK.checkout]\nmax_quantity_per_line = 3\n"
        '[cancellation]\nseller_reasons = ["NoInventory"]\n'
    )
    book = load_policy(override)
    assert book.default.checkout.max_quantity_per_line == 7
    assert book.for_marketplace("US").checkout.max_quantity_per_line == 7
    assert book.for_marketplace("UK").checkout.max_quantity_per_line == 3
    assert book.for_marketplace("IT").cancellation.seller_reasons == ["NoInventory"]


def test_override_of_a_delivery_speed_charge(tmp_path):
    override = tmp_path / "policy.toml"
    override.write_text("[marketplace.CA.shipping.speeds.expedited]\ncharge_minor = 899\n")
    book = load_policy(override)
    assert book.for_marketplace("CA").shipping.speeds["expedited"].charge_minor == 899
    assert book.for_marketplace("US").shipping.speeds["expedited"].charge_minor != 899


def test_unknown_keys_are_refused(tmp_path):
    override = tmp_path / "policy.toml"
    override.write_text("[checkout]\nmax_quantity_per_lien = 5\n")
    with pytest.raises(ValidationError):
        load_policy(override)


def test_wrong_types_are_refused(tmp_path):
    override = tmp_path / "policy.toml"
    override.write_text('[marketplace.US.checkout]\nmax_quantity_per_line = "lots"\n')
    with pytest.raises(ValidationError):
        load_policy(override).for_marketplace("US")
