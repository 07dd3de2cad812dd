"""Request and response bodies of the JSON API.

Request models bound every value to what the database can hold (lengths,
64-bit integers, no NUL bytes), so odd input is a 400 and never reaches SQL;
the marketplace's own rules (quantities, prices, postal codes) stay in the
services, which name the field they refuse.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from souk.accounts.models import Address, User
from souk.catalog.models import Category, ProductImage
from souk.core.money import Money
from souk.fulfillment.models import Shipment
from souk.offers.models import Offer
from souk.orders.models import Order, OrderItem
from souk.orders.rules import STATUSES

# The widest integer both databases store (the API never needs more).
MAX_INT = 2**31 - 1


def _no_control_characters(value: str | None) -> str | None:
    if value is not None and any(ord(char) < 32 and char not in "\t\n\r" for char in value):
        raise ValueError("control characters are not allowed")
    return value


#: Refuses control characters (PostgreSQL cannot store NUL); for path and query parameters too.
Clean = AfterValidator(_no_control_characters)
Email = Annotated[str, Field(max_length=254), Clean]
Password = Annotated[str, Field(max_length=1000), Clean]
PersonName = Annotated[str, Field(max_length=120), Clean]
AddressLine = Annotated[str, Field(max_length=180), Clean]
Place = Annotated[str, Field(max_length=100), Clean]
PostalCode = Annotated[str, Field(max_length=20), Clean]
CountryCode = Annotated[str, Field(max_length=2), Clean]
Phone = Annotated[str, Field(max_length=40), Clean]
Asin = Annotated[str, Field(max_length=10), Clean]
#: Short codes: condition, channel, delivery speed, carrier, currency.
Code = Annotated[str, Field(max_length=40), Clean]
Reason = Annotated[str, Field(max_length=200), Clean]
CardNumber = Annotated[str, Field(max_length=30), Clean]
Cvc = Annotated[str, Field(max_length=8), Clean]
TrackingNumber = Annotated[str, Field(max_length=60), Clean]

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
# Counts may be negative here on purpose: the services refuse them with their own words.
Count = Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
MarketplaceCode = Annotated[str, Field(max_length=10, examples=["US"]), Clean]
Amount = Annotated[
    str,
    Field(
        max_length=20,
        description='A plain decimal in the marketplace currency: "19.99", or "1999" in JPY.',
        examples=["19.99"],
    ),
]

OrderStatus = StrEnum("OrderStatus", {status: status for status in STATUSES})  # type: ignore[misc]


# -- errors -----------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(examples=["InvalidInput"])
    message: str = Field(examples=["Quantity must be at least 1."])
    field: str | None = Field(default=None, examples=["quantity"])


class ErrorBody(BaseModel):
    error: ErrorDetail


# -- shared pieces ----------------------------------------------------------


class MoneyOut(BaseModel):
    amount: str = Field(examples=["19.99"])
    currency: str = Field(examples=["USD"])
    minor: int = Field(description="The amount in minor units (cents, pence, yen).")

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=money.amount_str(), currency=money.currency, minor=money.minor)

    @classmethod
    def minor_units(cls, currency: str, minor: int) -> MoneyOut:
        return cls.of(Money(currency, minor))


# -- accounts ---------------------------------------------------------------


class TokenRequest(BaseModel):
    email: Email
    password: Password


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class SignupRequest(BaseModel):
    email: Email
    name: PersonName
    password: Password
    marketplace: MarketplaceCode = "US"


class AccountOut(BaseModel):
    id: int
    email: str
    name: str
    default_marketplace: str

    @classmethod
    def of(cls, user: User) -> AccountOut:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            default_marketplace=user.default_marketplace,
        )


class AddressIn(BaseModel):
    full_name: PersonName
    line1: AddressLine
    line2: AddressLine = ""
    city: Place
    state: Place = ""
    postal_code: PostalCode
    country: CountryCode = Field(examples=["US"])
    phone: Phone = ""
    make_default: bool = False


class AddressOut(BaseModel):
    id: int
    full_name: str
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str
    is_default: bool

    @classmethod
    def of(cls, address: Address) -> AddressOut:
        return cls(
            id=address.id,
            full_name=address.full_name,
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            state=address.state,
            postal_code=address.postal_code,
            country=address.country,
            phone=address.phone,
            is_default=address.is_default,
        )


# -- catalog ----------------------------------------------------------------


class CategoryOut(BaseModel):
    id: int
    name: str
    path: str = Field(description="Slash-joined slugs from the root, e.g. home-kitchen/kitchen.")
    depth: int

    @classmethod
    def of(cls, category: Category) -> CategoryOut:
        return cls(id=category.id, name=category.name, path=category.path, depth=category.depth)


class ImageOut(BaseModel):
    url: str
    alt: str
    width: int
    height: int

    @classmethod
    def of(cls, image: ProductImage) -> ImageOut:
        return cls(
            url=f"/media/{image.storage_key}",
            alt=image.alt_text,
            width=image.width,
            height=image.height,
        )


class OfferOut(BaseModel):
    """An offer as buyers see it on a product page."""

    offer_id: int
    seller_id: str
    seller_name: str
    sold_by_souk: bool
    condition: str
    price: MoneyOut
    shipping: MoneyOut
    landed_price: MoneyOut = Field(description="Price plus shipping for one unit.")
    available_quantity: int
    handling_days: int
    fulfillment_channel: str


class ProductSummary(BaseModel):
    asin: str
    title: str
    brand: str | None
    image: ImageOut | None
    featured_offer: OfferOut | None
    offer_count: int


class ProductOut(BaseModel):
    asin: str
    marketplace: str
    title: str
    brand: str | None
    description: str
    bullets: list[str]
    attributes: dict[str, Any]
    gtin: str | None
    category_path: list[CategoryOut] = Field(description="Root first, the product's own last.")
    images: list[ImageOut]
    parent_asin: str | None
    variation_theme: str
    variation_values: dict[str, Any]
    variation_asins: list[str] = Field(description="The children, when this is a parent.")
    featured_offer: OfferOut | None
    other_offers: list[OfferOut]


class ProductList(BaseModel):
    marketplace: str
    products: list[ProductSummary]


class CategoryList(BaseModel):
    parent: CategoryOut | None
    categories: list[CategoryOut]


# -- cart -------------------------------------------------------------------


class CartLineIn(BaseModel):
    offer_id: Id
    quantity: Count = 1
    marketplace: MarketplaceCode | None = Field(
        default=None, description="The cart's marketplace; the account's default when left out."
    )


class CartLineUpdate(BaseModel):
    quantity: Count


class CartLineOut(BaseModel):
    line_id: int
    offer_id: int
    asin: str
    title: str
    seller_id: str
    seller_name: str
    condition: str
    quantity: int
    unit_price: MoneyOut
    line_total: MoneyOut
    saved_for_later: bool
    problem: str = Field(description="Why the line cannot be bought now; empty when it can.")
    image: ImageOut | None


class CartOut(BaseModel):
    marketplace: str
    currency: str
    item_count: int
    subtotal: MoneyOut
    lines: list[CartLineOut]


# -- checkout and orders ----------------------------------------------------


class CardIn(BaseModel):
    number: CardNumber = Field(examples=["4242424242424242"])
    exp_month: Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
    exp_year: Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
    cvc: Cvc
    holder: PersonName = ""


class CheckoutLineIn(BaseModel):
    offer_id: Id
    quantity: Count


class CheckoutIn(BaseModel):
    marketplace: MarketplaceCode
    address_id: Id
    delivery_speed: Code = Field(examples=["standard"])
    card: CardIn
    lines: list[CheckoutLineIn] | None = Field(
        default=None, max_length=200, description="What to buy; the cart when left out."
    )


class OrderItemOut(BaseModel):
    asin: str
    sku: str
    title: str
    condition: str
    quantity: int
    quantity_shipped: int
    unit_price: MoneyOut
    shipping: MoneyOut

    @classmethod
    def of(cls, item: OrderItem, currency: str) -> OrderItemOut:
        return cls(
            asin=item.asin,
            sku=item.sku,
            title=item.title,
            condition=item.condition,
            quantity=item.quantity,
            quantity_shipped=item.quantity_shipped,
            unit_price=MoneyOut.minor_units(currency, item.unit_price_minor),
            shipping=MoneyOut.minor_units(currency, item.shipping_minor),
        )


class ShipToOut(BaseModel):
    name: str
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str


class ShipmentOut(BaseModel):
    carrier: str
    tracking_number: str
    shipped_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, shipment: Shipment) -> ShipmentOut:
        return cls(
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            shipped_at=shipment.shipped_at,
            delivered_at=shipment.delivered_at,
        )


class OrderOut(BaseModel):
    id: str = Field(examples=["112-1234567-1234567"])
    status: str = Field(examples=["Unshipped"])
    marketplace: str
    seller_id: str
    fulfillment_channel: str
    delivery_speed: str
    items_total: MoneyOut
    shipping_total: MoneyOut
    total: MoneyOut
    purchased_at: datetime
    latest_ship_at: datetime
    earliest_delivery_at: datetime
    latest_delivery_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    canceled_at: datetime | None
    canceled_by: str
    cancel_reason: str
    ship_to: ShipToOut
    items: list[OrderItemOut]
    shipments: list[ShipmentOut] = Field(default_factory=list)

    @classmethod
    def of(cls, order: Order, shipments: list[Shipment] | None = None) -> OrderOut:
        money = order.currency
        return cls(
            id=order.id,
            status=order.status,
            marketplace=order.marketplace,
            seller_id=order.seller_id,
            fulfillment_channel=order.fulfillment_channel,
            delivery_speed=order.delivery_speed,
            items_total=MoneyOut.minor_units(money, order.items_minor),
            shipping_total=MoneyOut.minor_units(money, order.shipping_minor),
            total=MoneyOut.minor_units(money, order.total_minor),
            purchased_at=order.purchased_at,
            latest_ship_at=order.latest_ship_at,
            earliest_delivery_at=order.earliest_delivery_at,
            latest_delivery_at=order.latest_delivery_at,
            shipped_at=order.shipped_at,
            delivered_at=order.delivered_at,
            canceled_at=order.canceled_at,
            canceled_by=order.canceled_by,
            cancel_reason=order.cancel_reason,
            ship_to=ShipToOut(
                name=order.ship_name,
                line1=order.ship_line1,
                line2=order.ship_line2,
                city=order.ship_city,
                state=order.ship_state,
                postal_code=order.ship_postal_code,
                country=order.ship_country,
                phone=order.ship_phone,
            ),
            items=[OrderItemOut.of(item, money) for item in order.items],
            shipments=[ShipmentOut.of(s) for s in shipments or []],
        )


class CheckoutOut(BaseModel):
    checkout_id: int
    marketplace: str
    total: MoneyOut
    orders: list[OrderOut]


class OrderList(BaseModel):
    orders: list[OrderOut]
    next_offset: int | None = Field(
        description="Pass as `offset` for the next page; null on the last page."
    )


class BuyerCancelIn(BaseModel):
    reason: Reason = Field(examples=["Ordered by mistake"])


# -- seller -----------------------------------------------------------------


class SellerOfferIn(BaseModel):
    asin: Asin = Field(examples=["B0ABCDEFGH"])
    marketplace: MarketplaceCode
    condition: Code = Field(examples=["new"])
    price: Amount
    shipping: Amount = "0"
    currency: Code | None = Field(
        default=None, description="Must be the marketplace's currency when given."
    )
    quantity: Count
    handling_days: Count = 2
    fulfillment_channel: Code = "MERCHANT"


class SellerOfferUpdate(BaseModel):
    marketplace: MarketplaceCode
    price: Amount | None = None
    shipping: Amount | None = None
    currency: Code | None = None
    quantity: Count | None = None


class SellerOfferOut(BaseModel):
    offer_id: int
    sku: str
    asin: str
    title: str
    marketplace: str
    condition: str
    price: MoneyOut
    shipping: MoneyOut
    quantity: int
    handling_days: int
    fulfillment_channel: str
    is_active: bool
    updated_at: datetime

    @classmethod
    def of(cls, offer: Offer, title: str) -> SellerOfferOut:
        return cls(
            offer_id=offer.id,
            sku=offer.sku,
            asin=offer.asin,
            title=title,
            marketplace=offer.marketplace,
            condition=offer.condition,
            price=MoneyOut.minor_units(offer.currency, offer.price_minor),
            shipping=MoneyOut.minor_units(offer.currency, offer.shipping_minor),
            quantity=offer.quantity,
            handling_days=offer.handling_days,
            fulfillment_channel=offer.fulfillment_channel,
            is_active=offer.is_active,
            updated_at=offer.updated_at,
        )


class SellerOfferList(BaseModel):
    seller_id: str
    offers: list[SellerOfferOut]
    next_offset: int | None


class ShipmentIn(BaseModel):
    carrier: Code = Field(examples=["UPS"])
    tracking_number: TrackingNumber = Field(examples=["1Z999AA10123456784"])


class SellerCancelIn(BaseModel):
    reason: Code = Field(examples=["NoInventory"])
