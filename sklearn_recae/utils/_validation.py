"""Input validation shared by every estimator, metric and splitter.

This is the single module that touches scikit-learn's private API
(``_fit_context``, ``_param_validation``): if it moves, only this shim changes.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import _fit_context  # noqa: F401  (re-exported for estimators)
from sklearn.utils._param_validation import (  # noqa: F401  (re-exported)
    HasMethods,
    Hidden,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_array, check_non_negative, validate_data

__all__ = [
    "Interval",
    "StrOptions",
    "_fit_context",
    "check_fold_out",
    "check_interactions",
    "validate_params",
]

_NUMERIC = (np.float32, np.float64)


def _check_numeric(X, what):
    dtype = X.dtype if hasattr(X, "dtype") else np.asarray(X).dtype
    if dtype.kind in "SUV":
        raise TypeError(
            f"{what} must hold real numbers, got dtype {dtype}. Encode users, items "
            "and values as numbers first (see sklearn_recae.datasets."
            "interactions_from_frame)."
        )


def _shares_memory(X, original):
    """Whether the CSR ``X`` may share an array with the caller's ``original``."""
    if not sp.issparse(original):
        return isinstance(original, np.ndarray) and any(
            np.may_share_memory(a, original) for a in (X.data, X.indices, X.indptr)
        )
    theirs = [
        getattr(original, name)
        for name in ("data", "indices", "indptr", "row", "col", "offsets")
        if isinstance(getattr(original, name, None), np.ndarray)
    ]
    return any(
        np.may_share_memory(a, b) for a in (X.data, X.indices, X.indptr) for b in theirs
    )


def _to_csr(X, dtype, original):
    """Canonical CSR of ``dtype``; never writes into the caller's ``original``.

    Cleaning (summing duplicates, dropping stored zeros, sorting indices) works in
    place on scipy's side, so a matrix that needs it is copied first when it may
    share memory with the caller's. One that needs no cleaning is returned without
    a copy, which also lets read-only (memory-mapped) input through.
    """
    X = sp.csr_matrix(X)
    if not isinstance(dtype, (tuple, list)):
        X = X.astype(dtype, copy=False)
    # has_canonical_format: sorted indices and no duplicates (scipy checks both)
    if X.has_canonical_format and not (X.data == 0).any():
        return X
    if _shares_memory(X, original):
        X = X.copy()
    X.sum_duplicates()
    X.eliminate_zeros()
    X.sort_indices()
    return X


def check_interactions(
    X,
    *,
    estimator=None,
    reset=True,
    dtype=np.float32,
    non_negative=True,
    require_interactions=True,
    what="X",
):
    """Validate a user × item matrix and return it as canonical CSR.

    Any scipy.sparse format (matrices and arrays) or array-like is accepted. The
    result is a ``scipy.sparse.csr_matrix`` of ``dtype`` with sorted indices, no
    duplicate entries and no stored zeros: zero means "not observed".

    The caller's data are never modified: input that needs converting or
    cleaning is copied first, and canonical CSR of the right dtype is returned
    without a copy (its arrays shared with ``X``), so read-only and
    memory-mapped input works.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_users, n_items)
        Interactions, one row per user and one column per item.
    estimator : estimator instance, default=None
        When given, validation goes through :func:`sklearn.utils.validation.
        validate_data`, which records ``n_features_in_`` (``reset=True``) or
        checks the item count against it (``reset=False``).
    reset : bool, default=True
        Whether this call is a ``fit`` (record the item count) or a later call
        (check it).
    dtype : {np.float32, np.float64} or tuple of them, default=np.float32
        Data type of the returned matrix. A tuple keeps an input of one of its
        types and converts anything else to its first one.
    non_negative : bool, default=True
        Refuse negative values.
    require_interactions : bool, default=True
        Refuse a matrix without a single non-zero entry.
    what : str, default="X"
        Name of the input in error messages.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_users, n_items)
        The validated interactions. It may share memory with the input: treat it
        as read-only.

    Raises
    ------
    TypeError
        If the values are not real numbers.
    ValueError
        If ``X`` is not 2-D, has no rows or columns, holds NaN or inf, holds
        negative values, holds no interaction at all, or (``reset=False``) has a
        different number of items than the fitted estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recae.utils import check_interactions
    >>> X = check_interactions(np.array([[0, 3], [1, 0]]))
    >>> X.format, X.dtype, X.nnz
    ('csr', dtype('float32'), 2)
    """
    original = X
    _check_numeric(X if sp.issparse(X) or hasattr(X, "dtype") else np.asarray(X), what)
    kwargs = dict(
        accept_sparse="csr",
        dtype=dtype if isinstance(dtype, (tuple, list)) else _NUMERIC,
        ensure_2d=True,
        ensure_min_samples=1,
        ensure_min_features=1,
    )
    if estimator is not None:
        X = validate_data(estimator, X, reset=reset, **kwargs)
    else:
        X = check_array(X, input_name=what, **kwargs)
    X = _to_csr(X, dtype, original)
    if non_negative:
        name = type(estimator).__name__ if estimator is not None else what
        check_non_negative(X, f"{name} (input {what})")
    if require_interactions and X.nnz == 0:
        raise ValueError(
            f"{what} holds no interactions: all {X.shape[0]} x {X.shape[1]} entries "
            "are zero. Pass a matrix with at least one non-zero entry (zero means "
            "'not observed')."
        )
    return X


def check_fold_out(X, y, *, what="y"):
    """Validate held-out interactions ``y`` against the fold-in matrix ``X``.

    Parameters
    ----------
    X : scipy.sparse.csr_matrix of shape (n_users, n_items)
        Validated fold-in interactions.
    y : {array-like, sparse matrix} of shape (n_users, n_items)
        Held-out interactions of the same users and items.
    what : str, default="y"
        Name of the input in error messages.

    Returns
    -------
    y : scipy.sparse.csr_matrix of shape (n_users, n_items)
        The validated held-out interactions (float32, may be empty).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recae.utils import check_fold_out, check_interactions
    >>> X = check_interactions(np.array([[0, 3], [1, 0]]))
    >>> check_fold_out(X, np.array([[1, 0], [0, 0]])).nnz
    1
    """
    if not sp.issparse(y) and np.ndim(y) != 2:
        raise ValueError(
            f"{what} must be a matrix of held-out interactions with the shape of X "
            f"{X.shape}, got an array of shape {np.shape(y)}. Recommenders take no "
            "per-row target: pass y=None to let the scorer hold out entries of X, "
            "or the fold-out matrix from holdout_split."
        )
    y = check_interactions(y, non_negative=False, require_interactions=False, what=what)
    if y.shape != X.shape:
        raise ValueError(
            f"{what} has shape {y.shape} but X has shape {X.shape}; the held-out "
            "matrix must have one row per user of X and one column per item."
        )
    return y
