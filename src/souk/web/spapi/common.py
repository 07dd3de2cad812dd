"""What every seller-API handler shares: the error envelope, the caller behind
``x-amz-access-token``, usage plans per seller and operation, list parameters."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from souk.sellerapi import rules
from souk.sellerapi.service import Caller, authenticate
from souk.web.deps import read_db, runtime

#: Path prefixes of the seller API: errors there use its envelope, not /api/v1's.
PREFIXES = (
    "/orders/v0/",
    "/catalog/2022-04-01/",
    "/listings/2021-08-01/",
    "/products/pricing/v0/",
    "/products/fees/v0/",
    "/fba/inventory/v1/",
    "/sellers/v1/",
    "/messaging/v1/",
    "/solicitations/v1/",
    "/reports/2021-06-30/",
    "/feeds/2021-06-30/",
    "/notifications/v1/",
    "/auth/o2/",
)

ERROR_CODES = {
    400: "InvalidInput",
    401: "Unauthorized",
    403: "Unauthorized",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    429: "QuotaExceeded",
}


def is_seller_api(path: str) -> bool:
    return path.startswith(PREFIXES)


def error_response(
    request: Request, status: int, code: str, message: str, details: str = ""
) -> JSONResponse:
    """``{"errors": [{code, message, details}]}`` with the caller's usage-plan header."""
    headers = {}
    limit = getattr(request.state, "spapi_rate_limit", None)
    if limit:
        headers["x-amzn-RateLimit-Limit"] = limit
    if status == 429:
        retry = getattr(request.state, "spapi_retry_after", None)
        if retry:
            headers["Retry-After"] = str(retry)
    body = {"errors": [{"code": code, "message": message, "details": details}]}
    return JSONResponse(body, status_code=status, headers=headers)


class Model(BaseModel):
    """Response bodies: field names exactly as the official models spell them."""

    model_config = ConfigDict(populate_by_name=True)


class Error(Model):
    code: str
    message: str
    details: str | None = None


class ErrorList(Model):
    errors: list[Error]


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorList, "description": code}
    for status, code in [
        (400, "Request has missing or invalid parameters and cannot be parsed."),
        (403, "The request's access token is missing, invalid, expired or revoked."),
        (404, "The resource specified does not exist."),
        (429, "The frequency of requests was greater than allowed."),
    ]
}


class RateLimiter:
    """Token buckets per (caller, operation) in this process, on the runtime's clock."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], rules.Bucket] = {}
        self._lock = threading.Lock()

    def take(self, who: str, operation: str, now: datetime) -> tuple[bool, float]:
        rate, burst = rules.RATE_LIMITS[operation]
        with self._lock:
            allowed, bucket = rules.take_token(
                self._buckets.get((who, operation)), rate, burst, now.timestamp()
            )
            self._buckets[(who, operation)] = bucket
        return allowed, rate


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    limiter = getattr(state, "spapi_limiter", None)
    if limiter is None:
        limiter = state.spapi_limiter = RateLimiter()
    return limiter  # type: ignore[no-any-return]


def operation(name: str, *, grantless: bool = False) -> Callable[..., Caller]:
    """A dependency: authenticate the caller of operation ``name`` and spend one request
    of its usage plan (per seller, or per application for grantless operations)."""

    def dependency(
        request: Request,
        response: Response,
        session: Session = Depends(read_db),
        x_amz_access_token: str | None = Header(default=None, include_in_schema=False),
    ) -> Caller:
        rt = runtime(request)
        now = rt.clock.now()
        caller = authenticate(session, now, x_amz_access_token)
        if grantless != bool(caller.scope):
            raise rules.ApiRefusal(
                "Unauthorized",
                "This operation needs a grantless token (client_credentials)."
                if grantless
                else "This operation needs a seller's token (refresh_token grant).",
                403,
            )
        allowed, rate = _limiter(request).take(
            caller.client_id if grantless else str(caller.seller_id), name, now
        )
        header = rules.rate_header(rate)
        request.state.spapi_rate_limit = header
        response.headers["x-amzn-RateLimit-Limit"] = header
        if not allowed:
            request.state.spapi_retry_after = rules.retry_after_seconds(rate)
            raise rules.ApiRefusal(
                "QuotaExceeded", "You exceeded your quota for the requested resource.", 429
            )
        return caller

    return dependency


def seller_of(caller: Caller) -> str:
    assert caller.seller_id is not None
    return caller.seller_id


def csv(values: list[str] | str | None) -> list[str]:
    """Array parameters arrive repeated or comma-joined (the client joins them)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, as the models show dates."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def page_key(request: Request) -> bytes:
    return ("spapi-page:" + runtime(request).settings.resolved_secret_key()).encode()


