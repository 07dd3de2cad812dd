"""Marketplace policy: every threshold, window and fee souk applies.

Defaults live in ``policy.toml`` beside this file (with the published numbers
of the large marketplaces); an operator's TOML file (``SOUK_POLICY_FILE``)
overrides any of them, globally or for one marketplace under
``[marketplace.<CODE>.<section>]``. Rules receive plain values from here and
never hold literals of their own.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

_DEFAULTS = Path(__file__).with_name("policy.toml")
# Fee tables (long, per marketplace) sit in their own file with the same layout.
_FEES = Path(__file__).with_name("fees.toml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeliverySpeed(_Section):
    label: str
    transit_days_min: int
    transit_days_max: int
    charge_minor: int  # per shipment, in the marketplace's minor units
    channels: list[str]  # fulfilment channels that can ship at this speed


class CheckoutPolicy(_Section):
    max_quantity_per_line: int
    max_lines_per_cart: int
    guest_cart_days: int
    #: Product pages say "Only N left" at or below this many units.
    low_stock_line: int


class ShippingPolicy(_Section):
    speeds: dict[str, DeliverySpeed]
    max_handling_days: int
    cutoff_hour_local: int


class CancellationPolicy(_Section):
    seller_reasons: list[str]
    buyer_reasons: list[str]


class SearchPolicy(_Section):
    weight_text: float
    weight_sales: float
    weight_conversion: float
    weight_in_stock: float
    weight_delivery: float
    rerank_depth: int
    fuzzy_min_length: int
    sales_window_days: int
    sales_half_life_days: float
    conversion_window_days: int  # search clicks and orders counted for conversion
    conversion_min_clicks: int  # fewer clicks than this say nothing: conversion stays 0
    price_buckets_minor: list[int]
    page_size: int
    fast_delivery_days: int = 4  # the delivery facet's "Get it within N days", handling included


class RankingsPolicy(_Section):
    window_days: int
    half_life_days: float
    top_badge_rank: int  # ranks at or above this show a "Best Seller" badge


class AdsPolicy(_Section):
    reserve_minor: int  # the least a click can cost
    min_bid_minor: int
    max_bid_minor: int
    min_daily_budget_minor: int
    slots: dict[str, int]  # per placement
    prior_ctr: dict[str, float]  # per placement, for ads without history
    prior_weight: int  # impressions' worth of belief in the prior
    ctr_window_days: int
    duplicate_click_minutes: int  # repeated clicks by one visitor in this window are free
    attribution_days: int
    pacing_slack: float  # share of the daily budget allowed ahead of the clock


class ReviewFeeTier(_Section):
    up_to_units: int  # this fee applies to enrolments of at most this many units
    fee_minor: int


class ReviewsPolicy(_Section):
    #: Buyers without a purchase of the product may review after spending this much.
    min_spend_minor: int
    spend_window_days: int
    headline_max: int
    text_min: int
    text_max: int
    max_images: int
    #: Weighted rating: a review's weight halves every half-life, down to a floor.
    half_life_days: float
    recency_floor: float
    unverified_weight: float  # relative to a verified purchase's 1.0
    helpful_weight: float  # times log(1 + helpful votes)
    #: Bursts: this many reviews of one product from accounts younger than
    #: new_account_days within burst_hours are held for moderation.
    new_account_days: int
    burst_hours: int
    burst_reviews: int
    report_reasons: list[str]
    reports_to_hold: int  # open abuse reports that take a review off the page
    request_min_days: int  # review requests: days after delivery
    request_max_days: int
    programme_max_units: int
    programme_fee_tiers: list[ReviewFeeTier]
    reviewer_min_reviews: int  # invited reviewers: published reviews at least
    reviewer_min_helpful: int  # and helpful votes received at least


class MessagingPolicy(_Section):
    reply_hours: int
    reminder_lead_hours: int
    seller_contact_days: int
    order_required_purposes: list[str]
    max_length: int
    attachment_types: list[str]
    attachment_max_bytes: int
    attachments_per_message: int
    typical_reply_min_messages: int
    peak_hours_shown: int
    schedule_max_days: int
    relay_subdomain: str
    smtp_host: str
    smtp_port: int


class RecsPolicy(_Section):
    neighbours: int  # kept per product in the stored model
    min_support: int  # co-occurrences below this are noise
    alpha: float  # (N - E) / E^alpha; 0.5 is Smith & Linden's z-like score
    history_days: int  # buyer histories and views older than this are not fitted
    half_life_days: float  # recency weighting of interactions when fitting and scoring
    raw_event_days: int  # raw events older than this are rolled up into daily counts
    bundle_size: int  # items besides the product in "frequently bought together"
    carousel_size: int
    for_you_size: int
    history_size: int  # products kept in "your browsing history"
    per_family: int  # variants of one product a list may show
    consumable_categories: list[str]  # category path prefixes bought again and again
    repeat_days: float  # a consumable's usual interval between purchases
    trending_days: int
    min_title_term: int  # cold start: shortest title word compared
    category_weight: float
    brand_weight: float
    adult_categories: list[str]  # shown only inside these categories' own pages
    digest_every_days: int  # "Inspired by your browsing" e-mail: at most one per period


class SellerCentralPolicy(_Section):
    upload_max_rows: int  # rows in one bulk offer upload
    upload_max_bytes: int
    report_max_days: int  # the longest date range a sales report covers
    chart_days: int  # days in the dashboard's sales chart


class ReturnsPolicy(_Section):
    window_days: int  # return requests after delivery, inclusive
    category_window_days: dict[str, int]  # category path prefix -> days
    reasons: list[str]
    seller_fault_reasons: list[str]  # outbound shipping is refunded too
    authorize_hours: int  # then souk authorises a request the seller left open
    max_deduction_percent: int  # of a damaged or incomplete item's price
    claim_contact_wait_hours: int
    claim_after_delivery_days: int
    claim_window_days: int
    claim_response_hours: int
    claim_reasons: list[str]
    chargeback_reasons: list[str]
    chargeback_response_days: int  # for the seller's evidence, from when souk recorded it


class FeedbackPolicy(_Section):
    window_days: int  # after delivery, inclusive
    comment_min: int
    comment_max: int
    reply_max: int
    recent_days: int  # the "last 12 months" rating
    removal_reasons: list[str]
    obscene_words: list[str]
    product_words: list[str]
    seller_words: list[str]
    delivery_words: list[str]


class PerformancePolicy(_Section):
    """Seller performance targets and the enforcement ladder (RULES.md defaults)."""

    #: Failure-rate targets: a metric is on target while strictly below its limit.
    order_defect_limit: float
    order_defect_days: int
    cancellation_limit: float
    cancellation_days: int
    late_shipment_limit: float
    late_shipment_days: list[int]
    #: Success-rate targets: on target while strictly above the floor.
    valid_tracking_floor: float
    valid_tracking_days: int
    #: A parcel the carrier has not reported this long after its latest delivery
    #: date has no valid tracking.
    tracking_grace_days: int
    on_time_delivery_floor: float
    on_time_delivery_days: int
    response_floor: float
    return_days: int
    repeat_purchase_days: int
    #: Sellers younger than this get every allowed failure rate times the factor.
    new_seller_days: int
    new_seller_factor: float
    #: Metrics over fewer orders (or messages) than this are shown but do not move health.
    min_denominator: int
    #: A failure rate this many times its limit scores 0.
    critical_multiple: float
    #: Health reads rates as if this many more orders had failed at half the limit.
    prior_orders: int
    healthy_from: int
    at_risk_from: int
    violation_points_days: int
    #: Off-target metrics that lead to a warning, and those that then restrict selling.
    warned_metrics: list[str]
    restricting_metrics: list[str]
    warning_grace_days: int
    warning_valid_days: int
    #: A selling restriction without an approved appeal for this long ends in deactivation.
    deactivate_after_days: int
    chart_days: int
    orders_listed: int


class FeeStep(_Section):
    up_to: float  # shipping weight in the marketplace's weight unit (lb or kg)
    fee_minor: int


class SizeTier(_Section):
    """A platform-fulfilment size tier: the largest unit it takes and its fee by weight."""

    name: str
    label: str
    max_longest: float  # inches or centimetres
    max_median: float
    max_shortest: float
    max_length_girth: float = 0.0  # longest + 2 x (median + shortest); 0 = no limit
    max_weight: float  # unit weight, lb or kg
    dimensional: bool  # shipping weight is the greater of unit and dimensional weight
    oversize: bool = False
    steps: list[FeeStep]
    over_from: float  # above this weight: over_base plus over_step_minor per over_step
    over_base_minor: int
    over_step: float
    over_step_minor: int


class ReferralRate(_Section):
    percent_bp: int  # basis points of the total sales price (item plus shipping)
    min_minor: int
    closing_minor: int = 0  # a per-unit closing fee (media)


class AgedSurcharge(_Section):
    from_days: int
    per_cubic_foot_minor: int


class FeeSchedule(_Section):
    """One marketplace's fee table from a date until the next schedule starts."""

    effective_from: date
    referral: dict[str, ReferralRate]  # by top-level category slug
    referral_default: ReferralRate
    size_tiers: list[SizeTier]
    storage_per_cubic_foot_minor: int
    storage_peak_per_cubic_foot_minor: int
    storage_oversize_per_cubic_foot_minor: int
    storage_oversize_peak_per_cubic_foot_minor: int
    peak_months: list[int]
    aged_surcharges: list[AgedSurcharge]
    removal_per_unit_minor: int
    removal_oversize_per_unit_minor: int
    disposal_per_unit_minor: int
    disposal_oversize_per_unit_minor: int
    returns_processing_per_unit_minor: int
    inbound_placement_per_unit_minor: int  # when the seller sends everything to one centre
    cross_border_per_unit_minor: int
    professional_monthly_minor: int
    individual_per_item_minor: int
    refund_admin_bp: int  # kept from the referral fee refunded with a refund
    refund_admin_max_minor: int
    ads_programme_bp: int = 0


