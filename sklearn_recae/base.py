"""Mixins every recommender builds on (public, for subclassing)."""

import numpy as np
from sklearn.utils import gen_batches
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils.validation import check_is_fitted

from .utils._topk import check_k, top_k
from .utils._validation import check_interactions

_RECOMMEND_BYTES_PER_ENTRY = 32  # scores plus top-k temporaries per (user, item)


class RecommenderMixin:
    """Mixin for top-N recommenders: ``recommend``, ``score`` and tags.

    Subclasses implement ``fit(X, y=None)`` and ``predict(X)`` returning dense
    scores of shape (n_users, n_items), each row computed from that row of
    ``X`` only. ``score`` is NDCG@100 on held-out interactions.
    """

    def recommend(self, X, k=10, *, exclude_seen=True, return_scores=False):
        """Top-``k`` items for each row of ``X``, best first.

        Rows are scored in batches sized by scikit-learn's ``working_memory``,
        so the full (n_users, n_items) score matrix is never held.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Observed interactions of the users to recommend for.
        k : int, default=10
            Number of items per user, between 1 and ``n_items``.
        exclude_seen : bool, default=True
            Never recommend an item the user has in ``X``.
        return_scores : bool, default=False
            Also return the scores of the recommended items.

        Returns
        -------
        items : ndarray of shape (n_users, k)
            Item indices, best first (ties by lower index); ``-1`` pads a row
            that has fewer than ``k`` unseen items.
        scores : ndarray of shape (n_users, k)
            Only when ``return_scores=True``; ``-inf`` where padded.
        """
        check_is_fitted(self)
        X = check_interactions(
            X, estimator=self, reset=False, require_interactions=False
        )
        n_items = X.shape[1]
        k = check_k(k, n_items)
        size = max(get_chunk_n_rows(n_items * _RECOMMEND_BYTES_PER_ENTRY), 1)
        items, scores = [], []
        for rows in gen_batches(X.shape[0], size):
            batch = X[rows]
            top, top_scores = top_k(
                self.predict(batch),
                k,
                exclude=batch if exclude_seen else None,
                return_scores=True,
            )
            items.append(top)
            scores.append(top_scores)
        items = np.concatenate(items)
        if return_scores:
            return items, np.concatenate(scores)
        return items

    def score(self, X, y=None):
        """NDCG@100 on held-out interactions.

        See :func:`~sklearn_recae.metrics.ndcg_scorer`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Fold-in interactions; with ``y=None``, whole rows of which a seeded
            random 20% per row is held out.
        y : {array-like, sparse matrix} of shape (n_users, n_items), default=None
            Held-out interactions of the same users.

        Returns
        -------
        score : float
            Mean NDCG@100 over users with held-out items.
        """
        from .metrics import ndcg_scorer

        return self._score_with(ndcg_scorer(k=100), X, y)

    def _score_with(self, scorer, X, y):
        check_is_fitted(self)
        check_interactions(X, estimator=self, reset=False, require_interactions=False)
        return scorer(self, X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.target_tags.required = False
        return tags


class RatingMixin(RecommenderMixin):
    """Mixin for rating predictors: ``score`` is the negative masked RMSE.

    ``predict`` returns predicted ratings; ``recommend`` ranks by them.
    """

    def score(self, X, y=None):
        """Negative masked RMSE on held-out ratings.

        See :func:`~sklearn_recae.metrics.rmse_scorer`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            Fold-in ratings; with ``y=None``, whole rows of which a seeded
            random 20% per row is held out.
        y : {array-like, sparse matrix} of shape (n_users, n_items), default=None
            Held-out ratings of the same users.

        Returns
        -------
        score : float
            ``-RMSE`` over the held-out ratings (greater is better).
        """
        from .metrics import rmse_scorer

        return self._score_with(rmse_scorer(), X, y)
