"""
Every ranking model on one strong-generalization split
======================================================

Fit each ranking model on the same training users and score the same held-out
users (80% fold-in, 20% fold-out), then chart ``NDCG@100`` and ``recall@20``. Settings
are shortened so that the example runs in about a minute; the benchmarks in the
repository use the defaults on MovieLens.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sklearn_recae import CDAE, EASE, MultDAE, MultVAE
from sklearn_recae.datasets import make_interactions
from sklearn_recae.metrics import ndcg_at_k, recall_at_k
from sklearn_recae.model_selection import UserShuffleSplit, holdout_split

X = make_interactions(n_users=2000, n_items=300, values="binary", random_state=0)
train, test = next(UserShuffleSplit(n_splits=1, test_size=0.2, random_state=0).split(X))
fold_in, fold_out = holdout_split(X[test], 0.2, random_state=0)

quick = dict(max_epochs=30, n_iter_no_change=10, random_state=0)
models = {
    "EASE": EASE(l2=100.0),
    "Mult-VAE": MultVAE(**quick),
    "Mult-DAE": MultDAE(**quick),
    "CDAE": CDAE(latent_dim=50, **quick),
}
scores = {}
for name, model in models.items():
    predicted = model.fit(X[train]).predict(fold_in)
    scores[name] = (
        ndcg_at_k(fold_out, predicted, k=100, exclude=fold_in),
        recall_at_k(fold_out, predicted, k=20, exclude=fold_in),
    )
    print(f"{name:9s} NDCG@100 {scores[name][0]:.3f}  recall@20 {scores[name][1]:.3f}")

# %%
fig, ax = plt.subplots(figsize=(6, 3))
positions = np.arange(len(scores))
ax.bar(positions - 0.2, [s[0] for s in scores.values()], 0.4, label="NDCG@100")
ax.bar(positions + 0.2, [s[1] for s in scores.values()], 0.4, label="recall@20")
ax.set_xticks(positions, list(scores))
ax.legend()
fig.tight_layout()
plt.show()
