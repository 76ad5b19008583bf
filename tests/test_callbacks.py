"""The public skorch callbacks (sklearn_recae.callbacks)."""

import numpy as np
import pytest
from sklearn.base import clone
from skorch import NeuralNet
from skorch.callbacks import Callback

from sklearn_recae import CDAE, MultDAE
from sklearn_recae._skorch import CSRDataset
from sklearn_recae.callbacks import RankingScoring
from sklearn_recae.datasets import make_interactions
from sklearn_recae.metrics import ndcg_at_k, precision_at_k, recall_at_k
from sklearn_recae.metrics._ranking import per_user_values
from sklearn_recae.model_selection import holdout_split


@pytest.fixture(scope="module")
def data():
    return make_interactions(n_users=120, n_items=30, values="binary", random_state=0)


@pytest.fixture(scope="module")
def fitted(data):
    return MultDAE(latent_dim=4, max_epochs=2, random_state=0).fit(data)


@pytest.mark.parametrize(
    "metric, function",
    [("ndcg", ndcg_at_k), ("recall", recall_at_k), ("precision", precision_at_k)],
)
def test_ranking_scoring_records_the_metric_of_the_validation_users(
    data, fitted, metric, function
):
    fold_in, fold_out = holdout_split(data, random_state=1)
    net = fitted.net_
    RankingScoring(k=5, metric=metric).on_epoch_end(
        net, dataset_valid=CSRDataset(fold_in, fold_out)
    )
    expected = function(fold_out, fitted.predict(fold_in), k=5, exclude=fold_in)
    assert net.history[-1, f"valid_{metric}"] == pytest.approx(expected)


def test_ranking_scoring_as_an_extra_callback_of_an_estimator(data):
    model = MultDAE(
        latent_dim=4,
        max_epochs=3,
        random_state=0,
        callbacks=[("recall", RankingScoring(k=10, metric="recall", name="r10"))],
    ).fit(data)
    assert len(model.history_[:, "r10"]) == 3
    assert all(0.0 <= value <= 1.0 for value in model.history_[:, "r10"])
    # the default scorer's key is untouched: early stopping still monitors it
    assert len(model.history_[:, "valid_ndcg"]) == 3


def test_ranking_scoring_records_nothing_without_validation_data(data):
    model = MultDAE(
        latent_dim=4,
        max_epochs=1,
        early_stopping=False,
        random_state=0,
        callbacks=[("ndcg", RankingScoring())],
    ).fit(data)
    assert "valid_ndcg" not in model.history_[-1]


def test_ranking_scoring_refuses_an_unknown_metric(data):
    model = MultDAE(
        latent_dim=4,
        max_epochs=1,
        random_state=0,
        callbacks=[("bad", RankingScoring(metric="auc"))],
    )
    with pytest.raises(ValueError, match="Unknown ranking metric 'auc'; choose one"):
        model.fit(data)


def test_per_user_values_is_one_loop_over_batches(data):
    """Batches of users give the same per-user values as the whole matrix, and
    users without held-out items are skipped."""
    fold_in, fold_out = holdout_split(data, random_state=2)
    scores = np.random.RandomState(0).rand(*data.shape)
    fold_out = fold_out.tolil()
    fold_out[3] = 0  # a user without held-out items
    fold_out = fold_out.tocsr()
    whole = per_user_values([(fold_out, scores, fold_in)], "ndcg", 10)
    batches = [
        (fold_out[rows], scores[rows], fold_in[rows])
        for rows in (slice(0, 7), slice(7, 50), slice(50, None))
    ]
    np.testing.assert_array_equal(per_user_values(batches, "ndcg", 10), whole)
    assert len(whole) == int((np.diff(fold_out.indptr) > 0).sum())
    assert per_user_values([], "ndcg", 10).shape == (0,)


class _Recompute(Callback):
    """After the package's scorer, score the validation users again by
    running the net, and count those extra passes."""

    def initialize(self):
        self.pairs = []
        return self

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        batches = RankingScoring._batches(net, dataset_valid)
        recomputed = per_user_values(batches, "ndcg", 100).mean()
        self.pairs.append((net.history[-1, "valid_ndcg"], recomputed))


@pytest.mark.parametrize("model", [MultDAE(latent_dim=4), CDAE(latent_dim=4)])
def test_ranking_scoring_reuses_the_validation_pass(data, model, monkeypatch):
    """The recorded NDCG is that of the net's scores, computed from skorch's
    validation pass: the net is not run on the validation users a second
    time (for CDAE, their vectors are folded in once per epoch)."""
    calls = []
    forward_iter = NeuralNet.forward_iter

    def counting(net, *args, **kwargs):
        calls.append(1)
        return forward_iter(net, *args, **kwargs)

    recompute = _Recompute()
    model = clone(model).set_params(
        max_epochs=3, random_state=0, callbacks=[("recompute", recompute)]
    )
    monkeypatch.setattr(NeuralNet, "forward_iter", counting)
    model.fit(data)
    assert len(calls) == len(recompute.pairs) == 3  # the recomputations only
    for recorded, recomputed in recompute.pairs:
        assert recorded == pytest.approx(recomputed, rel=1e-6)
