"""Signing up and getting an access token for the API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.accounts.service import authenticate, issue_api_token, register_user
from souk.web.api.common import errors, marketplace_code
from souk.web.api.schemas import AccountOut, SignupRequest, TokenOut, TokenRequest
from souk.web.deps import api_user, db, runtime

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    summary="Get an access token",
    description="Exchange an e-mail address and password for a bearer token. "
    "Send it on every other call as `Authorization: Bearer <token>`.",
    response_model=TokenOut,
    responses=errors(401),
)
def token(body: TokenRequest, request: Request, session: Session = Depends(db)) -> TokenOut:
    user = authenticate(session, body.email, body.password)
    raw = issue_api_token(session, runtime(request).clock, user.id, label="api")
    return TokenOut(access_token=raw)


@router.post(
    "/signup",
    summary="Create a buyer account",
    response_model=AccountOut,
    status_code=201,
    responses=errors(409),
)
def signup(body: SignupRequest, request: Request, session: Session = Depends(db)) -> AccountOut:
    user = register_user(
        session,
        runtime(request).clock,
        email=body.email,
        name=body.name,
        password=body.password,
        marketplace=marketplace_code(body.marketplace),
    )
    return AccountOut.of(user)


@router.get(
    "/me",
    summary="Who am I",
    description="The account the access token belongs to.",
    response_model=AccountOut,
    responses=errors(401),
)
def me(user: User = Depends(api_user)) -> AccountOut:
    return AccountOut.of(user)
