"""The same models, seeds and epochs under two versions of the package, on T1.

Usage (one process per tree and case, trees alternating, as in
``results/speed_sparse_inputs.md``)::

    for seed in 0 1; do for model in multvae multdae cdae; do
      for tree in /tmp/before /tmp/after; do
        (cd $tree && OMP_NUM_THREADS=2 PYTHONPATH=$tree \\
         python benchmarks/same_seed_ab.py --data ratings.csv.gz \\
         --epochs 30 --seed $seed --model $model)
    done; done; done

Each run fits the model with its defaults except ``max_epochs`` (fixed, early
stopping off, so both versions train the same number of epochs), scores the
T1 test entries (NDCG@100) and prints one JSON line with the fit seconds and
the median epoch (skorch's ``dur``).
"""

import argparse
import json
import time

from _common import protocol_t1

from sklearn_recae import CDAE, MultDAE, MultVAE, RecVAE
from sklearn_recae.metrics import ndcg_at_k

MODELS = {"multvae": MultVAE, "multdae": MultDAE, "cdae": CDAE, "recvae": RecVAE}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="ML-1M ratings file")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", choices=MODELS, required=True)
    args = parser.parse_args()
    split = protocol_t1(args.data, 0)
    model = MODELS[args.model](
        max_epochs=args.epochs, early_stopping=False, random_state=args.seed
    )
    start = time.perf_counter()
    model.fit(split["train"])
    fit_s = time.perf_counter() - start
    scores = model.predict(split["test_in"])
    ndcg = ndcg_at_k(split["test_out"], scores, k=100, exclude=split["test_in"])
    durations = sorted(float(d) for d in model.history_[:, "dur"])
    print(
        json.dumps(
            {
                "model": args.model,
                "seed": args.seed,
                "epochs": args.epochs,
                "ndcg@100": ndcg,
                "fit_s": fit_s,
                "median_epoch_s": durations[len(durations) // 2],
            }
        )
    )


if __name__ == "__main__":
    main()
