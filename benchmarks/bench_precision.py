"""float32 against bfloat16 training, same seed, beside float32's seed-to-seed noise.

Usage::

    python benchmarks/bench_precision.py --data-dir ../shared/data

Each model runs with its defaults in ``precision="float32"`` for the seeds
``--float32-seeds`` (default 0 1: their spread is the run-to-run noise) and in
``precision="bfloat16"`` for ``--bfloat16-seeds`` (default 0: its difference to
float32 at the same seed is the effect of the precision); ``--append`` adds the
runs to a previous run's JSON. Ranking models on T1 (ML-1M; test NDCG@100),
rating models on R1 (ML-1M; test RMSE). Also reports each fit's epochs, median
epoch seconds and fit seconds, and the host's measured bfloat16 / float32
matrix-product speed-up (what ``precision="auto"`` decides on). Writes
``benchmarks/results/precision.{json,md}``.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from _common import environment, protocol_t1, write_results
from profile_epochs import _cpu_model

from sklearn_recae import CDAE, AutoRec, DeepRec, MultDAE, MultVAE, RecVAE
from sklearn_recae._protocols import split_r1
from sklearn_recae.datasets import fetch_movielens
from sklearn_recae.metrics import masked_rmse, ndcg_at_k
from sklearn_recae.utils._device import bfloat16_speedup

MODELS = {
    "MultVAE": (MultVAE, "T1"),
    "MultDAE": (MultDAE, "T1"),
    "CDAE": (CDAE, "T1"),
    "RecVAE": (RecVAE, "T1"),
    # the settings of benchmarks/peers (Liang et al.'s 600-200-600 network;
    # CDAE's 200-unit code with the all-items loss, batch 256)
    "MultVAE (peers)": (lambda **kw: MultVAE((600,), latent_dim=200, **kw), "T1"),
    "MultDAE (peers)": (lambda **kw: MultDAE((600,), latent_dim=200, **kw), "T1"),
    "CDAE (peers)": (
        lambda **kw: CDAE(latent_dim=200, negative_ratio=None, batch_size=256, **kw),
        "T1",
    ),
    "AutoRec item": (lambda **kw: AutoRec(variant="item", **kw), "R1"),
    "AutoRec user": (lambda **kw: AutoRec(variant="user", **kw), "R1"),
    "DeepRec": (DeepRec, "R1"),
}


def score(model, split, protocol):
    if protocol == "T1":
        scores = model.predict(split["train"])
        return ndcg_at_k(split["test_out"], scores, k=100, exclude=split["train"])
    scores = model.predict(split["train"])
    return masked_rmse(split["test_out"], scores, rating_range=(1, 5))


def run(name, split, protocol, precision, seed):
    make, _ = MODELS[name]
    model = make(precision=precision, random_state=seed)
    start = time.perf_counter()
    model.fit(split["train"])
    fit_s = time.perf_counter() - start
    return {
        "model": name,
        "protocol": protocol,
        "precision": precision,
        "random_state": seed,
        "metric": "NDCG@100" if protocol == "T1" else "RMSE",
        "value": float(score(model, split, protocol)),
        "epochs": len(model.history_),
        "epoch_s": float(np.median(model.history_[:, "dur"])),
        "fit_s": fit_s,
    }


def _values(rows, precision):
    return {r["random_state"]: r for r in rows if r["precision"] == precision}


def markdown(rows, speedup, env):
    lines = [
        "## float32 and bfloat16 training on ML-1M "
        f"({time.strftime('%Y-%m-%d %H:%M')})",
        "",
        f"CPU: {_cpu_model()}; torch {env['torch']}, {env['threads']} threads. "
        "Measured "
        f"bfloat16 / float32 matrix-product speed-up on this host: {speedup:.1f}× "
        "(`precision='auto'` takes bfloat16 at 2× and above).",
        "",
        "Defaults otherwise; T1 reports test NDCG@100 (higher is better), R1 test "
        "RMSE (lower is better). Per precision: the mean and the standard "
        "deviation over seeds (the sd of float32 is the run-to-run noise); "
        "bf16 − f32: the mean difference over the seeds both ran.",
        "",
        "| model | protocol | metric | float32: mean ± sd (seeds) | "
        "bfloat16: mean ± sd (seeds) | bf16 − f32 (same seeds) | "
        "epochs f32 / bf16 (seed 0) | s / epoch f32 / bf16 | fit s f32 / bf16 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(r["model"] for r in rows):
        mine = [r for r in rows if r["model"] == name]
        f32, b16 = _values(mine, "float32"), _values(mine, "bfloat16")
        shared = sorted(set(f32) & set(b16))
        if not shared:
            continue
        diff = np.mean([b16[k]["value"] - f32[k]["value"] for k in shared])
        cells = []
        for runs in (f32, b16):
            values = [r["value"] for r in runs.values()]
            seeds = ", ".join(map(str, sorted(runs)))
            if len(values) > 1:
                sd = np.std(values, ddof=1)
                cells.append(f"{np.mean(values):.4f} ± {sd:.4f} ({seeds})")
            else:
                cells.append(f"{values[0]:.4f} ({seeds})")
        first = shared[0]
        f0, b0 = f32[first], b16[first]
        lines.append(
            f"| {name} | {f0['protocol']} | {f0['metric']} | {cells[0]} | "
            f"{cells[1]} | {diff:+.4f} | {f0['epochs']} / {b0['epochs']} | "
            f"{f0['epoch_s']:.2f} / {b0['epoch_s']:.2f} | "
            f"{f0['fit_s']:.0f} / {b0['fit_s']:.0f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--name", default="precision")
    parser.add_argument("--float32-seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--bfloat16-seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--append", help="a previous run's JSON to extend")
    args = parser.parse_args()
    path = Path(args.data_dir) / "ml-1m" / "ratings.csv.gz"
    splits = {
        "T1": protocol_t1(path, 0),
        "R1": split_r1(fetch_movielens(path).data, 0),
    }
    env, speedup, rows = environment(), bfloat16_speedup("cpu"), []
    if args.append:
        rows = json.loads(Path(args.append).read_text())["rows"]
    runs = [("float32", seed) for seed in args.float32_seeds]
    runs += [("bfloat16", seed) for seed in args.bfloat16_seeds]
    for name in args.models:
        protocol = MODELS[name][1]
        for precision, seed in runs:
            rows.append(run(name, splits[protocol], protocol, precision, seed))
            print(rows[-1], flush=True)
            write_results(
                args.out,
                args.name,
                {"environment": env, "bfloat16_speedup": speedup, "rows": rows},
                markdown(rows, speedup, env),
            )


if __name__ == "__main__":
    main()
