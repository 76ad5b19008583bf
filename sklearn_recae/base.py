"""Mixins every recommender builds on (public, for subclassing)."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches
from sklearn.utils.validation import check_is_fitted

from .utils._deprecation import resolve_renamed
from .utils._memory import budget_rows, check_memory
from .utils._topk import check_k, top_k
from .utils._validation import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    check_interactions,
)

_RECOMMEND_BYTES_PER_ENTRY = 32  # scores plus top-k temporaries per (user, item)
_PREDICT_COPIES = 2  # the scores and one post-processed copy
_FLOAT32 = 4


class RecommenderMixin:
    """Mixin for top-N recommenders: ``recommend``, ``score`` and tags.

    Subclasses implement ``fit(X, y=None)`` and ``predict(X)`` returning dense
    scores of shape (n_users, n_items), each row computed from that row of
    ``X`` only. ``score`` is NDCG@100 on held-out interactions.

    Input is checked by one policy per estimator, :meth:`_validate`: every
    entry point (``fit``, ``predict``, ``recommend``, ``score``,
    ``transform``, the package's scorers) converts to ``_input_dtype`` and
    refuses negative values when ``_non_negative`` is set. Subclasses change
    the class attributes, never the check.
    """

    _input_dtype = np.float32  # SVAE keeps float64 values: they order events
    _non_negative = True  # implicit feedback; rating models accept any sign

    def _validate(self, X, reset, require_interactions=None, *, dtype=None):
        """``X`` as canonical CSR under this estimator's input policy.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Input of any entry point.
        reset : bool
            True in ``fit`` (record ``n_features_in_``), False after (check it).
        require_interactions : bool, default=None
            Refuse an all-zero ``X``; None means ``reset`` (only ``fit`` needs
            an interaction).
        dtype : dtype or tuple of dtypes, default=None
            Overrides ``_input_dtype`` for callers that keep the input's
            precision (the scorers' temporal holdout); sign and item count
            are checked all the same.

        Returns
        -------
        X : scipy.sparse.csr_matrix of shape (n_users, n_items)
            Validated input; may share memory with ``X``, treat it as read-only.
        """
        return check_interactions(
            X,
            estimator=self,
            reset=reset,
            dtype=self._input_dtype if dtype is None else dtype,
            non_negative=self._non_negative,
            require_interactions=(
                reset if require_interactions is None else require_interactions
            ),
        )

    def recommend(self, X, k=10, *, exclude_seen=True, return_scores=False):
        """Top-``k`` items for each row of ``X``, best first.

        Rows are scored in batches that fit both scikit-learn's
        ``working_memory`` and the package memory budget
        (``SKLEARN_RECAE_MEMORY_BUDGET_MB``, else the memory available), so the
        full (n_users, n_items) score matrix is never held and ``recommend``
        works under the budget that makes ``predict(X)`` refuse.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Observed interactions of the users to recommend for.
        k : int, default=10
            Number of items per user, between 1 and ``n_items``.
        exclude_seen : bool, default=True
            Never recommend an item the user has in ``X``.
        return_scores : bool, default=False
            Also return the scores of the recommended items.

        Returns
        -------
        items : ndarray of shape (n_users, k)
            Item indices, best first (ties by lower index); ``-1`` pads a row
            that has fewer than ``k`` unseen items.
        scores : ndarray of shape (n_users, k)
            Only when ``return_scores=True``; ``-inf`` where padded.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        n_items = X.shape[1]
        k = check_k(k, n_items)
        row_bytes = n_items * _RECOMMEND_BYTES_PER_ENTRY
        check_memory(
            row_bytes,
            f"{type(self).__name__}.recommend's scores of one user over {n_items} "
            "items",
            "Reduce the catalogue (e.g. drop rare items).",
        )
        items, scores = [], []
        for batch, batch_scores in self._scored_batches(X, budget_rows(row_bytes)):
            top, top_scores = top_k(
                batch_scores,
                k,
                exclude=batch if exclude_seen else None,
                return_scores=True,
            )
            items.append(top)
            scores.append(top_scores)
        items = np.concatenate(items)
        if return_scores:
            return items, np.concatenate(scores)
        return items

    def _scored_batches(self, X, batch_rows):
        """Hook: ``(rows, predict(rows))`` for consecutive batches of ``X``'s
        rows (a model transductive in users scores all rows at once)."""
        for rows in gen_batches(X.shape[0], batch_rows):
            batch = X[rows]
            yield batch, self.predict(batch)

    def score(self, X, y=None):
        """NDCG@100 on held-out interactions.

        See :func:`~sklearn_recae.metrics.ndcg_scorer`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Fold-in interactions; with ``y=None``, whole rows of which a seeded
            random 20% per row is held out.
        y : {array-like, sparse matrix} of shape (n_users, n_items), default=None
            Held-out interactions of the same users.

        Returns
        -------
        score : float
            Mean NDCG@100 over users with held-out items.
        """
        from .metrics import ndcg_scorer

        return self._score_with(ndcg_scorer(k=100), X, y)

    def _check_dense_scores(self, X, copies=1):
        """Refuse, before allocating, dense scores for ``X`` over the budget."""
        n_users, n_items = X.shape
        check_memory(
            copies * n_users * n_items * _FLOAT32,
            f"{type(self).__name__}.predict's dense {n_users} x {n_items} scores",
            "Use recommend(X, k), which scores users in bounded batches, or "
            "predict on fewer rows at a time.",
        )

    def _score_with(self, scorer, X, y):
        check_is_fitted(self)
        return scorer(self, X, y)  # validates X under this estimator's policy

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = self._non_negative
        tags.target_tags.required = False
        return tags


class RatingMixin(RecommenderMixin):
    """Mixin for rating predictors: ``score`` is the negative masked RMSE.

    ``predict`` returns predicted ratings; ``recommend`` ranks by them.
    """

    def score(self, X, y=None):
        """Negative masked RMSE on held-out ratings.

        See :func:`~sklearn_recae.metrics.neg_rmse_scorer`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Fold-in ratings; with ``y=None``, whole rows of which a seeded
            random 20% per row is held out.
        y : {array-like, sparse matrix} of shape (n_users, n_items), default=None
            Held-out ratings of the same users.

        Returns
        -------
        score : float
            ``-RMSE`` over the held-out ratings (greater is better).
        """
        from .metrics import neg_rmse_scorer

        return self._score_with(neg_rmse_scorer(), X, y)


class BaseTorchRecommender(RecommenderMixin, BaseEstimator):
    """Base of the neural recommenders: builds a skorch net in ``fit`` and exposes it.

    Subclasses set ``_module_cls`` (a ``torch.nn.Module``) and implement
    ``_module_params(n_inputs)`` and ``_criterion()``; where they differ from
    the defaults, they set ``_net_cls`` (the skorch net; None means the
    package's ``RecommenderNet``, CSR rows densified one batch at a time) and
    ``_early_stopping_monitor``, and override ``_prepare(X)``, ``_rows(X)`` (the
    matrix whose rows are the training examples), ``_validation_rows``,
    ``_validation_callbacks()``, ``_optimizer_params(n_rows)``,
    ``_net_params()`` and ``_output(scores, X)``. The docs page "Writing a new
    model" describes each, with a worked example.

    Training is seeded from ``random_state`` inside ``torch.random.fork_rng``:
    torch's global random state is left untouched and two fits with the same
    seed on the same machine give the same model. Inference (``predict``,
    hence ``recommend`` and ``score``, and ``transform``) leaves it untouched
    too.
    """

    _net_cls = None  # None: sklearn_recae._skorch.RecommenderNet
    _early_stopping_monitor = ("valid_loss", True)  # (history key, lower is better)
    # Renamed parameters kept for one release, {old name: new name}: the old name
    # defaults to "deprecated"; fit warns when it is set and uses its value.
    _renamed_params = {}

    def _resolve_params(self):
        """Hook: record in ``_resolved_params`` the parameter values ``fit`` uses."""
        self._resolved_params = resolve_renamed(self)

    def _param(self, name):
        """The value ``fit`` uses for parameter ``name`` (its renames resolved)."""
        return getattr(self, "_resolved_params", {}).get(name, getattr(self, name))

    def _validation_callbacks(self):
        """Hook: callbacks that compute the early-stopping monitor."""
        return []

    def _rows(self, X):
        """The matrix whose rows are the training examples (users by default)."""
        return X

    def _prepare(self, X):
        """Hook: record what the model needs from the training matrix."""

    def _training_data(self, rows):
        """Hook: what ``net.fit`` receives (the rows, or a dataset built on them)."""
        return rows

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, X_val=None, y_val=None):
        """Train the network on the rows of ``X`` with skorch.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Training interactions; zero means not observed.
        y : None
            Ignored; present for scikit-learn API consistency.
        X_val : {array-like, sparse matrix} of shape (n_val_users, n_items), \
                default=None
            Validation users' observed entries (their fold-in), as
            ``HistGradientBoostingClassifier.fit``'s ``X_val``: with ``y_val``,
            early stopping scores predictions from ``X_val`` against ``y_val``
            after every epoch and no training data is carved out. Needs
            ``early_stopping=True``.
        y_val : {array-like, sparse matrix} of shape (n_val_users, n_items), \
                default=None
            The same users' held-out entries (their fold-out).

        Returns
        -------
        self : object
            The fitted estimator; ``net_`` holds the skorch net.
        """
        self._resolve_params()
        X = self._validate(X, reset=True)
        self._prepare(X)
        validation = self._check_validation_data(X_val, y_val)
        rows = self._rows(X)
        self._plan_training(rows.shape[0])
        self.net_ = self._fit_net(rows, validation)
        self.history_ = self.net_.history
        self.n_iter_ = len(self.history_)
        self._warn_if_capped()
        return self

    def _check_validation_data(self, X_val, y_val):
        """Validated ``(X_val, y_val)`` as net rows, or None without them."""
        if X_val is None and y_val is None:
            return None
        if X_val is None or y_val is None:
            raise ValueError(
                "Pass both X_val (the validation users' fold-in) and y_val (their "
                "held-out entries), or neither."
            )
        if not self.early_stopping:
            raise ValueError(
                "X_val and y_val are used for early stopping only, but "
                "early_stopping=False. Set early_stopping=True to use them."
            )
        X_val = self._validate(X_val, reset=False, require_interactions=False)
        y_val = self._validate(y_val, reset=False, require_interactions=False)
        if X_val.shape != y_val.shape:
            raise ValueError(
                f"X_val and y_val must have the same shape; got {X_val.shape} and "
                f"{y_val.shape}."
            )
        if y_val.nnz == 0:
            raise ValueError(
                "y_val has no entries: validation needs held-out entries to score."
            )
        return self._validation_rows(X_val, y_val)

    def _validation_rows(self, X_val, y_val):
        """Hook: the net's validation (inputs, targets) from validated arrays."""
        return self._rows(X_val), self._rows(y_val)

    # Training length when max_epochs / n_iter_no_change are "auto": at least
    # ``_auto_epochs`` epochs and ``_auto_updates`` optimizer updates, patience
    # of at least ``_auto_patience`` epochs and ``_auto_patience_updates``
    # updates, so small data sets (one update an epoch) train long enough.
    _auto_epochs = 200
    _auto_updates = 4000
    _auto_patience = 20
    _auto_patience_updates = 300
    _auto_decay_updates = 500  # lr_decay_every="auto": decay every ~500 updates,
    _auto_decay_max_epochs = 10  # but at least every 10 epochs (small data)

    def _plan_training(self, n_rows):
        """Resolve the "auto" schedules (``n_batches_``, ``max_epochs_``,
        ``n_iter_no_change_``, ``lr_decay_every_``) for ``n_rows`` rows."""
        self.n_batches_ = max(1, math.ceil(n_rows / self.batch_size))
        self.max_epochs_ = _resolve_auto(
            self.max_epochs, self._auto_epochs, self._auto_updates, self.n_batches_
        )
        self.n_iter_no_change_ = _resolve_auto(
            self.n_iter_no_change,
            self._auto_patience,
            self._auto_patience_updates,
            self.n_batches_,
        )
        self.lr_decay_every_ = _resolve_auto(
            self.lr_decay_every, 1, self._auto_decay_updates, self.n_batches_
        )
        if self.lr_decay_every == "auto":
            self.lr_decay_every_ = min(
                self.lr_decay_every_, self._auto_decay_max_epochs
            )

    def _warn_if_capped(self):
        """Warn (``ConvergenceWarning``) when early stopping did not end the fit."""
        if not self.early_stopping or self.n_iter_ < self.max_epochs_:
            return
        monitor, lower_is_better = self._early_stopping_monitor
        scores = np.asarray(self.history_[:, monitor], dtype=float)
        best = int(np.argmin(scores) if lower_is_better else np.argmax(scores)) + 1
        if self.n_iter_ - best >= self.n_iter_no_change_:
            return  # stopped by patience exactly at the cap
        warnings.warn(
            f"{type(self).__name__} reached max_epochs={self.max_epochs_} "
            f"({self.max_epochs_ * self.n_batches_} updates) before early stopping "
            f"ended the fit: {monitor} was best at epoch {best}, "
            f"{self.n_iter_ - best} epochs before the end (patience "
            f"{self.n_iter_no_change_}). The model may be undertrained; increase "
            "max_epochs or the learning rate.",
            ConvergenceWarning,
            stacklevel=4,
        )

    def _callbacks(self):
        from skorch.callbacks import EarlyStopping, LRScheduler, ProgressBar

        from ._skorch._callbacks import DivergenceGuard

        callbacks = [("divergence_guard", DivergenceGuard())]
        if self.early_stopping:
            monitor, lower_is_better = self._early_stopping_monitor
            callbacks += self._validation_callbacks()
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor=monitor,
                        lower_is_better=lower_is_better,
                        patience=self.n_iter_no_change_,
                        load_best=True,
                        sink=print if self.verbose else _silent,
                    ),
                )
            )
        if self.lr_decay_every_ is not None:
            callbacks.append(
                (
                    "lr_decay",
                    LRScheduler(
                        "StepLR", step_size=self.lr_decay_every_, gamma=self.lr_decay
                    ),
                )
            )
        if self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks + list(self.callbacks or [])

    def _train_split(self, seed):
        if not self.early_stopping:
            return None
        from ._skorch._splits import EntryHoldoutSplit

        return EntryHoldoutSplit(self.validation_fraction, random_state=seed)

    def _optimizer_params(self, n_rows):
        return {}

    def _net_cls_and_placement(self, device):
        """The skorch net class and its placement arguments."""
        net_cls = self._net_cls
        if net_cls is None:
            from ._skorch._nets import RecommenderNet as net_cls
        if self.accelerator is None:
            return net_cls, {"device": device}
        from ._accelerate import accelerated

        sink = getattr(self.accelerator, "print", print) if self.verbose else _silent
        return accelerated(net_cls), {
            "accelerator": self.accelerator,
            "device": None,
            "callbacks__print_log__sink": sink,
        }

    def _build_net(self, rows, device, seed, validation=None):
        from ._skorch._splits import PredefinedValidation

        net_cls, placement = self._net_cls_and_placement(device)
        if validation is None:
            train_split = self._train_split(seed)
        else:
            train_split = PredefinedValidation(*validation)
        return net_cls(
            module=self._module_cls,
            criterion=self._criterion(),
            optimizer=_resolve_optimizer(self.optimizer),
            lr=self.lr,
            max_epochs=self.max_epochs_,
            batch_size=self.batch_size,
            train_split=train_split,
            callbacks=self._callbacks(),
            **placement,
            verbose=int(self.verbose >= 1),
            **{
                f"module__{k}": v for k, v in self._module_params(rows.shape[1]).items()
            },
            **{
                f"optimizer__{k}": v
                for k, v in self._optimizer_params(rows.shape[0]).items()
            },
            **_fused_step(self.optimizer, device, getattr(self, "accelerator", None)),
            precision=self._resolve_precision(device),
            **self._net_params(),
        )

    def _resolve_precision(self, device):
        """``precision_``: 'float32' or 'bfloat16' (see the estimators' docs)."""
        from .utils._device import bfloat16_speedup

        if not hasattr(self, "precision"):  # ELSA: float32 only, no precision_
            return "float32"
        precision = self.precision
        if getattr(self, "accelerator", None) is not None:
            precision = "float32"  # the accelerator's mixed_precision decides
        elif precision == "auto":
            faster = bfloat16_speedup(device) >= _BFLOAT16_MIN_SPEEDUP
            precision = "bfloat16" if faster else "float32"
        self.precision_ = precision
        return precision

    def _net_params(self):
        return {}

    def _fit_net(self, rows, validation=None):
        import torch
        from sklearn.utils import check_random_state

        from .utils._device import resolve_device

        device = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        cuda = [torch.device(device)] if device.startswith("cuda") else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            net = self._build_net(rows, device, seed, validation)
            net.fit(self._training_data(rows), None)
        return net

    def _forward(self, rows):
        """Dense module outputs for every row of ``rows`` (CSR), batch by batch."""
        out = np.empty(rows.shape, dtype=np.float32)
        start = 0
        for batch in self.net_.forward_iter(rows, training=False):
            batch = batch[0] if isinstance(batch, tuple) else batch
            stop = start + batch.shape[0]
            out[start:stop] = batch.numpy()
            start = stop
        return out

    def predict(self, X):
        """Module outputs for each row of ``X``, computed from that row's entries.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Observed interactions of the users to score.

        Returns
        -------
        scores : ndarray of shape (n_users, n_items)
            Dense float32 scores (predicted ratings for rating models).
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        self._check_dense_scores(X, copies=_PREDICT_COPIES)
        with torch_rng_untouched():
            return self._output(self._scores(X), X)

    def _scores(self, X):
        """Hook: dense module outputs for the rows of validated ``X``."""
        return self._forward(self._rows(X))

    def _output(self, scores, X):
        """Hook: post-process the scores (e.g. clip ratings)."""
        return scores

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.device != "cpu"
        return tags


def torch_rng_untouched():
    """Context in which torch's global CPU random state is saved and restored.

    Inference draws from it although it samples nothing: every ``DataLoader``
    iterator takes its base seed from the global generator. Modules sample only
    in training mode, so the CPU generator is the one to keep.

    Returns
    -------
    context : context manager
        ``torch.random.fork_rng`` over the CPU generator only.
    """
    import torch

    return torch.random.fork_rng(devices=[])


def _resolve_auto(value, min_epochs, min_updates, n_batches):
    """``value``, or for "auto" the epochs giving both minimums."""
    if value != "auto":
        return value
    return max(min_epochs, math.ceil(min_updates / n_batches))


def _silent(*args, **kwargs):
    """A sink that prints nothing (early stopping's message when not verbose)."""


OPTIMIZERS = ("adam", "adamw", "sgd", "adagrad", "rmsprop")

TORCH_PARAMETER_CONSTRAINTS = {
    "lr": [Interval(Real, 0, None, closed="neither")],
    "lr_decay": [Interval(Real, 0, 1, closed="right")],
    "lr_decay_every": [
        Interval(Integral, 1, None, closed="left"),
        StrOptions({"auto"}),
        None,
    ],
    "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "optimizer": [StrOptions(set(OPTIMIZERS)), type],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [
        Interval(Integral, 1, None, closed="left"),
        StrOptions({"auto"}),
    ],
    "device": [str],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "callbacks": [list, None],
    "accelerator": [HasMethods(["prepare", "backward"]), None],
    "precision": [StrOptions({"auto", "float32", "bfloat16"})],
}

