"""Buyers' review pages: a product's reviews, writing and editing a review,
helpful votes, abuse reports, review programme invitations. (Staff moderate
reviews in the operations console: ``souk.web.ops.reviews``.)

The product page shows reviews through two partials
(``partials/reviews_stars.html`` under the title, ``partials/reviews_section.html``
below the description); they ask ``product_reviews_for`` (a template global
registered here) for what to show, so the product handler does not change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from souk.accounts.models import User
from souk.catalog.service import get_product, products_by_asin
from souk.core.errors import NotFound, SoukError
from souk.reviews import service
from souk.reviews.models import ProgrammeEnrolment, Review
from souk.reviews.rules import STARS
from souk.web.deps import (
    check_csrf,
    current_marketplace,
    db,
    optional_user,
    read_db,
    runtime,
    signed_in_user,
)
from souk.web.pages import ENV, field_errors, form_values, render, safe_next

router = APIRouter()

PER_PAGE = 10
ON_PRODUCT_PAGE = 3  # top and most recent reviews beside the histogram


def product_reviews_for(request: Request, asin: str) -> dict[str, Any]:
    """What the product page's review partials show (computed once per request)."""
    cache: dict[str, dict[str, Any]] = getattr(request.state, "souk_reviews", None) or {}
    if asin in cache:
        return cache[asin]
    rt = runtime(request)
    market = current_marketplace(request)
    with rt.read_sessions() as session:
        shown = service.product_page_reviews(
            session, rt.clock, asin, market.code, limit=ON_PRODUCT_PAGE
        )
    cache[asin] = {
        "summary": shown.summary,
        "top": shown.top,
        "recent": shown.recent,
        "authors": shown.authors,
        "stars": STARS,
    }
    request.state.souk_reviews = cache
    return cache[asin]


ENV.globals["product_reviews_for"] = product_reviews_for


