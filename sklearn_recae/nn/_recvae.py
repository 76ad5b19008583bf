"""RecVAE's torch pieces (Shenbin et al. 2020): dense encoder and composite prior.

Its objective, :func:`~sklearn_recae.nn.recvae_loss`, is in ``_losses``.

Written after the authors' code (github.com/ilya-shenbin/RecVAE, ``model.py``):
the same network, prior and objective; pure torch, no scikit-learn, no skorch.
"""

import torch
from torch import nn

from ._losses import log_normal_pdf
from ._sparse import SparseInputLinear, dropout_entries, normalize_rows


def swish(x):
    """Swish activation ``x * sigmoid(x)`` (Ramachandran et al. 2017)."""
    return x * torch.sigmoid(x)


class RecVAEEncoder(nn.Module):
    """RecVAE's inference network (Shenbin et al. 2020, section 3.2 and Fig. 1).

    The input row is L2-normalised and dropped out; then ``n_layers`` densely
    connected layers follow, each adding the outputs of all previous layers to
    its linear map before swish and layer normalisation:

    .. math::

        h_1 = \\mathrm{LN}(\\mathrm{swish}(W_1 \\tilde x + b_1)), \\quad
        h_k = \\mathrm{LN}\\Big(\\mathrm{swish}\\big(W_k h_{k-1} + b_k
        + \\textstyle\\sum_{j<k} h_j\\big)\\Big),

    and two linear heads give the posterior mean and log-variance from the
    last layer.

    Parameters
    ----------
    n_items : int
        Number of items.
    hidden_dim : int, default=600
        Width of every dense layer.
    latent_dim : int, default=200
        Dimension of the latent code.
    n_layers : int, default=5
        Number of densely connected layers.
    layer_norm_eps : float, default=0.1
        ``eps`` of the layer normalisations (the authors' 1e-1).
    """

    def __init__(
        self, n_items, hidden_dim=600, latent_dim=200, n_layers=5, layer_norm_eps=0.1
    ):
        super().__init__()
        self.linears = nn.ModuleList(
            SparseInputLinear(n_items, hidden_dim)
            if k == 0
            else nn.Linear(hidden_dim, hidden_dim)
            for k in range(n_layers)
        )
        self.norms = nn.ModuleList(
            nn.LayerNorm(hidden_dim, eps=layer_norm_eps) for _ in range(n_layers)
        )
        self.fc_mu = nn.Linear(hidden_dim, latent_dim)
        self.fc_logvar = nn.Linear(hidden_dim, latent_dim)

    def forward(self, x, dropout=0.0):
        """Posterior mean and log-variance of each row of ``x``.

        ``dropout`` applies to the normalised input in training mode only.
        Rows without interactions normalise to zeros.
        """
        x = dropout_entries(normalize_rows(x), dropout, self.training)
        outputs = []
        h = x
        for linear, norm in zip(self.linears, self.norms, strict=True):
            pre = linear(h)
            for previous in outputs:
                pre = pre + previous
            h = norm(swish(pre))
            outputs.append(h)
        return self.fc_mu(h), self.fc_logvar(h)


