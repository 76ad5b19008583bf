"""SVAE on protocol Q1 (ML-1M, temporal strong generalization), with Mult-VAE and
EASE beside it, and the speed of batched training against a batch-of-one loop.

Usage::

    python benchmarks/bench_sequence.py --data ../shared/data/ml-1m/ratings.csv.gz

SVAE runs with its defaults and random_state=0 on the timestamp ranks, twice:
early-stopping on its default carve (the latest 20% of the events of 10% of
the training users, ``svae``), and on Q1's validation users with every
training event trained on (``svae-val``, ``fit(X, X_val=valid_in,
y_val=valid_out)``, as the S1 benchmarks and the seed's honest result do).
Mult-VAE (defaults) and EASE (λ=500) get the same matrices binarized, so they
ignore order. Only the test users are scored. The speed section trains one
epoch of the same network over the same ``--speed-users`` training users with
``batch_size=1`` and with the default batch, in one run, and compares both with
the epoch's FLOP floor at the float32 matmul rate measured in the same run.
Writes ``benchmarks/results/sequence_Q1.{json,md}``.
"""

import argparse
import time

import numpy as np
from _common import binary, environment, matmul_rate, protocol_q1, write_results

from sklearn_recae import EASE, SVAE, MultVAE
from sklearn_recae.metrics import ndcg_at_k, precision_at_k, recall_n_at_k


def report(y_true, scores, exclude):
    out = {}
    for k in (10, 100):
        out[f"ndcg@{k}"] = ndcg_at_k(y_true, scores, k=k, exclude=exclude)
        out[f"recall_n@{k}"] = recall_n_at_k(y_true, scores, k=k, exclude=exclude)
        out[f"precision@{k}"] = precision_at_k(y_true, scores, k=k, exclude=exclude)
    return out


def run(name, model, split, transform=lambda X: X, fit_kwargs=None):
    start = time.perf_counter()
    model.fit(transform(split["train"]), **(fit_kwargs or {}))
    fit_s = time.perf_counter() - start
    history = getattr(model, "history_", None)
    row = {"model": name, "fit_s": fit_s}
    if history is not None:
        row["epochs"] = len(history)
        row["best_epoch"] = int(np.argmax(history[:, "valid_ndcg"])) + 1
        row["epoch_s"] = float(np.median(history[:, "dur"]))
    test_in = transform(split["test_in"])
    row.update(report(split["test_out"], model.predict(test_in), test_in))
    print(row, flush=True)
    return row


def step_flops(model, n_items):
    """Multiply-adds of one training step (GRU, encoder, decoder) times 6."""
    e, r, h, z = model.embedding_dim, model.rnn_dim, model.hidden_dim, model.latent_dim
    macs = 3 * (e * r + r * r) + r * h + h * 2 * z + z * h + h * n_items
    return 6 * macs


def trained_steps(train):
    """Expected GRU steps of an epoch under the default carve: a share
    ``validation_fraction`` of the users train on their first 80% of events
    only (with ``X_val`` every event trains: 2% more steps)."""
    lengths = np.diff(train.indptr)
    share, max_length = SVAE().validation_fraction, SVAE().max_length
    full = np.minimum(lengths, max_length).sum()
    cut = np.minimum((0.8 * lengths).astype(int), max_length).sum()
    return (1 - share) * full + share * cut


def speed(split, n_users, rate):
    train = split["train"][:n_users]
    durations = {}
    for batch_size in (1, SVAE().batch_size):
        model = SVAE(
            batch_size=batch_size, max_epochs=2, early_stopping=False, random_state=0
        ).fit(train)
        durations[batch_size] = float(model.history_[-1, "dur"])
    max_length = SVAE().max_length
    steps = np.minimum(np.diff(train.indptr), max_length).sum()
    floor = steps * step_flops(SVAE(), train.shape[1]) / rate
    return {
        "users": n_users,
        "batch_of_one_s": durations[1],
        "batched_s": durations[SVAE().batch_size],
        "ratio": durations[1] / durations[SVAE().batch_size],
        "floor_s": floor,
    }


def markdown(rows, speed_row, epoch_floor_s):
    lines = [
        "## Q1 on ML-1M (750 test users, random_state=0)",
        "",
        "| model | NDCG@10 | NDCG@100 | R(÷n)@10 | R(÷n)@100 | P@10 | P@100 | "
        "epochs (best) | s / epoch | fit (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        epochs = f"{r['epochs']} ({r['best_epoch']})" if "epochs" in r else "–"
        epoch_s = f"{r['epoch_s']:.1f}" if "epoch_s" in r else "–"
        lines.append(
            f"| {r['model']} | {r['ndcg@10']:.4f} | {r['ndcg@100']:.4f} | "
            f"{r['recall_n@10']:.4f} | {r['recall_n@100']:.4f} | "
            f"{r['precision@10']:.4f} | {r['precision@100']:.4f} | {epochs} | "
            f"{epoch_s} | {r['fit_s']:.0f} |"
        )
    s = speed_row
    lines += [
        "",
        f"SVAE epoch FLOP floor on Q1's training users: {epoch_floor_s:.1f} s; "
        + "; ".join(
            f"{r['model']}'s median epoch {r['epoch_s']:.1f} s = "
            f"{r['epoch_s'] / epoch_floor_s:.2f}x the floor"
            for r in rows
            if r["model"].startswith("svae")
        )
        + ".",
        "",
        f"One epoch over {s['users']} training users, same network: batch of one "
        f"{s['batch_of_one_s']:.1f} s, batched {s['batched_s']:.2f} s "
        f"(ratio {s['ratio']:.1f}x); FLOP floor {s['floor_s']:.2f} s.",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--speed-users", type=int, default=300)
    parser.add_argument(
        "--models", nargs="+", default=["svae", "svae-val", "multvae", "ease"]
    )
    args = parser.parse_args()
    split = protocol_q1(args.data)
    rate = matmul_rate()
    speed_row = speed(split, args.speed_users, rate)
    print(speed_row, flush=True)
    models = {
        "svae": lambda: run("svae", SVAE(random_state=0), split),
        "svae-val": lambda: run(
            "svae-val",
            SVAE(random_state=0),
            split,
            fit_kwargs=dict(X_val=split["valid_in"], y_val=split["valid_out"]),
        ),
        "multvae": lambda: run("multvae", MultVAE(random_state=0), split, binary),
        "ease": lambda: run("ease", EASE(l2=500.0), split, binary),
    }
    rows = [models[name]() for name in args.models]
    train = split["train"]
    epoch_floor_s = trained_steps(train) * step_flops(SVAE(), train.shape[1]) / rate
    results = {
        "environment": environment(),
        "matmul_gflops": rate / 1e9,
        "rows": rows,
        "speed": speed_row,
        "epoch_floor_s": epoch_floor_s,
    }
    write_results(
        args.out, "sequence_Q1", results, markdown(rows, speed_row, epoch_floor_s)
    )


if __name__ == "__main__":
    main()
