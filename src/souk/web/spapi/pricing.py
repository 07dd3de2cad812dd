"""Product Pricing v0: getItemOffers, getListingOffers, getCompetitivePricing, from the
stored Buy Box decision and the product's live offers."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from souk.buybox.rules import OfferFacts
from souk.catalog.service import products_by_asin
from souk.core.errors import NotFound
from souk.core.money import Money, exponent
from souk.feedback.service import seller_ratings
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.service import ProductOffers, product_offers, seller_offer
from souk.rankings.service import product_ranks
from souk.sellerapi import rules, service
from souk.sellerapi.service import Caller
from souk.web.deps import read_db, runtime
from souk.web.spapi.common import ERRORS, Model, csv, operation, seller_of

router = APIRouter(tags=["seller API: product pricing v0"])

ITEM_CONDITIONS = ("New", "Used", "Collectible", "Refurbished", "Club")
GROUPS = {
    "new": ("New", "new"),
    "used_like_new": ("Used", "mint"),
    "used_very_good": ("Used", "very_good"),
    "used_good": ("Used", "good"),
    "used_acceptable": ("Used", "acceptable"),
    "refurbished": ("Refurbished", "refurbished"),
    "collectible": ("Collectible", "good"),
}


class MoneyType(Model):
    CurrencyCode: str | None = None
    Amount: float | None = None


class ItemIdentifier(Model):
    MarketplaceId: str
    ASIN: str | None = None
    SellerSKU: str | None = None
    ItemCondition: str


class OfferCount(Model):
    condition: str | None = None
    fulfillmentChannel: str | None = None
    OfferCount: int | None = None


class LowestPrice(Model):
    condition: str
    fulfillmentChannel: str
    LandedPrice: MoneyType | None = None
    ListingPrice: MoneyType
    Shipping: MoneyType | None = None


class BuyBoxPrice(Model):
    condition: str
    LandedPrice: MoneyType
    ListingPrice: MoneyType
    Shipping: MoneyType
    sellerId: str | None = None


class SummaryType(Model):
    TotalOfferCount: int
    NumberOfOffers: list[OfferCount] | None = None
    LowestPrices: list[LowestPrice] | None = None
    BuyBoxPrices: list[BuyBoxPrice] | None = None
    BuyBoxEligibleOffers: list[OfferCount] | None = None
    OffersAvailableTime: str | None = None


class SellerFeedback(Model):
    SellerPositiveFeedbackRating: float | None = None
    FeedbackCount: int


class ShippingTimeType(Model):
    minimumHours: int | None = None
    maximumHours: int | None = None
    availabilityType: str | None = None


class ShipsFromType(Model):
    State: str | None = None
    Country: str | None = None


class PrimeInformationType(Model):
    IsPrime: bool
    IsNationalPrime: bool


class OfferDetail(Model):
    MyOffer: bool | None = None
    SubCondition: str
    SellerId: str | None = None
    SellerFeedbackRating: SellerFeedback | None = None
    ShippingTime: ShippingTimeType
    ListingPrice: MoneyType
    Shipping: MoneyType
    ShipsFrom: ShipsFromType | None = None
    IsFulfilledByAmazon: bool
    PrimeInformation: PrimeInformationType | None = None
    IsBuyBoxWinner: bool | None = None
    IsFeaturedMerchant: bool | None = None


class GetOffersResult(Model):
    marketplaceId: str
    ASIN: str | None = None
    SKU: str | None = None
    ItemCondition: str
    status: str
    Identifier: ItemIdentifier
    Summary: SummaryType
    Offers: list[OfferDetail]


class GetOffersResponse(Model):
    payload: GetOffersResult | None = None


class ASINIdentifier(Model):
    MarketplaceId: str
    ASIN: str


class SellerSKUIdentifier(Model):
    MarketplaceId: str
    SellerId: str
    SellerSKU: str


class IdentifierType(Model):
    MarketplaceASIN: ASINIdentifier
    SKUIdentifier: SellerSKUIdentifier | None = None


class PriceType(Model):
    LandedPrice: MoneyType | None = None
    ListingPrice: MoneyType
    Shipping: MoneyType | None = None


class CompetitivePrice(Model):
    CompetitivePriceId: str
    Price: PriceType
    condition: str | None = None
    subcondition: str | None = None
    belongsToRequester: bool | None = None


class OfferListingCount(Model):
    Count: int
    condition: str


class CompetitivePricingType(Model):
    CompetitivePrices: list[CompetitivePrice]
    NumberOfOfferListings: list[OfferListingCount]


class SalesRank(Model):
    ProductCategoryId: str
    Rank: int


class ProductType(Model):
    Identifiers: IdentifierType
    CompetitivePricing: CompetitivePricingType | None = None
    SalesRankings: list[SalesRank] | None = None


class Price(Model):
    status: str
    SellerSKU: str | None = None
    ASIN: str | None = None
    Product: ProductType | None = None


class GetPricingResponse(Model):
    payload: list[Price] | None = None


def _money(amount: Money) -> MoneyType:
    return MoneyType(
        CurrencyCode=amount.currency,
        Amount=rules.amount_number(amount.minor, exponent(amount.currency)),
    )


def _channel(offer: OfferFacts) -> str:
    return "Amazon" if offer.fulfillment_channel == "PLATFORM" else "Merchant"


def _condition(value: str | None) -> str:
    if value is None:
        return "New"
    for known in ITEM_CONDITIONS:
        if known.lower() == value.lower():
            return known
    raise rules.ApiRefusal(
        "InvalidInput", f"ItemCondition must be one of {', '.join(ITEM_CONDITIONS)}."
    )


def _all(offers: ProductOffers) -> list[OfferFacts]:
    return ([offers.featured] if offers.featured else []) + list(offers.others)


def _offers_result(
    session: Session,
    now: datetime,
    *,
    asin: str,
    market: str,
    condition: str,
    seller_id: str,
    sku: str | None,
) -> GetOffersResult:
    marketplace_id = MARKETPLACES[market].marketplace_id
    found = product_offers(session, asin, market, now)
    everything = _all(found)
    chosen = [o for o in everything if GROUPS.get(o.condition, ("New", ""))[0] == condition]
    chosen.sort(key=lambda o: ((o.price + o.shipping).minor, o.offer_id))
    ratings = seller_ratings(session, [o.seller_id for o in chosen], market, now)
    winner = found.featured.offer_id if found.featured else None
    counts: dict[tuple[str, str], int] = {}
    lowest: dict[tuple[str, str], OfferFacts] = {}
    for offer in everything:
        group = (GROUPS.get(offer.condition, ("New", ""))[0].lower(), _channel(offer))
        counts[group] = counts.get(group, 0) + 1
        if group not in lowest or (offer.price + offer.shipping) < (
            lowest[group].price + lowest[group].shipping
        ):
            lowest[group] = offer
    buy_box = []
    if found.featured is not None:
        featured = found.featured
        buy_box.append(
            BuyBoxPrice(
                condition=GROUPS.get(featured.condition, ("New", ""))[0].lower(),
                LandedPrice=_money(featured.price + featured.shipping),
                ListingPrice=_money(featured.price),
                Shipping=_money(featured.shipping),
                sellerId=featured.seller_id,
            )
        )
    details = []
    for offer in chosen[:20]:
        rating = ratings.get(offer.seller_id)
        handling_hours = offer.handling_days * 24
        details.append(
            OfferDetail(
                MyOffer=offer.seller_id == seller_id,
                SubCondition=GROUPS.get(offer.condition, ("New", "new"))[1],
                SellerId=offer.seller_id,
                SellerFeedbackRating=SellerFeedback(
                    SellerPositiveFeedbackRating=rating.positive_percent_12m if rating else None,
                    FeedbackCount=rating.count_lifetime if rating else 0,
                ),
                ShippingTime=ShippingTimeType(
                    minimumHours=handling_hours, maximumHours=handling_hours, availabilityType="NOW"
                ),
                ListingPrice=_money(offer.price),
                Shipping=_money(offer.shipping),
                IsFulfilledByAmazon=offer.fulfillment_channel == "PLATFORM",
                PrimeInformation=PrimeInformationType(
                    IsPrime=offer.fulfillment_channel == "PLATFORM",
                    IsNationalPrime=offer.fulfillment_channel == "PLATFORM",
                ),
                IsBuyBoxWinner=offer.offer_id == winner,
                IsFeaturedMerchant=offer.seller_plan == "professional",
            )
        )
    return GetOffersResult(
        marketplaceId=marketplace_id,
        ASIN=asin,
        SKU=sku,
        ItemCondition=condition,
        status="Success",
        Identifier=ItemIdentifier(
            MarketplaceId=marketplace_id, ASIN=asin, SellerSKU=sku, ItemCondition=condition
        ),
        Summary=SummaryType(
            TotalOfferCount=len(everything),
            NumberOfOffers=[
                OfferCount(condition=c, fulfillmentChannel=ch, OfferCount=n)
                for (c, ch), n in sorted(counts.items())
            ],
            LowestPrices=[
                LowestPrice(
                    condition=c,
                    fulfillmentChannel=ch,
                    LandedPrice=_money(o.price + o.shipping),
                    ListingPrice=_money(o.price),
                    Shipping=_money(o.shipping),
                )
                for (c, ch), o in sorted(lowest.items())
            ],
            BuyBoxPrices=buy_box,
        ),
        Offers=details,
    )


@router.get(
    "/products/pricing/v0/items/{Asin}/offers",
    operation_id="getItemOffers",
    response_model=GetOffersResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_item_offers(
    request: Request,
    Asin: str,
    MarketplaceId: str = Query(...),
    ItemCondition: str = Query(...),
    caller: Caller = Depends(operation("getItemOffers")),
    session: Session = Depends(read_db),
) -> GetOffersResponse:
    """The product's offers in one condition, the Buy Box winner flagged."""
    market = service.marketplace_code([MarketplaceId])
    condition = _condition(ItemCondition)
    asin = Asin.upper()
    if asin not in products_by_asin(session, [asin]):
        raise NotFound(f"No item {Asin}.", field="Asin")
    now = runtime(request).clock.now()
    return GetOffersResponse(
        payload=_offers_result(
            session,
            now,
            asin=asin,
            market=market,
            condition=condition,
            seller_id=seller_of(caller),
            sku=None,
        )
    )


