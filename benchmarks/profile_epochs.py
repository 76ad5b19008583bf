"""One training epoch of every neural model, split into parts, each beside its floor.

Usage::

    OMP_NUM_THREADS=2 python benchmarks/profile_epochs.py \
        --data ../shared/data/ml-1m/ratings.csv.gz --out profile_epochs_before

Each case fits the model with its defaults (``random_state=0``, early stopping
on, so validation runs as in a real fit) for three epochs: epoch 1 warms up
and counts the FLOP of the matrix products and the dropout draws of each phase
(a ``TorchDispatchMode``, which slows that epoch), epoch 2 runs under
``torch.profiler``, epoch 3 runs unprofiled (skorch's ``dur``, to show the
profiler's overhead). Cases: Mult-VAE, Mult-DAE and CDAE
on T1 and S1 (S1 passes its validation users as ``X_val`` / ``y_val``);
U-/I-AutoRec and DeepRec on R1; RecVAE and ELSA on T1 and S1; SVAE on Q1
(``--cases`` picks some).

The profiled epoch's wall time is split into parts by what each profiler event
is (its own, "self" time) and what encloses it:

* **data loading**: the ``DataLoader``'s ``__next__`` (slicing the CSR rows,
  user ids, tensors), less densification;
* **densification**: CSR → dense (``toarray``, ``to_dense``);
* **GEMM**: matrix products (``mm``, ``addmm``, ``bmm``, ``embedding_bag``,
  sparse products), forward and backward;
* **dropout / noise**: drawing and applying input dropout (``bernoulli_``,
  the scaling), forward and backward;
* **softmax / loss**: everything inside ``get_loss`` (log-softmax, the
  multinomial / BCE / masked-MSE terms, KL, CDAE's negative sampling) and
  its backward;
* **element-wise / other**: activations, normalisation, bias copies inside
  ``addmm``, gradient accumulation;
* **optimizer**: ``optimizer.step`` and ``zero_grad``;
* **Python / skorch**: time between traced ops (skorch's loop, module calls);
* **validation pass**: skorch's validation-loss pass over the validation rows;
* **callbacks**: every callback (NDCG@100 scoring of the validation users,
  early stopping, LR schedule, the divergence guard's ``loss.item()``).

Floors, from rates measured in the same run just before each case (float32
matmul of two 2048 × 2048 matrices; ``Tensor.copy_`` of 256 MiB, counted as
bytes read + written per second): GEMM = its FLOP (the profiler's count) at the
matmul rate (torch's FLOP formulas; a sparse operand counts 2 FLOP per stored
entry and output column); densification = the dense bytes written; data loading = the
sliced CSR bytes read and written; dropout = reading and writing the dense
input once (a fused mask; drawing only on the nonzeros would be lower still);
softmax / loss = reading the logits and targets and writing the gradient once;
optimizer = reading the parameters, gradients and state and writing the
parameters and state once per step (Adam: 7 arrays); validation pass and
callbacks = their GEMM FLOP plus their dense bytes. Element-wise work and
Python have no floor stated ("–"). Writes
``benchmarks/results/<out>.{md,json}``.
"""

import argparse
import contextlib
import functools
import os
import platform
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from _common import environment, matmul_rate, write_results
from skorch import NeuralNet
from torch.optim.optimizer import register_optimizer_step_post_hook
from torch.profiler import ProfilerActivity, profile, record_function
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

from sklearn_recae import CDAE, ELSA, SVAE, AutoRec, DeepRec, MultDAE, MultVAE, RecVAE
from sklearn_recae._protocols import split_q1, split_r1, split_s1, split_t1
from sklearn_recae.datasets import fetch_movielens

