"""Product Fees v0: fee estimates for an ASIN, a SKU or a batch, from souk's fee tables."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Body, Depends, Request
from pydantic import Field
from sqlalchemy.orm import Session

from souk.catalog.service import products_by_asin
from souk.core.errors import NotFound, SoukError
from souk.core.money import Money, exponent
from souk.finance.service import estimate_fees
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.service import seller_offer
from souk.sellerapi import rules, service
from souk.sellerapi.service import Caller
from souk.web.deps import read_db, runtime
from souk.web.spapi.common import ERRORS, Model, iso, operation, seller_of

router = APIRouter(tags=["seller API: product fees v0"])


class MoneyType(Model):
    CurrencyCode: str | None = None
    Amount: float | None = None


class PriceToEstimateFeesModel(Model):
    ListingPrice: MoneyType
    Shipping: MoneyType | None = None
    Points: dict[str, Any] | None = None


class FeesEstimateRequestModel(Model):
    MarketplaceId: str = Field(min_length=1, max_length=20)
    IsAmazonFulfilled: bool | None = None
    PriceToEstimateFees: PriceToEstimateFeesModel
    Identifier: str = Field(min_length=1, max_length=200)
    OptionalFulfillmentProgram: str | None = None


class GetMyFeesEstimateRequest(Model):
    FeesEstimateRequest: FeesEstimateRequestModel | None = None


class FeesEstimateByIdRequest(Model):
    FeesEstimateRequest: FeesEstimateRequestModel | None = None
    IdType: str
    IdValue: str = Field(min_length=1, max_length=200)


class FeesEstimateIdentifierModel(Model):
    MarketplaceId: str | None = None
    SellerId: str | None = None
    IdType: str | None = None
    IdValue: str | None = None
    IsAmazonFulfilled: bool | None = None
    PriceToEstimateFees: PriceToEstimateFeesModel | None = None
    SellerInputIdentifier: str | None = None


class FeeDetail(Model):
    FeeType: str
    FeeAmount: MoneyType
    FinalFee: MoneyType


class FeesEstimateModel(Model):
    TimeOfFeesEstimation: str
    TotalFeesEstimate: MoneyType | None = None
    FeeDetailList: list[FeeDetail] | None = None


class FeesEstimateErrorModel(Model):
    Type: str
    Code: str
    Message: str
    Detail: list[dict[str, Any]]


class FeesEstimateResultModel(Model):
    Status: str | None = None
    FeesEstimateIdentifier: FeesEstimateIdentifierModel | None = None
    FeesEstimate: FeesEstimateModel | None = None
    Error: FeesEstimateErrorModel | None = None


class GetMyFeesEstimateResult(Model):
    FeesEstimateResult: FeesEstimateResultModel | None = None


class GetMyFeesEstimateResponse(Model):
    payload: GetMyFeesEstimateResult | None = None


#: SP-API fee names of souk's fee lines.
FEE_TYPES = {"referral": "ReferralFee", "fulfilment": "FBAFees", "closing": "VariableClosingFee"}


def _money(amount: Money) -> MoneyType:
    return MoneyType(
        CurrencyCode=amount.currency,
        Amount=rules.amount_number(amount.minor, exponent(amount.currency)),
    )


def _amount(value: MoneyType | None, currency: str, name: str) -> Money:
    if value is None or value.Amount is None:
        return Money.zero(currency)
    if value.CurrencyCode not in (None, currency):
        raise rules.ApiRefusal("InvalidInput", f"{name} must be in {currency}.")
    minor = rules.to_minor(value.Amount, exponent(currency), name)
    if minor < 0:
        raise rules.ApiRefusal("InvalidInput", f"{name} cannot be negative.")
    return Money(currency, minor)


def estimate(
    request: Request,
    session: Session,
    seller_id: str,
    asin: str,
    id_type: str,
    id_value: str,
    body: FeesEstimateRequestModel,
) -> FeesEstimateResultModel:
    """One estimate; refusals become the result's Error, as the model has it."""
    identifier = FeesEstimateIdentifierModel(
        MarketplaceId=body.MarketplaceId,
        SellerId=seller_id,
        IdType=id_type,
        IdValue=id_value,
        IsAmazonFulfilled=bool(body.IsAmazonFulfilled),
        PriceToEstimateFees=body.PriceToEstimateFees,
        SellerInputIdentifier=body.Identifier,
    )
    now = runtime(request).clock.now()
    # Malformed input is refused outright; what souk cannot estimate is the result's Error.
    market = service.marketplace_code([body.MarketplaceId])
    currency = MARKETPLACES[market].currency
    price = _amount(body.PriceToEstimateFees.ListingPrice, currency, "ListingPrice")
    if price.minor <= 0:
        raise rules.ApiRefusal("InvalidInput", "ListingPrice must be more than zero.")
    shipping = _amount(body.PriceToEstimateFees.Shipping, currency, "Shipping")
    try:
        fees = estimate_fees(
            session,
            marketplace=market,
            asin=asin,
            price=price,
            shipping=shipping,
            channel="PLATFORM" if body.IsAmazonFulfilled else "MERCHANT",
            at=now,
        )
    except SoukError as error:
        return FeesEstimateResultModel(
            Status="ClientError",
            FeesEstimateIdentifier=identifier,
            Error=FeesEstimateErrorModel(
                Type="Sender", Code=error.code, Message=error.message, Detail=[]
            ),
        )
    parts = {"referral": fees.referral, "fulfilment": fees.fulfilment, "closing": fees.closing}
    return FeesEstimateResultModel(
        Status="Success",
        FeesEstimateIdentifier=identifier,
        FeesEstimate=FeesEstimateModel(
            TimeOfFeesEstimation=iso(now) or "",
            TotalFeesEstimate=_money(fees.total),
            FeeDetailList=[
                FeeDetail(
                    FeeType=FEE_TYPES[name], FeeAmount=_money(amount), FinalFee=_money(amount)
                )
                for name, amount in parts.items()
                if amount.minor or name == "referral"
            ],
        ),
    )


