"""Epochs, validation passes and EASE fits: ours beside RecBole, Cornac and RecPack.

Usage (after ``bash benchmarks/peers/setup.sh``; or ``make benchmark-peers``)::

    python benchmarks/peers/run.py --data ../shared/data/ml-1m/ratings.csv.gz

Builds ML-1M T1 and S1 with the package's protocol functions and writes them
as ``.npz`` files; every case (system, model, split) then runs in its own
process (``cases.py``) in that system's virtual environment, ours in this
interpreter with this checkout on ``PYTHONPATH``. All cases run twice, the
second pass in the opposite order, so drifts in the machine's load hit both
sides alike. Settings shared by all systems: Liang et al.'s architecture
(600-unit hidden layer, 200-d code; CDAE a 200-unit hidden layer and the
all-items loss), batch 500 (CDAE 256), one warm-up epoch then ``--epochs``
timed ones, ``OMP_NUM_THREADS`` = torch threads = ``--threads``.

* T1: every user trains on 95% of their T1 training entries; the other 5% is
  the validation fold-out, the 95% the fold-in (RecBole needs a validation
  file; the same one serves every system).
* S1: training users train; the 600 validation users' fold-in / fold-out is
  validated (RecBole adds the validation users' fold-in to its training
  history, so its epoch covers 5,434 users, not 4,834; Cornac's VAECF cannot
  score users it was not trained on).
* A validation pass is each system's own per-epoch validation: ours
  ``score(X_val, y_val)`` (NDCG@100), RecBole ``_valid_epoch`` (NDCG@100, 500
  users a batch), RecPack ``_evaluate`` (its stopping criterion, NDCG), Cornac
  ``ranking_eval`` with NDCG@100.
* ours runs with the models' default ``precision='auto'`` (bfloat16 training
  where a bfloat16 matrix product measures at least 2x faster than float32,
  e.g. CPUs with AMX), ours (float32) with ``precision='float32'``.
* EASE: the fit on the training matrix (λ = 500) beside a float64
  ``numpy.linalg.inv`` solve timed in the same process (RecBole's and
  RecPack's environments have numpy 1.26, whose OpenBLAS lacks this CPU's
  kernels: compare fit / reference across systems, not seconds alone).

``--from-json benchmarks/results/peers.json`` rewrites the table of a saved
run without timing anything. Writes ``benchmarks/results/peers.{md,json}``:
per case the best of the two
passes (median of the timed epochs within a pass), both passes, ratios to
ours, and the machine's state (CPU, threads, load average before and after
every case).
"""

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SYSTEMS = ("ours", "ours-f32", "recbole", "cornac", "recpack")
NAMES = {
    "ours": "ours",
    "ours-f32": "ours (float32)",
    "recbole": "RecBole",
    "cornac": "Cornac",
    "recpack": "RecPack",
}
MODELS = ("multvae", "multdae", "cdae", "ease")
MODEL_NAMES = {
    "multvae": "Mult-VAE",
    "multdae": "Mult-DAE",
    "cdae": "CDAE",
    "ease": "EASE",
}
PEER_MODELS = {  # what each peer has (its class name)
    "recbole": {
        "multvae": "MultiVAE",
        "multdae": "MultiDAE",
        "cdae": "CDAE",
        "ease": "EASE",
    },
    "cornac": {"multvae": "VAECF", "ease": "EASE (posB=False)"},
    "recpack": {"multvae": "MultVAE", "ease": "EASE"},
    "ours": {m: MODEL_NAMES[m] for m in MODELS},
    # the neural models with precision="float32" (ours uses its default, "auto")
    "ours-f32": {m: MODEL_NAMES[m] for m in MODELS if m != "ease"},
}
PACKAGES = {"recbole": "recbole", "cornac": "cornac", "recpack": "recpack"}


