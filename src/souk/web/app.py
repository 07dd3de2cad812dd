"""The ASGI application: storefront pages, Seller Central, the JSON API."""

from __future__ import annotations

import gc
import logging
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
from celery import Celery
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from souk.core.errors import SoukError
from souk.core.events import ThreadDispatcher
from souk.core.runtime import Runtime
from souk.jobs.celery_app import CeleryDispatcher, make_celery
from souk.jobs.registry import run_due
from souk.web.deps import GUEST_KEY, LoginRequired
from souk.web.pagecache import AnonymousPageCache, DeferredViews, PageCache, Replayer

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _is_seller_api(request: Request) -> bool:
    from souk.web.spapi.common import is_seller_api

    return is_seller_api(request.url.path)


def _scheduler(rt: Runtime, stop: threading.Event, every: float = 30.0) -> None:
    while not stop.wait(every):
        try:
            run_due(rt.sessions, rt.clock)
        except Exception:
            log.exception("scheduled jobs failed")


def _publish_jobs(celery: Celery, stop: threading.Event, every: float = 30.0) -> None:
    while not stop.wait(every):
        try:
            celery.send_task("souk.jobs.run_due", queue=celery.conf.task_default_queue)
        except Exception:
            log.exception("could not publish the periodic jobs task")


def _first_views_writer(rt: Runtime) -> Callable[[list[tuple[str, str, str, datetime]]], None]:
    def write(views: list[tuple[str, str, str, datetime]]) -> None:
        from souk.recs.service import record_first_views

        with rt.sessions() as session:
            record_first_views(session, views)

    return write


def _replayers(rt: Runtime, views: DeferredViews) -> dict[str, Replayer]:
    """What a page served from the cache redoes for its new visitor."""

    def product_view(session: dict[str, str], payload: dict[str, Any]) -> None:
        visitor = session.get(GUEST_KEY) or secrets.token_urlsafe(12)
        session[GUEST_KEY] = visitor
        views.add(visitor, payload["marketplace"], payload["asin"], rt.clock.now())

    return {"product_view": product_view}


#: Seconds after start-up when what the first requests built (compiled templates and
#: queries, the recommendation model, caches) is moved out of the collector's sight.
HEAP_SETTLE_SECONDS = 20.0


def settle_the_heap_once_warm() -> threading.Timer:
    """For a serving process: settle the heap now and once the first requests are in
    (the timer that will do it is returned)."""
    _settle_the_heap()
    later = threading.Timer(HEAP_SETTLE_SECONDS, _settle_the_heap)
    later.daemon = True
    later.start()
    return later


def _settle_the_heap() -> None:
    """Keep the long-lived heap out of full garbage collections.

    A web process holds a few hundred thousand long-lived objects (modules,
    templates, SQLAlchemy's caches); every full collection walked them all,
    stopping every request for a quarter of a second. Frozen objects are never
    walked again, so a full collection only walks what came later.
    """
    gc.collect()
    gc.freeze()


