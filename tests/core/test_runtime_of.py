"""Jobs get a sessionmaker and find the runtime (its providers) through it."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from souk.core.runtime import runtime_of


def test_a_runtimes_sessionmakers_lead_back_to_it(rt):
    assert runtime_of(rt.sessions) is rt
    assert runtime_of(rt.read_sessions) is rt


def test_a_bare_sessionmaker_has_no_runtime(rt):
    assert runtime_of(sessionmaker(rt.engine)) is None
