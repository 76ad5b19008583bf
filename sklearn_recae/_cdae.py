"""CDAE (Wu et al. 2016): a denoising autoencoder with a per-user input node."""

from numbers import Integral, Real

import numpy as np

from ._ranking_autoencoder import RankingAutoencoder
from ._skorch._datasets import CSRDataset
from ._skorch._nets import CDAENet
from .base import TORCH_PARAMETER_CONSTRAINTS
from .nn import CDAEModule
from .nn._modules import ACTIVATIONS
from .utils._deprecation import deprecated_constraint
from .utils._validation import Interval, StrOptions


class CDAE(RankingAutoencoder):
    """CDAE: collaborative denoising autoencoder for top-N recommendation.

    One hidden layer whose input adds a learned vector per training user (Wu et
    al. 2016, eq. 4-5): ``z_u = h(W^T corrupt(y_u) + V_u + b)``, scores
    ``W' z_u + b'``. The input is corrupted by dropout with probability
    ``dropout`` (the paper's corruption level ``q``; kept entries are scaled by
    ``1 / (1 - dropout)``). The loss (section 4.3)
    covers each user's observed items and about ``negative_ratio`` times as many
    items drawn among their unobserved ones, redrawn every batch
    (``negative_ratio=None`` uses all items); ``loss='logistic'`` is the
    cross-entropy of a sigmoid output, ``'squared'`` the squared error of an
    identity output.

    **Users in predict.** ``V_u`` exists only for the rows of the training
    matrix, and ``predict`` cannot know which user a row belongs to, so every
    row given to ``predict`` (or ``recommend`` / ``score``) is treated as a new
    user and its vector is *folded in*: ``fold_in_steps`` Adam steps from zero on
    that user's expected loss (observed items plus negatives weighted by their
    sampling probability) with the network frozen and an L2 penalty
    ``fold_in_l2 / 2 * ||V_u||^2``. A training user's row gets a vector fitted
    to the same row, so it is recommended as in training without needing an
    id. ``fold_in_steps=0`` is the explicit user-free path: ``V_u = 0``, a
    plain denoising autoencoder.
    The learned training vectors are in ``user_vectors_``.

    With ``early_stopping=True`` (the default), ``validation_fraction`` of the
    users are held out as new users (folded in); the weights of the epoch with
    the best NDCG@100 on their held-out 20% are kept. Memory: one dense batch of
    ``batch_size`` users at a time.

    Parameters
    ----------
    latent_dim : int, default=200
        Size of the code, the one hidden layer (the paper's K; 200 beat 50 on
        ML-1M's S1 validation users, 0.405 against 0.374 NDCG@100).
    dropout : float in [0, 1), default=0.5
        Input dropout probability, the paper's corruption level ``q``, in
        training only.
    activation : str, default='sigmoid'
        Activation ``h`` of the hidden layer.
    loss : {'logistic', 'squared'}, default='logistic'
        Per-entry loss.
    negative_ratio : float or None, default=20.0
        Sampled negatives per observed item; None uses every item. 20 beat
        the earlier 5 on the validation users of ML-1M, ML-100K and
        ML-latest-small (``benchmarks/README.md``); more negatives train
        more slowly, hence the longer ``max_epochs='auto'``.
    l2 : float, default=1e-5
        Weight decay of all parameters, user vectors included, per update,
        against the loss per user (the batch mean of each user's summed entry
        losses); it does not grow or shrink with the number of users.
    fold_in_steps : int, default=20
        Fold-in steps for the users of ``predict``; 0 gives them ``V_u = 0``.
    fold_in_lr : float, default=0.1
        Adam learning rate of the fold-in.
    fold_in_l2 : float, default=1.0
        L2 penalty of the folded-in vectors.
    lr : float, default=1e-3
        Learning rate.
    lr_decay : float, default=0.5
        Factor applied to the learning rate every ``lr_decay_every`` epochs.
    lr_decay_every : int or None, default=None
        Epochs between learning-rate decays; None keeps it constant.
    max_epochs : int or 'auto', default='auto'
        Most passes over the training users. ``'auto'``: enough for at least
        10,000 updates and at least 200 epochs (``max_epochs_`` after fit), so
        a few hundred users train as long as a hundred thousand; early
        stopping normally ends the fit first, and a ``ConvergenceWarning``
        says so when the cap does.
    batch_size : int, default=256
        Users per mini-batch.
    optimizer : {'adam', 'adamw', 'sgd', 'adagrad', 'rmsprop'} or class, \
            default='adam'
        torch optimizer (the paper uses AdaGrad; built-in names but 'rmsprop'
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
        Seed of initialisation, dropout, negative sampling, shuffling and the
        validation split.
    verbose : int, default=0
        0: silent; 1: skorch's epoch table; 2: also skorch's progress bar.
    callbacks : list of (str, skorch Callback) or None, default=None
        Extra skorch callbacks.
    accelerator : accelerate.Accelerator or None, default=None
        Train through skorch's Hugging Face ``AccelerateMixin`` (multi-GPU,
        mixed precision); the accelerator places the data and ``device`` is
        ignored. Such a fitted estimator does not pickle: save the weights
        with ``net_.save_params``. See :ref:`scale`.
    corruption : float in [0, 1), default='deprecated'
        Former name of ``dropout``, used when set.

        .. deprecated:: 0.1
           ``corruption`` was renamed ``dropout``, the name of input dropout in
           every model (Mult-DAE's is the same corruption), and will be
           removed in 0.2.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net.
    precision_ : {'float32', 'bfloat16'}
        The arithmetic training ran in (``precision`` resolved).
    history_ : skorch.History
        Per-epoch losses and ``valid_ndcg``.
    n_users_fit_ : int
        Number of rows of the training matrix.
    user_vectors_ : ndarray of shape (n_training_rows, latent_dim)
        Learned ``V_u`` of the training rows (zero for rows held out for
        validation).
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
    .. [1] Y. Wu, C. DuBois, A. X. Zheng, M. Ester. "Collaborative Denoising
       Auto-Encoders for Top-N Recommender Systems." WSDM 2016.
       https://doi.org/10.1145/2835776.2835837

    Examples
    --------
    >>> from sklearn_recae import CDAE
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=100, n_items=40, values="binary",
    ...                       random_state=0)
    >>> model = CDAE(latent_dim=8, max_epochs=2, random_state=0).fit(X)
    >>> model.recommend(X[:2], k=3).shape, model.user_vectors_.shape
    ((2, 3), (100, 8))
    """

    _net_cls = CDAENet
    _module_cls = CDAEModule
    _auto_updates = 10000  # sampled negatives slow training (negative_ratio)

    _parameter_constraints = {
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "loss": [StrOptions({"logistic", "squared"})],
        "negative_ratio": [Interval(Real, 0, None, closed="neither"), None],
        "l2": [Interval(Real, 0, None, closed="left")],
        "fold_in_steps": [Interval(Integral, 0, None, closed="left")],
        "fold_in_lr": [Interval(Real, 0, None, closed="neither")],
        "fold_in_l2": [Interval(Real, 0, None, closed="left")],
        **TORCH_PARAMETER_CONSTRAINTS,
        "corruption": deprecated_constraint([Interval(Real, 0, 1, closed="left")]),
    }
    _renamed_params = {"corruption": "dropout"}

    def __init__(
        self,
        latent_dim=200,
        *,
        dropout=0.5,
        activation="sigmoid",
        loss="logistic",
        negative_ratio=20.0,
        l2=1e-5,
        fold_in_steps=20,
        fold_in_lr=0.1,
        fold_in_l2=1.0,
        lr=1e-3,
        lr_decay=0.5,
        lr_decay_every=None,
        max_epochs="auto",
        batch_size=256,
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
        corruption="deprecated",
    ):
        self.latent_dim = latent_dim
        self.dropout = dropout
        self.activation = activation
        self.loss = loss
        self.negative_ratio = negative_ratio
        self.l2 = l2
        self.fold_in_steps = fold_in_steps
        self.fold_in_lr = fold_in_lr
        self.fold_in_l2 = fold_in_l2
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
        self.corruption = corruption

    def _prepare(self, X):
        self.n_users_fit_ = X.shape[0]

    def _training_data(self, rows):
        return CSRDataset(rows, users=np.arange(rows.shape[0]), sparse_inputs=True)

    def _module_params(self, n_inputs):
        return {
            "n_items": n_inputs,
            "n_users": self.n_users_fit_,
            "latent_dim": self.latent_dim,
            "corruption": self._param("dropout"),
            "activation": self.activation,
            "loss": self.loss,
            "negative_ratio": self.negative_ratio,
            "fold_in_steps": self.fold_in_steps,
            "fold_in_lr": self.fold_in_lr,
            "fold_in_l2": self.fold_in_l2,
        }

    def _net_params(self):
        return {"loss": self.loss, "negative_ratio": self.negative_ratio}

    def fit(self, X, y=None, *, X_val=None, y_val=None):
        """Train the network and the training users' vectors with skorch.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Training interactions; non-zero means observed.
        y : None
            Ignored; present for scikit-learn API consistency.
        X_val : {array-like, sparse matrix} of shape (n_val_users, n_items), \
                default=None
            Validation users' fold-in for early stopping (folded in as new
            users); see :meth:`MultVAE.fit`.
        y_val : {array-like, sparse matrix} of shape (n_val_users, n_items), \
                default=None
            The same users' held-out entries.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        super().fit(X, y, X_val=X_val, y_val=y_val)
        embedding = self.net_.module_.user_embedding.weight
        self.user_vectors_ = embedding.detach().cpu().numpy().copy()
        return self
