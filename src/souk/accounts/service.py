"""Use cases for people's accounts: sign up, sign in, addresses, API tokens."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from souk.accounts.models import Address, ApiToken, User
from souk.accounts.rules import PostalAddress, check_address, check_email, check_password
from souk.core.clock import Clock
from souk.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from souk.core.ids import new_token
from souk.core.security import hash_password, token_digest, verify_password
from souk.marketplaces.rules import MARKETPLACES


def register_user(
    session: Session,
    clock: Clock,
    *,
    email: str,
    name: str,
    password: str,
    marketplace: str = "US",
    is_staff: bool = False,
) -> User:
    email = check_email(email)
    if not name.strip():
        raise InvalidInput("Enter your name.", field="name")
    check_password(password)
    if marketplace not in MARKETPLACES:
        raise InvalidInput("Unknown marketplace.", field="marketplace")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("An account with this e-mail address already exists.", field="email")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        is_staff=is_staff,
        default_marketplace=marketplace,
        created_at=clock.now(),
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        # Another sign-up with the same address won the race since the check above.
        session.rollback()
        raise Conflict(
            "An account with this e-mail address already exists.", field="email"
        ) from None
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise Unauthenticated("E-mail address or password is not right.", field="password")
    return user


def change_password(session: Session, user_id: int, current: str, new: str) -> None:
    user = get_user(session, user_id)
    if not verify_password(user.password_hash, current):
        raise InvalidInput("Your current password is not right.", field="current_password")
    check_password(new)
    user.password_hash = hash_password(new)
    session.commit()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    return user


def add_address(
    session: Session, user_id: int, address: PostalAddress, *, make_default: bool = False
) -> Address:
    clean = check_address(address)
    get_user(session, user_id)
    # Ask the database, not ``user.addresses``: that collection may have been
    # loaded earlier in this session and not know of addresses added since.
    others = addresses(session, user_id)
    row = Address(user_id=user_id, is_default=make_default or not others, **clean.__dict__)
    if row.is_default:
        for other in others:
            other.is_default = False
    session.add(row)
    session.commit()
    return row


def addresses(session: Session, user_id: int) -> list[Address]:
    return list(
        session.scalars(
            select(Address)
            .where(Address.user_id == user_id)
            .order_by(Address.is_default.desc(), Address.id)
        )
    )


def buyer_address(session: Session, user_id: int, address_id: int) -> Address:
    """One of the buyer's own addresses; anyone else's is simply not found."""
    address = session.get(Address, address_id)
    if address is None or address.user_id != user_id:
        raise NotFound("No such address in your address book.", field="address_id")
    return address


def issue_api_token(session: Session, clock: Clock, user_id: int, label: str = "") -> str:
    """A new bearer token; only its digest is kept, so it is shown once."""
    raw = "souk_" + new_token()
    session.add(
        ApiToken(user_id=user_id, token_hash=token_digest(raw), label=label, created_at=clock.now())
    )
    session.commit()
    return raw


# Built once: every API call runs it, and a statement object keeps its cache key.
_TOKEN_USER = (
    select(ApiToken.revoked_at, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def user_for_token(session: Session, raw: str) -> User:
    """The account behind a live bearer token (one query: every API call pays it)."""
    row = session.execute(_TOKEN_USER, {"digest": token_digest(raw)}).first()
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("The access token is missing, unknown or revoked.")
    if not row.User.is_active:
        raise Unauthenticated("The access token's account is closed.")
    return row.User
