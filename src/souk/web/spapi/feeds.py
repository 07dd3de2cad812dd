"""Feeds 2021-06-30: upload a feed document, submit a JSON listings feed, read its
processing report."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Query, Request, Response
from pydantic import Field
from sqlalchemy.orm import Session

from souk.core.errors import NotFound
from souk.core.runtime import Runtime
from souk.sellerapi import service
from souk.sellerapi.models import SellerApiFeed
from souk.sellerapi.service import Caller
from souk.web.deps import db, read_db, runtime
from souk.web.spapi.common import ERRORS, Model, iso, operation, page_of_jobs, seller_of
from souk.web.spapi.documents import signed_url

router = APIRouter(tags=["seller API: feeds 2021-06-30"])


class CreateFeedDocumentSpecification(Model):
    contentType: str = Field(min_length=1, max_length=120)


class CreateFeedDocumentResponse(Model):
    feedDocumentId: str
    url: str


class CreateFeedSpecification(Model):
    feedType: str = Field(min_length=1, max_length=100)
    marketplaceIds: list[str] = Field(min_length=1, max_length=25)
    inputFeedDocumentId: str = Field(min_length=1, max_length=80)
    feedOptions: dict[str, str] | None = None


class CreateFeedResponse(Model):
    feedId: str


class Feed(Model):
    feedId: str
    feedType: str
    marketplaceIds: list[str] | None = None
    createdTime: str
    processingStatus: str
    processingStartTime: str | None = None
    processingEndTime: str | None = None
    resultFeedDocumentId: str | None = None


class GetFeedsResponse(Model):
    feeds: list[Feed]
    nextToken: str | None = None


class FeedDocument(Model):
    feedDocumentId: str
    url: str
    compressionAlgorithm: str | None = None


def feed_model(feed: SellerApiFeed) -> Feed:
    return Feed(
        feedId=str(feed.id),
        feedType=feed.feed_type,
        marketplaceIds=list(feed.marketplace_ids),
        createdTime=iso(feed.created_at) or "",
        processingStatus=feed.status,
        processingStartTime=iso(feed.processing_start),
        processingEndTime=iso(feed.processing_end),
        resultFeedDocumentId=feed.result_document_id,
    )


def _feed_id(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise NotFound(f"No feed {value}.", field="feedId")
    return int(value)


def _process(rt: Runtime, feed_id: int) -> None:
    service.process_feed(rt.sessions, rt.clock, feed_id)


@router.post(
    "/feeds/2021-06-30/documents",
    operation_id="createFeedDocument",
    status_code=201,
    response_model=CreateFeedDocumentResponse,
    responses=ERRORS,
)
def create_feed_document(
    request: Request,
    body: CreateFeedDocumentSpecification = Body(...),
    caller: Caller = Depends(operation("createFeedDocument")),
    session: Session = Depends(db),
) -> CreateFeedDocumentResponse:
    """A document id and a pre-signed address to PUT the feed's content to."""
    document = service.create_feed_document(
        session, runtime(request).clock, seller_id=seller_of(caller), content_type=body.contentType
    )
    return CreateFeedDocumentResponse(
        feedDocumentId=document.id, url=signed_url(request, "feeds", "PUT", document.id)
    )


@router.post(
    "/feeds/2021-06-30/feeds",
    operation_id="createFeed",
    status_code=202,
    response_model=CreateFeedResponse,
    responses=ERRORS,
)
def create_feed(
    request: Request,
    background: BackgroundTasks,
    body: CreateFeedSpecification = Body(...),
    caller: Caller = Depends(operation("createFeed")),
    session: Session = Depends(db),
) -> CreateFeedResponse:
    feed = service.create_feed(
        session,
        runtime(request).clock,
        seller_id=seller_of(caller),
        feed_type=body.feedType,
        marketplace_ids=body.marketplaceIds,
        input_document_id=body.inputFeedDocumentId,
    )
    background.add_task(_process, runtime(request), feed.id)
    return CreateFeedResponse(feedId=str(feed.id))


@router.get(
    "/feeds/2021-06-30/feeds",
    operation_id="getFeeds",
    response_model=GetFeedsResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_feeds(
    request: Request,
    feedTypes: list[str] | None = Query(None),
    marketplaceIds: list[str] | None = Query(None),
    pageSize: int | None = Query(None),
    processingStatuses: list[str] | None = Query(None),
    createdSince: datetime | None = Query(None),
    createdUntil: datetime | None = Query(None),
    nextToken: str | None = Query(None),
    caller: Caller = Depends(operation("getFeeds")),
    session: Session = Depends(read_db),
) -> GetFeedsResponse:
    seller_id = seller_of(caller)
    page, token = page_of_jobs(
        request,
        seller_id,
        types_name="feedTypes",
        types=feedTypes,
        statuses=processingStatuses,
        page_size=pageSize,
        created_since=createdSince,
        created_until=createdUntil,
        next_token=nextToken,
        load=lambda kinds, states, limit: service.seller_feeds(
            session, seller_id, feed_types=kinds, statuses=states, limit=limit
        ),
    )
    return GetFeedsResponse(feeds=[feed_model(j) for j in page], nextToken=token)


@router.get(
    "/feeds/2021-06-30/feeds/{feedId}",
    operation_id="getFeed",
    response_model=Feed,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_feed(
    feedId: str,
    caller: Caller = Depends(operation("getFeed")),
    session: Session = Depends(read_db),
) -> Feed:
    return feed_model(service.own_feed(session, seller_of(caller), _feed_id(feedId)))


@router.delete(
    "/feeds/2021-06-30/feeds/{feedId}",
    operation_id="cancelFeed",
    response_class=Response,
    responses=ERRORS,
)
def cancel_feed(
    feedId: str,
    caller: Caller = Depends(operation("cancelFeed")),
    session: Session = Depends(db),
) -> Response:
    service.cancel_feed(session, seller_id=seller_of(caller), feed_id=_feed_id(feedId))
    return Response(status_code=200)


@router.get(
    "/feeds/2021-06-30/documents/{feedDocumentId}",
    operation_id="getFeedDocument",
    response_model=FeedDocument,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_feed_document(
    request: Request,
    feedDocumentId: str,
    caller: Caller = Depends(operation("getFeedDocument")),
    session: Session = Depends(read_db),
) -> FeedDocument:
    """Where to download a feed document (the processing report, JSON)."""
    document = service.own_document(session, seller_of(caller), feedDocumentId)
    if document.kind == "report":
        raise NotFound(f"No feed document {feedDocumentId}.", field="feedDocumentId")
    return FeedDocument(
        feedDocumentId=document.id, url=signed_url(request, "feeds", "GET", document.id)
    )
