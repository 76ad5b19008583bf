"""DeepRec (Kuchaiev & Ginsburg 2017): a deep user-based rating autoencoder."""

import warnings
from numbers import Integral, Real

from ._rating_autoencoder import RatingAutoencoder
from ._skorch._nets import RefeedingNet
from .base import TORCH_PARAMETER_CONSTRAINTS
from .nn import DeepRecModule, MaskedMSELoss
from .nn._modules import ACTIVATIONS
from .utils._deprecation import deprecated_constraint
from .utils._validation import Hidden, Interval, StrOptions

_DEFAULT_HIDDEN_DIMS = (512, 512)
_DEFAULT_LATENT_DIM = 1024


class DeepRec(RatingAutoencoder):
    """DeepRec: NVIDIA's deep autoencoder for rating prediction.

    A user's ratings ``x`` (items as inputs) pass a deep encoder of SELU layers,
    dropout on the code, and a mirrored decoder with a linear last layer,
    trained on the masked mean squared error over observed ratings (MMSE,
    Kuchaiev & Ginsburg 2017, eq. 1) with SGD and momentum. *Dense
    re-feeding* (section 2.3): after each update on ``x``, the dense output
    ``f(x)`` is fed back as both input and target for a second update, as
    NVIDIA's reference does once per batch (``refeed_steps=1``).

    Defaults follow NVIDIA's reference (SELU, 512-512-1024, dropout 0.8 on the
    code, SGD with momentum 0.9, weight decay 0.001, one re-feeding step) except
    the batch size and learning rate: NVIDIA's 128 users and 0.005 suit Netflix's
    480k users, but give ML-1M's 6,040 users only 47 updates an epoch; 32 was
    chosen on a validation split of ML-1M's training ratings, and 0.03 on those
    of ML-1M, ML-100K and ML-latest-small. Over the bias baseline the last
    layer starts at zero; without it, its bias starts at the mean training
    rating.

    DeepRec is inductive: any user is scored from their observed ratings.
    Predictions are clipped to the training rating range; items without any
    training rating and rows without ratings get the bias baseline (without
    it, the global mean and the item means). Memory: one dense batch of
    ``batch_size`` users at a time.

    Parameters
    ----------
    hidden_dims : tuple of int, default=(512, 512)
        Sizes of the encoder's hidden layers before the code, input side
        first; the decoder mirrors them.

        .. versionchanged:: 0.1
           The code is no longer the last of ``hidden_dims`` but
           ``latent_dim``: the former ``hidden_dims=(512, 512, 1024)`` is
           ``hidden_dims=(512, 512), latent_dim=1024``.
    latent_dim : int, default=1024
        Size of the code, the encoder's last layer (after ``hidden_dims``),
        on which ``code_dropout`` acts.

        .. versionchanged:: 0.1
           Until 0.2, leaving ``latent_dim`` unset with ``hidden_dims`` other
           than the default takes the last of ``hidden_dims`` as the code (the
           former meaning), with a FutureWarning; set ``latent_dim`` to
           silence it.
    activation : str, default='selu'
        Activation of every hidden layer (the code's included).
    code_dropout : float in [0, 1), default=0.8
        Dropout probability on the code, in training only (NVIDIA's
        ``drop_prob``); the input is not dropped.
    refeed_steps : int, default=1
        Dense re-feeding updates per batch (0 disables it).
    l2 : float, default=0.001
        Weight decay on the weights (NVIDIA's ``weight_decay``).
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
    lr : float, default=0.03
        Learning rate. 0.03 over the zero-started last layer: validation RMSE
        on ML-latest-small 0.8577 against 0.8633 at 0.01 (12 epochs), on
        ML-100K 0.9220 against 0.9288 (20 epochs), on ML-1M 0.8755 after 35
        epochs (0.8831 after 40 for the defaults before the baseline).
    lr_decay : float, default=0.5
        Factor applied to the learning rate every ``lr_decay_every`` epochs
        (skorch's ``LRScheduler`` with torch's ``StepLR``).
    lr_decay_every : int or None, default=None
        Epochs between learning-rate decays; None keeps it constant.
    momentum : float, default=0.9
        SGD momentum (used when ``optimizer='sgd'``).
    max_epochs : int or 'auto', default='auto'
        Most passes over the training rows. ``'auto'``: enough for at least
        4,000 updates and at least 100 epochs (``max_epochs_``); early stopping
        normally ends the fit first, and a ``ConvergenceWarning`` says so when
        the cap does.
    batch_size : int, default=32
        Users per mini-batch.
    optimizer : {'adam', 'adamw', 'sgd', 'adagrad', 'rmsprop'} or class, \
            default='sgd'
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
    precision : {'auto', 'float32', 'bfloat16'}, default='float32'
        Arithmetic of the training steps' forward pass and loss:
        ``torch.autocast`` to bfloat16 or float32 (see :ref:`scale`); 'auto'
        takes bfloat16 where it measures 2× faster (the choice: ``precision_``).
        Ignored with ``accelerator``.
    random_state : int, RandomState instance or None, default=None
        Seed of initialisation, dropout, shuffling and the validation split.
    verbose : int, default=0
        0: silent; 1: skorch's epoch table; 2: also skorch's progress bar.
    callbacks : list of (str, skorch Callback) or None, default=None
        Extra skorch callbacks.
    accelerator : accelerate.Accelerator or None, default=None
        Train through skorch's Hugging Face ``AccelerateMixin`` (multi-GPU,
        mixed precision); the accelerator places the data and ``device`` is
        ignored. Such a fitted estimator does not pickle: save the weights
        with ``net_.save_params``. See :ref:`scale`.
    dropout : float in [0, 1), default='deprecated'
        Former name of ``code_dropout``, used when set.

        .. deprecated:: 0.1
           ``dropout`` was renamed ``code_dropout``: in the glossary,
           ``dropout`` is input dropout, and DeepRec drops the code. It will
           be removed in 0.2.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net.
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
    baseline_ : RatingBaseline or None
        The bias baseline over the network's rows (``mean``,
        ``column_offsets`` per input unit, ``predict(rows)``); None with
        ``baseline=None``.
    rating_stats_ : RatingStatistics
        Training rating range (``low``, ``high``), ``global_mean`` and
        ``item_means``: the clipping range and fall-backs of ``predict``.

    References
    ----------
    .. [1] O. Kuchaiev, B. Ginsburg. "Training Deep AutoEncoders for
       Collaborative Filtering." arXiv:1708.01715, 2017.
       https://doi.org/10.48550/arXiv.1708.01715

    Examples
    --------
    >>> from sklearn_recae import DeepRec
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=60, n_items=30, random_state=0)
    >>> model = DeepRec(hidden_dims=(16,), latent_dim=8, max_epochs=2,
    ...                 random_state=0).fit(X)
    >>> model.predict(X[:2]).shape
    (2, 30)
    """

    _net_cls = RefeedingNet
    _module_cls = DeepRecModule
    _parameter_constraints = {
        "hidden_dims": [tuple, list],
        "latent_dim": [
            Interval(Integral, 1, None, closed="left"),
            Hidden(StrOptions({"warn"})),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "code_dropout": [Interval(Real, 0, 1, closed="left")],
        "refeed_steps": [Interval(Integral, 0, None, closed="left")],
        "baseline": [StrOptions({"bias"}), None],
        "l2": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        **TORCH_PARAMETER_CONSTRAINTS,
        "dropout": deprecated_constraint([Interval(Real, 0, 1, closed="left")]),
    }
    _renamed_params = {"dropout": "code_dropout"}

    def __init__(
        self,
        hidden_dims=_DEFAULT_HIDDEN_DIMS,
        *,
        latent_dim="warn",
        activation="selu",
        code_dropout=0.8,
        refeed_steps=1,
        l2=0.001,
        baseline="bias",
        lr=0.03,
        lr_decay=0.5,
        lr_decay_every=None,
        momentum=0.9,
        max_epochs="auto",
        batch_size=32,
        optimizer="sgd",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change="auto",
        device="cpu",
        precision="float32",
        random_state=None,
        verbose=0,
        callbacks=None,
        accelerator=None,
        dropout="deprecated",
    ):
        self.hidden_dims = hidden_dims
        self.latent_dim = latent_dim
        self.activation = activation
        self.code_dropout = code_dropout
        self.refeed_steps = refeed_steps
        self.l2 = l2
        self.baseline = baseline
        self.lr = lr
        self.lr_decay = lr_decay
        self.lr_decay_every = lr_decay_every
        self.momentum = momentum
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
        self.dropout = dropout

    def _resolve_params(self):
        super()._resolve_params()
        hidden_dims, latent_dim = tuple(self.hidden_dims), self.latent_dim
        if isinstance(latent_dim, str):  # 'warn': left unset
            if hidden_dims in ((), _DEFAULT_HIDDEN_DIMS):
                latent_dim = _DEFAULT_LATENT_DIM
            else:
                warnings.warn(
                    "DeepRec's hidden_dims no longer includes the code, whose size "
                    "is latent_dim (from 0.1). latent_dim is unset, so the last of "
                    f"hidden_dims={hidden_dims} is the code, as before; pass "
                    f"DeepRec(hidden_dims={hidden_dims[:-1]}, "
                    f"latent_dim={hidden_dims[-1]}) for this network. From 0.2 an "
                    f"unset latent_dim is {_DEFAULT_LATENT_DIM}.",
                    FutureWarning,
                    stacklevel=4,  # the caller of fit (through _fit_context)
                )
                hidden_dims, latent_dim = hidden_dims[:-1], hidden_dims[-1]
        self._resolved_params.update(hidden_dims=hidden_dims, latent_dim=latent_dim)

    def _module_params(self, n_inputs):
        return {
            "n_inputs": n_inputs,
            "hidden_dims": (*self._param("hidden_dims"), self._param("latent_dim")),
            "activation": self.activation,
            "dropout": self._param("code_dropout"),
            "output_bias": self._output_bias(),
            "zero_output": self.baseline_ is not None,
            "baseline": self._baseline_params(),
        }

    def _criterion(self):
        return MaskedMSELoss(reduction="observed")

    def _optimizer_params(self, n_rows):
        params = {"weight_decay": self.l2}
        if self.optimizer == "sgd":
            params["momentum"] = self.momentum
        return params

    def _net_params(self):
        return {"refeed_steps": self.refeed_steps}
