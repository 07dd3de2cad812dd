"""Cart pages: add, change quantity, remove, save for later. Guests keep their cart
through a token in the signed session cookie (one per marketplace)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.core.errors import InvalidInput, NotFound, SoukError
from souk.offers.models import Offer
from souk.orders import cart as carts
from souk.orders.models import Cart
from souk.recs import service as recs_service
from souk.web.deps import check_csrf, current_marketplace, db, read_db, runtime
from souk.web.pages import field_errors, form_values, render
from souk.web.storefront.browse import product_context
from souk.web.storefront.recs import shopper_of

router = APIRouter()


def guest_token(request: Request, marketplace: str) -> str | None:
    return (request.session.get("cart_tokens") or {}).get(marketplace)


def remember_guest_cart(request: Request, cart: Cart) -> None:
    tokens = dict(request.session.get("cart_tokens") or {})
    tokens[cart.marketplace] = cart.token
    request.session["cart_tokens"] = tokens


def find_my_cart(request: Request, session: Session) -> Cart | None:
    market = current_marketplace(request).code
    user_id = request.session.get("user_id")
    if user_id is not None:
        return carts.find_cart(session, marketplace=market, buyer_id=user_id)
    return carts.find_cart(session, marketplace=market, token=guest_token(request, market))


def open_my_cart(request: Request, session: Session) -> Cart:
    """The visitor's cart, created on first use."""
    market = current_marketplace(request).code
    user_id = request.session.get("user_id")
    clock = runtime(request).clock
    if user_id is not None:
        return carts.get_or_create_cart(session, clock, marketplace=market, buyer_id=user_id)
    cart = carts.get_or_create_cart(
        session, clock, marketplace=market, token=guest_token(request, market)
    )
    remember_guest_cart(request, cart)
    return cart


def whole_number(value: str | None, field: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise InvalidInput("Enter a whole number.", field=field) from None


def cart_page(
    request: Request, session: Session, *, status_code: int = 200, **context: object
) -> HTMLResponse:
    cart = find_my_cart(request, session)
    view = carts.cart_view(session, cart) if cart else None
    return render(request, "storefront/cart.html", status_code=status_code, view=view, **context)


@router.get("/cart", response_class=HTMLResponse)
def show_cart(request: Request, session: Session = Depends(read_db)) -> HTMLResponse:
    return cart_page(request, session)


@router.post("/cart/add", dependencies=[Depends(check_csrf)])
async def add(request: Request, session: Session = Depends(db)) -> Response:
    values = await form_values(request)
    offer_id = whole_number(values.get("offer_id"), "offer_id")
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound("That offer is not available.", field="offer_id")
    try:
        quantity = whole_number(values.get("quantity"), "quantity")
        cart = open_my_cart(request, session)
        carts.add_to_cart(session, runtime(request).clock, cart, offer_id, quantity)
        # Add-to-cart is a signal for recommendations ("also considered").
        recs_service.record_add_to_cart(
            session, runtime(request).clock, shopper_of(request), cart.marketplace, [offer.asin]
        )
    except (InvalidInput, NotFound) as error:
        session.rollback()
        with runtime(request).read_sessions() as reading:
            context = product_context(request, reading, offer.asin)
            return render(
                request,
                "storefront/product.html",
                status_code=400,
                errors=field_errors(error),
                values=values,
                **context,
            )
    return RedirectResponse(f"/cart?added={offer_id}", status_code=303)


async def _line_action(request: Request, session: Session, action: str) -> Response:
    values = await form_values(request)
    cart = find_my_cart(request, session)
    if cart is None:
        raise NotFound("Your cart is empty.")
    line_id = whole_number(values.get("line_id"), "line_id")
    clock = runtime(request).clock
    try:
        if action == "quantity":
            quantity = whole_number(values.get("quantity"), "quantity")
            carts.set_quantity(session, clock, cart, line_id, quantity)
        elif action == "remove":
            carts.remove_line(session, clock, cart, line_id)
        else:
            carts.save_for_later(session, clock, cart, line_id, action == "save")
    except SoukError as error:
        if error.status != 400:
            raise
        session.rollback()
        with runtime(request).read_sessions() as reading:
            return cart_page(
                request,
                reading,
                status_code=400,
                line_errors={line_id: field_errors(error, "quantity")},
                line_values={line_id: values},
            )
    return RedirectResponse("/cart", status_code=303)


@router.post("/cart/quantity", dependencies=[Depends(check_csrf)])
async def change_quantity(request: Request, session: Session = Depends(db)) -> Response:
    return await _line_action(request, session, "quantity")


@router.post("/cart/remove", dependencies=[Depends(check_csrf)])
async def remove(request: Request, session: Session = Depends(db)) -> Response:
    return await _line_action(request, session, "remove")


@router.post("/cart/save", dependencies=[Depends(check_csrf)])
async def save(request: Request, session: Session = Depends(db)) -> Response:
    return await _line_action(request, session, "save")


@router.post("/cart/move", dependencies=[Depends(check_csrf)])
async def move_to_cart(request: Request, session: Session = Depends(db)) -> Response:
    return await _line_action(request, session, "move")
