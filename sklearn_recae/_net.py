"""Private skorch glue: CSR batches, entry holdout for validation, guards.

Overrides only skorch's documented extension points (``get_dataset``,
``get_iterator``, ``get_loss``, ``train_step``, ``initialize``); the training
loop, callbacks, early stopping, history and progress bar are skorch's.
"""

import math

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler

from .exceptions import DivergenceError  # noqa: F401  (re-exported)
from .model_selection._holdout import entry_rows, heldout_mask, masked_copy


def _whole_batch(batch):
    """Collate function of datasets that build a whole batch at once."""
    return batch


def batch_loader(dataset, batches):
    """``DataLoader`` handing each batch of row indices to the dataset at once.

    The dataset's ``__getitems__`` slices and densifies the batch; a
    ``batch_sampler`` (rather than a sampler of lists) lets accelerate shard
    the batches across processes.
    """
    return DataLoader(dataset, batch_sampler=batches, collate_fn=_whole_batch)


class CSRDataset(torch.utils.data.Dataset):
    """Rows of a CSR matrix, densified one batch at a time.

    Indexed by a list of row indices (a whole batch), it returns the dense
    float32 ``(inputs, targets)`` of those rows; ``targets`` are the inputs
    unless a second matrix ``y`` (e.g. held-out entries) is given. With
    ``users``, the inputs are the dict ``{"x": rows, "users": user ids}`` that
    skorch passes to the module as keyword arguments (CDAE's user node).

    Parameters
    ----------
    X : scipy.sparse.csr_matrix of shape (n_rows, n_columns)
        Input rows.
    y : scipy.sparse.csr_matrix of shape (n_rows, n_columns), default=None
        Target rows; None means ``X``.
    users : ndarray of shape (n_rows,), default=None
        Training-user id of each row, -1 for a user unknown to the model.
    """

    def __init__(self, X, y=None, users=None):
        self.X = X
        self.y = y
        self.users = users

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, rows):
        inputs = torch.from_numpy(self.X[rows].toarray())
        targets = inputs if self.y is None else torch.from_numpy(self.y[rows].toarray())
        if self.users is not None:
            inputs = {"x": inputs, "users": torch.from_numpy(self.users[rows])}
        return inputs, targets

    __getitems__ = __getitem__  # a batch sampler's indices come whole

    def fold(self, X, y):
        """A dataset of the same kind for new users: input ``X``, target ``y``."""
        users = None if self.users is None else np.full(X.shape[0], -1)
        return CSRDataset(X, y, users)

    def with_entries(self, X):
        """The same rows (and users) with other entries ``X``."""
        return CSRDataset(X, self.y, self.users)


class EntryHoldoutSplit:
    """skorch ``train_split``: hold out a share of the entries of some rows.

    ``rows`` of the rows (at least one, among rows with two or more entries)
    become validation rows; a ``fraction`` of each validation row's entries is
    held out (chosen at random, or the latest with ``strategy='temporal'``).
    Training keeps every row with its remaining entries, so every user is
    trained on (weak generalization); validation feeds the validation rows'
    remaining entries and scores the held-out ones.

    Parameters
    ----------
    fraction : float
        Share of each validation row's entries held out (rows keep at least one).
    random_state : int
        Seed of both choices.
    rows : float, default=1.0
        Share of the rows that are validation rows.
    strategy : {'random', 'temporal'}, default='random'
        Which entries of a validation row are held out.
    """

    def __init__(self, fraction, random_state, *, rows=1.0, strategy="random"):
        self.fraction = fraction
        self.random_state = random_state
        self.rows = rows
        self.strategy = strategy

    def __call__(self, dataset, y=None, **fit_params):
        X = dataset.X
        valid = self._validation_rows(X)
        in_valid = np.zeros(X.shape[0], dtype=bool)
        in_valid[valid] = True
        held = heldout_mask(
            X, self.fraction, self.strategy, random_state=self.random_state
        )
        held &= in_valid[entry_rows(X)]
        X_fit = masked_copy(X, ~held)
        X_held = masked_copy(X, held)
        return dataset.with_entries(X_fit), dataset.fold(X_fit[valid], X_held[valid])

    def _validation_rows(self, X):
        eligible = np.flatnonzero(np.diff(X.indptr) >= 2)
        if len(eligible) == 0:
            raise ValueError(
                "Early stopping holds out part of some rows' entries for validation, "
                "which needs a row with 2 or more entries; got none "
                f"(n_samples={X.shape[0]}, n_features={X.shape[1]}). Pass more data, "
                "X_val and y_val, or early_stopping=False."
            )
        if self.rows >= 1.0:
            return eligible
        n_valid = min(max(1, int(round(self.rows * X.shape[0]))), len(eligible))
        rng = np.random.RandomState(self.random_state)
        return np.sort(rng.choice(eligible, size=n_valid, replace=False))


