"""Command line: ``python -m sklearn_recae demo`` and ``... benchmark``."""

import argparse
import inspect
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
    print(line.format(*header).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row).rstrip())


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
    if args.families:
        print("\nEvery family with its defaults, under its protocol:")
        return _demo_families(args)
    return 0


_DEMO_GROUPS = (
    ("S1", ("ease", "edlae", "elsa", "multvae", "multdae", "recvae", "cdae")),
    ("Q1", ("svae", "ease")),
    ("R1", ("autorec-item", "autorec-user", "deeprec")),
)


def _demo_families(args):
    bunch = make_interactions(
        n_users=args.users,
        n_items=args.items,
        return_bunch=True,
        random_state=args.seed,
    )
    groups = []
    for protocol, models in _DEMO_GROUPS:
        chosen = [m for m in models if m in args.families]
        if not chosen:
            continue
        results = [
            run_benchmark(
                model,
                protocol,
                bunch.ratings,
                bunch.timestamps,
                seed=args.seed,
                n_heldout=0.125,
            )
            for model in chosen
        ]
        print(f"\nprotocol {protocol}")
        _print_results(results)
        groups.append(results)
    if args.plot and groups:
        _plot(groups, args.plot)
    return 0


_FAMILIES = {
    "ease": ("EASE", "ranking", {"l2": 500.0}),
    "edlae": ("EDLAE", "ranking", {}),
    "elsa": ("ELSA", "ranking", {}),
    "multvae": ("MultVAE", "ranking", {}),
    "multdae": ("MultDAE", "ranking", {}),
    "recvae": ("RecVAE", "ranking", {}),
    "cdae": ("CDAE", "ranking", {}),
    "svae": ("SVAE", "sequence", {}),
    "autorec-item": ("AutoRec", "rating", {"variant": "item"}),
    "autorec-user": ("AutoRec", "rating", {"variant": "user"}),
    "deeprec": ("DeepRec", "rating", {}),
}
_KINDS = {"ranking": ("T1", "S1", "Q1"), "sequence": ("Q1",), "rating": ("R1", "R2")}


def _models_help():
    """The model names by kind, with the protocols each kind runs under."""
    kinds = []
    for kind, protocols in _KINDS.items():
        names = ", ".join(m for m, (_, k, _) in _FAMILIES.items() if k == kind)
        kinds.append(f"{kind}: {names} (under {', '.join(protocols)})")
    return "; ".join(kinds)


