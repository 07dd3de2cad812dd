"""Buyer messages under "Your account": contact a seller, read and answer, opt out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from souk.accounts.models import User
from souk.catalog.service import get_product
from souk.core.errors import InvalidInput, NotFound, SoukError
from souk.messaging import rules
from souk.messaging import service as messaging
from souk.orders.service import buyer_order
from souk.sellers.service import get_seller
from souk.web.deps import check_csrf, current_marketplace, db, read_db, runtime, signed_in_user
from souk.web.pages import ENV, field_errors, form_values, render

router = APIRouter()


async def uploads_from(request: Request) -> list[messaging.Upload]:
    """The files attached to a posted form (empty file inputs are skipped)."""
    form = await request.form()
    found = []
    for item in form.getlist("attachments"):
        if isinstance(item, UploadFile) and item.filename:
            data = await item.read()
            found.append(messaging.Upload(item.filename, data, item.content_type or ""))
    return found


def _reply_hours(request: Request, seller_id: str) -> int | None:
    """For the product page: "Typically replies within N hours" beside the seller."""
    rt = runtime(request)
    with rt.read_sessions() as session:
        return messaging.typical_reply_hours_for(session, rt.clock, seller_id)


# The product page template asks through this global: one include line, no handler change.
ENV.globals["messaging_reply_hours"] = _reply_hours


@router.get("/messages", response_class=HTMLResponse)
def inbox(
    request: Request,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    threads = messaging.buyer_threads(session, user.id)
    sellers = {t.seller_id: get_seller(session, t.seller_id) for t in threads}
    return render(
        request,
        "messages/buyer_list.html",
        threads=threads,
        sellers=sellers,
        visible={t.id: messaging.visible_messages(t, rules.BUYER) for t in threads},
        opted_out=messaging.is_opted_out(session, user.id),
    )


def _new_form(
    request: Request,
    session: Session,
    user: User,
    values: dict[str, str],
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    order = buyer_order(session, user.id, values["order"]) if values.get("order") else None
    seller_id = order.seller_id if order else values.get("seller", "")
    if not seller_id:
        raise NotFound("Choose a seller to contact from a product page or an order.")
    product = get_product(session, values["asin"]) if values.get("asin") else None
    return render(
        request,
        "messages/buyer_new.html",
        status_code=status_code,
        seller=get_seller(session, seller_id),
        order=order,
        product=product,
        values=values,
        errors=errors or {},
    )


@router.get("/messages/new", response_class=HTMLResponse)
def new_message(
    request: Request,
    seller: str = "",
    asin: str = "",
    order: str = "",
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _new_form(request, session, user, {"seller": seller, "asin": asin, "order": order})


@router.post("/messages/new", dependencies=[Depends(check_csrf)])
async def send_new(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    rt = runtime(request)
    try:
        posted = messaging.contact_seller(
            session,
            rt.clock,
            rt.media,
            buyer_id=user.id,
            seller_id=values.get("seller", ""),
            market=current_marketplace(request).code,
            body=values.get("body", ""),
            asin=values.get("asin") or None,
            order_id=values.get("order") or None,
            uploads=await uploads_from(request),
        )
    except SoukError as error:
        if error.status == 404 and error.field is None:
            raise
        session.rollback()
        return _new_form(
            request, session, user, values, status_code=400, errors=field_errors(error, "body")
        )
    if posted.blocked:
        return _new_form(
            request,
            session,
            user,
            values,
            status_code=422,
            errors={"body": "Not sent. " + " ".join(posted.verdict.messages)},
        )
    return RedirectResponse(f"/messages/{posted.message.thread_id}?sent=1", status_code=303)


def _thread_page(
    request: Request,
    session: Session,
    user: User,
    thread_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    thread = messaging.buyer_thread(session, user.id, thread_id)
    return render(
        request,
        "messages/buyer_thread.html",
        status_code=status_code,
        thread=thread,
        seller=get_seller(session, thread.seller_id),
        seller_address=messaging.relay_address(thread, rules.SELLER),
        shown=messaging.visible_messages(thread, rules.BUYER),
        reasons=rules.REASON_TEXT,
        errors=errors or {},
        values=values or {},
    )


@router.get("/messages/{thread_id:int}", response_class=HTMLResponse)
def thread_page(
    request: Request,
    thread_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _thread_page(request, session, user, thread_id)


@router.post("/messages/{thread_id:int}", dependencies=[Depends(check_csrf)])
async def reply(
    request: Request,
    thread_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    rt = runtime(request)
    try:
        posted = messaging.buyer_reply(
            session,
            rt.clock,
            rt.media,
            buyer_id=user.id,
            thread_id=thread_id,
            body=values.get("body", ""),
            uploads=await uploads_from(request),
        )
    except InvalidInput as error:
        session.rollback()
        return _thread_page(
            request, session, user, thread_id, status_code=400, errors=field_errors(error, "body")
        )
    if posted.blocked:
        return _thread_page(
            request,
            session,
            user,
            thread_id,
            status_code=422,
            errors={"body": "Not sent. " + " ".join(posted.verdict.messages)},
            values=values,
        )
    return RedirectResponse(f"/messages/{thread_id}?sent=1", status_code=303)


@router.post("/messages/preferences", dependencies=[Depends(check_csrf)])
async def preferences(
    request: Request, user: User = Depends(signed_in_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    messaging.set_opt_out(session, runtime(request).clock, user.id, values.get("opt_out") == "1")
    return RedirectResponse("/messages?saved=1", status_code=303)


@router.get("/messages/attachments/{attachment_id:int}")
def attachment(
    request: Request,
    attachment_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> Response:
    found = messaging.attachment_for(session, attachment_id, buyer_id=user.id)
    return Response(
        runtime(request).media.read(found.storage_key),
        media_type=found.content_type,
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
