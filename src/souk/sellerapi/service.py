"""Seller-API use cases: applications, tokens, reports, feeds, listings and
notifications. The web layer (``souk.web.spapi``) turns them into the
SP-API's paths and envelopes."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from souk.catalog.models import Product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, NotFound, SoukError
from souk.core.events import DomainEvent, emit, on
from souk.core.money import Money, exponent
from souk.core.policy import SellerApiPolicy, default_policy
from souk.jobs.registry import job
from souk.marketplaces.rules import BY_MARKETPLACE_ID, MARKETPLACES
from souk.messaging import rules as messaging_rules
from souk.messaging.service import is_opted_out, messaging_policy
from souk.offers.models import Offer
from souk.offers.rules import OfferTerms, check_sku
from souk.offers.service import put_offer, seller_offer, set_active
from souk.orders.models import Order
from souk.sellerapi import rules
from souk.sellerapi.models import (
    SellerApiAccessToken,
    SellerApiApplication,
    SellerApiDestination,
    SellerApiDocument,
    SellerApiFeed,
    SellerApiRefreshToken,
    SellerApiReport,
    SellerApiSubscription,
)
from souk.sellers.models import Seller

log = logging.getLogger(__name__)

GRANTLESS_SCOPES = ("sellingpartnerapi::notifications",)


def seller_api_policy() -> SellerApiPolicy:
    """Token lifetimes and limits: the same in every marketplace (tokens are not per site)."""
    return default_policy().default.seller_api


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthError(Exception):
    """An answer of the token endpoint: ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


# --- applications and tokens ---------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """Everything an SP-API client needs; the secrets appear only here, once."""

    client_id: str
    client_secret: str
    refresh_token: str
    selling_partner_id: str
    notification_signing_key: str


def create_application(
    session: Session, clock: Clock, *, seller_id: str, name: str
) -> tuple[SellerApiApplication, str]:
    """Register an application for a seller; returns it and its client secret."""
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput("Name the application (1 to 120 characters).", field="name")
    if session.get(Seller, seller_id) is None:
        raise NotFound(f"No seller {seller_id}.", field="seller_id")
    secret = "souk-cs." + secrets.token_hex(32)
    application = SellerApiApplication(
        seller_id=seller_id,
        name=name,
        client_id="souk.app-client." + secrets.token_hex(16),
        client_secret_hash=_digest(secret),
        signing_key=secrets.token_hex(24),
        created_at=clock.now(),
    )
    session.add(application)
    session.flush()
    return application, secret


def own_application(session: Session, seller_id: str, application_id: int) -> SellerApiApplication:
    application = session.get(SellerApiApplication, application_id)
    if application is None or application.seller_id != seller_id:
        raise NotFound("No such application.")
    return application


def authorise(session: Session, clock: Clock, application: SellerApiApplication) -> str:
    """The seller authorises its application: a new refresh token."""
    if application.revoked_at is not None:
        raise InvalidInput("This application is revoked; create a new one.")
    token = "Soukr|" + secrets.token_urlsafe(48)
    session.add(
        SellerApiRefreshToken(
            application_id=application.id, token_hash=_digest(token), created_at=clock.now()
        )
    )
    session.flush()
    return token


def issue_credentials(session: Session, clock: Clock, *, seller_id: str, name: str) -> Credentials:
    """Create an application and authorise it in one step (Seller Central, command line)."""
    application, secret = create_application(session, clock, seller_id=seller_id, name=name)
    refresh = authorise(session, clock, application)
    session.commit()
    return Credentials(application.client_id, secret, refresh, seller_id, application.signing_key)


