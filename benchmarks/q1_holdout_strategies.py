"""SVAE and EASE on Q1's test users with a temporal and a random 20% fold-out.

Usage::

    python benchmarks/q1_holdout_strategies.py \\
        --data ../shared/data/ml-1m/ratings.csv.gz

Same training users, same fitted models; only how each test user's 20% is held
out changes (Q1's latest 20%, or a seeded random 20% as in S1). Shows how much
of the gap to the seed's SVAE figures the hold-out strategy alone explains.
Writes ``benchmarks/results/q1_holdout_strategies.{json,md}``.
"""

import argparse

from _common import binary, environment, protocol_q1, write_results

from sklearn_recae import EASE, SVAE
from sklearn_recae.metrics import ndcg_at_k, recall_n_at_k
from sklearn_recae.model_selection import holdout_split


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    split = protocol_q1(args.data)
    test = split["test_in"] + split["test_out"]
    folds = {
        "temporal (Q1)": (split["test_in"], split["test_out"]),
        "random": holdout_split(test, 0.2, random_state=0, rounding="ceil"),
    }
    models = {
        "svae": (SVAE(random_state=0).fit(split["train"]), lambda X: X),
        "ease": (EASE(l2=500.0).fit(binary(split["train"])), binary),
    }
    rows = []
    for strategy, (fold_in, fold_out) in folds.items():
        for name, (model, prepare) in models.items():
            scores = model.predict(prepare(fold_in))
            rows.append(
                {
                    "strategy": strategy,
                    "model": name,
                    "ndcg@100": ndcg_at_k(fold_out, scores, k=100, exclude=fold_in),
                    "recall_n@100": recall_n_at_k(
                        fold_out, scores, k=100, exclude=fold_in
                    ),
                }
            )
            print(rows[-1], flush=True)
    lines = [
        "## Q1 test users: temporal against random 20% fold-out (same models)",
        "",
        "| fold-out | model | NDCG@100 | R(÷n)@100 |",
        "|---|---|---|---|",
    ] + [
        f"| {r['strategy']} | {r['model']} | {r['ndcg@100']:.4f} | "
        f"{r['recall_n@100']:.4f} |"
        for r in rows
    ]
    write_results(
        args.out,
        "q1_holdout_strategies",
        {"environment": environment(), "rows": rows},
        "\n".join(lines),
    )


if __name__ == "__main__":
    main()
