"""Seller accounts on both databases: registration, roles, status, platform retail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from souk.accounts.service import authenticate, register_user
from souk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from souk.core.events import OutboxEvent
from souk.core.ids import is_seller_id
from souk.sellers.models import Seller
from souk.sellers.service import (
    add_seller_user,
    get_seller,
    list_sellers,
    memberships,
    platform_retail,
    register_seller,
    require_permission,
    set_holiday,
    set_status,
)
from tests.factories import PASSWORD


def _register(session, clock, **changes):
    fields = dict(
        business_name="Acme Trading",
        email="owner@acme.example",
        country="us",
        plan="professional",
        password=PASSWORD,
    )
    fields.update(changes)
    return register_seller(session, clock, **fields)


def test_register_seller_creates_an_admin_user_who_can_sign_in(rt, session):
    seller, generated = _register(session, rt.clock)
    assert generated is None
    assert is_seller_id(seller.id)
    assert (seller.business_name, seller.country, seller.plan) == (
        "Acme Trading",
        "US",
        "professional",
    )
    user = authenticate(session, "owner@acme.example", PASSWORD)
    assert [(s.id, role) for s, role in memberships(session, user.id)] == [(seller.id, "admin")]
    topics = session.scalars(select(OutboxEvent.topic)).all()
    assert "seller.registered" in topics


def test_register_without_password_generates_one_to_show_once(rt, session):
    _seller, generated = _register(session, rt.clock)
    _, generated = _register(session, rt.clock, email="two@acme.example", password=None)
    assert generated and len(generated) >= 10
    authenticate(session, "two@acme.example", generated)


def test_duplicate_seller_email_is_a_conflict(rt, session):
    _register(session, rt.clock)
    with pytest.raises(Conflict):
        _register(session, rt.clock, business_name="Other")
    assert session.scalar(select(func.count()).select_from(Seller)) == 1


def test_existing_buyer_email_cannot_be_taken_over_with_a_new_password(rt, session):
    register_user(session, rt.clock, email="owner@acme.example", name="Ada", password=PASSWORD)
    with pytest.raises(Conflict):
        _register(session, rt.clock, password="Another-Pass-1")
    assert session.scalar(select(func.count()).select_from(Seller)) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"business_name": " "}, "business_name"),
        ({"email": "nope"}, "email"),
        ({"plan": "gold"}, "plan"),
        ({"country": "USA"}, "country"),
        ({"password": "short"}, "password"),
    ],
)
def test_bad_registration_writes_nothing(rt, session, changes, field):
    with pytest.raises(InvalidInput) as error:
        _register(session, rt.clock, **changes)
    assert error.value.field == field
    assert session.scalar(select(func.count()).select_from(Seller)) == 0


def test_roles_limit_what_a_seller_user_may_do(rt, session):
    seller, _ = _register(session, rt.clock)
    clerk = register_user(session, rt.clock, email="clerk@example.com", name="C", password=PASSWORD)
    stranger = register_user(session, rt.clock, email="x@example.com", name="X", password=PASSWORD)
    add_seller_user(session, seller.id, clerk.id, "orders")
    assert require_permission(session, clerk.id, seller.id, "orders").id == seller.id
    with pytest.raises(Forbidden):
        require_permission(session, clerk.id, seller.id, "inventory")
    with pytest.raises(NotFound):  # no hint the seller exists
        require_permission(session, stranger.id, seller.id, "orders")
    add_seller_user(session, seller.id, clerk.id, "inventory")  # changes the role
    require_permission(session, clerk.id, seller.id, "inventory")
    with pytest.raises(InvalidInput):
        add_seller_user(session, seller.id, clerk.id, "owner")


def test_status_changes_need_a_reason_and_emit_events(rt, session):
    seller, _ = _register(session, rt.clock)
    with pytest.raises(InvalidInput):
        set_status(session, rt.clock, seller.id, "suspended", " ")
    with pytest.raises(InvalidInput):
        set_status(session, rt.clock, seller.id, "banned", "x")
    set_status(session, rt.clock, seller.id, "suspended", "Late shipments")
    assert get_seller(session, seller.id).status == "suspended"
    set_status(session, rt.clock, seller.id, "active", "")
    set_holiday(session, rt.clock, seller.id, True)
    assert get_seller(session, seller.id).on_holiday
    events = session.scalars(
        select(OutboxEvent).where(OutboxEvent.topic == "seller.status_changed")
    ).all()
    assert len(events) == 3
    with pytest.raises(NotFound):
        get_seller(session, "ANOSUCHSELLER1")


def test_platform_retail_is_created_once(rt, session):
    first = platform_retail(session, rt.clock)
    second = platform_retail(session, rt.clock)
    assert first.id == second.id and first.is_platform_retail
    assert [s.id for s in list_sellers(session)] == [first.id]
