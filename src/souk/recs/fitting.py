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

import itertools
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
    # Everything below is float32: half the memory traffic of float64, twice the BLAS
    # speed, and the stored model keeps float32 scores anyway.
    present = binary(ones)
    weighted = bool(ones.nnz) and not np.all(ones.data == 1.0)
    # Unweighted counts under 1 are 0, whose score is negative anyway: no check needed.
    support = settings.min_support if weighted or settings.min_support > 1 else 0.0
    # Few histories: a dense product (BLAS) beats the sparse one; 0/1 counts stay exact.
    dense_left = dense_right = None
    if ones.shape[0] * items <= _BLOCK_CELLS:
        dense_right = present.astype(np.float32).toarray()
        dense_left = ones.astype(np.float32).toarray() if weighted else dense_right
    block = max(1, _BLOCK_CELLS // max(1, items))
    keep = max(1, min(settings.neighbours, items - 1))
    # Unweighted counts are symmetric: computing only the upper blocks saves ~40 %.
    whole = None
    if dense_right is not None and not weighted and items * items <= 4 * _BLOCK_CELLS:
        whole = _symmetric_counts(dense_right)
    rows, cols, values = [], [], []
    for start in range(0, items, block):
        stop = min(items, start + block)
        if whole is not None:
            counts = whole[start:stop]  # scored in place: later rows are already filled
        elif dense_left is not None and dense_right is not None:
            counts = dense_left[:, start:stop].T @ dense_right
        else:
            counts = (ones[:, start:stop].T @ present).astype(np.float32).toarray()
        # E in float64, then rounded: a float32 product would round differently with
        # the number of BLAS threads, and ties would then fall differently from run to run.
        expected = (holders[start:stop] @ chance).astype(np.float32)
        score = _block_scores(counts, expected, start, support, settings.alpha)
        local, column = _best_in_rows(score, keep)
        rows.append(local + start)
        cols.append(column)
        values.append(score[local, column])
    return sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
        shape=(items, items),
    )


def _symmetric_counts(dense: np.ndarray) -> np.ndarray:
    """X'X of a 0/1 float32 matrix: BLAS computes the blocks on and right of the
    diagonal (about 300 columns wide), the blocks below are their mirror image."""
    items = dense.shape[1]
    counts = np.empty((items, items), dtype=np.float32)
    edges = np.linspace(0, items, max(1, items // 300) + 1).astype(int)
    for start, stop in itertools.pairwise(edges):
        counts[start:stop, start:] = dense[:, start:stop].T @ dense[:, start:]
        counts[stop:, start:stop] = counts[start:stop, stop:].T
    return counts


def _block_scores(
    counts: np.ndarray, expected: np.ndarray, start: int, support: float, alpha: float
) -> np.ndarray:
    """(N - E) / E^alpha for a block of rows, in place over ``counts`` and ``expected``;
    pairs below the minimum support, an item with itself and negative scores give 0."""
    weak = counts < support if support > 0 else None
    np.maximum(expected, 1e-9, out=expected)
    counts -= expected
    if alpha == 0.5:
        np.sqrt(expected, out=expected)
    else:
        np.power(expected, alpha, out=expected)
    counts /= expected
    if weak is not None:
        counts[weak] = 0.0
    size = counts.shape[0]
    counts[np.arange(size), np.arange(start, start + size)] = 0.0  # never itself
    np.maximum(counts, 0.0, out=counts)
    return counts


def _best_in_rows(score: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each row's best ``keep`` positive scores. Ties at the edge go to
    the lower column, as in the sparse path, so a fit is the same whichever path ran.

    Rare items share counts and chance, so a row's edge is often tied: rather than
    settle ties after a partition, each score is made unique by folding its column
    into one int64 key (the score's bits, then the column reversed), and the
    partition picks exactly the right cells in one pass."""
    size, width = score.shape
    if keep >= width:
        rows, columns = np.nonzero(score > 0)
        return rows, columns
    # Non-negative float32 scores order like their bit patterns read as integers.
    key = score.view(np.int32).astype(np.int64)
    key <<= 32
    key |= np.int64(0xFFFFFFFF) - np.arange(width, dtype=np.int64)
    best = np.argpartition(key, width - keep, axis=1)[:, width - keep :]
    rows = np.repeat(np.arange(size), keep)
    columns = best.ravel()
    positive = score[rows, columns] > 0
    return rows[positive], columns[positive]


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
    # E of each pair: its row of ``holders`` dotted with its column of ``chance``, both
    # gathered as contiguous float32 rows (half the memory traffic of float64).
    by_item = np.ascontiguousarray(chance.T, dtype=np.float32)
    held = holders.astype(np.float32)
    expected = np.empty(len(rows), dtype=np.float32)
    step = max(1, _BLOCK_CELLS // max(1, holders.shape[1]))
    for start in range(0, len(rows), step):
        r, c = rows[start : start + step], cols[start : start + step]
        expected[start : start + step] = np.einsum(
            "ng,ng->n", np.take(held, r, axis=0), np.take(by_item, c, axis=0)
        )
    np.maximum(expected, np.float32(1e-9), out=expected)
    damped = np.sqrt(expected) if settings.alpha == 0.5 else np.power(expected, settings.alpha)
    score = (n.astype(np.float32) - expected) / damped
    good = score > 0
    rows, cols, score = rows[good], cols[good], score[good]
    keep = _best_per_row(rows, score, counts.shape[0], settings.neighbours)
    return sp.csr_matrix((score[keep], (rows[keep], cols[keep])), shape=counts.shape)


def _best_per_row(rows: np.ndarray, score: np.ndarray, size: int, keep: int) -> np.ndarray:
    """Positions of each row's best ``keep`` scores, for pairs grouped by row with
    columns ascending (ties go to the lower column). Only rows with more than
    ``keep`` pairs are sorted, on one int64 key: row, then score, best first."""
    per_row = np.bincount(rows, minlength=size)
    crowded = per_row[rows] > keep
    chosen = ~crowded
    where = np.flatnonzero(crowded)
    if len(where):
        # Positive float32 scores order like their bit patterns read as integers.
        bits = score[where].view(np.int32).astype(np.int64)
        key = (rows[where].astype(np.int64) << 32) | (np.int64(0x7FFFFFFF) - bits)
        order = where[np.argsort(key, kind="stable")]
        ranked_rows = rows[order]
        first = np.searchsorted(ranked_rows, ranked_rows, side="left")
        chosen[order[(np.arange(len(order)) - first) < keep]] = True
    return chosen
