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
import sklearn
import torch

import sklearn_recae
from sklearn_recae._protocols import binary, split_q1, split_s1, split_t1  # noqa: F401
from sklearn_recae.datasets import fetch_movielens
from sklearn_recae.metrics import (
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    recall_n_at_k,
)


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


def matmul_rate(n=3000, repeat=5):
    """Best float32 matmul rate (flop/s) of ``repeat`` n x n products, now."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def protocol_t1(path, seed):
    """T1: all ML-1M ratings become 1; each user holds out n - int(0.8 n) at random."""
    return split_t1(fetch_movielens(path).data, seed)


def protocol_s1(path, seed=98765, n_heldout_users=600):
    """S1 (Liang et al. 2018): ratings > 3.5, users with >= 5, 600 + 600 held out."""
    return split_s1(fetch_movielens(path).data, seed, n_heldout_users)


def protocol_q1(path, seed=12345, n_heldout_users=750):
    """Q1: S1's filter, at most 1,000 events per user, ordered by timestamp.

    Values are timestamp ranks (1 = earliest; exact in float32, unlike raw UNIX
    times); held-out users keep their first ``int(0.8 n)`` events as fold-in.
    Every rating above 3.5 in the shared ML-1M file has a timestamp.
    """
    data = fetch_movielens(path)
    return split_q1(data.data, data.timestamps, seed, n_heldout_users)


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
