"""Background jobs: plain functions registered in one place, with a period.

``run_due`` runs the jobs whose period has passed since their last recorded
run; the web process calls it from a scheduler thread, ``souk jobs run``
from the command line, the simulator once per simulated hour.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from souk.core.clock import Clock
from souk.core.db import Base

log = logging.getLogger(__name__)

JobFunction = Callable[[sessionmaker[Session], Clock], object]


class JobRun(Base):
    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_started_at: Mapped[datetime]
    last_finished_at: Mapped[datetime | None]
    last_result: Mapped[str] = mapped_column(String(500), default="")


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: JobFunction
    description: str


_jobs: dict[str, Job] = {}


def job(name: str, every: timedelta, description: str) -> Callable[[JobFunction], JobFunction]:
    def register(function: JobFunction) -> JobFunction:
        _jobs[name] = Job(name, every, function, description)
        return function

    return register


def all_jobs() -> list[Job]:
    import souk.jobs.catalogue  # noqa: F401  (registers every capability's jobs)

    return sorted(_jobs.values(), key=lambda j: j.name)


def run_job(sessions: sessionmaker[Session], clock: Clock, name: str) -> str:
    jobs = {j.name: j for j in all_jobs()}
    if name not in jobs:
        raise KeyError(name)
    started = clock.now()
    result = jobs[name].run(sessions, clock)
    with sessions() as session, session.begin():
        record = session.get(JobRun, name) or JobRun(name=name, last_started_at=started)
        record.last_started_at = started
        record.last_finished_at = clock.now()
        record.last_result = str(result)[:500]
        session.merge(record)
    return str(result)


def run_due(
    sessions: sessionmaker[Session], clock: Clock, *, skip: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Run every job whose interval has passed, except those named in ``skip``."""
    with sessions() as session:
        last = {r.name: r.last_started_at for r in session.query(JobRun)}
    now = clock.now()
    results = {}
    for item in all_jobs():
        previous = last.get(item.name)
        if item.name in skip:
            continue
        if previous is None or now - previous >= item.every:
            try:
                results[item.name] = run_job(sessions, clock, item.name)
            except Exception as exc:
                log.exception("job %s failed", item.name)
                results[item.name] = f"failed: {exc}"
    return results
