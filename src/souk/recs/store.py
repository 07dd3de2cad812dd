"""The fitted model on disk and in memory.

One ``.npz`` file per marketplace under ``<var>/recs/``: the ASINs and, per
list kind (``together`` from baskets, ``bought`` from buyers' purchases,
``viewed`` from viewing sessions, ``similar`` from product content), a CSR
matrix of each product's best neighbours. The refresh job writes a new file
and renames it over the old one, so readers never see half a model; the web
process reloads when the file's modification time changes. Serving a list is
a dictionary lookup and an array slice: no database, no recomputation.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp

KINDS = ("together", "bought", "viewed", "similar")


@dataclass
class StoredModel:
    asins: list[str]
    lists: dict[str, sp.csr_matrix]
    fitted_at: datetime
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {asin: n for n, asin in enumerate(self.asins)}

    def neighbours(self, kind: str, asin: str) -> list[tuple[str, float]]:
        """A product's neighbours of one kind, best first."""
        row = self.index.get(asin)
        matrix = self.lists.get(kind)
        if row is None or matrix is None or row >= matrix.shape[0]:
            return []
        lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
        columns, scores = matrix.indices[lo:hi], matrix.data[lo:hi]
        order = np.argsort(-scores, kind="stable")
        return [(self.asins[columns[i]], float(scores[i])) for i in order]


def empty_model() -> StoredModel:
    return StoredModel([], {}, datetime.fromtimestamp(0, UTC))


def model_path(var_dir: Path, marketplace: str) -> Path:
    return Path(var_dir) / "recs" / f"model-{marketplace}.npz"


def save(model: StoredModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {
        "asins": np.array(model.asins, dtype="U10"),
        "fitted_at": np.array([model.fitted_at.timestamp()]),
    }
    for kind, matrix in model.lists.items():
        matrix = matrix.tocsr()
        arrays[f"{kind}_indptr"] = matrix.indptr.astype(np.int64)
        arrays[f"{kind}_indices"] = matrix.indices.astype(np.int32)
        arrays[f"{kind}_data"] = matrix.data.astype(np.float32)
    temporary = path.with_suffix(".tmp.npz")
    np.savez(temporary, **arrays)  # type: ignore[arg-type]
    os.replace(temporary, path)


def read(path: Path) -> StoredModel:
    with np.load(path) as arrays:
        asins = [str(a) for a in arrays["asins"]]
        size = len(asins)
        lists = {
            kind: sp.csr_matrix(
                (arrays[f"{kind}_data"], arrays[f"{kind}_indices"], arrays[f"{kind}_indptr"]),
                shape=(size, size),
            )
            for kind in KINDS
            if f"{kind}_indptr" in arrays
        }
        fitted_at = datetime.fromtimestamp(float(arrays["fitted_at"][0]), UTC)
    return StoredModel(asins, lists, fitted_at)


_cache: dict[Path, tuple[int, StoredModel]] = {}
_lock = threading.Lock()


def load(var_dir: Path, marketplace: str) -> StoredModel:
    """The marketplace's current model (cached until the file changes)."""
    path = model_path(var_dir, marketplace)
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return empty_model()
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        model = read(path)
        _cache[path] = (stamp, model)
    return model
