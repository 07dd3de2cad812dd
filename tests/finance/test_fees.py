"""Fee rules against hand-worked examples (US defaults: inches, pounds, cents)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from souk.core.errors import InvalidInput
from souk.core.money import Money
from souk.core.policy import load_policy
from souk.finance import rules

US = load_policy().for_marketplace("US").fees
UK = load_policy().for_marketplace("UK").fees
SCHEDULE = rules.schedule_at(US, date(2026, 3, 1))


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


def fee(l, w, h, lb, fees=US, currency="USD", units=rules.IMPERIAL):  # noqa: E741
    dims = rules.Dimensions(D(str(l)), D(str(w)), D(str(h)), D(str(lb)), units)
    schedule = rules.schedule_at(fees, date(2026, 3, 1))
    return rules.fulfilment_fee(dims, fees, schedule, currency)


@pytest.mark.parametrize(
    ("dims", "tier", "shipping_weight", "amount"),
    [
        # 8 x 5 x 0.5 in, 0.4 lb: small standard, unit weight only -> the 8 oz step.
        ((8, 5, 0.5, 0.4), "small_standard", "0.4", "3.33"),
        # 12 x 9 x 4 in, 1.2 lb: dimensional 432/139 = 3.108 lb > 1.2 -> 6.92 + one 4 oz step.
        ((12, 9, 4, 1.2), "large_standard", "3.108", "7.00"),
        # 10 x 8 x 2 in, 1.8 lb: dimensional 1.151 lb < 1.8 -> the 2 lb step.
        ((10, 8, 2, 1.8), "large_standard", "1.8", "5.77"),
        # 40 x 20 x 15 in, 25 lb: dimensional 86.33 lb -> 9.61 + 86 x 0.38.
        ((40, 20, 15, 25), "large_bulky", "86.33", "42.29"),
        # 70 x 30 x 20 in, 60 lb: longest side over 59 in; dim. 302.16 lb -> 26.33 + 302 x 0.38.
        ((70, 30, 20, 60), "extra_large", "302.16", "141.09"),
    ],
)
def test_fulfilment_fee_for_each_size_tier(dims, tier, shipping_weight, amount):
    result = fee(*dims)
    assert result.tier.name == tier
    assert result.shipping_weight.quantize(D(shipping_weight)) == D(shipping_weight)
    assert result.fee == usd(amount)


def test_dimensional_weight_edges():
    # Exactly 3 lb of dimensional weight (417 in3 / 139) stays in the 3 lb step...
    at_edge = fee("13.9", 10, 3, 1)
    assert rules.dimensional_weight(rules.Dimensions(D("13.9"), D(10), D(3), D(1)), D(139)) == D(3)
    assert at_edge.fee == usd("6.66")
    # ...and a hundredth of an inch more is the next 4 oz step above 3 lb.
    assert fee("13.9", 10, "3.01", 1).fee == usd("7.00")
    # Small standard ignores dimensional weight even when it is larger.
    assert fee(15, 12, "0.75", "0.2").fee == usd("3.15")
    # The largest small-standard unit; 0.01 in taller is large standard.
    assert fee(15, 12, "0.75", 1).tier.name == "small_standard"
    assert fee(15, 12, "0.76", 1).tier.name == "large_standard"
    # Heavier than one pound cannot be small standard.
    assert fee(6, 4, "0.5", "1.01").tier.name == "large_standard"
    # Sides are sorted: the same box on its side is the same tier and fee.
    assert fee(4, 12, 9, "1.2").fee == fee(12, 9, 4, "1.2").fee


def test_metric_marketplace_uses_centimetres_kilograms_and_5000():
    # 30 x 20 x 10 cm, 0.5 kg: dimensional 6000/5000 = 1.2 kg -> the 2 kg step (GBP 3.40).
    result = fee(30, 20, 10, "0.5", fees=UK, currency="GBP", units=rules.METRIC)
    assert result.tier.name == "large_standard"
    assert result.shipping_weight == D("1.2")
    assert result.fee == Money.parse("3.40", "GBP")
    # The same unit measured in inches converts exactly.
    inches = rules.Dimensions(
        D(30) / D("2.54"), D(20) / D("2.54"), D(10) / D("2.54"), D("0.5") / D("0.45359237")
    )
    schedule = rules.schedule_at(UK, date(2026, 3, 1))
    assert rules.fulfilment_fee(inches, UK, schedule, "GBP").fee == Money.parse("3.40", "GBP")


def test_too_big_or_bad_sizes_are_refused():
    with pytest.raises(InvalidInput, match="larger or heavier"):
        fee(120, 30, 30, 40)
    with pytest.raises(InvalidInput, match="weight"):
        fee(10, 8, 2, 0)
    with pytest.raises(InvalidInput, match="length"):
        fee(-1, 8, 2, 1)


def test_referral_fee_percent_and_minimum():
    electronics = rules.referral_rate(SCHEDULE, "electronics")
    assert rules.referral_fee(electronics, usd("19.99")) == usd("1.60")  # 8 % of 19.99
    home = rules.referral_rate(SCHEDULE, "home-kitchen")
    assert rules.referral_fee(home, usd("2.00")) == usd("0.30")  # 15 % = 0.30
    assert rules.referral_fee(home, usd("1.50")) == usd("0.30")  # the minimum
    unknown = rules.referral_rate(SCHEDULE, "no-such-department")
    assert unknown == SCHEDULE.referral_default


def test_estimate_merchant_and_platform_side_by_side():
    rate = rules.referral_rate(SCHEDULE, "books")
    ful = fee(9, 6, 1, "0.9")  # large standard (1 in over 0.75), 1 lb step -> 4.55
    merchant = rules.estimate(
        price=usd("15.00"), shipping=usd("3.99"), channel="MERCHANT", rate=rate, fulfilment=None
    )
    # Referral on item + shipping: 15 % of 18.99 = 2.85; books close at 1.80.
    assert merchant.referral == usd("2.85")
    assert merchant.closing == usd("1.80")
    assert merchant.fulfilment == usd("0")
    assert merchant.total == usd("4.65")
    assert merchant.proceeds == usd("14.34")
    platform = rules.estimate(
        price=usd("15.00"), shipping=usd("0"), channel="PLATFORM", rate=rate, fulfilment=ful
    )
    assert platform.fulfilment == usd("4.55")
    assert platform.total == usd("2.25") + usd("1.80") + usd("4.55")
    assert platform.proceeds == usd("15.00") - platform.total
    assert [line.name for line in platform.lines] == [
        "Referral fee",
        "Closing fee",
        "Fulfilment fee",
    ]
    with pytest.raises(InvalidInput):
        rules.estimate(
            price=usd("15.00"), shipping=usd("0"), channel="PLATFORM", rate=rate, fulfilment=None
        )
    with pytest.raises(InvalidInput):
        rules.estimate(
            price=usd("0"), shipping=usd("0"), channel="MERCHANT", rate=rate, fulfilment=None
        )


def test_break_even_price():
    rate = rules.referral_rate(SCHEDULE, "electronics")
    # p - max(8 % of p, 0.30) >= 5.00 cost + 3.00 own shipping -> p = 8.70 (8.69 leaves 7.99).
    price = rules.break_even_price(
        currency="USD",
        unit_cost=usd("5.00"),
        shipping=usd("0"),
        own_shipping_cost=usd("3.00"),
        channel="MERCHANT",
        rate=rate,
        fulfilment=None,
    )
    assert price == usd("8.70")
    ful = fee(12, 9, 4, "1.2")  # 7.00
    platform = rules.break_even_price(
        currency="USD",
        unit_cost=usd("5.00"),
        shipping=usd("0"),
        own_shipping_cost=usd("3.00"),
        channel="PLATFORM",
        rate=rate,
        fulfilment=ful,
    )
    # p - 8 % of p (rounded to the cent) - 7.00 >= 5.00: at 13.04 the fee is 1.04
    # (1.0432), leaving exactly 5.00; at 13.03 it leaves 4.99.
    assert platform == usd("13.04")


def test_storage_peak_month_and_aged_surcharge():
    cubic = rules.Dimensions(D(12), D(9), D(4), D("1.2")).cubic_feet() * 100  # 25 cu ft
    assert cubic == D(25)
    assert rules.storage_fee(cubic, 1, SCHEDULE, False, "USD") == usd("19.50")  # 0.78
    assert rules.storage_fee(cubic, 11, SCHEDULE, False, "USD") == usd("60.00")  # peak 2.40
    assert rules.storage_fee(cubic, 12, SCHEDULE, True, "USD") == usd("35.00")  # oversize 1.40
    assert rules.aged_surcharge(cubic, 180, SCHEDULE, "USD") == usd("0")
    assert rules.aged_surcharge(cubic, 181, SCHEDULE, "USD") == usd("12.50")
    assert rules.aged_surcharge(cubic, 400, SCHEDULE, "USD") == usd("172.50")


def test_aged_buckets():
    bounds = [90, 180, 270, 365]
    assert rules.aged_bucket_names(bounds) == ["0-90", "91-180", "181-270", "271-365", "365+"]
    assert rules.aged_bucket(0, bounds) == "0-90"
    assert rules.aged_bucket(91, bounds) == "91-180"
    assert rules.aged_bucket(365, bounds) == "271-365"
    assert rules.aged_bucket(366, bounds) == "365+"


def test_schedule_by_effective_date():
    later = SCHEDULE.model_copy(
        update={"effective_from": date(2026, 10, 15), "storage_per_cubic_foot_minor": 87}
    )
    fees = US.model_copy(update={"schedules": [*US.schedules, later]})
    assert rules.schedule_at(fees, date(2026, 10, 14)).storage_per_cubic_foot_minor == 78
    assert rules.schedule_at(fees, date(2026, 10, 15)).storage_per_cubic_foot_minor == 87
    with pytest.raises(InvalidInput):
        rules.schedule_at(fees, date(2020, 1, 1))


def test_currency_conversion_with_fee():
    converted = rules.convert(usd("100.00"), "EUR", D("0.9234"), 150)
    assert converted.fee == usd("1.50")
    assert converted.converted == Money.parse("90.95", "EUR")  # 98.50 x 0.9234 = 90.9549
    same = rules.convert(usd("100.00"), "USD", D(1), 150)
    assert same.converted == usd("100.00") and same.fee == usd("0")
    yen = rules.convert(usd("10.00"), "JPY", D("151.37"), 0)
    assert yen.converted == Money("JPY", 1514)


def test_settlement_periods_and_decision():
    anchor = date(2026, 1, 5)
    assert rules.settlement_period(anchor, 14, date(2026, 1, 5)) == (anchor, date(2026, 1, 19))
    assert rules.settlement_period(anchor, 14, date(2026, 1, 18)) == (anchor, date(2026, 1, 19))
    assert rules.settlement_period(anchor, 14, date(2026, 1, 4)) == (date(2025, 12, 22), anchor)
    d = rules.settle(usd("100"), usd("0"), usd("30"), usd("1"))
    assert (d.reserve_change, d.payout, d.carried) == (usd("30"), usd("70"), usd("0"))
    released = rules.settle(usd("10"), usd("30"), usd("5"), usd("1"))
    assert (released.reserve_change, released.payout) == (usd("-25"), usd("35"))
    negative = rules.settle(usd("-12"), usd("0"), usd("20"), usd("1"))
    assert (negative.reserve_change, negative.payout, negative.carried) == (
        usd("0"),
        usd("0"),
        usd("-12"),
    )
    small = rules.settle(usd("0.50"), usd("0"), usd("0"), usd("1"))
    assert small.payout == usd("0") and small.carried == usd("0.50")


def test_postings_balance():
    fees = [("referral", usd("1.60")), ("fulfilment", usd("3.33"))]
    postings = rules.order_shipped_postings(usd("19.99"), fees)
    rules.check_balanced(postings)
    assert rules.balance(((p.account, p.amount.minor) for p in postings), rules.PAYABLE) == -(
        1999 - 160 - 333
    )
    with pytest.raises(InvalidInput, match="does not balance"):
        rules.check_balanced(
            [rules.Posting(rules.PAYABLE, usd("1")), rules.Posting(rules.CLEARING, usd("-2"))]
        )
    with pytest.raises(InvalidInput, match="Unknown ledger account"):
        rules.check_balanced(rules.transfer("cash", rules.PAYABLE, usd("1")))


def test_a_debt_is_carried_over_the_configured_settlements_then_charged():
    from souk.finance.rules import charge_owed_now

    assert not charge_owed_now(0, carry_periods=1)  # first negative settlement: carried
    assert charge_owed_now(1, carry_periods=1)  # still negative at the next one: charged
    assert charge_owed_now(0, carry_periods=0)  # no carry-over configured
    assert not charge_owed_now(2, carry_periods=3)
