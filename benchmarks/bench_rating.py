"""Rating autoencoders on protocols R1 and R2 (ML-1M): AutoRec (item, user), DeepRec.

Usage::

    python benchmarks/bench_rating.py --data ../shared/data/ml-1m/ratings.csv.gz \
        --models i-autorec u-autorec deeprec --protocols R1 R2

R1: a seeded random 10% of all ratings is the test set. R2: 81/9/10 split of each
user's ratings (train / validation / test). Models run with their defaults and
random_state=0 unless --param overrides one (e.g. --param l2=10). Reports test
RMSE (predictions clipped to [1, 5]), epochs, time per epoch, fit time, peak
memory, and writes ``benchmarks/results/rating_<protocol>.{json,md}``.
"""

import argparse
import ast
import threading
import time

import numpy as np
import scipy.sparse as sp
from _common import environment, write_results

from sklearn_recae import AutoRec, DeepRec
from sklearn_recae._protocols import split_r1, split_r2
from sklearn_recae.datasets import fetch_movielens
from sklearn_recae.metrics import masked_rmse

MODELS = {
    "i-autorec": lambda **kw: AutoRec(variant="item", **kw),
    "u-autorec": lambda **kw: AutoRec(variant="user", **kw),
    "deeprec": lambda **kw: DeepRec(**kw),
}
PEAK_FLOPS = 150e9


def protocol(name, X, seed):
    split = split_r1(X, seed) if name == "R1" else split_r2(X, seed)
    return split["train"], split["test_out"]  # R2: validation is carved in fit


def epoch_flops(model, train):
    """Forward + backward ≈ 3 x 2 x (dense multiply-adds of the layers) per row."""
    n_users, n_items = train.shape
    rows, width = (
        (n_items, n_users)
        if getattr(model, "variant", "") == "item"
        else (n_users, n_items)
    )
    module = model.net_.module_
    macs = sum(p.numel() for n, p in module.named_parameters() if n.endswith("weight"))
    refeed = 2 if model.__class__.__name__ == "DeepRec" else 1
    return 6 * rows * macs * refeed


def _rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class RSSSampler(threading.Thread):
    """Peak resident memory above the level at start, sampled every 20 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.baseline = _rss_mib()
        self.peak = self.baseline
        self._done = threading.Event()

    def run(self):
        while not self._done.wait(0.02):
            self.peak = max(self.peak, _rss_mib())

    def stop(self):
        self._done.set()
        self.join()
        return self.peak - self.baseline


def run(name, protocol_name, X, seed, params):
    train, test = protocol(protocol_name, X, seed)
    model = MODELS[name](random_state=0, **params)
    sampler = RSSSampler()
    sampler.start()
    start = time.perf_counter()
    model.fit(train)
    fit_s = time.perf_counter() - start
    fit_extra_mib = sampler.stop()
    n_epochs = len(model.history_)
    epoch_s = float(np.median(model.history_[:, "dur"]))
    rmse = masked_rmse(test, model.predict(train), rating_range=(1, 5))
    return {
        "model": name,
        "protocol": protocol_name,
        "params": {k: v for k, v in model.get_params().items() if k != "callbacks"},
        "test_rmse": rmse,
        "epochs": n_epochs,
        "epoch_s": epoch_s,
        "epoch_flop_floor_s": epoch_flops(model, train) / PEAK_FLOPS,
        "fit_s": fit_s,
        "fit_peak_rss_above_start_mib": fit_extra_mib,
        "dense_matrix_mib": train.shape[0] * train.shape[1] * 4 / 2**20,
        "n_train": int(train.nnz),
        "n_test": int(test.nnz),
    }


def markdown(protocol_name, rows):
    lines = [
        f"## {protocol_name} on ML-1M (random_state=0)",
        "",
        "| model | test RMSE | epochs | s / epoch | FLOP floor s / epoch | fit (s) | "
        "fit memory above start (MiB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['test_rmse']:.4f} | {r['epochs']} | "
            f"{r['epoch_s']:.2f} | {r['epoch_flop_floor_s']:.2f} | {r['fit_s']:.0f} | "
            f"{r['fit_peak_rss_above_start_mib']:.0f} |"
        )
    dense = rows[0]["dense_matrix_mib"] if rows else 0
    lines += [
        "",
        f"A dense float32 copy of the training matrix would take {dense:.0f} "
        "MiB; training densifies one batch at a time.",
    ]
    return "\n".join(lines)


def parse_param(text):
    key, value = text.split("=", 1)
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--protocols", nargs="+", default=["R1", "R2"])
    parser.add_argument("--param", action="append", default=[], type=parse_param)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    X = sp.csr_matrix(fetch_movielens(args.data).data)
    for protocol_name in args.protocols:
        rows = []
        for name in args.models:
            if protocol_name == "R2" and name != "deeprec":
                continue
            rows.append(run(name, protocol_name, X, args.seed, dict(args.param)))
            print(rows[-1], flush=True)
        results = {"environment": environment(), "seed": args.seed, "rows": rows}
        write_results(
            args.out,
            f"rating_{protocol_name}{args.tag}",
            results,
            markdown(protocol_name, rows),
        )


if __name__ == "__main__":
    main()