def build_splits(data_path, directory):
    sys.path.insert(0, str(REPO))
    from sklearn_recae._protocols import split_s1, split_t1
    from sklearn_recae.datasets import fetch_movielens
    from sklearn_recae.model_selection import holdout_split

    ratings = sp.csr_matrix(fetch_movielens(data_path).data.astype(np.float32))
    t1 = split_t1(ratings, 0)["train"]
    fold_in, fold_out = holdout_split(t1, 0.05, random_state=1)
    s1 = split_s1(ratings, 98765, 600)
    splits = {
        "T1": {"train": fold_in, "valid_in": fold_in, "valid_out": fold_out},
        "S1": {k: s1[k] for k in ("train", "valid_in", "valid_out")},
    }
    shapes = {}
    for name, split in splits.items():
        (directory / name).mkdir(parents=True, exist_ok=True)
        for part, X in split.items():
            sp.save_npz(directory / name / f"{part}.npz", sp.csr_matrix(X))
        shapes[name] = {
            "train": list(split["train"].shape),
            "train_nnz": int(split["train"].nnz),
            "valid_users": int((np.diff(split["valid_out"].indptr) > 0).sum()),
        }
    return shapes


def peer_status(venvs):
    status = {}
    for system in PACKAGES:
        python = venvs / system / "bin" / "python"
        installed = venvs / f"{system}.installed"
        failed = venvs / f"{system}.failed"
        if python.exists() and installed.exists():
            pins = [
                line.strip()
                for line in installed.read_text().splitlines()
                if line.split("==")[0].lower() in (system, "numpy", "torch")
            ]
            status[system] = {"python": str(python), "installed": ", ".join(pins)}
        elif failed.exists():
            status[system] = {"error": "install failed: " + failed.read_text()[-400:]}
        else:
            status[system] = {
                "error": f"no environment at {venvs / system}: run "
                "bash benchmarks/peers/setup.sh"
            }
    return status


def run_case(system, model, split, args, status, data_dir):
    if system.startswith("ours"):
        python = sys.executable
    elif "python" in status.get(system, {}):
        python = status[system]["python"]
    else:
        return {"error": status[system]["error"]}
    env = dict(os.environ)
    threads = str(args.threads)
    env.update(
        OMP_NUM_THREADS=threads,
        MKL_NUM_THREADS=threads,
        OPENBLAS_NUM_THREADS=threads,
        TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD="1",  # RecBole / RecPack checkpoints
        PYTHONHASHSEED="0",
    )
    if system.startswith("ours"):
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO), *filter(None, [env.get("PYTHONPATH")])]
        )
    else:
        env.pop("PYTHONPATH", None)
    command = [
        python,
        str(HERE / "cases.py"),
        f"--system={system}",
        f"--model={model}",
        f"--split={split}",
        f"--data={data_dir / split}",
        f"--epochs={args.epochs}",
    ]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            env=env,
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
            timeout=args.timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout} s"}
    wall = time.perf_counter() - start
    for line in reversed(done.stdout.strip().splitlines()):
        with contextlib.suppress(json.JSONDecodeError):
            result = json.loads(line)
            if isinstance(result, dict):
                result["process_s"] = wall
                return result
    tail = (done.stderr or done.stdout).strip().splitlines()[-6:]
    return {"error": f"exit {done.returncode}: " + " | ".join(tail)}


def summarise(results):
    """Per case: the best pass (median epoch within a pass), both passes."""
    summary = {}
    for key, passes in results.items():
        entry = {"passes": passes}
        for field, reduce in (("epoch_s", np.median), ("valid_s", np.min)):
            values = [reduce(p[field]) for p in passes if p.get(field)]
            if values:
                entry[field] = float(min(values))
                entry[f"{field}_passes"] = [float(v) for v in values]
        for field in ("ease_s", "numpy_inv_f64_s"):
            values = [p[field] for p in passes if field in p]
            if values:
                entry[field] = float(min(values))
                entry[f"{field}_passes"] = values
        if "ease_s" in entry:
            ratios = [
                p["ease_s"] / p["numpy_inv_f64_s"]
                for p in passes
                if "ease_s" in p and "numpy_inv_f64_s" in p
            ]
            entry["ease_over_numpy"] = float(min(ratios))
        errors = [p.get("error") or p.get("skipped") for p in passes]
        if not any(k in entry for k in ("epoch_s", "ease_s")) and any(errors):
            entry["error"] = next(e for e in errors if e)
        entry["rows"] = next((p["rows"] for p in passes if "rows" in p), None)
        entry["precision"] = next(
            (p["precision"] for p in passes if "precision" in p), None
        )
        summary[key] = entry
    return summary


