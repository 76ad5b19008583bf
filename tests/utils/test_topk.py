import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_recae.utils import top_k


def _brute_force_top_k(scores, k, exclude=None):
    """Sort every row by (-score, item index), dropping excluded items."""
    out = []
    for u, row in enumerate(scores):
        candidates = [
            i for i in range(len(row)) if exclude is None or not exclude[u, i]
        ]
        candidates.sort(key=lambda i: (-row[i], i))
        ranked = candidates[:k]
        out.append(ranked + [-1] * (k - len(ranked)))
    return np.array(out)


@pytest.mark.parametrize("k", [1, 3, 7, 12])
def test_top_k_matches_brute_force_with_many_ties(rng, k):
    scores = rng.integers(0, 4, size=(50, 12)).astype(np.float32)
    exclude = rng.random((50, 12)) < 0.3
    assert np.array_equal(top_k(scores, k), _brute_force_top_k(scores, k))
    assert np.array_equal(
        top_k(scores, k, exclude=sp.csr_matrix(exclude)),
        _brute_force_top_k(scores, k, exclude),
    )


def test_top_k_pads_rows_without_enough_candidates():
    scores = np.array([[0.5, 0.2, 0.9]])
    items, values = top_k(scores, 3, exclude=np.array([[1, 0, 1]]), return_scores=True)
    assert items.tolist() == [[1, -1, -1]]
    assert values[0, 0] == pytest.approx(0.2)
    assert np.isneginf(values[0, 1:]).all()


def test_top_k_does_not_modify_scores():
    scores = np.array([[0.5, 0.2, 0.9]])
    top_k(scores, 2, exclude=np.array([[1, 0, 0]]))
    assert scores.tolist() == [[0.5, 0.2, 0.9]]


@pytest.mark.parametrize("k", [0, 4, 2.0, True])
def test_top_k_rejects_bad_k(k):
    with pytest.raises(ValueError, match="k must be an integer between 1 and"):
        top_k(np.zeros((2, 3)), k)


def test_top_k_rejects_nan():
    with pytest.raises(ValueError, match="scores hold NaN"):
        top_k(np.array([[0.1, np.nan]]), 1)
