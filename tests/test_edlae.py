"""EDLAE / DLAE / RDLAE against independent float64 solves of their objectives."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize

from sklearn_recae import EASE, EDLAE
from sklearn_recae.datasets import make_interactions
from sklearn_recae.exceptions import RecaeWarning
from sklearn_recae.utils._memory import InsufficientMemoryError


def _penalty(X, l2, dropout):
    """diag(Lambda) = l2 + p / (1 - p) * diag(X'X) (Steck 2020)."""
    return l2 + dropout / (1.0 - dropout) * np.square(X).sum(axis=0)


def _lstsq_oracle(X, l2, dropout, diagonal, max_diagonal=None):
    """Column by column, min ||x_j - X b||^2 + b' Lambda b by least squares.

    Each column is an augmented least-squares problem ``[X; Lambda^1/2] b ~
    [x_j; 0]`` solved with ``numpy.linalg.lstsq`` (SVD, no normal equations).
    Zero diagonal: item j is removed from the regressors. Bounded diagonal: the
    problem is convex with one constraint b_j <= xi, so where the free
    solution violates it the optimum has b_j = xi, and the other weights solve
    the same problem with target (1 - xi) x_j.
    """
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    n_items = X.shape[1]
    root = np.sqrt(_penalty(X, l2, dropout))
    B = np.zeros((n_items, n_items))

    def ridge(columns, target):
        design = np.vstack([X[:, columns], np.diag(root[columns])])
        rhs = np.concatenate([target, np.zeros(len(columns))])
        return np.linalg.lstsq(design, rhs, rcond=None)[0]

    everything = np.arange(n_items)
    for j in range(n_items):
        others = everything[everything != j]
        if diagonal == "zero":
            B[others, j] = ridge(others, X[:, j])
            continue
        B[:, j] = ridge(everything, X[:, j])
        if diagonal == "bounded" and B[j, j] > max_diagonal:
            B[others, j] = ridge(others, (1.0 - max_diagonal) * X[:, j])
            B[j, j] = max_diagonal
    return B


def _minimize_oracle(X, l2, dropout, diagonal, max_diagonal=None):
    """The whole objective, minimised by L-BFGS-B with the diagonal as bounds."""
    X = np.asarray(X.toarray(), dtype=np.float64)
    n_items = X.shape[1]
    penalty = _penalty(X, l2, dropout)

    def objective(b):
        B = b.reshape(n_items, n_items)
        residual = X - X @ B
        value = np.sum(residual**2) + np.sum(penalty[:, None] * B**2)
        gradient = -2 * X.T @ residual + 2 * penalty[:, None] * B
        return value, gradient.ravel()

    upper = {"zero": 0.0, "free": None, "bounded": max_diagonal}[diagonal]
    lower = 0.0 if diagonal == "zero" else None
    bounds = [
        (lower, upper) if i == j else (None, None)
        for i, j in itertools.product(range(n_items), repeat=2)
    ]
    result = minimize(
        objective,
        np.zeros(n_items**2),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-10},
    )
    assert result.success, result.message
    return result.x.reshape(n_items, n_items)


@pytest.fixture(scope="module")
def small():
    """150 users x 30 items, binary, with planted taste groups."""
    X = make_interactions(n_users=150, n_items=30, density=0.2, random_state=1)
    X.data[:] = 1.0
    return X


@pytest.fixture(scope="module")
def tiny():
    """40 users x 8 items; item 7 is popular, so its free diagonal is large."""
    rng = np.random.RandomState(3)
    X = (rng.rand(40, 8) < 0.35).astype(np.float32)
    X[:30, 7] = 1.0
    return sp.csr_matrix(X)


CASES = [
    dict(diagonal="zero"),
    dict(diagonal="free"),
    dict(diagonal="bounded", max_diagonal=0.05),
    dict(diagonal="bounded", max_diagonal=0.3),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c.values())))
