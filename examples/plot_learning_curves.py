"""
Learning curves from the skorch history
=======================================

Every neural estimator trains a skorch net and keeps its ``history_``: per-epoch
training loss, validation loss and, for the ranking models, the ``NDCG@100`` of the
users held out for early stopping (``valid_ndcg``). Early stopping keeps the
weights of the best epoch.
"""

# %%
import matplotlib.pyplot as plt

from sklearn_recae import CDAE, MultDAE
from sklearn_recae.datasets import make_interactions

X = make_interactions(n_users=1500, n_items=300, values="binary", random_state=0)
models = {
    "Mult-DAE": MultDAE(max_epochs=40, n_iter_no_change=10, random_state=0),
    "CDAE": CDAE(latent_dim=50, max_epochs=40, n_iter_no_change=10, random_state=0),
}
fig, (loss_ax, ndcg_ax) = plt.subplots(1, 2, figsize=(9, 3.2))
for name, model in models.items():
    history = model.fit(X).history_
    epochs = history[:, "epoch"]
    loss_ax.plot(epochs, history[:, "train_loss"], label=name)
    ndcg_ax.plot(epochs, history[:, "valid_ndcg"], label=name)
    best = max(history[:, "valid_ndcg"])
    print(f"{name}: {len(history)} epochs, best validation NDCG@100 {best:.3f}")
loss_ax.set(xlabel="epoch", ylabel="training loss")
ndcg_ax.set(xlabel="epoch", ylabel="validation NDCG@100")
ndcg_ax.legend()
fig.tight_layout()
plt.show()
