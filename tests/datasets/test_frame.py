import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_recae.datasets import interactions_from_arrays, interactions_from_frame

pd = pytest.importorskip("pandas")


def test_from_arrays_id_maps_and_values():
    users = np.array([30, 10, 30, 20, 10])
    items = np.array(["b", "a", "c", "a", "c"])
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    data = interactions_from_arrays(users, items, values)
    X = data.data
    assert isinstance(X, sp.csr_matrix)
    assert X.dtype == np.float32
    assert X.has_canonical_format
    np.testing.assert_array_equal(data.user_ids, [10, 20, 30])
    np.testing.assert_array_equal(data.item_ids, ["a", "b", "c"])
    expected = np.array([[2, 0, 5], [4, 0, 0], [0, 1, 3]], dtype=np.float32)
    np.testing.assert_array_equal(X.toarray(), expected)
    # round trip: every input triple is found through the id maps
    row = np.searchsorted(data.user_ids, users)
    col = np.searchsorted(data.item_ids, items)
    np.testing.assert_array_equal(X[row, col].A1, values)


def test_from_arrays_binary_and_dtype():
    data = interactions_from_arrays([1, 2, 2], [5, 5, 6], dtype=np.float64)
    assert data.data.dtype == np.float64
    np.testing.assert_array_equal(data.data.toarray(), [[1, 0], [1, 1]])


def test_from_arrays_zero_values_dropped():
    data = interactions_from_arrays([1, 1, 2], [1, 2, 2], [0.0, 3.0, 0.0])
    X = data.data
    assert X.nnz == 1
    assert np.all(X.data != 0)
    # user 2 and its zero-valued item keep their row/column (empty row)
    np.testing.assert_array_equal(data.user_ids, [1, 2])
    np.testing.assert_array_equal(X.getnnz(axis=1), [1, 0])


def test_from_arrays_duplicates():
    with pytest.raises(ValueError, match=r"Found 2 duplicate \(user, item\) pair"):
        interactions_from_arrays([1, 1, 1, 2], [3, 3, 3, 3], [1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"groupby\(\[user_col, item_col\]"):
        interactions_from_arrays([1, 1], [3, 3])


@pytest.mark.parametrize(
    "users, items, values, match",
    [
        ([1, 2], [1, 2], [1.0, np.nan], r"values holds 1 missing \(NaN\) value"),
        ([1, 2], [1, 2], [1.0, np.inf], "values holds 1 infinite value"),
        ([1, 2], [1], None, "users and items must have the same length"),
        ([1, 2], [1, 2], [1.0], "values must have one entry per interaction"),
        ([], [], None, "No interactions were given"),
        ([[1, 2]], [[1, 2]], None, "users must be one-dimensional"),
        ([1.0, np.nan], [1, 2], None, r"users holds 1 missing \(NaN\) id"),
        ([1, 2], ["a", None], None, "items cannot be sorted"),
        ([1, 2], [1, 2], ["x", "y"], "values must be numeric"),
    ],
)
def test_from_arrays_invalid(users, items, values, match):
    with pytest.raises(ValueError, match=match):
        interactions_from_arrays(users, items, values)


def test_from_frame_matches_arrays():
    frame = pd.DataFrame(
        {
            "uid": ["u2", "u1", "u2", "u3"],
            "movie": [10, 10, 30, 20],
            "stars": [4.0, 5.0, 3.0, 1.0],
        }
    )
    data = interactions_from_frame(
        frame, user_col="uid", item_col="movie", value_col="stars"
    )
    ref = interactions_from_arrays(frame["uid"], frame["movie"], frame["stars"])
    np.testing.assert_array_equal(data.user_ids, ["u1", "u2", "u3"])
    np.testing.assert_array_equal(data.item_ids, [10, 20, 30])
    np.testing.assert_array_equal(data.data.toarray(), ref.data.toarray())
    np.testing.assert_array_equal(
        data.data.toarray(), [[5, 0, 0], [4, 0, 3], [0, 1, 0]]
    )
    binary = interactions_from_frame(
        frame, user_col="uid", item_col="movie", value_col=None
    )
    np.testing.assert_array_equal(binary.data.data, 1.0)
    assert binary.data.nnz == 4


def test_from_frame_nullable_dtypes():
    frame = pd.DataFrame(
        {
            "user_id": pd.array([1, 2], dtype="Int64"),
            "item_id": [7, 8],
            "rating": pd.array([4, 5], dtype="Int64"),
        }
    )
    data = interactions_from_frame(frame)
    np.testing.assert_array_equal(data.data.toarray(), [[4, 0], [0, 5]])
    frame.loc[1, "rating"] = pd.NA
    with pytest.raises(ValueError, match=r"values holds 1 missing \(NaN\)"):
        interactions_from_frame(frame)


def test_from_frame_duplicates_and_aggregation_hint():
    frame = pd.DataFrame({"user_id": [1, 1], "item_id": [2, 2], "rating": [3, 4]})
    with pytest.raises(ValueError, match="Found 1 duplicate"):
        interactions_from_frame(frame)
    agg = frame.groupby(["user_id", "item_id"], as_index=False).last()
    assert interactions_from_frame(agg).data.toarray().tolist() == [[4.0]]


def test_from_frame_bad_input():
    frame = pd.DataFrame({"user_id": [1], "item_id": [2]})
    with pytest.raises(ValueError, match="value_col='rating' is not a column"):
        interactions_from_frame(frame)
    with pytest.raises(ValueError, match="user_col='user' is not a column"):
        interactions_from_frame(frame, user_col="user")
    with pytest.raises(TypeError, match="frame must be a data frame"):
        interactions_from_frame(np.zeros((2, 3)))
