"""AutoRec (Sedhain et al. 2015): item- and user-based rating autoencoders."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import gen_batches

from ._rating_autoencoder import RatingAutoencoder
from ._skorch._nets import RecommenderNet
from .base import TORCH_PARAMETER_CONSTRAINTS
from .nn import AutoRecModule, MaskedMSELoss
from .nn._modules import ACTIVATIONS
from .utils._deprecation import deprecated_constraint
from .utils._validation import Interval, StrOptions

_DEFAULT_L2 = {"item": 3e-4, "user": 5e-4}


class AutoRec(RatingAutoencoder):
    """AutoRec: a one-hidden-layer autoencoder of partially observed ratings.

    Each input vector is reconstructed through ``h(r) = f(W g(V r + mu) + b)``
    (Sedhain et al. 2015, eq. 1), minimising the squared error over observed
    ratings only plus an L2 penalty on the weights (eq. 2):

    .. math::

        \\min_\\theta \\sum_r \\| r - h(r; \\theta) \\|_{\\mathcal{O}}^2
        + \\frac{\\lambda}{2} (\\|W\\|_F^2 + \\|V\\|_F^2)

    ``variant='user'`` (U-AutoRec) reconstructs user rows over items and is
    inductive: any user is scored from their observed ratings.
    ``variant='item'`` (I-AutoRec, the paper's better model) reconstructs item
    columns over the training users, so its parameters are tied to those users
    (transductive): ``predict(X)`` requires ``X`` to hold exactly the training
    users' rows, in training order (their current ratings are the input item
    vectors), and refuses any other number of rows with a ``ValueError``. Use it
    for weak generalization (e.g. ``WeakGeneralizationSplit``); use
    ``variant='user'`` to score new users.

    Training is mini-batch Adam on skorch with the learning rate halved about
    every 500 updates (the paper used L-BFGS / RProp on the full objective) and
    early stopping on held-out ratings. Each update minimises the mean squared
    error *per observed rating* of the batch plus ``l2 / 2 * ||W||^2`` on the
    weights (weight decay ``l2``), with ratings divided by ``rating_scale_``:
    the penalty per rating is the same on 943 users as on 6,040, and on any
    rating scale (eq. 2 with λ proportional to the number of ratings).
    Predictions are clipped to the training rating range; items without any
    training rating and rows without ratings get the bias baseline (without
    it, the global mean and the item means). Memory: one dense batch of
    ``batch_size`` rows at a time.

    Parameters
    ----------
    variant : {'item', 'user'}, default='item'
        I-AutoRec (item vectors over users) or U-AutoRec (user vectors).
    latent_dim : int, default=500
        Size of the code, the one hidden layer (the paper's k = 500).
    activation : str, default='sigmoid'
        Activation g of the hidden layer.
    output_activation : str, default='identity'
        Output activation f.
    l2 : float or None, default=None
        Weight decay on the weights, per update, against the mean squared
        error per observed (scaled) rating. None takes 3e-4 for
        ``variant='item'`` (ML-1M validation RMSE 0.8476, against 0.8506 at
        1.5e-4 and 0.8548 at 6e-4) and 5e-4 for ``variant='user'``; they equal
        the former λ = 300 and 500 of the per-row objective on ML-1M.
    baseline : {'bias'} or None, default='bias'
        ``'bias'``: the network's output is added to a user + item bias
        baseline (global mean plus item and user offsets shrunk with 5
        pseudo-ratings, Koren 2010, eq. 2-3; ``baseline_``), whose row offset
        comes from the row's observed ratings; the network learns only what
        the baseline misses, which keeps small data sets from losing to it.
        The network's last layer starts at zero (training starts from the
        baseline), its correction of item ``j`` is shrunk like the item's
        offset, by ``n_j / (5 + n_j)`` for ``n_j`` training ratings, and an
        item unseen in training gets the baseline. While early stopping
        scores epochs the baseline leaves out the carved-out ratings, then it
        is re-estimated on all of them. The input is the ratings, as in the
        paper. None: the paper's model.
    lr : float, default=1e-3
        Learning rate.
    lr_decay : float, default=0.5
        Factor applied to the learning rate every ``lr_decay_every`` epochs
        (skorch's ``LRScheduler`` with torch's ``StepLR``).
    lr_decay_every : int, 'auto' or None, default='auto'
        Epochs between learning-rate decays; ``'auto'``: about every 500
        updates but at least every 10 epochs (``lr_decay_every_``; on a few
        hundred rows an epoch is a few updates, and a rate that stays high for
        50 epochs overfits: U-AutoRec validation RMSE on ML-latest-small
        0.8567 against 0.8601, on ML-100K 0.9235 against 0.9249); None keeps it
        constant.
    max_epochs : int or 'auto', default='auto'
        Most passes over the training rows. ``'auto'``: enough for at least
        4,000 updates and at least 100 epochs (``max_epochs_``); early stopping
        normally ends the fit first, and a ``ConvergenceWarning`` says so when
        the cap does.
    batch_size : int, default=64
        Rows per mini-batch.
    optimizer : {'adam', 'adamw', 'sgd', 'adagrad', 'rmsprop'} or class, \
            default='adam'
        torch optimizer (built-in names but 'rmsprop'
        take torch's fused step on CPU, Adam, AdamW and SGD also on CUDA).
    early_stopping : bool, default=True
        Stop when the masked MSE of held-out ratings has not improved for
        ``n_iter_no_change_`` epochs, keeping the best epoch's weights
        (skorch's ``EarlyStopping``). The held-out ratings are ``fit``'s
        ``y_val`` given ``X_val``, else ``validation_fraction`` of every
        training row's ratings.
    validation_fraction : float, default=0.1
        Without ``X_val``: the share of each row's ratings held out.
    n_iter_no_change : int or 'auto', default='auto'
        Patience of early stopping, in epochs. ``'auto'``: at least 10 epochs
        and at least 300 updates (``n_iter_no_change_``).
    device : {'cpu', 'cuda', 'auto'} or str, default='cpu'
        torch device; a clear error if CUDA is asked for and absent.
    precision : {'auto', 'float32', 'bfloat16'}, default='auto'
        Arithmetic of the training steps' forward pass and loss:
        ``torch.autocast`` to bfloat16 or float32 (see :ref:`scale`); 'auto'
        takes bfloat16 where it measures 2× faster (the choice: ``precision_``).
        Ignored with ``accelerator``.
    random_state : int, RandomState instance or None, default=None
        Seed of initialisation, shuffling and the validation split.
    verbose : int, default=0
        0: silent; 1: skorch's epoch table; 2: also skorch's progress bar.
    callbacks : list of (str, skorch Callback) or None, default=None
        Extra skorch callbacks, e.g. checkpoints or learning-rate schedules.
    accelerator : accelerate.Accelerator or None, default=None
        Train through skorch's Hugging Face ``AccelerateMixin`` (multi-GPU,
        mixed precision); the accelerator places the data and ``device`` is
        ignored. Such a fitted estimator does not pickle: save the weights
        with ``net_.save_params``. See :ref:`scale`.
    hidden_dim : int, default='deprecated'
        Former name of ``latent_dim``, used when set.

        .. deprecated:: 0.1
           ``hidden_dim`` was renamed ``latent_dim`` (the glossary's name for
           the size of the code) and will be removed in 0.2.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net (history, callbacks, ``save_params``).
    precision_ : {'float32', 'bfloat16'}
        The arithmetic training ran in (``precision`` resolved).
    history_ : skorch.History
        Per-epoch training (and validation) losses.
    max_epochs_ : int
        The epoch cap used (``max_epochs`` resolved).
    n_iter_no_change_ : int
        The patience used (``n_iter_no_change`` resolved).
    n_batches_ : int
        Updates per epoch.
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
        Number of items.
    rating_scale_ : float
        Spread of the training ratings (their standard deviation, at least a
        quarter of their root mean square); the network sees ratings divided
        by it, so ``lr`` and ``l2`` mean the same on any scale.
    n_users_fit_ : int
        Number of training users (rows of ``X`` at fit).
    baseline_ : RatingBaseline or None
        The bias baseline over the network's rows (``mean``,
        ``column_offsets`` per input unit, ``predict(rows)``); None with
        ``baseline=None``.
    rating_stats_ : RatingStatistics
        Training rating range (``low``, ``high``), ``global_mean`` and
        ``item_means``: the clipping range and fall-backs of ``predict``.

    References
    ----------
    .. [1] S. Sedhain, A. K. Menon, S. Sanner, L. Xie. "AutoRec: Autoencoders
       Meet Collaborative Filtering." WWW 2015 Companion.
       https://doi.org/10.1145/2740908.2742726

    Examples
    --------
    >>> from sklearn_recae import AutoRec
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=60, n_items=30, random_state=0)
    >>> model = AutoRec(variant="user", latent_dim=8, max_epochs=2,
    ...                 random_state=0).fit(X)
    >>> model.predict(X[:2]).shape
    (2, 30)
    """

    _net_cls = RecommenderNet
    _module_cls = AutoRecModule
    _parameter_constraints = {
        "variant": [StrOptions({"item", "user"})],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "output_activation": [StrOptions(set(ACTIVATIONS))],
        "baseline": [StrOptions({"bias"}), None],
        "l2": [Interval(Real, 0, None, closed="left"), None],
        **TORCH_PARAMETER_CONSTRAINTS,
        "hidden_dim": deprecated_constraint(
            [Interval(Integral, 1, None, closed="left")]
        ),
    }
    _renamed_params = {"hidden_dim": "latent_dim"}

    def __init__(
        self,
        variant="item",
        *,
        latent_dim=500,
        activation="sigmoid",
        output_activation="identity",
        l2=None,
        baseline="bias",
        lr=1e-3,
        lr_decay=0.5,
        lr_decay_every="auto",
        max_epochs="auto",
        batch_size=64,
        optimizer="adam",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change="auto",
        device="cpu",
        precision="auto",
        random_state=None,
        verbose=0,
        callbacks=None,
        accelerator=None,
        hidden_dim="deprecated",
    ):
        self.variant = variant
        self.latent_dim = latent_dim
        self.activation = activation
        self.output_activation = output_activation
        self.l2 = l2
        self.baseline = baseline
        self.lr = lr
        self.lr_decay = lr_decay
        self.lr_decay_every = lr_decay_every
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.accelerator = accelerator
        self.hidden_dim = hidden_dim

    def _module_params(self, n_inputs):
        return {
            "n_inputs": n_inputs,
            "hidden_dim": self._param("latent_dim"),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "output_bias": self._output_bias(),
            "zero_output": self.baseline_ is not None,
            "baseline": self._baseline_params(),
        }

    def _criterion(self):
        return MaskedMSELoss(reduction="observed")

    def _optimizer_params(self, n_rows):
        l2 = self.l2 if self.l2 is not None else _DEFAULT_L2[self.variant]
        return {"param_groups": [("*.weight", {"weight_decay": l2})]}

    def _prepare(self, X):
        super()._prepare(X)
        self.n_users_fit_ = X.shape[0]

    @property
    def _rows_are_users(self):
        return self.variant != "item"

    def _rows(self, X):
        rows = super()._rows(X)
        return rows.T.tocsr() if self.variant == "item" else rows

    def _scores(self, X):
        if self.variant == "user":
            return super()._scores(X)
        self._check_training_users(X)
        return np.ascontiguousarray(self._forward(self._rows(X)).T)

    def _scored_batches(self, X, batch_rows):
        if self.variant == "user":
            yield from super()._scored_batches(X, batch_rows)
            return
        scores = self.predict(X)  # the item vectors span all training users
        for rows in gen_batches(X.shape[0], batch_rows):
            yield X[rows], scores[rows]

    def _validation_rows(self, X_val, y_val):
        if self.variant == "item":
            self._check_training_users(X_val, "fit's X_val")
        return super()._validation_rows(X_val, y_val)

    def _check_training_users(self, X, what="predict"):
        if X.shape[0] != self.n_users_fit_:
            raise ValueError(
                f"AutoRec(variant='item') is transductive in users: {what} needs "
                f"the {self.n_users_fit_} training users' rows in training order, "
                f"got {X.shape[0]} rows. Score the training users all at once (a "
                "scorer batches rows only beyond scikit-learn's working_memory), or "
                "use variant='user' to score new users."
            )
