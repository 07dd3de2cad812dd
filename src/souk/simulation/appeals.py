"""Simulated sellers answering enforcement: most sellers whose selling was
restricted send a plan of action a day or two later, in their own words, so
the operations console has real appeals to review.

Each decision comes from a generator keyed by the seller's stable key and the
action's instant, so a seed reproduces it. Staff decide; the simulation never
does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select

from souk.core.clock import FrozenClock
from souk.core.errors import SoukError
from souk.core.runtime import Runtime
from souk.performance import rules
from souk.performance.models import Appeal, EnforcementAction
from souk.performance.service import submit_appeal
from souk.simulation.rules import event_rng

APPEAL_RATE = 0.75
MIN_DELAY = timedelta(hours=20)

# Plans of action by what the case was about: (root cause, actions taken, prevention).
PLANS: dict[str, list[tuple[str, str, str]]] = {
    "late_shipment": [
        (
            "Orders waited for our weekly courier collection instead of shipping within "
            "our handling time.",
            "We booked a daily collection and shipped every open order the same day.",
            "Each morning we list the orders due to ship that day and pack them first.",
        ),
        (
            "Our only packer was away for a week and nobody covered the packing bench.",
            "A second person is trained on packing and cleared the backlog within a day.",
            "Two people can pack now, and we raised our handling time on bulky items.",
        ),
    ],
    "cancellation": [
        (
            "Our stock counts were out of date, so we sold units we did not have.",
            "We counted the warehouse and corrected the quantity of every offer.",
            "Stock now syncs from our warehouse system every hour, not once a day.",
        ),
    ],
    "order_defect": [
        (
            "A batch from one supplier arrived damaged and buyers claimed refunds.",
            "We refunded every affected buyer and stopped selling that batch.",
            "Every incoming batch is now inspected before its units go on sale.",
        ),
    ],
    "tracking": [
        (
            "We printed labels with a carrier account whose parcels were never scanned.",
            "All parcels now go with a carrier that scans at collection.",
            "We check the first scan of each parcel the next morning and chase gaps.",
        ),
    ],
}
GENERIC = (
    "We did not keep up with the marketplace's performance targets in this period.",
    "We reviewed every order behind the figures and fixed the process that failed.",
    "A weekly review of our account health page is now part of our routine.",
)


class _SellerLike(Protocol):
    key: str


def _plan(case_kind: str, pick: int) -> tuple[str, str, str]:
    for topic, plans in PLANS.items():
        if topic in case_kind:
            return plans[pick % len(plans)]
    return GENERIC


def simulate_appeals(
    rt: Runtime, clock: FrozenClock, seed: int, sellers: Mapping[str, _SellerLike]
) -> int:
    """Restricted sellers send a plan of action (once per action); returns how many."""
    sent = 0
    with rt.sessions() as session:
        appealed = select(Appeal.action_id)
        open_actions = session.scalars(
            select(EnforcementAction)
            .where(
                EnforcementAction.step.in_((rules.SELLING_RESTRICTION, rules.DEACTIVATION)),
                EnforcementAction.reversed_at.is_(None),
                EnforcementAction.id.not_in(appealed),
                EnforcementAction.created_at <= clock.now() - MIN_DELAY,
            )
            .order_by(EnforcementAction.created_at, EnforcementAction.id)
        ).all()
        targets = [(a.id, a.seller_id, a.case_kind, a.created_at) for a in open_actions]
        session.rollback()
        for action_id, seller_id, case_kind, at in targets:
            seller = sellers.get(seller_id)
            if seller is None:
                continue
            rng = event_rng(seed, "appeal", seller.key, at.isoformat())
            if rng.random() > APPEAL_RATE:
                continue
            root_cause, actions_taken, prevention = _plan(case_kind, rng.randrange(10))
            try:
                submit_appeal(
                    session,
                    clock,
                    action_id=action_id,
                    seller_id=seller_id,
                    root_cause=root_cause,
                    actions_taken=actions_taken,
                    prevention=prevention,
                )
                sent += 1
            except SoukError:
                session.rollback()
    return sent
