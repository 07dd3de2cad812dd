"""Solicitations v1: a review request, once per order, 5 to 30 days after delivery
(souk's review-request rule), worded by souk and delivered in the buyer's thread."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from souk.core.errors import InvalidState
from souk.reviews.service import request_review, review_request_state
from souk.sellerapi import rules, service
from souk.sellerapi.service import Caller
from souk.web.deps import db, read_db, runtime
from souk.web.spapi.common import (
    ERRORS,
    ActionsForOrder,
    actions_for_order,
    csv,
    operation,
    seller_of,
)

router = APIRouter(tags=["seller API: solicitations v1"])
ACTION = "productReviewAndSellerFeedback"


@router.get(
    "/solicitations/v1/orders/{amazonOrderId}",
    operation_id="getSolicitationActionsForOrder",
    response_model=ActionsForOrder,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_solicitation_actions_for_order(
    request: Request,
    amazonOrderId: str,
    marketplaceIds: list[str] = Query(..., min_length=1),
    caller: Caller = Depends(operation("getSolicitationActionsForOrder")),
    session: Session = Depends(read_db),
) -> ActionsForOrder:
    """The review request is offered only inside its window and only once."""
    service.marketplace_code(csv(marketplaceIds))
    service.seller_order(session, seller_of(caller), amazonOrderId)
    state = review_request_state(session, runtime(request).clock, seller_of(caller), amazonOrderId)
    return actions_for_order(
        f"/solicitations/v1/orders/{amazonOrderId}",
        "?marketplaceIds=" + ",".join(csv(marketplaceIds)),
        [] if state.refusal else [(ACTION, f"solicitations/{ACTION}")],
    )


async def _body_marketplaces(request: Request) -> list[str]:
    """The official client puts marketplaceIds of this POST in a JSON body, not the query."""
    try:
        body = await request.json()
    except ValueError:
        return []
    found = body.get("marketplaceIds") if isinstance(body, dict) else None
    return [str(m) for m in found] if isinstance(found, list) else []


@router.post(
    "/solicitations/v1/orders/{amazonOrderId}/solicitations/productReviewAndSellerFeedback",
    operation_id="createProductReviewAndSellerFeedbackSolicitation",
    status_code=201,
    response_class=Response,
    responses=ERRORS,
)
def create_product_review_and_seller_feedback_solicitation(
    request: Request,
    amazonOrderId: str,
    marketplaceIds: list[str] | None = Query(None),
    from_body: list[str] = Depends(_body_marketplaces),
    caller: Caller = Depends(operation("createProductReviewAndSellerFeedbackSolicitation")),
    session: Session = Depends(db),
) -> Response:
    """Ask the buyer for a review in souk's words; once per order, 5 to 30 days after delivery."""
    markets = csv(marketplaceIds) or from_body
    if not markets:
        raise rules.ApiRefusal("InvalidInput", "marketplaceIds is required.")
    service.marketplace_code(markets)
    service.seller_order(session, seller_of(caller), amazonOrderId)
    try:
        request_review(session, runtime(request).clock, seller_of(caller), amazonOrderId)
    except InvalidState as refusal:
        session.rollback()
        raise rules.ApiRefusal("InvalidInput", refusal.message) from None
    return Response(status_code=201)
