"""Seller Central messages: the inbox (unanswered first, with time left), a
conversation with the buyer's local time and busy hours, replies now or
scheduled, "no reply needed", templates, and contacting a buyer about an order."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.core.errors import InvalidInput, SoukError
from souk.messaging import rules
from souk.messaging import service as messaging
from souk.orders.service import seller_order
from souk.web.deps import SellerContext, check_csrf, db, read_db, runtime, seller_context
from souk.web.pages import field_errors, form_values, render
from souk.web.storefront.messages import uploads_from

router = APIRouter()


@router.get("/messages", response_class=HTMLResponse)
def inbox(
    request: Request,
    q: str = "",
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    rt = runtime(request)
    metric = messaging.response_time_for(session, rt.clock, ctx.seller.id)
    return render(
        request,
        "messages/seller_inbox.html",
        ctx=ctx,
        section="messages",
        rows=messaging.seller_inbox(session, rt.clock, ctx.seller.id, search=q),
        q=q,
        metric=metric,
        now=rt.clock.now(),
    )


def _deliver_at(values: dict[str, str], zone: str, now: datetime, max_days: int) -> datetime | None:
    """The UTC instant for "arrive at" fields given in the buyer's local time."""
    day, at = values.get("send_day", "").strip(), values.get("send_time", "").strip()
    if not day and not at:
        return None
    try:
        local_day, local_time = date.fromisoformat(day), time.fromisoformat(at)
    except ValueError as error:
        raise InvalidInput("Give both a day and a time to schedule.", field="send_day") from error
    try:
        return rules.scheduled_instant(local_day, local_time, zone, now=now, max_days=max_days)
    except ValueError as error:
        raise InvalidInput(str(error), field="send_day") from error


def _thread_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    thread_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    rt = runtime(request)
    thread = messaging.seller_thread(session, ctx.seller.id, thread_id)
    zone = messaging.buyer_time_zone_for(session, thread)
    histogram = messaging.busy_hours_for(session, rt.clock, thread.marketplace)
    policy = messaging.messaging_policy(thread.marketplace)
    return render(
        request,
        "messages/seller_thread.html",
        status_code=status_code,
        ctx=ctx,
        section="messages",
        thread=thread,
        buyer_address=messaging.relay_address(thread, rules.BUYER),
        shown=messaging.visible_messages(thread, rules.SELLER),
        buyer_zone=zone,
        buyer_now=rt.clock.now().astimezone(ZoneInfo(zone)),
        histogram=histogram,
        peak=rules.peak_hours(histogram, policy.peak_hours_shown),
        busiest=max((c for _, c in histogram), default=0),
        templates=messaging.seller_templates(session, ctx.seller.id),
        now=rt.clock.now(),
        reasons=rules.REASON_TEXT,
        errors=errors or {},
        values=values or {},
    )