class FeesPolicy(_Section):
    units: str  # "imperial" (inches, pounds) | "metric" (centimetres, kilograms)
    dimensional_divisor: float  # 139 in3/lb; 5000 cm3/kg
    schedules: list[FeeSchedule]
    settlement_days: int
    settlement_anchor: date  # settlement periods count from this day
    reserve_days: int  # sales shipped within this many days are held back at settlement
    reserve_bp: int  # share of those sales held
    min_payout_minor: int
    fx_fee_bp: int  # charged on payouts converted into another currency
    #: A negative balance is carried over this many settlements before it is
    #: charged to the seller's card on file.
    negative_carry_periods: int
    #: On orders the platform fulfilled, A-to-z claims and chargebacks for these
    #: reasons are paid by the platform, not the seller.
    platform_funded_reasons: list[str]


class PrimePolicy(_Section):
    monthly_fee_minor: int
    yearly_fee_minor: int
    trial_days: int
    transit_days: int  # the Prime promise: delivery within this many days of shipping
    free_speeds: list[str]  # delivery speeds members get free on Prime-eligible parcels


class FulfilmentPolicy(_Section):
    prime: PrimePolicy
    carrier: str  # the network's parcel carrier
    default_postal_code: str  # promise for visitors without an address
    merchant_prime_window_days: int
    merchant_prime_min_orders: int
    merchant_prime_on_time_rate: float
    merchant_prime_tracking_rate: float
    aged_buckets: list[int]  # report bucket upper bounds in days
    long_term_days: int  # older stock is offered for removal
    research_days: int  # missing units are researched this long before reimbursement