class PredefinedValidation:
    """skorch ``train_split`` with the caller's validation rows.

    Training uses every row of the training data; validation feeds ``X_val``
    (the validation rows' fold-in) and scores ``y_val`` (their fold-out).

    Parameters
    ----------
    X_val : scipy.sparse.csr_matrix of shape (n_rows, n_columns)
        Inputs of the validation rows.
    y_val : scipy.sparse.csr_matrix of shape (n_rows, n_columns)
        Held-out targets of the same rows.
    """

    def __init__(self, X_val, y_val):
        self.X_val = X_val
        self.y_val = y_val

    def __call__(self, dataset, y=None, **fit_params):
        return dataset, dataset.fold(self.X_val, self.y_val)


class DivergenceGuard(Callback):
    """Stop training with a clear error as soon as a batch loss is not finite."""

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        value = loss.item()
        if not math.isfinite(value):
            epoch = len(net.history)
            raise DivergenceError(
                f"The {'training' if training else 'validation'} loss became "
                f"{value} in epoch {epoch}: training diverged. Lower the learning "
                "rate (lr), scale the input values, or add regularisation."
            )


class RecommenderNet(NeuralNet):
    """skorch ``NeuralNet`` over CSR rows, batched by a ``BatchSampler``.

    A batch is sliced from the CSR matrix and densified once; skorch moves it
    to ``device``. Training batches are shuffled with torch's generator (seeded
    by the estimator).
    """

    def initialize(self):
        super().initialize()
        self.reset_counters()
        return self

    def reset_counters(self):
        """Reset per-fit training counters (called by ``initialize``)."""

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        if not sp.issparse(X):
            raise TypeError(f"RecommenderNet expects a CSR matrix, got {type(X)}.")
        return CSRDataset(X, y)

    def get_iterator(self, dataset, training=False):
        sampler = RandomSampler(dataset) if training else SequentialSampler(dataset)
        batches = BatchSampler(sampler, batch_size=self.batch_size, drop_last=False)
        return batch_loader(dataset, batches)


