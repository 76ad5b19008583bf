"""
Quick start: EASE in twenty lines
=================================

Fit EASE on synthetic interactions, recommend for users, and measure ``NDCG@100``
on held-out users (strong generalization) with the package's scorer.
"""

# %%
from sklearn_recae import EASE
from sklearn_recae.datasets import make_interactions
from sklearn_recae.metrics import ndcg_scorer
from sklearn_recae.model_selection import UserShuffleSplit

X = make_interactions(n_users=2000, n_items=400, values="binary", random_state=0)
train, test = next(UserShuffleSplit(n_splits=1, test_size=0.2, random_state=0).split(X))

model = EASE(l2=200.0).fit(X[train])
print("top-5 unseen items of three test users:\n", model.recommend(X[test[:3]], k=5))

# %%
# Without ``y`` the scorer holds out a seeded 20% of each test user's items,
# predicts from the rest (the fold-in) and ranks only unseen items.
print("NDCG@100 on held-out users:", round(ndcg_scorer(k=100)(model, X[test]), 4))
