"""Domain events through a transactional outbox.

A use case calls :func:`emit` inside its transaction, so the event is stored
if and only if the change that caused it is. Delivery happens after commit:
in-process by default (a dispatcher thread woken on commit), or on Celery
workers over Redis when ``SOUK_BROKER_URL`` is set. Each event's handlers run
in one transaction together with marking the event delivered, so a handler's
writes and the delivery record cannot disagree.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, event, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from souk.core.clock import Clock
from souk.core.db import Base

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class OutboxEvent(Base):
    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(80), index=True)
    subject: Mapped[str] = mapped_column(String(80), default="")
    payload: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)
    next_attempt_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


_INSERT_EVENT = insert(OutboxEvent.__table__)


@dataclass(frozen=True)
class DomainEvent:
    """What a handler receives."""

    id: int
    topic: str
    subject: str
    payload: dict[str, Any]
    occurred_at: datetime


Handler = Callable[[Session, DomainEvent], None]
DrainHook = Callable[[sessionmaker[Session], Clock], object]
_handlers: dict[str, list[Handler]] = defaultdict(list)
_drain_hooks: list[DrainHook] = []


def after_drain(hook: DrainHook) -> DrainHook:
    """Run ``hook`` after a background dispatcher has delivered a batch of events
    (for work better done once per batch than once per event, like index commits)."""
    if hook not in _drain_hooks:
        _drain_hooks.append(hook)
    return hook


def run_drain_hooks(sessions: sessionmaker[Session], clock: Clock) -> None:
    for hook in list(_drain_hooks):
        try:
            hook(sessions, clock)
        except Exception:
            log.exception("after-drain hook %s failed", getattr(hook, "__name__", hook))


def on(topic: str) -> Callable[[Handler], Handler]:
    """Register a handler for ``topic`` (capabilities subscribe at import)."""

    def register(handler: Handler) -> Handler:
        if handler not in _handlers[topic]:
            _handlers[topic].append(handler)
        return handler

    return register


def handlers_for(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, ()))


def emit(session: Session, topic: str, subject: str, payload: dict[str, Any], at: datetime) -> None:
    """Store an event in the caller's transaction.

    A Core INSERT rather than a pending object: nothing reads an event back in the
    transaction that raised it, and every write path pays for the unit of work's
    bookkeeping otherwise."""
    session.connection().execute(
        _INSERT_EVENT, {"topic": topic, "subject": subject, "payload": payload, "occurred_at": at}
    )
    session.info["souk_emitted"] = True


def deliver_pending(
    sessions: sessionmaker[Session], clock: Clock, limit: int = 500, batch: int = 100
) -> int:
    """Run handlers for up to ``limit`` undelivered events; returns how many were handled.

    Events are taken in batches, one transaction a batch and a savepoint an
    event: a failing handler rolls back only its own event's writes, which is
    retried later with backoff, while the rest of the batch commits.
    """
    handled = 0
    while handled < limit:
        with sessions() as session, session.begin():
            query = (
                select(OutboxEvent)
                .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.attempts < MAX_ATTEMPTS)
                .where(
                    (OutboxEvent.next_attempt_at.is_(None))
                    | (OutboxEvent.next_attempt_at <= clock.now())
                )
                .order_by(OutboxEvent.id)
                .limit(min(batch, limit - handled))
            )
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.scalars(query).all()
            if not rows:
                return handled
            for row in rows:
                _deliver(session, clock, row)
            handled += len(rows)
    return handled


def _deliver(session: Session, clock: Clock, row: OutboxEvent) -> None:
    domain_event = DomainEvent(row.id, row.topic, row.subject, row.payload, row.occurred_at)
    try:
        with session.begin_nested():
            for handler in handlers_for(row.topic):
                handler(session, domain_event)
    except Exception as exc:  # a handler's failure must not lose the event
        log.exception("handler for %s #%s failed", row.topic, row.id)
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        row.next_attempt_at = clock.now() + timedelta(seconds=2**row.attempts)
    else:
        row.delivered_at = clock.now()
        row.attempts += 1


class Dispatcher:
    """Delivers events after commit. Subclasses choose where handlers run."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def attach(self) -> None:
        """Wake this dispatcher whenever a session that emitted events commits."""
        event.listen(self.sessions, "after_commit", self._after_commit)

    def detach(self) -> None:
        if event.contains(self.sessions, "after_commit", self._after_commit):
            event.remove(self.sessions, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint was released; the outer commit decides
        if session.info.pop("souk_emitted", False):
            self.notify()

    def notify(self) -> None:
        raise NotImplementedError


class InlineDispatcher(Dispatcher):
    """Delivers synchronously in the committing thread (command line, simulator)."""

    def notify(self) -> None:
        deliver_pending(self.sessions, self.clock)


class ThreadDispatcher(Dispatcher):
    """A background thread in the web process, woken on commit and every few seconds."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, poll_seconds: float = 5.0):
        super().__init__(sessions, clock)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._poll = poll_seconds
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.attach()
        self._thread = threading.Thread(target=self._run, name="souk-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.detach()
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def notify(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._poll)
            self._wake.clear()
            try:
                delivered = 0
                while batch := deliver_pending(self.sessions, self.clock):
                    delivered += batch
                if delivered:
                    run_drain_hooks(self.sessions, self.clock)
            except Exception:
                log.exception("outbox delivery failed; will retry")
