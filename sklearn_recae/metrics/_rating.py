"""Rating error over observed entries only."""

import numpy as np

from ..utils._validation import check_interactions


def squared_errors(y_true, y_pred, rating_range=None):
    """Squared errors at the stored entries of CSR ``y_true`` (row-major order)."""
    rows, cols = y_true.nonzero()
    predicted = np.asarray(y_pred)[rows, cols].astype(np.float64)
    if rating_range is not None:
        predicted = np.clip(predicted, *rating_range)
    if np.isnan(predicted).any():
        raise ValueError(
            "y_pred holds NaN at observed entries; a model produced undefined "
            "ratings. Check its input and training (did the loss diverge?)."
        )
    return (predicted - y_true.data) ** 2


def check_rating_range(rating_range):
    if rating_range is None:
        return None
    low, high = rating_range
    if not low < high:
        raise ValueError(
            f"rating_range must be (low, high) with low < high, got {rating_range!r}."
        )
    return float(low), float(high)


def masked_rmse(y_true, y_pred, *, rating_range=None):
    """Root mean squared error over the observed entries of ``y_true`` only.

    Entries that are zero in ``y_true`` (not observed) never contribute,
    whatever ``y_pred`` holds there.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_users, n_items)
        Held-out ratings; zero means not observed.
    y_pred : ndarray of shape (n_users, n_items)
        Predicted ratings.
    rating_range : tuple of (float, float), default=None
        ``(low, high)``: predictions are clipped to it before the error is
        taken, as in the AutoRec and DeepRec evaluations (e.g. ``(1, 5)``).

    Returns
    -------
    rmse : float
        The root mean squared error over observed entries.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recae.metrics import masked_rmse
    >>> y_true = np.array([[4, 0], [0, 2]])
    >>> y_pred = np.array([[5.0, 9.9], [0.0, 3.5]])
    >>> masked_rmse(y_true, y_pred)  # errors 1 and 1.5 only
    1.2747548783981961
    >>> masked_rmse(y_true, y_pred, rating_range=(1, 5))  # 3.5 stays, 0 -> unused
    1.2747548783981961
    """
    y_true = check_interactions(
        y_true,
        non_negative=False,
        require_interactions=False,
        what="y_true",
        dtype=np.float64,
    )
    y_pred = np.asarray(y_pred)
    if y_pred.shape != y_true.shape:
        raise ValueError(
            f"y_pred must have the shape of y_true {y_true.shape}, got {y_pred.shape}."
        )
    if y_true.nnz == 0:
        raise ValueError(
            "y_true holds no observed rating, so no error can be measured. Pass the "
            "held-out ratings (see sklearn_recae.model_selection.holdout_split)."
        )
    errors = squared_errors(y_true, y_pred, check_rating_range(rating_range))
    return float(np.sqrt(errors.mean()))
