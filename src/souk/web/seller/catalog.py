"""Seller Central catalog: create a product page (or find that it already exists)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from souk.catalog.models import Category
from souk.catalog.rules import MAX_BULLETS, ProductDraft
from souk.catalog.service import create_product
from souk.core.errors import SoukError
from souk.core.storage import MIN_IMAGE_SIDE
from souk.policy.service import screen_product
from souk.web.deps import SellerContext, check_csrf, db, read_db, runtime, seller_context
from souk.web.pages import field_errors, form_values, render
from souk.web.seller.access import require

router = APIRouter()


def product_form(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    categories = {c.id: c for c in session.scalars(select(Category))}
    return render(
        request,
        "seller/product_form.html",
        status_code=status_code,
        ctx=ctx,
        section="catalog",
        errors=errors or {},
        values=values or {},
        bullet_count=MAX_BULLETS,
        min_image_side=MIN_IMAGE_SIDE,
        category_names=sorted(_names_path(c, categories) for c in categories.values()),
    )


def _names_path(category: Category, by_id: dict[int, Category]) -> str:
    """ "Home & Kitchen/Kitchen": the path as the seller reads and types it."""
    names = [category.name]
    while category.parent_id is not None and category.parent_id in by_id:
        category = by_id[category.parent_id]
        names.append(category.name)
    return "/".join(reversed(names))


@router.get("/catalog/new", response_class=HTMLResponse)
def new_product_form(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    return product_form(request, session, ctx)


@router.post("/catalog/new", dependencies=[Depends(check_csrf)])
async def new_product(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    values = await form_values(request)
    form = await request.form()
    upload = form.get("image")
    images = []
    if isinstance(upload, UploadFile) and upload.filename:
        images.append((await upload.read(), values.get("title", "")))
    bullets = tuple(values.get(f"bullet_{n}", "") for n in range(MAX_BULLETS))
    draft = ProductDraft(
        title=values.get("title", ""),
        category_path=values.get("category", ""),
        brand=values.get("brand", ""),
        description=values.get("description", ""),
        bullets=tuple(b for b in bullets if b.strip()),
        gtin=values.get("gtin", "").strip() or None,
    )
    try:
        # Upload throttling and the listing red lines (contact details, promotional or
        # stuffed titles) before anything is written.
        screen_product(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            draft=draft,
            alt_texts=[alt for _, alt in images],
        )
        made = create_product(
            session,
            runtime(request).clock,
            draft,
            seller_id=ctx.seller.id,
            images=images,
            media=runtime(request).media,
        )
    except SoukError as error:
        if error.status != 400:
            raise
        session.rollback()
        return product_form(
            request, session, ctx, status_code=400, errors=field_errors(error), values=values
        )
    if not made.created:
        return render(
            request,
            "seller/duplicate.html",
            ctx=ctx,
            section="catalog",
            product=made.product,
        )
    return RedirectResponse(f"/seller/inventory/add/{made.product.asin}?created=1", status_code=303)
