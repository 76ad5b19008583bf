"""Training memory of the rating autoencoders against the number of users.

Stacks ML-1M's rating matrix 1, 2 and 4 times (6,040 to 24,160 users) and fits
each model for 1 epoch in a fresh process, sampling the resident memory above its
level at the start of ``fit``. If training densified the matrix, memory would grow
with the users (85 MiB of float32 per copy of ML-1M); bounded by the batch, it stays
flat except for parameters that scale with users (I-AutoRec's first and last
layers, and their optimizer state).

Usage::

    python benchmarks/bench_memory.py --data ../shared/data/ml-1m/ratings.csv.gz
"""

import argparse
import json
import subprocess
import sys

import scipy.sparse as sp
from _common import environment, write_results
from bench_rating import RSSSampler

from sklearn_recae import AutoRec, DeepRec
from sklearn_recae.datasets import fetch_movielens

MODELS = {
    "u-autorec": lambda: AutoRec("user", max_epochs=1, random_state=0),
    "deeprec": lambda: DeepRec(max_epochs=1, random_state=0),
    "i-autorec": lambda: AutoRec("item", max_epochs=1, random_state=0),
}


def measure(data, name, copies):
    """Fit one model on ``copies`` stacked ML-1Ms; memory above the start of fit."""
    X = sp.csr_matrix(fetch_movielens(data).data)
    stacked = sp.vstack([X] * copies, format="csr")
    sampler = RSSSampler()
    sampler.start()
    MODELS[name]().fit(stacked)
    return {
        "model": name,
        "users": stacked.shape[0],
        "fit_mib_above_start": sampler.stop(),
        "dense_matrix_mib": stacked.shape[0] * X.shape[1] * 4 / 2**20,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument(
        "--one", nargs=2, metavar=("MODEL", "COPIES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.data, args.one[0], int(args.one[1]))))
        return
    rows = []
    for copies in (1, 2, 4):
        for name in MODELS:  # a fresh process each: no memory reused from before
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--data",
                    args.data,
                    "--one",
                    name,
                    str(copies),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    lines = [
        "## Training memory against users (1 epoch, ML-1M stacked)",
        "",
        "| model | users | fit memory above start (MiB) | dense matrix (MiB) |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r['model']} | {r['users']} | {r['fit_mib_above_start']:.0f} | "
        f"{r['dense_matrix_mib']:.0f} |"
        for r in rows
    ]
    write_results(
        args.out,
        "rating_memory",
        {"environment": environment(), "rows": rows},
        "\n".join(lines),
    )


if __name__ == "__main__":
    main()
