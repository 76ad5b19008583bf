"""torch modules of the autoencoders: plain constructor arguments, forward only."""

import torch
from torch import nn

from ._sparse import SparseInputLinear, dropout_entries, normalize_rows, to_dense_rows

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


class RowBaseline(nn.Module):
    """Bias baseline of each input row: ``mean + column_offsets + r``.

    The row offset ``r = sum_j m_j (x_j - mean - c_j) / (shrinkage + sum_j
    m_j)`` comes from the row's observed entries (``m = x != 0``), the column
    offsets ``c`` are fixed (buffers, not trained).

    Parameters
    ----------
    mean : float
        Global mean.
    column_offsets : array-like of shape (n_columns,)
        Offset of each column (item or user).
    shrinkage : float
        Pseudo-count of the row offset.
    column_counts : array-like of shape (n_columns,), default=None
        Training ratings of each column. Given, :meth:`add_to` shrinks the
        network's correction of column ``j`` by ``n_j / (shrinkage + n_j)``,
        as the column's offset is shrunk.
    """

    def __init__(self, mean, column_offsets, shrinkage, column_counts=None):
        super().__init__()
        self.shrinkage = float(shrinkage)
        offsets = torch.as_tensor(column_offsets, dtype=torch.float32)
        self.register_buffer("centre", offsets + float(mean))
        weights = None
        if column_counts is not None:
            counts = torch.as_tensor(column_counts, dtype=torch.float32)
            weights = counts / (self.shrinkage + counts)
        self.register_buffer("correction_weights", weights)

    def add_to(self, correction, x):
        """The baseline of ``x`` plus the network's ``correction``."""
        if self.correction_weights is not None:
            correction = correction * self.correction_weights
        return correction + self(x)

    def forward(self, x):
        observed = (x != 0).to(x.dtype)
        residual = ((x - self.centre) * observed).sum(dim=1, keepdim=True)
        row = residual / (self.shrinkage + observed.sum(dim=1, keepdim=True))
        return self.centre + row


