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
entries).
"""

import argparse
import inspect
import time

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
    parser.add_argument("settings", nargs="+")
    args = parser.parse_args()
    fit_parameters = inspect.signature(globals()[args.model].fit).parameters
    if args.caller_validation and "X_val" not in fit_parameters:
        parser.error(f"{args.model}.fit takes no X_val: drop --caller-validation")
    if args.protocol == "T1" and args.caller_validation:
        parser.error("T1 has no validation users: drop --caller-validation")
    if args.protocol == "T1" and "X_val" not in fit_parameters:
        parser.error(f"--protocol T1 scores early stopping, which {args.model} lacks")
    if args.protocol == "T1":
        split = protocol_t1(args.data, seed=0)
    else:
        split = protocol_s1(args.data, n_heldout_users=args.heldout)
    fit_kwargs = (
        {"X_val": split["valid_in"], "y_val": split["valid_out"]}
        if args.caller_validation
        else {}
    )
    for setting in args.settings:
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
            f"{setting}: validation NDCG@100 {ndcg:.4f}, epochs "
            f"{epochs}, {time.perf_counter() - start:.0f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
