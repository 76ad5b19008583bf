"""Every model on one device in one run: training and scoring throughput.

Trains each model for a few epochs (no early stopping) on ML-1M's shape (the
file given by ``--data``, else synthetic 6,040 x 3,706) and prints, per model,
the median epoch time, training rows per second, and users scored per second
by ``recommend``; EASE's fit is timed whole. The device's name is recorded
with the figures.

Usage::

    DATA=../shared/data/ml-1m/ratings.csv.gz
    python benchmarks/bench_gpu.py --device cuda --data $DATA
    python benchmarks/bench_gpu.py --device cpu --epochs 1   # smoke test, no GPU
"""

import argparse
import time

import numpy as np
import torch
from _common import environment, write_results

from sklearn_recae import CDAE, EASE, SVAE, AutoRec, DeepRec, MultDAE, MultVAE
from sklearn_recae._protocols import _time_ranks
from sklearn_recae.datasets import fetch_movielens, make_interactions

MODELS = {
    "i-autorec": lambda **kw: AutoRec(variant="item", **kw),
    "u-autorec": lambda **kw: AutoRec(variant="user", **kw),
    "deeprec": lambda **kw: DeepRec(**kw),
    "multvae": lambda **kw: MultVAE(**kw),
    "multdae": lambda **kw: MultDAE(**kw),
    "cdae": lambda **kw: CDAE(**kw),
    "svae": lambda **kw: SVAE(**kw),
}
RATING_MODELS = {"i-autorec", "u-autorec", "deeprec"}


def _data(path):
    if path:
        data = fetch_movielens(path)
        return data.data.tocsr(), data.timestamps
    X = make_interactions(6040, 3706, density=0.045, random_state=0)
    return X, None


def _sequence(X, timestamps):
    """Events valued by time rank (SVAE orders a row's events by value)."""
    return X if timestamps is None else _time_ranks(timestamps)


def _device_name(device):
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return environment()["processor"]


def _synchronize(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run_model(name, X, device, epochs):
    params = dict(
        max_epochs=epochs, early_stopping=False, device=device, random_state=0
    )
    model = MODELS[name](**params)
    start = time.perf_counter()
    model.fit(X)
    _synchronize(device)
    fit = time.perf_counter() - start
    rows = X.shape[1] if name == "i-autorec" else X.shape[0]
    epoch = float(np.median(model.history_[:, "dur"]))
    start = time.perf_counter()
    model.recommend(X, k=10)
    scoring = time.perf_counter() - start
    return {
        "model": name,
        "epochs": epochs,
        "fit_seconds": fit,
        "epoch_seconds": epoch,
        "train_rows_per_second": rows / epoch,
        "users_scored_per_second": X.shape[0] / scoring,
    }


def run_ease(X, device):
    start = time.perf_counter()
    model = EASE(device=device).fit(X)
    fit = time.perf_counter() - start
    start = time.perf_counter()
    model.recommend(X, k=10)
    scoring = time.perf_counter() - start
    return {
        "model": "ease",
        "epochs": 0,
        "fit_seconds": fit,
        "epoch_seconds": float("nan"),
        "train_rows_per_second": float("nan"),
        "users_scored_per_second": X.shape[0] / scoring,
    }


def markdown(device_name, shape, rows):
    lines = [
        f"## Throughput on {device_name} ({shape[0]:,} users x {shape[1]:,} items)",
        "",
        "| model | epochs | fit (s) | epoch (s) | training rows / s "
        "| users scored / s |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['epochs']} | {r['fit_seconds']:.1f} | "
            f"{r['epoch_seconds']:.3f} | {r['train_rows_per_second']:,.0f} | "
            f"{r['users_scored_per_second']:,.0f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--data", default=None)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--models", nargs="+", default=[*MODELS, "ease"])
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    ratings, timestamps = _data(args.data)
    implicit = (ratings > 3.5).astype(np.float32)
    implicit.eliminate_zeros()
    rows = []
    for name in args.models:
        if name == "ease":
            row = run_ease(implicit, args.device)
        elif name == "svae":
            row = run_model(
                name, _sequence(ratings, timestamps), args.device, args.epochs
            )
        else:
            X = ratings if name in RATING_MODELS else implicit
            row = run_model(name, X, args.device, args.epochs)
        print(row, flush=True)
        rows.append(row)
    device_name = _device_name(args.device)
    results = {"environment": environment(), "device": device_name, "rows": rows}
    tag = args.device.split(":")[0]
    write_results(
        args.out, f"gpu_{tag}", results, markdown(device_name, ratings.shape, rows)
    )


if __name__ == "__main__":
    main()
