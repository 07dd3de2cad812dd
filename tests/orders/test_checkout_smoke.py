from souk.orders.service import CheckoutRequest, place_order
from tests import factories as f


def test_checkout_splits_per_seller_and_takes_stock(rt, session):
    a = f.seller(session, rt.clock)
    b = f.seller(session, rt.clock)
    p = f.product(session, rt.clock)
    oa = f.offer(session, rt.clock, seller_id=a.id, asin=p.asin, price="10.00", quantity=3)
    ob = f.offer(session, rt.clock, seller_id=b.id, asin=p.asin, price="11.00", quantity=3)
    buyer = f.buyer(session, rt.clock)
    result = place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed="standard",
            card=f.GOOD_CARD,
            idempotency_key="k1",
            lines=((oa.id, 2), (ob.id, 1)),
        ),
    )
    assert sorted(o.seller_id for o in result.orders) == sorted([a.id, b.id])
    assert all(o.status == "Unshipped" for o in result.orders)
    session.expire_all()
    assert session.get(type(oa), oa.id).quantity == 1
