"""The engine layer: pure torch modules and losses (no scikit-learn, no skorch)."""

from ._losses import MaskedMSELoss, masked_mse, masked_squared_error
from ._modules import AutoRecModule, DeepRecModule

__all__ = [
    "AutoRecModule",
    "DeepRecModule",
    "MaskedMSELoss",
    "masked_mse",
    "masked_squared_error",
]
