import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from sklearn_recae.utils import check_fold_out, check_interactions


@pytest.mark.parametrize(
    "container",
    [
        np.array,
        sp.csr_matrix,
        sp.csr_array,
        sp.csc_matrix,
        sp.coo_array,
        sp.lil_matrix,
        sp.dok_matrix,
    ],
)
def test_any_format_becomes_canonical_float32_csr(container):
    dense = np.array([[0, 2, 0], [1, 0, 3]], dtype=np.int64)
    X = check_interactions(container(dense))
    assert sp.isspmatrix_csr(X) and X.dtype == np.float32
    assert X.has_canonical_format
    np.testing.assert_array_equal(X.toarray(), dense)


def test_explicit_zeros_and_duplicates_are_cleaned():
    X = sp.csr_matrix((np.array([0.0, 1.0, 2.0]), ([0, 0, 1], [0, 1, 1])), shape=(2, 2))
    X.data[0] = 0.0
    coo = sp.coo_matrix(([1.0, 1.0], ([0, 0], [1, 1])), shape=(2, 2))
    assert check_interactions(X).nnz == 2
    assert check_interactions(coo).toarray()[0, 1] == 2.0


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.array([[np.nan, 1.0]]), ValueError, "NaN"),
        (np.array([[np.inf, 1.0]]), ValueError, "infinity"),
        (np.array([[-1.0, 1.0]]), ValueError, "Negative values"),
        (np.array([1.0, 2.0]), ValueError, "Expected 2D"),
        (np.zeros((0, 3)), ValueError, "0 sample"),
        (np.zeros((2, 3)), ValueError, "holds no interactions"),
        (np.array([["a", "b"]]), TypeError, "must hold real numbers"),
        (np.array([[1 + 1j, 0]]), ValueError, "Complex data not supported"),
        (np.array([[{"a": 1}, 0]], dtype=object), TypeError, "argument must be"),
        (sp.csr_matrix(np.array([[np.nan, 1.0]])), ValueError, "NaN"),
    ],
)
def test_bad_input_raises_clear_errors(X, error, match):
    with pytest.raises(error, match=match):
        check_interactions(X)


def test_item_count_mismatch_names_both_counts():
    class Dummy(BaseEstimator):
        pass

    est = Dummy()
    check_interactions(np.eye(3), estimator=est, reset=True)
    with pytest.raises(ValueError, match="X has 4 features, but Dummy is expecting 3"):
        check_interactions(np.eye(4), estimator=est, reset=False)


def test_check_fold_out_shapes():
    X = check_interactions(np.eye(3))
    assert check_fold_out(X, np.zeros((3, 3))).nnz == 0
    with pytest.raises(ValueError, match="has shape"):
        check_fold_out(X, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Recommenders take no per-row target"):
        check_fold_out(X, np.arange(3))
