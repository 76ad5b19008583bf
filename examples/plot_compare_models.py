"""
Every model on one chart
========================

The ranking models (the closed forms EASE and EDLAE; ELSA, Mult-VAE, Mult-DAE,
RecVAE, CDAE and SVAE) fit the same training users and score the same held-out
users (80% fold-in, 20% fold-out) with ``NDCG@100`` and ``recall@20``; the
rating models (I-AutoRec, U-AutoRec, DeepRec) fit 80% of every user's ratings
and are scored by RMSE on the other 20%. All of them see the same synthetic
interactions. EDLAE and ELSA run with their defaults; the other networks'
settings are shortened (RecVAE's also narrowed) so that the example runs in
about a minute; the benchmarks in the repository use the defaults on MovieLens.
"""

# %%
# Ranking: strong generalization
# ------------------------------
# SVAE reads each row as a sequence ordered by its values, so it gets the same
# interactions valued by (synthetic) time; here the times carry no sequential
# signal, so SVAE has no edge from order (see the SVAE example for data where
# order matters).
import matplotlib.pyplot as plt
import numpy as np

from sklearn_recae import (
    CDAE,
    EASE,
    EDLAE,
    ELSA,
    SVAE,
    AutoRec,
    DeepRec,
    MultDAE,
    MultVAE,
    RecVAE,
)
from sklearn_recae.datasets import make_interactions
from sklearn_recae.metrics import masked_rmse, ndcg_at_k, recall_at_k
from sklearn_recae.model_selection import UserShuffleSplit, holdout_split


def interactions(values):
    """The same users, items and pattern; only the stored values differ."""
    return make_interactions(n_users=2000, n_items=300, values=values, random_state=0)


X = interactions("binary")
times = interactions("timestamp")
train, test = next(UserShuffleSplit(n_splits=1, test_size=0.2, random_state=0).split(X))
fold_in, fold_out = holdout_split(X[test], 0.2, random_state=0)
times_in = times[test].multiply(fold_in > 0).tocsr()

quick = dict(max_epochs=30, n_iter_no_change=10, random_state=0)
ranking = {
    "EASE": (EASE(l2=100.0), X, fold_in),
    "EDLAE": (EDLAE(), X, fold_in),
    "ELSA": (ELSA(random_state=0), X, fold_in),
    "Mult-VAE": (MultVAE(**quick), X, fold_in),
    "Mult-DAE": (MultDAE(**quick), X, fold_in),
    "RecVAE": (
        RecVAE(
            hidden_dim=200,
            latent_dim=64,
            max_epochs=15,
            n_iter_no_change=5,
            random_state=0,
        ),
        X,
        fold_in,
    ),
    "CDAE": (CDAE(latent_dim=50, **quick), X, fold_in),
    "SVAE": (
        SVAE(
            embedding_dim=64,
            rnn_dim=64,
            hidden_dim=64,
            latent_dim=32,
            max_epochs=10,
            random_state=0,
        ),
        times,
        times_in,
    ),
}
ranking_scores = {}
for name, (model, data, given) in ranking.items():
    predicted = model.fit(data[train]).predict(given)
    ranking_scores[name] = (
        ndcg_at_k(fold_out, predicted, k=100, exclude=fold_in),
        recall_at_k(fold_out, predicted, k=20, exclude=fold_in),
    )
    print(
        f"{name:9s} NDCG@100 {ranking_scores[name][0]:.3f}  "
        f"recall@20 {ranking_scores[name][1]:.3f}"
    )

# %%
# Rating prediction: weak generalization
# --------------------------------------
R = interactions("rating")
R_train, R_test = holdout_split(R, 0.2, random_state=0)
rating = {
    "I-AutoRec": AutoRec(variant="item", max_epochs=20, random_state=0),
    "U-AutoRec": AutoRec(variant="user", max_epochs=20, random_state=0),
    "DeepRec": DeepRec(
        hidden_dims=(128,), latent_dim=128, max_epochs=20, random_state=0
    ),
}
rmse = {}
for name, model in rating.items():
    rmse[name] = masked_rmse(R_test, model.fit(R_train).predict(R_train))
    print(f"{name:9s} RMSE {rmse[name]:.3f}")

# %%
fig, (left, right) = plt.subplots(
    1, 2, figsize=(12, 3.4), gridspec_kw={"width_ratios": [8, 3]}
)
positions = np.arange(len(ranking_scores))
values = list(ranking_scores.values())
left.bar(positions - 0.2, [s[0] for s in values], 0.4, label="NDCG@100")
left.bar(positions + 0.2, [s[1] for s in values], 0.4, label="recall@20")
left.set_xticks(positions, list(ranking_scores), fontsize="small")
left.set_ylim(0, 1.25 * max(max(s) for s in values))
left.set_title("Ranking, held-out users (higher is better)")
left.legend(loc="upper left", ncols=2)
right.bar(list(rmse), list(rmse.values()), color="tab:green")
right.set_title("Ratings, held-out 20%\n(RMSE, lower is better)")
fig.tight_layout()
plt.show()