UNSTABLE = 1.5  # passes further apart than this are flagged


def _cell(entry, field):
    if entry is None:
        return "n/a"
    if field not in entry:
        return "–" if "error" not in entry else "failed"
    values = entry[f"{field}_passes"]
    passes = " / ".join(f"{v:.2f}" for v in values)
    flag = " †" if max(values) > UNSTABLE * min(values) else ""
    return f"{entry[field]:.2f} ({passes}){flag}"


def _our_precision(summary):
    seen = {
        entry["precision"]
        for (system, model, _), entry in summary.items()
        if system == "ours" and model != "ease" and entry.get("precision")
    }
    return " / ".join(sorted(seen)) or "?"


def _ratio(entry, ours, field):
    if not entry or not ours or field not in entry or field not in ours:
        return "–"
    return f"{entry[field] / ours[field]:.2f}×"


def markdown(summary, meta, shapes, status):
    lines = [
        f"## Peers beside ours on ML-1M ({meta['when']})",
        "",
        f"Machine: {meta['cpu']}, {meta['cores']} cores, {meta['threads']} threads "
        f"(OMP_NUM_THREADS = torch threads). Load average (1 / 5 / 15 min): "
        f"{_load(meta['load_start'])} at the start, {_load(meta['load_end'])} at "
        f"the end; per case from {meta['load_min']:.1f} to {meta['load_max']:.1f} "
        "(1 min). The machine is shared: seconds are inflated; compare the ratios, "
        "measured in one run with the cases alternating.",
        "",
        f"Each case in its own process, two passes in opposite order; a cell is the "
        f"better pass (pass 1 / pass 2 in brackets); an epoch is the median of "
        f"{meta['epochs']} timed epochs after one warm-up epoch. Ratios are the "
        "system's seconds over ours (above 1: ours is faster).",
        "",
        "Systems: " + "; ".join(_status_line(s, status) for s in PACKAGES) + ".",
        "",
        "ours: the models' default precision='auto', which here trained in "
        + _our_precision(summary)
        + "; ours (float32): the same with precision='float32' (see "
        "benchmarks/results/precision.md for the accuracy of each).",
        "",
        "Splits: "
        + "; ".join(
            f"{name} {s['train'][0]} × {s['train'][1]} training ({s['train_nnz']} "
            f"entries), {s['valid_users']} validation users"
            for name, s in shapes.items()
        )
        + ".",
        "",
    ]
    for title, field in (
        ("Training epoch (s)", "epoch_s"),
        ("Validation pass (s)", "valid_s"),
    ):
        lines += [
            f"### {title}",
            "",
            "| split | model | "
            + " | ".join(NAMES[s] for s in SYSTEMS)
            + " | "
            + " | ".join(f"{NAMES[s]} / ours" for s in SYSTEMS[1:])
            + " |",
            "|---" * (2 * len(SYSTEMS) + 1) + "|",
        ]
        for split in _splits_run(summary):
            for model in MODELS[:-1]:
                if ("ours", model, split) not in summary:
                    continue
                entries = {s: summary.get((s, model, split)) for s in SYSTEMS}
                ours = entries["ours"]
                lines.append(
                    f"| {split} | {MODEL_NAMES[model]} | "
                    + " | ".join(_cell(entries[s], field) for s in SYSTEMS)
                    + " | "
                    + " | ".join(_ratio(entries[s], ours, field) for s in SYSTEMS[1:])
                    + " |"
                )
        lines.append("")
    if not any(key[1] == "ease" for key in summary):
        return _notes(lines, summary, meta)
    lines += [
        "### EASE fit (s), with a float64 `numpy.linalg.inv` solve in the same process",
        "",
        "| split | system | fit | numpy f64 inv | fit / numpy inv | fit / ours |",
        "|---|---|---|---|---|---|",
    ]
    for split in _splits_run(summary):
        ours = summary.get(("ours", "ease", split))
        for system in SYSTEMS:
            entry = summary.get((system, "ease", split))
            if entry is None:
                continue
            if "ease_s" not in entry:
                lines.append(f"| {split} | {NAMES[system]} | failed | – | – | – |")
                continue
            lines.append(
                f"| {split} | {NAMES[system]} | {_cell(entry, 'ease_s')} | "
                f"{_cell(entry, 'numpy_inv_f64_s')} | {entry['ease_over_numpy']:.2f} | "
                f"{_ratio(entry, ours, 'ease_s')} |"
            )
    return _notes(lines, summary, meta)


