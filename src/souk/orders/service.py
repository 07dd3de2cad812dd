"""Checkout and order use cases.

Checkout runs in short transactions so that no database lock is held while
the payment provider is called:

1. claim the idempotency key (a ``checkouts`` row); a repeated key replays;
2. authorise the payment;
3. in one transaction: reserve stock with conditional updates, create one
   order per seller at the prices of that moment, empty the bought cart lines;
4. capture the payment and release the orders to the sellers.

A failure after step 2 releases the authorisation, and after step 3 also
cancels the orders and returns their stock, so every payment ends captured
for an order or released.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from souk.accounts.models import Address
from souk.accounts.service import buyer_address
from souk.catalog.models import Product
from souk.core.clock import Clock
from souk.core.db import insert_loaded, update_loaded
from souk.core.errors import InvalidInput, NotFound, OutOfStock, PaymentDeclined, SoukError
from souk.core.events import emit
from souk.core.ids import new_order_id
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.marketplaces.rules import MARKETPLACES, SHIP_TO_COUNTRY
from souk.offers.models import Offer
from souk.offers.service import release_stock, reserve_stock
from souk.orders import rules
from souk.orders.models import Cart, CartLine, Checkout, Order, OrderItem, OrderNote, Payment
from souk.orders.payments import Authorization, Card, PaymentFailed, PaymentProvider, check_card
from souk.promotions.service import CheckoutPrices, claim_promotions, price_checkout
from souk.sellers.models import Seller
from souk.sellers.rules import can_sell


@dataclass(frozen=True)
class CheckoutRequest:
    buyer_id: int
    marketplace: str
    address_id: int
    delivery_speed: str
    card: Card
    idempotency_key: str
    #: (offer id, quantity) pairs; ``None`` buys the cart's lines.
    lines: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True)
class CheckoutResult:
    checkout: Checkout
    orders: list[Order]
    #: True when this answers a repeated request with the same idempotency key.
    replayed: bool


class CheckoutInProgress(SoukError):
    code = "CheckoutInProgress"
    status = 409


def _wanted_lines(
    session: Session, request: CheckoutRequest
) -> tuple[list[tuple[int, int]], list[int]]:
    """(offer id, quantity) to buy and the cart line ids they came from."""
    if request.lines is not None:
        if not request.lines:
            raise InvalidInput("Add at least one item.", field="lines")
        merged: dict[int, int] = {}
        for offer_id, quantity in request.lines:
            merged[offer_id] = merged.get(offer_id, 0) + quantity
        return list(merged.items()), []
    cart = session.scalar(
        select(Cart).where(
            Cart.buyer_id == request.buyer_id, Cart.marketplace == request.marketplace
        )
    )
    lines = [] if cart is None else [line for line in cart.lines if not line.saved_for_later]
    if not lines:
        raise InvalidInput("Your cart is empty.", field="lines")
    return [(line.offer_id, line.quantity) for line in lines], [line.id for line in lines]


# Checkout's own queries, built once (a statement object keeps its cache key).
_CHECKOUT_BY_KEY = select(Checkout).where(
    Checkout.buyer_id == bindparam("buyer"), Checkout.idempotency_key == bindparam("key")
)
# One round trip for what checkout needs of each offer, its seller and its title:
# plain columns, not whole objects (the offers and sellers carry dozens).
_OFFERS_TO_BUY = (
    select(
        Offer.id,
        Offer.seller_id,
        Offer.asin,
        Offer.marketplace,
        Offer.sku,
        Offer.condition,
        Offer.currency,
        Offer.price_minor,
        Offer.shipping_minor,
        Offer.handling_days,
        Offer.fulfillment_channel,
        Offer.is_active,
        Seller.status.label("seller_status"),
        Seller.on_holiday.label("seller_on_holiday"),
        Product.title,
    )
    .join(Seller, Seller.id == Offer.seller_id)
    .join(Product, Product.asin == Offer.asin)
    .where(Offer.id.in_(bindparam("ids", expanding=True)))
)


def _purchasables(
    session: Session, request: CheckoutRequest, wanted: list[tuple[int, int]]
) -> list[rules.Purchasable]:
    policy = default_policy().for_marketplace(request.marketplace)
    ids = [offer_id for offer_id, _ in wanted]
    found = {row.id: row for row in session.execute(_OFFERS_TO_BUY, {"ids": ids})}
    result = []
    for offer_id, quantity in wanted:
        rules.check_quantity(quantity, policy.checkout.max_quantity_per_line)
        if offer_id not in found:
            raise NotFound(f"Offer {offer_id} does not exist.", field="lines")
        offer = found[offer_id]
        if offer.marketplace != request.marketplace:
            raise InvalidInput(
                f"Offer {offer_id} is not sold in {request.marketplace}.", field="lines"
            )
        if not offer.is_active or not can_sell(offer.seller_status, offer.seller_on_holiday):
            raise OutOfStock(
                f"{offer.title[:80]} is no longer available from this seller.", field="lines"
            )
        speed = policy.shipping.speeds[request.delivery_speed]
        if offer.fulfillment_channel not in speed.channels:
            raise InvalidInput(
                f"{speed.label} delivery is not available for {offer.title[:80]}.",
                field="delivery_speed",
            )
        result.append(
            rules.Purchasable(
                offer_id=offer.id,
                seller_id=offer.seller_id,
                asin=offer.asin,
                sku=offer.sku,
                title=offer.title,
                condition=offer.condition,
                unit_price=Money(offer.currency, offer.price_minor),
                unit_shipping=Money(offer.currency, offer.shipping_minor),
                quantity=quantity,
                handling_days=offer.handling_days,
                fulfillment_channel=offer.fulfillment_channel,
            )
        )
    return result


def _replay(session: Session, checkout: Checkout) -> CheckoutResult:
    if checkout.status == "placed":
        orders = list(
            session.scalars(
                select(Order)
                .where(Order.checkout_id == checkout.id)
                .options(selectinload(Order.items))
                .order_by(Order.id)
            )
        )
        return CheckoutResult(checkout, orders, replayed=True)
    if checkout.status == "failed":
        raise PaymentDeclined(checkout.failure or "This checkout failed.")
    raise CheckoutInProgress("This checkout is still being processed; try again shortly.")


def _commit_without_waiting_for_disk(session: Session) -> None:
    """The claim of an idempotency key need not wait for the disk on PostgreSQL:
    the orders transaction that follows commits synchronously, and WAL order
    makes the claim durable with it; if a crash loses the claim, nothing else
    was written and a retry runs the checkout afresh."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def place_order(
    session: Session, clock: Clock, payments: PaymentProvider, request: CheckoutRequest
) -> CheckoutResult:
    """Turn a cart (or explicit lines) into paid orders, one per seller."""
    if request.marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {request.marketplace!r}.", field="marketplace")
    key = request.idempotency_key.strip()
    if not 1 <= len(key) <= 100:
        raise InvalidInput(
            "An idempotency key of 1 to 100 characters is required.", field="idempotency_key"
        )
    existing = session.scalar(_CHECKOUT_BY_KEY, {"buyer": request.buyer_id, "key": key})
    if existing is not None:
        return _replay(session, existing)

    market = MARKETPLACES[request.marketplace]
    policy = default_policy().for_marketplace(market.code)
    if request.delivery_speed not in policy.shipping.speeds:
        raise InvalidInput(
            f"Delivery speed must be one of {', '.join(policy.shipping.speeds)}.",
            field="delivery_speed",
        )
    address = buyer_address(session, request.buyer_id, request.address_id)
    if address.country != SHIP_TO_COUNTRY[market.code]:
        raise InvalidInput(
            f"souk.{market.domain.split('.', 1)[1]} delivers to addresses in "
            f"{SHIP_TO_COUNTRY[market.code]} only.",
            field="address_id",
        )
    wanted, cart_line_ids = _wanted_lines(session, request)
    lines = _purchasables(session, request, wanted)
    # The prices the buyer was shown: deals, clipped coupons, multi-buy promotions.
    prices = price_checkout(session, clock.now(), request.buyer_id, market.code, lines, address)
    lines = prices.lines
    parcels = rules.split_by_seller(lines)
    # The checkout page asks the same function: the promise and speed charge shown
    # (network dates, Prime's free speeds) are the ones stored and charged.
    from souk.fulfillment.delivery import checkout_terms

    terms = checkout_terms(
        session,
        parcels,
        marketplace=market.code,
        speed=request.delivery_speed,
        buyer_id=request.buyer_id,
        postal_code=address.postal_code,
        now=clock.now(),
    )
    totals = []
    for term in terms:
        items = rules.parcel_items_total(term.parcel, market.currency)
        shipping = rules.parcel_shipping_total(term.parcel, market.currency, term.speed_charge)
        totals.append((term.parcel, items, shipping))
    grand_total = sum((i + s for _, i, s in totals), Money.zero(market.currency))
    now = clock.now()
    # A mistyped card is bad input, not a payment attempt: refuse it before the key
    # is claimed, so nothing is recorded and the buyer can retry with the same key.
    check_card(request.card, now)

    # 1. Claim the key. A concurrent duplicate loses the race here and replays.
    checkout = Checkout(
        buyer_id=request.buyer_id,
        idempotency_key=key,
        marketplace=market.code,
        status="started",
        currency=market.currency,
        total_minor=grand_total.minor,
        created_at=now,
    )
    _commit_without_waiting_for_disk(session)
    try:
        insert_loaded(session, [checkout])
    except IntegrityError:
        session.rollback()
        existing = session.scalar(_CHECKOUT_BY_KEY, {"buyer": request.buyer_id, "key": key})
        assert existing is not None
        return _replay(session, existing)
    # Recorded before the provider is called, so a hold made by a process that dies
    # mid-checkout can still be found and released (release_stale_checkouts).
    payment = Payment(
        checkout_id=checkout.id,
        provider=payments.name,
        status="authorizing",
        currency=market.currency,
        amount_minor=grand_total.minor,
        card_last4=request.card.digits[-4:],
        created_at=now,
        updated_at=now,
    )
    insert_loaded(session, [payment])
    session.commit()

    # 2. Authorise.
    try:
        authorization = payments.authorize(grand_total, request.card, now, payment_key(payment.id))
    except SoukError as error:
        checkout.status = "failed"
        checkout.failure = error.message
        payment.status = "declined"
        payment.failure_reason = error.message
        session.commit()
        raise

    # 3. Reserve stock and write the orders, all or nothing.
    try:
        orders = _write_orders(
            session,
            clock,
            request,
            checkout,
            payment,
            authorization,
            totals,
            [term.window for term in terms],
            address,
            cart_line_ids,
            prices,
        )
    except OutOfStock as error:
        session.rollback()
        payments.void(authorization.reference)
        payment.provider_reference = authorization.reference
        payment.card_brand = authorization.brand
        payment.card_last4 = authorization.last4
        payment.status = "released"
        payment.failure_reason = error.message
        checkout.status = "failed"
        checkout.failure = error.message
        session.commit()
        raise

    # 4. Capture; on failure undo the orders.
    _settle(session, clock, payments, checkout, payment, orders)
    return CheckoutResult(checkout, orders, replayed=False)


