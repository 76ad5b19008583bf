"""ELSA's engine: item factors with unit-norm rows (the loss is in ``_losses``).

Pure torch (no scikit-learn, no skorch). Vančura, Alves, Kasalický, Kordík,
"Scalable Linear Shallow Autoencoder for Collaborative Filtering", RecSys 2022.
"""

import torch
from torch import nn
from torch.nn import functional as F

from ._losses import _EPS, normalized_elsa_loss, sparse_rows


class ELSAModule(nn.Module):
    """ELSA's single weight matrix: item factors ``A = normalize(W)`` row-wise.

    The reconstruction of a row ``x`` is ``x A Aᵀ - x``: as every row of ``A``
    has unit norm, ``diag(A Aᵀ) = 1`` and an item never predicts itself.

    Parameters
    ----------
    n_items : int
        Number of items ``I``.
    n_dims : int, default=256
        Rank ``r`` of the factors.
    """

    def __init__(self, n_items, n_dims=256):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_items, n_dims))
        nn.init.xavier_uniform_(self.weight)  # as the authors' torch code

    def factors(self):
        """The item factors ``A``: rows of ``weight`` scaled to unit norm."""
        return F.normalize(self.weight, dim=-1, eps=_EPS)

    def encode(self, x):
        """``z = x A`` of a batch of rows (sparse CSR or dense), shape (n, r)."""
        return _encode(x, self.factors())

    def forward(self, x):
        """Dense scores ``x A Aᵀ - x`` of a batch of rows (sparse CSR or dense)."""
        factors = self.factors()
        scores = _encode(x, factors) @ factors.T
        if x.layout == torch.strided:
            return scores - x
        return subtract_rows(scores, x)

    def loss(self, x):
        """Training loss of a batch in O(nnz r + n r² + I r²); see :func:`elsa_loss`.

        Computed by :func:`normalized_elsa_loss` (same value and gradient,
        less memory than autograd through the normalisation).
        """
        return normalized_elsa_loss(self.weight, x)


def subtract_rows(scores, x, fill=None):
    """``scores - x`` in place for a sparse CSR ``x``; with ``fill``, set those
    entries to ``fill`` instead (e.g. ``-inf`` to exclude seen items)."""
    crow, cols, values = x.crow_indices(), x.col_indices(), x.values()
    rows = torch.repeat_interleave(
        torch.arange(x.shape[0], device=scores.device), crow[1:] - crow[:-1]
    )
    if fill is None:
        return scores.index_put_(
            (rows, cols), -values.to(scores.dtype), accumulate=True
        )
    scores[rows, cols] = fill
    return scores


def _encode(x, factors):
    if x.layout == torch.strided:
        return x @ factors
    indices, offsets, values, _ = sparse_rows(x)
    return F.embedding_bag(
        indices.long(),
        factors,
        offsets.long(),
        mode="sum",
        per_sample_weights=values.to(factors.dtype),
        include_last_offset=True,
    )
