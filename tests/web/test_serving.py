"""What a serving process does for itself beyond answering requests."""

from __future__ import annotations

import gc

from souk.web import app as web_app


def test_a_serving_process_keeps_its_long_lived_heap_out_of_full_collections() -> None:
    gc.unfreeze()
    try:
        later = web_app.settle_the_heap_once_warm()
        # Timing is not under test: the second settling is run here, not waited for.
        later.cancel()
        assert later.interval == web_app.HEAP_SETTLE_SECONDS and later.daemon
        assert gc.get_freeze_count() > 0  # what start-up built is frozen
        frozen = gc.get_freeze_count()
        kept = [[n] for n in range(10_000)]  # what the first requests build
        later.function(*later.args, **later.kwargs)
        assert gc.get_freeze_count() >= frozen + len(kept)  # frozen again once warm
    finally:
        gc.unfreeze()
