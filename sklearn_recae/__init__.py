"""Autoencoder collaborative filtering as scikit-learn estimators."""

from . import base, datasets, metrics, model_selection
from ._ease import EASE

__version__ = "0.1.0.dev0"

__all__ = [
    "EASE",
    "__version__",
    "base",
    "datasets",
    "metrics",
    "model_selection",
]
