"""Autoencoder collaborative filtering as scikit-learn estimators.

Importing the package, the closed-form models (:class:`EASE`, :class:`EDLAE`),
:mod:`~sklearn_recae.metrics`, :mod:`~sklearn_recae.model_selection`,
:mod:`~sklearn_recae.datasets`, :mod:`~sklearn_recae.utils` and
:mod:`~sklearn_recae.exceptions` never imports torch or skorch. The neural
estimators and the torch-only modules (:mod:`~sklearn_recae.callbacks`, the
engine layer :mod:`~sklearn_recae.nn`) are imported on first access (PEP 562),
so ``from sklearn_recae import MultVAE`` works as usual and pays torch's import
only then.
"""

import importlib

from . import base, datasets, exceptions, metrics, model_selection, utils
from ._ease import EASE
from ._edlae import EDLAE

__version__ = "0.1.0.dev0"

# Public names that need torch: name -> module defining it (relative).
_LAZY_ESTIMATORS = {
    "AutoRec": "._autorec",
    "CDAE": "._cdae",
    "DeepRec": "._deeprec",
    "ELSA": "._elsa",
    "MultDAE": "._multvae",
    "MultVAE": "._multvae",
    "RecVAE": "._recvae",
    "SVAE": "._svae",
}
_LAZY_SUBMODULES = ("callbacks", "nn")

__all__ = [
    "AutoRec",
    "CDAE",
    "DeepRec",
    "EASE",
    "EDLAE",
    "ELSA",
    "MultDAE",
    "MultVAE",
    "RecVAE",
    "SVAE",
    "__version__",
    "base",
    "callbacks",
    "datasets",
    "exceptions",
    "metrics",
    "model_selection",
    "utils",
]


def __getattr__(name):
    """Import a torch estimator or torch-only submodule on first access."""
    if name in _LAZY_ESTIMATORS:
        module = importlib.import_module(_LAZY_ESTIMATORS[name], __name__)
        value = getattr(module, name)
    elif name in _LAZY_SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY_ESTIMATORS) | set(_LAZY_SUBMODULES))
