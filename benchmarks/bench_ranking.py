"""Ranking autoencoders on protocols S1 and T1 (ML-1M), with EASE beside them.

Usage::

    python benchmarks/bench_ranking.py --data ../shared/data/ml-1m/ratings.csv.gz \
        --models multvae multdae cdae ease --protocols S1 T1

Models run with their defaults and random_state=0 (EASE with λ=500). Mult-VAE,
Mult-DAE and CDAE keep the epoch with the best NDCG@100 on users held out of their
training users (their built-in early stopping); the test users are only scored.
Writes ``benchmarks/results/ranking_<protocol>.{json,md}``.
"""

import argparse
import time

import numpy as np
from _common import environment, protocol_s1, protocol_t1, ranking_report, write_results

from sklearn_recae import CDAE, EASE, MultDAE, MultVAE

MODELS = {
    "multvae": lambda: MultVAE(random_state=0),
    "multdae": lambda: MultDAE(random_state=0),
    "cdae": lambda: CDAE(random_state=0),
    "ease": lambda: EASE(l2=500.0),
}


def run(name, split):
    model = MODELS[name]()
    start = time.perf_counter()
    model.fit(split["train"])
    fit_s = time.perf_counter() - start
    history = getattr(model, "history_", None)
    report = ranking_report(
        split["test_out"], model.predict(split["test_in"]), split["test_in"]
    )
    return {
        "model": name,
        "fit_s": fit_s,
        "epochs": len(history) if history is not None else None,
        "best_epoch": int(np.argmax(history[:, "valid_ndcg"])) + 1
        if history is not None
        else None,
        "epoch_s": float(np.median(history[:, "dur"])) if history is not None else None,
        **report,
    }


def markdown(protocol, rows):
    lines = [
        f"## {protocol} on ML-1M (test users, random_state=0)",
        "",
        "| model | NDCG@100 | R@20 | R@50 | P@100 | R@100 | epochs (best) | "
        "s / epoch | fit (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        epochs = f"{r['epochs']} ({r['best_epoch']})" if r["epochs"] else "–"
        epoch_s = f"{r['epoch_s']:.2f}" if r["epoch_s"] else "–"
        lines.append(
            f"| {r['model']} | {r['ndcg@100']:.4f} | {r['recall@20']:.4f} | "
            f"{r['recall@50']:.4f} | {r['precision@100']:.4f} | "
            f"{r['recall@100']:.4f} | {epochs} | {epoch_s} | {r['fit_s']:.0f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--protocols", nargs="+", default=["S1", "T1"])
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    for protocol in args.protocols:
        split = (
            protocol_s1(args.data) if protocol == "S1" else protocol_t1(args.data, 0)
        )
        rows = []
        for name in args.models:
            rows.append(run(name, split))
            print(rows[-1], flush=True)
        write_results(
            args.out,
            f"ranking_{protocol}",
            {"environment": environment(), "rows": rows},
            markdown(protocol, rows),
        )


if __name__ == "__main__":
    main()
