"""Shared fixtures: real SQLite and PostgreSQL databases, a runtime on a frozen clock.

Every test that asks for ``rt`` (or ``session``) runs once on SQLite and once
on PostgreSQL. The schema comes from the real migrations, built once per test
process: SQLite tests copy a migrated template file, PostgreSQL tests share a
per-process database that is truncated after each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from souk.core.clock import FrozenClock, utc
from souk.core.config import Settings
from souk.core.db import make_engine
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime

# Tests see every change they make on the next page; the page cache has its own tests.
os.environ.setdefault("SOUK_PAGE_CACHE_SECONDS", "0")

POSTGRES_ADMIN_URL = os.environ.get(
    "SOUK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# A Monday morning in New York: business-day rules have room either side.
START = utc(2026, 3, 2, 14, 0)


def _database_name() -> str:
    # Unique per process: several test runs (and xdist workers) may share one server.
    return f"souk_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = _database_name()
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    from souk.core.models import metadata

    engine = make_engine(url, poolclass=sa.pool.NullPool)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        # A connection the test leaked (a live server's or a worker thread's, idle in
        # transaction) would make TRUNCATE wait for its locks forever: the test is
        # over, so end those connections, and never wait long for a lock.
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        conn.execute(sa.text("SET LOCAL lock_timeout = '30s'"))
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "souk.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        yield url
        _truncate_postgres(url)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def rt(database_url: str, tmp_path: Path, clock: FrozenClock) -> Iterator[Runtime]:
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=database_url,
        secret_key="test-secret",
        run_background=False,
    )
    runtime = Runtime.build(settings, clock=clock)
    runtime.deliver_inline()
    yield runtime
    runtime.close()


@pytest.fixture
def session(rt: Runtime) -> Iterator[sa.orm.Session]:
    with rt.sessions() as s:
        yield s
