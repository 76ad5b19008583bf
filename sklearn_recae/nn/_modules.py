"""torch modules of the autoencoders: plain constructor arguments, forward only."""

import torch
from torch import nn

ACTIVATIONS = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "selu": nn.SELU,
    "elu": nn.ELU,
    "identity": nn.Identity,
}


def make_activation(name):
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"Unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}."
        ) from None


class AutoRecModule(nn.Module):
    """One-hidden-layer autoencoder of AutoRec (Sedhain et al. 2015, eq. 1).

    ``h(r) = f(W g(V r + mu) + b)`` with ``g`` the hidden and ``f`` the output
    activation.

    Parameters
    ----------
    n_inputs : int
        Length of an input vector (items for U-AutoRec, users for I-AutoRec).
    hidden_dim : int, default=500
        Number of hidden units.
    activation : str, default='sigmoid'
        Hidden activation ``g``.
    output_activation : str, default='identity'
        Output activation ``f``.
    output_bias : float, default=0.0
        Initial value of the output bias ``b`` (e.g. the mean rating, so that
        training starts from a sensible prediction).
    """

    def __init__(
        self,
        n_inputs,
        hidden_dim=500,
        activation="sigmoid",
        output_activation="identity",
        output_bias=0.0,
    ):
        super().__init__()
        self.encoder = nn.Linear(n_inputs, hidden_dim)
        self.activation = make_activation(activation)
        self.decoder = nn.Linear(hidden_dim, n_inputs)
        nn.init.constant_(self.decoder.bias, output_bias)
        self.output_activation = make_activation(output_activation)

    def encode(self, x):
        return self.activation(self.encoder(x))

    def forward(self, x):
        return self.output_activation(self.decoder(self.encode(x)))


class DeepRecModule(nn.Module):
    """Deep autoencoder of DeepRec (Kuchaiev & Ginsburg 2017).

    Encoder ``n_inputs -> hidden_dims[0] -> ... -> hidden_dims[-1]`` (the code),
    dropout on the code, decoder mirroring the encoder back to ``n_inputs``;
    every layer but the last is followed by ``activation``.

    Parameters
    ----------
    n_inputs : int
        Number of items.
    hidden_dims : tuple of int, default=(512, 512, 1024)
        Encoder layer sizes; the last one is the code.
    activation : str, default='selu'
        Activation of every hidden layer.
    dropout : float, default=0.8
        Drop probability on the code layer.
    output_bias : float, default=0.0
        Initial value of the last layer's bias (e.g. the mean rating).
    """

    def __init__(
        self,
        n_inputs,
        hidden_dims=(512, 512, 1024),
        activation="selu",
        dropout=0.8,
        output_bias=0.0,
    ):
        super().__init__()
        sizes = [n_inputs, *hidden_dims]
        encoder = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            encoder += [nn.Linear(n_in, n_out), make_activation(activation)]
        self.encoder = nn.Sequential(*encoder)
        self.dropout = nn.Dropout(dropout)
        reverse = sizes[::-1]
        decoder = []
        for n_in, n_out in zip(reverse[:-2], reverse[1:-1], strict=True):
            decoder += [nn.Linear(n_in, n_out), make_activation(activation)]
        decoder.append(nn.Linear(reverse[-2], reverse[-1]))
        nn.init.constant_(decoder[-1].bias, output_bias)
        self.decoder = nn.Sequential(*decoder)

    def encode(self, x):
        return self.encoder(x)

    def forward(self, x):
        return self.decoder(self.dropout(self.encode(x)))


def _mlp(sizes, activation):
    """Linear layers with ``activation`` between them (none after the last)."""
    layers = []
    for position, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if position:
            layers.append(make_activation(activation))
        layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


class MultVAEModule(nn.Module):
    """Variational autoencoder with a multinomial likelihood (Liang et al. 2018).

    The input is L2-normalised per row, dropped out (``dropout``), encoded by
    ``[n_items, *hidden_dims, 2 * latent_dim]`` into a Gaussian posterior, sampled
    by the reparameterisation trick in training (the mean otherwise) and decoded by
    the mirrored ``[latent_dim, *reversed(hidden_dims), n_items]`` into logits.

    Parameters
    ----------
    n_items : int
        Number of items.
    hidden_dims : tuple of int, default=(600,)
        Encoder hidden layers; the decoder mirrors them.
    latent_dim : int, default=200
        Dimension of the latent code.
    dropout : float, default=0.5
        Input dropout probability.
    activation : str, default='tanh'
        Activation between layers.
    variational : bool, default=True
        False gives Mult-DAE: a deterministic code and no KL term.
    """

    def __init__(
        self,
        n_items,
        hidden_dims=(600,),
        latent_dim=200,
        dropout=0.5,
        activation="tanh",
        variational=True,
    ):
        super().__init__()
        self.variational = variational
        self.latent_dim = latent_dim
        code = 2 * latent_dim if variational else latent_dim
        self.encoder = _mlp([n_items, *hidden_dims, code], activation)
        self.activation = make_activation(activation)
        self.decoder = _mlp([latent_dim, *reversed(hidden_dims), n_items], activation)
        self.dropout = nn.Dropout(dropout)

    def encode(self, x):
        """Posterior mean and log-variance (DAE: the code and zeros)."""
        x = self.dropout(nn.functional.normalize(x, dim=1))
        h = self.encoder(x)
        if not self.variational:
            return h, torch.zeros_like(h)
        return h[:, : self.latent_dim], h[:, self.latent_dim :]

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu
        if self.variational and self.training:
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        elif not self.variational:
            z = self.activation(mu)
        return self.decoder(z), mu, logvar
