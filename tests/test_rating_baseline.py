"""The user + item bias baseline whose residuals the rating autoencoders learn."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_recae import AutoRec, DeepRec
from sklearn_recae._rating_autoencoder import RatingBaseline
from sklearn_recae.metrics import masked_rmse
from sklearn_recae.model_selection import holdout_split

MODELS = {
    "i-autorec": lambda **kw: AutoRec("item", latent_dim=8, **kw),
    "u-autorec": lambda **kw: AutoRec("user", latent_dim=8, **kw),
    "deeprec": lambda **kw: DeepRec(hidden_dims=(16,), latent_dim=8, **kw),
}


def dense_baseline(R, shrinkage):
    """The baseline written out on a dense matrix (0 = unobserved), per entry."""
    observed = R != 0
    mu = R[observed].mean()
    item = np.where(observed, R - mu, 0).sum(0) / (shrinkage + observed.sum(0))
    residual = np.where(observed, R - mu - item, 0)
    user = residual.sum(1) / (shrinkage + observed.sum(1))
    return mu + item[None, :] + user[:, None]


def test_baseline_matches_its_formula():
    R = np.array([[5, 3, 0, 1], [4, 0, 0, 1], [1, 1, 0, 5], [0, 1, 5, 4.0]])
    X = sp.csr_matrix(R)
    for shrinkage in (0.0, 5.0):
        baseline = RatingBaseline(X, shrinkage=shrinkage)
        np.testing.assert_allclose(
            baseline.predict(X), dense_baseline(R, shrinkage), rtol=1e-6
        )


def test_module_baseline_equals_the_fitted_one():
    """The network adds RowBaseline, computed from the dense batch; it must
    equal RatingBaseline's prediction from the sparse rows."""
    import torch

    from sklearn_recae.nn._modules import RowBaseline

    X = sp.random(30, 12, density=0.3, format="csr", random_state=0)
    X.data = np.ceil(X.data * 5).astype(np.float32)
    baseline = RatingBaseline(X)
    module = RowBaseline(**baseline.module_params(scale=2.0))
    got = module(torch.from_numpy(X.toarray().astype(np.float32) / 2.0)).numpy()
    np.testing.assert_allclose(got * 2.0, baseline.predict(X), rtol=1e-5)


def test_row_offsets_come_from_the_row_scored():
    X = sp.csr_matrix(np.array([[5.0, 5.0, 0.0], [1.0, 0.0, 1.0]]))
    baseline = RatingBaseline(X, shrinkage=0.0)
    new = sp.csr_matrix(np.array([[0.0, 0.0, 4.0]]))
    expected = 4.0 - baseline.mean - baseline.column_offsets[2]
    np.testing.assert_allclose(baseline.row_offsets(new), [expected], rtol=1e-6)


def _baseline_of(model, X):
    """The fitted model's baseline of the users' rows of ``X``."""
    if getattr(model, "variant", "user") == "item":
        return model.baseline_.predict(X.T.tocsr()).T
    return model.baseline_.predict(X)


@pytest.mark.parametrize("name", MODELS)
def test_a_network_held_at_zero_predicts_the_baseline(ratings, name):
    """With weights decayed to nothing the network outputs ~0 residual, so the
    predictions are the baseline's (they would be near the global mean without
    adding it back)."""
    model = MODELS[name](
        l2=50.0, max_epochs=40, early_stopping=False, random_state=0
    ).fit(ratings)
    expected = np.clip(_baseline_of(model, ratings), 1, 5)
    observed = ratings.toarray() != 0
    gap = np.abs(model.predict(ratings) - expected)[observed].mean()
    gap_to_mean = np.abs(expected - model.baseline_.mean)[observed].mean()
    assert gap < 0.4 * gap_to_mean


@pytest.mark.parametrize("name", MODELS)
def test_early_stopped_residual_model_does_not_lose_to_the_baseline(ratings, name):
    """Trained on the residuals and early-stopped, the model stays within noise
    of the baseline on data too small for it to learn much more."""
    train, test = holdout_split(ratings, test_size=0.2, random_state=0)
    scores = np.clip(RatingBaseline(train).predict(train), 1, 5)
    model = MODELS[name](random_state=0).fit(train)
    assert masked_rmse(test, model.predict(train)) < masked_rmse(test, scores) + 0.005


@pytest.mark.parametrize("name", MODELS)
def test_baseline_none_is_the_paper_model(ratings, name):
    model = MODELS[name](baseline=None, max_epochs=2, random_state=0).fit(ratings)
    assert model.baseline_ is None
    assert model.net_.module_.baseline is None
