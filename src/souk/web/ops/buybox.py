"""Operations console: why a product's featured offer (Buy Box) is the one it is."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from souk.buybox.rules import COMPONENTS
from souk.buybox.service import explain
from souk.core.errors import SoukError
from souk.marketplaces.rules import MARKETPLACES
from souk.sellers.models import Seller
from souk.web.deps import read_db, runtime, staff_user
from souk.web.pages import field_errors, render

router = APIRouter(dependencies=[Depends(staff_user)])

COMPONENT_LABELS = {
    "price_vs_lowest": "Price vs lowest",
    "price_vs_recent": "Price vs recent",
    "delivery": "Delivery",
    "platform": "Fulfilled by souk",
    "seller_metrics": "Seller metrics",
    "stock": "Stock",
}


@router.get("/buybox", response_class=HTMLResponse)
def buybox_page(
    request: Request,
    asin: str = "",
    marketplace: str = "US",
    session: Session = Depends(read_db),
) -> HTMLResponse:
    values = {"asin": asin, "marketplace": marketplace}
    found = None
    errors: dict[str, str] = {}
    status_code = 200
    if asin.strip():
        try:
            found = explain(session, asin, marketplace, runtime(request).clock.now())
        except SoukError as error:
            if error.status not in (400, 404):
                raise
            errors = field_errors(error, "asin")
            status_code = error.status
    sellers = {}
    if found is not None:
        ids = {v.offer.seller_id for v in found.decision.verdicts}
        sellers = {s.id: s for s in session.query(Seller).filter(Seller.id.in_(ids))}
    return render(
        request,
        "ops/buybox.html",
        status_code=status_code,
        section="catalog",
        found=found,
        sellers=sellers,
        components=COMPONENTS,
        component_labels=COMPONENT_LABELS,
        marketplaces=list(MARKETPLACES),
        errors=errors,
        values=values,
    )
