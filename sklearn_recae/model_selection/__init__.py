"""Splitting interactions and users for evaluation and model selection.

Strong generalization: :class:`UserKFold` / :class:`UserShuffleSplit` split users,
and a scorer called without ``y`` splits each test user's interactions into
fold-in and held-out. Weak generalization: :func:`holdout_split` once, then
``GridSearchCV(..., cv=WeakGeneralizationSplit()).fit(X_in, X_out)``.
"""

from ._holdout import holdout_split
from ._split import UserKFold, UserShuffleSplit, WeakGeneralizationSplit

__all__ = [
    "UserKFold",
    "UserShuffleSplit",
    "WeakGeneralizationSplit",
    "holdout_split",
]
