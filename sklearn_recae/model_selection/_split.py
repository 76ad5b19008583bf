"""Cross-validators over users (rows) and the weak-generalization split."""

import numbers

import numpy as np
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.model_selection._split import BaseCrossValidator
from sklearn.utils.validation import _num_samples


def _eligible_rows(X, min_interactions):
    n_rows = _num_samples(X)
    if min_interactions <= 0:
        return np.arange(n_rows)
    counts = np.asarray((X != 0).sum(axis=1)).ravel()
    eligible = np.flatnonzero(counts >= min_interactions)
    return eligible


def _check_min_interactions(min_interactions):
    if not isinstance(min_interactions, numbers.Integral) or min_interactions < 0:
        raise ValueError(
            "min_interactions must be a non-negative integer, got "
            f"{min_interactions!r}."
        )
    return min_interactions


class _UserSplitMixin:
    """Split only the users with at least ``min_interactions`` interactions.

    The others stay in every training fold.
    """

    def split(self, X, y=None, groups=None):
        eligible = _eligible_rows(X, self.min_interactions)
        n_rows = _num_samples(X)
        if len(eligible) < 2:
            raise ValueError(
                f"Only {len(eligible)} of {n_rows} users have at least "
                f"min_interactions={self.min_interactions} interactions; lower "
                "min_interactions or pass more users."
            )
        always_train = np.setdiff1d(np.arange(n_rows), eligible)
        for train, test in super().split(eligible):
            yield (
                np.sort(np.concatenate([always_train, eligible[train]])),
                eligible[test],
            )


class UserKFold(_UserSplitMixin, KFold):
    """K-fold over users: the strong-generalization cross-validator.

    Each fold's test users are unseen at fit time; a scorer called without
    ``y`` then splits each test user's interactions into fold-in and held-out.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Shuffle the users before splitting them into folds.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffle.
    min_interactions : int, default=0
        Users with fewer interactions are never test users; they stay in every
        training fold.

    Examples
    --------
    >>> from sklearn_recae.datasets import make_interactions
    >>> from sklearn_recae.model_selection import UserKFold
    >>> X = make_interactions(n_users=10, n_items=20, random_state=0)
    >>> [len(test) for _, test in UserKFold(n_splits=5).split(X)]
    [2, 2, 2, 2, 2]
    """

    def __init__(
        self, n_splits=5, *, shuffle=False, random_state=None, min_interactions=0
    ):
        super().__init__(n_splits=n_splits, shuffle=shuffle, random_state=random_state)
        self.min_interactions = _check_min_interactions(min_interactions)


class UserShuffleSplit(_UserSplitMixin, ShuffleSplit):
    """Random train/test splits of the users (strong generalization).

    Parameters
    ----------
    n_splits : int, default=10
        Number of re-shuffling and splitting iterations.
    test_size : float or int, default=None
        Fraction (float) or number (int) of eligible users in each test set;
        0.1 when both sizes are None.
    train_size : float or int, default=None
        Fraction or number of eligible users in each training set.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffles.
    min_interactions : int, default=0
        Users with fewer interactions are never test users.

    Examples
    --------
    >>> from sklearn_recae.datasets import make_interactions
    >>> from sklearn_recae.model_selection import UserShuffleSplit
    >>> X = make_interactions(n_users=10, n_items=20, random_state=0)
    >>> cv = UserShuffleSplit(n_splits=2, test_size=3, random_state=0)
    >>> [len(test) for _, test in cv.split(X)]
    [3, 3]
    """

    def __init__(
        self,
        n_splits=10,
        *,
        test_size=None,
        train_size=None,
        random_state=None,
        min_interactions=0,
    ):
        super().__init__(
            n_splits=n_splits,
            test_size=test_size,
            train_size=train_size,
            random_state=random_state,
        )
        self.min_interactions = _check_min_interactions(min_interactions)


class WeakGeneralizationSplit(BaseCrossValidator):
    """One split whose training and test users are all the users.

    For the weak-generalization protocol inside scikit-learn's model
    selection: split the entries of every row once with
    :func:`holdout_split`, then search with ``fit(X_in, X_out)``. Every
    candidate is fitted on the fold-in of all users (``fit`` ignores ``y``) and
    scored on the held-out entries of the same users (``scorer(est, X_in,
    X_out)``).

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_recae import EASE
    >>> from sklearn_recae.datasets import make_interactions
    >>> from sklearn_recae.metrics import ndcg_scorer
    >>> from sklearn_recae.model_selection import (
    ...     WeakGeneralizationSplit, holdout_split)
    >>> X = make_interactions(n_users=100, n_items=40, random_state=0)
    >>> X_in, X_out = holdout_split(X, random_state=0)
    >>> search = GridSearchCV(EASE(), {"l2": [1.0, 100.0]},
    ...                       cv=WeakGeneralizationSplit(),
    ...                       scoring=ndcg_scorer(k=10)).fit(X_in, X_out)
    >>> search.best_params_ in ({"l2": 1.0}, {"l2": 100.0})
    True
    """

    def split(self, X, y=None, groups=None):
        """Yield the single (all users, all users) split.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_users, n_items)
            The fold-in interactions.
        y : {array-like, sparse matrix} of shape (n_users, n_items)
            The held-out interactions; required, with the shape of ``X``.
        groups : None
            Ignored.

        Yields
        ------
        train : ndarray
            All row indices.
        test : ndarray
            All row indices.
        """
        if y is None:
            raise ValueError(
                "WeakGeneralizationSplit scores on the held-out interactions y of "
                "the same users; without y a scorer would hold out entries the "
                "model was fitted on. Split once with holdout_split, then call "
                "search.fit(X_in, X_out)."
            )
        if getattr(y, "shape", None) != getattr(X, "shape", None):
            raise ValueError(
                f"y (held-out) must have the shape of X (fold-in) "
                f"{getattr(X, 'shape', None)}, got {getattr(y, 'shape', None)}."
            )
        rows = np.arange(_num_samples(X))
        yield rows, rows

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return 1, the number of splits.

        Parameters
        ----------
        X, y, groups : object
            Ignored.

        Returns
        -------
        n_splits : int
            Always 1.
        """
        return 1
