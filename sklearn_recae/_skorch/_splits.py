"""Validation splits passed to skorch as ``train_split``.

A skorch ``train_split`` is called as ``train_split(dataset, y)`` and returns
the training and validation datasets. These work on the package's datasets
(:mod:`._datasets`): the validation dataset's inputs are the validation rows'
fold-in and its targets their held-out entries, which is what
:class:`~sklearn_recae.callbacks.RankingScoring` scores.
"""

import numpy as np

from ..model_selection._holdout import entry_rows, heldout_mask, masked_copy


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
        X_fit, X_in, X_held = self.split_entries(dataset.X)
        return dataset.with_entries(X_fit), dataset.fold(X_in, X_held)

    def split_entries(self, X):
        """``(X_fit, X_in, X_held)``: every row's training entries, and the
        validation rows' fold-in and held-out entries (the same on every call)."""
        valid = self._validation_rows(X)
        in_valid = np.zeros(X.shape[0], dtype=bool)
        in_valid[valid] = True
        held = heldout_mask(
            X, self.fraction, self.strategy, random_state=self.random_state
        )
        held &= in_valid[entry_rows(X)]
        X_fit = masked_copy(X, ~held)
        return X_fit, X_fit[valid], masked_copy(X, held)[valid]

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
