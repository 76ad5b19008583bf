"""
Strong and weak generalization in GridSearchCV
==============================================

*Strong generalization*: the users scored were not seen at fit time. Split users
with :class:`~sklearn_recae.model_selection.UserKFold`; the scorer splits each
test user's interactions into a fold-in (input) and a held-out part (truth).

*Weak generalization*: every user is in training; a part of each user's entries
is held out. Split entries once with
:func:`~sklearn_recae.model_selection.holdout_split` and search with
:class:`~sklearn_recae.model_selection.WeakGeneralizationSplit`, passing the
held-out matrix as ``y`` (fit never sees it).
"""

# %%
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer

from sklearn_recae import EASE
from sklearn_recae.datasets import make_interactions
from sklearn_recae.metrics import ndcg_scorer, recall_scorer
from sklearn_recae.model_selection import (
    UserKFold,
    WeakGeneralizationSplit,
    holdout_split,
)

ratings = make_interactions(n_users=1500, n_items=300, values="rating", random_state=0)
grid = {"ease__l2": [10.0, 100.0, 500.0]}
model = Pipeline([("binarize", Binarizer(threshold=3.5)), ("ease", EASE())])
scoring = {
    "ndcg@100": ndcg_scorer(k=100, threshold=3.5),
    "recall@20": recall_scorer(k=20, threshold=3.5),
}

# %%
# Strong generalization: 5 folds of users, each scored on its own fold-in.
strong = GridSearchCV(
    model, grid, cv=UserKFold(5), scoring=scoring, refit="ndcg@100"
).fit(ratings)
print("strong:", strong.best_params_, round(strong.best_score_, 4))

# %%
# Weak generalization: one entry-level split, all users trained on their fold-in.
X_in, X_out = holdout_split(ratings, test_size=0.2, random_state=0)
weak = GridSearchCV(
    model, grid, cv=WeakGeneralizationSplit(), scoring=scoring, refit="ndcg@100"
).fit(X_in, X_out)
print("weak:  ", weak.best_params_, round(weak.best_score_, 4))
