"""The shared skorch layer: CSR batches, entry holdout, re-feeding, guards."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from skorch.callbacks import Callback

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


class _ProductDtypes(Callback):
    """Records (training?, dtype) of every Linear output of the net's module."""

    def on_train_begin(self, net, **kwargs):
        self.seen = set()
        for layer in net.module_.modules():
            if isinstance(layer, torch.nn.Linear):
                layer.register_forward_hook(self._record)

    def _record(self, layer, inputs, output):
        self.seen.add((layer.training, output.dtype))


@pytest.mark.parametrize("name", ["MultDAE", "AutoRec"])
@pytest.mark.parametrize("precision", ["bfloat16", "float32"])
def test_precision_sets_the_dtype_of_training_products_only(ratings, name, precision):
    """precision='bfloat16' autocasts the training forward pass; the weights,
    the validation pass and predictions stay float32."""
    import sklearn_recae

    recorder = _ProductDtypes()
    model = getattr(sklearn_recae, name)(
        latent_dim=4,
        max_epochs=1,
        random_state=0,
        precision=precision,
        callbacks=[("dtypes", recorder)],
    ).fit(ratings)
    assert model.precision_ == precision
    training = {dtype for in_training, dtype in recorder.seen if in_training}
    assert training == {getattr(torch, precision)}
    assert {dtype for in_training, dtype in recorder.seen if not in_training} == {
        torch.float32
    }
    assert all(p.dtype == torch.float32 for p in model.net_.module_.parameters())
    assert model.predict(ratings).dtype == np.float32


def test_auto_precision_follows_the_measured_speedup(binary, monkeypatch):
    from sklearn_recae import MultDAE, base

    for speedup, expected in ((7.5, "bfloat16"), (1.1, "float32")):
        monkeypatch.setattr(
            "sklearn_recae.utils._device.bfloat16_speedup", lambda device, s=speedup: s
        )
        model = MultDAE(latent_dim=4, max_epochs=1, random_state=0).fit(binary)
        assert model.precision == "auto" and model.precision_ == expected
    assert base._BFLOAT16_MIN_SPEEDUP == 2.0


def test_precision_is_float32_under_an_accelerator(binary):
    pytest.importorskip("accelerate")
    from accelerate import Accelerator

    from sklearn_recae import MultDAE

    model = MultDAE(
        latent_dim=4,
        max_epochs=1,
        random_state=0,
        precision="bfloat16",
        accelerator=Accelerator(cpu=True),
    ).fit(binary)
    assert model.precision_ == "float32"


def test_bfloat16_speedup_probe_leaves_torch_random_state_alone():
    from sklearn_recae.utils import _device

    _device._bfloat16_speedups.pop("cpu", None)
    state = torch.random.get_rng_state()
    assert _device.bfloat16_speedup("cpu") > 0
    assert torch.equal(torch.random.get_rng_state(), state)
