"""Operations console: the review moderation queue (held and reported reviews)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.reviews.service import moderate, moderation_queue
from souk.web.deps import check_csrf, db, read_db, runtime, staff_user
from souk.web.pages import form_values, render

router = APIRouter()


@router.get("/reviews", response_class=HTMLResponse)
def queue(
    request: Request,
    staff: User = Depends(staff_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return render(
        request, "reviews/moderation.html", section="reviews", queue=moderation_queue(session)
    )


@router.post("/reviews/{review_id}", dependencies=[Depends(check_csrf)])
async def decide(
    request: Request,
    review_id: int,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    moderate(
        session,
        runtime(request).clock,
        staff_id=staff.id,
        review_id=review_id,
        decision=values.get("decision", ""),
        note=values.get("note", ""),
    )
    return RedirectResponse(f"/ops/reviews?done={review_id}", status_code=303)
