"""Lazy imports: torch and skorch load only with the neural estimators (issue 14,
item 4)."""

import subprocess
import sys

import pytest

import sklearn_recae

TORCH_FREE = (
    "import sys, sklearn_recae; sklearn_recae.EASE; sklearn_recae.EDLAE; "
    "import sklearn_recae.metrics, sklearn_recae.model_selection, "
    "sklearn_recae.datasets, sklearn_recae.utils, sklearn_recae.exceptions; "
    "from sklearn_recae import EASE, EDLAE; "
    "loaded = [m for m in sys.modules if m.split('.')[0] in ('torch', 'skorch')]; "
    "assert not loaded, loaded"
)


def _run(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )


def test_package_ease_metrics_splitters_do_not_import_torch():
    result = _run(TORCH_FREE)
    assert result.returncode == 0, result.stderr


def test_torch_estimator_import_loads_torch():
    code = (
        "import sys; from sklearn_recae import MultVAE; "
        "assert 'torch' in sys.modules and 'skorch' in sys.modules; "
        "assert MultVAE.__module__ == 'sklearn_recae._multvae'"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr


def test_all_names_resolve_and_are_listed_by_dir():
    names = dir(sklearn_recae)
    for name in sklearn_recae.__all__:
        assert name in names
        assert getattr(sklearn_recae, name) is not None
    assert "nn" in names and sklearn_recae.nn.__name__ == "sklearn_recae.nn"


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchModel'"):
        sklearn_recae.NoSuchModel  # noqa: B018


def test_callbacks_module_is_public_and_lazy():
    code = (
        "import sys, sklearn_recae; assert 'skorch' not in sys.modules; "
        "from sklearn_recae.callbacks import DivergenceGuard, RankingScoring; "
        "assert sklearn_recae.callbacks.__all__ == ['DivergenceGuard', "
        "'RankingScoring']"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
