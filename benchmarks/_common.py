"""Shared pieces of the reproduction benchmarks: protocols T1 and S1 on MovieLens.

Protocol definitions: ../shared/PROTOCOLS.md. Data: a MovieLens archive or ratings
CSV given by path (never downloaded, never copied into the repository).
"""

import json
import platform
import time
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
import torch

import sklearn_recae
from sklearn_recae.datasets import load_movielens
from sklearn_recae.metrics import (
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    recall_n_at_k,
)
from sklearn_recae.model_selection import holdout_split


def environment():
    return {
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "sklearn_recae": sklearn_recae.__version__,
        "threads": torch.get_num_threads(),
    }


def binary(X):
    X = X.copy()
    X.data[:] = 1.0
    return X


def protocol_t1(path, seed):
    """T1: all ML-1M ratings become 1; each user holds out n - int(0.8 n) at random."""
    X = binary(load_movielens(path).data)
    X_in, X_out = holdout_split(X, 0.2, random_state=seed, rounding="ceil")
    return {"train": X_in, "test_in": X_in, "test_out": X_out}


def protocol_s1(path, seed=98765, n_heldout_users=600):
    """S1 (Liang et al. 2018): ratings > 3.5, users with >= 5, 600 + 600 held out."""
    X = load_movielens(path).data  # rows: users sorted by id
    X = (X > 3.5).astype(np.float32).tocsr()
    X = X[np.diff(X.indptr) >= 5]
    rows = np.random.RandomState(seed).permutation(X.shape[0])  # sorted ids, shuffled
    n_train = len(rows) - 2 * n_heldout_users
    train_rows = rows[:n_train]
    valid_rows = rows[n_train : n_train + n_heldout_users]
    test_rows = rows[n_train + n_heldout_users :]
    train = X[train_rows]
    items = np.flatnonzero(np.diff(train.tocsc().indptr) > 0)
    split = {"train": train[:, items]}
    for name, part in (("valid", valid_rows), ("test", test_rows)):
        fold_in, fold_out = holdout_split(
            X[part][:, items], 0.2, random_state=seed, rounding="floor"
        )
        split[f"{name}_in"], split[f"{name}_out"] = fold_in, fold_out
    return split


def protocol_q1(path, seed=12345, n_heldout_users=750):
    """Q1: S1's filter, at most 1,000 events per user, ordered by timestamp.

    Values of every matrix are the events' timestamp ranks (1 = earliest; exact
    in float32, unlike raw UNIX times; ties in time keep item order); held-out
    users keep their first ``int(0.8 n)`` events as fold-in, the rest as
    fold-out. Every rating above 3.5 in the shared ML-1M file has a timestamp.
    """
    data = load_movielens(path)
    ratings, times = data.data.tocsr(), data.timestamps.tocsr()
    liked = ratings.data > 3.5
    if np.isnan(times.data[liked]).any():
        raise ValueError("Q1 needs a timestamp for every rating above 3.5.")
    ranks = np.empty(liked.sum(), dtype=np.float32)
    ranks[np.argsort(times.data[liked], kind="stable")] = np.arange(1, len(ranks) + 1)
    values = np.zeros(ratings.nnz, dtype=np.float32)
    values[liked] = ranks
    X = sp.csr_matrix((values, ratings.indices, ratings.indptr), shape=ratings.shape)
    X.eliminate_zeros()
    counts = np.diff(X.indptr)
    X = X[(counts >= 5) & (counts <= 1000)]
    rows = np.random.RandomState(seed).permutation(X.shape[0])
    n_train = len(rows) - 2 * n_heldout_users
    train = X[rows[:n_train]]
    items = np.flatnonzero(np.diff(train.tocsc().indptr) > 0)
    split = {"train": train[:, items]}
    parts = (
        ("valid", rows[n_train : n_train + n_heldout_users]),
        ("test", rows[n_train + n_heldout_users :]),
    )
    for name, part in parts:
        fold_in, fold_out = holdout_split(
            X[part][:, items], 0.2, strategy="temporal", rounding="ceil"
        )
        split[f"{name}_in"], split[f"{name}_out"] = fold_in, fold_out
    return split


def ranking_report(y_true, scores, exclude, ks=(20, 50, 100)):
    report = {}
    for k in ks:
        report[f"ndcg@{k}"] = ndcg_at_k(y_true, scores, k=k, exclude=exclude)
        report[f"recall@{k}"] = recall_at_k(y_true, scores, k=k, exclude=exclude)
        report[f"recall_n@{k}"] = recall_n_at_k(y_true, scores, k=k, exclude=exclude)
        report[f"precision@{k}"] = precision_at_k(y_true, scores, k=k, exclude=exclude)
    report["n_users_scored"] = int((np.diff(y_true.indptr) > 0).sum())
    return report


def timed(function, repeat=3):
    """Median wall time of ``repeat`` calls and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def write_results(out_dir, name, results, markdown):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out_dir / f"{name}.md").write_text(markdown + "\n")
    print(markdown)
