"""Private skorch glue: CSR batches, entry holdout for validation, guards.

Overrides only skorch's documented extension points (``get_dataset``,
``get_iterator``, ``train_step``); the training loop, callbacks, early stopping,
history and progress bar are skorch's.
"""

import math

import scipy.sparse as sp
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler

from .model_selection._holdout import holdout_split


class CSRDataset(torch.utils.data.Dataset):
    """Rows of a CSR matrix, densified one batch at a time.

    Indexed by a list of row indices (a whole batch), it returns the dense
    float32 ``(inputs, targets)`` of those rows; ``targets`` are the inputs
    unless a second matrix ``y`` (e.g. held-out entries) is given.

    Parameters
    ----------
    X : scipy.sparse.csr_matrix of shape (n_rows, n_columns)
        Input rows.
    y : scipy.sparse.csr_matrix of shape (n_rows, n_columns), default=None
        Target rows; None means ``X``.
    """

    def __init__(self, X, y=None):
        self.X = X
        self.y = y

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, rows):
        inputs = torch.from_numpy(self.X[rows].toarray())
        if self.y is None:
            return inputs, inputs
        return inputs, torch.from_numpy(self.y[rows].toarray())


class EntryHoldoutSplit:
    """skorch ``train_split``: hold out a random fraction of each row's entries.

    Training sees the remaining entries; validation feeds the same rows'
    remaining entries and scores the held-out ones (weak generalization),
    which is how rating autoencoders are validated.

    Parameters
    ----------
    fraction : float
        Share of each row's entries held out (rows keep at least one entry).
    random_state : int
        Seed of the split.
    """

    def __init__(self, fraction, random_state):
        self.fraction = fraction
        self.random_state = random_state

    def __call__(self, dataset, y=None, **fit_params):
        X_fit, X_held = holdout_split(
            dataset.X, self.fraction, random_state=self.random_state
        )
        return CSRDataset(X_fit), CSRDataset(X_fit, X_held)


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss."""


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

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        if not sp.issparse(X):
            raise TypeError(f"RecommenderNet expects a CSR matrix, got {type(X)}.")
        return CSRDataset(X, y)

    def get_iterator(self, dataset, training=False):
        sampler = RandomSampler(dataset) if training else SequentialSampler(dataset)
        batches = BatchSampler(sampler, batch_size=self.batch_size, drop_last=False)
        return DataLoader(dataset, batch_size=None, sampler=batches)


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
