"""Cart use cases: guest and signed-in carts, merged at sign-in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from souk.buybox.rules import OfferFacts, is_buyable
from souk.catalog.models import Product, ProductImage
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, NotFound
from souk.core.ids import new_token
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.orders.models import Cart, CartLine
from souk.orders.rules import check_quantity
from souk.promotions.rules import LinePrice, PricePart
from souk.sellers.models import Seller
from souk.sellers.rules import can_sell


@dataclass(frozen=True)
class CartItem:
    line_id: int
    offer: Offer
    product: Product
    seller: Seller
    image: ProductImage | None
    quantity: int
    saved_for_later: bool
    problem: str  # why this line cannot be bought now, or ""
    #: The line's price after the buyer's promotions (None: the offer's own price).
    priced: LinePrice | None = None

    @property
    def line_total(self) -> Money:
        if self.priced is not None:
            return self.priced.total
        return Money(self.offer.currency, self.offer.price_minor * self.quantity)

    @property
    def price_parts(self) -> tuple[PricePart, ...]:
        """Units by the price charged for them (a deal's units, a free unit, the rest)."""
        if self.priced is not None:
            return self.priced.parts
        return (PricePart(self.quantity, Money(self.offer.currency, self.offer.price_minor)),)


@dataclass
class CartView:
    cart: Cart
    currency: str
    items: list[CartItem] = field(default_factory=list)

    @property
    def active(self) -> list[CartItem]:
        return [i for i in self.items if not i.saved_for_later]

    @property
    def saved(self) -> list[CartItem]:
        return [i for i in self.items if i.saved_for_later]

    @property
    def item_count(self) -> int:
        return sum(i.quantity for i in self.active)

    @property
    def subtotal(self) -> Money:
        total = Money.zero(self.currency)
        for item in self.active:
            if not item.problem:
                total += item.line_total
        return total

    def by_seller(self) -> list[tuple[Seller, list[CartItem]]]:
        groups: dict[str, tuple[Seller, list[CartItem]]] = {}
        for item in self.active:
            groups.setdefault(item.seller.id, (item.seller, []))[1].append(item)
        return list(groups.values())


def _new_cart(session: Session, clock: Clock, marketplace: str, buyer_id: int | None) -> Cart:
    now = clock.now()
    cart = Cart(
        token=new_token(24),
        buyer_id=buyer_id,
        marketplace=marketplace,
        created_at=now,
        updated_at=now,
    )
    session.add(cart)
    session.flush()
    return cart


def find_cart(
    session: Session, *, marketplace: str, buyer_id: int | None = None, token: str | None = None
) -> Cart | None:
    if buyer_id is not None:
        return session.scalar(
            select(Cart).where(Cart.buyer_id == buyer_id, Cart.marketplace == marketplace)
        )
    if token:
        return session.scalar(
            select(Cart).where(
                Cart.token == token, Cart.buyer_id.is_(None), Cart.marketplace == marketplace
            )
        )
    return None


def get_or_create_cart(
    session: Session,
    clock: Clock,
    *,
    marketplace: str,
    buyer_id: int | None = None,
    token: str | None = None,
) -> Cart:
    if marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {marketplace!r}.", field="marketplace")
    cart = find_cart(session, marketplace=marketplace, buyer_id=buyer_id, token=token)
    return cart or _new_cart(session, clock, marketplace, buyer_id)


def add_to_cart(session: Session, clock: Clock, cart: Cart, offer_id: int, quantity: int) -> None:
    policy = default_policy().for_marketplace(cart.marketplace).checkout
    check_quantity(quantity, policy.max_quantity_per_line)
    row = session.execute(
        select(Offer, Seller).join(Seller, Seller.id == Offer.seller_id).where(Offer.id == offer_id)
    ).first()
    if row is None or row[0].marketplace != cart.marketplace or not row[0].is_active:
        raise NotFound("That offer is not available in this marketplace.", field="offer_id")
    offer, seller = row
    line = session.scalar(
        select(CartLine).where(CartLine.cart_id == cart.id, CartLine.offer_id == offer_id)
    )
    wanted = quantity + (line.quantity if line and not line.saved_for_later else 0)
    check_quantity(wanted, policy.max_quantity_per_line)
    if not can_sell(seller.status, seller.on_holiday) or offer.quantity <= 0:
        raise InvalidInput("That offer is currently unavailable.", field="offer_id")
    if wanted > offer.quantity:
        raise InvalidInput(f"Only {offer.quantity} left from this seller.", field="quantity")
    if line is None:
        active_lines = session.scalars(select(CartLine.id).where(CartLine.cart_id == cart.id)).all()
        if len(active_lines) >= policy.max_lines_per_cart:
            raise InvalidInput(f"A cart holds at most {policy.max_lines_per_cart} items.")
        session.add(
            CartLine(cart_id=cart.id, offer_id=offer_id, quantity=wanted, added_at=clock.now())
        )
    else:
        line.quantity = wanted
        line.saved_for_later = False
    cart.updated_at = clock.now()
    session.commit()


def _own_line(session: Session, cart: Cart, line_id: int) -> CartLine:
    line = session.get(CartLine, line_id)
    if line is None or line.cart_id != cart.id:
        raise NotFound("That item is not in your cart.", field="line_id")
    return line


def set_quantity(session: Session, clock: Clock, cart: Cart, line_id: int, quantity: int) -> None:
    line = _own_line(session, cart, line_id)
    if quantity == 0:
        session.delete(line)
    else:
        policy = default_policy().for_marketplace(cart.marketplace).checkout
        check_quantity(quantity, policy.max_quantity_per_line)
        line.quantity = quantity
    cart.updated_at = clock.now()
    session.commit()


def remove_line(session: Session, clock: Clock, cart: Cart, line_id: int) -> None:
    set_quantity(session, clock, cart, line_id, 0)


def save_for_later(session: Session, clock: Clock, cart: Cart, line_id: int, saved: bool) -> None:
    line = _own_line(session, cart, line_id)
    line.saved_for_later = saved
    cart.updated_at = clock.now()
    session.commit()


def merge_guest_cart(
    session: Session, clock: Clock, *, token: str, buyer_id: int, marketplace: str
) -> Cart:
    """At sign-in, the guest cart's lines join the buyer's cart (quantities add up,
    capped by the per-line limit) and the guest cart goes away."""
    guest = find_cart(session, marketplace=marketplace, token=token)
    cart = get_or_create_cart(session, clock, marketplace=marketplace, buyer_id=buyer_id)
    if guest is None or guest.id == cart.id:
        session.commit()
        return cart
    limit = default_policy().for_marketplace(marketplace).checkout.max_quantity_per_line
    existing = {line.offer_id: line for line in cart.lines}
    for line in list(guest.lines):
        mine = existing.get(line.offer_id)
        if mine is None:
            session.add(
                CartLine(
                    cart_id=cart.id,
                    offer_id=line.offer_id,
                    quantity=line.quantity,
                    saved_for_later=line.saved_for_later,
                    added_at=line.added_at,
                )
            )
        else:
            mine.quantity = min(limit, mine.quantity + line.quantity)
    session.delete(guest)
    cart.updated_at = clock.now()
    session.commit()
    return cart


def cart_view(session: Session, cart: Cart) -> CartView:
    """The cart with each line's offer, product, seller and first image, in three queries."""
    lines = session.scalars(
        select(CartLine).where(CartLine.cart_id == cart.id).order_by(CartLine.id)
    ).all()
    view = CartView(cart=cart, currency=MARKETPLACES[cart.marketplace].currency)
    if not lines:
        return view
    rows = session.execute(
        select(Offer, Seller, Product)
        .join(Seller, Seller.id == Offer.seller_id)
        .join(Product, Product.asin == Offer.asin)
        .where(Offer.id.in_([line.offer_id for line in lines]))
        .options(selectinload(Product.images))
    ).all()
    by_offer = {offer.id: (offer, seller, product) for offer, seller, product in rows}
    for line in lines:
        offer, seller, product = by_offer[line.offer_id]
        facts = OfferFacts(
            offer.id,
            seller.id,
            offer.condition,
            Money(offer.currency, offer.price_minor),
            Money(offer.currency, offer.shipping_minor),
            offer.quantity,
            offer.handling_days,
            offer.fulfillment_channel,
            seller.plan,
            seller.status,
            seller.on_holiday,
        )
        problem = ""
        if not offer.is_active or not is_buyable(facts):
            problem = "Currently unavailable from this seller."
        elif line.quantity > offer.quantity:
            problem = f"Only {offer.quantity} left from this seller."
        view.items.append(
            CartItem(
                line.id,
                offer,
                product,
                seller,
                product.images[0] if product.images else None,
                line.quantity,
                line.saved_for_later,
                problem,
            )
        )
    from souk.promotions.service import price_cart

    return price_cart(session, view)


def expire_guest_carts(sessions: sessionmaker[Session], clock: Clock) -> int:
    """Remove guest carts nobody has touched within the policy's window."""
    removed = 0
    with sessions() as session, session.begin():
        for code in MARKETPLACES:
            days = default_policy().for_marketplace(code).checkout.guest_cart_days
            cutoff = clock.now() - timedelta(days=days)
            result = session.execute(
                delete(Cart).where(
                    Cart.buyer_id.is_(None), Cart.marketplace == code, Cart.updated_at < cutoff
                )
            )
            removed += result.rowcount  # type: ignore[attr-defined]
    return removed
