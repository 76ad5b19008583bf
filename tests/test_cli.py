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
