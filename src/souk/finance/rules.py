"""Fees, the double-entry ledger and settlements as pure functions.

Fee tables come from policy (``[fees]`` in ``core/fees.toml``) and are passed in;
nothing here reads a clock or a database. Amounts are :class:`Money`; sizes and
weights are :class:`Decimal` in the marketplace's unit system (inches and pounds,
or centimetres and kilograms).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from souk.core.errors import InvalidInput
from souk.core.money import Money, exponent
from souk.core.policy import FeeSchedule, FeesPolicy, ReferralRate, SizeTier

MERCHANT = "MERCHANT"
PLATFORM = "PLATFORM"
CHANNELS = (MERCHANT, PLATFORM)

IMPERIAL = "imperial"
METRIC = "metric"
# Exact conversions: 1 in = 2.54 cm, 1 lb = 0.45359237 kg, 1 ft = 12 in.
CM_PER_INCH = Decimal("2.54")
KG_PER_LB = Decimal("0.45359237")
CUBIC_INCHES_PER_FOOT = Decimal(1728)
CUBIC_CM_PER_FOOT = (Decimal(12) * CM_PER_INCH) ** 3


@dataclass(frozen=True)
class Dimensions:
    """One unit as packed: three sides and its weight, in one unit system."""

    length: Decimal
    width: Decimal
    height: Decimal
    weight: Decimal
    units: str = IMPERIAL

    def sides(self) -> tuple[Decimal, Decimal, Decimal]:
        """Longest, median and shortest side."""
        a, b, c = sorted((self.length, self.width, self.height), reverse=True)
        return a, b, c

    def convert(self, units: str) -> Dimensions:
        """The same unit measured in ``units``."""
        if units == self.units:
            return self
        if units == METRIC:
            return Dimensions(
                self.length * CM_PER_INCH,
                self.width * CM_PER_INCH,
                self.height * CM_PER_INCH,
                self.weight * KG_PER_LB,
                METRIC,
            )
        return Dimensions(
            self.length / CM_PER_INCH,
            self.width / CM_PER_INCH,
            self.height / CM_PER_INCH,
            self.weight / KG_PER_LB,
            IMPERIAL,
        )

    def cubic_feet(self) -> Decimal:
        volume = self.length * self.width * self.height
        per_foot = CUBIC_INCHES_PER_FOOT if self.units == IMPERIAL else CUBIC_CM_PER_FOOT
        return volume / per_foot


def check_dimensions(dims: Dimensions) -> Dimensions:
    """Refuse sizes a parcel cannot have."""
    for name, value in (
        ("length", dims.length),
        ("width", dims.width),
        ("height", dims.height),
        ("weight", dims.weight),
    ):
        if not value.is_finite() or value <= 0:
            raise InvalidInput(f"The unit's {name} must be more than zero.", field=name)
        if value > 10000:
            raise InvalidInput(f"The unit's {name} is too large.", field=name)
    if dims.units not in (IMPERIAL, METRIC):
        raise InvalidInput("Units are imperial or metric.", field="units")
    return dims


def dimensional_weight(dims: Dimensions, divisor: Decimal) -> Decimal:
    """L x W x H / divisor (139 for inches and pounds, 5000 for cm and kg)."""
    return dims.length * dims.width * dims.height / divisor


def length_and_girth(dims: Dimensions) -> Decimal:
    longest, median, shortest = dims.sides()
    return longest + 2 * (median + shortest)


def size_tier(dims: Dimensions, tiers: Sequence[SizeTier]) -> SizeTier:
    """The smallest tier the unit fits (tiers are listed smallest first)."""
    longest, median, shortest = dims.sides()
    girth = length_and_girth(dims)
    for tier in tiers:
        if (
            longest <= Decimal(str(tier.max_longest))
            and median <= Decimal(str(tier.max_median))
            and shortest <= Decimal(str(tier.max_shortest))
            and dims.weight <= Decimal(str(tier.max_weight))
            and (tier.max_length_girth == 0 or girth <= Decimal(str(tier.max_length_girth)))
        ):
            return tier
    raise InvalidInput(
        "This unit is larger or heavier than the fulfilment network takes.", field="weight"
    )


def shipping_weight(dims: Dimensions, tier: SizeTier, divisor: Decimal) -> Decimal:
    """Unit weight, or the greater of unit and dimensional weight for tiers that use it."""
    if not tier.dimensional:
        return dims.weight
    return max(dims.weight, dimensional_weight(dims, divisor))


def tier_fee(tier: SizeTier, weight: Decimal, currency: str) -> Money:
    """Fulfilment fee per unit for ``weight`` (shipping weight) in ``tier``."""
    for step in tier.steps:
        if weight <= Decimal(str(step.up_to)):
            return Money(currency, step.fee_minor)
    over_from = Decimal(str(tier.over_from))
    if weight <= over_from:
        return Money(currency, tier.over_base_minor)
    steps = ((weight - over_from) / Decimal(str(tier.over_step))).to_integral_value(ROUND_CEILING)
    return Money(currency, tier.over_base_minor + int(steps) * tier.over_step_minor)


@dataclass(frozen=True)
class FulfilmentFee:
    tier: SizeTier
    shipping_weight: Decimal
    dimensional_weight: Decimal
    fee: Money


def fulfilment_fee(
    dims: Dimensions, fees: FeesPolicy, schedule: FeeSchedule, currency: str
) -> FulfilmentFee:
    """Tier, shipping weight and per-unit fee for a unit in the marketplace's units."""
    local = check_dimensions(dims).convert(fees.units)
    divisor = Decimal(str(fees.dimensional_divisor))
    tier = size_tier(local, schedule.size_tiers)
    weight = shipping_weight(local, tier, divisor)
    return FulfilmentFee(
        tier, weight, dimensional_weight(local, divisor), tier_fee(tier, weight, currency)
    )


