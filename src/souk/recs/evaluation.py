"""Offline evaluation of souk's recommender against baselines, in one run.

Protocol (fixed so that figures compare from run to run and with DATA.md):

* MovieLens 100k: each user's newest 5 ratings (by timestamp, ties by item id)
  are held out; items the user rated in training are never recommended.
* Instacart: each user's last order is held out; previously bought items stay
  eligible (groceries are bought again).
* recall@10 = |top 10 and held out| / min(10, |held out|), NDCG@10 with binary
  gains, catalog coverage = share of items that appear in anyone's top 10,
  fit seconds = wall time of the model's fit on the training part.

souk's settings below were chosen on a validation split carved from the
training part the same way (each user's newest 5 training ratings, or the
last training order), never on the held-out part: ``evaluate(...,
validation=True)`` reproduces that split. Everything is deterministic.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from souk.recs.datasets import Interaction, load
from souk.recs.fitting import FitSettings, corrected_neighbours

TOP = 10
ML_HELD_OUT = 5
EASE_LAMBDA = 100.0
#: Instacart has 14k products; EASE inverts an items-by-items matrix, so it is fitted
#: on the most bought items only (the others are rarely in anyone's top 10 anyway).
EASE_MAX_ITEMS = 3000

# souk's settings, chosen on the validation split (see the module docstring).
ML_SETTINGS = FitSettings(neighbours=30, min_support=1, alpha=0.5)
ML_PROFILE_HALF_LIFE = 5.0  # a user's events, newest first
BASKET_SETTINGS = FitSettings(neighbours=50, min_support=2, alpha=0.5)
REPEAT_HALF_LIFE = 4.0  # orders
BASKET_BLEND = 0.05


@dataclass
class Split:
    """Training events and held-out items per user, on dense indices."""

    users: int
    items: int
    train: dict[int, list[Interaction]] = field(default_factory=dict)
    held_out: dict[int, set[int]] = field(default_factory=dict)
    exclude_seen: bool = True


@dataclass(frozen=True)
class Result:
    recall: float
    ndcg: float
    coverage: float
    fit_seconds: float

    def as_dict(self) -> dict[str, float]:
        return {
            "recall@10": round(self.recall, 4),
            "ndcg@10": round(self.ndcg, 4),
            "coverage": round(self.coverage, 4),
            "fit_seconds": round(self.fit_seconds, 4),
        }


def _index(events: list[Interaction]) -> list[Interaction]:
    users = {u: n for n, u in enumerate(sorted({e.user for e in events}))}
    items = {i: n for n, i in enumerate(sorted({e.item for e in events}))}
    return [Interaction(users[e.user], items[e.item], e.when, e.basket) for e in events]


def split_newest(events: list[Interaction], held_out: int) -> Split:
    """Each user's newest ``held_out`` events (ties by item id) set aside."""
    events = _index(events)
    split = Split(1 + max(e.user for e in events), 1 + max(e.item for e in events))
    by_user: dict[int, list[Interaction]] = defaultdict(list)
    for e in events:
        by_user[e.user].append(e)
    for user, own in by_user.items():
        own.sort(key=lambda e: (e.when, e.item))
        if len(own) <= held_out:
            continue
        split.train[user] = own[:-held_out]
        split.held_out[user] = {e.item for e in own[-held_out:]}
    return split


def split_last_order(events: list[Interaction]) -> Split:
    """Each user's last order (highest order number) set aside; users with one order skip."""
    events = _index(events)
    split = Split(
        1 + max(e.user for e in events), 1 + max(e.item for e in events), exclude_seen=False
    )
    by_user: dict[int, list[Interaction]] = defaultdict(list)
    for e in events:
        by_user[e.user].append(e)
    for user, own in by_user.items():
        last = max(e.when for e in own)
        earlier = [e for e in own if e.when < last]
        if earlier:
            split.train[user] = sorted(earlier, key=lambda e: (e.when, e.item))
            split.held_out[user] = {e.item for e in own if e.when == last}
    return split


