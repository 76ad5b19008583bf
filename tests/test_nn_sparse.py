"""CSR input rows (nn/_sparse.py): the same results as on the dense rows."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from sklearn_recae.nn import CDAEModule, MultVAEModule, RecVAEModule
from sklearn_recae.nn._sparse import (
    SparseInputLinear,
    csr_tensor,
    dropout_entries,
    normalize_rows,
    row_sums,
)


def _rows(n_rows=12, n_columns=9, seed=0):
    X = sp.random(n_rows, n_columns, density=0.3, format="csr", random_state=seed)
    X = X.astype(np.float32)
    X.data[:] = np.arange(1, X.nnz + 1, dtype=np.float32) / 7
    X = sp.vstack([X, sp.csr_matrix((1, n_columns), dtype=np.float32)]).tocsr()
    return X  # the last row is empty


def test_sparse_input_linear_matches_a_dense_product_and_its_gradients():
    X = _rows()
    dense = X.toarray().astype(np.float64)
    torch.manual_seed(0)
    layer = SparseInputLinear(9, 4)
    grad_out = torch.randn(X.shape[0], 4)
    out = layer(csr_tensor(X))
    out.backward(grad_out)
    tensors = (layer.weight, layer.bias, grad_out)
    W, b, G = (t.detach().double().numpy() for t in tensors)
    close = {"rtol": 1e-5, "atol": 1e-6}
    np.testing.assert_allclose(out.detach().numpy(), dense @ W + b, **close)
    np.testing.assert_allclose(layer.weight.grad.numpy(), dense.T @ G, **close)
    np.testing.assert_allclose(layer.bias.grad.numpy(), G.sum(axis=0), **close)


def test_sparse_input_linear_takes_dense_rows_too():
    X = _rows()
    layer = SparseInputLinear(9, 4)
    with torch.no_grad():
        from_csr = layer(csr_tensor(X))
        from_dense = layer(torch.from_numpy(X.toarray()))
    torch.testing.assert_close(from_csr, from_dense)


def test_normalize_rows_and_row_sums_on_csr_rows():
    X = _rows()
    dense = torch.from_numpy(X.toarray())
    torch.testing.assert_close(
        normalize_rows(csr_tensor(X)).to_dense(),
        torch.nn.functional.normalize(dense, dim=1),
    )
    torch.testing.assert_close(row_sums(csr_tensor(X)), dense.sum(dim=1))


def test_dropout_entries_drops_only_stored_entries_with_unbiased_scaling():
    X = sp.csr_matrix(np.ones((200, 50), dtype=np.float32))
    torch.manual_seed(0)
    kept = dropout_entries(csr_tensor(X), 0.25).values()
    np.testing.assert_allclose(np.unique(kept.numpy()), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs(float((kept == 0).float().mean()) - 0.25) < 0.01
    assert dropout_entries(csr_tensor(X), 0.25, training=False).values().eq(1).all()


@pytest.mark.parametrize(
    "module",
    [
        lambda: MultVAEModule(9, hidden_dims=(5,), latent_dim=3),
        lambda: MultVAEModule(9, hidden_dims=(5,), latent_dim=3, variational=False),
        lambda: RecVAEModule(9, hidden_dim=5, latent_dim=3),
    ],
    ids=["multvae", "multdae", "recvae"],
)
def test_modules_score_csr_rows_as_dense_rows(module):
    X = _rows()
    torch.manual_seed(0)
    net = module().eval()
    with torch.no_grad():
        from_csr = net(csr_tensor(X))[0]
        from_dense = net(torch.from_numpy(X.toarray()))[0]
    torch.testing.assert_close(from_csr, from_dense)


def test_cdae_folds_in_csr_rows_as_dense_rows():
    X = _rows()
    torch.manual_seed(0)
    net = CDAEModule(9, n_users=4, latent_dim=3).eval()
    users = torch.full((X.shape[0],), -1)
    with torch.no_grad():
        from_csr = net(csr_tensor(X), users)
        from_dense = net(torch.from_numpy(X.toarray()), users)
    torch.testing.assert_close(from_csr, from_dense)


def test_sparse_input_linear_trains_under_bfloat16_autocast():
    X = _rows()
    layer = SparseInputLinear(9, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = torch.nn.functional.linear(layer(csr_tensor(X)), torch.ones(3, 4))
    out.float().sum().backward()
    assert layer.weight.grad.dtype == torch.float32
    assert torch.isfinite(layer.weight.grad).all()