def schedule_at(fees: FeesPolicy, day: date) -> FeeSchedule:
    """The fee schedule in force on ``day`` (the latest that started on or before it)."""
    started = [s for s in fees.schedules if s.effective_from <= day]
    if not started:
        raise InvalidInput(f"No fee schedule is in force on {day.isoformat()}.", field="at")
    return max(started, key=lambda s: s.effective_from)


def referral_rate(schedule: FeeSchedule, category_slug: str) -> ReferralRate:
    return schedule.referral.get(category_slug, schedule.referral_default)


def referral_fee(rate: ReferralRate, sales_price: Money) -> Money:
    """A percentage of the total sales price with a per-unit minimum."""
    return max(sales_price.percent(rate.percent_bp), Money(sales_price.currency, rate.min_minor))


@dataclass(frozen=True)
class FeeLine:
    name: str
    amount: Money


@dataclass(frozen=True)
class FeeEstimate:
    """What selling one unit at ``price`` plus ``shipping`` costs and leaves the seller."""

    referral: Money
    fulfilment: Money
    closing: Money
    total: Money
    proceeds: Money
    lines: list[FeeLine] = field(default_factory=list)
    channel: str = MERCHANT
    size_tier: str = ""
    shipping_weight: Decimal | None = None


def estimate(
    *,
    price: Money,
    shipping: Money,
    channel: str,
    rate: ReferralRate,
    fulfilment: FulfilmentFee | None,
) -> FeeEstimate:
    """Fees for one unit; ``fulfilment`` is needed for the platform channel only."""
    if channel not in CHANNELS:
        raise InvalidInput("Channel is MERCHANT or PLATFORM.", field="channel")
    if price.minor <= 0:
        raise InvalidInput("The price must be more than zero.", field="price")
    if shipping.minor < 0:
        raise InvalidInput("Shipping cannot be negative.", field="shipping")
    currency = price.currency
    sales = price + shipping
    referral = referral_fee(rate, sales)
    closing = Money(currency, rate.closing_minor)
    ful = Money.zero(currency)
    tier_name = ""
    weight: Decimal | None = None
    if channel == PLATFORM:
        if fulfilment is None:
            raise InvalidInput(
                "Platform fulfilment needs the unit's size and weight.", field="dimensions"
            )
        ful = fulfilment.fee
        tier_name = fulfilment.tier.name
        weight = fulfilment.shipping_weight
    lines = [FeeLine("Referral fee", referral)]
    if closing.minor:
        lines.append(FeeLine("Closing fee", closing))
    if channel == PLATFORM:
        lines.append(FeeLine("Fulfilment fee", ful))
    total = referral + closing + ful
    return FeeEstimate(
        referral=referral,
        fulfilment=ful,
        closing=closing,
        total=total,
        proceeds=sales - total,
        lines=lines,
        channel=channel,
        size_tier=tier_name,
        shipping_weight=weight,
    )


