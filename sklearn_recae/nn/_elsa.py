"""ELSA's engine: item factors with unit-norm rows and the Gram-form loss.

Pure torch (no scikit-learn, no skorch). Vančura, Alves, Kasalický, Kordík,
"Scalable Linear Shallow Autoencoder for Collaborative Filtering", RecSys 2022.
"""

import warnings

import torch
from torch import nn
from torch.nn import functional as F

_EPS = 1e-12  # torch.nn.functional.normalize's default


def sparse_rows(x):
    """``(indices, offsets, values, n_rows)`` of a batch of rows.

    ``x`` is a torch sparse CSR tensor (what :class:`ELSAModule` is fed) or a
    dense 2-D tensor (converted, for small inputs and tests).
    """
    if x.layout != torch.sparse_csr:
        x = x.to_sparse_csr()
    return x.col_indices(), x.crow_indices(), x.values(), x.shape[0]


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


def elsa_loss(factors, x):
    """ELSA's normalised squared error, from the sparse rows and ``AᵀA`` only.

    For each row ``x`` with reconstruction ``p = x A Aᵀ - x`` the loss is
    (the paper's eq. 3 and the authors' ``NMSELoss``, summed over items)

    .. math::

        \\ell(x) = \\Big\\| \\frac{p}{\\|p\\|} - \\frac{x}{\\|x\\|} \\Big\\|^2
        = 2 - 2 \\cos(p, x),

    averaged over the rows of the batch. With ``z = x A`` and ``G = AᵀA``
    (r × r), ``‖x‖²`` is the sum of the squared values, ``p·x = ‖z‖² - ‖x‖²``
    and ``‖p‖² = z G zᵀ - 2‖z‖² + ‖x‖²``, so no (n_rows, n_items) block is
    formed: the cost is O(nnz r) for ``z``, O(n r²) for ``z G`` and O(I r²)
    for ``G``, gradients included. Norms are clamped at 1e-12 as
    :func:`torch.nn.functional.normalize` does, so empty rows give 0.

    Parameters
    ----------
    factors : torch.Tensor of shape (n_items, r)
        Item factors ``A`` (unit-norm rows for ELSA; any matrix works).
    x : torch.Tensor of shape (n_rows, n_items)
        A batch of rows, sparse CSR (or dense).

    Returns
    -------
    loss : torch.Tensor
        A scalar: the mean of ``ℓ`` over the rows.

    Examples
    --------
    >>> import torch
    >>> from sklearn_recae.nn import elsa_dense_loss, elsa_loss
    >>> factors = torch.nn.functional.normalize(torch.randn(6, 2), dim=-1)
    >>> x = torch.tensor([[1.0, 0, 1, 0, 0, 1], [0, 1, 0, 0, 0, 0]])
    >>> bool(torch.isclose(elsa_loss(factors, x.to_sparse_csr()),
    ...                    elsa_dense_loss(factors, x)))
    True
    """
    indices, offsets, values, rows, xx = _row_terms(x, factors.dtype)
    z = F.embedding_bag(
        indices,
        factors,
        offsets,
        mode="sum",
        per_sample_weights=values,
        include_last_offset=True,
    )
    return _loss_from_codes(z, factors.T @ factors, xx)


def _row_terms(x, dtype):
    """Long indices and offsets, values, each entry's row, and ``‖x‖²``."""
    indices, offsets, values, n_rows = sparse_rows(x)
    values = values.to(dtype)
    offsets = offsets.long()
    rows = torch.repeat_interleave(
        torch.arange(n_rows, device=values.device), offsets[1:] - offsets[:-1]
    )
    xx = torch.zeros(n_rows, dtype=dtype, device=values.device).index_add_(
        0, rows, values.square()
    )
    return indices.long(), offsets, values, rows, xx


def _loss_from_codes(z, gram, xx):
    """Mean over rows of ``‖p/‖p‖ - x/‖x‖‖²`` from ``z = xA``, ``G = AᵀA``, ``‖x‖²``."""
    zz = z.square().sum(dim=1)
    zgz = ((z @ gram) * z).sum(dim=1)
    pp = (zgz - 2.0 * zz + xx).clamp_min(0.0)
    px = zz - xx
    # max(‖v‖, eps) with a zero (not NaN) gradient below eps
    norm_p = pp.clamp_min(_EPS**2).sqrt()
    norm_x = xx.clamp_min(_EPS**2).sqrt()
    per_row = pp / norm_p**2 + xx / norm_x**2 - 2.0 * px / (norm_p * norm_x)
    return per_row.mean()


