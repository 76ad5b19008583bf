"""Build a user x item matrix from (user, item, value) arrays or a data frame."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import Bunch

__all__ = ["interactions_from_arrays", "interactions_from_frame"]


def _encode_ids(ids, name):
    """Sorted unique ids and the code of each entry; clear errors for bad ids."""
    if ids.dtype.kind == "f" and np.isnan(ids).any():
        raise ValueError(
            f"{name} holds {int(np.isnan(ids).sum())} missing (NaN) id(s). Drop "
            f"those rows first, e.g. frame.dropna(subset=[...])."
        )
    try:
        uniques, codes = np.unique(ids, return_inverse=True)
    except TypeError as exc:
        raise ValueError(
            f"{name} cannot be sorted: {exc}. Ids must be all numbers or all "
            f"strings, without missing values; drop or fill the missing ones first."
        ) from exc
    return uniques, codes.reshape(-1)


def _as_1d(x, name):
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be one-dimensional, got an array of shape {arr.shape}. "
            f"Pass one entry per interaction."
        )
    return arr


def _build_interactions(users, items, values=None, *, dtype=np.float32, extra=None):
    """Shared core of the public converters.

    Returns ``(X, user_ids, item_ids, X_extra)`` where ``X_extra`` holds ``extra``
    (float64) on exactly the sparsity pattern of ``X`` (or None).
    """
    users = _as_1d(users, "users")
    items = _as_1d(items, "items")
    n = users.shape[0]
    if items.shape[0] != n:
        raise ValueError(
            f"users and items must have the same length, got {n} users and "
            f"{items.shape[0]} items. Pass one (user, item) pair per interaction."
        )
    if n == 0:
        raise ValueError(
            "No interactions were given (users and items are empty). Pass at least "
            "one (user, item) pair."
        )
    if values is None:
        values = np.ones(n, dtype=dtype)
    else:
        values = _as_1d(values, "values")
        if values.shape[0] != n:
            raise ValueError(
                f"values must have one entry per interaction: got {values.shape[0]} "
                f"values for {n} (user, item) pairs."
            )
        try:
            values = values.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"values must be numeric, got dtype {values.dtype}: {exc}."
            ) from exc
        n_nan = int(np.isnan(values).sum())
        if n_nan:
            raise ValueError(
                f"values holds {n_nan} missing (NaN) value(s). Drop those "
                f"interactions or fill them (e.g. frame.dropna()) first."
            )
        n_inf = int(np.isinf(values).sum())
        if n_inf:
            raise ValueError(
                f"values holds {n_inf} infinite value(s); pass finite values."
            )
    user_ids, rows = _encode_ids(users, "users")
    item_ids, cols = _encode_ids(items, "items")
    n_users, n_items = user_ids.shape[0], item_ids.shape[0]

    # Order by (row, col); a stable sort puts duplicates next to each other.
    key = rows.astype(np.int64) * n_items + cols
    order = np.argsort(key, kind="stable")
    key = key[order]
    n_dup = int(np.count_nonzero(key[1:] == key[:-1]))
    if n_dup:
        raise ValueError(
            f"Found {n_dup} duplicate (user, item) pair(s); each pair must appear "
            f"once. Aggregate them first, e.g. keep the latest with "
            f"frame.groupby([user_col, item_col], as_index=False).last() or average "
            f"them with .mean()."
        )
    rows, cols, values = rows[order], cols[order], values[order]
    # Zero means "not observed": drop stored zeros.
    nonzero = values != 0
    rows, cols, values = rows[nonzero], cols[nonzero], values[nonzero]
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_users), out=indptr[1:])
    X = sp.csr_matrix(
        (values.astype(dtype, copy=False), cols, indptr), shape=(n_users, n_items)
    )
    X_extra = None
    if extra is not None:
        extra = np.asarray(extra, dtype=np.float64)[order][nonzero]
        X_extra = sp.csr_matrix(
            (extra, X.indices.copy(), X.indptr.copy()), shape=(n_users, n_items)
        )
    return X, user_ids, item_ids, X_extra


def interactions_from_arrays(users, items, values=None, *, dtype=np.float32):
    """Build a user x item matrix and its id maps from interaction arrays.

    Row ``r`` of the result is user ``user_ids[r]`` and column ``c`` is item
    ``item_ids[c]``, where the ids are the sorted unique values of ``users`` and
    ``items``. Zero means "not observed": interactions whose value is 0 are not
    stored (their user and item still get a row and a column).

    Time is O(n log n) for n interactions; memory is O(n).

    Parameters
    ----------
    users : array-like of shape (n_interactions,)
        The user id of each interaction: numbers or strings, no missing values.

    items : array-like of shape (n_interactions,)
        The item id of each interaction: numbers or strings, no missing values.

    values : array-like of shape (n_interactions,), default=None
        The value of each interaction (a rating, a count, a time). None gives 1.0
        for every interaction (implicit feedback). NaN values are an error.

    dtype : numpy dtype, default=np.float32
        The dtype of the matrix.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With the keys

        data : scipy.sparse.csr_matrix of shape (n_users, n_items)
            The interactions in canonical format (sorted indices, no duplicates,
            no stored zeros).
        user_ids : ndarray of shape (n_users,)
            The original id of each row, sorted.
        item_ids : ndarray of shape (n_items,)
            The original id of each column, sorted.

    Raises
    ------
    ValueError
        If a (user, item) pair appears more than once, if ``values`` holds NaN or
        infinite values, or if the arrays differ in length.

    See Also
    --------
    interactions_from_frame : The same from the columns of a data frame.

    Examples
    --------
    >>> from sklearn_recae.datasets import interactions_from_arrays
    >>> data = interactions_from_arrays(
    ...     users=["bob", "alice", "bob"], items=[20, 10, 10], values=[4, 5, 3])
    >>> data.user_ids
    array(['alice', 'bob'], dtype='<U5')
    >>> data.item_ids
    array([10, 20])
    >>> data.data.toarray()
    array([[5., 0.],
           [3., 4.]], dtype=float32)
    """
    X, user_ids, item_ids, _ = _build_interactions(users, items, values, dtype=dtype)
    return Bunch(data=X, user_ids=user_ids, item_ids=item_ids)


def _column(frame, col, name):
    """The column ``col`` of ``frame``, with clear errors."""
    try:
        columns = list(frame.columns)
    except AttributeError as exc:
        raise TypeError(
            f"frame must be a data frame with named columns (e.g. a "
            f"pandas.DataFrame), got {type(frame).__name__}. For plain arrays use "
            f"interactions_from_arrays."
        ) from exc
    if col not in columns:
        raise ValueError(
            f"{name}={col!r} is not a column of frame; its columns are {columns}. "
            f"Pass {name} naming one of them."
        )
    return frame[col]


def _to_numpy(column, numeric=False):
    if hasattr(column, "to_numpy"):
        if numeric:
            try:  # pandas nullable dtypes: missing values become NaN
                return column.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError):
                pass
        return column.to_numpy()
    return np.asarray(column)


def interactions_from_frame(
    frame, *, user_col="user_id", item_col="item_id", value_col="rating"
):
    """Build a user x item matrix and its id maps from a data frame.

    Each row of ``frame`` is one interaction. Row ``r`` of the result is user
    ``user_ids[r]`` and column ``c`` is item ``item_ids[c]``, where the ids are the
    sorted unique values of the user and item columns. Zero means "not observed":
    interactions whose value is 0 are not stored.

    Parameters
    ----------
    frame : pandas.DataFrame
        The interactions, one per row. Any object with ``columns`` and
        ``frame[col]`` column access works.

    user_col : str, default="user_id"
        The column of user ids.

    item_col : str, default="item_id"
        The column of item ids.

    value_col : str or None, default="rating"
        The column of values. None gives 1.0 for every interaction (implicit
        feedback).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With the keys ``data`` (scipy.sparse.csr_matrix of shape
        (n_users, n_items), float32), ``user_ids`` and ``item_ids``, as returned
        by :func:`interactions_from_arrays`.

    Raises
    ------
    ValueError
        If a column is missing, a (user, item) pair appears more than once
        (aggregate first, e.g. ``frame.groupby([user_col, item_col],
        as_index=False).last()``), or a value is missing.

    See Also
    --------
    interactions_from_arrays : The same from plain arrays.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_recae.datasets import interactions_from_frame
    >>> frame = pd.DataFrame({"user_id": [7, 7, 3], "item_id": [1, 2, 2],
    ...                       "rating": [5.0, 3.0, 4.0]})
    >>> data = interactions_from_frame(frame)
    >>> data.user_ids, data.item_ids
    (array([3, 7]), array([1, 2]))
    >>> data.data.toarray()
    array([[0., 4.],
           [5., 3.]], dtype=float32)
    >>> interactions_from_frame(frame, value_col=None).data.toarray()
    array([[0., 1.],
           [1., 1.]], dtype=float32)
    """
    users = _to_numpy(_column(frame, user_col, "user_col"))
    items = _to_numpy(_column(frame, item_col, "item_col"))
    values = None
    if value_col is not None:
        values = _to_numpy(_column(frame, value_col, "value_col"), numeric=True)
    return interactions_from_arrays(users, items, values)
