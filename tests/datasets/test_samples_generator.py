import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_recae.datasets import make_checkerboard, make_interactions


def _rows(X):
    return np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))


def _check_canonical(X, shape):
    assert isinstance(X, sp.csr_matrix)
    assert X.shape == shape
    assert X.has_canonical_format
    assert np.all(X.data != 0)
    assert np.all(np.diff(X.indices)[np.diff(_rows(X)) == 0] > 0)


@pytest.mark.parametrize(
    "values, dtype",
    [("binary", np.float32), ("rating", np.float32), ("timestamp", np.float64)],
)
def test_make_interactions_shape_dtype_values(values, dtype):
    X = make_interactions(300, 120, values=values, random_state=0)
    _check_canonical(X, (300, 120))
    assert X.dtype == dtype
    if values == "binary":
        np.testing.assert_array_equal(X.data, 1.0)
    elif values == "rating":
        assert set(np.unique(X.data)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
        assert len(np.unique(X.data)) == 5
    else:
        assert np.all(X.data > 0)
        np.testing.assert_array_equal(X.data, np.round(X.data))


def test_make_interactions_deterministic_and_same_pattern_across_values():
    a = make_interactions(200, 80, random_state=3, return_bunch=True)
    b = make_interactions(200, 80, random_state=3, values="binary", return_bunch=True)
    for key in ("data", "ratings", "timestamps", "binary"):
        np.testing.assert_array_equal(a[key].indptr, b[key].indptr)
        np.testing.assert_array_equal(a[key].indices, b[key].indices)
    for key in ("ratings", "timestamps", "binary"):
        np.testing.assert_array_equal(a[key].data, b[key].data)
    np.testing.assert_array_equal(a.data.data, a.ratings.data)
    np.testing.assert_array_equal(b.data.data, b.binary.data)
    np.testing.assert_array_equal(a.user_groups, b.user_groups)
    np.testing.assert_array_equal(a.item_popularity, b.item_popularity)
    c = make_interactions(200, 80, random_state=4)
    assert (c != a.data).nnz > 0
    rng = np.random.RandomState(3)
    d = make_interactions(200, 80, random_state=rng)
    assert (d != a.data).nnz == 0


def test_make_interactions_bunch_contents():
    n_users, n_items = 250, 90
    data = make_interactions(
        n_users, n_items, n_groups=3, random_state=0, return_bunch=True
    )
    assert data.user_groups.shape == (n_users,)
    assert data.item_groups.shape == (n_items,)
    assert set(np.unique(data.user_groups)) == {0, 1, 2}
    assert set(np.unique(data.item_groups)) == {0, 1, 2}
    # balanced groups
    assert np.ptp(np.bincount(data.item_groups)) <= 1
    assert np.ptp(np.bincount(data.user_groups)) <= 1
    assert data.item_popularity.shape == (n_items,)
    np.testing.assert_allclose(data.item_popularity.sum(), 1.0)
    assert data.timestamps.dtype == np.float64
    assert data.binary.dtype == np.float32
    for key in ("timestamps", "binary", "ratings"):
        assert data[key].shape == (n_users, n_items)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"density": 1.0},
        {"density": 0.6, "popularity_skew": 3.0},
        {"group_strength": 1.0},
        {"group_strength": 0.0},
        {"n_groups": 1},
        {"popularity_skew": 0.0},
        {"popularity_skew": 300.0},
        {"n_users": 1, "n_items": 2, "n_groups": 1, "density": 0.01},
    ],
)
def test_make_interactions_counts_and_distinct_times(params):
    kwargs = {"n_users": 150, "n_items": 60, "random_state": 0, **params}
    data = make_interactions(return_bunch=True, **kwargs)
    X = data.data
    _check_canonical(X, (kwargs["n_users"], kwargs["n_items"]))
    counts = X.getnnz(axis=1)
    assert counts.min() >= 2
    assert counts.max() <= kwargs["n_items"]
    # timestamps distinct within each row (sorted per row: strictly increasing)
    T = data.timestamps
    rows = _rows(T)
    order = np.lexsort((T.data, rows))
    same_row = np.diff(rows[order]) == 0
    assert np.all(np.diff(T.data[order])[same_row] > 0)
    assert np.all(T.data > 0)


def test_make_interactions_group_strength_extremes():
    for strength, expected in [(1.0, 1.0), (0.0, 0.0)]:
        data = make_interactions(
            100,
            40,
            n_groups=4,
            group_strength=strength,
            random_state=0,
            return_bunch=True,
        )
        X = data.data
        same = data.item_groups[X.indices] == data.user_groups[_rows(X)]
        assert same.mean() == expected


def test_make_interactions_planted_groups_measurable():
    n_groups = 5
    data = make_interactions(
        1000,
        200,
        n_groups=n_groups,
        group_strength=0.8,
        random_state=0,
        return_bunch=True,
    )
    X = data.data
    same = data.item_groups[X.indices] == data.user_groups[_rows(X)]
    assert same.mean() > 3 / n_groups
    # own-group items get higher ratings on average
    ratings = data.ratings.data
    assert ratings[same].mean() > ratings[~same].mean() + 0.7


