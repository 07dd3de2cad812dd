"""``souk messaging check`` and ``souk messaging receive``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from souk.cli import app

runner = CliRunner()


def test_check_prints_the_verdict_as_json() -> None:
    blocked = runner.invoke(app, ["messaging", "check", "Call +1 212 555 0147", "--json"])
    assert blocked.exit_code == 1
    verdict = json.loads(blocked.stdout)
    assert verdict["allowed"] is False and verdict["reasons"] == ["phone"]
    allowed = runner.invoke(
        app, ["messaging", "check", "Order 112-4567890-1234567 shipped", "--json"]
    )
    assert allowed.exit_code == 0
    assert json.loads(allowed.stdout) == {"allowed": True, "reasons": [], "messages": []}


def test_check_in_words_and_for_buyers() -> None:
    words = runner.invoke(app, ["messaging", "check", "visit acme dot com"])
    assert words.exit_code == 1 and "link:" in words.stdout
    buyer = runner.invoke(app, ["messaging", "check", "--from", "buyer", "Leave a 5-star review?"])
    assert buyer.exit_code == 0 and "allowed" in buyer.stdout
    wrong = runner.invoke(app, ["messaging", "check", "--from", "robot", "hi"])
    assert wrong.exit_code == 2


def test_receive_refuses_an_empty_message() -> None:
    empty = runner.invoke(app, ["messaging", "receive"], input=b"")
    assert empty.exit_code == 2
