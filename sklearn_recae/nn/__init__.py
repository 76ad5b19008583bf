"""The engine layer: pure torch modules and losses (no scikit-learn, no skorch)."""

from ._losses import (
    MaskedMSELoss,
    gaussian_kl,
    masked_mse,
    masked_squared_error,
    multinomial_nll,
    negative_weights,
    next_k_nll,
    weighted_entry_loss,
)
from ._modules import (
    AutoRecModule,
    CDAEModule,
    DeepRecModule,
    MultVAEModule,
    SVAEModule,
)
from ._recvae import RecVAEModule, log_normal_pdf, recvae_loss

__all__ = [
    "AutoRecModule",
    "CDAEModule",
    "DeepRecModule",
    "MaskedMSELoss",
    "MultVAEModule",
    "RecVAEModule",
    "SVAEModule",
    "gaussian_kl",
    "log_normal_pdf",
    "masked_mse",
    "masked_squared_error",
    "multinomial_nll",
    "negative_weights",
    "next_k_nll",
    "recvae_loss",
    "weighted_entry_loss",
]