@pytest.mark.parametrize("l2, dropout", [(0.5, 0.25), (10.0, 0.5), (3.0, 0.0)])
def test_weights_match_least_squares_oracle(small, case, l2, dropout):
    model = EDLAE(l2=l2, dropout=dropout, **case).fit(small)
    expected = _lstsq_oracle(small, l2, dropout, **case)
    assert model.coef_.dtype == np.float32
    np.testing.assert_allclose(
        model.coef_, expected, atol=1e-5 * np.abs(expected).max()
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c.values())))
def test_weights_minimise_the_objective(tiny, case):
    """A generic bound-constrained optimiser on the whole objective agrees."""
    model = EDLAE(l2=2.0, dropout=0.3, **case).fit(tiny)
    expected = _minimize_oracle(tiny, 2.0, 0.3, **case)
    np.testing.assert_allclose(model.coef_, expected, atol=2e-5)


def test_dropout_penalty_is_the_expected_dropout_loss():
    """DLAE minimises E ||X - (M * X) / (1 - p) B||^2 + l2 ||B||^2 over masks M.

    The expectation is computed exactly by enumerating all 2^12 dropout masks
    of a 3 x 4 matrix, so this checks Steck's penalty p / (1 - p) diag(X'X)
    itself, not our formula for it.
    """
    X = np.array([[1, 1, 0, 1], [0, 1, 1, 0], [1, 0, 1, 1]], dtype=np.float64)
    p, l2 = 0.3, 0.7
    masks = np.array(list(itertools.product([0, 1], repeat=X.size)), dtype=float)
    weights = np.prod(np.where(masks == 1, 1 - p, p), axis=1)
    Z = masks.reshape(-1, *X.shape) * X / (1 - p)
    ZtZ = np.einsum("m,mui,muj->ij", weights, Z, Z)
    ZtX = np.einsum("m,mui,uj->ij", weights, Z, X)
    expected = np.linalg.solve(ZtZ + l2 * np.eye(4), ZtX)
    model = EDLAE(l2=l2, dropout=p, diagonal="free").fit(sp.csr_matrix(X))
    np.testing.assert_allclose(model.coef_, expected, atol=1e-6)


def test_no_dropout_is_ease_exactly(binary):
    for l2 in (0.5, 10.0, 500.0):
        np.testing.assert_array_equal(
            EDLAE(l2=l2, dropout=0.0).fit(binary).coef_,
            EASE(l2=l2).fit(binary).coef_,
        )


def test_zero_bound_is_edlae_and_unit_bound_is_dlae(binary):
    zero = EDLAE(l2=5.0, dropout=0.3).fit(binary).coef_
    free = EDLAE(l2=5.0, dropout=0.3, diagonal="free").fit(binary).coef_
    at_zero = EDLAE(l2=5.0, dropout=0.3, diagonal="bounded", max_diagonal=0.0)
    at_one = EDLAE(l2=5.0, dropout=0.3, diagonal="bounded", max_diagonal=1.0)
    np.testing.assert_allclose(at_zero.fit(binary).coef_, zero, atol=1e-6)
    np.testing.assert_array_equal(at_one.fit(binary).coef_, free)


def test_bounded_diagonal_respects_the_bound(binary):
    free = EDLAE(l2=2.0, dropout=0.2, diagonal="free").fit(binary)
    xi = float(np.median(free.coef_.diagonal()))
    bounded = EDLAE(l2=2.0, dropout=0.2, diagonal="bounded", max_diagonal=xi)
    diagonal = bounded.fit(binary).coef_.diagonal()
    assert (diagonal <= np.float32(xi)).all()
    binds = free.coef_.diagonal() > xi
    assert 0 < binds.sum() < len(binds)  # both branches are exercised
    np.testing.assert_allclose(diagonal[binds], xi, rtol=1e-6)
    np.testing.assert_array_equal(diagonal[~binds], free.coef_.diagonal()[~binds])
    # columns where the bound does not bind keep the free solution
    np.testing.assert_array_equal(bounded.coef_[:, ~binds], free.coef_[:, ~binds])


def test_free_diagonal_lies_in_unit_interval(binary):
    diagonal = EDLAE(l2=1.0, dropout=0.1, diagonal="free").fit(binary).coef_
    assert ((diagonal.diagonal() >= 0) & (diagonal.diagonal() < 1)).all()


