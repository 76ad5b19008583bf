"""ELSA (Vančura et al. 2022): a scalable linear shallow autoencoder, trained
in time linear in the interactions, for catalogues EASE cannot hold."""

import functools
from numbers import Integral

import numpy as np
import torch
from sklearn.utils import gen_batches
from sklearn.utils.validation import check_is_fitted
from torch.utils.data import BatchSampler, RandomSampler, SequentialSampler

from ._ranking_autoencoder import LatentCodeMixin, RankingAutoencoder
from ._skorch._datasets import CSRDataset, batch_loader
from ._skorch._nets import RecommenderNet
from .base import TORCH_PARAMETER_CONSTRAINTS
from .nn._elsa import ELSAModule, subtract_rows
from .nn._elsa import _encode as encode
from .nn._losses import elsa_target_loss
from .nn._sparse import csr_tensor
from .utils._deprecation import deprecated_constraint
from .utils._memory import budget_rows, check_memory
from .utils._topk import check_k, top_k
from .utils._validation import Interval

_FLOAT32 = 4
# (n_items, n_dims) float32 blocks alive at the peak of a training step
# (normalized_elsa_loss): the weight, the normalised factors, the gradient and
# one temporary of the normalisation's backward pass; the optimiser's state
# comes on top.
_TRAIN_COPIES = 4
_OPTIMIZER_STATE = {"adam": 2, "adamw": 2, "sgd": 1, "adagrad": 1, "rmsprop": 1}
_EVAL_COPIES = 3  # dense scores, their top-k / metric temporaries
_RECOMMEND_COPIES = 3  # float32 scores, a comparison mask, top-k scratch


class SparseRowsDataset(CSRDataset):
    """Rows of a CSR matrix handed out as torch sparse CSR batches (never dense).

    Same interface as :class:`~sklearn_recae._skorch._datasets.CSRDataset`
    (``X``, ``y``, ``fold``, ``with_entries``), so the package's validation
    splits and scoring callbacks work on it unchanged.
    """

    def __getitem__(self, rows):
        inputs = csr_tensor(self.X[rows])
        targets = inputs if self.y is None else csr_tensor(self.y[rows])
        return inputs, targets

    __getitems__ = __getitem__

    def fold(self, X, y):
        return SparseRowsDataset(X, y)

    def with_entries(self, X):
        return SparseRowsDataset(X, self.y)


def _eval_rows(n_items, copies=_EVAL_COPIES):
    """Rows per evaluation batch so that its dense scores fit ``working_memory``
    and the package memory budget."""
    return budget_rows(n_items * _FLOAT32 * copies)


class ELSANet(RecommenderNet):
    """skorch net of ELSA: sparse batches, Gram-form training loss.

    In training, the "prediction" of a batch is its loss computed by
    :func:`~sklearn_recae.nn.elsa_loss` from the sparse rows and ``AᵀA``
    (no dense batch × items output); evaluation (validation users, predict)
    forms the dense scores of batches sized by scikit-learn's
    ``working_memory`` and the package memory budget.
    """

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        return SparseRowsDataset(super().get_dataset(X, y).X, y)

    def get_iterator(self, dataset, training=False):
        if isinstance(dataset, CSRDataset) and not isinstance(
            dataset, SparseRowsDataset
        ):  # a split made a dense-batch dataset of the same rows
            dataset = SparseRowsDataset(dataset.X, dataset.y)
        if training:
            sampler, size = RandomSampler(dataset), self.batch_size
        else:
            sampler, size = SequentialSampler(dataset), _eval_rows(dataset.X.shape[1])
        return batch_loader(dataset, BatchSampler(sampler, size, drop_last=False))

    def infer(self, x, **fit_params):
        from skorch.utils import to_device

        x = to_device(x, self.device)
        if self.module_.training:
            return self.module_.loss(x)
        return self.module_(x)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if training:
            return y_pred  # already the batch's loss
        return elsa_target_loss(y_pred, y_true.to(y_pred.device))


