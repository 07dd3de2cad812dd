"""insert_loaded / update_loaded: rows written with Core statements, objects left as if
loaded (every column set, nothing pending), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from souk.core.clock import FrozenClock
from souk.core.db import insert_loaded, update_loaded
from souk.core.events import OutboxEvent
from souk.core.runtime import Runtime


@pytest.fixture
def statements(rt: Runtime) -> Iterator[list[str]]:
    """Every SQL statement the runtime's engine sends while the test runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(rt.engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(rt.engine, "before_cursor_execute", record)


def _event(clock: FrozenClock, topic: str) -> OutboxEvent:
    return OutboxEvent(topic=topic, payload={"n": 1}, occurred_at=clock.now())


def test_inserted_objects_get_their_keys_and_defaults_and_read_without_a_query(
    session: Session, clock: FrozenClock, statements: list[str]
) -> None:
    first, second = _event(clock, "a.happened"), _event(clock, "b.happened")
    insert_loaded(session, [first, second])
    written = len(statements)
    assert second.id > first.id  # keys come back in the order the objects were given
    assert (first.subject, first.attempts, first.delivered_at, first.last_error) == (
        "",
        0,
        None,
        None,
    )
    assert first in session and not session.dirty and not session.new
    assert len(statements) == written  # nothing was left to load
    session.commit()

    stored = session.execute(
        sa.select(OutboxEvent.topic, OutboxEvent.attempts).order_by(OutboxEvent.id)
    ).all()
    assert [tuple(row) for row in stored] == [("a.happened", 0), ("b.happened", 0)]


def test_update_loaded_writes_the_row_and_leaves_nothing_to_flush(
    session: Session, clock: FrozenClock, statements: list[str]
) -> None:
    event = _event(clock, "a.happened")
    insert_loaded(session, [event])
    update_loaded(session, event, attempts=3, last_error="timed out")
    assert (event.attempts, event.last_error) == (3, "timed out")
    assert not session.dirty
    session.commit()
    session.expire_all()
    assert session.get(OutboxEvent, event.id).attempts == 3  # type: ignore[union-attr]


def test_a_missing_required_value_is_refused_before_anything_is_written(
    session: Session, clock: FrozenClock
) -> None:
    incomplete = OutboxEvent(payload={}, occurred_at=clock.now())  # no topic
    with pytest.raises(TypeError, match=r"outbox_events\.topic"):
        insert_loaded(session, [incomplete])
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == 0


def test_update_loaded_refuses_an_object_never_written(
    session: Session, clock: FrozenClock
) -> None:
    with pytest.raises(TypeError, match="already in the database"):
        update_loaded(session, _event(clock, "a.happened"), attempts=1)
