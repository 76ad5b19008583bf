"""Autoencoder collaborative filtering as scikit-learn estimators."""

from . import base, datasets, exceptions, metrics, model_selection
from ._autorec import AutoRec
from ._cdae import CDAE
from ._deeprec import DeepRec
from ._ease import EASE
from ._edlae import EDLAE
from ._elsa import ELSA
from ._multvae import MultDAE, MultVAE
from ._recvae import RecVAE
from ._svae import SVAE

__version__ = "0.1.0.dev0"

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
    "datasets",
    "exceptions",
    "metrics",
    "model_selection",
]
