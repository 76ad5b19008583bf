"""Behaviour shared by the rating autoencoders: AutoRec (both variants), DeepRec."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback

from sklearn_recae import AutoRec, DeepRec
from sklearn_recae.exceptions import DivergenceError
from sklearn_recae.metrics import masked_rmse, neg_rmse_scorer
from sklearn_recae.model_selection import (
    UserKFold,
    WeakGeneralizationSplit,
    holdout_split,
)

FAST = dict(max_epochs=3, batch_size=32, random_state=0)
MODELS = {
    "i-autorec": lambda **kw: AutoRec("item", latent_dim=8, **{**FAST, **kw}),
    "u-autorec": lambda **kw: AutoRec("user", latent_dim=8, **{**FAST, **kw}),
    "deeprec": lambda **kw: DeepRec(hidden_dims=(16,), latent_dim=8, **{**FAST, **kw}),
}
INDUCTIVE = ["u-autorec", "deeprec"]


@pytest.fixture(scope="module")
def fitted(ratings):
    """One fitted instance of each model, shared and never refitted."""
    return {name: make().fit(ratings) for name, make in MODELS.items()}


FALLBACK_X = np.array(
    [[5, 1, 4, 0], [4, 2, 5, 0], [1, 5, 2, 0], [5, 1, 5, 0]], dtype=np.float32
)


@pytest.mark.parametrize("name", MODELS)
def test_predictions_in_rating_range_with_fallbacks(name):
    """Without a baseline: item 3 has no training rating -> global mean; the
    empty user row -> item means (U-AutoRec, DeepRec); everything clipped to
    the training range [1, 5]."""
    X = sp.csr_matrix(FALLBACK_X)
    model = MODELS[name](max_epochs=2, baseline=None).fit(X)
    ratings = model.predict(X)
    assert ratings.min() >= 1 and ratings.max() <= 5
    np.testing.assert_allclose(ratings[:, 3], X.data.mean(), rtol=1e-6)
    if name in INDUCTIVE:
        empty = model.predict(np.zeros((1, 4)))
        np.testing.assert_allclose(empty[0, :3], [3.75, 2.25, 4.0], rtol=1e-6)


def shrunk_offsets(R, shrinkage=5.0):
    """Hand-written oracle of the bias baseline over the rows of dense ``R``
    (zero = unobserved): global mean, column offsets, then row offsets."""
    observed = R != 0
    mean = R[observed].mean()
    columns = np.where(observed, R - mean, 0).sum(0) / (shrinkage + observed.sum(0))
    residual = np.where(observed, R - mean - columns, 0)
    rows = residual.sum(1) / (shrinkage + observed.sum(1))
    return mean, columns, rows


@pytest.mark.parametrize("name", MODELS)
def test_fallbacks_come_from_the_baseline(name):
    """With the bias baseline, an item unseen in training gets the global mean
    plus the user's offset (not the bare global mean) and a user without
    ratings the baseline's item part, from the same baseline the network
    trains over."""
    X = sp.csr_matrix(FALLBACK_X)
    model = MODELS[name](max_epochs=2, early_stopping=False).fit(X)
    ratings = model.predict(X)
    if name == "i-autorec":  # items are the rows: users are its columns
        mean, user_offsets, _ = shrunk_offsets(FALLBACK_X.T)
    else:
        mean, _, user_offsets = shrunk_offsets(FALLBACK_X)
    np.testing.assert_allclose(ratings[:, 3], mean + user_offsets, rtol=1e-5)
    assert np.ptp(ratings[:, 3]) > 0.1  # the users' offsets differ
    if name in INDUCTIVE:
        _, item_offsets, _ = shrunk_offsets(FALLBACK_X)
        empty = model.predict(np.zeros((1, 4)))
        np.testing.assert_allclose(empty[0], mean + item_offsets, rtol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_divergence_stops_with_a_clear_error(ratings, name):
    # ratings are scaled to unit spread, so only a runaway step size diverges
    with pytest.raises(
        DivergenceError, match=r"The training loss became (inf|nan) in epoch \d+"
    ):
        MODELS[name](optimizer="sgd", lr=1e30).fit(ratings)


@pytest.mark.parametrize("name", ["u-autorec", "deeprec"])
def test_early_stopping_keeps_the_best_epoch(ratings, name):
    # no baseline: after fit it is re-estimated on every rating, which changes
    # the validation loss the kept weights give
    model = MODELS[name](
        baseline=None,
        max_epochs=30,
        early_stopping=True,
        n_iter_no_change=3,
        lr=0.05,
        optimizer="adam",
    ).fit(ratings)
    valid = model.history_[:, "valid_loss"]
    assert len(valid) < 30  # stopped early
    best = int(np.argmin(valid))
    assert best == len(valid) - 1 - 3  # patience epochs after the best
    # the kept weights are the best epoch's: recompute skorch's validation loss
    # (batch losses weighted by batch size) with the final weights
    net = model.net_
    _, held = net.train_split(net.get_dataset(model._rows(ratings)))  # scaled
    batches = list(net.get_iterator(held))
    losses = [
        net.get_loss(net.evaluation_step(b), b[1]).item() * len(b[0]) for b in batches
    ]
    assert sum(losses) / len(held) == pytest.approx(valid[best], rel=1e-4)


def test_refit_starts_from_scratch(ratings):
    model = MODELS["u-autorec"](max_epochs=4, early_stopping=True, n_iter_no_change=2)
    first = model.fit(ratings).predict(ratings)
    assert len(model.fit(ratings).history_) == len(model.history_)
    np.testing.assert_array_equal(model.predict(ratings), first)


def test_cuda_without_gpu(ratings):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="CUDA is not available"):
        MODELS["deeprec"](device="cuda").fit(ratings)


@pytest.mark.parametrize("name", MODELS)
def test_weak_generalization_search_with_rmse_scorer(ratings, name):
    X_in, X_out = holdout_split(ratings, 0.2, random_state=0)
    search = GridSearchCV(
        MODELS[name](),
        {"lr": [1e-3, 1e-2]},
        cv=WeakGeneralizationSplit(),
        scoring=neg_rmse_scorer(rating_range=(1, 5)),
    ).fit(X_in, X_out)
    best = search.best_estimator_
    assert search.best_score_ == pytest.approx(
        -masked_rmse(X_out, best.predict(X_in), rating_range=(1, 5))
    )


@pytest.mark.parametrize("name", INDUCTIVE)
def test_user_split_search_without_scoring(ratings, name):
    search = GridSearchCV(MODELS[name](), {"lr": [1e-3, 1e-2]}, cv=UserKFold(3))
    search.fit(ratings)
    assert (search.cv_results_["mean_test_score"] < 0).all()  # negative RMSE


def test_deeprec_refeeding_changes_training(ratings):
    plain = DeepRec(hidden_dims=(16,), latent_dim=8, refeed_steps=0, **FAST).fit(
        ratings
    )
    refed = DeepRec(hidden_dims=(16,), latent_dim=8, refeed_steps=1, **FAST).fit(
        ratings
    )
    assert not np.allclose(plain.predict(ratings), refed.predict(ratings))


def test_lr_decay_halves_the_learning_rate(ratings):
    model = MODELS["deeprec"](lr_decay_every=1, lr_decay=0.5, lr=0.004).fit(ratings)
    assert model.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0005)


def test_verbose_prints_skorch_table(ratings, capsys):
    MODELS["u-autorec"](verbose=1, max_epochs=1).fit(ratings)
    assert "train_loss" in capsys.readouterr().out


def test_skorch_callbacks_pass_through(ratings):
    from skorch.callbacks import LRScheduler

    model = MODELS["u-autorec"](
        lr_decay_every=None,
        callbacks=[("lr", LRScheduler("StepLR", step_size=1, gamma=0.5))],
    ).fit(ratings)
    assert model.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3 / 8)


@pytest.mark.parametrize(
    "params, match",
    [
        (
            {"latent_dim": 0},
            r"'latent_dim' parameter of AutoRec must be an int in the range \[1, inf\)",
        ),
        ({"variant": "both"}, "'variant' parameter of AutoRec must be a str among"),
        (
            {"lr": -1.0},
            r"'lr' parameter of AutoRec must be a float in the range \(0\.0, inf\)",
        ),
        ({"optimizer": "lbfgs"}, "'optimizer' parameter of AutoRec must be a str"),
    ],
)
def test_invalid_parameters(ratings, params, match):
    with pytest.raises(ValueError, match=match):
        AutoRec(**params).fit(ratings)


class RecordBaseline(Callback):
    """Keeps the module's baseline centre (mean + column offsets) per epoch."""

    def initialize(self):
        self.centres = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.centres.append(net.module_.baseline.centre.detach().clone().numpy())


