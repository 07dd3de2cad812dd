"""Sign up, sign in (with the guest cart merged in), sign out, password change."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.accounts.service import authenticate, change_password, register_user
from souk.core.errors import InvalidInput, SoukError
from souk.orders.cart import merge_guest_cart
from souk.web.deps import check_csrf, current_marketplace, db, runtime, signed_in_user
from souk.web.pages import field_errors, form_values, render, safe_next

router = APIRouter()


def sign_in(request: Request, session: Session, user: User) -> None:
    """Start the signed-in session; carts kept as a guest join the buyer's carts."""
    clock = runtime(request).clock
    for marketplace, token in (request.session.get("cart_tokens") or {}).items():
        merge_guest_cart(session, clock, token=token, buyer_id=user.id, marketplace=marketplace)
    request.session.pop("cart_tokens", None)
    request.session.pop("seller_id", None)
    request.session["user_id"] = user.id


def _form_failed(error: SoukError) -> bool:
    """Errors about what was typed are shown on the form; others go to the error page."""
    return error.status in (400, 401, 409)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "storefront/signin.html", next_url=safe_next(next))


@router.post("/signin", dependencies=[Depends(check_csrf)])
async def signin(request: Request, session: Session = Depends(db)) -> Response:
    values = await form_values(request)
    next_url = safe_next(values.get("next"))
    try:
        user = authenticate(session, values.get("email", ""), values.get("password", ""))
    except SoukError as error:
        values.pop("password", None)
        return render(
            request,
            "storefront/signin.html",
            status_code=400,
            errors=field_errors(error),
            values=values,
            next_url=next_url,
        )
    sign_in(request, session, user)
    # Sellers' people leave device and IP signals for linked-account detection.
    from souk.web.storefront.seller_signals import record_seller_sign_in, remember_device

    record_seller_sign_in(request, session, user.id)
    return remember_device(request, RedirectResponse(next_url, status_code=303))


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "storefront/signup.html", next_url=safe_next(next))


@router.post("/signup", dependencies=[Depends(check_csrf)])
async def signup(request: Request, session: Session = Depends(db)) -> Response:
    values = await form_values(request)
    next_url = safe_next(values.get("next"))
    try:
        if values.get("password", "") != values.get("password_again", ""):
            raise InvalidInput("The two passwords are not the same.", field="password_again")
        user = register_user(
            session,
            runtime(request).clock,
            email=values.get("email", ""),
            name=values.get("name", ""),
            password=values.get("password", ""),
            marketplace=current_marketplace(request).code,
        )
    except SoukError as error:
        if not _form_failed(error):
            raise
        session.rollback()
        values.pop("password", None)
        values.pop("password_again", None)
        return render(
            request,
            "storefront/signup.html",
            status_code=400,
            errors=field_errors(error),
            values=values,
            next_url=next_url,
        )
    sign_in(request, session, user)
    return RedirectResponse(next_url, status_code=303)


@router.post("/signout", dependencies=[Depends(check_csrf)])
async def signout(request: Request) -> Response:
    marketplace = request.session.get("marketplace")
    request.session.clear()
    if marketplace:
        request.session["marketplace"] = marketplace
    return RedirectResponse("/", status_code=303)


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, user: User = Depends(signed_in_user)) -> HTMLResponse:
    return render(request, "storefront/password.html")


@router.post("/account/password", dependencies=[Depends(check_csrf)])
async def password_change(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    try:
        if values.get("new_password", "") != values.get("new_password_again", ""):
            raise InvalidInput(
                "The two new passwords are not the same.", field="new_password_again"
            )
        change_password(
            session, user.id, values.get("current_password", ""), values.get("new_password", "")
        )
    except SoukError as error:
        if not _form_failed(error):
            raise
        session.rollback()
        errors = field_errors(error)
        if "password" in errors:  # the rules name the new password "password"
            errors["new_password"] = errors.pop("password")
        return render(request, "storefront/password.html", status_code=400, errors=errors)
    return render(request, "storefront/password.html", changed=True)