EPOCHS = 3  # warm-up (FLOP counted), profiled, unprofiled
COUNTED = 1
PROFILED = 2
CASES = {
    "MultVAE T1": (MultVAE, "T1", {}),
    "MultVAE S1": (MultVAE, "S1", {}),
    "MultDAE T1": (MultDAE, "T1", {}),
    "MultDAE S1": (MultDAE, "S1", {}),
    "CDAE T1": (CDAE, "T1", {}),
    "CDAE S1": (CDAE, "S1", {}),
    "AutoRec item R1": (AutoRec, "R1", {"variant": "item"}),
    "AutoRec user R1": (AutoRec, "R1", {"variant": "user"}),
    "DeepRec R1": (DeepRec, "R1", {}),
    "RecVAE T1": (RecVAE, "T1", {}),
    "RecVAE S1": (RecVAE, "S1", {}),
    "ELSA T1": (ELSA, "T1", {}),
    "ELSA S1": (ELSA, "S1", {}),
    "SVAE Q1": (SVAE, "Q1", {}),
}
PARTS = (
    "data loading",
    "densification",
    "GEMM",
    "dropout / noise",
    "softmax / loss",
    "element-wise / other",
    "optimizer",
    "Python / skorch",
    "validation pass",
    "callbacks",
)
GEMM_OPS = {
    "aten::mm",
    "aten::addmm",
    "aten::bmm",
    "aten::baddbmm",
    "aten::addbmm",
    "aten::mv",
    "aten::addmv",
    "aten::dot",
    "aten::embedding_bag",
    "aten::_embedding_bag",
    "aten::_embedding_bag_forward_only",
    "aten::_embedding_bag_backward",
    "aten::_embedding_bag_dense_backward",
    "aten::_embedding_bag_sparse_backward",
    "aten::_embedding_bag_per_sample_weights_backward",
    "aten::_sparse_mm",
    "aten::_sparse_addmm",
    "aten::_sparse_csr_mm",
    "aten::sparse_sampled_addmm",
    "aten::mkldnn_rnn_layer",
    "aten::mkldnn_rnn_layer_backward",
}
DENSIFY_OPS = {"aten::to_dense", "aten::_to_dense", "aten::sparse_to_dense"}
DROPOUT_OPS = {
    "aten::dropout",
    "aten::native_dropout",
    "aten::feature_dropout",
    "aten::alpha_dropout",
    "aten::native_dropout_backward",
}
BACKWARD = "autograd::engine::evaluate_function: "
LOADER = "enumerate(DataLoader)"
OPTIMIZER = ("Optimizer.step#", "Optimizer.zero_grad#")


class Recorder:
    """What the instrumented methods record during the profiled epoch."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.active = False
        self.epoch_of_net = None
        self.phase = "train"
        self.bytes = defaultdict(float)  # (phase, kind) -> bytes
        self.passes = 0
        self.optimizer_steps = 0
        self.wall = None
        self.profiler = None
        self.start = None
        self.counter = None
        self.flops = defaultdict(float)  # phase -> FLOP of matrix products
        self.dropout_bytes = 0.0
        self.counting = False

    def add(self, kind, nbytes):
        if self.active:
            self.bytes[(self.phase, kind)] += nbytes


RECORD = Recorder()
_SPARSE_FORMULAS = {"aten._embedding_bag", "aten._embedding_bag_forward_only"}
_DROPOUT_DRAWS = {"aten.bernoulli_", "aten.bernoulli", "aten.native_dropout"}


class OpCounter(TorchDispatchMode):
    """Counts, per phase, the FLOP of matrix products (torch's FLOP formulas;
    a sparse operand counts 2 FLOP per stored entry and output column) and the
    bytes of the dropout masks drawn in training. Runs in the warm-up epoch:
    the shapes, hence the counts, are those of every epoch."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        packet = func._overloadpacket
        name = str(packet)
        with contextlib.suppress(Exception):  # a count never breaks the fit
            phase = RECORD.phase
            if packet in flop_registry:
                sparse = [
                    a
                    for a in args
                    if torch.is_tensor(a) and a.layout != torch.strided and a.dim() == 2
                ]
                first = out[0] if isinstance(out, tuple) else out
                if sparse:
                    left = sparse[0] is args[-2] if len(args) >= 2 else True
                    width = first.shape[-1] if left else first.shape[0]
                    RECORD.flops[phase] += 2.0 * sparse[0]._nnz() * width
                else:
                    RECORD.flops[phase] += flop_registry[packet](
                        *args, **kwargs, out_val=out
                    )
            elif name in _SPARSE_FORMULAS:  # (weight, indices, ...)
                RECORD.flops[phase] += 2.0 * args[1].numel() * args[0].shape[1]
            elif name in _DROPOUT_DRAWS and phase == "train":
                first = out[0] if isinstance(out, tuple) else out
                RECORD.dropout_bytes += first.numel() * first.element_size()
        return out