def test_make_interactions_popularity_skew():
    data = make_interactions(
        1000,
        100,
        popularity_skew=1.0,
        group_strength=0.2,
        random_state=0,
        return_bunch=True,
    )
    counts = data.binary.getnnz(axis=0)
    pop = data.item_popularity
    top = np.argsort(-pop)[:10]
    bottom = np.argsort(pop)[:50]
    assert counts[top].mean() > 3 * counts[bottom].mean()
    assert np.corrcoef(counts, pop)[0, 1] > 0.5

    flat = make_interactions(
        1000, 100, popularity_skew=0.0, random_state=0, return_bunch=True
    )
    np.testing.assert_allclose(flat.item_popularity, 1 / 100)


def test_make_interactions_density_controls_size():
    low = make_interactions(400, 200, density=0.02, random_state=0)
    high = make_interactions(400, 200, density=0.2, random_state=0)
    assert 2 <= low.getnnz(axis=1).mean() < 10
    assert 30 < high.getnnz(axis=1).mean() < 50


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"n_groups": 300}, ValueError, "n_groups=300 is larger than n_items=200"),
        ({"density": 0.0}, ValueError, r"density must be in \(0.0, 1.0\]"),
        ({"density": 1.5}, ValueError, r"density must be in \(0.0, 1.0\]"),
        (
            {"values": "ratings"},
            ValueError,
            "values='ratings' is not supported; pass one of 'binary', 'rating', "
            "'timestamp'",
        ),
        ({"group_strength": 1.2}, ValueError, r"group_strength must be in \[0.0"),
        ({"popularity_skew": -1}, ValueError, "popularity_skew must be in"),
        ({"n_users": 0}, ValueError, "n_users must be >= 1, got 0"),
        ({"n_items": 1.5}, TypeError, "n_items must be an int"),
        (
            {"n_groups": 150, "group_strength": 1.0},
            ValueError,
            "every user needs at least 2",
        ),
        (
            {"n_items": 3, "n_groups": 2, "group_strength": 0.0},
            ValueError,
            "fewer than 2 such items",
        ),
    ],
)
def test_make_interactions_invalid(kwargs, err, match):
    with pytest.raises(err, match=match):
        make_interactions(**kwargs)


def test_make_interactions_scales():
    # 20k users x 5k items at density 0.01: a million interactions, vectorised.
    X = make_interactions(20_000, 5_000, density=0.01, random_state=0)
    assert 0.8e6 < X.nnz < 1.2e6
    assert X.has_canonical_format


def test_make_checkerboard_default():
    X, user_groups, item_groups = make_checkerboard(return_groups=True)
    _check_canonical(X, (40, 20))
    assert X.dtype == np.float32
    np.testing.assert_array_equal(user_groups, np.repeat([0, 1], 20))
    np.testing.assert_array_equal(item_groups, np.repeat([0, 1], 10))
    dense = X.toarray()
    own = user_groups[:, None] == item_groups[None, :]
    assert np.all(dense[~own] == 0)
    # exactly one own-group item held back per user
    np.testing.assert_array_equal((own & (dense == 0)).sum(axis=1), 1)
    # every item is still seen by someone
    assert np.all(X.getnnz(axis=0) > 0)
    # documented held-back item: u_r holds back j_{r mod m}
    held_back = (own & (dense == 0)).argmax(axis=1)
    np.testing.assert_array_equal(held_back[:20], np.arange(20) % 10)
    np.testing.assert_array_equal(held_back[20:], 10 + np.arange(20) % 10)


@pytest.mark.parametrize(
    "n_users, n_items, n_groups", [(7, 9, 3), (6, 6, 3), (4, 30, 1)]
)
def test_make_checkerboard_shapes(n_users, n_items, n_groups):
    X, ug, ig = make_checkerboard(
        n_users, n_items, n_groups, fill=2.5, return_groups=True
    )
    _check_canonical(X, (n_users, n_items))
    np.testing.assert_array_equal(X.data, 2.5)
    own = ug[:, None] == ig[None, :]
    dense = X.toarray()
    np.testing.assert_array_equal((own & (dense == 0)).sum(axis=1), 1)
    np.testing.assert_array_equal(X.getnnz(axis=1), own.sum(axis=1) - 1)
    assert np.all(X.getnnz(axis=0) > 0)
    assert isinstance(make_checkerboard(n_users, n_items, n_groups), sp.csr_matrix)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_users": 3}, "at least 2 users and 2 items per group"),
        ({"n_items": 3}, "at least 2 users and 2 items per group"),
        ({"fill": 0.0}, r"fill must be in \(0.0, inf\]"),
    ],
)
def test_make_checkerboard_invalid(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_checkerboard(**kwargs)


@pytest.mark.parametrize("density", [0.2, 1.0])  # redraw path, dense Gumbel path
def test_make_interactions_first_pick_follows_popularity(density):
    """Oracle: the first item a user draws (its earliest timestamp) is drawn with
    probability equal to the item popularity (single group: no group boost)."""
    n_users, n_items = 20_000, 10
    data = make_interactions(
        n_users,
        n_items,
        n_groups=1,
        density=density,
        popularity_skew=1.0,
        random_state=0,
        return_bunch=True,
    )
    T = data.timestamps
    order = np.lexsort((T.data, _rows(T)))
    first = T.indices[order[T.indptr[:-1]]]
    freq = np.bincount(first, minlength=n_items) / n_users
    p = data.item_popularity
    np.testing.assert_array_less(np.abs(freq - p), 5 * np.sqrt(p * (1 - p) / n_users))
