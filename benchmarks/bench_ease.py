"""EASE on protocols T1 and S1 (ML-1M), and its solve against float64 numpy.linalg.inv.

Usage::

    python benchmarks/bench_ease.py --data ../shared/data/ml-1m/ratings.csv.gz

λ is chosen on validation data only: for S1 on the validation users, for T1 on
a further 20% per user held out of the training part. Writes
``benchmarks/results/ease.{json,md}``.
"""

import argparse
import time
import tracemalloc

import numpy as np
from _common import (
    environment,
    protocol_s1,
    protocol_t1,
    ranking_report,
    timed,
    write_results,
)

from sklearn_recae import EASE
from sklearn_recae.metrics import ndcg_at_k
from sklearn_recae.model_selection import holdout_split

GRID = (100.0, 200.0, 300.0, 500.0, 800.0, 1200.0, 2000.0)
PEAK_FLOPS = 150e9  # float32 matmul on this 2-core machine (MACHINE.md)


def choose_l2(train, valid_in, valid_out):
    scores = {}
    for l2 in GRID:
        model = EASE(l2=l2).fit(train)
        scores[l2] = ndcg_at_k(
            valid_out, model.predict(valid_in), k=100, exclude=valid_in
        )
    return max(scores, key=scores.get), scores


def evaluate(split, l2):
    start = time.perf_counter()
    model = EASE(l2=l2).fit(split["train"])
    fit_s = time.perf_counter() - start
    scores = model.predict(split["test_in"])
    return fit_s, ranking_report(split["test_out"], scores, split["test_in"])


def run_t1(path, seed):
    split = protocol_t1(path, seed)
    fit, valid = holdout_split(split["train"], 0.2, random_state=seed + 1)
    l2, grid = choose_l2(fit, fit, valid)
    fit_s, report = evaluate(split, l2)
    return {"l2": l2, "validation_ndcg@100": grid, "fit_s": fit_s, **report}, split


def run_s1(path):
    split = protocol_s1(path)
    l2, grid = choose_l2(split["train"], split["valid_in"], split["valid_out"])
    fit_s, report = evaluate(split, l2)
    return {"l2": l2, "validation_ndcg@100": grid, "fit_s": fit_s, **report}


def numpy_inv_float64_fit(X, l2):
    """The plain closed form: float64 Gram, numpy.linalg.inv, B = I - P / diag(P)."""
    gram = (X.T @ X).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += l2
    inverse = np.linalg.inv(gram)
    weights = inverse / -np.diag(inverse)
    np.fill_diagonal(weights, 0.0)
    return weights


def speed(X, l2, repeat=5):
    from sklearn_recae._ease import _inverse_lapack, gram_matrix

    ours_s, model = timed(lambda: EASE(l2=l2).fit(X), repeat)
    numpy_s, weights = timed(lambda: numpy_inv_float64_fit(X, l2), repeat)
    gram32 = gram_matrix(X)
    gram32[np.diag_indices_from(gram32)] += l2
    gram64 = (X.T @ X).toarray().astype(np.float64)
    gram64[np.diag_indices_from(gram64)] += l2
    gram_s, _ = timed(lambda: gram_matrix(X), repeat)
    solve_s, _ = timed(lambda: _inverse_lapack(gram32.copy()), repeat)
    inv_s, _ = timed(lambda: np.linalg.inv(gram64), repeat)
    n_users, n_items = X.shape
    gram_flop = n_users * n_items**2  # syrk: n_users * n_items^2 multiply-adds / 2
    solve_flop = n_items**3  # Cholesky (n^3/3) + inverse from the factor (2n^3/3)
    tracemalloc.start()
    EASE(l2=l2).fit(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    recommend_s, _ = timed(lambda: model.recommend(X, k=100), 3)
    return {
        "shape": [n_users, n_items],
        "nnz": int(X.nnz),
        "ours_fit_s": ours_s,
        "numpy_inv_float64_fit_s": numpy_s,
        "fit_speedup": numpy_s / ours_s,
        "max_abs_weight_difference": float(np.abs(model.coef_ - weights).max()),
        "gram_s": gram_s,
        "solve_s": solve_s,
        "numpy_inv_float64_solve_s": inv_s,
        "solve_speedup": inv_s / solve_s,
        "solve_flop_floor_s": solve_flop / PEAK_FLOPS,
        "fit_flop_floor_s": (gram_flop + solve_flop) / PEAK_FLOPS,
        "solve_fraction_of_peak": solve_flop / PEAK_FLOPS / solve_s,
        "fit_fraction_of_peak": (gram_flop + solve_flop) / PEAK_FLOPS / ours_s,
        "fit_peak_memory_mib": peak / 2**20,
        "recommend_top100_users_per_s": n_users / recommend_s,
    }


def markdown(results):
    t1, s1, sp_ = results["T1"], results["S1"], results["speed"]
    lines = [
        "## EASE on ML-1M",
        "",
        "| protocol | λ (chosen on validation) | P@100 | R@20 | R@50 | R@100 | "
        "NDCG@100 | fit (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in (("T1", t1), ("S1 (test users)", s1)):
        lines.append(
            f"| {name} | {r['l2']:g} | {r['precision@100']:.4f} | "
            f"{r['recall@20']:.4f} | {r['recall@50']:.4f} | {r['recall@100']:.4f} | "
            f"{r['ndcg@100']:.4f} | {r['fit_s']:.2f} |"
        )
    lines += [
        "",
        f"### Fit speed on the T1 training matrix ({sp_['shape'][0]} x "
        f"{sp_['shape'][1]}, {sp_['nnz']} nnz), median of 5",
        "",
        "| step | ours (float32) | numpy.linalg.inv (float64) | speed-up | "
        "FLOP floor at 150 GFLOP/s |",
        "|---|---|---|---|---|",
        f"| whole fit | {sp_['ours_fit_s']:.3f} s | "
        f"{sp_['numpy_inv_float64_fit_s']:.3f} s | {sp_['fit_speedup']:.2f}x | "
        f"{sp_['fit_flop_floor_s']:.3f} s "
        f"({sp_['fit_fraction_of_peak']:.0%} of peak) |",
        f"| solve only | {sp_['solve_s']:.3f} s | "
        f"{sp_['numpy_inv_float64_solve_s']:.3f} s | {sp_['solve_speedup']:.2f}x | "
        f"{sp_['solve_flop_floor_s']:.3f} s ({sp_['solve_fraction_of_peak']:.0%} of "
        "peak) |",
        "",
        f"Gram matrix: {sp_['gram_s']:.3f} s. Peak traced memory of a fit: "
        f"{sp_['fit_peak_memory_mib']:.0f} MiB. recommend(k=100): "
        f"{sp_['recommend_top100_users_per_s']:.0f} users/s. Max |B_ours - "
        f"B_float64| = {sp_['max_abs_weight_difference']:.2e}.",
        "",
        f"Environment: `{results['environment']}`",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        required=True,
        help="ML-1M archive or ratings CSV (e.g. ../shared/data/ml-1m/ratings.csv.gz)",
    )
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t1, t1_split = run_t1(args.data, args.seed)
    results = {
        "environment": environment(),
        "seed": args.seed,
        "T1": t1,
        "S1": run_s1(args.data),
        "speed": speed(t1_split["train"], t1["l2"]),
    }
    write_results(args.out, "ease", results, markdown(results))


if __name__ == "__main__":
    main()
