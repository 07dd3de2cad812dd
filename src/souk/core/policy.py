"""Marketplace policy: every threshold, window and fee souk applies.

Defaults live in ``policy.toml`` beside this file (with the published numbers
of the large marketplaces); an operator's TOML file (``SOUK_POLICY_FILE``)
overrides any of them, globally or for one marketplace under
``[marketplace.<CODE>.<section>]``. Rules receive plain values from here and
never hold literals of their own.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

_DEFAULTS = Path(__file__).with_name("policy.toml")


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


class SellerCentralPolicy(_Section):
    upload_max_rows: int  # rows in one bulk offer upload
    upload_max_bytes: int
    report_max_days: int  # the longest date range a sales report covers
    chart_days: int  # days in the dashboard's sales chart


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
    if override_file is not None:
        raw = _merge(raw, tomllib.loads(Path(override_file).read_text()))
    return PolicyBook(raw)


@lru_cache
def default_policy() -> PolicyBook:
    from souk.core.config import get_settings

    return load_policy(get_settings().policy_file)
