"""The engine layer: pure torch modules and losses (no scikit-learn, no skorch)."""

from ._elsa import ELSAModule, elsa_dense_loss, elsa_loss
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
    "ELSAModule",
    "MaskedMSELoss",
    "MultVAEModule",
    "RecVAEModule",
    "SVAEModule",
    "elsa_dense_loss",
    "elsa_loss",
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
