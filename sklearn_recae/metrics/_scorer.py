"""Scorers ``scorer(estimator, X, y=None)`` for scikit-learn's model selection."""

import functools
import sys
import warnings
from numbers import Real

import numpy as np
from sklearn.utils import gen_batches

from ..base import RecommenderMixin
from ..model_selection._holdout import STRATEGIES, holdout_split
from ..utils._memory import budget_rows
from ..utils._topk import check_k
from ..utils._validation import check_fold_out, check_interactions
from ._ranking import RANKING_METRICS, per_user_values
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


class _UncalledFactoryError(TypeError):
    """A scorer factory was given where a scorer was expected.

    scikit-learn's model selection turns an exception raised by a scorer into
    ``error_score`` (NaN by default) with nothing but a warning, so raising
    would give a search of NaN scores. It does stop on a score that is not a
    number, and first unwraps a scalar score with ``.item()``, outside the
    ``try``: a factory called by scikit-learn returns this error, whose
    ``item()`` raises it, and the search fails with it whatever
    ``error_score`` is. (A scikit-learn that skipped ``.item()`` would raise
    its "scoring must return a number" ValueError, showing this message.)
    """

    def item(self):
        raise self

    def __float__(self):
        raise self


def _called_by_sklearn(depth):
    """Whether the frame ``depth`` levels above the caller is scikit-learn's."""
    try:
        caller = sys._getframe(depth + 1)
    except ValueError:  # pragma: no cover (shallower stack)
        return False
    return caller.f_globals.get("__name__", "").startswith("sklearn.")


def _scorer_factory(example):
    """Make a scorer factory refuse to be used as the scorer itself.

    ``scoring=ndcg_scorer`` (the factory, not ``ndcg_scorer()``) makes model
    selection call ``ndcg_scorer(estimator, X, y)``; that call raises a
    TypeError saying to call the factory, e.g. ``ndcg_scorer(k=100)``.
    ``example`` is that call's arguments.
    """

    def decorate(factory):
        name = factory.__name__

        @functools.wraps(factory)
        def checked(*args, **kwargs):
            if len(args) > 1 or (args and hasattr(args[0], "predict")):
                error = _UncalledFactoryError(
                    f"{name} is a scorer factory, not a scorer: it was called with "
                    f"an estimator, as scoring= calls a scorer. Call it to make "
                    f"the scorer: scoring={name}({example}), or {name}() for its "
                    "defaults."
                )
                if _called_by_sklearn(1):
                    return error
                raise error
            return factory(*args, **kwargs)

        return checked

    return decorate


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
            return f"neg_rmse_scorer(strategy={self.strategy!r})"
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
        batches = (
            (
                relevant[rows],
                np.asarray(estimator.predict(X_in[rows])),
                X_in[rows] if self.exclude_seen else None,
            )
            for rows in self._batches(X_in)
        )
        values = per_user_values(batches, self.metric, self.k)
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


@_scorer_factory("k=100")
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


@_scorer_factory("k=100")
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


@_scorer_factory("k=100")
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


@_scorer_factory("k=100")
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


@_scorer_factory("rating_range=(1, 5)")
def neg_rmse_scorer(*, rating_range=None, **kwargs):
    """Scorer of the negative masked RMSE, for ``scoring=`` in model selection.

    scikit-learn maximises scores, so this returns ``-masked_rmse``, and is
    named as scikit-learn names the scorers of losses
    (``neg_root_mean_squared_error``).

    .. versionadded:: 0.1
       Replaces ``rmse_scorer``, which returned the same negative RMSE.

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
    >>> from sklearn_recae.metrics import neg_rmse_scorer
    >>> neg_rmse_scorer(rating_range=(1, 5))
    neg_rmse_scorer(strategy='random')
    """
    return RecommenderScorer("rmse", rating_range=rating_range, **kwargs)


@_scorer_factory("rating_range=(1, 5)")
def rmse_scorer(*, rating_range=None, **kwargs):
    """Deprecated alias of :func:`neg_rmse_scorer`.

    .. deprecated:: 0.1
       ``rmse_scorer`` returns the *negative* RMSE, so it was renamed
       :func:`neg_rmse_scorer`; ``rmse_scorer`` will be removed in 0.2.

    Parameters
    ----------
    rating_range : tuple of (float, float), default=None
        Clip predictions to ``(low, high)``.
    **kwargs : dict
        As :func:`neg_rmse_scorer`.

    Returns
    -------
    scorer : RecommenderScorer
        The scorer :func:`neg_rmse_scorer` returns.

    Examples
    --------
    >>> import warnings
    >>> from sklearn_recae.metrics import rmse_scorer
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     scorer = rmse_scorer()
    >>> scorer, caught[0].category.__name__
    (neg_rmse_scorer(strategy='random'), 'FutureWarning')
    """
    warnings.warn(
        "rmse_scorer was renamed neg_rmse_scorer in 0.1 (it returns -RMSE, and "
        "scikit-learn names the scorers of losses neg_*) and will be removed in "
        "0.2; use neg_rmse_scorer() instead.",
        FutureWarning,
        stacklevel=3,  # the caller of the checking wrapper
    )
    return neg_rmse_scorer(rating_range=rating_range, **kwargs)
