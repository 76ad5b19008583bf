"""Top-k selection with seen-item masking and a stable tie-break."""

import numpy as np
import scipy.sparse as sp


def check_k(k, n_items=None):
    """Validate a list length: a positive integer, at most ``n_items`` if given."""
    is_int = isinstance(k, (int, np.integer)) and not isinstance(k, bool)
    if not is_int or k < 1 or (n_items is not None and k > n_items):
        if n_items is None:
            raise ValueError(f"k must be a positive integer, got {k!r}.")
        raise ValueError(
            f"k must be an integer between 1 and the number of items ({n_items}), "
            f"got {k!r}."
        )
    return int(k)


def _mask_excluded(scores, exclude):
    if exclude is None:
        return scores
    scores = np.array(scores, dtype=np.result_type(scores.dtype, np.float32))
    if sp.issparse(exclude):
        rows, cols = exclude.nonzero()
    else:
        rows, cols = np.nonzero(exclude)
    scores[rows, cols] = -np.inf
    return scores


def _select_k_unordered(scores, k):
    """Indices of the k best items per row, ties at the boundary by lower index."""
    candidates = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(scores, candidates, axis=1).min(axis=1, keepdims=True)
    n_above = (scores > kth).sum(axis=1, keepdims=True)
    at_kth = scores == kth
    ambiguous = (n_above + at_kth.sum(axis=1, keepdims=True) > k).ravel()
    if not ambiguous.any():
        return candidates
    rows = np.flatnonzero(ambiguous)
    ties = at_kth[rows]
    keep = (scores[rows] > kth[rows]) | (
        ties & (np.cumsum(ties, axis=1) <= k - n_above[rows])
    )
    candidates[rows] = np.nonzero(keep)[1].reshape(len(rows), k)
    return candidates


def top_k(scores, k, *, exclude=None, return_scores=False):
    """Indices of the ``k`` highest scores of each row, best first.

    Ties break by lower item index. Items in ``exclude`` and items scored
    ``-inf`` are never returned; a row with fewer than ``k`` candidates is
    padded with index ``-1`` (score ``-inf``).

    Parameters
    ----------
    scores : ndarray of shape (n_users, n_items)
        Dense scores; larger is better. Must not hold NaN.
    k : int
        Length of each list, ``1 <= k <= n_items``.
    exclude : {array-like, sparse matrix} of shape (n_users, n_items), default=None
        Non-zero entries mark items to leave out (e.g. the fold-in).
    return_scores : bool, default=False
        Also return the scores of the returned items.

    Returns
    -------
    indices : ndarray of shape (n_users, k)
        Item indices, best first, ``-1`` where no candidate is left.
    top_scores : ndarray of shape (n_users, k)
        Only when ``return_scores=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recae.utils import top_k
    >>> top_k(np.array([[0.1, 0.9, 0.9, 0.3]]), 2)
    array([[1, 2]])
    >>> top_k(np.array([[0.1, 0.9, 0.9, 0.3]]), 2, exclude=np.array([[0, 1, 0, 0]]))
    array([[2, 3]])
    """
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(
            f"scores must be a 2-D array (n_users, n_items), got shape {scores.shape}."
        )
    n_items = scores.shape[1]
    k = check_k(k, n_items)
    if np.isnan(scores).any():
        raise ValueError(
            "scores hold NaN; a model produced undefined scores. Check the model's "
            "input (NaN-free) and its training (did the loss diverge?)."
        )
    scores = _mask_excluded(scores, exclude)
    if k == n_items:
        indices = np.argsort(-scores, axis=1, kind="stable")
    else:
        selected = _select_k_unordered(scores, k)
        values = np.take_along_axis(scores, selected, axis=1)
        order = np.lexsort((selected, -values), axis=1)
        indices = np.take_along_axis(selected, order, axis=1)
    top = np.take_along_axis(scores, indices, axis=1)
    indices = np.where(top == -np.inf, -1, indices)
    if return_scores:
        return indices, top
    return indices
