"""Top-k ranking metrics on sparse held-out interactions and dense scores.

Definitions follow PROTOCOLS.md (binary relevance: a held-out entry > 0):
``precision@k = hits@k / k``, ``recall@k = hits@k / min(k, n_heldout)`` (Liang et
al. 2018), ``recall_n@k = hits@k / n_heldout`` and ``ndcg@k = DCG@k / IDCG@k``
with gain 1 at rank r discounted by ``1 / log2(r + 1)`` and IDCG over
``min(k, n_heldout)`` hits. Users without held-out items are skipped.
"""

import numpy as np
from sklearn.utils import gen_batches

from ..utils._memory import budget_rows
from ..utils._topk import check_k, top_k
from ..utils._validation import check_interactions

_BYTES_PER_SCORE = 24  # score copy, masks and index temporaries per (user, item)


def _check_scores(y_true, y_score):
    y_score = np.asarray(y_score)
    if y_score.ndim != 2 or y_score.shape != y_true.shape:
        raise ValueError(
            f"y_score must be a dense array with the shape of y_true {y_true.shape}, "
            f"got shape {y_score.shape}."
        )
    if y_score.dtype.kind not in "fiu":
        raise TypeError(f"y_score must hold real numbers, got dtype {y_score.dtype}.")
    return y_score


def _dcg_discounts(k):
    return 1.0 / np.log2(np.arange(2, k + 2))


def ranking_hits(y_true, y_score, k, exclude=None):
    """Relevance of each of the top-k items and the held-out count, per user.

    Yields, batch after batch of users so that memory stays bounded, the
    boolean ``(batch, min(k, n_items))`` hit matrix and the ``(batch,)``
    held-out counts.
    """
    check_k(k)
    length = min(k, y_true.shape[1])  # a list cannot outgrow the catalogue
    batch = budget_rows(y_true.shape[1] * _BYTES_PER_SCORE)
    for rows in gen_batches(y_true.shape[0], batch):
        excluded = None if exclude is None else exclude[rows]
        indices = top_k(y_score[rows], length, exclude=excluded)
        relevant = (y_true[rows] > 0).toarray()
        hits = np.take_along_axis(relevant, np.maximum(indices, 0), axis=1)
        yield hits & (indices >= 0), relevant.sum(axis=1)


def per_user_values(batches, metric, k):
    """Values of a ranking metric for every user with held-out items.

    The package's one loop over users: the metric functions, the scorers
    (:class:`~sklearn_recae.metrics.RecommenderScorer`) and the validation
    callback (:class:`~sklearn_recae.callbacks.RankingScoring`) feed it their
    batches of users, from a dense array, ``predict`` or the net. Users without
    a relevant held-out item are skipped, not counted as 0.

    Parameters
    ----------
    batches : iterable of (y_true, y_score, exclude)
        Batches of users: ``y_true`` a CSR matrix of shape (n_batch, n_items)
        of held-out interactions (an entry > 0 is relevant), ``y_score`` the
        dense (n_batch, n_items) scores, ``exclude`` a CSR matrix of the items
        to remove from the ranking (the fold-in) or None.
    metric : {'ndcg', 'recall', 'recall_n', 'precision'}
        A key of ``RANKING_METRICS``.
    k : int
        List length.

    Returns
    -------
    values : ndarray of shape (n_scored_users,)
        One value per user with held-out items, in the order of the batches.
    """
    function = RANKING_METRICS[metric]
    values = [np.empty(0)]
    for y_true, y_score, exclude in batches:
        for hits, n_relevant in ranking_hits(y_true, y_score, k, exclude):
            keep = n_relevant > 0
            values.append(function(hits[keep], n_relevant[keep], k))
    return np.concatenate(values)


def _per_user(y_true, y_score, k, exclude, metric):
    y_true = check_interactions(
        y_true, non_negative=False, require_interactions=False, what="y_true"
    )
    y_score = _check_scores(y_true, y_score)
    if exclude is not None:
        exclude = check_interactions(
            exclude, non_negative=False, require_interactions=False, what="exclude"
        )
        if exclude.shape != y_true.shape:
            raise ValueError(
                f"exclude must have the shape of y_true {y_true.shape} (the fold-in "
                f"of the same users and items), got shape {exclude.shape}."
            )
    values = per_user_values([(y_true, y_score, exclude)], metric, k)
    if values.size == 0:
        raise ValueError(
            "y_true holds no held-out interaction for any user, so no ranking can "
            "be scored. Hold out some entries per user (see "
            "sklearn_recae.model_selection.holdout_split)."
        )
    return values


def _ndcg(hits, n_relevant, k):
    discounts = _dcg_discounts(hits.shape[1])
    dcg = hits @ discounts
    ideal = np.cumsum(discounts)[np.minimum(n_relevant, k) - 1]
    return dcg / ideal


def _recall(hits, n_relevant, k):
    return hits.sum(axis=1) / np.minimum(n_relevant, k)


