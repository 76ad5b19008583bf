import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_recae.metrics import masked_rmse


def test_only_observed_entries_count(rng):
    y_true = np.where(rng.random((20, 10)) < 0.3, rng.integers(1, 6, (20, 10)), 0)
    y_pred = rng.random((20, 10)) * 5
    observed = y_true > 0
    expected = np.sqrt(np.mean((y_pred[observed] - y_true[observed]) ** 2))
    assert masked_rmse(sp.csr_matrix(y_true), y_pred) == pytest.approx(expected)
    y_pred_changed = np.where(observed, y_pred, 1e6)  # unobserved: anything
    assert masked_rmse(y_true, y_pred_changed) == pytest.approx(expected)


def test_rating_range_clips_predictions():
    y_true = np.array([[5.0, 1.0]])
    assert masked_rmse(y_true, np.array([[7.0, -1.0]]), rating_range=(1, 5)) == 0.0
    with pytest.raises(
        ValueError, match=r"rating_range must be \(low, high\) with low < high"
    ):
        masked_rmse(y_true, y_true, rating_range=(5, 1))


def test_errors():
    with pytest.raises(ValueError, match="no observed rating"):
        masked_rmse(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape of y_true"):
        masked_rmse(np.eye(2), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="y_pred holds NaN at observed entries"):
        masked_rmse(np.eye(2), np.full((2, 2), np.nan))