def _notes(lines, summary, meta):
    notes = []
    for (system, model, split), entry in sorted(summary.items()):
        if "error" in entry:
            notes.append(f"- {NAMES[system]} {model} {split}: {entry['error']}")
    if notes:
        lines += ["", "Cases without a result:", "", *notes]
    lines += [
        "",
        f"†: the two passes differ by more than {UNSTABLE}×: the host switched "
        "between its normal state and its thread-stall state (MACHINE.md: every "
        "parallel torch op takes a flat ~8 ms) during the run, so that ratio "
        "compares the two states, not the systems; trust the rows without †.",
        "",
        "`n/a`: the peer has no such model (Cornac's CDAE needs TensorFlow; "
        "RecPack has neither Mult-DAE nor CDAE); `–`: not measured (Cornac's "
        "VAECF scores only its training users, so it has no S1 validation pass).",
        "",
        f"Regenerate: `{meta['command']}` (after `bash benchmarks/peers/setup.sh`).",
    ]
    return "\n".join(lines)


def _splits_run(summary):
    return [split for split in ("T1", "S1") if any(k[2] == split for k in summary)]


def _status_line(system, status):
    s = status[system]
    if "installed" in s:
        return f"{NAMES[system]} installed ({s['installed']})"
    return f"{NAMES[system]} not run ({s['error']})"


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
    parser.add_argument("--venvs", default=str(HERE / ".venvs"))
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per case")
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS))
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--splits", nargs="+", default=["T1", "S1"])
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    parser.add_argument(
        "--from-json", help="rewrite the markdown of a saved run (peers.json)"
    )
    args = parser.parse_args()
    if args.from_json:
        return rewrite(Path(args.from_json), Path(args.out))
    status = peer_status(Path(args.venvs))
    meta = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "threads": args.threads,
        "epochs": args.epochs,
        "load_start": os.getloadavg(),
        "command": "python benchmarks/peers/run.py --data "
        "../shared/data/ml-1m/ratings.csv.gz",
    }
    cases = [
        (system, model, split)
        for split in args.splits
        for model in args.models
        for system in args.systems
        if model in PEER_MODELS[system]
    ]
    results = {case: [] for case in cases}
    loads = []
    with tempfile.TemporaryDirectory(prefix="peers_") as tmp:
        shapes = build_splits(args.data, Path(tmp))
        for order in (cases, cases[::-1]):
            for case in order:
                loads.append(os.getloadavg()[0])
                result = run_case(*case, args, status, Path(tmp))
                results[case].append(result)
                shown = {
                    k: result[k]
                    for k in ("epoch_s", "valid_s", "ease_s", "error", "skipped")
                    if k in result
                }
                print(*case, json.dumps(shown, default=float), flush=True)
    loads.append(os.getloadavg()[0])
    meta.update(load_end=os.getloadavg(), load_min=min(loads), load_max=max(loads))
    summary = summarise(results)
    sys.path.insert(0, str(REPO / "benchmarks"))
    from _common import write_results

    write_results(
        args.out,
        "peers",
        {
            "meta": meta,
            "splits": shapes,
            "status": status,
            "cases": [
                {"system": s, "model": m, "split": p, **summary[(s, m, p)]}
                for (s, m, p) in cases
            ],
        },
        markdown(summary, meta, shapes, status),
    )


def rewrite(path, out):
    """The markdown of a saved run again (e.g. after changing its layout)."""
    saved = json.loads(path.read_text())
    summary = {
        (c["system"], c["model"], c["split"]): {
            k: v for k, v in c.items() if k not in ("system", "model", "split")
        }
        for c in saved["cases"]
    }
    report = markdown(summary, saved["meta"], saved["splits"], saved["status"])
    (out / "peers.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
