"""Pre-signed document addresses: report and feed-result downloads, feed uploads.

Like the object-store links SP-API hands out, they need no access token: an
expiry and an HMAC over the document id make them unguessable and short-lived."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from souk.core.errors import NotFound
from souk.sellerapi import rules, service
from souk.sellerapi.models import SellerApiDocument
from souk.web.deps import db, read_db, runtime

router = APIRouter()


def _signature(request: Request, method: str, document_id: str, expires: int) -> str:
    key = ("spapi-document:" + runtime(request).settings.resolved_secret_key()).encode()
    message = f"{method}:{document_id}:{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_url(request: Request, api: str, method: str, document_id: str) -> str:
    """A link to the document's content valid for a few minutes, on souk's own address."""
    rt = runtime(request)
    expires = int(rt.clock.now().timestamp()) + service.seller_api_policy().document_url_seconds
    signature = _signature(request, method, document_id, expires)
    base = rt.settings.base_url.rstrip("/")
    return (
        f"{base}/{api}/2021-06-30/documents/{document_id}/content"
        f"?expires={expires}&signature={signature}"
    )


def _check(request: Request, method: str, document_id: str, expires: int, signature: str) -> None:
    expected = _signature(request, method, document_id, expires)
    if not hmac.compare_digest(expected, signature):
        raise rules.ApiRefusal("Unauthorized", "The document link is not valid.", 403)
    if runtime(request).clock.now().timestamp() > expires:
        raise rules.ApiRefusal("Unauthorized", "The document link has expired.", 403)


def _download(session: Session, document_id: str) -> Response:
    document = session.get(SellerApiDocument, document_id)
    if document is None or document.content is None:
        raise NotFound("No such document.")
    return Response(document.content, media_type=document.content_type)


@router.get("/reports/2021-06-30/documents/{documentId}/content", include_in_schema=False)
def report_content(
    request: Request,
    documentId: str,
    expires: int = Query(...),
    signature: str = Query(...),
    session: Session = Depends(read_db),
) -> Response:
    _check(request, "GET", documentId, expires, signature)
    return _download(session, documentId)


@router.get("/feeds/2021-06-30/documents/{documentId}/content", include_in_schema=False)
def feed_content(
    request: Request,
    documentId: str,
    expires: int = Query(...),
    signature: str = Query(...),
    session: Session = Depends(read_db),
) -> Response:
    _check(request, "GET", documentId, expires, signature)
    return _download(session, documentId)


MAX_FEED_BYTES = 10 * 1024 * 1024


@router.put("/feeds/2021-06-30/documents/{documentId}/content", include_in_schema=False)
async def upload_feed(
    request: Request,
    documentId: str,
    expires: int = Query(...),
    signature: str = Query(...),
    session: Session = Depends(db),
) -> Response:
    _check(request, "PUT", documentId, expires, signature)
    content = await request.body()
    if len(content) > MAX_FEED_BYTES:
        raise rules.ApiRefusal("RequestEntityTooLarge", "Feed documents are limited to 10 MB.", 413)
    from fastapi.concurrency import run_in_threadpool

    await run_in_threadpool(service.upload_feed_content, session, documentId, content)
    return Response(status_code=200)
