"""Returns of orders souk fulfilled are graded at the centre when received: sellable
units go back to fulfillable stock, the rest to unfulfillable, and damage the
network caused is reimbursed to the seller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from souk.accounts.service import register_user
from souk.core.errors import InvalidInput
from souk.finance import service as finance
from souk.fulfillment import network
from souk.fulfillment.models import CentreStock, ReturnReceipt
from souk.fulfillment.service import record_delivery
from souk.orders.models import Order
from souk.returns import rules as return_rules
from souk.returns import service as returns
from souk.returns.models import ReturnRequest
from souk.sellers.models import Seller
from tests import factories as f
from tests.fulfillment.support import buy, buyer_at, offer_quantity, platform_offer, stock_at
from tests.returns import support as merchant_support
from tests.web.conftest import browser  # noqa: F401


def _buckets(session, offer_id):
    session.expire_all()
    rows = session.scalars(select(CentreStock).where(CentreStock.offer_id == offer_id)).all()
    return {name: sum(getattr(r, name) for r in rows) for name in ("fulfillable", "unfulfillable")}


def _returned_order(rt, session, key):
    """A platform order shipped by a centre, delivered, and its return requested
    (souk authorises returns of orders it fulfilled at once)."""
    stocked = platform_offer(rt, session, price="30.00")
    stock_at(rt, session, stocked, {"EWR4": 4})
    buyer = buyer_at(rt, session, "10001", "NY", "New York")
    order = buy(rt, session, buyer, stocked.offer_id, 1, key=key)
    session.commit()
    network.run_outbound(session, rt.clock)
    rt.clock.advance(timedelta(days=2))
    record_delivery(session, rt.clock, order.id)
    session.expire_all()
    order = session.get(Order, order.id)
    request = returns.request_return(
        session,
        rt.clock,
        buyer_id=buyer.user.id,
        order_id=order.id,
        items={order.items[0].id: 1},
        reason="Item arrived damaged",
    )
    assert request.status == return_rules.AUTHORIZED
    return stocked, order, request


def _reimbursed(session, seller_id, order_id):
    return [
        line
        for line in finance.transactions(session, seller_id, "US")
        if line.tx.kind == "reimbursement" and line.tx.reference == order_id
    ]


@pytest.mark.parametrize(
    ("grade", "condition", "deduction", "bucket", "reimbursed"),
    [
        ("sellable", "as_sold", 0, "fulfillable", False),
        ("customer_damaged", "damaged", 20, "unfulfillable", False),
        ("defective", "as_sold", 0, "unfulfillable", False),
        ("carrier_damaged", "damaged", 0, "unfulfillable", True),
        ("warehouse_damaged", "as_sold", 0, "unfulfillable", True),
    ],
)
def test_each_grade_moves_stock_and_decides_who_pays(
    rt, session, grade, condition, deduction, bucket, reimbursed
):
    stocked, order, request = _returned_order(rt, session, f"g-{grade}")
    before = _buckets(session, stocked.offer_id)
    quantity_before = offer_quantity(session, stocked.offer_id)
    refund = returns.receive_return(
        session,
        rt.clock,
        rt.payments,
        return_id=request.id,
        seller_id=None,
        condition=condition,
        deduction_percent=deduction,
        grade=grade,
    )
    after = _buckets(session, stocked.offer_id)
    assert after[bucket] == before[bucket] + 1
    sellable = bucket == "fulfillable"
    assert offer_quantity(session, stocked.offer_id) == quantity_before + (1 if sellable else 0)
    [receipt] = session.scalars(
        select(ReturnReceipt).where(ReturnReceipt.order_id == order.id)
    ).all()
    assert receipt.grade == grade
    assert bool(_reimbursed(session, stocked.seller_id, order.id)) == reimbursed
    assert refund.amount_minor == 3000 * (100 - deduction) // 100
    session.expire_all()
    received = session.get(ReturnRequest, request.id)
    assert received.status == return_rules.RECEIVED and received.restocked == sellable
    # The seller's returns page lists the grade.
    [line] = returns.seller_returns(session, stocked.seller_id)
    assert line.grades == (grade,)


def test_the_grade_follows_the_condition_when_none_is_given(rt, session):
    stocked, order, request = _returned_order(rt, session, "implied")
    returns.receive_return(
        session,
        rt.clock,
        rt.payments,
        return_id=request.id,
        seller_id=None,
        condition="damaged",
        deduction_percent=10,
    )
    receipt = session.scalar(select(ReturnReceipt).where(ReturnReceipt.order_id == order.id))
    assert receipt.grade == "customer_damaged" and receipt.liable == "seller"
    assert not _reimbursed(session, stocked.seller_id, order.id)


@pytest.mark.parametrize(
    ("grade", "condition", "deduction", "field"),
    [
        ("sellable", "damaged", 10, "grade"),
        ("customer_damaged", "as_sold", 0, "grade"),
        ("warehouse_damaged", "damaged", 20, "deduction_percent"),
        ("shiny", "as_sold", 0, "grade"),
    ],
)
def test_grades_that_contradict_the_condition_change_nothing(
    rt, session, grade, condition, deduction, field
):
    stocked, order, request = _returned_order(rt, session, f"bad-{grade}")
    before = _buckets(session, stocked.offer_id)
    with pytest.raises(InvalidInput) as error:
        returns.receive_return(
            session,
            rt.clock,
            rt.payments,
            return_id=request.id,
            seller_id=None,
            condition=condition,
            deduction_percent=deduction,
            grade=grade,
        )
    assert error.value.field == field
    session.rollback()
    assert _buckets(session, stocked.offer_id) == before
    assert session.get(ReturnRequest, request.id).status == return_rules.AUTHORIZED
    assert session.scalar(select(ReturnReceipt).where(ReturnReceipt.order_id == order.id)) is None


def test_merchant_returns_are_not_graded(rt, session):
    item = merchant_support.listing(rt, session, price="30.00", shipping="0")
    buyer = f.buyer(session, rt.clock)
    order = merchant_support.delivered_order(rt, session, buyer, item.offer)
    request = returns.request_return(
        session,
        rt.clock,
        buyer_id=buyer.user.id,
        order_id=order.id,
        items={order.items[0].id: 1},
        reason="Item arrived damaged",
    )
    returns.authorize_return(session, rt.clock, seller_id=order.seller_id, return_id=request.id)
    with pytest.raises(InvalidInput) as error:
        returns.receive_return(
            session,
            rt.clock,
            rt.payments,
            return_id=request.id,
            seller_id=order.seller_id,
            condition="as_sold",
            grade="sellable",
        )
    assert error.value.field == "grade"


def test_a_split_order_goes_back_to_each_centre_that_shipped_it(rt, session):
    stocked = platform_offer(rt, session, price="30.00")
    stock_at(rt, session, stocked, {"EWR4": 2, "DFW7": 2})
    buyer = buyer_at(rt, session, "10001", "NY", "New York")
    order = buy(rt, session, buyer, stocked.offer_id, 3, key="split")
    session.commit()
    assert network.run_outbound(session, rt.clock) == 2
    rt.clock.advance(timedelta(days=3))
    record_delivery(session, rt.clock, order.id)
    session.expire_all()
    order = session.get(Order, order.id)
    request = returns.request_return(
        session,
        rt.clock,
        buyer_id=buyer.user.id,
        order_id=order.id,
        items={order.items[0].id: 3},
        reason="Item arrived damaged",
    )
    returns.receive_return(
        session,
        rt.clock,
        rt.payments,
        return_id=request.id,
        seller_id=None,
        condition="as_sold",
        grade="sellable",
    )
    receipts = session.scalars(
        select(ReturnReceipt).where(ReturnReceipt.order_id == order.id)
    ).all()
    by_centre = {r.centre_id: r.quantity for r in receipts}
    assert sorted(by_centre.values()) == [1, 2] and len(by_centre) == 2
    assert _buckets(session, stocked.offer_id)["fulfillable"] == 4
    with pytest.raises(InvalidInput):  # nothing is left to come back
        network.receive_return(
            session,
            rt.clock,
            order_id=order.id,
            offer_id=stocked.offer_id,
            quantity=1,
            grade="sellable",
        )


def test_returns_desk_grades_on_the_ops_page_and_the_seller_sees_it(rt, session, browser):  # noqa: F811
    stocked, _order, request = _returned_order(rt, session, "desk")
    register_user(
        session,
        rt.clock,
        email="rita@souk.example",
        name="Rita Returns",
        password=f.PASSWORD,
        is_staff=True,
    )
    seller_email = session.get(Seller, stocked.seller_id).email
    session.commit()
    browser.sign_in("rita@souk.example")
    page = browser.get("/ops/fulfilment")
    assert f"/ops/fulfilment/returns/{request.id}" in page.text
    form = {"condition": "as_sold", "grade": "customer_damaged", "deduction_percent": "0"}
    bad = browser.post(f"/ops/fulfilment/returns/{request.id}", form)
    assert bad.status_code == 400 and "was not damaged by the buyer" in bad.text
    assert session.get(ReturnRequest, request.id).status == return_rules.AUTHORIZED
    session.commit()
    form["grade"] = "warehouse_damaged"
    done = browser.post(f"/ops/fulfilment/returns/{request.id}", form)
    assert done.status_code == 303
    page = browser.get("/ops/fulfilment?done=graded").text
    assert "Return received, refunded and graded" in page and "warehouse damaged" in page
    assert "souk (reimbursed)" in page
    browser.sign_in(seller_email)
    assert (
        "Graded at the souk centre: warehouse damaged"
        in browser.get("/seller/returns?status=received").text
    )
