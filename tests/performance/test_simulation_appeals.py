"""Simulated sellers appeal their selling restrictions once, with a plan of action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from souk.core.runtime import Runtime
from souk.performance import rules, service
from souk.performance.models import Appeal
from souk.simulation.appeals import APPEAL_RATE, MIN_DELAY, simulate_appeals
from souk.simulation.rules import event_rng
from tests.performance import support as s


@dataclass(frozen=True)
class _Seller:
    key: str


def test_restricted_sellers_appeal_once_after_a_delay(rt: Runtime, session) -> None:  # type: ignore[no-untyped-def]
    shop = s.shop(rt, session)
    action = service.take_enforcement_action(
        session,
        rt.clock,
        seller_id=shop.seller.id,
        step=rules.SELLING_RESTRICTION,
        reason="Late shipment rate far above the limit.",
        evidence={},
        actor="system",
        case_kind="metric:late_shipment_rate_30d",
    )
    warning = service.take_enforcement_action(
        session,
        rt.clock,
        seller_id=shop.seller.id,
        step=rules.WARNING,
        reason="Cancellation rate above the limit.",
        evidence={},
        actor="system",
        case_kind="metric:cancellation_rate",
    )
    session.commit()
    # Find a seed under which this seller appeals (the draw the simulation makes).
    seed = next(
        n
        for n in range(100)
        if event_rng(n, "appeal", shop.seller.email, action.created_at.isoformat()).random()
        <= APPEAL_RATE
    )
    sellers = {shop.seller.id: _Seller(shop.seller.email)}
    assert simulate_appeals(rt, rt.clock, seed, sellers) == 0  # too soon
    rt.clock.advance(MIN_DELAY + timedelta(minutes=1))  # type: ignore[attr-defined]
    assert simulate_appeals(rt, rt.clock, seed, sellers) == 1
    assert simulate_appeals(rt, rt.clock, seed, sellers) == 0  # never twice
    with rt.sessions() as check:
        appeals = check.scalars(select(Appeal)).all()
        assert [a.action_id for a in appeals] == [action.id]
        assert "courier" in appeals[0].root_cause or "packer" in appeals[0].root_cause
        assert (
            check.scalar(
                select(func.count()).select_from(Appeal).where(Appeal.action_id == warning.id)
            )
            == 0
        )