def _wrap(cls, name, wrapper):
    original = cls.__dict__[name]
    setattr(cls, name, functools.wraps(original)(wrapper(original)))


def _nets():
    seen, stack = [], [NeuralNet]
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.append(cls)
            stack.extend(cls.__subclasses__())
    return seen


def _labelled(label):
    def wrapper(original):
        def method(self, *args, **kwargs):
            with record_function(label):
                return original(self, *args, **kwargs)

        return method

    return wrapper


def _notify(original):
    def notify(self, method_name, **kwargs):
        epoch = len(self.history) + (method_name == "on_epoch_begin")
        if method_name == "on_epoch_begin" and epoch == COUNTED and not RECORD.counter:
            RECORD.counter = OpCounter()
            RECORD.counter.__enter__()
            RECORD.counting = True
        starting = method_name == "on_epoch_begin" and epoch == PROFILED
        if starting and not RECORD.active:
            RECORD.profiler = profile(
                activities=[ProfilerActivity.CPU]
            )  # record_shapes would hold ~25 kB per op (GBs for DeepRec)
            RECORD.profiler.start()
            RECORD.active = True
            RECORD.start = time.perf_counter()
        previous, RECORD.phase = RECORD.phase, "callbacks"
        try:
            with record_function(f"recae::callbacks::{method_name}"):
                result = original(self, method_name, **kwargs)
        finally:
            RECORD.phase = previous
        if method_name == "on_epoch_end" and RECORD.counting:
            RECORD.counter.__exit__(None, None, None)
            RECORD.counting = False
        if method_name == "on_epoch_end" and RECORD.active and RECORD.wall is None:
            RECORD.wall = time.perf_counter() - RECORD.start
            RECORD.profiler.stop()
            RECORD.active = False
        return result

    return notify


def _run_single_epoch(original):
    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        previous = RECORD.phase
        RECORD.phase = "train" if training else "valid"
        if training and RECORD.active:
            RECORD.passes += 1
        try:
            label = "recae::train" if training else "recae::valid"
            with record_function(label):
                return original(self, iterator, training, prefix, step_fn, **fit_params)
        finally:
            RECORD.phase = previous

    return run_single_epoch


def _get_loss(original):
    def get_loss(self, y_pred, y_true, *args, **kwargs):
        first = y_pred[0] if isinstance(y_pred, tuple) else y_pred
        if kwargs.get("training") and torch.is_tensor(first) and first.numel() > 1:
            RECORD.add("logits", first.numel() * first.element_size())
        with record_function("recae::loss"):
            return original(self, y_pred, y_true, *args, **kwargs)

    return get_loss


def _toarray(original):
    def toarray(self, *args, **kwargs):
        with record_function("recae::densify"):
            dense = original(self, *args, **kwargs)
        RECORD.add("dense", dense.nbytes)
        RECORD.add("sparse", self.nnz * (self.data.itemsize + self.indices.itemsize))
        return dense

    return toarray


def _optimizer_step(optimizer, args, kwargs):
    """Bytes an ideal fused step moves: params, grads and state read, params and
    state written, for the parameters that have a gradient."""
    if not RECORD.active:
        return
    RECORD.optimizer_steps += 1
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.grad is None:
                continue
            state = optimizer.state.get(p, {})
            n_state = sum(
                1 for v in state.values() if torch.is_tensor(v) and v.shape == p.shape
            )
            RECORD.add("optimizer", p.numel() * p.element_size() * (3 + 2 * n_state))


