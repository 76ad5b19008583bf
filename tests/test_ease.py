import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer

from sklearn_recae import EASE
from sklearn_recae._ease import _gram_dense_blocks, _gram_sparse
from sklearn_recae.datasets import make_checkerboard
from sklearn_recae.exceptions import RecaeWarning
from sklearn_recae.metrics import ndcg_scorer
from sklearn_recae.model_selection import UserKFold
from sklearn_recae.utils._memory import InsufficientMemoryError


def _ease_float64_oracle(X, l2):
    """Steck (2019) eq. 8, straight from the paper, in dense float64 numpy."""
    X = X.toarray().astype(np.float64)
    P = np.linalg.inv(X.T @ X + l2 * np.eye(X.shape[1]))
    B = np.eye(X.shape[1]) - P / np.diag(P)
    np.fill_diagonal(B, 0.0)
    return B


@pytest.mark.parametrize("l2", [0.5, 10.0, 500.0])
def test_weights_match_dense_float64_solve(binary, l2):
    model = EASE(l2=l2).fit(binary)
    expected = _ease_float64_oracle(binary, l2)
    assert model.coef_.dtype == np.float32
    np.testing.assert_allclose(
        model.coef_, expected, atol=1e-5 * np.abs(expected).max()
    )
    assert (np.diag(model.coef_) == 0).all()


def test_both_gram_paths_agree(binary):
    dense = np.triu(_gram_dense_blocks(binary))
    np.testing.assert_array_equal(dense, np.triu(_gram_sparse(binary)))


def test_sparse_gram_path_matches_oracle():
    """Very sparse data (one interaction in most rows) takes the sparse Gram path."""
    X = sp.random(2000, 300, density=0.004, random_state=0, format="csr")
    X.data[:] = 1.0
    np.testing.assert_allclose(
        EASE(l2=1.0).fit(X).coef_, _ease_float64_oracle(X, 1.0), atol=1e-5
    )


def test_predict_is_x_times_b(ratings):
    model = EASE(l2=5.0).fit(ratings)
    np.testing.assert_allclose(
        model.predict(ratings[:7]),
        ratings[:7].toarray() @ model.coef_,
        rtol=1e-5,
        atol=1e-6,
    )


def test_checkerboard_top1_is_the_held_back_item():
    X, user_groups, item_groups = make_checkerboard(return_groups=True)
    own_group = user_groups[:, None] == item_groups[None, :]
    unseen_own = own_group & (X.toarray() == 0)
    assert (unseen_own.sum(axis=1) == 1).all()
    expected = unseen_own.argmax(axis=1)
    top = EASE(l2=1.0).fit(X).recommend(X, k=1)
    np.testing.assert_array_equal(top.ravel(), expected)


def test_empty_users_and_items():
    X = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 0, 0, 0], [1, 0, 1, 0]], dtype=float))
    model = EASE(l2=1.0).fit(X)
    assert np.isfinite(model.coef_).all()
    assert (model.coef_[:, 3] == 0).all()  # never-seen item gets no weight
    assert (model.predict(np.zeros((1, 4))) == 0).all()


def test_item_count_mismatch_at_predict(ratings):
    model = EASE().fit(ratings)
    with pytest.raises(ValueError, match="features, but EASE is expecting 60"):
        model.predict(np.ones((2, 5)))
    with pytest.raises(ValueError, match="k must be an integer between 1 and"):
        model.recommend(ratings[:2], k=61)


_L2_RANGE = r"'l2' parameter of EASE must be a float in the range \(0\.0, inf\)"


@pytest.mark.parametrize(
    "params, match",
    [
        ({"l2": 0.0}, _L2_RANGE + r"\. Got 0\.0 instead"),
        ({"l2": -1}, _L2_RANGE + r"\. Got -1 instead"),
        ({"device": 3}, "'device' parameter of EASE must be a str among .* Got 3"),
    ],
)
def test_invalid_parameters(ratings, params, match):
    with pytest.raises(ValueError, match=match):
        EASE(**params).fit(ratings)


def test_cuda_without_gpu_is_a_clear_error(ratings):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="CUDA is not available"):
        EASE(device="cuda").fit(ratings)