def _row_baseline(baseline):
    return None if baseline is None else RowBaseline(**baseline)


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
    zero_output : bool, default=False
        Start the output weights ``W`` at zero, so that the untrained network
        outputs ``f(b)`` (plus the baseline) for every input.
    baseline : dict or None, default=None
        Keyword arguments of a :class:`RowBaseline` added to the output.
    """

    def __init__(
        self,
        n_inputs,
        hidden_dim=500,
        activation="sigmoid",
        output_activation="identity",
        output_bias=0.0,
        zero_output=False,
        baseline=None,
    ):
        super().__init__()
        self.encoder = nn.Linear(n_inputs, hidden_dim)
        self.activation = make_activation(activation)
        self.decoder = nn.Linear(hidden_dim, n_inputs)
        nn.init.constant_(self.decoder.bias, output_bias)
        if zero_output:
            nn.init.zeros_(self.decoder.weight)
        self.output_activation = make_activation(output_activation)
        self.baseline = _row_baseline(baseline)

    def encode(self, x):
        return self.activation(self.encoder(x))

    def forward(self, x):
        out = self.output_activation(self.decoder(self.encode(x)))
        return out if self.baseline is None else self.baseline.add_to(out, x)


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
    zero_output : bool, default=False
        Start the last layer's weights at zero, so that the untrained network
        outputs ``output_bias`` (plus the baseline) for every input.
    baseline : dict or None, default=None
        Keyword arguments of a :class:`RowBaseline` added to the output.
    """

    def __init__(
        self,
        n_inputs,
        hidden_dims=(512, 512, 1024),
        activation="selu",
        dropout=0.8,
        output_bias=0.0,
        zero_output=False,
        baseline=None,
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
        if zero_output:
            nn.init.zeros_(decoder[-1].weight)
        self.decoder = nn.Sequential(*decoder)
        self.baseline = _row_baseline(baseline)

    def encode(self, x):
        return self.encoder(x)

    def forward(self, x):
        out = self.decoder(self.dropout(self.encode(x)))
        return out if self.baseline is None else self.baseline.add_to(out, x)


def _mlp(sizes, activation, sparse_input=False):
    """Linear layers with ``activation`` between them (none after the last);
    ``sparse_input``: the first is a :class:`SparseInputLinear`."""
    layers = []
    for position, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if position:
            layers.append(make_activation(activation))
        first_sparse = sparse_input and not position
        layers.append((SparseInputLinear if first_sparse else nn.Linear)(n_in, n_out))
    return nn.Sequential(*layers)


def _glorot_init(module):
    """Liang et al.'s initialisation: Xavier-uniform weights, biases ~N(0, 0.001)."""
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, SparseInputLinear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.trunc_normal_(layer.bias, std=0.001, a=-0.002, b=0.002)


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
        self.encoder = _mlp([n_items, *hidden_dims, code], activation, True)
        self.activation = make_activation(activation)
        self.decoder = _mlp([latent_dim, *reversed(hidden_dims), n_items], activation)
        self.dropout = nn.Dropout(dropout)
        _glorot_init(self)

    def encode(self, x):
        """Posterior mean and log-variance (DAE: the code and zeros)."""
        x = dropout_entries(normalize_rows(x), self.dropout.p, self.training)
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


class CDAEModule(nn.Module):
    """Collaborative denoising autoencoder (Wu et al. 2016, eq. 4 and 5).

    ``z_u = h(W^T corrupt(y_u) + V_u + b)`` and logits ``W' z_u + b'``: one
    hidden layer whose input adds a per-user vector ``V_u`` (the user node).
    Corruption is dropout with the unbiased ``1 / (1 - q)`` scaling, in
    training only. Users are ids into the embedding of training users; id -1
    marks a user the model has not seen, whose vector is folded in: starting
    from zero, ``fold_in_steps`` Adam steps (learning rate ``fold_in_lr``) on
    the same weighted loss with the expected negative weights and an L2 penalty
    ``fold_in_l2 / 2 * ||V_u||^2``, the network's weights frozen. With
    ``fold_in_steps=0`` unseen users get ``V_u = 0`` (the user-free network).

    Parameters
    ----------
    n_items : int
        Number of items.
    n_users : int
        Number of training users (rows of the user embedding).
    latent_dim : int, default=50
        Hidden units.
    corruption : float, default=0.5
        Input dropout probability ``q``.
    activation : str, default='sigmoid'
        Hidden activation ``h``.
    loss : {'logistic', 'squared'}, default='logistic'
        Loss of the fold-in.
    negative_ratio : float or None, default=20.0
        Negatives per positive in the fold-in's expected weights.
    fold_in_steps : int, default=20
        Gradient steps of the fold-in of unseen users.
    fold_in_lr : float, default=0.1
        Learning rate of the fold-in.
    fold_in_l2 : float, default=1.0
        L2 penalty of the fold-in.
    """

    def __init__(
        self,
        n_items,
        n_users,
        latent_dim=50,
        corruption=0.5,
        activation="sigmoid",
        loss="logistic",
        negative_ratio=20.0,
        fold_in_steps=20,
        fold_in_lr=0.1,
        fold_in_l2=1.0,
    ):
        super().__init__()
        self.corruption = nn.Dropout(corruption)
        self.encoder = SparseInputLinear(n_items, latent_dim)
        self.user_embedding = nn.Embedding(n_users, latent_dim)
        nn.init.zeros_(self.user_embedding.weight)
        self.activation = make_activation(activation)
        self.decoder = nn.Linear(latent_dim, n_items)
        self.loss = loss
        self.negative_ratio = negative_ratio
        self.fold_in_steps = fold_in_steps
        self.fold_in_lr = fold_in_lr
        self.fold_in_l2 = fold_in_l2

    def forward(self, x, users):
        encoded = self.encoder(dropout_entries(x, self.corruption.p, self.training))
        known = (users >= 0).unsqueeze(1)
        vectors = self.user_embedding(users.clamp(min=0)) * known
        if self.fold_in_steps and not bool(known.all()):
            vectors = torch.where(known, vectors, self.fold_in(encoded.detach(), x))
        return self.decoder(self.activation(encoded + vectors))

    def fold_in(self, encoded, x):
        """User vectors fitted to ``x`` with the network frozen (see above).

        The objective is ``weighted_entry_loss(logits, x, weights) * n_rows +
        fold_in_l2 / 2 * ||V||²``; its gradient with respect to the logits is
        written in closed form (``weights * (sigmoid(logits) - target)``, or
        ``2 * weights * (logits - target)`` for the squared loss), so each step
        makes three passes over the dense (rows × items) block instead of
        autograd's graph through the loss; autograd only carries it back
        through the hidden layer's activation.
        """
        from ._losses import negative_weights

        x = to_dense_rows(x)
        target = (x != 0).to(encoded.dtype)
        weights = negative_weights(x, self.negative_ratio, sample=False)
        vectors = torch.zeros_like(encoded, requires_grad=True)
        optimizer = torch.optim.Adam([vectors], lr=self.fold_in_lr)
        for _ in range(self.fold_in_steps):
            with torch.enable_grad():
                hidden = self.activation(encoded + vectors)
            with torch.no_grad():
                residual = self.decoder(hidden.detach())  # the logits
                if self.loss == "logistic":
                    residual.sigmoid_().sub_(target)
                elif self.loss == "squared":
                    residual.sub_(target).mul_(2.0)
                else:
                    raise ValueError(
                        f"loss must be 'logistic' or 'squared', got {self.loss!r}."
                    )
                residual.mul_(weights)
                grad_hidden = residual @ self.decoder.weight
            with torch.enable_grad():
                (gradient,) = torch.autograd.grad(hidden, vectors, grad_hidden)
            vectors.grad = gradient.add_(vectors.detach(), alpha=self.fold_in_l2)
            optimizer.step()
        return vectors.detach()


class SVAEModule(nn.Module):
    """Sequential VAE (Sachdeva et al. 2019, section 3): a GRU feeding a VAE.

    Items (ids plus one; 0 pads) are embedded and run through a GRU; after each
    step, an MLP encoder gives a Gaussian posterior over the latent code, and a
    decoder MLP gives logits over the items that come next. In evaluation the
    module returns the logits after each row's last event (the posterior
    mean), shape ``(n_rows, n_items)``; rows without events use the GRU's
    initial state. In training it returns, for every step (a sample of the
    code), the decoder's last hidden layer, shape ``(n_rows, n_steps,
    hidden_dim)``: the loss applies the output layer (:attr:`output_layer`)
    fused with its softmax (:func:`~sklearn_recae.nn.linear_next_k_nll`), so
    no tensor of every step's logits over all items is made.

    Parameters
    ----------
    n_items : int
        Number of items.
    embedding_dim : int, default=256
        Item embedding size.
    rnn_dim : int, default=200
        GRU state size.
    hidden_dim : int, default=150
        Hidden layer of the encoder and decoder MLPs.
    latent_dim : int, default=64
        Latent code size.
    dropout : float, default=0.0
        Dropout on the item embeddings (training only).
    """

    def __init__(
        self,
        n_items,
        embedding_dim=256,
        rnn_dim=200,
        hidden_dim=150,
        latent_dim=64,
        dropout=0.0,
    ):
        super().__init__()
        self.latent_dim = latent_dim
        self.embedding = nn.Embedding(n_items + 1, embedding_dim, padding_idx=0)
        self.embedding_dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(embedding_dim, rnn_dim, batch_first=True)
        self.encoder = _mlp([rnn_dim, hidden_dim, 2 * latent_dim], "tanh")
        self.decoder = _mlp([latent_dim, hidden_dim, n_items], "tanh")

    def last_states(self, items, lengths):
        """GRU state after each row's last event (zeros for empty rows)."""
        states = self._states(items)
        last = (lengths - 1).clamp(min=0)
        picked = states[torch.arange(len(items), device=items.device), last]
        return picked * (lengths > 0).unsqueeze(1).to(picked.dtype)

    def _states(self, items):
        """GRU state after every step."""
        return self.gru(self.embedding_dropout(self.embedding(items)))[0]

    def encode(self, states):
        """Posterior mean and log-variance of the code."""
        code = self.encoder(states)
        return code[..., : self.latent_dim], code[..., self.latent_dim :]

    def forward(self, items, lengths):
        if not self.training:
            mu, logvar = self.encode(self.last_states(items, lengths))
            return self.decoder(mu), mu, logvar
        mu, logvar = self.encode(self._states(items))
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder[:-1](z), mu, logvar

    @property
    def output_layer(self):
        """The decoder's last linear layer (its logits over the items)."""
        return self.decoder[-1]
