"""NDCG@100 of ranking-model settings on S1's validation users (never test users).

Usage (from benchmarks/)::

    python tune_ranking.py --data ../../shared/data/ml-1m/ratings.csv.gz \
        "dict(total_anneal_steps=2000)" "dict(total_anneal_steps=20000)"

Each argument is a dict of the model's parameters (random_state=0 is added
where the model has one and the dict sets none).
``--heldout`` sets the validation and test users (S1-style on small data:
100 on ML-100K, 60 on ML-latest-small); ``--caller-validation`` passes the
validation users to ``fit(X_val=..., y_val=...)`` instead of carving training
users out. ``--protocol T1`` fits on T1's training matrix (every user, no
held-out users) and prints the best ``valid_ndcg`` of the model's own early
stopping carve (20% of the entries of 10% of the users; never the test
entries). ``--seeds`` repeats an S1-style run over several seeded splits
(98765 is the protocol's) and ends with each setting's mean validation NDCG@100
and its mean difference from the first setting (paired by split, with the
standard error).
"""

import argparse
import inspect
import time

import numpy as np
import torch  # noqa: F401  (usable in the dicts: torch.optim.NAdam)
from _common import protocol_s1, protocol_t1

from sklearn_recae import (  # noqa: F401  (usable in the dicts)
    CDAE,
    EASE,
    EDLAE,
    ELSA,
    MultDAE,
    MultVAE,
    RecVAE,
)
from sklearn_recae.metrics import ndcg_at_k


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", default="MultVAE")
    parser.add_argument("--heldout", type=int, default=600)
    parser.add_argument("--caller-validation", action="store_true")
    parser.add_argument("--protocol", choices=["S1", "T1"], default="S1")
    parser.add_argument("--seeds", type=int, nargs="+", default=[98765])
    parser.add_argument("settings", nargs="+")
    args = parser.parse_args()
    fit_parameters = inspect.signature(globals()[args.model].fit).parameters
    if args.caller_validation and "X_val" not in fit_parameters:
        parser.error(f"{args.model}.fit takes no X_val: drop --caller-validation")
    if args.protocol == "T1" and args.caller_validation:
        parser.error("T1 has no validation users: drop --caller-validation")
    if args.protocol == "T1" and "X_val" not in fit_parameters:
        parser.error(f"--protocol T1 scores early stopping, which {args.model} lacks")
    if args.protocol == "T1" and args.seeds != [98765]:
        parser.error("--seeds draws S1-style splits: drop it with --protocol T1")
    scores = np.array([tune_split(args, seed) for seed in args.seeds])
    if len(args.seeds) > 1:
        summarise(args.settings, scores)


def tune_split(args, seed):
    """Validation NDCG@100 of each setting on the split drawn with ``seed``."""
    if args.protocol == "T1":
        split = protocol_t1(args.data, seed=0)
    else:
        split = protocol_s1(args.data, seed=seed, n_heldout_users=args.heldout)
    fit_kwargs = (
        {"X_val": split["valid_in"], "y_val": split["valid_out"]}
        if args.caller_validation
        else {}
    )
    return [
        tune_setting(args, setting, split, fit_kwargs, seed)
        for setting in args.settings
    ]


def tune_setting(args, setting, split, fit_kwargs, seed):
    params = eval(setting)  # noqa: S307 (trusted CLI input)
    start = time.perf_counter()
    model = globals()[args.model](**params)
    if "random_state" in model.get_params() and "random_state" not in params:
        model.set_params(random_state=0)
    model.fit(split["train"], **fit_kwargs)
    history = getattr(model, "history_", None)
    if args.protocol == "T1":
        ndcg = max(history[:, "valid_ndcg"])
    else:
        ndcg = ndcg_at_k(
            split["valid_out"],
            model.predict(split["valid_in"]),
            k=100,
            exclude=split["valid_in"],
        )
    epochs = "-" if history is None else len(history)
    print(
        f"split {seed}, {setting}: validation NDCG@100 {ndcg:.4f}, epochs "
        f"{epochs}, {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    return ndcg


def summarise(settings, scores):
    """Mean validation NDCG@100 per setting over the splits (rows of ``scores``)
    and its paired difference from the first setting."""
    differences = scores - scores[:, :1]
    standard_errors = differences.std(axis=0, ddof=1) / np.sqrt(len(scores))
    print(f"over {len(scores)} splits (mean, difference from the first setting):")
    for setting, mean, difference, error in zip(
        settings,
        scores.mean(axis=0),
        differences.mean(axis=0),
        standard_errors,
        strict=True,
    ):
        print(f"  {setting}: {mean:.4f} ({difference:+.4f} ± {error:.4f})")


if __name__ == "__main__":
    main()
