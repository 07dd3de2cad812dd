"""`souk performance recompute` and `souk performance show` against real databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from souk.cli import app
from souk.core.config import get_settings
from tests.performance import support as s

runner = CliRunner()


@pytest.fixture
def souk(rt, database_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOUK_DATABASE_URL", database_url)
    monkeypatch.setenv("SOUK_VAR_DIR", str(tmp_path / "cli-var"))
    get_settings.cache_clear()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args))

    yield invoke
    get_settings.cache_clear()


def test_recompute_then_show(rt, session, souk) -> None:  # type: ignore[no-untyped-def]
    # The command line reads the system clock: the history must be recent.
    rt.clock.set(datetime.now(UTC) - timedelta(hours=1))
    shop = s.shop(rt, session)
    s.ship(rt, session, s.buy(rt, session, shop))
    seller_id = shop.seller.id
    session.commit()

    unknown = souk("performance", "show", "A0000000000NOPE")
    assert unknown.exit_code == 2 and "No seller" in unknown.output
    missing = souk("performance", "recompute", "--seller", "A0000000000NOPE")
    assert missing.exit_code == 2 and "No seller" in missing.output

    done = souk("performance", "recompute", "--seller", seller_id)
    assert done.exit_code == 0, done.output
    assert "1 standings of 1 sellers recomputed" in done.output
    shown = souk("performance", "show", seller_id, "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["seller_id"] == seller_id and data["status"] == "active"
    (us,) = data["standings"]
    assert us["marketplace"] == "US" and us["health_band"] == "healthy"
    late = us["metrics"]["late_shipment_rate_30d"]
    assert (late["numerator"], late["denominator"]) == (0, 1)
    table = souk("performance", "show", seller_id)
    assert table.exit_code == 0 and "US: account health 1000 (Healthy)" in table.output
