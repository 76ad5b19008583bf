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
        expected = dense_baseline(R, shrinkage)
        scores = baseline.add_to(np.zeros(R.shape, dtype=np.float32), X)
        np.testing.assert_allclose(scores, expected, rtol=1e-6)
        residuals = baseline.residuals(X).toarray()
        np.testing.assert_allclose(
            residuals, np.where(R != 0, R - expected, 0), rtol=1e-5, atol=1e-6
        )


def test_user_offsets_come_from_the_fold_in():
    """Validation targets are residuals against the offsets of the user's input."""
    X = sp.csr_matrix(np.array([[5.0, 5.0, 0.0], [1.0, 0.0, 1.0]]))
    baseline = RatingBaseline(X, shrinkage=0.0)
    fold_in = sp.csr_matrix(np.array([[5.0, 0.0, 0.0]]))
    fold_out = sp.csr_matrix(np.array([[0.0, 0.0, 1.0]]))
    offset = baseline.user_offsets(fold_in)[0]
    expected = 1.0 - baseline.mean - baseline.item_offsets[2] - offset
    got = baseline.residuals(fold_out, fold_in=fold_in)
    np.testing.assert_allclose(got.data, [expected], rtol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_a_network_held_at_zero_predicts_the_baseline(ratings, name):
    """With weights decayed to nothing the network outputs ~0 residual, so the
    predictions are the baseline's (they would be near the global mean without
    adding it back)."""
    model = MODELS[name](
        l2=50.0, max_epochs=40, early_stopping=False, random_state=0
    ).fit(ratings)
    expected = np.clip(
        model.baseline_.add_to(np.zeros(ratings.shape, np.float32), ratings), 1, 5
    )
    observed = ratings.toarray() != 0
    gap = np.abs(model.predict(ratings) - expected)[observed].mean()
    gap_to_mean = np.abs(expected - model.baseline_.mean)[observed].mean()
    assert gap < 0.4 * gap_to_mean


@pytest.mark.parametrize("name", MODELS)
def test_early_stopped_residual_model_does_not_lose_to_the_baseline(ratings, name):
    """Trained on the residuals and early-stopped, the model stays within noise
    of the baseline on data too small for it to learn much more."""
    train, test = holdout_split(ratings, test_size=0.2, random_state=0)
    baseline = RatingBaseline(train)
    scores = np.clip(baseline.add_to(np.zeros(train.shape, np.float32), train), 1, 5)
    model = MODELS[name](random_state=0).fit(train)
    assert masked_rmse(test, model.predict(train)) < masked_rmse(test, scores) + 0.005


@pytest.mark.parametrize("name", MODELS)
def test_baseline_none_is_the_paper_model(ratings, name):
    model = MODELS[name](baseline=None, max_epochs=2, random_state=0).fit(ratings)
    assert model.baseline_ is None
    np.testing.assert_allclose(model.rating_scale_, np.std(ratings.data), rtol=1e-6)
