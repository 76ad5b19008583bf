"""ELSA on catalogues EASE cannot hold: seconds per epoch, peak RSS, recommend
throughput, beside FLOP and memory-bandwidth floors (issue 18).

Data are synthetic and generated here (no download): each user's number of
interactions is geometric with the requested mean, items are drawn from a
power law p(i) ∝ i^-0.9 over randomly permuted item ids, duplicates within a
user are dropped. The CSR matrix is built directly, one block of users at a
time (no COO copy of the whole data).

Usage::

    nice -n 10 python benchmarks/bench_elsa_scale.py --items 200000 \
        --users 200000 --nnz 10000000 --name elsa_scale_200k
    nice -n 10 python benchmarks/bench_elsa_scale.py --items 1000000 \
        --users 1000000 --nnz 50000000 --name elsa_scale_1m

Writes ``benchmarks/results/<name>.{json,md}``.
"""

import argparse
import resource
import time
import warnings

import numpy as np
import scipy.sparse as sp
import torch
from _common import environment, matmul_rate, write_results

from sklearn_recae import EASE, ELSA
from sklearn_recae._elsa import training_bytes
from sklearn_recae.utils import InsufficientMemoryError, available_memory

_EXPONENT = 0.9


def power_law_csr(n_users, n_items, nnz, seed=0, block=100_000):
    """Binary CSR (n_users, n_items) with power-law item popularity."""
    rng = np.random.default_rng(seed)
    relabel = rng.permutation(n_items).astype(np.int32)
    mean = nnz / n_users
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    chunks = []
    one_minus = 1.0 - _EXPONENT
    top = (n_items + 1.0) ** one_minus
    for start in range(0, n_users, block):
        stop = min(start + block, n_users)
        counts = np.minimum(rng.geometric(1.0 / mean, size=stop - start), n_items)
        u = rng.random(int(counts.sum()))
        # inverse CDF of the continuous power law on [1, n_items + 1)
        rank = ((top - 1.0) * u + 1.0) ** (1.0 / one_minus) - 1.0
        items = relabel[np.minimum(rank.astype(np.int64), n_items - 1)]
        rows = np.repeat(np.arange(stop - start, dtype=np.int64), counts)
        keys = np.unique(rows * n_items + items)  # sorted, deduplicated
        del rows, items, u, rank
        indptr[start + 1 : stop + 1] = np.cumsum(
            np.bincount(keys // n_items, minlength=stop - start)
        )
        indptr[start + 1 : stop + 1] += indptr[start]
        chunks.append((keys % n_items).astype(np.int32))
    indices = np.concatenate(chunks)
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(n_users, n_items))


