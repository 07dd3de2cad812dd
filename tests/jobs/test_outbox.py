"""The outbox delivers events after commit, in-process or on Celery workers over Redis."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from souk.core.events import (
    MAX_ATTEMPTS,
    OutboxEvent,
    ThreadDispatcher,
    _handlers,
    deliver_pending,
    emit,
    on,
)

pytestmark = pytest.mark.usefixtures("isolated_handlers")


@pytest.fixture
def isolated_handlers():
    saved = {topic: list(handlers) for topic, handlers in _handlers.items()}
    yield
    _handlers.clear()
    _handlers.update(saved)


def _emit(rt, topic="test.happened", subject="s1", **payload):
    with rt.sessions() as session:
        emit(session, topic, subject, payload or {"n": 1}, rt.clock.now())
        session.commit()


def test_event_is_stored_only_with_its_transaction(rt):
    with rt.sessions() as session:
        emit(session, "test.happened", "s1", {"n": 1}, rt.clock.now())
        session.rollback()
    with rt.sessions() as session:
        assert session.scalars(select(OutboxEvent)).all() == []


def test_inline_delivery_runs_handlers_once_and_marks_delivered(rt):
    seen = []
    on("test.happened")(lambda session, event: seen.append((event.topic, event.payload)))
    _emit(rt, n=7)
    assert seen == [("test.happened", {"n": 7})]
    assert deliver_pending(rt.sessions, rt.clock) == 0  # nothing left
    with rt.sessions() as session:
        row = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "test.happened")).one()
        assert row.delivered_at == rt.clock.now()


def test_failing_handler_is_retried_with_backoff_and_rolls_back_its_writes(rt):
    calls = []

    def flaky(session, event):
        calls.append(event.id)
        emit(session, "test.side_effect", "x", {}, rt.clock.now())
        if len(calls) == 1:
            raise RuntimeError("first attempt fails")

    on("test.happened")(flaky)
    _emit(rt)
    with rt.sessions() as session:
        row = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "test.happened")).one()
        assert row.delivered_at is None and row.attempts == 1
        assert "first attempt fails" in row.last_error
        # The failed handler's own write did not survive.
        assert (
            session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == "test.side_effect")
            ).all()
            == []
        )
    assert deliver_pending(rt.sessions, rt.clock) == 0  # backing off
    rt.clock.advance(timedelta(seconds=3))
    assert deliver_pending(rt.sessions, rt.clock) >= 1
    assert len(calls) == 2


def test_poison_event_stops_after_max_attempts(rt):
    def broken(session, event):
        raise ValueError("never works")

    on("test.happened")(broken)
    _emit(rt)
    for _ in range(MAX_ATTEMPTS + 2):
        rt.clock.advance(timedelta(hours=1))
        deliver_pending(rt.sessions, rt.clock)
    with rt.sessions() as session:
        row = session.scalars(select(OutboxEvent)).one()
        assert row.attempts == MAX_ATTEMPTS and row.delivered_at is None


def test_thread_dispatcher_delivers_after_commit(rt):
    rt.dispatcher.detach()
    done = threading.Event()
    on("test.happened")(lambda session, event: done.set())
    dispatcher = ThreadDispatcher(rt.sessions, rt.clock, poll_seconds=60)
    dispatcher.start()
    try:
        _emit(rt)
        assert done.wait(10), "the dispatcher thread did not deliver the event"
    finally:
        dispatcher.stop()


def test_celery_worker_over_real_redis_delivers(rt):
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (make test starts it)")
    from celery.contrib.testing.worker import TestWorkController, start_worker

    class BoundedWorkController(TestWorkController):
        # celery's own version waits forever for a worker that failed to start.
        def ensure_started(self) -> None:
            if not self._on_started.wait(30):
                raise RuntimeError("the Celery worker did not start within 30 s")

    from souk.jobs.celery_app import CeleryDispatcher, make_celery, use_worker_runtime

    rt.dispatcher.detach()
    done = threading.Event()
    seen = []

    def record(session, event):
        seen.append(threading.current_thread().name)
        done.set()

    on("test.happened")(record)
    queue = f"souk-test-{uuid.uuid4().hex[:8]}"
    app = make_celery("redis://127.0.0.1:6379/0", queue=queue)
    app.conf.update(broker_connection_retry_on_startup=False, broker_connection_max_retries=3)
    use_worker_runtime(rt)
    dispatcher = CeleryDispatcher(rt, app)
    dispatcher.start()
    try:
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            queues=[queue],
            shutdown_timeout=10,
            WorkController=BoundedWorkController,
        ):
            _emit(rt)
            assert done.wait(20), "the Celery worker did not deliver the event"
    finally:
        dispatcher.stop()
        use_worker_runtime(None)  # type: ignore[arg-type]
    with rt.sessions() as session:
        row = session.scalars(select(OutboxEvent)).one()
        assert row.delivered_at is not None
    assert seen and seen[0] != threading.main_thread().name
