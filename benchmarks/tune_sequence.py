"""NDCG@100 of SVAE settings on Q1's validation users (never the test users).

Usage (from benchmarks/)::

    python tune_sequence.py --data ../../shared/data/ml-1m/ratings.csv.gz \
        "dict(lr=1e-3)" "dict(l2=1e-6)"

Each argument is a dict of SVAE parameters (random_state=0 unless given); the
validation NDCG@100 of every epoch's early-stopping users is printed too. With
``--validation-users`` the fit early-stops on Q1's validation users
(``X_val``/``y_val``) instead of holding out the latest 20% of the events of
10% of the training users, so the printed score is that of the kept epoch on
the users that chose it.
"""

import argparse
import time

from _common import protocol_q1

from sklearn_recae import SVAE
from sklearn_recae.metrics import ndcg_at_k, recall_n_at_k


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--validation-users", action="store_true")
    parser.add_argument("settings", nargs="+")
    args = parser.parse_args()
    split = protocol_q1(args.data)
    for setting in args.settings:
        params = {"random_state": 0, **eval(setting)}  # noqa: S307 (trusted CLI)
        validation = {}
        if args.validation_users:
            validation = dict(X_val=split["valid_in"], y_val=split["valid_out"])
        start = time.perf_counter()
        model = SVAE(**params).fit(split["train"], **validation)
        scores = model.predict(split["valid_in"])
        kwargs = dict(k=100, exclude=split["valid_in"])
        print(
            f"{setting}: validation NDCG@100 "
            f"{ndcg_at_k(split['valid_out'], scores, **kwargs):.4f}, recall(÷n)@100 "
            f"{recall_n_at_k(split['valid_out'], scores, **kwargs):.4f}, epochs "
            f"{len(model.history_)}, {time.perf_counter() - start:.0f} s; per epoch "
            f"{[round(v, 4) for v in model.history_[:, 'valid_ndcg']]}",
            flush=True,
        )


if __name__ == "__main__":
    main()
