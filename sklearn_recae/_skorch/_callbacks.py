"""skorch callbacks of the package (public as :mod:`sklearn_recae.callbacks`)."""

import math

import numpy as np
import torch
from skorch.callbacks import Callback

from ..exceptions import DivergenceError
from ..metrics._ranking import RANKING_METRICS, per_user_values


class RankingScoring(Callback):
    """Record a ranking metric of the validation users after every epoch.

    After each epoch, the net scores the validation users from their fold-in
    (the validation dataset's inputs, ``dataset_valid.X``), removes the fold-in
    items from the ranking, and records the mean ``metric@k`` over the users
    with held-out items (``dataset_valid.y``) in the net's history under
    ``name``. Users without held-out items are skipped, as by the package's
    scorers. The ranking models of this package add one as ``valid_ndcg``
    (NDCG@100), the monitor of their early stopping; pass more through an
    estimator's ``callbacks`` to follow other metrics during training.

    The validation dataset is what the estimator's validation split makes:
    ``validation_fraction`` of the training users with part of their entries
    held out, or the ``X_val`` / ``y_val`` given to ``fit``. Without
    validation data (``early_stopping=False``) nothing is recorded. The scores
    are those of skorch's validation pass (its ``on_batch_end`` hands each
    batch's ``y_pred`` over, as skorch's ``EpochScoring(use_caching=True)``
    reuses them), so the validation users are run through the net once per
    epoch, not twice (for CDAE, one fold-in of their vectors, not two); the
    metric is computed batch by batch and only the per-user values are kept.
    Called without a validation pass (``on_epoch_end`` on a fitted net), it
    runs the net on the validation users itself, one batch at a time; memory
    is bounded like the scorers' (see :func:`~sklearn_recae.metrics.ndcg_at_k`).

    Parameters
    ----------
    k : int, default=100
        List length.
    metric : {'ndcg', 'recall', 'recall_n', 'precision'}, default='ndcg'
        The ranking metric, as :func:`~sklearn_recae.metrics.ndcg_at_k`,
        :func:`~sklearn_recae.metrics.recall_at_k`,
        :func:`~sklearn_recae.metrics.recall_n_at_k` and
        :func:`~sklearn_recae.metrics.precision_at_k` define it.
    name : str, default=None
        History key of the value; None means ``f"valid_{metric}"``.

    See Also
    --------
    sklearn_recae.metrics.ndcg_scorer : the same metric as a scorer for
        model selection.
    skorch.callbacks.EarlyStopping : stops on a history key, e.g. this one.

    Examples
    --------
    >>> from sklearn_recae import MultDAE
    >>> from sklearn_recae.callbacks import RankingScoring
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=100, n_items=40, values="binary",
    ...                       random_state=0)
    >>> recall = RankingScoring(k=10, metric="recall")
    >>> model = MultDAE(max_epochs=2, random_state=0,
    ...                 callbacks=[("valid_recall", recall)]).fit(X)
    >>> len(model.history_[:, "valid_recall"]), len(model.history_[:, "valid_ndcg"])
    (2, 2)
    """

    def __init__(self, k=100, *, metric="ndcg", name=None):
        self.k = k
        self.metric = metric
        self.name = name

    def initialize(self):
        if self.metric not in RANKING_METRICS:
            raise ValueError(
                f"Unknown ranking metric {self.metric!r}; choose one of "
                f"{sorted(RANKING_METRICS)}."
            )
        self._dataset_valid, self._n_scored, self._values = None, 0, []
        return self

    def on_epoch_begin(self, net, dataset_valid=None, **kwargs):
        self._dataset_valid, self._n_scored, self._values = dataset_valid, 0, []

    def on_batch_end(self, net, training=None, y_pred=None, **kwargs):
        dataset = getattr(self, "_dataset_valid", None)
        if training or y_pred is None or dataset is None:
            return
        scores = _scores(y_pred)
        rows = slice(self._n_scored, self._n_scored + scores.shape[0])
        self._n_scored = rows.stop
        batch = [(dataset.y[rows], scores, dataset.X[rows])]
        self._values.append(per_user_values(batch, self.metric, self.k))

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        if dataset_valid is None:
            return
        values = self._cached_values(dataset_valid)
        if values is None:  # no validation pass ran: score the users here
            values = per_user_values(
                self._batches(net, dataset_valid), self.metric, self.k
            )
        key = f"valid_{self.metric}" if self.name is None else self.name
        net.history.record(key, float(values.mean()))

    def _cached_values(self, dataset):
        """Per-user values from this epoch's validation pass, if it covered
        ``dataset``; the cache is emptied either way."""
        cached = getattr(self, "_dataset_valid", None) is dataset and (
            self._n_scored == len(dataset)
        )
        values = np.concatenate([np.empty(0), *self._values]) if cached else None
        self._dataset_valid, self._n_scored, self._values = None, 0, []
        return values

    @staticmethod
    def _batches(net, dataset):
        """``(held-out, scores, fold-in)`` of each batch of validation users."""
        start = 0
        for output in net.forward_iter(dataset):  # one batch of users at a time
            scores = _scores(output)
            rows = slice(start, start + scores.shape[0])
            start = rows.stop
            yield dataset.y[rows], scores, dataset.X[rows]


def _scores(output):
    """The dense float scores of a net's output (its first element)."""
    scores = (output[0] if isinstance(output, tuple) else output).detach().cpu()
    if scores.dtype not in (torch.float32, torch.float64):
        scores = scores.float()  # e.g. bfloat16 under autocast
    return scores.numpy()


class DivergenceGuard(Callback):
    """Stop training with a clear error as soon as a batch loss is not finite.

    Every estimator of this package adds one (as ``divergence_guard``), so a
    fit that diverges raises :class:`~sklearn_recae.exceptions.DivergenceError`
    (an ``ArithmeticError``) naming the epoch and what to change, instead of
    training on NaN weights to the end. Add it to a plain skorch net for the
    same behaviour.

    See Also
    --------
    sklearn_recae.exceptions.DivergenceError : what it raises.

    Examples
    --------
    >>> import torch
    >>> from skorch import NeuralNetRegressor
    >>> from sklearn_recae.callbacks import DivergenceGuard
    >>> from sklearn_recae.exceptions import DivergenceError
    >>> net = NeuralNetRegressor(torch.nn.Linear(1, 1), lr=1e30, max_epochs=5,
    ...                          train_split=None, verbose=0,
    ...                          callbacks=[DivergenceGuard()])
    >>> X = torch.ones(8, 1); y = 1e10 * torch.ones(8, 1)
    >>> try:
    ...     net.fit(X, y)
    ... except DivergenceError as error:
    ...     print(type(error).__name__)
    DivergenceError
    """

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        value = loss.item()
        if not math.isfinite(value):
            epoch = len(net.history)
            raise DivergenceError(
                f"The {'training' if training else 'validation'} loss became "
                f"{value} in epoch {epoch}: training diverged. Lower the learning "
                "rate (lr), scale the input values, or add regularisation."
            )
