"""Language and time zone: the storefront speaks the marketplace's language unless the
buyer picks another, and shows order dates in the buyer's own zone once chosen."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.core.errors import InvalidInput, SoukError
from souk.globalselling import rules as selling_rules
from souk.globalselling import service as selling
from souk.web.deps import check_csrf, current_marketplace, db, read_db, runtime
from souk.web.pages import field_errors, form_values, render

router = APIRouter()


def _page(
    request: Request,
    session: Session,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    saved: bool = False,
) -> HTMLResponse:
    user_id = request.session.get("user_id")
    preference = selling.buyer_preference(session, user_id) if user_id is not None else None
    current = {
        "language": request.session.get("language")
        or (preference.language if preference else "")
        or "",
        "time_zone": (preference.time_zone if preference else "") or "",
    }
    market = current_marketplace(request)
    return render(
        request,
        "storefront/preferences.html",
        status_code=status_code,
        errors=errors or {},
        values={**current, **(values or {})},
        languages=selling_rules.LANGUAGE_NAMES,
        market_language=selling_rules.interface_language(market.locale, None),
        zones=selling_rules.common_time_zones(),
        saved=saved,
        now=runtime(request).clock.now(),
    )


@router.get("/preferences", response_class=HTMLResponse)
def preferences(request: Request, session: Session = Depends(read_db)) -> HTMLResponse:
    return _page(request, session, saved=bool(request.query_params.get("saved")))


@router.post("/preferences", dependencies=[Depends(check_csrf)])
async def save_preferences(request: Request, session: Session = Depends(db)) -> Response:
    values = await form_values(request)
    language = values.get("language", "").strip()
    zone = values.get("time_zone", "").strip()
    user_id = request.session.get("user_id")
    try:
        if language and language not in selling_rules.INTERFACE_LANGUAGES:
            raise InvalidInput("Choose one of the languages listed.", field="language")
        if user_id is not None:
            selling.set_buyer_preference(
                session,
                runtime(request).clock,
                user_id=user_id,
                time_zone=zone or None,
                language=language or None,
            )
            session.commit()
        elif zone:
            raise InvalidInput("Sign in to keep a time zone with your account.", field="time_zone")
    except SoukError as error:
        session.rollback()
        return _page(request, session, status_code=400, errors=field_errors(error), values=values)
    if language:
        request.session["language"] = language
    else:
        request.session.pop("language", None)
    return RedirectResponse("/preferences?saved=1", status_code=303)
