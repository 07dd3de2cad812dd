"""Seller Central: identity verification (business details, tax id, bank, document)
and the INFORM Consumers Act status, as it truly is."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from souk.core.errors import SoukError
from souk.identity import rules
from souk.identity.service import (
    IdentityInvalid,
    documents,
    history,
    identity_of,
    identity_policy,
    submit_identity,
)
from souk.web.deps import SellerContext, check_csrf, db, read_db, runtime, seller_context
from souk.web.pages import form_values, render
from souk.web.seller.access import require

router = APIRouter()

FIELDS = (
    "legal_name",
    "address_line1",
    "address_line2",
    "city",
    "subdivision",
    "postal_code",
    "country",
    "contact_email",
    "phone",
    "tax_id",
    "bank_account",
    "bank_code",
    "card_number",
)
# Countries the form offers; others type a two-letter code.
COUNTRIES = {
    "US": "United States",
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
    "IT": "Italy",
    "ES": "Spain",
    "NL": "Netherlands",
    "JP": "Japan",
    "IN": "India",
    "CA": "Canada",
    "MX": "Mexico",
}


def _page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    identity = identity_of(session, ctx.seller.id)
    country = rules.iso_country(
        (values or {}).get("country") or identity.country or ctx.seller.country
    )
    if not values:
        values = {
            "legal_name": identity.legal_name or ctx.seller.business_name,
            "address_line1": identity.address_line1 or "",
            "address_line2": identity.address_line2 or "",
            "city": identity.city or "",
            "subdivision": identity.subdivision or "",
            "postal_code": identity.postal_code or "",
            "country": country,
            "contact_email": identity.contact_email or ctx.seller.email,
            "phone": identity.phone or "",
        }
    policy = identity_policy()
    return render(
        request,
        "identity/seller_verification.html",
        status_code=status_code,
        ctx=ctx,
        section="verification",
        identity=identity,
        status_text=rules.status_text(identity.status),
        docs=documents(session, ctx.seller.id),
        events=history(session, ctx.seller.id, limit=20),
        errors=errors or {},
        values=values,
        countries=COUNTRIES,
        subdivisions=rules.subdivision_choices(country),
        tax_hint=rules.TAX_ID_HINTS.get(country, "Your business's tax identification number."),
        document_kinds=rules.DOCUMENT_KINDS,
        policy=policy,
        max_mb=policy.document_max_bytes // (1024 * 1024),
        deadline=rules.notice_deadline(identity.notice_sent_at, policy.notice_days)
        if identity.notice_sent_at
        else None,
    )


@router.get("/verification", response_class=HTMLResponse)
def verification(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "settings")
    return _page(request, session, ctx)


@router.post("/verification", dependencies=[Depends(check_csrf)])
async def submit(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "settings")
    values = await form_values(request)
    form = await request.form()
    uploads = []
    upload = form.get("document")
    if isinstance(upload, UploadFile) and upload.filename:
        uploads.append((values.get("document_kind", ""), await upload.read()))
    identity_form = rules.IdentityForm(**{name: values.get(name, "") for name in FIELDS})
    try:
        submit_identity(
            session,
            runtime(request).clock,
            runtime(request).media,
            seller_id=ctx.seller.id,
            form=identity_form,
            documents=uploads,
        )
    except SoukError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        errors = error.errors if isinstance(error, IdentityInvalid) else {"form": error.message}
        # Secret numbers are never sent back into the page.
        for secret in ("tax_id", "bank_account", "card_number"):
            values.pop(secret, None)
        return _page(request, session, ctx, status_code=400, errors=errors, values=values)
    return RedirectResponse("/seller/verification?submitted=1", status_code=303)