def test_refuses_catalogue_that_does_not_fit(monkeypatch):
    monkeypatch.setenv("SKLEARN_RECAE_MEMORY_BUDGET_MB", "1")
    X = sp.csr_matrix(([1.0, 1.0], ([0, 1], [0, 999])), shape=(2, 1000))
    with pytest.raises(InsufficientMemoryError, match=r"1000 x 1000 .* needs about"):
        EASE().fit(X)


@pytest.mark.cuda
def test_gpu_solve_matches_cpu(binary):
    cpu = EASE(l2=10.0).fit(binary).coef_
    gpu = EASE(l2=10.0, device="cuda").fit(binary).coef_
    np.testing.assert_allclose(gpu, cpu, atol=1e-5)


def test_grid_search_with_and_without_scoring(ratings):
    grid = {"l2": [1.0, 50.0]}
    for scoring in (ndcg_scorer(k=100), None):
        search = GridSearchCV(EASE(), grid, cv=KFold(3), scoring=scoring)
        search.fit(ratings)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_pipeline_with_binarizer(ratings):
    pipe = Pipeline([("binarize", Binarizer(threshold=3.5)), ("ease", EASE(l2=5.0))])
    search = GridSearchCV(
        pipe,
        {"ease__l2": [1.0, 10.0]},
        cv=UserKFold(3),
        scoring=ndcg_scorer(k=10, threshold=3.5),
    )
    search.fit(ratings)
    assert np.isfinite(search.best_score_)
    direct = EASE(l2=5.0).fit((ratings > 3.5).astype(np.float32))
    np.testing.assert_allclose(
        pipe.fit(ratings).predict(ratings[:5]),
        direct.predict((ratings[:5] > 3.5).astype(np.float32)),
    )


def test_gpu_solve_falls_back_to_cpu_when_memory_is_short(monkeypatch):
    import torch

    from sklearn_recae._ease import _inverse_lapack, _inverse_torch

    rng = np.random.RandomState(0)
    a = rng.rand(30, 8).astype(np.float32)
    gram = a @ a.T + 10 * np.eye(30, dtype=np.float32)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: (1000, 2000))
    with pytest.warns(RecaeWarning, match=r"cuda solve needs 10\.5 KiB, 1000 bytes"):
        inverse = _inverse_torch(gram.copy(), "cuda")
    np.testing.assert_allclose(inverse, _inverse_lapack(gram.copy()))


def test_dense_predict_over_the_budget_is_refused(ratings, monkeypatch):
    model = EASE(l2=10.0).fit(ratings)
    budget_mb = ratings.shape[0] * ratings.shape[1] * 4 / 2**20 / 2
    monkeypatch.setenv("SKLEARN_RECAE_MEMORY_BUDGET_MB", str(budget_mb))
    with pytest.raises(
        InsufficientMemoryError, match=r"EASE.predict's dense .* recommend"
    ):
        model.predict(ratings)
    assert model.predict(ratings[:100]).shape == (100, ratings.shape[1])


# Issue 17, item 4: the Gram path chosen by measured cost, and an exact int8 path.


