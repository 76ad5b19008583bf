"""EASE on protocols T1 and S1 (ML-1M), and its solve against float64 numpy.linalg.inv.

Usage::

    OMP_NUM_THREADS=2 python benchmarks/bench_ease.py \
        --data ../shared/data/ml-1m/ratings.csv.gz
    # only the fit-speed comparison on T1 at λ=1200 (ease_speed.{json,md}):
    OMP_NUM_THREADS=2 python benchmarks/bench_ease.py \
        --data ../shared/data/ml-1m/ratings.csv.gz --speed-only 1200

λ is chosen on validation data only: for S1 on the validation users, for T1 on
a further 20% per user held out of the training part. Writes
``benchmarks/results/ease.{json,md}``.
"""

import argparse
import functools
import json
import os
import subprocess
import sys
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


def numpy_inv_float64_fit(X, l2, split=None):
    """The plain closed form: float64 Gram, numpy.linalg.inv, B = I - P / diag(P)."""
    start = time.perf_counter()
    gram = (X.T @ X).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += l2
    middle = time.perf_counter()
    inverse = np.linalg.inv(gram)
    if split is not None:
        split["gram"].append(middle - start)
        split["inv"].append(time.perf_counter() - middle)
    weights = inverse / -np.diag(inverse)
    np.fill_diagonal(weights, 0.0)
    return weights


def _median(times):
    return float(np.median(times))


