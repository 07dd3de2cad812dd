from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from souk.core.clock import FrozenClock, SystemClock, utc


def test_frozen_clock_moves_only_when_told():
    clock = FrozenClock(utc(2026, 1, 1))
    assert clock.now() == clock.now() == utc(2026, 1, 1)
    assert clock.advance(timedelta(hours=2)) == utc(2026, 1, 1, 2)
    clock.set(utc(2027, 5, 5))
    assert clock.now() == utc(2027, 5, 5)


def test_frozen_clock_refuses_naive_times_and_going_back():
    with pytest.raises(ValueError):
        FrozenClock(datetime(2026, 1, 1))
    clock = FrozenClock(utc(2026, 1, 1))
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1))


def test_system_clock_is_utc_aware():
    assert SystemClock().now().utcoffset() == timedelta(0)