def payment_key(payment_id: int) -> str:
    """The idempotency key souk gives the payment provider for one payment."""
    return f"souk-payment-{payment_id}"


def _settle(
    session: Session,
    clock: Clock,
    payments: PaymentProvider,
    checkout: Checkout,
    payment: Payment,
    orders: list[Order],
) -> None:
    """Capture an authorised payment and release its orders to the sellers; if the
    capture fails, cancel the orders (their stock returns) and raise."""
    try:
        payments.capture(payment.provider_reference, Money(payment.currency, payment.amount_minor))
    except PaymentFailed as failure:
        message = f"Your payment could not be completed ({failure})."
        for order in orders:
            _cancel(session, clock, order, by="system", reason="PaymentFailed")
        payment.status = "failed"
        payment.failure_reason = message
        checkout.status = "failed"
        checkout.failure = message
        session.commit()
        raise PaymentDeclined(message, field="card_number") from None
    now = clock.now()
    update_loaded(session, payment, status="captured", updated_at=now)
    for order in orders:
        update_loaded(session, order, status=rules.UNSHIPPED, updated_at=now)
        emit(
            session,
            "order.placed",
            order.id,
            {
                "order_id": order.id,
                "seller_id": order.seller_id,
                "buyer_id": order.buyer_id,
                "marketplace": order.marketplace,
                "total_minor": order.total_minor,
                "currency": order.currency,
                "items": [
                    {
                        "asin": i.asin,
                        "offer_id": i.offer_id,
                        "quantity": i.quantity,
                        "unit_price_minor": i.unit_price_minor,
                    }
                    for i in order.items
                ],
            },
            now,
        )
    session.commit()


