"""The engine layer: pure torch modules and losses (no scikit-learn, no skorch)."""

from ._losses import (
    MaskedMSELoss,
    gaussian_kl,
    masked_mse,
    masked_squared_error,
    multinomial_nll,
)
from ._modules import AutoRecModule, DeepRecModule, MultVAEModule

__all__ = [
    "AutoRecModule",
    "DeepRecModule",
    "MaskedMSELoss",
    "MultVAEModule",
    "gaussian_kl",
    "masked_mse",
    "masked_squared_error",
    "multinomial_nll",
]
