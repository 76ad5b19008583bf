"""torch datasets over CSR rows, built a whole batch at a time.

Each dataset is indexed by a list of row indices (one batch) and returns that
batch's ``(inputs, targets)``; :func:`batch_loader` hands the batches of a
``BatchSampler`` to it whole. Datasets also know how to make a dataset of the
same kind for validation users (``fold``) and for other entries of the same
rows (``with_entries``), which the validation splits (:mod:`._splits`) use.
"""

import numpy as np
import torch
from torch.utils.data import DataLoader

from ..model_selection._holdout import entry_rows
from ..nn._sparse import csr_tensor


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
    ``sparse_inputs``, the inputs stay sparse (a torch sparse CSR tensor, for
    modules whose first layer reads CSR rows) and only the targets are dense.
    With ``users``, the inputs are the dict ``{"x": rows, "users": user ids}``
    that skorch passes to the module as keyword arguments (CDAE's user node).

    Parameters
    ----------
    X : scipy.sparse.csr_matrix of shape (n_rows, n_columns)
        Input rows.
    y : scipy.sparse.csr_matrix of shape (n_rows, n_columns), default=None
        Target rows; None means ``X``.
    users : ndarray of shape (n_rows,), default=None
        Training-user id of each row, -1 for a user unknown to the model.
    sparse_inputs : bool, default=False
        Hand the inputs out as torch sparse CSR tensors.
    """

    def __init__(self, X, y=None, users=None, sparse_inputs=False):
        self.X = X
        self.y = y
        self.users = users
        self.sparse_inputs = sparse_inputs

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, rows):
        batch = self.X[rows]
        target_rows = batch if self.y is None else self.y[rows]
        targets = torch.from_numpy(target_rows.toarray())
        if self.sparse_inputs:
            inputs = csr_tensor(batch)
        elif self.y is None:
            inputs = targets  # the same dense rows
        else:
            inputs = torch.from_numpy(batch.toarray())
        if self.users is not None:
            inputs = {"x": inputs, "users": torch.from_numpy(self.users[rows])}
        return inputs, targets

    __getitems__ = __getitem__  # a batch sampler's indices come whole

    def fold(self, X, y):
        """A dataset of the same kind for new users: input ``X``, target ``y``."""
        users = None if self.users is None else np.full(X.shape[0], -1)
        return CSRDataset(X, y, users, self.sparse_inputs)

    def with_entries(self, X):
        """The same rows (and users) with other entries ``X``."""
        return CSRDataset(X, self.y, self.users, self.sparse_inputs)


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
        """A dataset of the same kind for new users: input ``X``, target ``y``."""
        return SequenceDataset(X, y, self.max_length)

    def with_entries(self, X):
        """The same rows with other entries ``X``."""
        return SequenceDataset(X, self.y, self.max_length)