def revoke_application(
    session: Session, clock: Clock, *, seller_id: str, application_id: int
) -> None:
    """Revoke an application: its refresh and access tokens stop working at once."""
    application = own_application(session, seller_id, application_id)
    now = clock.now()
    if application.revoked_at is None:
        application.revoked_at = now
    session.execute(
        update(SellerApiRefreshToken)
        .where(
            SellerApiRefreshToken.application_id == application.id,
            SellerApiRefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    session.execute(
        update(SellerApiAccessToken)
        .where(SellerApiAccessToken.application_id == application.id)
        .values(expires_at=now)
    )
    session.commit()


def seller_applications(session: Session, seller_id: str) -> list[SellerApiApplication]:
    return list(
        session.scalars(
            select(SellerApiApplication)
            .where(SellerApiApplication.seller_id == seller_id)
            .order_by(SellerApiApplication.created_at.desc(), SellerApiApplication.id.desc())
        )
    )


def _client(session: Session, client_id: str, client_secret: str) -> SellerApiApplication:
    application = session.scalar(
        select(SellerApiApplication).where(SellerApiApplication.client_id == client_id)
    )
    if application is None or not secrets.compare_digest(
        application.client_secret_hash, _digest(client_secret)
    ):
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    if application.revoked_at is not None:
        raise OAuthError("invalid_client", "This application has been revoked.", 401)
    return application


def _new_access_token(
    session: Session,
    clock: Clock,
    application: SellerApiApplication,
    refresh_id: int | None,
    scope: str,
) -> dict[str, Any]:
    token = "Souka|" + secrets.token_urlsafe(48)
    now = clock.now()
    lifetime = seller_api_policy().access_token_seconds
    session.add(
        SellerApiAccessToken(
            token_hash=_digest(token),
            application_id=application.id,
            refresh_token_id=refresh_id,
            scope=scope,
            created_at=now,
            expires_at=now + timedelta(seconds=lifetime),
        )
    )
    # Expired tokens are of no use to anyone: drop this application's old ones.
    session.execute(
        SellerApiAccessToken.__table__.delete().where(
            SellerApiAccessToken.application_id == application.id,
            SellerApiAccessToken.expires_at < now - timedelta(days=1),
        )
    )
    session.commit()
    answer: dict[str, Any] = {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": lifetime,
    }
    if scope:
        answer["scope"] = scope
    return answer


def exchange_token(session: Session, clock: Clock, form: dict[str, str]) -> dict[str, Any]:
    """``POST /auth/o2/token``: a refresh token (or client credentials) for an access token."""
    grant = form.get("grant_type", "")
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id or not client_secret:
        raise OAuthError("invalid_request", "client_id and client_secret are required.")
    if grant == "refresh_token":
        raw = form.get("refresh_token", "")
        if not raw:
            raise OAuthError("invalid_request", "refresh_token is required.")
        application = _client(session, client_id, client_secret)
        refresh = session.scalar(
            select(SellerApiRefreshToken).where(SellerApiRefreshToken.token_hash == _digest(raw))
        )
        if (
            refresh is None
            or refresh.application_id != application.id
            or refresh.revoked_at is not None
        ):
            raise OAuthError("invalid_grant", "The refresh token is invalid or revoked.")
        return _new_access_token(session, clock, application, refresh.id, "")
    if grant == "client_credentials":
        scope = form.get("scope", "")
        if scope not in GRANTLESS_SCOPES:
            raise OAuthError(
                "invalid_scope", f"Scope must be one of {', '.join(GRANTLESS_SCOPES)}."
            )
        application = _client(session, client_id, client_secret)
        return _new_access_token(session, clock, application, None, scope)
    raise OAuthError(
        "unsupported_grant_type", "grant_type must be refresh_token or client_credentials."
    )


@dataclass(frozen=True)
class Caller:
    """Who an API call comes from: an application, for a seller unless grantless."""

    application_id: int
    client_id: str
    seller_id: str | None
    scope: str
    signing_key: str


def authenticate(session: Session, now: datetime, access_token: str | None) -> Caller:
    """The caller of ``x-amz-access-token``; expired or revoked tokens are refused."""
    if not access_token:
        raise rules.ApiRefusal(
            "Unauthorized", "Access to requested resource is denied: send x-amz-access-token.", 403
        )
    row = session.execute(
        select(SellerApiAccessToken, SellerApiApplication, SellerApiRefreshToken.revoked_at)
        .join(SellerApiApplication, SellerApiApplication.id == SellerApiAccessToken.application_id)
        .outerjoin(
            SellerApiRefreshToken, SellerApiRefreshToken.id == SellerApiAccessToken.refresh_token_id
        )
        .where(SellerApiAccessToken.token_hash == _digest(access_token))
    ).first()
    if row is None:
        raise rules.ApiRefusal(
            "Unauthorized", "Access to requested resource is denied: unknown access token.", 403
        )
    token, application, refresh_revoked = row
    if application.revoked_at is not None or refresh_revoked is not None:
        raise rules.ApiRefusal(
            "Unauthorized",
            "Access to requested resource is denied: the application is revoked.",
            403,
        )
    if token.expires_at <= now:
        raise rules.ApiRefusal("Unauthorized", "The access token you provided has expired.", 403)
    seller_id = None if token.scope else application.seller_id
    return Caller(
        application.id, application.client_id, seller_id, token.scope, application.signing_key
    )


# --- marketplaces ------------------------------------------------------------------------


def marketplace_code(marketplace_ids: list[str] | str | None) -> str:
    """The souk marketplace of the first known id a request names (US when none)."""
    if isinstance(marketplace_ids, str):
        marketplace_ids = [p for p in marketplace_ids.split(",") if p]
    for marketplace_id in marketplace_ids or []:
        if marketplace_id in BY_MARKETPLACE_ID:
            return BY_MARKETPLACE_ID[marketplace_id].code
    if marketplace_ids:
        raise rules.ApiRefusal(
            "InvalidInput", f"Unknown marketplace id {marketplace_ids[0]!r}.", 400
        )
    return "US"


# --- orders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderQuery:
    created_after: datetime | None
    created_before: datetime | None
    updated_after: datetime | None
    updated_before: datetime | None
    statuses: tuple[str, ...]
    channels: tuple[str, ...]  # souk's: MERCHANT | PLATFORM
    marketplaces: tuple[str, ...]
    order_ids: tuple[str, ...]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def query_state(query: OrderQuery) -> dict[str, Any]:
    return {
        "ca": _iso(query.created_after),
        "cb": _iso(query.created_before),
        "ua": _iso(query.updated_after),
        "ub": _iso(query.updated_before),
        "st": list(query.statuses),
        "ch": list(query.channels),
        "mk": list(query.marketplaces),
        "id": list(query.order_ids),
    }


def query_from_state(state: dict[str, Any]) -> OrderQuery:
    try:
        return OrderQuery(
            _parse(state.get("ca")),
            _parse(state.get("cb")),
            _parse(state.get("ua")),
            _parse(state.get("ub")),
            tuple(state.get("st") or ()),
            tuple(state.get("ch") or ()),
            tuple(state.get("mk") or ()),
            tuple(state.get("id") or ()),
        )
    except (TypeError, ValueError):
        raise rules.ApiRefusal("InvalidInput", "NextToken is not valid.") from None


def seller_orders_page(
    session: Session, seller_id: str, query: OrderQuery, limit: int, after: tuple[str, str] | None
) -> tuple[list[Order], tuple[str, str] | None]:
    """One page of the seller's orders in creation (or update) order, keyset-paged:
    the page costs the same however deep into a long history it is."""
    by_update = query.updated_after is not None and query.created_after is None
    column = Order.updated_at if by_update else Order.purchased_at
    statement = select(Order).where(Order.seller_id == seller_id)
    if query.created_after:
        statement = statement.where(Order.purchased_at >= query.created_after)
    if query.created_before:
        statement = statement.where(Order.purchased_at < query.created_before)
    if query.updated_after:
        statement = statement.where(Order.updated_at >= query.updated_after)
    if query.updated_before:
        statement = statement.where(Order.updated_at < query.updated_before)
    if query.statuses:
        statement = statement.where(Order.status.in_(query.statuses))
    if query.channels:
        statement = statement.where(Order.fulfillment_channel.in_(query.channels))
    if query.marketplaces:
        statement = statement.where(Order.marketplace.in_(query.marketplaces))
    if query.order_ids:
        statement = statement.where(Order.id.in_(query.order_ids))
    if after is not None:
        at = datetime.fromisoformat(after[0])
        # The plain range lets the (seller, time) index start at the cursor; the OR only
        # breaks ties between orders of the same instant.
        statement = statement.where(column >= at, (column > at) | (Order.id > after[1]))
    rows = list(
        session.scalars(
            statement.order_by(column, Order.id).limit(limit + 1).options(selectinload(Order.items))
        )
    )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, ((last.updated_at if by_update else last.purchased_at).isoformat(), last.id)


def seller_order(session: Session, seller_id: str, order_id: str) -> Order:
    """The seller's own order; another seller's is not found (never forbidden)."""
    order = session.scalar(
        select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    )
    if order is None or order.seller_id != seller_id:
        raise NotFound(f"No order {order_id}.", field="orderId")
    return order


def message_purposes(
    session: Session, now: datetime, seller_id: str, order_id: str, purposes: list[str]
) -> list[str]:
    """Which of these message purposes souk's messaging rules let the seller send
    unprompted about the order now (window after purchase, buyer opt-out)."""
    order = seller_order(session, seller_id, order_id)
    if order.status == "Canceled":
        return []
    policy = messaging_policy(order.marketplace)
    opted_out = is_opted_out(session, order.buyer_id)
    return [
        purpose
        for purpose in purposes
        if messaging_rules.seller_contact_refusal(
            messaging_rules.SellerContact(
                is_reply=False,
                order_purchased_at=order.purchased_at,
                purpose=purpose,
                buyer_opted_out=opted_out,
            ),
            now=now,
            window_days=policy.seller_contact_days,
            order_required_purposes=policy.order_required_purposes,
        )
        is None
    ]


# --- listings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingResult:
    sku: str
    status: str  # ACCEPTED | INVALID
    submission_id: str
    issues: tuple[rules.ListingIssue, ...]
    asin: str | None


def offer_attributes(offer: Offer) -> dict[str, Any]:
    """An offer as JSON listing attributes (what getListingsItem shows and patches start from)."""
    market = MARKETPLACES[offer.marketplace]
    condition = next(
        (k for k, v in rules.CONDITION_TYPES.items() if v == offer.condition and "_" in k),
        "new_new",
    )
    return {
        "merchant_suggested_asin": [{"value": offer.asin, "marketplace_id": market.marketplace_id}],
        "condition_type": [{"value": condition, "marketplace_id": market.marketplace_id}],
        "purchasable_offer": [
            {
                "marketplace_id": market.marketplace_id,
                "currency": offer.currency,
                "our_price": [
                    {
                        "schedule": [
                            {
                                "value_with_tax": rules.amount_number(
                                    offer.price_minor, exponent(offer.currency)
                                )
                            }
                        ]
                    }
                ],
            }
        ],
        "fulfillment_availability": [
            {
                "fulfillment_channel_code": "DEFAULT"
                if offer.fulfillment_channel == "MERCHANT"
                else "PLATFORM",
                "quantity": offer.quantity,
                "lead_time_to_ship_max_days": offer.handling_days,
            }
        ],
    }


def put_listing(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    marketplace: str,
    sku: str,
    attributes: dict[str, Any],
    partial: bool = False,
) -> ListingResult:
    """Create or replace the seller's offer for ``sku`` from JSON listing attributes.

    Invalid submissions change nothing and come back with issues; souk lists
    offers on existing products only (``merchant_suggested_asin``)."""
    market = MARKETPLACES[marketplace]
    submission = uuid.uuid4().hex
    terms = rules.listing_terms(attributes, exponent(market.currency))
    issues = list(terms.issues)
    existing = session.scalar(
        select(Offer).where(
            Offer.seller_id == seller_id, Offer.marketplace == marketplace, Offer.sku == sku
        )
    )
    if existing is None or not partial:
        needed = {
            "merchant_suggested_asin": terms.asin if existing is None else existing.asin,
            "purchasable_offer": terms.price_minor,
        }
        for attribute, value in needed.items():
            if value is None and not any(i.attribute == attribute for i in issues):
                issues.append(
                    rules.ListingIssue("MISSING_ATTRIBUTE", f"{attribute} is required.", attribute)
                )
    asin = terms.asin or (existing.asin if existing else None)
    if asin and not issues and session.get(Product, asin) is None:
        issues.append(
            rules.ListingIssue(
                "INVALID_ASIN", f"No product {asin} in the catalog.", "merchant_suggested_asin"
            )
        )
    if issues:
        return ListingResult(sku, "INVALID", submission, tuple(issues), asin)
    assert asin is not None
    currency = market.currency
    base = existing
    try:
        put_offer(
            session,
            clock,
            seller_id=seller_id,
            asin=asin,
            marketplace=marketplace,
            terms=OfferTerms(
                sku=sku,
                condition=terms.condition or (base.condition if base else "new"),
                price=Money(
                    currency,
                    terms.price_minor
                    if terms.price_minor is not None
                    else (base.price_minor if base else 0),
                ),
                shipping=Money(currency, base.shipping_minor if base else 0),
                quantity=terms.quantity
                if terms.quantity is not None
                else (base.quantity if base else 0),
                handling_days=terms.handling_days
                if terms.handling_days is not None
                else (base.handling_days if base else 2),
                fulfillment_channel=terms.channel
                or (base.fulfillment_channel if base else "MERCHANT"),
            ),
        )
    except SoukError as error:
        session.rollback()
        attribute = {
            "asin": "merchant_suggested_asin",
            "price": "purchasable_offer",
            "quantity": "fulfillment_availability",
            "handling_days": "fulfillment_availability",
            "condition": "condition_type",
        }.get(error.field or "", error.field or "")
        issue = rules.ListingIssue(error.code.upper(), error.message, attribute)
        return ListingResult(sku, "INVALID", submission, (issue,), asin)
    return ListingResult(sku, "ACCEPTED", submission, (), asin)


def patch_listing(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    marketplace: str,
    sku: str,
    patches: list[dict[str, Any]],
) -> ListingResult:
    offer = seller_offer(session, seller_id, marketplace, sku)
    attributes = rules.apply_patches({}, patches)
    touched = {p.get("path", "").split("/")[-1] for p in patches if p.get("op") == "delete"}
    if touched & {"merchant_suggested_asin", "purchasable_offer"}:
        issue = rules.ListingIssue(
            "REQUIRED_ATTRIBUTE", "This attribute cannot be deleted.", sorted(touched)[0]
        )
        return ListingResult(sku, "INVALID", uuid.uuid4().hex, (issue,), offer.asin)
    return put_listing(
        session,
        clock,
        seller_id=seller_id,
        marketplace=marketplace,
        sku=sku,
        attributes=attributes,
        partial=True,
    )


def delete_listing(
    session: Session, clock: Clock, *, seller_id: str, marketplace: str, sku: str
) -> ListingResult:
    """Take the SKU off sale (orders keep pointing at it, so the row stays)."""
    offer = seller_offer(session, seller_id, marketplace, sku)
    set_active(session, clock, offer, False)
    return ListingResult(sku, "ACCEPTED", uuid.uuid4().hex, (), offer.asin)


# --- documents, reports and feeds -----------------------------------------------------------


def _document_id() -> str:
    return "souk.document." + uuid.uuid4().hex


def own_document(session: Session, seller_id: str, document_id: str) -> SellerApiDocument:
    document = session.get(SellerApiDocument, document_id)
    if document is None or document.seller_id != seller_id:
        raise NotFound(f"No document {document_id}.", field="documentId")
    return document


def create_report(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    report_type: str,
    marketplace_ids: list[str],
    data_start: datetime | None,
    data_end: datetime | None,
) -> SellerApiReport:
    if report_type not in rules.REPORT_TYPES:
        raise InvalidInput(
            f"reportType must be one of {', '.join(rules.REPORT_TYPES)}.", field="reportType"
        )
    for marketplace_id in marketplace_ids:
        marketplace_code([marketplace_id])
    if data_start and data_end and data_end < data_start:
        raise InvalidInput("dataEndTime must not be before dataStartTime.", field="dataEndTime")
    report = SellerApiReport(
        seller_id=seller_id,
        report_type=report_type,
        marketplace_ids=list(marketplace_ids) or ["ATVPDKIKX0DER"],
        data_start=data_start,
        data_end=data_end,
        status="IN_QUEUE",
        created_at=clock.now(),
    )
    session.add(report)
    session.commit()
    return report


def own_report(session: Session, seller_id: str, report_id: int) -> SellerApiReport:
    report = session.get(SellerApiReport, report_id)
    if report is None or report.seller_id != seller_id:
        raise NotFound(f"No report {report_id}.", field="reportId")
    return report


def seller_reports(
    session: Session,
    seller_id: str,
    *,
    report_types: tuple[str, ...],
    statuses: tuple[str, ...],
    limit: int,
) -> list[SellerApiReport]:
    statement = select(SellerApiReport).where(SellerApiReport.seller_id == seller_id)
    if report_types:
        statement = statement.where(SellerApiReport.report_type.in_(report_types))
    if statuses:
        statement = statement.where(SellerApiReport.status.in_(statuses))
    return list(
        session.scalars(
            statement.order_by(SellerApiReport.created_at.desc(), SellerApiReport.id.desc()).limit(
                limit
            )
        )
    )


def cancel_report(session: Session, *, seller_id: str, report_id: int) -> None:
    report = own_report(session, seller_id, report_id)
    if report.status != "IN_QUEUE":
        raise rules.ApiRefusal(
            "InvalidInput", f"Only reports IN_QUEUE can be cancelled; this one is {report.status}."
        )
    report.status = "CANCELLED"
    session.commit()


def _listings_report(session: Session, report: SellerApiReport) -> bytes:
    markets = [marketplace_code([m]) for m in report.marketplace_ids]
    rows = session.execute(
        select(Offer, Product.title, Product.description, Product.gtin)
        .join(Product, Product.asin == Offer.asin)
        .where(Offer.seller_id == report.seller_id, Offer.marketplace.in_(markets))
        .order_by(Offer.sku)
    ).all()
    return rules.tsv(
        [
            "item-name",
            "item-description",
            "listing-id",
            "seller-sku",
            "price",
            "quantity",
            "open-date",
            "product-id-type",
            "item-condition",
            "asin1",
            "product-id",
            "fulfillment-channel",
            "handling-time",
            "status",
        ],
        [
            [
                title,
                (description or "")[:500],
                str(offer.id),
                offer.sku,
                rules.amount_string(offer.price_minor, exponent(offer.currency)),
                offer.quantity,
                offer.created_at.isoformat(),
                "1",
                offer.condition,
                offer.asin,
                gtin or offer.asin,
                "DEFAULT" if offer.fulfillment_channel == "MERCHANT" else "PLATFORM",
                offer.handling_days,
                "Active" if offer.is_active and offer.quantity > 0 else "Inactive",
            ]
            for offer, title, description, gtin in rows
        ],
    )


def _orders_report(session: Session, report: SellerApiReport, now: datetime) -> bytes:
    markets = [marketplace_code([m]) for m in report.marketplace_ids]
    end = report.data_end or now
    start = report.data_start or end - timedelta(days=30)
    orders = session.scalars(
        select(Order)
        .where(
            Order.seller_id == report.seller_id,
            Order.marketplace.in_(markets),
            Order.purchased_at >= start,
            Order.purchased_at < end,
        )
        .order_by(Order.purchased_at, Order.id)
        .options(selectinload(Order.items))
    )
    rows = []
    for order in orders:
        digits = exponent(order.currency)
        for item in order.items:
            rows.append(
                [
                    order.id,
                    order.id,
                    order.purchased_at.isoformat(),
                    order.updated_at.isoformat(),
                    order.status,
                    "Merchant" if order.fulfillment_channel == "MERCHANT" else "Platform",
                    MARKETPLACES[order.marketplace].domain,
                    order.delivery_speed,
                    item.title,
                    item.sku,
                    item.asin,
                    order.status,
                    item.quantity,
                    order.currency,
                    rules.amount_string(item.unit_price_minor * item.quantity, digits),
                    rules.amount_string(item.shipping_minor, digits),
                    order.ship_city,
                    order.ship_state,
                    order.ship_postal_code,
                    order.ship_country,
                ]
            )
    return rules.tsv(
        [
            "amazon-order-id",
            "merchant-order-id",
            "purchase-date",
            "last-updated-date",
            "order-status",
            "fulfillment-channel",
            "sales-channel",
            "ship-service-level",
            "product-name",
            "sku",
            "asin",
            "item-status",
            "quantity",
            "currency",
            "item-price",
            "shipping-price",
            "ship-city",
            "ship-state",
            "ship-postal-code",
            "ship-country",
        ],
        rows,
    )


def produce_report(session: Session, clock: Clock, report_id: int) -> str:
    """Run one queued report to its document; returns the status it ended in."""
    report = session.get(SellerApiReport, report_id)
    if report is None or report.status != "IN_QUEUE":
        return report.status if report else "missing"
    report.status = "IN_PROGRESS"
    report.processing_start = clock.now()
    try:
        if report.report_type == "GET_MERCHANT_LISTINGS_ALL_DATA":
            content = _listings_report(session, report)
        else:
            content = _orders_report(session, report, clock.now())
    except Exception:
        log.exception("report %s failed", report.id)
        session.rollback()
        report = session.get(SellerApiReport, report_id)
        assert report is not None
        report.status = "FATAL"
        report.processing_end = clock.now()
        session.commit()
        return "FATAL"
    document = SellerApiDocument(
        id=_document_id(),
        seller_id=report.seller_id,
        kind="report",
        content_type="text/tab-separated-values; charset=UTF-8",
        content=content,
        created_at=clock.now(),
    )
    session.add(document)
    session.flush()
    report.document_id = document.id
    report.status = "DONE"
    report.processing_end = clock.now()
    session.commit()
    return "DONE"


def create_feed_document(
    session: Session, clock: Clock, *, seller_id: str, content_type: str
) -> SellerApiDocument:
    if not content_type or len(content_type) > 120:
        raise InvalidInput("contentType is required.", field="contentType")
    document = SellerApiDocument(
        id=_document_id(),
        seller_id=seller_id,
        kind="feed_input",
        content_type=content_type,
        content=None,
        created_at=clock.now(),
    )
    session.add(document)
    session.commit()
    return document


def upload_feed_content(session: Session, document_id: str, content: bytes) -> None:
    document = session.get(SellerApiDocument, document_id)
    if document is None or document.kind != "feed_input":
        raise NotFound("No such feed document.")
    if document.content is not None:
        raise rules.ApiRefusal("InvalidInput", "This feed document was already uploaded.")
    document.content = content
    session.commit()


def create_feed(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    feed_type: str,
    marketplace_ids: list[str],
    input_document_id: str,
) -> SellerApiFeed:
    if feed_type not in rules.FEED_TYPES:
        raise InvalidInput(
            f"feedType must be one of {', '.join(rules.FEED_TYPES)}.", field="feedType"
        )
    for marketplace_id in marketplace_ids:
        marketplace_code([marketplace_id])
    document = own_document(session, seller_id, input_document_id)
    if document.kind != "feed_input":
        raise InvalidInput(
            "inputFeedDocumentId is not a feed document.", field="inputFeedDocumentId"
        )
    if document.content is None:
        raise InvalidInput(
            "Upload the feed document's content before creating the feed.",
            field="inputFeedDocumentId",
        )
    feed = SellerApiFeed(
        seller_id=seller_id,
        feed_type=feed_type,
        marketplace_ids=list(marketplace_ids) or ["ATVPDKIKX0DER"],
        input_document_id=document.id,
        status="IN_QUEUE",
        created_at=clock.now(),
    )
    session.add(feed)
    session.commit()
    return feed


def own_feed(session: Session, seller_id: str, feed_id: int) -> SellerApiFeed:
    feed = session.get(SellerApiFeed, feed_id)
    if feed is None or feed.seller_id != seller_id:
        raise NotFound(f"No feed {feed_id}.", field="feedId")
    return feed


def seller_feeds(
    session: Session,
    seller_id: str,
    *,
    feed_types: tuple[str, ...],
    statuses: tuple[str, ...],
    limit: int,
) -> list[SellerApiFeed]:
    statement = select(SellerApiFeed).where(SellerApiFeed.seller_id == seller_id)
    if feed_types:
        statement = statement.where(SellerApiFeed.feed_type.in_(feed_types))
    if statuses:
        statement = statement.where(SellerApiFeed.status.in_(statuses))
    return list(
        session.scalars(
            statement.order_by(SellerApiFeed.created_at.desc(), SellerApiFeed.id.desc()).limit(
                limit
            )
        )
    )


def cancel_feed(session: Session, *, seller_id: str, feed_id: int) -> None:
    feed = own_feed(session, seller_id, feed_id)
    if feed.status != "IN_QUEUE":
        raise rules.ApiRefusal(
            "InvalidInput", f"Only feeds IN_QUEUE can be cancelled; this one is {feed.status}."
        )
    feed.status = "CANCELLED"
    session.commit()


def process_feed(sessions: sessionmaker[Session], clock: Clock, feed_id: int) -> str:
    """Apply a queued listings feed message by message (each its own transaction) and
    write its processing report."""
    with sessions() as session:
        feed = session.get(SellerApiFeed, feed_id)
        if feed is None or feed.status != "IN_QUEUE":
            return feed.status if feed else "missing"
        feed.status = "IN_PROGRESS"
        feed.processing_start = clock.now()
        seller_id, marketplace_ids = feed.seller_id, list(feed.marketplace_ids)
        document = session.get(SellerApiDocument, feed.input_document_id)
        raw = document.content if document and document.content else b""
        session.commit()
    results: list[tuple[int, str, tuple[rules.ListingIssue, ...]]] = []
    accepted = 0
    fatal = ""
    try:
        header_seller, messages = rules.parse_listings_feed(raw)
        if header_seller != seller_id:
            raise rules.ApiRefusal("InvalidInput", "The feed header's sellerId is not yours.")
    except rules.ApiRefusal as refusal:
        fatal, messages = refusal.message, []
    market = marketplace_code(marketplace_ids)
    for message in messages:
        with sessions() as session:
            issues: tuple[rules.ListingIssue, ...]
            try:
                check_sku(message.sku)
                if message.operation == "DELETE":
                    result = delete_listing(
                        session, clock, seller_id=seller_id, marketplace=market, sku=message.sku
                    )
                elif message.operation == "PATCH":
                    result = patch_listing(
                        session,
                        clock,
                        seller_id=seller_id,
                        marketplace=market,
                        sku=message.sku,
                        patches=list(message.patches),
                    )
                elif message.operation in ("UPDATE", "PARTIAL_UPDATE"):
                    result = put_listing(
                        session,
                        clock,
                        seller_id=seller_id,
                        marketplace=market,
                        sku=message.sku,
                        attributes=message.attributes,
                        partial=message.operation == "PARTIAL_UPDATE",
                    )
                else:
                    raise rules.ApiRefusal(
                        "InvalidInput", f"Unknown operationType {message.operation}."
                    )
                issues = result.issues
            except (SoukError, rules.ApiRefusal) as error:
                session.rollback()
                issues = (rules.ListingIssue("INVALID", error.message, ""),)
            if not issues:
                accepted += 1
            results.append((message.message_id, message.sku, issues))
    report = rules.processing_report(feed_id, results, accepted)
    report["header"]["sellerId"] = seller_id
    if fatal:
        report["issues"].append(
            {"messageId": 0, "code": "FATAL", "severity": "ERROR", "message": fatal}
        )
    with sessions() as session:
        feed = session.get(SellerApiFeed, feed_id)
        assert feed is not None
        result_document = SellerApiDocument(
            id=_document_id(),
            seller_id=seller_id,
            kind="feed_result",
            content_type="application/json",
            content=json.dumps(report, indent=1).encode(),
            created_at=clock.now(),
        )
        session.add(result_document)
        session.flush()
        feed.result_document_id = result_document.id
        feed.status = "FATAL" if fatal else "DONE"
        feed.processing_end = clock.now()
        session.commit()
        return feed.status


@job("seller_api.process_queue", timedelta(minutes=1), "Run queued seller-API reports and feeds")
def process_queue(sessions: sessionmaker[Session], clock: Clock) -> str:
    """Produce every queued report and feed (requests also start this right after they answer)."""
    with sessions() as session:
        report_ids = list(
            session.scalars(select(SellerApiReport.id).where(SellerApiReport.status == "IN_QUEUE"))
        )
        feed_ids = list(
            session.scalars(select(SellerApiFeed.id).where(SellerApiFeed.status == "IN_QUEUE"))
        )
    for report_id in report_ids:
        with sessions() as session:
            produce_report(session, clock, report_id)
    for feed_id in feed_ids:
        process_feed(sessions, clock, feed_id)
    return f"{len(report_ids)} reports, {len(feed_ids)} feeds"


# --- notifications -----------------------------------------------------------------------


def create_destination(
    session: Session, clock: Clock, *, application_id: int, name: str, url: str
) -> SellerApiDestination:
    if not 1 <= len(name) <= 256:
        raise InvalidInput("name must be 1 to 256 characters.", field="name")
    if not (url.startswith("https://") or url.startswith("http://")) or len(url) > 2000:
        raise InvalidInput("resourceSpecification needs an http(s) URL.", field="url")
    destination = SellerApiDestination(
        id=str(uuid.uuid4()),
        application_id=application_id,
        name=name,
        url=url,
        created_at=clock.now(),
    )
    session.add(destination)
    session.commit()
    return destination


def application_destinations(session: Session, application_id: int) -> list[SellerApiDestination]:
    return list(
        session.scalars(
            select(SellerApiDestination)
            .where(SellerApiDestination.application_id == application_id)
            .order_by(SellerApiDestination.created_at, SellerApiDestination.id)
        )
    )


def own_destination(
    session: Session, application_id: int, destination_id: str
) -> SellerApiDestination:
    destination = session.get(SellerApiDestination, destination_id)
    if destination is None or destination.application_id != application_id:
        raise NotFound(f"No destination {destination_id}.", field="destinationId")
    return destination


def delete_destination(session: Session, *, application_id: int, destination_id: str) -> None:
    destination = own_destination(session, application_id, destination_id)
    session.delete(destination)
    session.commit()


def _check_type(notification_type: str) -> None:
    if notification_type not in rules.NOTIFICATION_TYPES:
        raise InvalidInput(
            f"notificationType must be one of {', '.join(rules.NOTIFICATION_TYPES)}.",
            field="notificationType",
        )


def create_subscription(
    session: Session,
    clock: Clock,
    caller: Caller,
    *,
    notification_type: str,
    destination_id: str,
    payload_version: str,
) -> SellerApiSubscription:
    _check_type(notification_type)
    assert caller.seller_id is not None
    destination = own_destination(session, caller.application_id, destination_id)
    existing = subscription(session, caller, notification_type)
    if existing is not None:
        raise rules.ApiRefusal(
            "Conflict", f"A subscription for {notification_type} already exists.", 409
        )
    created = SellerApiSubscription(
        id=str(uuid.uuid4()),
        seller_id=caller.seller_id,
        application_id=caller.application_id,
        notification_type=notification_type,
        destination_id=destination.id,
        payload_version=payload_version or "1.0",
        created_at=clock.now(),
    )
    session.add(created)
    session.commit()
    return created


def subscription(
    session: Session, caller: Caller, notification_type: str
) -> SellerApiSubscription | None:
    _check_type(notification_type)
    return session.scalar(
        select(SellerApiSubscription).where(
            SellerApiSubscription.seller_id == caller.seller_id,
            SellerApiSubscription.application_id == caller.application_id,
            SellerApiSubscription.notification_type == notification_type,
        )
    )


def subscription_by_id(
    session: Session, caller: Caller, notification_type: str, subscription_id: str
) -> SellerApiSubscription:
    found = subscription(session, caller, notification_type)
    if found is None or found.id != subscription_id:
        raise NotFound(f"No subscription {subscription_id}.", field="subscriptionId")
    return found


def delete_subscription(
    session: Session, caller: Caller, notification_type: str, subscription_id: str
) -> None:
    found = subscription_by_id(session, caller, notification_type, subscription_id)
    session.delete(found)
    session.commit()


def _queue_notifications(
    session: Session,
    notification_type: str,
    seller_ids: list[str],
    payload: dict[str, Any],
    at: datetime,
    event_id: int,
) -> None:
    if not seller_ids:
        return
    rows = session.execute(
        select(SellerApiSubscription, SellerApiDestination.url, SellerApiApplication.signing_key)
        .join(SellerApiDestination, SellerApiDestination.id == SellerApiSubscription.destination_id)
        .join(SellerApiApplication, SellerApiApplication.id == SellerApiSubscription.application_id)
        .where(
            SellerApiSubscription.notification_type == notification_type,
            SellerApiSubscription.seller_id.in_(seller_ids),
            SellerApiApplication.revoked_at.is_(None),
        )
    ).all()
    for sub, _url, _key in rows:
        notification = {
            "NotificationVersion": "1.0",
            "NotificationType": notification_type,
            "PayloadVersion": sub.payload_version,
            "EventTime": at.isoformat().replace("+00:00", "Z"),
            "Payload": payload,
            "NotificationMetadata": {
                "ApplicationId": "",
                "SubscriptionId": sub.id,
                "PublishTime": at.isoformat().replace("+00:00", "Z"),
                "NotificationId": f"{event_id}-{sub.id}",
            },
        }
        emit(
            session,
            "seller_api.notification",
            sub.id,
            {"subscription_id": sub.id, "seller_id": sub.seller_id, "notification": notification},
            at,
        )


@on("order.placed")
@on("order.shipped")
@on("order.canceled")
@on("order.delivered")
def _order_changed(session: Session, event: DomainEvent) -> None:
    if not _anyone_subscribed(session, "ORDER_CHANGE"):
        return
    order_id = str(event.payload.get("order_id") or event.subject)
    order = session.get(Order, order_id)
    if order is None:
        return
    payload = {
        "OrderChangeNotification": {
            "NotificationLevel": "OrderLevel",
            "SellerId": order.seller_id,
            "AmazonOrderId": order.id,
            "OrderChangeType": "OrderStatusChange",
            "Summary": {
                "MarketplaceId": MARKETPLACES[order.marketplace].marketplace_id,
                "OrderStatus": order.status,
                "PurchaseDate": order.purchased_at.isoformat().replace("+00:00", "Z"),
                "FulfillmentType": rules.CHANNEL_CODES.get(order.fulfillment_channel, "MFN"),
                "OrderType": "StandardOrder",
            },
        }
    }
    _queue_notifications(
        session, "ORDER_CHANGE", [order.seller_id], payload, event.occurred_at, event.id
    )


def _anyone_subscribed(session: Session, notification_type: str) -> bool:
    """Most offer changes interest nobody: one indexed look before any work."""
    return (
        session.scalar(
            select(SellerApiSubscription.id)
            .where(SellerApiSubscription.notification_type == notification_type)
            .limit(1)
        )
        is not None
    )


@on("offer.changed")
def _offer_changed(session: Session, event: DomainEvent) -> None:
    asin = str(event.payload.get("asin") or event.subject)
    market = str(event.payload.get("marketplace") or "US")
    if market not in MARKETPLACES or not _anyone_subscribed(session, "ANY_OFFER_CHANGED"):
        return
    sellers = list(
        session.scalars(
            select(Offer.seller_id)
            .where(Offer.asin == asin, Offer.marketplace == market, Offer.is_active)
            .distinct()
        )
    )
    changed_seller = event.payload.get("seller_id")
    if isinstance(changed_seller, str) and changed_seller not in sellers:
        sellers.append(changed_seller)
    payload = {
        "AnyOfferChangedNotification": {
            "SellerId": "",
            "OfferChangeTrigger": {
                "MarketplaceId": MARKETPLACES[market].marketplace_id,
                "ASIN": asin,
                "ItemCondition": "new",
                "TimeOfOfferChange": event.occurred_at.isoformat().replace("+00:00", "Z"),
                "OfferChangeType": "External",
            },
        }
    }
    for seller_id in sellers:
        payload["AnyOfferChangedNotification"]["SellerId"] = seller_id
        _queue_notifications(
            session,
            "ANY_OFFER_CHANGED",
            [seller_id],
            json.loads(json.dumps(payload)),
            event.occurred_at,
            event.id,
        )


class DeliveryFailed(Exception):
    """The destination did not take the notification; the outbox retries with backoff."""


@on("seller_api.notification")
def _deliver_notification(session: Session, event: DomainEvent) -> None:
    row = session.execute(
        select(
            SellerApiDestination.url,
            SellerApiApplication.signing_key,
            SellerApiApplication.revoked_at,
        )
        .join(
            SellerApiSubscription, SellerApiSubscription.destination_id == SellerApiDestination.id
        )
        .join(SellerApiApplication, SellerApiApplication.id == SellerApiSubscription.application_id)
        .where(SellerApiSubscription.id == event.payload.get("subscription_id"))
    ).first()
    if row is None or row.revoked_at is not None:
        return  # unsubscribed or revoked since: nothing to deliver
    body = json.dumps(event.payload["notification"], separators=(",", ":")).encode()
    runtime = session.info.get("runtime")
    stamp = int(runtime.clock.now().timestamp()) if runtime is not None else int(time.time())
    headers = {
        "content-type": "application/json",
        "x-souk-signature": rules.notification_signature(row.signing_key, stamp, body),
        "x-souk-notification-id": str(
            event.payload["notification"]["NotificationMetadata"]["NotificationId"]
        ),
    }
    try:
        answer = httpx.post(
            row.url,
            content=body,
            headers=headers,
            timeout=seller_api_policy().notification_timeout_seconds,
        )
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"{row.url}: {error}") from None
    if not 200 <= answer.status_code < 300:
        raise DeliveryFailed(f"{row.url} answered {answer.status_code}")
