"""Notifications v1: destinations (an application's webhook address) and a seller's
subscriptions to ANY_OFFER_CHANGED and ORDER_CHANGE.

souk has no message queue service: a destination is an HTTP(S) address given in
``resourceSpecification.sqs.arn`` (where the official client puts it). Each
notification is POSTed there as JSON, signed with the application's key in
``x-souk-signature`` (``t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">``), and
retried with backoff until the endpoint answers 2xx."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from souk.core.errors import NotFound
from souk.sellerapi import rules, service
from souk.sellerapi.models import SellerApiDestination, SellerApiSubscription
from souk.sellerapi.service import Caller
from souk.web.deps import db, read_db, runtime
from souk.web.spapi.common import ERRORS, Model, operation

router = APIRouter(tags=["seller API: notifications v1"])


class SqsResource(Model):
    arn: str = Field(min_length=1, max_length=2000)


class EventBridgeSpecification(Model):
    region: str
    accountId: str


class DestinationResourceSpecification(Model):
    sqs: SqsResource | None = None
    eventBridge: EventBridgeSpecification | None = None


class CreateDestinationRequest(Model):
    resourceSpecification: DestinationResourceSpecification
    name: str = Field(min_length=1, max_length=256)


class DestinationResource(Model):
    sqs: SqsResource | None = None


class Destination(Model):
    name: str
    destinationId: str
    resource: DestinationResource


class DestinationResponse(Model):
    payload: Destination | None = None


class DestinationsResponse(Model):
    payload: list[Destination] | None = None


class EmptyResponse(Model):
    pass


class CreateSubscriptionRequest(Model):
    payloadVersion: str = Field(min_length=1, max_length=10)
    destinationId: str = Field(min_length=1, max_length=40)


class Subscription(Model):
    subscriptionId: str
    payloadVersion: str
    destinationId: str


class SubscriptionResponse(Model):
    payload: Subscription | None = None


def _destination(row: SellerApiDestination) -> Destination:
    return Destination(
        name=row.name,
        destinationId=row.id,
        resource=DestinationResource(sqs=SqsResource(arn=row.url)),
    )


def _subscription(row: SellerApiSubscription) -> Subscription:
    return Subscription(
        subscriptionId=row.id, payloadVersion=row.payload_version, destinationId=row.destination_id
    )


@router.post(
    "/notifications/v1/destinations",
    operation_id="createDestination",
    response_model=DestinationResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def create_destination(
    request: Request,
    body: CreateDestinationRequest = Body(...),
    caller: Caller = Depends(operation("createDestination", grantless=True)),
    session: Session = Depends(db),
) -> DestinationResponse:
    if body.resourceSpecification.sqs is None:
        raise rules.ApiRefusal(
            "InvalidInput",
            "souk delivers notifications to an HTTP(S) endpoint: give it as "
            "resourceSpecification.sqs.arn.",
        )
    destination = service.create_destination(
        session,
        runtime(request).clock,
        application_id=caller.application_id,
        name=body.name,
        url=body.resourceSpecification.sqs.arn,
    )
    return DestinationResponse(payload=_destination(destination))


@router.get(
    "/notifications/v1/destinations",
    operation_id="getDestinations",
    response_model=DestinationsResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_destinations(
    caller: Caller = Depends(operation("getDestinations", grantless=True)),
    session: Session = Depends(read_db),
) -> DestinationsResponse:
    rows = service.application_destinations(session, caller.application_id)
    return DestinationsResponse(payload=[_destination(r) for r in rows])


@router.get(
    "/notifications/v1/destinations/{destinationId}",
    operation_id="getDestination",
    response_model=DestinationResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_destination(
    destinationId: str,
    caller: Caller = Depends(operation("getDestination", grantless=True)),
    session: Session = Depends(read_db),
) -> DestinationResponse:
    row = service.own_destination(session, caller.application_id, destinationId)
    return DestinationResponse(payload=_destination(row))


@router.delete(
    "/notifications/v1/destinations/{destinationId}",
    operation_id="deleteDestination",
    response_model=EmptyResponse,
    responses=ERRORS,
)
def delete_destination(
    destinationId: str,
    caller: Caller = Depends(operation("deleteDestination", grantless=True)),
    session: Session = Depends(db),
) -> EmptyResponse:
    service.delete_destination(
        session, application_id=caller.application_id, destination_id=destinationId
    )
    return EmptyResponse()


@router.post(
    "/notifications/v1/subscriptions/{notificationType}",
    operation_id="createSubscription",
    response_model=SubscriptionResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def create_subscription(
    request: Request,
    notificationType: str,
    body: CreateSubscriptionRequest = Body(...),
    caller: Caller = Depends(operation("createSubscription")),
    session: Session = Depends(db),
) -> SubscriptionResponse:
    row = service.create_subscription(
        session,
        runtime(request).clock,
        caller,
        notification_type=notificationType,
        destination_id=body.destinationId,
        payload_version=body.payloadVersion,
    )
    return SubscriptionResponse(payload=_subscription(row))


@router.get(
    "/notifications/v1/subscriptions/{notificationType}",
    operation_id="getSubscription",
    response_model=SubscriptionResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_subscription(
    notificationType: str,
    payloadVersion: str | None = Query(None),
    caller: Caller = Depends(operation("getSubscription")),
    session: Session = Depends(read_db),
) -> SubscriptionResponse:
    row = service.subscription(session, caller, notificationType)
    if row is None:
        raise NotFound(f"No subscription for {notificationType}.", field="notificationType")
    return SubscriptionResponse(payload=_subscription(row))


@router.get(
    "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}",
    operation_id="getSubscriptionById",
    response_model=SubscriptionResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_subscription_by_id(
    notificationType: str,
    subscriptionId: str,
    caller: Caller = Depends(operation("getSubscriptionById")),
    session: Session = Depends(read_db),
) -> SubscriptionResponse:
    row = service.subscription_by_id(session, caller, notificationType, subscriptionId)
    return SubscriptionResponse(payload=_subscription(row))


@router.delete(
    "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}",
    operation_id="deleteSubscriptionById",
    response_model=EmptyResponse,
    responses=ERRORS,
)
def delete_subscription_by_id(
    notificationType: str,
    subscriptionId: str,
    caller: Caller = Depends(operation("deleteSubscriptionById")),
    session: Session = Depends(db),
) -> EmptyResponse:
    service.delete_subscription(session, caller, notificationType, subscriptionId)
    return EmptyResponse()
