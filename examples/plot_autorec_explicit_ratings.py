"""
Rating prediction with AutoRec and DeepRec
==========================================

Explicit ratings (1-5): hold out 10% of each user's ratings, tune U-AutoRec's L2
strength with ``GridSearchCV`` under the weak-generalization protocol, and compare
the masked RMSE (error on held-out ratings only) of AutoRec and DeepRec.
"""

# %%
from sklearn.model_selection import GridSearchCV

from sklearn_recae import AutoRec, DeepRec
from sklearn_recae.datasets import make_interactions
from sklearn_recae.metrics import masked_rmse, neg_rmse_scorer
from sklearn_recae.model_selection import WeakGeneralizationSplit, holdout_split

R = make_interactions(
    n_users=800, n_items=200, density=0.08, values="rating", random_state=0
)
R_train, R_test = holdout_split(R, test_size=0.1, random_state=0)

# %%
# Weak generalization inside GridSearchCV: fit on the fold-in of all users
# (``fit`` never sees ``y``), score on a further held-out part of the training
# ratings. The test ratings stay untouched until the end.
R_fit, R_valid = holdout_split(R_train, test_size=0.1, random_state=1)
search = GridSearchCV(
    AutoRec(variant="user", latent_dim=100, max_epochs=15, random_state=0),
    {"l2": [10.0, 100.0, 500.0]},
    cv=WeakGeneralizationSplit(),
    scoring=neg_rmse_scorer(rating_range=(1, 5)),
).fit(R_fit, R_valid)
print("best l2:", search.best_params_["l2"], "validation RMSE:", -search.best_score_)

# %%
# Refit on all training ratings and compare on the test ratings.
models = {
    "U-AutoRec": AutoRec(
        variant="user",
        latent_dim=100,
        max_epochs=15,
        l2=search.best_params_["l2"],
        random_state=0,
    ),
    "I-AutoRec": AutoRec(variant="item", latent_dim=100, max_epochs=15, random_state=0),
    "DeepRec": DeepRec(hidden_dims=(64,), latent_dim=32, max_epochs=15, random_state=0),
}
for name, model in models.items():
    model.fit(R_train)
    rmse = masked_rmse(R_test, model.predict(R_train), rating_range=(1, 5))
    print(f"{name:10s} test RMSE {rmse:.4f}  ({len(model.history_)} epochs)")
