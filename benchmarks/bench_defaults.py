"""Every model with its defaults on ML-1M, ML-100K and ML-latest-small.

Usage::

    python benchmarks/bench_defaults.py --datasets ml-1m ml-100k ml-latest-small \
        --protocols S1 T1 ratings --out defaults

Protocols (../shared/PROTOCOLS.md):

* ``S1``: S1 / S1-small (600, 100, 60 validation + test users). Neural models
  (Mult-VAE, Mult-DAE, RecVAE, ELSA, CDAE) get the validation users as
  ``fit(X_val=..., y_val=...)``; EASE's λ is chosen on them; EDLAE keeps its
  defaults; popularity ranks by training counts.
* ``T1``: weak generalization (every user trained on 80%, the rest scored). The
  neural models early-stop on their default internal carve (20% of the entries
  of 10% of the users); EASE's λ is chosen on a 20% carve of the training part.
* ``ratings``: a seeded random 90/10 split of all ratings (R1 on ML-1M). Rating
  models with defaults (internal validation carve); the baseline is the global
  mean plus shrunk item and user offsets, shrinkage chosen on a 10% carve.

Model keys (``--models``): ``popularity``, ``ease``, ``edlae``, ``multvae``,
``multdae``, ``recvae``, ``elsa``, ``cdae``, ``bias``, ``autorec-item``,
``autorec-user``, ``deeprec`` (default: all). RecVAE and ELSA take the longest
(tens of minutes each on ML-1M on the shared 2-core machine; see
``results/recvae.md`` and ``results/elsa.md``).

``--param model:key=value`` overrides a default (tuning; the report says so).
Every figure is on test users / test ratings; ``valid`` columns are what the
models' early stopping saw. Writes ``benchmarks/results/<out>.{md,json}``.
"""

import argparse
import ast
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from _common import environment, ranking_report, write_results

from sklearn_recae import (
    CDAE,
    EASE,
    EDLAE,
    ELSA,
    AutoRec,
    DeepRec,
    MultDAE,
    MultVAE,
    RecVAE,
)
from sklearn_recae._protocols import split_entries, split_r1, split_s1, split_t1
from sklearn_recae.datasets import fetch_movielens
from sklearn_recae.metrics import masked_rmse, ndcg_at_k
from sklearn_recae.model_selection import holdout_split

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DATA = {  # ratings file, validation (= test) users of S1
    "ml-1m": (SHARED / "ml-1m" / "ratings.csv.gz", 600),
    "ml-100k": (SHARED / "ml-100k" / "ratings.csv.gz", 100),
    "ml-latest-small": (SHARED / "ml-latest-small" / "ratings.csv.gz", 60),
}
RANKERS = {
    "multvae": MultVAE,
    "multdae": MultDAE,
    "recvae": RecVAE,
    "elsa": ELSA,
    "cdae": CDAE,
}
RATERS = {
    "autorec-item": lambda **kw: AutoRec(variant="item", **kw),
    "autorec-user": lambda **kw: AutoRec(variant="user", **kw),
    "deeprec": DeepRec,
}
EASE_GRID = (50, 100, 200, 300, 500, 800, 1200, 2000)


def popularity_scores(train, n_rows):
    counts = np.asarray((train != 0).sum(axis=0), dtype=np.float32).ravel()
    return np.tile(counts, (n_rows, 1))


def best_ease(train, valid_in, valid_out):
    scores = {
        l2: ndcg_at_k(
            valid_out,
            EASE(l2=l2).fit(train).predict(valid_in),
            k=100,
            exclude=valid_in,
        )
        for l2 in EASE_GRID
    }
    return max(scores, key=scores.get), scores


def fit_timed(model, *args, **kwargs):
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(*args, **kwargs)
    capped = [str(w.message) for w in caught if "max_epochs" in str(w.message)]
    return time.perf_counter() - start, capped


def epochs_of(model):
    if not hasattr(model, "history_"):
        return {}
    return {
        "epochs": len(model.history_),
        "max_epochs": int(model.max_epochs_),
        "best_epoch": _best_epoch(model),
    }


def _best_epoch(model):
    monitor, lower = model._early_stopping_monitor
    try:
        values = np.asarray(model.history_[:, monitor], dtype=float)
    except KeyError:
        return None
    return int(np.argmin(values) if lower else np.argmax(values)) + 1


