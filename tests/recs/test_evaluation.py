"""The evaluation protocol: splits without leakage, metrics by hand, reproducible runs."""

from __future__ import annotations

import random

import numpy as np
import pytest

from souk.recs.datasets import Interaction
from souk.recs.evaluation import (
    carve_validation,
    evaluate_events,
    measure,
    split_last_order,
    split_newest,
)


def _ratings(seed: int = 3) -> list[Interaction]:
    rng = random.Random(seed)
    events = []
    for user in range(40):
        items = rng.sample(range(60), 15)
        for n, item in enumerate(items):
            # some equal timestamps, so the tie rule (item id) matters
            events.append(Interaction(user, item, 1000 + n // 2))
    return events


def _orders(seed: int = 5) -> list[Interaction]:
    rng = random.Random(seed)
    events, order_id = [], 0
    for user in range(30):
        staples = rng.sample(range(40), 4)
        for number in range(1, 7):
            order_id += 1
            basket = set(rng.sample(staples, 3)) | set(rng.sample(range(40), 2))
            events += [Interaction(user, item, number, order_id) for item in basket]
    return events


def test_newest_five_are_held_out_with_ties_by_item_id_and_never_trained_on() -> None:
    events = _ratings()
    split = split_newest(events, 5)
    for user, held in split.held_out.items():
        trained = split.train[user]
        assert len(held) == 5 and len(trained) == 10
        assert not held & {e.item for e in trained}  # no leakage
        newest_trained = max((e.when, e.item) for e in trained)
        assert all((e.when, e.item) <= newest_trained for e in trained)
    # the held-out part is exactly the last five by (timestamp, item id)
    user_events = sorted((e.when, e.item) for e in events if e.user == 0)
    assert split.held_out[0] == {item for _, item in user_events[-5:]}


def test_last_order_is_held_out_and_earlier_orders_are_training() -> None:
    split = split_last_order(_orders())
    for user, trained in split.train.items():
        assert all(e.when < 6 for e in trained)
        assert split.held_out[user]
    assert not split.exclude_seen  # groceries are bought again


def test_validation_split_comes_from_training_only() -> None:
    split = split_newest(_ratings(), 5)
    inner = carve_validation(split, "ml-100k")
    for user, held in inner.held_out.items():
        assert not held & split.held_out[user]
        assert held <= {e.item for e in split.train[user]}


def test_recall_and_ndcg_by_hand() -> None:
    split = split_newest(_ratings(), 5)
    scores = np.zeros((split.users, split.items))
    user = next(iter(split.held_out))
    hits = sorted(split.held_out[user])[:2]
    scores[user, hits[0]] = 3.0  # rank 1
    scores[user, hits[1]] = 1.0  # rank 2 (the rest are 0, ties by item id)
    result = measure(scores, split, 0.0)
    users = len(split.held_out)
    assert result.recall >= (2 / 5) / users
    idcg = sum(1 / np.log2(r + 2) for r in range(5))
    assert result.ndcg >= (1 + 1 / np.log2(3)) / idcg / users - 1e-12


@pytest.mark.parametrize("dataset,events", [("ml-100k", _ratings()), ("instacart", _orders())])
def test_evaluation_is_reproducible(dataset: str, events: list[Interaction]) -> None:
    first = evaluate_events(dataset, events)
    second = evaluate_events(dataset, list(events))

    def without_time(result: dict[str, object]) -> dict[str, dict[str, float]]:
        models: dict[str, dict[str, float]] = result["models"]  # type: ignore[assignment]
        return {
            name: {k: v for k, v in figures.items() if k != "fit_seconds"}
            for name, figures in models.items()
        }

    assert without_time(first) == without_time(second)
    names = set(first["models"])  # type: ignore[arg-type]
    expected = {"souk", "popularity", "implicit_cosine", "ease"}
    assert names == (expected | {"own_frequent"} if dataset == "instacart" else expected)