def carve_validation(split: Split, dataset: str) -> Split:
    """The same protocol applied to the training part only (for choosing settings)."""
    training = [e for own in split.train.values() for e in own]
    inner = split_newest(training, ML_HELD_OUT) if dataset == "ml-100k" else None
    if inner is None:
        inner = split_last_order(training)
    inner.users, inner.items = split.users, split.items  # training keeps the same indices
    return inner


# -- matrices -----------------------------------------------------------------------------


def user_items(split: Split, weight: Callable[[int, int], float] | None = None) -> sp.csr_matrix:
    """Users x items; ``weight(position from newest, count)`` or 1 for each event."""
    rows, cols, values = [], [], []
    for user, own in split.train.items():
        for position, e in enumerate(reversed(own)):
            rows.append(user)
            cols.append(e.item)
            values.append(1.0 if weight is None else weight(position, len(own)))
    matrix = sp.csr_matrix((values, (rows, cols)), shape=(split.users, split.items))
    matrix.sum_duplicates()
    return matrix


def order_recency(split: Split, half_life: float) -> sp.csr_matrix:
    """Users x items: each purchase weighted by how many orders ago it was, halving."""
    rows, cols, values = [], [], []
    for user, own in split.train.items():
        last = own[-1].when
        for e in own:
            rows.append(user)
            cols.append(e.item)
            values.append(0.5 ** ((last - e.when) / half_life))
    return sp.csr_matrix((values, (rows, cols)), shape=(split.users, split.items))


def baskets(split: Split) -> sp.csr_matrix:
    """Baskets x items, for items bought together."""
    ids: dict[tuple[int, int], int] = {}
    rows, cols = [], []
    for user, own in split.train.items():
        for e in own:
            rows.append(ids.setdefault((user, e.when), len(ids)))
            cols.append(e.item)
    matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ids), split.items))
    matrix.data[:] = 1.0
    return matrix


def _scaled(scores: np.ndarray) -> np.ndarray:
    """Each user's scores divided by their largest, so that two signals can be blended."""
    top = scores.max(axis=1, keepdims=True)
    return scores / np.where(top > 0, top, 1.0)


# -- models: each returns (users x items scores, fit seconds) -----------------------------

Scored = tuple[np.ndarray, float]


def souk_model(split: Split, dataset: str) -> Scored:
    """The item-to-item model with popularity correction, as souk fits it for the shop."""
    if dataset == "ml-100k":
        history = user_items(split)
        started = time.perf_counter()
        neighbours = corrected_neighbours(history, ML_SETTINGS)
        fit = time.perf_counter() - started
        profile = user_items(split, lambda pos, _: 0.5 ** (pos / ML_PROFILE_HALF_LIFE))
        return (profile @ neighbours.T).toarray(), fit
    bought_together = baskets(split)
    started = time.perf_counter()
    neighbours = corrected_neighbours(bought_together, BASKET_SETTINGS)
    fit = time.perf_counter() - started
    repeat = order_recency(split, REPEAT_HALF_LIFE)
    together = (repeat @ neighbours.T).toarray()
    return _scaled(repeat.toarray()) + BASKET_BLEND * _scaled(together), fit


def popularity(split: Split) -> Scored:
    matrix = user_items(split)
    started = time.perf_counter()
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    fit = time.perf_counter() - started
    return np.tile(counts, (split.users, 1)), fit


def implicit_cosine(split: Split) -> Scored:
    from implicit.nearest_neighbours import CosineRecommender

    matrix = user_items(split)
    matrix.data[:] = 1.0
    model = CosineRecommender()  # implicit's ItemItemRecommender, default K=20
    started = time.perf_counter()
    model.fit(matrix, show_progress=False)
    fit = time.perf_counter() - started
    return (matrix @ model.similarity).toarray(), fit


