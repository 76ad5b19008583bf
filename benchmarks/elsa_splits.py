"""ELSA (defaults) against EASE (λ chosen on the validation users) over several
seeded S1-style splits of the small data sets (issue 18: is the one-split gap
on 100 / 60 test users more than sampling?).

Usage::

    python benchmarks/elsa_splits.py --data-dir ../shared/data --seeds 98765 $(seq 0 13)

Each seed draws an S1-style split (98765 is the protocol's; 100 + 100
held-out users on ML-100K, 60 + 60 on ML-latest-small). ELSA early-stops on
the split's validation users (``fit(X, X_val=valid_in, y_val=valid_out)``);
EASE takes the λ of ``bench_defaults.EASE_GRID`` best on them. Only the test
users are scored.
Writes ``benchmarks/results/elsa_splits.{json,md}``.
"""

import argparse
from pathlib import Path

import numpy as np
from _common import environment, ranking_report, write_results
from bench_defaults import best_ease

from sklearn_recae import EASE, ELSA
from sklearn_recae._protocols import split_s1
from sklearn_recae.datasets import fetch_movielens

DATA = {"ml-100k": 100, "ml-latest-small": 60}


def ndcg_on_test_users(model, split):
    scores = model.predict(split["test_in"])
    return ranking_report(split["test_out"], scores, split["test_in"])["ndcg@100"]


def one_split(ratings, seed, n_heldout):
    split = split_s1(ratings, seed=seed, n_heldout=n_heldout)
    l2, _ = best_ease(split["train"], split["valid_in"], split["valid_out"])
    ease = EASE(l2=l2).fit(split["train"])
    elsa = ELSA(random_state=0).fit(
        split["train"], X_val=split["valid_in"], y_val=split["valid_out"]
    )
    return {
        "seed": seed,
        "ease_l2": l2,
        "ease": ndcg_on_test_users(ease, split),
        "elsa": ndcg_on_test_users(elsa, split),
        "elsa_epochs": len(elsa.history_),
    }


def markdown(rows):
    lines = [
        "## ELSA (defaults) vs EASE (λ on validation users), test NDCG@100",
        "",
        "| data | split seed | EASE λ | EASE | ELSA | ELSA − EASE |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['data']} | {r['seed']} | {r['ease_l2']} | {r['ease']:.4f} | "
            f"{r['elsa']:.4f} | {r['elsa'] - r['ease']:+.4f} |"
        )
    lines.append("")
    for data in dict.fromkeys(r["data"] for r in rows):
        gaps = np.array([r["elsa"] - r["ease"] for r in rows if r["data"] == data])
        lines.append(
            f"{data}: mean ELSA − EASE {gaps.mean():+.4f} over {gaps.size} splits "
            f"(sd {gaps.std(ddof=1) if gaps.size > 1 else 0.0:.4f})."
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--seeds", type=int, nargs="+", default=[98765, 0, 1, 2, 3])
    parser.add_argument("--datasets", nargs="+", default=list(DATA))
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    rows = []
    for data in args.datasets:
        ratings = fetch_movielens(Path(args.data_dir) / data / "ratings.csv.gz").data
        for seed in args.seeds:
            rows.append({"data": data, **one_split(ratings, seed, DATA[data])})
            print(rows[-1], flush=True)
    write_results(
        args.out,
        "elsa_splits",
        {"environment": environment(), "rows": rows},
        markdown(rows),
    )


if __name__ == "__main__":
    main()
