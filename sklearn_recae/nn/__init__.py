"""The engine layer: pure torch modules and losses (no scikit-learn, no skorch)."""

from ._losses import (
    MaskedMSELoss,
    gaussian_kl,
    masked_mse,
    masked_squared_error,
    multinomial_nll,
    negative_weights,
    weighted_entry_loss,
)
from ._modules import AutoRecModule, CDAEModule, DeepRecModule, MultVAEModule

__all__ = [
    "AutoRecModule",
    "CDAEModule",
    "DeepRecModule",
    "MaskedMSELoss",
    "MultVAEModule",
    "gaussian_kl",
    "masked_mse",
    "masked_squared_error",
    "multinomial_nll",
    "negative_weights",
    "weighted_entry_loss",
]
