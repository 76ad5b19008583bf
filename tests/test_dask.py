"""Distributed search: GridSearchCV on a dask.distributed cluster (processes)
through joblib's dask backend equals the serial search."""

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV

from sklearn_recae import EASE, MultDAE
from sklearn_recae.datasets import make_interactions
from sklearn_recae.metrics import ndcg_scorer, recall_scorer
from sklearn_recae.model_selection import UserKFold

distributed = pytest.importorskip("distributed")

SEARCHES = {
    "ease": (EASE(), {"l2": [1.0, 10.0, 100.0]}),
    "multdae": (
        MultDAE(hidden_dims=(16,), max_epochs=3, random_state=0),
        {"dropout": [0.2, 0.5], "lr": [1e-3, 1e-2]},
    ),
}


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _search(estimator, grid, n_jobs):
    return GridSearchCV(
        estimator,
        grid,
        cv=UserKFold(3, shuffle=True, random_state=0),
        scoring={"ndcg": ndcg_scorer(k=10), "recall": recall_scorer(k=10)},
        refit="ndcg",
        n_jobs=n_jobs,
    )


@pytest.mark.parametrize("name", list(SEARCHES))
def test_dask_search_equals_serial_search(client, name):
    X = make_interactions(n_users=150, n_items=40, random_state=0)
    estimator, grid = SEARCHES[name]
    serial = _search(estimator, grid, n_jobs=None).fit(X)
    with parallel_backend("dask"):
        with distributed.get_task_stream(client) as tasks:
            distributed_search = _search(estimator, grid, n_jobs=-1).fit(X)

    n_fits = 3 * len(distributed_search.cv_results_["params"])
    assert len(tasks.data) >= n_fits, "the fits did not run on the cluster"
    for key in ("mean_test_ndcg", "mean_test_recall", "params"):
        assert list(distributed_search.cv_results_[key]) == list(
            serial.cv_results_[key]
        )
    assert distributed_search.best_params_ == serial.best_params_
    np.testing.assert_array_equal(
        distributed_search.predict(X[:5]), serial.predict(X[:5])
    )
