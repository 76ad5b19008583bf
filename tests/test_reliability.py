"""Faults in training and persistence, for every neural estimator."""

import pickle

import numpy as np
import pytest
from skorch.callbacks import Callback

from sklearn_recae import CDAE, SVAE, AutoRec, DeepRec, MultDAE, MultVAE

TINY = dict(max_epochs=4, batch_size=32, random_state=0)
ESTIMATORS = {
    "autorec-user": lambda **kw: AutoRec(variant="user", latent_dim=8, **kw),
    "deeprec": lambda **kw: DeepRec(
        hidden_dims=(), latent_dim=8, optimizer="adam", **kw
    ),
    "multvae": lambda **kw: MultVAE(hidden_dims=(8,), latent_dim=4, **kw),
    "multdae": lambda **kw: MultDAE(latent_dim=4, **kw),
    "cdae": lambda **kw: CDAE(latent_dim=4, **kw),
    "svae": lambda **kw: SVAE(
        embedding_dim=4, rnn_dim=4, hidden_dim=4, latent_dim=2, **kw
    ),
}


class _InterruptAt(Callback):
    """Raise KeyboardInterrupt at the end of epoch ``epoch`` (as Ctrl+C would)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("name", ESTIMATORS)
def test_interrupted_fit_leaves_a_usable_model(ratings, name):
    model = ESTIMATORS[name](**TINY, callbacks=[("stop", _InterruptAt(2))])
    model.fit(ratings)
    assert len(model.history_) == 2  # skorch stops cleanly after the interrupt
    scores = model.predict(ratings[:10])
    assert scores.shape == (10, ratings.shape[1]) and np.isfinite(scores).all()


@pytest.mark.parametrize("name", ESTIMATORS)
def test_refit_starts_from_scratch(ratings, name):
    """Fitting other data first changes nothing of the next fit."""
    fresh = ESTIMATORS[name](**TINY).fit(ratings).predict(ratings[:20])
    model = ESTIMATORS[name](**TINY).fit(ratings[::-1][:150])
    np.testing.assert_array_equal(model.fit(ratings).predict(ratings[:20]), fresh)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_torch_weights_alone_save_and_load(ratings, tmp_path, name):
    """The documented path: ``net_.save_params`` then ``net_.load_params`` into
    an estimator fitted (briefly) on data of the same shape."""
    model = ESTIMATORS[name](**TINY).fit(ratings)
    path = tmp_path / "weights.pt"
    model.net_.save_params(f_params=path)
    other = ESTIMATORS[name](**{**TINY, "max_epochs": 1, "random_state": 1})
    other.fit(ratings)
    other.net_.load_params(f_params=path)
    np.testing.assert_array_equal(other.predict(ratings), model.predict(ratings))
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(ratings), model.predict(ratings))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_dense_predict_over_the_memory_budget_is_refused(ratings, monkeypatch, name):
    """predict's dense scores are estimated first; recommend still works, in
    batches under scikit-learn's working_memory."""
    from sklearn import config_context

    from sklearn_recae.utils import InsufficientMemoryError

    model = ESTIMATORS[name](**TINY).fit(ratings)
    expected = model.recommend(ratings, k=3)
    n_users, n_items = ratings.shape
    budget_mb = n_users * n_items * 4 / 2**20  # one copy fits, two do not
    monkeypatch.setenv("SKLEARN_RECAE_MEMORY_BUDGET_MB", str(budget_mb))
    with pytest.raises(InsufficientMemoryError, match=r"predict's dense .* recommend"):
        model.predict(ratings)
    with config_context(working_memory=budget_mb / 8):
        np.testing.assert_array_equal(model.recommend(ratings, k=3), expected)
