"""
Distributed hyperparameter search on a Dask cluster
===================================================

``GridSearchCV`` parallelises its fits with joblib; joblib's ``dask`` backend
sends them to a ``dask.distributed`` cluster. Here the cluster is a
``LocalCluster`` of two worker processes; on a real cluster, replace it by
``Client("tcp://<scheduler>:8786")`` (see :ref:`scale`). The distributed
search gives the same results as the serial one.

Needs the ``dask`` extra: ``pip install "sklearn-recae[dask]"``.
"""

# %%
from dask.distributed import Client, LocalCluster
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV

from sklearn_recae import MultDAE
from sklearn_recae.datasets import make_interactions
from sklearn_recae.metrics import ndcg_scorer
from sklearn_recae.model_selection import UserKFold

X = make_interactions(n_users=600, n_items=150, values="binary", random_state=0)


def search(n_jobs=None):
    return GridSearchCV(
        MultDAE(hidden_dims=(64,), max_epochs=10, random_state=0),
        {"dropout": [0.2, 0.5], "lr": [1e-3, 1e-2]},
        cv=UserKFold(3, shuffle=True, random_state=0),
        scoring=ndcg_scorer(k=20),
        n_jobs=n_jobs,
    )


# %%
# The same search, serially and on the cluster (one thread per worker: torch
# already uses the cores it is given).
serial = search().fit(X)

if __name__ == "__main__":  # worker processes re-import this script
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    with cluster, Client(cluster), parallel_backend("dask"):
        distributed = search(n_jobs=-1).fit(X)

    for params, a, b in zip(
        serial.cv_results_["params"],
        serial.cv_results_["mean_test_score"],
        distributed.cv_results_["mean_test_score"],
        strict=True,
    ):
        print(f"{params}: serial {a:.4f}, on the cluster {b:.4f}")
    print("identical results:", serial.best_params_ == distributed.best_params_)