class RefeedingNet(RecommenderNet):
    """Adds DeepRec's dense re-feeding: after each update on ``x``, a second
    update with ``f(x)`` as both input and target (Kuchaiev & Ginsburg 2017,
    section 2.3; NVIDIA's reference does it once per batch)."""

    def __init__(self, *args, refeed_steps=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.refeed_steps = refeed_steps

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        y_pred = step["y_pred"]
        for _ in range(self.refeed_steps):
            refed = y_pred.detach()
            y_pred = super().train_step((refed, refed), **fit_params)["y_pred"]
        return step


class RankingScoring(Callback):
    """Record NDCG@k of the validation users after every epoch as ``valid_ndcg``.

    The validation dataset's inputs are the users' fold-in, its targets their
    held-out items; fold-in items are excluded from the ranking.

    Parameters
    ----------
    k : int, default=100
        List length.
    """

    def __init__(self, k=100):
        self.k = k

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        from .metrics._ranking import RANKING_METRICS, ranking_hits

        if dataset_valid is None:
            return
        values, start = [], 0
        for output in net.forward_iter(dataset_valid):  # one batch of users at a time
            scores = _first(output).numpy()
            rows = slice(start, start + scores.shape[0])
            start = rows.stop
            for hits, n_relevant in ranking_hits(
                dataset_valid.y[rows], scores, self.k, dataset_valid.X[rows]
            ):
                keep = n_relevant > 0
                values.append(
                    RANKING_METRICS["ndcg"](hits[keep], n_relevant[keep], self.k)
                )
        net.history.record("valid_ndcg", float(np.concatenate(values).mean()))


def _first(output):
    return output[0] if isinstance(output, tuple) else output


class VAENet(RecommenderNet):
    """Mult-VAE / Mult-DAE net: multinomial likelihood plus an annealed KL term.

    β = min(anneal_cap, t / total_anneal_steps) after t updates (Liang et al.
    2018, section 2.2.2, and their code); the update counter is re-created
    by ``initialize``, so it restarts with every fit.
    """

    def __init__(self, *args, anneal_cap=0.2, total_anneal_steps=200000, **kwargs):
        super().__init__(*args, **kwargs)
        self.anneal_cap = anneal_cap
        self.total_anneal_steps = total_anneal_steps

    def reset_counters(self):
        self.n_updates_ = 0

    @property
    def beta(self):
        if self.total_anneal_steps <= 0:
            return self.anneal_cap
        return min(self.anneal_cap, self.n_updates_ / self.total_anneal_steps)

    def on_epoch_end(self, net, **kwargs):
        super().on_epoch_end(net, **kwargs)
        self.history.record("beta", float(self.beta))

    def get_loss(self, y_pred, y_true, X=None, training=False):
        from skorch.utils import to_tensor

        from .nn import gaussian_kl, multinomial_nll

        logits, mu, logvar = y_pred
        loss = multinomial_nll(logits, to_tensor(y_true, device=self.device))
        if self.module_.variational:
            loss = loss + self.beta * gaussian_kl(mu, logvar)
        return loss

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        self.n_updates_ += 1
        return step


class CDAENet(RecommenderNet):
    """CDAE net: rows carry user ids; the loss samples negatives in training.

    Data passed by the estimator for training already carries the training
    users' ids (a :class:`CSRDataset` with ``users``); any other matrix (predict,
    validation users) is made of users unknown to the model (id -1), whose
    vectors the module folds in.
    """

    def __init__(self, *args, loss="logistic", negative_ratio=5.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss = loss
        self.negative_ratio = negative_ratio

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        dataset = super().get_dataset(X, y)
        dataset.users = np.full(X.shape[0], -1)
        return dataset

    def get_loss(self, y_pred, y_true, X=None, training=False):
        from skorch.utils import to_tensor

        from .nn import negative_weights, weighted_entry_loss

        y_true = to_tensor(y_true, device=self.device)
        weights = negative_weights(y_true, self.negative_ratio, sample=training)
        return weighted_entry_loss(y_pred, y_true, weights, self.loss)


class SequenceDataset(torch.utils.data.Dataset):
    """Rows of a CSR matrix as item sequences, padded one batch at a time.

    Each row's items are ordered by value (ties by item index) and only the last
    ``max_length`` are kept. Indexed by a batch of row indices, it returns
    ``({"items": (n, T) ids + 1, 0-padded at the end, "lengths": (n,)}, target)``
    with the padded items as target, or the dense rows of ``y`` when given
    (validation: held-out items).

    Parameters
    ----------
    X : scipy.sparse.csr_matrix of shape (n_rows, n_items)
        Events; values order them.
    y : scipy.sparse.csr_matrix of shape (n_rows, n_items), default=None
        Targets for evaluation.
    max_length : int or None, default=None
        Keep each row's last ``max_length`` events; None keeps all.
    """

    def __init__(self, X, y=None, max_length=None):
        self.X = X
        self.y = y
        self.max_length = max_length
        order = np.lexsort((X.indices, X.data, entry_rows(X)))
        self.items = np.append(X.indices[order].astype(np.int64) + 1, 0)
        counts = np.diff(X.indptr)
        self.lengths = counts if max_length is None else np.minimum(counts, max_length)

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, rows):
        rows = np.asarray(rows)
        lengths = self.lengths[rows]
        starts = self.X.indptr[rows + 1] - lengths
        steps = np.arange(max(int(lengths.max(initial=0)), 1))
        real = steps < lengths[:, None]
        positions = np.where(real, starts[:, None] + steps, len(self.items) - 1)
        items = torch.from_numpy(self.items[positions])
        inputs = {"items": items, "lengths": torch.from_numpy(lengths.astype(np.int64))}
        if self.y is None:
            return inputs, items
        return inputs, torch.from_numpy(self.y[rows].toarray())

    __getitems__ = __getitem__

    def fold(self, X, y):
        return SequenceDataset(X, y, self.max_length)

    def with_entries(self, X):
        return SequenceDataset(X, self.y, self.max_length)


class SVAENet(VAENet):
    """SVAE net: sequences batched by similar length, next-k loss in training.

    Training batches group rows of similar length (a random order, sorted by
    length plus noise, cut into batches whose order is shuffled), so padding
    stays short. The training loss is :func:`~sklearn_recae.nn.next_k_nll` plus
    β times the KL of every step that predicts; in evaluation the scores after
    the last event are scored against the held-out items (multinomial
    likelihood).
    """

    def __init__(self, *args, next_k=4, max_length=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.next_k = next_k
        self.max_length = max_length

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        return SequenceDataset(X, y, self.max_length)

    def get_iterator(self, dataset, training=False):
        if not training:
            return super().get_iterator(dataset, training=False)
        n = len(dataset)
        noise = torch.rand(n).numpy() * 2.0
        by_length = np.argsort(dataset.lengths + noise, kind="stable")
        batches = np.array_split(by_length, max(1, -(-n // self.batch_size)))
        order = torch.randperm(len(batches)).numpy()
        return batch_loader(dataset, [batches[i] for i in order])

    def get_loss(self, y_pred, y_true, X=None, training=False):
        from skorch.utils import to_tensor

        from .nn import gaussian_kl, multinomial_nll, next_k_nll

        logits, mu, logvar = y_pred
        y_true = to_tensor(y_true, device=self.device)
        if not training:  # held-out items (values are times: count each once)
            held_out = (y_true != 0).to(logits.dtype)
            kl = gaussian_kl(mu, logvar)
            return multinomial_nll(logits, held_out) + self.beta * kl
        predicting = y_true[:, 1:] > 0
        kl = 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar).sum(dim=-1)
        kl = (kl[:, :-1] * predicting).sum() / predicting.sum().clamp(min=1)
        return next_k_nll(logits, y_true, self.next_k) + self.beta * kl