@router.get("/dp/{asin}/reviews", response_class=HTMLResponse)
def all_reviews(
    request: Request,
    asin: str,
    sort: str = "top",
    stars: int | None = None,
    page: int = 1,
    user: User | None = Depends(optional_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    market = current_marketplace(request)
    product = get_product(session, asin)
    page = max(1, page)
    found = service.product_reviews(
        session,
        runtime(request).clock,
        asin,
        market.code,
        sort=sort,
        stars=stars,
        reader_id=user.id if user else None,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    return render(
        request,
        "reviews/product_reviews.html",
        product=product,
        found=found,
        sort=sort,
        stars=stars,
        page=page,
        more=page * PER_PAGE < found.total,
        levels=STARS,
        reasons=service.reviews_policy(market.code).report_reasons,
    )


async def _images(request: Request) -> list[bytes]:
    form = await request.form()
    files = [f for f in form.getlist("images") if isinstance(f, UploadFile) and f.filename]
    return [await f.read() for f in files]


def _form(
    request: Request,
    session: Session,
    user: User,
    asin: str,
    *,
    review_id: int | None = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    market = current_marketplace(request)
    product = get_product(session, asin)
    standing = service.reviewer_standing(
        session, runtime(request).clock, user.id, asin, market.code
    )
    review = service.own_review(session, user.id, review_id) if review_id else None
    if review is not None and values is None:
        values = {"stars": str(review.stars), "headline": review.headline, "text": review.text}
    policy = service.reviews_policy(market.code)
    return render(
        request,
        "reviews/form.html",
        status_code=status_code,
        product=product,
        standing=standing,
        review=review,
        history=service.revisions(session, review.id) if review else [],
        policy=policy,
        errors=errors or {},
        values=values or {},
    )


@router.get("/review/create/{asin}", response_class=HTMLResponse)
def write_form(
    request: Request,
    asin: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> Response:
    market = current_marketplace(request)
    standing = service.reviewer_standing(
        session, runtime(request).clock, user.id, asin, market.code
    )
    if standing.review is not None and standing.review.status != "removed":
        return RedirectResponse(f"/reviews/{standing.review.id}/edit", status_code=303)
    return _form(request, session, user, asin)


@router.post("/review/create/{asin}", dependencies=[Depends(check_csrf)])
async def write(
    request: Request,
    asin: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    rt = runtime(request)
    try:
        review = service.write_review(
            session,
            rt.clock,
            rt.media,
            buyer_id=user.id,
            asin=asin,
            marketplace=current_marketplace(request).code,
            stars=values.get("stars", ""),
            headline=values.get("headline", ""),
            text=values.get("text", ""),
            images=await _images(request),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _form(
            request,
            session,
            user,
            asin,
            status_code=error.status,
            errors=field_errors(error),
            values=values,
        )
    return RedirectResponse(f"/reviews/{review.id}/thanks", status_code=303)


@router.get("/reviews/{review_id}/thanks", response_class=HTMLResponse)
def thanks(
    request: Request,
    review_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    review = service.own_review(session, user.id, review_id)
    return render(
        request, "reviews/thanks.html", review=review, product=get_product(session, review.asin)
    )


@router.get("/reviews/{review_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request,
    review_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    review = service.own_review(session, user.id, review_id)
    return _form(request, session, user, review.asin, review_id=review.id)


@router.post("/reviews/{review_id}/edit", dependencies=[Depends(check_csrf)])
async def edit(
    request: Request,
    review_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    rt = runtime(request)
    review = service.own_review(session, user.id, review_id)
    asin = review.asin
    try:
        service.edit_review(
            session,
            rt.clock,
            rt.media,
            buyer_id=user.id,
            review_id=review_id,
            stars=values.get("stars", ""),
            headline=values.get("headline", ""),
            text=values.get("text", ""),
            images=await _images(request),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _form(
            request,
            session,
            user,
            asin,
            review_id=review_id,
            status_code=error.status,
            errors=field_errors(error),
            values=values,
        )
    return RedirectResponse(f"/reviews/{review_id}/thanks", status_code=303)


def _back(values: dict[str, str], asin: str, flag: str) -> RedirectResponse:
    target = safe_next(values.get("next"), f"/dp/{asin}/reviews")
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}{flag}", status_code=303)


@router.post("/reviews/{review_id}/helpful", dependencies=[Depends(check_csrf)])
async def helpful(
    request: Request,
    review_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        review = service.vote_helpful(
            session, runtime(request).clock, user_id=user.id, review_id=review_id
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        found = session.get(Review, review_id)
        if found is None:
            raise NotFound("No such review.") from None
        return _back(values, found.asin, f"vote_error={error.status}#review-{review_id}")
    return _back(values, review.asin, f"voted={review_id}#review-{review_id}")


@router.post("/reviews/{review_id}/report", dependencies=[Depends(check_csrf)])
async def report(
    request: Request,
    review_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    try:
        review = service.report_review(
            session,
            runtime(request).clock,
            user_id=user.id,
            review_id=review_id,
            reason=values.get("reason", ""),
        )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        found = session.get(Review, review_id)
        if found is None:
            raise NotFound("No such review.") from None
        return _back(values, found.asin, f"report_error={error.status}#review-{review_id}")
    return _back(values, review.asin, f"reported={review_id}")


@router.get("/account/review-programme", response_class=HTMLResponse)
def programme(
    request: Request,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    market = current_marketplace(request)
    invited = service.invitations(session, user.id, market.code)
    written, helpful_votes = service.reviewer_record(session, user.id)
    return render(
        request,
        "reviews/programme.html",
        invited=invited,
        products=products_by_asin(session, [e.asin for e in invited]),
        written=written,
        helpful_votes=helpful_votes,
        policy=service.reviews_policy(market.code),
    )


@router.post("/account/review-programme/{enrolment_id}/claim", dependencies=[Depends(check_csrf)])
def claim(
    request: Request,
    enrolment_id: int,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    service.claim_unit(
        session, runtime(request).clock, reviewer_id=user.id, enrolment_id=enrolment_id
    )
    enrolment = session.get(ProgrammeEnrolment, enrolment_id)
    assert enrolment is not None
    return RedirectResponse(f"/review/create/{enrolment.asin}?claimed=1", status_code=303)
