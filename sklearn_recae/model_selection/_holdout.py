"""Per-row fold-in / held-out splitting of interaction matrices."""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ..utils._validation import (
    Interval,
    StrOptions,
    check_interactions,
    validate_params,
)

STRATEGIES = ("random", "temporal", "leave_one_out")
_EPS = 1e-9  # guards int(0.8 * n)-style counts against float round-off


def entry_rows(X):
    """Row index of every stored entry of CSR ``X``."""
    return np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))


def _n_heldout(n, test_size, strategy, rounding):
    if strategy == "leave_one_out":
        n_out = np.ones_like(n)
    elif rounding == "ceil":
        n_out = n - np.floor((1.0 - test_size) * n + _EPS).astype(n.dtype)
    else:
        n_out = np.floor(test_size * n + _EPS).astype(n.dtype)
    return np.clip(np.minimum(n_out, n - 1), 0, None)


def _entry_order(X, strategy, random_state):
    """Order of the stored entries, grouped by row, in holdout preference."""
    rows = entry_rows(X)
    if strategy == "random":
        keys = check_random_state(random_state).random_sample(X.nnz)
        return np.lexsort((keys, rows))
    # temporal: latest (largest value, then largest item index) first
    return np.lexsort((-X.indices, -X.data, rows))


def heldout_mask(
    X, test_size=0.2, strategy="random", random_state=None, rounding="ceil"
):
    """Boolean mask over ``X.data``: True for the held-out entries."""
    n = np.diff(X.indptr)
    n_out = _n_heldout(n, test_size, strategy, rounding)
    order = _entry_order(X, strategy, random_state)
    rank = np.arange(X.nnz) - X.indptr[entry_rows(X)]
    mask = np.zeros(X.nnz, dtype=bool)
    mask[order[rank < np.repeat(n_out, n)]] = True
    return mask


def masked_copy(X, keep):
    """The entries of CSR ``X`` where ``keep`` (a mask over ``X.data``) holds."""
    counts = np.bincount(entry_rows(X)[keep], minlength=X.shape[0])
    indptr = np.concatenate(([0], np.cumsum(counts)))
    return sp.csr_matrix((X.data[keep], X.indices[keep], indptr), shape=X.shape)


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "strategy": [StrOptions(set(STRATEGIES))],
        "random_state": ["random_state"],
        "rounding": [StrOptions({"ceil", "floor"})],
    },
    prefer_skip_nested_validation=True,
)
def holdout_split(
    X, test_size=0.2, *, strategy="random", random_state=None, rounding="ceil"
):
    """Split the interactions of every row into a fold-in and a held-out part.

    The two returned matrices have the shape of ``X`` and partition its
    non-zero entries. Every row keeps at least one fold-in interaction, so a
    row with a single interaction has nothing held out.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_users, n_items)
        Interactions: any non-zero real values (implicit strengths, ratings
        of any sign, times); zero means not observed. Splitting does not
        check the sign: the estimator that receives the parts checks its own
        input policy. For ``strategy="temporal"`` and ``"leave_one_out"`` the
        values order each row's events (a time or a rank; larger is later, ties
        by item index), in the input's precision (float64 is kept).
    test_size : float, default=0.2
        Fraction of each row's interactions to hold out (ignored by
        ``"leave_one_out"``).
    strategy : {'random', 'temporal', 'leave_one_out'}, default='random'
        ``'random'``: a seeded random subset of each row; ``'temporal'``: the
        latest ``test_size`` fraction of each row; ``'leave_one_out'``: the
        latest single interaction of each row.
    random_state : int, RandomState instance or None, default=None
        Seed of the random strategy; pass an int for reproducible splits.
    rounding : {'ceil', 'floor'}, default='ceil'
        How a row of ``n`` interactions rounds its held-out count: ``'ceil'``
        holds out ``n - int((1 - test_size) * n)`` (scikit-learn's
        ``train_test_split`` and the T1 / Q1 protocols), ``'floor'`` holds out
        ``int(test_size * n)`` (Liang et al. 2018, the S1 protocol).

    Returns
    -------
    X_in : scipy.sparse.csr_matrix of shape (n_users, n_items)
        The fold-in interactions.
    X_out : scipy.sparse.csr_matrix of shape (n_users, n_items)
        The held-out interactions; ``X_in + X_out`` equals ``X``.

    Examples
    --------
    >>> from sklearn_recae.datasets import make_interactions
    >>> from sklearn_recae.model_selection import holdout_split
    >>> X = make_interactions(n_users=50, n_items=30, random_state=0)
    >>> X_in, X_out = holdout_split(X, test_size=0.2, random_state=0)
    >>> X_in.shape == X_out.shape == X.shape, (X_in + X_out != X).nnz
    (True, 0)
    """
    X = check_interactions(
        X,
        dtype=(np.float64, np.float32),
        non_negative=False,
        require_interactions=False,
    )
    held = heldout_mask(X, test_size, strategy, random_state, rounding)
    return masked_copy(X, ~held), masked_copy(X, held)
