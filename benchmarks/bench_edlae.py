"""EDLAE, DLAE, RDLAE beside EASE: S1, T1 on ML-1M; S1 on ML-100K, ML-latest-small.

Usage::

    python benchmarks/bench_edlae.py --data-dir ../shared/data

Every setting is chosen on validation data only: S1 on its validation users
(600 on ML-1M, 100 on ML-100K, 60 on ML-latest-small), T1 on a further 20% per
user held out of the training part, as ``bench_ease.py`` does for EASE (scored
on a seeded 1,500 of the users, to keep the grid affordable). The
grid covers the dropout p and the ridge λ of every model (EASE is the p = 0,
zero-diagonal point of the same grid, so its λ is chosen by the same
procedure) and the bound ξ of RDLAE. One solve per (p, λ) serves every
diagonal treatment (the weights come from the same inverse through the
package's own functions); the chosen settings are then refitted through the
public estimators, timed, and scored on the test part. Writes
``benchmarks/results/edlae.{json,md}``.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
from _common import environment, ranking_report, timed, write_results

from sklearn_recae import EASE, EDLAE
from sklearn_recae._ease import _inverse_lapack, _weights_from_inverse, gram_matrix
from sklearn_recae._edlae import _bounded_diagonal_weights, _free_diagonal_weights
from sklearn_recae._protocols import split_s1, split_t1
from sklearn_recae.datasets import fetch_movielens
from sklearn_recae.metrics import ndcg_at_k
from sklearn_recae.model_selection import holdout_split

DROPOUTS = (0.0, 0.1, 0.2, 0.33, 0.5)
L2S = (10.0, 50.0, 100.0, 200.0, 300.0, 500.0, 800.0, 1200.0, 2000.0)
MAX_DIAGONALS = (0.1, 0.2, 0.4)
T1_VALIDATION_USERS = 1500
DATASETS = {  # name: (folder, S1 validation = test users)
    "ML-1M": ("ml-1m", 600),
    "ML-100K": ("ml-100k", 100),
    "ML-latest-small": ("ml-latest-small", 60),
}


def _variants(inverse, penalty):
    """Weights of every diagonal treatment from one inverse P (copies of it)."""
    yield "EDLAE", {}, _weights_from_inverse(inverse.copy())
    yield "DLAE", {}, _free_diagonal_weights(inverse.copy(), penalty)
    for xi in MAX_DIAGONALS:
        weights = _bounded_diagonal_weights(inverse.copy(), penalty, xi)
        yield "RDLAE", {"max_diagonal": xi}, weights


def validation_grid(train, valid_in, valid_out, log):
    """Validation NDCG@100 of every (model, p, λ[, ξ]) from one Gram matrix."""
    gram = gram_matrix(train)
    gram_diagonal = gram.diagonal().astype(np.float64)
    dense_in = valid_in.toarray()
    rows = []
    for dropout in DROPOUTS:
        extra = dropout / (1.0 - dropout) * gram_diagonal
        for l2 in L2S:
            shifted = gram.copy()
            shifted[np.diag_indices_from(shifted)] += l2
            if dropout:
                shifted[np.diag_indices_from(shifted)] += extra
            inverse = _inverse_lapack(shifted)
            penalty = l2 + extra
            for model, extra_params, weights in _variants(inverse, penalty):
                scores = dense_in @ weights
                ndcg = ndcg_at_k(valid_out, scores, k=100, exclude=valid_in)
                params = {"l2": l2, "dropout": dropout, **extra_params}
                rows.append({"model": model, **params, "ndcg@100": ndcg})
            del inverse
        best = max(r["ndcg@100"] for r in rows if r["dropout"] == dropout)
        log(f"  p={dropout}: best validation NDCG@100 at this p {best:.4f}")
    return rows


def _best(rows, model, **fixed):
    candidates = [
        r
        for r in rows
        if r["model"] == model and all(r[k] == v for k, v in fixed.items())
    ]
    return max(candidates, key=lambda r: r["ndcg@100"])


def _estimator(row):
    params = {k: row[k] for k in ("l2", "dropout", "max_diagonal") if k in row}
    if row["model"] == "EASE":
        return EASE(l2=row["l2"])
    diagonal = {"EDLAE": "zero", "DLAE": "free", "RDLAE": "bounded"}[row["model"]]
    return EDLAE(diagonal=diagonal, **params)


def _popularity(train, X):
    counts = np.asarray(train.sum(axis=0), dtype=np.float32).ravel()
    return np.tile(counts, (X.shape[0], 1))


def evaluate(rows, split, log):
    """Refit the chosen settings through the estimators; score the test part."""
    chosen = {
        "EASE": {**_best(rows, "EDLAE", dropout=0.0), "model": "EASE"},
        "EDLAE": _best(rows, "EDLAE"),
        "DLAE": _best(rows, "DLAE"),
        "RDLAE": _best(rows, "RDLAE"),
    }
    results = {}
    for name, row in chosen.items():
        estimator = _estimator(row)
        fit_s, model = timed(lambda e=estimator: e.fit(split["train"]), repeat=3)
        report = ranking_report(
            split["test_out"], model.predict(split["test_in"]), split["test_in"]
        )
        params = {k: v for k, v in row.items() if k not in ("model", "ndcg@100")}
        results[name] = {
            "params": params,
            "validation_ndcg@100": row["ndcg@100"],
            "fit_s": fit_s,
            **report,
        }
        log(f"  {name} {params}: test NDCG@100 {report['ndcg@100']:.4f}, {fit_s:.2f} s")
    results["popularity"] = ranking_report(
        split["test_out"],
        _popularity(split["train"], split["test_in"]),
        split["test_in"],
    )
    return results


def _check_grid_matches_estimator(rows, train):
    """The grid's shortcut weights are the estimator's, bit for bit."""
    row = _best(rows, "RDLAE")
    shifted = gram_matrix(train)
    extra = row["dropout"] / (1 - row["dropout"]) * shifted.diagonal().astype(float)
    shifted[np.diag_indices_from(shifted)] += row["l2"]
    if row["dropout"]:
        shifted[np.diag_indices_from(shifted)] += extra
    weights = _bounded_diagonal_weights(
        _inverse_lapack(shifted), row["l2"] + extra, row["max_diagonal"]
    )
    assert np.array_equal(weights, _estimator(row).fit(train).coef_)


def run(name, split, valid_in, valid_out, fit_part, log):
    log(f"{name}: train {split['train'].shape}, validation grid")
    start = time.perf_counter()
    rows = validation_grid(fit_part, valid_in, valid_out, log)
    grid_s = time.perf_counter() - start
    _check_grid_matches_estimator(rows, split["train"])
    return {
        "shape": list(split["train"].shape),
        "nnz": int(split["train"].nnz),
        "grid_s": grid_s,
        "test": evaluate(rows, split, log),
        "validation": rows,
    }


def run_s1(data_dir, dataset, log):
    folder, n_heldout = DATASETS[dataset]
    ratings = fetch_movielens(Path(data_dir) / folder / "ratings.csv.gz").data
    split = split_s1(ratings, 98765, n_heldout)
    return run(
        f"S1 {dataset}",
        split,
        split["valid_in"],
        split["valid_out"],
        split["train"],
        log,
    )


def run_t1(data_dir, seed, log):
    ratings = fetch_movielens(Path(data_dir) / "ml-1m" / "ratings.csv.gz").data
    split = split_t1(ratings, seed)
    fit_part, valid = holdout_split(split["train"], 0.2, random_state=seed + 1)
    # Validation scores on a seeded subset of the users (every user still
    # trains on their fit part): scoring all 6,040 for 225 settings would cost
    # an hour of this 2-core machine.
    users = np.sort(
        np.random.RandomState(seed + 2).choice(
            fit_part.shape[0], T1_VALIDATION_USERS, replace=False
        )
    )
    return run("T1 ML-1M", split, fit_part[users], valid[users], fit_part, log)


def robust_defaults(results, model="EDLAE"):
    """(p, λ) ranked by the mean share of each data set's best validation score.

    Only the S1 runs (validation users), so the defaults never see a test user.
    """
    shares = {}
    for key, result in results.items():
        if not key.startswith("S1"):
            continue
        rows = [r for r in result["validation"] if r["model"] == model]
        best = max(r["ndcg@100"] for r in rows)
        for r in rows:
            setting = (r["dropout"], r["l2"], r.get("max_diagonal"))
            shares.setdefault(setting, []).append(r["ndcg@100"] / best)
    ranked = sorted(shares.items(), key=lambda kv: -np.mean(kv[1]))
    return [
        {
            "dropout": s[0],
            "l2": s[1],
            "max_diagonal": s[2],
            "mean_share": float(np.mean(v)),
            "worst_share": float(np.min(v)),
        }
        for s, v in ranked[:5]
    ]


def _params(p):
    text = f"λ={p['l2']:g}, p={p['dropout']:g}"
    return text + (f", ξ={p['max_diagonal']:g}" if "max_diagonal" in p else "")


def markdown(results):
    lines = ["## EDLAE, DLAE and RDLAE beside EASE", ""]
    for key, result in results.items():
        if key in ("environment", "seed", "defaults"):
            continue
        test = result["test"]
        t1 = key.startswith("T1")
        metrics = (
            ("ndcg@100", "precision@100", "recall@100")
            if t1
            else ("ndcg@100", "recall@20", "recall@50")
        )
        heads = " | ".join(m.replace("ecision", "").upper() for m in metrics)
        lines += [
            f"### {key} (train {result['shape'][0]} x {result['shape'][1]}, "
            f"{result['nnz']} nnz; validation grid {result['grid_s']:.0f} s)",
            "",
            f"| model | setting (chosen on validation) | validation NDCG@100 | "
            f"{heads} | fit (s) |",
            "|---|---|---|" + "---|" * len(metrics) + "---|",
        ]
        for name in ("EASE", "EDLAE", "DLAE", "RDLAE"):
            r = test[name]
            values = " | ".join(f"{r[m]:.4f}" for m in metrics)
            lines.append(
                f"| {name} | {_params(r['params'])} | "
                f"{r['validation_ndcg@100']:.4f} | {values} | {r['fit_s']:.2f} |"
            )
        pop = test["popularity"]
        values = " | ".join(f"{pop[m]:.4f}" for m in metrics)
        lines += [f"| popularity | – | – | {values} | – |", ""]
    lines += [
        "### Settings that hold across the S1 validation users of all three "
        "data sets (EDLAE)",
        "",
        "| p | λ | mean share of each data set's best validation NDCG@100 | worst |",
        "|---|---|---|---|",
    ]
    for d in results["defaults"]:
        lines.append(
            f"| {d['dropout']:g} | {d['l2']:g} | {d['mean_share']:.4f} | "
            f"{d['worst_share']:.4f} |"
        )
    lines += ["", f"Environment: `{results['environment']}`"]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        required=True,
        help="folder holding ml-1m/, ml-100k/ and ml-latest-small/ "
        "(e.g. ../shared/data)",
    )
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["S1-ML-100K", "S1-ML-latest-small", "S1-ML-1M", "T1-ML-1M"],
    )
    args = parser.parse_args()

    def log(message):
        print(message, flush=True)

    results = {
        "environment": {
            **environment(),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
        "seed": args.seed,
    }
    for run_name in args.runs:
        protocol, dataset = run_name.split("-", 1)
        key = f"{protocol} {dataset}"
        if protocol == "T1":
            results[key] = run_t1(args.data_dir, args.seed, log)
        else:
            results[key] = run_s1(args.data_dir, dataset, log)
    results["defaults"] = robust_defaults(results)
    write_results(args.out, "edlae", results, markdown(results))


if __name__ == "__main__":
    main()
