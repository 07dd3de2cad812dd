"""What a serving process does for itself beyond answering requests."""

from __future__ import annotations

import gc

from souk.web import app as web_app


def test_a_serving_process_keeps_its_long_lived_heap_out_of_full_collections(monkeypatch):
    monkeypatch.setattr(web_app, "HEAP_SETTLE_SECONDS", 0.5)
    gc.unfreeze()
    try:
        web_app.settle_the_heap_once_warm()
        assert gc.get_freeze_count() > 0  # what start-up built is frozen
        frozen = gc.get_freeze_count()
        kept = [[n] for n in range(10_000)]  # what the first requests build
        import time

        deadline = time.monotonic() + 5
        while gc.get_freeze_count() < frozen + len(kept) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert gc.get_freeze_count() >= frozen + len(kept)  # frozen again once warm
    finally:
        gc.unfreeze()
