"""The shared skorch layer: CSR batches, entry holdout, re-feeding, guards."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from sklearn_recae._skorch import CSRDataset, EntryHoldoutSplit
from sklearn_recae.exceptions import DivergenceError
from sklearn_recae.nn import MaskedMSELoss


def test_csr_dataset_densifies_one_batch():
    X = sp.csr_matrix(np.array([[1, 0, 2], [0, 3, 0], [4, 0, 0]], dtype=np.float32))
    inputs, targets = CSRDataset(X)[[2, 0]]
    assert inputs.tolist() == [[4, 0, 0], [1, 0, 2]]
    assert targets is inputs
    y = sp.csr_matrix(np.eye(3, dtype=np.float32))
    assert CSRDataset(X, y)[[1]][1].tolist() == [[0, 1, 0]]


def test_entry_holdout_split_partitions_each_row(ratings):
    train, valid = EntryHoldoutSplit(0.2, random_state=0)(CSRDataset(ratings))
    assert (train.X + valid.y != ratings).nnz == 0
    assert train.X.multiply(valid.y).nnz == 0
    # validation predicts the held-out entries from the fit entries
    assert (valid.X != train.X).nnz == 0


def test_entry_holdout_split_of_some_rows_trains_every_row(ratings):
    users = np.arange(ratings.shape[0])
    dataset = CSRDataset(ratings, users=users)
    train, valid = EntryHoldoutSplit(0.2, random_state=0, rows=0.25)(dataset)
    assert train.X.shape == ratings.shape and (train.users == users).all()
    n_valid = round(0.25 * ratings.shape[0])
    assert valid.X.shape[0] == n_valid and (valid.users == -1).all()
    held = ratings - train.X
    assert held.nnz == valid.y.nnz > 0  # held out only from validation rows
    assert (np.diff(held.indptr) > 0).sum() <= n_valid


def test_refeeding_makes_two_updates_per_batch(ratings):
    from sklearn_recae._skorch import RefeedingNet
    from sklearn_recae.nn import DeepRecModule

    calls = []

    class CountingSGD(torch.optim.SGD):
        def step(self, closure=None):
            calls.append(1)
            return super().step(closure)

    for refeed, expected in ((0, 1), (1, 2), (2, 3)):
        calls.clear()
        net = RefeedingNet(
            DeepRecModule,
            module__n_inputs=ratings.shape[1],
            module__hidden_dims=(8,),
            criterion=MaskedMSELoss,
            optimizer=CountingSGD,
            max_epochs=1,
            batch_size=ratings.shape[0],
            train_split=None,
            verbose=0,
            refeed_steps=refeed,
        ).fit(ratings, None)
        assert len(calls) == expected
        assert len(net.history) == 1


def test_divergence_error_is_a_floating_point_error():
    assert issubclass(DivergenceError, FloatingPointError)
    with pytest.raises(
        DivergenceError,
        match="The training loss became nan in epoch 0: training diverged",
    ):
        from sklearn_recae.callbacks import DivergenceGuard

        DivergenceGuard().on_batch_end(
            type("Net", (), {"history": []})(),
            training=True,
            loss=torch.tensor(float("nan")),
        )


def test_csr_dataset_with_sparse_inputs_keeps_inputs_sparse_and_targets_dense():
    X = sp.random(6, 5, density=0.4, format="csr", random_state=0, dtype=np.float32)
    inputs, targets = CSRDataset(X, sparse_inputs=True)[[4, 1]]
    assert inputs.layout == torch.sparse_csr
    np.testing.assert_array_equal(inputs.to_dense().numpy(), X[[4, 1]].toarray())
    np.testing.assert_array_equal(targets.numpy(), X[[4, 1]].toarray())
    folded = CSRDataset(X, sparse_inputs=True).fold(X[:2], X[:2])
    assert folded[[0]][0].layout == torch.sparse_csr


@pytest.mark.parametrize(
    ("optimizer", "fused"),
    [
        ("adam", True),
        ("adamw", True),
        ("sgd", True),
        ("adagrad", True),
        ("rmsprop", None),
        (torch.optim.Adam, None),
    ],
)
def test_builtin_optimizers_take_the_fused_step(optimizer, fused):
    from sklearn_recae import MultDAE

    X = sp.random(20, 8, density=0.4, format="csr", random_state=0)
    model = MultDAE(
        (4,), latent_dim=2, optimizer=optimizer, max_epochs=1, early_stopping=False
    ).fit(X)
    assert model.net_.optimizer_.defaults.get("fused") is fused
