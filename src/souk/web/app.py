"""The ASGI application: storefront pages, Seller Central, the JSON API."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

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
from souk.web.deps import LoginRequired

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


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
        yield
        stop.set()
        if dispatcher is not None:
            dispatcher.stop()

    app = FastAPI(
        title="souk", version="0.1.0", lifespan=lifespan, docs_url="/api/docs", redoc_url=None
    )
    app.state.runtime = rt
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
        if _is_api(request):
            return JSONResponse(
                {"error": {"code": error.code, "message": error.message, "field": error.field}},
                status_code=error.status,
            )
        from souk.web.pages import error_page

        return error_page(request, error.status, error.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {first.get('msg', 'invalid input')}" if where else "invalid input"
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
    from souk.web.ops.routes import router as ops_router
    from souk.web.seller.reviews import router as seller_reviews_router
    from souk.web.seller.routes import router as seller_router
    from souk.web.storefront.reviews import router as reviews_router
    from souk.web.storefront.routes import router as storefront_router

    app.include_router(media_router)
    app.include_router(api_router, prefix="/api/v1")
    app.include_router(seller_router, prefix="/seller")
    app.include_router(ops_router, prefix="/ops")
    app.include_router(storefront_router)
    app.include_router(seller_reviews_router, prefix="/seller")
    app.include_router(reviews_router)
    return app
