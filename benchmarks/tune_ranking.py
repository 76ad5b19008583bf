"""NDCG@100 of ranking-model settings on S1's validation users (never test users).

Usage (from benchmarks/)::

    python tune_ranking.py --data ../../shared/data/ml-1m/ratings.csv.gz \
        "dict(total_anneal_steps=2000)" "dict(total_anneal_steps=20000)"

Each argument is a dict of MultVAE parameters (random_state=0 is added).
"""

import argparse
import time

from _common import protocol_s1

from sklearn_recae import CDAE, MultDAE, MultVAE  # noqa: F401  (usable in the dicts)
from sklearn_recae.metrics import ndcg_at_k


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", default="MultVAE")
    parser.add_argument("settings", nargs="+")
    args = parser.parse_args()
    split = protocol_s1(args.data)
    for setting in args.settings:
        params = eval(setting)  # noqa: S307 (trusted CLI input)
        start = time.perf_counter()
        model = globals()[args.model](random_state=0, **params).fit(split["train"])
        ndcg = ndcg_at_k(
            split["valid_out"],
            model.predict(split["valid_in"]),
            k=100,
            exclude=split["valid_in"],
        )
        print(
            f"{setting}: validation NDCG@100 {ndcg:.4f}, epochs "
            f"{len(model.history_)}, {time.perf_counter() - start:.0f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
