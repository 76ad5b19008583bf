"""The public exceptions and warnings module (issue 14, item 3 and B4)."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import sklearn_recae

_MODULE = Path(sklearn_recae.__file__).with_name("exceptions.py")

_STANDALONE = f"""
import importlib.util, sys, warnings
spec = importlib.util.spec_from_file_location("exceptions", {str(_MODULE)!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print("torch imported:", "torch" in sys.modules)
warnings.warn("the GPU solve fell back to the CPU", module.RecaeWarning)
"""


def test_module_imports_no_torch_and_its_warning_shows_by_default():
    """Issue 14, B4: the fallback warned with ResourceWarning, which Python
    hides by default. The module runs on its own (no package import, no
    torch), under Python's default warning filters."""
    result = subprocess.run(
        [sys.executable, "-c", _STANDALONE],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "torch imported: False"
    assert "RecaeWarning: the GPU solve fell back to the CPU" in result.stderr


def test_public_names_and_their_bases():
    from sklearn_recae import exceptions

    assert sorted(exceptions.__all__) == [
        "DatasetNotFoundError",
        "DivergenceError",
        "InsufficientMemoryError",
        "RecaeWarning",
    ]
    assert issubclass(exceptions.DivergenceError, FloatingPointError)
    assert issubclass(exceptions.InsufficientMemoryError, MemoryError)
    assert issubclass(exceptions.DatasetNotFoundError, FileNotFoundError)
    assert issubclass(exceptions.RecaeWarning, UserWarning)
    for name in exceptions.__all__:
        assert getattr(exceptions, name).__module__ == "sklearn_recae.exceptions"
        assert "Examples" in getattr(exceptions, name).__doc__


def test_old_import_locations_still_work():
    from sklearn_recae import exceptions
    from sklearn_recae.datasets import DatasetNotFoundError
    from sklearn_recae.utils import InsufficientMemoryError
    from sklearn_recae.utils._memory import (
        InsufficientMemoryError as PrivateInsufficientMemoryError,
    )

    assert DatasetNotFoundError is exceptions.DatasetNotFoundError
    assert InsufficientMemoryError is exceptions.InsufficientMemoryError
    assert PrivateInsufficientMemoryError is exceptions.InsufficientMemoryError


def test_package_lists_the_module():
    assert "exceptions" in sklearn_recae.__all__


def test_ease_gpu_fallback_warns_with_a_warning_shown_by_default(monkeypatch):
    """Issue 14, B4: the GPU-to-CPU fallback must warn with a class Python's
    default filters show (a UserWarning, not a ResourceWarning), from the
    caller's line, with sizes in units that fit."""
    torch = pytest.importorskip("torch")
    import sklearn_recae._ease as ease_module
    from sklearn_recae import EASE

    rng = np.random.RandomState(0)
    X = sp.random(40, 30, density=0.3, format="csr", random_state=rng)
    monkeypatch.setattr(ease_module, "resolve_device", lambda device: "cuda")
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: (1000, 2000))
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()  # Python's defaults, not pytest's "always"
        warnings.simplefilter("ignore", ResourceWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        EASE(l2=1.0).fit(X)
    fallbacks = [w for w in caught if "solving on the CPU" in str(w.message)]
    assert len(fallbacks) == 1, "the fallback warning was filtered out"
    assert issubclass(fallbacks[0].category, UserWarning)
    from sklearn_recae.exceptions import RecaeWarning

    assert issubclass(fallbacks[0].category, RecaeWarning)
    assert fallbacks[0].filename == __file__
    assert "needs 10.5 KiB, 1000 bytes free" in str(fallbacks[0].message)