@router.get(
    "/products/pricing/v0/listings/{SellerSKU:path}/offers",
    operation_id="getListingOffers",
    response_model=GetOffersResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_listing_offers(
    request: Request,
    SellerSKU: str,
    MarketplaceId: str = Query(...),
    ItemCondition: str = Query(...),
    caller: Caller = Depends(operation("getListingOffers")),
    session: Session = Depends(read_db),
) -> GetOffersResponse:
    market = service.marketplace_code([MarketplaceId])
    condition = _condition(ItemCondition)
    offer = seller_offer(session, seller_of(caller), market, SellerSKU)
    now = runtime(request).clock.now()
    return GetOffersResponse(
        payload=_offers_result(
            session,
            now,
            asin=offer.asin,
            market=market,
            condition=condition,
            seller_id=seller_of(caller),
            sku=SellerSKU,
        )
    )


@router.get(
    "/products/pricing/v0/competitivePrice",
    operation_id="getCompetitivePricing",
    response_model=GetPricingResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_competitive_pricing(
    request: Request,
    MarketplaceId: str = Query(...),
    ItemType: str = Query(...),
    Asins: list[str] | None = Query(None),
    Skus: list[str] | None = Query(None),
    caller: Caller = Depends(operation("getCompetitivePricing")),
    session: Session = Depends(read_db),
) -> GetPricingResponse:
    """The Buy Box price of each product (id 1: new, 2: used) and its offer counts."""
    market = service.marketplace_code([MarketplaceId])
    marketplace_id = MARKETPLACES[market].marketplace_id
    seller_id = seller_of(caller)
    now = runtime(request).clock.now()
    if ItemType not in ("Asin", "Sku"):
        raise rules.ApiRefusal("InvalidInput", "ItemType must be Asin or Sku.")
    wanted = csv(Asins) if ItemType == "Asin" else csv(Skus)
    if not wanted or len(wanted) > 20:
        raise rules.ApiRefusal("InvalidInput", f"Give 1 to 20 {ItemType}s.")
    pairs: list[tuple[str | None, str | None]] = []
    if ItemType == "Asin":
        pairs = [(a.upper(), None) for a in wanted]
    else:
        for sku in wanted:
            try:
                pairs.append((seller_offer(session, seller_id, market, sku).asin, sku))
            except NotFound:
                pairs.append((None, sku))
    known = products_by_asin(session, [a for a, _ in pairs if a])
    prices = []
    for asin, sku in pairs:
        if asin is None or asin not in known:
            prices.append(Price(status="ClientError", ASIN=asin, SellerSKU=sku))
            continue
        found = product_offers(session, asin, market, now)
        competitive = []
        if found.featured is not None:
            featured = found.featured
            group, subcondition = GROUPS.get(featured.condition, ("New", "new"))
            competitive.append(
                CompetitivePrice(
                    CompetitivePriceId="1" if group == "New" else "2",
                    Price=PriceType(
                        LandedPrice=_money(featured.price + featured.shipping),
                        ListingPrice=_money(featured.price),
                        Shipping=_money(featured.shipping),
                    ),
                    condition=group,
                    subcondition=subcondition,
                    belongsToRequester=featured.seller_id == seller_id,
                )
            )
        counts: dict[str, int] = {}
        for offer in _all(found):
            group = GROUPS.get(offer.condition, ("New", ""))[0]
            counts[group] = counts.get(group, 0) + 1
        ranks = product_ranks(session, asin, market)
        prices.append(
            Price(
                status="Success",
                ASIN=asin,
                SellerSKU=sku,
                Product=ProductType(
                    Identifiers=IdentifierType(
                        MarketplaceASIN=ASINIdentifier(MarketplaceId=marketplace_id, ASIN=asin),
                        SKUIdentifier=SellerSKUIdentifier(
                            MarketplaceId=marketplace_id, SellerId=seller_id, SellerSKU=sku
                        )
                        if sku
                        else None,
                    ),
                    CompetitivePricing=CompetitivePricingType(
                        CompetitivePrices=competitive,
                        NumberOfOfferListings=[
                            OfferListingCount(Count=n, condition=c)
                            for c, n in sorted(counts.items())
                        ],
                    ),
                    SalesRankings=[
                        SalesRank(ProductCategoryId=r.category.slug, Rank=r.rank) for r in ranks
                    ],
                ),
            )
        )
    return GetPricingResponse(payload=prices)