def _write_orders(
    session: Session,
    clock: Clock,
    request: CheckoutRequest,
    checkout: Checkout,
    payment: Payment,
    authorization: Authorization,
    totals: list[tuple[rules.SellerParcel, Money, Money]],
    windows: list[rules.DeliveryWindow],
    address: Address,
    cart_line_ids: list[int],
    prices: CheckoutPrices,
) -> list[Order]:
    market = MARKETPLACES[request.marketplace]
    now = clock.now()
    orders, items, notes = [], [], []
    for (parcel, items_total, shipping_total), window in zip(totals, windows, strict=True):
        order = Order(
            id=new_order_id(),
            checkout_id=checkout.id,
            buyer_id=request.buyer_id,
            seller_id=parcel.seller_id,
            marketplace=market.code,
            status=rules.PENDING,
            fulfillment_channel=parcel.fulfillment_channel,
            delivery_speed=request.delivery_speed,
            currency=market.currency,
            items_minor=items_total.minor,
            shipping_minor=shipping_total.minor,
            total_minor=(items_total + shipping_total).minor,
            purchased_at=now,
            updated_at=now,
            latest_ship_at=window.latest_ship_at,
            earliest_delivery_at=window.earliest_delivery_at,
            latest_delivery_at=window.latest_delivery_at,
            ship_name=address.full_name,
            ship_line1=address.line1,
            ship_line2=address.line2,
            ship_city=address.city,
            ship_state=address.state,
            ship_postal_code=address.postal_code,
            ship_country=address.country,
            ship_phone=address.phone,
        )
        order.items = [
            OrderItem(
                order_id=order.id,
                offer_id=line.offer_id,
                asin=line.asin,
                sku=line.sku,
                title=line.title,
                condition=line.condition,
                quantity=line.quantity,
                unit_price_minor=line.unit_price.minor,
                shipping_minor=(line.unit_shipping * line.quantity).minor,
            )
            for line in parcel.lines
        ]
        items.extend(order.items)
        notes.append(OrderNote(order_id=order.id, at=now, kind="placed", text="Order placed"))
        orders.append(order)
    # Orders, items and notes only ever start here: a statement per table, not a flush.
    insert_loaded(session, [*orders, *items, *notes])
    update_loaded(session, checkout, status="placed")
    update_loaded(
        session,
        payment,
        provider_reference=authorization.reference,
        status="authorized",
        card_brand=authorization.brand,
        card_last4=authorization.last4,
    )
    if cart_line_ids:
        session.execute(delete(CartLine).where(CartLine.id.in_(cart_line_ids)))
    # Stock last, just before commit, so each offer's row lock is held for as short
    # a time as possible; in offer order, so two carts never wait on each other.
    lines = sorted(
        (line for parcel, _, _ in totals for line in parcel.lines), key=lambda line: line.offer_id
    )
    try:
        for line in lines:
            if not reserve_stock(session, line.offer_id, line.quantity):
                raise OutOfStock(f"Not enough stock left of {line.title[:80]}.", field="lines")
        claim_promotions(session, checkout, lines, prices)  # a deal's units, a coupon's budget
    except OutOfStock:
        for row in (*orders, *notes):  # never written: the caller rolls back
            session.expunge(row)  # (an order takes its items with it)
        raise
    session.commit()
    return orders


