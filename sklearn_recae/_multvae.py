"""Mult-VAE and Mult-DAE (Liang et al. 2018): autoencoders with a multinomial
likelihood for top-N recommendation from implicit feedback."""

from numbers import Integral, Real

from ._ranking_autoencoder import LatentCodeMixin, RankingAutoencoder
from ._skorch._nets import VAENet
from .base import TORCH_PARAMETER_CONSTRAINTS
from .nn import MultVAEModule
from .nn._modules import ACTIVATIONS
from .utils._validation import Interval, StrOptions

_MULT_CONSTRAINTS = {
    "hidden_dims": [tuple, list],
    "latent_dim": [Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "l2": [Interval(Real, 0, None, closed="left")],
    **TORCH_PARAMETER_CONSTRAINTS,
}


# With total_anneal_steps="auto", β reaches anneal_cap after this share of the
# planned updates (max_epochs_ x batches per epoch).
_ANNEAL_SHARE = 0.25


def anneal_steps(total_anneal_steps, anneal_cap, planned_updates):
    """``total_anneal_steps``, or for "auto" the count that makes β = min(cap,
    t / count) reach ``anneal_cap`` after ``_ANNEAL_SHARE`` of the plan."""
    if total_anneal_steps != "auto":
        return total_anneal_steps
    if anneal_cap == 0:
        return 0
    return max(1, round(_ANNEAL_SHARE * planned_updates / anneal_cap))


class _MultAutoencoder(LatentCodeMixin, RankingAutoencoder):
    """Shared fit / predict / transform of Mult-VAE and Mult-DAE."""

    _net_cls = VAENet
    _module_cls = MultVAEModule
    _variational = True

    def _module_params(self, n_inputs):
        return {
            "n_items": n_inputs,
            "hidden_dims": tuple(self.hidden_dims),
            "latent_dim": self.latent_dim,
            "dropout": self.dropout,
            "activation": self.activation,
            "variational": self._variational,
        }

    def _encode(self, module, inputs):
        return module.encode(inputs)[0]


class MultVAE(_MultAutoencoder):
    """Mult-VAE: a variational autoencoder with a multinomial likelihood.

    Each user's interactions ``x`` are L2-normalised, dropped out and encoded into
    a Gaussian posterior ``q(z|x)``; the decoder gives a softmax over items. The
    objective (Liang et al. 2018, eq. 7) is the β-weighted ELBO

    .. math::

        \\mathcal{L}_\\beta(x) = \\mathbb{E}_{q(z|x)}[\\log p(x|z)]
        - \\beta \\, \\mathrm{KL}(q(z|x) \\| p(z)),
        \\quad \\log p(x|z) = \\sum_i x_i \\log \\pi_i(z)

    with β = min(``anneal_cap``, t / ``total_anneal_steps``) after t updates, as
    in Liang et al.'s code (the counter restarts with every ``fit``). Scores are
    the decoder's logits at the posterior mean, so the model is inductive: any
    user is scored from their interactions. Values of ``X`` are used as counts;
    binarize first for the paper's setting.

    With ``early_stopping=True`` (the default), ``validation_fraction`` of the
    users are held out; after every epoch the NDCG@100 of their held-out 20%
    given the rest (``valid_ndcg`` in ``history_``) is measured, and the weights
    of the best epoch are kept (skorch's ``EarlyStopping`` with ``load_best``),
    stopping after ``n_iter_no_change`` epochs without improvement. Memory: one
    dense batch of ``batch_size`` users at a time.

    Parameters
    ----------
    hidden_dims : tuple of int, default=()
        Encoder hidden layers before the code. The paper's [I-600-200-600-I]
        is ``(600,)``; none ([I-200-I]) did better on the validation users of
        ML-1M (NDCG@100 0.4074 against 0.4005), ML-100K and latest-small.
    latent_dim : int, default=200
        Size of the latent code.
    dropout : float in [0, 1), default=0.5
        Input dropout probability, in training only.
    activation : str, default='tanh'
        Activation of the hidden layers (none with ``hidden_dims=()``).
    anneal_cap : float, default=0.2
        Largest β.
    total_anneal_steps : int or 'auto', default='auto'
        β = min(``anneal_cap``, t / ``total_anneal_steps``) after t updates;
        0 fixes β at ``anneal_cap``. ``'auto'``: β reaches ``anneal_cap``
        after a quarter of the planned updates (``max_epochs_`` times
        ``n_batches_``), whatever the data size; the paper's 200000 suits
        ML-20M's 46,000 updates of 200 epochs but leaves β near 0 on ML-1M.
        The value used is ``total_anneal_steps_``; β per epoch is ``beta`` in
        ``history_``.
    l2 : float, default=0.0
        Weight decay of every parameter, per update, against the loss per
        user (the batch mean of each user's negative ELBO); it does not grow
        or shrink with the number of users.
    lr : float, default=1e-3
        Learning rate.
    lr_decay : float, default=0.5
        Factor applied to the learning rate every ``lr_decay_every`` epochs.
    lr_decay_every : int or None, default=None
        Epochs between learning-rate decays; None keeps it constant.
    max_epochs : int or 'auto', default='auto'
        Most passes over the training users. ``'auto'``: enough for at least
        4,000 updates and at least 200 epochs (``max_epochs_`` after fit), so
        a few hundred users train as long as a hundred thousand; early
        stopping normally ends the fit first, and a ``ConvergenceWarning``
        says so when the cap does.
    batch_size : int, default=500
        Users per mini-batch.
    optimizer : {'adam', 'adamw', 'sgd', 'adagrad', 'rmsprop'} or class, \
            default='adam'
        torch optimizer (built-in names but 'rmsprop'
        take torch's fused step on CPU, Adam, AdamW and SGD also on CUDA).
    early_stopping : bool, default=True
        Keep the epoch with the best validation NDCG@100, on ``fit``'s
        ``X_val`` / ``y_val`` when given, else on an internal carve (see
        ``validation_fraction``).
    validation_fraction : float, default=0.1
        Without ``X_val``: the share of training users whose random 20% of
        entries is held out for validation; they train on the other 80%, so
        every user is trained (weak generalization, as in T1).
    n_iter_no_change : int or 'auto', default='auto'
        Epochs without improvement before stopping. ``'auto'``: at least 20
        epochs and at least 300 updates (``n_iter_no_change_``).
    device : {'cpu', 'cuda', 'auto'} or str, default='cpu'
        torch device.
    precision : {'auto', 'float32', 'bfloat16'}, default='auto'
        Arithmetic of the training steps' forward pass and loss:
        ``torch.autocast`` to bfloat16 or float32 (see :ref:`scale`); 'auto'
        takes bfloat16 where it measures 2× faster (the choice: ``precision_``).
        Ignored with ``accelerator``.
    random_state : int, RandomState instance or None, default=None
        Seed of initialisation, dropout, sampling, shuffling and validation split.
    verbose : int, default=0
        0: silent; 1: skorch's epoch table; 2: also skorch's progress bar.
    callbacks : list of (str, skorch Callback) or None, default=None
        Extra skorch callbacks.
    accelerator : accelerate.Accelerator or None, default=None
        Train through skorch's Hugging Face ``AccelerateMixin`` (multi-GPU,
        mixed precision); the accelerator places the data and ``device`` is
        ignored. Such a fitted estimator does not pickle: save the weights
        with ``net_.save_params``. See :ref:`scale`.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net.
    precision_ : {'float32', 'bfloat16'}
        The arithmetic training ran in (``precision`` resolved).
    history_ : skorch.History
        Per-epoch losses, ``valid_ndcg`` and ``beta``.
    total_anneal_steps_ : int
        The annealing length used (``total_anneal_steps`` resolved).
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

    References
    ----------
    .. [1] D. Liang, R. G. Krishnan, M. D. Hoffman, T. Jebara. "Variational
       Autoencoders for Collaborative Filtering." WWW 2018.
       https://doi.org/10.1145/3178876.3186150

    Examples
    --------
    >>> from sklearn_recae import MultVAE
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=100, n_items=40, values="binary",
    ...                       random_state=0)
    >>> model = MultVAE(hidden_dims=(16,), latent_dim=4, max_epochs=2,
    ...                 random_state=0).fit(X)
    >>> model.recommend(X[:2], k=3).shape, model.transform(X[:2]).shape
    ((2, 3), (2, 4))
    """

    _parameter_constraints = {
        **_MULT_CONSTRAINTS,
        "anneal_cap": [Interval(Real, 0, None, closed="left")],
        "total_anneal_steps": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
    }

    def __init__(
        self,
        hidden_dims=(),
        *,
        latent_dim=200,
        dropout=0.5,
        activation="tanh",
        anneal_cap=0.2,
        total_anneal_steps="auto",
        l2=0.0,
        lr=1e-3,
        lr_decay=0.5,
        lr_decay_every=None,
        max_epochs="auto",
        batch_size=500,
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
    ):
        self.hidden_dims = hidden_dims
        self.latent_dim = latent_dim
        self.dropout = dropout
        self.activation = activation
        self.anneal_cap = anneal_cap
        self.total_anneal_steps = total_anneal_steps
        self.l2 = l2
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

    def _net_params(self):
        self.total_anneal_steps_ = anneal_steps(
            self.total_anneal_steps,
            self.anneal_cap,
            self.max_epochs_ * self.n_batches_,
        )
        return {
            "anneal_cap": self.anneal_cap,
            "total_anneal_steps": self.total_anneal_steps_,
        }


class MultDAE(_MultAutoencoder):
    """Mult-DAE: the denoising autoencoder with a multinomial likelihood.

    The deterministic counterpart of :class:`MultVAE` (Liang et al. 2018,
    section 2.3): L2-normalised input with dropout, one tanh code layer of
    ``latent_dim`` units ([I-200-I] in the paper), a softmax over items and the
    multinomial log-likelihood, with weight decay ``l2``. Early stopping keeps
    the epoch with the best validation NDCG@100, as for :class:`MultVAE`.

    Parameters
    ----------
    hidden_dims : tuple of int, default=()
        Extra encoder hidden layers before the code (none in the paper).
    latent_dim : int, default=200
        Size of the code.
    dropout : float in [0, 1), default=0.5
        Input dropout probability, in training only.
    activation : str, default='tanh'
        Activation of the code and hidden layers.
    l2 : float, default=1e-5
        Weight decay of every parameter, per update, against the loss per
        user (the batch mean of each user's multinomial log-likelihood); it
        does not grow or shrink with the number of users.
    lr : float, default=1e-3
        Learning rate.
    lr_decay : float, default=0.5
        Factor applied to the learning rate every ``lr_decay_every`` epochs.
    lr_decay_every : int or None, default=None
        Epochs between learning-rate decays; None keeps it constant.
    max_epochs : int or 'auto', default='auto'
        Most passes over the training users. ``'auto'``: enough for at least
        4,000 updates and at least 200 epochs (``max_epochs_`` after fit), so
        a few hundred users train as long as a hundred thousand; early
        stopping normally ends the fit first, and a ``ConvergenceWarning``
        says so when the cap does.
    batch_size : int, default=500
        Users per mini-batch.
    optimizer : {'adam', 'adamw', 'sgd', 'adagrad', 'rmsprop'} or class, \
            default='adam'
        torch optimizer (built-in names but 'rmsprop'
        take torch's fused step on CPU, Adam, AdamW and SGD also on CUDA).
    early_stopping : bool, default=True
        Keep the epoch with the best validation NDCG@100, on ``fit``'s
        ``X_val`` / ``y_val`` when given, else on an internal carve (see
        ``validation_fraction``).
    validation_fraction : float, default=0.1
        Without ``X_val``: the share of training users whose random 20% of
        entries is held out for validation; they train on the other 80%, so
        every user is trained (weak generalization, as in T1).
    n_iter_no_change : int or 'auto', default='auto'
        Epochs without improvement before stopping. ``'auto'``: at least 20
        epochs and at least 300 updates (``n_iter_no_change_``).
    device : {'cpu', 'cuda', 'auto'} or str, default='cpu'
        torch device.
    precision : {'auto', 'float32', 'bfloat16'}, default='auto'
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

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net.
    precision_ : {'float32', 'bfloat16'}
        The arithmetic training ran in (``precision`` resolved).
    history_ : skorch.History
        Per-epoch losses and ``valid_ndcg``.
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

    References
    ----------
    .. [1] D. Liang, R. G. Krishnan, M. D. Hoffman, T. Jebara. "Variational
       Autoencoders for Collaborative Filtering." WWW 2018.
       https://doi.org/10.1145/3178876.3186150

    Examples
    --------
    >>> from sklearn_recae import MultDAE
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=100, n_items=40, values="binary",
    ...                       random_state=0)
    >>> MultDAE(latent_dim=8, max_epochs=2, random_state=0).fit(X).predict(X[:2]).shape
    (2, 40)
    """

    _variational = False
    _parameter_constraints = dict(_MULT_CONSTRAINTS)

    def __init__(
        self,
        hidden_dims=(),
        *,
        latent_dim=200,
        dropout=0.5,
        activation="tanh",
        l2=1e-5,
        lr=1e-3,
        lr_decay=0.5,
        lr_decay_every=None,
        max_epochs="auto",
        batch_size=500,
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
    ):
        self.hidden_dims = hidden_dims
        self.latent_dim = latent_dim
        self.dropout = dropout
        self.activation = activation
        self.l2 = l2
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

    def _net_params(self):
        return {"anneal_cap": 0.0, "total_anneal_steps": 0}