def bandwidth(n_bytes=2**28, repeat=5):
    """Best copy rate (bytes read + written per second) of an ``n_bytes`` tensor."""
    a = torch.empty(n_bytes // 4)
    a.fill_(1.0)
    b = torch.empty_like(a)
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        b.copy_(a)
        best = min(best, time.perf_counter() - start)
    return 2 * n_bytes / best


def peak_rss_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 2**30


def rss_gib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**30


def floors(n_users, n_items, nnz, r, batch, flops, bytes_per_s):
    """Lower bounds of one epoch and of top-10 for 10,000 users."""
    n_batches = -(-n_users // batch)
    # per batch: G = AᵀA and its backward (2 I r² each), normalisation
    # forward/backward (~10 I r); per entry: z = xA and its backward (4 r);
    # per user: z G and its backward (4 r²)
    epoch_flop = n_batches * (4 * n_items * r**2 + 10 * n_items * r)
    epoch_flop += 4 * nnz * r + 4 * n_users * r**2
    # per batch: Adam reads weight, grad, two moments and writes three
    # (7 passes), autograd's factors, gradients and normalisation (~8 passes)
    epoch_bytes = n_batches * 15 * n_items * r * 4
    rec_users = 10_000
    rec_flop = 2 * rec_users * n_items * r
    rec_bytes = 2 * rec_users * n_items * 4  # scores written once, read by top-k
    return {
        "epoch_flop": epoch_flop,
        "epoch_flop_floor_s": epoch_flop / flops,
        "epoch_bytes": epoch_bytes,
        "epoch_bandwidth_floor_s": epoch_bytes / bytes_per_s,
        "recommend_flop": rec_flop,
        "recommend_flop_floor_s": rec_flop / flops,
        "recommend_bandwidth_floor_s": rec_bytes / bytes_per_s,
    }


def markdown(r):
    f = r["floors"]
    lines = [
        f"## ELSA at {r['n_items']:,} items × {r['n_users']:,} users × "
        f"{r['nnz']:,} interactions",
        "",
        f"n_dims={r['n_dims']}, batch_size={r['batch_size']}, Adam, "
        f"early_stopping=False, {r['threads']} torch threads, load average "
        f"before/after {r['load_before']:.1f} / {r['load_after']:.1f} "
        "(the machine is shared).",
        "",
        "| quantity | measured | floor (FLOP) | floor (bandwidth) | target |",
        "|---|---|---|---|---|",
        f"| seconds per epoch (median of {len(r['epoch_s'])}) | "
        f"{np.median(r['epoch_s']):.0f} | {f['epoch_flop_floor_s']:.0f} | "
        f"{f['epoch_bandwidth_floor_s']:.0f} | ≤ 600 |",
        f"| top-10 for 10,000 users (s) | {r['recommend_s']:.1f} | "
        f"{f['recommend_flop_floor_s']:.1f} | "
        f"{f['recommend_bandwidth_floor_s']:.1f} | ≤ 60 |",
        f"| recommend throughput (users/s) | {r['recommend_users_per_s']:.0f} | | | |",
        f"| peak RSS, whole process (GiB) | {r['peak_rss_gib']:.2f} | | | ≤ 8 |",
        f"| RSS after data generation (GiB) | {r['rss_data_gib']:.2f} | | | |",
        f"| ELSA's memory estimate (GiB) | {r['estimate_gib']:.2f} | | | |",
        "",
        f"Rates measured in the same run: float32 matmul "
        f"{r['matmul_gflops']:.0f} GFLOP/s, copy bandwidth "
        f"{r['bandwidth_gbs']:.1f} GB/s. Data generation {r['generate_s']:.0f} s.",
    ]
    if r.get("ease"):
        lines.append(f"EASE: {r['ease']}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--nnz", type=int, default=10_000_000)
    parser.add_argument("--n-dims", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--name", default="elsa_scale")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    import os

    load_before = os.getloadavg()[0]
    flops = matmul_rate()
    bytes_per_s = bandwidth()
    start = time.perf_counter()
    X = power_law_csr(args.users, args.items, args.nnz)
    generate_s = time.perf_counter() - start
    rss_data = rss_gib()
    print(f"data {X.shape} nnz={X.nnz} in {generate_s:.0f} s, RSS {rss_data:.2f} GiB")

    ease = None
    if 2 * X.shape[1] ** 2 * 4 > 2 * available_memory():  # never let EASE run here
        try:
            start = time.perf_counter()
            EASE().fit(X)
        except InsufficientMemoryError as error:
            ease = f"refused in {time.perf_counter() - start:.3f} s: {error}"
        print("EASE:", ease)

    model = ELSA(
        latent_dim=args.n_dims,
        batch_size=args.batch_size,
        max_epochs=args.epochs,
        early_stopping=False,
        random_state=0,
        verbose=1,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X)
    fit_s = time.perf_counter() - start
    epoch_s = [float(d) for d in model.history_[:, "dur"]]
    print(f"fit {fit_s:.0f} s, epochs {epoch_s}, peak RSS {peak_rss_gib():.2f} GiB")

    users = X[:10_000]
    start = time.perf_counter()
    top = model.recommend(users, k=10)
    recommend_s = time.perf_counter() - start
    print(f"recommend {recommend_s:.1f} s, peak RSS {peak_rss_gib():.2f} GiB")

    result = {
        "n_users": X.shape[0],
        "n_items": X.shape[1],
        "nnz": int(X.nnz),
        "n_dims": args.n_dims,
        "batch_size": args.batch_size,
        "threads": torch.get_num_threads(),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "generate_s": generate_s,
        "rss_data_gib": rss_data,
        "fit_s": fit_s,
        "epoch_s": epoch_s,
        "recommend_s": recommend_s,
        "recommend_users_per_s": len(top) / recommend_s,
        "peak_rss_gib": peak_rss_gib(),
        "estimate_gib": training_bytes(X.shape[1], args.n_dims, args.batch_size)
        / 2**30,
        "matmul_gflops": flops / 1e9,
        "bandwidth_gbs": bytes_per_s / 1e9,
        "floors": floors(
            X.shape[0],
            X.shape[1],
            X.nnz,
            args.n_dims,
            args.batch_size,
            flops,
            bytes_per_s,
        ),
        "ease": ease,
        "environment": environment(),
    }
    write_results(args.out, args.name, result, markdown(result))


if __name__ == "__main__":
    main()