class LinkObject(Model):
    href: str
    name: str | None = None


class ActionSelf(Model):
    self: LinkObject
    #: Where the action's request body is described: souk's published OpenAPI.
    schema_: LinkObject = Field(alias="schema")


class ActionName(Model):
    name: str


class ActionResponse(Model):
    links: ActionSelf | None = Field(default=None, alias="_links")
    payload: ActionName | None = None


class ActionLinks(Model):
    self: LinkObject
    actions: list[LinkObject]


class EmbeddedActions(Model):
    actions: list[ActionResponse]


class ActionsForOrder(Model):
    """The HAL-style answer of getMessagingActionsForOrder and getSolicitationActionsForOrder."""

    links: ActionLinks | None = Field(default=None, alias="_links")
    embedded: EmbeddedActions | None = Field(default=None, alias="_embedded")


def actions_for_order(base: str, query: str, actions: list[tuple[str, str]]) -> ActionsForOrder:
    """``actions``: (name, path under ``base``) of each action the caller may take now."""
    links = [LinkObject(href=f"{base}/{path}{query}", name=name) for name, path in actions]
    return ActionsForOrder(
        _links=ActionLinks(self=LinkObject(href=base + query), actions=links),
        _embedded=EmbeddedActions(
            actions=[
                ActionResponse(
                    _links=ActionSelf(
                        self=LinkObject(href=link.href),
                        schema=LinkObject(href="/openapi.json", name=link.name),
                    ),
                    payload=ActionName(name=link.name or ""),
                )
                for link in links
            ]
        ),
    )


# The Reports and Feeds models' defaults: 10 a page (at most 100), the last 90 days.
JOBS_PAGE_SIZE = 10
JOBS_MAX_PAGE_SIZE = 100
JOBS_DEFAULT_SINCE = timedelta(days=90)


class _Dated(Protocol):
    created_at: datetime


Job = TypeVar("Job", bound=_Dated)


def page_of_jobs(
    request: Request,
    seller_id: str,
    *,
    types_name: str,
    types: list[str] | None,
    statuses: list[str] | None,
    page_size: int | None,
    created_since: datetime | None,
    created_until: datetime | None,
    next_token: str | None,
    load: Callable[[tuple[str, ...], tuple[str, ...], int], Sequence[Job]],
) -> tuple[list[Job], str | None]:
    """One page of a seller's reports or feeds, and the signed token for the next.

    ``load(types, statuses, limit)`` returns the seller's jobs, newest first; the
    token carries the filters so later pages need only it."""
    key = page_key(request)
    size = (
        rules.page_size(page_size, JOBS_MAX_PAGE_SIZE) if page_size is not None else JOBS_PAGE_SIZE
    )
    offset = 0
    kinds, states = tuple(csv(types)), tuple(csv(statuses))
    if next_token:
        state = rules.read_page_token(next_token, key)
        if state.get("s") != seller_id or not isinstance(state.get("o"), int):
            raise rules.ApiRefusal("InvalidInput", "nextToken is not valid.")
        offset, kinds, states = state["o"], tuple(state["t"]), tuple(state["p"])
    elif not kinds:
        raise rules.ApiRefusal("InvalidInput", f"{types_name} or nextToken is required.")
    now = runtime(request).clock.now()
    since = as_utc(created_since) or now - JOBS_DEFAULT_SINCE
    until = as_utc(created_until) or now
    found = [j for j in load(kinds, states, offset + size + 1) if since <= j.created_at <= until]
    token = None
    if len(found) > offset + size:
        token = rules.sign_page_token(
            {"s": seller_id, "o": offset + size, "t": list(kinds), "p": list(states)}, key
        )
    return found[offset : offset + size], token
