"""Seconds per Mult-VAE epoch on S1 and T1: ours, a peer-style loop, the FLOP floor.

Usage::

    python benchmarks/bench_speed.py --data ../shared/data/ml-1m/ratings.csv.gz

Ours is ``MultVAE`` (paper defaults) through skorch, timed by skorch's ``dur``
column; "train only" runs with ``early_stopping=False``, "train + validation"
with the default 10% validation users scored after every epoch. The peer loop
has the structure of the public PyTorch ports of Liang et al.'s notebook: per
batch, slice the CSR on the Python side, ``toarray`` and ``torch.FloatTensor``;
after the epoch, score the validation users batch by batch and compute NDCG@100
user by user in a Python loop. It trains the same torch module with the same
loss, so both do the same floating-point work. The FLOP floor is the epoch's
matrix-product work (forward 2, backward 4 flop per multiply-add; 2 for the
first layer, whose input needs no gradient) at the float32 matmul rate measured
in the same run. Writes ``benchmarks/results/speed.{json,md}``.
"""

import argparse
import time

import numpy as np
import torch
from _common import environment, matmul_rate, protocol_s1, protocol_t1, write_results

from sklearn_recae import MultVAE
from sklearn_recae.nn import MultVAEModule, gaussian_kl, multinomial_nll

EPOCHS = 5


def epoch_flops(n_items, n_train, n_valid, dims=(600, 200)):
    hidden, latent = dims
    encoder = [(n_items, hidden), (hidden, 2 * latent)]
    decoder = [(latent, hidden), (hidden, n_items)]
    macs = sum(a * b for a, b in encoder + decoder)
    first = n_items * hidden
    train = n_train * (6 * macs - 2 * first)
    valid = n_valid * 2 * macs
    return train, valid


def ours(train, early_stopping):
    model = MultVAE(max_epochs=EPOCHS, early_stopping=early_stopping, random_state=0)
    model.fit(train)
    return float(np.median(model.history_[1:, "dur"]))


def _ndcg_user_loop(scores, fold_in, fold_out, k=100):
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    values = []
    for user in range(scores.shape[0]):  # the peers' per-user evaluation
        row = scores[user].copy()
        row[fold_in[user].indices] = -np.inf
        top = np.argsort(-row)[:k]
        relevant = set(fold_out[user].indices)
        if not relevant:
            continue
        dcg = sum(discount[i] for i, item in enumerate(top) if item in relevant)
        values.append(dcg / discount[: min(k, len(relevant))].sum())
    return float(np.mean(values))


def peer(train, valid_in, valid_out, with_validation, batch_size=500):
    torch.manual_seed(0)
    module = MultVAEModule(train.shape[1])
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    rng = np.random.RandomState(0)
    durations, updates = [], 0
    for _ in range(EPOCHS):
        start = time.perf_counter()
        module.train()
        order = rng.permutation(train.shape[0])
        for first in range(0, len(order), batch_size):
            data = torch.FloatTensor(train[order[first : first + batch_size]].toarray())
            optimizer.zero_grad()
            logits, mu, logvar = module(data)
            beta = min(0.2, updates / 200000)
            loss = multinomial_nll(logits, data) + beta * gaussian_kl(mu, logvar)
            loss.backward()
            optimizer.step()
            updates += 1
        if with_validation:
            module.eval()
            scores = []
            with torch.no_grad():
                for first in range(0, valid_in.shape[0], batch_size):
                    rows = slice(first, first + batch_size)
                    data = torch.FloatTensor(valid_in[rows].toarray())
                    scores.append(module(data)[0].numpy())
            _ndcg_user_loop(np.vstack(scores), valid_in, valid_out)
        durations.append(time.perf_counter() - start)
    return float(np.median(durations[1:]))


def measure(protocol, split):
    train = split["train"]
    n_valid = int(round(0.1 * train.shape[0]))
    rows = np.random.RandomState(0).permutation(train.shape[0])
    fit_rows, valid_rows = np.sort(rows[n_valid:]), np.sort(rows[:n_valid])
    from sklearn_recae.model_selection import holdout_split

    valid_in, valid_out = holdout_split(train[valid_rows], 0.2, random_state=0)
    rate = matmul_rate()
    train_flops, valid_flops = epoch_flops(train.shape[1], len(fit_rows), n_valid)
    return {
        "protocol": protocol,
        "n_users": train.shape[0],
        "n_items": train.shape[1],
        "matmul_gflops": rate / 1e9,
        "floor_train_s": train_flops / rate,
        "floor_train_valid_s": (train_flops + valid_flops) / rate,
        "ours_train_s": ours(train[fit_rows], early_stopping=False),
        "ours_train_valid_s": ours(train, early_stopping=True),
        "peer_train_s": peer(train[fit_rows], valid_in, valid_out, False),
        "peer_train_valid_s": peer(train[fit_rows], valid_in, valid_out, True),
    }


def markdown(rows):
    lines = [
        "## Mult-VAE seconds per epoch (median of epochs 2-5, float32, "
        f"{torch.get_num_threads()} threads)",
        "",
        "| protocol | users x items | matmul GFLOP/s | part | FLOP floor | ours | "
        "peer loop | ours / peer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        for part, key in (("train", "train"), ("train + validation", "train_valid")):
            lines.append(
                f"| {r['protocol']} | {r['n_users']} x {r['n_items']} | "
                f"{r['matmul_gflops']:.0f} | {part} | {r[f'floor_{key}_s']:.2f} | "
                f"{r[f'ours_{key}_s']:.2f} | {r[f'peer_{key}_s']:.2f} | "
                f"{r[f'ours_{key}_s'] / r[f'peer_{key}_s']:.2f} |"
            )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    rows = []
    for protocol in ("S1", "T1"):
        if protocol == "S1":
            split = protocol_s1(args.data)
        else:
            split = protocol_t1(args.data, 0)
        rows.append(measure(protocol, split))
        print(rows[-1], flush=True)
    write_results(
        args.out, "speed", {"environment": environment(), "rows": rows}, markdown(rows)
    )


if __name__ == "__main__":
    main()
