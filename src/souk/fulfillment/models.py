"""Shipments of merchant-fulfilled orders, and the platform's fulfilment network:
centres, transit lanes, stock per centre, inbound plans, outbound shipments,
removals, graded returns and Prime memberships."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from souk.core.db import Base


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(60))
    shipped_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


# ------------------------------------------------------------ the platform network


class FulfilmentCentre(Base):
    """A platform warehouse: where it is, when its carrier collects, how much it holds."""

    __tablename__ = "fc_centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    marketplace: Mapped[str] = mapped_column(String(2), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    city: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    time_zone: Mapped[str] = mapped_column(String(60))
    cutoff_hour: Mapped[int]
    cutoff_minute: Mapped[int] = mapped_column(default=0)
    capacity_units: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)


class TransitLane(Base):
    """Days and cost from a centre to postal codes starting with ``prefix``."""

    __tablename__ = "fc_transit_lanes"
    __table_args__ = (UniqueConstraint("centre_id", "prefix", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("fc_centres.id", ondelete="CASCADE"))
    prefix: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(60), default="")
    level: Mapped[str] = mapped_column(String(10))  # standard | two_day | next_day
    days: Mapped[int]
    cost_minor: Mapped[int]


class ProductMeasure(Base):
    """A product's unit as packed, declared by a seller and corrected on receipt."""

    __tablename__ = "fc_product_measures"

    asin: Mapped[str] = mapped_column(ForeignKey("products.asin"), primary_key=True)
    length: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    width: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    height: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    weight: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    units: Mapped[str] = mapped_column(String(8))  # imperial | metric
    measured_by: Mapped[str] = mapped_column(String(10))  # seller | centre
    updated_at: Mapped[datetime]


class CentreStock(Base):
    """One offer's units in one centre, by bucket; every change is a StockEvent."""

    __tablename__ = "fc_stock"
    __table_args__ = (
        UniqueConstraint("centre_id", "offer_id"),
        CheckConstraint("fulfillable >= 0", name="fulfillable_not_negative"),
        CheckConstraint("inbound >= 0", name="inbound_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("unfulfillable >= 0", name="unfulfillable_not_negative"),
        CheckConstraint("researching >= 0", name="researching_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("fc_centres.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    fulfillable: Mapped[int] = mapped_column(default=0)
    inbound: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    unfulfillable: Mapped[int] = mapped_column(default=0)
    researching: Mapped[int] = mapped_column(default=0)


class StockEvent(Base):
    __tablename__ = "fc_stock_events"
    __table_args__ = (Index("ix_fc_stock_events_offer_at", "offer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("fc_centres.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    source: Mapped[str] = mapped_column(String(16), default="")  # "" = from outside
    target: Mapped[str] = mapped_column(String(16), default="")  # "" = out of the network
    quantity: Mapped[int]
    reason: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[datetime]


class StockLot(Base):
    """Units received on one day, for ageing; shipped and removed first in, first out."""

    __tablename__ = "fc_stock_lots"
    __table_args__ = (
        Index("ix_fc_stock_lots_offer", "offer_id", "centre_id", "received_at"),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("fc_centres.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    received_at: Mapped[datetime]
    remaining: Mapped[int]


class InboundPlan(Base):
    __tablename__ = "fc_inbound_plans"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(120))
    placement: Mapped[str] = mapped_column(String(12))  # split | one_centre | cross_border
    status: Mapped[str] = mapped_column(String(12))  # working | shipped | closed | canceled
    ship_from: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InboundLine(Base):
    __tablename__ = "fc_inbound_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("fc_inbound_plans.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    quantity: Mapped[int]
    prep: Mapped[str] = mapped_column(String(20), default="none")
    labelling: Mapped[str] = mapped_column(String(10), default="seller")  # seller | platform


class InboundShipment(Base):
    """The part of a plan going to one centre: boxes, labels, tracking, receiving."""

    __tablename__ = "fc_inbound_shipments"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("fc_inbound_plans.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("fc_centres.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # working | shipped | receiving | closed
    boxes: Mapped[int] = mapped_column(default=1)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str] = mapped_column(String(60), default="")
    expected_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class InboundShipmentLine(Base):
    __tablename__ = "fc_inbound_shipment_lines"
    __table_args__ = (UniqueConstraint("shipment_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[str] = mapped_column(
        ForeignKey("fc_inbound_shipments.id", ondelete="CASCADE")
    )
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    expected: Mapped[int]
    received: Mapped[int] = mapped_column(default=0)
    damaged: Mapped[int] = mapped_column(default=0)
    short: Mapped[int] = mapped_column(default=0)
    over: Mapped[int] = mapped_column(default=0)


class OutboundShipment(Base):
    """Units of a platform-fulfilled order leaving one centre: pick, pack, ship."""

    __tablename__ = "fc_outbound_shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("fc_centres.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))  # assigned | picked | packed | shipped
    level: Mapped[str] = mapped_column(String(10))
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(60))
    promised_ship_day: Mapped[date] = mapped_column(Date)
    promised_by: Mapped[date] = mapped_column(Date)
    assigned_at: Mapped[datetime]
    picked_at: Mapped[datetime | None]
    packed_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]


class OutboundLine(Base):
    __tablename__ = "fc_outbound_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("fc_outbound_shipments.id", ondelete="CASCADE"), index=True
    )
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    quantity: Mapped[int]


class Removal(Base):
    """Units taken out of a centre: returned to the seller or disposed of."""

    __tablename__ = "fc_removals"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("fc_centres.id"))
    kind: Mapped[str] = mapped_column(String(10))  # return | disposal
    bucket: Mapped[str] = mapped_column(String(16))  # fulfillable | unfulfillable
    quantity: Mapped[int]
    reason: Mapped[str] = mapped_column(String(20))  # seller | long_term
    status: Mapped[str] = mapped_column(String(12))  # completed
    fee_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    requested_at: Mapped[datetime]


class ReturnReceipt(Base):
    """A customer return of a platform-fulfilled unit, received and graded at a centre."""

    __tablename__ = "fc_return_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("fc_centres.id"))
    quantity: Mapped[int]
    grade: Mapped[str] = mapped_column(String(20))
    liable: Mapped[str] = mapped_column(String(10), default="")  # seller | platform | ""
    label_tracking: Mapped[str] = mapped_column(String(60))
    received_at: Mapped[datetime]


class PrimeMembership(Base):
    __tablename__ = "prime_memberships"
    __table_args__ = (UniqueConstraint("user_id", "marketplace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(2))
    plan: Mapped[str] = mapped_column(String(10))  # monthly | yearly
    status: Mapped[str] = mapped_column(String(10))  # trial | active | canceled
    fee_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    had_trial: Mapped[bool] = mapped_column(default=True)
    started_at: Mapped[datetime]
    trial_ends_at: Mapped[datetime | None]
    renews_at: Mapped[datetime]
    canceled_at: Mapped[datetime | None]
    #: Why an ``unpaid`` membership ended (the declined fee), shown on /prime.
    failure: Mapped[str] = mapped_column(String(300), default="", server_default="")


class PrimeCharge(Base):
    """A Prime fee charged to a member's card: platform revenue, never a seller's
    ledger line. One row per membership period, so a renewal charges once."""

    __tablename__ = "prime_charges"
    __table_args__ = (UniqueConstraint("membership_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("prime_memberships.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10))  # paid | declined
    provider_reference: Mapped[str] = mapped_column(String(80), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    failure: Mapped[str] = mapped_column(String(300), default="")
    charged_at: Mapped[datetime]