def _first_fit_in_a_fresh_process(path, seed, l2):
    """A user's first EASE fit, torch not imported: path, seconds, torch loaded?"""
    code = f"""
import json, sys, time
from sklearn_recae import EASE, _ease
from sklearn_recae._protocols import split_t1
from sklearn_recae.datasets import fetch_movielens
X = split_t1(fetch_movielens({str(path)!r}).data, {seed})["train"]
start = time.perf_counter()
EASE(l2={l2}).fit(X)
seconds = time.perf_counter() - start
start = time.perf_counter()
EASE(l2={l2}).fit(X)
print(json.dumps({{"first_fit_s": seconds, "second_fit_s": time.perf_counter() - start,
    "path": _ease._gram_path(X), "torch_imported": "torch" in sys.modules}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def speed(X, l2, repeat=7, path=None, seed=0):
    """EASE's fit against float64 numpy.linalg.inv, alternating, in this process.

    Each round times our whole fit, the float64 baseline (Gram and inverse
    apart), every Gram path and our float32 inverse, in an order that is
    reversed every other round; medians over ``repeat`` rounds.
    """
    from sklearn_recae import _ease

    load_before = os.getloadavg()
    gram64 = (X.T @ X).toarray().astype(np.float64)
    costs = _ease._gram_costs(X)
    chosen = _ease._gram_path(X)
    exact = {
        name: bool(np.array_equal(np.triu(gram(X)), np.triu(gram64)))
        for name, gram in _ease._GRAM_PATHS.items()
    }
    gram32 = _ease.gram_matrix(X)
    gram32[np.diag_indices_from(gram32)] += l2
    times = {"ours_fit": [], "numpy_fit": [], "ours_inverse": []}
    times.update({f"gram_{name}": [] for name in _ease._GRAM_PATHS})
    numpy_split = {"gram": [], "inv": []}
    model = weights = None

    def ours():
        nonlocal model
        model = EASE(l2=l2).fit(X)

    def baseline():
        nonlocal weights
        weights = numpy_inv_float64_fit(X, l2, numpy_split)

    def inverse():
        _ease._weights_from_inverse(_ease._inverse_lapack(gram32.copy()))

    cases = {"ours_fit": ours, "numpy_fit": baseline, "ours_inverse": inverse}
    cases.update(
        {
            f"gram_{name}": functools.partial(gram, X)
            for name, gram in _ease._GRAM_PATHS.items()
        }
    )
    for round_ in range(repeat):
        order = list(cases) if round_ % 2 == 0 else list(cases)[::-1]
        for name in order:
            start = time.perf_counter()
            cases[name]()
            times[name].append(time.perf_counter() - start)
    load_after = os.getloadavg()
    medians = {name: _median(values) for name, values in times.items()}
    ours_s, numpy_s = medians["ours_fit"], medians["numpy_fit"]
    numpy_inv_s = _median(numpy_split["inv"])
    n_users, n_items = X.shape
    gram_flop = n_users * n_items**2  # syrk: n_users * n_items^2 multiply-adds / 2
    solve_flop = n_items**3  # Cholesky (n^3/3) + inverse from the factor (2n^3/3)
    tracemalloc.start()
    EASE(l2=l2).fit(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    recommend_s, _ = timed(lambda: model.recommend(X, k=100), 3)
    rates = dict(_ease._rates)
    return {
        "shape": [n_users, n_items],
        "nnz": int(X.nnz),
        "repeat": repeat,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "load_average_before": list(load_before),
        "load_average_after": list(load_after),
        "gram_path": chosen,
        "gram_predicted_s": costs,
        "probe_rates": rates,
        "gram_exact_vs_float64": exact,
        "times_s": times,
        "ours_fit_s": ours_s,
        "numpy_inv_float64_fit_s": numpy_s,
        "numpy_float64_gram_s": _median(numpy_split["gram"]),
        "numpy_float64_inv_s": numpy_inv_s,
        "fit_speedup": numpy_s / ours_s,
        "fit_speedup_vs_inv_alone": numpy_inv_s / ours_s,
        "max_abs_weight_difference": float(np.abs(model.coef_ - weights).max()),
        "gram_s": {name: medians[f"gram_{name}"] for name in _ease._GRAM_PATHS},
        "solve_s": medians["ours_inverse"],
        "numpy_inv_float64_solve_s": numpy_inv_s,
        "solve_speedup": numpy_inv_s / medians["ours_inverse"],
        "solve_flop_floor_s": solve_flop / PEAK_FLOPS,
        "fit_flop_floor_s": (gram_flop + solve_flop) / PEAK_FLOPS,
        "solve_fraction_of_peak": solve_flop / PEAK_FLOPS / medians["ours_inverse"],
        "fit_peak_memory_mib": peak / 2**20,
        "recommend_top100_users_per_s": n_users / recommend_s,
        "fresh_process": None
        if path is None
        else _first_fit_in_a_fresh_process(path, seed, l2),
    }


def speed_markdown(sp_):
    paths = ("int8", "dense", "sparse")
    load = ", ".join(f"{x:.2f}" for x in sp_["load_average_before"])
    load_after = ", ".join(f"{x:.2f}" for x in sp_["load_average_after"])
    lines = [
        f"### Fit speed on the T1 training matrix ({sp_['shape'][0]} x "
        f"{sp_['shape'][1]}, {sp_['nnz']} nnz), median of {sp_['repeat']} "
        "alternating rounds in one process",
        "",
        f"OMP_NUM_THREADS={sp_['omp_num_threads']}; load average (1, 5, 15 min) "
        f"{load} before, {load_after} after, on 2 shared cores: compare the "
        "ratios, not the seconds, with other runs.",
        "",
        "| step | ours (float32) | numpy.linalg.inv (float64) | speed-up |",
        "|---|---|---|---|",
        f"| whole fit | {sp_['ours_fit_s']:.3f} s | "
        f"{sp_['numpy_inv_float64_fit_s']:.3f} s | **{sp_['fit_speedup']:.2f}x** |",
        f"| Gram matrix | {sp_['gram_s'][sp_['gram_path']]:.3f} s "
        f"({sp_['gram_path']} path) | {sp_['numpy_float64_gram_s']:.3f} s | "
        f"{sp_['numpy_float64_gram_s'] / sp_['gram_s'][sp_['gram_path']]:.2f}x |",
        f"| inverse (+ weights) | {sp_['solve_s']:.3f} s | "
        f"{sp_['numpy_inv_float64_solve_s']:.3f} s | {sp_['solve_speedup']:.2f}x |",
        f"| whole fit vs numpy.linalg.inv alone | {sp_['ours_fit_s']:.3f} s | "
        f"{sp_['numpy_float64_inv_s']:.3f} s | "
        f"{sp_['fit_speedup_vs_inv_alone']:.2f}x |",
        "",
        "| Gram path | measured (s) | predicted by the probe (s) | "
        "upper triangle == float64 Gram |",
        "|---|---|---|---|",
    ]
    for name in paths:
        predicted = sp_["gram_predicted_s"].get(name)
        lines.append(
            f"| {name}{' (chosen)' if name == sp_['gram_path'] else ''} | "
            f"{sp_['gram_s'][name]:.3f} | "
            f"{'-' if predicted is None else f'{predicted:.3f}'} | "
            f"{sp_['gram_exact_vs_float64'][name]} |"
        )
    rates = sp_["probe_rates"]
    lines += [
        "",
        f"Probe rates (one thread, CPU time): syrk {rates['syrk'] / 1e9:.1f} G "
        f"multiply-adds/s, int8 {rates.get('int8', 0) / 1e9:.1f} G/s, sparse "
        f"{rates['sparse_per_pair'] * 1e9:.2f} ns/pair + "
        f"{rates['sparse_per_nonzero'] * 1e9:.1f} ns/product nonzero; the "
        "predictions assume every thread is free. Inverse: "
        f"{sp_['solve_fraction_of_peak']:.0%} of {PEAK_FLOPS / 1e9:.0f} GFLOP/s.",
    ]
    fresh = sp_.get("fresh_process")
    if fresh:
        lines += [
            "",
            f"A fresh process without torch: first fit {fresh['first_fit_s']:.3f} s "
            f"(with the rate probe), second {fresh['second_fit_s']:.3f} s, "
            f"{fresh['path']} path, torch imported: {fresh['torch_imported']}.",
        ]
    lines += [
        "",
        f"Peak traced memory of a fit: {sp_['fit_peak_memory_mib']:.0f} MiB "
        "(tracemalloc; the int8 path's torch buffers are not traced). "
        f"recommend(k=100): {sp_['recommend_top100_users_per_s']:.0f} users/s. "
        f"Max |B_ours - B_float64| = {sp_['max_abs_weight_difference']:.2e}.",
    ]
    return lines


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
        *speed_markdown(sp_),
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
    parser.add_argument(
        "--speed-only",
        type=float,
        metavar="L2",
        help="only the fit-speed comparison on T1 at this λ; writes ease_speed.*",
    )
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if args.speed_only is not None:
        train = protocol_t1(args.data, args.seed)["train"]
        results = {
            "environment": environment(),
            "seed": args.seed,
            "l2": args.speed_only,
            "speed": speed(train, args.speed_only, args.repeat, args.data, args.seed),
        }
        lines = speed_markdown(results["speed"])
        lines += ["", f"Environment: `{results['environment']}`"]
        write_results(args.out, "ease_speed", results, "\n".join(lines))
        return
    t1, t1_split = run_t1(args.data, args.seed)
    results = {
        "environment": environment(),
        "seed": args.seed,
        "T1": t1,
        "S1": run_s1(args.data),
        "speed": speed(t1_split["train"], t1["l2"], args.repeat, args.data, args.seed),
    }
    write_results(args.out, "ease", results, markdown(results))


if __name__ == "__main__":
    main()
