"""Messaging v1: which messages a seller may send about an order, and sending the
customisation and unexpected-problem messages through souk's messaging and its
content rules."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from souk.messaging.service import seller_send
from souk.sellerapi import rules, service
from souk.sellerapi.service import Caller
from souk.web.deps import db, read_db, runtime
from souk.web.spapi.common import (
    ERRORS,
    ActionsForOrder,
    Model,
    actions_for_order,
    csv,
    operation,
    seller_of,
)

router = APIRouter(tags=["seller API: messaging v1"])

#: SP-API message actions and the purposes souk's messaging rules know them by.
ACTIONS = {
    "confirmCustomizationDetails": "customisation",
    "createUnexpectedProblem": "unexpected_problem",
}
PATHS = {
    "confirmCustomizationDetails": "confirmCustomizationDetails",
    "createUnexpectedProblem": "unexpectedProblem",
}


class CreateMessageRequest(Model):
    text: str | None = None


def _allowed(session: Session, request: Request, seller_id: str, order_id: str) -> list[str]:
    purposes = service.message_purposes(
        session, runtime(request).clock.now(), seller_id, order_id, list(ACTIONS.values())
    )
    return [name for name, purpose in ACTIONS.items() if purpose in purposes]


@router.get(
    "/messaging/v1/orders/{amazonOrderId}",
    operation_id="getMessagingActionsForOrder",
    response_model=ActionsForOrder,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_messaging_actions_for_order(
    request: Request,
    amazonOrderId: str,
    marketplaceIds: list[str] = Query(..., min_length=1),
    caller: Caller = Depends(operation("getMessagingActionsForOrder")),
    session: Session = Depends(read_db),
) -> ActionsForOrder:
    """The messages the seller may send about this order now."""
    service.marketplace_code(csv(marketplaceIds))
    names = _allowed(session, request, seller_of(caller), amazonOrderId)
    return actions_for_order(
        f"/messaging/v1/orders/{amazonOrderId}",
        "?marketplaceIds=" + ",".join(csv(marketplaceIds)),
        [(n, f"messages/{PATHS[n]}") for n in names],
    )


def _send(
    request: Request, session: Session, caller: Caller, order_id: str, action: str, text: str | None
) -> Response:
    seller_id = seller_of(caller)
    body = (text or "").strip()
    if not 1 <= len(body) <= 2000:
        raise rules.ApiRefusal("InvalidInput", "text must be 1 to 2000 characters.")
    service.seller_order(session, seller_id, order_id)
    if action not in _allowed(session, request, seller_id, order_id):
        raise rules.ApiRefusal(
            "InvalidInput", f"{action} is not available for order {order_id} now."
        )
    rt = runtime(request)
    posted = seller_send(
        session,
        rt.clock,
        rt.media,
        seller_id=seller_id,
        user_id=None,
        body=body,
        order_id=order_id,
        purpose=ACTIONS[action],
        via="api",
    )
    if posted.blocked:
        raise rules.ApiRefusal(
            "InvalidInput",
            "The message was not delivered: " + "; ".join(posted.verdict.reasons),
        )
    return Response(status_code=201)


@router.post(
    "/messaging/v1/orders/{amazonOrderId}/messages/confirmCustomizationDetails",
    operation_id="confirmCustomizationDetails",
    status_code=201,
    response_class=Response,
    responses=ERRORS,
)
def confirm_customization_details(
    request: Request,
    amazonOrderId: str,
    body: CreateMessageRequest = Body(...),
    marketplaceIds: list[str] = Query(..., min_length=1),
    caller: Caller = Depends(operation("confirmCustomizationDetails")),
    session: Session = Depends(db),
) -> Response:
    service.marketplace_code(csv(marketplaceIds))
    return _send(request, session, caller, amazonOrderId, "confirmCustomizationDetails", body.text)


@router.post(
    "/messaging/v1/orders/{amazonOrderId}/messages/unexpectedProblem",
    operation_id="createUnexpectedProblem",
    status_code=201,
    response_class=Response,
    responses=ERRORS,
)
def create_unexpected_problem(
    request: Request,
    amazonOrderId: str,
    body: CreateMessageRequest = Body(...),
    marketplaceIds: list[str] = Query(..., min_length=1),
    caller: Caller = Depends(operation("createUnexpectedProblem")),
    session: Session = Depends(db),
) -> Response:
    service.marketplace_code(csv(marketplaceIds))
    return _send(request, session, caller, amazonOrderId, "createUnexpectedProblem", body.text)