class ELSA(LatentCodeMixin, RankingAutoencoder):
    """ELSA: a scalable linear shallow autoencoder for implicit feedback.

    EASE's item-item weights are replaced by a low-rank product with a zero
    diagonal (Vančura et al. 2022): item factors ``A`` (``n_items`` ×
    ``latent_dim``) whose rows have unit norm, and a user's scores

    .. math::

        \\hat{x} = x A A^\\top - x,

    where subtracting ``x`` removes the diagonal of ``A Aᵀ`` (all ones). ``A``
    is the row-normalised weight ``W`` and is learned with an Adam-family
    optimiser on the normalised squared error (the paper's eq. 3)

    .. math::

        \\mathcal{L} = \\frac{1}{|U|} \\sum_{u \\in U}
        \\Big\\| \\frac{\\hat{x}_u}{\\|\\hat{x}_u\\|}
        - \\frac{x_u}{\\|x_u\\|} \\Big\\|^2

    over each mini-batch of users ``U``. The loss and its gradient are
    computed from the sparse rows and the ``latent_dim`` × ``latent_dim`` Gram matrix
    ``AᵀA`` (see :func:`~sklearn_recae.nn.elsa_loss`), never from a dense
    users × items block: an epoch costs O(nnz·r + n_users·r² + n_batches·
    n_items·r²) time and O(n_items·r) memory, so catalogues of a million
    items train on one machine. Values of ``X`` are used as given (binarize
    for the paper's setting); the model is inductive.

    With ``early_stopping=True`` (the default), ``validation_fraction`` of the
    users are held out and the epoch with the best NDCG@100 of their held-out
    20% is kept, as for the other ranking models.

    Parameters
    ----------
    latent_dim : int, default=256
        Size of the code ``x A`` (``transform``'s output): the rank ``r`` of
        the item factors (the paper's ML-20M run: 800).
    lr : float, default=0.01
        Learning rate (the paper's: 0.1 with Nadam).
    lr_decay : float, default=0.5
        Factor applied to the learning rate every ``lr_decay_every`` epochs.
    lr_decay_every : int or None, default=None
        Epochs between learning-rate decays; None keeps it constant.
    max_epochs : int, default=50
        Number of passes over the training users.
    batch_size : int, default=128
        Users per training mini-batch (the paper's: 32 on ML-20M). Each
        update also costs O(n_items·r²) for ``AᵀA``: on catalogues of 10⁵
        items and more, larger batches (thousands of users) keep an epoch
        linear in the interactions.
    optimizer : {'adam', 'adamw', 'sgd', 'adagrad', 'rmsprop'} or class, \
            default='adam'
        torch optimizer; pass ``torch.optim.NAdam`` for the paper's
        (built-in names but 'rmsprop' take torch's fused step on CPU, Adam,
        AdamW and SGD also on CUDA).
    early_stopping : bool, default=True
        Keep the epoch with the best validation NDCG@100 (see above).
    validation_fraction : float, default=0.1
        Without ``X_val``: the share of training users whose random 20% of
        entries is held out for validation; they train on the other 80%.
    n_iter_no_change : int, default=5
        Epochs without improvement before stopping.
    device : {'cpu', 'cuda', 'auto'} or str, default='cpu'
        torch device.
    random_state : int, RandomState instance or None, default=None
        Seed of initialisation, shuffling and the validation split.
    verbose : int, default=0
        0: silent; 1: skorch's epoch table; 2: also skorch's progress bar.
    callbacks : list of (str, skorch Callback) or None, default=None
        Extra skorch callbacks.
    accelerator : accelerate.Accelerator or None, default=None
        Train through skorch's Hugging Face ``AccelerateMixin``; the
        accelerator places the data and ``device`` is ignored.
    n_dims : int, default='deprecated'
        Former name of ``latent_dim``, used when set.

        .. deprecated:: 0.1
           ``n_dims`` was renamed ``latent_dim`` (the glossary's name for the
           size of the code) and will be removed in 0.2.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_.factors()`` is ``A``.
    history_ : skorch.History
        Per-epoch losses and ``valid_ndcg``.
    n_features_in_ : int
        Number of items.

    See Also
    --------
    EASE : the closed form with a full item-item matrix (up to ~20,000 items).

    References
    ----------
    .. [1] V. Vančura, R. Alves, P. Kasalický, P. Kordík. "Scalable Linear
       Shallow Autoencoder for Collaborative Filtering." RecSys 2022.
       https://doi.org/10.1145/3523227.3551482

    Examples
    --------
    >>> from sklearn_recae import ELSA
    >>> from sklearn_recae.datasets import make_interactions
    >>> X = make_interactions(n_users=100, n_items=40, values="binary",
    ...                       random_state=0)
    >>> model = ELSA(latent_dim=8, max_epochs=2, random_state=0).fit(X)
    >>> model.recommend(X[:2], k=3).shape, model.transform(X[:2]).shape
    ((2, 3), (2, 8))
    """

    _net_cls = ELSANet
    _module_cls = ELSAModule

    _parameter_constraints = {
        **{k: v for k, v in TORCH_PARAMETER_CONSTRAINTS.items() if k != "precision"},
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "n_dims": deprecated_constraint([Interval(Integral, 1, None, closed="left")]),
    }
    _renamed_params = {"n_dims": "latent_dim"}

    def __init__(
        self,
        latent_dim=256,
        *,
        lr=0.01,
        lr_decay=0.5,
        lr_decay_every=None,
        max_epochs=50,
        batch_size=128,
        optimizer="adam",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=5,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        accelerator=None,
        n_dims="deprecated",
    ):
        self.latent_dim = latent_dim
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
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.accelerator = accelerator
        self.n_dims = n_dims

    def _module_params(self, n_inputs):
        return {"n_items": n_inputs, "n_dims": self._param("latent_dim")}

    def _optimizer_params(self, n_rows):
        return {}  # no weight decay (the factors' rows have unit norm)

    def _encode(self, module, inputs):
        return module.encode(inputs)

    def _prepare(self, X):
        latent_dim = self._param("latent_dim")
        check_memory(
            training_bytes(X.shape[1], latent_dim, self.batch_size, self.optimizer),
            f"ELSA's {X.shape[1]} x {latent_dim} item factors with their "
            f"gradients and {self._optimizer_name()} state",
            "Lower latent_dim (memory grows as n_items x latent_dim), or drop rare "
            "items.",
        )

    def _optimizer_name(self):
        name = self.optimizer
        return name if isinstance(name, str) else getattr(name, "__name__", "optimizer")

    def _net_cls_and_placement(self, device):
        net_cls, placement = super()._net_cls_and_placement(device)
        if self.accelerator is not None:
            net_cls = _accelerated_net()
        return net_cls, placement

    def _factors(self):
        """The item factors ``A`` as a float32 tensor on the net's device."""
        module = self.net_.module_
        with torch.no_grad():
            return module.factors().detach()

    def recommend(self, X, k=10, *, exclude_seen=True, return_scores=False):
        """Top-``k`` items for each row of ``X``, best first.

        Scores ``x A Aᵀ - x`` are formed with torch for batches of users sized
        by scikit-learn's ``working_memory`` and the package memory budget (at
        least one user) in one reused block, and the top ``k`` taken with
        :func:`torch.topk` among the items of the ``k + 1`` chunks of 1,024
        items with the highest maxima; ties at the k-th score are broken by
        the lower item index as in
        :func:`~sklearn_recae.utils.top_k`, so the answers are the same as
        ``top_k(predict(X), k)`` without a dense (n_users, n_items) block.

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
            Item indices, best first; ``-1`` pads a row that has fewer than
            ``k`` unseen items.
        scores : ndarray of shape (n_users, k)
            Only when ``return_scores=True``; ``-inf`` where padded.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        n_items = X.shape[1]
        k = check_k(k, n_items)
        factors = self._factors()
        size = _eval_rows(n_items, copies=_RECOMMEND_COPIES)
        items, scores = [], []
        size = max(1, min(size, X.shape[0]))
        block = torch.empty(size, n_items, device=factors.device)  # reused
        with torch.no_grad():
            for rows in gen_batches(X.shape[0], size):
                batch = X[rows]
                x = csr_tensor(batch).to(factors.device)
                dense = torch.matmul(  # A normalised once
                    encode(x, factors), factors.T, out=block[: batch.shape[0]]
                )
                subtract_rows(dense, x, fill=-np.inf if exclude_seen else None)
                top, top_scores = _top_k_torch(dense, k)
                items.append(top)
                scores.append(top_scores)
        items = np.concatenate(items)
        if return_scores:
            return items, np.concatenate(scores)
        return items


@functools.cache
def _accelerated_net():
    """:class:`ELSANet` with skorch's ``AccelerateMixin`` (imported when asked)."""
    from ._accelerate import _Accelerated

    class AcceleratedELSANet(_Accelerated, ELSANet):
        """:class:`ELSANet` trained through an ``accelerate.Accelerator``."""

    return AcceleratedELSANet


