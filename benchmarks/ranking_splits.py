"""Ranking models (defaults) against EASE (λ chosen on the validation users)
over several seeded S1-style splits of the small data sets: is a one-split gap
on 100 / 60 test users more than sampling? (issues 13, 15, 18)

Usage::

    python benchmarks/ranking_splits.py --data-dir ../shared/data \
        --models elsa --seeds 98765 $(seq 0 13) --name elsa_splits
    python benchmarks/ranking_splits.py --data-dir ../shared/data \
        --models multvae multdae recvae --seeds 98765 $(seq 0 9) \
        --name vae_splits

Each seed draws an S1-style split (98765 is the protocol's; 100 + 100
held-out users on ML-100K, 60 + 60 on ML-latest-small). The models early-stop
on the split's validation users (``fit(X, X_val=valid_in, y_val=valid_out)``)
with ``random_state=0``; EASE takes the λ of ``bench_defaults.EASE_GRID`` best
on them. Only the test users are scored (NDCG@100).
Writes ``benchmarks/results/<name>.{json,md}``.
"""

import argparse
from pathlib import Path

import numpy as np
from _common import environment, ranking_report, write_results
from bench_defaults import best_ease

from sklearn_recae import CDAE, EASE, ELSA, MultDAE, MultVAE, RecVAE
from sklearn_recae._protocols import split_s1
from sklearn_recae.datasets import fetch_movielens

DATA = {"ml-100k": 100, "ml-latest-small": 60}
MODELS = {
    "elsa": ELSA,
    "multvae": MultVAE,
    "multdae": MultDAE,
    "recvae": RecVAE,
    "cdae": CDAE,
}


def ndcg_on_test_users(model, split):
    scores = model.predict(split["test_in"])
    return ranking_report(split["test_out"], scores, split["test_in"])["ndcg@100"]


def one_split(ratings, seed, n_heldout, models):
    split = split_s1(ratings, seed=seed, n_heldout=n_heldout)
    l2, _ = best_ease(split["train"], split["valid_in"], split["valid_out"])
    row = {
        "seed": seed,
        "ease_l2": l2,
        "ease": ndcg_on_test_users(EASE(l2=l2).fit(split["train"]), split),
    }
    for name in models:
        model = MODELS[name](random_state=0).fit(
            split["train"], X_val=split["valid_in"], y_val=split["valid_out"]
        )
        row[name] = ndcg_on_test_users(model, split)
        row[f"{name}_epochs"] = len(model.history_)
    return row


def markdown(rows, models):
    header = " | ".join(f"{m} | {m} − EASE" for m in models)
    lines = [
        "## Defaults vs EASE (λ on validation users), test NDCG@100",
        "",
        f"| data | split seed | EASE λ | EASE | {header} |",
        "|---|---|---|---|" + "---|---|" * len(models),
    ]
    for r in rows:
        cells = " | ".join(f"{r[m]:.4f} | {r[m] - r['ease']:+.4f}" for m in models)
        lines.append(
            f"| {r['data']} | {r['seed']} | {r['ease_l2']} | {r['ease']:.4f} | "
            f"{cells} |"
        )
    lines.append("")
    for data in dict.fromkeys(r["data"] for r in rows):
        for m in models:
            gaps = np.array([r[m] - r["ease"] for r in rows if r["data"] == data])
            sd = gaps.std(ddof=1) if gaps.size > 1 else 0.0
            lines.append(
                f"{data}: mean {m} − EASE {gaps.mean():+.4f} over {gaps.size} "
                f"splits (sd {sd:.4f}, ahead on {(gaps > 0).sum()})."
            )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=["elsa"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[98765, 0, 1, 2, 3])
    parser.add_argument("--datasets", nargs="+", default=list(DATA))
    parser.add_argument("--name", default="elsa_splits")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    rows = []
    for data in args.datasets:
        ratings = fetch_movielens(Path(args.data_dir) / data / "ratings.csv.gz").data
        for seed in args.seeds:
            rows.append(
                {"data": data, **one_split(ratings, seed, DATA[data], args.models)}
            )
            print(rows[-1], flush=True)
            write_results(
                args.out,
                args.name,
                {"environment": environment(), "models": args.models, "rows": rows},
                markdown(rows, args.models),
            )


if __name__ == "__main__":
    main()