def closed_form_row(model, train, fold_in, fold_out):
    """A closed-form model with its defaults: fit time and test figures."""
    start = time.perf_counter()
    model.fit(train)
    return {
        "model": f"{type(model).__name__} (defaults)",
        "fit_s": time.perf_counter() - start,
        **ranking_report(fold_out, model.predict(fold_in), fold_in),
    }


def run_s1(name, ratings, n_heldout, models, params, seed=98765):
    split = split_s1(ratings, seed, n_heldout)
    train, vin, vout = split["train"], split["valid_in"], split["valid_out"]
    tin, tout = split["test_in"], split["test_out"]
    rows = []
    if "popularity" in models:
        rows.append(
            {
                "model": "popularity",
                **ranking_report(tout, popularity_scores(train, tin.shape[0]), tin),
            }
        )
    if "ease" in models:
        start = time.perf_counter()
        l2, _ = best_ease(train, vin, vout)
        model = EASE(l2=l2).fit(train)
        rows.append(
            {
                "model": f"EASE (λ={l2})",
                "fit_s": time.perf_counter() - start,
                **ranking_report(tout, model.predict(tin), tin),
            }
        )
    if "edlae" in models:
        rows.append(closed_form_row(EDLAE(**params.get("edlae", {})), train, tin, tout))
    for key, cls in RANKERS.items():
        if key not in models:
            continue
        model = cls(random_state=0, **params.get(key, {}))
        seconds, capped = fit_timed(model, train, X_val=vin, y_val=vout)
        rows.append(
            {
                "model": type(model).__name__,
                "fit_s": seconds,
                "capped": bool(capped),
                "valid_ndcg@100": ndcg_at_k(
                    vout, model.predict(vin), k=100, exclude=vin
                ),
                **epochs_of(model),
                **ranking_report(tout, model.predict(tin), tin),
            }
        )
        print(name, "S1", rows[-1]["model"], rows[-1]["ndcg@100"], flush=True)
    return rows


def run_t1(name, ratings, models, params):
    split = split_t1(ratings, 0)
    train, test = split["train"], split["test_out"]
    rows = []
    if "popularity" in models:
        rows.append(
            {
                "model": "popularity",
                **ranking_report(test, popularity_scores(train, train.shape[0]), train),
            }
        )
    if "ease" in models:
        fit_in, fit_out = holdout_split(train, 0.2, random_state=1)
        l2, _ = best_ease(fit_in, fit_in, fit_out)
        start = time.perf_counter()
        model = EASE(l2=l2).fit(train)
        rows.append(
            {
                "model": f"EASE (λ={l2})",
                "fit_s": time.perf_counter() - start,
                **ranking_report(test, model.predict(train), train),
            }
        )
    if "edlae" in models:
        rows.append(
            closed_form_row(EDLAE(**params.get("edlae", {})), train, train, test)
        )
    for key, cls in RANKERS.items():
        if key not in models:
            continue
        model = cls(random_state=0, **params.get(key, {}))
        seconds, capped = fit_timed(model, train)
        rows.append(
            {
                "model": type(model).__name__,
                "fit_s": seconds,
                "capped": bool(capped),
                **epochs_of(model),
                **ranking_report(test, model.predict(train), train),
            }
        )
        print(name, "T1", rows[-1]["model"], rows[-1]["ndcg@100"], flush=True)
    return rows


def bias_baseline(train, shrink_items, shrink_users):
    """Global mean plus shrunk item then user offsets (Koren 2010, eq. 2-3)."""
    mu = train.data.mean()
    centred = train.copy()
    centred.data = centred.data - mu
    csc = centred.tocsc()
    item_counts = np.diff(csc.indptr)
    item_bias = np.asarray(csc.sum(axis=0)).ravel() / np.maximum(
        shrink_items + item_counts, 1
    )
    centred.data = centred.data - item_bias[centred.indices]
    user_counts = np.diff(centred.indptr)
    user_bias = np.asarray(centred.sum(axis=1)).ravel() / np.maximum(
        shrink_users + user_counts, 1
    )
    return mu, item_bias, user_bias


def bias_rmse(model, test):
    mu, item_bias, user_bias = model
    rows = np.repeat(np.arange(test.shape[0]), np.diff(test.indptr))
    low, high = 1.0, 5.0
    predicted = np.clip(mu + item_bias[test.indices] + user_bias[rows], low, high)
    return float(np.sqrt(np.mean((predicted - test.data) ** 2)))