class CompositePrior(nn.Module):
    """RecVAE's composite prior (Shenbin et al. 2020, eq. 5).

    A mixture of a standard normal, the posterior of a frozen copy of the
    encoder (the "previous" encoder, :math:`\\phi_{old}`) and a wide normal:

    .. math::

        p(z \\mid \\phi_{old}, x) = \\alpha_1 \\mathcal{N}(z \\mid 0, I)
        + \\alpha_2 q_{\\phi_{old}}(z \\mid x)
        + \\alpha_3 \\mathcal{N}(z \\mid 0, e^{10} I),

    with :math:`\\alpha = (3/20, 3/4, 1/10)` and the mixture taken per latent
    dimension, as in the authors' code. The copy is frozen (no gradients) and
    is updated by :meth:`RecVAEModule.update_prior`; it starts as an encoder
    of its own random initialisation, as in the authors' code.

    Parameters
    ----------
    n_items, hidden_dim, latent_dim, n_layers, layer_norm_eps
        The encoder's shape (see :class:`RecVAEEncoder`).
    mixture_weights : tuple of float, default=(3/20, 3/4, 1/10)
        Weights of the standard, previous-posterior and wide components.
    wide_logvar : float, default=10.0
        Log-variance of the wide component.
    """

    def __init__(
        self,
        n_items,
        hidden_dim=600,
        latent_dim=200,
        n_layers=5,
        layer_norm_eps=0.1,
        mixture_weights=(3 / 20, 3 / 4, 1 / 10),
        wide_logvar=10.0,
    ):
        super().__init__()
        self.register_buffer(
            "log_weights", torch.log(torch.tensor(mixture_weights, dtype=torch.float32))
        )
        self.wide_logvar = float(wide_logvar)
        self.encoder_old = RecVAEEncoder(
            n_items, hidden_dim, latent_dim, n_layers, layer_norm_eps
        )
        self.encoder_old.requires_grad_(False)

    def forward(self, x, z):
        """Log-density of the prior at ``z`` given the rows ``x``, per dimension."""
        post_mu, post_logvar = self.encoder_old(x, dropout=0.0)
        zeros = torch.zeros_like(z)
        components = torch.stack(
            [
                log_normal_pdf(z, zeros, zeros),
                log_normal_pdf(z, post_mu, post_logvar),
                log_normal_pdf(z, zeros, zeros + self.wide_logvar),
            ],
            dim=-1,
        )
        return torch.logsumexp(components + self.log_weights, dim=-1)


class RecVAEModule(nn.Module):
    """RecVAE (Shenbin et al. 2020): dense encoder, composite prior, linear decoder.

    In training the code is sampled by the reparameterisation trick,
    ``z = mu + ε exp(logvar / 2)`` with ε ~ N(0, 1); otherwise ``z = mu``.
    The decoder is one linear layer giving logits over the items.

    Parameters
    ----------
    n_items : int
        Number of items.
    hidden_dim : int, default=600
        Width of the encoder's dense layers.
    latent_dim : int, default=200
        Dimension of the latent code.
    dropout : float, default=0.5
        Input dropout of the encoder (training mode only); ``forward`` may
        override it per call (the decoder passes use 0).
    n_layers : int, default=5
        Number of densely connected encoder layers.
    layer_norm_eps : float, default=0.1
        ``eps`` of the layer normalisations.
    mixture_weights : tuple of float, default=(3/20, 3/4, 1/10)
        Weights of the composite prior's components.
    wide_logvar : float, default=10.0
        Log-variance of the prior's wide component.
    """

    def __init__(
        self,
        n_items,
        hidden_dim=600,
        latent_dim=200,
        dropout=0.5,
        n_layers=5,
        layer_norm_eps=0.1,
        mixture_weights=(3 / 20, 3 / 4, 1 / 10),
        wide_logvar=10.0,
    ):
        super().__init__()
        self.dropout = dropout
        shape = dict(
            n_items=n_items,
            hidden_dim=hidden_dim,
            latent_dim=latent_dim,
            n_layers=n_layers,
            layer_norm_eps=layer_norm_eps,
        )
        self.encoder = RecVAEEncoder(**shape)
        self.prior = CompositePrior(
            **shape, mixture_weights=mixture_weights, wide_logvar=wide_logvar
        )
        self.decoder = nn.Linear(latent_dim, n_items)

    def forward(self, x, dropout=None):
        """Logits, posterior mean and log-variance, and the code used.

        Returns
        -------
        logits : torch.Tensor of shape (n_rows, n_items)
        mu, logvar, z : torch.Tensor of shape (n_rows, latent_dim)
        """
        mu, logvar = self.encoder(x, self.dropout if dropout is None else dropout)
        z = mu
        if self.training:
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar, z

    @torch.no_grad()
    def update_prior(self):
        """Copy the encoder's current weights into the prior's frozen encoder."""
        self.prior.encoder_old.load_state_dict(self.encoder.state_dict())
