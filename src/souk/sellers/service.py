"""Use cases for seller accounts and the platform's own retail account."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.accounts.rules import check_email, check_password
from souk.core.clock import Clock
from souk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from souk.core.events import emit
from souk.core.ids import new_seller_id
from souk.core.security import hash_password
from souk.sellers.models import Seller, SellerUser
from souk.sellers.rules import (
    STATUSES,
    check_business_name,
    check_plan,
    check_role,
    check_store_settings,
    may,
)

PLATFORM_RETAIL_EMAIL = "retail@souk.example"
PLATFORM_RETAIL_NAME = "souk"


def register_seller(
    session: Session,
    clock: Clock,
    *,
    business_name: str,
    email: str,
    country: str,
    plan: str,
    password: str | None = None,
    owner_name: str = "",
    is_platform_retail: bool = False,
) -> tuple[Seller, str | None]:
    """A new seller account with its first admin user.

    Returns the seller and, when no password was given, the generated one
    (to be shown once), so an operator can hand the login over.
    """
    name = check_business_name(business_name)
    if not is_platform_retail:
        # Misleading names and other owners' registered brands are refused.
        from souk.policy.service import check_business_name as check_name_policy

        check_name_policy(session, name)
    email = check_email(email)
    check_plan(plan)
    country = country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput("Country must be a two-letter code, like US.", field="country")
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12) + "-S1"
    check_password(password)
    if session.scalar(select(Seller.id).where(Seller.email == email)) is not None:
        raise Conflict("A seller account with this e-mail address already exists.", field="email")
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email,
            name=owner_name.strip() or name,
            password_hash=hash_password(password),
            created_at=clock.now(),
        )
        session.add(user)
        session.flush()
    elif generated is None:
        raise Conflict(
            "That e-mail address already has an account; sign in to add selling.", field="email"
        )
    seller = Seller(
        id=new_seller_id(),
        business_name=name,
        store_name=name,
        email=email,
        country=country,
        plan=plan,
        is_platform_retail=is_platform_retail,
        created_at=clock.now(),
    )
    session.add(seller)
    session.flush()
    session.add(SellerUser(seller_id=seller.id, user_id=user.id, role="admin"))
    emit(session, "seller.registered", seller.id, {"seller_id": seller.id}, clock.now())
    session.commit()
    return seller, generated


def platform_retail(session: Session, clock: Clock) -> Seller:
    """The platform's own retail account ("Ships from and sold by souk"), created once."""
    seller = session.scalar(select(Seller).where(Seller.is_platform_retail.is_(True)))
    if seller is None:
        seller, _ = register_seller(
            session,
            clock,
            business_name=PLATFORM_RETAIL_NAME,
            email=PLATFORM_RETAIL_EMAIL,
            country="US",
            plan="professional",
            is_platform_retail=True,
        )
    return seller


def get_seller(session: Session, seller_id: str) -> Seller:
    seller = session.get(Seller, seller_id)
    if seller is None:
        raise NotFound(f"No seller {seller_id}.")
    return seller


def list_sellers(session: Session, *, limit: int = 500, offset: int = 0) -> list[Seller]:
    return list(
        session.scalars(
            select(Seller).order_by(Seller.created_at, Seller.id).limit(limit).offset(offset)
        )
    )


def count_sellers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Seller)) or 0


def memberships(session: Session, user_id: int) -> list[tuple[Seller, str]]:
    rows = session.execute(
        select(Seller, SellerUser.role)
        .join(SellerUser, SellerUser.seller_id == Seller.id)
        .where(SellerUser.user_id == user_id)
        .order_by(Seller.business_name)
    )
    return [(seller, role) for seller, role in rows]


def require_permission(session: Session, user_id: int, seller_id: str, permission: str) -> Seller:
    """The seller, if this user works for it with a role that allows ``permission``."""
    role = session.scalar(
        select(SellerUser.role).where(
            SellerUser.user_id == user_id, SellerUser.seller_id == seller_id
        )
    )
    if role is None:
        raise NotFound(f"No seller {seller_id}.")
    if not may(role, permission):
        raise Forbidden(f"Your role ({role}) does not allow {permission}.")
    return get_seller(session, seller_id)


def add_seller_user(session: Session, seller_id: str, user_id: int, role: str) -> SellerUser:
    check_role(role)
    get_seller(session, seller_id)
    existing = session.scalar(
        select(SellerUser).where(SellerUser.seller_id == seller_id, SellerUser.user_id == user_id)
    )
    if existing is not None:
        existing.role = role
        session.commit()
        return existing
    row = SellerUser(seller_id=seller_id, user_id=user_id, role=role)
    session.add(row)
    session.commit()
    return row


def set_status(session: Session, clock: Clock, seller_id: str, status: str, reason: str) -> Seller:
    """Suspend, deactivate or reinstate a seller; their offers follow at once."""
    if status not in STATUSES:
        raise InvalidInput(f"Status must be one of {', '.join(STATUSES)}.", field="status")
    if status != "active" and not reason.strip():
        raise InvalidInput("Give the reason the seller will see.", field="reason")
    seller = get_seller(session, seller_id)
    seller.status = status
    seller.status_reason = reason.strip()
    emit(
        session,
        "seller.status_changed",
        seller.id,
        {"seller_id": seller.id, "status": status},
        clock.now(),
    )
    session.commit()
    return seller


def set_holiday(session: Session, clock: Clock, seller_id: str, on_holiday: bool) -> Seller:
    seller = get_seller(session, seller_id)
    seller.on_holiday = on_holiday
    emit(
        session,
        "seller.status_changed",
        seller.id,
        {"seller_id": seller.id, "on_holiday": on_holiday},
        clock.now(),
    )
    session.commit()
    return seller


def seller_users(session: Session, seller_id: str) -> list[tuple[User, str]]:
    """The people working in this seller's Seller Central, with their roles."""
    rows = session.execute(
        select(User, SellerUser.role)
        .join(SellerUser, SellerUser.user_id == User.id)
        .where(SellerUser.seller_id == seller_id)
        .order_by(User.name, User.id)
    )
    return [(user, role) for user, role in rows]


def update_store_settings(
    session: Session,
    seller_id: str,
    *,
    default_handling_days: int,
    max_handling_days: int,
    about: str,
    returns_policy: str,
) -> Seller:
    """The seller's defaults and the store profile buyers read on the storefront page."""
    about, returns_policy = about.strip(), returns_policy.strip()
    check_store_settings(default_handling_days, max_handling_days, about, returns_policy)
    seller = get_seller(session, seller_id)
    seller.default_handling_days = default_handling_days
    seller.about = about
    seller.returns_policy = returns_policy
    session.commit()
    return seller
