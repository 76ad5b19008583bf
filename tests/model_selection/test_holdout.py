import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_recae.model_selection import holdout_split


def _row_counts(X):
    return np.diff(X.indptr)


@pytest.mark.parametrize("strategy", ["random", "temporal", "leave_one_out"])
def test_split_partitions_every_row(ratings, strategy):
    X_in, X_out = holdout_split(ratings, 0.3, strategy=strategy, random_state=0)
    assert X_in.shape == X_out.shape == ratings.shape
    assert (X_in + X_out != ratings).nnz == 0
    assert X_in.multiply(X_out).nnz == 0
    assert (_row_counts(X_in) >= 1).all()


@pytest.mark.parametrize(
    "rounding, expected", [("ceil", [0, 1, 1, 2, 2, 3]), ("floor", [0, 0, 1, 1, 1, 3])]
)
def test_held_out_counts(rounding, expected):
    """Rows of 1, 2, 5, 6, 7 and 15 interactions, test_size=0.2:
    ceil holds out n - int(0.8 n), floor int(0.2 n); a row keeps >= 1 fold-in."""
    sizes = [1, 2, 5, 6, 7, 15]
    X = sp.csr_matrix(np.array([[1.0] * s + [0.0] * (15 - s) for s in sizes]))
    _, X_out = holdout_split(X, 0.2, random_state=0, rounding=rounding)
    assert _row_counts(X_out).tolist() == expected


def test_temporal_holds_out_the_latest_events():
    """Row values are times; ties break by item index (larger index = later)."""
    X = sp.csr_matrix(np.array([[5.0, 1.0, 9.0, 3.0, 7.0], [2.0, 2.0, 2.0, 2.0, 2.0]]))
    X_in, X_out = holdout_split(X, 0.4, strategy="temporal")
    assert X_out[0].indices.tolist() == [2, 4]
    assert X_out[1].indices.tolist() == [3, 4]
    _, X_last = holdout_split(X, strategy="leave_one_out")
    assert X_last[0].indices.tolist() == [2] and X_last[1].indices.tolist() == [4]


def test_temporal_keeps_float64_time_precision():
    times = np.array([[1.7e9 + 1, 1.7e9 + 3, 1.7e9 + 2]])  # equal in float32
    _, X_out = holdout_split(times, strategy="leave_one_out")
    assert X_out.indices.tolist() == [1]


def test_random_split_is_seeded_and_varies(ratings):
    a = holdout_split(ratings, random_state=1)[1]
    b = holdout_split(ratings, random_state=1)[1]
    c = holdout_split(ratings, random_state=2)[1]
    assert (a != b).nnz == 0 and (a != c).nnz > 0


def test_random_split_is_roughly_uniform_over_positions():
    X = sp.csr_matrix(np.ones((4000, 5)))
    _, X_out = holdout_split(X, 0.2, random_state=0)
    share = np.asarray(X_out.sum(axis=0)).ravel() / 4000
    np.testing.assert_allclose(share, 0.2, atol=0.03)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"test_size": 1.5},
            r"'test_size' parameter of holdout_split must be a float in the range "
            r"\(0\.0, 1\.0\)\. Got 1\.5",
        ),
        (
            {"strategy": "chronological"},
            "'strategy' parameter of holdout_split must be a str among .* "
            "Got 'chronological'",
        ),
        (
            {"rounding": "round"},
            "'rounding' parameter of holdout_split must be a str among .* Got 'round'",
        ),
    ],
)
def test_invalid_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        holdout_split(np.eye(3), **kwargs)
