"""The item-to-item model on tiny hand-made baskets."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from souk.recs import rules
from souk.recs.fitting import FitSettings, corrected_neighbours, expected_cooccurrence

# Items: 0 milk (in every basket), 1 pasta, 2 sauce, 3 bread, 4 butter.
BASKETS = [
    [0, 1, 2],
    [0, 1, 2],
    [0, 1, 2],
    [0, 3, 4],
    [0, 3, 4],
    [0, 3],
    [0, 1],
    [0, 4],
    [0, 2],
    [0],
]


def _matrix(baskets: list[list[int]], items: int = 5) -> sp.csr_matrix:
    rows = [b for b, basket in enumerate(baskets) for _ in basket]
    cols = [i for basket in baskets for i in basket]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(baskets), items))


def test_expected_cooccurrence_matches_the_rule_by_hand() -> None:
    matrix = _matrix(BASKETS)
    expected = expected_cooccurrence(matrix)
    total = sum(len(b) for b in BASKETS)
    share_of_sauce = sum(2 in b for b in BASKETS) / total
    lengths_with_pasta = [len(b) for b in BASKETS if 1 in b]
    assert expected[1, 2] == pytest.approx(
        rules.expected_cooccurrence(lengths_with_pasta, share_of_sauce)
    )


def test_a_universally_popular_item_does_not_dominate() -> None:
    neighbours = corrected_neighbours(_matrix(BASKETS), FitSettings(neighbours=3, min_support=1))
    # Raw counts put milk first for pasta (4 baskets vs 3 with sauce): corrected, sauce wins.
    counts = (_matrix(BASKETS).T @ _matrix(BASKETS)).toarray()
    assert counts[1, 0] > counts[1, 2]
    pasta = neighbours.getrow(1).toarray().ravel()
    assert pasta.argmax() == 2
    assert pasta[2] > 2 * pasta[0]
    # and milk is nobody's first neighbour
    assert all(neighbours.getrow(i).toarray().ravel().argmax() != 0 for i in range(1, 5))
    assert neighbours.getrow(3).toarray().ravel().argmax() == 4  # bread -> butter


def test_minimum_support_and_neighbour_count_are_respected() -> None:
    matrix = _matrix(BASKETS)
    strict = corrected_neighbours(matrix, FitSettings(neighbours=1, min_support=3))
    assert strict.getrow(1).nnz <= 1
    assert strict[3, 4] == 0.0  # bread and butter meet twice: below support 3
    assert strict[1, 2] > 0


def test_dense_and_sparse_fits_agree() -> None:
    rng = np.random.default_rng(7)
    matrix = sp.random(300, 60, density=0.08, random_state=rng, format="csr")
    settings = FitSettings(neighbours=59, min_support=2)
    dense = corrected_neighbours(matrix, settings)
    sparse = corrected_neighbours(matrix, FitSettings(neighbours=59, min_support=2, dense_items=10))
    assert dense.nnz > 100
    np.testing.assert_allclose(dense.toarray(), sparse.toarray(), rtol=1e-5, atol=1e-6)  # float32


@pytest.mark.parametrize("dense_items", [4000, 1])
def test_ties_at_the_edge_go_to_the_lower_column(dense_items: int) -> None:
    # 0 is bought with each of 1-4 twice; 1-4 are equally popular: all four tie for 0.
    baskets = [[0, 1], [0, 1], [0, 2], [0, 2], [0, 3], [0, 3], [0, 4], [0, 4]]
    baskets += [[5], [5], [5], [5]]
    fitted = corrected_neighbours(
        _matrix(baskets, 6), FitSettings(neighbours=2, min_support=1, dense_items=dense_items)
    )
    row = fitted.getrow(0).toarray().ravel()
    assert list(np.flatnonzero(row)) == [1, 2]
    assert row[1] == row[2] > 0


def test_recency_weights_favour_recent_histories() -> None:
    # 1 and 2 bought together long ago, 1 and 3 recently, equally often.
    baskets = [[1, 2], [1, 2], [1, 3], [1, 3], [0], [0], [4], [4]]
    weights = np.array([0.1, 0.1, 1.0, 1.0, 1, 1, 1, 1])
    fitted = corrected_neighbours(_matrix(baskets), FitSettings(min_support=0), weights)
    assert fitted[1, 3] > fitted[1, 2]


def test_the_fit_does_not_depend_on_the_number_of_blas_threads() -> None:
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(11)
    matrix = sp.random(400, 300, density=0.05, random_state=rng, format="csr")
    settings = FitSettings(neighbours=5, min_support=1)
    with threadpool_limits(1):
        single = corrected_neighbours(matrix, settings)
    with threadpool_limits(2):
        several = corrected_neighbours(matrix, settings)
    assert (single != several).nnz == 0


def test_symmetric_counts_equal_the_full_product() -> None:
    from souk.recs.fitting import _symmetric_counts

    rng = np.random.default_rng(5)
    dense = (rng.random((200, 1000)) < 0.05).astype(np.float32)  # four column blocks
    np.testing.assert_array_equal(_symmetric_counts(dense), dense.T @ dense)