@router.get("/messages/{thread_id:int}", response_class=HTMLResponse)
def thread_page(
    request: Request,
    thread_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _thread_page(request, session, ctx, thread_id)


@router.post("/messages/{thread_id:int}", dependencies=[Depends(check_csrf)])
async def reply(
    request: Request,
    thread_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    rt = runtime(request)
    try:
        thread = messaging.seller_thread(session, ctx.seller.id, thread_id)
        policy = messaging.messaging_policy(thread.marketplace)
        deliver_at = _deliver_at(
            values,
            messaging.buyer_time_zone_for(session, thread),
            rt.clock.now(),
            policy.schedule_max_days,
        )
        posted = messaging.seller_send(
            session,
            rt.clock,
            rt.media,
            seller_id=ctx.seller.id,
            user_id=ctx.user.id,
            thread_id=thread_id,
            body=values.get("body", ""),
            purpose=values.get("purpose", ""),
            uploads=await uploads_from(request),
            deliver_at=deliver_at,
        )
    except InvalidInput as error:
        session.rollback()
        return _thread_page(
            request,
            session,
            ctx,
            thread_id,
            status_code=400,
            errors=field_errors(error, "body"),
            values=values,
        )
    if posted.blocked:
        return _thread_page(
            request,
            session,
            ctx,
            thread_id,
            status_code=422,
            errors={"body": "Not sent. " + " ".join(posted.verdict.messages)},
            values=values,
        )
    done = "scheduled" if deliver_at else "sent"
    return RedirectResponse(f"/seller/messages/{thread_id}?{done}=1", status_code=303)


@router.post(
    "/messages/{thread_id:int}/no-reply/{message_id:int}", dependencies=[Depends(check_csrf)]
)
def no_reply_needed(
    request: Request,
    thread_id: int,
    message_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    messaging.seller_thread(session, ctx.seller.id, thread_id)
    messaging.mark_no_reply_needed(
        session, runtime(request).clock, seller_id=ctx.seller.id, message_id=message_id
    )
    return RedirectResponse(f"/seller/messages/{thread_id}?closed=1", status_code=303)


def _new_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    order_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    order = seller_order(session, ctx.seller.id, order_id)
    return render(
        request,
        "messages/seller_new.html",
        status_code=status_code,
        ctx=ctx,
        section="messages",
        order=order,
        purposes=rules.PURPOSES,
        templates=messaging.seller_templates(session, ctx.seller.id),
        errors=errors or {},
        values=values or {},
    )


@router.get("/messages/new", response_class=HTMLResponse)
def new_message(
    request: Request,
    order: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return _new_page(request, session, ctx, order)


@router.post("/messages/new", dependencies=[Depends(check_csrf)])
async def send_new(
    request: Request, ctx: SellerContext = Depends(seller_context), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    rt = runtime(request)
    order_id = values.get("order", "")
    try:
        posted = messaging.seller_send(
            session,
            rt.clock,
            rt.media,
            seller_id=ctx.seller.id,
            user_id=ctx.user.id,
            order_id=order_id,
            purpose=values.get("purpose", ""),
            body=values.get("body", ""),
            uploads=await uploads_from(request),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _new_page(
            request,
            session,
            ctx,
            order_id,
            status_code=400,
            errors=field_errors(error, "body"),
            values=values,
        )
    if posted.blocked:
        return _new_page(
            request,
            session,
            ctx,
            order_id,
            status_code=422,
            errors={"body": "Not sent. " + " ".join(posted.verdict.messages)},
            values=values,
        )
    return RedirectResponse(f"/seller/messages/{posted.message.thread_id}?sent=1", status_code=303)


@router.get("/messages/templates", response_class=HTMLResponse)
def templates_page(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return render(
        request,
        "messages/seller_templates.html",
        ctx=ctx,
        section="messages",
        templates=messaging.seller_templates(session, ctx.seller.id),
    )


@router.post("/messages/templates", dependencies=[Depends(check_csrf)])
async def add_template(
    request: Request, ctx: SellerContext = Depends(seller_context), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    try:
        messaging.save_template(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            name=values.get("name", ""),
            body=values.get("body", ""),
        )
    except InvalidInput as error:
        session.rollback()
        return render(
            request,
            "messages/seller_templates.html",
            status_code=400,
            ctx=ctx,
            section="messages",
            templates=messaging.seller_templates(session, ctx.seller.id),
            errors=field_errors(error, "body"),
            values=values,
        )
    return RedirectResponse("/seller/messages/templates?saved=1", status_code=303)


@router.post("/messages/templates/{template_id:int}/delete", dependencies=[Depends(check_csrf)])
def remove_template(
    template_id: int, ctx: SellerContext = Depends(seller_context), session: Session = Depends(db)
) -> Response:
    messaging.delete_template(session, seller_id=ctx.seller.id, template_id=template_id)
    return RedirectResponse("/seller/messages/templates", status_code=303)


@router.get("/messages/attachments/{attachment_id:int}")
def attachment(
    request: Request,
    attachment_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> Response:
    found = messaging.attachment_for(session, attachment_id, seller_id=ctx.seller.id)
    return Response(
        runtime(request).media.read(found.storage_key),
        media_type=found.content_type,
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
