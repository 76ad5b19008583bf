"""Bad input at every estimator's fit / predict / recommend: a specific error
whose message names the problem (table-driven)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from tests._instances import all_estimators

ESTIMATORS = {type(e).__name__ + getattr(e, "variant", ""): e for e in all_estimators()}


def _ratings():
    rng = np.random.RandomState(0)
    X = sp.random(40, 12, density=0.4, format="csr", random_state=rng)
    X.data = np.ceil(X.data * 5)
    return X


def _with(value):
    X = _ratings().copy()
    X.data[0] = value
    return X


# messages are patterns formatted with the estimator's class name
FIT_CASES = {
    "nan": (
        lambda: _with(np.nan),
        ValueError,
        r"Input X contains NaN\.\s+{name} does not accept missing values",
    ),
    "inf": (lambda: _with(np.inf), ValueError, "Input X contains infinity"),
    "one-dimensional": (
        lambda: np.ones(12),
        ValueError,
        "Expected 2D array, got 1D array instead",
    ),
    "three-dimensional": (
        lambda: np.ones((4, 3, 2)),
        ValueError,
        # scikit-learn >= 1.7 words it "while dim <= 2 is required by EASE",
        # 1.6 "EASE expected <= 2"
        r"Found array with dim 3(, while dim <= 2 is required by {name}|\. {name} "
        r"expected <= 2)",
    ),
    "no rows": (
        lambda: sp.csr_matrix((0, 12)),
        ValueError,
        r"Found array with 0 sample\(s\) \(shape=\(0, 12\)\) while a minimum of 1 "
        "is required by {name}",
    ),
    "all zero": (
        lambda: sp.csr_matrix((40, 12)),
        ValueError,
        "X holds no interactions: all 40 x 12 entries are zero",
    ),
    "strings": (
        lambda: np.array([["a", "b"], ["c", "d"]]),
        TypeError,
        "X must hold real numbers, got dtype <U1",
    ),
}


def _class_name(name):
    return type(ESTIMATORS[name]).__name__


@pytest.mark.parametrize("case", FIT_CASES)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_refuses_bad_input(name, case):
    make, error, message = FIT_CASES[case]
    with pytest.raises(error, match=message.format(name=_class_name(name))):
        clone(ESTIMATORS[name]).fit(make())


POSITIVE_ONLY = [
    name
    for name, e in ESTIMATORS.items()
    if e.__sklearn_tags__().input_tags.positive_only
]


@pytest.mark.parametrize("name", POSITIVE_ONLY)
def test_negative_values_are_refused(name):
    """Implicit-feedback models; rating models accept any real rating scale."""
    message = rf"Negative values in data passed to {_class_name(name)} \(input X\)"
    with pytest.raises(ValueError, match=message):
        clone(ESTIMATORS[name]).fit(_with(-1.0))


@pytest.fixture(scope="module")
def fitted():
    return {name: clone(e).fit(_ratings()) for name, e in ESTIMATORS.items()}


@pytest.mark.parametrize("name", ESTIMATORS)
def test_predict_refuses_another_item_count(fitted, name):
    message = f"X has 13 features, but {_class_name(name)} is expecting 12 features"
    with pytest.raises(ValueError, match=message):
        fitted[name].predict(sp.random(40, 13, density=0.3, format="csr"))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_recommend_refuses_k_beyond_the_items(fitted, name):
    message = r"k must be an integer between 1 and the number of items \(12\), got 13"
    with pytest.raises(ValueError, match=message):
        fitted[name].recommend(_ratings(), k=13)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_predict_on_empty_rows_gives_finite_scores(fitted, name):
    model = fitted[name]
    X = _ratings().tolil()
    X[3, :] = 0
    X = X.tocsr()
    X.eliminate_zeros()
    scores = model.predict(X)
    assert np.isfinite(scores).all()


@pytest.mark.parametrize("name", [n for n in ESTIMATORS if n != "EASE"])
def test_cuda_without_a_gpu_is_a_clear_error(name):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    message = "device='cuda' was requested but CUDA is not available"
    with pytest.raises(ValueError, match=message):
        clone(ESTIMATORS[name]).set_params(device="cuda").fit(_ratings())


@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_with_empty_rows_gives_finite_scores(name):
    """Users without interactions in training are allowed and leave no NaN."""
    X = _ratings().tolil()
    X[[0, 5, 9], :] = 0
    X = X.tocsr()
    X.eliminate_zeros()
    scores = clone(ESTIMATORS[name]).fit(X).predict(X)
    assert np.isfinite(scores).all()