def instrument():
    """Annotate skorch's loop, the nets' loss and forward, and scipy's toarray."""
    for cls in _nets():
        if "notify" in cls.__dict__:
            _wrap(cls, "notify", _notify)
        if "run_single_epoch" in cls.__dict__ and cls is NeuralNet:
            _wrap(cls, "run_single_epoch", _run_single_epoch)
        if "get_loss" in cls.__dict__:
            _wrap(cls, "get_loss", _get_loss)
        if "infer" in cls.__dict__:
            _wrap(cls, "infer", _labelled("recae::forward"))
        if "train_step_single" in cls.__dict__:
            _wrap(cls, "train_step_single", _labelled("recae::step"))
    for cls in (sp.csr_matrix, sp.csr_array):
        cls.toarray = _toarray(cls.toarray)
    register_optimizer_step_post_hook(_optimizer_step)


def copy_rate(n_bytes=256 * 2**20, repeat=5):
    """Best bytes read + written per second of a ``Tensor.copy_`` of ``n_bytes``."""
    src = torch.ones(n_bytes // 4)
    dst = torch.empty_like(src)
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        dst.copy_(src)
        best = min(best, time.perf_counter() - start)
    return 2 * n_bytes / best


def _ancestors(event):
    node = event
    while node is not None:
        yield node
        node = node.cpu_parent


def _phase(event):
    names = [a.name for a in _ancestors(event)]
    if any(n.startswith("recae::callbacks::") for n in names):
        return "callbacks"
    if "recae::valid" in names:
        return "validation pass"
    return "train"


def _training_part(event, forward_parts):
    name = event.name
    if name in GEMM_OPS or ("sparse" in name and "mm" in name and "aten" in name):
        return "GEMM"
    if name in DENSIFY_OPS:
        return "densification"
    for node in _ancestors(event):  # the nearest enclosing context decides
        name = node.name
        if name == "recae::densify":
            return "densification"
        if name.startswith(LOADER):
            return "data loading"
        if name.startswith(OPTIMIZER):
            return "optimizer"
        if name.startswith(BACKWARD):
            part = forward_parts.get(node.sequence_nr, "element-wise / other")
            return "element-wise / other" if part == "GEMM" else part
        if name in DROPOUT_OPS:
            return "dropout / noise"
        if name == "recae::loss":
            return "softmax / loss"
        if name in ("recae::forward", "recae::step", "recae::train"):
            break
    if event.name.startswith("recae::"):
        return "Python / skorch"
    return "element-wise / other"


def classify(events):
    """Seconds per part of the profiled epoch's events, and the top ops of each."""
    threads = defaultdict(int)
    for e in events:
        threads[e.thread] += 1
    main = max(threads, key=threads.get)
    events = [e for e in events if e.thread == main]
    phases = {id(e): _phase(e) for e in events}
    forward_parts = {}
    for e in events:
        in_backward = any(a.name.startswith(BACKWARD) for a in _ancestors(e))
        if phases[id(e)] == "train" and e.sequence_nr >= 0 and not in_backward:
            forward_parts.setdefault(e.sequence_nr, _training_part(e, {}))
    seconds, by_op = defaultdict(float), defaultdict(float)
    for e in events:
        phase = phases[id(e)]
        part = phase if phase != "train" else _training_part(e, forward_parts)
        seconds[part] += e.self_cpu_time_total / 1e6
        by_op[(part, e.name)] += e.self_cpu_time_total / 1e6
    top = defaultdict(list)
    for (part, name), value in sorted(by_op.items(), key=lambda kv: -kv[1]):
        if len(top[part]) < 5:
            top[part].append((name, value))
    return seconds, top


def floors(rate, bandwidth):
    """Seconds each part needs at least, and what the floor counts."""
    b, dropout_bytes = RECORD.bytes, RECORD.dropout_bytes
    flops = {
        "GEMM": RECORD.flops["train"],
        "validation pass": RECORD.flops["valid"],
        "callbacks": RECORD.flops["callbacks"],
    }

    def io(phase):
        return b[(phase, "dense")]

    return {
        "GEMM": (flops["GEMM"] / rate, f"{flops['GEMM'] / 1e9:.1f} GFLOP"),
        "densification": (
            io("train") / bandwidth,
            f"{io('train') / 2**20:.0f} MiB written",
        ),
        "data loading": (
            2 * b[("train", "sparse")] / bandwidth,
            f"{b[('train', 'sparse')] / 2**20:.0f} MiB of CSR sliced",
        ),
        "dropout / noise": (
            2 * dropout_bytes / bandwidth,
            f"{dropout_bytes / 2**20:.0f} MiB read + written",
        ),
        "softmax / loss": (
            3 * b[("train", "logits")] / bandwidth,
            f"3 × {b[('train', 'logits')] / 2**20:.0f} MiB of logits",
        ),
        "optimizer": (
            b[("train", "optimizer")] / bandwidth,
            f"{RECORD.optimizer_steps} steps, "
            f"{b[('train', 'optimizer')] / 2**20:.0f} MiB",
        ),
        "Python / skorch": (0.0, ""),
        "validation pass": (
            flops["validation pass"] / rate + io("valid") / bandwidth,
            f"{flops['validation pass'] / 1e9:.1f} GFLOP + "
            f"{io('valid') / 2**20:.0f} MiB",
        ),
        "callbacks": (
            flops["callbacks"] / rate + io("callbacks") / bandwidth,
            f"{flops['callbacks'] / 1e9:.1f} GFLOP + {io('callbacks') / 2**20:.0f} MiB",
        ),
    }


def load_splits(path, protocols):
    data = fetch_movielens(path)
    ratings = sp.csr_matrix(data.data.astype(np.float32))
    splits = {}
    if "T1" in protocols:
        splits["T1"] = split_t1(ratings, 0)
    if "S1" in protocols:
        splits["S1"] = split_s1(ratings, 98765, 600)
    if "R1" in protocols:
        splits["R1"] = split_r1(ratings, 0)
    if "Q1" in protocols:
        splits["Q1"] = split_q1(data.data, data.timestamps, 12345, 750)
    return splits


def profile_case(name, split, threads):
    cls, protocol, params = CASES[name]
    torch.set_num_threads(threads)
    load_before = os.getloadavg()
    rate, bandwidth = matmul_rate(n=2048), copy_rate()
    RECORD.reset()
    model = cls(random_state=0, max_epochs=EPOCHS, **params)
    fit_kwargs = {}
    if "valid_in" in split:
        fit_kwargs = {"X_val": split["valid_in"], "y_val": split["valid_out"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(split["train"], **fit_kwargs)
        fit_s = time.perf_counter() - start
    seconds, top = classify(RECORD.profiler.events())
    traced = sum(seconds.values())
    seconds["Python / skorch"] += max(RECORD.wall - traced, 0.0)
    limits = floors(rate, bandwidth)
    dur = [float(d) for d in model.history_[:, "dur"]]
    parts = []
    for part in PARTS:
        floor, counts = limits.get(part, (None, ""))
        parts.append(
            {
                "part": part,
                "seconds": seconds.get(part, 0.0),
                "floor_s": floor,
                "floor_counts": counts,
                "top_ops": top.get(part, []),
            }
        )
    row = {
        "case": name,
        "protocol": protocol,
        "shape": list(split["train"].shape),
        "nnz": int(split["train"].nnz),
        "batch_size": model.batch_size,
        "training_passes": RECORD.passes,
        "optimizer_steps": RECORD.optimizer_steps,
        "profiled_epoch_s": RECORD.wall,
        "epoch_dur_s": dur,
        "fit_s": fit_s,
        "floor_s": sum(p["floor_s"] or 0.0 for p in parts),
        "matmul_gflops": rate / 1e9,
        "copy_gbps": bandwidth / 1e9,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "parts": parts,
    }
    print(name, f"{RECORD.wall:.2f} s profiled, dur {dur}", flush=True)
    return row


def _s(value):
    if value is None:
        return "–"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def markdown(rows, meta):
    lines = [
        f"## One training epoch per model, profiled ({meta['when']})",
        "",
        f"CPU: {meta['cpu']}; torch {meta['torch']}, {meta['threads']} threads "
        f"(OMP_NUM_THREADS={meta['omp']}). Load average (1, 5, 15 min) at the start "
        f"{_load(meta['load_start'])}, at the end {_load(meta['load_end'])}: the "
        "machine is shared, so seconds are inflated and the host's rates below are "
        "measured just before each case.",
        "",
        "Epoch 2 of 3 under `torch.profiler` (epoch 1 warms up and counts FLOP, so "
        "its `dur` is inflated; `dur` gives skorch's epoch times, epoch 3 "
        "unprofiled). Part seconds are profiler self times and "
        "sum to the profiled epoch; floors at the rates measured just before the "
        "case (see the script's docstring for what each floor counts).",
        "",
        "| case | users × items (nnz) | batch | epoch (profiled) "
        "| skorch dur 1 / 2 / 3 | floor | × floor | matmul GFLOP/s | copy GB/s "
        "| load 1 min |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['shape'][0]} × {r['shape'][1]} ({r['nnz']}) | "
            f"{r['batch_size']} | {r['profiled_epoch_s']:.2f} s | "
            + " / ".join(f"{d:.2f}" for d in r["epoch_dur_s"])
            + f" s | {r['floor_s']:.3f} s | "
            f"{r['profiled_epoch_s'] / max(r['floor_s'], 1e-9):.1f} | "
            f"{r['matmul_gflops']:.0f} | {r['copy_gbps']:.1f} | "
            f"{r['load_before'][0]:.1f} |"
        )
    lines += [
        "",
        "### Parts (seconds in the profiled epoch; floor; what the floor counts)",
        "",
        "| case | " + " | ".join(PARTS) + " |",
        "|---|" + "---|" * len(PARTS),
    ]
    for r in rows:
        cells = []
        for p in r["parts"]:
            floor = "" if p["floor_s"] is None else f" ({_s(p['floor_s'])})"
            cells.append(f"{_s(p['seconds'])}{floor}")
        lines.append(f"| {r['case']} | " + " | ".join(cells) + " |")
    lines += ["", "Floor counts per case:", ""]
    for r in rows:
        counts = "; ".join(
            f"{p['part']}: {p['floor_counts']}" for p in r["parts"] if p["floor_counts"]
        )
        lines.append(f"- {r['case']}: {counts}.")
    lines += [
        "",
        "Element-wise work and Python carry no floor; `(0.000)` means under a "
        "millisecond. Regenerate: `OMP_NUM_THREADS=2 python "
        f"benchmarks/profile_epochs.py --data ../shared/data/ml-1m/ratings.csv.gz "
        f"{_cases_option(meta)}--out {meta['out']}`.",
    ]
    return "\n".join(lines)


def _cases_option(meta):
    """``--cases ...`` when the run profiled only some cases."""
    cases = meta.get("cases", list(CASES))
    if list(cases) == list(CASES):
        return ""
    return "--cases " + " ".join(f'"{case}"' for case in cases) + " "


def _load(load):
    return " / ".join(f"{v:.1f}" for v in load)


def _cpu_model():
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="ML-1M ratings file")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="profile_epochs_before")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    instrument()
    meta = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "cpu": _cpu_model(),
        "torch": torch.__version__,
        "threads": args.threads,
        "omp": os.environ.get("OMP_NUM_THREADS", "unset"),
        "load_start": os.getloadavg(),
        "out": args.out,
        "cases": args.cases,
    }
    splits = load_splits(args.data, {CASES[c][1] for c in args.cases})
    rows = [profile_case(c, splits[CASES[c][1]], args.threads) for c in args.cases]
    meta["load_end"] = os.getloadavg()
    write_results(
        Path(__file__).parent / "results",
        args.out,
        {"environment": environment(), "meta": meta, "rows": rows},
        markdown(rows, meta),
    )


if __name__ == "__main__":
    main()
