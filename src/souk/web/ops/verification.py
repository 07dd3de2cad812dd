"""Operations console: the identity verification queue and the review page, with
the submitted details and the decrypted document side by side (staff only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.core.errors import InvalidInput, SoukError
from souk.identity import rules
from souk.identity.service import (
    decide_verification,
    read_document,
    staff_evidence,
    verification_queue,
)
from souk.policy.service import link_graph
from souk.web.deps import check_csrf, db, read_db, runtime, staff_user
from souk.web.pages import field_errors, form_values, render

router = APIRouter(dependencies=[Depends(staff_user)])

QUEUES = {"pending": "Waiting for review", "verified": "Verified", "rejected": "Not accepted"}


@router.get("/verification", response_class=HTMLResponse)
def queue(
    request: Request, status: str = "pending", session: Session = Depends(read_db)
) -> HTMLResponse:
    status = status if status in QUEUES else "pending"
    return render(
        request,
        "identity/ops_queue.html",
        section="verification",
        entries=verification_queue(session, status=status),
        status=status,
        queues=QUEUES,
    )


def review_page(
    request: Request,
    session: Session,
    seller_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    evidence = staff_evidence(session, seller_id)
    graph = link_graph(session, seller_id)
    return render(
        request,
        "identity/ops_review.html",
        status_code=status_code,
        section="verification",
        ev=evidence,
        linked=[n for n in graph.nodes if n.seller.id != seller_id],
        document_kinds=rules.DOCUMENT_KINDS,
        reasons=rules.REJECTION_REASONS,
        errors=errors or {},
        values=values or {},
    )


@router.get("/verification/{seller_id}", response_class=HTMLResponse)
def review(request: Request, seller_id: str, session: Session = Depends(read_db)) -> HTMLResponse:
    return review_page(request, session, seller_id)


@router.post("/verification/{seller_id}", dependencies=[Depends(check_csrf)])
async def decide(
    request: Request,
    seller_id: str,
    staff: User = Depends(staff_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    decision = values.get("decision", "")
    reason = values.get("reason", "").strip() or values.get("reason_choice", "")
    try:
        if decision not in ("verify", "reject"):
            raise InvalidInput("Choose verify or reject.", field="decision")
        decide_verification(
            session,
            runtime(request).clock,
            staff_user_id=staff.id,
            seller_id=seller_id,
            approve=decision == "verify",
            reason=reason,
        )
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        return review_page(
            request,
            session,
            seller_id,
            status_code=400,
            errors=field_errors(error, "reason"),
            values=values,
        )
    return RedirectResponse(f"/ops/verification?done={seller_id}", status_code=303)


@router.get("/verification/documents/{document_id}")
def document(request: Request, document_id: int, session: Session = Depends(read_db)) -> Response:
    found, data = read_document(session, runtime(request).media, document_id)
    return Response(
        data,
        media_type=found.content_type,
        headers={
            # Decrypted identity documents are never cached or framed elsewhere.
            "Cache-Control": "no-store, private",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="document-{found.id}"',
        },
    )
