"""Scorers ``scorer(estimator, X, y=None)`` for scikit-learn's model selection."""

from numbers import Real

import numpy as np
from sklearn.utils import gen_batches

from ..base import RecommenderMixin
from ..model_selection._holdout import STRATEGIES, holdout_split
from ..utils._memory import budget_rows
from ..utils._topk import check_k
from ..utils._validation import check_fold_out, check_interactions
from ._ranking import RANKING_METRICS, ranking_hits
from ._rating import check_rating_range, squared_errors

_PREDICT_BYTES_PER_ENTRY = 32  # predictions plus the ranking's temporaries
_KEEP_PRECISION = (np.float64, np.float32)  # a temporal split orders by value


def _check_scored_input(estimator, X):
    """``X`` as CSR, checked by the estimator's own input policy.

    A recommender of this package checks the sign and item count of ``X`` as
    its ``fit`` and ``predict`` do (rating models accept negative ratings), while
    the precision of the values is kept for the holdout's temporal order. Any
    other estimator (e.g. a Pipeline) gets the structural checks only: its
    steps check their own input.
    """
    if isinstance(estimator, RecommenderMixin):
        return estimator._validate(
            X, reset=False, require_interactions=False, dtype=_KEEP_PRECISION
        )
    return check_interactions(
        X, dtype=_KEEP_PRECISION, non_negative=False, require_interactions=False
    )


class RecommenderScorer:
    """Score a recommender on held-out interactions.

    Called as ``scorer(estimator, X, y=None)``, as scikit-learn's model
    selection does:

    - with ``y``: ``X`` is the fold-in and ``y`` the held-out interactions of
      the same users (weak generalization, or a predefined split);
    - without ``y``: every row of ``X`` is split by :func:`~sklearn_recae.
      model_selection.holdout_split` (``strategy``, ``test_size``,
      ``random_state``) into fold-in and held-out (strong generalization when
      the rows are users unseen at fit time).

    ``X`` is checked by the estimator's own input policy (its sign and item
    count, as in its ``fit``), so rating models may have negative ratings;
    the values keep their precision for the temporal holdout. The estimator's
    ``predict`` runs on the fold-in in batches of users that fit both
    scikit-learn's ``working_memory`` and the package memory budget
    (``SKLEARN_RECAE_MEMORY_BUDGET_MB``), so memory stays bounded. Ranking
    metrics remove the fold-in items from the ranking (``exclude_seen``) and
    skip users without held-out items.

    Parameters
    ----------
    metric : {'ndcg', 'recall', 'recall_n', 'precision', 'rmse'}
        What to measure; see :mod:`sklearn_recae.metrics`. ``'rmse'`` returns
        the *negative* masked RMSE, since scikit-learn maximises scores.
    k : int, default=100
        List length of the ranking metrics.
    strategy : {'random', 'temporal', 'leave_one_out'}, default='random'
        How rows are split when ``y`` is None.
    test_size : float, default=0.2
        Fraction of each row held out when ``y`` is None.
    random_state : int, RandomState instance or None, default=0
        Seed of the random holdout; the default gives every candidate of a
        search the same split.
    threshold : float, default=0.0
        Held-out entries greater than this are relevant (e.g. 3.5 for
        "rated 4 or 5").
    exclude_seen : bool, default=True
        Remove the fold-in items from the ranking.
    rating_range : tuple of (float, float), default=None
        For ``'rmse'``: clip predictions to ``(low, high)``.

    Examples
    --------
    >>> from sklearn_recae import EASE
    >>> from sklearn_recae.datasets import make_interactions
    >>> from sklearn_recae.metrics import ndcg_scorer
    >>> X = make_interactions(n_users=100, n_items=40, random_state=0)
    >>> scorer = ndcg_scorer(k=10)
    >>> 0 <= scorer(EASE(l2=10.0).fit(X), X) <= 1
    True
    """

    def __init__(
        self,
        metric,
        *,
        k=100,
        strategy="random",
        test_size=0.2,
        random_state=0,
        threshold=0.0,
        exclude_seen=True,
        rating_range=None,
    ):
        if metric not in (*RANKING_METRICS, "rmse"):
            raise ValueError(
                f"Unknown metric {metric!r}; choose one of "
                f"{sorted((*RANKING_METRICS, 'rmse'))}."
            )
        if strategy not in STRATEGIES:
            raise ValueError(
                f"Unknown holdout strategy {strategy!r}; choose one of {STRATEGIES}."
            )
        if metric != "rmse":
            check_k(k)
        if not (isinstance(test_size, Real) and 0 < test_size < 1):
            raise ValueError(
                f"test_size must be a fraction in (0, 1) of each row to hold out, "
                f"got {test_size!r}."
            )
        self.metric = metric
        self.k = k
        self.strategy = strategy
        self.test_size = test_size
        self.random_state = random_state
        self.threshold = threshold
        self.exclude_seen = exclude_seen
        self.rating_range = check_rating_range(rating_range)

    def __repr__(self):
        if self.metric == "rmse":
            return f"rmse_scorer(strategy={self.strategy!r})"
        return f"{self.metric}_scorer(k={self.k}, strategy={self.strategy!r})"

    def _split(self, estimator, X, y):
        X = _check_scored_input(estimator, X)
        if y is not None:
            return X, check_fold_out(X, y)
        return holdout_split(
            X, self.test_size, strategy=self.strategy, random_state=self.random_state
        )

    def _batches(self, X_in):
        size = budget_rows(X_in.shape[1] * _PREDICT_BYTES_PER_ENTRY)
        return gen_batches(X_in.shape[0], size)

    def _ranking_score(self, estimator, X_in, X_out):
        relevant = X_out > self.threshold
        metric = RANKING_METRICS[self.metric]
        values = []
        for rows in self._batches(X_in):
            scores = np.asarray(estimator.predict(X_in[rows]))
            exclude = X_in[rows] if self.exclude_seen else None
            for hits, n_relevant in ranking_hits(
                relevant[rows], scores, self.k, exclude
            ):
                keep = n_relevant > 0
                values.append(metric(hits[keep], n_relevant[keep], self.k))
        values = np.concatenate(values)
        if values.size == 0:
            raise ValueError(
                "No user has a held-out interaction to score. Pass rows with at "
                "least two interactions, or a non-empty fold-out y."
            )
        return float(values.mean())

    def _rmse_score(self, estimator, X_in, X_out):
        errors = [
            squared_errors(
                X_out[rows], estimator.predict(X_in[rows]), self.rating_range
            )
            for rows in self._batches(X_in)
        ]
        errors = np.concatenate(errors)
        if errors.size == 0:
            raise ValueError(
                "No held-out rating to score. Pass rows with at least two ratings, "
                "or a non-empty fold-out y."
            )
        return -float(np.sqrt(errors.mean()))

    def __call__(self, estimator, X, y=None):
        """Score ``estimator`` on ``X`` (fold-in) and ``y`` (held-out).

        Parameters
        ----------
        estimator : estimator instance
            A fitted recommender (or a Pipeline ending in one) with ``predict``.
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Fold-in interactions, or whole rows to split when ``y`` is None.
        y : {array-like, sparse matrix} of shape (n_users, n_items), default=None
            Held-out interactions of the same users.

        Returns
        -------
        score : float
            The metric (greater is better; negative RMSE for ``'rmse'``).
        """
        X_in, X_out = self._split(estimator, X, y)
        if self.metric == "rmse":
            return self._rmse_score(estimator, X_in, X_out)
        return self._ranking_score(estimator, X_in, X_out)


