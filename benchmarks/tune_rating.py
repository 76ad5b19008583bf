"""Validation RMSE of a rating autoencoder every few epochs, on R1's training part.

R1's training part (90% of ML-1M, seed 0) is split again: a seeded 10% of it is
the validation set, the model trains on the rest. The test ratings are never used;
this is how the defaults of AutoRec and DeepRec were chosen (benchmarks/README.md).

Usage (from the repository root)::

    python benchmarks/tune_rating.py item "dict(l2=300, max_epochs=40, every=4)"
    python benchmarks/tune_rating.py deeprec "dict(lr=0.01, batch_size=32)"
    python benchmarks/tune_rating.py user "dict(l2=5e-3)" \
        --data ../shared/data/ml-latest-small/ratings.csv.gz

``--data`` takes another ratings file (split the same way: a random 90/10 split,
seed 0, then 10% of its training part, seed 1). The user + item bias baseline's
validation RMSE (shrinkage 5, 5) is printed first, as the figure to beat.

The second argument is a Python dict of estimator parameters, plus ``every`` (how
often to print) and ``callbacks`` (skorch callbacks; ``LRScheduler`` is in scope).
"""

import sys
import time

import numpy as np
from skorch.callbacks import Callback, LRScheduler  # noqa: F401  (for argv dicts)

sys.path.insert(0, "benchmarks")
from bench_defaults import bias_baseline, bias_rmse  # noqa: E402

from sklearn_recae import AutoRec, DeepRec  # noqa: E402
from sklearn_recae._protocols import split_entries  # noqa: E402
from sklearn_recae.datasets import fetch_movielens  # noqa: E402
from sklearn_recae.metrics import masked_rmse  # noqa: E402

MODELS = {
    "item": lambda **kw: AutoRec("item", **kw),
    "user": lambda **kw: AutoRec("user", **kw),
    "deeprec": DeepRec,
}


class ValidationRMSE(Callback):
    """Prints the validation RMSE every ``every`` epochs."""

    def __init__(self, model, fit, valid, every):
        self.model, self.fit_part, self.valid, self.every = model, fit, valid, every

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        if epoch % self.every == 0:
            self.model.net_ = net
            rmse = masked_rmse(self.valid, self.model.predict(self.fit_part))
            print(epoch, "valid rmse", round(rmse, 4), flush=True)


def main():
    name, params = sys.argv[1], eval(sys.argv[2])  # noqa: S307 (trusted CLI input)
    data = "../shared/data/ml-1m/ratings.csv.gz"
    if "--data" in sys.argv:
        data = sys.argv[sys.argv.index("--data") + 1]
    X = fetch_movielens(data).data
    train, _ = split_entries(X, 0.1, 0)
    fit, valid = split_entries(train, 0.1, 1)
    baseline = bias_rmse(bias_baseline(fit, 5, 5), valid)
    print("user+item bias baseline valid rmse", round(baseline, 4), flush=True)
    every = params.pop("every", 5)
    extra = params.pop("callbacks", [])
    model = MODELS[name](random_state=0, **params)
    model.set_params(
        callbacks=[("valid_rmse", ValidationRMSE(model, fit, valid, every))] + extra
    )
    start = time.time()
    model.fit(fit)
    print(
        "fit",
        time.time() - start,
        "epochs",
        len(model.history_),
        "s/epoch",
        np.median(model.history_[:, "dur"]),
    )


if __name__ == "__main__":
    main()
