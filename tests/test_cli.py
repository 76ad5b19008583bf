import pytest

from sklearn_recae._cli import main


def test_demo_prints_a_results_table(capsys):
    assert main(["demo", "--users", "400", "--items", "80", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "NDCG@100" in out and "popularity" in out and "EASE(l2=" in out


def test_unknown_command_exits_with_usage(capsys):
    with pytest.raises(SystemExit):
        main(["train"])
    assert "invalid choice" in capsys.readouterr().err