def _cancel(session: Session, clock: Clock, order: Order, *, by: str, reason: str) -> None:
    for item in order.items:
        release_stock(session, item.offer_id, item.quantity)
    now = clock.now()
    order.status = rules.CANCELED
    order.canceled_at = now
    order.canceled_by = by
    order.cancel_reason = reason
    order.updated_at = now
    session.add(
        OrderNote(order_id=order.id, at=now, kind="canceled", text=f"Canceled by {by}: {reason}")
    )
    emit(
        session,
        "order.canceled",
        order.id,
        {"order_id": order.id, "seller_id": order.seller_id, "by": by, "reason": reason},
        now,
    )


def _refund_order(session: Session, payments: PaymentProvider, order: Order) -> None:
    payment = session.scalar(
        select(Payment).where(
            Payment.checkout_id == order.checkout_id, Payment.status.in_(("captured", "refunded"))
        )
    )
    if payment is None:
        return
    amount = Money(order.currency, order.total_minor)
    payments.refund(payment.provider_reference, amount)
    payment.refunded_minor += amount.minor
    if payment.refunded_minor >= payment.amount_minor:
        payment.status = "refunded"


def cancel_by_buyer(
    session: Session,
    clock: Clock,
    payments: PaymentProvider,
    *,
    buyer_id: int,
    order_id: str,
    reason: str,
) -> Order:
    order = buyer_order(session, buyer_id, order_id)
    allowed = default_policy().for_marketplace(order.marketplace).cancellation.buyer_reasons
    rules.check_can_cancel(order.status, "buyer", reason, allowed)
    _cancel(session, clock, order, by="buyer", reason=reason.strip())
    _refund_order(session, payments, order)
    session.commit()
    return order


