"""Shipping use cases: confirm a shipment with tracking, record delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.core.clock import Clock
from souk.core.errors import InvalidInput, InvalidState
from souk.core.events import emit
from souk.fulfillment.models import Shipment
from souk.fulfillment.rules import check_tracking
from souk.orders import rules as order_rules
from souk.orders.models import Order, OrderNote
from souk.orders.service import seller_order


def confirm_shipment(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    order_id: str,
    carrier: str,
    tracking_number: str,
    shipped_at: datetime | None = None,
) -> Shipment:
    """The seller ships every remaining unit of the order with one tracked parcel."""
    order = seller_order(session, seller_id, order_id)
    if order.status not in (order_rules.UNSHIPPED, order_rules.PARTIALLY_SHIPPED):
        raise InvalidState(f"An order that is {order.status} cannot be shipped.")
    carrier, tracking = check_tracking(carrier, tracking_number)
    now = clock.now()
    when = shipped_at or now
    if when > now or when < order.purchased_at:
        raise InvalidInput("The ship date must be between purchase and now.", field="shipped_at")
    for item in order.items:
        item.quantity_shipped = item.quantity
    shipment = Shipment(
        order_id=order.id, carrier=carrier, tracking_number=tracking, shipped_at=when
    )
    session.add(shipment)
    order.status = order_rules.status_after_shipping(
        [(i.quantity, i.quantity_shipped) for i in order.items]
    )
    order.shipped_at = when
    order.updated_at = now
    session.add(
        OrderNote(
            order_id=order.id,
            at=now,
            kind="shipped",
            text=f"Shipped with {carrier}, tracking {tracking}",
        )
    )
    emit(
        session,
        "order.shipped",
        order.id,
        {
            "order_id": order.id,
            "seller_id": order.seller_id,
            "carrier": carrier,
            "tracking_number": tracking,
            "shipped_at": when.isoformat(),
            "late": order_rules.is_late_shipment(order.latest_ship_at, when),
        },
        now,
    )
    session.commit()
    return shipment


def record_delivery(
    session: Session, clock: Clock, order_id: str, delivered_at: datetime | None = None
) -> Order:
    """The carrier reports the parcel delivered."""
    order = session.get(Order, order_id)
    if order is None:
        raise InvalidInput(f"No order {order_id}.", field="order_id")
    if order.status != order_rules.SHIPPED:
        raise InvalidState(f"An order that is {order.status} cannot be delivered.")
    when = delivered_at or clock.now()
    if order.shipped_at and when < order.shipped_at:
        raise InvalidInput("Delivery cannot come before shipment.", field="delivered_at")
    order.delivered_at = when
    order.updated_at = clock.now()
    for shipment in session.scalars(select(Shipment).where(Shipment.order_id == order.id)):
        shipment.delivered_at = when
    session.add(OrderNote(order_id=order.id, at=when, kind="delivered", text="Delivered"))
    emit(
        session,
        "order.delivered",
        order.id,
        {
            "order_id": order.id,
            "seller_id": order.seller_id,
            "delivered_at": when.isoformat(),
            "on_time": when <= order.latest_delivery_at,
        },
        clock.now(),
    )
    session.commit()
    return order


def shipments(session: Session, order_id: str) -> list[Shipment]:
    return list(
        session.scalars(
            select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.shipped_at)
        )
    )