def break_even_price(
    *,
    currency: str,
    unit_cost: Money,
    shipping: Money,
    own_shipping_cost: Money,
    channel: str,
    rate: ReferralRate,
    fulfilment: FulfilmentFee | None,
    ceiling_minor: int = 100_000_000,
) -> Money | None:
    """The lowest price whose proceeds cover the unit's cost (and, for merchant
    fulfilment, what the seller pays to ship it); ``None`` above ``ceiling_minor``."""

    def margin(price_minor: int) -> int:
        fees = estimate(
            price=Money(currency, price_minor),
            shipping=shipping,
            channel=channel,
            rate=rate,
            fulfilment=fulfilment,
        )
        spent = unit_cost + (own_shipping_cost if channel == MERCHANT else Money.zero(currency))
        return (fees.proceeds - spent).minor

    low, high = 1, ceiling_minor
    if margin(high) < 0:
        return None
    while low < high:  # proceeds never fall as the price rises: bisect
        middle = (low + high) // 2
        if margin(middle) >= 0:
            high = middle
        else:
            low = middle + 1
    return Money(currency, low)


def storage_fee(
    cubic_feet: Decimal, month: int, schedule: FeeSchedule, oversize: bool, currency: str
) -> Money:
    """A month's storage for ``cubic_feet`` (peak rate in the schedule's peak months)."""
    peak = month in schedule.peak_months
    if oversize:
        rate = (
            schedule.storage_oversize_peak_per_cubic_foot_minor
            if peak
            else schedule.storage_oversize_per_cubic_foot_minor
        )
    else:
        rate = (
            schedule.storage_peak_per_cubic_foot_minor
            if peak
            else schedule.storage_per_cubic_foot_minor
        )
    amount = (cubic_feet * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return Money(currency, int(amount))


def aged_surcharge(
    cubic_feet: Decimal, age_days: int, schedule: FeeSchedule, currency: str
) -> Money:
    """The monthly aged-inventory surcharge for stock ``age_days`` old (0 below 181 days)."""
    rate = 0
    for band in sorted(schedule.aged_surcharges, key=lambda b: b.from_days):
        if age_days >= band.from_days:
            rate = band.per_cubic_foot_minor
    amount = (cubic_feet * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return Money(currency, int(amount))


def aged_bucket(age_days: int, bounds: Sequence[int]) -> str:
    """The aged-inventory report bucket: "0-90", "91-180", ... "365+"."""
    low = 0
    for bound in bounds:
        if age_days <= bound:
            return f"{low}-{bound}"
        low = bound + 1
    return f"{bounds[-1]}+" if bounds else "0+"


def aged_bucket_names(bounds: Sequence[int]) -> list[str]:
    names, low = [], 0
    for bound in bounds:
        names.append(f"{low}-{bound}")
        low = bound + 1
    names.append(f"{bounds[-1]}+" if bounds else "0+")
    return names


def refund_admin_fee(referral: Money, schedule: FeeSchedule) -> Money:
    """The part of a refunded referral fee the platform keeps."""
    share = referral.percent(schedule.refund_admin_bp)
    return min(share, Money(referral.currency, schedule.refund_admin_max_minor))


# ---------------------------------------------------------------- the ledger

#: Accounts of one seller's book in one marketplace. Debits are positive,
#: credits negative; a transaction's lines sum to zero.
PAYABLE = "payable"  # owed to the seller (a credit balance)
RESERVE = "reserve"  # held back from the seller for returns
PENDING = "pending"  # paid by buyers, not yet shipped
CLEARING = "clearing"  # buyers' money at the payment provider
PAYOUTS = "payouts"  # sent to the seller's bank
CARD = "card_charges"  # debit balances charged to the seller's card
REIMBURSEMENTS = "reimbursements"  # the platform's cost of lost or damaged stock
FEE_PREFIX = "fees:"
ACCOUNTS = (PAYABLE, RESERVE, PENDING, CLEARING, PAYOUTS, CARD, REIMBURSEMENTS)


@dataclass(frozen=True)
class Posting:
    account: str
    amount: Money  # positive debit, negative credit


def check_balanced(postings: Sequence[Posting]) -> None:
    """Every transaction's debits equal its credits, in one currency."""
    if len(postings) < 2:
        raise InvalidInput("A ledger transaction needs at least two lines.")
    currency = postings[0].amount.currency
    total = Money.zero(currency)
    for posting in postings:
        total = total + posting.amount
        if not (posting.account in ACCOUNTS or posting.account.startswith(FEE_PREFIX)):
            raise InvalidInput(f"Unknown ledger account {posting.account!r}.")
    if total.minor != 0:
        raise InvalidInput(f"Ledger transaction does not balance: {total}.")


def transfer(debit: str, credit: str, amount: Money) -> list[Posting]:
    """Move ``amount`` from ``credit`` to ``debit`` (a negative amount reverses)."""
    return [Posting(debit, amount), Posting(credit, -amount)]


def fee_account(name: str) -> str:
    return FEE_PREFIX + name


def order_placed_postings(total: Money) -> list[Posting]:
    """The buyer paid: the money is pending until the order ships."""
    return transfer(CLEARING, PENDING, total)


def order_canceled_postings(total: Money) -> list[Posting]:
    """Canceled before shipping: the buyer gets the money back."""
    return transfer(PENDING, CLEARING, total)


def order_shipped_postings(total: Money, fees: Iterable[tuple[str, Money]]) -> list[Posting]:
    """Shipped: the sale becomes the seller's, less the fees it earns the platform."""
    postings = transfer(PENDING, PAYABLE, total)
    for name, amount in fees:
        if amount.minor:
            postings += transfer(PAYABLE, fee_account(name), amount)
    return postings


def refund_postings(amount: Money, referral_back: Money) -> list[Posting]:
    """A refund after shipping comes out of the seller's balance; most of the
    referral fee goes back to the seller."""
    postings = transfer(PAYABLE, CLEARING, amount)
    if referral_back.minor:
        postings += transfer(fee_account("referral"), PAYABLE, referral_back)
    return postings


def platform_pays(channel: str, reason: str, platform_funded_reasons: Iterable[str]) -> bool:
    """Whether souk, not the seller, bears an A-to-z claim or chargeback: only on
    orders it fulfilled, and only for the reasons the policy puts on the platform."""
    return channel == PLATFORM and reason in set(platform_funded_reasons)


def balance(postings: Iterable[tuple[str, int]], account: str) -> int:
    """Sum of an account's lines in minor units (debits positive)."""
    return sum(amount for name, amount in postings if name == account)


# --------------------------------------------------------------- settlements


def settlement_period(anchor: date, days: int, day: date) -> tuple[date, date]:
    """The settlement period [start, end) containing ``day``."""
    if days < 1:
        raise InvalidInput("Settlement periods are at least a day long.")
    index = math.floor((day - anchor).days / days)
    start = anchor + timedelta(days=index * days)
    return start, start + timedelta(days=days)


def reserve_target(recent_sales: Money, reserve_bp: int) -> Money:
    """What to hold back from sales shipped within the reserve window."""
    return (
        recent_sales.percent(reserve_bp)
        if recent_sales.minor > 0
        else Money.zero(recent_sales.currency)
    )


@dataclass(frozen=True)
class SettlementDecision:
    reserve_change: Money  # moved from payable into the reserve (negative releases)
    payout: Money  # sent to the bank (zero when nothing is due)
    carried: Money  # the available balance left after payout (negative: owed by the seller)


def settle(
    available: Money, reserve_held: Money, reserve_wanted: Money, min_payout: Money
) -> SettlementDecision:
    """Adjust the reserve, then pay out what is left when it reaches the minimum.

    ``available`` is the payable balance before the reserve adjustment; a
    negative result is carried to the next period.
    """
    zero = Money.zero(available.currency)
    change = reserve_wanted - reserve_held
    if change.minor > 0:
        change = min(change, max(available, zero))  # never reserve more than is there
    after = available - change
    payout = after if after.minor > 0 and after >= min_payout else zero
    return SettlementDecision(change, payout, after - payout)


# ------------------------------------------------------------------ currency


@dataclass(frozen=True)
class Conversion:
    source: Money
    rate: Decimal  # target units per source unit
    fee: Money  # in the source currency
    converted: Money  # in the target currency, after the fee


def convert(amount: Money, target_currency: str, rate: Decimal, fee_bp: int) -> Conversion:
    """``amount`` in ``target_currency`` at ``rate`` less a conversion fee."""
    if amount.currency == target_currency:
        return Conversion(amount, Decimal(1), Money.zero(amount.currency), amount)
    if rate <= 0:
        raise InvalidInput("An exchange rate must be more than zero.", field="rate")
    fee = amount.percent(fee_bp)
    net = amount - fee
    value = net.decimal * rate
    converted = Money.parse(
        value.quantize(Decimal(1).scaleb(-exponent(target_currency)), rounding=ROUND_HALF_EVEN),
        target_currency,
    )
    return Conversion(amount, rate, fee, converted)


def charge_owed_now(negative_settlements_before: int, carry_periods: int) -> bool:
    """Whether a seller who owes souk at this settlement is charged on the card on
    file: the debt is first carried over ``carry_periods`` settlements in a row."""
    return negative_settlements_before >= carry_periods