class IdentityPolicy(_Section):
    #: INFORM Consumers Act: a high-volume seller made this many sales and this
    #: much revenue (minor units of ``revenue_currency``) in any window_months
    #: within the last lookback_months, counted in these marketplaces.
    high_volume_sales: int
    high_volume_revenue_minor: int
    revenue_currency: str
    window_months: int
    lookback_months: int
    counted_marketplaces: list[str]
    #: Days a high-volume seller has to provide what is missing before offers stop.
    notice_days: int
    #: Days a verification holds before the seller certifies again, and the reminder lead.
    recertify_days: int
    reminder_lead_days: int
    #: Annual revenue at or above this shows name, address and contact on the store page.
    disclosure_revenue_minor: int
    #: Identity documents are purged this many days after a decision.
    document_retention_days: int
    document_max_bytes: int
    document_types: list[str]
    report_reasons: list[str]


class CasePolicy(_Section):
    points: int  # taken off account health
    first_step: str  # warning | listing_removal | selling_restriction | deactivation


class ConductPolicy(_Section):
    #: Linked accounts: weight of each shared signal; a pair at or above the
    #: threshold is linked. IP addresses count only when seen within ip_window_hours.
    link_weights: dict[str, float]
    link_threshold: float
    ip_window_hours: int
    name_similarity: float
    #: Listing content.
    title_max_length: int
    title_max_word_repeats: int
    title_max_separators: int
    promotional_phrases: list[str]
    misleading_name_words: list[str]
    #: Upload throttling per seller and hour; refusals beyond abuse_refusals flag abuse.
    listing_changes_per_hour: int
    product_creations_per_hour: int
    abuse_refusals: int
    #: Shipping may be at most this share of the item price, or the floor, whichever is higher.
    max_shipping_share: float
    shipping_floor_minor: int
    media_categories: list[str]
    media_max_handling_days: int
    #: Orders from buyer accounts younger than new_buyer_days: this many within
    #: burst_hours to one seller is a burst.
    new_buyer_days: int
    burst_orders: int
    burst_hours: int
    #: Earlier cases within this many days move the ladder one step per case.
    ladder_days: int
    cases: dict[str, CasePolicy]
    #: IP complaints: valid ones within ip_window_days that deactivate a seller,
    #: and rejected ones that flag a complainant as abusive.
    ip_kinds: list[str]
    ip_window_days: int
    ip_valid_to_deactivate: int
    ip_rejected_to_flag: int


