"""Scheduled product banners: who may place one, the content rules, region targeting and
a local-time start across a daylight-saving change; on both databases."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from souk.catalog.models import Brand
from souk.core.clock import utc
from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.policy.models import BrandOwner
from souk.promotions import banners, rules
from souk.promotions.models import ProductBanner
from souk.sellers.models import SellerUser
from souk.web.app import create_app
from tests import factories as f
from tests.promotions import support as s
from tests.web.conftest import Browser

# 2026-03-08: US clocks went forward at 02:00. 08:00 EDT is 12:00 UTC (a day
# earlier 08:00 EST was 13:00 UTC); 08:00 PDT in California is 15:00 UTC.
EIGHT_NY = utc(2026, 3, 8, 12)
EIGHT_CA = utc(2026, 3, 8, 15)


def png(width: int = 600, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (15, 76, 92)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def kettle_shop(rt, session):  # type: ignore[no-untyped-def]
    rt.clock.set(utc(2026, 3, 6, 12))
    seller = f.seller(session, rt.clock, name="Kettle House")
    product = f.product(session, rt.clock, title="Acme Steel Kettle")
    f.offer(
        session, rt.clock, seller_id=seller.id, asin=product.asin, price="20.00", sku="KETTLE-1"
    )
    return seller, product


def draft(**changes: object) -> banners.BannerDraft:
    base = banners.BannerDraft(
        product="KETTLE-1",
        headline="New: the spring colours are here",
        starts=datetime(2026, 3, 8, 8, 0),
        ends=datetime(2026, 3, 8, 20, 0),
        each_zone=True,
        audience=rules.Audience(states=("US-NY", "US-CA")),
    )
    return banners.BannerDraft(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def _create(rt, session, seller, **changes):  # type: ignore[no-untyped-def]
    return banners.create_banner(
        session, rt.clock, rt.media, seller_id=seller.id, marketplace="US", draft=draft(**changes)
    )


def _shown(rt, session, product, buyer) -> list[str]:  # type: ignore[no-untyped-def]
    found = banners.live_banners(
        session, rt.clock.now(), "US", product.asin, buyer.user.id if buyer else None
    )
    return [b.headline for b in found]


def test_banner_starts_at_eight_in_each_buyers_zone_across_the_dst_change(rt, session, kettle_shop):  # type: ignore[no-untyped-def]
    seller, product = kettle_shop
    new_yorker = s.buyer_in(session, rt.clock, "NY")
    californian = s.buyer_in(session, rt.clock, "CA")
    texan = s.buyer_in(session, rt.clock, "IL")  # Chicago: outside the audience
    banner = _create(rt, session, seller)
    assert banners.status_of(banner, rt.clock.now()) == banners.SCHEDULED
    rt.clock.set(EIGHT_NY - timedelta(minutes=1))
    assert _shown(rt, session, product, new_yorker) == []
    rt.clock.set(EIGHT_NY)  # 08:00 EDT, not 08:00 EST (which would be an hour later)
    assert _shown(rt, session, product, new_yorker) == ["New: the spring colours are here"]
    assert _shown(rt, session, product, californian) == []  # 05:00 in California
    assert banners.status_of(banner, rt.clock.now()) == banners.LIVE
    rt.clock.set(EIGHT_CA)
    assert _shown(rt, session, product, californian) == ["New: the spring colours are here"]
    # Outside the region, or a guest: never.
    assert _shown(rt, session, product, texan) == []
    assert _shown(rt, session, product, None) == []
    rt.clock.set(utc(2026, 3, 9, 0))  # 20:00 EDT: over in New York, 17:00 in California
    assert _shown(rt, session, product, new_yorker) == []
    assert _shown(rt, session, product, californian) != []
    rt.clock.set(utc(2026, 3, 9, 3))  # 20:00 PDT
    assert _shown(rt, session, product, californian) == []
    assert banners.status_of(banner, rt.clock.now()) == banners.ENDED


def test_marketplace_time_banner_for_everyone_reaches_guests(rt, session, kettle_shop):  # type: ignore[no-untyped-def]
    seller, product = kettle_shop
    _create(rt, session, seller, each_zone=False, audience=rules.Audience())
    rt.clock.set(EIGHT_NY - timedelta(minutes=1))
    assert _shown(rt, session, product, None) == []
    rt.clock.set(EIGHT_NY)  # 08:00 New York time, the US marketplace's zone
    assert _shown(rt, session, product, None) == ["New: the spring colours are here"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"headline": "Mail us at kettles@example.com"}, "headline", "buyers reach sellers"),
        ({"headline": "Call 212 555 0199 for bulk orders"}, "headline", "buyers reach sellers"),
        ({"headline": "Free shipping on every kettle"}, "headline", "free shipping"),
        ({"headline": "Deal: 20% off this week"}, "headline", "% off"),
        ({"headline": "Hi"}, "headline", "3 to 160 characters"),
        ({"product": "NOT-MINE"}, "product", "no offer with SKU NOT-MINE"),
        ({"product": ""}, "product", "Enter one of your SKUs"),
        ({"ends": datetime(2026, 3, 8, 7, 0)}, "ends", "end must be after"),
        (
            {"starts": datetime(2026, 3, 1, 8), "ends": datetime(2026, 3, 2, 8)},
            "ends",
            "already ended",
        ),
        ({"image": b"GIF89a not really an image"}, "image", "not a JPEG, PNG or WebP"),
        ({"image": png(40, 40)}, "image", "at least 100 pixels"),
    ],
)
def test_bad_banners_are_refused_and_nothing_is_written(
    rt, session, kettle_shop, changes, field, message
):  # type: ignore[no-untyped-def]
    seller, _ = kettle_shop
    with pytest.raises(InvalidInput, match=message) as refused:
        _create(rt, session, seller, **changes)
    assert refused.value.field == field
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ProductBanner)) == 0


def test_another_sellers_product_is_refused_but_a_brand_owner_may_use_its_asin(
    rt, session, kettle_shop
):  # type: ignore[no-untyped-def]
    owner = f.seller(session, rt.clock, name="Acme Brand Co")
    other = f.product(session, rt.clock, title="Acme Toaster", brand="Acme")
    stranger = f.product(session, rt.clock, title="Zeta Toaster", brand="Zeta")
    with pytest.raises(InvalidInput):
        banners.create_banner(
            session, rt.clock, rt.media, seller_id=owner.id, marketplace="US",
            draft=draft(product=other.asin),
        )  # fmt: skip
    session.rollback()
    user_id = session.scalar(select(SellerUser.user_id).where(SellerUser.seller_id == owner.id))
    brand_id = session.scalar(select(Brand.id).where(Brand.name == "Acme"))
    session.add(
        BrandOwner(
            brand_id=brand_id, user_id=user_id, trademark_number="97000001",
            trademark_office="USPTO", registered_at=rt.clock.now(),
        )
    )  # fmt: skip
    session.commit()
    banner = banners.create_banner(
        session, rt.clock, rt.media, seller_id=owner.id, marketplace="US",
        draft=draft(product=other.asin.lower()),
    )  # fmt: skip
    assert banner.asin == other.asin
    with pytest.raises(InvalidInput, match="no brand you own"):
        banners.create_banner(
            session, rt.clock, rt.media, seller_id=owner.id, marketplace="US",
            draft=draft(product=stranger.asin),
        )  # fmt: skip


def test_banner_image_is_checked_and_stored_and_a_banner_can_be_taken_down(
    rt, session, kettle_shop
):  # type: ignore[no-untyped-def]
    seller, product = kettle_shop
    banner = _create(rt, session, seller, image=png())
    assert banner.image_key == f"banners/{seller.id}/{banner.id}.png"
    assert rt.media.exists(banner.image_key)
    assert (banner.image_width, banner.image_height) == (600, 200)
    other = f.seller(session, rt.clock)
    with pytest.raises(NotFound):
        banners.withdraw_banner(session, rt.clock, other.id, banner.id)
    banners.withdraw_banner(session, rt.clock, seller.id, banner.id)
    assert banners.status_of(banner, rt.clock.now()) == banners.WITHDRAWN
    with pytest.raises(InvalidState):
        banners.withdraw_banner(session, rt.clock, seller.id, banner.id)
    rt.clock.set(EIGHT_NY)
    assert banners.live_banners(session, rt.clock.now(), "US", product.asin, None) == []


def test_seller_schedules_a_banner_and_the_product_page_shows_it_in_target(
    rt, session, kettle_shop
):  # type: ignore[no-untyped-def]
    seller, product = kettle_shop
    new_yorker = s.buyer_in(session, rt.clock, "NY")
    californian = s.buyer_in(session, rt.clock, "CA")
    emails = seller.email, new_yorker.user.email, californian.user.email
    asin = product.asin
    session.commit()
    form = {
        "product": "KETTLE-1",
        "headline": "Now in sage green",
        "starts": "2026-03-08T08:00",
        "ends": "2026-03-08T20:00",
        "each_zone": "1",
        "states": "NY",
    }
    with TestClient(create_app(rt, background=False)) as client:
        web = Browser(client)
        web.sign_in(emails[0])
        assert web.get("/seller/promotions/banners").status_code == 200
        bad = web.post("/seller/promotions/banners", {**form, "headline": "Text 212-555-0199"})
        assert bad.status_code == 400 and "buyers reach sellers" in bad.text
        bad = web.post("/seller/promotions/banners", {**form, "states": "ZZ"})
        assert bad.status_code == 400 and "not a state or province" in bad.text
        made = web.post(
            "/seller/promotions/banners",
            form,
            files={"image": ("banner.png", png(), "image/png")},
        )
        assert made.status_code == 303, made.text[-400:]
        listing = web.get("/seller/promotions/banners")
        assert "Now in sage green" in listing.text and "Scheduled" in listing.text
    rt.clock.set(EIGHT_NY)
    for email, shown in ((emails[1], True), (emails[2], False)):
        with TestClient(create_app(rt, background=False)) as client:
            web = Browser(client)
            web.sign_in(email)
            page = web.get(f"/dp/{asin}")
            assert page.status_code == 200
            assert ("Now in sage green" in page.text) is shown
            assert ('class="product-banner' in page.text) is shown