def ndcg_scorer(k=100, **kwargs):
    """Scorer of NDCG@k, for ``scoring=`` in model selection.

    See :func:`ndcg_at_k`.

    Parameters
    ----------
    k : int, default=100
        List length.
    **kwargs : dict
        ``strategy``, ``test_size``, ``random_state``, ``threshold`` and
        ``exclude_seen`` of :class:`RecommenderScorer`.

    Returns
    -------
    scorer : RecommenderScorer
        Callable ``scorer(estimator, X, y=None)``.

    Examples
    --------
    >>> from sklearn_recae.metrics import ndcg_scorer
    >>> ndcg_scorer(k=20)
    ndcg_scorer(k=20, strategy='random')
    """
    return RecommenderScorer("ndcg", k=k, **kwargs)


def recall_scorer(k=100, **kwargs):
    """Scorer of recall@k ÷ min(k, n), for ``scoring=`` in model selection.

    See :func:`recall_at_k`.

    Parameters
    ----------
    k : int, default=100
        List length.
    **kwargs : dict
        ``strategy``, ``test_size``, ``random_state``, ``threshold`` and
        ``exclude_seen`` of :class:`RecommenderScorer`.

    Returns
    -------
    scorer : RecommenderScorer
        Callable ``scorer(estimator, X, y=None)``.

    Examples
    --------
    >>> from sklearn_recae.metrics import recall_scorer
    >>> recall_scorer(k=20)
    recall_scorer(k=20, strategy='random')
    """
    return RecommenderScorer("recall", k=k, **kwargs)


def recall_n_scorer(k=100, **kwargs):
    """Scorer of recall@k ÷ n, for ``scoring=`` in model selection.

    See :func:`recall_n_at_k`.

    Parameters
    ----------
    k : int, default=100
        List length.
    **kwargs : dict
        ``strategy``, ``test_size``, ``random_state``, ``threshold`` and
        ``exclude_seen`` of :class:`RecommenderScorer`.

    Returns
    -------
    scorer : RecommenderScorer
        Callable ``scorer(estimator, X, y=None)``.

    Examples
    --------
    >>> from sklearn_recae.metrics import recall_n_scorer
    >>> recall_n_scorer(k=20)
    recall_n_scorer(k=20, strategy='random')
    """
    return RecommenderScorer("recall_n", k=k, **kwargs)


def precision_scorer(k=100, **kwargs):
    """Scorer of precision@k, for ``scoring=`` in model selection.

    See :func:`precision_at_k`.

    Parameters
    ----------
    k : int, default=100
        List length.
    **kwargs : dict
        ``strategy``, ``test_size``, ``random_state``, ``threshold`` and
        ``exclude_seen`` of :class:`RecommenderScorer`.

    Returns
    -------
    scorer : RecommenderScorer
        Callable ``scorer(estimator, X, y=None)``.

    Examples
    --------
    >>> from sklearn_recae.metrics import precision_scorer
    >>> precision_scorer(k=20)
    precision_scorer(k=20, strategy='random')
    """
    return RecommenderScorer("precision", k=k, **kwargs)


def rmse_scorer(*, rating_range=None, **kwargs):
    """Scorer of the negative masked RMSE, for ``scoring=`` in model selection.

    scikit-learn maximises scores, so this returns ``-masked_rmse``.

    Parameters
    ----------
    rating_range : tuple of (float, float), default=None
        Clip predictions to ``(low, high)``, e.g. ``(1, 5)``.
    **kwargs : dict
        ``strategy``, ``test_size`` and ``random_state`` of
        :class:`RecommenderScorer`.

    Returns
    -------
    scorer : RecommenderScorer
        Callable ``scorer(estimator, X, y=None)``.

    Examples
    --------
    >>> from sklearn_recae.metrics import rmse_scorer
    >>> rmse_scorer(rating_range=(1, 5))
    rmse_scorer(strategy='random')
    """
    return RecommenderScorer("rmse", rating_range=rating_range, **kwargs)
