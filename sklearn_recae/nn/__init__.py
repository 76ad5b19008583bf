"""The engine layer: pure torch modules and losses (no scikit-learn, no skorch).

Every model's loss is a function of ``_losses``; the modules hold the
networks.
"""

from ._elsa import ELSAModule
from ._losses import (
    MaskedMSELoss,
    cdae_loss,
    elsa_dense_loss,
    elsa_loss,
    gaussian_kl,
    linear_next_k_nll,
    log_normal_pdf,
    masked_mse,
    masked_squared_error,
    multinomial_nll,
    negative_weights,
    next_k_nll,
    recvae_loss,
    svae_loss,
    vae_loss,
    weighted_entry_loss,
)
from ._modules import (
    AutoRecModule,
    CDAEModule,
    DeepRecModule,
    MultVAEModule,
    SVAEModule,
)
from ._recvae import RecVAEModule

__all__ = [
    "AutoRecModule",
    "CDAEModule",
    "DeepRecModule",
    "ELSAModule",
    "MaskedMSELoss",
    "MultVAEModule",
    "RecVAEModule",
    "SVAEModule",
    "cdae_loss",
    "elsa_dense_loss",
    "elsa_loss",
    "gaussian_kl",
    "linear_next_k_nll",
    "log_normal_pdf",
    "masked_mse",
    "masked_squared_error",
    "multinomial_nll",
    "negative_weights",
    "next_k_nll",
    "recvae_loss",
    "svae_loss",
    "vae_loss",
    "weighted_entry_loss",
]
