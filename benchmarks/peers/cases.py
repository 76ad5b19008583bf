"""One timing case (system, model, split) in the current interpreter; JSON out.

Run by ``run.py`` in the system's own virtual environment, one process per
case::

    python benchmarks/peers/cases.py --system recbole --model multvae \
        --split T1 --data DIR --epochs 3

``DIR`` holds the split as ``.npz`` matrices written by ``run.py``
(``train``, ``valid_in``, ``valid_out``). Only numpy, scipy and torch are
imported at the top, so the script runs in every peer's environment. The
last line printed is a JSON object: the timed epochs (after one warm-up
epoch), two validation passes, or the EASE fit with a float64
``numpy.linalg.inv`` reference solve timed in the same process.
"""

import argparse
import functools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

L2 = 500.0  # EASE's λ; the fit's cost does not depend on it
HIDDEN, LATENT = 600, 200  # Liang et al.'s [n_items-600-200-600-n_items]
BATCH = {"multvae": 500, "multdae": 500, "cdae": 256}


def load(directory):
    directory = Path(directory)
    return {
        name: sp.load_npz(directory / f"{name}.npz").tocsr().astype(np.float32)
        for name in ("train", "valid_in", "valid_out")
    }


def _timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def numpy_reference(X):
    """EASE by a float64 ``numpy.linalg.inv``, the reference solve."""

    def solve():
        gram = (X.T @ X).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += L2
        inverse = np.linalg.inv(gram)
        weights = inverse / -np.diag(inverse)
        np.fill_diagonal(weights, 0.0)
        return weights

    return _timed(solve)[0]


# ---------------------------------------------------------------- ours


def ours(model, split, data, epochs, precision=None):
    from sklearn_recae import CDAE, EASE, MultDAE, MultVAE

    train = data["train"]
    if model == "ease":
        return {"ease_s": _timed(lambda: EASE(l2=L2).fit(train))[0]}
    estimator = {
        "multvae": lambda: MultVAE((HIDDEN,), latent_dim=LATENT),
        "multdae": lambda: MultDAE((HIDDEN,), latent_dim=LATENT),
        "cdae": lambda: CDAE(latent_dim=LATENT, negative_ratio=None),
    }[model]()
    if precision is not None:
        estimator.set_params(precision=precision)
    estimator.set_params(
        batch_size=BATCH[model],
        max_epochs=1 + epochs,
        early_stopping=False,
        random_state=0,
    )
    estimator.fit(train)
    valid = [
        _timed(lambda: estimator.score(data["valid_in"], data["valid_out"]))[0]
        for _ in range(2)
    ]
    return {
        "epoch_s": [float(d) for d in estimator.history_[1:, "dur"]],
        "valid_s": valid,
        "rows": int(train.shape[0]),
        "precision": estimator.precision_,
    }


# ---------------------------------------------------------------- RecBole


def _write_atomic(path, X):
    rows, cols = X.nonzero()
    with open(path, "w") as f:
        f.write("user_id:token\titem_id:token\n")
        for u, i in zip(rows, cols, strict=True):
            f.write(f"{u}\t{i}\n")


def recbole(model, split, data, epochs):
    sys.argv = sys.argv[:1]  # RecBole's Config parses the command line
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import get_model, get_trainer, init_seed

    train, valid_in, valid_out = data["train"], data["valid_in"], data["valid_out"]
    n_users = train.shape[0]
    if split == "S1":  # validation users' fold-in joins the history (RecBole
        # scores users from their training interactions)
        history = sp.vstack([train, valid_in]).tocsr()
        held = sp.vstack([sp.csr_matrix(train.shape), valid_out]).tocsr()
    else:
        history, held = train, valid_out
    work = Path(tempfile.mkdtemp(prefix="recbole_"))
    name = f"ml1m_{split}"
    (work / name).mkdir()
    _write_atomic(work / name / f"{name}.train.inter", history)
    _write_atomic(work / name / f"{name}.valid.inter", held)
    _write_atomic(work / name / f"{name}.test.inter", held)
    n_items = train.shape[1]
    recbole_model = {
        "multvae": "MultiVAE",
        "multdae": "MultiDAE",
        "cdae": "CDAE",
        "ease": "EASE",
    }[model]
    params = {
        "MultiVAE": {"mlp_hidden_size": [HIDDEN], "latent_dimension": 2 * LATENT},
        "MultiDAE": {"mlp_hidden_size": [HIDDEN], "latent_dimension": LATENT},
        "CDAE": {"embedding_size": LATENT, "loss_type": "BCE"},
        "EASE": {"reg_weight": L2},
    }[recbole_model]
    config = Config(
        model=recbole_model,
        dataset=name,
        config_dict={
            "data_path": str(work),
            "benchmark_filename": ["train", "valid", "test"],
            "load_col": {"inter": ["user_id", "item_id"]},
            "eval_args": {"mode": "full", "order": "RO", "group_by": "user"},
            "metrics": ["NDCG"],
            "topk": [100],
            "valid_metric": "NDCG@100",
            "train_batch_size": BATCH.get(model, 500),
            # 500 users per evaluation batch, as ours (RecBole's default, 4,096
            # entries, is one ML-1M user per batch)
            "eval_batch_size": 500 * (n_items + 1),
            "epochs": 1 + epochs,
            "use_gpu": False,
            "device": "cpu",
            "seed": 0,
            "show_progress": False,
            "checkpoint_dir": str(work / "saved"),
            "train_neg_sample_args": None,
            "log_wandb": False,
            "state": "ERROR",
            **params,
        },
    )
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    train_data, valid_data, _ = data_preparation(config, dataset)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    model_cls = get_model(config["model"])
    if model == "ease":
        return {"ease_s": _timed(lambda: model_cls(config, train_data._dataset))[0]}
    net = model_cls(config, train_data._dataset).to(config["device"])
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, net)
    times = [
        _timed(lambda e=e: trainer._train_epoch(train_data, e))[0]
        for e in range(1 + epochs)
    ]
    valid = [_timed(lambda: trainer._valid_epoch(valid_data))[0] for _ in range(2)]
    return {
        "epoch_s": times[1:],
        "valid_s": valid,
        "rows": int(history.shape[0]),
        "n_users_recbole": int(dataset.user_num - 1),
        "n_users_ours": n_users,
    }


