"""Fitting the item-to-item model with scipy sparse matrices.

Co-occurrence N_XY counts the histories (a buyer's purchases and views, or one
basket) holding both X and Y. Popular items co-occur with everything, so each
count is compared with what chance alone would give (Smith & Linden 2017):
E_XY = sum over histories c holding X of [1 - (1 - P_Y)^|c|], with P_Y the
share of all interactions that are Y. The score is (N_XY - E_XY) / E_XY^alpha
(alpha = 0.5 is the paper's z-like score). Only each item's best
``neighbours`` with at least ``min_support`` co-occurrences are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_BLOCK_CELLS = 4_000_000  # expected counts computed densely at a time, to bound memory


@dataclass(frozen=True)
class FitSettings:
    neighbours: int = 50
    min_support: int = 2
    alpha: float = 0.5
    #: at most this many distinct history lengths are used for E; beyond it lengths
    #: are grouped by quantile (exact for small data, a close approximation at scale)
    size_groups: int = 64
    #: up to this many items the counts are computed as dense blocks (fast BLAS);
    #: above it only the pairs that co-occur are visited
    dense_items: int = 4000


def binary(matrix: sp.csr_matrix) -> sp.csr_matrix:
    ones = matrix.copy().tocsr()
    ones.data = np.ones_like(ones.data, dtype=np.float64)
    return ones


def _size_groups(sizes: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per history, its group index; per group, its representative length."""
    distinct = np.unique(sizes)
    if len(distinct) <= groups:
        return np.searchsorted(distinct, sizes), distinct.astype(np.float64)
    edges = np.unique(np.quantile(sizes, np.linspace(0, 1, groups + 1)[1:-1]))
    index = np.searchsorted(edges, sizes, side="right")
    lengths = np.array(
        [sizes[index == g].mean() if np.any(index == g) else 1.0 for g in range(len(edges) + 1)]
    )
    return index, lengths


