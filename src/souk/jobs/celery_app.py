"""Scale-out: outbox delivery and periodic jobs on Celery workers over Redis.

Used when ``SOUK_BROKER_URL`` is set. The web process then only publishes a
"deliver" nudge after each commit that emitted events; workers (``souk
worker``) run the handlers against the shared database. The outbox table
stays the source of truth, so a lost nudge delays delivery until the next
one or the periodic sweep, and never loses an event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Celery

from souk.core.events import Dispatcher, deliver_pending, run_drain_hooks

if TYPE_CHECKING:
    from souk.core.runtime import Runtime

QUEUE = "souk"
_worker_runtime: Runtime | None = None


def make_celery(broker_url: str, queue: str = QUEUE) -> Celery:
    app = Celery("souk", broker=broker_url)
    app.conf.update(
        task_default_queue=queue,
        task_acks_late=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=4,
        broker_connection_retry_on_startup=True,
    )

    @app.task(name="souk.outbox.deliver", shared=False)
    def deliver_outbox() -> int:
        rt = worker_runtime()
        delivered = 0
        while batch := deliver_pending(rt.sessions, rt.clock):
            delivered += batch
        if delivered:
            run_drain_hooks(rt.sessions, rt.clock)
        return delivered

    @app.task(name="souk.jobs.run_due", shared=False)
    def run_due_jobs() -> dict[str, str]:
        from souk.jobs.registry import run_due

        rt = worker_runtime()
        return run_due(rt.sessions, rt.clock)

    return app


def use_worker_runtime(rt: Runtime) -> None:
    """Tell this worker process which runtime (database, clock) its tasks use."""
    global _worker_runtime
    _worker_runtime = rt


def worker_runtime() -> Runtime:
    global _worker_runtime
    if _worker_runtime is None:
        from souk.core.runtime import Runtime

        _worker_runtime = Runtime.build()
    return _worker_runtime


class CeleryDispatcher(Dispatcher):
    """Publishes a delivery task after each commit that emitted events."""

    def __init__(self, rt: Runtime, app: Celery) -> None:
        super().__init__(rt.sessions, rt.clock)
        self.app = app

    def start(self) -> None:
        self.attach()

    def stop(self) -> None:
        self.detach()

    def notify(self) -> None:
        self.app.send_task("souk.outbox.deliver", queue=self.app.conf.task_default_queue)
