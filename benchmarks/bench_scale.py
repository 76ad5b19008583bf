"""Scale on this machine: a large catalogue's top-10, EASE's refusal, and scaling.

Four measurements, each in a fresh process (so memory peaks are its own):

* ``recommend``: top-10 for 20,000 users over 50,000 items with a Mult-DAE
  (trained one epoch on 2,000 of the users); peak resident memory above the
  level after fitting (the model's), and time.
* ``refusal``: EASE on 200,000 items; seconds until it refuses, and the message.
* ``ease``: EASE fit time against the item count (1k to 20k items, 20,000
  users), against its FLOP floor: the Gram matrix (dense ``syrk`` of users x
  items², or the sparse product's co-occurrence pairs) plus ≈ n³ for the
  Cholesky inverse, at the float32 matmul rate measured in the same run.
* ``epochs``: Mult-DAE epoch time against the number of users (1k to 16k,
  3,706 items), against 6 x users x weights flop at the same rate.

Usage (synthetic data; nothing to download)::

    python benchmarks/bench_scale.py            # all four, then the plots
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np
from _common import environment, matmul_rate, write_results
from bench_rating import RSSSampler

from sklearn_recae import EASE, MultDAE
from sklearn_recae.datasets import make_interactions
from sklearn_recae.utils import InsufficientMemoryError

ITEM_COUNTS = (1000, 2000, 5000, 10000, 20000)
USER_COUNTS = (1000, 2000, 4000, 8000, 16000)


def _interactions(n_users, n_items, per_user=50, seed=0):
    return make_interactions(
        n_users,
        n_items,
        density=per_user / n_items,
        values="binary",
        random_state=seed,
    )


def measure_recommend():
    X = _interactions(20000, 50000)
    model = MultDAE(max_epochs=1, early_stopping=False, random_state=0).fit(X[:2000])
    sampler = RSSSampler()  # the baseline includes the fitted model and X
    sampler.start()
    start = time.perf_counter()
    top = model.recommend(X, k=10)
    seconds = time.perf_counter() - start
    return {
        "users": X.shape[0],
        "items": X.shape[1],
        "k": 10,
        "shape": list(top.shape),
        "seconds": seconds,
        "peak_mib_above_model": sampler.stop(),
        "dense_scores_mib": X.shape[0] * X.shape[1] * 4 / 2**20,
    }


def measure_refusal():
    X = _interactions(1000, 200000, per_user=20)
    start = time.perf_counter()
    try:
        EASE().fit(X)
    except InsufficientMemoryError as error:
        return {"seconds": time.perf_counter() - start, "message": str(error)}
    raise AssertionError("EASE did not refuse 200,000 items")


def _ease_floor(X, rate):
    n_users, n_items = X.shape
    from sklearn_recae._ease import _prefer_dense_gram

    if _prefer_dense_gram(X):
        gram = n_users * n_items**2  # syrk: half of 2 x users x items²
    else:
        counts = np.diff(X.indptr).astype(np.float64)
        gram = 2 * float(np.square(counts).sum())
    return (gram + n_items**3) / rate


def measure_ease(n_items):
    X = _interactions(20000, n_items)
    rate = matmul_rate()
    start = time.perf_counter()
    EASE(l2=500.0).fit(X)
    seconds = time.perf_counter() - start
    return {
        "items": n_items,
        "seconds": seconds,
        "floor_seconds": _ease_floor(X, rate),
        "matmul_gflops": rate / 1e9,
    }


def measure_epoch(n_users):
    X = _interactions(n_users, 3706, per_user=95)
    rate = matmul_rate()
    model = MultDAE(max_epochs=3, early_stopping=False, random_state=0).fit(X)
    weights = sum(
        p.numel() for n, p in model.net_.module_.named_parameters() if "weight" in n
    )
    epoch = float(np.median(model.history_[:, "dur"]))
    return {
        "users": n_users,
        "epoch_seconds": epoch,
        "floor_seconds": 6 * n_users * weights / rate,
        "matmul_gflops": rate / 1e9,
    }


def _in_fresh_process(kind, value):
    command = [sys.executable, __file__, "--one", kind, str(value)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    row = json.loads(out.strip().splitlines()[-1])
    print(row, flush=True)
    return row


def _plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    ease = results["ease"]
    items = [r["items"] for r in ease]
    left.loglog(items, [r["seconds"] for r in ease], "o-", label="EASE fit")
    left.loglog(items, [r["floor_seconds"] for r in ease], "k--", label="FLOP floor")
    left.set(xlabel="items", ylabel="seconds", title="EASE fit (20,000 users)")
    epochs = results["epochs"]
    users = [r["users"] for r in epochs]
    right.loglog(users, [r["epoch_seconds"] for r in epochs], "o-", label="epoch")
    right.loglog(users, [r["floor_seconds"] for r in epochs], "k--", label="FLOP floor")
    right.set(xlabel="users", ylabel="seconds", title="Mult-DAE epoch (3,706 items)")
    for axis in (left, right):
        axis.legend()
        axis.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def markdown(results):
    rec, refusal = results["recommend"], results["refusal"]
    lines = [
        "## Large catalogue: top-10 for 20,000 users over 50,000 items (Mult-DAE)",
        "",
        f"{rec['seconds']:.1f} s; peak memory {rec['peak_mib_above_model']:.0f} MiB "
        f"above the fitted model (the dense score matrix would be "
        f"{rec['dense_scores_mib']:.0f} MiB).",
        "",
        "## EASE on 200,000 items",
        "",
        f"Refused after {refusal['seconds'] * 1000:.1f} ms:",
        "",
        f"> {refusal['message']}",
        "",
        "## EASE fit time against items (20,000 users, ~50 items each)",
        "",
        "| items | fit (s) | FLOP floor (s) | share of the floor rate |",
        "|---|---|---|---|",
    ]
    for r in results["ease"]:
        lines.append(
            f"| {r['items']:,} | {r['seconds']:.2f} | {r['floor_seconds']:.2f} | "
            f"{r['floor_seconds'] / r['seconds']:.0%} |"
        )
    lines += [
        "",
        "## Mult-DAE epoch time against users (3,706 items, ~95 items each)",
        "",
        "| users | epoch (s) | FLOP floor (s) | share of the floor rate |",
        "|---|---|---|---|",
    ]
    for r in results["epochs"]:
        lines.append(
            f"| {r['users']:,} | {r['epoch_seconds']:.2f} | {r['floor_seconds']:.2f} "
            f"| {r['floor_seconds'] / r['epoch_seconds']:.0%} |"
        )
    rates = [r["matmul_gflops"] for r in results["ease"] + results["epochs"]]
    lines += [
        "",
        f"Floors use the float32 matmul rate measured before each point "
        f"({min(rates):.0f}–{max(rates):.0f} GFLOP/s). Plot: `scale.png`.",
    ]
    return "\n".join(lines)


MEASURES = {
    "recommend": lambda value: measure_recommend(),
    "refusal": lambda value: measure_refusal(),
    "ease": lambda value: measure_ease(int(value)),
    "epochs": lambda value: measure_epoch(int(value)),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(MEASURES[args.one[0]](args.one[1])))
        return
    results = {
        "environment": environment(),
        "recommend": _in_fresh_process("recommend", 0),
        "refusal": _in_fresh_process("refusal", 0),
        "ease": [_in_fresh_process("ease", n) for n in ITEM_COUNTS],
        "epochs": [_in_fresh_process("epochs", n) for n in USER_COUNTS],
    }
    write_results(args.out, "scale", results, markdown(results))
    _plot(results, f"{args.out}/scale.png")


if __name__ == "__main__":
    main()