def _parse_param(text):
    import ast

    name, _, value = text.partition("=")
    if not name or not _:
        raise argparse.ArgumentTypeError(f"--param needs NAME=VALUE, got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def _load(args):
    from .datasets import fetch_movielens

    if args.data:
        bunch = fetch_movielens(args.data)
        n_users, n_items = bunch.data.shape
        described = (
            f"MovieLens from {args.data} ({n_users} users x {n_items} items, "
            f"{bunch.data.nnz} ratings)"
        )
        return bunch.data, bunch.timestamps, args.n_heldout, described
    bunch = make_interactions(
        n_users=args.users,
        n_items=args.items,
        return_bunch=True,
        random_state=args.seed,
    )
    described = f"synthetic {args.users} users x {args.items} items (seed {args.seed})"
    n_heldout = 0.125 if args.n_heldout is None else args.n_heldout
    return bunch.ratings, bunch.timestamps, n_heldout, described


# What the command line reports as a one-line error instead of a traceback:
# bad or missing files (OSError, incl. DatasetNotFoundError), bad values
# (ValueError), a missing optional dependency (ImportError), a refused memory
# estimate (MemoryError) and a diverged fit (DivergenceError, an ArithmeticError).
_USER_ERRORS = (ValueError, OSError, ImportError, MemoryError, ArithmeticError)


def _error(error):
    """Print ``error`` as one line on stderr; return the exit status 2."""
    message = " ".join(str(error).split()) or type(error).__name__
    print(f"error: {message}", file=sys.stderr)
    return 2


def _evaluate(kind, split, scores):
    from .metrics import masked_rmse

    if kind == "rating":
        return {"RMSE": masked_rmse(split["test_out"], scores)}
    y, seen = split["test_out"], split["test_in"]
    return {
        "P@10": precision_at_k(y, scores, k=10, exclude=seen),
        "R@20": recall_at_k(y, scores, k=20, exclude=seen),
        "NDCG@10": ndcg_at_k(y, scores, k=10, exclude=seen),
        "P@100": precision_at_k(y, scores, k=100, exclude=seen),
        "R@100": recall_at_k(y, scores, k=100, exclude=seen),
        "NDCG@100": ndcg_at_k(y, scores, k=100, exclude=seen),
    }


def run_benchmark(
    model,
    protocol,
    ratings,
    timestamps,
    *,
    params=None,
    seed=0,
    n_heldout=None,
    verbose=0,
):
    """Fit ``model`` (a family name) under ``protocol``; return a result dict."""
    import sklearn_recae

    from ._protocols import binary, make_split

    class_name, kind, defaults = _FAMILIES[model]
    if protocol not in _KINDS[kind]:
        raise ValueError(
            f"{model} is a {kind} model: run it under {' or '.join(_KINDS[kind])}, "
            f"not {protocol}."
        )
    split = make_split(protocol, ratings, timestamps, n_heldout=n_heldout)
    if kind == "ranking" and protocol == "Q1":  # order-blind: times become 1s
        split = {name: binary(X) for name, X in split.items()}
    estimator = getattr(sklearn_recae, class_name)(**defaults)
    accepted = estimator.get_params()
    estimator.set_params(**{k: v for k, v in (params or {}).items() if k in accepted})
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=seed)
    if "verbose" in estimator.get_params():
        estimator.set_params(verbose=verbose)
    start = time.perf_counter()
    estimator.fit(split["train"], **_validation_users(estimator, split))
    fit_s = time.perf_counter() - start
    history = getattr(estimator, "history_", None)
    return {
        "model": model,
        "protocol": protocol,
        "epochs": len(history) if history is not None else None,
        "fit_s": fit_s,
        **_evaluate(kind, split, estimator.predict(split["test_in"])),
    }


def _validation_users(estimator, split):
    """S1 and Q1's validation users as ``fit(X_val=..., y_val=...)``, where taken.

    Models that early-stop then stop on the protocol's validation users, as the
    protocols prescribe, instead of carving their own out of the training users.
    """
    if "valid_in" not in split or not estimator.get_params().get("early_stopping"):
        return {}
    if "X_val" not in inspect.signature(estimator.fit).parameters:
        return {}
    return {"X_val": split["valid_in"], "y_val": split["valid_out"]}


def _print_results(results):
    _print_table(
        list(results[0]),
        [
            [
                f"{v:.4f}" if isinstance(v, float) else ("–" if v is None else str(v))
                for v in row.values()
            ]
            for row in results
        ],
    )