# bfloat16 training under precision="auto" only where its products measure
# at least this much faster than float32 (see utils._device.bfloat16_speedup)
_BFLOAT16_MIN_SPEEDUP = 2.0


# built-in optimizers with a fused step in torch, and the devices it runs on
_FUSED_OPTIMIZERS = {
    "adam": ("cpu", "cuda"),
    "adamw": ("cpu", "cuda"),
    "sgd": ("cpu", "cuda"),
    "adagrad": ("cpu",),
}


def _fused_step(optimizer, device, accelerator):
    """``optimizer__fused=True`` for a built-in optimizer that torch fuses.

    torch's fused step is the same update in one pass over the parameters
    (Adam 4-5x, SGD with momentum 2.5x faster than its per-tensor loop on
    CPU); RMSprop, classes given by the caller and accelerate-managed nets keep
    torch's default.
    """
    import torch

    if not isinstance(optimizer, str) or accelerator is not None:
        return {}
    if torch.device(device).type not in _FUSED_OPTIMIZERS.get(optimizer, ()):
        return {}
    return {"optimizer__fused": True}


def _resolve_optimizer(optimizer):
    import torch

    if isinstance(optimizer, str):
        return {
            "adam": torch.optim.Adam,
            "adamw": torch.optim.AdamW,
            "sgd": torch.optim.SGD,
            "adagrad": torch.optim.Adagrad,
            "rmsprop": torch.optim.RMSprop,
        }[optimizer]
    return optimizer