def ease(split: Split) -> Scored:
    """Steck (2019): B = I - P diagMat(1/diag(P)), P = (X'X + lambda I)^-1, diag(B) = 0."""
    matrix = user_items(split)
    matrix.data[:] = 1.0
    started = time.perf_counter()
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    kept = np.sort(np.argsort(-counts, kind="stable")[:EASE_MAX_ITEMS])
    part = matrix[:, kept]
    gram = (part.T @ part).toarray()
    gram[np.diag_indices_from(gram)] += EASE_LAMBDA
    inverse = np.linalg.inv(gram)
    weights = inverse / (-np.diag(inverse))
    weights[np.diag_indices_from(weights)] = 0.0
    fit = time.perf_counter() - started
    scores = np.zeros((split.users, split.items))
    scores[:, kept] = part @ weights
    scores[:, np.setdiff1d(np.arange(split.items), kept)] = -1e9
    return scores, fit


def own_frequent(split: Split) -> Scored:
    """The user's own most bought items (ties: the more recent first)."""
    matrix = user_items(split)
    started = time.perf_counter()
    counts = matrix.toarray()
    fit = time.perf_counter() - started
    return counts + 1e-6 * _scaled(order_recency(split, 1.0).toarray()), fit


# -- metrics ------------------------------------------------------------------------------


def top_items(scores: np.ndarray, split: Split) -> dict[int, list[int]]:
    """Each evaluated user's top 10, ties by item id (stable sort), seen items excluded."""
    chosen = {}
    for user in split.held_out:
        row = scores[user].astype(np.float64, copy=True)
        if split.exclude_seen:
            row[[e.item for e in split.train[user]]] = -np.inf
        candidates = np.argpartition(-row, TOP)[: TOP * 4]
        ranked = candidates[np.lexsort((candidates, -row[candidates]))]
        if row[ranked[TOP - 1]] <= row[candidates].min():  # ties at the edge: sort it all
            ranked = np.lexsort((np.arange(len(row)), -row))
        chosen[user] = [int(i) for i in ranked[:TOP]]
    return chosen


def measure(scores: np.ndarray, split: Split, fit_seconds: float) -> Result:
    chosen = top_items(scores, split)
    recalls, gains = [], []
    discounts = 1.0 / np.log2(np.arange(2, TOP + 2))
    for user, held in split.held_out.items():
        hits = [1.0 if item in held else 0.0 for item in chosen[user]]
        best = min(TOP, len(held))
        recalls.append(sum(hits) / best)
        gains.append(float(np.dot(hits, discounts)) / float(discounts[:best].sum()))
    shown = {item for items in chosen.values() for item in items}
    return Result(
        float(np.mean(recalls)), float(np.mean(gains)), len(shown) / split.items, fit_seconds
    )


def evaluate(dataset: str, cache_dir: Path, *, validation: bool = False) -> dict[str, object]:
    """The evaluation object the command prints (``--json`` shape)."""
    return evaluate_events(dataset, load(dataset, cache_dir), validation=validation)


def evaluate_events(
    dataset: str, events: list[Interaction], *, validation: bool = False
) -> dict[str, object]:
    """The same on given events (``dataset`` chooses the protocol)."""
    split = split_newest(events, ML_HELD_OUT) if dataset == "ml-100k" else split_last_order(events)
    if validation:
        split = carve_validation(split, dataset)
    models: dict[str, Callable[[], Scored]] = {
        "souk": lambda: souk_model(split, dataset),
        "popularity": lambda: popularity(split),
        "implicit_cosine": lambda: implicit_cosine(split),
        "ease": lambda: ease(split),
    }
    if dataset == "instacart":
        models["own_frequent"] = lambda: own_frequent(split)
    results = {}
    with threadpool_limits(1):  # one core each, so fit times compare
        for name, run in models.items():
            scores, fit = run()
            # Fits of a tenth of a second are mostly the machine's noise: every model's
            # time is its fastest of three fits (one fit when it takes over a second).
            for _ in range(2 if fit < 1.0 else 0):
                fit = min(fit, run()[1])
            results[name] = measure(scores, split, fit).as_dict()
    return {"dataset": dataset, "models": results}
