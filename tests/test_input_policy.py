"""One input-checking policy per estimator (issue 14, B1, B2, B5, B6).

Every entry point — ``fit``, ``predict``, ``recommend``, ``score``,
``transform``, the scorers and the splitters — checks input with the
estimator's own dtype and sign policy, sizes its batches by the package memory
budget, and leaves torch's global random state alone.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from sklearn_recae import EASE, SVAE, MultDAE
from sklearn_recae.metrics import ndcg_scorer, neg_rmse_scorer
from sklearn_recae.model_selection import holdout_split
from sklearn_recae.utils import InsufficientMemoryError, top_k
from tests._instances import all_estimators

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"  # tiny fits, capped epochs
)

_BUDGET = "SKLEARN_RECAE_MEMORY_BUDGET_MB"
ESTIMATORS = {type(e).__name__ + getattr(e, "variant", ""): e for e in all_estimators()}
RATING_MODELS = [
    name
    for name, e in ESTIMATORS.items()
    if not e.__sklearn_tags__().input_tags.positive_only
]
RANKING_MODELS = [name for name in ESTIMATORS if name not in RATING_MODELS]
TORCH_MODELS = [name for name, e in ESTIMATORS.items() if hasattr(e, "max_epochs")]


def _centred_ratings():
    """40 users x 12 items of ratings in {-2, -1, 1, 2}: a centred scale."""
    rng = np.random.RandomState(0)
    X = sp.random(40, 12, density=0.4, format="csr", random_state=rng)
    X.data = rng.choice([-2.0, -1.0, 1.0, 2.0], size=X.nnz)
    return X


def _reversed_unix_times():
    """60 users x 30 items whose events are UNIX times one second apart, later
    for lower item indices: float32 rounds them to ties (spacing 128 s near
    1.7e9), which break by item index and so reverse each row's order."""
    rng = np.random.RandomState(0)
    X = sp.random(60, 30, density=0.3, format="csr", random_state=rng)
    X.data = 1.7e9 + (30.0 - X.indices)
    return X


# B1 ----------------------------------------------------------------------------


def test_recommend_sees_the_event_order_predict_sees():
    """Issue 14, B1: SVAE's recommend converted input to float32 and so ranked
    from another event order than predict (float64)."""
    X = _reversed_unix_times()
    model = SVAE(
        embedding_dim=4,
        rnn_dim=4,
        hidden_dim=4,
        latent_dim=2,
        max_epochs=1,
        early_stopping=False,
        random_state=0,
    ).fit(X)
    items, scores = model.recommend(X, k=5, return_scores=True)
    expected_items, expected_scores = top_k(
        model.predict(X), 5, exclude=X, return_scores=True
    )
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-6)
    np.testing.assert_array_equal(items, expected_items)


# B2 ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted_on_centred_ratings():
    X = _centred_ratings()
    return {name: clone(ESTIMATORS[name]).fit(X) for name in RATING_MODELS}


@pytest.mark.parametrize("name", RATING_MODELS)
def test_rating_models_take_negative_ratings_everywhere(
    fitted_on_centred_ratings, name
):
    """Issue 14, B2: fit and predict took negative ratings, but recommend,
    score and the scorers refused them."""
    X = _centred_ratings()
    model = fitted_on_centred_ratings[name]
    assert model.recommend(X, k=3).shape == (40, 3)
    assert np.isfinite(model.score(X))
    assert np.isfinite(neg_rmse_scorer()(model, X))
    X_in, X_out = holdout_split(X, 0.2, random_state=0)
    assert np.isfinite(neg_rmse_scorer()(model, X_in, X_out))
    assert np.isfinite(ndcg_scorer(k=5)(model, X_in, X_out))


def test_holdout_split_takes_negative_ratings():
    """Issue 14, B2: splitting is sign-agnostic; the model checks its own sign."""
    X = _centred_ratings()
    X_in, X_out = holdout_split(X, 0.2, random_state=0)
    assert (X_in + X_out != X).nnz == 0
    assert (X_in.data < 0).any() and (X_out.data < 0).any()