def _plot(groups, path):
    """A bar chart of every metric, one panel per protocol's list of results."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart (pip install matplotlib).")
        return
    fig, axes = plt.subplots(1, len(groups), figsize=(7.5 * len(groups), 3.4))
    for ax, results in zip(np.atleast_1d(axes), groups, strict=True):
        skip = ("model", "protocol", "epochs", "fit_s")
        metrics = [k for k in results[0] if k not in skip]
        width = 0.8 / len(results)
        for i, row in enumerate(results):
            positions = np.arange(len(metrics)) + i * width
            ax.bar(positions, [row[m] for m in metrics], width, label=row["model"])
        ax.set_xticks(np.arange(len(metrics)) + 0.4 - width / 2, metrics)
        ax.set_title(f"protocol {results[0]['protocol']}")
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"Chart: {path}")


def _describe_heldout(n_heldout):
    if isinstance(n_heldout, float):
        return f"{n_heldout:.1%} of the users held out for validation and for test"
    return f"{n_heldout} validation and {n_heldout} test users"


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"needs a positive integer, got {text!r}")
    return value


def benchmark(args):
    """Train and evaluate models under a protocol of PROTOCOLS.md."""
    import json

    import sklearn_recae

    params = dict(args.param)
    for name in params:
        takers = [
            m
            for m in args.models
            if name in getattr(sklearn_recae, _FAMILIES[m][0])().get_params()
        ]
        if not takers:
            print(
                f"error: no model of {args.models} has a parameter {name!r}.",
                file=sys.stderr,
            )
            return 2
    if args.n_heldout is not None and args.protocol not in ("S1", "Q1"):
        return _error(
            f"--n-heldout sets the validation and test users of S1 and Q1; protocol "
            f"{args.protocol} holds out entries, not users. Drop --n-heldout or "
            f"pass --protocol S1 or Q1."
        )
    try:
        ratings, timestamps, n_heldout, described = _load(args)
    except _USER_ERRORS as error:
        return _error(error)
    heldout = "" if n_heldout is None else f", {_describe_heldout(n_heldout)}"
    print(f"Data: {described}; protocol {args.protocol}{heldout}.")
    results = []
    for model in args.models:
        try:
            results.append(
                run_benchmark(
                    model,
                    args.protocol,
                    ratings,
                    timestamps,
                    params=dict(args.param),
                    seed=args.seed,
                    n_heldout=n_heldout,
                    verbose=args.verbose,
                )
            )
        except _USER_ERRORS as error:
            return _error(error)
    _print_results(results)
    if args.out:
        try:
            with open(args.out, "w") as f:
                json.dump(results, f, indent=2)
        except OSError as error:
            return _error(error)
        print(f"Results: {args.out}")
    if args.plot:
        try:
            _plot([results], args.plot)
        except OSError as error:
            return _error(error)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_recae",
        description="Autoencoder recommenders as scikit-learn estimators.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo", help="EASE's search, then every model family, on synthetic data"
    )
    demo_parser.add_argument("--users", type=int, default=3000)
    demo_parser.add_argument("--items", type=int, default=600)
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.add_argument(
        "--families",
        nargs="*",
        default=sorted(_FAMILIES),
        choices=sorted(_FAMILIES),
        help="model families to run with their defaults after EASE's search "
        "(default: all; none: only the search)",
    )
    demo_parser.add_argument("--plot", help="write a PNG chart of the families' runs")
    demo_parser.set_defaults(func=demo)

    bench = commands.add_parser(
        "benchmark",
        help="train and evaluate models under a protocol (T1, S1, Q1, R1, R2)",
        description="Train and evaluate models under a protocol of the project's "
        "PROTOCOLS.md, on synthetic data or a MovieLens file given by path; print "
        "a table, optionally write JSON and a PNG chart. Under S1 and Q1 the "
        "models that early-stop stop on the protocol's validation users. DLAE "
        "and RDLAE are edlae with --param diagonal=free or diagonal=bounded.",
    )
    bench.add_argument(
        "--models",
        nargs="+",
        default=["ease"],
        choices=sorted(_FAMILIES),
        metavar="MODEL",
        help=f"models to run with their defaults (default: ease); {_models_help()}",
    )
    bench.add_argument(
        "--protocol", default="T1", choices=["T1", "S1", "Q1", "R1", "R2"]
    )
    bench.add_argument(
        "--data",
        help="MovieLens as GroupLens ships it: an official zip archive, ML-100K's "
        "u.data, ML-1M's or ML-10M's ratings.dat, a ratings.csv (optionally .gz), "
        "or a release name (100k, 1m, 10m, 20m, latest-small) looked up in the "
        "data folder and downloaded when absent (default: synthetic data)",
    )
    bench.add_argument(
        "--n-heldout",
        type=_positive_int,
        help="S1 and Q1: the number of validation users and of test users (each; "
        "default: the protocol's 600 for S1 and 750 for Q1 on MovieLens, 12.5%% "
        "of the users on synthetic data). Small data sets such as ML-100K need "
        "fewer, e.g. 100",
    )
    bench.add_argument("--users", type=int, default=2000, help="synthetic users")
    bench.add_argument("--items", type=int, default=400, help="synthetic items")
    bench.add_argument("--seed", type=int, default=0)
    bench.add_argument(
        "--param",
        action="append",
        default=[],
        type=_parse_param,
        help="estimator parameter NAME=VALUE (repeatable; set on every model "
        "that has it)",
    )
    bench.add_argument("--out", help="write the results as JSON to this path")
    bench.add_argument("--plot", help="write a PNG bar chart to this path")
    bench.add_argument(
        "--verbose",
        type=int,
        default=0,
        help="1: skorch's epoch table; 2: also progress bars",
    )
    bench.set_defaults(func=benchmark)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