def _random_counts(n_users, n_items, density, high=1, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(
        n_users, n_items, density=density, format="csr", random_state=seed
    ).astype(np.float32)
    X.data[:] = rng.integers(1, high + 1, X.nnz)
    return X


@pytest.mark.parametrize(
    "n_users, n_items, pad",
    [(300, 60, None), (13, 5, True), (37, 29, True), (250, 70, True), (64, 16, None)],
)
def test_int8_gram_equals_float64_gram_exactly(n_users, n_items, pad, monkeypatch):
    """0/1 data: int8 x int8 -> int32 counts are the float64 Gram, entry by entry.

    Small blocks force several item blocks and user blocks; ``pad=True``
    zero-pads to CUDA's _int_mm shapes (rows > 16, multiples of 8), which none
    of these shapes meet.
    """
    pytest.importorskip("torch")
    from sklearn_recae import _ease

    monkeypatch.setattr(_ease, "_INT8_BLOCK_ITEMS", 7)
    monkeypatch.setattr(_ease, "_INT8_BLOCK_BYTES", 11 * n_items)
    X = _random_counts(n_users, n_items, density=0.3)
    expected = (X.T @ X).toarray().astype(np.float64)
    gram = _ease._gram_int8(X, pad=pad)
    assert gram.dtype == np.float32
    np.testing.assert_array_equal(np.triu(gram), np.triu(expected))


def test_int_mm_padding_matches_integer_product():
    torch = pytest.importorskip("torch")
    from sklearn_recae._ease import _int_mm

    generator = torch.Generator().manual_seed(0)
    for m, k, n in [(5, 3, 7), (16, 9, 13), (17, 8, 8), (1, 1, 1)]:
        a = torch.randint(-128, 128, (m, k), dtype=torch.int8, generator=generator)
        b = torch.randint(-128, 128, (k, n), dtype=torch.int8, generator=generator)
        expected = a.int() @ b.int()
        assert torch.equal(_int_mm(a, b, pad=True), expected)
        assert torch.equal(_int_mm(a.T.contiguous().T, b, pad=False), expected)


def test_int8_path_is_exact_for_small_integer_ratings():
    pytest.importorskip("torch")
    from sklearn_recae._ease import _gram_int8, _gram_sparse, _int8_exact

    X = _random_counts(200, 40, density=0.2, high=5)
    assert _int8_exact(X)
    np.testing.assert_array_equal(np.triu(_gram_int8(X)), np.triu(_gram_sparse(X)))


def test_int32_to_float32_in_place_is_exact():
    from sklearn_recae._ease import _int32_to_float32

    values = np.array([0, 1, 255, 257, 12_345_678, 2**24], dtype=np.int32)
    gram = np.resize(values, (300, 300)).astype(np.int32)
    expected = gram.astype(np.float64)
    out = _int32_to_float32(gram)
    assert np.shares_memory(out, gram)
    np.testing.assert_array_equal(out, expected)


def test_int8_path_refused_where_it_would_not_be_exact():
    from sklearn_recae._ease import _int8_exact

    binary = _random_counts(50, 10, density=0.3)
    assert _int8_exact(binary)
    for value in (0.5, 128.0, 1e-3):
        X = binary.copy()
        X.data[::3] = value
        assert not _int8_exact(X), value
    # 127² x 1,041 users > 2**24: the int32 counts would not all be float32.
    heavy = sp.csr_matrix(np.full((1041, 2), 127, dtype=np.float32))
    assert not _int8_exact(heavy)
    assert _int8_exact(heavy[:1040])


def test_gram_path_falls_back_for_non_binary_data():
    """Costs are measured for every path; int8 only where counts are exact."""
    pytest.importorskip("torch")
    from sklearn_recae._ease import _gram_costs, _gram_path

    binary = _random_counts(3000, 800, density=0.05)
    weighted = binary.copy()
    weighted.data *= 0.5
    assert set(_gram_costs(binary)) == {"int8", "dense", "sparse"}
    assert set(_gram_costs(weighted)) == {"dense", "sparse"}
    assert all(np.isfinite(c) and c > 0 for c in _gram_costs(binary).values())
    assert _gram_path(weighted) in ("dense", "sparse")
    assert _gram_path(binary[:20]) == "dense"  # too small to be worth probing


@pytest.mark.parametrize("path", ["int8", "dense", "sparse"])
def test_weights_identical_on_every_gram_path(binary, ratings, path, monkeypatch):
    """The Gram of 0/1 (and 1-5) data is exact on every path: the same B, bit
    for bit, as the syrk path the package took before issue 17."""
    pytest.importorskip("torch")
    from sklearn_recae import EDLAE, _ease

    expected = {
        name: [EASE(l2=5.0).fit(X).coef_, EDLAE(l2=5.0).fit(X).coef_]
        for name, X in (("binary", binary), ("ratings", ratings))
    }  # small: the dense syrk path
    monkeypatch.setattr(_ease, "_gram_path", lambda X: path)
    for name, X in (("binary", binary), ("ratings", ratings)):
        np.testing.assert_array_equal(EASE(l2=5.0).fit(X).coef_, expected[name][0])
        np.testing.assert_array_equal(EDLAE(l2=5.0).fit(X).coef_, expected[name][1])
    oracle = _ease_float64_oracle(binary, 5.0)
    np.testing.assert_allclose(
        expected["binary"][0], oracle, atol=1e-5 * np.abs(oracle).max()
    )


def test_fitting_a_small_ease_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from sklearn_recae import EASE\n"
        "from sklearn_recae.datasets import make_interactions\n"
        "X = make_interactions(n_users=200, n_items=50, random_state=0)\n"
        "EASE(l2=10.0).fit(X)\n"
        "assert 'torch' not in sys.modules, 'EASE.fit imported torch'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