@pytest.fixture(scope="module")
def ease():
    rng = np.random.RandomState(0)
    X = sp.random(40, 12, density=0.4, format="csr", random_state=rng)
    return EASE(l2=1.0).fit(X)


@pytest.mark.parametrize(
    "call",
    {
        "recommend": lambda model, X: model.recommend(X, k=3),
        "score": lambda model, X: model.score(X),
        "ndcg_scorer": lambda model, X: ndcg_scorer(k=5)(model, X),
        "ndcg_scorer with y": lambda model, X: ndcg_scorer(k=5)(model, X, X),
    }.items(),
    ids=lambda item: item[0],
)
def test_ranking_models_refuse_negative_values_everywhere(ease, call):
    """The implicit-feedback policy (non-negative input) holds at every entry
    point, and the error names the estimator."""
    with pytest.raises(ValueError, match=r"Negative values in data passed to EASE"):
        call[1](ease, _centred_ratings())


# B5 ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wide():
    """600 users x 200 items: EASE.predict's dense scores take 468.8 KiB."""
    rng = np.random.RandomState(0)
    return sp.random(600, 200, density=0.05, format="csr", random_state=rng)


_FAST_NET = dict(latent_dim=3, max_epochs=1, early_stopping=False, random_state=0)


@pytest.mark.parametrize(
    "make",
    [lambda: EASE(l2=1.0), lambda: MultDAE(**_FAST_NET)],
    ids=["EASE", "MultDAE"],
)
def test_recommend_works_under_the_budget_that_refuses_predict(wide, monkeypatch, make):
    """Issue 14, B5: predict's refusal advises recommend, and recommend (and
    the scorers) must then work under the same memory budget."""
    model = make().fit(wide)
    expected = model.recommend(wide, k=5)
    expected_score = ndcg_scorer(k=5)(model, wide)
    monkeypatch.setenv(_BUDGET, "0.125")  # 128 KiB
    with pytest.raises(InsufficientMemoryError, match=r"Use recommend\(X, k\)"):
        model.predict(wide)
    np.testing.assert_array_equal(model.recommend(wide, k=5), expected)
    assert ndcg_scorer(k=5)(model, wide) == pytest.approx(expected_score, rel=1e-6)


def test_memory_messages_use_units_that_fit(wide, monkeypatch):
    """Issue 14, B5: sizes under a GiB read '0.0 GiB'."""
    model = EASE(l2=1.0).fit(wide)
    monkeypatch.setenv(_BUDGET, "0.125")
    with pytest.raises(
        InsufficientMemoryError,
        match=r"needs about 468\.8 KiB but only 128\.0 KiB are available",
    ):
        model.predict(wide)
    monkeypatch.setenv(_BUDGET, "0.5")
    with pytest.raises(
        InsufficientMemoryError,
        match=r"needs about 1\.2 MiB but only 512\.0 KiB are available",
    ):
        EASE(l2=1.0).fit(sp.random(10, 400, density=0.5, format="csr"))


# B6 ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch_models():
    rng = np.random.RandomState(0)
    X = sp.random(40, 12, density=0.4, format="csr", random_state=rng)
    X.data = np.ceil(X.data * 5)
    return X, {name: clone(ESTIMATORS[name]).fit(X) for name in TORCH_MODELS}


_INFERENCE = {
    "predict": lambda model, X: model.predict(X),
    "recommend": lambda model, X: model.recommend(X, k=3),
    "score": lambda model, X: model.score(X),
    "transform": lambda model, X: model.transform(X),
}


@pytest.mark.parametrize(
    "name, method",
    [
        (name, method)
        for name in TORCH_MODELS
        for method in _INFERENCE
        if hasattr(ESTIMATORS[name], method)
    ],
)
def test_inference_leaves_torch_global_random_state_alone(torch_models, name, method):
    """Issue 14, B6: the DataLoader drew its base seed from torch's global
    generator, so predict advanced it (fit was already careful)."""
    import torch

    X, models = torch_models
    state = torch.random.get_rng_state()
    _INFERENCE[method](models[name], X)
    assert torch.equal(torch.random.get_rng_state(), state)