def _chance_terms(
    full: sp.csr_matrix, ones: sp.csr_matrix, share: np.ndarray, size_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """``holders`` (items x length groups: histories of that length holding X) and
    ``chance`` (groups x items: 1 - (1 - P_Y)^length), so that E = holders @ chance."""
    sizes = np.diff(full.indptr)
    weight = full.max(axis=1).toarray().ravel()  # the history's weight (1 unless recency)
    group, lengths = _size_groups(sizes, size_groups)
    membership = sp.csr_matrix(
        (weight, (np.arange(len(sizes)), group)), shape=(len(sizes), len(lengths))
    )
    holders = np.asarray((binary(ones).T @ membership).todense())
    chance = -np.expm1(np.log1p(-np.minimum(share, 1 - 1e-12))[None, :] * lengths[:, None])
    return holders, chance


def expected_cooccurrence(histories: sp.csr_matrix, size_groups: int = 64) -> np.ndarray:
    """The dense items-by-items E_XY from a histories-by-items matrix (for small data)."""
    ones = binary(histories)
    share = np.asarray(ones.sum(axis=0)).ravel() / max(1.0, float(ones.sum()))
    holders, chance = _chance_terms(ones, ones, share, size_groups)
    return holders @ chance


def _damped(expected: np.ndarray, alpha: float) -> np.ndarray:
    expected = np.maximum(expected, 1e-9)
    return np.sqrt(expected) if alpha == 0.5 else np.power(expected, alpha)


def corrected_neighbours(
    histories: sp.csr_matrix, settings: FitSettings, weights: np.ndarray | None = None
) -> sp.csr_matrix:
    """Items-by-items scores (N - E) / E^alpha, each row cut to its best neighbours.

    Computed a block of items at a time (sparse product into a dense block, then
    BLAS for E), so memory stays bounded and no Python loop runs per item.
    """
    ones = binary(histories)
    if weights is not None:  # recency: a history counts for its weight, in N and in E alike
        ones = sp.csr_matrix(sp.diags(weights) @ ones)
    items = ones.shape[1]
    # Items seen fewer than min_support times cannot reach it with any other item:
    # leaving them out of the product saves most of the work on long-tailed catalogues.
    seen = np.asarray(binary(ones).sum(axis=0)).ravel()
    kept = np.flatnonzero(seen >= max(1, settings.min_support))
    if len(kept) == 0:
        return sp.csr_matrix((items, items))
    if len(kept) < items:
        share = seen / max(1.0, float(seen.sum()))
        inner = _fit(ones, ones[:, kept], share[kept], settings)
        return _widen(inner, kept, items)
    return _fit(ones, ones, seen / max(1.0, float(seen.sum())), settings)


def _widen(inner: sp.csr_matrix, kept: np.ndarray, items: int) -> sp.csr_matrix:
    coo = inner.tocoo()
    return sp.csr_matrix((coo.data, (kept[coo.row], kept[coo.col])), shape=(items, items))


def _fit(
    full: sp.csr_matrix, ones: sp.csr_matrix, share: np.ndarray, settings: FitSettings
) -> sp.csr_matrix:
    """``full`` gives history lengths, ``ones`` the columns scored, ``share`` their P_Y."""
    items = ones.shape[1]
    holders, chance = _chance_terms(full, ones, share, settings.size_groups)
    if items > settings.dense_items:
        return _sparse_neighbours(ones, holders, chance, settings)
    by_item, present = ones.T.tocsr(), binary(ones)
    # Few histories: a dense float32 product (BLAS) beats the sparse one; counts stay exact.
    dense_left = dense_right = None
    if ones.shape[0] * items <= _BLOCK_CELLS:
        dense_left = ones.toarray().astype(np.float32)
        dense_right = present.toarray().astype(np.float32)
    block = max(1, _BLOCK_CELLS // max(1, items))
    keep = max(1, min(settings.neighbours, items - 1))
    rows, cols, values = [], [], []
    for start in range(0, items, block):
        stop = min(items, start + block)
        if dense_left is not None and dense_right is not None:
            counts = (dense_left[:, start:stop].T @ dense_right).astype(np.float64)
        else:
            counts = (by_item[start:stop] @ present).toarray()
        expected = holders[start:stop] @ chance
        score = (counts - expected) / _damped(expected, settings.alpha)
        score[(counts < settings.min_support) | (score <= 0)] = 0.0
        score[np.arange(stop - start), np.arange(start, stop)] = 0.0  # never itself
        # The best `keep` of each row; ties at the edge go to the lower column, as in
        # the sparse path, so that a fit is reproducible whichever path ran.
        edge = -np.partition(-score, keep - 1, axis=1)[:, keep - 1 : keep]
        above = score > edge
        ties = score == edge
        room = keep - above.sum(axis=1, keepdims=True)
        chosen = (above | (ties & (np.cumsum(ties, axis=1) <= room))) & (score > 0)
        local, column = np.nonzero(chosen)
        rows.append(local + start)
        cols.append(column)
        values.append(score[local, column])
    return sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
        shape=(items, items),
    )


def _sparse_neighbours(
    ones: sp.csr_matrix, holders: np.ndarray, chance: np.ndarray, settings: FitSettings
) -> sp.csr_matrix:
    """The same scores, visiting only co-occurring pairs (large, sparse catalogues)."""
    counts = (ones.T @ binary(ones)).tocsr()
    counts.data[counts.data < settings.min_support] = 0  # most pairs meet once: drop early
    counts.eliminate_zeros()
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    cols, n = counts.indices, counts.data
    itself = rows == cols
    rows, cols, n = rows[~itself], cols[~itself], n[~itself]
    expected = np.empty(len(rows))
    step = max(1, _BLOCK_CELLS // max(1, holders.shape[1]))
    for start in range(0, len(rows), step):
        r, c = rows[start : start + step], cols[start : start + step]
        expected[start : start + step] = np.einsum("ng,gn->n", holders[r], chance[:, c])
    score = (n - expected) / _damped(expected, settings.alpha)
    good = score > 0
    rows, cols, score = rows[good], cols[good], score[good]
    # rows are already grouped; order each row by score, best first (ties by column)
    order = np.lexsort((cols, -score, rows))
    rows, cols, score = rows[order], cols[order], score[order]
    first = np.searchsorted(rows, rows, side="left")
    best = (np.arange(len(rows)) - first) < settings.neighbours
    return sp.csr_matrix((score[best], (rows[best], cols[best])), shape=counts.shape)
