"""Sellers v1: getMarketplaceParticipations."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.sellerapi.service import Caller
from souk.sellers.service import get_seller
from souk.web.deps import read_db
from souk.web.spapi.common import ERRORS, Model, operation, seller_of

router = APIRouter(tags=["seller API: sellers v1"])


class Marketplace(Model):
    id: str
    name: str
    countryCode: str
    defaultCurrencyCode: str
    defaultLanguageCode: str
    domainName: str


class Participation(Model):
    isParticipating: bool
    hasSuspendedListings: bool


class MarketplaceParticipation(Model):
    marketplace: Marketplace
    participation: Participation
    storeName: str


class GetMarketplaceParticipationsResponse(Model):
    payload: list[MarketplaceParticipation] | None = None


@router.get(
    "/sellers/v1/marketplaceParticipations",
    operation_id="getMarketplaceParticipations",
    response_model=GetMarketplaceParticipationsResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_marketplace_participations(
    caller: Caller = Depends(operation("getMarketplaceParticipations")),
    session: Session = Depends(read_db),
) -> GetMarketplaceParticipationsResponse:
    """The seller's home site and every site it lists offers in."""
    seller = get_seller(session, seller_of(caller))
    home = "UK" if seller.country == "GB" else seller.country
    listed = set(
        session.scalars(select(Offer.marketplace).where(Offer.seller_id == seller.id).distinct())
    )
    suspended = set(
        session.scalars(
            select(Offer.marketplace)
            .where(Offer.seller_id == seller.id, Offer.is_active.is_(False))
            .distinct()
        )
    )
    codes = [c for c in MARKETPLACES if c == home or c in listed]
    return GetMarketplaceParticipationsResponse(
        payload=[
            MarketplaceParticipation(
                marketplace=Marketplace(
                    id=MARKETPLACES[c].marketplace_id,
                    name=MARKETPLACES[c].name,
                    countryCode="GB" if c == "UK" else c,
                    defaultCurrencyCode=MARKETPLACES[c].currency,
                    defaultLanguageCode=MARKETPLACES[c].locale,
                    domainName=MARKETPLACES[c].domain,
                ),
                participation=Participation(
                    isParticipating=seller.status == "active",
                    hasSuspendedListings=c in suspended,
                ),
                storeName=seller.store_name,
            )
            for c in codes
        ]
    )
