"""The onboarding checklist on the Seller Central dashboard: what is done, truthfully."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.identity import rules as identity_rules
from souk.identity.service import identity_of
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.sellers.models import Seller


@dataclass(frozen=True)
class Step:
    title: str
    done: bool
    status: str  # what is true now, in words
    href: str
    action: str


def _listed_in(session: Session, seller_id: str) -> list[str]:
    return sorted(
        session.scalars(select(Offer.marketplace).where(Offer.seller_id == seller_id).distinct())
    )


def onboarding_steps(session: Session, seller: Seller) -> list[Step]:
    markets = _listed_in(session, seller.id)
    names = ", ".join(MARKETPLACES[m].name for m in markets if m in MARKETPLACES)
    identity = identity_of(session, seller.id)
    return [
        Step(
            "Business details",
            True,
            f"{seller.business_name}, {seller.country}, {seller.plan} plan.",
            "/seller/settings",
            "Review",
        ),
        Step(
            "Marketplace choice",
            bool(markets),
            f"Selling in {names}."
            if markets
            else "Choose a marketplace at the top of the page, then list an offer there.",
            "/seller/inventory/add",
            "Choose",
        ),
        Step(
            "Identity verification",
            identity.status == identity_rules.VERIFIED,
            identity_rules.status_text(identity.status),
            "/seller/verification",
            "Review" if identity.status == identity_rules.VERIFIED else "Verify",
        ),
        Step(
            "Shipping settings",
            bool(seller.returns_policy),
            f"Handling time {seller.default_handling_days} business days; returns policy "
            + ("set." if seller.returns_policy else "not written yet."),
            "/seller/settings",
            "Edit",
        ),
        Step(
            "First listing",
            bool(markets),
            "Your offers are listed." if markets else "No offers yet.",
            "/seller/inventory/add",
            "Add an offer",
        ),
    ]