def _recall_n(hits, n_relevant, k):
    return hits.sum(axis=1) / n_relevant


def _precision(hits, n_relevant, k):
    return hits.sum(axis=1) / k


def ndcg_at_k(y_true, y_score, *, k=100, exclude=None):
    """Normalised discounted cumulative gain of the top-k list, mean over users.

    ``DCG@k = sum_r hit_r / log2(r + 1)`` over ranks ``r = 1..k``, divided by the
    DCG of a perfect list of ``min(k, n_heldout)`` hits. Users without held-out
    items are skipped.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_users, n_items)
        Held-out interactions; an entry > 0 is relevant.
    y_score : ndarray of shape (n_users, n_items)
        Predicted scores; larger ranks higher, ties break by lower item index.
    k : int, default=100
        Length of the ranked list (the whole catalogue when larger).
    exclude : {array-like, sparse matrix} of shape (n_users, n_items), default=None
        Non-zero entries (usually the fold-in) are removed from the ranking.

    Returns
    -------
    score : float
        Mean NDCG@k in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recae.metrics import ndcg_at_k
    >>> y_true = np.array([[0, 1, 0, 1]])
    >>> y_score = np.array([[0.9, 0.8, 0.1, 0.5]])
    >>> round(ndcg_at_k(y_true, y_score, k=2), 4)  # hit at rank 2 of 2
    0.3869
    """
    return float(_per_user(y_true, y_score, k, exclude, "ndcg").mean())


def recall_at_k(y_true, y_score, *, k=100, exclude=None):
    """Recall of the top-k list normalised by ``min(k, n_heldout)``, mean over users.

    This is the recall of Liang et al. (2018); :func:`recall_n_at_k` divides by
    ``n_heldout`` instead. Users without held-out items are skipped.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_users, n_items)
        Held-out interactions; an entry > 0 is relevant.
    y_score : ndarray of shape (n_users, n_items)
        Predicted scores; larger ranks higher, ties break by lower item index.
    k : int, default=100
        Length of the ranked list (the whole catalogue when larger).
    exclude : {array-like, sparse matrix} of shape (n_users, n_items), default=None
        Non-zero entries (usually the fold-in) are removed from the ranking.

    Returns
    -------
    score : float
        Mean recall@k in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recae.metrics import recall_at_k
    >>> y_true = np.array([[0, 1, 1, 1]])
    >>> y_score = np.array([[0.9, 0.8, 0.1, 0.5]])
    >>> recall_at_k(y_true, y_score, k=2)  # 1 hit of min(2, 3)
    0.5
    """
    return float(_per_user(y_true, y_score, k, exclude, "recall").mean())


def recall_n_at_k(y_true, y_score, *, k=100, exclude=None):
    """Recall of the top-k list normalised by ``n_heldout``, mean over users.

    Unlike :func:`recall_at_k`, a user with more than ``k`` held-out items cannot
    reach 1. Users without held-out items are skipped.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_users, n_items)
        Held-out interactions; an entry > 0 is relevant.
    y_score : ndarray of shape (n_users, n_items)
        Predicted scores; larger ranks higher, ties break by lower item index.
    k : int, default=100
        Length of the ranked list (the whole catalogue when larger).
    exclude : {array-like, sparse matrix} of shape (n_users, n_items), default=None
        Non-zero entries (usually the fold-in) are removed from the ranking.

    Returns
    -------
    score : float
        Mean recall (÷ n) @k in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recae.metrics import recall_n_at_k
    >>> y_true = np.array([[0, 1, 1, 1]])
    >>> y_score = np.array([[0.9, 0.8, 0.1, 0.5]])
    >>> round(recall_n_at_k(y_true, y_score, k=2), 4)  # 1 hit of 3
    0.3333
    """
    return float(_per_user(y_true, y_score, k, exclude, "recall_n").mean())


def precision_at_k(y_true, y_score, *, k=100, exclude=None):
    """Share of the top-k list that is held out, mean over users.

    Users without held-out items are skipped.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_users, n_items)
        Held-out interactions; an entry > 0 is relevant.
    y_score : ndarray of shape (n_users, n_items)
        Predicted scores; larger ranks higher, ties break by lower item index.
    k : int, default=100
        Length of the ranked list (the whole catalogue when larger).
    exclude : {array-like, sparse matrix} of shape (n_users, n_items), default=None
        Non-zero entries (usually the fold-in) are removed from the ranking.

    Returns
    -------
    score : float
        Mean precision@k in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recae.metrics import precision_at_k
    >>> y_true = np.array([[0, 1, 1, 1]])
    >>> y_score = np.array([[0.9, 0.8, 0.1, 0.5]])
    >>> precision_at_k(y_true, y_score, k=2)
    0.5
    """
    return float(_per_user(y_true, y_score, k, exclude, "precision").mean())


RANKING_METRICS = {
    "ndcg": _ndcg,
    "recall": _recall,
    "recall_n": _recall_n,
    "precision": _precision,
}