def create_app(rt: Runtime | None = None, *, background: bool | None = None) -> FastAPI:
    rt = rt or Runtime.build()
    run_background = rt.settings.run_background if background is None else background

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = rt.settings.web_threads
        stop = threading.Event()
        dispatcher: ThreadDispatcher | CeleryDispatcher | None = None
        if run_background and rt.settings.broker_url:
            # Workers run handlers and jobs; this process only publishes.
            celery = make_celery(rt.settings.broker_url)
            dispatcher = CeleryDispatcher(rt, celery)
            dispatcher.start()
            threading.Thread(
                target=_publish_jobs, args=(celery, stop), daemon=True, name="souk-jobs"
            ).start()
        elif run_background:
            dispatcher = ThreadDispatcher(rt.sessions, rt.clock)
            dispatcher.start()
            threading.Thread(
                target=_scheduler, args=(rt, stop), daemon=True, name="souk-jobs"
            ).start()
        if page_cache.enabled:
            deferred_views.start(flush_every=1.0)
        yield
        stop.set()
        deferred_views.stop()
        if dispatcher is not None:
            dispatcher.stop()

    app = FastAPI(
        title="souk", version="0.1.0", lifespan=lifespan, docs_url="/api/docs", redoc_url=None
    )
    app.state.runtime = rt
    # Inside the session middleware (added after it, so it runs later): it reads the session.
    page_cache = PageCache(rt.settings.page_cache_seconds, rt.settings.page_cache_entries)
    app.state.page_cache = page_cache
    app.state.deferred_views = deferred_views = DeferredViews(_first_views_writer(rt))
    app.add_middleware(
        AnonymousPageCache, cache=page_cache, replayers=_replayers(rt, deferred_views)
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=rt.settings.resolved_secret_key(),
        session_cookie="souk_session",
        same_site="lax",
        https_only=False,
        max_age=60 * 60 * 24 * 30,
    )

    @app.exception_handler(SoukError)
    async def domain_error(request: Request, error: SoukError) -> Response:
        if _is_seller_api(request):
            from souk.web.spapi.common import error_response

            return error_response(request, error.status, error.code, error.message, error.details)
        # Throttled uploads say when to come back (429 + Retry-After).
        retry_after = getattr(error, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        if _is_api(request):
            return JSONResponse(
                {"error": {"code": error.code, "message": error.message, "field": error.field}},
                status_code=error.status,
                headers=headers,
            )
        from souk.web.pages import error_page

        page = error_page(request, error.status, error.message)
        page.headers.update(headers or {})
        return page

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {first.get('msg', 'invalid input')}" if where else "invalid input"
        if _is_seller_api(request):
            from souk.web.spapi.common import error_response

            return error_response(request, 400, "InvalidInput", message)
        if _is_api(request):
            return JSONResponse(
                {"error": {"code": "InvalidInput", "message": message, "field": where or None}},
                status_code=400,
            )
        from souk.web.pages import error_page

        return error_page(request, 400, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        # Unknown API paths (404) and methods (405) answer in the API's error format too.
        if _is_seller_api(request):
            from souk.web.spapi.common import ERROR_CODES, error_response

            code = ERROR_CODES.get(error.status_code, "InvalidInput")
            return error_response(request, error.status_code, code, str(error.detail))
        if not _is_api(request):
            return await http_exception_handler(request, error)
        code = {404: "NotFound", 405: "MethodNotAllowed"}.get(error.status_code, "InvalidInput")
        return JSONResponse(
            {"error": {"code": code, "message": str(error.detail), "field": None}},
            status_code=error.status_code,
            headers=error.headers,
        )

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, error: LoginRequired) -> Response:
        from urllib.parse import quote

        return RedirectResponse(f"/signin?next={quote(error.next_url)}", status_code=303)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from souk.web.api.routes import router as api_router
    from souk.web.media import router as media_router
    from souk.web.ops.appeals import router as ops_appeals_router
    from souk.web.ops.claims import router as ops_claims_router
    from souk.web.ops.policy import router as ops_policy_router
    from souk.web.ops.routes import router as ops_router
    from souk.web.ops.verification import router as ops_verification_router
    from souk.web.seller.health import router as seller_health_router
    from souk.web.seller.policy_compliance import router as seller_compliance_router
    from souk.web.seller.returns import router as seller_returns_router
    from souk.web.seller.reviews import router as seller_reviews_router
    from souk.web.seller.routes import router as seller_router
    from souk.web.seller.verification import router as seller_verification_router
    from souk.web.storefront.brand_complaints import router as brand_complaints_router
    from souk.web.storefront.returns import router as returns_router
    from souk.web.storefront.reviews import router as reviews_router
    from souk.web.storefront.routes import router as storefront_router

    # First: a request is matched against every route ahead of its own, and the
    # JSON API is the busiest and shares no path with anything else.
    app.include_router(api_router, prefix="/api/v1")
    app.include_router(media_router)
    from souk.web.spapi import router as seller_api_router

    app.include_router(seller_api_router)  # before the storefront's catch-all pages
    from souk.web.seller.apps import router as seller_apps_router

    app.include_router(seller_apps_router, prefix="/seller")
    app.include_router(seller_router, prefix="/seller")
    app.include_router(ops_router, prefix="/ops")
    from souk.web.ops.buybox import router as ops_buybox_router
    from souk.web.seller.buybox import router as seller_buybox_router

    app.include_router(ops_buybox_router, prefix="/ops")
    app.include_router(seller_buybox_router, prefix="/seller")
    from souk.web.ops.fulfilment import router as ops_fulfilment_router
    from souk.web.seller.fulfilment import router as seller_fulfilment_router
    from souk.web.seller.payments import router as seller_payments_router
    from souk.web.storefront.prime import router as prime_router

    app.include_router(seller_fulfilment_router, prefix="/seller")
    app.include_router(seller_payments_router, prefix="/seller")
    app.include_router(ops_fulfilment_router, prefix="/ops")
    app.include_router(prime_router)
    from souk.web.ops.events import router as ops_events_router
    from souk.web.seller.analytics import router as seller_analytics_router
    from souk.web.seller.promotions import router as seller_promotions_router
    from souk.web.storefront.deals import router as deals_router

    app.include_router(deals_router)
    app.include_router(seller_promotions_router, prefix="/seller")
    app.include_router(seller_analytics_router, prefix="/seller")
    app.include_router(ops_events_router, prefix="/ops")
    app.include_router(storefront_router)
    app.include_router(seller_reviews_router, prefix="/seller")
    app.include_router(reviews_router)
    app.include_router(returns_router)
    app.include_router(seller_returns_router, prefix="/seller")
    app.include_router(ops_claims_router, prefix="/ops")
    app.include_router(seller_health_router, prefix="/seller")
    app.include_router(ops_appeals_router, prefix="/ops")
    app.include_router(ops_verification_router, prefix="/ops")
    app.include_router(ops_policy_router, prefix="/ops")
    app.include_router(seller_verification_router, prefix="/seller")
    app.include_router(seller_compliance_router, prefix="/seller")
    app.include_router(brand_complaints_router)
    return app
