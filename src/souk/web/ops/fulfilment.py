"""Operations: fulfilment centres, receiving inbound shipments, the outbound
queue (pick, pack, ship), grading customer returns and the day's exchange
rates for payouts."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.core.errors import InvalidInput, SoukError
from souk.finance import service as finance
from souk.finance.models import FxRate
from souk.fulfillment import network
from souk.fulfillment import rules as fc_rules
from souk.fulfillment.models import CentreStock
from souk.ops.service import record
from souk.returns import rules as return_rules
from souk.returns import service as returns
from souk.web.deps import check_csrf, db, read_db, runtime, staff_user
from souk.web.pages import field_errors, form_values, render

router = APIRouter(dependencies=[Depends(staff_user)])


def _page(
    request: Request,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    units = dict(
        session.execute(
            select(
                CentreStock.centre_id,
                func.sum(
                    CentreStock.fulfillable
                    + CentreStock.inbound
                    + CentreStock.reserved
                    + CentreStock.unfulfillable
                    + CentreStock.researching
                ),
            ).group_by(CentreStock.centre_id)
        ).all()
    )
    rates = list(
        session.scalars(select(FxRate).order_by(FxRate.day.desc(), FxRate.id.desc()).limit(10))
    )
    return render(
        request,
        "fulfilment/ops_centres.html",
        status_code=status_code,
        section="fulfilment",
        centres=network.centres(session),
        units={cid: int(n or 0) for cid, n in units.items()},
        inbound=network.inbound_awaiting(session),
        outbound=network.outbound_queue(session, limit=50),
        returns_due=network.returns_awaiting(session),
        graded=network.recent_return_receipts(session),
        grades=list(fc_rules.RETURN_GRADES),
        conditions=return_rules.CONDITIONS,
        rates=rates,
        currencies=sorted(set(finance.COUNTRY_CURRENCY.values())),
        today=runtime(request).clock.now().date(),
        errors=errors or {},
        values=values or {},
        done=request.query_params.get("done"),
    )


@router.get("/fulfilment", response_class=HTMLResponse)
def centres_page(request: Request, session: Session = Depends(read_db)) -> HTMLResponse:
    return _page(request, session)


@router.get("/fulfilment/inbound/{shipment_id}", response_class=HTMLResponse)
def receive_form(
    request: Request, shipment_id: str, session: Session = Depends(read_db)
) -> HTMLResponse:
    return _receive_page(request, session, shipment_id)


def _receive_page(
    request: Request,
    session: Session,
    shipment_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    from souk.fulfillment.models import InboundShipment

    shipment = session.get(InboundShipment, shipment_id)
    if shipment is None:
        raise InvalidInput(f"No inbound shipment {shipment_id}.")
    view = network.plan_view(session, None, shipment.plan_id)
    part = next(s for s in view.shipments if s[0].id == shipment_id)
    return render(
        request,
        "fulfilment/ops_receive.html",
        status_code=status_code,
        section="fulfilment",
        plan=view.plan,
        shipment=part[0],
        centre=part[1],
        lines=part[2],
        errors=errors or {},
        values=values or {},
    )


@router.post("/fulfilment/inbound/{shipment_id}", dependencies=[Depends(check_csrf)])
async def receive(
    request: Request,
    shipment_id: str,
    user: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    clock = runtime(request).clock
    try:
        counts: dict[int, tuple[int, int]] = {}
        for key, text in values.items():
            if key.startswith("received_"):
                offer_id = int(key.removeprefix("received_"))
                try:
                    counts[offer_id] = (
                        int(text or 0),
                        int(values.get(f"damaged_{offer_id}", "") or 0),
                    )
                except ValueError:
                    raise InvalidInput("Counts are whole numbers.", field="form") from None
        receipts = network.receive_shipment(session, clock, shipment_id=shipment_id, counts=counts)
        # The receipt is committed; the audit entry follows in its own transaction.
        record(
            session,
            user.id,
            "fulfilment.receive",
            shipment_id,
            "Inbound shipment counted",
            {
                "received": sum(r.received for r in receipts),
                "damaged": sum(r.damaged for r in receipts),
                "short": sum(r.short for r in receipts),
                "over": sum(r.over for r in receipts),
            },
            at=clock.now(),
        )
        session.commit()
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        return _receive_page(
            request,
            session,
            shipment_id,
            errors={"form": error.message},
            values=values,
            status_code=400,
        )
    return RedirectResponse("/ops/fulfilment?done=received", status_code=303)


@router.post("/fulfilment/outbound/{shipment_id}/advance", dependencies=[Depends(check_csrf)])
def advance_outbound(
    request: Request, shipment_id: int, session: Session = Depends(db)
) -> Response:
    try:
        network.advance(session, runtime(request).clock, shipment_id)
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        return _page(request, session, errors={"outbound": error.message}, status_code=409)
    return RedirectResponse("/ops/fulfilment#outbound", status_code=303)


@router.post("/fulfilment/returns/{return_id}", dependencies=[Depends(check_csrf)])
async def receive_customer_return(
    request: Request, return_id: int, session: Session = Depends(db)
) -> Response:
    """A returns desk receives a buyer's return of an order souk fulfilled: the
    buyer is refunded and the units are graded into the centre's stock."""
    values = await form_values(request)
    rt = runtime(request)
    try:
        deduction = values.get("deduction_percent", "").strip() or "0"
        if not deduction.isdigit():
            raise InvalidInput("The deduction is a whole percentage.", field="returns")
        returns.receive_return(
            session,
            rt.clock,
            rt.payments,
            return_id=return_id,
            seller_id=None,
            condition=values.get("condition", ""),
            deduction_percent=int(deduction),
            grade=values.get("grade", ""),
        )
    except SoukError as error:
        if error.status not in (400, 404, 409):
            raise
        session.rollback()
        return _page(request, session, errors={"returns": error.message}, status_code=400)
    return RedirectResponse("/ops/fulfilment?done=graded#returns", status_code=303)


@router.post("/fulfilment/rates", dependencies=[Depends(check_csrf)])
async def add_rate(
    request: Request, user: User = Depends(staff_user), session: Session = Depends(db)
) -> Response:
    values = await form_values(request)
    clock = runtime(request).clock
    try:
        try:
            day = date.fromisoformat(values.get("day", ""))
        except ValueError:
            raise InvalidInput("Give the rate's day.", field="day") from None
        rate = finance.record_rate(
            session,
            clock,
            day=day,
            base=values.get("base", ""),
            quote=values.get("quote", ""),
            rate=values.get("rate", ""),
            source=values.get("source", "") or f"staff {user.email}",
        )
        record(
            session,
            user.id,
            "finance.rate",
            f"{rate.base}/{rate.quote}",
            f"Rate {rate.rate} for {rate.day.isoformat()}",
            at=clock.now(),
        )
        session.commit()
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        return _page(request, session, errors=field_errors(error), values=values, status_code=400)
    return RedirectResponse("/ops/fulfilment?done=rate#rates", status_code=303)
