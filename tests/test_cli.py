"""The `souk` command line against real databases (SOUK_DATABASE_URL honoured)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from souk.cli import app
from souk.core.config import get_settings

runner = CliRunner()


@pytest.fixture
def souk(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SOUK_DATABASE_URL", database_url)
    monkeypatch.setenv("SOUK_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()

    def invoke(*args: str):
        return runner.invoke(app, list(args))

    yield invoke
    get_settings.cache_clear()


def test_db_upgrade_is_repeatable(souk):
    first = souk("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert souk("db", "upgrade").exit_code == 0


def test_db_upgrade_rebuilds_a_search_index_an_older_souk_wrote(souk, tmp_path):
    import tantivy

    from souk.search.index import IndexQuery, TantivyIndex

    root = tmp_path / "var" / "search"
    (root / "g1").mkdir(parents=True)
    older = tantivy.SchemaBuilder()
    older.add_text_field("key", stored=True, tokenizer_name="raw", fast=True)
    tantivy.Index(older.build(), path=str(root / "g1"))
    (root / "CURRENT").write_text("g1")
    assert not TantivyIndex(root).is_current()

    result = souk("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "Search index rebuilt" in result.output
    index = TantivyIndex(root)
    assert index.is_current()
    assert index.query(IndexQuery(marketplace="US", text="")).total == 0
    # Once current, an upgrade leaves the index alone.
    assert "Search index rebuilt" not in souk("db", "upgrade").output


def test_sellers_create_prints_the_new_id_and_lists_it(souk):
    created = souk(
        "sellers",
        "create",
        "--business-name",
        "Harbour Goods",
        "--email",
        "ops@harbour.example",
        "--country",
        "US",
        "--plan",
        "professional",
        "--json",
    )
    assert created.exit_code == 0, created.output
    seller = json.loads(created.output)
    assert seller["seller_id"].startswith("A") and len(seller["seller_id"]) == 14
    assert seller["password"]  # generated, shown once
    listed = souk("sellers", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["seller_id"] for r in rows] == [seller["seller_id"]]
    assert rows[0]["plan"] == "professional" and rows[0]["status"] == "active"


def test_sellers_create_plain_output_is_just_the_id_first(souk):
    created = souk(
        "sellers",
        "create",
        "--business-name",
        "Plain Co",
        "--email",
        "plain@example.com",
        "--country",
        "de",
        "--plan",
        "individual",
        "--password",
        "Plain-Pass-123",
    )
    assert created.exit_code == 0, created.output
    assert created.output.splitlines()[0].startswith("A")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "gold"], "Plan must be one of"),
        (["--email", "not-an-email"], "valid e-mail"),
        (["--country", "USA"], "two-letter"),
        (["--business-name", " "], "business name"),
    ],
)
def test_sellers_create_refuses_bad_input_and_writes_nothing(souk, args, message):
    base = {
        "--business-name": "Good Co",
        "--email": "good@example.com",
        "--country": "US",
        "--plan": "professional",
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = souk("sellers", "create", *[x for pair in base.items() for x in pair])
    assert result.exit_code == 2
    assert message in result.output
    assert json.loads(souk("sellers", "list", "--json").output) == []


def test_duplicate_seller_email_is_refused(souk):
    args = [
        "sellers",
        "create",
        "--business-name",
        "Twice",
        "--email",
        "twice@example.com",
        "--country",
        "US",
        "--plan",
        "professional",
    ]
    assert souk(*args).exit_code == 0
    again = souk(*args)
    assert again.exit_code == 2 and "already exists" in again.output


def test_jobs_list_and_run(souk):
    listed = souk("jobs", "list")
    assert listed.exit_code == 0 and "outbox.deliver" in listed.output
    ran = souk("jobs", "run", "outbox.deliver")
    assert ran.exit_code == 0, ran.output
    unknown = souk("jobs", "run", "no.such.job")
    assert unknown.exit_code == 2 and "no job named" in unknown.output
