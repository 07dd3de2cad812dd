"""The buyer's address book."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.accounts.rules import PostalAddress
from souk.accounts.service import add_address, addresses
from souk.web.api.common import errors
from souk.web.api.schemas import AddressIn, AddressOut
from souk.web.deps import api_user, db, read_db

router = APIRouter(prefix="/addresses", tags=["buyer"])


@router.get(
    "",
    summary="List my addresses",
    description="The default address first.",
    response_model=list[AddressOut],
    responses=errors(401),
)
def list_addresses(
    user: User = Depends(api_user), session: Session = Depends(read_db)
) -> list[AddressOut]:
    return [AddressOut.of(a) for a in addresses(session, user.id)]


@router.post(
    "",
    summary="Add an address",
    description="Checked against the country's postal code format and required fields.",
    response_model=AddressOut,
    status_code=201,
    responses=errors(401),
)
def create_address(
    body: AddressIn, user: User = Depends(api_user), session: Session = Depends(db)
) -> AddressOut:
    postal = PostalAddress(**body.model_dump(exclude={"make_default"}))
    return AddressOut.of(add_address(session, user.id, postal, make_default=body.make_default))