def _known(session: Session, asin: str) -> str:
    asin = asin.upper()
    if asin not in products_by_asin(session, [asin]):
        raise NotFound(f"No item {asin}.", field="Asin")
    return asin


def _sku_asin(session: Session, seller_id: str, marketplace_id: str, sku: str) -> str:
    market = service.marketplace_code([marketplace_id])
    try:
        return seller_offer(session, seller_id, market, sku).asin
    except NotFound:
        # The client may quote a SKU twice ("/" as %252F); try it decoded once more.
        if "%" in sku or "+" in sku:
            return seller_offer(session, seller_id, market, unquote_plus(sku)).asin
        raise


def _request(body: GetMyFeesEstimateRequest) -> FeesEstimateRequestModel:
    if body.FeesEstimateRequest is None:
        raise rules.ApiRefusal("InvalidInput", "FeesEstimateRequest is required.")
    return body.FeesEstimateRequest


@router.post(
    "/products/fees/v0/items/{Asin}/feesEstimate",
    operation_id="getMyFeesEstimateForASIN",
    response_model=GetMyFeesEstimateResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_my_fees_estimate_for_asin(
    request: Request,
    Asin: str,
    body: GetMyFeesEstimateRequest = Body(...),
    caller: Caller = Depends(operation("getMyFeesEstimateForASIN")),
    session: Session = Depends(read_db),
) -> GetMyFeesEstimateResponse:
    """What selling one unit at the given price would cost in referral, fulfilment and
    closing fees."""
    wanted = _request(body)
    asin = _known(session, Asin)
    result = estimate(request, session, seller_of(caller), asin, "ASIN", asin, wanted)
    return GetMyFeesEstimateResponse(payload=GetMyFeesEstimateResult(FeesEstimateResult=result))


@router.post(
    "/products/fees/v0/listings/{SellerSKU:path}/feesEstimate",
    operation_id="getMyFeesEstimateForSKU",
    response_model=GetMyFeesEstimateResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_my_fees_estimate_for_sku(
    request: Request,
    SellerSKU: str,
    body: GetMyFeesEstimateRequest = Body(...),
    caller: Caller = Depends(operation("getMyFeesEstimateForSKU")),
    session: Session = Depends(read_db),
) -> GetMyFeesEstimateResponse:
    wanted = _request(body)
    asin = _sku_asin(session, seller_of(caller), wanted.MarketplaceId, SellerSKU)
    result = estimate(request, session, seller_of(caller), asin, "SellerSKU", SellerSKU, wanted)
    return GetMyFeesEstimateResponse(payload=GetMyFeesEstimateResult(FeesEstimateResult=result))


@router.post(
    "/products/fees/v0/feesEstimate",
    operation_id="getMyFeesEstimates",
    response_model=list[FeesEstimateResultModel],
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_my_fees_estimates(
    request: Request,
    body: list[FeesEstimateByIdRequest] = Body(..., min_length=1, max_length=20),
    caller: Caller = Depends(operation("getMyFeesEstimates")),
    session: Session = Depends(read_db),
) -> list[FeesEstimateResultModel]:
    """Up to 20 estimates at once; each succeeds or carries its own Error."""
    seller_id = seller_of(caller)
    results = []
    for item in body:
        if item.FeesEstimateRequest is None:
            raise rules.ApiRefusal("InvalidInput", "Each request needs FeesEstimateRequest.")
        try:
            if item.IdType == "ASIN":
                asin = _known(session, item.IdValue)
            elif item.IdType == "SellerSKU":
                asin = _sku_asin(
                    session, seller_id, item.FeesEstimateRequest.MarketplaceId, item.IdValue
                )
            else:
                raise rules.ApiRefusal("InvalidInput", "IdType must be ASIN or SellerSKU.")
            results.append(
                estimate(
                    request,
                    session,
                    seller_id,
                    asin,
                    item.IdType,
                    item.IdValue,
                    item.FeesEstimateRequest,
                )
            )
        except SoukError as error:
            results.append(
                FeesEstimateResultModel(
                    Status="ClientError",
                    FeesEstimateIdentifier=FeesEstimateIdentifierModel(
                        IdType=item.IdType, IdValue=item.IdValue, SellerId=seller_id
                    ),
                    Error=FeesEstimateErrorModel(
                        Type="Sender", Code=error.code, Message=error.message, Detail=[]
                    ),
                )
            )
            continue
    return results
