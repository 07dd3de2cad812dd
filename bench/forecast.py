"""Sales forecast backtest: Holt-Winters (statsmodels ETS, weekly seasonality) against
the naive seasonal forecast, on simulated daily demand of many SKUs.

Run: .venv/bin/python bench/forecast.py [--skus N] [--weeks-history N] [--weeks-ahead N]
Both are scored in the same run by mean absolute scaled error (MASE, lower is
better); the ratio model / naive is the figure (target: at most 0.85).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from souk.analytics.backtest import backtest
from souk.analytics.rules import WEEK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=100)
    parser.add_argument("--weeks-history", type=int, default=26)
    parser.add_argument("--weeks-ahead", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    result = backtest(args.skus, args.weeks_history * WEEK, args.weeks_ahead * WEEK, seed=args.seed)
    took = time.perf_counter() - started
    print(
        f"forecast backtest: {result.skus} simulated SKUs, {args.weeks_history} weeks of "
        f"history, {args.weeks_ahead} weeks ahead (seed {args.seed}, {took:.1f} s)"
    )
    print(f"  naive seasonal (same weekday last week)  MASE {result.mase_naive:.3f}")
    print(f"  Holt-Winters ETS, weekly seasonality     MASE {result.mase_model:.3f}")
    print(f"  ratio model / naive: {result.ratio:.3f} ({(1 - result.ratio):.1%} lower error)")


if __name__ == "__main__":
    main()
