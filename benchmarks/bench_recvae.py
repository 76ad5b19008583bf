"""RecVAE on S1 and T1 (ML-1M) and S1-style splits of ML-100K and ML-latest-small.

Usage::

    python benchmarks/bench_recvae.py --data-dir ../shared/data \
        --runs ml-1m:S1 ml-1m:T1 ml-100k:S1 ml-latest-small:S1 --threads 1

RecVAE runs with its defaults and ``random_state=0``. On S1-style splits it
early-stops on the split's validation users (``fit(X, X_val=..., y_val=...)``),
and EASE's λ is chosen on the same validation users from a grid; on T1 (no
validation users) RecVAE holds out its own (``validation_fraction``) and EASE
uses λ=500. Test users are only scored. Held-out users: 600 + 600 on ML-1M,
100 + 100 on ML-100K, 60 + 60 on ML-latest-small (PROTOCOLS.md, S1-small).
Writes ``benchmarks/results/recvae.{json,md}`` (rows of earlier runs that are
not rerun are kept).

``--threads 1`` is what the figures used: on this project's shared 2-core
machine, torch's two intra-op threads spin against other processes and ran the
same epoch 3-6x slower than one thread.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from _common import environment, ranking_report, write_results

from sklearn_recae import EASE, RecVAE
from sklearn_recae._protocols import split_s1, split_t1
from sklearn_recae.datasets import fetch_movielens
from sklearn_recae.metrics import ndcg_at_k

N_HELDOUT = {"ml-1m": 600, "ml-100k": 100, "ml-latest-small": 60}
EASE_GRID = (50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
# the paper's RecVAE on ML-20M (S1 protocol, 10,000 + 10,000 held-out users)
PAPER = {"ndcg@100": 0.442, "recall@20": 0.414, "recall@50": 0.553}


def load_split(data_dir, dataset, protocol):
    ratings = fetch_movielens(Path(data_dir) / dataset / "ratings.csv.gz").data
    if protocol == "S1":
        return split_s1(ratings, 98765, N_HELDOUT[dataset])
    return split_t1(ratings, 0)


def fit_timed(model, split):
    validation = {}
    if "valid_in" in split:
        validation = {"X_val": split["valid_in"], "y_val": split["valid_out"]}
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(split["train"], **validation)
    fit_s = time.perf_counter() - start
    return fit_s, [
        str(w.message) for w in caught if w.category.__name__ != "FutureWarning"
    ]


def run_recvae(split):
    model = RecVAE(random_state=0)
    fit_s, caught = fit_timed(model, split)
    ndcg = model.history_[:, "valid_ndcg"]
    return model, {
        "model": "recvae",
        "fit_s": fit_s,
        "epochs": len(ndcg),
        "best_epoch": int(np.argmax(ndcg)) + 1,
        "best_valid_ndcg@100": float(np.max(ndcg)),
        "epoch_s": float(np.median(model.history_[:, "dur"])),
        "warnings": caught,
    }


def run_ease(split):
    if "valid_in" in split:
        scores = {}
        for l2 in EASE_GRID:
            model = EASE(l2=l2).fit(split["train"])
            scores[l2] = ndcg_at_k(
                split["valid_out"],
                model.predict(split["valid_in"]),
                k=100,
                exclude=split["valid_in"],
            )
        l2 = max(scores, key=scores.get)
    else:
        l2, scores = 500.0, {}
    model = EASE(l2=l2)
    fit_s, _ = fit_timed(model, {"train": split["train"]})
    return model, {
        "model": f"ease (λ={l2:g})",
        "fit_s": fit_s,
        "valid_ndcg@100_by_l2": {str(k): v for k, v in scores.items()},
    }


def run(dataset, protocol, data_dir):
    split = load_split(data_dir, dataset, protocol)
    rows = []
    for runner in (run_recvae, run_ease):
        model, row = runner(split)
        report = ranking_report(
            split["test_out"], model.predict(split["test_in"]), split["test_in"]
        )
        rows.append({"dataset": dataset, "protocol": protocol, **row, **report})
        print(json.dumps(rows[-1], default=str), flush=True)
    return rows


def markdown(rows):
    lines = [
        "## RecVAE (defaults, random_state=0) beside EASE — test users",
        "",
        "| data | protocol | model | NDCG@100 | R@20 | R@50 | P@100 | R@100 | "
        "epochs (best) | s / epoch | fit (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        epochs = f"{r['epochs']} ({r['best_epoch']})" if "epochs" in r else "–"
        epoch_s = f"{r['epoch_s']:.1f}" if "epoch_s" in r else "–"
        lines.append(
            f"| {r['dataset']} | {r['protocol']} | {r['model']} | "
            f"{r['ndcg@100']:.4f} | {r['recall@20']:.4f} | {r['recall@50']:.4f} | "
            f"{r['precision@100']:.4f} | {r['recall@100']:.4f} | {epochs} | "
            f"{epoch_s} | {r['fit_s']:.0f} |"
        )
    lines += [
        "",
        f"Paper (RecVAE, ML-20M, S1 protocol): NDCG@100 {PAPER['ndcg@100']}, "
        f"R@20 {PAPER['recall@20']}, R@50 {PAPER['recall@50']}.",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["ml-1m:S1", "ml-1m:T1", "ml-100k:S1", "ml-latest-small:S1"],
    )
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    previous = Path(args.out) / "recvae.json"
    for entry in args.runs:
        dataset, protocol = entry.split(":")
        new_rows = run(dataset, protocol, args.data_dir)
        # re-read: another process may have written other runs meanwhile
        rows = json.loads(previous.read_text())["rows"] if previous.exists() else []
        rows = [r for r in rows if (r["dataset"], r["protocol"]) != (dataset, protocol)]
        rows += new_rows
        order = {
            f"{d}:{p}": i
            for i, (d, p) in enumerate((d, p) for d in N_HELDOUT for p in ("S1", "T1"))
        }
        rows.sort(key=lambda r: order[f"{r['dataset']}:{r['protocol']}"])
        write_results(
            args.out,
            "recvae",
            {"environment": environment(), "rows": rows},
            markdown(rows),
        )


if __name__ == "__main__":
    main()