@pytest.mark.parametrize("name", MODELS)
def test_baseline_never_sees_the_validation_ratings(ratings, name):
    """While early stopping scores the epochs, the network's baseline is
    estimated without the carved-out ratings (with them, the validation error
    would be optimistic); once the epoch is chosen, ``baseline_`` and the
    network's baseline are re-estimated on every rating, as a refit would."""
    record = RecordBaseline()
    model = MODELS[name](max_epochs=2, callbacks=[("record", record)]).fit(ratings)
    rows = model._rows(ratings)
    X_fit, _, held = model.net_.train_split.split_entries(rows)
    assert held.nnz > 0
    scale = model.rating_scale_
    mean, columns, _ = shrunk_offsets(X_fit.toarray() * scale)
    during = (mean + columns) / scale
    for centre in record.centres:
        np.testing.assert_allclose(centre, during, rtol=1e-5, atol=1e-6)
    mean, columns, _ = shrunk_offsets(rows.toarray() * scale)
    np.testing.assert_allclose(
        model.baseline_.column_offsets, columns, rtol=1e-5, atol=1e-6
    )
    after = model.net_.module_.baseline.centre.numpy()
    np.testing.assert_allclose(after, (mean + columns) / scale, rtol=1e-5, atol=1e-6)
    assert np.abs(after - during).max() > 1e-3
