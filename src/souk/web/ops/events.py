"""Operations console: sales events (with their landing pages) and the review of the
deals sellers submit to them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.catalog.service import products_by_asin
from souk.core.errors import InvalidInput, NotFound, SoukError
from souk.marketplaces.rules import MARKETPLACES, Marketplace
from souk.ops.service import record
from souk.promotions import service
from souk.promotions.models import Event
from souk.web.deps import check_csrf, current_marketplace, db, read_db, runtime, staff_user
from souk.web.pages import field_errors, form_values, render

router = APIRouter()


def _local(text: str, market: Marketplace, field: str) -> datetime:
    try:
        wall = datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise InvalidInput("Enter a date and time.", field=field) from None
    return wall.replace(tzinfo=market.zone)


def _number(text: str, field: str) -> Decimal:
    try:
        value = Decimal(text.strip() or "0")
    except InvalidOperation:
        raise InvalidInput("Enter a number.", field=field) from None
    if not value.is_finite():
        raise InvalidInput("Enter a number.", field=field)
    return value


def _events_page(
    request: Request,
    session: Session,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    market = current_marketplace(request)
    shown = service.events(session, market.code)
    counts = {e.id: len(service.event_submissions(session, e.id)) for e in shown}
    return render(
        request,
        "promotions/ops_events.html",
        status_code=status_code,
        section="events",
        events=shown,
        counts=counts,
        errors=errors or {},
        values=values or {"min_rating": "3.5", "min_discount": "15"},
        now=runtime(request).clock.now(),
    )


@router.get("/events", response_class=HTMLResponse)
def events_page(
    request: Request, staff: User = Depends(staff_user), session: Session = Depends(read_db)
) -> HTMLResponse:
    return _events_page(request, session)


@router.post("/events", dependencies=[Depends(check_csrf)])
async def create_event(
    request: Request, staff: User = Depends(staff_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    market = MARKETPLACES.get(values.get("marketplace", ""), current_marketplace(request))
    clock = runtime(request).clock
    try:
        starts = _local(values.get("starts", ""), market, "starts")
        record(
            session,
            staff.id,
            "event.create",
            market.code,
            values.get("name", "")[:200],
            {"name": values.get("name", "")},
            at=clock.now(),
        )
        event = service.create_event(
            session,
            clock,
            marketplace=market.code,
            name=values.get("name", ""),
            description=values.get("description", ""),
            starts_at=starts,
            ends_at=_local(values.get("ends", ""), market, "ends_at"),
            submissions_close_at=_local(values.get("submissions", ""), market, "submissions"),
            min_rating=float(_number(values.get("min_rating", ""), "min_rating")),
            min_discount_bp=int(_number(values.get("min_discount", ""), "min_discount") * 100),
        )
    except SoukError as error:
        session.rollback()
        return _events_page(
            request, session, status_code=400, errors=field_errors(error), values=values
        )
    return RedirectResponse(f"/ops/events/{event.id}?created=1", status_code=303)


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request,
    event_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound("No such event.")
    submissions = service.event_submissions(session, event_id)
    return render(
        request,
        "promotions/ops_event.html",
        section="events",
        event=event,
        submissions=submissions,
        products=products_by_asin(session, sorted({a for p in submissions for a in p.asins})),
    )


@router.post("/events/{event_id}/submissions/{promotion_id}", dependencies=[Depends(check_csrf)])
async def review(
    request: Request,
    event_id: int,
    promotion_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    approve = values.get("decision") == "approve"
    clock = runtime(request).clock
    record(
        session,
        staff.id,
        "event.deal_approved" if approve else "event.deal_rejected",
        str(promotion_id),
        values.get("note", "")[:500],
        {"event_id": event_id},
        at=clock.now(),
    )
    service.review_submission(
        session, clock, promotion_id=promotion_id, approve=approve, note=values.get("note", "")
    )
    return RedirectResponse(f"/ops/events/{event_id}?reviewed={promotion_id}", status_code=303)
