"""Sparse input rows: torch CSR batches, their normalisation, dropout and first layer.

The ranking autoencoders read a batch of users as a torch sparse CSR tensor
(:func:`csr_tensor`) and never densify it on the way in: the row
normalisation and the input dropout touch only the stored entries (a zero
stays zero under both, so this is the same computation as on the dense rows),
and :class:`SparseInputLinear` multiplies the rows by its weight in
``O(nnz × out_features)`` instead of ``O(rows × items × out_features)``.
Every function also takes dense tensors, on which it is the usual operation.
"""

import math
import warnings

import numpy as np
import torch
from torch import nn


def csr_tensor(X):
    """A scipy CSR matrix as a torch sparse CSR tensor (float32, int64 indices)."""
    return _csr(
        torch.from_numpy(X.indptr.astype(np.int64)),
        torch.from_numpy(X.indices.astype(np.int64)),
        torch.from_numpy(X.data.astype(np.float32, copy=False)),
        X.shape,
    )


def _csr(crow, col, values, shape):
    with warnings.catch_warnings():  # "Sparse CSR tensor support is in beta state"
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(crow, col, values, shape)


def is_sparse_rows(x):
    """True for a torch sparse CSR tensor."""
    return isinstance(x, torch.Tensor) and x.layout == torch.sparse_csr


def _with_values(x, values):
    return _csr(x.crow_indices(), x.col_indices(), values, x.shape)


def _entry_rows(crow):
    """Row index of each stored entry, from a CSR tensor's row pointers."""
    rows = torch.arange(len(crow) - 1, device=crow.device)
    return torch.repeat_interleave(rows, torch.diff(crow))


def _sum_by_row(values, rows, n_rows):
    sums = torch.zeros(n_rows, dtype=values.dtype, device=values.device)
    return sums.index_add_(0, rows, values)


def normalize_rows(x, eps=1e-12):
    """Rows divided by their L2 norm (``torch.nn.functional.normalize``)."""
    if not is_sparse_rows(x):
        return nn.functional.normalize(x, dim=-1, eps=eps)
    values, rows = x.values(), _entry_rows(x.crow_indices())
    norms = _sum_by_row(values.square(), rows, x.shape[0]).sqrt().clamp(min=eps)
    return _with_values(x, values / norms[rows])


def dropout_entries(x, p, training=True):
    """Dropout (``torch.nn.functional.dropout``); on CSR rows, of the stored
    entries only (the others are zeros, which dropout leaves at zero)."""
    if not is_sparse_rows(x):
        return nn.functional.dropout(x, p=p, training=training)
    if not training or p == 0:
        return x
    return _with_values(x, nn.functional.dropout(x.values(), p=p, training=True))


def row_sums(x):
    """Sum of each row (dense or CSR rows), shape ``(n_rows,)``."""
    if not is_sparse_rows(x):
        return x.sum(dim=-1)
    return _sum_by_row(x.values(), _entry_rows(x.crow_indices()), x.shape[0])


def to_dense_rows(x):
    """Dense rows of a CSR tensor (dense tensors pass through)."""
    return x.to_dense() if is_sparse_rows(x) else x


class _SparseRowsTimesWeight(torch.autograd.Function):
    """``X @ W`` for CSR rows ``X`` and a dense ``W``, with the gradient of ``W``.

    The product is an ``embedding_bag`` sum of ``W``'s rows weighted by the
    entries; the gradient ``Xᵀ G`` is the same sum over the transposed rows
    (each column's entries, gathered by one stable sort of the column indices).
    """

    @staticmethod
    def forward(ctx, crow, col, values, weight):
        ctx.save_for_backward(crow, col, values)
        ctx.n_columns = weight.shape[0]
        ctx.weight_dtype = weight.dtype
        return nn.functional.embedding_bag(
            col, weight, crow[:-1], mode="sum", per_sample_weights=values
        )

    @staticmethod
    def backward(ctx, grad_output):
        crow, col, values = ctx.saved_tensors
        rows = _entry_rows(crow)
        order = torch.argsort(col, stable=True)
        counts = torch.bincount(col, minlength=ctx.n_columns)
        starts = torch.cumsum(counts, 0) - counts
        grad = nn.functional.embedding_bag(
            rows[order],
            grad_output.to(values.dtype).contiguous(),
            starts,
            mode="sum",
            per_sample_weights=values[order],
        )
        return None, None, None, grad.to(ctx.weight_dtype)


class SparseInputLinear(nn.Module):
    """Linear layer ``x W + b`` whose input may be CSR rows (never densified).

    The weight is stored items × units (``in_features × out_features``, the
    transpose of :class:`torch.nn.Linear`'s), the layout whose rows a sparse
    row gathers. Dense inputs give the same result as a ``Linear``.

    Parameters
    ----------
    in_features : int
        Input size (items).
    out_features : int
        Output size.
    bias : bool, default=True
        Learn an additive bias.
    """

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.empty(out_features)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        """``torch.nn.Linear``'s initialisation (Kaiming-uniform, fan-in bias)."""
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features else 0.0
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if is_sparse_rows(x):
            out = _SparseRowsTimesWeight.apply(
                x.crow_indices(), x.col_indices(), x.values(), self.weight
            )
        else:
            out = x @ self.weight
        return out if self.bias is None else out + self.bias

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