# ---------------------------------------------------------------- Cornac


def _cornac_set(X, n_users, n_items):
    from cornac.data import Dataset

    rows, cols = X.nonzero()
    triplets = list(zip(rows.tolist(), cols.tolist(), [1.0] * len(rows), strict=True))
    return Dataset.build(
        triplets,
        global_uid_map={u: u for u in range(n_users)},
        global_iid_map={i: i for i in range(n_items)},
    )


def cornac(model, split, data, epochs):
    import cornac.models.vaecf.vaecf as vaecf_module
    from cornac.models import EASE, VAECF

    train = data["train"]
    n_users, n_items = train.shape
    train_set = _cornac_set(train, n_users, n_items)
    if model == "ease":
        ease = EASE(lamb=L2, posB=False, verbose=False)
        return {"ease_s": _timed(lambda: ease.fit(train_set))[0]}
    if model != "multvae":
        return {"skipped": f"Cornac has no {model} (its CDAE needs TensorFlow)"}
    marks = []

    class TimedRange:  # stands in for tqdm's trange in cornac's learn()
        def __init__(self, *args, **kwargs):
            self.values = range(*args[:2])

        def __iter__(self):
            for value in self.values:
                marks.append(time.perf_counter())
                yield value
            marks.append(time.perf_counter())

        def set_postfix(self, *args, **kwargs):
            pass

    vaecf_module.trange = TimedRange
    vae = VAECF(
        k=LATENT,
        autoencoder_structure=[HIDDEN],
        act_fn="tanh",
        likelihood="mult",
        n_epochs=1 + epochs,
        batch_size=BATCH[model],
        beta=0.2,
        seed=0,
        verbose=False,
    )
    vae.fit(train_set)
    result = {"epoch_s": list(np.diff(marks)[1:]), "rows": n_users}
    if split == "T1":  # known users only: Cornac cannot score new (S1) users
        from cornac.eval_methods import ranking_eval
        from cornac.metrics import NDCG

        held_set = _cornac_set(data["valid_out"], n_users, n_items)
        result["valid_s"] = [  # once: it scores user by user (minutes on T1)
            _timed(lambda: ranking_eval(vae, [NDCG(k=100)], train_set, held_set))[0]
        ]
    else:
        result["valid_note"] = "VAECF scores only training users"
    return result


# ---------------------------------------------------------------- RecPack


def recpack(model, split, data, epochs):
    from recpack.algorithms import EASE, MultVAE

    train, valid_in, valid_out = data["train"], data["valid_in"], data["valid_out"]
    if model == "ease":
        return {"ease_s": _timed(lambda: EASE(l2=L2).fit(train))[0]}
    if model != "multvae":
        return {"skipped": f"RecPack has no {model}"}
    if split == "S1":  # fit needs X, val_in, val_out of one shape
        empty_valid = sp.csr_matrix(valid_in.shape, dtype=np.float32)
        X = sp.vstack([train, empty_valid]).tocsr()
        empty_train = sp.csr_matrix(train.shape, dtype=np.float32)
        val_in = sp.vstack([empty_train, valid_in]).tocsr()
        val_out = sp.vstack([empty_train, valid_out]).tocsr()
    else:
        X, val_in, val_out = train, valid_in, valid_out
    algorithm = MultVAE(
        batch_size=BATCH[model],
        max_epochs=1 + epochs,
        dim_hidden_layer=HIDDEN,
        dim_bottleneck_layer=LATENT,
        keep_last=True,
        seed=0,
    )
    epoch_s, valid_s = [], []

    def timing(method, into):
        def timed(*args, **kwargs):
            seconds, result = _timed(lambda: method(*args, **kwargs))
            into.append(seconds)
            return result

        return timed

    algorithm._train_epoch = timing(algorithm._train_epoch, epoch_s)
    algorithm._evaluate = timing(algorithm._evaluate, valid_s)
    algorithm.fit(X, (val_in, val_out))
    return {"epoch_s": epoch_s[1:], "valid_s": valid_s[-2:], "rows": train.shape[0]}


SYSTEMS = {
    "ours": ours,
    "ours-f32": functools.partial(ours, precision="float32"),
    "recbole": recbole,
    "cornac": cornac,
    "recpack": recpack,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", required=True, choices=SYSTEMS)
    parser.add_argument("--model", required=True)
    parser.add_argument("--split", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    data = load(args.data)
    load_before = os.getloadavg()
    result = SYSTEMS[args.system](args.model, args.split, data, args.epochs)
    if "ease_s" in result:
        result["numpy_inv_f64_s"] = numpy_reference(data["train"])
    result.update(
        system=args.system,
        model=args.model,
        split=args.split,
        threads=torch.get_num_threads(),
        numpy=np.__version__,
        torch=torch.__version__,
        load_before=load_before,
        load_after=os.getloadavg(),
    )
    print(json.dumps(result, default=float))


if __name__ == "__main__":
    main()