def test_dropout_lowers_the_weight_of_popular_items(binary):
    """Lambda_jj grows with item j's popularity: its row of B shrinks."""
    plain = EDLAE(l2=5.0, dropout=0.0).fit(binary).coef_
    dropped = EDLAE(l2=5.0, dropout=0.5).fit(binary).coef_
    popularity = np.asarray(binary.sum(axis=0)).ravel()
    ratio = np.abs(dropped).sum(axis=1) / np.abs(plain).sum(axis=1)
    assert np.corrcoef(popularity, ratio)[0, 1] < -0.5


@pytest.mark.parametrize("diagonal", ["zero", "free", "bounded"])
def test_predict_is_x_times_b(ratings, diagonal):
    model = EDLAE(l2=5.0, diagonal=diagonal).fit(ratings)
    np.testing.assert_allclose(
        model.predict(ratings[:7]),
        ratings[:7].toarray() @ model.coef_,
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("diagonal", ["zero", "free", "bounded"])
def test_empty_items_get_no_weight(diagonal):
    X = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 0, 0, 0], [1, 0, 1, 0]], dtype=float))
    model = EDLAE(l2=1.0, dropout=0.5, diagonal=diagonal).fit(X)
    assert np.isfinite(model.coef_).all()
    assert (model.coef_[:3, 3] == 0).all() and (model.coef_[3, :3] == 0).all()


_DROPOUT_RANGE = (
    r"'dropout' parameter of EDLAE must be a float in the range \[0\.0, 1\.0\)"
)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"l2": 0.0}, r"'l2' parameter of EDLAE must be a float in the range \(0"),
        ({"dropout": 1.0}, _DROPOUT_RANGE + r"\. Got 1\.0 instead"),
        ({"dropout": -0.1}, _DROPOUT_RANGE + r"\. Got -0\.1 instead"),
        (
            {"diagonal": "none"},
            "'diagonal' parameter of EDLAE must be a str among .* Got 'none'",
        ),
        (
            {"max_diagonal": 1.5},
            r"'max_diagonal' parameter of EDLAE must be a float in the range "
            r"\[0\.0, 1\.0\]\. Got 1\.5",
        ),
        ({"device": 3}, "'device' parameter of EDLAE must be a str among .* Got 3"),
    ],
)
def test_invalid_parameters(ratings, params, match):
    with pytest.raises(ValueError, match=match):
        EDLAE(**params).fit(ratings)


def test_refuses_catalogue_that_does_not_fit(monkeypatch):
    monkeypatch.setenv("SKLEARN_RECAE_MEMORY_BUDGET_MB", "1")
    X = sp.csr_matrix(([1.0, 1.0], ([0, 1], [0, 999])), shape=(2, 1000))
    with pytest.raises(InsufficientMemoryError, match=r"EDLAE's 1000 x 1000"):
        EDLAE().fit(X)


@pytest.mark.parametrize("Estimator", [EASE, EDLAE])
def test_gpu_fallback_warning_names_the_model_and_the_caller(
    binary, monkeypatch, Estimator
):
    torch = pytest.importorskip("torch")
    import sklearn_recae._ease as ease_module

    monkeypatch.setattr(ease_module, "resolve_device", lambda device: "cuda")
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: (1000, 2000))
    with pytest.warns(RecaeWarning, match=rf"^{Estimator.__name__}'s cuda") as w:
        model = Estimator(l2=10.0).fit(binary)
    assert w[0].filename == __file__
    np.testing.assert_array_equal(model.coef_, Estimator(l2=10.0).fit(binary).coef_)


@pytest.mark.cuda
@pytest.mark.parametrize("diagonal", ["zero", "free", "bounded"])
def test_gpu_solve_matches_cpu(binary, diagonal):
    cpu = EDLAE(l2=10.0, diagonal=diagonal).fit(binary).coef_
    gpu = EDLAE(l2=10.0, diagonal=diagonal, device="cuda").fit(binary).coef_
    np.testing.assert_allclose(gpu, cpu, atol=1e-5)