class _NormalizedELSALoss(torch.autograd.Function):
    """:func:`elsa_loss` of ``normalize(weight)`` with a hand-written backward.

    Autograd on the same expression keeps about eight (n_items, r)
    temporaries and runs a dozen passes over them; here the gradient is

    .. math::

        \\nabla_A = A (\\nabla_G + \\nabla_G^\\top) + X_b^\\top \\nabla_z,
        \\qquad
        \\nabla_W = \\big(\\nabla_A - A \\operatorname{diag}(\\nabla_A A^\\top)
        \\big) / \\|W\\|_{\\text{rows}}

    with ``∇_z`` and ``∇_G`` (small: n × r and r × r) from autograd on the
    loss's row terms; the (n_items, r) work is two matrix products (one
    sparse: the batch's transpose times ``∇_z``) and three in-place passes. Rows of
    ``weight`` with norm below 1e-12 are treated as if above it (their
    gradient then differs from autograd's clamp; they do not occur in
    training, where rows start from Xavier's initialisation).
    """

    @staticmethod
    def forward(ctx, weight, x):
        indices, offsets, values, rows, xx = _row_terms(x, weight.dtype)
        norms = torch.linalg.vector_norm(weight, dim=1, keepdim=True).clamp_min_(_EPS)
        factors = weight / norms
        z = F.embedding_bag(
            indices,
            factors,
            offsets,
            mode="sum",
            per_sample_weights=values,
            include_last_offset=True,
        )
        gram = factors.T @ factors
        with torch.enable_grad():
            z = z.detach().requires_grad_()
            gram = gram.detach().requires_grad_()
            loss = _loss_from_codes(z, gram, xx)
            grad_z, grad_gram = torch.autograd.grad(loss, (z, gram))
        ctx.save_for_backward(factors, norms, grad_z, grad_gram, indices, values, rows)
        return loss.detach()

    @staticmethod
    def backward(ctx, grad_loss):
        factors, norms, grad_z, grad_gram, indices, values, rows = ctx.saved_tensors
        transposed = _transpose(indices, values, rows, factors.shape[0], len(grad_z))
        grad = torch.sparse.mm(transposed, grad_z)  # X_bᵀ ∇_z
        grad.addmm_(factors, grad_gram + grad_gram.T)
        radial = (grad * factors).sum(dim=1, keepdim=True)
        grad.addcmul_(factors, radial, value=-1.0).div_(norms)
        return grad.mul_(grad_loss), None


def _transpose(indices, values, rows, n_columns, n_rows):
    """The CSR tensor of a batch's transpose (a counting sort by column)."""
    order = torch.argsort(indices, stable=True)
    offsets = torch.zeros(n_columns + 1, dtype=torch.long, device=indices.device)
    torch.cumsum(torch.bincount(indices, minlength=n_columns), 0, out=offsets[1:])
    with warnings.catch_warnings():  # "Sparse CSR tensor support is in beta state"
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            offsets, rows[order], values[order], (n_columns, n_rows)
        )


def normalized_elsa_loss(weight, x):
    """:func:`elsa_loss` of ``A = normalize(weight)`` with a lean backward pass.

    Same value and gradient as ``elsa_loss(F.normalize(weight, dim=-1), x)``
    (to float precision), with two (n_items, r) temporaries instead of about
    eight: what ELSA trains with.

    Parameters
    ----------
    weight : torch.Tensor of shape (n_items, r)
        Unnormalised item weights ``W``.
    x : torch.Tensor of shape (n_rows, n_items)
        A batch of rows, sparse CSR (or dense).

    Returns
    -------
    loss : torch.Tensor
        A scalar.
    """
    return _NormalizedELSALoss.apply(weight, x)


def elsa_dense_loss(factors, x):
    """The same loss as :func:`elsa_loss` from the dense reconstruction.

    O(n_rows × n_items) memory: the oracle for tests and small batches.

    Parameters
    ----------
    factors : torch.Tensor of shape (n_items, r)
        Item factors ``A``.
    x : torch.Tensor of shape (n_rows, n_items)
        Dense rows.

    Returns
    -------
    loss : torch.Tensor
        ``mean_rows ‖normalize(x A Aᵀ - x) - normalize(x)‖²``.
    """
    p = x @ factors @ factors.T - x
    diff = F.normalize(p, dim=-1, eps=_EPS) - F.normalize(x, dim=-1, eps=_EPS)
    return diff.square().sum(dim=1).mean()


def elsa_target_loss(scores, y_true):
    """ELSA's normalised squared error of dense scores against other targets.

    The validation loss: ``mean_rows ‖normalize(scores) - normalize(y)‖²``
    with ``y`` the users' held-out items (sparse CSR or dense).

    Parameters
    ----------
    scores : torch.Tensor of shape (n_rows, n_items)
        Dense reconstructions ``x A Aᵀ - x``.
    y_true : torch.Tensor of shape (n_rows, n_items)
        Targets (sparse CSR or dense).

    Returns
    -------
    loss : torch.Tensor
        A scalar.
    """
    if y_true.layout != torch.strided:
        y_true = y_true.to_dense()
    diff = F.normalize(scores, dim=-1, eps=_EPS) - F.normalize(
        y_true.to(scores.dtype), dim=-1, eps=_EPS
    )
    return diff.square().sum(dim=1).mean()