def cancel_by_seller(
    session: Session,
    clock: Clock,
    payments: PaymentProvider,
    *,
    seller_id: str,
    order_id: str,
    reason: str,
) -> Order:
    """A seller's cancellation; it counts against the seller's cancellation rate."""
    order = seller_order(session, seller_id, order_id)
    allowed = default_policy().for_marketplace(order.marketplace).cancellation.seller_reasons
    rules.check_can_cancel(order.status, "seller", reason, allowed)
    _cancel(session, clock, order, by="seller", reason=reason)
    _refund_order(session, payments, order)
    session.commit()
    return order


def buyer_order(session: Session, buyer_id: int, order_id: str) -> Order:
    """The buyer's own order; anyone else's is not found (never forbidden: no hint it exists)."""
    order = session.scalar(
        select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    )
    if order is None or order.buyer_id != buyer_id:
        raise NotFound(f"No order {order_id}.", field="order_id")
    return order


def seller_order(session: Session, seller_id: str, order_id: str) -> Order:
    order = session.scalar(
        select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    )
    if order is None or order.seller_id != seller_id:
        raise NotFound(f"No order {order_id}.", field="order_id")
    return order


def buyer_orders(
    session: Session, buyer_id: int, *, limit: int = 20, offset: int = 0
) -> list[Order]:
    return list(
        session.scalars(
            select(Order)
            .where(Order.buyer_id == buyer_id)
            .order_by(Order.purchased_at.desc(), Order.id)
            .limit(limit)
            .offset(offset)
            .options(selectinload(Order.items))
        )
    )


def seller_orders(
    session: Session,
    seller_id: str,
    *,
    statuses: tuple[str, ...] = (),
    marketplace: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Order]:
    query = select(Order).where(Order.seller_id == seller_id)
    if statuses:
        query = query.where(Order.status.in_(statuses))
    if marketplace:
        query = query.where(Order.marketplace == marketplace)
    if created_after:
        query = query.where(Order.purchased_at >= created_after)
    if created_before:
        query = query.where(Order.purchased_at < created_before)
    return list(
        session.scalars(
            query.order_by(Order.purchased_at.desc(), Order.id)
            .limit(limit)
            .offset(offset)
            .options(selectinload(Order.items))
        )
    )


def order_notes(session: Session, order_id: str) -> list[OrderNote]:
    return list(
        session.scalars(
            select(OrderNote)
            .where(OrderNote.order_id == order_id)
            .order_by(OrderNote.at, OrderNote.id)
        )
    )


def release_stale_checkouts(
    sessions: sessionmaker[Session],
    clock: Clock,
    payments: PaymentProvider,
    older_than: timedelta = timedelta(minutes=10),
) -> int:
    """Finish checkouts a dead process left half done; returns how many.

    Before the orders were written: release whatever the provider may hold
    under the payment's key and fail the checkout, so its key answers. After
    the orders were written but before capture: capture now and release the
    orders to the sellers, or cancel them if the capture fails.
    """
    cutoff = clock.now() - older_than
    finished = 0
    with sessions() as session:
        rows = session.execute(
            select(Checkout, Payment)
            .outerjoin(Payment, Payment.checkout_id == Checkout.id)
            .where(
                Checkout.created_at < cutoff,
                (Checkout.status == "started")
                | ((Checkout.status == "placed") & (Payment.status == "authorized")),
            )
        ).all()
        for checkout, payment in rows:
            if checkout.status == "started":
                if payment is not None and payment.status in ("authorizing", "authorized"):
                    payments.release_key(payment_key(payment.id))
                    payment.status = "released"
                    payment.failure_reason = "Checkout interrupted before its orders were written."
                checkout.status = "failed"
                checkout.failure = "Checkout interrupted; no order was placed."
                session.commit()
            else:
                orders = list(
                    session.scalars(
                        select(Order)
                        .where(Order.checkout_id == checkout.id)
                        .options(selectinload(Order.items))
                    )
                )
                # A failed capture cancels the orders and marks the payment failed.
                with contextlib.suppress(PaymentDeclined):
                    _settle(session, clock, payments, checkout, payment, orders)
            finished += 1
    return finished
