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
        (np.array([[np.nan, 1.0]]), ValueError, "Input X contains NaN"),
        (np.array([[np.inf, 1.0]]), ValueError, "Input X contains infinity"),
        (
            np.array([[-1.0, 1.0]]),
            ValueError,
            r"Negative values in data passed to X \(input X\)",
        ),
        (np.array([1.0, 2.0]), ValueError, "Expected 2D array, got 1D array instead"),
        (np.zeros((0, 3)), ValueError, r"Found array with 0 sample\(s\)"),
        (
            np.zeros((2, 3)),
            ValueError,
            "X holds no interactions: all 2 x 3 entries are zero",
        ),
        (np.array([["a", "b"]]), TypeError, "X must hold real numbers, got dtype <U1"),
        (np.array([[1 + 1j, 0]]), ValueError, "Complex data not supported"),
        (
            np.array([[{"a": 1}, 0]], dtype=object),
            TypeError,
            "argument must be a string or a real number, not 'dict'",
        ),
        (sp.csr_matrix(np.array([[np.nan, 1.0]])), ValueError, "Input X contains NaN"),
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
    with pytest.raises(
        ValueError, match=r"y has shape \(2, 3\) but X has shape \(3, 3\)"
    ):
        check_fold_out(X, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Recommenders take no per-row target"):
        check_fold_out(X, np.arange(3))


def _with_explicit_zero_and_duplicate(container=sp.csr_matrix):
    """Row 0 stores an explicit zero at item 0 and its items out of order; row 1
    stores item 1 twice (1 + 2). Canonical form: [[0, 1, 0], [0, 3, 0]]."""
    data = np.array([1.0, 0.0, 1.0, 2.0], dtype=np.float32)
    indices = np.array([1, 0, 1, 1], dtype=np.int32)
    indptr = np.array([0, 2, 4], dtype=np.int32)
    return container((data, indices, indptr), shape=(2, 3))


def _arrays(X):
    return [a.copy() for a in (X.data, X.indices, X.indptr)]


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
@pytest.mark.parametrize("dtype", [np.float32, (np.float32, np.float64)])
def test_cleaning_never_mutates_the_callers_matrix(container, dtype):
    # Issue 14, B3: a float32 CSR with explicit zeros had its indptr/data
    # rewritten in place by check_interactions.
    X = _with_explicit_zero_and_duplicate(container)
    before = _arrays(X)
    result = check_interactions(X, dtype=dtype)
    for now, then in zip(_arrays(X), before, strict=True):
        np.testing.assert_array_equal(now, then)
    assert X.nnz == 4 and not X.has_canonical_format
    np.testing.assert_array_equal(result.toarray(), [[0, 1, 0], [0, 3, 0]])
    assert result.nnz == 2 and result.has_canonical_format
    assert not np.may_share_memory(result.data, X.data)


def test_canonical_input_is_not_copied():
    X = sp.csr_matrix(np.array([[0, 1, 2], [3, 0, 0]], dtype=np.float32))
    result = check_interactions(X)
    assert np.shares_memory(result.data, X.data)
    assert np.shares_memory(result.indices, X.indices)


def _read_only(X):
    for a in (X.data, X.indices, X.indptr):
        a.flags.writeable = False
    return X


@pytest.mark.parametrize(
    "make",
    [
        lambda: _read_only(_with_explicit_zero_and_duplicate()),
        lambda: _read_only(sp.csr_matrix(np.eye(3, dtype=np.float32))),
        lambda: _read_only(sp.csr_matrix(np.eye(3, dtype=np.float64))),
    ],
    ids=["csr-needs-cleaning", "csr-canonical", "csr-float64"],
)
def test_read_only_sparse_input_is_accepted(make):
    # Issue 14, B3: read-only input failed with "WRITEBACKIFCOPY base is read-only".
    X = make()
    before = _arrays(X)
    result = check_interactions(X)
    assert result.has_canonical_format and not (result.data == 0).any()
    np.testing.assert_array_equal(result.toarray(), X.toarray())
    for now, then in zip(_arrays(X), before, strict=True):
        np.testing.assert_array_equal(now, then)


def test_read_only_and_memory_mapped_dense_input_is_accepted(tmp_path):
    dense = np.array([[0, 1, 2], [3, 0, 0]], dtype=np.float32)
    frozen = dense.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(check_interactions(frozen).toarray(), dense)
    path = tmp_path / "X.npy"
    np.save(path, dense)
    mapped = np.load(path, mmap_mode="r")
    np.testing.assert_array_equal(check_interactions(mapped).toarray(), dense)


def test_memory_mapped_csr_arrays_are_accepted(tmp_path):
    X = _with_explicit_zero_and_duplicate()
    parts = {}
    for name in ("data", "indices", "indptr"):
        np.save(tmp_path / f"{name}.npy", getattr(X, name))
        parts[name] = np.load(tmp_path / f"{name}.npy", mmap_mode="r")
    mapped = sp.csr_matrix(
        (parts["data"], parts["indices"], parts["indptr"]), shape=X.shape
    )
    result = check_interactions(mapped)
    np.testing.assert_array_equal(result.toarray(), [[0, 1, 0], [0, 3, 0]])
    np.testing.assert_array_equal(np.load(tmp_path / "data.npy"), X.data)


def test_fold_out_of_a_read_only_matrix():
    X = check_interactions(np.eye(2))
    y = _read_only(_with_explicit_zero_and_duplicate(sp.csr_matrix)[:, :2].tocsr())
    np.testing.assert_array_equal(check_fold_out(X, y).toarray(), [[0, 1], [0, 3]])
