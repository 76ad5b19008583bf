import os
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pytest

from sklearn_recae._cli import main


def test_demo_prints_a_results_table(capsys):
    argv = ["demo", "--users", "400", "--items", "80", "--seed", "1", "--families"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "NDCG@100" in out and "popularity" in out and "EASE(l2=" in out


def test_unknown_command_exits_with_usage(capsys):
    with pytest.raises(SystemExit):
        main(["train"])
    assert "invalid choice" in capsys.readouterr().err


FAST = ["--param", "max_epochs=2", "--users", "300", "--items", "150"]


@pytest.mark.parametrize(
    "models, protocol, metric",
    [
        (["ease", "multdae", "cdae"], "T1", "NDCG@100"),
        (["ease", "multvae"], "S1", "R@20"),
        (["edlae", "elsa", "recvae"], "S1", "NDCG@100"),
        (["recvae", "edlae"], "T1", "P@10"),
        (["svae", "ease"], "Q1", "NDCG@10"),
        (["autorec-user", "deeprec"], "R1", "RMSE"),
        (["autorec-item"], "R2", "RMSE"),
    ],
)
def test_benchmark_every_protocol_on_synthetic_data(
    tmp_path, capsys, models, protocol, metric
):
    import json

    out = tmp_path / "results.json"
    argv = ["benchmark", "--models", *models, "--protocol", protocol, *FAST]
    assert main([*argv, "--out", str(out)]) == 0
    assert metric in capsys.readouterr().out
    results = json.loads(out.read_text())
    assert [r["model"] for r in results] == models
    assert all(0 <= r[metric] <= (5 if metric == "RMSE" else 1) for r in results)


def test_benchmark_help_lists_every_model(capsys):
    from sklearn_recae._cli import _FAMILIES

    with pytest.raises(SystemExit):
        main(["benchmark", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(name in text for name in _FAMILIES)
    assert "ranking: ease, edlae, elsa, multvae, multdae, recvae, cdae" in text


@pytest.mark.parametrize("protocol", ["S1", "Q1"])
def test_benchmark_early_stops_on_the_protocols_validation_users(monkeypatch, protocol):
    # S1 and Q1 hold out validation users; models that early-stop get them as
    # fit(X_val=..., y_val=...) instead of carving their own out of training.
    import sklearn_recae
    from sklearn_recae._cli import run_benchmark
    from sklearn_recae.datasets import make_interactions

    seen = []
    fit = sklearn_recae.RecVAE.fit

    def spy(self, X, y=None, *, X_val=None, y_val=None):
        seen.append((X_val, y_val))
        return fit(self, X, y, X_val=X_val, y_val=y_val)

    monkeypatch.setattr(sklearn_recae.RecVAE, "fit", spy)
    bunch = make_interactions(
        n_users=300, n_items=150, return_bunch=True, random_state=0
    )
    args = ("recvae", protocol, bunch.ratings, bunch.timestamps)
    result = run_benchmark(*args, params={"max_epochs": 1}, n_heldout=10)
    ((X_val, y_val),) = seen
    assert X_val.shape[0] == y_val.shape[0] == 10 and y_val.nnz > 0
    assert 0 <= result["NDCG@100"] <= 1

    seen.clear()  # without early stopping there is nothing to pass them to
    params = {"max_epochs": 1, "early_stopping": False}
    run_benchmark(*args, params=params, n_heldout=10)
    assert seen == [(None, None)]


def test_benchmark_writes_a_chart(tmp_path):
    pytest.importorskip("matplotlib")
    chart = tmp_path / "chart.png"
    assert main(["benchmark", "--plot", str(chart), *FAST[2:]]) == 0
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_benchmark_refuses_a_model_under_the_wrong_protocol(capsys):
    assert main(["benchmark", "--models", "deeprec", "--protocol", "T1", *FAST]) == 2
    assert "rating model: run it under R1 or R2" in capsys.readouterr().err


def test_benchmark_refuses_a_parameter_no_model_has(capsys):
    assert main(["benchmark", "--param", "max_epochs=2", *FAST[2:]]) == 2
    assert "no model of ['ease'] has a parameter 'max_epochs'" in (
        capsys.readouterr().err
    )


def test_demo_runs_families_under_their_protocols(tmp_path, capsys):
    chart = tmp_path / "demo.png"
    argv = ["demo", "--users", "400", "--items", "150", "--families", "ease"]
    assert main([*argv, "autorec-user", "--plot", str(chart)]) == 0
    out = capsys.readouterr().out
    assert "protocol S1" in out and "protocol Q1" in out and "protocol R1" in out
    assert "RMSE" in out and "autorec-user" in out
    if chart.exists():  # matplotlib is optional
        assert chart.read_bytes()[:4] == b"\x89PNG"


# MovieLens files as GroupLens ships them (issue 14, item 6), tiny and synthetic.


def _ml_triples(n_users=60, n_items=40, per_user=15, seed=0):
    rng = np.random.RandomState(seed)
    rows = []
    for user in range(1, n_users + 1):
        for item in rng.choice(n_items, per_user, replace=False) + 1:
            rating = rng.choice([1, 2, 3, 4, 5], p=[0.05, 0.05, 0.2, 0.35, 0.35])
            rows.append((user, int(item), rating, 880000000 + rng.randint(10**7)))
    return rows


def _write_ml(tmp_path, layout):
    rows = _ml_triples()
    if layout == "u.data":
        path = tmp_path / "u.data"
        path.write_text("".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows))
    elif layout == "ratings.dat":
        path = tmp_path / "ratings.dat"
        path.write_text("".join(f"{u}::{i}::{r}::{t}\n" for u, i, r, t in rows))
    else:
        text = "userId,movieId,rating,timestamp\n" + "".join(
            f"{u},{i},{r:.1f},{t}\n" for u, i, r, t in rows
        )
        if layout == "ratings.csv":
            path = tmp_path / "ratings.csv"
            path.write_text(text)
        else:
            path = tmp_path / "ml-latest-small.zip"
            with zipfile.ZipFile(path, "w") as zf:
                zf.writestr("ml-latest-small/ratings.csv", text)
                zf.writestr("ml-latest-small/movies.csv", "movieId,title\n")
    return path


@pytest.mark.parametrize(
    "layout", ["u.data", "ratings.dat", "ratings.csv", "ml-latest-small.zip"]
)
@pytest.mark.parametrize("protocol", ["S1", "Q1"])
def test_benchmark_reads_grouplens_files_with_few_heldout_users(
    tmp_path, capsys, layout, protocol
):
    # Before: u.data was refused ("download it again") and S1/Q1 needed 1,200+
    # users after filtering, so none of these 60-user files could run.
    pytest.importorskip("pandas")
    path = _write_ml(tmp_path, layout)
    argv = ["benchmark", "--data", str(path), "--protocol", protocol]
    assert main([*argv, "--n-heldout", "5"]) == 0
    out = capsys.readouterr().out
    assert "60 users x" in out and "5 validation and 5 test users" in out
    assert "NDCG@100" in out and "ease" in out


def test_benchmark_suggests_n_heldout_when_data_is_too_small(tmp_path, capsys):
    pytest.importorskip("pandas")
    path = _write_ml(tmp_path, "u.data")
    assert main(["benchmark", "--data", str(path), "--protocol", "S1"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.count("\n") == 1
    assert "cannot hold out 2 x 600 users" in captured.err
    assert "--n-heldout" in captured.err


def test_benchmark_refuses_n_heldout_under_entry_protocols(capsys):
    assert main(["benchmark", "--protocol", "T1", "--n-heldout", "5"]) == 2
    assert "--n-heldout sets the validation and test users of S1 and Q1" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_benchmark_n_heldout_must_be_a_positive_integer(capsys, value):
    with pytest.raises(SystemExit):
        main(["benchmark", "--protocol", "S1", "--n-heldout", value])
    assert "needs a positive integer" in capsys.readouterr().err


def _bad_file(tmp_path, case):
    if case == "missing file":
        return tmp_path / "nowhere" / "u.data", "neither a MovieLens release"
    path = tmp_path / {"text ratings": "u.data", "empty": "ratings.dat"}.get(
        case, "ratings.csv"
    )
    if case == "text ratings":
        path.write_text("1\t2\tfive\t100\n")
        return path, "Could not read MovieLens ratings"
    if case == "empty":
        path.write_text("")
        return path, "is empty"
    path.write_text("user,item,score\n1,2,3\n")
    return path, "expected the header"


@pytest.mark.parametrize("case", ["missing file", "text ratings", "empty", "header"])
def test_benchmark_bad_files_give_one_line_errors(tmp_path, capsys, case):
    pytest.importorskip("pandas")
    path, message = _bad_file(tmp_path, case)
    assert main(["benchmark", "--data", str(path), "--protocol", "S1"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_benchmark_offline_creates_no_cache_folder(tmp_path, capsys, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    home = tmp_path / "cache" / "recae"
    monkeypatch.setenv("SKLEARN_RECAE_DATA", str(home))
    assert main(["benchmark", "--data", "100k", "--protocol", "S1"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert "ml-100k.zip" in captured.err and "downloading it failed" in captured.err
    assert os.listdir(tmp_path) == []


def test_benchmark_unwritable_output_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "missing-folder" / "results.json"
    assert main(["benchmark", *FAST[2:], "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert "NDCG@100" in captured.out  # the table is printed before
    assert captured.err.startswith("error: ") and "results.json" in captured.err
    assert captured.err.count("\n") == 1
