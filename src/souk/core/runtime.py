"""Everything a running souk process shares, built once from settings.

The web app, the command line, the simulator and the tests each make one
``Runtime``; use cases receive the parts they need (a session, the clock,
the payment provider) explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from souk.core.clock import Clock, SystemClock
from souk.core.config import Settings, get_settings
from souk.core.db import make_engine, make_sessionmaker
from souk.core.events import Dispatcher, InlineDispatcher
from souk.core.storage import FileMediaStorage, MediaStorage
from souk.orders.payments import PaymentProvider, TestPaymentProvider

if TYPE_CHECKING:
    from souk.search.index import TantivyIndex


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    clock: Clock
    payments: PaymentProvider
    media: MediaStorage
    dispatcher: Dispatcher | None = field(default=None)

    @classmethod
    def build(
        cls,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        payments: PaymentProvider | None = None,
        engine: Engine | None = None,
    ) -> Runtime:
        settings = settings or get_settings()
        engine = engine or make_engine(settings.resolved_database_url())
        import souk.core.models
        import souk.jobs.catalogue  # noqa: F401

        rt = cls(
            settings=settings,
            engine=engine,
            sessions=make_sessionmaker(engine),
            read_sessions=make_sessionmaker(engine, read_only=True),
            clock=clock or SystemClock(),
            payments=payments or TestPaymentProvider(),
            media=FileMediaStorage(settings.media_dir),
        )
        # Event handlers reach the runtime (clock, search index) through their session.
        rt.sessions.configure(info={"runtime": rt})
        rt.read_sessions.configure(info={"runtime": rt})
        return rt

    @property
    def search_index(self) -> TantivyIndex:
        from souk.search.service import index_at

        return index_at(self.settings.var_dir)

    def deliver_inline(self) -> InlineDispatcher:
        """Deliver events synchronously after each commit (command line, simulator, tests)."""
        dispatcher = InlineDispatcher(self.sessions, self.clock)
        dispatcher.attach()
        self.dispatcher = dispatcher
        return dispatcher

    def close(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.detach()
        self.engine.dispose()


def runtime_of(sessions: sessionmaker[Session]) -> Runtime | None:
    """The runtime a sessionmaker belongs to: jobs are handed only the sessionmaker,
    yet charge through the runtime's payment and payout providers."""
    found = sessions.kw.get("info", {}).get("runtime")
    return found if isinstance(found, Runtime) else None
