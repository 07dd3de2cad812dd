"""Database engine and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapper,
    Session,
    make_transient_to_detached,
    sessionmaker,
)
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which keeps no zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        # SQLite only auto-increments INTEGER PRIMARY KEY, not BIGINT.
        int: BigInteger().with_variant(Integer(), "sqlite"),
        dict[str, Any]: JSON().with_variant(JSONB(), "postgresql"),
        list[Any]: JSON().with_variant(JSONB(), "postgresql"),
    }


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock at BEGIN: a deferred transaction that later
    # writes fails at once (SQLITE_BUSY_SNAPSHOT) when another writer got in
    # first. Read-only sessions begin plainly, so pages never wait on writers.
    if conn.get_execution_options().get("souk_read_only"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if "poolclass" not in kwargs:
            # A page's boxes may each hold a session while the request's own is open;
            # SQLite connections are cheap, so the pool must not be what runs out.
            kwargs.setdefault("pool_size", 20)
            kwargs.setdefault("max_overflow", 40)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 20)
    ping = kwargs.pop("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if ping:
        event.listen(engine, "checkin", _mark_idle)
        event.listen(engine, "checkout", _ping_if_idle)
    return engine


#: A pooled connection idle for less than this is handed out without a round trip.
PING_AFTER_IDLE_SECONDS = 2.0


def _mark_idle(dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Check a pooled connection before use, unless it was in use a moment ago.

    A checkout commits in three short transactions and each takes a connection
    from the pool; pinging every one (SQLAlchemy's ``pool_pre_ping``) cost a round
    trip each. A connection back from work within the last seconds is almost
    surely alive, and if the server went away in between, the failing statement
    invalidates the pool like any disconnect.
    """
    if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_SECONDS:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:  # any failure: let the pool replace the connection
        raise DisconnectionError() from error


def make_sessionmaker(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for use cases; ``read_only`` ones are for pages and reports."""
    bind = engine.execution_options(souk_read_only=True) if read_only else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    with sessions() as session, session.begin():
        yield session


# -- rows written without the unit of work ---------------------------------------------
#
# The unit of work earns its cost where objects are loaded, changed here and there
# and flushed in dependency order. A hot path that only creates rows and sets a few
# columns (checkout) pays several times over for that bookkeeping, so it writes with
# one Core statement per table and hands the session objects that look loaded: every
# column set, no pending history, the same identity a query would have given them.


def insert_loaded(session: Session, objects: Sequence[Base]) -> None:
    """INSERT new mapped ``objects`` (parents before children) with one statement per
    table, then add them to ``session`` as persistent, clean objects.

    Columns the caller left unset take their scalar default (or None) in Python, so
    nothing is left to load later; an integer key left unset comes back by RETURNING.
    Relationships set on the objects are kept as loaded; their rows must be in
    ``objects`` too.
    """
    by_table: dict[Table, list[Base]] = {}
    for obj in objects:
        by_table.setdefault(cast(Table, sa_inspect(obj).mapper.local_table), []).append(obj)
    connection = session.connection()
    for table, rows in by_table.items():
        mapper = sa_inspect(rows[0]).mapper
        columns = _mapped_columns(mapper)
        generated = tuple(
            key for column, key in columns if column.primary_key and key not in vars(rows[0])
        )
        values = [_column_values(obj, columns, generated) for obj in rows]
        statement = _insert_statement(table, generated)
        # One row goes as a plain execute: a list takes the driver's executemany path.
        params = values[0] if len(values) == 1 else values
        if generated:
            returned = connection.execute(statement, params).all()
            for obj, row in zip(rows, returned, strict=True):
                for key, value in zip(generated, row, strict=True):
                    setattr(obj, key, value)
        else:
            connection.execute(statement, params)
    for obj in objects:
        make_transient_to_detached(obj)
    for obj in objects:
        session.add(obj)


@cache
def _mapped_columns(mapper: Mapper[Any]) -> tuple[tuple[Column[Any], str], ...]:
    """Each column of the mapper's table with the attribute that holds it."""
    table = cast(Table, mapper.local_table)
    return tuple((column, mapper.get_property_by_column(column).key) for column in table.columns)


@cache
def _insert_statement(table: Table, generated: tuple[str, ...]) -> Any:
    # Built once per shape: a statement object caches its own cache key, so executing
    # the same one again skips both building and keying it.
    statement = insert(table)
    if generated:
        statement = statement.returning(
            *(table.c[key] for key in generated), sort_by_parameter_order=True
        )
    return statement


def _column_values(
    obj: Base, columns: tuple[tuple[Column[Any], str], ...], generated: tuple[str, ...]
) -> dict[str, Any]:
    state = vars(obj)
    values = {}
    for column, key in columns:
        if key in generated:
            continue
        if key not in state:
            setattr(obj, key, _python_default(column))
        values[column.key] = state[key]
    return values


def _python_default(column: Column[Any]) -> Any:
    default = column.default
    if default is None:
        if column.server_default is not None or not column.nullable:
            raise TypeError(f"insert_loaded needs a value for {column.table.name}.{column.key}")
        return None
    if default.is_scalar:
        return default.arg  # type: ignore[attr-defined]
    if default.is_callable:
        return default.arg(None)  # type: ignore[attr-defined]
    raise TypeError(f"insert_loaded cannot compute {column.table.name}.{column.key}'s default")


def update_loaded(session: Session, obj: Base, **values: Any) -> None:
    """UPDATE one persistent object's row by primary key with a Core statement and set
    the same values on the object as loaded (no pending change left to flush)."""
    state = sa_inspect(obj)
    if state.identity is None:
        raise TypeError("update_loaded needs an object already in the database")
    statement = _update_statement(state.mapper, tuple(values))
    keys = {f"pk_{n}": value for n, value in enumerate(state.identity)}
    session.connection().execute(statement, {**keys, **{f"set_{k}": v for k, v in values.items()}})
    for key, value in values.items():
        set_committed_value(obj, key, value)


@cache
def _update_statement(mapper: Mapper[Any], keys: tuple[str, ...]) -> Any:
    table = cast(Table, mapper.local_table)
    return (
        update(table)
        .where(*(c == bindparam(f"pk_{n}") for n, c in enumerate(mapper.primary_key)))
        .values({mapper.get_property(k).columns[0]: bindparam(f"set_{k}") for k in keys})
    )
