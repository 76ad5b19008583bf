"""Command line: ``python -m sklearn_recae demo``."""

import argparse
import sys
import time

import numpy as np

from ._ease import EASE
from .datasets import make_interactions
from .metrics import ndcg_at_k, ndcg_scorer, precision_at_k, recall_at_k
from .model_selection import UserKFold, UserShuffleSplit, holdout_split


def _ranking_row(name, fit_s, y_true, scores, exclude):
    return (
        name,
        f"{fit_s:.2f}",
        f"{precision_at_k(y_true, scores, k=10, exclude=exclude):.4f}",
        f"{recall_at_k(y_true, scores, k=20, exclude=exclude):.4f}",
        f"{ndcg_at_k(y_true, scores, k=100, exclude=exclude):.4f}",
    )


def _print_table(header, rows):
    widths = [
        max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)
    ]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row))


def demo(args):
    """EASE through the evaluation stack on planted-structure synthetic data."""
    from sklearn.model_selection import GridSearchCV

    X = make_interactions(
        n_users=args.users,
        n_items=args.items,
        density=0.05,
        values="binary",
        random_state=args.seed,
    )
    print(
        f"Synthetic interactions: {X.shape[0]} users x {X.shape[1]} items, "
        f"{X.nnz} interactions (seed {args.seed})."
    )
    train_rows, test_rows = next(
        UserShuffleSplit(n_splits=1, test_size=0.2, random_state=args.seed).split(X)
    )
    X_train = X[train_rows]
    X_in, X_out = holdout_split(X[test_rows], 0.2, random_state=args.seed)

    start = time.perf_counter()
    search = GridSearchCV(
        EASE(),
        {"l2": [10.0, 100.0, 500.0, 2000.0]},
        cv=UserKFold(3),
        scoring=ndcg_scorer(k=100),
    ).fit(X_train)
    search_s = time.perf_counter() - start
    print(
        f"GridSearchCV over l2 with UserKFold(3) and ndcg_scorer(k=100): "
        f"best l2={search.best_params_['l2']:g} ({search_s:.1f} s)"
    )

    start = time.perf_counter()
    model = EASE(l2=search.best_params_["l2"]).fit(X_train)
    fit_s = time.perf_counter() - start
    popularity = np.tile(
        np.asarray(X_train.sum(axis=0), dtype=np.float32), (X_in.shape[0], 1)
    )
    rows = [
        _ranking_row("popularity", 0.0, X_out, popularity, X_in),
        _ranking_row(f"EASE(l2={model.l2:g})", fit_s, X_out, model.predict(X_in), X_in),
    ]
    print(
        f"\nStrong generalization: {len(test_rows)} held-out users, 20% of each "
        "user's items held out, fold-in items excluded.\n"
    )
    _print_table(("model", "fit (s)", "P@10", "R@20", "NDCG@100"), rows)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_recae",
        description="Autoencoder recommenders as scikit-learn estimators.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo", help="run EASE through the evaluation stack on synthetic data"
    )
    demo_parser.add_argument("--users", type=int, default=3000)
    demo_parser.add_argument("--items", type=int, default=600)
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.set_defaults(func=demo)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