_CHUNK = 1024  # items per chunk of the candidate pre-selection


def _best_k_plus_one(scores, m):
    """The ``m`` largest scores of each row and their items, largest first.

    Equal to ``torch.topk(scores, m)`` in the values; on wide rows (many
    chunks of ``_CHUNK`` items), it first keeps the ``m`` chunks with the
    largest maxima (they hold every item scoring above the m-th score and at
    least one scoring equal to it), then takes the ``m`` best of those
    ``m * _CHUNK`` candidates: a max-reduction over the block instead of a
    selection over every item.
    """
    n_rows, n_items = scores.shape
    n_chunks = -(-n_items // _CHUNK)
    if n_chunks < 8 * m:
        return torch.topk(scores, m, dim=1, sorted=True)
    full = (n_items // _CHUNK) * _CHUNK
    maxima = scores[:, :full].reshape(n_rows, -1, _CHUNK).amax(dim=2)
    if full < n_items:
        maxima = torch.cat([maxima, scores[:, full:].amax(dim=1, keepdim=True)], 1)
    chunks = torch.topk(maxima, m, dim=1, sorted=False).indices
    offsets = torch.arange(_CHUNK, device=scores.device)
    candidates = (chunks[:, :, None] * _CHUNK + offsets).reshape(n_rows, -1)
    beyond = candidates >= n_items
    candidates.clamp_(max=n_items - 1)
    values = scores.gather(1, candidates).masked_fill_(beyond, -torch.inf)
    values, best = torch.topk(values, m, dim=1, sorted=True)
    return values, candidates.gather(1, best)


def _top_k_torch(scores, k):
    """:func:`~sklearn_recae.utils.top_k` of a torch score block, same answers.

    :func:`_best_k_plus_one` takes the ``k + 1`` best of each row (NaN
    ranks first there, so a NaN anywhere shows in the result). Where the
    k-th score is strictly above the (k+1)-th, the top-k set is exact and is
    ordered by (score descending, index ascending); rows with a tie across
    the boundary, or fewer than ``k`` finite scores, go through the
    package's ``top_k``, which breaks ties by the lower index.
    """
    n_items = scores.shape[1]
    values, indices = _best_k_plus_one(scores, min(k + 1, n_items))
    values, indices = values.cpu().numpy(), indices.cpu().numpy()
    if np.isnan(values).any():
        raise ValueError(
            "scores hold NaN; a model produced undefined scores. Check the model's "
            "input (NaN-free) and its training (did the loss diverge?)."
        )
    ambiguous = values[:, k - 1] == -np.inf
    if k < n_items:
        ambiguous |= values[:, k] == values[:, k - 1]
    values, indices = values[:, :k], indices[:, :k]
    order = np.lexsort((indices, -values), axis=1)
    indices = np.take_along_axis(indices, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    rows = np.flatnonzero(ambiguous)
    if len(rows):
        ties = scores[torch.from_numpy(rows).to(scores.device)].cpu().numpy()
        indices[rows], values[rows] = top_k(ties, k, return_scores=True)
    indices = np.where(values == -np.inf, -1, indices)
    return indices, values


def training_bytes(n_items, n_dims, batch_size, optimizer="adam"):
    """Estimated peak bytes of ELSA's training beyond the data itself.

    Parameters
    ----------
    n_items, n_dims : int
        Shape of the item factors.
    batch_size : int
        Users per mini-batch.
    optimizer : str or class
        The optimiser (its state is one or two more copies of the factors).

    Returns
    -------
    n_bytes : int
        Factors, gradients, optimiser state, one batch's r-dimensional codes
        and one validation batch of dense scores.
    """
    state = _OPTIMIZER_STATE.get(optimizer, 2) if isinstance(optimizer, str) else 2
    factors = n_items * n_dims * _FLOAT32
    batch = 4 * batch_size * n_dims * _FLOAT32
    gram = 4 * n_dims * n_dims * _FLOAT32
    scores = _eval_rows(n_items) * n_items * _FLOAT32 * _EVAL_COPIES
    return int((_TRAIN_COPIES + state) * factors + batch + gram + scores)
