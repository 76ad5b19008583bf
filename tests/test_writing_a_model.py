"""The docs page "Writing a new model" runs: its Python blocks, in order."""

import re
import textwrap
from pathlib import Path

import numpy as np

PAGE = Path(__file__).resolve().parents[1] / "docs" / "writing_a_model.rst"


def _python_blocks(text):
    """The bodies of the page's ``.. code-block:: python`` directives."""
    blocks = []
    for match in re.finditer(
        r"^\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text, re.M
    ):
        blocks.append(textwrap.dedent(match.group(1)))
    return blocks


def test_worked_example_runs_and_trains_a_recommender(capsys):
    blocks = _python_blocks(PAGE.read_text())
    assert len(blocks) == 3
    namespace = {"__name__": "writing_a_model"}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)
    model, fold_in = namespace["model"], namespace["fold_in"]
    assert model.recommend(fold_in, k=5).shape == (fold_in.shape[0], 5)
    assert 0.0 < model.score(fold_in, namespace["fold_out"]) <= 1.0
    assert model.n_iter_ == len(model.history_[:, "valid_ndcg"])
    assert np.isfinite(model.history_[:, "train_loss"]).all()
    assert "NDCG@100 of the held-out users" in capsys.readouterr().out
