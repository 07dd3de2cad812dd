"""Accounts on both databases: sign up, sign in, addresses, API tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from souk.accounts.models import Address, User
from souk.accounts.rules import PostalAddress
from souk.accounts.service import (
    add_address,
    addresses,
    authenticate,
    buyer_address,
    change_password,
    issue_api_token,
    register_user,
    user_for_token,
)
from souk.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from tests.factories import PASSWORD

HOME = PostalAddress("Ada Buyer", "1 Main St", "Springfield", "62701", "US", "IL")


def _register(session, clock, email="ada@example.com"):
    return register_user(session, clock, email=email, name="Ada", password=PASSWORD)


def test_register_then_sign_in(rt, session):
    user = _register(session, rt.clock, email="Ada@Example.com")
    assert user.email == "ada@example.com"
    assert user.password_hash != PASSWORD and user.created_at == rt.clock.now()
    assert authenticate(session, " ADA@example.com ", PASSWORD).id == user.id


def test_duplicate_email_is_a_conflict_and_writes_nothing(rt, session):
    _register(session, rt.clock)
    with pytest.raises(Conflict) as error:
        _register(session, rt.clock, email="ADA@example.com")
    assert error.value.field == "email"
    assert session.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": "  "}, "name"),
        ({"password": "short"}, "password"),
        ({"marketplace": "ZZ"}, "marketplace"),
    ],
)
def test_bad_registration_names_the_field_and_writes_nothing(rt, session, changes, field):
    fields = dict(email="ada@example.com", name="Ada", password=PASSWORD)
    fields.update(changes)
    with pytest.raises(InvalidInput) as error:
        register_user(session, rt.clock, **fields)
    assert error.value.field == field
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_wrong_password_or_unknown_email_cannot_sign_in(rt, session):
    user = _register(session, rt.clock)
    with pytest.raises(Unauthenticated):
        authenticate(session, "ada@example.com", "Wrong-Horse-9")
    with pytest.raises(Unauthenticated):
        authenticate(session, "nobody@example.com", PASSWORD)
    user.is_active = False
    session.commit()
    with pytest.raises(Unauthenticated):
        authenticate(session, "ada@example.com", PASSWORD)


def test_change_password(rt, session):
    user = _register(session, rt.clock)
    with pytest.raises(InvalidInput):
        change_password(session, user.id, "Wrong-Horse-9", "Brand-New-Pass-1")
    with pytest.raises(InvalidInput):
        change_password(session, user.id, PASSWORD, "short")
    change_password(session, user.id, PASSWORD, "Brand-New-Pass-1")
    assert authenticate(session, "ada@example.com", "Brand-New-Pass-1").id == user.id
    with pytest.raises(Unauthenticated):
        authenticate(session, "ada@example.com", PASSWORD)


def test_first_address_is_default_and_a_new_default_replaces_it(rt, session):
    user = _register(session, rt.clock)
    first = add_address(session, user.id, HOME)
    second = add_address(
        session, user.id, PostalAddress("Ada", "2 Side St", "Chicago", "60601", "US", "IL")
    )
    assert first.is_default and not second.is_default
    third = add_address(
        session,
        user.id,
        PostalAddress("Ada", "3 Far Rd", "Austin", "73301", "US", "TX"),
        make_default=True,
    )
    session.expire_all()
    book = addresses(session, user.id)
    assert next(a.id for a in book) == third.id
    assert [a.is_default for a in book] == [True, False, False]


def test_invalid_address_writes_nothing(rt, session):
    user = _register(session, rt.clock)
    with pytest.raises(InvalidInput) as error:
        add_address(
            session, user.id, PostalAddress("Ada", "1 Main", "Springfield", "ABCDE", "US", "IL")
        )
    assert error.value.field == "postal_code"
    assert session.scalar(select(func.count()).select_from(Address)) == 0


def test_someone_elses_address_is_not_found(rt, session):
    ada = _register(session, rt.clock)
    bob = _register(session, rt.clock, email="bob@example.com")
    address = add_address(session, ada.id, HOME)
    assert buyer_address(session, ada.id, address.id).id == address.id
    with pytest.raises(NotFound):
        buyer_address(session, bob.id, address.id)
    with pytest.raises(NotFound):
        add_address(session, 999_999, HOME)


def test_api_tokens_resolve_to_their_user_and_can_be_revoked(rt, session):
    user = _register(session, rt.clock)
    raw = issue_api_token(session, rt.clock, user.id, "cli")
    assert raw.startswith("souk_")
    assert user_for_token(session, raw).id == user.id
    with pytest.raises(Unauthenticated):
        user_for_token(session, raw + "x")
    from souk.accounts.models import ApiToken

    token = session.scalars(select(ApiToken)).one()
    assert token.token_hash != raw  # only the digest is stored
    token.revoked_at = rt.clock.now()
    session.commit()
    with pytest.raises(Unauthenticated):
        user_for_token(session, raw)