class PromotionsPolicy(_Section):
    recent_lowest_days: int  # "recent lowest price": the lowest over this many days
    coupon_min_bp: int  # a percentage coupon or promotion takes at least this off
    coupon_max_bp: int
    lightning_max_hours: int  # the longest a lightning deal may run
    deals_page_size: int
    waitlist_hold_minutes: int  # a released deal unit is kept this long for the next buyer waiting


class AnalyticsPolicy(_Section):
    forecast_weeks_min: int
    forecast_weeks_max: int
    default_lead_time_days: int  # from ordering stock to its arrival, unless the seller says
    service_level_z: float  # safety stock: z of the wanted in-stock probability
    report_max_days: int


class PricePointPolicy(_Section):
    up_to_minor: int  # prices below this use this tier (the last tier takes the rest)
    step_minor: int
    ending_minor: int  # 99 with step 100: 9.99, 19.99


class GlobalSellingPolicy(_Section):
    #: VAT in basis points, and whether the marketplace shows prices with it included.
    vat_basis_points: int
    prices_include_vat: bool
    #: Converted prices round up to the next local price point.
    price_points: list[PricePointPolicy]
    default_margin_bp: int
    #: An exchange rate older than this many days is too stale to convert with.
    rate_max_age_days: int


class BuyboxPolicy(_Section):
    """The featured offer's scoring model (see souk/buybox/rules.py for each part)."""

    #: Weight of each score component: price_vs_lowest, price_vs_recent, delivery,
    #: platform, seller_metrics, stock.
    weights: dict[str, float]
    #: price_vs_lowest falls from 1 at the lowest eligible landed price to 0 at this
    #: share above it (on a log scale), and below 0 beyond.
    price_span: float
    #: Recent selling price: the median landed price paid per unit in this many days,
    #: known once at least recent_price_min_orders order lines were bought.
    recent_price_days: int
    recent_price_min_orders: int
    recent_price_span: float
    #: No featured offer when the cheapest eligible offer is this share above the
    #: recent selling price, or above the cheapest new offer of any professional seller.
    suppress_above_recent: float
    suppress_above_competitive: float
    #: Delivery speed: handling days plus these transit days per channel, scored 1
    #: at fastest_days or fewer and 0 at slowest_days or more.
    transit_days: dict[str, int]
    fastest_days: int
    slowest_days: int
    #: Stock depth scores 1 from this many units.
    stock_full_units: int
    #: Seller metrics: weights, and the value at which each metric scores 0.
    metric_weights: dict[str, float]
    metric_zero_at: dict[str, float]
    #: The score of a metric with no data (a new seller's).
    unknown_metric_score: float
    #: Sellers whose account health is in these bands cannot be featured.
    excluded_health_bands: list[str]
    #: Offers scoring within this share of the best share the box in proportion to
    #: score, each pick stable for rotation_period_minutes.
    rotation_band: float
    rotation_period_minutes: int
    rotation_seed: int
    #: Seller Central: the window of the featured-offer view share.
    view_share_days: int


class SellerApiPolicy(_Section):
    access_token_seconds: int
    document_url_seconds: int
    notification_timeout_seconds: float
    max_orders_per_page: int


class Policy(_Section):
    search: SearchPolicy
    ads: AdsPolicy
    rankings: RankingsPolicy
    checkout: CheckoutPolicy
    shipping: ShippingPolicy
    cancellation: CancellationPolicy
    seller_central: SellerCentralPolicy
    recs: RecsPolicy
    messaging: MessagingPolicy
    reviews: ReviewsPolicy
    identity: IdentityPolicy
    conduct: ConductPolicy
    performance: PerformancePolicy
    returns: ReturnsPolicy
    feedback: FeedbackPolicy
    fees: FeesPolicy
    fulfilment: FulfilmentPolicy
    promotions: PromotionsPolicy
    analytics: AnalyticsPolicy
    global_selling: GlobalSellingPolicy
    buybox: BuyboxPolicy
    seller_api: SellerApiPolicy


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class PolicyBook:
    """The defaults plus overrides, resolved per marketplace."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._marketplaces: dict[str, Any] = raw.pop("marketplace", {})
        self._global = raw
        self._cache: dict[str, Policy] = {}
        self.default = Policy.model_validate(raw)

    def for_marketplace(self, code: str) -> Policy:
        if code not in self._cache:
            raw = _merge(self._global, self._marketplaces.get(code, {}))
            self._cache[code] = Policy.model_validate(raw)
        return self._cache[code]


def load_policy(override_file: Path | None = None) -> PolicyBook:
    raw = tomllib.loads(_DEFAULTS.read_text())
    raw = _merge(raw, tomllib.loads(_FEES.read_text()))
    if override_file is not None:
        raw = _merge(raw, tomllib.loads(Path(override_file).read_text()))
    return PolicyBook(raw)


@lru_cache
def default_policy() -> PolicyBook:
    from souk.core.config import get_settings

    return load_policy(get_settings().policy_file)
