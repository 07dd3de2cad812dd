"""Content rules on the case table: false-positive and false-negative rates, and speed.

Run: .venv/bin/python bench/content_rules.py
The speed figure is a ratio against a baseline measured in the same run (a
plain lower-casing pass over the same texts), never an absolute number.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from souk.messaging.rules import check_text
from tests.messaging.content_cases import HELD_OUT_BLOCK, HELD_OUT_PASS, MUST_BLOCK, MUST_PASS


def report(
    name: str, must_pass: list[tuple[str, str]], must_block: list[tuple[str, str, tuple[str, ...]]]
) -> None:
    false_pos = [t for s, t in must_pass if not check_text(t, sender=s).allowed]
    false_neg = [
        t for s, t, want in must_block if not set(want) <= set(check_text(t, sender=s).reasons)
    ]
    total = len(must_pass) + len(must_block)
    print(f"{name}: {total} cases ({len(must_pass)} must pass, {len(must_block)} must be blocked)")
    print(f"  false-positive rate: {len(false_pos) / len(must_pass):.2%} ({len(false_pos)})")
    print(f"  false-negative rate: {len(false_neg) / len(must_block):.2%} ({len(false_neg)})")
    for text in false_pos:
        print(f"    wrongly blocked: {text}")
    for text in false_neg:
        print(f"    missed: {text}")


def main() -> None:
    report("tuning table", MUST_PASS, MUST_BLOCK)
    report("held-out table", HELD_OUT_PASS, HELD_OUT_BLOCK)
    texts = [t for _, t in MUST_PASS] + [t for _, t, _ in MUST_BLOCK]
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            text.casefold().split()
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            check_text(text)
    rules_time = time.perf_counter() - start
    print(f"check_text per message: {rules_time / baseline:.1f}x a casefold+split baseline")


if __name__ == "__main__":
    main()
