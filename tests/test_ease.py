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
