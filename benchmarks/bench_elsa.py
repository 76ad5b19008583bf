"""ELSA with its defaults beside EASE on MovieLens: S1 on ML-1M, ML-100K and
ML-latest-small, T1 on ML-1M (issue 18).

Usage::

    nice -n 10 python benchmarks/bench_elsa.py --data-dir ../shared/data

ELSA runs with its defaults and random_state=0; under S1 it early-stops on the
protocol's validation users (``fit(X, X_val=valid_in, y_val=valid_out)``),
under T1 (no validation users) on its own validation split of the training
users. EASE uses λ=500. Test users are only scored. S1-style on the small data
sets holds out 100 + 100 (ML-100K) and 60 + 60 (ML-latest-small) users.
Writes ``benchmarks/results/elsa.{json,md}``.
"""

import argparse
import inspect
import time
import warnings
from pathlib import Path

import numpy as np
from _common import environment, ranking_report, write_results

from sklearn_recae import EASE, ELSA
from sklearn_recae._protocols import split_s1, split_t1
from sklearn_recae.datasets import fetch_movielens

RUNS = [
    ("ml-1m", "S1", 600),
    ("ml-1m", "T1", None),
    ("ml-100k", "S1", 100),
    ("ml-latest-small", "S1", 60),
]


def run(name, split, protocol):
    model = ELSA(random_state=0) if name == "elsa" else EASE(l2=500.0)
    fit_kwargs = {}
    if (
        name == "elsa"
        and "valid_in" in split
        and "X_val" in inspect.signature(model.fit).parameters
    ):
        fit_kwargs = {"X_val": split["valid_in"], "y_val": split["valid_out"]}
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(split["train"], **fit_kwargs)
    fit_s = time.perf_counter() - start
    row = {"model": name, "fit_s": fit_s, "validation": bool(fit_kwargs)}
    history = getattr(model, "history_", None)
    if history is not None:
        ndcg = history[:, "valid_ndcg"]
        row.update(
            epochs=len(history),
            best_epoch=int(np.argmax(ndcg)) + 1,
            valid_ndcg=float(np.max(ndcg)),
            epoch_s=float(np.median(history[:, "dur"])),
            warnings=[str(w.message) for w in caught],
        )
    row.update(
        ranking_report(
            split["test_out"], model.predict(split["test_in"]), split["test_in"]
        )
    )
    return row


def markdown(rows):
    lines = [
        "## ELSA (defaults) and EASE (λ=500), test users, random_state=0",
        "",
        "| data | protocol | model | NDCG@100 | R@20 | R@50 | valid NDCG@100 | "
        "epochs (best) | s / epoch | fit (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        epochs = f"{r['epochs']} ({r['best_epoch']})" if r.get("epochs") else "–"
        valid = f"{r['valid_ndcg']:.4f}" if r.get("valid_ndcg") else "–"
        epoch_s = f"{r['epoch_s']:.1f}" if r.get("epoch_s") else "–"
        lines.append(
            f"| {r['data']} | {r['protocol']} | {r['model']} | {r['ndcg@100']:.4f} | "
            f"{r['recall@20']:.4f} | {r['recall@50']:.4f} | {valid} | {epochs} | "
            f"{epoch_s} | {r['fit_s']:.0f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--runs", nargs="+", default=None, help="e.g. ml-1m:S1")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--name", default="elsa")
    args = parser.parse_args()
    runs = RUNS
    if args.runs:
        runs = [r for r in RUNS if f"{r[0]}:{r[1]}" in args.runs]
    rows = []
    for data, protocol, n_heldout in runs:
        ratings = fetch_movielens(Path(args.data_dir) / data / "ratings.csv.gz").data
        split = (
            split_s1(ratings, n_heldout=n_heldout)
            if protocol == "S1"
            else split_t1(ratings)
        )
        for name in ("ease", "elsa"):
            rows.append(
                {"data": data, "protocol": protocol, **run(name, split, protocol)}
            )
            print({k: v for k, v in rows[-1].items() if k != "warnings"}, flush=True)
    write_results(
        args.out,
        args.name,
        {"environment": environment(), "rows": rows},
        markdown(rows),
    )


if __name__ == "__main__":
    main()