def run_ratings(name, ratings, models, params):
    split = split_r1(ratings, 0)
    train, test = split["train"], split["test_out"]
    rows = []
    if "bias" in models:
        fit, valid = split_entries(train, 0.1, 1)
        grid = [(a, b) for a in (0, 5, 10, 25, 50) for b in (0, 5, 10, 25)]
        best = min(grid, key=lambda g: bias_rmse(bias_baseline(fit, *g), valid))
        rows.append(
            {
                "model": f"user+item bias (shrinkage {best})",
                "rmse": bias_rmse(bias_baseline(train, *best), test),
            }
        )
    for key, make in RATERS.items():
        if key not in models:
            continue
        model = make(random_state=0, **params.get(key, {}))
        seconds, capped = fit_timed(model, train)
        rmse = masked_rmse(test, model.predict(train))
        rows.append(
            {
                "model": key,
                "fit_s": seconds,
                "capped": bool(capped),
                **epochs_of(model),
                "train_rmse": masked_rmse(train, model.predict(train)),
                "valid_rmse": float(
                    np.sqrt(np.min(model.history_[:, "valid_loss"]))
                    * model.rating_scale_
                ),
                "rmse": rmse,
            }
        )
        print(name, "ratings", key, rmse, rows[-1]["valid_rmse"], flush=True)
    return rows


def markdown(results):
    lines = []
    for (data, protocol), rows in results.items():
        lines += [f"### {data}, {protocol}", ""]
        if protocol == "ratings":
            lines += [
                "| model | RMSE | train RMSE | valid RMSE | epochs (best / cap) "
                "| fit |",
                "|---|---|---|---|---|---|",
            ]
            for r in rows:
                lines.append(
                    f"| {r['model']} | {r['rmse']:.4f} | {_f(r.get('train_rmse'))} | "
                    f"{_f(r.get('valid_rmse'))} | {_epochs(r)} | "
                    f"{_s(r.get('fit_s'))} |"
                )
        else:
            lines += [
                "| model | NDCG@100 | R@20 | R@50 | P@100 | valid NDCG@100 "
                "| epochs (best / cap) | fit |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for r in rows:
                lines.append(
                    f"| {r['model']} | {r['ndcg@100']:.4f} | {r['recall@20']:.4f} | "
                    f"{r['recall@50']:.4f} | {r['precision@100']:.4f} | "
                    f"{_f(r.get('valid_ndcg@100'))} | {_epochs(r)} | "
                    f"{_s(r.get('fit_s'))} |"
                )
        lines.append("")
    return "\n".join(lines)


def _f(value):
    return "–" if value is None else f"{value:.4f}"


def _s(value):
    return "–" if value is None else f"{value:.0f} s"


def _epochs(r):
    if "epochs" not in r:
        return "–"
    flag = " **capped**" if r.get("capped") else ""
    return f"{r['epochs']} ({r['best_epoch']} / {r['max_epochs']}){flag}"


def parse_params(items):
    params = {}
    for item in items:
        model, assignment = item.split(":", 1)
        key, value = assignment.split("=", 1)
        params.setdefault(model, {})[key] = ast.literal_eval(value)
    return params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATA))
    parser.add_argument("--protocols", nargs="+", default=["S1", "T1", "ratings"])
    models = ["popularity", "ease", "edlae", *RANKERS, "bias", *RATERS]
    parser.add_argument("--models", nargs="+", default=models, choices=models)
    parser.add_argument("--param", action="append", default=[])
    parser.add_argument(
        "--seeds", nargs="+", type=int, default=[98765], help="S1 user shuffles"
    )
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    params = parse_params(args.param)
    results = {}
    for name in args.datasets:
        path, n_heldout = DATA[name]
        ratings = fetch_movielens(str(path)).data.astype(np.float32)
        ratings = sp.csr_matrix(ratings)
        for protocol in args.protocols:
            if protocol == "S1":
                for seed in args.seeds:
                    rows = run_s1(name, ratings, n_heldout, args.models, params, seed)
                    label = "S1" if seed == 98765 else f"S1-style, split seed {seed}"
                    results[(name, label)] = rows
                continue
            elif protocol == "T1":
                rows = run_t1(name, ratings, args.models, params)
            else:
                rows = run_ratings(name, ratings, args.models, params)
            if rows:
                results[(name, protocol)] = rows
    report = markdown(results)
    if params:
        report = f"Overrides: {params}\n\n" + report
    if args.out:
        payload = {
            "environment": environment(),
            "params": params,
            "results": {f"{d} {p}": rows for (d, p), rows in results.items()},
        }
        write_results(Path(__file__).parent / "results", args.out, payload, report)
    else:
        print(report)


if __name__ == "__main__":
    main()
