"""SVAE (Sachdeva et al. 2019): a GRU over each user's history feeding a VAE."""

from numbers import Integral, Real

import numpy as np

from ._ranking_autoencoder import LatentCodeMixin, RankingAutoencoder
from ._skorch._nets import SVAENet
from .base import TORCH_PARAMETER_CONSTRAINTS
from .nn import SVAEModule
from .utils._deprecation import deprecated_constraint
from .utils._validation import Interval, StrOptions


class SVAE(LatentCodeMixin, RankingAutoencoder):
    """SVAE: sequential variational autoencoder for next-items recommendation.

    Each row of ``X`` is a user's history: its items ordered by value (a time
    or a rank; ties by item index). Items are embedded and run through a GRU;
    after every event an MLP encoder gives a Gaussian posterior ``q(z_t | x_{1:t})``
    and a decoder MLP a softmax over items (Sachdeva et al. 2019, eq. 5-7).
    Training maximises, at every step, the multinomial likelihood of the next
    ``next_k`` items (``loss='next_k'``, the paper's) or of the next one
    (``loss='next_item'``) minus β times the KL term, with
    β = min(``anneal_cap``, t / ``total_anneal_steps``) after t updates. Rows are
    trained in batches of ``batch_size`` sequences of similar length, padded at the end;
    padded steps never enter the loss. Histories longer than ``max_length``
    keep their last ``max_length`` events, in training and in ``predict``.

    ``predict(X)`` scores the items after each row's last event (posterior
    mean), so the model is inductive: any user is scored from their history.
    With ``early_stopping=True`` (the default), ``validation_fraction`` of the
    users are held out; each keeps its first 80% of events as input and its
    latest 20% as the target, and the weights of the epoch with the best
    NDCG@100 are kept.

    Parameters
    ----------
    embedding_dim : int, default=256
        Item embedding size.
    rnn_dim : int, default=200
        GRU state size.
    hidden_dim : int, default=150
        Width of the hidden layer of the encoder and decoder MLPs.
    latent_dim : int, default=64
        Size of the latent code.
    embedding_dropout : float in [0, 1), default=0.25
        Dropout probability on the item embeddings fed to the GRU, in training
        only (the input items themselves are not dropped). Not in the paper (0
        gives its network); 0.25 was chosen on Q1's validation users, where it
        raised NDCG@100 from 0.2659 to 0.2875.
    loss : {'next_k', 'next_item'}, default='next_k'
        Training loss: predict the next ``next_k`` items at every step, or the
        next one.
    next_k : int, default=4
        Items ahead each step predicts with ``loss='next_k'``.
    max_length : int or None, default=200
        Events kept per history (the latest); None keeps all.
    anneal_cap : float, default=0.2
        Largest β.
    total_anneal_steps : int, default=20000
        β grows by 1 / ``total_anneal_steps`` per update until it reaches
        ``anneal_cap`` (after ``anneal_cap * total_anneal_steps`` updates);
        0 fixes β at ``anneal_cap``.
    l2 : float, default=0.0
        Weight decay.
    lr : float, default=3e-3
        Learning rate.
    lr_decay : float, default=0.5
        Factor applied to the learning rate every ``lr_decay_every`` epochs.
    lr_decay_every : int or None, default=None
        Epochs between learning-rate decays; None keeps it constant.
    max_epochs : int, default=30
        Number of passes over the training users (15–30 s each on ML-1M's
        Q1 training users on 2 CPU cores).
    batch_size : int, default=32
        Sequences per mini-batch.
    optimizer : {'adam', 'adamw', 'sgd', 'adagrad', 'rmsprop'} or class, \
            default='adam'
        torch optimizer (built-in names but 'rmsprop'
        take torch's fused step on CPU, Adam, AdamW and SGD also on CUDA).
    early_stopping : bool, default=True
        Keep the epoch with the best validation NDCG@100 (see above).
    validation_fraction : float, default=0.1
        Without ``X_val``: the share of training users whose latest 20% of
        events is held out for validation; they train on their other events.
    n_iter_no_change : int, default=5
        Epochs without improvement before stopping.
    device : {'cpu', 'cuda', 'auto'} or str, default='cpu'
        torch device.
    precision : {'auto', 'float32', 'bfloat16'}, default='float32'
        Arithmetic of the training steps' forward pass and loss:
        ``torch.autocast`` to bfloat16 or float32 (see :ref:`scale`); 'auto'
        takes bfloat16 where it measures 2× faster (the choice: ``precision_``).
        Ignored with ``accelerator``.
    random_state : int, RandomState instance or None, default=None
        Seed of initialisation, sampling, batching and the validation split.
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
        Former name of ``embedding_dropout``, used when set.

        .. deprecated:: 0.1
           ``dropout`` was renamed ``embedding_dropout``: in the glossary,
           ``dropout`` is input dropout, and SVAE drops embedding units. It
           will be removed in 0.2.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net.
    precision_ : {'float32', 'bfloat16'}
        The arithmetic training ran in (``precision`` resolved).
    history_ : skorch.History
        Per-epoch losses and ``valid_ndcg``.
    n_features_in_ : int
        Number of items.

    References
    ----------
    .. [1] N. Sachdeva, G. Manco, E. Ritacco, V. Pudi. "Sequential Variational
       Autoencoders for Collaborative Filtering." WSDM 2019.
       https://doi.org/10.1145/3289600.3291007

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sklearn_recae import SVAE
    >>> rng = np.random.RandomState(0)
    >>> X = sp.random(60, 30, density=0.3, format="csr", random_state=rng)
    >>> model = SVAE(embedding_dim=8, rnn_dim=8, hidden_dim=8, latent_dim=4,
    ...              max_epochs=2, random_state=0).fit(X)
    >>> model.recommend(X[:2], k=3).shape, model.transform(X[:2]).shape
    ((2, 3), (2, 4))
    """

    _net_cls = SVAENet
    _module_cls = SVAEModule
    _holdout_strategy = "temporal"
    _input_dtype = (np.float64, np.float32)  # UNIX times lose their order in float32

    _parameter_constraints = {
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "rnn_dim": [Interval(Integral, 1, None, closed="left")],
        "hidden_dim": [Interval(Integral, 1, None, closed="left")],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "embedding_dropout": [Interval(Real, 0, 1, closed="left")],
        "loss": [StrOptions({"next_k", "next_item"})],
        "next_k": [Interval(Integral, 1, None, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "anneal_cap": [Interval(Real, 0, None, closed="left")],
        "total_anneal_steps": [Interval(Integral, 0, None, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
        **TORCH_PARAMETER_CONSTRAINTS,
        "dropout": deprecated_constraint([Interval(Real, 0, 1, closed="left")]),
    }
    _renamed_params = {"dropout": "embedding_dropout"}

    def __init__(
        self,
        embedding_dim=256,
        *,
        rnn_dim=200,
        hidden_dim=150,
        latent_dim=64,
        embedding_dropout=0.25,
        loss="next_k",
        next_k=4,
        max_length=200,
        anneal_cap=0.2,
        total_anneal_steps=20000,
        l2=0.0,
        lr=3e-3,
        lr_decay=0.5,
        lr_decay_every=None,
        max_epochs=30,
        batch_size=32,
        optimizer="adam",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=5,
        device="cpu",
        precision="float32",
        random_state=None,
        verbose=0,
        callbacks=None,
        accelerator=None,
        dropout="deprecated",
    ):
        self.embedding_dim = embedding_dim
        self.rnn_dim = rnn_dim
        self.hidden_dim = hidden_dim
        self.latent_dim = latent_dim
        self.embedding_dropout = embedding_dropout
        self.loss = loss
        self.next_k = next_k
        self.max_length = max_length
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
        self.dropout = dropout

    def _module_params(self, n_inputs):
        return {
            "n_items": n_inputs,
            "embedding_dim": self.embedding_dim,
            "rnn_dim": self.rnn_dim,
            "hidden_dim": self.hidden_dim,
            "latent_dim": self.latent_dim,
            "dropout": self._param("embedding_dropout"),
        }

    def _net_params(self):
        return {
            "anneal_cap": self.anneal_cap,
            "total_anneal_steps": self.total_anneal_steps,
            "next_k": self.next_k if self.loss == "next_k" else 1,
            "max_length": self.max_length,
        }

    def _encode(self, module, inputs):
        return module.encode(module.last_states(**inputs))[0]
